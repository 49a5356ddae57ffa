"""
The maps as an adviser reads them in headless Chromium, in French and Arabic, in a meeting room (1440×1000)
and on a phone (390×844): the shapes fill their panel, the towns' names never overlap, a scale bar and HCP's
credit are drawn, and the legend written into the figure sits clear of the shapes in either direction.
Measured on the drawn page (the SVG's boxes), not on the figure's description.
"""

from __future__ import annotations

import re

import pytest
import test_app_browser as shared
from test_app_phone_browser import settle, sized, unsized

from observatory import i18n
from observatory.dashboards.i18n import t

pytestmark = pytest.mark.browser
server_url, downloads, browser = shared.server_url, shared.downloads, shared.browser
wait_for = shared.wait_for

#: The drawn map of a page: its panel, the shapes' box, each town name's and the scale bar's text boxes,
#: the towns' markers, the written legend's and source's boxes (Plotly's annotations 0 and 1), the title's
#: and the toolbar's.
MEASURE = """
const gd = document.querySelector(arguments[0] + ' .js-plotly-plot');
if (!gd || !gd._fullData || !gd.querySelector('.choroplethlocation')) return null;
const box = r => ({l: r.left, t: r.top, r: r.right, b: r.bottom});
const rects = Array.from(gd.querySelectorAll('.choroplethlocation')).map(e => e.getBoundingClientRect())
  .filter(r => r.width || r.height);
const shapes = {l: Math.min(...rects.map(r => r.left)), t: Math.min(...rects.map(r => r.top)),
                r: Math.max(...rects.map(r => r.right)), b: Math.max(...rects.map(r => r.bottom))};
const names = gd._fullData.filter(d => d.type === 'scattergeo').map(d => d.name);
const groups = gd.querySelectorAll('g.trace.scattergeo');
const texts = name => names.indexOf(name) < 0 ? [] :
  Array.from(groups[names.indexOf(name)].querySelectorAll('text')).filter(e => e.textContent)
    .map(e => ({text: e.textContent, ...box(e.getBoundingClientRect())}));
const note = i => { const a = gd.querySelector('.annotation[data-index="' + i + '"]'); if (!a) return null;
  return {text: a.textContent, ...box(a.querySelector('.annotation-text-g').getBoundingClientRect())}; };
const marks = names.indexOf('towns') < 0 ? [] : Array.from(groups[names.indexOf('towns')]
  .querySelectorAll('.point')).map(e => box(e.getBoundingClientRect()));
const part = selector => { const e = gd.querySelector(selector);
  return e && box(e.getBoundingClientRect()); };
return {panel: box(gd.getBoundingClientRect()), shapes: shapes, towns: texts('towns'), scale: texts('scale'),
        legend: note(0), source: note(1), markers: marks, title: part('.gtitle'), toolbar: part('.modebar')};
"""
MAPS = {"/": "#map", "/?region=08": "#map", "/index": "#index-map"}


def overlap(a: dict[str, float], b: dict[str, float], *, clear: float = 0) -> bool:
    """Whether two boxes meet once each is widened by `clear` pixels on every side (a name's halo)."""
    return (
        a["l"] - clear < b["r"] + clear
        and b["l"] - clear < a["r"] + clear
        and a["t"] - clear < b["b"] + clear
        and b["t"] - clear < a["b"] + clear
    )


def read_at_a_glance(m: dict) -> dict[str, object]:
    """What keeps a drawn map from reading at a glance: a title under the toolbar or wider than the map,
    town names that touch (their 1-px halo included), a name over another town's marker."""
    towns, title, panel = m["towns"], m["title"], m["panel"]
    found = {
        "title under the toolbar": overlap(title, m["toolbar"]),
        "title wider than the map": not (panel["l"] <= title["l"] and title["r"] <= panel["r"]),
        "names touching": [
            (a["text"], b["text"])
            for i, a in enumerate(towns)
            for b in towns[i + 1 :]
            if overlap(a, b, clear=1)
        ],
        "names over another town's marker": [
            a["text"]
            for i, a in enumerate(towns)
            for j, mark in enumerate(m["markers"])
            if i != j and overlap(a, mark)
        ],
    }
    return {problem: what for problem, what in found.items() if what}


def measured(browser, server_url: str, path: str, lang: str) -> dict:
    joiner = "&" if "?" in path else "?"
    browser.get(f"{server_url}{path}{joiner}lang={lang}")
    settle(browser)
    return wait_for(lambda: browser.execute_script(MEASURE, MAPS[path]))


def bare(text: str) -> str:
    """A text without spaces or bidi marks: an annotation's wrapped lines read as one in the DOM."""
    return re.sub(r"[\s\u2066-\u2069]", "", text)


@pytest.mark.parametrize("path", list(MAPS))
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_in_a_meeting_room_the_map_fills_its_panel_and_reads_at_a_glance(
    browser, server_url, path, lang, artifacts
):
    sized(browser, 1440, 1000)
    try:
        m = measured(browser, server_url, path, lang)
        browser.save_screenshot(
            str(artifacts / f"map-{lang}-{path.strip('/?').replace('=', '-') or 'national'}.png")
        )
    finally:
        unsized(browser)
    panel, shapes = m["panel"], m["shapes"]
    fill = max(
        (shapes["r"] - shapes["l"]) / (panel["r"] - panel["l"]),
        (shapes["b"] - shapes["t"]) / (panel["b"] - panel["t"]),
    )
    assert fill >= 0.8, f"the shapes fill {fill:.0%} of the panel"
    assert len(m["towns"]) >= 5 and m["title"] and m["toolbar"]
    assert read_at_a_glance(m) == {}
    # The scale bar: a round number of km in the page's language.
    unit = t("map_scale", lang, km="").strip()
    assert len(m["scale"]) == 1 and re.fullmatch(r"\d+" + re.escape(unit), bare(m["scale"][0]["text"]))
    # HCP, whose census every one of these figures is computed from, is credited on the map.
    assert bare(i18n.text("report.credit_hcp_short", lang)) in bare(m["source"]["text"])
    # The legend and the source sit beside the shapes, at the side the page reads from.
    assert not overlap(m["legend"], shapes) and not overlap(m["source"], shapes)
    side = "r" if i18n.is_rtl(lang) else "l"
    assert (m["legend"]["l"] >= shapes["r"]) if side == "r" else (m["legend"]["r"] <= shapes["l"])


@pytest.mark.parametrize("path", list(MAPS))
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_on_a_phone_the_map_takes_the_width_under_its_title_and_its_names_stay_apart(
    browser, server_url, path, lang, artifacts
):
    """On a phone the legend reads under the map: the shapes take the whole width (centred, no empty legend
    column beside them), the title is wrapped under the toolbar, and the names are placed for that map."""
    sized(browser, 390, 844, mobile=True)
    try:
        m = measured(browser, server_url, path, lang)
        browser.save_screenshot(
            str(artifacts / f"map-phone-{lang}-{path.strip('/?').replace('=', '-') or 'national'}.png")
        )
    finally:
        unsized(browser)
    assert len(m["towns"]) >= 5 and m["title"] and m["toolbar"]
    assert read_at_a_glance(m) == {}
    panel, shapes = m["panel"], m["shapes"]
    assert (shapes["r"] - shapes["l"]) / (panel["r"] - panel["l"]) >= 0.7
    off_centre = (shapes["l"] + shapes["r"]) / 2 - (panel["l"] + panel["r"]) / 2
    assert abs(off_centre) < 4, f"the shapes sit {off_centre:+.0f} px off the page's centre"


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_on_a_phone_a_new_indicator_keeps_the_phone_form_and_turning_the_phone_redraws_it(
    browser, server_url, lang
):
    """A change of indicator patches the figure (its title among what changes): the new title is wrapped
    under the toolbar too. Turned sideways past 600 px the map gets its legend column back; turned back,
    its phone form."""
    from selenium.webdriver.common.by import By

    sized(browser, 390, 844, mobile=True)
    try:
        before = measured(browser, server_url, "/", lang)
        browser.find_element(By.CSS_SELECTOR, ".foldable .controls-toggle").click()
        shared.choose(browser, "indicator", "2014", "2014")
        settle(browser)
        after = wait_for(
            lambda: (m := browser.execute_script(MEASURE, MAPS["/"])) and m["title"] != before["title"] and m
        )
        assert not overlap(after["title"], after["toolbar"])
        assert after["panel"]["l"] <= after["title"]["l"] and after["title"]["r"] <= after["panel"]["r"]
        sized(browser, 844, 390, mobile=True)
        side = "r" if i18n.is_rtl(lang) else "l"

        def beside() -> bool:
            """The legend back in its column, the shapes redrawn clear of it at the new width."""
            m = browser.execute_script(MEASURE, MAPS["/"])
            if not m or not m["legend"]["r"] or m["panel"]["r"] - m["panel"]["l"] < 600:
                return False
            legend, shapes = m["legend"], m["shapes"]
            return legend["l"] >= shapes["r"] if side == "r" else legend["r"] <= shapes["l"]

        assert wait_for(beside, timeout=20)
        sized(browser, 390, 844, mobile=True)
        back = wait_for(
            lambda: (m := browser.execute_script(MEASURE, MAPS["/"])) and m["legend"]["r"] == 0 and m
        )
        off_centre = (back["shapes"]["l"] + back["shapes"]["r"]) / 2 - (
            back["panel"]["l"] + back["panel"]["r"]
        ) / 2
        assert abs(off_centre) < 4
    finally:
        unsized(browser)
