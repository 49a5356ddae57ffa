"""
Who needs which AI service: the adults (15+) of every commune, by sex and area, in four exclusive
segments, each named for the service that fits it (`SEGMENTS`).

The census publishes each input alone (literacy 2024 by sex and area, household devices 2014 by area,
and the observatory's internet-use scenario 2024 by sex and area), never their joint distribution. So
every segment carries bounds that hold whatever that joint is (Fréchet-Hoeffding), and a central value
from a stated assumption (independence inside each commune × sex × area cell), published as a scenario.
Pure frames in, frames out, except `service_mix`, which reads the table the build stored.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .enums import AREAS, LEVELS, SEXES
from .errors import ObservatoryError, ValidationError, unknown_name
from .models import CellDraws
from .query import DatabaseLike, connect
from .registry import ANALYTICS_SOURCE
from .results_schema import RESULT_TABLES

#: The segments, exclusive and exhaustive, in the order they are shown.
SEGMENTS = ("assisted_point", "voice_assistant", "training_text", "online_chat")
#: The year of each input, carried in every row.
INPUT_YEARS = {"literacy_year": 2024, "device_year": 2014, "online_year": 2024}
#: The central value is an assumption the census cannot test: every row says so.
STATUS = "scenario"
#: The sources of the inputs: the 2024 census (literacy), the 2014 census (devices), the internet layer.
SOURCE_IDS = ("hcp-2024-indicators", "hcp-2014-indicators-households", ANALYTICS_SOURCE)
#: Household devices that count as access, besides internet use itself.
DEVICES = ("equipment_mobile_phone", "equipment_computer")
COLUMNS = RESULT_TABLES["service_mix"]


def cell_inputs(
    *, cells: pd.DataFrame, online: np.ndarray, values: pd.DataFrame, units: pd.DataFrame
) -> pd.DataFrame:
    """
    Each cell's adults and input shares (0-1): `cells` are the internet layer's commune × area × sex
    cells of people 15+ (`code`, `area`, `sex`, `weight`), `online` their central internet-use share,
    `values` the stored census values, `units` the communes by code (for the province fallback).
    Literacy: the cell's published 2024 rate, else the commune's for that sex, else the province's.
    Devices: the commune's 2014 share in that area, else in total, else the province's in that area.
    """
    out = cells[["code", "area", "sex"]].reset_index(drop=True).copy()
    out["adults"] = np.round(cells["weight"].to_numpy(float))
    province = units["province_code"].astype(str).reindex(out["code"]).to_numpy()
    rate = _lookup(values, "illiteracy_rate_15_plus", 2024, out, province, by_sex=True)
    out["literate"] = 1 - rate / 100
    for name in DEVICES:
        out[name] = _lookup(values, name, 2014, out, province, by_sex=False) / 100
    out["online"] = np.clip(np.asarray(online, float), 0, 1)
    return out


def _lookup(
    values: pd.DataFrame,
    indicator: str,
    year: int,
    cells: pd.DataFrame,
    province: np.ndarray,
    *,
    by_sex: bool,
) -> np.ndarray:
    """A percent per cell, by the first of: commune in the cell's area, commune total, province in the area,
    province total, country."""
    rows = values[(values.indicator_id == indicator) & (values.year == year) & values.value.notna()]
    rows = rows[rows.sex.isin(["male", "female"])] if by_sex else rows[rows.sex == "all"]
    table = rows.set_index(["unit_code", "sex", "area"])["value"]
    table = table[~table.index.duplicated()]
    sex = cells["sex"] if by_sex else pd.Series("all", index=cells.index)
    result = pd.Series(np.nan, index=cells.index)
    for unit, area in (
        (cells["code"], cells["area"]),
        (cells["code"], "total"),
        (pd.Series(province, index=cells.index), cells["area"]),
        (pd.Series(province, index=cells.index), "total"),
        ("MA", "total"),
    ):
        keys = pd.MultiIndex.from_arrays(
            [_broadcast(unit, cells.index), sex.to_numpy(), _broadcast(area, cells.index)]
        )
        result = result.fillna(pd.Series(table.reindex(keys).to_numpy(), index=cells.index))
    if result.isna().any():
        raise ValidationError(
            f"{indicator} {year}: no value for {int(result.isna().sum())} cells, not even national"
        )
    return np.asarray(result.to_numpy(float), dtype=float)


def _broadcast(value: pd.Series | str, index: pd.Index) -> np.ndarray:
    return value.to_numpy() if isinstance(value, pd.Series) else np.full(len(index), value, dtype=object)


def segment_shares(inputs: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """
    Each segment's share of a cell's adults: (central, lower, upper). R reads (share `literate`), O is
    online (`online`), D has a device or a connection: a phone or a computer at home, or internet use,
    whose share lies in [max(phone, computer, online), min(1, their sum)].

    - assisted_point = not D; voice_assistant = D and not R; training_text = R and D and not O;
      online_chat = R and O (O lies inside D). Exclusive, and they add up to 1.
    - Bounds: each segment is the meeting of two events of known share, so it lies in the Fréchet-Hoeffding
      interval max(0, a + b - 1) .. min(a, b), with D's share at whichever end of its range widens it.
    - Central: D at its smallest (the online and the computer-equipped live in phone households), R
      independent of D and of O inside the cell.
    """
    r = inputs["literate"].to_numpy(float)
    o = inputs["online"].to_numpy(float)
    phone, computer = (inputs[d].to_numpy(float) for d in DEVICES)
    d_low = np.maximum.reduce([phone, computer, o])
    d_high = np.minimum(1.0, phone + computer + o)
    zero = np.zeros_like(r)
    return {
        "assisted_point": (1 - d_low, 1 - d_high, 1 - d_low),
        "voice_assistant": ((1 - r) * d_low, np.maximum(zero, d_low - r), np.minimum(1 - r, d_high)),
        "training_text": (r * (d_low - o), np.maximum(zero, r + d_low - o - 1), np.minimum(r, d_high - o)),
        "online_chat": (r * o, np.maximum(zero, r + o - 1), np.minimum(r, o)),
    }


def cell_mix(inputs: pd.DataFrame) -> pd.DataFrame:
    """
    People per cell and segment: the central value in whole people (largest remainders, so the segments
    of a cell add up exactly to its adults), the bounds rounded outwards (so they stay true).
    """
    shares = segment_shares(inputs)
    adults = inputs["adults"].to_numpy(float)
    central = np.column_stack([shares[s][0] for s in SEGMENTS]) * adults[:, None]
    people = _whole(central, adults)
    frames = []
    for i, segment in enumerate(SEGMENTS):
        _, lower, upper = shares[segment]
        frames.append(
            inputs[["code", "area", "sex", "adults"]].assign(
                segment=segment,
                people=people[:, i],
                people_lower=np.minimum(np.floor(lower * adults + 1e-6), people[:, i]),
                people_upper=np.maximum(np.ceil(upper * adults - 1e-6), people[:, i]),
            )
        )
    return pd.concat(frames, ignore_index=True)


def _whole(central: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Round each row to whole numbers adding up to its total (largest remainders)."""
    floor = np.floor(central)
    missing = (totals - floor.sum(axis=1)).round().astype(int)
    order = np.argsort(-(central - floor), axis=1, kind="stable")
    ranks = np.argsort(order, axis=1, kind="stable")
    return np.asarray(floor + (ranks < missing[:, None]), dtype=float)


def build_table(
    *,
    draws: CellDraws,
    values: pd.DataFrame,
    units: pd.DataFrame,
    parents: dict[str, pd.Series],
    online_status: str,
) -> pd.DataFrame:
    """The stored table from the build's frames: the internet layer's cells and central draw (`draws`),
    the census values, the communes by code and each commune's parents."""
    inputs = cell_inputs(cells=draws.cells, online=draws.share[0], values=values, units=units)
    return mix_table(cell_mix(inputs), parents, online_status=online_status)


def mix_table(cells: pd.DataFrame, parents: dict[str, pd.Series], *, online_status: str) -> pd.DataFrame:
    """
    The stored table: every unit of every level, by sex (all, male, female) and area (total, urban,
    rural), summed from the cells (`cell_mix`; `parents` maps each commune to its province, région and
    country). A total's bounds are the sums of its cells' bounds: the cells are separate people whose
    joint distributions constrain one another in nothing, so every cell can reach its bound at once, and
    the sum is the sharpest bound the inputs allow (tighter than the Fréchet bound of the totals).
    """
    frames = []
    for level in LEVELS[::-1]:
        unit = cells["code"] if level == "commune" else parents[level].reindex(cells["code"]).to_numpy()
        base = cells.assign(unit_code=unit)
        for sex in SEXES:
            for area in AREAS:
                pick = base
                if sex != "all":
                    pick = pick[pick["sex"] == sex]
                if area != "total":
                    pick = pick[pick["area"] == area]
                sums = pick.groupby(["unit_code", "segment"], sort=False)[
                    ["people", "people_lower", "people_upper", "adults"]
                ].sum()
                frames.append(sums.reset_index().assign(level=level, sex=sex, area=area))
    table = pd.concat(frames, ignore_index=True)
    table = table[table["adults"] > 0].copy()
    table["share"] = table["people"] / table["adults"]
    table = table.assign(status=STATUS, online_status=online_status, **INPUT_YEARS)
    order = {s: i for i, s in enumerate(SEGMENTS)}
    table = table.sort_values(
        ["level", "unit_code", "sex", "area", "segment"],
        key=lambda c: c.map(order) if c.name == "segment" else c,
    )
    return table[COLUMNS].reset_index(drop=True)


def service_mix(
    level: str = "commune",
    region: str | None = None,
    *,
    sex: str = "all",
    area: str = "total",
    codes: Sequence[str] | None = None,
    db: DatabaseLike = None,
) -> pd.DataFrame:
    """
    The service mix the build stored: one row per unit and segment, with `people` (central, a scenario),
    `people_lower` and `people_upper` (true whatever the joint distribution of the inputs), `share` of
    the unit's `adults` (15+), and the year and status of the inputs. `region` keeps one région's units,
    `codes` these units.
    """
    for kind, value, valid in (("level", level, LEVELS), ("sex", sex, SEXES), ("area", area, AREAS)):
        if value not in valid:
            raise unknown_name(kind, value, valid)
    database = connect(db)
    if "service_mix" not in database.tables():
        raise ObservatoryError("this database holds no service mix: rebuild it with `observatory build`")
    where: dict[str, object] = {"level": level, "sex": sex, "area": area}
    if codes is not None:
        where["unit_code"] = list(codes)
    if region is not None:
        if level == "country":
            raise ValueError("the country is not inside a région; ask for level region, province or commune")
        regions = database.read("region", columns=["code"], geometry=False)["code"]
        if region not in set(regions):
            raise unknown_name("region", region, list(regions))
        inside = (
            {region}
            if level == "region"
            else set(
                database.read(level, where={"region_code": region}, columns=["code"], geometry=False).code
            )
        )
        where["unit_code"] = sorted(inside if codes is None else inside & set(codes))
    table = database.read("service_mix", where=where)
    return table.reindex(columns=COLUMNS).reset_index(drop=True)


def site_services(
    mix: pd.DataFrame, reached: pd.DataFrame, *, min_share: float = 0.05, min_people: float = 100
) -> pd.DataFrame:
    """
    The services a site should offer, from the mix of the people it reaches. `mix` is a commune-level
    `service_mix` frame; `reached` has `site_code`, `unit_code` and `reached_people`. Each commune's
    reached people split as its mix (central and bounds); per site and segment the people, their share of
    the site's reach, and `offered`: the segment passes both `min_share` of the reach and `min_people`.
    """
    needed = {"site_code", "unit_code", "reached_people"}
    if missing := needed - set(reached.columns):
        raise ValidationError(f"reached needs the columns {sorted(needed)}; missing {sorted(missing)}")
    bad = reached[~(pd.to_numeric(reached["reached_people"], errors="coerce") >= 0)]
    if not bad.empty:
        raise ValidationError(
            f"reached_people must be a number of people, 0 or more: {len(bad)} rows are not",
            failures=bad.to_dict(orient="records"),
        )
    ratio = mix.assign(
        central=mix["people"] / mix["adults"],
        low=mix["people_lower"] / mix["adults"],
        high=mix["people_upper"] / mix["adults"],
    ).set_index(["unit_code", "segment"])[["central", "low", "high"]]
    unknown = sorted(set(reached["unit_code"]) - set(ratio.index.get_level_values(0)))
    if unknown:
        shown = ", ".join(map(str, unknown[:5]))
        raise ValidationError(
            f"reached names {len(unknown)} communes the mix does not hold: {shown}",
            failures=[{"unit_code": u} for u in unknown],
        )
    rows = reached.merge(ratio.reset_index(), on="unit_code")
    people = rows["reached_people"].astype(float)
    rows = rows.assign(
        people=people * rows["central"], people_lower=people * rows["low"], people_upper=people * rows["high"]
    )
    sites = rows.groupby(["site_code", "segment"], sort=False)[
        ["people", "people_lower", "people_upper"]
    ].sum()
    sites = sites.reset_index()
    reach = reached.groupby("site_code")["reached_people"].sum()
    sites["share"] = sites["people"] / sites["site_code"].map(reach).replace(0, np.nan)
    sites["offered"] = (sites["share"] >= min_share) & (sites["people"] >= min_people)
    order = {s: i for i, s in enumerate(SEGMENTS)}
    sites = sites.sort_values(
        ["site_code", "segment"], key=lambda c: c.map(order) if c.name == "segment" else c, kind="stable"
    )
    return sites.reset_index(drop=True)


def plan_site_services(coverage: pd.DataFrame, *, db: DatabaseLike = None) -> pd.DataFrame:
    """
    The services each site of a plan should offer, from the people it reaches: a plan's `coverage`
    (`code`, `site_code`, `covered`: the share of the commune within reach) gives each site the adults
    15+ of the communes it reaches, split as their communes' service mix (`site_services`).
    """
    mix = service_mix("commune", codes=sorted(set(coverage["code"].astype(str))), db=db)
    adults = mix.drop_duplicates("unit_code").set_index("unit_code")["adults"]
    within = coverage[(coverage["covered"] > 0) & coverage["site_code"].notna()]
    reached = pd.DataFrame(
        {
            "site_code": within["site_code"].astype(str),
            "unit_code": within["code"].astype(str),
            "reached_people": within["covered"].astype(float) * within["code"].astype(str).map(adults),
        }
    ).dropna(subset=["reached_people"])
    return site_services(mix, reached)
