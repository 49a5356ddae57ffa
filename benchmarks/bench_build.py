"""
Benchmark of `observatory build` on this machine, side by side: the wall time, the peak memory
(resident set of the build process) and the size of what it wrote, for each checkout given, each
run as a user runs it (`<checkout>/.venv/bin/observatory build`). The seconds of each phase come
from the summary the build stores (its `build` table).

    .venv/bin/python benchmarks/bench_build.py [--checkout DIR ...] [--postgis URL] [--repeat N]

`--checkout` defaults to this checkout; give the baseline's first (e.g. `--checkout ../main
--checkout .`). `--postgis URL` also builds every checkout into that PostGIS database (it replaces
the `observatory` schema there). `--repeat N` runs N rounds, each building every checkout on every
backend once, interleaved so that a busy moment of the machine falls on all of them alike; times
are medians, peak memory the median and the largest.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

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
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    checkouts = [c.resolve() for c in args.checkout or [HERE]]
    runs: dict[tuple[Path, str], list[tuple[float, float, float, dict[str, float]]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        targets = [(c, str(Path(tmp) / f"{i}.gpkg")) for i, c in enumerate(checkouts)]
        targets += [(c, args.postgis) for c in checkouts] if args.postgis else []
        for _ in range(args.repeat):
            for checkout, target in targets:
                venv = checkout / ".venv" / "bin" / "observatory"
                seconds, peak = timed([str(venv), "build", "--db", target], cwd=checkout)
                size = os.path.getsize(target) / 1e6 if "://" not in target else float("nan")
                backend = "PostGIS" if "://" in target else "GeoPackage"
                runs.setdefault((checkout, backend), []).append((seconds, peak, size, phases(target)))
    names = sorted(
        {p for rounds in runs.values() for *_, ph in rounds for p in ph},
        key=lambda p: (not p.startswith("job"), p),
    )
    print(f"{args.repeat} round(s); MiB are 2^20 bytes, GB 10^9 bytes")
    print(f"{'':34}" + "".join(f"{c.name + ' ' + backend:>24}" for c, backend in runs))

    def row(label: str, each: Callable[[list[tuple[float, float, float, dict[str, float]]]], str]) -> None:
        print(f"{label:34}" + "".join(f"{each(rounds):>24}" for rounds in runs.values()))

    for name in names:
        row(name, lambda rounds, name=name: f"{median([r[3].get(name, float('nan')) for r in rounds]):.1f}")
    row("build, wall seconds (median)", lambda rounds: f"{median([r[0] for r in rounds]):.1f}")
    row("build, wall seconds (max)", lambda rounds: f"{max(r[0] for r in rounds):.1f}")
    row("peak memory, MiB (median)", lambda rounds: f"{median([r[1] for r in rounds]):.0f}")
    row("peak memory, MiB (max)", lambda rounds: f"{max(r[1] for r in rounds):.0f}")
    row("peak memory, GB (max)", lambda rounds: f"{max(r[1] for r in rounds) * 2**20 / 1e9:.3f}")
    row("database size, MB", lambda rounds: f"{rounds[-1][2]:.0f}")


if __name__ == "__main__":
    main()
