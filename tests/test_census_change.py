"""
The change since 2014 against HCP's published census figures: illiteracy of the 10+ in Morocco (32.2 % in
2014, 24.8 % in 2024) and in three communes of the two censuses' tables, one of them renumbered by HCP's
2014→2024 crosswalk; an indicator the censuses did not measure alike has no change.
"""

from __future__ import annotations

import pytest

import observatory as obs
from observatory.census_change import changes_at
from observatory.errors import UnknownNameError

ILLITERACY = "illiteracy_rate_10_plus"
#: (code, HCP 2014 %, HCP 2024 %) from RGPH 2014 and RGPH 2024, people aged 10+, both sexes, total.
HCP = [
    ("MA", 32.2, 24.8),
    ("08.363.17.13", 74.2, 59.7),  # Anemzi
    ("08.363.15.07", 64.6, 51.5),  # Imilchil
    ("01.051.11.01", 44.6, 32.9),  # Aït Kamra, 01.051.05.01 in 2014
]


@pytest.mark.parametrize(("code", "before", "after"), HCP, ids=[c for c, *_ in HCP])
def test_change_matches_hcp_published_figures(built_db, code, before, after):
    level = "country" if code == "MA" else "commune"
    row = obs.change(ILLITERACY, level=level, db=built_db, units=[code]).iloc[0]
    assert (row.value_2014, row.value_2024) == (before, after)
    assert row.change == pytest.approx(after - before, abs=1e-9)
    assert row.change_unit == "points"


def test_every_commune_has_a_change_of_illiteracy_and_the_map_sees_falls(built_db):
    frame = obs.change(ILLITERACY, db=built_db)
    assert len(frame) >= 1_490 and frame["change"].notna().mean() > 0.99
    # Illiteracy fell between the two censuses in most communes.
    assert (frame["change"] < 0).mean() > 0.9


def test_comparable_indicators_leave_out_those_measured_differently(built_db):
    comparable = obs.comparable_indicators(db=built_db)
    assert ILLITERACY in comparable and "amenities_electricity" in comparable
    assert "equipment_internet" not in comparable  # asked in 2014 only
    with pytest.raises(UnknownNameError, match="equipment_internet.*amenities_electricity"):
        obs.change("equipment_internet", db=built_db)


def test_a_commune_beside_its_province_region_and_morocco(built_db):
    places = {"commune": "08.363.17.13", "province": "08.363", "region": "08", "country": "MA"}
    frame = changes_at([ILLITERACY, "equipment_internet"], places, db=built_db)
    assert set(frame["indicator_id"]) == {ILLITERACY}  # the 2014-only question has no change
    by_level = frame.set_index("level")["change"]
    assert by_level["commune"] == pytest.approx(59.7 - 74.2)
    assert by_level["country"] == pytest.approx(24.8 - 32.2)
    for level, code in places.items():
        alone = obs.change(ILLITERACY, level=level, db=built_db, units=[code])["change"].iloc[0]
        assert by_level[level] == pytest.approx(alone)
