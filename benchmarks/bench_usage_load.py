"""
Benchmark: `observatory load usage` of a small export (400 rows: 200 communes × 2 channels, one
service, one month) into a copy of a built database, as a user meets it: a new process, imports
included. With `--baseline REF`, the same load runs with the code of a git commit beside this one.

    .venv/bin/python benchmarks/bench_usage_load.py [--db DB] [--rows 400] [--runs 3] [--baseline REF]

Each code first loads the export once into its own copy of the database (reported as "first": a
database written before the suppressed-value index existed builds that index then, once); each run
then loads it again into a fresh copy of that loaded database, as a monthly load meets it. Reported
per code: the medians of the process's wall time, its CPU time (user + system, steadier than the wall
on a shared machine), the import of the command line, and the load itself.
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent

#: Run in the child process: times the import and the load apart, and prints them on its last line.
CHILD = """
import json, sys, time
t0 = time.perf_counter()
from observatory.cli import main
t1 = time.perf_counter()
main(["load", "usage", sys.argv[1], "--db", sys.argv[2]], standalone_mode=False)
t2 = time.perf_counter()
print("BENCH " + json.dumps({"import_s": t1 - t0, "load_s": t2 - t1}))
"""


def export(path: Path, *, db: Path, rows: int, seed: int) -> Path:
    """A seeded usage export in the documented columns: the first communes × web and counter."""
    import sqlite3

    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        codes = [c for (c,) in con.execute("SELECT code FROM commune ORDER BY code LIMIT ?", (rows // 2,))]
    rng = np.random.default_rng(seed)
    transactions = rng.poisson(60, 2 * len(codes))
    frame = pd.DataFrame(
        {
            "commune_code": np.repeat(codes, 2),
            "service": "tax",
            "period": "2026-01",
            "channel": np.tile(["web", "counter"], len(codes)),
            "transactions": transactions,
            "unique_users": rng.binomial(transactions, 0.7),
        }
    )
    frame.to_csv(path, index=False)
    return path


def checkout(ref: str, folder: Path) -> Path:
    """The tree of a commit, unpacked (its `observatory/etl` links to `etl/` come with it)."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    tree = folder / ref.replace("/", "_")
    tree.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="tar")
    return tree


def run(code: Path, *, csv: Path, db: Path, work: Path, into: Path | None = None) -> dict[str, float]:
    """One load in a new process with `code` first on the path, into `into` or a fresh copy of `db`."""
    copy = into or work / "load.gpkg"
    if into is None:
        shutil.copyfile(db, copy)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(csv), str(copy)],
        env={"PYTHONPATH": str(code), "PATH": "/usr/bin:/bin", "HOME": str(work)},
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    line = next(x for x in reversed(out.stdout.splitlines()) if x.startswith("BENCH "))
    if into is None:
        copy.unlink()
    return {"wall_s": wall, "cpu_s": cpu, **json.loads(line.removeprefix("BENCH "))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", type=Path, default=Path("/tmp/main.gpkg"), help="a built GeoPackage, only read"
    )
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", help="a git commit whose code loads the same export beside this one")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir="/tmp") as tmp:
        work = Path(tmp)
        csv = export(work / "export.csv", db=args.db, rows=args.rows, seed=7)
        codes = {"this code": ROOT}
        if args.baseline:
            codes[f"baseline {args.baseline}"] = checkout(args.baseline, work)
        loaded, first = {}, {}
        for i, (name, code) in enumerate(codes.items()):
            loaded[name] = work / f"loaded{i}.gpkg"
            shutil.copyfile(args.db, loaded[name])
            first[name] = run(code, csv=csv, db=args.db, work=work, into=loaded[name])["load_s"]
        results: dict[str, list[dict[str, float]]] = {}
        for _ in range(args.runs):  # interleaved, so both meet the same load of the machine
            for name, code in codes.items():
                results.setdefault(name, []).append(run(code, csv=csv, db=loaded[name], work=work))
        print(f"usage export of {args.rows} rows into a copy of {args.db}, median of {args.runs} runs")
        for name, runs in results.items():
            medians = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            shown = ", ".join(f"{k} {v:.2f}" for k, v in medians.items())
            print(f"  {name:>20}: {shown}; first load_s {first[name]:.2f}")
        if args.baseline:
            now, then = (statistics.median(r["load_s"] for r in runs) for runs in results.values())
            print(f"  load {then / now:.1f}x faster than {args.baseline}")


if __name__ == "__main__":
    main()
