"""
Load test of `observatory serve` (the app and the API in one waitress server) on 127.0.0.1, driven by
concurrent keep-alive clients for a bounded time; reports throughput, p50/p95/p99 latency and errors.

Three scenarios, each against a fresh server (so the response cache starts cold):
  mix       20 clients on a researcher's mix with cold lookups: values CSVs of 8 indicators by
            région, a région's index, single communes (1,503 of them), the catalogue, a région's
            communes. Target: >= 500 requests/s, p99 <= 100 ms, no error.
  mix-50    the same mix with 50 clients. Target: no error.
  heavy     8 clients asking for the communes' GeoJSON without pause, beside 12 light clients on
            the mix. Target: p95 of the light requests <= 200 ms. A 503 with Retry-After is the
            documented answer of a busy server to a heavy request, not an error.

`--baseline DIR` runs the same scenarios against another checkout (e.g. /work/main, with its own
.venv), so the figures can be read side by side.

    .venv/bin/python benchmarks/bench_api_load.py [--db PATH] [--seconds 20] [--baseline /work/main]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
#: Indicators a researcher's scripts ask for most (2024 census, by commune).
INDICATORS = [
    "illiteracy_rate_10_plus",
    "amenities_electricity",
    "disability_prevalence",
    "population_legal",
    "amenities_running_water",
    "amenities_toilet",
    "cooking_fuel_gas",
    "age_60_plus",
]
#: The heavy request the issue measured (27.9 MB, uncached, on the baseline) and the heaviest one
#: the hardened API serves (full-detail polygons, one page of 500 communes).
HEAVY = {
    "communes": "/api/v1/units/commune?format=geojson",
    "communes-full": "/api/v1/units/commune?format=geojson&detail=full&page_size=500&page={page}",
}


#: One request of each kind before measuring: they load the server's small tables, not the cache of the mix.
WARM_UP = [
    "/api/v1/indicators?year=2014&page_size=5",
    "/api/v1/units/commune/01.511.01.0",
    "/api/v1/units/province/01.511",
    "/api/v1/index?level=commune&region=01&page_size=5",
    "/api/v1/indicators/population_legal/values?year=2024&region=01&page_size=5",
    "/api/v1/units/region?format=geojson&page_size=5",
]


def light_url(rng: random.Random, communes: list[str], indicators: list[str]) -> str:
    """One request of the mix; most are first-time (cold) lookups early in a run."""
    region = f"{rng.randint(1, 12):02d}"
    kind = rng.random()
    if kind < 0.35:
        return f"/api/v1/units/commune/{rng.choice(communes)}"
    if kind < 0.60:
        return f"/api/v1/indicators/{rng.choice(indicators)}/values?year=2024&region={region}&format=csv"
    if kind < 0.75:
        return f"/api/v1/index?level=commune&region={region}&lang={rng.choice(['fr', 'ar', 'en'])}"
    if kind < 0.90:
        return f"/api/v1/indicators?year={rng.choice([2014, 2024])}&page_size=50&page={rng.randint(1, 3)}"
    return f"/api/v1/units/commune?region={region}&fields=code,name_fr,population_2024"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(code: Path, db: str, port: int) -> subprocess.Popen:
    """`observatory serve` of the checkout at `code`, with that checkout's own virtual environment."""
    python = code / ".venv" / "bin" / "python"
    command = [
        str(python),
        "-c",
        "from observatory.cli import main; main()",
        "serve",
        "--db",
        db,
        "--port",
        str(port),
        "--no-build",
    ]
    return subprocess.Popen(
        command,
        cwd=code,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(code)},
    )


def get(port: int, url: str, timeout: float = 120) -> tuple[int, bytes]:
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        con.request("GET", url)
        response = con.getresponse()
        return response.status, response.read()
    finally:
        con.close()


def wait_until_up(port: int, timeout: float = 120) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if get(port, "/api/v1/sources", timeout=5)[0] == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the server did not start on port {port}")


def drive(
    port: int, *, light: int, heavy: int, heavy_url: str, seconds: float, seed: int, communes: list[str]
) -> dict:
    """`light` clients on the mix and `heavy` on `heavy_url`, for `seconds`; each loop is bounded by time."""
    results: dict[str, list] = {"light": [], "heavy": [], "errors": [], "busy": []}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(i: int, is_heavy: bool) -> None:
        rng = random.Random(seed + i)
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine, errors, busy = [], [], 0
        while time.perf_counter() < stop:
            url = (
                heavy_url.format(page=rng.randint(1, 4)) if is_heavy else light_url(rng, communes, INDICATORS)
            )
            started = time.perf_counter()
            try:
                con.request("GET", url)
                response = con.getresponse()
                response.read()
                if response.status == 503 and is_heavy and response.getheader("Retry-After"):
                    busy += 1
                    time.sleep(min(float(response.getheader("Retry-After")), 1.0))  # a polite client waits
                    continue
                if response.status != 200:
                    errors.append(f"{response.status} {url}")
            except (OSError, http.client.HTTPException) as err:
                errors.append(f"{type(err).__name__} {url}")
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            mine.append(time.perf_counter() - started)
        con.close()
        with lock:
            results["heavy" if is_heavy else "light"].extend(mine)
            results["errors"].extend(errors)
            results["busy"].append(busy)

    threads = [threading.Thread(target=client, args=(i, i >= light)) for i in range(light + heavy)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    out = {
        "elapsed": elapsed,
        "errors": len(results["errors"]),
        "first_errors": results["errors"][:3],
        "busy": sum(results["busy"]),
    }
    for kind in ("light", "heavy"):
        latencies = results[kind]
        out[kind] = {"requests": len(latencies), "throughput": len(latencies) / elapsed}
        if len(latencies) >= 2:
            q = statistics.quantiles(latencies, n=100)
            out[kind].update(p50=q[49] * 1000, p95=q[94] * 1000, p99=q[98] * 1000, max=max(latencies) * 1000)
    return out


SCENARIOS = {
    "mix": {"light": 20, "heavy": 0, "heavy_url": ""},
    "mix-50": {"light": 50, "heavy": 0, "heavy_url": ""},
    "heavy": {"light": 12, "heavy": 8, "heavy_url": HEAVY["communes"]},
    "heavy-full": {"light": 12, "heavy": 8, "heavy_url": HEAVY["communes-full"]},
}


def run(code: Path, db: str, scenario: str, seconds: float, seed: int) -> dict:
    port = free_port()
    server = start_server(code, db, port)
    try:
        wait_until_up(port)
        _, body = get(port, "/api/v1/units/commune?fields=code&page_size=2000")
        communes = [r["code"] for r in json.loads(body)["data"]]
        for (
            url
        ) in WARM_UP:  # the server's small tables (units, catalogue, geometry), as after its first minute
            get(port, url)
        return drive(port, **SCENARIOS[scenario], seconds=seconds, seed=seed, communes=communes)
    finally:
        server.terminate()
        server.wait(15)


def line(name: str, r: dict) -> str:
    def cell(kind: str, key: str, fmt: str = ">8.1f") -> str:
        value = r[kind].get(key)
        return format(value, fmt) if value is not None else f"{'-':>8}"

    return (
        f"{name:34} {r['light']['requests']:>8} {cell('light', 'throughput')} {cell('light', 'p50')} "
        f"{cell('light', 'p95')} {cell('light', 'p99')} {r['heavy']['requests']:>7} {cell('heavy', 'p95')} "
        f"{r['busy']:>6} {r['errors']:>7}"
    )


def main() -> int:
    from observatory.settings import get_settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=20240901)
    parser.add_argument("--scenarios", default="mix,mix-50,heavy,heavy-full")
    parser.add_argument("--baseline", type=Path, default=None, help="Another checkout to run side by side.")
    args = parser.parse_args()
    db = get_settings(db=args.db).db
    servers = {"this checkout": ROOT} | (
        {f"baseline {args.baseline}": args.baseline} if args.baseline else {}
    )
    print(f"loopback, {args.seconds:g} s per scenario, fresh server each, database {Path(db).name}")
    print(
        f"{'scenario / server':34} {'light':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'heavy':>7} {'p95 ms':>8} {'503s':>6} {'errors':>7}"
    )
    failed = []
    for scenario in args.scenarios.split(","):
        for name, code in servers.items():
            if scenario == "heavy-full" and code != ROOT:
                continue  # the baseline has no `detail` parameter on units
            r = run(code, db, scenario, args.seconds, args.seed)
            print(line(f"{scenario} / {name}", r), flush=True)
            if r["errors"]:
                failed.append(f"{scenario} / {name}: {r['first_errors']}")
    for message in failed:
        print(f"errors: {message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
