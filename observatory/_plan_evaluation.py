"""
What a set of open sites gives, for `observatory.planner`: each commune's coverage, each site's need
served and within reach, the local languages its assisted service must speak (with their speakers
within reach) and the share of the people it serves who cannot read, the sites per language, each
région's or province's share within reach, and the fairness audit by région, area and sex.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._covering import LEVELS, assign
from .results_schema import RESULT_TABLES

#: A site must speak a language when its speakers within the site's reach are at least this share of
#: the people within reach...
LANGUAGE_SHARE = 0.05
#: ...and at least this many people: a language a handful of people speak in a large catchment, or a
#: large share of a tiny one, does not make a site hire for it.
LANGUAGE_PEOPLE = 500.0


def evaluate(
    frame: pd.DataFrame,
    counts: np.ndarray,
    reach: np.ndarray,
    km: np.ndarray,
    minutes: np.ndarray,
    cap: float,
    fixed: dict[int, int],
    languages: tuple[float, float],
) -> dict[str, Any]:
    """What `counts` sites per demand point give: need served (nearest first, within capacity) and
    reached, each commune's coverage and each open site's row of `plan_site`."""
    need = frame["need"].to_numpy(float)
    codes = frame["code"].to_numpy()
    open_ = np.flatnonzero(counts)
    served = assign(need, counts, reach, minutes, cap)
    served_by = np.asarray(served.sum(axis=1)).ravel()
    reached = reach[:, open_].any(axis=1) if len(open_) else np.zeros(len(need), dtype=bool)
    if len(open_):
        t = minutes[:, open_]
        nearest = open_[t.argmin(axis=1)]
        main = np.asarray(served.argmax(axis=1)).ravel()
        site = np.where(served_by > 0, main, nearest)
        travel_min = minutes[np.arange(len(need)), site]
        travel_km = km[np.arange(len(need)), site]
    else:
        site = np.full(len(need), -1)
        travel_min = travel_km = np.full(len(need), np.inf)
    coverage = by_commune(
        pd.DataFrame(
            {
                "code": codes,
                "reached": reached.astype(float),
                "site_code": np.where(site >= 0, codes[np.clip(site, 0, None)], None),
                "distance_km": travel_km,
                "travel_minutes": travel_min,
                "need": need,
                "need_served": served_by,
            }
        )
    )
    column = served.tocsc()
    rows = []
    for j in open_:
        weights = column[:, j].toarray().ravel()
        spoken, speakers, share = site_languages(
            frame, need * reach[:, j], share=languages[0], people=languages[1]
        )
        illiterate = frame["illiterate_share"].to_numpy(float) if "illiterate_share" in frame else None
        voice = (
            float(weights @ illiterate / weights.sum())
            if illiterate is not None and weights.sum()
            else np.nan
        )
        rows.append(
            {
                "code": codes[j],
                "kind": "existing" if j in fixed else "new",
                "sites": int(counts[j]),
                "lon": float(frame["lon"].iloc[j]),
                "lat": float(frame["lat"].iloc[j]),
                "capacity": cap * counts[j] if cap else np.nan,
                "need_served": float(weights.sum()),
                "need_reached": float(need[reach[:, j]].sum()),
                "languages": ";".join(spoken),
                "language_speakers": ";".join(f"{speakers[x]:.0f}" for x in spoken),
                "languages_reach": share,
                "voice_only_share": voice,
            }
        )
    sites = pd.DataFrame(
        rows,
        columns=[c for c in RESULT_TABLES["plan_site"] if c not in ("plan_id", "plan")],
    )
    return {
        "counts": counts,
        "reached": reached,
        "served_by": served_by,
        "served": float(served_by.sum()),
        "reached_need": float(need[reached].sum()),
        "coverage": coverage,
        "sites": sites,
    }


def by_commune(points: pd.DataFrame) -> pd.DataFrame:
    """
    Demand points' coverage summed to their commune: `covered` (and `reached`) the share of its need
    within reach (0 or 1 for a commune of one point), travel the need-weighted mean over its points, the
    site of its largest point.
    """
    weight = points["need"].where(points["need"] > 0, 1e-9)
    weighted = points.assign(
        _w=weight,
        _reached=points["reached"] * weight,
        _km=points["distance_km"].replace(np.inf, np.nan) * weight,
        _min=points["travel_minutes"].replace(np.inf, np.nan) * weight,
    )
    grouped = weighted.groupby("code", sort=False)
    out = grouped.agg(
        need=("need", "sum"),
        need_served=("need_served", "sum"),
        _w=("_w", "sum"),
        _reached=("_reached", "sum"),
        _km=("_km", lambda v: v.sum(min_count=1)),
        _min=("_min", lambda v: v.sum(min_count=1)),
    )
    out["site_code"] = points.loc[weighted.groupby("code", sort=False)["_w"].idxmax(), "site_code"].to_numpy()
    share = (out["_reached"] / out["_w"]).clip(0, 1).round(6)
    out = out.assign(
        covered=share,
        reached=share,
        distance_km=(out["_km"] / out["_w"]).fillna(np.inf),
        travel_minutes=(out["_min"] / out["_w"]).fillna(np.inf),
    ).reset_index()
    return out[
        ["code", "covered", "reached", "site_code", "distance_km", "travel_minutes", "need", "need_served"]
    ]


def site_languages(
    frame: pd.DataFrame, within: np.ndarray, *, share: float = LANGUAGE_SHARE, people: float = LANGUAGE_PEOPLE
) -> tuple[list[str], dict[str, float], float]:
    """
    The local languages a site must speak: those whose speakers among the people within its reach
    (`within`, people per demand point) are at least `share` of them and `people` in number, most
    speakers first. Returns them, every language's speakers within reach, and the share of the people
    within reach who speak at least one of them as a lower bound true by construction: the share of the
    language most spoken among them (the census publishes each language alone, not who speaks which
    together, so no independence is assumed). NaN when nobody is within reach.
    """
    langs = [c.removeprefix("lang_") for c in frame.columns if c.startswith("lang_")]
    total = float(within.sum())
    if not langs or not total:
        return [], {}, float("nan")
    speakers = {x: float(within @ frame[f"lang_{x}"].to_numpy(float)) for x in langs}
    required = sorted(
        (x for x in langs if speakers[x] >= people and speakers[x] >= share * total),
        key=lambda x: (-speakers[x], x),
    )
    return required, speakers, (speakers[required[0]] / total if required else 0.0)


def unit_reach(frame: pd.DataFrame, reached: np.ndarray, level: str) -> pd.Series:
    """Each région's or province's share (0-1) of its need within reach, by unit code (units with need)."""
    need = frame["need"].to_numpy(float)
    by_unit = pd.DataFrame({"unit": frame[LEVELS[level]].astype(str).to_numpy(), "need": need})
    by_unit["reached"] = need * reached
    sums = by_unit.groupby("unit").sum()
    sums = sums[sums["need"] > 0]
    return (sums["reached"] / sums["need"]).rename("reached_share")


def language_counts(sites: pd.DataFrame) -> pd.DataFrame:
    """How many sites must speak each language (a commune with several sites counts each)."""
    spoken = sites.assign(language=sites["languages"].str.split(";")).explode("language")
    spoken = spoken[spoken["language"].fillna("") != ""]
    counts = spoken.groupby("language")["sites"].sum().astype(int)
    return counts.rename("sites").reset_index().sort_values(["sites", "language"], ascending=[False, True])


def voice_only_share(sites: pd.DataFrame) -> float:
    """The share of the people `sites` serve who cannot read (voice-only support): each site's share
    weighted by the people it serves; NaN when the sites serve no one or carry no share."""
    known = sites[sites["voice_only_share"].notna()]
    served = float(known["need_served"].sum())
    return (
        float((known["voice_only_share"] * known["need_served"]).sum() / served) if served else float("nan")
    )


def fairness_audit(
    frame: pd.DataFrame, reached: np.ndarray, served: np.ndarray | None = None
) -> pd.DataFrame:
    """Need, need reached, need served within capacity and unmet need by région, urban/rural and sex."""
    need = frame["need"].to_numpy(float)
    served = need * reached if served is None else served
    part_served = np.divide(served, need, out=np.zeros_like(need), where=need > 0)
    f = frame.assign(
        _reached=reached,
        _served=served,
        _served_f=frame["need_female"] * part_served,
        _served_m=frame["need_male"] * part_served,
    )
    rows = []

    def row(kind: str, group: str, part: pd.DataFrame, column: str, got: str) -> dict[str, Any]:
        total = float(part[column].sum())
        covered = float(part[got].sum())
        reach_need = float(part.loc[part["_reached"], column].sum())
        return {
            "group_type": kind,
            "group": group,
            "need": total,
            "reached_need": reach_need,
            "reached_share": reach_need / total if total else float("nan"),
            "covered_need": covered,
            "covered_share": covered / total if total else float("nan"),
            "unmet_need": total - covered,
            "communes_left_out": int((~part.groupby("code")["_reached"].any()).sum()),
        }

    for kind, column in (("region", "region_code"), ("area", "type")):
        for group, part in f.groupby(column):
            rows.append(row(kind, str(group), part, "need", "_served"))
    rows.append(row("sex", "female", f, "need_female", "_served_f"))
    rows.append(row("sex", "male", f, "need_male", "_served_m"))
    rows.append(row("all", "all", f, "need", "_served"))
    return pd.DataFrame(rows)
