"""
One catalogue of words (`observatory.i18n`): every message in every language with the same fields, the
code asks only for messages that exist, and a fourth language is a catalogue plus one entry of the
language list. A pseudo-language made at test time from French, every fixed part of every message
wrapped in ⟦…⟧, shows what a page or a report prints that did not come from the catalogue.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po

from observatory import enums, i18n, province_seats
from observatory.dashboards.state import PALETTES
from observatory.errors import UnknownNameError
from observatory.formatting import NOUNS, counted, number
from observatory.method_summary import SECTIONS

ROOT = Path(__file__).resolve().parent.parent
PSEUDO = "qps"
OPEN, CLOSE = "⟦", "⟧"
_FIELD = re.compile(r"\{\w+[^{}]*\}")


# -- the catalogue --------------------------------------------------------------------------------
def test_every_language_holds_every_message_with_the_same_fields():
    base = i18n.catalogue(enums.DEFAULT_LANGUAGE)
    assert len(base) > 500
    for lang in i18n.languages():
        messages = i18n.catalogue(lang)
        assert set(messages) == set(base), (lang, sorted(set(messages) ^ set(base))[:10])
        for msgid, found in messages.items():
            assert found and (isinstance(found, str) == isinstance(base[msgid], str)), (lang, msgid)
            if isinstance(found, str):
                assert i18n.fields(found) == i18n.fields(str(base[msgid])), (lang, msgid, found)
            else:
                assert len(found) == len(i18n.plural_categories(lang)) and all(found), (lang, msgid)


def test_one_name_per_status_and_the_names_chosen():
    assert [i18n.text(f"status.{s}", "fr") for s in ("forecast", "derived", "modelled")] == [
        "projeté",
        "calculé",
        "estimé",
    ]
    assert (
        i18n.text("status.derived", "en") == "computed" and i18n.text("status.forecast", "en") == "projected"
    )
    assert i18n.text("status.measured", "ar") == "مقيس"
    for lang in i18n.languages():
        assert {m.split(".")[1] for m in i18n.msgids(lang, "status.")} == set(enums.STATUSES)
        assert {m.split(".")[1] for m in i18n.msgids(lang, "review.")} == set(enums.PLAN_REVIEW_STATUSES)
        assert {m.split(".")[1] for m in i18n.msgids(lang, "language.")} >= set(enums.LOCAL_LANGUAGES)


def test_the_app_and_the_reports_say_a_status_the_same_way():
    from observatory.dashboards.i18n import t
    from observatory.reports.i18n import REVIEW_TEXT, STATUS_TEXT, words

    for lang in i18n.languages():
        assert all(t(f"status_{s}", lang) == STATUS_TEXT[lang][s] for s in enums.STATUSES)
        assert all(t(f"review_{s}", lang) == REVIEW_TEXT[lang][s] for s in enums.PLAN_REVIEW_STATUSES)
        assert t("baseline_top_need", lang) == words(lang)["baseline_top_need"]
        assert t("unit_points", lang) == words(lang)["points"]


def test_right_to_left_is_one_setting_of_the_language_list():
    assert [x.code for x in enums.LANGUAGE_LIST] == list(enums.LANGUAGES) == list(i18n.languages())
    assert [i18n.is_rtl(lang) for lang in i18n.languages()] == [False, True, False]
    assert i18n.direction("ar") == "rtl"


def test_a_missing_message_or_language_says_which():
    with pytest.raises(i18n.MissingMessageError, match=r"'ar' catalogue has no message 'app\.no_such_words'"):
        i18n.text("app.no_such_words", "ar")
    with pytest.raises(UnknownNameError, match="unknown language .de."):
        i18n.text("status.forecast", "de")


def _asked_for() -> Iterator[tuple[Path, str]]:
    """Message ids the code names as literals: `i18n.text("...")`, `plural("...")`, the app's `t("...")`."""
    for folder in ("observatory", "dashboards", "reports", "etl"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.is_symlink() or any(p.is_symlink() for p in path.parents if ROOT in p.parents):
                continue
            source = path.read_text(encoding="utf-8")
            for found in re.findall(r'\b(?:text|plural|plural_forms|has)\(\s*"([a-z_]+\.[\w.]+)"', source):
                yield path, found
            if folder == "dashboards":
                for key in re.findall(r'\bt\("([a-z0-9_]+)"', source):
                    from observatory.dashboards.i18n import msgid

                    yield path, msgid(key)


def test_every_message_the_code_asks_for_exists():
    asked = list(_asked_for())
    assert len(asked) > 150
    missing = sorted({(str(p.relative_to(ROOT)), m) for p, m in asked if m not in i18n.catalogue("fr")})
    assert missing == []


# -- a fourth language ----------------------------------------------------------------------------
def _wrapped(message: str) -> str:
    """A French message with each fixed part wrapped, its fields left outside so values show."""
    parts = _FIELD.split(message)
    fields = _FIELD.findall(message)
    out = "".join(f"{OPEN}{part}{CLOSE}{field}" for part, field in zip(parts, [*fields, ""], strict=True))
    return out.replace(f"{OPEN}{CLOSE}", "")


@pytest.fixture()
def pseudo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A pseudo-language registered as a new one would be: its catalogue and one language-list entry."""
    locales = tmp_path / "locales"
    for lang in i18n.languages():
        (locales / lang).mkdir(parents=True)
        (locales / lang / "LC_MESSAGES").symlink_to(i18n.catalogue_path(lang).parent)
    catalogue = Catalog(locale="fr_MA", domain=i18n.DOMAIN, fuzzy=False)
    for msgid, found in i18n.catalogue("fr").items():
        if isinstance(found, str):
            catalogue.add(msgid, _wrapped(found))
        else:
            catalogue.add((msgid, msgid), tuple(_wrapped(x) for x in found))
    target = locales / PSEUDO / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    target.parent.mkdir(parents=True)
    with target.open("wb") as file:
        write_po(file, catalogue)
    monkeypatch.setattr(i18n, "LOCALES", locales)
    monkeypatch.setattr(enums, "LANGUAGE_LIST", (*enums.LANGUAGE_LIST, enums.Language(PSEUDO, "fr_MA")))
    i18n.catalogue.cache_clear()
    yield PSEUDO
    i18n.catalogue.cache_clear()


def leftovers(text: str) -> str:
    """What a text says outside the catalogue's wrapped parts and the known tables' marked words, data
    (numbers, signs) aside."""
    bare = re.sub(f"{OPEN}[^{OPEN}{CLOSE}]*{CLOSE}|⟪[^⟪⟫]*⟫", " ", text)
    return re.sub(r"[\W\d_]+", " ", bare).strip()


def test_a_fourth_language_is_a_catalogue_and_one_list_entry(pseudo):
    assert pseudo in i18n.languages() and i18n.direction(pseudo) == "ltr"
    assert i18n.text("status.forecast", pseudo) == "⟦projeté⟧"
    scope = i18n.text("report.plan_scope", pseudo, sites="3", radius="15", share="4,1 %", reached="41 %")
    assert leftovers(scope) == ""
    assert (
        leftovers(counted(3, NOUNS["site"][pseudo], pseudo)) == ""
        and number(1234.5, pseudo) == "1\u202f234,5"
    )
    from observatory.reports.i18n import STATUS_TEXT, language_list

    assert STATUS_TEXT[pseudo]["derived"] == "⟦calculé⟧"
    assert leftovers(language_list(["darija", "tachelhit"], pseudo)) == ""


#: Tables of words per language ({fr, ar, en}) left in the code instead of the catalogue: none, and a new
#: one fails the test below.
KNOWN_LANGUAGE_TABLES: set[tuple[str, str]] = set()
FOREIGN_OPEN, FOREIGN_CLOSE = "⟪", "⟫"


def _keyed_by_language(value: Any) -> bool:
    if not isinstance(value, dict) or not value:
        return False
    inner = next(iter(value.values()))
    return set(value) == set(enums.LANGUAGES) or (
        isinstance(inner, dict) and set(inner) == set(enums.LANGUAGES)
    )


def _core_modules() -> Iterator[Any]:
    """Every module of every layer but the command line (it prints through the others)."""
    import importlib

    for folder in ("observatory", "etl", "dashboards", "reports"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if folder == "observatory" and parts[0] in ("cli", "etl", "dashboards", "reports", "locales"):
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            prefix = "observatory" if folder == "observatory" else f"observatory.{folder}"
            yield importlib.import_module(".".join((prefix, *parts)))


def _defines(module: Any, name: str) -> bool:
    """True when `module` assigns `name` itself (a table imported from another module is that one's)."""
    import inspect

    return re.search(rf"^{name}\b[^=\n]*=", inspect.getsource(module), re.M) is not None


def test_the_core_s_tables_of_words_by_language_are_only_the_known_ones():
    found = {
        (m.__name__, name)
        for m in _core_modules()
        for name, v in vars(m).items()
        if _keyed_by_language(v) and _defines(m, name)
    }
    assert found == KNOWN_LANGUAGE_TABLES


def _reach_the_known_tables(lang: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Let a language added at run time through the modules that took the language list at import (a
    language added to `LANGUAGE_LIST` is in it from the start), and mark in French ⟪…⟫ what is data
    stored per language, so what they print is told apart from the catalogue's words."""
    import sys

    from observatory import registry, results

    for module in [m for name, m in sys.modules.items() if name.startswith("observatory")]:
        if getattr(module, "LANGUAGES", None) == enums.LANGUAGES[:3] and module is not results:
            monkeypatch.setattr(module, "LANGUAGES", i18n.languages())
    # A census field's label is HCP's heading, data (observatory/data/census_labels.json): said in French.
    label = registry.Indicator.label
    monkeypatch.setattr(
        registry.Indicator,
        "label",
        lambda self, lang="fr": label(self, lang if self.curated or lang in "fr ar en" else "fr"),
    )
    # The index's explanations are stored per language (columns explanation_fr/ar/en): the French marked.
    index, explain = results.fragility_index, results.explanation

    def fragility_index(*args: Any, lang: str | None = None, **kwargs: Any) -> Any:
        if lang is None or lang in enums.LANGUAGES[:3]:
            return index(*args, lang=lang, **kwargs)
        frame = index(*args, lang="fr", **kwargs)
        return frame.assign(explanation=frame["explanation"].map(_foreign))

    monkeypatch.setattr(results, "fragility_index", fragility_index)
    pick = results.in_language  # a report picks the language from the index it has already read

    def in_language(frame: Any, lang: str | None) -> Any:
        if lang is None or lang in enums.LANGUAGES[:3]:
            return pick(frame, lang)
        picked = pick(frame, "fr")
        return picked.assign(explanation=picked["explanation"].map(_foreign))

    monkeypatch.setattr(results, "in_language", in_language)
    monkeypatch.setattr(results, "_lang_check", i18n.language)
    monkeypatch.setattr(
        results, "explanation", lambda *a, lang="en", **k: _foreign(explain(*a, lang="fr", **k))
    )


def _foreign(value: Any) -> Any:
    if isinstance(value, str):
        return f"{FOREIGN_OPEN}{value}{FOREIGN_CLOSE}"
    if isinstance(value, dict):
        return {k: _foreign(v) for k, v in value.items()}
    return value


def _unmarked(text: str) -> str:
    return re.sub(r"<[^>]*>", " ", text)


def _texts(component: Any) -> Iterator[str]:
    """Every text a Dash component tree shows: children, titles, placeholders, labels, marks."""
    if isinstance(component, str):
        yield component
        return
    if isinstance(component, (list, tuple)):
        for child in component:
            yield from _texts(child)
        return
    if not hasattr(component, "to_plotly_json"):
        return
    props = component.to_plotly_json().get("props", {})
    for key, value in props.items():
        if key == "children":
            yield from _texts(value)
        elif key in ("title", "placeholder", "alt", "aria-label", "label") or key.startswith("data-"):
            if isinstance(value, str):
                yield value
        elif key == "options" and isinstance(value, list):
            yield from (o["label"] for o in value if isinstance(o, dict) and isinstance(o.get("label"), str))
        elif key == "marks" and isinstance(value, dict):
            yield from (m for m in value.values() if isinstance(m, str))
        elif key == "figure" and isinstance(value, dict):
            layout = value.get("layout", {})
            title = layout.get("title")
            # Plotly's markup (<b>, <br>, a swatch's <span style=...>) is not words a reader sees.
            yield from [_unmarked(title.get("text", ""))] if isinstance(title, dict) else []
            yield from (_unmarked(a.get("text", "")) for a in layout.get("annotations", []))
        elif hasattr(value, "to_plotly_json") or isinstance(value, list):
            yield from _texts(value)


def _data_words(data: Any) -> list[str]:
    """Words a page shows that are data, not UI: place names as HCP publishes them, indicator labels."""
    from observatory import registry

    names: set[str] = set()
    for level in enums.MAP_LEVELS:
        units = data.db.read(level, columns=["name_fr", "name_ar"])
        names |= {str(x) for x in units["name_fr"]} | {str(x) for x in units["name_ar"] if isinstance(x, str)}
    names |= {i.label("fr") for i in registry.CURATED}
    names |= set(data.db.read("model_card")["card_markdown"].dropna())  # stored in English, shown as stored
    names |= set(data.db.read("ground_control", columns=["name"])["name"].dropna())  # GeoNames' towns
    stored = data.db.read("indicator")
    for column in (
        "indicator_id",
        "label_fr",
        "label_en",
        "topic",
        "source_id",
        "heading",
        "definition",
        "note",
    ):
        names |= {str(x) for x in stored[column].dropna()}
    plans = data.db.read(
        "plan", columns=["plan_id", "name"]
    )  # a stored plan's id and its author's name for it
    names |= {str(x) for x in [*plans["plan_id"], *plans["name"]]}
    sources = data.db.read("source")
    for column in sources.columns:
        names |= {x for x in sources[column].dropna() if isinstance(x, str)}
    names.add(province_seats.SOURCE_ID)  # the library's table of seats, cited as a source
    return sorted(names, key=len, reverse=True)


#: Texts the app's pages show in a fourth language that are neither the catalogue's nor data: the list may
#: only shrink. Formats' and codes' names are data.
KNOWN_APP_LITERALS: set[str] = set()
#: Data a page shows as it is: formats', licences' and lenses' names, codes, links, hashes and times.
DATA_WORDS = (
    *("CSV", "GeoJSON", "GEOJSON", "GPKG", "XLSX", "CC BY", "ODbL", "build", PSEUDO),
    *(
        *enums.LENSES,
        *enums.LEVELS,
        *enums.STATUSES,
        *enums.DIMENSIONS,
        *enums.SEXES,
        *enums.AREAS,
        *PALETTES,
    ),
)
DATA = re.compile(
    r"https?://\S+|(?i:sha)-?256(?:\W*[0-9a-f]+)?|\b[0-9a-f]{7,}\b|\b\w*\d{4}-?\d\d-?\d\dT[\d:.]+Z?|[\w/-]*/[\w/.-]+|\b[\w/]+\.md\b"
    r"|\b[a-z]+(?:_[a-z0-9]+)+\b"
)
#: Pages a fourth language cannot draw yet, and the code that stops it (the module and function, in
#: files others are moving now, or data stored per language: the index's explanations are columns
#: `explanation_fr/ar/en`). The list may only shrink.
KNOWN_BLOCKERS: dict[str, str] = {}


def _blocker(error: BaseException) -> str:
    """The innermost frame of the project's code where a page stopped."""
    import traceback

    frames = [
        f for f in traceback.extract_tb(error.__traceback__) if str(ROOT) in str(Path(f.filename).resolve())
    ]
    where = frames[-1]
    return f"{Path(where.filename).resolve().relative_to(ROOT)}:{where.name}"


@pytest.mark.parametrize("path", ["/", "/index", "/data", "/planner", "/commune"])
def test_a_page_in_a_fourth_language_shows_only_catalogue_words(pseudo, data, monkeypatch, path):
    from observatory.dashboards import state
    from observatory.dashboards.pages import load_pages

    monkeypatch.setitem(state._CHOICES, "lang", i18n.languages())
    _reach_the_known_tables(pseudo, monkeypatch)
    page = {p.path: p for p in load_pages().values()}[path]
    extra = {"code": "08.201.01.05"} if path == "/commune" else {}
    try:
        shown = list(_texts(page.layout(data, {**state.DEFAULTS, "lang": pseudo, **extra})))
    except (KeyError, LookupError) as error:
        assert _blocker(error) == KNOWN_BLOCKERS.get(path), error
        return
    assert path not in KNOWN_BLOCKERS, "the page draws now: take it off KNOWN_BLOCKERS"
    assert len(shown) > 10
    left = _left(shown, [*_data_words(data), *DATA_WORDS])
    assert left <= KNOWN_APP_LITERALS, sorted(left - KNOWN_APP_LITERALS)


def test_the_app_s_frame_in_a_fourth_language_links_every_language(pseudo, data, monkeypatch):
    """The header, navigation and footer say the catalogue's words, and each language of the list has
    its link, named as that language names itself."""
    from observatory.dashboards import ids, state
    from observatory.dashboards.app import shell
    from observatory.dashboards.pages import load_pages

    monkeypatch.setitem(state._CHOICES, "lang", i18n.languages())
    _reach_the_known_tables(pseudo, monkeypatch)
    shown = shell(load_pages(), data, "/data", f"?lang={pseudo}", default_lang="fr")
    skip_link, header, _main, footer = shown
    links = next(c for c in header.children if getattr(c, "id", None) == ids.LANG_LINKS).children
    names = [i18n.text("app.language_name", lang) for lang in i18n.languages()]
    assert [link.id for link in links] == [f"lang-{lang}" for lang in i18n.languages()]
    assert [link.children for link in links] == names and names[-1] == "⟦Français⟧"
    assert links[-1].href.endswith(f"lang={pseudo}") and links[-1].className == "active"
    frame = [s for s in _texts([skip_link, header, footer]) if s not in names[:-1]]
    assert len(frame) > 5 and _left(frame, list(DATA_WORDS)) == set()


def _strings(value: Any) -> Iterator[str]:
    """Every text a report's content holds, in its nested parts; its tables are data, their columns'
    codes said at drawing time."""
    import dataclasses

    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for inner in value.values():
            yield from _strings(inner)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            yield from _strings(inner)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name))


def _left(shown: list[str], known: list[str]) -> set[str]:
    """The words of `shown` that are neither the catalogue's, nor known tables', nor data."""
    left = set()
    for text in shown:
        rest = text
        for word in known:
            if word and word in rest:
                rest = re.sub(rf"(?<![\w/]){re.escape(word)}(?![\w/]|\.\w)", " ", rest)  # not inside a path
        rest = leftovers(DATA.sub(" ", rest))
        if rest:
            left.add(rest)
    return left


#: Words a report in a fourth language shows that are neither the catalogue's nor data (the list may only
#: shrink).
KNOWN_REPORT_LITERALS: set[str] = set()


def test_a_report_in_a_fourth_language_shows_only_catalogue_words(pseudo, built_db, data, monkeypatch):
    from observatory.reports.content import gather
    from observatory.reports.render import to_html

    _reach_the_known_tables(pseudo, monkeypatch)
    content = gather(level="province", code="08.201", lang=pseudo, db=built_db)
    # A report's parts are keyed by their sections' names (codes, not words).
    shown = [s for s in _strings(content) if s not in SECTIONS]
    assert len(shown) > 50
    left = _left(shown, [*_data_words(data), *DATA_WORDS])
    assert left <= KNOWN_REPORT_LITERALS, sorted(left - KNOWN_REPORT_LITERALS)[:40]
    html = to_html(content)
    assert 'dir="ltr"' in html and "⟦" in html
    markup = r"<style.*?</style>|<[^>]+>|data:image/[^\"']+"
    # A drawing's label wrapped over lines (`<br>`) is one text.
    drawn = unescape(re.sub(markup, "\n", html.replace("<br>", " "), flags=re.S)).split("\n")
    left = _left(drawn, [*_data_words(data), *DATA_WORDS])
    assert left <= KNOWN_REPORT_LITERALS, sorted(left - KNOWN_REPORT_LITERALS)[:40]
