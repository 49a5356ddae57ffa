"""
Writing a report to a file: the format its name asks for, a target checked before any rendering
(rendering a région takes seconds; a typo in a folder name should cost none), and a write a reader
never sees half done and that leaves nothing behind when it fails.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from observatory.errors import ObservatoryError

#: Report formats, each also the file extension that asks for it.
FORMATS = ("pdf", "html", "xlsx", "docx")
DEFAULT_FORMAT = "pdf"


class ReportOutputError(ObservatoryError, ValueError):
    """The output path or format of a report cannot be honoured (said in one line, before rendering)."""


def default_name(level: str, code: str, lang: str, fmt: str) -> str:
    return f"rapport-{level}-{code}-{lang}.{fmt}"


def resolve_format(output: Path | None, fmt: str | None) -> str:
    """
    The format to write: the one given, else the one the output's extension names, else PDF. A
    format that contradicts the extension, or an extension that names no format, is refused.
    """
    if fmt is not None and fmt not in FORMATS:
        raise ReportOutputError(f"unknown report format {fmt!r}; valid: {', '.join(FORMATS)}")
    if output is None or output.is_dir():
        return fmt or DEFAULT_FORMAT
    suffix = output.suffix.lower().lstrip(".")
    if suffix in FORMATS:
        if fmt is not None and fmt != suffix:
            raise ReportOutputError(
                f"--format {fmt} contradicts the output name {output.name!r}; name it .{fmt} or drop --format"
            )
        return suffix
    if fmt is None:
        raise ReportOutputError(
            f"cannot tell the format from {output.name!r}; name it "
            f"{' or '.join('.' + f for f in FORMATS)}, or give --format"
        )
    raise ReportOutputError(
        f"the output name {output.name!r} does not end in .{fmt}; name it "
        f"{output.with_suffix('.' + fmt).name!r}"
    )


def check_directory(directory: Path, *, mkdir: bool = False) -> None:
    """Refuse a folder that is missing (unless `mkdir` creates it), not a folder, or not writable."""
    if not directory.exists():
        if not mkdir:
            raise ReportOutputError(f"folder {str(directory)!r} does not exist; create it or pass --mkdir")
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise ReportOutputError(f"cannot create folder {str(directory)!r}: {err.strerror}") from err
    if not directory.is_dir():
        raise ReportOutputError(f"{str(directory)!r} is not a folder")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ReportOutputError(f"folder {str(directory)!r} is not writable")


def check_target(output: Path, *, mkdir: bool = False) -> None:
    """Refuse, before rendering, an output that is a folder or that could not be written."""
    if output.is_dir():
        raise ReportOutputError(
            f"{str(output)!r} is a folder; give a file name such as "
            f"{str(output / default_name('region', '08', 'fr', DEFAULT_FORMAT))!r}"
        )
    check_directory(output.parent if str(output.parent) else Path("."), mkdir=mkdir)
    if output.exists() and not os.access(output, os.W_OK):
        raise ReportOutputError(f"{str(output)!r} exists and is not writable")
    # Permissions do not say everything (a superuser passes `os.access`, /proc refuses files): the hidden
    # `.part` file the report is written through is created and removed now, before any rendering.
    trial = output.with_name(f".{output.name}.part")
    try:
        trial.open("xb").close()
    except FileExistsError:
        pass
    except OSError as err:
        raise ReportOutputError(f"cannot write {str(output)!r}: {err.strerror}") from err
    else:
        trial.unlink(missing_ok=True)


def write_atomically(output: Path, data: bytes) -> Path:
    """Write through a hidden `.part` file renamed into place; on any failure the `.part` is removed."""
    partial = output.with_name(f".{output.name}.part")
    try:
        partial.write_bytes(data)
        partial.replace(output)  # a reader never sees half a PDF
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return output


def report_bytes(
    *, level: str, code: str, lang: str, fmt: str, plan: str | None = None, db: Any = None
) -> bytes:
    """One report rendered in memory (what the API's report route sends)."""
    from .content import gather
    from .render import render

    if fmt not in FORMATS:
        raise ReportOutputError(f"unknown report format {fmt!r}; valid: {', '.join(FORMATS)}")
    return render(gather(level=level, code=code, lang=lang, db=db, plan=plan), fmt)


def served_report(*, db: Any, **request: Any) -> bytes:
    """One report for the API: the renderer warmed first (`render.warm`, waited for if under way)."""
    from .render import warm

    warm()
    return report_bytes(db=db, **request)


def reporter(db: Any) -> Callable[..., bytes]:
    """The report maker over one database, for the API (`observatory serve` hands it over). It starts
    warming the renderer in the background: a new server's first report spent a second of CPU more
    than the next one, importing and loading fonts."""
    import threading

    from .render import warm

    threading.Thread(target=warm, name="report-warm-up", daemon=True).start()
    return partial(served_report, db=db)


def write_report(
    *,
    level: str,
    code: str,
    lang: str,
    fmt: str,
    db: str | None,
    plan: str | None,
    output: Path,
    mkdir: bool = False,
) -> Path:
    """Check the target, gather, render and write one report; returns the path written."""
    from observatory.settings import get_settings

    check_target(output, mkdir=mkdir)
    data = report_bytes(level=level, code=code, lang=lang, fmt=fmt, plan=plan, db=get_settings(db=db).db)
    return write_atomically(output, data)
