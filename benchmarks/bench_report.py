"""
Time of a report, phase by phase (gather, maps, HTML, PDF layout), in French and Arabic: a région
PDF (target ≤ 8 s), the same with a stored plan, and a commune PDF (target ≤ 3 s); exit 1 if a
target is missed. Imports are timed apart (a fresh `observatory report` pays them once).

Side by side, a naive baseline of the slowest phase: the same tables laid out by WeasyPrint with
automatic table layout (the default), against the fixed layout the report's stylesheet uses.

    .venv/bin/python benchmarks/bench_report.py [--db PATH] [--region 08] [--commune 08.363.05.21] [--all]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

TARGETS = {"region": 8.0, "commune": 3.0}


def timed(function, *args, **kwargs):
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return value, time.perf_counter() - started


def page_count(pdf: bytes) -> int:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def main() -> int:
    started = time.perf_counter()
    import matplotlib.pyplot  # noqa: F401  (timed as part of the imports a fresh command pays)
    import weasyprint  # noqa: F401

    from observatory import results
    from observatory.reports import render
    from observatory.reports.content import gather
    from observatory.settings import get_settings

    t_import = time.perf_counter() - started
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=None)
    parser.add_argument(
        "--region", default="08", help="Région (08 Drâa-Tafilalet: 125 communes; 07 has 251)."
    )
    parser.add_argument("--commune", default="08.363.05.21")
    parser.add_argument("--all", action="store_true", help="Also time the 12 région reports in one command.")
    args = parser.parse_args()
    db = get_settings(db=args.db).db
    plan = results.plans(db=db)["plan_id"].iloc[0]
    print(f"database {db}; imports {t_import:.2f} s (paid once per command)")
    print(
        f"{'report':28} {'gather s':>9} {'maps s':>7} {'html s':>7} {'pdf s':>7} {'total s':>8} "
        f"{'target':>7} {'pages':>6}"
    )
    failed = []
    cases = [("region", args.region, lang, None) for lang in ("fr", "ar")]
    cases += [
        ("region", args.region, "fr", plan),
        ("commune", args.commune, "fr", None),
        ("commune", args.commune, "ar", None),
    ]
    for level, code, lang, with_plan in cases:
        content, t_gather = timed(gather, level=level, code=code, lang=lang, db=db, plan=with_plan)
        context, t_maps = timed(render.layout, content)
        html, t_html = timed(render.to_html, content, context=context)
        pdf, t_pdf = timed(render.to_pdf, content, html=html)
        total = t_gather + t_maps + t_html + t_pdf
        target = TARGETS[level]
        name = f"{level} {code} {lang}" + (" +plan" if with_plan else "")
        print(
            f"{name:28} {t_gather:>9.2f} {t_maps:>7.2f} {t_html:>7.2f} {t_pdf:>7.2f} {total:>8.2f} "
            f"{target:>7.1f} {page_count(pdf):>6}"
        )
        if total > target:
            failed.append(name)
    naive_html = html.replace("table { table-layout: fixed;", "table { table-layout: auto;")
    _, t_naive = timed(render.to_pdf, content, html=naive_html)
    print(
        f"pdf layout of the last report, naive baseline (automatic table layout): {t_naive:.2f} s; ours "
        f"{t_pdf:.2f} s; ratio naive / ours x{t_naive / t_pdf:.2f}"
    )
    if args.all:
        from click.testing import CliRunner

        from observatory.cli import main as cli

        with tempfile.TemporaryDirectory() as directory:
            started = time.perf_counter()
            result = CliRunner().invoke(cli, ["report", "--db", db, "--all-regions", "-o", directory])
            elapsed = time.perf_counter() - started
            written = len(list(Path(directory).glob("*.pdf")))
        print(
            f"all régions: {written} PDFs in {elapsed:.1f} s ({elapsed / max(written, 1):.1f} s each)"
            + ("" if result.exit_code == 0 else f" FAILED: {result.output}")
        )
    print("targets met" if not failed else f"TOO SLOW: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
