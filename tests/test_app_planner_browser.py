"""
The planner and the index builder in headless Chromium: settings restored from the URL and by
back/forward, saving off with its reason on a read-only server, a stored plan shown with its status,
every export disabled after a failed solve, the map's names, legend and numbered sites with their
table at desktop and phone sizes, and axe-core clean on a solved and a stored plan, in French and
Arabic. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import pytest
from test_app_browser import browser, downloads, server_url, wait_for  # noqa: F401 - shared fixtures

import observatory as obs

pytestmark = pytest.mark.browser


def serious_violations(browser) -> list:  # noqa: F811
    spec = importlib.util.find_spec("axe_playwright_python")
    assert spec and spec.submodule_search_locations, "the test extra axe-playwright-python is needed"
    browser.execute_script(
        (Path(spec.submodule_search_locations[0]) / "axe.min.js").read_text(encoding="utf-8")
    )
    violations = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done(String(e)));"
    )
    assert isinstance(violations, list), violations
    return [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in violations
        if v["impact"] in ("critical", "serious")
    ]


def value_of(browser, ident: str) -> str:  # noqa: F811
    from selenium.webdriver.common.by import By

    return browser.find_element(By.ID, ident).get_attribute("value")


def test_planner_settings_live_in_the_url_and_a_failed_solve_disables_every_export(
    browser,  # noqa: F811
    server_url,  # noqa: F811
    artifacts,
):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{server_url}/planner?lang=fr&region=12&points=2&centres=1&radius=25")
    wait_for(lambda: value_of(browser, "plan-points") == "2")
    assert value_of(browser, "plan-centres") == "1"
    save = browser.find_element(By.ID, "plan-save")
    assert save.get_attribute("disabled") and "lecture seule" in browser.find_element(
        By.ID, "plan-save-status"
    ).get_attribute("textContent")
    browser.find_element(By.ID, "plan-run").click()
    wait_for(
        lambda: "Meilleure méthode simple" in browser.find_element(By.ID, "plan-summary").text, timeout=120
    )
    assert all(
        not browser.find_element(By.ID, i).get_attribute("disabled")
        for i in ("plan-export-csv", "plan-export-geojson")
    )
    assert "accompagnement vocal" in browser.find_element(By.ID, "plan-summary").text
    assert "non enregistré" in browser.find_element(By.ID, "plan-review").text
    assert serious_violations(browser) == []
    browser.save_screenshot(str(artifacts / "app-planner-url-fr.png"))

    # A change of setting goes to the URL; back restores the previous one; a reload keeps it.
    field = browser.find_element(By.ID, "plan-points")
    field.send_keys(Keys.BACKSPACE, "4")
    wait_for(lambda: "points=4" in browser.current_url)
    browser.back()
    wait_for(lambda: "points=2" in browser.current_url and value_of(browser, "plan-points") == "2")
    browser.forward()
    wait_for(lambda: value_of(browser, "plan-points") == "4")
    browser.refresh()
    wait_for(lambda: value_of(browser, "plan-points") == "4")

    # Drâa-Tafilalet with 30% of rural need asked of one centre at 5 km: no plan, no export.
    browser.get(f"{server_url}/planner?lang=fr&region=08&points=0&centres=1&radius=5&equity=rural")
    wait_for(lambda: value_of(browser, "plan-centres") == "1")
    browser.find_element(By.ID, "plan-run").click()
    error = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#plan-summary .error").text, timeout=120)
    assert "vous avez demandé 30 %" in error
    assert all(
        browser.find_element(By.ID, i).get_attribute("disabled")
        for i in ("plan-export-csv", "plan-export-geojson", "plan-save")
    )
    assert (
        browser.execute_script("return document.querySelectorAll('#plan-map .scattergeo .point').length") == 0
    )


def test_a_stored_plan_shows_its_status_in_arabic(browser, server_url, built_db, artifacts):  # noqa: F811
    from selenium.webdriver.common.by import By

    default = obs.list_plans(db=built_db).iloc[0].plan_id
    browser.get(f"{server_url}/planner?lang=ar&plan={default}")
    review = wait_for(lambda: browser.find_element(By.ID, "plan-review").text, timeout=60)
    assert "مسودة" in review and default in review and "ليس قرارًا" in review
    wait_for(
        lambda: browser.execute_script(
            "return document.querySelectorAll('#plan-map .scattergeo .point').length"
        )
    )
    assert "دعمًا صوتيًا" in browser.find_element(By.ID, "plan-summary").text
    time.sleep(1.0)
    assert serious_violations(browser) == []
    browser.save_screenshot(str(artifacts / "app-planner-stored-ar.png"))


def test_index_builder_choices_live_in_the_url(browser, server_url):  # noqa: F811
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/index?lang=fr&norm=rank&agg=geometric")
    wait_for(
        lambda: browser.find_element(
            By.CSS_SELECTOR, "#index-normalisation input[value='rank']"
        ).is_selected()
    )
    browser.find_element(By.CSS_SELECTOR, "#index-normalisation input[value='zscore']").click()
    wait_for(lambda: "norm=zscore" in browser.current_url and "agg=geometric" in browser.current_url)
    browser.back()
    wait_for(
        lambda: (
            "norm=rank" in browser.current_url
            and browser.find_element(
                By.CSS_SELECTOR, "#index-normalisation input[value='rank']"
            ).is_selected()
        )
    )


@pytest.mark.parametrize(
    ("lang", "names", "words"),
    [
        ("fr", ("Ouarzazate", "Zagora"), ("Lecture de la carte", "Personnes à portée", "Personnes servies")),
        ("ar", ("ورزازات", "زاكورة"), ("قراءة الخريطة", "الأشخاص في المتناول", "الأشخاص المخدومون")),
    ],
)
def test_the_planner_page_reads_without_hovering(browser, server_url, artifacts, lang, names, words):  # noqa: F811
    """Drâa-Tafilalet's default plan: town and commune names on the map, a legend, numbered sites and
    the table that lists them; no sideways scroll on a phone. Screenshots at 1440x1000 and 390x844."""
    from selenium.webdriver.common.by import By

    for width, height in ((1440, 1000), (390, 844)):
        browser.set_window_size(width, height)
        browser.get(f"{server_url}/planner?lang={lang}")
        wait_for(lambda: browser.find_element(By.ID, "plan-run"))
        if width == 390:  # on a phone the settings are folded behind one button, the map first
            assert not browser.find_element(By.ID, "plan-run").is_displayed()
            browser.find_element(By.CSS_SELECTOR, ".controls-toggle").click()
        browser.find_element(By.ID, "plan-run").click()
        rows = wait_for(
            lambda: browser.find_elements(By.CSS_SELECTOR, "#plan-sites-table tbody tr"), timeout=180
        )
        assert len(rows) == 13
        assert rows[0].find_element(By.CSS_SELECTOR, ".site-number").text == "1"
        map_text = browser.execute_script(
            "return Array.from(document.querySelectorAll('#plan-map text')).map(t => t.textContent).join('|')"
        )
        assert all(name in map_text for name in names)
        numbers = set(map_text.split("|"))
        assert {str(n) for n in range(1, 14)} <= numbers
        page = browser.find_element(By.TAG_NAME, "body").text
        assert all(w in page for w in words)
        assert "glouton" not in page
        assert page.count(browser.find_element(By.CSS_SELECTOR, "#plan-review .note").text) == 1
        if width == 390:
            assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        browser.save_screenshot(str(artifacts / f"app-planner-{lang}-{width}.png"))
    browser.set_window_size(1440, 1000)
