"""
What the app's two slowest answers cost over HTTP, as a browser meets them: the explorer's map callback
(POST /_dash-update-component when the indicator, the région or the level changes) and the commune
profile (the page callback the browser posts when it opens /commune?code=...). Each checkout runs in its
own server process, started as `observatory serve` starts it (the app and the API, warmed the same way),
and both are asked the same requests in interleaved rounds, in a random order per round, over keep-alive
connections with brotli accepted. Two times per answer: the client's, request to last byte (wall), and
the CPU time the server's thread spent on it (its `Server-Timing` header), which holds on a busy machine
where the wall time measures the neighbours too.

"first after start" is the first request of each kind after the server started (the cold path); "new
indicator" and "profile, first time" each ask for an indicator or a commune not shown before on a warm
server (what a user trying indicators or communes meets); "warm" repeats the same requests `--rounds`
times. Budgets (issue 24): the map callback p95 <= 50 ms warm, the profile <= 1 s.

    python benchmarks/bench_app_http.py [DB] [--rounds 100] [--fresh 20] [--baseline CHECKOUT]

The payloads are built from this checkout's explorer layout for `?lang=fr`, as the renderer builds them
from the callback's inputs and outputs; the baseline (e.g. a worktree of main) serves its own code.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench_profile import CODES  # the communes whose profile is opened, one per région

#: The map callback's changes: (control, new value) from the explorer's first view.
CHANGES = {
    "indicator": ("indicator", "households_distance_to_paved_road_km|2024"),
    "région": ("region", "08"),
    "level": ("level", "province"),
}


def control_values(node: Any, found: dict[str, Any]) -> dict[str, Any]:
    """id -> value of every component with a string id and a value in a layout."""
    from dash.development.base_component import Component

    if isinstance(node, Component):
        key = getattr(node, "id", None)
        if isinstance(key, str) and hasattr(node, "value"):
            found[key] = node.value
        control_values(getattr(node, "children", None), found)
    elif isinstance(node, (list, tuple)):
        for child in node:
            control_values(child, found)
    return found


def request_body(callback_map: dict[str, Any], output: str, values: dict[str, Any], changed: str) -> str:
    """The JSON the renderer posts for the callback whose output key holds `output`."""
    key = next(k for k in callback_map if f"..{output}." in k or k.startswith(output))
    spec = callback_map[key]
    outputs = []
    for part in key.strip(".").split("..."):
        ident, prop = part.split(".", 1)
        outputs.append({"id": ident, "property": prop})

    def filled(items: list[dict[str, str]]) -> list[dict[str, Any]]:
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    return json.dumps(
        {
            "output": key,
            "outputs": outputs,
            "inputs": filled(spec["inputs"]),
            "state": filled(spec["state"]),
            "changedPropIds": [changed],
        }
    )


def requests(db: str, *, fresh: int) -> dict[str, str]:
    """name -> body of every request measured, built from this checkout's app (a process of its own, so
    neither server's caches are warmed by it): the map's three changes, `fresh` other indicators (each
    asked once, as a user trying indicators meets them) and the profiles of CODES."""
    from observatory.dashboards import create_app
    from observatory.dashboards.pages import load_pages
    from observatory.dashboards.state import parse

    app = create_app(db)
    layout = load_pages()["/"].layout(app.data, parse("?lang=fr"))
    first = {f"{k}.value": v for k, v in control_values(layout, {}).items()}
    first["lang-store.data"] = "fr"
    bodies = {}
    for name, (control, value) in CHANGES.items():
        values = {**first, f"{control}.value": value}
        bodies[f"map: {name}"] = request_body(app.callback_map, "map.figure", values, f"{control}.value")
    catalogue = app.data.catalogue().drop_duplicates("indicator_id", keep="last")
    shown = {first["indicator.value"], CHANGES["indicator"][1]}
    others = [
        f"{r.indicator_id}|{r.year}"
        for r in catalogue.itertuples()
        if f"{r.indicator_id}|{r.year}" not in shown
    ]
    for value in random.Random(24).sample(others, fresh):
        values = {**first, "indicator.value": value}
        bodies[f"new indicator {value}"] = request_body(
            app.callback_map, "map.figure", values, "indicator.value"
        )
    for code in CODES:
        page = {
            "url.pathname": "/commune",
            "url.search": f"?lang=fr&code={code}",
            "lang-store.data": "fr",
            "view-search.data": "/?lang=fr",
        }
        bodies[f"profile {code}"] = request_body(app.callback_map, "shell.children", page, "url.pathname")
    return bodies


def timed(app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """`app`, its answers carrying the CPU time their thread spent on them (`Server-Timing: cpu;dur=ms`):
    what a request costs the server whatever else the machine runs. Flask has built the whole response,
    compression included, when it calls `start_response`."""

    def wrapped(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start = time.thread_time()

        def started(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            spent = (time.thread_time() - start) * 1000
            return start_response(status, [*headers, ("Server-Timing", f"cpu;dur={spent:.2f}")], *rest)

        return app(environ, started)

    return wrapped


def serve(db: str) -> None:
    """Serve the app as `observatory serve` does, on a free port printed on stdout."""
    import waitress

    from observatory.cli.serve import create_server, warm
    from observatory.database import Database

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = waitress.create_server(
        timed(warm(create_server(Database(db)))), host="127.0.0.1", port=port, threads=16
    )
    print(port, flush=True)
    server.run()


class Server:
    """A server process of one checkout and a keep-alive connection to it."""

    def __init__(self, name: str, checkout: Path, db: str) -> None:
        self.name = name
        env = {**os.environ, "PYTHONPATH": str(checkout)}
        start = time.perf_counter()
        self.process = subprocess.Popen(
            [sys.executable, __file__, db, "--serve"],
            cwd=checkout,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())
        self.started = time.perf_counter() - start
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)

    def post(self, body: str) -> tuple[float, float]:
        """(wall seconds, as the client waits; the server's CPU seconds for it)."""
        headers = {"Content-Type": "application/json", "Accept-Encoding": "br, gzip"}
        start = time.perf_counter()
        self.connection.request("POST", "/_dash-update-component", body=body, headers=headers)
        response = self.connection.getresponse()
        response.read()
        elapsed = time.perf_counter() - start
        assert response.status in (200, 204), (self.name, response.status)
        cpu = float(response.getheader("Server-Timing", "cpu;dur=nan").partition("dur=")[2]) / 1000
        return elapsed, cpu

    def stop(self) -> None:
        self.connection.close()
        self.process.terminate()
        self.process.wait()


def percentile(times: list[float], q: float) -> float:
    ordered = sorted(times)
    return ordered[round(q * (len(ordered) - 1))]


def measure(db: str, checkouts: dict[str, Path], *, rounds: int, fresh: int) -> dict[str, dict[str, Any]]:
    """Per checkout: start time, first-request times, warm samples per request (seconds)."""
    bodies = requests(db, fresh=fresh)
    servers = [Server(name, path, db) for name, path in checkouts.items()]
    figures: dict[str, dict[str, Any]] = {
        s.name: {"start": s.started, "first": {}, "warm": {}} for s in servers
    }
    try:
        maps = [name for name in bodies if name.startswith("map")]
        # The first request of each kind: a fresh server, then a new indicator, a commune not yet shown.
        for name in [*maps, *(name for name in bodies if not name.startswith("map"))]:
            for server in random.sample(servers, len(servers)):
                figures[server.name]["first"][name] = server.post(bodies[name])
        warm = [*maps, f"profile {CODES[0]}"]
        for _ in range(rounds):
            for name in warm:
                for server in random.sample(servers, len(servers)):
                    figures[server.name]["warm"].setdefault(name, []).append(server.post(bodies[name]))
    finally:
        for server in servers:
            server.stop()
    return figures


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}" if seconds >= 0.0095 else f"{seconds * 1000:.1f}"


def report(figures: dict[str, dict[str, Any]], rounds: int) -> list[str]:
    """The figures as a table, one column per checkout (wall ms / server CPU ms), and the ratios of the
    first checkout to the second (wall, CPU)."""
    names = list(figures)
    pair = len(names) == 2
    lines = [
        "server start (warm-up included): " + ", ".join(f"{n} {figures[n]['start']:.1f} s" for n in names)
    ]
    lines.append(
        f"{'(ms: wall / server CPU)':44}"
        + "".join(f"{n:>22}" for n in names)
        + ("   ratio wall, CPU" if pair else "")
    )

    def row(label: str, pick: Any) -> None:
        cells = [pick(figures[n]) for n in names]
        ratio = ""
        if pair and cells[1][0] and cells[1][1]:
            ratio = f"   {cells[0][0] / cells[1][0]:5.2f}, {cells[0][1] / cells[1][1]:5.2f}"
        lines.append(f"{label:<44}" + "".join(f"{ms(w) + ' / ' + ms(c):>22}" for w, c in cells) + ratio)

    def both(samples: list[tuple[float, float]], at: Callable[[list[float]], float]) -> tuple[float, float]:
        return at([w for w, _ in samples]), at([c for _, c in samples])

    def p95(values: list[float]) -> float:
        return percentile(values, 0.95)

    for name in figures[names[0]]["warm"]:
        row(f"{name}, first after start", lambda f, n=name: f["first"][n])
        row(f"{name}, warm p50", lambda f, n=name: both(f["warm"][n], statistics.median))
        row(f"{name}, warm p95", lambda f, n=name: both(f["warm"][n], p95))
    for kind in ("new indicator", "profile"):

        def firsts(f: dict[str, Any], kind: str = kind) -> list[tuple[float, float]]:
            return [v for k, v in f["first"].items() if k.startswith(kind)]

        count = len(firsts(figures[names[0]]))
        row(f"{kind}, first time (n={count}) p50", lambda f, k=kind: both(firsts(f, k), statistics.median))
        row(f"{kind}, first time (n={count}) p95", lambda f, k=kind: both(firsts(f, k), p95))
    lines.append(f"warm: {rounds} interleaved rounds; budgets: map p95 <= 50 ms, profile <= 1 s")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", nargs="?", default="geodata/observatory.gpkg")
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--fresh", type=int, default=20, help="indicators asked once each after the start")
    parser.add_argument("--baseline", help="another checkout served side by side (e.g. a worktree of main)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    db = str(Path(args.db).resolve())
    if args.serve:
        serve(db)
        return
    checkouts = {"this checkout": Path.cwd()}
    if args.baseline:
        checkouts["baseline"] = Path(args.baseline).resolve()
    figures = measure(db, checkouts, rounds=args.rounds, fresh=args.fresh)
    print("\n".join(report(figures, args.rounds)))


if __name__ == "__main__":
    main()
