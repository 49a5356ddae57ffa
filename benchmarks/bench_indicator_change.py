"""
What an indicator change costs on the map explorer: the bytes the server sends back and the time it
takes to answer, for the request the browser really makes. Chromium loads the commune map, the user
picks another indicator, and every POST to /_dash-update-component that follows is captured from the
network log (the map's callback, then those the new URL triggers); those exact payloads are replayed in
process (no network, so the time is the server's) `--runs` times. "wire" is the size as sent with
brotli or gzip, "raw" uncompressed; "map" is the map's own callback.

    python benchmarks/bench_indicator_change.py [DB] [--runs 200] [--baseline PYTHON]

`--baseline` runs the same measurement with another interpreter (e.g. the main checkout's venv, whose
`observatory` is the current code) and prints both side by side with their ratio.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import threading
import time

SHAPES = "return document.querySelectorAll('#map .choroplethlocation').length"
SEARCH, OPTION = "route goudronn", "Distance moyenne à une route goudronnée (2024)"


def serve(wsgi) -> str:
    import waitress

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = waitress.create_server(wsgi, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def captured_requests(url: str) -> list[tuple[str, str]]:
    """(path, body) of every callback request the browser sends when the indicator changes: the map's
    callback, then those that follow the URL it writes."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1440,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(f"{url}/?lang=fr")
        while driver.execute_script(SHAPES) != 1503:
            time.sleep(0.2)
        time.sleep(1.5)
        driver.get_log("performance")
        driver.find_element(By.ID, "indicator").click()
        time.sleep(0.3)
        driver.find_element(By.CSS_SELECTOR, "input.dash-dropdown-search").send_keys(SEARCH)
        time.sleep(0.5)
        xpath = f"//label[contains(@class, 'dash-dropdown-option')][contains(., \"{OPTION}\")]"
        driver.find_element(By.XPATH, xpath).click()
        time.sleep(3.0)
        requests = []
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            request = message.get("params", {}).get("request", {})
            if message["method"] == "Network.requestWillBeSent" and "/_dash-update-component" in request.get(
                "url", ""
            ):
                requests.append((request["url"][len(url) :], request.get("postData") or ""))
        if not any('"indicator.value"' in body for _, body in requests):
            raise RuntimeError("no callback request for the indicator change was seen")
        return requests
    finally:
        driver.quit()


def measure(db: str, runs: int) -> dict[str, float]:
    from werkzeug.test import Client

    from observatory.cli.serve import create_server
    from observatory.database import Database

    wsgi = create_server(Database(db))
    requests = captured_requests(serve(wsgi))
    client = Client(wsgi)

    def post(path: str, body: str, encoding: str) -> tuple[int, float]:
        headers = {"Content-Type": "application/json", "Accept-Encoding": encoding}
        start = time.perf_counter()
        response = client.post(path, data=body, headers=headers)
        elapsed = time.perf_counter() - start
        assert response.status_code in (200, 204), response.status_code
        return len(response.get_data()), elapsed

    def change(encoding: str) -> tuple[int, float, int, float]:
        """Bytes and seconds of the whole change, and of the map's own callback."""
        sizes, times = zip(*(post(path, body, encoding) for path, body in requests), strict=True)
        main = next(i for i, (_, body) in enumerate(requests) if '"indicator.value"' in body)
        return sum(sizes), sum(times), sizes[main], times[main]

    raw, _, raw_map, _ = change("identity")
    wire, _, wire_map, _ = change("br, gzip")
    for _ in range(5):
        change("br, gzip")
    measured = [change("br, gzip") for _ in range(runs)]
    total = sorted(m[1] * 1000 for m in measured)
    own = sorted(m[3] * 1000 for m in measured)
    return {
        "requests": len(requests),
        "raw_kb": raw / 1000,
        "wire_kb": wire / 1000,
        "map_raw_kb": raw_map / 1000,
        "map_wire_kb": wire_map / 1000,
        "p50_ms": statistics.median(total),
        "p95_ms": total[int(0.95 * (len(total) - 1))],
        "map_p95_ms": own[int(0.95 * (len(own) - 1))],
        "runs": runs,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("db", nargs="?", default="geodata/observatory.gpkg")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--baseline", help="another interpreter to measure the same way, e.g. main's venv")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON only")
    args = parser.parse_args()
    figures = measure(args.db, args.runs)
    if args.json:
        print(json.dumps(figures))
        return
    rows = [("this code", figures)]
    if args.baseline:
        out = subprocess.run(
            [args.baseline, __file__, args.db, "--runs", str(args.runs), "--json"],
            check=True,
            capture_output=True,
            text=True,
        )
        rows.insert(0, ("baseline", json.loads(out.stdout.strip().splitlines()[-1])))
    print(
        f"{'':10} {'requests':>8} {'raw':>10} {'wire':>9} {'map raw':>10} {'map wire':>9}"
        f" {'p50':>8} {'p95':>8}"
    )
    for name, f in rows:
        print(
            f"{name:10} {f['requests']:8d} {f['raw_kb']:7.1f} KB {f['wire_kb']:6.1f} KB"
            f" {f['map_raw_kb']:7.1f} KB"
            f" {f['map_wire_kb']:6.1f} KB {f['p50_ms']:5.1f} ms {f['p95_ms']:5.1f} ms"
        )
    if args.baseline:
        base = rows[0][1]
        keys = ("raw_kb", "wire_kb", "map_raw_kb", "map_wire_kb", "p50_ms", "p95_ms")
        print("ratio (this code / baseline): " + ", ".join(f"{k} {figures[k] / base[k]:.2f}" for k in keys))
    print(f"budget: ≤ 50 KB and p95 ≤ 50 ms server time per indicator change ({figures['runs']} runs)")


if __name__ == "__main__":
    main()
