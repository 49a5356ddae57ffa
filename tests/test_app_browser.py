"""
The app as a user meets it, in headless Chromium: it loads, the commune map draws 1,503 shapes,
changing the indicator recolours it, a click opens the commune profile, Arabic is right to left,
the planner returns a plan, a download works. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from conftest import require_service

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
    require_service(_browser_available(), "Chromium and chromedriver")
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


#: True once Dash has no callback requested, queued or running (its renderer's store is `window.store`).
SETTLED = (
    "const s = window.store && window.store.getState(); if (!s || !s.callbacks) return false;"
    "return ['requested', 'prioritized', 'blocked', 'executing', 'watched', 'executed', 'stored']"
    ".every(k => !(s.callbacks[k] || []).length);"
)


def choose(browser, dropdown_id: str, search: str, option: str) -> None:
    """Pick an option of a Dash dropdown as a user does: open it, type in its search box, click the option."""
    from selenium.webdriver.common.by import By

    wait_for(lambda: browser.find_element(By.ID, dropdown_id)).click()
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "input.dash-dropdown-search")).send_keys(search)
    # Dash 4.4 renders each option as a label of class dash-dropdown-option, without an ARIA role.
    xpath = f"//label[contains(@class, 'dash-dropdown-option')][contains(., \"{option}\")]"
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
    key = browser.find_element(By.ID, "profile-key").text
    assert "Maroc" in key and "Province ou préfecture" in key
    assert title
    browser.save_screenshot(str(artifacts / "app-profile.png"))


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_profile_shows_its_locator_map_and_goes_back_to_its_province(
    browser, server_url, artifacts, built_db, lang
):
    from selenium.webdriver.common.by import By

    from observatory import query

    communes = len(query.units("commune", db=built_db, province="08.201", geometry=False))
    locator = "return document.querySelectorAll('#profile-locator .choroplethlocation').length"
    browser.get(f"{server_url}/commune?lang={lang}&code=08.201.01.05")
    # Every commune of Errachidia's province, and the province's outline over them.
    assert wait_for(lambda: browser.execute_script(locator) == communes + 1)
    assert browser.find_element(By.CSS_SELECTOR, "#profile-locator .scattergeo")
    report = browser.find_element(By.ID, "profile-report").get_attribute("href")
    assert report.endswith(f"/api/v1/reports/commune/08.201.01.05?lang={lang}&format=pdf")
    browser.save_screenshot(str(artifacts / f"app-profile-locator-{lang}.png"))
    browser.find_element(By.ID, "profile-back").click()
    wait_for(lambda: browser.execute_script(SHAPES) == communes)
    assert "province=08.201" in browser.current_url and "/commune" not in browser.current_url
    assert f"lang={lang}" in browser.current_url


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
            "Meilleure méthode simple" in browser.find_element(By.ID, "plan-summary").text
            and browser.find_element(By.ID, "plan-summary").text
        ),
        timeout=120,
    )
    assert "à moins de 15 km" in summary and "Femmes" in summary
    assert "pas une décision" in browser.find_element(By.ID, "plan-review").text
    sites = browser.find_elements(By.CSS_SELECTOR, "#plan-sites-table tbody tr")
    assert len(sites) == 13  # 10 service points and 3 training centres, numbered as on the map
    browser.save_screenshot(str(artifacts / "app-planner.png"))
    # An equity constraint the sites cannot meet is said plainly, with what to relax, in French.
    browser.get(f"{server_url}/planner?lang=fr&region=08&points=0&centres=1&radius=5")
    wait_for(lambda: browser.find_element(By.ID, "plan-run")).click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#plan-sites-table tbody tr"), timeout=120)
    browser.find_element(By.XPATH, "//label[contains(., 'Au moins 30 % du besoin rural atteint')]").click()
    browser.find_element(By.ID, "plan-run").click()
    error = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#plan-summary .error").text)
    assert "besoin rural" in error and "vous avez demandé 30 %" in error
    assert wait_for(
        lambda: (
            browser.execute_script("return document.querySelectorAll('#plan-map .scattergeo .point').length")
            == 0
            and not browser.find_elements(By.CSS_SELECTOR, "#plan-sites-table")
        )
    )  # no stale plan


def test_a_download_works(browser, server_url, downloads):
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/data?lang=en")
    wait_for(lambda: browser.find_element(By.ID, "download-button")).click()
    path = wait_for(lambda: next(iter(downloads.glob("*.csv")), None), timeout=60)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 1503
    assert lines[0].startswith("code,name_fr,name_ar")


PAGES = ("/", "/commune?code=08.201.01.05", "/index", "/planner", "/data")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_nothing_on_a_map_page_can_send_data_off_the_machine(browser, server_url, lang):
    """No toolbar button reaches plot.ly (share, Chart Studio), and no link, script, image or form on the
    page points anywhere but this server; the toolbar speaks the page's language."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/?lang={lang}&compare=side")
    wait_for(lambda: browser.execute_script(SHAPES) == 1503)
    ActionChains(browser).move_to_element(browser.find_element(By.ID, "map")).perform()
    titles = wait_for(
        lambda: browser.execute_script(
            "return Array.from(document.querySelectorAll('.modebar-btn'))"
            ".map(b => b.getAttribute('data-title'))"
        )
    )
    assert titles and not [
        t for t in titles if any(w in t.lower() for w in ("share", "cloud", "studio", "edit"))
    ]
    assert "Zoom in" not in titles  # translated
    outside = browser.execute_script(
        "return Array.from(document.querySelectorAll('[href], [src], [action], [data]'))"
        ".map(e => e.href || e.src || e.action || e.getAttribute('data'))"
        ".filter(u => typeof u === 'string' && /^(https?:)?\\/\\//.test(u) && !u.startsWith(location.origin))"
    )
    assert outside == []
    assert "plot.ly" not in browser.page_source and "chart-studio" not in browser.page_source.lower()


def test_the_hover_is_short_and_in_the_page_language(browser, server_url, artifacts):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/?lang=fr&region=08&indicator=illiteracy_rate_10_plus&year=2024")
    wait_for(lambda: browser.execute_script(SHAPES) == 125)
    shape = browser.find_elements(By.CSS_SELECTOR, "#map .choroplethlocation")[40]
    ActionChains(browser).move_to_element(shape).perform()
    text = wait_for(
        lambda: browser.execute_script(
            "const h = document.querySelector('#map .hoverlayer .hovertext'); return h && h.textContent"
        )
    )
    import re

    assert re.search(r"\d,\d\u202f%(?!%)", text), text  # French decimal comma, the unit after the value
    # Ranks are national by default, 'n / N' with the scope named and French thousands.
    assert re.search(r"Rang \(Maroc\) \d[\d\u202f]* / 1\u202f\d{3}", text), text
    assert "Source" not in text and "nan" not in text
    hover = browser.execute_script(
        "return document.querySelector('#map .hoverlayer .hovertext').getBoundingClientRect().width"
    )
    assert hover < browser.find_element(By.ID, "map").size["width"] / 2
    browser.save_screenshot(str(artifacts / "app-hover-fr.png"))


def test_back_and_forward_restore_the_view(browser, server_url):
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/?lang=fr&region=08")
    wait_for(lambda: browser.execute_script(SHAPES) == 125)
    # The first drawing writes the full view into the URL; a click before that would race with it.
    wait_for(lambda: "indicator=" in browser.current_url)
    browser.find_element(By.XPATH, "//label[contains(., 'Provinces')]").click()
    wait_for(lambda: browser.execute_script(SHAPES) == 5)
    assert "level=province" in browser.current_url
    browser.back()
    wait_for(lambda: browser.execute_script(SHAPES) == 125)
    assert browser.find_element(By.CSS_SELECTOR, "#level input[value='commune']").is_selected()
    # A person presses Forward on the page as drawn; a loaded machine may still be answering callbacks.
    wait_for(lambda: browser.execute_script(SETTLED))
    browser.forward()
    wait_for(lambda: browser.execute_script(SHAPES) == 5)
    assert browser.find_element(By.CSS_SELECTOR, "#level input[value='province']").is_selected()


def test_search_finds_a_commune_typed_with_its_accent(browser, server_url):
    browser.get(f"{server_url}/?lang=fr")
    wait_for(lambda: browser.execute_script(SHAPES) == 1503)
    choose(browser, "search", "Aït Ourir", "Ait Ourir · آيت أورير — Al Haouz")
    wait_for(lambda: "/commune" in browser.current_url and "code=07.041.01.01" in browser.current_url)


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_critical_or_serious_violation(browser, server_url, path, lang):
    """axe-core 4 (the copy axe-playwright-python ships, read as a file: Selenium runs it) on every page in
    French and Arabic."""
    import importlib.util

    spec = importlib.util.find_spec("axe_playwright_python")
    assert spec and spec.submodule_search_locations, "the test extra axe-playwright-python is needed"
    axe = Path(spec.submodule_search_locations[0]) / "axe.min.js"
    browser.get(f"{server_url}{path}{'&' if '?' in path else '?'}lang={lang}")
    wait_for(
        lambda: browser.execute_script("return document.querySelector('#main h1, #main .explorer, #main h2')")
    )
    time.sleep(1.5)  # the page's callbacks settle
    browser.execute_script(axe.read_text(encoding="utf-8"))
    violations = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done(String(e)));"
    )
    assert isinstance(violations, list), violations
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("critical", "serious")
    ]
    assert bad == []


TOWNS = "return Array.from(document.querySelectorAll('#map .scattergeo text')).map(e => e.textContent)"
OUTLINES = "return document.querySelectorAll('#map .scattergeo path.js-line').length"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_outlines_towns_and_the_scope_of_the_classes_are_on_the_map(browser, server_url, lang):
    """Province outlines and the main towns' names are drawn over the commune map, and the legend says the
    classes are national; the switch makes them this view's and the legend says that instead."""
    from selenium.webdriver.common.by import By

    from observatory.dashboards.i18n import t

    browser.get(f"{server_url}/?lang={lang}&region=08&indicator=illiteracy_rate_10_plus&year=2024")
    wait_for(lambda: browser.execute_script(SHAPES) == 125)
    assert wait_for(lambda: browser.execute_script(OUTLINES)) >= 1
    towns = wait_for(lambda: browser.execute_script(TOWNS))
    assert ("الرشيدية" if lang == "ar" else "Errachidia") in towns and len(towns) >= 5
    legend = browser.find_element(By.ID, "legend").text
    assert t("legend_scope_national", lang) in browser.execute_script(
        "return document.querySelector('#map .annotation').textContent"
    )
    assert t("classes_national", lang).split("{")[0].strip() in legend
    shot = Path("/work/shots/mapviews")
    if shot.is_dir():
        browser.save_screenshot(str(shot / f"explorer-national-{lang}.png"))
    browser.find_element(By.CSS_SELECTOR, "#scope input[value='view']").click()
    wait_for(
        lambda: t("classes_view", lang).split("{")[0].strip() in browser.find_element(By.ID, "legend").text
    )
    assert wait_for(lambda: "scope=view" in browser.current_url)
    if shot.is_dir():
        browser.save_screenshot(str(shot / f"explorer-view-{lang}.png"))


def test_the_map_downloads_as_a_png(browser, server_url, downloads):
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/?lang=fr&region=08")
    wait_for(lambda: browser.execute_script(SHAPES) == 125)
    browser.find_element(By.ID, "map-png").click()
    path = wait_for(lambda: next(iter(downloads.glob("*.png")), None), timeout=60)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The full ranking of the level (every commune of Morocco), and the région's report link.
    browser.find_element(By.ID, "ranking-csv").click()
    ranking = wait_for(lambda: next(iter(downloads.glob("classement_*.csv")), None), timeout=60)
    lines = wait_for(lambda: ranking.read_text(encoding="utf-8").splitlines())
    assert len(lines) == 1 + 1503 and lines[0].startswith("rank,ranked,code")
    link = browser.find_element(By.ID, "report-link").get_attribute("href")
    assert link.endswith("/api/v1/reports/region/08?lang=fr&format=pdf")
