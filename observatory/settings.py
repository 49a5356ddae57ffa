"""
Typed settings, each declared once as a field of `Settings`: its name, type, default, environment
variable and documentation. Precedence: an explicit argument, then the OBSERVATORY_* variable, then the
default.
"""

from __future__ import annotations

import os
import types
import typing
from dataclasses import MISSING, Field, dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

from .errors import unknown_name

#: The folder that holds the `observatory` package: a checkout's root, or site-packages once installed.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Where an installed observatory keeps its database (a checkout keeps it in `geodata/`).
APP_NAME = "observatory"


def is_checkout(root: Path | None = None) -> bool:
    """Whether the package runs from a checkout (its parent folder holds pyproject.toml and geodata/),
    not from an install in site-packages."""
    root = PROJECT_ROOT if root is None else root
    return (root / "pyproject.toml").is_file() and (root / "geodata").is_dir()


def default_db_path() -> Path:
    """`geodata/observatory.gpkg` in a checkout; the user's data folder (platformdirs) once installed,
    so that a build never writes into site-packages."""
    if is_checkout():
        return PROJECT_ROOT / "geodata" / "observatory.gpkg"
    import platformdirs

    return platformdirs.user_data_path(APP_NAME) / "observatory.gpkg"


def user_cache() -> Path:
    """The user's cache folder for what a process can make again but need not (`$XDG_CACHE_HOME/observatory`
    on Linux, platformdirs elsewhere): the Ookla tile grid, the report template's compiled code."""
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME)


def setting(
    default: Any = MISSING, *, env: str, doc: str, factory: Any = MISSING, secret: bool = False
) -> Any:
    """Declare a setting: its default (or a `factory` of it), the environment variable that overrides
    the default, and what it is for. A secret is never printed."""
    metadata = {"env": env, "doc": doc}
    if factory is not MISSING:
        return field(default_factory=factory, metadata=metadata, repr=not secret)
    return field(default=default, metadata=metadata, repr=not secret)


@dataclass(frozen=True, kw_only=True)
class Settings:
    """What the observatory needs to know about its environment (`describe()` lists every setting)."""

    db: str = setting(
        factory=lambda: str(default_db_path()),
        env="OBSERVATORY_DB",
        doc="A GeoPackage path or a SQLAlchemy URL (postgresql+psycopg://...).",
    )
    host: str = setting("127.0.0.1", env="OBSERVATORY_HOST", doc="Address `observatory serve` listens on.")
    port: int = setting(8050, env="OBSERVATORY_PORT", doc="Port `observatory serve` listens on.")
    lang: str = setting("fr", env="OBSERVATORY_LANG", doc="Default language of the app and the reports.")
    cli_lang: str = setting(
        "en",
        env="OBSERVATORY_CLI_LANG",
        doc="Language of the command line's messages (fr, ar, en); what it prints for scripts (ids, CSV, "
        "tables) is the same in every language.",
    )
    seed: int = setting(
        20240901,
        env="OBSERVATORY_SEED",
        doc="Seed of every random draw (Monte Carlo, permutations, simulated layers): reproducible builds.",
    )
    threads: int = setting(
        16,
        env="OBSERVATORY_THREADS",
        doc="Worker threads of `observatory serve` (heavy API requests may hold at most two of them).",
    )
    allow_writes: bool = setting(
        False,
        env="OBSERVATORY_ALLOW_WRITES",
        doc="Let the API store plans (POST /api/v1/plans?store=true); off by default, the API only reads.",
    )
    api_token: str | None = setting(
        None,
        env="OBSERVATORY_API_TOKEN",
        doc="Bearer token a write must carry; required when writes are allowed. Never printed.",
        secret=True,
    )
    lock_timeout: float = setting(
        60.0,
        env="OBSERVATORY_LOCK_TIMEOUT",
        doc="Seconds a write waits for another writer of the same database before it fails.",
    )
    national_population_2030: float | None = setting(
        None,
        env="OBSERVATORY_NATIONAL_POPULATION_2030",
        doc="A published national population for 2030 (HCP's projection, say) the build controls the "
        "communes' 2030 figures to; none by default: the observatory's own Hamilton-Perry projection.",
    )
    national_population_2030_source: str | None = setting(
        None,
        env="OBSERVATORY_NATIONAL_POPULATION_2030_SOURCE",
        doc="Where `national_population_2030` comes from, recorded in the forecast's model card.",
    )
    log_level: str = setting(
        "WARNING",
        env="OBSERVATORY_LOG_LEVEL",
        doc="Level of the log the command line prints to stderr (DEBUG, INFO, WARNING, ERROR); "
        "`observatory -v` is INFO.",
    )

    @classmethod
    def describe(cls) -> list[dict[str, str]]:
        """Every setting with its environment variable, type, default and documentation."""
        hints = _hints()
        return [
            {
                "name": f.name,
                "env": f.metadata["env"],
                "type": _type_name(hints[f.name]),
                "default": "computed" if f.default is MISSING else repr(f.default),
                "doc": f.metadata["doc"],
            }
            for f in fields(cls)
        ]


def get_settings(**overrides: object) -> Settings:
    """
    Resolve the settings: an argument that is not None, then the setting's OBSERVATORY_* variable, then
    its default. Values from the environment (text) are read as the setting's type; an unknown name
    raises UnknownNameError listing the settings.
    """
    declared = {f.name: f for f in fields(Settings)}
    unknown = sorted(set(overrides) - set(declared))
    if unknown:
        raise unknown_name("setting", unknown[0], list(declared))
    hints = _hints()
    values: dict[str, Any] = {}
    for name, declaration in declared.items():
        value = overrides.get(name)
        if value is None or value == "":
            value = _env(declaration)
        if value is not None:
            values[name] = _as(hints[name], value, name=name)
    return Settings(**values)


@cache
def _hints() -> dict[str, Any]:
    return typing.get_type_hints(Settings)


def _env(declaration: Field[Any]) -> str | None:
    value = os.environ.get(declaration.metadata["env"])
    return value if value not in (None, "") else None


def _as(kind: Any, value: object, *, name: str) -> object:
    """`value` (an argument, or text from the environment) as the setting's type."""
    if isinstance(kind, types.UnionType):  # `T | None`: a value given is a T
        kind = next(k for k in typing.get_args(kind) if k is not type(None))
    if kind is bool:
        return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")
    if kind is str:
        return os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    try:
        return kind(value)
    except (TypeError, ValueError) as err:
        raise ValueError(f"setting {name}: expected {_type_name(kind)}, found {value!r}") from err


def _type_name(kind: Any) -> str:
    return str(kind) if isinstance(kind, types.UnionType) else kind.__name__
