"""
What a report's gathering costs (`reports.content.gather`: its reads and what it works out, before any map
is drawn), in CPU seconds of the process (`resource.getrusage`): `fresh`, the first report of a new
process (after its imports, as `observatory report` gathers), and `warm`, the same report again after
another (région 01's or commune 01.051.01.01's), as a server gathers every report after its first. Cases:
Midelt (commune 08.363.01.03) and région 08, in French and Arabic, and the région with the stored plan.
Targets of the fresh figure: 0.35 s for the commune, 0.5 s for the région (issue 25).

`--baseline DIR` runs another checkout side by side, interleaved run by run, with the ratio baseline /
this checkout. Each figure is the median of `--runs` runs, each in a new process.

    python benchmarks/bench_gather.py [--db PATH] [--runs 3] [--baseline /work/main]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

from bench_report import HERE, interpreter

TARGETS = {"region": 0.5, "commune": 0.35}

#: One report gathered in a new process, then another and the same one again (CPU seconds).
GATHER = """
import json, resource, sys

def cpu():
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime

from observatory.reports import render
from observatory.reports.content import gather
level, code, lang, plan, db, first = sys.argv[1:7]
begun = cpu()
gather(level=level, code=code, lang=lang, db=db, plan=plan or None)
fresh = cpu() - begun
gather(level=level, code=first, lang=lang, db=db)
begun = cpu()
gather(level=level, code=code, lang=lang, db=db, plan=plan or None)
print(json.dumps({"fresh": fresh, "warm": cpu() - begun, "geopandas": "geopandas" in sys.modules}))
"""


def run_once(checkout: Path, case: tuple[str, str, str, str], db: str) -> dict[str, float]:
    python, env = interpreter(checkout)
    level, code, lang, plan = case
    first = "01" if level == "region" else "01.051.01.01"
    done = subprocess.run(
        [python, "-c", GATHER, level, code, lang, plan, db, first],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    measured: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return measured


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="Another checkout to run side by side.")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from observatory.plans import list_plans
    from observatory.settings import get_settings

    db = str(get_settings(db=args.db).db)
    plan = str(list_plans(db=db)["plan_id"].iloc[0])
    cases = [("commune", "08.363.01.03", lang, "") for lang in ("fr", "ar")]
    cases += [("region", "08", lang, "") for lang in ("fr", "ar")] + [("region", "08", "fr", plan)]
    checkouts = {"this": HERE} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print(f"database {db}; median of {args.runs} runs per case, checkouts interleaved; CPU seconds")
    print(f"{'report':26} {'checkout':9} {'fresh':>6} {'warm':>6} {'geopandas':>9} {'target':>6}", end="")
    print(" ratio (fresh, warm)" * bool(args.baseline))
    failed = []
    for case in cases:
        level, code, lang, with_plan = case
        name = f"{level} {code} {lang}" + (" +plan" if with_plan else "")
        runs: dict[str, list[dict[str, float]]] = {k: [] for k in checkouts}
        for turn in range(args.runs):
            for label in list(checkouts) if turn % 2 == 0 else list(checkouts)[::-1]:
                runs[label].append(run_once(checkouts[label], case, db))
        median = {
            k: {m: statistics.median(r[m] for r in v) for m in ("fresh", "warm")} for k, v in runs.items()
        }
        for label, m in median.items():
            imported = any(r["geopandas"] for r in runs[label])
            line = f"{name:26} {label:9} {m['fresh']:>6.3f} {m['warm']:>6.3f} {str(imported):>9}"
            line += f" {TARGETS[level]:>6.2f}"
            if label == "baseline":
                line += " " + " ".join(f"{m[k] / median['this'][k]:>4.2f}x" for k in ("fresh", "warm"))
            print(line, flush=True)
        if median["this"]["fresh"] > TARGETS[level]:
            failed.append(name)
    print("targets met" if not failed else f"TOO SLOW: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
