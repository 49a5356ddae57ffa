"""
The command line's words: every message it prints for a person is the catalogue's `cli.<name>`, in the
language of the `cli_lang` setting (`OBSERVATORY_CLI_LANG`, English by default: scripts and the docs
read its English lines). What it prints for scripts (ids, CSV, tables of codes) is the same in every
language.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from .. import i18n
from ..errors import ObservatoryError
from ..settings import Settings, get_settings

#: The command line's language when the settings cannot be read (a malformed OBSERVATORY_* variable).
DEFAULT_LANG = str(next(f.default for f in fields(Settings) if f.name == "cli_lang"))


def language() -> str:
    """The language the command line speaks: the `cli_lang` setting."""
    return get_settings().cli_lang


def text(msgid: str, **values: Any) -> str:
    """The catalogue's message `msgid` (a `cli.*` id) in the command line's language, fields filled."""
    return i18n.text(msgid, language(), **values)


def error_line(error: BaseException) -> str:
    """An error as the command line reports it; in the default language when the error is in the
    settings the language comes from. An error that says itself in every language (`message(lang)`: a
    refused review, an infeasible plan, a broken review log) speaks the command line's."""
    try:
        message = getattr(error, "message", None)
        return text("cli.error", error=message(language()) if callable(message) else error)
    except (ObservatoryError, ValueError):
        return i18n.text("cli.error", DEFAULT_LANG, error=error)
