"""
`observatory serve` as real processes: one waitress process and two gunicorn workers, over the same
database and bulk files. Both answer the same values; every answer, the WSGI server's own errors
included, carries the security headers and the API's error shape; a path under /api/ that is not
the API, or one that climbs out of its folder, is a 404, not Dash's page or a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from observatory import bulk
from observatory.cli import main

ROOT = Path(__file__).resolve().parent.parent
SECURITY = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy")
VALUES = "/api/v1/indicators/illiteracy_rate_10_plus/values?year=2024&region=01&format=csv"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send `request` as is (no client normalises its path) and read the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body


@pytest.fixture(scope="module")
def files(built_db, tmp_path_factory):
    root = tmp_path_factory.mktemp("served-files")
    result = CliRunner().invoke(
        main, ["export", "--db", str(built_db.path), "--out", str(root / bulk.version(built_db))]
    )
    assert result.exit_code == 0, result.output
    return root


@contextmanager
def running(db: Path | str, files: Path, workers: int, log: Path) -> Iterator[int]:
    """`observatory serve` over `db` with `workers` processes, until the block ends; its port."""
    port = free_port()
    command = [sys.executable, "-c", "from observatory.cli import main; main()", "serve"]
    command += ["--db", str(db), "--port", str(port), "--no-build", "--files", str(files)]
    command += ["--workers", str(workers)]
    with log.open("wb") as output:
        server = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stderr=output, stdout=output
        )
        try:
            deadline = time.time() + 600
            while time.time() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/sources", timeout=5)
                    break
                except OSError:
                    assert server.poll() is None, log.read_text(errors="replace")[-2000:]
                    time.sleep(1)
            yield port
        finally:
            server.terminate()
            server.wait(30)


@pytest.fixture(scope="module", params=[1, 2], ids=["waitress", "gunicorn-2"])
def port(request, built_db, files, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with running(built_db.path, files, request.param, log) as port:
        yield port


def test_every_worker_serves_the_same_values(port, built_db):
    from observatory.api import create_api_app

    expected = create_api_app(built_db).test_client().get(VALUES).get_data()
    # Several connections, so both of gunicorn's workers answer some of them.
    answers = {urllib.request.urlopen(f"http://127.0.0.1:{port}{VALUES}").read() for _ in range(12)}
    assert answers == {expected}


@pytest.mark.parametrize(
    "path",
    ["/api/v2/indicators", "/api/x", "/_dash-component-suites/../../etc/passwd", "/assets/../../etc/passwd"],
)
def test_unknown_and_climbing_paths_are_404_in_the_error_shape(port, path):
    status, headers, body = raw(port, f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
    assert status == 404 and json.loads(body)["error"]["code"] == "not_found"
    assert all(h in headers for h in SECURITY), headers
    assert b"root:" not in body and b"Traceback" not in body


def test_the_servers_own_errors_have_the_shape_and_headers(port):
    # Headers just past gunicorn's 8 kB field limit, then just past waitress's 256 kB header limit:
    # each server refuses one of them itself (a larger one is cut off by a reset before its answer).
    refused = []
    for size in (9_000, 263_000):
        request = (
            f"GET /api/v1/sources HTTP/1.1\r\nHost: x\r\nX-Big: {'x' * size}\r\nConnection: close\r\n\r\n"
        )
        try:
            status, headers, body = raw(port, request.encode())
        except ConnectionResetError:
            continue
        if status != 200:
            refused.append(status)
            assert "error" in json.loads(body) and all(h in headers for h in SECURITY), headers
    assert refused and set(refused) <= {400, 431}
    status, headers, body = raw(port, b"NOT A REQUEST\r\n\r\n")
    assert status == 400 and "error" in json.loads(body)
    assert all(h in headers for h in SECURITY), headers


def test_a_load_through_one_process_is_served_by_both(built_db, files, tmp_path):
    """Two gunicorn workers over one database: a usage load made beside them is in every answer at once
    (the workers read the database until the new version's files are written)."""
    from observatory import query

    db = tmp_path / "observatory.gpkg"
    shutil.copyfile(built_db.path, db)
    db.chmod(0o644)
    export = tmp_path / "usage.csv"
    export.write_text(
        "commune_code,service,period,channel,transactions,unique_users\n"
        + "".join(
            f"01.511.01.0,tax,2025-03,{c},{n},{n // 2}\n" for c, n in (("online", 900), ("counter", 300))
        ),
        encoding="utf-8",
    )
    url = "/api/v1/indicators/usage_digital_share/values?level=commune&period=2025-03&unit=01.511.01.0"
    with running(db, files, 2, tmp_path / "serve.log") as port:
        before = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}{url}"))["data"]
        result = CliRunner().invoke(main, ["load", "usage", str(export), "--db", str(db), "--title", "t"])
        assert result.exit_code == 0, result.output
        expected = query.indicator_values(
            "usage_digital_share", db=str(db), period="2025-03", units=["01.511.01.0"]
        )
        answers = [
            json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}{url}"))["data"] for _ in range(12)
        ]

    def seen(rows: list[dict]) -> list[tuple]:
        return [(r["status"], r["source_id"], r["run_id"], r["value"]) for r in rows]

    loaded = [
        (r.status, r.source_id, r.run_id, None if r.value != r.value else r.value)
        for r in expected.itertuples()
    ]
    assert seen(before) != loaded and loaded[0][1] == "usage-exports"
    assert all(seen(a) == loaded for a in answers)


def usage_export(path: Path, online: int, counter: int) -> Path:
    path.write_text(
        "commune_code,service,period,channel,transactions,unique_users\n"
        + "".join(
            f"01.511.01.0,tax,2025-03,{c},{n},{n // 2}\n"
            for c, n in (("online", online), ("counter", counter))
        ),
        encoding="utf-8",
    )
    return path


#: How soon after a load every process of a server must serve it: each reads the database's
#: `edition.marker` at most once a second.
FRESH_SECONDS = 15.0


@pytest.mark.postgis
def test_two_servers_over_one_postgis_both_serve_a_load_made_beside_them(postgis_db, tmp_path, tally):
    """Two `observatory serve` processes, as on two machines (each its own port and files folder; one
    waitress, one gunicorn with two workers), over one PostGIS database: a usage load made with the
    CLI is served by both within seconds, each noticing the new edition by itself. The load starts
    just after a minute begins, so a process that only looked again at the next minute would fail."""
    from observatory import query

    url = "/api/v1/indicators/usage_digital_share/values?level=commune&period=2025-03&unit=01.511.01.0"
    target = postgis_db.target
    folders = [tmp_path / "files-a", tmp_path / "files-b"]

    def seen(port: int) -> list[tuple]:
        rows = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}{url}"))["data"]
        return [(r["status"], r["source_id"], r["run_id"], r["value"]) for r in rows]

    with (
        running(target, folders[0], 1, tmp_path / "a.log") as a,
        running(target, folders[1], 2, tmp_path / "b.log") as b,
    ):
        time.sleep(60 - time.time() % 60 + 1)  # a second past the minute (sleep may wake a hair early)
        before = {p: [seen(p) for _ in range(6)] for p in (a, b)}
        export = usage_export(tmp_path / "usage.csv", 1234, 321)
        started = time.monotonic()
        result = CliRunner().invoke(main, ["load", "usage", str(export), "--db", target, "--title", "t"])
        assert result.exit_code == 0, result.output
        loaded_at = time.monotonic()
        expected = query.indicator_values(
            "usage_digital_share", db=target, period="2025-03", units=["01.511.01.0"]
        )
        loaded = [
            (r.status, r.source_id, r.run_id, None if r.value != r.value else r.value)
            for r in expected.itertuples()
        ]
        fresh: dict[int, float] = {}
        while len(fresh) < 2 and time.monotonic() - loaded_at < FRESH_SECONDS:
            for port in (a, b):
                # Several connections each, so both of gunicorn's workers answer.
                if port not in fresh and all(seen(port) == loaded for _ in range(6)):
                    fresh[port] = time.monotonic() - loaded_at
            time.sleep(0.1)
        final = {p: [seen(p) for _ in range(6)] for p in (a, b)}
    assert loaded and loaded[0][1] == "usage-exports"
    assert all(answer != loaded for answers in before.values() for answer in answers)
    assert set(fresh) == {a, b}, f"a process still served the values of before the load: {final}"
    assert all(answer == loaded for answers in final.values() for answer in answers)
    tally(
        f"two servers over one PostGIS served a load ({loaded_at - started:.1f} s) after "
        f"{max(fresh.values()):.1f} s"
    )
