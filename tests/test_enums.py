"""
The shared names (`observatory.enums`) have one owner: every table keyed by them covers them exactly,
every surface accepts them all, and no module types a whole enumeration out again.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from observatory import classify, enums, index, registry
from observatory.api.app import ROUTES
from observatory.dashboards.i18n import strings
from observatory.dashboards.state import parse
from observatory.reports.i18n import STATUS_TEXT, TEXT

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("observatory", "etl", "dashboards", "reports")


def test_the_library_tables_are_keyed_by_the_enumerations():
    assert tuple(index.LENSES) == enums.LENSES
    assert all(name == lens.name for name, lens in index.LENSES.items())
    assert tuple(classify.SCHEMES) == enums.SCHEMES
    assert tuple(registry.DIMENSION_LABELS) == enums.DIMENSIONS
    assert enums.DEFAULT_LENS in enums.LENSES and enums.DEFAULT_SCHEME in enums.SCHEMES
    assert set(enums.ESTIMATED_STATUSES) <= set(enums.STATUSES) and set(enums.MAP_LEVELS) <= set(enums.LEVELS)


def _accepted(path: str, name: str) -> tuple:
    (route,) = [r for r in ROUTES if r.path == path and r.method == "GET"]
    (param,) = [p for p in route.params if p.name == name]
    return param.enum


def test_the_api_accepts_what_the_library_accepts():
    assert _accepted("/index", "lens") == enums.LENSES
    assert _accepted("/index", "level") == enums.MAP_LEVELS
    assert _accepted("/index", "lang") == enums.LANGUAGES
    assert _accepted("/units/<level>", "level") == enums.VALUE_LEVELS
    assert _accepted("/values", "level") == enums.VALUE_LEVELS
    assert _accepted("/values", "status") == tuple(enums.STATUSES)
    assert _accepted("/values", "sex") == enums.SEXES and _accepted("/values", "area") == enums.AREAS


def test_the_app_offers_every_level_scheme_and_language():
    for level in enums.MAP_LEVELS:
        assert parse(f"?level={level}")["level"] == level
    for scheme in enums.SCHEMES:
        assert parse(f"?scheme={scheme}")["scheme"] == scheme
    for lang in enums.LANGUAGES:
        assert parse(f"?lang={lang}")["lang"] == lang


@pytest.mark.parametrize("lang", enums.LANGUAGES)
def test_every_language_names_every_level_scheme_and_status(lang):
    """The app's JSON strings and the reports' words: a name added to an enumeration needs its words."""
    app = strings(lang)
    missing = [
        k
        for k in (
            *(f"level_{x}" for x in enums.MAP_LEVELS),
            *(f"scheme_{x}" for x in enums.SCHEMES),
            *(f"status_{x}" for x in enums.ESTIMATED_STATUSES),
        )
        if k not in app
    ]
    assert missing == []
    assert all(f"level_{x}" in TEXT[lang] for x in enums.LEVELS)
    assert set(STATUS_TEXT[lang]) == set(enums.STATUSES)
    assert set(TEXT) == set(STATUS_TEXT) == set(enums.LANGUAGES)


def _retyped(tree: ast.AST, whole: dict[str, frozenset[str]]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, (ast.Tuple, ast.List, ast.Set))
            and node.elts
            and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts)
        ):
            values = frozenset(e.value for e in node.elts)  # type: ignore[attr-defined]
            found += [(node.lineno, name) for name, members in whole.items() if values == members]
    return found


def test_no_module_types_an_enumeration_again():
    """A literal holding every member of an enumeration (three or more names) is a second copy."""
    whole = {
        name: frozenset(value)
        for name, value in vars(enums).items()
        if name.isupper() and isinstance(value, (tuple, dict)) and len(value) >= 3
    }
    assert _retyped(ast.parse('x = ("fr", "ar", "en")'), whole) == [(1, "LANGUAGES")]
    copies = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path == ROOT / "observatory" / "enums.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            copies += [
                f"{path.relative_to(ROOT)}:{line} retypes {name}" for line, name in _retyped(tree, whole)
            ]
    assert copies == []
