"""
The app as an adviser meets it in a meeting room (1440×1000) and on a phone (390×844), in headless
Chromium, in French and Arabic: one history entry per view a person chose, so Back leaves the app from its
first page; on the phone no sideways scroll, the map within the first screen and the controls folded behind
one button. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
import test_app_browser as shared

from observatory.dashboards import ids

pytestmark = pytest.mark.browser
# The served app and the browser of the app's browser tests, shared.
server_url, downloads, browser = shared.server_url, shared.downloads, shared.browser
SHAPES, SETTLED, wait_for = shared.SHAPES, shared.SETTLED, shared.wait_for

PAGES = ("/", "/index", "/planner", "/profile")
HISTORY = "return window.history.length"
#: The map of a page: the explorer's, the index builder's or the planner's.
MAP_TOP = (
    "const m = document.querySelector('#map, #index-map, #plan-map');"
    "return m ? m.getBoundingClientRect().top + window.scrollY : null"
)
WIDTH = "return document.scrollingElement.scrollWidth"


def settle(browser) -> None:
    """Wait until the page has drawn and no callback is pending, twice (a callback may chain another)."""
    for _ in range(2):
        wait_for(lambda: browser.execute_script(SETTLED))
        wait_for(lambda: browser.execute_script("return document.querySelector('#main > *') !== null"))


def sized(browser, width: int, height: int, *, mobile: bool = False) -> None:
    """A viewport of exactly this size, as a phone or a meeting-room screen gives it."""
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile},
    )


def unsized(browser) -> None:
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


@pytest.fixture()
def phone(browser):
    sized(browser, 390, 844, mobile=True)
    yield browser
    unsized(browser)


def leave_for_a_blank_page(browser, name: str) -> int:
    """Open a page outside the app (a new URL drops any forward entry); the history's length there."""
    browser.get(f"data:text/html,<title>{name}</title>")
    return int(browser.execute_script(HISTORY))


@pytest.mark.parametrize("path", PAGES)
def test_opening_a_page_adds_one_history_entry_and_back_leaves_the_app(browser, server_url, path):
    before = leave_for_a_blank_page(browser, f"before-{path.strip('/') or 'explorer'}")
    browser.get(f"{server_url}{path}?lang=fr")
    settle(browser)
    wait_for(lambda: browser.execute_script("return document.readyState") == "complete")
    assert browser.execute_script(HISTORY) == before + 1
    browser.back()
    assert wait_for(lambda: browser.current_url.startswith("data:"), timeout=10)


def test_each_choice_is_one_entry_and_back_walks_them_in_order(browser, server_url):
    from selenium.webdriver.common.by import By

    start = leave_for_a_blank_page(browser, "before-choices")
    browser.get(f"{server_url}/?lang=fr&region=08")
    wait_for(lambda: browser.execute_script(SHAPES) == 125)
    settle(browser)
    browser.find_element(By.XPATH, "//label[contains(., 'Provinces')]").click()
    wait_for(lambda: browser.execute_script(SHAPES) == 5)
    settle(browser)
    browser.find_element(By.CSS_SELECTOR, f"#{ids.NAV} a[href^='/index']").click()
    wait_for(lambda: browser.find_elements(By.ID, ids.INDEX_MAP))
    settle(browser)
    assert browser.execute_script(HISTORY) == start + 3
    browser.back()
    wait_for(lambda: browser.execute_script(SHAPES) == 5)
    # A person presses Back on the page as drawn; a loaded machine may still be answering callbacks.
    settle(browser)
    browser.back()
    wait_for(lambda: browser.execute_script(SHAPES) == 125)
    settle(browser)
    browser.back()
    assert wait_for(lambda: browser.current_url.startswith("data:"), timeout=10)


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("path", ["/", "/index"])
def test_on_a_phone_the_map_is_on_the_first_screen_without_sideways_scroll(
    phone, server_url, artifacts, lang, path
):
    from selenium.webdriver.common.by import By

    phone.get(f"{server_url}{path}?lang={lang}")
    wait_for(lambda: phone.execute_script(MAP_TOP) is not None)
    settle(phone)
    name = "explorer" if path == "/" else "index"
    phone.save_screenshot(str(artifacts / f"app-phone-{name}-{lang}.png"))
    assert phone.execute_script(WIDTH) <= 390
    assert phone.execute_script(MAP_TOP) < 844 * 0.6
    if path == "/":
        # The map's legend is hidden from the figure on a phone: the page's legend comes right under it.
        top = "return document.getElementById(arguments[0]).getBoundingClientRect().top"
        bottom = phone.execute_script("return document.getElementById('map').getBoundingClientRect().bottom")
        legend = phone.execute_script(top, "legend")
        assert bottom <= legend < min(phone.execute_script(top, i) for i in ("indicator-sheet", "ranking"))
        assert legend - bottom < 40
        # The title starts on the reading side: the right in Arabic, the left in French.
        box = "return document.querySelector(arguments[0]).getBoundingClientRect()"
        title, graph = phone.execute_script(box, "#map .gtitle"), phone.execute_script(box, "#map")
        if lang == "ar":
            assert graph["right"] - title["right"] < 20
        else:
            assert title["left"] - graph["left"] < 20
    # The controls are folded behind one button, which opens and closes them.
    panel = phone.find_element(By.CSS_SELECTOR, ".foldable .controls")
    toggle = phone.find_element(By.CSS_SELECTOR, ".foldable .controls-toggle")
    assert not panel.is_displayed() and toggle.get_attribute("aria-expanded") == "false"
    toggle.click()
    wait_for(lambda: panel.is_displayed())
    assert toggle.get_attribute("aria-expanded") == "true"
    assert phone.execute_script(WIDTH) <= 390
    phone.save_screenshot(str(artifacts / f"app-phone-{name}-{lang}-controls.png"))
    toggle.click()
    wait_for(lambda: not panel.is_displayed())


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_in_a_meeting_room_the_controls_stay_open_beside_the_map(browser, server_url, artifacts, lang):
    from selenium.webdriver.common.by import By

    sized(browser, 1440, 1000)
    try:
        browser.get(f"{server_url}/?lang={lang}")
        wait_for(lambda: browser.execute_script(SHAPES) == 1503)
        settle(browser)
        assert browser.find_element(By.CSS_SELECTOR, ".foldable .controls").is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, ".foldable .controls-toggle").is_displayed()
        assert browser.execute_script(WIDTH) <= 1440
        browser.save_screenshot(str(artifacts / f"app-room-explorer-{lang}.png"))
    finally:
        unsized(browser)


#: English words of the toolkits' own texts (plotly's toolbar, Dash's controls) and of ARIA names.
ENGLISH = re.compile(
    r"\b(Reset|Zoom(?! (avant|arrière|sur))|Autoscale|Pan|Download|Toggle|Select|Increase|Decrease|"
    r"breadcrumb|value|plot|hover|closest|Compare|Spike)\b"
)
#: What a person reads or hears on a page: its visible text, and every name a screen reader or tooltip
#: gives (aria-label, title, plotly's toolbar titles).
HEARD = (
    "const names = Array.from(document.querySelectorAll('[aria-label], [title], [data-title]'))"
    ".map(e => [e.getAttribute('aria-label'), e.getAttribute('title'), e.getAttribute('data-title')]"
    ".filter(Boolean).join(' | '));"
    "return [document.getElementById('main').innerText, ...names].join('\\n');"
)


@pytest.mark.parametrize("lang", ["fr", "ar"])
@pytest.mark.parametrize("path", ["/", "/index", "/planner"])
def test_a_french_or_arabic_page_has_no_english_word_in_its_text_or_names(browser, server_url, lang, path):
    browser.get(f"{server_url}{path}?lang={lang}")
    wait_for(lambda: browser.execute_script("return document.querySelectorAll('.modebar-btn').length"))
    settle(browser)
    if path == "/planner":  # its number fields' step buttons, which Dash names in English
        steps = "return Array.from(document.querySelectorAll('.dash-stepper-increment')).length"
        assert wait_for(lambda: browser.execute_script(steps))
    heard = browser.execute_script(HEARD)
    found = sorted({m.group(0) for m in ENGLISH.finditer(heard)})
    assert found == [], [line for line in heard.splitlines() if ENGLISH.search(line)][:10]


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_indicator_dropdown_is_reached_by_keyboard_and_filters_as_one_types(browser, server_url, lang):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{server_url}/?lang={lang}")
    wait_for(lambda: browser.execute_script(SHAPES) == 1503)
    settle(browser)
    button = browser.find_element(By.ID, ids.INDICATOR)
    assert button.get_attribute("tabindex") != "-1"
    # Tab from the control before it lands on the dropdown's button.
    browser.execute_script(
        "const all = Array.from(document.querySelectorAll('button, input, a, [tabindex]'))"
        ".filter(e => e.tabIndex >= 0 && e.offsetParent !== null);"
        "all[all.indexOf(document.getElementById(arguments[0])) - 1].focus();",
        ids.INDICATOR,
    )
    browser.switch_to.active_element.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("id") == ids.INDICATOR
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    search = wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "input.dash-dropdown-search"))
    assert wait_for(lambda: browser.switch_to.active_element == search)
    browser.switch_to.active_element.send_keys("2014")
    options = "return Array.from(document.querySelectorAll('.dash-dropdown-option')).map(e => e.textContent)"

    def filtered() -> list[str]:
        listed = browser.execute_script(options)
        return listed if listed and all("2014" in x for x in listed) else []

    assert len(wait_for(filtered)) > 1
    browser.switch_to.active_element.send_keys(Keys.ARROW_DOWN, Keys.ENTER)
    assert wait_for(lambda: "year=2014" in browser.current_url)
