"""
What a report says, gathered through the query layer (`observatory.query`), the indicator registry
and the analytics results (`observatory.results`): the same numbers, with the same sources and
statuses, as the app and the API. Nothing here computes a statistic: figures, ranks, intervals,
reasons and neighbours come from the library; the one subtraction (2014 → 2024 change) is a
difference of two published figures shown side by side.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from observatory import query, registry
from observatory.database import Database
from observatory.enums import AREAS, DIMENSIONS, MAP_LEVELS, MODEL_STATUSES, SEXES
from observatory.errors import ObservatoryError, unknown_name
from observatory.formatting import NOUNS, counted, integer, number, percent
from observatory.plans import StoredPlan, read_plan

from .i18n import LANGUAGE_NAMES, REVIEW_TEXT, language_list, words

#: Context figures shown beside the index dimensions' indicators.
CONTEXT_FIGURES = ("population_legal", "households_count")
#: Their names in the report's own words (the registry's Arabic census labels still hold English words).
CONTEXT_WORDS = {"population_legal": "population", "households_count": "households"}
#: How many places to act first the brief lists, by the level of the report.
ACT_FIRST = {"region": 7, "province": 6, "commune": 0}
#: Towns named on a map: the largest GeoNames places of the area.
TOWNS_ON_MAP = 8
#: Opens a left-to-right isolate (a range, a date) in an Arabic sentence; U+2069 closes it.
LTR = "\u2066"


@dataclass
class MapLayer:
    """One static map: values by commune code, the national values its classes come from, its title, source
    and status (a simulated layer gets a banner)."""

    key: str
    title: str
    values: pd.Series
    national: pd.Series
    source: str
    status: str
    unit: str = ""
    higher_is_worse: bool = True
    uses_simulated: bool = False
    """The index computed with a simulated component: its map says so."""


@dataclass
class Basemap:
    """What orients a map: the area's communes, its provinces' outlines, the neighbouring régions in grey and
    the main towns (GeoNames places checked against the commune boundaries by the build)."""

    communes: Any
    provinces: Any
    neighbours: Any
    towns: pd.DataFrame


@dataclass
class Brief:
    """The first page: where the area stands, where to act first and why, what the plan covers, the
    caveats."""

    standing: str
    peers: pd.DataFrame
    """The area and its neighbours (or, for a commune, its province, région and Morocco) with rank and
    interval."""
    act_first: pd.DataFrame
    plan: str
    caveats: list[str]


@dataclass
class PlanContent:
    """A stored plan said for people: its review status, sentences, its sites in the area with the languages
    each must speak, the language plan, coverage by group, who is left out."""

    plan_id: str
    name: str
    status: str
    """The review status (draft, reviewed, approved, rejected): a plan is a proposal until approved."""
    review: str
    """The status in a sentence: who reviewed it, when and why (or that nobody has yet)."""
    reviews: pd.DataFrame
    """Every review of the plan, oldest first: status, who, when, why."""
    sentences: list[str]
    parameters: list[tuple[str, str]]
    sites: pd.DataFrame
    coverage: pd.DataFrame
    left_out: pd.DataFrame
    coverage_map: pd.Series
    """1 = covered, 0 = left out, by commune code: the plan's map."""
    languages: pd.DataFrame
    """Sites that must speak each local language, in the area and in Morocco."""
    language_sentences: list[str]
    """The language plan in words: the languages the area's sites must speak, the share served who cannot
    read."""


@dataclass
class ReportContent:
    """Everything a report shows; the renderers (HTML, PDF, XLSX, DOCX) only lay it out."""

    lang: str
    level: str
    code: str
    name: str
    name_fr: str
    name_ar: str
    parent: str
    population: float | None
    households: float | None
    n_communes: int
    brief: Brief
    key_figures: pd.DataFrame
    """The unit's figures beside its province and région (commune report) and Morocco: the total, then by
    area, then by sex, each row labelled (every sex-by-area cell is in the XLSX `models` and the API)."""
    provinces: pd.DataFrame
    communes: pd.DataFrame
    """One row per commune, most fragile first: code, names, province, type, population, rank, interval,
    indicators."""
    commune_columns: dict[str, str]
    """Column id -> label of the report indicators in `communes`."""
    column_status: dict[str, str]
    """The status of every indicator column of `communes` (a simulated one is never printed as a fact)."""
    changes: pd.DataFrame
    models: pd.DataFrame
    maps: list[MapLayer]
    basemap: Basemap
    highlight: str | None
    method: dict[str, Any]
    definitions: pd.DataFrame
    sources: pd.DataFrame
    files: pd.DataFrame
    """Each input file read by the build, once, with the sources whose figures it fed."""
    provenance: pd.DataFrame
    build: dict[str, str]
    province_layer: MapLayer | None = None
    """The région's provinces coloured by their index (classes of the 75 provinces)."""
    plan: PlanContent | None = None
    generated: str = field(default_factory=lambda: dt.date.today().isoformat())

    @property
    def text(self) -> dict[str, str]:
        return words(self.lang)

    @property
    def direction(self) -> str:
        return "rtl" if self.lang == "ar" else "ltr"

    @property
    def simulated(self) -> bool:
        """True when the report shows any simulated figure (then every page that shows one says so)."""
        return any(m.status == "simulated" for m in self.maps) or "simulated" in set(
            self.column_status.values()
        )

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables by sheet name, for the XLSX and DOCX exports."""
        out = {
            "brief": self.brief.act_first,
            "peers": self.brief.peers,
            "key_figures": self.key_figures,
            "provinces": self.provinces,
            "communes": self.communes,
            "changes": self.changes,
            "models": self.models,
            "definitions": self.definitions,
            "sources": self.sources,
            "files": self.files,
            "provenance": self.provenance,
        }
        if self.plan is not None:
            out |= {
                "plan_review": self.plan.reviews,
                "plan_languages": self.plan.languages,
                "plan_sites": self.plan.sites,
                "plan_coverage": self.plan.coverage,
                "plan_left_out": self.plan.left_out,
            }
        return out


def report_indicators(database: Database) -> list[registry.Indicator]:
    """Registered indicators of the index dimensions that this database holds, in registry order."""
    held = set(query.catalogue(db=database)["indicator_id"])
    return [i for i in registry.CURATED if i.dimension is not None and i.id in held]


def _label(indicator_id: str, lang: str) -> str:
    if indicator_id in CONTEXT_WORDS:
        return words(lang)[CONTEXT_WORDS[indicator_id]].replace(" 2024", "")
    try:
        return registry.get(indicator_id).label(lang)
    except (KeyError, ObservatoryError):
        return indicator_id


def _unit(database: Database, level: str, code: str) -> pd.Series:
    found = query.units(level, db=database, codes=[code], geometry=False)
    if not len(found):
        valid = query.units(level, db=database, geometry=False)["code"]
        raise unknown_name(level, code, valid)
    return found.iloc[0]


def _name(row: Any, lang: str) -> str:
    return str(row["name_ar"] if lang == "ar" else row["name_fr"])


def _breakdown_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in reading order: the total first, then each sex, then urban and rural (the enumerations'
    order)."""
    return frame.assign(
        _s=frame["sex"].map({s: i for i, s in enumerate(SEXES)}),
        _a=frame["area"].map({a: i for i, a in enumerate(AREAS)}),
    )


def gather(
    *,
    level: str,
    code: str,
    lang: str = "fr",
    db: Database | str | None = None,
    plan: str | None = None,
) -> ReportContent:
    """The content of the report on one région, province or commune."""
    if level not in MAP_LEVELS:
        raise unknown_name("report level", level, MAP_LEVELS)
    text = words(lang)  # an unknown language fails before any reading
    database = query.connect(db).require()
    unit = _unit(database, level, code)
    name_fr, name_ar = str(unit["name_fr"]), str(unit["name_ar"])
    region_code = code if level == "region" else str(unit["region_code"])
    province_code = (
        str(unit["province_code"]) if level == "commune" else (code if level == "province" else None)
    )
    if level == "commune":
        area_communes = query.units("commune", db=database, province=province_code, geometry=False)
        parent = _unit(database, "province", province_code)
    else:
        area_communes = query.units(
            "commune",
            db=database,
            geometry=False,
            **({"region": code} if level == "region" else {"province": code}),
        )
        parent = _unit(database, "region", region_code) if level == "province" else None
    commune_codes = list(area_communes["code"])
    own_codes = [code] if level == "commune" else commune_codes
    provinces_of_region = query.units("province", db=database, region=region_code, geometry=False)
    province_names = {r.code: _name(r._asdict(), lang) for r in provinces_of_region.itertuples()}

    indicators = report_indicators(database)
    values = query.indicator_values(
        [i.id for i in indicators], db=database, level="commune", units=commune_codes
    )
    indicators = [
        i for i in indicators if i.id in set(values["indicator_id"])
    ]  # registered but not built: left out
    ids = [i.id for i in indicators]
    years = {i.id: int(values.loc[values["indicator_id"] == i.id, "year"].max()) for i in indicators}

    # Key figures: the unit's own value (each sex and area, total first) beside its parents and Morocco.
    compare = [
        code,
        *(
            [province_code, region_code]
            if level == "commune"
            else [region_code]
            if level == "province"
            else []
        ),
        "MA",
    ]
    figures = query.indicator_values(
        [*CONTEXT_FIGURES, *ids], db=database, level=None, units=compare, sex=None, area=None
    )
    key_figures = _key_figures(figures, [*CONTEXT_FIGURES, *ids], years, compare, lang)

    # Index: national commune values for the maps' classes; the area's ranks for the tables.
    index = _index(database, lang)
    communes = _communes(area_communes, own_codes, values, years, ids, index, province_names, lang)
    commune_columns = {i: _label(i, lang) for i in _table_indicators(indicators)}
    column_status = {i: _status_of(values, i) for i in ids}
    provinces = _provinces(database, index, region_code, lang)

    changes = _changes(database, indicators, level, code, lang)
    models = _models(database, level, code, lang)
    brief = _brief(database, level, code, region_code, province_code, index, communes, plan, lang)

    maps = _maps(index, values, indicators, years, commune_codes, lang)
    province_layer = None
    if index is not None and level == "region" and "index" in provinces:
        from observatory import results

        every = results.fragility_index("province", db=database).set_index("code")["index"]
        province_layer = MapLayer(
            "provinces",
            text["provinces_map"],
            provinces.set_index("code")["index"],
            every,
            registry.ANALYTICS_SOURCE,
            "derived",
        )
    basemap = _basemap(database, level, region_code, province_code, commune_codes, lang)

    # Annex: definitions, sources, each input file once, and which source each figure comes from.
    used = sorted({*CONTEXT_FIGURES, *ids, *models["indicator_id"]})
    catalogue = query.catalogue(db=database)
    definitions = (
        catalogue[catalogue["indicator_id"].isin(used)][
            ["indicator_id", "year", "heading", "unit", "definition", "source_id", "licence"]
        ]
        .drop_duplicates("indicator_id", keep="last")
        .reset_index(drop=True)
    )
    definitions.insert(1, "label", [_label(i, lang) for i in definitions["indicator_id"]])
    definitions = definitions.astype({c: "object" for c in ("heading", "definition", "licence")})
    definitions = definitions.where(definitions.notna(), "")
    shown = pd.concat([figures, values, models], ignore_index=True)
    provenance = (
        shown[["indicator_id", "status", "source_id", "run_id"]]
        .drop_duplicates(["indicator_id", "status", "source_id"])
        .sort_values(["indicator_id", "status"])
        .reset_index(drop=True)
    )
    provenance.insert(1, "label", [_label(i, lang) for i in provenance["indicator_id"]])
    provenance = provenance.groupby(["indicator_id", "label"], as_index=False, sort=False).agg(
        status=("status", lambda x: ", ".join(dict.fromkeys(x))),
        source_id=("source_id", lambda x: ", ".join(dict.fromkeys(x))),
        run_id=("run_id", lambda x: ", ".join(dict.fromkeys(str(r) for r in x if isinstance(r, str)))),
    )
    sources = query.sources(db=database)
    cited = set(shown["source_id"]) | set(definitions["source_id"])
    sources = sources[sources["source_id"].isin(cited)].reset_index(drop=True)
    sources = sources.astype({c: "object" for c in ("url", "sha256", "licence", "title")})
    sources = sources.where(sources.notna(), "")
    files = _files(database, provenance)
    builds = query.builds(db=database)
    last = builds.iloc[-1] if len(builds) else None
    build = {
        "build_id": str(last["build_id"]) if last is not None else "",
        "date": str(last["ended_at"])[:10] if last is not None else "",
        "version": _version(last["code_version"]) if last is not None else "",
        "database": database.display,
    }

    plan_content = (
        _plan_content(database, plan, level, code, own_codes, province_names, lang) if plan else None
    )
    if plan_content is not None:
        brief.plan = " ".join(
            [plan_content.review, *plan_content.sentences[1:], *plan_content.language_sentences]
        )
    return ReportContent(
        lang=lang,
        level=level,
        code=code,
        name=name_ar if lang == "ar" else name_fr,
        name_fr=name_fr,
        name_ar=name_ar,
        parent="" if parent is None else _name(parent, lang),
        population=_number(unit.get("population_2024")),
        households=_number(unit.get("households_2024")),
        n_communes=len(own_codes),
        brief=brief,
        key_figures=key_figures,
        provinces=provinces,
        communes=communes,
        commune_columns=commune_columns,
        column_status=column_status,
        changes=changes,
        models=models,
        maps=maps,
        basemap=basemap,
        highlight=code if level == "commune" else None,
        method=_method(database, own_codes[0], text, lang),
        definitions=definitions,
        sources=sources,
        files=files,
        provenance=provenance,
        build=build,
        province_layer=province_layer,
        plan=plan_content,
    )


def _version(raw: Any) -> str:
    """'0.1.0+e1bb8ff661cb' (or the older '296b16c51717+0.1.0') as 'version 0.1.0 (commit e1bb8ff661cb)'."""
    parts = str(raw).split("+")
    release = next((p for p in parts if p[:1].isdigit() and "." in p), parts[0])
    commits = [p for p in parts if p != release]
    return f"{release} ({commits[0][:12]})" if commits else release


def _status_of(values: pd.DataFrame, indicator_id: str) -> str:
    found = values.loc[values["indicator_id"] == indicator_id, "status"]
    return "simulated" if (found == "simulated").any() else (str(found.mode().iloc[0]) if len(found) else "")


def _key_figures(
    figures: pd.DataFrame,
    ids: list[str],
    years: dict[str, int],
    compare: list[str],
    lang: str,
) -> pd.DataFrame:
    """One row per (indicator, sex, area): the value, its interval and status for the unit, and each
    comparison."""
    rows = []
    figures = _breakdown_order(figures)
    for indicator_id in ids:
        year = years.get(indicator_id, 2024)
        mine = figures[
            (figures["indicator_id"] == indicator_id)
            & (figures["year"] == year)
            & (figures["status"] != "simulated")
        ]  # simulated figures are no key figures
        mine = mine.sort_values("period").drop_duplicates(["unit_code", "sex", "area"], keep="last")
        if indicator_id in CONTEXT_FIGURES:
            mine = mine[(mine["sex"] == "all") & (mine["area"] == "total")]
        here = mine[mine["unit_code"] == compare[0]]
        here = here[(here["sex"] == "all") | (here["area"] == "total")]
        if len(compare) > 2:  # a commune is urban or rural: its area rows repeat its total
            here = here[here["area"] == "total"]
        here = here.sort_values(["_a", "_s"])
        for r in here.itertuples():
            same = mine[(mine["sex"] == r.sex) & (mine["area"] == r.area)].set_index("unit_code")["value"]
            row = {
                "indicator_id": indicator_id,
                "label": _label(indicator_id, lang),
                "sex": r.sex,
                "area": r.area,
                "year": year,
                "unit": r.unit,
                "value": r.value,
                "lower": r.lower,
                "upper": r.upper,
                "status": r.status,
                "source_id": r.source_id,
            }
            for i, other in enumerate(compare[1:]):
                row[f"compare_{i}"] = same.get(other)
            rows.append(row)
    columns = [
        "indicator_id",
        "label",
        "sex",
        "area",
        "year",
        "unit",
        "value",
        "lower",
        "upper",
        "status",
        "source_id",
        *[f"compare_{i}" for i in range(len(compare) - 1)],
    ]
    return pd.DataFrame(rows, columns=columns)


def _index(database: Database, lang: str) -> pd.DataFrame | None:
    """Every commune's index, rank and interval (national: the maps' classes and the ranks are national)."""
    if "index_score" not in database.tables():
        return None
    from observatory import results

    return results.fragility_index("commune", db=database, lang=lang)


def _communes(
    area: pd.DataFrame,
    own: list[str],
    values: pd.DataFrame,
    years: dict[str, int],
    ids: list[str],
    index: pd.DataFrame | None,
    province_names: dict[str, str],
    lang: str,
) -> pd.DataFrame:
    latest = values[(values["year"] == values["indicator_id"].map(years))]
    wide = (
        latest.pivot_table(
            index="unit_code", columns="indicator_id", values="value", aggfunc="first", dropna=False
        )
        if len(latest)
        else pd.DataFrame()
    )
    frame = area[area["code"].isin(own)][
        ["code", "name_fr", "name_ar", "province_code", "type", "population_2024"]
    ].copy()
    frame.insert(3, "province", frame["province_code"].map(province_names))
    if index is not None:
        ranks = index.set_index("code")[
            [
                "rank",
                "rank_lower",
                "rank_upper",
                "p_top_decile",
                "p_region_top10",
                "index",
                "score_lower",
                "score_upper",
            ]
        ]
        frame = frame.join(ranks, on="code")
        frame = frame.sort_values(["rank", "code"], na_position="last")
    frame = frame.join(wide.reindex(columns=ids), on="code")
    return frame.drop(columns=["province_code"]).reset_index(drop=True)


def _provinces(database: Database, index: pd.DataFrame | None, region_code: str, lang: str) -> pd.DataFrame:
    """The région's provinces with population, index, rank among the 75 and interval (most fragile first)."""
    units = query.units("province", db=database, region=region_code, geometry=False)
    frame = units[["code", "name_fr", "name_ar", "population_2024"]].copy()
    frame.insert(1, "name", [_name(r, lang) for _, r in units.iterrows()])
    if index is None:
        return frame
    from observatory import results

    scores = results.fragility_index("province", db=database, region=region_code, lang=lang)
    frame = frame.merge(
        scores[["code", "index", "rank", "rank_lower", "rank_upper", "n_units", *DIMENSIONS]],
        on="code",
        how="left",
    )
    return frame.sort_values("rank").reset_index(drop=True)


def _table_indicators(indicators: list[registry.Indicator], per_dimension: int = 2) -> list[str]:
    """The columns of the printed tables by commune: the first census or modelled indicators of each dimension
    (measured and simulated connector figures stay in the XLSX and the API, not on paper)."""
    chosen: list[str] = []
    for dimension in DIMENSIONS:
        own = [
            i.id
            for i in indicators
            if i.dimension == dimension and i.status in ("published", "derived", "modelled")
        ]
        chosen += own[:per_dimension]
    return chosen


def _number(value: Any) -> float | None:
    try:
        return None if pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return None


def _changes(
    database: Database, indicators: list[registry.Indicator], level: str, code: str, lang: str
) -> pd.DataFrame:
    """2014 → 2024 for the unit, for each indicator published both years, each sex and area (total first)."""
    columns = ["indicator_id", "label", "sex", "area", "unit", "value_2014", "value_2024", "change"]
    both_ids = [i.id for i in indicators if {2014, 2024} <= set(i.years)]
    if not both_ids:
        return pd.DataFrame(columns=columns)
    both = query.indicator_values(
        both_ids, db=database, level=level, units=[code], year=[2014, 2024], sex=None, area=None
    )
    rows = []
    for (indicator_id, sex, area), group in both.groupby(["indicator_id", "sex", "area"], sort=False):
        by_year = group.set_index("year")["value"]
        if 2014 in by_year and 2024 in by_year:
            rows.append(
                {
                    "indicator_id": indicator_id,
                    "label": _label(indicator_id, lang),
                    "sex": sex,
                    "area": area,
                    "unit": group.iloc[0]["unit"],
                    "value_2014": by_year[2014],
                    "value_2024": by_year[2024],
                    "change": by_year[2024] - by_year[2014],
                }
            )
    frame = _breakdown_order(pd.DataFrame(rows, columns=columns))
    frame = frame[(frame["sex"] == "all") | (frame["area"] == "total")]
    if level == "commune":
        frame = frame[frame["area"] == "total"]
    order = {i: n for n, i in enumerate(both_ids)}
    frame = frame.assign(_i=frame["indicator_id"].map(order)).sort_values(["_i", "_a", "_s"])
    return frame.drop(columns=["_i", "_s", "_a"]).reset_index(drop=True)


def _models(database: Database, level: str, code: str, lang: str) -> pd.DataFrame:
    """Modelled estimates and forecasts for the unit and Morocco, every sex and area, with their intervals."""
    models = query.indicator_values(
        None, db=database, level=None, units=[code, "MA"], status=list(MODEL_STATUSES), sex=None, area=None
    )
    models = models[models["level"].isin([level, "country"])]
    models = _breakdown_order(models).assign(_u=lambda f: (f["unit_code"] == "MA").astype(int))
    models = models.sort_values(["indicator_id", "_u", "year", "_s", "_a"])
    models = models[
        [
            "unit_code",
            "level",
            "indicator_id",
            "sex",
            "area",
            "year",
            "period",
            "value",
            "lower",
            "upper",
            "unit",
            "status",
            "source_id",
            "run_id",
        ]
    ].reset_index(drop=True)
    models.insert(3, "label", [_label(i, lang) for i in models["indicator_id"]])
    return models


def _certainty(p_top_decile: float, p_region_top10: float, lang: str) -> str:
    """The index's certainty figures, from its Monte Carlo draws: the share of draws in which the commune is
    among Morocco's 10% most fragile, then among its région's ten most fragile (the column says which)."""
    return (
        f"{percent(100 * p_top_decile, lang, decimals=0)} · {percent(100 * p_region_top10, lang, decimals=0)}"
    )


def _brief(
    database: Database,
    level: str,
    code: str,
    region_code: str,
    province_code: str | None,
    index: pd.DataFrame | None,
    communes: pd.DataFrame,
    plan: str | None,
    lang: str,
) -> Brief:
    text = words(lang)
    caveats = [text["caveat_modelled"], text["caveat_interval"]]
    if index is None:
        return Brief(text["no_index"], pd.DataFrame(), pd.DataFrame(), text["no_plan"], caveats)
    from observatory import results

    if level == "commune":
        standing = results.explanation(code, db=database, lang=lang)
        peers = pd.concat(
            [
                results.fragility_index("commune", db=database, lang=lang).query("code == @code"),
                results.fragility_index("province", db=database, lang=lang).query("code == @province_code"),
                results.fragility_index("region", db=database, lang=lang).query("code == @region_code"),
            ],
            ignore_index=True,
        )
    else:
        scores = results.fragility_index(level, db=database, lang=lang)
        standing = str(scores.loc[scores["code"] == code, "explanation"].iloc[0])
        near = [code, *query.neighbours(level, code, db=database)]
        peers = scores[scores["code"].isin(near)]
    peers = peers.assign(name=[_name(r, lang) for _, r in peers.iterrows()], own=peers["code"] == code)
    peers = peers[["code", "name", "level", "index", "rank", "rank_lower", "rank_upper", "n_units", "own"]]
    peers = peers.reset_index(drop=True)

    act = communes.dropna(subset=["rank"]).head(ACT_FIRST[level])
    if len(act):
        reasons = results.measured_explanations(list(act["code"]), db=database, lang=lang)
        act = pd.DataFrame(
            {
                "rank": act["rank"].astype(int).to_numpy(),
                "rank_lower": act["rank_lower"].astype(int).to_numpy(),
                "rank_upper": act["rank_upper"].astype(int).to_numpy(),
                "code": act["code"].to_numpy(),
                "name": act["name_ar" if lang == "ar" else "name_fr"].to_numpy(),
                "province": act["province"].to_numpy(),
                "population": act["population_2024"].to_numpy(),
                "index": act["index"].to_numpy(),
                "certainty": [
                    _certainty(national, region, lang)
                    for national, region in zip(act["p_top_decile"], act["p_region_top10"], strict=True)
                ],
                "reason": [_reason_only(reasons.get(c, "")) for c in act["code"]],
            }
        )
    if (index["uses_simulated"] == 1).any():
        caveats.insert(0, text["caveat_simulated"])
    plan_line = text["no_plan"] if plan is None else ""
    return Brief(standing, peers, act, plan_line, caveats)


def _reason_only(sentence: str) -> str:
    """The 'because ...' part of an explanation (the rank and interval have their own columns)."""
    for marker in (
        ", principalement parce que ",
        ", mainly because ",
        "، أساسا لأن ",
        " ; ses points faibles : ",
        "; its weak points: ",
        "؛ نقاط ضعفها: ",
    ):
        if marker in sentence:
            return sentence.split(marker, 1)[1].rstrip(".")
    return ""


def _maps(
    index: pd.DataFrame | None,
    values: pd.DataFrame,
    indicators: list[registry.Indicator],
    years: dict[str, int],
    commune_codes: list[str],
    lang: str,
) -> list[MapLayer]:
    """The index and each dimension (when the analytics layer provides them), else each dimension's
    indicators."""
    text = words(lang)
    if index is not None:
        national = index.set_index("code")
        own = national[national.index.isin(commune_codes)]
        layers = [
            MapLayer(
                "index",
                f"{text['map_index']} ({_isolated('0–100', lang, LTR)})",
                own["index"],
                national["index"],
                registry.ANALYTICS_SOURCE,
                "derived",
                uses_simulated=bool((own["uses_simulated"] == 1).any()),
            )
        ]
        simulated_dims = {i.dimension for i in indicators if _status_of(values, i.id) == "simulated"}
        for dimension in DIMENSIONS:
            if dimension in own and own[dimension].notna().any():
                layers.append(
                    MapLayer(
                        dimension,
                        f"{text['dimension']} — {registry.DIMENSION_LABELS[dimension][lang]} "
                        f"({_isolated('0–100', lang, LTR)})",
                        own[dimension],
                        national[dimension],
                        registry.ANALYTICS_SOURCE,
                        "simulated" if dimension in simulated_dims else "derived",
                    )
                )
        return layers
    latest = values[values["year"] == values["indicator_id"].map(years)]
    layers = []
    for indicator in indicators:
        series = latest[latest["indicator_id"] == indicator.id].set_index("unit_code")["value"]
        label = indicator.label(lang)
        label = label if str(years[indicator.id]) in label else f"{label} ({years[indicator.id]})"
        layers.append(
            MapLayer(
                indicator.id,
                f"{registry.DIMENSION_LABELS[indicator.dimension][lang]} — {label}",
                series,
                series,
                indicator.source,
                _status_of(values, indicator.id),
                indicator.unit,
                indicator.direction == "higher_is_worse",
            )
        )
    return layers


def _basemap(
    database: Database,
    level: str,
    region_code: str,
    province_code: str | None,
    commune_codes: list[str],
    lang: str,
) -> Basemap:
    communes = query.web_geometry("commune", detail="low", db=database)
    communes = communes[communes["code"].isin(commune_codes)]
    provinces = query.web_geometry("province", detail="low", db=database)
    if level == "region":
        provinces = provinces[provinces["code"].str.startswith(region_code + ".")]
        neighbours = query.web_geometry("region", detail="low", db=database)
        neighbours = neighbours[neighbours["code"].isin(query.neighbours("region", region_code, db=database))]
    else:
        provinces = provinces[provinces["code"] == province_code]
        around = query.neighbours("province", province_code, db=database)
        neighbours = query.web_geometry("province", detail="low", db=database)
        neighbours = neighbours[neighbours["code"].isin(around)]
    towns = query.ground_control(db=database)
    towns = towns[towns["commune_code"].isin(commune_codes) & (towns["status"] == "control")]
    towns = towns.sort_values("population", ascending=False).head(TOWNS_ON_MAP)
    if lang == "ar":  # GeoNames names are Latin: the Arabic page names a town by its commune's Arabic name
        names = query.units("commune", db=database, codes=list(towns["commune_code"]), geometry=False)
        arabic = names.set_index("code")["name_ar"]
        towns = towns.assign(
            name=[arabic.get(c, n) for c, n in zip(towns["commune_code"], towns["name"], strict=True)]
        )
    return Basemap(
        communes, provinces, neighbours, towns[["name", "lon", "lat", "population"]].reset_index(drop=True)
    )


def _method(database: Database, code: str, text: dict[str, str], lang: str) -> dict[str, Any]:
    """The index's method in words: its dimensions with the components the stored index used (read from its
    contributions for one commune), and how it is weighted and ranked."""
    parts = pd.DataFrame(columns=["indicator_id", "dimension"])
    if "index_contribution" in database.tables():
        from observatory import results

        parts = results.index_contributions(code, db=database)
    dims = []
    for dimension in DIMENSIONS:
        own = parts.loc[parts["dimension"] == dimension, "indicator_id"]
        if len(parts) and not len(own):  # a dimension the stored index leaves out is not described
            continue
        labels = list(dict.fromkeys(_label(i, lang) for i in own)) or [text["method_usage"]]
        dims.append({"name": registry.DIMENSION_LABELS[dimension][lang], "components": labels})
    from observatory.method_summary import TITLE, method_summary

    return {
        "dimensions": dims,
        "paragraphs": [text[f"method_{i}"] for i in range(1, 5)],
        "summary": method_summary(db=database, lang=lang) if "model_card" in database.tables() else [],
        "summary_title": TITLE[lang],
    }


def _files(database: Database, provenance: pd.DataFrame) -> pd.DataFrame:
    """Every input file the build read for the shown figures, listed once with its digest and version."""
    runs = query.etl_runs(db=database)
    wanted = {r.strip() for joined in provenance["run_id"] for r in str(joined).split(",") if r.strip()}
    runs = runs[runs["run_id"].isin(wanted)]
    rows: dict[str, dict[str, str]] = {}
    for run in runs.itertuples():
        try:
            items = json.loads(run.inputs) if isinstance(run.inputs, str) else []
        except json.JSONDecodeError:
            items = []
        for item in items:
            if isinstance(item, dict) and item.get("name") and item.get("sha256"):
                entry = rows.setdefault(
                    str(item["name"]),
                    {
                        "file": str(item["name"]),
                        "sha256": str(item.get("sha256") or ""),
                        "version": str(item.get("version") or ""),
                        "jobs": set(),
                    },
                )
                entry["jobs"].add(str(run.job))
    frame = pd.DataFrame(
        [{**r, "jobs": ", ".join(sorted(r["jobs"]))} for r in rows.values()],
        columns=["file", "sha256", "version", "jobs"],
    )
    return frame.sort_values("file").reset_index(drop=True)


def _plan_content(
    database: Database,
    plan_id: str,
    level: str,
    code: str,
    own_codes: list[str],
    province_names: dict[str, str],
    lang: str,
) -> PlanContent:
    """The stored plan said for people: what it covers in the area and who it leaves out."""
    text = words(lang)
    if "plan" not in database.tables():
        raise ObservatoryError(f"this database holds no deployment plans; cannot include plan {plan_id!r}")
    stored = read_plan(plan_id, db=database)
    row, params = stored.summary, stored.params
    every_site = stored.sites
    sites = every_site[every_site["code"].isin(own_codes) | (level == "commune")]
    area = stored.coverage[stored.coverage["code"].isin(own_codes)]
    audit = stored.audit[stored.audit["plan"] == "optimal"]
    region_code = code[:2]
    here = audit[(audit["group_type"] == "region") & (audit["group"] == region_code)]
    others = audit[~audit["group_type"].isin(["region"])]
    covered_share = float(here["covered_share"].iloc[0]) if len(here) else None
    need = float(here["need"].iloc[0]) if len(here) else None
    sites_table = pd.DataFrame(
        {
            "code": sites["code"].to_numpy(),
            "commune": [_name(r, lang) for _, r in sites.iterrows()],
            "province": sites["province_code"].map(province_names).to_numpy(),
            "kind": sites["kind"].to_numpy(),
            "sites": sites["sites"].to_numpy(),
            "need_served": sites["need_served"].to_numpy(),
            "languages": [language_list(_languages(x), lang) for x in sites["languages"]],
            "voice_only_share": sites["voice_only_share"].to_numpy() * 100,
            "lon": sites["lon"].to_numpy(),
            "lat": sites["lat"].to_numpy(),
        }
    )
    nearest = ""
    if level == "commune":  # the plan's nearest site, said as a distance from the commune
        own = area.iloc[0] if len(area) else None
        sites_table = sites_table.iloc[:0]
        if own is not None:
            nearest = text["plan_nearest_yes" if own["covered"] else "plan_nearest_no"].format(
                distance=f"{number(own['distance_km'], lang)} {registry.unit_label('km', lang)}"
            )
    left = area[area["covered"] == 0].sort_values("need", ascending=False)
    left_out = pd.DataFrame(
        {
            "code": left["code"].to_numpy(),
            "commune": [_name(r, lang) for _, r in left.iterrows()],
            "province": left["province_code"].map(province_names).to_numpy(),
            "need": left["need"].to_numpy(),
            "distance_km": left["distance_km"].to_numpy(),
        }
    ).head(15)
    provinces = stored.coverage_by_province
    provinces = provinces[provinces["code"].isin(set(area["province_code"]))]
    coverage_rows = pd.concat(
        [
            pd.DataFrame(
                {
                    "scope": text["group_province"],
                    "group": provinces["code"].map(province_names),
                    "need": provinces["need"],
                    "covered_share": provinces["covered_share"] * 100,
                    "communes_left_out": provinces["communes_left_out"],
                }
            ),
            pd.DataFrame(
                {
                    "scope": text["morocco"]
                    + others["group_type"]
                    .map({"area": " — " + text["area"], "sex": " — " + text["sex"]})
                    .fillna(""),
                    "group": [
                        text.get(f"{'area' if t == 'area' else 'sex'}_{g}", g)
                        for t, g in zip(others["group_type"], others["group"], strict=True)
                    ],
                    "need": others["need"],
                    "covered_share": others["covered_share"] * 100,
                    "communes_left_out": others["communes_left_out"],
                }
            ),
        ],
        ignore_index=True,
    )
    sentences = [
        text["plan_scope"].format(
            sites=counted(row["sites_new"], NOUNS["site"][lang], lang),
            radius=number(row["radius_km"], lang),
            share=percent(row["covered_share"] * 100, lang, decimals=0),
        )
    ]
    if covered_share is not None:
        sentences.append(
            text["plan_here"].format(
                share=percent(covered_share * 100, lang, decimals=0),
                need=counted(need, NOUNS["person"][lang], lang),
                left=counted(here["communes_left_out"].iloc[0], NOUNS["commune"][lang], lang),
            )
        )
    gain = float(row["gain_over_best_points"])
    sentences.append(
        text["plan_naive" if round(gain, 1) else "plan_naive_equal"].format(
            baseline=text[f"baseline_{row['best_baseline']}"],
            gain=f"{number(gain, lang)} {text['points']}",
            naive=percent(row["best_baseline_covered_share"] * 100, lang, decimals=1),
        )
    )
    if nearest:
        sentences.append(nearest)
    status = str(row["review_status"])
    reviews = stored.reviews
    review = (
        text["plan_review_none"].format(status=REVIEW_TEXT[lang][status])
        if reviews.empty
        else text["plan_review"].format(
            status=REVIEW_TEXT[lang][status],
            who=_isolated(reviews["reviewer"].iloc[-1], lang),
            date=_isolated(str(reviews["reviewed_at"].iloc[-1])[:10], lang, LTR),
            reason=_isolated(reviews["reason"].iloc[-1], lang),
        )
    )
    if not reviews.empty and status != "approved":
        review += " " + text["plan_proposal"]
    languages, language_sentences = _language_plan(stored, level, code, sites, area, lang)
    share = {
        k: percent(float(params[k]) * 100, lang, decimals=0) if params.get(k) is not None else text["none"]
        for k in ("min_rural_share", "min_women_share")
    }
    parameters = [
        (text["param_need"], _label(str(params.get("need", "")), lang)),
        (
            text["param_radius"],
            (f"{number(params.get('radius_km', row['radius_km']), lang)} {registry.unit_label('km', lang)}"),
        ),
        (text["param_sites"], integer(params.get("sites", row["sites_new"]), lang)),
        (text["param_rural"], share["min_rural_share"]),
        (text["param_women"], share["min_women_share"]),
        (
            text["param_budget"],
            text["none"] if params.get("budget") is None else integer(params["budget"], lang),
        ),
    ]
    return PlanContent(
        plan_id=str(plan_id),
        name=str(row["name"]),
        status=status,
        review=review,
        reviews=reviews.assign(status_words=reviews["status"].map(REVIEW_TEXT[lang])),
        sentences=sentences,
        parameters=parameters,
        sites=sites_table,
        coverage=coverage_rows,
        left_out=left_out,
        coverage_map=area.set_index("code")["covered"],
        languages=languages,
        language_sentences=language_sentences,
    )


def _isolated(text: Any, lang: str, opener: str = "\u2068") -> str:
    """Free text (a reviewer's name, a reason, in any script) or a date set apart from an Arabic sentence's
    direction, so bidi does not reorder it; other pages take it as it is."""
    return f"{opener}{text}\u2069" if lang == "ar" else str(text)


def _languages(joined: Any) -> list[str]:
    """A site's languages as stored (`;`-separated, most needed first)."""
    return [x for x in str(joined).split(";") if x] if isinstance(joined, str) else []


def _language_plan(
    stored: StoredPlan,
    level: str,
    code: str,
    sites: pd.DataFrame,
    area: pd.DataFrame,
    lang: str,
) -> tuple[pd.DataFrame, list[str]]:
    """The plan's language plan for the area (the région or province of the report; for a commune, the site
    that serves it): sites per language here and in Morocco, and the share served who cannot read."""
    text = words(lang)
    within = {"province": code} if level == "province" else {"region": code[:2]}
    national = stored.languages.set_index("language")["sites"]
    here = stored.languages_within(**within).set_index("language")["sites"]
    order = list(dict.fromkeys([*here.index, *national.index]))
    table = pd.DataFrame(
        {
            "language": order,
            "name": [LANGUAGE_NAMES[lang].get(x, x) for x in order],
            "sites_here": here.reindex(order).fillna(0).astype(int).to_numpy(),
            "sites_morocco": national.reindex(order).fillna(0).astype(int).to_numpy(),
        }
    )
    voice_national = percent(stored.voice_only_share * 100, lang, decimals=0)
    if level == "commune":
        served_by = area["site_code"].iloc[0] if len(area) else None
        site = stored.sites[stored.sites["code"] == served_by]
        if not len(site):
            return table, []
        site = site.iloc[0]
        return table, [
            text["plan_site_languages" if area["covered"].iloc[0] else "plan_nearest_languages"].format(
                site=_name(site, lang),
                languages=language_list(_languages(site["languages"]), lang),
                voice=percent(site["voice_only_share"] * 100, lang, decimals=0),
            )
        ]
    n_sites = int(sites["sites"].sum())
    if not n_sites:
        return table, [text["plan_language_none"]]
    if n_sites == 1:
        line = text["plan_language_one"].format(languages=language_list(list(here.index), lang))
    else:
        spoken = ("، " if lang == "ar" else ", ").join(
            f"{LANGUAGE_NAMES[lang].get(x, x)}\u00a0({counted(n, NOUNS['site'][lang], lang)})"
            for x, n in here.items()
        )
        line = text["plan_language_line"].format(
            sites=counted(n_sites, NOUNS["site"][lang], lang), languages=spoken
        )
    voice = stored.voice_only_share_within(**within)
    return table, [
        line,
        text["plan_voice"].format(share=percent(voice * 100, lang, decimals=0), national=voice_national),
    ]
