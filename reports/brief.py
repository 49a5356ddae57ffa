"""
The first page of a report: where the area stands among its peers, where to act first and why (from
measured or published figures only), what the plan covers, and the caveats.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from observatory import i18n, query
from observatory.database import Database
from observatory.formatting import integer, percent
from observatory.index import ordinal
from observatory.province_ranks import rank_in_province

from .i18n import words
from .naming import name_column, name_of

#: How many places to act first the brief lists, by the level of the report.
ACT_FIRST = {"region": 7, "province": 6, "commune": 0}
#: The share of the index's draws above which it is sure of a place (the words of `_certainty`).
SURE = 0.95
#: Certainty words by the share of draws, highest first.
CERTAINTY_WORDS = ((SURE, "sure"), (0.5, "likely"), (0.05, "possible"), (0.0, "unlikely"))


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
    in_province: str = ""
    """A commune's rank among its province's communes, in words ('' for a région or a province)."""


def _certainty(p_top_decile: float, p_region_top10: float, lang: str) -> str:
    """The index's certainty in words, from its Monte Carlo draws, with its share of draws: that the commune
    is among Morocco's 10% most fragile when it is sure of it, else among its région's ten most fragile when
    it is sure of that, else how likely the first is (the spreadsheet keeps both shares)."""
    text = words(lang)
    if p_top_decile < SURE <= p_region_top10:
        return text["certainty_region_sure"].format(p=draws_share(p_region_top10, lang))
    return text[f"certainty_{_word(p_top_decile)}"].format(p=draws_share(p_top_decile, lang))


def _word(share: float) -> str:
    return next(word for floor, word in CERTAINTY_WORDS if share >= floor)


def draws_share(share: float, lang: str) -> str:
    """A share of draws as a percentage that never rounds to a certainty it is not (99.6 % is not 100 %)."""
    value = 100 * share
    near_end = 0 < value < 0.5 or 99.5 <= value < 100
    return percent(value, lang, decimals=1 if near_end else 0)


def brief_page(
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
    peers = peers.assign(name=[name_of(r, lang) for _, r in peers.iterrows()], own=peers["code"] == code)
    peers = peers[["code", "name", "level", "index", "rank", "rank_lower", "rank_upper", "n_units", "own"]]
    peers = peers.reset_index(drop=True)
    in_province = ""
    found = rank_in_province(code, str(province_code), db=database) if level == "commune" else None
    if found is not None:
        province = str(peers.loc[peers["level"] == "province", "name"].iloc[0])
        in_province = text["province_rank"].format(
            rank=ordinal(found[0], lang), n=integer(found[1], lang), province=province
        )

    # The places the index is sure of (among Morocco's 10 % or the région's ten most fragile in 95 % of its
    # draws), most fragile first; the first ranks only when it is sure of none.
    ranked = communes.dropna(subset=["rank"])
    sure = ranked[(ranked["p_top_decile"] >= SURE) | (ranked["p_region_top10"] >= SURE)]
    act = (sure if len(sure) else ranked).head(ACT_FIRST[level])
    if len(act):
        reasons = results.measured_explanations(list(act["code"]), db=database, lang=lang)
        act = pd.DataFrame(
            {
                "rank": act["rank"].astype(int).to_numpy(),
                "rank_lower": act["rank_lower"].astype(int).to_numpy(),
                "rank_upper": act["rank_upper"].astype(int).to_numpy(),
                "code": act["code"].to_numpy(),
                "name": act[name_column(lang)].to_numpy(),
                "province": act["province"].to_numpy(),
                "population": act["population_2024"].to_numpy(),
                "index": act["index"].to_numpy(),
                "certainty": [
                    _certainty(national, region, lang)
                    for national, region in zip(act["p_top_decile"], act["p_region_top10"], strict=True)
                ],
                "reason": [_reason_only(reasons.get(c, ""), lang) for c in act["code"]],
            }
        )
    if (index["uses_simulated"] == 1).any():
        caveats.insert(0, text["caveat_simulated"])
    plan_line = text["no_plan"] if plan is None else ""
    return Brief(standing, peers, act, plan_line, caveats, in_province)


def _reason_only(sentence: str, lang: str) -> str:
    """The 'because ...' part of an explanation (the rank and interval have their own columns)."""
    for msgid in ("index.because", "index.weak_points"):
        marker = i18n.text(msgid, lang).split("{reasons}")[0]
        if marker in sentence:
            return sentence.split(marker, 1)[1].rstrip(".")
    return ""
