"""
Time of a full région report (target: under 20 s), phase by phase, in French and Arabic; with
`--all`, the 12 région reports of `observatory report --all-regions`.

Side by side, a naive baseline of the slowest phase: the same tables laid out by WeasyPrint with
automatic table layout (the default), against the fixed layout the report's stylesheet uses.

    .venv/bin/python benchmarks/bench_report.py [--db PATH] [--region 07] [--all]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


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
    from observatory.reports.content import gather
    from observatory.reports.render import to_html, to_pdf
    from observatory.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default=None)
    parser.add_argument("--region", default="07", help="Région (07 Marrakech-Safi has the most communes, 251).")
    parser.add_argument("--all", action="store_true", help="Also time the 12 région reports in one command.")
    args = parser.parse_args()
    db = get_settings(db=args.db).db
    slowest = 0.0
    print(f"région {args.region}, database {db}")
    print(f"{'lang':5} {'gather s':>9} {'maps+html s':>12} {'pdf s':>7} {'total s':>8} {'pages':>6} {'MB':>6}")
    for lang in ("fr", "ar"):
        content, t_gather = timed(gather, level="region", code=args.region, lang=lang, db=db)
        html, t_html = timed(to_html, content)
        pdf, t_pdf = timed(to_pdf, content, html=html)
        total = t_gather + t_html + t_pdf
        slowest = max(slowest, total)
        pages = page_count(pdf)
        print(f"{lang:5} {t_gather:>9.2f} {t_html:>12.2f} {t_pdf:>7.2f} {total:>8.2f} {pages:>6} {len(pdf) / 1e6:>6.2f}")
    naive_html = html.replace("table { table-layout: fixed;", "table { table-layout: auto;")
    _, t_naive = timed(to_pdf, content, html=naive_html)
    print(f"pdf layout, naive baseline (automatic table layout): {t_naive:.2f} s; ours {t_pdf:.2f} s; "
          f"ratio naive / ours x{t_naive / t_pdf:.2f}")
    print(f"full région report: {slowest:.1f} s (target < 20 s) -> {'ok' if slowest < 20 else 'TOO SLOW'}")
    if args.all:
        from click.testing import CliRunner

        from observatory.cli import main as cli

        with tempfile.TemporaryDirectory() as directory:
            started = time.perf_counter()
            result = CliRunner().invoke(cli, ["report", "--db", db, "--all-regions", "-o", directory])
            elapsed = time.perf_counter() - started
            written = len(list(Path(directory).glob("*.pdf")))
        print(f"all régions: {written} PDFs in {elapsed:.1f} s ({elapsed / max(written, 1):.1f} s each)"
              + ("" if result.exit_code == 0 else f" FAILED: {result.output}"))
    return 0 if slowest < 20 else 1


if __name__ == "__main__":
    sys.exit(main())
