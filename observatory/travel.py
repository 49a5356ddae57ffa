"""
Travel between a commune's people and a site: an offline proxy, or a matrix the user supplies.

The proxy (`proxy_km`) is the great-circle distance between the two site points times a circuity
factor, plus the demand commune's average distance to a paved road (census 2024, published for rural
communes; urban communes count 0 km). It knows no road network, river, pass or ferry: it is an
order of magnitude for planning, to be replaced by a routed matrix (OSRM, AccessMod) when one is at
hand. `minutes` converts km to minutes at an assumed average speed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import ValidationError

EARTH_RADIUS_KM = 6371.0088
#: Road distance over straight-line distance. Assumption: 1.3 is the middle of the 1.2-1.4 range
#: measured on national road networks (Ballou et al. 2002, "Selected country circuity factors for road
#: travel distance estimation"); mountain tracks are longer, city grids shorter.
CIRCUITY = 1.3
#: Average door-to-site speed, km/h. Assumption: a mix of shared taxi and rural bus on paved roads and
#: walking from the village to the road; no measured figure for Morocco is at hand.
SPEED_KMH = 40.0


def great_circle_km(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Great-circle distances between all points (haversine), in km. Computed in place: three n × n arrays
    at most (the planner's 2,000 points make each 33 MB), the same arithmetic as the textbook formula."""
    lon, lat = np.radians(lon), np.radians(lat)
    a = np.subtract.outer(lat, lat)
    a /= 2
    np.sin(a, out=a)
    a **= 2
    b = np.subtract.outer(lon, lon)
    b /= 2
    np.sin(b, out=b)
    b **= 2
    cos = np.cos(lat)
    c = np.multiply.outer(cos, cos)
    c *= b
    del b
    a += c
    del c
    np.clip(a, 0, 1, out=a)
    np.sqrt(a, out=a)
    np.arcsin(a, out=a)
    a *= 2 * EARTH_RADIUS_KM
    return a


def proxy_km(
    lon: np.ndarray, lat: np.ndarray, road_km: np.ndarray, *, circuity: float = CIRCUITY
) -> np.ndarray:
    """Travel distance proxy from demand point i (rows) to site j (columns): circuity × great circle +
    road_i."""
    if circuity < 1:
        raise ValidationError(
            f"a circuity factor is at least 1 (a road is never shorter than a straight line); got {circuity}"
        )
    km = great_circle_km(lon, lat)
    km *= circuity
    km += np.nan_to_num(road_km, nan=0.0)[:, None]
    return km


def minutes(km: np.ndarray, *, speed_kmh: float = SPEED_KMH) -> np.ndarray:
    """Kilometres to minutes at an average speed."""
    return km / speed_kmh * 60.0


def read_matrix(path: str) -> pd.DataFrame:
    """A travel-time matrix CSV with columns `from_code,to_code,minutes` (commune codes; e.g. from OSRM)."""
    frame = pd.read_csv(path, dtype={"from_code": str, "to_code": str})
    frame.columns = [c.strip().lower() for c in frame.columns]
    missing = {"from_code", "to_code", "minutes"} - set(frame.columns)
    if missing:
        raise ValidationError(
            f"a travel-time matrix needs columns from_code,to_code,minutes; {sorted(missing)} "
            f"missing in {path} (found {list(frame.columns)})"
        )
    bad = frame[
        pd.to_numeric(frame["minutes"], errors="coerce").isna()
        | (pd.to_numeric(frame["minutes"], errors="coerce") < 0)
    ]
    if len(bad):
        raise ValidationError(
            f"{len(bad)} rows of {path} have no valid minutes (first: {bad.iloc[0].to_dict()})",
            failures=bad.assign(reason="minutes empty or negative").to_dict("records"),
        )
    return frame.assign(minutes=frame["minutes"].astype(float))


def matrix_minutes(codes: list[str], matrix: pd.DataFrame) -> np.ndarray:
    """A square array of minutes from the matrix rows; pairs it does not list are unreachable (inf), a place
    to itself 0. `codes` may repeat (several demand points of one commune): each takes its commune's
    minutes, and points of one commune are 0 minutes apart, for the matrix knows nothing finer."""
    unique, inverse = np.unique(np.asarray(codes, dtype=str), return_inverse=True)
    if len(unique) < len(codes):
        return matrix_minutes(unique.tolist(), matrix)[np.ix_(inverse, inverse)]
    position = {c: i for i, c in enumerate(codes)}
    unknown = sorted((set(matrix["from_code"]) | set(matrix["to_code"])) - set(position))
    if unknown:
        from ._infeasible import unknown_codes

        raise unknown_codes(unknown)
    out = np.full((len(codes), len(codes)), np.inf)
    np.fill_diagonal(out, 0.0)
    out[matrix["from_code"].map(position).to_numpy(), matrix["to_code"].map(position).to_numpy()] = matrix[
        "minutes"
    ].to_numpy(float)
    return out
