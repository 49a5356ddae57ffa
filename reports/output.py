"""Writing a report to a file: the name it gets by default, and a write a reader never sees half done."""

from __future__ import annotations

from pathlib import Path


def default_name(level: str, code: str, lang: str, fmt: str) -> str:
    return f"rapport-{level}-{code}-{lang}.{fmt}"


def write_report(*, level: str, code: str, lang: str, fmt: str, db: str | None, plan: str | None, output: Path) -> Path:
    """Gather, render and write one report; returns the path written."""
    from observatory.settings import get_settings

    from .content import gather
    from .render import render

    content = gather(level=level, code=code, lang=lang, db=get_settings(db=db).db, plan=plan)
    data = render(content, fmt)
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(f".{output.name}.part")
    partial.write_bytes(data)
    partial.replace(output)  # a reader never sees half a PDF
    return output
