"""
Server time of the commune profile page: the router's call of the page layout for a commune, on a cold
AppData (new database handle, empty caches: the first visitor) and on a warm one (the same commune
again), over communes of every région. Budget: 1 s.

Run: python benchmarks/bench_profile.py [DB] [--baseline CHECKOUT]
With --baseline, the same measurement runs in another checkout (its own venv, else this interpreter with
the checkout first on the path, e.g. a worktree of main)
and the two are printed side by side with their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

#: The first commune of each région by code, Errachidia first.
CODES = (
    "08.201.01.05",
    "01.511.01.0",
    "02.411.01.23",
    "03.231.01.0",
    "04.421.01.0",
    "05.091.01.01",
    "06.141.01.0",
    "07.351.01.0",
    "09.001.01.01",
    "10.261.01.03",
    "11.321.01.03",
    "12.391.01.01",
)


def measure(db: str) -> dict[str, float]:
    """Median and worst cold and warm layout times (seconds) over CODES."""
    from observatory.dashboards import create_app
    from observatory.dashboards.data import AppData
    from observatory.dashboards.pages import load_pages
    from observatory.dashboards.state import parse
    from observatory.database import Database

    create_app(db)  # a Dash app must exist for asset URLs; its own caches are not used below
    layout = load_pages()["/commune"].layout
    cold, warm = [], []
    for code in CODES:
        data = AppData(Database(db))
        state = parse(f"?lang=fr&code={code}")
        start = time.perf_counter()
        layout(data, state)
        cold.append(time.perf_counter() - start)
        start = time.perf_counter()
        layout(data, state)
        warm.append(time.perf_counter() - start)
    return {
        "cold_median": statistics.median(cold),
        "cold_max": max(cold),
        "warm_median": statistics.median(warm),
        "warm_max": max(warm),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", nargs="?", default="geodata/observatory.gpkg")
    parser.add_argument("--baseline", help="another checkout to measure side by side (uses its .venv)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    here = measure(args.db)
    if args.json:
        print(json.dumps(here))
        return
    rows = [("this checkout", here)]
    if args.baseline:
        # The checkout's own venv, or this interpreter with the checkout first on the path (a worktree).
        python = Path(args.baseline) / ".venv" / "bin" / "python"
        env = None if python.exists() else {**os.environ, "PYTHONPATH": str(Path(args.baseline).resolve())}
        out = subprocess.run(
            [
                str(python) if python.exists() else sys.executable,
                __file__,
                str(Path(args.db).resolve()),
                "--json",
            ],
            cwd=args.baseline,
            check=True,
            capture_output=True,
            text=True,
            env=env,
        )
        rows.append((f"baseline {args.baseline}", json.loads(out.stdout.strip().splitlines()[-1])))
    print(f"commune profile, server time over {len(CODES)} communes (budget 1 s)")
    for name, figures in rows:
        ms = {key: f"{value * 1000:6.0f} ms" for key, value in figures.items()}
        print(
            f"  {name:<32} cold median {ms['cold_median']}, max {ms['cold_max']};"
            f" warm median {ms['warm_median']}, max {ms['warm_max']}"
        )
    if len(rows) == 2:
        base = rows[1][1]
        print(
            f"  ratio this / baseline: cold {here['cold_median'] / base['cold_median']:.2f}, "
            f"warm {here['warm_median'] / base['warm_median']:.2f}"
        )
    if here["cold_max"] > 1.0:
        sys.exit("over budget: a profile took more than 1 s of server time")


if __name__ == "__main__":
    main()
