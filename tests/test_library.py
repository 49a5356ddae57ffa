"""The library's public face: what `import observatory` loads, and what it offers."""

from __future__ import annotations

import subprocess
import sys

import observatory as obs


def test_importing_the_library_loads_no_app_framework_driver_or_etl():
    code = (
        "import sys, observatory; "
        "print(','.join(m for m in "
        "('dash','flask','sqlalchemy','psycopg','etl','dashboards','reports','pulp','weasyprint') if m in "
        "sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_the_library_never_imports_the_app_or_the_reports():
    from pathlib import Path

    root = Path(obs.__file__).parent
    offenders = [
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if any(
            f"{word} {pkg}" in path.read_text(encoding="utf-8")
            for word in ("import", "from")
            for pkg in ("dashboards", "reports")
        )
    ]
    assert offenders == []


def test_public_api_reads_the_database_in_one_call(built_db):
    communes = obs.units("commune", db=built_db, region="08")
    assert len(communes) == 125 and communes.crs.to_epsg() == 4326
    values = obs.indicator_values(
        "illiteracy_rate_10_plus", db=built_db, year=2024, sex="female", region="08"
    )
    assert len(values) == 125
    assert set(obs.__all__) <= set(dir(obs))
