"""
The app as a user meets it, in headless Chromium: it loads, the commune map draws 1,503 shapes,
changing the indicator recolours it, a click opens the commune profile, Arabic is right to left,
the planner returns a plan, a download works. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--window-size=1400,1000",
)
SHAPES = "return document.querySelectorAll('#map .choroplethlocation').length"
FILLS = (
    "return Array.from(document.querySelectorAll('#map .choroplethlocation'))"
    ".map(p => getComputedStyle(p).fill).join(';')"
)


def _browser_available() -> bool:
    return Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()


@pytest.fixture(scope="module")
def server_url(built_db):
    """The app and API served by waitress on a free local port, as `observatory serve` does."""
    import waitress

    from observatory.cli.serve import create_server

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    wsgi = waitress.create_server(create_server(built_db), host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    wsgi.close()


@pytest.fixture(scope="module")
def downloads(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads):
    if not _browser_available():
        pytest.skip("Chromium and chromedriver are not installed") if not os.environ.get(
            "CI"
        ) else pytest.fail("Chromium and chromedriver are required under CI")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
    )
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def wait_for(condition, *, timeout: float = 60.0, every: float = 0.25):
    """The condition's first truthy value, or a TimeoutError after `timeout` seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = condition()
        except Exception:  # noqa: BLE001 - the page is still rendering
            value = None
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"condition not met within {timeout} s")


def choose(browser, dropdown_id: str, search: str, option: str) -> None:
    """Pick an option of a Dash dropdown as a user does: open it, type in its search box, click the option."""
    from selenium.webdriver.common.by import By

    wait_for(lambda: browser.find_element(By.ID, dropdown_id)).click()
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "input.dash-dropdown-search")).send_keys(search)
    xpath = f"//label[@role='option'][contains(., \"{option}\")]"
    wait_for(lambda: browser.find_element(By.XPATH, xpath)).click()


def test_commune_map_draws_1503_shapes_and_recolours(browser, server_url, artifacts):
    browser.get(f"{server_url}/?lang=fr")
    assert wait_for(lambda: browser.execute_script(SHAPES) == 1503)
    wait_for(lambda: "rgb" in browser.execute_script(FILLS))
    before = browser.execute_script(FILLS)
    browser.save_screenshot(str(artifacts / "app-map-fr.png"))
    assert browser.execute_script("return document.documentElement.dir") == "ltr"
    choose(browser, "indicator", "route goudronn", "Distance moyenne à une route goudronnée (2024)")
    assert wait_for(lambda: browser.execute_script(FILLS) != before)
    # Same 1,503 shapes (the geometry stayed), new colours; the URL holds the new state.
    assert browser.execute_script(SHAPES) == 1503
    assert "indicator=households_distance_to_paved_road_km" in browser.current_url
    browser.save_screenshot(str(artifacts / "app-map-recoloured.png"))


def test_draa_tafilalet_question_from_the_first_screen(browser, server_url, artifacts):
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/?lang=fr")
    wait_for(lambda: browser.execute_script(SHAPES) == 1503)
    browser.find_element(By.ID, "question-link").click()
    assert wait_for(lambda: browser.execute_script(SHAPES) == 125)
    ranking = wait_for(lambda: browser.find_element(By.ID, "ranking").text)
    assert "Drâa-Tafilalet" in ranking and "Pourquoi" in ranking
    assert "region=08" in browser.current_url
    browser.save_screenshot(str(artifacts / "app-draa-tafilalet.png"))


def test_a_click_on_a_commune_opens_its_profile(browser, server_url, artifacts):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/?lang=fr&region=08&province=08.201")
    wait_for(lambda: 0 < browser.execute_script(SHAPES) < 100)
    shape = browser.find_elements(By.CSS_SELECTOR, "#map .choroplethlocation")[0]
    ActionChains(browser).move_to_element(shape).click().perform()
    title = wait_for(lambda: browser.find_element(By.ID, "profile-title").text)
    assert "/commune" in browser.current_url and "code=08.201." in browser.current_url
    table = browser.find_element(By.ID, "profile-table").text
    assert "Maroc" in table and "Évolution depuis 2014" in table
    assert title
    browser.save_screenshot(str(artifacts / "app-profile.png"))


def test_arabic_is_right_to_left_with_arabic_place_names(browser, server_url, artifacts):
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/commune?lang=ar&code=08.201.01.05")
    title = wait_for(lambda: browser.find_element(By.ID, "profile-title").text)
    assert title.startswith("الرشيدية")
    assert browser.execute_script("return document.documentElement.dir") == "rtl"
    assert browser.find_element(By.ID, "shell").get_attribute("dir") == "rtl"
    browser.save_screenshot(str(artifacts / "app-profile-ar.png"))
    browser.get(f"{server_url}/?lang=ar&region=08")
    assert wait_for(lambda: browser.execute_script(SHAPES) == 125)
    assert "درعة-تافيلالت" in browser.find_element(By.ID, "breadcrumb").text
    browser.save_screenshot(str(artifacts / "app-map-ar.png"))


def test_the_planner_returns_a_plan(browser, server_url, artifacts):
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/planner?lang=fr")
    wait_for(lambda: browser.find_element(By.ID, "plan-run")).click()
    summary = wait_for(
        lambda: (
            "sites de 15 km couvrent" in browser.find_element(By.ID, "plan-summary").text
            and browser.find_element(By.ID, "plan-summary").text
        ),
        timeout=120,
    )
    assert "plan naïf" in summary and "Femmes" in summary
    markers = browser.execute_script(
        "return document.querySelectorAll('#plan-map .scattergeo .point').length"
    )
    assert markers == 13  # 10 service points and 3 training centres
    browser.save_screenshot(str(artifacts / "app-planner.png"))
    # An equity constraint the sites cannot meet is said plainly, with what to relax.
    browser.find_element(By.XPATH, "//label[contains(., 'Au moins un site par province')]").click()
    browser.find_element(By.ID, "plan-run").click()
    error = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#plan-summary .error").text)
    assert "at least 1 site(s) per province needs 5 new sites across 5 provinces, but the plan has 3" in error


def test_a_download_works(browser, server_url, downloads):
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/data?lang=en")
    wait_for(lambda: browser.find_element(By.ID, "download-button")).click()
    path = wait_for(lambda: next(iter(downloads.glob("*.csv")), None), timeout=60)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 1503
    assert lines[0].startswith("code,name_fr,name_ar")
