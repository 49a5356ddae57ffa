"""
The AI service mix on the explorer's map as a user meets it in headless Chromium, in French and Arabic:
the segment is chosen in its picker and lands in the URL, the hover gives the share, the people and their
bounds, the legend says scenario and Fréchet. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import re

import pytest
import test_app_browser as shared

from observatory.dashboards import ids

pytestmark = pytest.mark.browser
# The served app and the browser of the app's browser tests, shared.
server_url, downloads, browser = shared.server_url, shared.downloads, shared.browser
SHAPES, wait_for = shared.SHAPES, shared.wait_for

HOVER = "const h = document.querySelector('#map .hoverlayer .hovertext'); return h && h.textContent"


def hover_text(browser, index: int) -> str:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    shape = browser.find_elements(By.CSS_SELECTOR, "#map .choroplethlocation")[index]
    ActionChains(browser).move_to_element(shape).perform()
    return str(wait_for(lambda: browser.execute_script(HOVER)))


def test_a_segment_chosen_in_french_recolours_the_map_and_enters_the_url(browser, server_url, artifacts):
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/?lang=fr&region=08&indicator=illiteracy_rate_10_plus&year=2024")
    wait_for(lambda: browser.execute_script(SHAPES) == 125)
    wait_for(lambda: browser.find_element(By.ID, ids.MIX)).click()
    xpath = "//label[contains(@class, 'dash-dropdown-option')][contains(., 'Assistant vocal')]"
    wait_for(lambda: browser.find_element(By.XPATH, xpath)).click()
    assert wait_for(lambda: "mix=voice_assistant" in browser.current_url)
    legend = wait_for(
        lambda: (
            "Fréchet" in browser.find_element(By.ID, ids.LEGEND).text
            and browser.find_element(By.ID, ids.LEGEND).text
        )
    )
    assert "équipement des ménages 2014" in legend
    text = hover_text(browser, 40)
    assert re.search(r"Assistant vocal dans les langues parlées : \d+,\d\u202f%", text), text
    assert re.search(r"Adultes de 15 ans et plus : [\d\u202f]+ \(entre [\d\u202f]+ et [\d\u202f]+\)", text), (
        text
    )
    browser.save_screenshot(str(artifacts / "app-mixmap-fr.png"))
    # Choosing an indicator gives the map back to it.
    shared.choose(browser, ids.INDICATOR, "route goudronn", "Distance moyenne à une route goudronnée (2024)")
    assert wait_for(lambda: "mix=" not in browser.current_url and "paved_road" in browser.current_url)
    assert wait_for(lambda: "Fréchet" not in browser.find_element(By.ID, ids.LEGEND).text)


def test_the_arabic_map_of_provinces_reads_right_to_left(browser, server_url, artifacts):
    from selenium.webdriver.common.by import By

    browser.get(f"{server_url}/?lang=ar&level=province&mix=assisted_point")
    wait_for(lambda: browser.execute_script(SHAPES) == 75)
    assert browser.execute_script("return document.documentElement.dir") == "rtl"
    legend = wait_for(
        lambda: (
            "فريشيه" in browser.find_element(By.ID, ids.LEGEND).text
            and browser.find_element(By.ID, ids.LEGEND).text
        )
    )
    assert "نقطة استقبال" in legend and "2014" in legend
    text = hover_text(browser, 10)
    assert "عدد البالغين 15 سنة فأكثر" in text and "بين" in text, text
    browser.save_screenshot(str(artifacts / "app-mixmap-ar.png"))


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_axe_finds_no_serious_violation_with_a_segment_on_the_map(browser, server_url, lang):
    """The app's accessibility check (axe-core) on the explorer with the picker set and the legend's notes."""
    shared.test_axe_finds_no_critical_or_serious_violation(
        browser, server_url, "/?mix=voice_assistant&region=08", lang
    )
