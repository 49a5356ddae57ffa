"""
The first page of a report: where the area stands among its peers, where to act first and why (from
measured or published figures only), what the plan covers, and the caveats.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from observatory import query
from observatory.database import Database
from observatory.formatting import integer
from observatory.index import ordinal
from observatory.province_ranks import rank_in_province
from observatory.rank_certainty import SURE, certainty, reasons_part

from .i18n import words
from .naming import name_column, names_of
from .reads import index_scores

#: How many places to act first the brief lists, by the level of the report.
ACT_FIRST = {"region": 7, "province": 6, "commune": 0}


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
    """The first page; `index` is every commune's index in `lang` (`figures.commune_index`)."""
    text = words(lang)
    caveats = [text["caveat_modelled"], text["caveat_interval"]]
    if index is None:
        return Brief(text["no_index"], pd.DataFrame(), pd.DataFrame(), text["no_plan"], caveats)
    from observatory import results

    if level == "commune":
        standing = results.explanation(code, db=database, lang=lang)
        provinces = index_scores(database, "province", lang=lang)
        regions = index_scores(database, "region", lang=lang)
        peers = pd.concat(
            [
                index[index["code"] == code],  # the national commune index, read once for the report
                provinces[provinces["code"] == province_code],
                regions[regions["code"] == region_code],
            ],
            ignore_index=True,
        )
    else:
        scores = index_scores(database, level, lang=lang)
        standing = str(scores.loc[scores["code"] == code, "explanation"].iloc[0])
        near = [code, *query.neighbours(level, code, db=database)]
        peers = scores[scores["code"].isin(near)]
    peers = peers.assign(name=names_of(peers, lang), own=peers["code"] == code)
    peers = peers[["code", "name", "level", "index", "rank", "rank_lower", "rank_upper", "n_units", "own"]]
    peers = peers.reset_index(drop=True)
    in_province = ""
    found = rank_in_province(code, str(province_code), scores=index) if level == "commune" else None
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
                    certainty(national, region, lang)
                    for national, region in zip(act["p_top_decile"], act["p_region_top10"], strict=True)
                ],
                "reason": [reasons_part(reasons.get(c, ""), lang) for c in act["code"]],
            }
        )
    if (index["uses_simulated"] == 1).any():
        caveats.insert(0, text["caveat_simulated"])
    plan_line = text["no_plan"] if plan is None else ""
    return Brief(standing, peers, act, plan_line, caveats, in_province)
