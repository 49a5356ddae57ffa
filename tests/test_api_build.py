"""Every answer names its build: the build id and content digest in `meta.build` and a header, the CSV
and CSVW cite them, an ETag answers If-None-Match with 304, and a load moves the digest along its chain."""

from __future__ import annotations

import hashlib
import json

import yaml
from connectors_support import usage_csv

from observatory import edition
from observatory.api import create_api_app
from observatory.etl.connectors import usage

URL = "/api/v1/indicators/population_legal/values?year=2024&level=province"


def test_each_answer_names_its_build_and_a_load_moves_the_digest(writable_db, tmp_path):
    build = writable_db.read("build").iloc[-1]
    client = create_api_app(writable_db).test_client()
    first = client.get(URL)
    assert first.status_code == 200
    meta = first.get_json()["meta"]["build"]
    assert meta["build_id"] == build["build_id"]
    assert meta["content_digest"] == f"sha256:{build['content_digest']}"
    assert build["build_id"] in meta["cite"] and meta["date"][:10] in meta["cite"]
    assert (
        first.headers["X-Observatory-Build"]
        == f"{build['build_id']}; digest=sha256:{build['content_digest']}"
    )
    etag = first.headers["ETag"].strip('"')
    assert etag == hashlib.sha256(first.get_data()).hexdigest()[:32]

    again = client.get(URL, headers={"If-None-Match": f'"{etag}"'})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == f'"{etag}"'
    assert client.get(URL, headers={"If-None-Match": '"other"'}).status_code == 200
    error = client.get("/api/v1/indicators/no_such_indicator/values")
    assert (
        error.status_code == 404
        and error.headers["X-Observatory-Build"] == first.headers["X-Observatory-Build"]
    )

    csv = client.get(URL + "&format=csv")  # a plain table: its build is in its headers and its CSVW
    assert csv.headers["X-Observatory-Build"] == first.headers["X-Observatory-Build"]
    assert not csv.get_data(as_text=True).startswith("#")
    csvw = json.loads(client.get(URL + "&format=csvw").get_data(as_text=True))
    assert (
        csvw["dc:bibliographicCitation"] == meta["cite"] and csvw["dc:identifier"] == meta["content_digest"]
    )

    usage.load(
        [usage_csv(tmp_path / "u.csv", [["01.511.01.0", "tax", "2026-01", "web", 400, 300]])], db=writable_db
    )
    after = client.get(URL)
    moved = after.get_json()["meta"]["build"]
    chain = writable_db.read(edition.TABLE)
    assert len(chain) == 1 and chain.iloc[0]["previous_digest"] == build["content_digest"]
    expected = hashlib.sha256(
        f"{build['content_digest']}\n{chain.iloc[0]['load_digest']}".encode()
    ).hexdigest()
    assert moved["content_digest"] == f"sha256:{expected}" != meta["content_digest"]
    assert moved["build_id"] == meta["build_id"] and after.headers["ETag"] != first.headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": f'"{etag}"'}).status_code == 200


def test_the_citation_file_is_valid_cff_and_names_how_to_cite_a_build():
    from pathlib import Path

    cff = yaml.safe_load((Path(__file__).parents[1] / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["license"] == "Apache-2.0"
    assert {"title", "authors", "message", "version"} <= set(cff)
    assert "X-Observatory-Build" in cff["message"] and "content digest" in cff["message"]


def test_the_app_data_page_says_how_to_cite_the_build(data, built_db):
    from components import text_of

    from observatory.dashboards.pages.method import layout
    from observatory.dashboards.state import DEFAULTS

    now = edition.current(built_db)
    for lang in ("fr", "ar", "en"):
        page = text_of(layout(data, {**DEFAULTS, "lang": lang}))
        assert edition.citation(now, lang) in page and now["build_id"] in page


def test_the_reports_annex_says_how_to_cite_the_build(built_db):
    import html

    from observatory.reports.content import gather
    from observatory.reports.render import to_html

    now = edition.current(built_db)
    for lang in ("fr", "ar"):
        page = html.unescape(to_html(gather(level="region", code="08", lang=lang, db=built_db)))
        assert edition.citation(now, lang) in page.replace("\u2068", "").replace("\u2069", "")
