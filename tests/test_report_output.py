"""
The report command's options do what they say, checked before any database is opened or any page
rendered: the format comes from the output name or a contradiction is refused, a missing folder is
refused (or created with --mkdir), a folder is never taken for a file, and a failed write leaves no
`.part` file behind.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from observatory.cli import main
from observatory.reports.output import (
    ReportOutputError,
    check_target,
    resolve_format,
    write_atomically,
)


@pytest.mark.parametrize(
    ("name", "given", "expected"),
    [
        ("r.xlsx", None, "xlsx"),
        ("r.PDF", None, "pdf"),
        ("r.docx", "docx", "docx"),
        ("r.html", None, "html"),
    ],
)
def test_the_format_comes_from_the_output_name(name, given, expected):
    assert resolve_format(Path(name), given) == expected


def test_no_output_means_pdf_unless_a_format_is_given():
    assert resolve_format(None, None) == "pdf"
    assert resolve_format(None, "xlsx") == "xlsx"


@pytest.mark.parametrize(
    ("name", "given", "message"),
    [
        ("guess.xlsx", "pdf", "--format pdf contradicts the output name 'guess.xlsx'"),
        ("guess.txt", None, "cannot tell the format from 'guess.txt'"),
        ("guess.txt", "pdf", "does not end in .pdf; name it 'guess.pdf'"),
        ("guess.pdf", "odt", "unknown report format 'odt'"),
    ],
)
def test_a_format_that_contradicts_the_name_is_refused(name, given, message):
    with pytest.raises(ReportOutputError, match=message):
        resolve_format(Path(name), given)


def test_a_missing_folder_is_refused_unless_mkdir(tmp_path):
    target = tmp_path / "nowhere" / "deeper" / "r.pdf"
    with pytest.raises(ReportOutputError, match="does not exist; create it or pass --mkdir"):
        check_target(target)
    assert not (tmp_path / "nowhere").exists()
    check_target(target, mkdir=True)
    assert target.parent.is_dir() and not target.exists()


def test_a_folder_is_not_taken_for_a_file(tmp_path):
    with pytest.raises(ReportOutputError, match="is a folder"):
        check_target(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ReportOutputError, match="is not a folder"):
        check_target(blocker / "r.pdf")


def test_a_failed_write_leaves_no_part_file(tmp_path):
    folder = tmp_path / "taken"
    folder.mkdir()
    (folder / "inside").write_text("a folder cannot be replaced by a file")
    with pytest.raises(OSError):
        write_atomically(folder, b"%PDF-1.7")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    written = write_atomically(tmp_path / "r.pdf", b"%PDF-1.7")
    assert written.read_bytes() == b"%PDF-1.7" and sorted(p.name for p in tmp_path.iterdir()) == [
        "r.pdf",
        "taken",
    ]


def _report(*args: str):
    # A database path that does not exist: every refusal below must come before it is opened.
    return CliRunner().invoke(main, ["report", "--db", "/nonexistent/observatory.gpkg", *args])


def test_the_command_refuses_bad_outputs_in_one_line_before_reading_anything(tmp_path):
    cases = [
        (
            ["--region", "08", "-o", str(tmp_path / "missing" / "r.pdf")],
            "does not exist; create it or pass --mkdir",
        ),
        (
            ["--region", "08", "-o", str(tmp_path / "guess.xlsx"), "--format", "pdf"],
            "contradicts the output name",
        ),
        (["--region", "08", "-o", str(tmp_path / "guess.txt")], "cannot tell the format"),
        (["--all-regions", "-o", str(tmp_path / "missing")], "does not exist; create it or pass --mkdir"),
    ]
    for args, message in cases:
        result = _report(*args)
        assert result.exit_code == 1, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_mkdir_creates_the_folder_then_the_database_is_what_fails(tmp_path):
    result = _report("--region", "08", "-o", str(tmp_path / "new" / "r.xlsx"), "--mkdir")
    assert (tmp_path / "new").is_dir()
    assert result.exit_code == 1 and "/nonexistent/observatory.gpkg" in result.output
    assert list((tmp_path / "new").iterdir()) == []  # nothing half written


def test_a_folder_that_refuses_files_is_refused_before_rendering(tmp_path):
    # /proc lets a superuser pass `os.access` yet creates no file: only trying tells.
    with pytest.raises(ReportOutputError, match=r"^cannot write '/proc/x.pdf': "):
        check_target(Path("/proc/x.pdf"))
    check_target(tmp_path / "ok.pdf")
    assert list(tmp_path.iterdir()) == []  # the trial leaves nothing behind


def _fresh(code: str) -> str:
    """Standard output of `code` run in a new interpreter (imports are what is measured)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


#: Counts the programs a process starts, then renders a one-line PDF.
_PROGRAMS = """
import subprocess
started = []
popen = subprocess.Popen.__init__
def counted(self, args, *rest, **kwargs):
    started.append(args)
    popen(self, args, *rest, **kwargs)
subprocess.Popen.__init__ = counted
{setup}
from observatory.reports.render import weasyprint_html
pdf = weasyprint_html()(string="<p>Rapport</p><p dir='rtl'>تقرير</p>").write_pdf()
print(len(started), pdf[:4].decode())
"""


def test_weasyprint_is_imported_without_running_a_program():
    # cffi's search for each library name WeasyPrint tries ran ldconfig, gcc and ld 54 times.
    assert _fresh(_PROGRAMS.format(setup="")) == "0 %PDF"


def test_where_libraries_are_found_only_by_the_search_weasyprint_still_loads():
    # Libraries that cffi finds only through ctypes.util.find_library: the import runs again with the search.
    setup = """
import cffi, ctypes.util
from observatory.reports import render
opened = cffi.FFI.dlopen
def dlopen(self, name, flags=0):
    if ctypes.util.find_library is render._no_search:
        raise OSError(f"cannot load library {name!r}")
    return opened(self, name, flags)
cffi.FFI.dlopen = dlopen
"""
    programs, header = _fresh(_PROGRAMS.format(setup=setup)).split()
    assert header == "%PDF" and int(programs) > 0


def test_a_report_process_does_not_import_scipy():
    # scipy.special (0.2 s of CPU) is for the models only; the readers and the renderer never need it.
    code = (
        "import sys, observatory.reports.content, observatory.reports.render; print('scipy' in sys.modules)"
    )
    assert _fresh(code) == "False"


def test_fonttools_subsetter_and_instancer_wait_for_their_first_call():
    # WeasyPrint imports them as it starts (65 ms of CPU); HarfBuzz subsets the reports' fonts, none variable.
    code = """
import sys
from observatory.reports.render import weasyprint_html
pdf = weasyprint_html()(string="<p>Rapport 1 234 %</p><p dir='rtl' lang='ar'>تقرير</p>").write_pdf()
before = sorted(m for m in ("fontTools.subset", "fontTools.varLib") if m in sys.modules)
import fontTools.subset
from weasyprint.pdf import fonts
options = fonts.subset.Options(hinting=False)
print(pdf[:4].decode(), before, type(options) is fontTools.subset.Options)
"""
    assert _fresh(code) == "%PDF [] True"


def test_the_renderer_is_warmed_once_and_a_report_waits_for_it():
    code = """
import threading, time
from observatory.reports import output, render
calls = []
output.report_bytes = lambda **request: calls.append(render._WARMED.is_set()) or b"%PDF"
threading.Thread(target=render.warm).start()
time.sleep(0.05)
output.served_report(db=None, level="region", code="08", lang="fr", fmt="pdf")
began = time.perf_counter()
render.warm()
print(calls, time.perf_counter() - began < 0.01)
"""
    assert _fresh(code) == "[True] True"


@pytest.mark.needs_build
def test_a_report_reads_each_table_and_filter_once(built_db, monkeypatch):
    # A commune report made 64 reads of the file, 17 of them the same read again (the national index,
    # the communes' names, the provinces' outlines): each is now made once and shared within the report.
    from observatory.database import Database
    from observatory.reports.content import gather
    from observatory.reports.reads import ReportReads

    made: list[tuple[str, str]] = []
    read = Database.read

    def counted(self, table, **options):
        made.append((table, repr(sorted((k, v) for k, v in options.items() if v not in (None, {})))))
        return read(self, table, **options)

    monkeypatch.setattr(Database, "read", counted)
    content = gather(level="commune", code="08.363.01.03", lang="fr", db=built_db)
    assert made and len(made) == len(set(made))
    assert content.name == "Midelt"
    once = ReportReads(built_db)
    first = once.read("commune", where={"code": ["08.363.01.03"]}, geometry=False)
    first["name_fr"] = "changed by its reader"
    before = len(made)
    again = once.read("commune", where={"code": ("08.363.01.03",), "type": None}, geometry=False)
    assert again["name_fr"].tolist() == ["Midelt"] and len(made) == before


@pytest.mark.needs_build
def test_a_reports_index_and_shapes_are_the_librarys(built_db, monkeypatch):
    # A report reads each level's index once (five asks checked the challenged ranks five times) and reads
    # the map shapes through its own connection (GDAL reopened the file at each) into plain frames (a
    # GeoDataFrame imported geopandas and pyproj): what it gets is what the library gives, row for row and
    # coordinate for coordinate.
    import pandas as pd
    from pandas.testing import assert_frame_equal

    from observatory import results
    from observatory.reports.reads import ReportReads, index_scores

    library = built_db
    with ReportReads(library) as once:
        asked = [
            ("commune", "fr", None),
            ("province", "ar", "08"),
            ("region", "en", "08"),
            ("province", None, None),
        ]
        for level, lang, region in asked:
            expected = results.fragility_index(level, db=library, lang=lang, region=region)
            assert_frame_equal(index_scores(once, level, lang=lang, region=region), expected)
        made = []
        monkeypatch.setattr(results, "fragility_index", lambda *a, **k: made.append(a) or pd.DataFrame())
        index_scores(once, "commune", lang="ar", region="08")
        assert made == []
        for where in (
            {"level": "commune", "detail": "medium"},
            {"level": "region", "code": ["08"]},
            {"code": []},
        ):
            shapes, expected = (
                once.read("web_geometry", where=where),
                library.read("web_geometry", where=where),
            )
            _same_shapes(shapes, expected)
        named = once.read("commune", where={"region_code": "08"}, columns=["code", "name_fr", "geometry"])
        _same_shapes(
            named,
            library.read("commune", where={"region_code": "08"}, columns=["code", "name_fr", "geometry"]),
        )


@pytest.mark.needs_build
def test_the_report_command_runs_without_cycle_collections_and_leaves_them_on(built_db, tmp_path):
    # The collector's passes over pandas' and WeasyPrint's objects were 12 % of a report's CPU; rich, for a
    # progress bar nobody sees (stderr is not a terminal here), 30 ms more.
    code = f"""
import gc, sys
from click.testing import CliRunner
from observatory.cli import main
passes = []
gc.callbacks.append(lambda phase, info: phase == "start" and passes.append(info["generation"]))
done = CliRunner().invoke(main, ["report", "--commune", "08.363.01.03", "--db", {str(built_db.path)!r},
                                 "-o", {str(tmp_path / "midelt.pdf")!r}])
print(done.exit_code, len(passes) < 5, 2 in passes, gc.isenabled(), "rich" in sys.modules)
"""
    # a young pass or two as the command line starts (settings, words), before the report's command
    assert _fresh(code) == "0 True False True False"
    assert (tmp_path / "midelt.pdf").read_bytes()[:4] == b"%PDF"


def _same_shapes(shapes, expected):
    """A report's plain frame of shapes holds the library's GeoDataFrame's columns and coordinates."""
    import pandas as pd
    import shapely
    from pandas.testing import assert_frame_equal

    assert type(shapes) is pd.DataFrame and list(shapes.columns) == list(expected.columns)
    assert_frame_equal(shapes.drop(columns="geometry"), pd.DataFrame(expected.drop(columns="geometry")))
    assert (shapely.to_wkb(shapes["geometry"].to_numpy()) == shapely.to_wkb(expected.geometry.values)).all()


@pytest.mark.needs_build
def test_a_report_process_does_not_import_geopandas(built_db):
    # geopandas and the pyproj it imports (60 ms of CPU) are for the library's spatial work: a report's map
    # shapes are shapely geometries in plain frames. Every level, a divided city and a plan are drawn.
    code = f"""
import sys
from observatory.plans import list_plans
from observatory.reports.output import report_bytes
db = {str(built_db.path)!r}
plan = str(list_plans(db=db)["plan_id"].iloc[0])
for level, code, plan in [("commune", "08.363.01.03", None), ("commune", "04.421.01.0", plan),
                          ("province", "08.363", None), ("region", "08", plan)]:
    html = report_bytes(level=level, code=code, lang="fr", fmt="html", plan=plan, db=db)
    assert b"data:image/svg+xml" in html
print(sorted(m for m in ("geopandas", "pyproj", "pyogrio") if m in sys.modules))
"""
    assert _fresh(code) == "[]"


@pytest.mark.needs_build
def test_a_reports_values_are_the_views_row_for_row(built_db, monkeypatch):
    # A report reads some indicators of some units by probing each unit's facts of each series asked (the
    # view's own plan read all of each unit's 1,700 facts): the same rows, in the same order, as the view's.
    from pandas.testing import assert_frame_equal

    from observatory import value_store
    from observatory.reports.reads import ReportReads

    probed = []
    select = value_store.view_select
    monkeypatch.setattr(
        value_store, "view_select", lambda *a, **k: probed.append(k.get("by_unit")) or select(*a, **k)
    )
    region = built_db.read("commune", where={"region_code": "08"}, columns=["code"], geometry=False)
    ids = ["population_legal", "illiteracy_rate_10_plus", "households_count"]
    for where in (
        {"indicator_id": ids, "unit_code": list(region["code"]), "sex": "all", "area": "total"},
        {"indicator_id": ids, "unit_code": ["08", "MA", "08.363.01.03"], "level": None, "year": [2014, 2024]},
        {"indicator_id": ids[:1], "unit_code": []},
    ):
        with ReportReads(built_db) as once:
            found = once.read("indicator_value", where=where)
        expected = built_db.read("indicator_value", where=where)
        assert_frame_equal(found, expected)
        assert len(found) or not where["unit_code"]
    assert probed == [True, True, True]


@pytest.mark.needs_build
def test_a_report_works_out_the_corrected_figures_once(built_db, monkeypatch):
    # Every read of values applies the corrected figures: a report worked them out eleven times.
    from observatory import challenges
    from observatory.reports.content import gather

    made = []
    worked_out = challenges._corrections
    monkeypatch.setattr(challenges, "_corrections", lambda database: made.append(1) or worked_out(database))
    gather(level="commune", code="08.363.01.03", lang="fr", db=built_db)
    assert made == [1]
    challenges.corrections(db=built_db)
    challenges.corrections(db=built_db)
    assert made == [1, 1, 1]  # outside a report, each ask reads the challenges as they are


def test_the_page_template_s_code_is_compiled_once_into_the_user_s_cache(tmp_path, monkeypatch):
    # compiling report.html was 20 ms of each `observatory report`; a changed template is compiled again
    import subprocess
    import sys

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    code = (
        "from observatory.reports import render; template, _ = render._page(); "
        "print(template.render(css='', lang='fr', direction='ltr', level='commune', name='Midelt', "
        "t={}, pages=[])[:400])"
    )
    first, second = (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    )
    assert first == second and "Midelt" in first
    assert len(list((tmp_path / "observatory" / "templates").glob("__jinja2_*.cache"))) == 1
