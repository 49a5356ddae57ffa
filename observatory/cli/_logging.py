"""The command line's log: the library's and the ETL's `observatory.*` loggers, drawn on stderr by rich."""

from __future__ import annotations

import logging

from ._words import text

#: `-v` shows what each step read, kept and quarantined (INFO); `-vv` adds the details (DEBUG).
VERBOSITY = {1: "INFO", 2: "DEBUG"}


class _RichOnFirstRecord(logging.Handler):
    """rich's log handler, made when the first record comes: importing rich cost every command 30 ms of
    CPU, and at the default level most commands log nothing."""

    def __init__(self) -> None:
        super().__init__()
        self._rich: logging.Handler | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self._rich is None:
            from rich.console import Console
            from rich.logging import RichHandler

            self._rich = RichHandler(
                console=Console(stderr=True), show_path=False, markup=False, log_time_format="[%X]"
            )
        self._rich.emit(record)


def configure(*, verbose: int, default: str) -> None:
    """Log the `observatory` loggers to stderr at INFO for `-v`, DEBUG for `-vv`, otherwise at `default`
    (the `log_level` setting, `OBSERVATORY_LOG_LEVEL`). Called again (tests invoke the command many
    times), it replaces its handler instead of adding one."""
    level = VERBOSITY[min(verbose, 2)] if verbose else default.upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(text("cli.log_level", level=repr(default)))
    logger = logging.getLogger("observatory")
    for handler in [h for h in logger.handlers if isinstance(h, _RichOnFirstRecord)]:
        logger.removeHandler(handler)
    logger.addHandler(_RichOnFirstRecord())
    logger.setLevel(level)
