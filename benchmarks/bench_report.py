"""
Time of a report as `observatory report` pays it, case by case in a fresh process: the command's wall
time, and the same work phase by phase (imports, gather, maps, HTML, PDF layout and write). Cases: a
région PDF in French and Arabic (target ≤ 8 s), the same with the stored plan, and a commune PDF in
French and Arabic (target ≤ 3 s). Exit 1 if a target is missed.

`--baseline DIR` runs the same cases with another checkout (e.g. /work/main, with its own .venv), side
by side, with the ratio baseline / this checkout. Each figure is the median of `--runs` runs.

    .venv/bin/python benchmarks/bench_report.py [--db PATH] [--runs 3] [--baseline /work/main]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
TARGETS = {"region": 8.0, "commune": 3.0}
PHASES = ("imports", "gather", "maps", "html", "pdf")

#: One report, phase by phase, in the checkout's own interpreter (its imports paid as a command pays them).
PHASED = """
import json, sys, time
started = time.perf_counter()
from observatory.reports import render
from observatory.reports.content import gather
times = {"imports": time.perf_counter() - started}
level, code, lang, plan, db, out = sys.argv[1:7]

def timed(name, function, *args, **kwargs):
    begun = time.perf_counter()
    value = function(*args, **kwargs)
    times[name] = time.perf_counter() - begun
    return value

content = timed("gather", gather, level=level, code=code, lang=lang, db=db, plan=plan or None)
context = timed("maps", render.layout, content)
html = timed("html", render.to_html, content, context=context)
begun = time.perf_counter()
with open(out, "wb") as file:
    file.write(render.to_pdf(content, html=html))
times["pdf"] = time.perf_counter() - begun
print(json.dumps(times))
"""


def run_case(checkout: Path, case: tuple[str, str, str, str], db: str, runs: int, folder: Path) -> dict:
    """Median command time and phase times of one case over `runs` fresh processes, and its pages."""
    level, code, lang, plan = case
    python, command = checkout / ".venv" / "bin" / "python", checkout / ".venv" / "bin" / "observatory"
    out = folder / f"{checkout.name}-{level}-{code}-{lang}{'-plan' if plan else ''}.pdf"
    walls, phases = [], []
    for _ in range(runs):
        args = [str(command), "report", "--db", db, f"--{level}", code, "--lang", lang, "-o", str(out)]
        started = time.perf_counter()
        subprocess.run(
            args + (["--plan", plan] if plan else []), cwd=checkout, check=True, capture_output=True
        )
        walls.append(time.perf_counter() - started)
        done = subprocess.run(
            [str(python), "-c", PHASED, level, code, lang, plan, db, str(out)],
            cwd=checkout,
            check=True,
            capture_output=True,
            text=True,
        )
        phases.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return {
        "command": statistics.median(walls),
        **{p: statistics.median(x[p] for x in phases) for p in PHASES},
        "pages": page_count(out),
    }


def page_count(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as document:
        return len(document.pages)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None)
    parser.add_argument("--region", default="08", help="Région (08 Drâa-Tafilalet: 125 communes).")
    parser.add_argument("--commune", default="08.363.05.21")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="Another checkout to run side by side.")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    from observatory.plans import list_plans
    from observatory.settings import get_settings

    db = str(get_settings(db=args.db).db)
    plan = str(list_plans(db=db)["plan_id"].iloc[0])
    cases = [("region", args.region, lang, "") for lang in ("fr", "ar")]
    cases += [("region", args.region, "fr", plan)]
    cases += [("commune", args.commune, lang, "") for lang in ("fr", "ar")]
    checkouts = {"this": HERE} | ({"baseline": args.baseline.resolve()} if args.baseline else {})
    print(f"database {db}; median of {args.runs} fresh processes per case; seconds")
    header = f"{'report':26} {'checkout':9} {'command':>8} " + " ".join(f"{p:>7}" for p in PHASES)
    print(header + f" {'pages':>6} {'target':>7}" + (f" {'ratio':>6}" if args.baseline else ""))
    failed = []
    with tempfile.TemporaryDirectory() as directory:
        for case in cases:
            level, code, lang, with_plan = case
            name = f"{level} {code} {lang}" + (" +plan" if with_plan else "")
            measured = {k: run_case(v, case, db, args.runs, Path(directory)) for k, v in checkouts.items()}
            for label, m in measured.items():
                line = f"{name:26} {label:9} {m['command']:>8.2f} " + " ".join(
                    f"{m[p]:>7.2f}" for p in PHASES
                )
                line += f" {m['pages']:>6} {TARGETS[level]:>7.1f}"
                if args.baseline and label == "baseline":
                    line += f" {m['command'] / measured['this']['command']:>5.2f}x"
                print(line)
            if measured["this"]["command"] > TARGETS[level]:
                failed.append(name)
    print("targets met" if not failed else f"TOO SLOW: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
