"""
A stored deployment plan said for people: its review status, what it covers in the area and who it
leaves out, its sites with the languages each must speak, and its parameters in words. Every figure
comes from the stored plan; nothing is solved or counted here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from observatory import i18n
from observatory.database import Database
from observatory.errors import ObservatoryError
from observatory.formatting import NOUNS, counted, integer, number, percent, unit_label
from observatory.plan_groups import coverage_by_group
from observatory.plans import DEFAULT_PLAN_NAME, StoredPlan, list_plans, read_plan

from .i18n import LANGUAGE_NAMES, REVIEW_TEXT, language_list, words
from .naming import LTR, isolated, label, name_of, names_of

#: How many communes left out the plan section lists (largest need first).
LEFT_OUT_SHOWN = 15


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
    """The plan's history, oldest first, its chain checked: entry, status, who, when, why, the move in
    words (`move`), the entry's hash, and the status in words (`status_words`)."""
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
    rests_on: str = ""
    """What the plan rests on: which of its inputs are scenarios or models, or the census only."""


def chosen_plan(database: Database) -> str | None:
    """The plan a report speaks of when none is asked for: the latest approved one, else the build's default
    (the first stored); None when the database holds no plan."""
    if "plan" not in database.tables():
        return None
    stored = list_plans(db=database)
    if not len(stored):
        return None
    approved = stored[stored["review_status"] == "approved"]
    return str((approved if len(approved) else stored)["plan_id"].iloc[-1 if len(approved) else 0])


@dataclass
class PlanLine:
    """What page 1 says of the plan it speaks of: its name and review status, what it covers in the area and
    the languages its sites must speak, in sentences. A report without the plan's pages needs no more."""

    plan_id: str
    name: str
    status: str
    review: str
    sentences: list[str]
    language_sentences: list[str]


def plan_line(
    database: Database, plan_id: str, level: str, code: str, own_codes: list[str], lang: str
) -> PlanLine:
    """Page 1's words on a stored plan, without its pages' tables (they cost a report without them a
    fifth of its gathering)."""
    return _said(_stored(database, plan_id), level, code, own_codes, lang).line


def plan_content(
    database: Database,
    plan_id: str,
    level: str,
    code: str,
    own_codes: list[str],
    province_names: dict[str, str],
    lang: str,
    *,
    unit_name: str,
) -> PlanContent:
    """The stored plan said for people: what it covers in the area and who it leaves out."""
    plan = _stored(database, plan_id)
    said = _said(plan, level, code, own_codes, lang)
    sites_table = _sites_table(said.sites, province_names, lang)
    if level == "commune":  # the plan's nearest site, said as a distance from the commune
        sites_table = sites_table.iloc[:0]
    return PlanContent(
        plan_id=said.line.plan_id,
        name=said.line.name,
        status=said.line.status,
        review=said.line.review,
        reviews=_history(plan.history, lang),
        sentences=said.line.sentences,
        parameters=_parameters(plan.params, plan.summary, lang),
        sites=sites_table,
        coverage=_coverage_rows(
            plan.coverage_by_province,
            said.area,
            coverage_by_group(plan, own_codes, db=database),
            province_names,
            lang,
            scope=unit_name,
        ),
        left_out=_left_out(said.area, province_names, lang),
        coverage_map=said.area.set_index("code")["covered"],
        languages=_language_table(plan, said.here, lang),
        language_sentences=said.line.language_sentences,
        rests_on=plan.rests_on(lang),
    )


def _stored(database: Database, plan_id: str) -> StoredPlan:
    if "plan" not in database.tables():
        raise ObservatoryError(f"this database holds no deployment plans; cannot include plan {plan_id!r}")
    return read_plan(plan_id, db=database)


@dataclass
class _Said:
    """Page 1's words on a plan, with the area's sites and coverage and the sites per language in the area
    they were said from."""

    line: PlanLine
    sites: pd.DataFrame
    area: pd.DataFrame
    here: pd.Series


def _said(plan: StoredPlan, level: str, code: str, own_codes: list[str], lang: str) -> _Said:
    region_code = code[:2]
    within = {"province": code} if level == "province" else {"region": region_code}
    sites = plan.sites[plan.sites["code"].isin(own_codes) | (level == "commune")]
    area = plan.coverage[plan.coverage["code"].isin(own_codes)]
    audit = plan.audit[plan.audit["plan"] == "optimal"]
    here = audit[(audit["group_type"] == "region") & (audit["group"] == region_code)]
    sentences = _sentences(plan.summary, here, lang)
    if level == "commune":  # the plan's nearest site, said as a distance from the commune
        sentences += _nearest(area, lang)
    languages_here = plan.languages_within(**within).set_index("language")["sites"]
    if level == "commune":  # the site that serves it
        site_type = str(plan.summary.get("site_type", ""))
        language_sentences = _serving_site(plan.sites, area, lang, site_type=site_type)
    else:
        language_sentences = _language_sentences(plan, sites, languages_here, lang, within)
    status = str(plan.status)
    line = PlanLine(
        plan_id=str(plan.plan_id),
        name=words(lang)["plan_default_name"] if plan.name == DEFAULT_PLAN_NAME else plan.name,
        status=status,
        review=_review(status, plan.reviews, lang),
        sentences=sentences,
        language_sentences=language_sentences,
    )
    return _Said(line, sites, area, languages_here)


def _sites_table(sites: pd.DataFrame, province_names: dict[str, str], lang: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": sites["code"].to_numpy(),
            "commune": names_of(sites, lang),
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


def _nearest(area: pd.DataFrame, lang: str) -> list[str]:
    """For a commune: whether it is covered and how far its nearest site is."""
    if not len(area):
        return []
    own = area.iloc[0]
    distance = f"{number(own['distance_km'], lang)} {unit_label('km', lang)}"
    return [
        words(lang)["plan_nearest_yes" if own["covered"] else "plan_nearest_no"].format(distance=distance)
    ]


def _left_out(area: pd.DataFrame, province_names: dict[str, str], lang: str) -> pd.DataFrame:
    left = area[area["covered"] == 0].sort_values("need", ascending=False)
    return pd.DataFrame(
        {
            "code": left["code"].to_numpy(),
            "commune": names_of(left, lang),
            "province": left["province_code"].map(province_names).to_numpy(),
            "need": left["need"].to_numpy(),
            "distance_km": left["distance_km"].to_numpy(),
        }
    ).head(LEFT_OUT_SHOWN)


def _coverage_rows(
    by_province: pd.DataFrame,
    area: pd.DataFrame,
    groups: pd.DataFrame,
    province_names: dict[str, str],
    lang: str,
    *,
    scope: str,
) -> pd.DataFrame:
    """Coverage of the need by the area's provinces (a commune report: none), then in the unit reported
    (`scope`) by area and by sex (`plan_groups.coverage_by_group`)."""
    text = words(lang)
    provinces = by_province[by_province["code"].isin(set(area["province_code"]))]
    provinces = provinces.iloc[:0] if len(area) == 1 else provinces
    others = groups
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "scope": text["group_province"],
                    "group": provinces["code"].map(province_names),
                    "need": provinces["need"],
                    "reached_share": provinces["covered_share"] * 100,
                    "served_share": provinces["served_share"] * 100,
                    "communes_left_out": provinces["communes_left_out"],
                }
            ),
            pd.DataFrame(
                {
                    "scope": scope
                    + others["group_type"]
                    .map({"area": " — " + text["area"], "sex": " — " + text["sex"]})
                    .fillna(""),
                    "group": [
                        text.get(f"{'area' if t == 'area' else 'sex'}_{g}", g)
                        for t, g in zip(others["group_type"], others["group"], strict=True)
                    ],
                    "need": others["need"],
                    "reached_share": others["reached_share"] * 100,
                    "served_share": others["covered_share"] * 100,
                    "communes_left_out": others["communes_left_out"],
                }
            ),
        ],
        ignore_index=True,
    )


def _sentences(row: Mapping[str, Any], here: pd.DataFrame, lang: str) -> list[str]:
    """The plan in sentences: its national scope, what it covers in the région, against the best simple
    plan."""
    text = words(lang)
    sentences = [
        text["plan_scope"].format(
            sites=counted(row["sites_new"], NOUNS["site"][lang], lang),
            radius=number(row["radius_km"], lang),
            share=percent(row["covered_share"] * 100, lang, decimals=1),
            reached=percent(row["reached_share"] * 100, lang, decimals=0),
        )
    ]
    if len(here):
        sentences.append(
            text["plan_here"].format(
                share=percent(float(here["covered_share"].iloc[0]) * 100, lang, decimals=1),
                reached=percent(float(here["reached_share"].iloc[0]) * 100, lang, decimals=0),
                need=counted(float(here["need"].iloc[0]), NOUNS["person"][lang], lang),
                left=counted(here["communes_left_out"].iloc[0], NOUNS["commune"][lang], lang),
            )
        )
    gain = float(row["gain_over_best_points"])
    sentences.append(
        text["plan_naive" if round(gain, 1) else "plan_naive_equal"].format(
            baseline=text[f"baseline_{row['best_baseline']}"],
            gain=f"{number(gain, lang)} {text['points']}",
            naive=percent(row["best_baseline_reached_share"] * 100, lang, decimals=1),
        )
    )
    return sentences


def _history(history: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The history as the report shows it: each move in words, the stored fields beside it."""
    statuses = REVIEW_TEXT[lang]
    moves = [
        i18n.text("plan.history.move", lang, from_status=statuses[f], status=statuses[t])
        if f
        else i18n.text("plan.history.saved", lang, status=statuses[t])
        for f, t in zip(history["from_status"], history["status"], strict=True)
    ]
    frame = history.rename(columns={"who": "reviewer", "when": "reviewed_at"})
    frame = frame[["entry", "status", "reviewer", "reviewed_at", "reason", "hash"]]
    return frame.assign(move=moves, status_words=history["status"].map(statuses))


def _review(status: str, reviews: pd.DataFrame, lang: str) -> str:
    """The review status in a sentence: who reviewed the plan, when and why, or that nobody has yet."""
    text = words(lang)
    if reviews.empty:
        return text["plan_review_none"].format(status=REVIEW_TEXT[lang][status])
    review = text["plan_review"].format(
        status=REVIEW_TEXT[lang][status],
        who=isolated(reviews["reviewer"].iloc[-1], lang),
        date=isolated(str(reviews["reviewed_at"].iloc[-1])[:10], lang, LTR),
        reason=isolated(reviews["reason"].iloc[-1], lang),
    )
    return review + " " + text["plan_proposal"] if status != "approved" else review


def _parameters(params: dict[str, Any], row: Mapping[str, Any], lang: str) -> list[tuple[str, str]]:
    """The parameters the plan was solved with, in words."""
    text = words(lang)
    share = {
        k: percent(float(params[k]) * 100, lang, decimals=0) if params.get(k) is not None else text["none"]
        for k in ("min_rural_share", "min_women_share")
    }
    radius = number(params.get("radius_km", row["radius_km"]), lang)
    return [
        (text["param_need"], label(str(params.get("need", "")), lang)),
        (text["param_radius"], f"{radius} {unit_label('km', lang)}"),
        (text["param_sites"], integer(params.get("sites", row["sites_new"]), lang)),
        (text["param_rural"], share["min_rural_share"]),
        (text["param_women"], share["min_women_share"]),
        (
            text["param_budget"],
            text["none"] if params.get("budget") is None else integer(params["budget"], lang),
        ),
    ]


def _languages(joined: Any) -> list[str]:
    """A site's languages as stored (`;`-separated, most needed first)."""
    return [x for x in str(joined).split(";") if x] if isinstance(joined, str) else []


def _language_table(plan: StoredPlan, here: pd.Series, lang: str) -> pd.DataFrame:
    """The plan's language plan for the area (the région or province of the report; for a commune, its
    région's): sites per language here and in Morocco."""
    national = plan.languages.set_index("language")["sites"]
    order = list(dict.fromkeys([*here.index, *national.index]))
    return pd.DataFrame(
        {
            "language": order,
            "name": [LANGUAGE_NAMES[lang].get(x, x) for x in order],
            "sites_here": here.reindex(order).fillna(0).astype(int).to_numpy(),
            "sites_morocco": national.reindex(order).fillna(0).astype(int).to_numpy(),
        }
    )


def _serving_site(every_site: pd.DataFrame, area: pd.DataFrame, lang: str, *, site_type: str) -> list[str]:
    """For a commune: what the site that serves it (or the nearest) offers, and the languages it must
    speak."""
    served_by = area["site_code"].iloc[0] if len(area) else None
    site = every_site[every_site["code"] == served_by]
    if not len(site):
        return []
    first = site.iloc[0]
    service = words(lang).get(f"plan_site_service.{site_type}", "")
    return [
        words(lang)["plan_site_languages" if area["covered"].iloc[0] else "plan_nearest_languages"].format(
            site=name_of(first, lang),
            languages=language_list(_languages(first["languages"]), lang),
            voice=percent(first["voice_only_share"] * 100, lang, decimals=0),
        ),
        *[service] * bool(service),
    ]


def _language_sentences(
    plan: StoredPlan, sites: pd.DataFrame, here: pd.Series, lang: str, within: dict[str, str]
) -> list[str]:
    """The languages the area's sites must speak, and the share of the people served who cannot read."""
    text = words(lang)
    n_sites = int(sites["sites"].sum())
    if not n_sites:
        return [text["plan_language_none"]]
    if n_sites == 1:
        line = text["plan_language_one"].format(languages=language_list(list(here.index), lang))
    else:
        spoken = i18n.joined(
            [
                f"{LANGUAGE_NAMES[lang].get(x, x)}\u00a0({counted(n, NOUNS['site'][lang], lang)})"
                for x, n in here.items()
            ],
            lang,
        )
        line = text["plan_language_line"].format(
            sites=counted(n_sites, NOUNS["site"][lang], lang), languages=spoken
        )
    national = percent(plan.voice_only_share * 100, lang, decimals=0)
    here_share = percent(plan.voice_only_share_within(**within) * 100, lang, decimals=0)
    return [line, text["plan_voice"].format(share=here_share, national=national)]
