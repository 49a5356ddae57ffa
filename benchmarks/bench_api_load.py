"""
Load test of the REST API: a server in another process on 127.0.0.1, driven by 20 concurrent
clients for 30 s; reports throughput, p50/p95/p99 latency and errors (none allowed: exit 1 if any).

The same workload runs side by side against a naive baseline: the same server with the API's
response cache turned off, so every request reads the database again (as the first request after a
build does). The ratio shows what the cache buys; the baseline's figures are the cold-path latency.

    .venv/bin/python benchmarks/bench_api_load.py [--db PATH] [--clients 20] [--seconds 30] [--no-baseline]
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import random
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

#: A researcher's mix: small lookups, a région's communes, whole-country CSV and GeoJSON, the index.
WORKLOAD = [
    "/api/v1/units/region?fields=code,name_fr,population_2024",
    "/api/v1/units/commune?region={region}&fields=code,name_fr,population_2024",
    "/api/v1/units/commune/01.511.01.0",
    "/api/v1/indicators?year=2024&page_size=50",
    "/api/v1/indicators/illiteracy_rate_10_plus/values?year=2024&region={region}",
    "/api/v1/indicators/illiteracy_rate_10_plus/values?year=2024&format=csv",
    "/api/v1/indicators/amenities_electricity/values?year=2024&region={region}&format=geojson",
    "/api/v1/values?indicator=illiteracy_rate_10_plus,disability_prevalence&level=province&year=2024&sex=female",
    "/api/v1/index?level=commune&region={region}&lang=fr&page_size=100",
    "/api/v1/sources",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db: str, port: int, cache_size: int) -> None:
    """The API under waitress, as `observatory serve` runs it."""
    import logging

    import waitress

    from observatory.api import create_api_app

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # 20 clients > threads: queueing is expected
    waitress.serve(create_api_app(db, cache_size=cache_size), host="127.0.0.1", port=port, threads=8, _quiet=True)


def wait_until_up(port: int, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            con = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            con.request("GET", "/api/v1/sources")
            if con.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the API did not start on port {port}")


def drive(port: int, clients: int, seconds: float, seed: int) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(i: int) -> None:
        rng = random.Random(seed + i)
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], []
        while time.perf_counter() < stop:
            url = rng.choice(WORKLOAD).format(region=f"{rng.randint(1, 12):02d}")
            started = time.perf_counter()
            try:
                con.request("GET", url)
                response = con.getresponse()
                response.read()
                if response.status != 200:
                    bad.append(f"{response.status} {url}")
            except (OSError, http.client.HTTPException) as err:
                bad.append(f"{type(err).__name__} {url}")
                con.close()
                con = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    q = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "errors": len(errors), "throughput": len(latencies) / elapsed,
            "p50": q[49] * 1000, "p95": q[94] * 1000, "p99": q[98] * 1000, "first_errors": errors[:5]}


def run(db: str, cache_size: int, clients: int, seconds: float, seed: int) -> dict[str, float]:
    port = free_port()
    process = multiprocessing.get_context("spawn").Process(target=serve, args=(db, port, cache_size), daemon=True)
    process.start()
    try:
        wait_until_up(port)
        drive(port, 2, 3, seed)  # warm the caches, as a running server has them
        return drive(port, clients, seconds, seed)
    finally:
        process.terminate()
        process.join(10)


def main() -> int:
    from observatory.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--seed", type=int, default=20240901)
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    db = get_settings(db=args.db).db
    rows = {"API, response cache (serve)": run(db, 256, args.clients, args.seconds, args.seed)}
    if not args.no_baseline:
        rows["no cache (naive baseline)"] = run(db, 0, args.clients, args.seconds, args.seed)
    print(f"{args.clients} concurrent clients, {args.seconds:g} s each, loopback, database {db}")
    print(f"{'server':32} {'requests':>9} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in rows.items():
        print(f"{name:32} {r['requests']:>9} {r['throughput']:>8.1f} {r['p50']:>8.1f} {r['p95']:>8.1f} "
              f"{r['p99']:>8.1f} {r['errors']:>7}")
    if len(rows) == 2:
        ours, naive = rows.values()
        print(f"ratio ours / naive: throughput x{ours['throughput'] / naive['throughput']:.2f}, "
              f"p95 latency x{ours['p95'] / naive['p95']:.2f}")
    failed = {name: r["first_errors"] for name, r in rows.items() if r["errors"]}
    if failed:
        print(f"errors (none allowed): {failed}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
