"""
What a report costs as `observatory report` pays it, case by case in a fresh process: its CPU seconds
(user + system of the process and of the programs it runs, from `resource.getrusage`) and its wall
time. Cases: a région PDF in French and Arabic (target ≤ 5 s of CPU), the same with the stored plan,
and a commune PDF (Midelt) in French and Arabic (target ≤ 2 s of CPU). Exit 1 if a target is missed.
Beside it, `warm`: the CPU seconds of the same report in a process that has already rendered another one
(a région's or commune's of région 01, `--first-region`, `--first-commune`), as the API's server makes
every report after its first: what a user of the app or the API meets. The targets are held to the
fresh process's figure.

Python's bytecode is kept in a folder of the run, as an installed package has it (`installed_bytecode`),
and each case runs once per checkout before the timed runs: on a machine that sets
PYTHONDONTWRITEBYTECODE, as this one and CI do, every process would otherwise compile the project's
modules from source (0.1 s of CPU that an installed copy does not pay). `--from-source` measures without.

`--baseline DIR` runs the same cases with another checkout side by side, interleaved run by run (the
machine is shared: its load moves both alike), with the ratio baseline / this checkout. `--phases`
adds, in another fresh process per run, the CPU of each phase (imports, gather, maps, HTML, PDF
layout and write; WeasyPrint's import falls in its phase). `--api` measures a new
server's first report: `observatory serve` started, its first answer awaited, then one commune PDF
asked: wall seconds from that first answer (against 8 s) and from the process's start, and the CPU
seconds the server spent until then. Each figure is the median of `--runs` runs.

A checkout runs with its own `.venv` when it has one, else with this interpreter and the checkout
first on `PYTHONPATH` (a git worktree sharing one environment).

    python benchmarks/bench_report.py [--db PATH] [--runs 3] [--baseline /work/main] [--phases]
                                      [--api | --api-only] [--first-region 01] [--first-commune CODE]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from installed_bytecode import keep_bytecode

HERE = Path(__file__).resolve().parent.parent
#: CPU seconds of one report.
TARGETS = {"region": 5.0, "commune": 2.0}
#: Wall seconds of a new server's first report.
API_TARGET = 8.0
PHASES = ("imports", "gather", "maps", "html", "pdf")

#: One report, phase by phase (CPU seconds), in the checkout's interpreter (its imports paid as a command's).
PHASED = """
import json, resource, sys

def cpu():
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime

started = cpu()
from observatory.reports import render
from observatory.reports.content import gather
times = {"imports": cpu() - started}
level, code, lang, plan, db, out = sys.argv[1:7]

def timed(name, function, *args, **kwargs):
    begun = cpu()
    value = function(*args, **kwargs)
    times[name] = cpu() - begun
    return value

content = timed("gather", gather, level=level, code=code, lang=lang, db=db, plan=plan or None)
context = timed("maps", render.layout, content)
html = timed("html", render.to_html, content, context=context)
pdf = timed("pdf", render.to_pdf, content, html=html)
with open(out, "wb") as file:
    file.write(pdf)
print(json.dumps(times))
"""
#: One report in a warm process: another report rendered first in the same process (as a server has done
#: for every report after its first), then this one's CPU seconds, as the API's route makes it.
WARM = """
import json, resource, sys

def cpu():
    used = resource.getrusage(resource.RUSAGE_SELF)
    return used.ru_utime + used.ru_stime

from observatory.reports.output import report_bytes
level, code, lang, plan, db, first = sys.argv[1:7]
report_bytes(level=level, code=first, lang=lang, fmt="pdf", db=db)
begun = cpu()
report_bytes(level=level, code=code, lang=lang, fmt="pdf", plan=plan or None, db=db)
print(json.dumps({"warm": cpu() - begun}))
"""
COMMAND = "import sys; from observatory.cli import main; sys.argv[0] = 'observatory'; sys.exit(main())"


def interpreter(checkout: Path) -> tuple[str, dict[str, str]]:
    """The checkout's python and environment: its own .venv, else this one with the checkout first."""
    own = checkout / ".venv" / "bin" / "python"
    if own.exists():
        return str(own), dict(os.environ)
    path = os.pathsep.join(filter(None, [str(checkout), os.environ.get("PYTHONPATH", "")]))
    return sys.executable, {**os.environ, "PYTHONPATH": path}


def measured(args: list[str], checkout: Path) -> tuple[float, float, str]:
    """CPU seconds (the process and what it ran), wall seconds and standard output of one fresh process."""
    python, env = interpreter(checkout)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([python, *args], cwd=checkout, env=env, check=True, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall, done.stdout


def command(case: tuple[str, str, str, str], db: str, out: Path) -> list[str]:
    """The interpreter's arguments of `observatory report` for one case."""
    level, code, lang, plan = case
    args = ["-c", COMMAND, "report", "--db", db, f"--{level}", code, "--lang", lang, "-o", str(out)]
    return args + (["--plan", plan] if plan else [])


def run_once(
    checkout: Path, case: tuple[str, str, str, str], db: str, out: Path, *, phases: bool, first: str
) -> dict:
    """One command run of one case, the same report in a warm process (after `first`'s), and its phases
    when asked."""
    level, code, lang, plan = case
    cpu, wall, _ = measured(command(case, db, out), checkout)
    result = {"cpu": cpu, "wall": wall}
    _, _, stdout = measured(["-c", WARM, level, code, lang, plan, db, first], checkout)
    result |= json.loads(stdout.strip().splitlines()[-1])
    if phases:
        _, _, stdout = measured(["-c", PHASED, level, code, lang, plan, db, str(out)], checkout)
        result |= json.loads(stdout.strip().splitlines()[-1])
    return result


def page_count(path: Path) -> int:
    import pdfplumber

    with pdfplumber.open(path) as document:
        return len(document.pages)


def first_report(checkout: Path, db: str, port: int, code: str, files: str | None) -> dict[str, float]:
    """
    A new server's first report: wall seconds from its first answer to a commune PDF's last byte (`wall`)
    and from the process's start (`from_start`), and the CPU seconds the server spent in all (`cpu`: its
    start, its warm-up and that report; it is stopped right after).
    """
    python, env = interpreter(checkout)
    serve = ["-c", COMMAND, "serve", "--db", db, "--port", str(port), "--no-build"]
    serve += ["--files", files] if files else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    launched = time.perf_counter()
    server = subprocess.Popen(
        [python, *serve], cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        while True:
            try:
                urllib.request.urlopen(f"{base}/indicators?page_size=1", timeout=5).read()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(f"the server of {checkout} stopped") from None
                time.sleep(0.1)
        started = time.perf_counter()
        urllib.request.urlopen(f"{base}/reports/commune/{code}?format=pdf&lang=fr", timeout=600).read()
        done = time.perf_counter()
    finally:
        server.terminate()
        server.wait()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": done - started, "from_start": done - launched, "cpu": cpu}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None)
    parser.add_argument("--region", default="08", help="Région (08 Drâa-Tafilalet: 125 communes).")
    parser.add_argument("--commune", default="08.363.01.03", help="Commune (08.363.01.03 Midelt).")
    parser.add_argument(
        "--first-region", default="01", help="The région a warm process renders before the measured one."
    )
    parser.add_argument(
        "--first-commune", default="01.051.01.01", help="The commune a warm process renders first."
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="Another checkout to run side by side.")
    parser.add_argument("--phases", action="store_true", help="Also the CPU of each phase.")
    parser.add_argument("--api", action="store_true", help="Also a new server's first report.")
    parser.add_argument("--api-only", action="store_true", help="Only a new server's first report.")
    parser.add_argument("--port", type=int, default=18750, help="Port of the --api server.")
    parser.add_argument(
        "--from-source", action="store_true", help="Do not compile the checkouts' modules to bytecode first."
    )
    parser.add_argument(
        "--files", default=None, help="The --api server's dataset files (default: serve's, written once)."
    )
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
    print(f"database {db}; median of {args.runs} runs per case, checkouts interleaved; seconds")
    print("modules run from source" if args.from_source else "bytecode kept, each case run once before")
    print("cpu: CPU of a fresh process (observatory report); warm: CPU of the same report after another")
    print("in one process; wall: the fresh process's wall clock")
    columns = f"{'cpu':>6} {'warm':>6} {'wall':>6} "
    columns += " ".join(f"{p:>7}" for p in PHASES) + " " if args.phases else ""
    print(
        f"{'report':26} {'checkout':9} {columns}{'pages':>5} {'target':>6}"
        + " ratio (cpu, warm)" * bool(args.baseline)
    )
    failed = []
    with tempfile.TemporaryDirectory() as directory:
        if not args.from_source:
            keep_bytecode(Path(directory) / "pycache")
            for checkout in checkouts.values():
                for case in cases:
                    measured(command(case, db, Path(directory) / "ready.pdf"), checkout)
        for case in [] if args.api_only else cases:
            level, code, lang, with_plan = case
            name = f"{level} {code} {lang}" + (" +plan" if with_plan else "")
            outs = {k: Path(directory) / f"{k}-{level}-{code}-{lang}.pdf" for k in checkouts}
            runs: dict[str, list[dict]] = {k: [] for k in checkouts}
            for turn in range(args.runs):
                order = list(checkouts) if turn % 2 == 0 else list(checkouts)[::-1]
                for label in order:
                    first = args.first_region if level == "region" else args.first_commune
                    runs[label].append(
                        run_once(checkouts[label], case, db, outs[label], phases=args.phases, first=first)
                    )
            median = {k: {m: statistics.median(r[m] for r in v) for m in v[0]} for k, v in runs.items()}
            for label, m in median.items():
                line = f"{name:26} {label:9} {m['cpu']:>6.2f} {m['warm']:>6.2f} {m['wall']:>6.2f} "
                line += " ".join(f"{m[p]:>7.2f}" for p in PHASES) + " " if args.phases else ""
                line += f"{page_count(outs[label]):>5} {TARGETS[level]:>6.1f}"
                if label == "baseline":
                    ratios = (m[k] / median["this"][k] for k in ("cpu", "warm"))
                    line += " " + " ".join(f"{r:>4.2f}x" for r in ratios)
                print(line, flush=True)
            if median["this"]["cpu"] > TARGETS[level]:
                failed.append(name)
        if args.api or args.api_only:
            firsts: dict[str, list[dict[str, float]]] = {k: [] for k in checkouts}
            for turn in range(args.runs):
                order = list(checkouts) if turn % 2 == 0 else list(checkouts)[::-1]
                for label in order:
                    firsts[label].append(
                        first_report(checkouts[label], db, args.port, args.commune, args.files)
                    )
            print(f"{'API first report':26} {'checkout':9} {'wall':>6} {'from start':>10} {'server cpu':>10}")
            for label, runs_of in firsts.items():
                m = {k: statistics.median(r[k] for r in runs_of) for k in runs_of[0]}
                line = f"{'API first report':26} {label:9} {m['wall']:>6.2f} {m['from_start']:>10.2f}"
                print(line + f" {m['cpu']:>10.2f}  target {API_TARGET:.1f} (wall)", flush=True)
            if statistics.median(r["wall"] for r in firsts["this"]) > API_TARGET:
                failed.append("API first report")
    print("targets met" if not failed else f"TOO SLOW: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
