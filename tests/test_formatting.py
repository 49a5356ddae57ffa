"""
Numbers as French, Arabic and English readers write them, figures with their unit, and nouns that agree
with their count by CLDR's plural rules (Arabic has six forms).
"""

from __future__ import annotations

import pytest

from observatory import i18n
from observatory.formatting import NOUNS, counted, integer, number, percent, quantity, signed, unit_label


def test_french_uses_a_decimal_comma_and_thin_space_thousands():
    assert number(41.63, "fr") == "41,6"
    assert integer(1275428, "fr") == "1\u202f275\u202f428"
    assert percent(24.84, "fr") == "24,8\u202f%"


def test_english_uses_a_decimal_point_and_comma_thousands():
    assert (
        number(41.63, "en") == "41.6"
        and integer(1275428, "en") == "1,275,428"
        and percent(24.84, "en") == "24.8%"
    )


def test_arabic_digits_are_isolated_left_to_right():
    assert number(97687, "ar") == "\u206697\u202f687\u2069"


def test_a_rise_carries_its_sign_inside_the_arabic_isolate():
    # Errachidia's legal population, 92 374 (2014) to 97 687 (2024).
    assert signed(integer(5313, "ar"), 5313) == "\u2066+5\u202f313\u2069"
    assert signed(integer(5313, "fr"), 5313) == "+5\u202f313" and signed(number(-4.4, "en"), -4.4) == "-4.4"


@pytest.mark.parametrize("value", [None, float("nan"), "n/a"])
def test_a_missing_value_is_a_dash_never_nan(value):
    assert number(value, "fr") == "–" and percent(value, "en") == "–"


@pytest.mark.parametrize(
    ("n", "form"),
    [
        (1, "one"),
        (2, "two"),
        (3, "few"),
        (10, "few"),
        (11, "many"),
        (99, "many"),
        (100, "other"),
        (103, "few"),
        (111, "many"),
        (0, "zero"),
        (1_000_000, "other"),
    ],
)
def test_arabic_count_forms_follow_the_cldr_rules(n, form):
    assert i18n.plural_category(n, "ar") == form


def test_french_counts_zero_as_one_and_english_does_not():
    assert i18n.plural_category(0, "fr") == "one" and i18n.plural_category(0, "en") == "other"
    assert i18n.plural_categories("ar") == ("zero", "one", "two", "few", "many", "other")


def test_counted_nouns_agree():
    site = {"one": "موقع", "two": "موقعان", "few": "مواقع", "many": "موقعًا", "other": "موقع"}
    assert counted(3, site, "ar").endswith("مواقع") and counted(12, site, "ar").endswith("موقعًا")
    assert counted(1, {"one": "site", "other": "sites"}, "fr") == "1 site"
    assert counted(2, {"one": "site", "other": "sites"}, "en") == "2 sites"


@pytest.mark.parametrize(
    ("n", "lang", "text"),
    [
        (0, "ar", "0 موقع"),
        (1, "ar", "موقع واحد"),
        (2, "ar", "موقعان"),
        (3, "ar", "3 مواقع"),
        (11, "ar", "11 موقعًا"),
        (100, "ar", "100 موقع"),
        (0, "fr", "0 site"),
        (2, "fr", "2 sites"),
        (1, "en", "1 site"),
        (0, "en", "0 sites"),
    ],
)
def test_the_catalogue_s_nouns_agree_with_their_count(n, lang, text):
    assert counted(n, NOUNS["site"][lang], lang).replace("\u2066", "").replace("\u2069", "") == text


def test_a_figure_with_its_unit_is_written_once_for_every_surface():
    assert quantity(41.63, "percent", "fr") == "41,6\u202f%" and quantity(41.63, "percent", "en") == "41.6%"
    assert quantity(12.34, "km", "fr") == "12,3\u00a0km" and quantity(12.34, "km", "ar").endswith("كلم")
    assert quantity(1275428, "people", "fr") == "1\u202f275\u202f428"
    assert quantity(None, "km", "en") == "–" and quantity(3.0, "no such unit", "en") == "3.0"
    assert unit_label("percent", "fr") == "%" and unit_label("people", "fr") == ""
    assert "percent" not in quantity(41.6, "percent", "en")
