"""
Benchmark of `observatory build` on this machine: wall time of each job and of the atomic write,
from installed packages to a complete GeoPackage, and peak memory. The baseline run side by side is
the census and geometry jobs alone (the database of issue 2) written with the same writer, so the
ratio says what the simulated layer and the analytics add.

    .venv/bin/python benchmarks/bench_build.py [--db PATH]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from etl.jobs import build as build_module
from observatory.settings import get_settings


def timed_build(target: Path, jobs: list[str]) -> tuple[float, dict[str, float]]:
    per_job: dict[str, float] = {}
    original = build_module._resolve

    def timing(spec: str):
        job = original(spec)

        def run(ctx):
            start = time.perf_counter()
            job(ctx)
            per_job[spec] = time.perf_counter() - start

        return run

    build_module._resolve = timing
    saved = build_module.JOBS
    build_module.JOBS = jobs
    try:
        start = time.perf_counter()
        build_module.build(get_settings(db=target), progress=False)
        total = time.perf_counter() - start
    finally:
        build_module._resolve = original
        build_module.JOBS = saved
    return total, per_job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        target = args.db or Path(tmp) / "bench.gpkg"
        base_jobs = [j for j in build_module.JOBS if j.startswith(("etl.jobs.census:", "etl.jobs.boundaries:"))]
        baseline, _ = timed_build(Path(tmp) / "baseline.gpkg", base_jobs)
        total, per_job = timed_build(target, list(build_module.JOBS))
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size_mb = target.stat().st_size / 1e6
    print(f"{'job':45} {'seconds':>8}")
    for spec, seconds in per_job.items():
        print(f"{spec:45} {seconds:8.1f}")
    write = total - sum(per_job.values())
    print(f"{'atomic write + digest':45} {write:8.1f}")
    print(f"full build: {total:.1f} s (target 60 s: {total / 60:.2f}×), GeoPackage {size_mb:.0f} MB, "
          f"peak RSS {peak_mb:.0f} MB")
    print(f"census and geometry only (issue 2's build): {baseline:.1f} s; full / that = {total / baseline:.2f}×")


if __name__ == "__main__":
    main()
