"""
The project installs under one import name, `observatory`: a researcher's own package called
`reports` (or `etl`, `dashboards`) keeps working beside it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {
    "observatory": "observatory",
    "etl": "observatory.etl",
    "dashboards": "observatory.dashboards",
    "reports": "observatory.reports",
}


def test_the_package_list_names_every_source_package() -> None:
    declared = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {
        ".".join([FOLDERS[init.relative_to(ROOT).parts[0]], *init.relative_to(ROOT).parts[1:-1]])
        for folder in FOLDERS
        for init in (ROOT / folder).rglob("__init__.py")
    }
    assert declared == found


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built by pip in an isolated environment (it fetches setuptools from the
    package index): the tests that use it are `needs_build`, outside the fast layer."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)],
        check=True,
        capture_output=True,
    )
    return next(out.glob("*.whl"))


@pytest.mark.needs_build
def test_the_wheel_holds_one_top_level_name_and_the_app_and_report_files(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names if ".dist-info/" not in name} == {"observatory"}
    for data in (
        "observatory/data/census_labels.json",
        "observatory/data/province_seats.csv",
        "observatory/dashboards/assets/style.css",
        "observatory/locales/ar/LC_MESSAGES/observatory.po",
        "observatory/reports/templates/report.html",
    ):
        assert data in names


@pytest.mark.needs_build
def test_installed_beside_a_package_named_reports_both_import(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    # A pure wheel with no .data folder installs by unpacking into site-packages, as `pip install
    # --target` does with it: the same files, without a second pip start.
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(name for name in names if name.endswith(".dist-info/WHEEL"))
        assert "Root-Is-Purelib: true" in archive.read(metadata).decode()
        assert not any(name.split("/")[0].endswith(".data") for name in names)
        archive.extractall(target)
    other = tmp_path / "other" / "reports"
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("OWNER = 'a researcher'\n")
    code = (
        "import reports, observatory.reports.render as ours, observatory.etl.jobs.build as etl; "
        "print(reports.OWNER); print(ours.__file__); print(etl.__file__)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(target), str(other.parent)])}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    owner, render, build = out.stdout.splitlines()[-3:]
    assert owner == "a researcher"
    assert render.startswith(str(target)) and build.startswith(str(target))
