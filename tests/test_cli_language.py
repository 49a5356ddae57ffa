"""The command line speaks the language of `OBSERVATORY_CLI_LANG` (English by default), its messages the
catalogue's `cli.*`; a wrong language is said in the default one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from observatory import i18n
from observatory.cli import main

ROOT = Path(__file__).resolve().parent.parent


def test_every_cli_message_the_command_line_names_is_in_the_catalogue():
    named = {
        m
        for path in (ROOT / "observatory" / "cli").rglob("*.py")
        for m in re.findall(r'"(cli\.[\w.]+)"', path.read_text())
    }
    assert len(named) > 30
    assert named <= set(i18n.msgids("fr", "cli.")), named - set(i18n.msgids("fr", "cli."))


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("en", "Error: give exactly one of --region"),
        ("fr", "Error: donnez exactement une option parmi --region"),
        ("ar", "Error: أعط خيارًا واحدًا بالضبط"),
    ],
)
def test_the_command_line_speaks_the_setting_s_language(monkeypatch, lang, said):
    monkeypatch.setenv("OBSERVATORY_CLI_LANG", lang)
    out = CliRunner().invoke(main, ["report", "--region", "01", "--province", "01.511"])
    assert out.exit_code == 2 and said in out.output, out.output


def test_an_error_line_and_a_wrong_language(monkeypatch, tmp_path):
    monkeypatch.setenv("OBSERVATORY_CLI_LANG", "fr")
    out = CliRunner().invoke(main, ["info", "--db", str(tmp_path / "none.gpkg")])
    assert out.exit_code == 1 and out.output.startswith("erreur : "), out.output
    monkeypatch.setenv("OBSERVATORY_CLI_LANG", "de")
    out = CliRunner().invoke(main, ["info", "--db", str(tmp_path / "none.gpkg")])
    assert out.exit_code == 1 and out.output.startswith("error: unknown language 'de'"), out.output
