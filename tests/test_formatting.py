"""Numbers as French, Arabic and English readers write them, and Arabic nouns that agree with their count."""

from __future__ import annotations

import pytest

from observatory.formatting import arabic_count_form, counted, integer, number, percent, signed


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
        (0, "other"),
    ],
)
def test_arabic_count_forms_follow_the_grammar(n, form):
    assert arabic_count_form(n) == form


def test_counted_nouns_agree():
    site = {"one": "موقع", "two": "موقعان", "few": "مواقع", "many": "موقعًا", "other": "موقع"}
    assert counted(3, site, "ar").endswith("مواقع") and counted(12, site, "ar").endswith("موقعًا")
    assert counted(1, {"one": "site", "other": "sites"}, "fr") == "1 site"
    assert counted(2, {"one": "site", "other": "sites"}, "en") == "2 sites"
