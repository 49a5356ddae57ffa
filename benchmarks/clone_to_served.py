"""
Clone to served app, timed phase by phase, as a user does it on a fresh machine (README's first
command): `git clone`, `python3 -m venv .venv`, `.venv/bin/pip install -e .`, then
`.venv/bin/observatory serve`, which builds the database on first run; the clock stops at the
first HTTP 200 of the app's page. The build's own phases come from the summary it stores.

    .venv/bin/python benchmarks/clone_to_served.py [--repo URL_OR_PATH] [--dest DIR] [--port 8765]

`--repo` defaults to this checkout (cloned with `git clone --no-local`, so nothing is shared with
it). pip's download cache is part of the machine's state: say whether it was warm or empty
(`--no-cache` passes `--no-cache-dir`, a machine that has never installed the packages).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def step(name: str, command: list[str], cwd: Path, clock: dict[str, float]) -> None:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    clock[name] = time.perf_counter() - start
    print(f"{name:>24}: {clock[name]:6.1f} s", flush=True)


def serve_until_up(checkout: Path, port: int, clock: dict[str, float], timeout: float = 600) -> None:
    start = time.perf_counter()
    env = {**os.environ, "OBSERVATORY_DB": str(checkout / "geodata" / "observatory.gpkg")}
    server = subprocess.Popen(
        [str(checkout / ".venv" / "bin" / "observatory"), "serve", "--port", str(port)],
        cwd=checkout,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - start < timeout:
            if server.poll() is not None:
                raise SystemExit(f"observatory serve exited with {server.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit(f"the app did not answer within {timeout:.0f} s")
        clock["build + serve (first 200)"] = time.perf_counter() - start
        print(f"{'build + serve (first 200)':>24}: {clock['build + serve (first 200)']:6.1f} s", flush=True)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=str(HERE))
    parser.add_argument("--dest", type=Path, default=None)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--no-cache", action="store_true", help="pip install with --no-cache-dir.")
    args = parser.parse_args()
    dest = args.dest or Path(tempfile.mkdtemp(prefix="observatory-clone-"))
    checkout = dest / "observatory"
    clock: dict[str, float] = {}
    total = time.perf_counter()
    source = f"file://{Path(args.repo).resolve()}" if Path(args.repo).exists() else args.repo
    step("git clone", ["git", "clone", "--no-local", "--depth", "1", source, str(checkout)], dest, clock)
    step("python3 -m venv", ["python3", "-m", "venv", ".venv"], checkout, clock)
    pip = [str(checkout / ".venv" / "bin" / "pip"), "install", "-q", "-e", "."]
    step("pip install -e .", pip + (["--no-cache-dir"] if args.no_cache else []), checkout, clock)
    serve_until_up(checkout, args.port, clock)
    clock["total"] = time.perf_counter() - total
    with sqlite3.connect(checkout / "geodata" / "observatory.gpkg") as con:
        summary = json.loads(con.execute("SELECT summary FROM build").fetchone()[0])
    print(f"{'total, clone to served':>24}: {clock['total']:6.1f} s")
    print("build phases (from the build's summary):")
    for name, seconds in summary.get("job_seconds", {}).items():
        print(f"{'job ' + name:>32}: {seconds:5.1f} s")
    print(f"{'atomic write':>32}: {summary.get('write_seconds', float('nan')):5.1f} s")
    print(f"{'content digest':>32}: {summary.get('digest_seconds', float('nan')):5.1f} s")
    print(f"(clone in {checkout})")


if __name__ == "__main__":
    main()
