"""
Shared fixtures. The database is built once per session on each backend: a GeoPackage always,
PostGIS when OBSERVATORY_TEST_POSTGIS_URL names a server (.ci/run starts one). Under CI=true a
missing PostGIS or browser fails the tests that need it instead of skipping them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from observatory.database import Database
from observatory.settings import get_settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_service(available: bool, what: str) -> None:
    """Skip locally, fail under CI, when a service a test needs is not there."""
    if not available:
        pytest.fail(f"{what} is required under CI but is not available") if IN_CI else pytest.skip(f"{what} not available (set CI=true to make this fail)")


def _build(target: str) -> Database:
    from observatory.etl.jobs.build import build

    build(get_settings(db=target), progress=False)
    return Database(target)


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A GeoPackage built from the embedded sources, once per test session."""
    return _build(str(tmp_path_factory.mktemp("gpkg") / "observatory.gpkg"))


def postgis_url() -> str | None:
    return os.environ.get("OBSERVATORY_TEST_POSTGIS_URL") or None


def _postgis_reachable(url: str | None) -> bool:
    if not url:
        return False
    try:
        from sqlalchemy import create_engine, text

        with create_engine(url).connect() as con:
            con.execute(text("SELECT postgis_version()"))
        return True
    except Exception:  # noqa: BLE001 - any failure means "not reachable"
        return False


@pytest.fixture(scope="session")
def postgis_db() -> Database:
    """The same build in PostGIS."""
    url = postgis_url()
    require_service(_postgis_reachable(url), f"PostGIS at OBSERVATORY_TEST_POSTGIS_URL={url!r}")
    return _build(url)  # type: ignore[arg-type]


@pytest.fixture(scope="session", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def any_db(request: pytest.FixtureRequest) -> Database:
    """Each backend in turn (GeoPackage always, PostGIS too), for the storage tests."""
    return request.getfixturevalue("built_db" if request.param == "gpkg" else "postgis_db")


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests save screenshots and rendered pages for a person to look at."""
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
