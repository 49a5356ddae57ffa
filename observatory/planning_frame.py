"""
The planning frame: what the deployment planner covers, one row per demand point. It is built here and
only here; the build's default plan, `results.planning_frame` (the library, the API and the app) and
the benchmark all go through `PlanningFrame.from_tables`, so a plan solved anywhere sees the same
need at the same points.

- **Need**: a modelled count of people, for one year, split by sex: the commune's `female` and `male`
  rows (area `total`) of an indicator whose unit is people (default `training_need_15_plus`, people
  aged 15+ offline in 2024). `need = need_female + need_male`; a commune without both rows is an
  error, never a zero.
- **Site point**: where a commune's site stands and from where its need is reached: the
  representative point (`shapely.point_on_surface`) of the commune's full, georeferenced polygon in
  EPSG:4326. It always falls inside the commune, unlike a centroid, and it is taken from the stored
  geometry, never from the simplified geometry the maps draw.
- **Demand points**: a commune whose land or need is large has its need spread over several points
  (`demand_points`): one per `AREA_PER_POINT_KM2` of land (about the disk of a 15 km catchment) and
  one per `NEED_PER_POINT` people, at most `MAX_POINTS`. The points are the medoids of a k-means of
  points drawn uniformly inside the georeferenced polygon (seeded by the commune code, so the frame is
  the same in every process), each carrying the need of its share of the drawn points. Assumption: the
  need is spread evenly over the commune's land, for want of a population grid; the census publishes
  nothing finer than the commune with a geometry (its arrondissements have none). Every point is a
  candidate site too, so a large commune may get sites at several of its points. A point keeps its
  commune's `code`; `point` names it (the code itself for a commune of one point, `code:k` otherwise).
- **Rank**: the commune's rank in the fragility index (lens `all` by default), for the top-index
  baseline; a commune without a rank comes last.
- **Context** (optional columns, read when the database holds them; census 2024, commune level):
  `road_km`, the households' average distance to a paved road (published for rural communes; urban
  communes and gaps count 0), which the travel proxy adds to every trip; `illiterate_share`, the
  share of people aged 15+ who cannot read; `lang_<language>`, the share speaking each local language
  (non-exclusive, so shares of a commune may sum above 1). A commune missing a context figure gets
  the mean of its province, then of the country, never a made-up zero.

Values are rounded to a thousandth of a person and a millionth of a degree (about 0.1 m) and rows
sorted by code, so `fingerprint()` hashes exactly what the solver sees.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .enums import DEFAULT_LENS, LOCAL_LANGUAGES
from .errors import ValidationError

#: The needs the planner offers, default first (registry ids of people counts by sex).
NEEDS = ("training_need_15_plus", "assisted_service_need_15_plus")
NEED_YEAR = 2024
#: Decimals kept: need in people, position in degrees, cost and rank as given.
DECIMALS = {"need_female": 3, "need_male": 3, "lon": 6, "lat": 6, "cost": 6, "rank": 6}
TEXT_COLUMNS = ("code", "region_code", "province_code", "type")
#: Land one demand point stands for, km²: about the disk of a 15 km catchment (π × 15² ≈ 707 km²).
AREA_PER_POINT_KM2 = 700.0
#: People one demand point stands for at most: a large town's need is not served from one point.
NEED_PER_POINT = 30_000.0
#: Demand points of one commune at most, so the largest communes keep the model small.
MAX_POINTS = 12
#: Points drawn inside a commune per demand point, for the k-means.
DRAWS_PER_POINT = 50
#: An equal-area projection for the communes' land (NSIDC EASE-Grid 2.0, global).
EQUAL_AREA_CRS = "EPSG:6933"
#: Context indicator -> frame column; percents become shares.
CONTEXT = {
    "households_distance_to_paved_road_km": "road_km",
    "illiteracy_rate_15_plus": "illiterate_share",
    **{f"local_languages_{lang}": f"lang_{lang}" for lang in LOCAL_LANGUAGES},
}
CONTEXT_YEAR = 2024


@dataclass
class PlanningFrame:
    """
    One row per demand point: code (its commune), point (its own name), region_code, province_code,
    type, lon, lat (the point, also a candidate site), the need to cover (`need`, split into
    `need_female` and `need_male`), the site `cost` and the commune's index `rank` (for the naive
    plan). `definition` says what the frame holds (need, year, lens, region) and goes
    into every plan's parameters. Build it with `from_tables()` or `from_units()`.
    """

    frame: pd.DataFrame
    definition: dict[str, Any] = field(default_factory=dict)

    REQUIRED = (
        "code",
        "region_code",
        "province_code",
        "type",
        "lon",
        "lat",
        "need",
        "need_female",
        "need_male",
        "cost",
        "rank",
    )

    def __post_init__(self) -> None:
        missing = [c for c in self.REQUIRED if c not in self.frame.columns]
        if missing:
            raise ValidationError(
                f"a planning frame needs columns {missing}; found {list(self.frame.columns)}"
            )
        frame = self.frame.assign(code=self.frame["code"].astype(str))
        if "point" not in frame:
            frame["point"] = frame["code"]
        frame = frame.assign(point=frame["point"].astype(str)).sort_values(["code", "point"], kind="stable")
        for column, decimals in DECIMALS.items():
            frame[column] = (
                np.round(frame[column].to_numpy(float), decimals) + 0.0
            )  # + 0.0 turns -0.0 into 0.0
        frame["need"] = frame["need_female"] + frame["need_male"]
        bad = frame[frame[["need", "lon", "lat", "cost"]].isna().any(axis=1) | (frame["need"] < 0)]
        if len(bad):
            raise ValidationError(
                f"{len(bad)} communes with an empty or negative need, cost or position (first: "
                f"{bad.code.iloc[0]})",
                failures=bad[["code"]]
                .assign(reason="empty or negative need/cost/position")
                .to_dict("records"),
            )
        for column in self.context_columns(frame):
            frame[column] = np.round(frame[column].to_numpy(float), 6) + 0.0
        self.frame = frame.reset_index(drop=True)
        self.definition = dict(self.definition)

    @staticmethod
    def context_columns(frame: pd.DataFrame) -> list[str]:
        """The optional context columns a frame holds, in a fixed order."""
        return [c for c in CONTEXT.values() if c in frame.columns]

    @property
    def languages(self) -> list[str]:
        """The local languages whose shares the frame holds."""
        return [lang for lang in LOCAL_LANGUAGES if f"lang_{lang}" in self.frame.columns]

    @classmethod
    def from_units(
        cls,
        units: Any,
        need: pd.DataFrame,
        rank: pd.Series,
        *,
        cost: pd.Series | float = 1.0,
        definition: dict[str, Any] | None = None,
        context: pd.DataFrame | None = None,
        split: bool = True,
    ) -> PlanningFrame:
        """
        From the commune GeoDataFrame (EPSG:4326), a need frame indexed by code with columns
        need_female and need_male, the index rank per code and optionally `context` (columns of
        `CONTEXT`'s values, indexed by code; gaps filled by the province, then the country mean).
        `split=False` keeps one point per commune (its representative point).
        """
        if units.crs is None or units.crs.to_epsg() != 4326:
            raise ValidationError(
                f"units must be in EPSG:4326 for the planner; got {units.crs}. Use .to_crs(4326)"
            )
        points = units.geometry.representative_point()
        frame = pd.DataFrame(
            {
                "code": units["code"].astype(str).to_numpy(),
                "region_code": units["region_code"].to_numpy(),
                "province_code": units["province_code"].to_numpy(),
                "type": units["type"].to_numpy(),
                "lon": points.x.to_numpy(),
                "lat": points.y.to_numpy(),
            }
        )
        n = need.reindex(frame["code"])
        frame["need_female"] = n["need_female"].to_numpy(float)
        frame["need_male"] = n["need_male"].to_numpy(float)
        frame["need"] = frame["need_female"] + frame["need_male"]
        frame["cost"] = (
            cost.reindex(frame["code"]).to_numpy(float) if isinstance(cost, pd.Series) else float(cost)
        )
        frame["rank"] = rank.reindex(frame["code"]).to_numpy(float)
        if context is not None:
            for column in [c for c in CONTEXT.values() if c in context.columns]:
                values = pd.Series(context[column].reindex(frame["code"]).to_numpy(float), index=frame.index)
                if column == "road_km":  # unpublished for urban communes: their people live by a paved road
                    values = values.where(frame["type"] != "urban", 0.0)
                values = values.fillna(values.groupby(frame["province_code"]).transform("mean"))
                frame[column] = values.fillna(values.mean()).fillna(0.0).to_numpy(float)
        definition = {**(definition or {}), "demand": DEMAND_RULE if split else "commune"}
        if split:
            frame = spread(frame, units.geometry.to_numpy())
        return cls(frame, definition)

    @classmethod
    def from_tables(
        cls,
        communes: Any,
        values: pd.DataFrame,
        scores: pd.DataFrame,
        *,
        need: str = NEEDS[0],
        year: int = NEED_YEAR,
        lens: str = DEFAULT_LENS,
        region: str | None = None,
        split: bool = True,
    ) -> PlanningFrame:
        """
        From the tables the build writes: `commune` (with its geometry), `indicator_value` and
        `index_score`, in memory or read back; rows of other indicators, years, levels or lenses are
        ignored. `region` keeps one région's communes; `split=False` one demand point per commune.
        """
        rows = values[
            (values["indicator_id"] == need)
            & (values["level"] == "commune")
            & (values["year"] == year)
            & values["sex"].isin(["female", "male"])
        ]
        if "area" in rows:
            rows = rows[rows["area"] == "total"]
        by_sex = rows.assign(unit_code=rows["unit_code"].astype(str)).pivot(
            index="unit_code", columns="sex", values="value"
        )
        by_sex = by_sex.reindex(columns=["female", "male"]).rename(
            columns={"female": "need_female", "male": "need_male"}
        )
        ranks = scores[(scores["level"] == "commune") & (scores["lens"] == lens)]
        rank = ranks.assign(code=ranks["code"].astype(str)).set_index("code")["rank"]
        units = communes if region is None else communes[communes["region_code"] == region]
        definition = {"need": need, "need_year": year, "lens": lens, "region": region}
        return cls.from_units(
            units, by_sex, rank, definition=definition, context=context_table(values), split=split
        )

    def fingerprint(self) -> str:
        """A SHA-256 of every input, canonical (rows by code, values as rounded), the same in any process."""
        digest = hashlib.sha256()
        for column in ("point", *self.REQUIRED):
            if column == "need":  # the sum of the two columns hashed
                continue
            series = self.frame[column]
            text = (
                series.to_numpy(str)
                if column in (*TEXT_COLUMNS, "point")
                else np.char.mod(f"%.{DECIMALS[column]}f", series.to_numpy(float))
            )
            digest.update(f"{column}\x1e{len(text)}\x1e".encode())
            digest.update("\x1f".join(text).encode())
        for column in self.context_columns(self.frame):
            digest.update(f"{column}\x1e".encode())
            digest.update("\x1f".join(np.char.mod("%.6f", self.frame[column].to_numpy(float))).encode())
        return digest.hexdigest()


def context_table(values: pd.DataFrame) -> pd.DataFrame:
    """
    The context columns per commune code from `indicator_value` rows (2024, all people, area total;
    the paved-road distance, published for rural households only, from area `rural` when `total` is
    absent). Indicators the rows do not hold are left out.
    """
    rows = values[
        values["indicator_id"].isin(list(CONTEXT))
        & (values["level"] == "commune")
        & (values["year"] == CONTEXT_YEAR)
        & (values["sex"] == "all")
    ]
    out = pd.DataFrame()
    for indicator, column in CONTEXT.items():
        part = rows[rows["indicator_id"] == indicator]
        if "area" in part:
            part = part.assign(_order=part["area"].map({"total": 0, "rural": 1})).dropna(subset="_order")
            part = part.sort_values("_order").drop_duplicates("unit_code")
        if not len(part):
            continue
        series = (
            part.assign(unit_code=part["unit_code"].astype(str)).set_index("unit_code")["value"].astype(float)
        )
        out = out.join(series.rename(column), how="outer") if len(out) else series.rename(column).to_frame()
    for column in out.columns:
        if column != "road_km":
            out[column] = out[column] / 100.0
    return out


#: The rule that spread the need, recorded in every plan's parameters.
DEMAND_RULE = (
    f"split: 1 point per {AREA_PER_POINT_KM2:g} km2 and per {NEED_PER_POINT:g} people, at most {MAX_POINTS}"
)


def points_wanted(area_km2: np.ndarray, need: np.ndarray) -> np.ndarray:
    """How many demand points each commune gets: one per `AREA_PER_POINT_KM2` and per `NEED_PER_POINT`."""
    by_area = np.ceil(np.asarray(area_km2, float) / AREA_PER_POINT_KM2)
    by_need = np.ceil(np.nan_to_num(np.asarray(need, float)) / NEED_PER_POINT)
    counts: np.ndarray = np.clip(np.maximum(by_area, by_need), 1, MAX_POINTS).astype(int)
    return counts


def demand_points(polygon: Any, k: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """
    `k` points inside `polygon` (EPSG:4326) and the share of its land each stands for: the medoids of a
    k-means of points drawn uniformly inside it (in a local metric frame), shares by cluster size.
    Fewer than `k` when clusters merge.
    """
    import shapely
    from scipy.cluster.vq import kmeans2

    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = polygon.bounds
    wanted = DRAWS_PER_POINT * k
    drawn: list[np.ndarray] = []
    count = 0
    for _ in range(200):
        x = rng.uniform(xmin, xmax, 4 * wanted)
        y = rng.uniform(ymin, ymax, 4 * wanted)
        inside = shapely.contains_xy(polygon, x, y)
        drawn.append(np.column_stack([x[inside], y[inside]]))
        count += int(inside.sum())
        if count >= wanted:
            break
    sample = np.concatenate(drawn)[:wanted]
    if len(sample) < k:
        point = polygon.representative_point()
        return np.array([[point.x, point.y]]), np.array([1.0])
    scale = np.array([math.cos(math.radians(float(sample[:, 1].mean()))), 1.0])
    local = sample * scale
    centres, labels = kmeans2(local, k, seed=rng, minit="++", iter=20)
    points, shares = [], []
    for c in range(len(centres)):
        members = np.flatnonzero(labels == c)
        if not len(members):
            continue
        nearest = members[np.argmin(((local[members] - centres[c]) ** 2).sum(axis=1))]
        points.append(sample[nearest])
        shares.append(len(members) / len(sample))
    return np.array(points), np.array(shares)


def spread(frame: pd.DataFrame, geometry: np.ndarray) -> pd.DataFrame:
    """The commune rows with the need of large communes spread over several demand points (see the module)."""
    import geopandas as gpd

    area = gpd.GeoSeries(geometry, crs=4326).to_crs(EQUAL_AREA_CRS).area.to_numpy() / 1e6
    wanted = points_wanted(area, frame["need"].to_numpy(float))
    codes = frame["code"].to_numpy(str)
    drawn = {
        i: demand_points(geometry[i], int(wanted[i]), seed=zlib.crc32(codes[i].encode()))
        for i in np.flatnonzero(wanted > 1).tolist()
    }
    counts = np.array([len(drawn[i][1]) if i in drawn else 1 for i in range(len(frame))])
    out = frame.iloc[np.repeat(np.arange(len(frame)), counts)].reset_index(drop=True)
    nowhere = np.full((1, 2), np.nan)  # a commune of one point keeps its site point
    points = np.concatenate([drawn[i][0] if i in drawn else nowhere for i in range(len(frame))])
    shares = np.concatenate([drawn[i][1] if i in drawn else [1.0] for i in range(len(frame))])
    split = np.repeat(counts > 1, counts)
    out.loc[split, "lon"], out.loc[split, "lat"] = points[split, 0], points[split, 1]
    for column in ("need_female", "need_male"):
        out[column] = out[column].to_numpy(float) * shares
    part = out.groupby("code", sort=False).cumcount().to_numpy() + 1
    out["point"] = np.where(
        split, [f"{c}:{k:02d}" for c, k in zip(out["code"], part, strict=True)], out["code"]
    )
    return out
