"""
Progress bars for the long steps of a build, a load or a plan: drawn on stderr with rich, and only when
stderr is a terminal, so that a piped or scripted run prints its results and nothing else.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID


class Steps:
    """A task of a progress display: `advance` after each step, `describe` the step under way. This one
    draws nothing: nobody sees it."""

    def advance(self, steps: float = 1) -> None:
        """Count `steps` more steps done."""

    def describe(self, text: str) -> None:
        """Name the step under way."""


@dataclass
class _Drawn(Steps):
    """Steps drawn by rich on a terminal."""

    progress: Progress
    task: TaskID

    def advance(self, steps: float = 1) -> None:
        self.progress.advance(self.task, steps)

    def describe(self, text: str) -> None:
        self.progress.update(self.task, description=text)


def interactive() -> bool:
    """Whether stderr is a terminal a progress bar can redraw."""
    from rich.console import Console

    return Console(stderr=True).is_terminal


@contextlib.contextmanager
def steps(description: str, *, total: float | None = None, enabled: bool = True) -> Iterator[Steps]:
    """
    A progress bar of `total` steps (a spinner when the total is unknown) on stderr, removed when done;
    nothing at all when `enabled` is false or stderr is not a terminal (then rich is not even imported: 30 ms
    of CPU a scripted command does not need).
    """
    if not (enabled and sys.stderr.isatty()):
        yield Steps()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    console = Console(stderr=True)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        yield _Drawn(bar, bar.add_task(description, total=total))
