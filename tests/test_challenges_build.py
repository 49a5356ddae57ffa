"""
What a build does with challenges, on a copy of the built GeoPackage rebuilt from the census: it keeps
people's records, sums the aggregates it computes from the corrected commune figures (their marks
clear), leaves HCP's own published aggregates as HCP published them (still marked, our sum beside them),
and ranks communes on their corrected figures. Builds run on the GeoPackage alone: on PostGIS they
would replace the run's one shared build, which the other PostGIS tests read.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from observatory import challenges
from observatory import query as q
from observatory.database import Database
from observatory.etl.jobs import build as build_module
from observatory.indicators import Key, wide
from observatory.settings import get_settings

#: A commune whose urban employed HCP counted as 0 in 2014, in a province whose urban figure HCP did not
#: publish (the observatory sums it), in a région and a country whose urban figures HCP did publish.
COMMUNE, PROVINCE, REGION = "12.066.01.03", "12.066", "12"
INDICATOR, YEAR, AREA = "profession_employed", 2014, "urban"
EVIDENCE = "The 2014 enumeration of the commune's urban centre counted forty employed people."


def _copy(built_db: Database, folder: Path) -> Database:
    target = folder / "observatory.gpkg"
    shutil.copyfile(built_db.path, target)
    target.chmod(0o644)
    return Database(target)


def _accepted(db: Database, **figure: object) -> str:
    made = challenges.submit(evidence=EVIDENCE, by="Amina Idrissi", db=db, **figure)  # type: ignore[arg-type]
    challenges.review(made, decision="accept", by="Karim Alaoui", reason="Checked.", db=db)
    return made


def _served(db: Database, unit: str, level: str) -> pd.Series:
    rows = q.indicator_values(INDICATOR, db=db, level=level, year=YEAR, area=AREA, units=[unit])
    return rows.iloc[0]


def test_a_rebuild_sums_the_corrected_figure_and_clears_the_mark_where_it_computes(built_db, tmp_path):
    db = _copy(built_db, tmp_path)
    province_before = _served(db, PROVINCE, "province")
    region_before = _served(db, REGION, "region")
    assert province_before["status"] == "aggregated" and region_before["status"] == "published"
    made = _accepted(db, unit=COMMUNE, indicator=INDICATOR, year=YEAR, area=AREA, value=40.0)
    assert _served(db, PROVINCE, "province")["correction"] == "affected"  # summed from the original
    events_before = len(challenges.events(db=db))

    summary = build_module.build(get_settings(db=db.target), progress=False, jobs=build_module.JOBS[:4])

    assert summary[challenges.APPLIED]["aggregate"] == [made]
    assert len(challenges.events(db=db)) == events_before  # the log survives, its chain intact
    commune = _served(db, COMMUNE, "commune")
    assert (commune["value"], commune["status"]) == (40.0, "corrected")  # the stored row stays HCP's
    stored = db.read("indicator_value", where={"unit_code": COMMUNE, "indicator_id": INDICATOR, "year": YEAR})
    assert 0.0 in set(stored.loc[(stored["area"] == AREA) & (stored["sex"] == "all"), "value"])
    province = _served(db, PROVINCE, "province")
    assert province["value"] == province_before["value"] + 40.0
    assert province["status"] == "aggregated" and pd.isna(province["correction"])
    # HCP's région total stays HCP's, and marked: our sum of the corrected communes is beside it.
    region = _served(db, REGION, "region")
    assert (region["value"], region["status"]) == (region_before["value"], "published")
    assert (region["correction"], region["challenge_id"]) == ("affected", made)
    check = db.read("aggregate_check", where={"unit_code": REGION, "indicator_id": INDICATOR, "year": YEAR})
    check = check[(check["sex"] == "all") & (check["area"] == AREA)].iloc[0]
    assert check["computed"] - check["published"] == pytest.approx(40.0)
    # The register lists the région's and the country's as affected (HCP's), not the province's urban sum.
    marked = challenges.affected(db=db)
    assert {REGION, "MA"} <= set(marked["unit_code"])


def test_the_index_ranks_communes_on_their_corrected_figures(built_db, tmp_path):
    db = _copy(built_db, tmp_path)
    indicator = "illiteracy_rate_10_plus"
    made = _accepted(db, unit="01.051.01.01", indicator=indicator, year=2024, value=17.5)
    key = Key(indicator, 2024)
    inputs = wide(db.read("indicator_value", where={"indicator_id": indicator, "level": "commune"}), [key])
    corrected, done = challenges.applied_to_inputs(inputs, challenges.corrections(db=db))
    assert done == [made] and corrected.loc["01.051.01.01", key.name] == 17.5
    assert inputs.loc["01.051.01.01", key.name] != 17.5  # the frame read is left as it was
    assert (corrected.drop(index="01.051.01.01") == inputs.drop(index="01.051.01.01")).all().all()


def test_a_build_keeps_the_challenges(built_db, tmp_path):
    db = _copy(built_db, tmp_path)
    made = challenges.submit(
        unit="01.051.01.03",
        boundary=True,
        evidence="The 2023 decree moved the boundary with Al Hoceima to the river.",
        by="Omar Benali",
        contact="omar.benali@example.org",
        db=db,
    )
    before, contacts = challenges.events(db=db), db.read("challenge_contact")
    build_module.build(get_settings(db=db.target), progress=False, jobs=build_module.JOBS[:2])
    after = challenges.events(db=db)  # the chain still verifies
    pd.testing.assert_frame_equal(after, before, check_dtype=False)
    pd.testing.assert_frame_equal(db.read("challenge_contact"), contacts, check_dtype=False)
    assert made in set(challenges.register(db=db)["challenge_id"])
