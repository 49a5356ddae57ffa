"""
Payload sizes and callback latency of the app's commune map, against the naive approach
(`px.choropleth` with the full-resolution commune geometry, rebuilt on every indicator change).

    .venv/bin/python benchmarks/bench_app_payload.py [--db PATH|URL] [--changes 40]

Both run side by side on the same database. The app is measured through its real HTTP endpoint
(Flask test client → /_dash-update-component), so the figures include Dash's serialisation.
Budgets: commune map ≤ 1.5 MB, indicator change ≤ 100 KB, p95 server time ≤ 100 ms.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import plotly
import plotly.express as px


def _size(obj) -> int:
    return len(json.dumps(obj, cls=plotly.utils.PlotlyJSONEncoder).encode())


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def naive(db, indicators: list[tuple[str, int]], changes: int) -> dict[str, float]:
    """px.choropleth over the full geometry: the whole figure (geometry included) on every change."""
    from observatory import query

    communes = query.units("commune", db=db)
    geojson = json.loads(communes[["code", "geometry"]].to_json())
    sizes, times = [], []
    for i in range(changes):
        indicator, year = indicators[i % len(indicators)]
        start = time.perf_counter()
        values = query.indicator_values(indicator, db=db, level="commune", year=year)
        fig = px.choropleth(
            values,
            geojson=geojson,
            locations="unit_code",
            featureidkey="properties.code",
            color="value",
            hover_data=["unit_code"],
        )
        body = json.dumps(fig.to_plotly_json(), cls=plotly.utils.PlotlyJSONEncoder).encode()
        times.append((time.perf_counter() - start) * 1000)
        sizes.append(len(body))
    return {
        "first_map_bytes": sizes[0],
        "change_bytes": statistics.median(sizes),
        "p50_ms": statistics.median(times),
        "p95_ms": _p95(times),
    }


def app_side(db, indicators: list[tuple[str, int]], changes: int) -> dict[str, float]:
    """The app: the first page once (geometry inside), then Dash Patches through the HTTP endpoint."""
    from observatory.dashboards import create_app, ids
    from observatory.dashboards.app import shell
    from observatory.dashboards.pages import load_pages

    app = create_app(db)
    data = app.data
    first_page = shell(load_pages(), data, "/", "?lang=fr", default_lang="fr")
    first_bytes = _size(first_page)
    key = next(k for k in app.callback_map if k.startswith(f"..{ids.MAP}.figure"))
    outputs = []
    for item in key.strip(".").split("..."):
        component, prop = item.rsplit(".", 1)
        outputs.append({"id": component, "property": prop})
    client = app.server.test_client()

    def request(indicator: str, year: int) -> tuple[int, float]:
        values = [
            "commune",
            None,
            None,
            f"{indicator}|{year}",
            "quantiles",
            "5",
            "Viridis",
            "none",
            "amenities_electricity|2024",
            [],
        ]
        controls = [
            ids.LEVEL,
            ids.REGION,
            "province",
            ids.INDICATOR,
            ids.SCHEME,
            ids.CLASSES,
            ids.PALETTE,
            ids.COMPARE,
            ids.INDICATOR_2,
            ids.LISA,
        ]
        body = {
            "output": key,
            "outputs": outputs,
            "inputs": [
                {"id": c, "property": "value", "value": v} for c, v in zip(controls, values, strict=True)
            ],
            "state": [{"id": ids.LANG, "property": "data", "value": "fr"}],
            "changedPropIds": [f"{ids.INDICATOR}.value"],
        }
        start = time.perf_counter()
        response = client.post("/_dash-update-component", json=body)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.data[:500]
        return len(response.data), elapsed

    cold, warm, sizes = [], [], []
    for i in range(changes):
        indicator, year = indicators[i % len(indicators)]
        size, ms = request(indicator, year)
        (cold if i < len(indicators) else warm).append(ms)
        sizes.append(size)
    return {
        "first_map_bytes": first_bytes,
        "change_bytes": statistics.median(sizes),
        "max_change_bytes": max(sizes),
        "p50_ms": statistics.median(cold + warm),
        "p95_ms": _p95(cold + warm),
        "p95_cold_ms": _p95(cold),
        "p95_warm_ms": _p95(warm) if warm else float("nan"),
    }


def main() -> None:
    from observatory.database import Database
    from observatory.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--db", default=None)
    parser.add_argument("--changes", type=int, default=40)
    args = parser.parse_args()
    db = Database(get_settings(db=args.db).db).require()
    indicators = [
        (i, 2024)
        for i in (
            "illiteracy_rate_10_plus",
            "households_distance_to_paved_road_km",
            "amenities_electricity",
            "disability_prevalence",
            "age_60_64",
            "labour_unemployment_rate",
            "amenities_running_water",
            "education_none",
            "languages_read_and_written_french",
            "schooling_rate_6_to_11",
        )
    ] + [("equipment_internet", 2014), ("equipment_computer", 2014)]
    ours = app_side(db, indicators, args.changes)
    theirs = naive(db, indicators, min(args.changes, 12))
    print(f"{'':34}{'app':>14}{'naive':>14}{'ratio':>10}")
    rows = [
        ("commune map, first load (bytes)", "first_map_bytes"),
        ("indicator change (bytes, median)", "change_bytes"),
        ("server time per change p50 (ms)", "p50_ms"),
        ("server time per change p95 (ms)", "p95_ms"),
    ]
    for label, key in rows:
        print(f"{label:34}{ours[key]:>14,.1f}{theirs[key]:>14,.1f}{theirs[key] / ours[key]:>9.1f}x")
    print(
        f"app p95 first time an indicator is read (DB): {ours['p95_cold_ms']:.1f} ms; "
        f"p95 once cached: {ours['p95_warm_ms']:.1f} ms; largest change {ours['max_change_bytes']:,} bytes"
    )
    budget = (
        ours["first_map_bytes"] <= 1_500_000 and ours["max_change_bytes"] <= 100_000 and ours["p95_ms"] <= 100
    )
    print("budget (≤ 1.5 MB, ≤ 100 KB per change, p95 ≤ 100 ms):", "met" if budget else "NOT met")


if __name__ == "__main__":
    main()
