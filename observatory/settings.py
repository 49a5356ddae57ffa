"""Typed settings. Precedence: an explicit argument, then an OBSERVATORY_* variable, then the default."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_PATH = PROJECT_ROOT / "geodata" / "observatory.gpkg"


@dataclass(frozen=True)
class Settings:
    """What the observatory needs to know about its environment; every field is documented in docs/."""

    db: str
    """A GeoPackage path or a SQLAlchemy URL (postgresql+psycopg://...)."""
    host: str = "127.0.0.1"
    port: int = 8050
    lang: str = "fr"
    seed: int = 20240901
    """Seed of every random draw (Monte Carlo, permutations, simulated layers), for reproducible builds."""
    threads: int = 16
    """Worker threads of `observatory serve` (heavy API requests may hold at most two of them)."""
    allow_writes: bool = False
    """Let the API store plans (POST /api/v1/plans?store=true); off by default, the API only reads."""
    api_token: str | None = field(default=None, repr=False)
    """Bearer token a write must carry; required when writes are allowed. Never printed."""
    lock_timeout: float = 60.0
    """Seconds a write waits for another writer of the same database before it fails."""
    national_population_2030: float | None = None
    """A published national population for 2030 (HCP's projection, say) the build controls the communes'
    2030 figures to; none by default: the observatory's own Hamilton-Perry projection of the nation."""
    national_population_2030_source: str | None = None
    """Where `national_population_2030` comes from, recorded in the forecast's model card."""


def _env(name: str) -> str | None:
    value = os.environ.get(f"OBSERVATORY_{name}")
    return value if value not in (None, "") else None


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def get_settings(
    *,
    db: str | os.PathLike[str] | None = None,
    host: str | None = None,
    port: int | None = None,
    lang: str | None = None,
    seed: int | None = None,
    threads: int | None = None,
    allow_writes: bool | None = None,
    api_token: str | None = None,
    lock_timeout: float | None = None,
    national_population_2030: float | None = None,
    national_population_2030_source: str | None = None,
) -> Settings:
    """Resolve the settings from arguments, then the environment, then the defaults."""
    return Settings(
        db=str(db or _env("DB") or DEFAULT_DB_PATH),
        host=host or _env("HOST") or "127.0.0.1",
        port=int(port or _env("PORT") or 8050),
        lang=lang or _env("LANG") or "fr",
        seed=int(seed if seed is not None else (_env("SEED") or 20240901)),
        threads=int(threads or _env("THREADS") or 16),
        allow_writes=allow_writes if allow_writes is not None else _truthy(_env("ALLOW_WRITES")),
        api_token=api_token or _env("API_TOKEN"),
        lock_timeout=float(lock_timeout if lock_timeout is not None else (_env("LOCK_TIMEOUT") or 60)),
        national_population_2030=_number(national_population_2030, _env("NATIONAL_POPULATION_2030")),
        national_population_2030_source=national_population_2030_source
        or _env("NATIONAL_POPULATION_2030_SOURCE"),
    )


def _number(value: float | None, env: str | None) -> float | None:
    """An optional number: the argument, else the environment's, else none."""
    raw = value if value is not None else env
    return None if raw is None else float(raw)
