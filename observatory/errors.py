"""The observatory's exceptions: each subclasses the built-in a caller would expect to catch."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


class ObservatoryError(Exception):
    """Base class, so a caller can catch everything the observatory raises on purpose."""


class ValidationError(ObservatoryError, ValueError):
    """Input that breaks a declared schema; `failures` lists every failing row, not just the first."""

    def __init__(self, message: str, *, failures: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.failures = failures or []


class PersonalDataError(ValidationError):
    """A file that holds person-level data, which law 09-08 keeps out of the observatory."""


class DatabaseNotFoundError(ObservatoryError, FileNotFoundError):
    """No built database where one was expected."""


class DatabaseLockedError(ObservatoryError, TimeoutError):
    """Another process held the database's writer lock for longer than the lock timeout."""


class DatabaseReadOnlyError(ObservatoryError, PermissionError):
    """A read-only database file, which a write must leave as its owner set it."""


class UnknownNameError(ObservatoryError, KeyError):
    """A name (indicator, level, scheme...) that a registry does not hold; the message lists the valid
    ones."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


def unknown_name(kind: str, name: object, valid: Iterable[str]) -> UnknownNameError:
    """An UnknownNameError that says what was asked and what exists."""
    import difflib

    choices = sorted(str(v) for v in valid)
    close = [c for c in choices if str(name).lower() in c.lower()][:8] or difflib.get_close_matches(
        str(name), choices, n=5
    )
    hint = f"; did you mean: {', '.join(close)}" if close else ""
    shown = ", ".join(choices[:30]) + (f", ... ({len(choices)} in all)" if len(choices) > 30 else "")
    return UnknownNameError(f"unknown {kind} {name!r}{hint}; valid: {shown}")
