"""
What a report says, gathered through the query layer (`observatory.query`), the indicator registry
and the analytics results (`observatory.results`): the same numbers, with the same sources, as the
app and the API. Nothing here computes a statistic; the one subtraction (2014 → 2024 change) is a
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
from observatory.enums import DIMENSIONS, MAP_LEVELS, MODEL_STATUSES
from observatory.errors import ObservatoryError, unknown_name

from .i18n import words

#: Context figures shown on the summary page beside the index dimensions' indicators.
CONTEXT_FIGURES = ("population_legal", "households_count")
CONTEXT_LABELS = {"population_legal": lambda lang: words(lang)["population"].replace(" 2024", ""),
                  "households_count": lambda lang: words(lang)["households"].replace(" 2024", "")}


@dataclass
class MapLayer:
    """One static map: values by commune code, with its title and source."""

    key: str
    title: str
    values: pd.Series
    source: str
    unit: str = ""
    higher_is_worse: bool = True


@dataclass
class ReportContent:
    """Everything a report shows; the renderers (HTML, PDF, XLSX) only lay it out."""

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
    key_figures: pd.DataFrame
    communes: pd.DataFrame
    """One row per commune: code, names, type, population, one column per report indicator."""
    commune_columns: dict[str, str]
    """Column id -> label of the report indicators in `communes`."""
    changes: pd.DataFrame
    models: pd.DataFrame
    most_in_need: pd.DataFrame | None
    maps: list[MapLayer]
    geometry: Any
    """Commune polygons of the area (simplified), for the maps."""
    highlight: str | None
    definitions: pd.DataFrame
    sources: pd.DataFrame
    provenance: pd.DataFrame
    build: dict[str, str]
    plan: dict[str, Any] | None = None
    generated: str = field(default_factory=lambda: dt.date.today().isoformat())

    @property
    def text(self) -> dict[str, str]:
        return words(self.lang)

    @property
    def direction(self) -> str:
        return "rtl" if self.lang == "ar" else "ltr"

    def tables(self) -> dict[str, pd.DataFrame]:
        """The report's tables by sheet name, for XLSX export."""
        out = {
            "key_figures": self.key_figures, "communes": self.communes, "changes": self.changes,
            "models": self.models, "definitions": self.definitions, "sources": self.sources,
            "provenance": self.provenance,
        }
        if self.most_in_need is not None:
            out["most_in_need"] = self.most_in_need
        if self.plan is not None:
            for name, value in self.plan.items():
                if isinstance(value, pd.DataFrame):
                    out[f"plan_{name}"[:31]] = value
        return out


def report_indicators(database: Database) -> list[registry.Indicator]:
    """Registered indicators of the index dimensions that this database holds, in registry order."""
    held = set(query.catalogue(db=database)["indicator_id"])
    return [i for i in registry.CURATED if i.dimension is not None and i.id in held]


def _label(indicator_id: str, lang: str) -> str:
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


def gather(
    *, level: str, code: str, lang: str = "fr", db: Database | str | None = None, plan: str | None = None,
) -> ReportContent:
    """The content of the report on one région, province or commune."""
    if level not in MAP_LEVELS:
        raise unknown_name("report level", level, MAP_LEVELS)
    words(lang)  # an unknown language fails before any reading
    database = query.connect(db).require()
    unit = _unit(database, level, code)
    name_fr, name_ar = str(unit["name_fr"]), str(unit["name_ar"])
    if level == "commune":
        area_communes = query.units("commune", db=database, province=unit["province_code"], geometry=False)
        parent = _unit(database, "province", unit["province_code"])
    else:
        area_communes = query.units("commune", db=database, geometry=False,
                                    **({"region": code} if level == "region" else {"province": code}))
        parent = _unit(database, "region", unit["region_code"]) if level == "province" else None
    commune_codes = list(area_communes["code"])
    own_codes = [code] if level == "commune" else commune_codes

    indicators = report_indicators(database)
    values = query.indicator_values([i.id for i in indicators], db=database, level="commune", units=commune_codes)
    indicators = [i for i in indicators if i.id in set(values["indicator_id"])]  # registered but not built: left out
    ids = [i.id for i in indicators]
    years = {i.id: max(i.years) for i in indicators}

    # Key figures: the unit's own published or aggregated value beside Morocco's.
    figures = query.indicator_values([*CONTEXT_FIGURES, *ids], db=database, level=None, units=[code, "MA"])
    figures = figures[figures["level"].isin([level, "country"])]
    rows = []
    for indicator_id in [*CONTEXT_FIGURES, *ids]:
        year = years.get(indicator_id, 2024)
        mine = figures[(figures.indicator_id == indicator_id) & (figures.year == year)]
        here = mine[mine.unit_code == code]
        there = mine[mine.unit_code == "MA"]
        if not len(here):
            continue
        rows.append({
            "indicator_id": indicator_id, "year": year,
            "label": CONTEXT_LABELS[indicator_id](lang) if indicator_id in CONTEXT_LABELS else _label(indicator_id, lang),
            "unit": here.iloc[0]["unit"], "value": here.iloc[0]["value"],
            "morocco": there.iloc[0]["value"] if len(there) else None,
            "status": here.iloc[0]["status"], "source_id": here.iloc[0]["source_id"],
        })
    key_figures = pd.DataFrame(rows, columns=["indicator_id", "label", "year", "unit", "value", "morocco", "status",
                                              "source_id"])

    # Tables by commune: the report indicators for the latest census year of each.
    latest = values[values["year"] == values["indicator_id"].map(years)]
    wide = latest.pivot_table(index="unit_code", columns="indicator_id", values="value", aggfunc="first",
                              dropna=False) if len(latest) else pd.DataFrame()
    communes = area_communes[["code", "name_fr", "name_ar", "type", "population_2024"]].copy()
    if level == "commune":
        communes = communes[communes["code"] == code]
    communes = communes.join(wide.reindex(columns=ids), on="code")
    commune_columns = {i: _label(i, lang) for i in _table_indicators(indicators)}

    # 2014 -> 2024 for the unit, for each indicator published both years.
    both = query.indicator_values([i.id for i in indicators if {2014, 2024} <= set(i.years)], db=database,
                                  level=level, units=[code], year=[2014, 2024]) if indicators else values.iloc[:0]
    changes = []
    for indicator_id, group in both.groupby("indicator_id", sort=False):
        by_year = group.set_index("year")["value"]
        if 2014 in by_year and 2024 in by_year:
            changes.append({"indicator_id": indicator_id, "label": _label(indicator_id, lang),
                            "unit": group.iloc[0]["unit"], "value_2014": by_year[2014], "value_2024": by_year[2024],
                            "change": by_year[2024] - by_year[2014]})
    changes_frame = pd.DataFrame(changes, columns=["indicator_id", "label", "unit", "value_2014", "value_2024", "change"])

    # Modelled estimates and forecasts, with their intervals.
    # (The unit and Morocco; commune-level estimates are in the tables by commune and the XLSX.)
    models = query.indicator_values(None, db=database, level=None, units=[code, "MA"],
                                    status=list(MODEL_STATUSES), sex=None, area="total")
    models = models[models["level"].isin([level, "country"])]
    models = models[["unit_code", "level", "indicator_id", "year", "period", "value", "lower", "upper", "unit",
                     "status", "source_id"]].copy()
    models.insert(2, "label", [_label(i, lang) for i in models["indicator_id"]])

    # The index, its dimensions and the communes most in need, when the analytics layer provides them.
    most_in_need, maps = _index_content(database, level, code, own_codes, lang)
    if not maps:
        for indicator in indicators:
            series = latest[latest.indicator_id == indicator.id].set_index("unit_code")["value"]
            label = indicator.label(lang)
            label = label if str(years[indicator.id]) in label else f"{label} ({years[indicator.id]})"
            maps.append(MapLayer(indicator.id, f"{registry.DIMENSION_LABELS[indicator.dimension][lang]} — {label}", series,
                                 indicator.source, indicator.unit, indicator.direction == "higher_is_worse"))
    geometry = query.web_geometry("commune", detail="low", db=database)
    geometry = geometry[geometry["code"].isin(commune_codes)]

    # Annex: definitions, sources, licences, build and the provenance of every figure.
    used = sorted({*CONTEXT_FIGURES, *ids, *models["indicator_id"]})
    catalogue = query.catalogue(db=database)
    definitions = catalogue[catalogue["indicator_id"].isin(used)][
        ["indicator_id", "year", "label_fr", "label_en", "heading", "unit", "definition", "denominator",
         "aggregation", "source_id", "licence"]].reset_index(drop=True)
    definitions.insert(2, "label", [_label(i, lang) for i in definitions["indicator_id"]])
    text_columns = ["heading", "definition", "denominator", "aggregation", "licence"]
    definitions[text_columns] = definitions[text_columns].astype("object").where(definitions[text_columns].notna(), "")
    shown = pd.concat([figures, values, both], ignore_index=True)
    provenance = _provenance(database, shown)
    sources = query.sources(db=database)
    cited = set(provenance["source_id"]) | set(definitions["source_id"].dropna()) | set(models["source_id"])
    sources = sources[sources["source_id"].isin(cited)].reset_index(drop=True)
    builds = query.builds(db=database)
    last = builds.iloc[-1] if len(builds) else None
    build = {"build_id": str(last["build_id"]) if last is not None else "",
             "date": str(last["ended_at"])[:10] if last is not None else "",
             "version": str(last["code_version"]) if last is not None else "",
             "database": database.display}

    plan_content = _plan_content(database, plan, own_codes) if plan is not None else None
    return ReportContent(
        lang=lang, level=level, code=code, name=name_ar if lang == "ar" else name_fr, name_fr=name_fr, name_ar=name_ar,
        parent="" if parent is None else (parent["name_ar"] if lang == "ar" else parent["name_fr"]),
        population=_number(unit.get("population_2024")), households=_number(unit.get("households_2024")),
        n_communes=len(own_codes), key_figures=key_figures, communes=communes.reset_index(drop=True),
        commune_columns=commune_columns, changes=changes_frame, models=models.reset_index(drop=True),
        most_in_need=most_in_need, maps=maps, geometry=geometry, highlight=code if level == "commune" else None,
        definitions=definitions, sources=sources, provenance=provenance, build=build, plan=plan_content,
    )


def _table_indicators(indicators: list[registry.Indicator], per_dimension: int = 2) -> list[str]:
    """The columns of the printed tables by commune: the first census or modelled indicators of each dimension
    (measured and simulated connector figures stay in the XLSX and the API, not on paper)."""
    chosen: list[str] = []
    for dimension in DIMENSIONS:
        own = [i.id for i in indicators if i.dimension == dimension and i.status in ("published", "derived", "modelled")]
        chosen += own[:per_dimension]
    return chosen


def _number(value: Any) -> float | None:
    try:
        return None if pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return None


def _provenance(database: Database, shown: pd.DataFrame) -> pd.DataFrame:
    """Each shown (indicator, level, year, status) with its source, the run that loaded it and that run's inputs."""
    columns = ["indicator_id", "level", "year", "status", "source_id", "run_id"]
    if not len(shown):
        return pd.DataFrame(columns=[*columns, "job", "inputs"])
    cited = shown[columns].drop_duplicates().sort_values(["indicator_id", "level", "year"]).reset_index(drop=True)
    runs = query.etl_runs(db=database)[["run_id", "job", "inputs"]]
    runs = runs.assign(inputs=[_inputs(x) for x in runs["inputs"]])
    return cited.merge(runs, on="run_id", how="left")


def _inputs(raw: Any) -> str:
    try:
        items = json.loads(raw) if isinstance(raw, str) else []
    except json.JSONDecodeError:
        return str(raw)
    return "; ".join(f"{i.get('name')} ({str(i.get('sha256') or '')[:12]})" for i in items if isinstance(i, dict))


def _index_content(
    database: Database, level: str, code: str, own_codes: list[str], lang: str,
) -> tuple[pd.DataFrame | None, list[MapLayer]]:
    """Maps of the index and of each dimension, and the ten communes most in need, from observatory.results."""
    if "index_score" not in database.tables():
        return None, []
    from observatory import results

    frame = results.fragility_index("commune", db=database, lang=lang)
    frame = frame[frame["code"].isin(own_codes)].sort_values("rank")
    if not len(frame):
        return None, []
    by_code = frame.set_index("code")
    text = words(lang)
    maps = [MapLayer("index", f"{text['map_index']} (0–100)", by_code["index"], registry.ANALYTICS_SOURCE)]
    for dimension in DIMENSIONS:
        if dimension in by_code and by_code[dimension].notna().any():
            maps.append(MapLayer(dimension, f"{text['dimension']} — {registry.DIMENSION_LABELS[dimension][lang]}",
                                 by_code[dimension], registry.ANALYTICS_SOURCE))
    need = frame[frame["rank"].notna()].head(10)  # unranked communes (too few residents...) have no place here
    most = pd.DataFrame({
        "rank": need["rank"].astype(int).to_numpy(), "code": need["code"].to_numpy(),
        "name": need["name_ar" if lang == "ar" else "name_fr"].to_numpy(), "score": need["index"].to_numpy(),
        "interval": [f"{int(lo)}–{int(hi)}" for lo, hi in zip(need["rank_lower"], need["rank_upper"])],
        "reason": need["explanation"].to_numpy(),
    })
    return most, maps


def _plan_content(database: Database, plan_id: str, own_codes: list[str]) -> dict[str, Any]:
    """The stored plan, its sites in the area, its fairness audit and who it leaves out there."""
    from observatory import results

    if "plan" not in database.tables():
        raise ObservatoryError(f"this database holds no deployment plans; cannot include plan {plan_id!r}")
    stored = results.plans(db=database)
    if plan_id not in set(stored["plan_id"]):
        raise unknown_name("plan", plan_id, stored["plan_id"])
    row = stored[stored["plan_id"] == plan_id].iloc[0]
    sites = results.plan_sites(plan_id, db=database)
    coverage = results.plan_coverage(plan_id, db=database)
    left = coverage[(coverage["covered"] == 0) & coverage["code"].isin(own_codes)]
    return {
        "summary": pd.DataFrame([{k: row[k] for k in ("plan_id", "name", "status", "sites_new", "radius_km",
                                                        "covered_share", "naive_covered_share", "ratio_vs_naive")}]),
        "parameters": row["params"],
        "sites": sites[sites["code"].isin(own_codes)][["code", "name_fr", "name_ar", "kind", "need_served"]],
        "audit": results.plan_audit(plan_id, db=database).drop(columns=["plan_id"], errors="ignore"),
        "left_out": left.sort_values("need", ascending=False).head(20)[["code", "name_fr", "need"]],
    }
