"""
Reports on a built database: the PDF is opened (pdfplumber) and checked for the figures of the
query layer, the Arabic text (shaped, right to left) and the sources annex; pages are rendered to
PNG with pdftoppm; the XLSX has one sheet per table and a metadata sheet; the CLI writes them.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pdfplumber
import pytest
from click.testing import CliRunner

from observatory import query
from observatory.reports.content import gather
from observatory.reports.render import format_value, render, to_html

TANGER = "01.511.01.0"
REGION = "01"


@pytest.fixture(scope="session")
def report_db(built_db):
    """The session's freshly built GeoPackage (tests/conftest.py)."""
    return built_db


def _pdf(db, tmp_path_factory, lang):
    content = gather(level="region", code=REGION, lang=lang, db=db)
    path = tmp_path_factory.mktemp(f"pdf-{lang}") / f"region-{REGION}-{lang}.pdf"
    path.write_bytes(render(content, "pdf"))
    with pdfplumber.open(path) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
        fonts = {c["fontname"].split("+")[-1] for page in pdf.pages[:3] for c in page.chars}
    return content, path, pages, fonts


@pytest.fixture(scope="module")
def french(report_db, tmp_path_factory):
    return _pdf(report_db, tmp_path_factory, "fr")


@pytest.fixture(scope="module")
def arabic(report_db, tmp_path_factory):
    return _pdf(report_db, tmp_path_factory, "ar")


def flat(text: str) -> str:
    """Text with every kind of space (thin, no-break) made one plain space."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


def test_french_pdf_shows_the_query_layer_figures(french, report_db):
    content, _, pages, _ = french
    text = flat("\n".join(pages))
    assert "Tanger-Tétouan-Al Hoceima" in text
    assert "4 030 222" in text  # HCP's legal population of the région, 2024
    illiteracy = query.indicator_values("illiteracy_rate_10_plus", db=report_db, level="region", units=[REGION],
                                        year=2024).value.iloc[0]
    country = query.indicator_values("illiteracy_rate_10_plus", db=report_db, level="country", year=2024).value.iloc[0]
    summary = flat(next(p for p in pages if "Chiffres clés" in p))
    assert flat(format_value(illiteracy, "percent")) in summary and flat(format_value(country, "percent")) in summary
    row = next(flat(line) for p in pages[2:] for line in p.splitlines() if line.startswith(TANGER + " Tanger"))
    assert row.startswith(f"{TANGER} Tanger urban 1 275 428") and " 14.5 % " in f"{row} "  # HCP: illiteracy 10+
    assert content.n_communes == 146 and len(content.communes) == 146


def test_pdf_has_a_table_of_contents_and_page_numbers(french):
    _, _, pages, _ = french
    n = len(pages)
    assert n >= 8
    for i, page in enumerate(pages, start=1):
        assert f"Page {i} sur {n}" in page
    toc = flat(pages[0])
    found = re.search(r"Méthodes et sources\.* ?(\d+)", toc)
    assert found, toc
    assert "Méthodes et sources" in pages[int(found.group(1)) - 1]


def test_sources_annex_names_every_source_with_its_licence_and_digest(french, report_db):
    content, _, pages, _ = french
    start = next(i for i, p in enumerate(pages) if i and "Méthodes et sources" in p and "Statuts" in p)
    annex = flat(" ".join(pages[start:]))
    cited = content.sources
    assert len(cited)
    for row in cited.itertuples():
        assert row.source_id in annex
        if isinstance(row.sha256, str) and row.sha256:
            assert row.sha256[:16] in annex.replace(" ", "")
    assert "CC BY 4.0" in annex
    build = query.builds(db=report_db).iloc[-1]
    assert build.build_id in annex.replace(" ", "") and str(build.code_version) in annex
    assert "illiteracy_rate_10_plus" in annex  # provenance of the figure, with its run
    assert str(content.provenance.run_id.dropna().iloc[0]) in annex.replace(" ", "")


def test_arabic_pdf_is_shaped_right_to_left(arabic):
    content, _, pages, fonts = arabic
    assert content.direction == "rtl"
    assert any("Naskh" in f or "Arabic" in f for f in fonts), fonts
    # pdfplumber reads glyphs left to right, so right-to-left words come out reversed.
    text = "\n".join(pages)
    assert "طنجة-تطوان-الحسيمة"[::-1] in text
    assert "الإنصاف الرقمي المجالي"[::-1] in text  # the title
    assert "4 030 222" in flat(text)
    assert "صفحة"[::-1] in text  # the footer's page label, in Arabic


def test_pages_render_to_png(french, arabic, tmp_path, artifacts):
    from PIL import Image, ImageStat

    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed; .ci/run installs it")
    for _, path, pages, _ in (french, arabic):
        prefix = tmp_path / path.stem
        subprocess.run(["pdftoppm", "-r", "40", "-png", "-f", "1", "-l", "4", str(path), str(prefix)], check=True)
        images = sorted(tmp_path.glob(f"{path.stem}-*.png"))
        assert len(images) == 4
        for image in images:
            stat = ImageStat.Stat(Image.open(image).convert("L"))
            assert stat.stddev[0] > 5, f"{image.name} is blank"
            shutil.copyfile(image, artifacts / f"report-{image.name}")  # for a person to look at


def test_maps_have_one_image_per_layer(french):
    content, _, _, _ = french
    html = to_html(content)
    assert html.count("data:image/png;base64,") == len(content.maps) >= 3


def test_xlsx_has_one_sheet_per_table_and_metadata(report_db):
    from io import BytesIO

    from openpyxl import load_workbook

    content = gather(level="region", code=REGION, lang="fr", db=report_db)
    book = load_workbook(BytesIO(render(content, "xlsx")))
    assert book.sheetnames[0] == "metadata"
    assert set(content.tables()) <= set(book.sheetnames)
    meta = {row[0].value: row[1].value for row in book["metadata"].iter_rows()}
    assert meta["code"] == REGION and meta["name_ar"] == "طنجة-تطوان-الحسيمة" and "CC BY 4.0" in meta["licence"]
    sheet = book["communes"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 146 and rows[TANGER]["population_2024"] == 1_275_428
    assert rows[TANGER]["illiteracy_rate_10_plus"] == 14.5


def test_commune_and_province_reports(report_db):
    commune = gather(level="commune", code=TANGER, lang="en", db=report_db)
    assert commune.name == "Tanger" and commune.n_communes == 1 and commune.highlight == TANGER
    html = to_html(commune)
    assert "Tanger" in html and "Key figures against Morocco" in html
    province = gather(level="province", code="01.511", lang="ar", db=report_db)
    assert province.n_communes == 12 and 'dir="rtl"' in to_html(province)


def test_unknown_codes_and_languages_are_clear_errors(report_db):
    with pytest.raises(KeyError, match="unknown region '99'; valid: 01, 02"):
        gather(level="region", code="99", db=report_db)
    with pytest.raises(KeyError, match="unknown language 'de'"):
        gather(level="region", code=REGION, lang="de", db=report_db)


def test_cli_writes_reports_and_fails_in_one_line(report_db, tmp_path):
    from observatory.cli import main

    runner = CliRunner()
    out = tmp_path / "r.html"
    result = runner.invoke(main, ["report", "--db", str(report_db.target), "--province", "01.511", "--lang", "fr",
                                  "--format", "html", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "Tanger-Assilah" in out.read_text(encoding="utf-8")
    result = runner.invoke(main, ["report", "--db", str(report_db.target), "--region", "99"])
    assert result.exit_code == 1 and "error: unknown region '99'" in result.output
    result = runner.invoke(main, ["report", "--db", str(report_db.target), "--all-regions", "--format", "xlsx",
                                  "-o", str(tmp_path / "all")])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "all").glob("rapport-region-*-fr.xlsx"))) == 12


def test_summary_lists_the_ten_communes_most_in_need_with_reasons(french, report_db):
    from observatory import results

    content, _, pages, _ = french
    expected = results.fragility_index("commune", db=report_db, region=REGION, lang="fr").head(10)
    need = content.most_in_need
    assert list(need["code"]) == list(expected["code"]) and list(need["rank"]) == sorted(need["rank"])
    assert all(reason.startswith("Classée") for reason in need["reason"])
    summary = flat(" ".join(p for p in pages[1:4] if "Les dix communes les plus en besoin" in p or "Classée" in p))
    first = expected.iloc[0]
    assert first["name_fr"] in summary and f"{first['index']:.1f}" in summary
    assert [m.key for m in content.maps] == ["index", "access", "skills"]  # the census headline's dimensions


def test_report_with_a_plan_and_its_fairness_audit(report_db):
    from observatory import results

    plan_id = results.plans(db=report_db)["plan_id"].iloc[0]
    content = gather(level="region", code="07", lang="fr", db=report_db, plan=plan_id)
    audit = results.plan_audit(plan_id, db=report_db)
    assert len(content.plan["audit"]) == len(audit)
    assert set(content.plan["sites"]["code"].str[:2]) <= {"07"}
    html = to_html(content)
    assert "besoin couvert par groupe" in html and plan_id in html and "<th>covered_share</th>" in html
    with pytest.raises(KeyError, match="unknown plan 'plan-nope'"):
        gather(level="region", code="07", db=report_db, plan="plan-nope")
