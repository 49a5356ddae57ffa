"""
What a report says, gathered through the query layer (`observatory.query`), the indicator registry
and the analytics results (`observatory.results`): the same numbers, with the same sources and
statuses, as the app and the API. Nothing here computes a statistic: figures, ranks, intervals,
reasons and neighbours come from the library; the one subtraction (2014 → 2024 change) is a
difference of two published figures shown side by side.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from observatory import arrondissements, challenges, i18n, query, registry
from observatory.database import Database
from observatory.enums import MAP_LEVELS
from observatory.errors import unknown_name
from observatory.service_mix import service_mix

from .annex import definitions_table, files_table, last_build, method_words, provenance_table, sources_table
from .basemap import Basemap, Locator, basemap_of, locator_of
from .brief import Brief, brief_page
from .credits import credits
from .figures import (
    age_structure,
    changes_table,
    commune_index,
    communes_table,
    key_figures,
    models_table,
    provinces_table,
    report_indicators,
    statuses,
    table_indicators,
)
from .i18n import words
from .layers import MapLayer, map_layers, province_layer
from .naming import CONTEXT_FIGURES, dated, label, name_of, names_of
from .plan import PlanContent, chosen_plan, plan_content, plan_line
from .reads import ReportReads


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
    credits: dict[str, str]
    """Each source's credit line by id (`credits.credits`): HCP for what it published, the observatory for
    what it computed from HCP's data."""
    province_layer: MapLayer | None = None
    """The région's provinces coloured by their index (classes of the 75 provinces)."""
    plan: PlanContent | None = None
    service_mix: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Which AI service fits the unit's adults: `observatory.service_mix` rows (empty in an older build)."""
    corrected: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The area's figures an accepted challenge corrected (the unit's and its communes'): unit, indicator
    and its label, year, sex, area, the original and the corrected value, the challenge."""
    arrondissements: pd.DataFrame = field(default_factory=pd.DataFrame)
    locator: Locator | None = None
    """Page 1's small map: the unit in its région (a commune) or in Morocco."""
    ages: pd.DataFrame = field(default_factory=pd.DataFrame)
    """The unit's and Morocco's population by five-year age group and sex, in percent (HCP, 2024)."""
    """A divided city's arrondissements, ranked (`observatory.arrondissements.of_commune`); else empty."""
    generated: str = field(default_factory=lambda: dt.date.today().isoformat())

    @property
    def text(self) -> dict[str, str]:
        return words(self.lang)

    @property
    def direction(self) -> str:
        return i18n.direction(self.lang)

    @property
    def simulated(self) -> bool:
        """True when the report shows any simulated figure (then every page that shows one says so)."""
        return any(m.status == "simulated" for m in self.maps) or "simulated" in set(
            self.column_status.values()
        )


@dataclass
class Area:
    """Where a report looks: the unit, its parent, its région and province, and its communes."""

    level: str
    code: str
    unit: pd.Series
    parent: pd.Series | None
    region_code: str
    province_code: str | None
    communes: pd.DataFrame
    """Every commune of the area (a commune report: every commune of its province, for the map)."""
    province_names: dict[str, str]

    @property
    def commune_codes(self) -> list[str]:
        return list(self.communes["code"])

    @property
    def own_codes(self) -> list[str]:
        """The communes the report is about: the area's, or the one commune."""
        return [self.code] if self.level == "commune" else self.commune_codes

    @property
    def compare(self) -> list[str]:
        """The unit, then the units its key figures are compared with, up to Morocco."""
        if self.level == "commune":
            return [self.code, str(self.province_code), self.region_code, "MA"]
        return [self.code, *([self.region_code] if self.level == "province" else []), "MA"]


def _unit(database: Database, level: str, code: str) -> pd.Series:
    found = query.units(level, db=database, codes=[code], geometry=False)
    if not len(found):
        valid = query.units(level, db=database, geometry=False)["code"]
        raise unknown_name(level, code, valid)
    return found.iloc[0]


def _area(database: Database, level: str, code: str, lang: str) -> Area:
    unit = _unit(database, level, code)
    region_code = code if level == "region" else str(unit["region_code"])
    if level == "commune":
        province_code: str | None = str(unit["province_code"])
        communes = query.units("commune", db=database, province=province_code, geometry=False)
        parent = _unit(database, "province", str(province_code))
    else:
        province_code = code if level == "province" else None
        within = {"region": code} if level == "region" else {"province": code}
        communes = query.units("commune", db=database, geometry=False, **within)
        parent = _unit(database, "region", region_code) if level == "province" else None
    provinces = query.units("province", db=database, region=region_code, geometry=False)
    names = dict(zip(provinces["code"].tolist(), names_of(provinces, lang), strict=True))
    return Area(level, code, unit, parent, region_code, province_code, communes, names)


def _built(database: Database, communes: list[str]) -> tuple[list[registry.Indicator], pd.DataFrame]:
    """The report's indicators this database holds for the communes (registered but not built: left out),
    and their values by commune."""
    indicators = report_indicators(database)
    values = query.indicator_values([i.id for i in indicators], db=database, level="commune", units=communes)
    built = set(values["indicator_id"])
    return [i for i in indicators if i.id in built], values


def _number(value: Any) -> float | None:
    try:
        return None if pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return None


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
    with ReportReads(query.connect(db).require()) as database:
        return _content(database, level=level, code=code, lang=lang, plan=plan, text=text)


def _content(
    database: Database, *, level: str, code: str, lang: str, plan: str | None, text: dict[str, str]
) -> ReportContent:
    """The report's content, read from `database` (one report's reads)."""
    area = _area(database, level, code, lang)
    indicators, values = _built(database, area.commune_codes)
    ids = [i.id for i in indicators]
    latest = values.groupby("indicator_id")["year"].max()
    years = {i.id: int(latest[i.id]) for i in indicators}
    status = statuses(values)
    # Key figures: the unit's own value (each sex and area, total first) beside its parents and Morocco.
    figures = query.indicator_values(
        [*CONTEXT_FIGURES, *ids], db=database, level=None, units=area.compare, sex=None, area=None
    )
    # Index: national commune values for the maps' classes; the area's ranks for the tables.
    index = commune_index(database, lang)
    communes = communes_table(
        area.communes, area.own_codes, values, years, ids, index, area.province_names, lang
    )
    provinces = provinces_table(database, index, area.region_code, lang)
    models = models_table(database, level, code, lang)
    brief = brief_page(
        database, level, code, area.region_code, area.province_code, index, communes, plan, lang
    )
    # Page 1 always says which plan it speaks of: the one asked for, else the approved one, else the default;
    # the plan's own pages (and their tables) come with `plan` only.
    used = plan or chosen_plan(database)
    pages = (
        plan_content(
            database,
            plan,
            level,
            code,
            area.own_codes,
            area.province_names,
            lang,
            unit_name=name_of(area.unit, lang),
        )
        if plan
        else None
    )
    plan_said = pages or (plan_line(database, used, level, code, area.own_codes, lang) if used else None)
    if plan_said is not None:
        why = "asked" if plan else "approved" if plan_said.status == "approved" else "default"
        named = text[f"plan_used_{why}"].format(name=plan_said.name, plan_id=plan_said.plan_id)
        brief.plan = " ".join(
            [named, plan_said.review, *plan_said.sentences[1:], *plan_said.language_sentences]
        )
    name_fr, name_ar = str(area.unit["name_fr"]), str(area.unit["name_ar"])
    return ReportContent(
        lang=lang,
        level=level,
        code=code,
        name=name_of(area.unit, lang),
        name_fr=name_fr,
        name_ar=name_ar,
        parent="" if area.parent is None else name_of(area.parent, lang),
        population=_number(area.unit.get("population_2024")),
        households=_number(area.unit.get("households_2024")),
        n_communes=len(area.own_codes),
        brief=brief,
        key_figures=key_figures(figures, [*CONTEXT_FIGURES, *ids], years, area.compare, lang),
        provinces=provinces,
        communes=communes,
        commune_columns={i: dated(label(i, lang), years[i]) for i in table_indicators(indicators)},
        column_status={i: status.get(i, "") for i in ids},
        changes=changes_table(database, indicators, level, code, lang),
        models=models,
        maps=map_layers(index, values, indicators, years, area.commune_codes, lang, status=status),
        basemap=basemap_of(database, level, area.region_code, area.province_code, area.commune_codes, lang),
        highlight=code if level == "commune" else None,
        method=method_words(database, area.own_codes[0], text, lang),
        province_layer=(
            province_layer(database, provinces, lang)
            if index is not None and level == "region" and "index" in provinces
            else None
        ),
        plan=pages,
        service_mix=(
            service_mix(level, codes=[code], db=database)
            if "service_mix" in database.tables()
            else pd.DataFrame()
        ),
        corrected=_corrected(database, [code, *area.own_codes], lang),
        arrondissements=(
            arrondissements.of_commune(code, db=database) if level == "commune" else pd.DataFrame()
        ),
        locator=locator_of(database, level, code, area.region_code, area.province_code),
        ages=age_structure(database, [code, "MA"]),
        **_annex(database, figures, values, models, ids, lang),
    )


def _corrected(database: Database, codes: list[str], lang: str) -> pd.DataFrame:
    """The corrected figures of these units, from the challenge store, each with its indicator's label."""
    fixed = challenges.corrections(db=database)
    fixed = fixed[fixed["unit_code"].isin(codes)].reset_index(drop=True)
    columns = ["unit_code", "indicator_id", "label", "year", "sex", "area", "original_value", "value"]
    return fixed.assign(label=[label(i, lang) for i in fixed["indicator_id"]])[[*columns, "challenge_id"]]


def _annex(
    database: Database,
    figures: pd.DataFrame,
    values: pd.DataFrame,
    models: pd.DataFrame,
    ids: list[str],
    lang: str,
) -> dict[str, Any]:
    """Definitions, sources, each input file once, which source each figure comes from, and the build."""
    every = pd.concat([figures, values, models], ignore_index=True)
    used = sorted({*CONTEXT_FIGURES, *ids, *models["indicator_id"]})
    definitions = definitions_table(database, used, lang)
    provenance = provenance_table(every, lang)
    cited = set(every["source_id"]) | set(definitions["source_id"])
    return {
        "definitions": definitions,
        "sources": sources_table(database, cited),
        "files": files_table(database, provenance),
        "provenance": provenance,
        "build": last_build(database),
        "credits": credits(query.sources(db=database), lang),
    }
