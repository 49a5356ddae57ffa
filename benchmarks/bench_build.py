"""
Benchmark of `observatory build` on this machine: wall time of each job and of the atomic write,
from installed packages to a complete GeoPackage, and peak memory. The baseline run side by side is
the census and geometry jobs alone (units, values, provenance) written with the same writer, so the
ratio says what the simulated layer and the analytics add.

    .venv/bin/python benchmarks/bench_build.py [--db PATH]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from observatory.etl.jobs import build as build_module
from observatory.settings import get_settings


def timed_build(target: Path, jobs: tuple) -> tuple[float, dict[str, float]]:
    start = time.perf_counter()
    summary = build_module.build(get_settings(db=target), progress=False, jobs=jobs)
    return time.perf_counter() - start, dict(summary["job_seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        target = args.db or Path(tmp) / "bench.gpkg"
        base_jobs = tuple(j for j in build_module.JOBS if j.__module__.endswith((".census", ".boundaries")))
        baseline, _ = timed_build(Path(tmp) / "baseline.gpkg", base_jobs)
        total, per_job = timed_build(target, build_module.JOBS)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        size_mb = target.stat().st_size / 1e6
    print(f"{'job':45} {'seconds':>8}")
    for spec, seconds in per_job.items():
        print(f"{spec:45} {seconds:8.1f}")
    write = total - sum(per_job.values())
    print(f"{'atomic write + digest':45} {write:8.1f}")
    print(f"full build: {total:.1f} s (target 60 s: {total / 60:.2f}×), GeoPackage {size_mb:.0f} MB, "
          f"peak RSS {peak_mb:.0f} MB")
    print(f"census and geometry only: {baseline:.1f} s; full / that = {total / baseline:.2f}×")


if __name__ == "__main__":
    main()
