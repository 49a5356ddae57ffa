"""
What the first page of the app weighs over the wire, measured as a browser receives it: Chromium's
network log (encodedDataLength, i.e. compressed bytes) for every request of the first load of the
commune map, scripts included. Run: python benchmarks/bench_app_payload.py [DB].
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time


def serve(db: str) -> str:
    import waitress

    from observatory.cli.serve import create_server
    from observatory.database import Database

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = waitress.create_server(create_server(Database(db)), host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def received(driver) -> tuple[int, int]:
    """(bytes received, requests) since the last call, from the performance log."""
    total, requests = 0, 0
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.loadingFinished":
            total += int(message["params"]["encodedDataLength"])
            requests += 1
    return total, requests


def main(db: str = "geodata/observatory.gpkg") -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    url = serve(db)
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1440,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    shapes = "return document.querySelectorAll('#map .choroplethlocation').length"
    try:
        driver.get(f"{url}/?lang=fr")
        while driver.execute_script(shapes) != 1503:
            time.sleep(0.2)
        time.sleep(1.0)
        first, n = received(driver)
        print(f"first page: {first / 1e6:.2f} MB over the wire in {n} requests (budget 2 MB)")
    finally:
        driver.quit()


if __name__ == "__main__":
    main(*sys.argv[1:])
