"""
Benchmark: years of usage counts summed per commune and month (`usage.monthly_sums`), by DuckDB
reading the Parquet files itself against pandas reading them whole, side by side.

    .venv/bin/python benchmarks/bench_usage_scale.py [--db DB] [--years 5] [--services 40]

The counts are generated here, seeded, in the `usage_count` layout: every commune × service ×
month × channel of each year (1,503 × 40 × 12 × 4 = 2.9 million rows a year, a ministry's full
catalogue of e-services), with a record key per row, one Parquet file per year under
/work/builds/usage_years (written once). Each engine runs in its own process; its peak memory is the
process's peak resident set. The sums must be equal.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def year_files(codes: np.ndarray, *, years: int, services: int, folder: Path, seed: int) -> list[Path]:
    """One Parquet file of seeded raw counts per year."""
    from observatory.etl.connectors.usage import CHANNELS

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for y in range(years):
        path = folder / f"usage_{2020 + y}_{services}.parquet"
        paths.append(path)
        if path.exists():
            continue
        rng = np.random.default_rng(seed + y)
        names = np.array([f"service_{s:02d}" for s in range(services)])
        periods = np.array([f"{2020 + y}-{m:02d}" for m in range(1, 13)])
        shape = (len(codes), services, 12, len(CHANNELS))
        n = int(np.prod(shape))
        index = np.indices(shape).reshape(4, n)
        transactions = rng.poisson(rng.gamma(1.5, 40.0, n))
        frame = pd.DataFrame(
            {
                "commune_code": codes[index[0]],
                "service": names[index[1]],
                "period": periods[index[2]],
                "channel": np.array(CHANNELS)[index[3]],
                "transactions": transactions.astype("int64"),
                "unique_users": rng.binomial(transactions, 0.62).astype("int64"),
                "record_key": rng.integers(0, 2**32, n, dtype=np.int64),
            }
        )
        frame.to_parquet(path.with_suffix(".tmp"), index=False)
        path.with_suffix(".tmp").replace(path)
    return paths


def run(engine: str, paths: list[str], queue) -> None:
    from observatory.etl.connectors import usage

    start = time.perf_counter()
    sums = usage.monthly_sums([Path(p) for p in paths], engine=engine)
    queue.put(
        {
            "engine": engine,
            "seconds": time.perf_counter() - start,
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "sums": sums,
        }
    )


def main() -> None:
    from observatory.database import Database
    from observatory.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--services", type=int, default=40)
    parser.add_argument("--folder", type=Path, default=Path("/work/builds/usage_years"))
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures to this file.")
    args = parser.parse_args()
    codes = Database(get_settings(db=args.db).db).require().read("commune", columns=["code"])["code"]
    paths = year_files(
        codes.astype(str).to_numpy(),
        years=args.years,
        services=args.services,
        folder=args.folder,
        seed=args.seed,
    )
    rows = sum(pq.ParquetFile(p).metadata.num_rows for p in paths)
    size = sum(p.stat().st_size for p in paths) / 1e6
    print(f"{len(paths)} years, {rows:,} raw counts, {size:,.0f} MB of Parquet", flush=True)
    results = {}
    context = mp.get_context("spawn")
    for engine in ("duckdb", "pandas"):
        queue = context.Queue()
        process = context.Process(target=run, args=(engine, [str(p) for p in paths], queue))
        process.start()
        results[engine] = queue.get()
        process.join()
    base = results["pandas"]
    figures: dict[str, object] = {"years": len(paths), "rows": rows, "parquet_mb": size}
    for engine, r in results.items():
        pd.testing.assert_frame_equal(r["sums"], base["sums"], check_dtype=False)
        print(
            f"{engine:>7}: {r['seconds']:6.1f} s, process peak {r['peak_mb']:,.0f} MB; sums equal to pandas'"
            + (
                ""
                if engine == "pandas"
                else f"; {base['seconds'] / r['seconds']:.1f}x faster, {base['peak_mb'] / r['peak_mb']:.1f}x "
                "less memory"
            ),
            flush=True,
        )
        figures[engine] = {k: v for k, v in r.items() if k != "sums"}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=float))


if __name__ == "__main__":
    main()
