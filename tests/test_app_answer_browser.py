"""
The explorer's answer, the indicator's metadata sheet and the change map as a person meets them in headless
Chromium, in French and Arabic: the answer's first rows on the first screen of a 1440×1000 display and
within the first screen after the map on a 390×844 phone; the sheet one click under the map; the map of
the change since 2014 drawn commune by commune. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import pytest
import test_app_browser as shared
import test_app_phone_browser as phones

from observatory.dashboards import ids

pytestmark = pytest.mark.browser
server_url, downloads, browser = shared.server_url, shared.downloads, shared.browser
wait_for, settle, sized, unsized = shared.wait_for, phones.settle, phones.sized, phones.unsized

QUESTION = "/?lang={lang}&level=commune&region=08"
#: Where the answer and its first commune row start, and where the map ends, in page pixels.
PLACES = (
    "const top = e => e.getBoundingClientRect().top + window.scrollY;"
    "const r = document.getElementById('ranking'); const row = r.querySelector('tbody tr:not(.tier)');"
    "const m = document.getElementById('map');"
    "return {answer: top(r), row: top(row), mapEnd: m.getBoundingClientRect().bottom + window.scrollY,"
    " width: document.scrollingElement.scrollWidth}"
)
CHANGE_SHAPES = "return document.querySelectorAll('#change-map .choroplethlocation').length"


@pytest.fixture()
def screen(browser):
    sized(browser, 1440, 1000)
    yield browser
    unsized(browser)


@pytest.fixture()
def phone(browser):
    sized(browser, 390, 844, mobile=True)
    yield browser
    unsized(browser)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_answer_is_on_the_first_screen_of_a_meeting_room(screen, server_url, artifacts, lang):
    screen.get(f"{server_url}{QUESTION.format(lang=lang)}")
    wait_for(lambda: screen.execute_script(shared.SHAPES) == 125)
    settle(screen)
    places = screen.execute_script(PLACES)
    screen.save_screenshot(str(artifacts / f"app-answer-1440-{lang}.png"))
    # The heading and the first commune of the answer show without scrolling.
    assert places["answer"] < 1000 and places["row"] + 20 < 1000
    assert places["width"] <= 1440


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_on_a_phone_the_answer_follows_the_map(phone, server_url, artifacts, lang):
    phone.get(f"{server_url}{QUESTION.format(lang=lang)}")
    wait_for(lambda: phone.execute_script(shared.SHAPES) == 125)
    settle(phone)
    places = phone.execute_script(PLACES)
    phone.execute_script("window.scrollTo(0, arguments[0])", places["mapEnd"])
    phone.save_screenshot(str(artifacts / f"app-answer-phone-{lang}.png"))
    assert places["mapEnd"] <= places["answer"] < places["mapEnd"] + 844
    assert places["width"] <= 390  # the answer's wide columns scroll inside it, not the page


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_metadata_sheet_is_one_click_under_the_map(screen, server_url, artifacts, lang):
    from selenium.webdriver.common.by import By

    from observatory.dashboards.i18n import t

    screen.get(f"{server_url}/?lang={lang}&indicator=illiteracy_rate_10_plus&year=2024")
    wait_for(lambda: screen.execute_script(shared.SHAPES) == 1503)
    settle(screen)
    panel = screen.find_element(By.CSS_SELECTOR, f"#{ids.INDICATOR_SHEET} .sheet-panel")
    assert not panel.is_displayed()
    screen.find_element(By.CSS_SELECTOR, f"#{ids.INDICATOR_SHEET} summary").click()
    wait_for(lambda: panel.is_displayed())
    text = panel.text
    for key in ("sheet_definition", "sheet_source", "sheet_unit", "sheet_status", "sheet_cautions"):
        assert t(key, lang) in text
    screen.save_screenshot(str(artifacts / f"app-sheet-{lang}.png"))
    # Its link opens the map of the indicator's change since 2014.
    panel.find_element(By.CSS_SELECTOR, ".sheet-change-link").click()
    assert wait_for(lambda: screen.execute_script(CHANGE_SHAPES) == 1503)
    assert "/change" in screen.current_url and "indicator=illiteracy_rate_10_plus" in screen.current_url


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_change_map_draws_a_region_and_follows_the_level(screen, server_url, artifacts, lang):
    from selenium.webdriver.common.by import By

    screen.get(f"{server_url}/change?lang={lang}&region=08&indicator=amenities_electricity")
    assert wait_for(lambda: screen.execute_script(CHANGE_SHAPES) == 125)
    settle(screen)
    screen.save_screenshot(str(artifacts / f"app-change-{lang}.png"))
    country = screen.find_element(By.ID, ids.CHANGE_COUNTRY).text
    assert "2014" in country and "2024" in country
    screen.find_elements(By.CSS_SELECTOR, f"#{ids.CHANGE_LEVEL} input")[1].click()  # provinces
    assert wait_for(lambda: screen.execute_script(CHANGE_SHAPES) == 5)
    assert "level=province" in screen.current_url
