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
