"""
Shared fixtures, in two layers. Pure tests need nothing built; tests that read a built database
(the `built_db`, `any_db`, `postgis_db` or `writable_db` fixtures) are marked `needs_build`
automatically, so `pytest -m "not needs_build"` is the fast layer.

The GeoPackage is built once per test run, or reused from `OBSERVATORY_TEST_DB` (a database made by
`observatory build --db PATH` from this checkout); PostGIS is built once per run when
`OBSERVATORY_TEST_POSTGIS_URL` names a server (.ci/run starts one). A whole run starts both builds
in processes of their own as it begins, each under a file lock in the run's shared temporary folder,
and runs the tests that need no build first; the workers that need a build wait on its lock and read
it. Under CI=true a missing PostGIS or browser
fails the tests that need it instead of skipping them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

# One BLAS thread per test process: a whole run already keeps both cores busy with two workers and a
# build, and OpenBLAS's idle threads spin (the fast layer: 21.7 s of CPU with two, 19.7 s with one).
# Set before NumPy is first imported; the background build inherits it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import pytest  # noqa: E402
from filelock import FileLock  # noqa: E402

from observatory.database import Database  # noqa: E402
from observatory.settings import get_settings  # noqa: E402

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

#: The counts the fuzz, attack and fault tests report, printed at the end of every run.
TALLY = pytest.StashKey[list[str]]()

#: Fixtures that stand for a built database: a test asking for one is in the `needs_build` layer.
BUILT_FIXTURES = frozenset({"built_db", "any_db", "postgis_db", "writable_db"})


#: Workers for a whole run (`pytest` with no paths, the README's command): one per core of the 2-core
#: machine CI runs on; the suite is mostly computation, so more would only add imports and collection.
WORKERS = 2


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """Run a whole run on `WORKERS` pytest-xdist workers, each test to the first free one, unless the
    command line chose (`-n`, `--dist`, `-p no:xdist`), debugs (`--pdb`), names test paths, or selects
    the fast layer: those runs are too short to repay each worker's own imports and collection.
    (`--dist loadgroup` would keep a module's tests on one worker, but with pytest 9.2 xdist 3.8 no
    longer groups: pytest-xdist issue 1386. Tests share builds through `_build_once` instead.)"""
    if not config.pluginmanager.hasplugin("xdist.plugin") or hasattr(config, "workerinput"):
        return
    if config.getoption("usepdb", False):
        return
    if config.option.numprocesses is not None or config.option.dist != "no":
        return
    whole_run = config.args_source == pytest.Config.ArgsSource.TESTPATHS
    if not whole_run or "not needs_build" in config.option.markexpr:
        return
    config.option.numprocesses, config.option.dist = WORKERS, "load"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the tests that read a build, and run the others first: they keep the workers busy while the
    builds started at the session's start finish."""
    for item in items:
        if BUILT_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.needs_build)
    items.sort(
        key=lambda item: (
            item.get_closest_marker("needs_build") is not None,
            item.get_closest_marker("postgis") is not None,
        )
    )


#: Builds started in other processes when a whole run begins (`pytest_sessionstart`).
BACKGROUND = pytest.StashKey[list[subprocess.Popen[bytes]]]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """On a whole run, start the GeoPackage build (then the PostGIS one when a server is named) in a
    process of its own at once, each under the lock `_build_once` takes, so the pure tests run while it
    builds instead of a worker waiting for the first test that needs one."""
    config = session.config
    session.config.stash[BACKGROUND] = []
    if hasattr(config, "workerinput") or config.args_source != pytest.Config.ArgsSource.TESTPATHS:
        return
    if "not needs_build" in config.option.markexpr or os.environ.get("OBSERVATORY_TEST_DB"):
        return
    folder = config._tmp_path_factory.getbasetemp()
    targets = {"gpkg": str(folder / "gpkg" / "observatory.gpkg")}
    if postgis_url():
        targets["postgis"] = str(postgis_url())
    # One process, the GeoPackage first: most tests need it, and it gets the core PostGIS would take.
    arguments = [part for name, target in targets.items() for part in (name, target, str(folder / name))]
    code = "import sys, conftest; conftest.build_in_order(sys.argv[1:])"
    with (folder / "background-build.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", code, *arguments],
            cwd=Path(__file__).parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    session.config.stash[BACKGROUND].append(process)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """A background build still running when the run ends early (`-x`, Ctrl-C) is stopped."""
    for process in config.stash.get(BACKGROUND, []):
        if process.poll() is None:
            process.terminate()
            process.wait()


def require_service(available: bool, what: str) -> None:
    """Skip locally, fail under CI, when a service a test needs is not there."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI but is not available")
    pytest.skip(f"{what} not available (set CI=true to make this fail)")


def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this run that every xdist worker sees (the workers' temporary folders share their
    parent); the run's own temporary folder without xdist."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build_once(target: str, folder: Path, name: str) -> Database:
    """Build `target` once per run: the first caller builds under a file lock and leaves a mark, the
    others (other workers) wait on the lock and find the mark. A failed build leaves no mark."""
    folder.mkdir(parents=True, exist_ok=True)
    done = folder / f"{name}.built"
    with FileLock(folder / f"{name}.lock"):
        if not done.exists():
            from observatory.etl.jobs.build import build

            build(get_settings(db=target), progress=False)
            done.write_text(target, encoding="utf-8")
    return Database(target)


def build_in_order(arguments: list[str]) -> None:
    """`_build_once` for each (name, target, folder) in turn: what the background build process runs."""
    for i in range(0, len(arguments), 3):
        name, target, folder = arguments[i : i + 3]
        _build_once(target, Path(folder), name)


@pytest.fixture(scope="session")
def built_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """A GeoPackage built from the embedded sources once per run, or the one OBSERVATORY_TEST_DB names."""
    reuse = os.environ.get("OBSERVATORY_TEST_DB")
    if reuse:
        database = Database(reuse)
        if not database.exists():
            pytest.fail(
                f"OBSERVATORY_TEST_DB={reuse!r} is not a built database: run `observatory build --db {reuse}`"
            )
        return database
    folder = shared_folder(tmp_path_factory) / "gpkg"
    return _build_once(str(folder / "observatory.gpkg"), folder, "gpkg")


@pytest.fixture()
def writable_db(built_db: Database, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the built GeoPackage that a test may write to, removed afterwards."""
    target = tmp_path / "db" / "observatory.gpkg"
    target.parent.mkdir()
    shutil.copyfile(built_db.path, target)
    yield Database(target)
    target.unlink(missing_ok=True)


def postgis_url() -> str | None:
    return os.environ.get("OBSERVATORY_TEST_POSTGIS_URL") or None


def _postgis_reachable(url: str | None) -> bool:
    return url is not None and Database(url).state()[0] != "unreachable"


@pytest.fixture(scope="session")
def postgis_db(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """The same build in PostGIS, built once per run into the schema the URL names."""
    url = postgis_url()
    require_service(_postgis_reachable(url), f"PostGIS at OBSERVATORY_TEST_POSTGIS_URL={url!r}")
    assert url is not None
    return _build_once(url, shared_folder(tmp_path_factory) / "postgis", "postgis")


@pytest.fixture(scope="session", params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def any_db(request: pytest.FixtureRequest) -> Database:
    """Each backend in turn (GeoPackage always, PostGIS too), for the storage tests."""
    return request.getfixturevalue("built_db" if request.param == "gpkg" else "postgis_db")


@pytest.fixture(scope="session")
def app(built_db: Database) -> Any:
    """The Dash app on the built database, as `observatory serve` makes it (read only: shared by the app
    tests)."""
    from observatory.dashboards import create_app

    return create_app(built_db)


@pytest.fixture(scope="session")
def data(app: Any) -> Any:
    """The app's data layer (its caches warm across the app tests)."""
    return app.data


def pytest_configure(config: pytest.Config) -> None:
    config.stash[TALLY] = []


@pytest.fixture()
def tally(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """Record a count (requests sent, statuses, counts recovered) for the run's summary: CI logs show what the
    fuzz, attack and fault tests actually tried, not only that they passed."""
    lines = request.config.stash[TALLY]
    return lambda line: lines.append(f"{request.node.nodeid.split('::')[-1]}: {line.strip()}")


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A worker hands its counts to the controller, which prints them."""
    output = getattr(session.config, "workeroutput", None)
    if output is not None:
        output["tally"] = session.config.stash.get(TALLY, [])


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    node.config.stash[TALLY].extend(getattr(node, "workeroutput", {}).get("tally", []))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    lines = config.stash.get(TALLY, [])
    if lines:
        terminalreporter.section("fuzz, attack and fault counts")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def library_modules() -> dict[str, list[str]]:
    """The modules a fresh interpreter holds after `import observatory` ("import"), then after
    classifying a commune map's values ("classify"): one process for the tests of what the library
    loads."""
    code = (
        "import json, sys, observatory; loaded = {'import': sorted(sys.modules)}; "
        "from observatory.classify import classify; classify([1, 2, 3, 4, 5, 6]); "
        "loaded['classify'] = sorted(sys.modules); print(json.dumps(loaded))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: dict[str, list[str]] = json.loads(out.stdout)
    return loaded


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Where tests save screenshots and rendered pages for a person to look at."""
    path = Path(__file__).resolve().parent.parent / "test-artifacts"
    path.mkdir(exist_ok=True)
    return path
