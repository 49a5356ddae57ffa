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


def test_each_public_name_is_imported_from_its_module_when_first_used():
    # `import observatory` imports no module of its own beyond what a name asks for: pandas (0.35 s of CPU)
    # waits for the first name that needs it, so `observatory --help` and a report import only their part.
    import importlib
    import subprocess
    import sys

    code = (
        "import sys, observatory, observatory.cli; "
        "heavy = ('pandas', 'observatory.query', 'observatory.challenges'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert sorted(obs._HOMES) == sorted(obs.__all__)
    for name, home in obs._HOMES.items():
        module = importlib.import_module(f"observatory.{home or name}")
        assert getattr(obs, name) is (module if not home else getattr(module, name)), name
