"""
Issue 25, read on the rendered files as a council reads them: HCP is credited for what it published and
the observatory for what it computed from HCP's data (annex, map captions, footer); page 1 names the plan
it uses and, for a commune, its nearest planned site and what that site offers, never a command-line
option; the Word file is A4; the Arabic annex quotes no French heading.
"""

from __future__ import annotations

import re
import subprocess
from html import unescape
from io import BytesIO

import pytest

from observatory import plans, registry
from observatory.formatting import integer, percent
from observatory.reports.content import gather
from observatory.reports.plan import chosen_plan
from observatory.reports.render import render, to_html

MIDELT = "08.363.01.03"  # Midelt, a provincial capital of Drâa-Tafilalet


def flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text.replace("\u2066", "").replace("\u2069", ""))


@pytest.fixture(scope="module")
def midelt(built_db, tmp_path_factory):
    """The French commune report of Midelt as a PDF, its pages read by pdftotext."""
    content = gather(level="commune", code=MIDELT, lang="fr", db=built_db)
    path = tmp_path_factory.mktemp("credits") / "midelt.pdf"
    path.write_bytes(render(content, "pdf"))
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return content, [flat(p) for p in text.stdout.split("\f")]


def test_modelled_figures_are_credited_to_the_observatory_not_to_hcp(midelt, built_db):
    content, pages = midelt
    every = " ".join(pages)
    modelled = content.definitions[content.definitions["source_id"] == registry.ANALYTICS_SOURCE]
    assert len(modelled), "the commune report shows modelled figures"
    for heading in modelled["heading"]:
        if heading:
            assert f"HCP : {heading}" not in every
    assert "Observatoire, d'après le HCP" in every
    published = content.definitions[content.definitions["source_id"].str.startswith("hcp-")]
    assert f"HCP : {published['heading'].iloc[0]}" in every
    # The map's caption names who made the map, in words; no source id is left as a credit.
    assert "Source : observatory-analytics" not in every
    assert (
        "Source : Observatoire territorial de l'équité numérique, calculé à partir des données du HCP"
        in every
    )
    # Every page's footer credits both.
    footers = [p for p in pages if p.strip()]
    assert all("HCP, RGPH 2014 et 2024 ; calculs de l’observatoire" in p for p in footers)


def test_page_one_names_the_plan_and_the_nearest_site(midelt, built_db):
    content, pages = midelt
    first = pages[0]
    plan_id = chosen_plan(built_db)
    stored = plans.read_plan(plan_id, db=built_db)
    assert stored.status != "approved"  # the build's default plan, nobody has approved one
    assert stored.name == plans.DEFAULT_PLAN_NAME  # stored as the build names it, said in the page's words
    assert f"Plan utilisé : « plan de référence » ({plan_id}), le plan par défaut de l'observatoire" in first
    assert "Statut : brouillon" in first
    here = stored.coverage.set_index("code").loc[MIDELT]
    site = stored.sites.set_index("code").loc[here["site_code"], "name_fr"]
    said = "Le site qui la dessert" if here["covered"] else "Le site le plus proche"
    assert f"{said} ({site})" in first
    assert "Ce site est un centre de formation au numérique" in first
    assert "--plan" not in " ".join(pages)
    assert content.plan is None  # the plan's own pages come only when one is asked for


def test_an_approved_plan_is_the_one_page_one_uses(writable_db):
    default = chosen_plan(writable_db)
    assert default is not None
    plans.review_plan(default, "reviewed", reviewer="Fatima", reason="sites checked", db=writable_db)
    plans.review_plan(default, "approved", reviewer="Karim", reason="voted by the council", db=writable_db)
    content = gather(level="commune", code=MIDELT, lang="en", db=writable_db)
    assert content.brief.plan.startswith(f"Plan used: “reference plan” ({default}), the approved plan.")


def test_the_word_file_is_a4(built_db):
    from docx import Document

    content = gather(level="commune", code=MIDELT, lang="fr", db=built_db)
    document = Document(BytesIO(render(content, "docx")))
    for section in document.sections:
        assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)


def test_the_arabic_annex_credits_in_arabic(built_db):
    content = gather(level="commune", code=MIDELT, lang="ar", db=built_db)
    html = render(content, "html").decode()
    assert "HCP : " not in html
    assert "المرصد، انطلاقا من معطيات المندوبية" in html
    assert "المرصد الترابي للإنصاف الرقمي، حسابات انطلاقا من معطيات المندوبية السامية للتخطيط" in html


def test_reach_and_service_are_two_words_that_agree(built_db):
    plan_id = chosen_plan(built_db)
    content = gather(level="region", code="08", lang="fr", db=built_db, plan=plan_id)
    stored = plans.read_plan(plan_id, db=built_db)
    audit = stored.audit.set_index(["plan", "group_type", "group"])
    here = audit.loc[("optimal", "region", "08")]
    said = flat(content.brief.plan)
    reached = flat(percent(here["reached_share"] * 100, "fr", decimals=0))
    served = flat(percent(here["covered_share"] * 100, "fr", decimals=1))
    assert f"Dans la région, {reached} d'un besoin de" in said and f"et {served} peut y être servi" in said
    assert " couvre " not in said
    # The table says the same two things by province, each under its own word.
    html = flat(unescape(to_html(content)))
    assert "À portée" in html and "Servies" in html
    errachidia = stored.coverage_by_province.set_index("code").loc["08.201"]
    row = content.plan.coverage.set_index("group").loc["Errachidia"]
    assert row["reached_share"] == pytest.approx(errachidia["covered_share"] * 100)
    assert row["served_share"] == pytest.approx(errachidia["served_need"] / errachidia["need"] * 100)
    assert row["served_share"] < row["reached_share"]
    # The library's served need by province adds up to the plan's own audit of what it serves.
    national = audit.loc[("optimal", "all", "all")]
    assert stored.coverage_by_province["served_need"].sum() == pytest.approx(national["covered_need"])


def test_the_ranked_table_counts_what_page_one_counts(built_db):
    content = gather(level="province", code="08.363", lang="fr", db=built_db)
    html = flat(unescape(to_html(content)))
    n = int(content.communes["n_units"].max())
    ranked = flat(integer(n, "fr"))
    assert f"Rang national parmi les {ranked} communes que l'indice classe" in html
    assert "1 503 communes (1 = la plus fragile)" not in html
    # Every column of the ranked table says the year of its figures (a 2014 figure is dated where quoted),
    # and the annex defines each figure by its entry of that year.
    years = content.definitions.set_index("indicator_id")["year"]
    for column, header in content.commune_columns.items():
        assert str(int(years[column])) in header and flat(header) in html
    assert years["disability_prevalence"] == 2024


def test_a_commune_report_with_its_annex_is_six_pages_at_most(midelt):
    _, pages = midelt
    printed = [p for p in pages if p.strip()]
    assert len(printed) <= 6, len(printed)
    assert "Sources et licences" in " ".join(printed)  # the annex is there, only shorter
    assert "census_indicators" not in " ".join(printed) and "Lentille « census »" not in " ".join(printed)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_spreadsheet_speaks_the_report_language_and_defines_every_column(built_db, lang):
    from openpyxl import load_workbook

    from observatory.reports.i18n import words

    t = words(lang)
    content = gather(level="commune", code=MIDELT, lang=lang, db=built_db)
    book = load_workbook(BytesIO(render(content, "xlsx")))
    assert book.sheetnames[:2] == [t["sheet.metadata"], t["sheet.fields"]]
    assert not {"metadata", "key_figures", "communes", "models", "definitions"} & set(book.sheetnames)
    fields = list(book[t["sheet.fields"]].iter_rows(min_row=3, values_only=True))
    defined = {row[1]: row for row in fields}
    for name in book.sheetnames[2:]:
        sheet = book[name]
        first = 2 if sheet["A1"].value and sheet.max_row > 1 and sheet["A2"].font.bold else 1
        for cell in sheet[first]:
            # Every header is a word of the report's language, defined on the fields sheet.
            assert cell.value in {row[0] for row in fields}, (name, cell.value)
    assert all(row[2] for row in fields), [row[1] for row in fields if not row[2]]
    assert defined["reached_share"][0] == t["field.reached_share"] if "reached_share" in defined else True
    # Values are rounded: no float keeps more than four significant digits.
    for sheet in book.worksheets[2:]:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, float) and value:
                    assert len(f"{abs(value):.15g}".replace(".", "").strip("0")) <= 4, (sheet.title, value)
