"""
Load test of `observatory serve` (the app and the API) on 127.0.0.1: concurrent keep-alive clients for
a bounded time, reporting throughput, p50/p95/p99 latency and errors, for two mixes against the same
real server process, in one run:

  cold     every request is a URL no client asked before, so no response cache can answer it:
           values of an indicator by région at a page size, in JSON and in CSV (196 indicators x
           12 régions x 5 page sizes), index pages (lens x language x région x page), commune
           profiles (1,503), GeoJSON at low detail (indicator or provinces by région), the catalogue
           (year x topic x page size). Goal on a 2-core machine: >= 500 req/s, p99 <= 100 ms, and
           >= 0.5x the cached mix.
  cached   the same kinds of request, 30 URLs that repeat (the response cache answers them).

Then, unless `--scenarios` says otherwise, `heavy`: 8 clients asking for every commune's GeoJSON
without pause beside 12 on the cold mix (a 503 with Retry-After is a busy server's documented answer
to a heavy request, not an error).

    .venv/bin/python benchmarks/bench_api_load.py [--db PATH] [--workers 2] [--seconds 20]
        [--baseline /work/main] [--baseline-workers 1] [--rounds 1] [--files DIR]
        [--scenarios cold,cached,heavy]

Each server is measured once all its processes are idle (under 5% of a core over a second), so what a
worker prepares when it starts (values in memory) falls in no scenario.

`--baseline DIR` runs the same against another checkout (with its own .venv), with
`--baseline-workers` processes; `--rounds N` runs both servers in turn N times, so a busy minute of a
shared machine falls on both. The client (Python threads on http.client) runs on the same machine:
the `client` column is its CPU seconds per second (1.00 = one whole core taken from the server).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGIONS = [f"{i:02d}" for i in range(1, 13)]
PAGE_SIZES = [10, 50, 100, 500, 2000]
LENSES = ["census", "all", "women", "youth", "older", "disability", "vulnerability"]
LANGS = ["fr", "ar", "en"]
#: Share of each kind of request in both mixes.
KINDS = {
    "values-json": 0.25,
    "values-csv": 0.20,
    "index": 0.15,
    "commune": 0.20,
    "geojson": 0.10,
    "catalogue": 0.10,
}
HEAVY_URL = "/api/v1/units/commune?format=geojson"


def pools(indicators: list[str], communes: list[str], topics: list[str], seed: int) -> dict[str, list[str]]:
    """Every distinct URL of each kind, shuffled."""
    rng = random.Random(seed)
    values = list(itertools.product(indicators, REGIONS, PAGE_SIZES))
    out = {
        "values-json": [
            f"/api/v1/indicators/{i}/values?year=2024&region={r}&page_size={s}" for i, r, s in values
        ],
        "values-csv": [
            f"/api/v1/indicators/{i}/values?year=2024&region={r}&page_size={s}&format=csv"
            for i, r, s in values
        ],
        "index": [
            f"/api/v1/index?level=commune&region={r}&lens={lens}&lang={lang}&page_size={size}&page={p}"
            for r, lens, lang, size, p in itertools.product(REGIONS, LENSES, LANGS, (3, 5, 10), (1, 2))
        ],
        "commune": [
            f"/api/v1/units/commune/{code}{suffix}"
            for code, suffix in itertools.product(
                communes, ("", "?format=csv", "?fields=code,name_fr,name_ar")
            )
        ],
        "geojson": [
            f"/api/v1/indicators/{i}/values?year=2024&region={r}&format=geojson&detail=low"
            for i, r in itertools.product(indicators, REGIONS)
        ]
        + [f"/api/v1/units/province?region={r}&format=geojson&detail=low" for r in REGIONS],
        "catalogue": [
            f"/api/v1/indicators?year={y}&topic={t}&page_size={s}{f}"
            for y, t, s, f in itertools.product(
                [2014, 2024],
                topics,
                [5, 10, 20, 50, 100],
                ["", "&format=csv", "&fields=indicator_id,label_fr"],
            )
        ],
    }
    for urls in out.values():
        rng.shuffle(urls)
    return out


def cold_urls(pool: dict[str, list[str]], seed: int) -> deque[str]:
    """Every URL of the pools once, kinds interleaved in their shares, never one twice."""
    rng = random.Random(seed)
    queues = {k: deque(v) for k, v in pool.items()}
    kinds, weights = list(KINDS), list(KINDS.values())
    out: deque[str] = deque()
    while all(queues.values()):
        out.append(queues[rng.choices(kinds, weights)[0]].popleft())
    return out


def cached_urls(pool: dict[str, list[str]], seed: int, count: int = 30) -> list[str]:
    """`count` URLs in the kinds' shares, repeated by the clients."""
    rng = random.Random(seed)
    return [rng.choice(pool[k]) for k in rng.choices(list(KINDS), list(KINDS.values()), k=count)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(code: Path, db: str, port: int, workers: int, files: str | None) -> subprocess.Popen[bytes]:
    """`observatory serve` of the checkout at `code`, with that checkout's own virtual environment."""
    venv = code / ".venv" / "bin" / "python"
    python = venv if venv.exists() else Path(sys.executable)
    command = [str(python), "-c", "from observatory.cli import main; main()", "serve", "--db", db]
    command += ["--port", str(port), "--no-build"] + (["--workers", str(workers)] if workers > 1 else [])
    command += ["--files", files] if files else []
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


def wait_until_up(port: int, timeout: float = 600) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if get(port, "/api/v1/sources", timeout=5)[0] == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"the server did not start on port {port}")


def drive(
    port: int, *, clients: int, heavy: int, next_url: Callable[[int], str | None], seconds: float
) -> dict:
    """`clients` on `next_url` and `heavy` on HEAVY_URL, for `seconds` (or until the URLs run out)."""
    results: dict[str, list] = {"light": [], "heavy": [], "errors": [], "busy": []}
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(i: int, is_heavy: bool) -> None:
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        mine, errors, busy = [], [], 0
        while time.perf_counter() < stop:
            url = HEAVY_URL if is_heavy else next_url(i)
            if url is None:
                break
            started = time.perf_counter()
            try:
                con.request("GET", url)
                response = con.getresponse()
                response.read()
                if response.status == 503 and is_heavy and response.getheader("Retry-After"):
                    busy += 1
                    time.sleep(min(float(response.getheader("Retry-After") or 1), 1.0))
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

    threads = [threading.Thread(target=client, args=(i, i >= clients)) for i in range(clients + heavy)]
    started, cpu = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    out: dict = {"errors": len(results["errors"]), "first_errors": results["errors"][:3]}
    # The client runs on the server's cores: its CPU seconds per second of the run (1.0 = one core).
    out["client_cpu"] = (time.process_time() - cpu) / elapsed
    out["busy"] = sum(results["busy"])
    for kind in ("light", "heavy"):
        latencies = results[kind]
        out[kind] = {"requests": len(latencies), "throughput": len(latencies) / elapsed}
        if len(latencies) >= 2:
            q = statistics.quantiles(latencies, n=100)
            out[kind].update(p50=q[49] * 1000, p95=q[94] * 1000, p99=q[98] * 1000, max=max(latencies) * 1000)
    return out


def cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by a process and every process it started (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        used[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    family = {pid}
    for _ in range(3):  # gunicorn: master, workers
        family |= {child for child, parent in parents.items() if parent in family}
    return sum(used.get(p, 0.0) for p in family)


def wait_until_idle(pid: int, *, timeout: float = 300, busy: float = 0.05) -> float:
    """Seconds waited until the server's processes use less than `busy` of a core over a second: every
    worker has loaded what it prepares when it starts (its values), so none of that falls in a
    measured scenario."""
    started = time.time()
    while time.time() - started < timeout:
        before = cpu_seconds(pid)
        time.sleep(1.0)
        if cpu_seconds(pid) - before < busy:
            break
    return time.time() - started


def run(
    code: Path, db: str, *, workers: int, scenarios: list[str], seconds: float, seed: int, files: str | None
) -> dict:
    """Every scenario against one server process (group) of the checkout at `code`."""
    port = free_port()
    server = start_server(code, db, port, workers, files)
    try:
        wait_until_up(port)
        wait_until_idle(server.pid)
        _, body = get(port, "/api/v1/units/commune?fields=code&page_size=2000")
        communes = [r["code"] for r in json.loads(body)["data"]]
        _, body = get(port, "/api/v1/indicators?year=2024&page_size=10000&fields=indicator_id,topic")
        catalogue = json.loads(body)["data"]
        indicators = sorted({r["indicator_id"] for r in catalogue})
        topics = sorted({r["topic"] for r in catalogue if r["topic"]})
        pool = pools(indicators, communes, topics, seed)
        cold, lock = cold_urls(pool, seed), threading.Lock()

        def next_cold(_: int) -> str | None:
            with lock:
                return cold.popleft() if cold else None

        repeated = cached_urls(pool, seed)
        for url in repeated:  # the cached mix is measured once its answers are kept
            get(port, url)
        counters = itertools.count()

        def next_cached(_: int) -> str:
            return repeated[next(counters) % len(repeated)]

        out = {}
        for scenario in scenarios:
            if scenario == "cold":
                out[scenario] = drive(port, clients=20, heavy=0, next_url=next_cold, seconds=seconds)
            elif scenario == "cached":
                out[scenario] = drive(port, clients=20, heavy=0, next_url=next_cached, seconds=seconds)
            elif scenario == "heavy":
                out[scenario] = drive(port, clients=12, heavy=8, next_url=next_cold, seconds=seconds)
        return out
    finally:
        server.terminate()
        server.wait(30)


def line(name: str, r: dict) -> str:
    def cell(kind: str, key: str, fmt: str = ">8.1f") -> str:
        value = r[kind].get(key)
        return format(value, fmt) if value is not None else f"{'-':>8}"

    return (
        f"{name:34} {r['light']['requests']:>8} {cell('light', 'throughput')} {cell('light', 'p50')} "
        f"{cell('light', 'p95')} {cell('light', 'p99')} {r['heavy']['requests']:>7} {cell('heavy', 'p95')} "
        f"{r['busy']:>6} {r['errors']:>7} {r['client_cpu']:>7.2f}"
    )


def main() -> int:
    from observatory.settings import get_settings

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--seed", type=int, default=20240901)
    parser.add_argument("--workers", type=int, default=2, help="Server processes of this checkout.")
    parser.add_argument("--scenarios", default="cold,cached,heavy")
    parser.add_argument("--baseline", type=Path, default=None, help="Another checkout to run side by side.")
    parser.add_argument(
        "--baseline-workers", type=int, default=1, help="Server processes of the baseline checkout."
    )
    parser.add_argument("--files", default=None, help="Folder of the whole dataset's files (serve --files).")
    parser.add_argument("--rounds", type=int, default=1, help="Rounds, each server in turn in each.")
    args = parser.parse_args()
    db = get_settings(db=args.db).db
    scenarios = args.scenarios.split(",")
    servers = {f"this checkout, {args.workers} proc": (ROOT, args.workers)}
    if args.baseline:
        servers[f"baseline {args.baseline.name}, {args.baseline_workers} proc"] = (
            args.baseline,
            args.baseline_workers,
        )
    print(f"loopback, {args.seconds:g} s per scenario, 20 clients, database {Path(db).name}")
    print(
        f"{'scenario / server':34} {'light':>8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'heavy':>7} {'p95 ms':>8} {'503s':>6} {'errors':>7} {'client':>7}"
    )
    failed = []
    for name, (code, workers) in [item for _ in range(args.rounds) for item in servers.items()]:
        results = run(
            code,
            db,
            workers=workers,
            scenarios=scenarios,
            seconds=args.seconds,
            seed=args.seed,
            files=args.files,
        )
        for scenario, r in results.items():
            print(line(f"{scenario} / {name}", r), flush=True)
            if r["errors"]:
                failed.append(f"{scenario} / {name}: {r['first_errors']}")
        if "cold" in results and "cached" in results:
            ratio = results["cold"]["light"]["throughput"] / max(
                results["cached"]["light"]["throughput"], 1e-9
            )
            print(f"cold / cached throughput, {name}: {ratio:.2f}x")
    for message in failed:
        print(f"errors: {message}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
