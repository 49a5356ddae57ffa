"""
Python's bytecode kept for the processes a benchmark starts, as an installed package has it (pip compiles
its modules when it installs them): on a machine that sets PYTHONDONTWRITEBYTECODE, as this one and CI
do, every process would otherwise compile the project's modules from source again (0.1 s of a report's
CPU). The bytecode goes to a folder of the benchmark's run, never into a checkout.
"""

from __future__ import annotations

import os
from pathlib import Path


def keep_bytecode(folder: Path) -> None:
    """Every process started from now on writes and reads its bytecode in `folder`."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(folder)
