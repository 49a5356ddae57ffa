"""
Benchmark of `observatory build` on this machine, side by side: the wall time, the peak memory
(resident set of the build process) and the size of what it wrote, for each checkout given, each
run as a user runs it (`<checkout>/.venv/bin/observatory build`). The seconds of each phase come
from the summary the build stores (its `build` table).

    .venv/bin/python benchmarks/bench_build.py [--checkout DIR ...] [--postgis URL]

`--checkout` defaults to this checkout; give the baseline's first (e.g. `--checkout ../main
--checkout .`). `--postgis URL` also builds this checkout into that PostGIS database (it replaces
the `observatory` schema there).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident megabytes of one command (its own rusage, not this process's)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


def phases(target: str) -> dict[str, float]:
    """The seconds of each phase, from the summary the build stored."""
    if "://" in target:
        from observatory.database import Database

        summary = Database(target).read("build").iloc[-1]["summary"]
    else:
        with sqlite3.connect(target) as con:
            summary = con.execute("SELECT summary FROM build").fetchone()[0]
    stored = json.loads(summary)
    out = {f"job {name}": seconds for name, seconds in stored.get("job_seconds", {}).items()}
    if "write_seconds" in stored:
        out["atomic write"] = stored["write_seconds"]
        out["content digest"] = stored["digest_seconds"]
    else:
        out["atomic write + digest"] = round(stored["seconds"] - stored["jobs_seconds"], 1)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--checkout", type=Path, action="append")
    parser.add_argument("--postgis", default=None)
    args = parser.parse_args()
    checkouts = args.checkout or [HERE]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        runs = [(c, str(Path(tmp) / f"{i}.gpkg")) for i, c in enumerate(checkouts)]
        if args.postgis:
            runs.append((HERE, args.postgis))
        for checkout, target in runs:
            checkout = checkout.resolve()
            venv = checkout / ".venv" / "bin" / "observatory"
            seconds, peak = timed([str(venv), "build", "--db", target], cwd=checkout)
            size = os.path.getsize(target) / 1e6 if "://" not in target else float("nan")
            results.append(
                (
                    checkout,
                    "PostGIS" if "://" in target else "GeoPackage",
                    seconds,
                    peak,
                    size,
                    phases(target),
                )
            )
    names = sorted({p for *_, ph in results for p in ph}, key=lambda p: (not p.startswith("job"), p))
    header = f"{'':34}" + "".join(f"{r[0].name + ' ' + r[1]:>24}" for r in results)
    print(header)
    for name in names:
        print(f"{name:34}" + "".join(f"{r[5].get(name, float('nan')):24.1f}" for r in results))
    print(f"{'build, wall seconds':34}" + "".join(f"{r[2]:24.1f}" for r in results))
    print(f"{'peak memory, MB':34}" + "".join(f"{r[3]:24.0f}" for r in results))
    print(f"{'database size, MB':34}" + "".join(f"{r[4]:24.0f}" for r in results))


if __name__ == "__main__":
    main()
