"""The library's public face: what `import observatory` loads, and what it offers."""

from __future__ import annotations

import observatory as obs

#: What `import observatory` must not load: the app and web frameworks, drivers, solvers, the other layers.
FRAMEWORKS = ("dash", "flask", "sqlalchemy", "psycopg", "pulp", "weasyprint")
LAYERS = ("etl", "dashboards", "reports")


def test_importing_the_library_loads_no_app_framework_driver_or_etl(library_modules):
    assert "observatory" in library_modules["import"]
    assert [m for m in (*FRAMEWORKS, *LAYERS) if m in library_modules["import"]] == []


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
