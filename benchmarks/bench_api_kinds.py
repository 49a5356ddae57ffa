"""
CPU per request of each kind in the load benchmark's cold mix, in process: the served app built as
`observatory serve` builds it (`create_server`, then `warm`), the benchmark's cold sequence of URLs sent
once each through Flask's test client, `time.process_time` around each request; then 30 values URLs
asked ten times each, answered by the response cache. No HTTP server and no client threads, so the
figures say what the app itself spends on each kind, and what a cold answer costs beyond a cached one.

    .venv/bin/python benchmarks/bench_api_kinds.py [--db PATH] [--files DIR] [--count 10000]
        [--baseline /work/main]

`--baseline DIR` runs the same in a second process with that checkout's code at the same time, so both
share whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_api_load as load  # noqa: E402


def measure(db: str, files: str, count: int) -> dict[str, float]:
    """Milliseconds of CPU per request of each kind, over the first `count` URLs of the cold sequence."""
    from observatory import bulk
    from observatory.cli.serve import create_server, warm
    from observatory.database import Database

    database = Database(db)
    bulk.ensure(database, files)
    client = warm(create_server(database, files=files)).test_client()
    body = client.get("/api/v1/units/commune?fields=code&page_size=2000").get_json()
    communes = [r["code"] for r in body["data"]]
    body = client.get("/api/v1/indicators?year=2024&page_size=10000&fields=indicator_id,topic").get_json()
    indicators = sorted({r["indicator_id"] for r in body["data"]})
    topics = sorted({r["topic"] for r in body["data"] if r["topic"]})
    pool = load.pools(indicators, communes, topics, 20240901)
    kind_of = {url: kind for kind, urls in pool.items() for url in urls}
    spent: dict[str, float] = {}
    asked: dict[str, int] = {}
    urls = list(load.cold_urls(pool, 20240901))[:count]
    for url in urls:
        started = time.process_time()
        status = client.get(url).status_code
        if status != 200:
            raise RuntimeError(f"{status} {url}")
        kind = kind_of[url]
        spent[kind] = spent.get(kind, 0.0) + time.process_time() - started
        asked[kind] = asked.get(kind, 0) + 1
    out = {kind: spent[kind] / asked[kind] * 1000 for kind in load.KINDS if kind in asked}
    out["all"] = sum(spent.values()) / len(urls) * 1000
    repeated = pool["values-json"][:30]
    started = time.process_time()
    for _ in range(10):
        for url in repeated:
            client.get(url)
    out["cached"] = (time.process_time() - started) / 300 * 1000
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None)
    parser.add_argument("--files", default=None, help="Folder of the bulk files (default: a temporary one).")
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--baseline", type=Path, default=None)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    from observatory.settings import get_settings

    db = get_settings(db=args.db).db
    files = args.files or str(Path(os.environ.get("TMPDIR", "/tmp")) / "bench_api_kinds")
    if args.json:
        print(json.dumps(measure(db, files, args.count)))
        return 0
    command = [str(HERE / "bench_api_kinds.py"), "--db", db, "--files", files, "--count", str(args.count)]
    runs = {"this checkout": HERE.parent} | (
        {f"baseline {args.baseline.name}": args.baseline} if args.baseline else {}
    )
    started = {
        name: subprocess.Popen(
            [sys.executable, *command, "--json"],
            cwd=code,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(code)},
        )
        for name, code in runs.items()
    }
    columns = [*load.KINDS, "all", "cached"]
    print("CPU ms per request, in process, the benchmark's cold sequence")
    print(f"{'':22}" + "".join(f"{c:>12}" for c in columns))
    for name, process in started.items():
        out, _ = process.communicate()
        if process.returncode:
            return process.returncode
        figures = json.loads(out.decode().strip().splitlines()[-1])
        print(f"{name:22}" + "".join(f"{figures.get(c, float('nan')):>12.3f}" for c in columns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
