"""
The API as a researcher's files, over a real HTTP server: a CSV that `pandas.read_csv(url)` reads as
is, Parquet with codes typed as text, the `period` filter, honest source lists, the whole dataset in
one download (`observatory export` and `/api/v1/bulk`, with ETag and byte ranges), and values served
from memory exactly as the query layer returns them.
"""

from __future__ import annotations

import io
import json
import random
import threading
import urllib.error
import urllib.request
import zipfile

import pandas as pd
import pytest
from click.testing import CliRunner

from observatory import bulk, query
from observatory.api import create_api_app
from observatory.api._store import ValueStore
from observatory.cli import main

VALUES = "/api/v1/indicators/illiteracy_rate_10_plus/values?year=2024"
USAGE = "usage_digital_share"


def serve(app: object) -> tuple[str, object]:
    """`app` under waitress on a free port of 127.0.0.1, in a thread; its base URL and the server."""
    import waitress.server

    server = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{server.effective_port}", server


@pytest.fixture(scope="module")
def base_url(built_db):
    url, server = serve(create_api_app(built_db))
    yield url
    server.close()


@pytest.fixture(scope="module")
def exported(built_db, tmp_path_factory):
    """The whole dataset as `observatory export` writes it, in a folder named for the data's version."""
    root = tmp_path_factory.mktemp("bulk")
    folder = root / bulk.version(built_db)
    result = CliRunner().invoke(main, ["export", "--db", str(built_db.path), "--out", str(folder)])
    assert result.exit_code == 0, result.output
    return root, folder


def test_read_csv_reads_an_api_csv_as_is(base_url, built_db, tally):
    frame = pd.read_csv(base_url + VALUES + "&format=csv")
    expected = query.indicator_values("illiteracy_rate_10_plus", db=built_db, year=2024)
    assert len(frame) == len(expected) and list(frame.columns[:3]) == ["unit_code", "name_fr", "name_ar"]
    # The documented recipe keeps every code as text, leading zeros included.
    description = json.load(urllib.request.urlopen(base_url + VALUES + "&format=csvw&level=province"))
    dtype = {c["name"]: "string" for c in description["tableSchema"]["columns"] if c["datatype"] == "string"}
    provinces = pd.read_csv(base_url + VALUES + "&format=csv&level=province", dtype=dtype)
    assert provinces["unit_code"].str.fullmatch(r"[0-9]{2}\.[0-9]{3}").all()
    assert "01.511" in set(provinces["unit_code"])
    tally(f"pd.read_csv(url): {len(frame)} communes, {len(provinces)} provinces with codes as text")


def test_parquet_types_codes_as_text(base_url, built_db):
    with urllib.request.urlopen(base_url + VALUES + "&format=parquet&level=region") as response:
        assert response.headers["Content-Type"] == "application/vnd.apache.parquet"
        assert "CC BY 4.0" in response.headers["X-Licence"]
        frame = pd.read_parquet(io.BytesIO(response.read()))
    assert pd.api.types.is_string_dtype(frame["unit_code"])
    assert sorted(frame["unit_code"]) == [f"{i:02d}" for i in range(1, 13)]
    json_rows = json.load(urllib.request.urlopen(base_url + VALUES + "&level=region"))["data"]
    assert frame["value"].tolist() == [r["value"] for r in json_rows]


def test_period_keeps_one_month(base_url, built_db):
    url = f"/api/v1/indicators/{USAGE}/values?level=region&period=2025-03"
    body = json.load(urllib.request.urlopen(base_url + url))
    expected = query.indicator_values(USAGE, db=built_db, level="region", period="2025-03")
    assert body["meta"]["total"] == len(expected) > 0
    assert {r["period"] for r in body["data"]} == {"2025-03"}
    with pytest.raises(urllib.error.HTTPError) as bad:
        urllib.request.urlopen(base_url + url.replace("2025-03", "2025-13"))
    assert bad.value.code == 400 and json.load(bad.value)["error"]["code"] == "invalid_parameter"


def test_a_year_without_data_credits_no_source(base_url):
    body = json.load(
        urllib.request.urlopen(base_url + "/api/v1/indicators/illiteracy_rate_10_plus/values?year=1990")
    )
    assert body["data"] == [] and body["meta"]["total"] == 0 and body["meta"]["source"] == []


def test_the_value_store_answers_as_the_query_layer(built_db, tmp_path):
    names = ["illiteracy_rate_10_plus", "population_legal", USAGE]
    every = query.indicator_values(names, db=built_db, level=None, year=None, sex=None, area=None)
    every.to_parquet(tmp_path / "values.parquet", index=False)
    store = ValueStore(tmp_path / "values.parquet")
    cases = [
        (names[:1], {"year": 2024}),
        (names[:2], {"year": 2024, "sex": "female", "area": "rural"}),
        (names[1:2], {"level": "province", "year": None}),
        (names[1:2], {"level": "region", "year": 2024, "units": ["01", "02"]}),
        (names[:1], {"status": ["published"], "year": 2014}),
        (names[2:], {"level": "region", "period": "2025-03", "sex": None, "area": None}),
    ]
    for selected, filters in cases:
        got = store.select(selected, **filters).to_frame()
        expected = query.indicator_values(selected, db=built_db, **filters)
        numbers = dict.fromkeys(["value", "se", "lower", "upper"], "float64")
        pd.testing.assert_frame_equal(
            got.astype(expected.dtypes.to_dict() | numbers), expected.astype(numbers)
        )
    assert len(store.select(["no_such_indicator"])) == 0


def test_export_writes_the_whole_dataset(exported, built_db, tally):
    _, folder = exported
    frame = pd.read_parquet(folder / "values.parquet")
    every = query.indicator_values(None, db=built_db, level=None, year=None, sex=None, area=None)
    assert len(frame) == len(every)
    assert pd.api.types.is_string_dtype(frame["unit_code"]) and "01.511" in set(frame["unit_code"])
    assert frame["build_id"].nunique() == 1 and frame["period"].str.match(r"^[0-9]{4}").all()
    with zipfile.ZipFile(folder / "values-csv.zip") as archive:
        package = json.loads(archive.read("datapackage.json"))
        fields = {f["name"]: f["type"] for f in package["resources"][0]["schema"]["fields"]}
        with archive.open("values.csv") as handle:
            rows = sum(1 for _ in handle) - 1
    assert fields["unit_code"] == "string" and fields["value"] == "number" and rows == len(every)
    import geopandas as gpd

    units = gpd.read_parquet(folder / "units.parquet")
    assert set(units["level"]) == {"country", "region", "province", "commune"} and units.crs is not None
    communes = gpd.read_file(folder / "units.gpkg", layer="commune")
    assert len(communes) == (units["level"] == "commune").sum()
    sizes = {p.name: p.stat().st_size // 1_000_000 for p in folder.iterdir()}
    tally(f"export: {len(frame):,} values; files in MB: {sizes}")


def test_bulk_is_served_with_etag_and_ranges(exported, built_db):
    root, folder = exported
    client = create_api_app(built_db, files=root).test_client()
    manifest = json.loads((folder / bulk.MANIFEST).read_text())
    response = client.get("/api/v1/bulk?format=parquet")
    assert response.status_code == 200
    assert response.headers["ETag"].strip('"') == manifest["files"]["parquet"]["sha256"]
    assert response.data == (folder / "values.parquet").read_bytes()
    again = client.get("/api/v1/bulk?format=parquet", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    part = client.get("/api/v1/bulk?format=gpkg", headers={"Range": "bytes=0-15"})
    assert part.status_code == 206 and part.data == b"SQLite format 3\x00"
    bad = client.get("/api/v1/bulk?format=xls")
    assert bad.status_code == 400 and "error" in bad.get_json()
    # Values come from memory, as the database would answer them.
    served = client.get(VALUES + "&region=01").get_json()
    direct = create_api_app(built_db).test_client().get(VALUES + "&region=01").get_json()
    assert served == direct


def test_bulk_without_files_is_503_in_the_error_shape(built_db):
    response = create_api_app(built_db).test_client().get("/api/v1/bulk")
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "unavailable"


def test_openapi_declares_parquet_bulk_and_the_indicator_limit(base_url):
    document = json.load(urllib.request.urlopen(base_url + "/api/v1/openapi.json"))
    values = document["paths"]["/values"]["get"]
    limit = next(p for p in values["parameters"] if p["name"] == "indicator")["schema"]
    assert limit["maxItems"] >= 196
    assert "application/vnd.apache.parquet" in values["responses"]["200"]["content"]
    assert "/bulk" in document["paths"]


def test_the_index_credits_only_what_entered_it(base_url):
    def sources(lens: str) -> set[str]:
        body = json.load(urllib.request.urlopen(f"{base_url}/api/v1/index?lens={lens}&page_size=1"))
        return {s["source_id"] for s in body["meta"]["source"]}

    census = sources("census")
    assert "hcp-2024-indicators" in census and "observatory-analytics" in census
    assert not census & {"osm", "observatory-simulated-usage", "geonames"}
    assert "observatory-simulated-usage" in sources("demo")  # the demonstration lens takes simulated usage


def test_values_from_memory_are_the_database_answers_byte_for_byte(exported, built_db, tally):
    """
    A server keeping the bulk files answers values from memory, each row's text written once and reused by
    the next answer holding the row (another région, page size, page or format); every answer must be the
    bytes a server without files writes from the database, in any order of asking, suppressed rows and
    several indicators included.
    """
    root, _ = exported
    from_files = create_api_app(built_db, files=root, cache_size=0).test_client()
    from_db = create_api_app(built_db, cache_size=0).test_client()
    assert from_files.get(VALUES + "&page_size=1").status_code == 200  # the store loads
    urls = []
    for name, extra, regions in [
        ("illiteracy_rate_10_plus", "&year=2024", ("01", "05", "08")),
        ("population_legal", "&year=2024&sex=female", ("02", "05")),
        (USAGE, "&year=2025", ("10", "11")),  # suppressed counts in these régions
        (USAGE, "&level=province&period=2025-03", ("01", "11")),
    ]:
        for region in regions:
            for size, page in [(2000, 1), (10, 1), (10, 2), (50, 1)]:
                for fmt in ("", "&format=csv", "&format=geojson&detail=low"):
                    urls.append(
                        f"/api/v1/indicators/{name}/values?region={region}&page_size={size}&page={page}{extra}{fmt}"
                    )
    urls.append("/api/v1/values?indicator=illiteracy_rate_10_plus,population_legal&year=2024&region=03")
    urls.append(f"/api/v1/values?indicator={USAGE}&level=region&format=csv")
    random.Random(7).shuffle(urls)
    compared = 0
    for url in urls + urls[::-1]:
        got, expected = from_files.get(url), from_db.get(url)
        assert got.status_code == expected.status_code, url
        assert got.data == expected.data, url
        assert got.headers.get("ETag") == expected.headers.get("ETag"), url
        compared += got.status_code == 200
    assert compared > len(urls)
    suppressed = from_files.get(f"/api/v1/indicators/{USAGE}/values?year=2025&region=11").get_json()
    assert any(r["suppressed"] == 1 and r["value"] is None for r in suppressed["data"])
    tally(f"memory vs database: {compared} answers compared byte for byte, each asked twice")
