"""
Reports on a built database, read as a planner reads them: the PDF is opened (pdfplumber) and
checked against the query layer and against geography (Drâa-Tafilalet borders five régions and has
five provinces); every row of the breakdown tables says its sex and area; simulated figures are
flagged and never a reason; French numbers have decimal commas; every page of the région 08 French
and Arabic reports is rendered to PNG for a person to look at; the XLSX, DOCX, the commune report,
the plan section, the command and the API route are checked too.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from io import BytesIO

import pdfplumber
import pytest
from click.testing import CliRunner

from observatory import query, results
from observatory.formatting import percent, quantity
from observatory.index import ordinal
from observatory.plans import read_plan
from observatory.rank_certainty import draws_share
from observatory.reports.content import gather
from observatory.reports.i18n import language_list
from observatory.reports.render import render, to_html

REGION = "08"
COMMUNE = "08.363.05.21"  # Sidi Yahia Ou Youssef (Midelt), the most fragile commune of Drâa-Tafilalet
TANGER = "01.511.01.0"
#: The régions Drâa-Tafilalet shares a border with: Oriental, Fès-Meknès, Béni Mellal-Khénifra,
#: Marrakech-Safi, Souss-Massa (its other border is Algeria's).
NEIGHBOURS = {"02", "03", "05", "07", "09"}
PROVINCES = {"Errachidia", "Midelt", "Ouarzazate", "Tinghir", "Zagora"}
#: The one usage phrase a simulated figure would put in a reason.
SIMULATED_PHRASE = "démarches sont faites en ligne"


@pytest.fixture(scope="session")
def report_db(built_db):
    return built_db


def flat(text: str) -> str:
    """Text with every kind of space (thin, no-break) made one plain space, and bidi isolates dropped."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", text.replace("\u2066", "").replace("\u2069", ""))


def _pdf(db, tmp_path_factory, lang, level="region", code=REGION, plan=None):
    content = gather(level=level, code=code, lang=lang, db=db, plan=plan)
    path = tmp_path_factory.mktemp(f"pdf-{lang}") / f"rapport-{level}-{code}-{lang}.pdf"
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


def test_the_first_page_is_the_brief(french, report_db):
    content, _, pages, _ = french
    first = flat(pages[0])
    assert "Drâa-Tafilalet" in first and "L'essentiel en une page" in first and "Page 1 sur" in first
    regions = results.fragility_index("region", db=report_db, lang="fr").set_index("code")
    assert f"Classée {ordinal(int(regions.loc[REGION, 'rank']), 'fr')} sur 12 régions" in first
    assert set(query.neighbours("region", REGION, db=report_db)) == NEIGHBOURS
    assert set(content.brief.peers["code"]) == NEIGHBOURS | {REGION}
    for code in NEIGHBOURS:
        assert regions.loc[code, "name_fr"] in first
    # The places to act first: the région's most fragile communes, with interval, certainty and reason.
    expected = results.fragility_index("commune", db=report_db, region=REGION, lang="fr")
    act = content.brief.act_first
    sure = expected[(expected["p_top_decile"] >= 0.95) | (expected["p_region_top10"] >= 0.95)]
    assert 5 <= len(act) <= 10 and list(act["code"]) == list(sure["code"].head(len(act)))
    probabilities = expected.set_index("code")[["p_top_decile", "p_region_top10"]]
    for row in act.itertuples():
        assert row.name in first and f"{row.rank_lower}–{row.rank_upper}" in first and row.reason
        # The certainty is the index's own figures from its draws, not a width the report invents.
        national, region = probabilities.loc[row.code]
        assert national >= 0.95 or region >= 0.95  # a place the index is sure of, said in words
        sure_of = "10 % les plus fragiles du Maroc" if national >= 0.95 else "10 plus fragiles de la région"
        shown = national if national >= 0.95 else region
        assert row.certainty == f"sûre d'être parmi les {sure_of} ({draws_share(shown, 'fr')})".replace(
            "10 %", "10\u202f%"
        )
    assert (
        "Où agir d'abord" in first and "Précautions de lecture" in first and "Ce que couvre le plan" in first
    )


def test_a_simulated_figure_is_never_a_reason(french, report_db):
    content, _, pages, _ = french
    # Only the demonstration lens ranks with simulated usage; its stored explanations may cite it.
    stored = results.fragility_index("commune", db=report_db, region=REGION, lang="fr", lens="demo")
    cited = stored[stored["explanation"].str.contains(SIMULATED_PHRASE)]
    assert len(cited), "the demonstration lens's explanations cite simulated usage: the reasons must not"
    reasons = results.measured_explanations(list(cited["code"]), db=report_db, lens="demo", lang="fr")
    assert not reasons.str.contains(SIMULATED_PHRASE).any()
    assert not content.brief.act_first["reason"].str.contains(SIMULATED_PHRASE).any()
    assert SIMULATED_PHRASE not in flat(pages[0])


def test_the_headline_report_shows_no_simulated_layer_and_explains_the_index(french):
    content, _, pages, _ = french
    assert all(m.status != "simulated" for m in content.maps)
    assert not any("Dimension — Usages" in flat(p) for p in pages)
    method = flat(next(p for p in pages if "Note de méthode" in p and "Composantes" in p))
    for words in ("Accès et connectivité", "Compétences", "intervalle à 90 %", "poids égaux"):
        assert words in method


def test_every_breakdown_row_says_its_sex_and_area(french, report_db):
    content, _, pages, _ = french
    for frame in (content.key_figures, content.changes, content.models):
        assert frame[["sex", "area"]].notna().all().all()
    # The 2030 illiteracy projection: one row per sex, each saying it (it once read as illiteracy rising).
    forecast = content.models[
        (content.models["indicator_id"] == "illiteracy_rate_10_plus_forecast")
        & (content.models["unit_code"] == REGION)
        & (content.models["year"] == 2030)
    ]
    assert list(forecast["sex"]) == ["all", "male", "female"]
    text = flat(" ".join(pages))
    women = forecast[forecast["sex"] == "female"].iloc[0]
    assert re.search(r"femmes \d{4} " + re.escape(flat(quantity(women["value"], "percent", "fr"))), text)
    # The published 2024 rates of the région, by sex, as HCP's figures through the query layer.
    by_sex = query.indicator_values(
        "illiteracy_rate_10_plus", db=report_db, level="region", units=[REGION], year=2024, sex=None
    ).set_index("sex")["value"]
    rows = content.key_figures[content.key_figures["indicator_id"] == "illiteracy_rate_10_plus"]
    assert list(zip(rows["sex"], rows["area"], strict=True))[:5] == [
        ("all", "total"),
        ("male", "total"),
        ("female", "total"),
        ("all", "urban"),
        ("all", "rural"),
    ]
    for sex in ("female", "male"):
        assert (
            f"{'femmes' if sex == 'female' else 'hommes'} {flat(quantity(by_sex[sex], 'percent', 'fr'))}"
            in text
        )


def test_french_numbers_have_decimal_commas_and_no_nan(french, report_db):
    _, _, pages, _ = french
    text = flat(" ".join(pages))
    illiteracy = query.indicator_values(
        "illiteracy_rate_10_plus", db=report_db, level="region", units=[REGION], year=2024
    ).value.iloc[0]
    assert f"{illiteracy:.1f}".replace(".", ",") + " %" in text
    assert not re.search(r"\d\.\d %", text), "a decimal point in a French percentage"
    assert "1 655 623" in text  # HCP's legal population of Drâa-Tafilalet, 2024
    assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE)
    assert "covered_share" not in text and not re.search(r"\burban\b", text)
    assert re.search(r"version du code \d+\.\d+\.\d+ \([0-9a-f]{12}\)", text)


def test_provinces_and_ranked_communes(french, report_db):
    content, _, pages, _ = french
    assert set(content.provinces["name_fr"]) == PROVINCES
    expected = results.fragility_index("province", db=report_db, region=REGION)
    assert list(content.provinces["code"]) == list(expected["code"])
    page = flat(next(p for p in pages if "Provinces et préfectures" in p and "sur 75" in p))
    for row in content.provinces.itertuples():
        assert f"{row.name} {row.code}" in page and f"{int(row.rank)} sur 75" in page
    communes = content.communes
    assert len(communes) == 125 and list(communes["rank"]) == sorted(communes["rank"])
    assert communes["province"].notna().all() and set(communes["province"]) == PROVINCES
    # The interval is the 5th-95th percentile of the Monte Carlo ranks: it need not hold the point rank.
    assert (communes["rank_lower"] <= communes["rank_upper"]).all()


def test_maps_are_oriented(french):
    content, _, _, _ = french
    html = to_html(content)
    # and the provinces' map, page 1's locator and the key rates' chart
    assert html.count("data:image/svg+xml;base64,") == len(content.maps) + 3
    assert len(content.basemap.provinces) == 5 and set(content.basemap.neighbours["code"]) == NEIGHBOURS
    towns = set(content.basemap.towns["name"])
    assert {
        "Errachidia",
        "Ouarzazate",
        "Zagora",
        "Tinghir",
    } <= towns  # GeoNames' largest places of the région
    assert "Classes nationales (quintiles des 1\u202f503 communes)" in html
    # A map is printed at the size it is drawn, so its 7-point labels stay 7 points on paper.
    from PIL import Image

    from observatory.reports import maps
    from observatory.reports.drawing import DPI
    from observatory.reports.view import map_images

    for image in map_images(content):
        svg = image.drawing.svg()
        size = (re.search(f'{side}="([0-9.]+)pt"', svg) for side in ("width", "height"))
        width, height = (float(found[1]) / 72 for found in size)
        assert width <= maps.WIDTH_IN + 0.01 and height <= maps.HEIGHT_IN + 0.01
        assert f"width:{width * 72:.1f}pt" in image.drawing.html()  # its words laid over it at that size
        # Word's picture is the same drawing at the same size
        assert Image.open(BytesIO(image.drawing.png())).size == (round(width * DPI), round(height * DPI))


def test_compact_provenance_and_arabic_bidi(french, arabic):
    content, _, _, _ = french
    assert content.files["file"].is_unique and content.files["sha256"].str.len().eq(64).all()
    assert content.provenance["indicator_id"].is_unique
    _, path, ar_pages, fonts = arabic
    text = "\n".join(ar_pages)
    assert any("Naskh" in f or "Arabic" in f for f in fonts), fonts
    assert "درعة-تافيلالت"[::-1] in text  # pdfplumber reads right-to-left words reversed
    assert (
        "/https:" not in text
        and "https://www.hcp.ma/file/242341/"
        in subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    )
    assert "CC BY 4.0" in text and "Reusable" not in text  # the licence in words of the page
    assert "1 655 623" in flat(text)


def test_every_page_renders_to_png(french, arabic, report_db, tmp_path, tmp_path_factory, artifacts):
    from PIL import Image, ImageStat

    if shutil.which("pdftoppm") is None:
        pytest.fail("pdftoppm (poppler-utils) is needed; .ci/run installs it")
    commune = _pdf(report_db, tmp_path_factory, "fr", level="commune", code=COMMUNE)
    for _, path, pages, _ in (french, arabic, commune):
        prefix = tmp_path / path.stem
        subprocess.run(["pdftoppm", "-r", "50", "-png", str(path), str(prefix)], check=True)
        images = sorted(tmp_path.glob(f"{path.stem}-*.png"))
        assert len(images) == len(pages)
        for image in images:
            stat = ImageStat.Stat(Image.open(image).convert("L"))
            assert stat.stddev[0] > 5, f"{image.name} is blank"
            shutil.copyfile(image, artifacts / image.name)  # for a person to look at


def test_xlsx_labels_rows_and_keeps_simulated_columns_apart(report_db):
    from openpyxl import load_workbook

    from observatory.reports.naming import label

    content = gather(level="province", code="01.511", lang="fr", db=report_db)
    book = load_workbook(BytesIO(render(content, "xlsx")))
    assert book.sheetnames[:2] == ["Rapport", "Champs"]
    meta = {row[0].value: row[1].value for row in book["Rapport"].iter_rows()}
    assert (
        meta["Code"] == "01.511"
        and "CC BY 4.0" in meta["Licence"]
        and re.match(r"\d+\.\d+\.\d+ \(", meta["Version du code"])
    )
    models = list(book["Estimations et projections"].iter_rows(values_only=True))
    assert {"Sexe", "Milieu", "Statut (code)", "Statut"} <= set(models[0])
    assert {r[models[0].index("Sexe")] for r in models[1:]} <= {"ensemble", "hommes", "femmes"}
    header = [c.value for c in book["Communes"][1]]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in book["Communes"].iter_rows(min_row=2, values_only=True)
    }
    illiteracy = label("illiteracy_rate_10_plus", "fr")
    assert rows[TANGER]["Population 2024"] == 1_275_428 and rows[TANGER][illiteracy] == 14.5
    simulated = {c for c, s in content.column_status.items() if s == "simulated"}
    assert simulated and not {label(c, "fr") for c in simulated} & set(header)
    assert book["Données simulées"]["A1"].value.startswith("Données simulées")
    statuses = {r[0]: r[3] for r in book["Colonnes des communes"].iter_rows(min_row=2, values_only=True)}
    assert statuses["illiteracy_rate_10_plus"] == "published" and all(
        statuses[c] == "simulated" for c in simulated
    )


def test_docx_is_the_same_report_to_annotate(report_db):
    from docx import Document

    content = gather(level="region", code=REGION, lang="ar", db=report_db)
    document = Document(BytesIO(render(content, "docx")))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "الأساسي في صفحة واحدة" in text and content.brief.standing in text
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert set(content.provinces["name"]) <= cells
    assert len(document.inline_shapes) == len(content.maps) + 2  # and the locator and the key rates' chart


def test_the_commune_report_is_shaped_for_a_commune(report_db, tmp_path_factory):
    content, _, pages, _ = _pdf(report_db, tmp_path_factory, "fr", level="commune", code=COMMUNE)
    annex = next(i for i, p in enumerate(pages) if re.search(r"Méthodes et sources\s+Base construite", p))
    assert 2 <= annex <= 4, f"{annex} pages before the annex"
    first = flat(pages[0])
    assert "Sidi Yahia Ou Youssef" in first and "Midelt" in first and "Drâa-Tafilalet" in first
    profile = flat(pages[1])
    assert "Profil de la commune" in profile and "Province" in profile and "Région" in profile
    assert content.brief.act_first.empty and len(content.communes) == 1


def test_the_plan_is_said_for_people(report_db):
    stored = read_plan(db=report_db)
    plan_id = stored.plan_id
    content = gather(level="region", code="07", lang="fr", db=report_db, plan=plan_id)
    html = to_html(content)
    for raw in ("covered_share", "ratio_vs_naive", '{"budget"', "need_served"):
        assert raw not in html
    audit = stored.audit
    share = audit[(audit["plan"] == "optimal") & (audit["group_type"] == "region") & (audit["group"] == "07")]
    reached = percent(share["reached_share"].iloc[0] * 100, "fr", decimals=0)
    served = percent(share["covered_share"].iloc[0] * 100, "fr", decimals=1)
    assert (
        f"Dans la région, {reached} d'un besoin de" in unescape(html)
        and f"et {served} peut y être servi" in html
    )
    sites = stored.sites
    assert len(content.plan.sites) == (sites["region_code"] == "07").sum() > 0
    assert set(content.plan.coverage["group"]) >= {"femmes", "hommes", "rural", "urbain", "Marrakech"}
    assert "Part rurale minimale" in html and "Rayon desservi" in html
    # The default plan places at least one site in every région: Drâa-Tafilalet is not left at 0%.
    region_08 = gather(level="region", code=REGION, lang="fr", db=report_db, plan=plan_id)
    assert "Dans la région, 0\u202f%" not in region_08.brief.plan and "est à portée" in region_08.brief.plan
    with pytest.raises(KeyError, match="unknown plan 'plan-nope'"):
        gather(level="region", code="07", db=report_db, plan="plan-nope")


def test_unknown_codes_and_languages_are_clear_errors(report_db):
    with pytest.raises(KeyError, match="unknown region '99'; valid: 01, 02"):
        gather(level="region", code="99", db=report_db)
    with pytest.raises(KeyError, match="unknown language 'de'"):
        gather(level="region", code=REGION, lang="de", db=report_db)


def test_cli_infers_the_format_and_writes_into_a_folder(report_db, tmp_path):
    from observatory.cli import main

    runner = CliRunner()
    out = tmp_path / "tanger.xlsx"
    result = runner.invoke(
        main, ["report", "--db", str(report_db.target), "--province", "01.511", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"  # a zip: an XLSX, not a PDF named .xlsx
    result = runner.invoke(
        main,
        [
            "report",
            "--db",
            str(report_db.target),
            "--commune",
            TANGER,
            "--format",
            "html",
            "-o",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Tanger" in (tmp_path / f"rapport-commune-{TANGER}-fr.html").read_text(encoding="utf-8")
    result = runner.invoke(
        main, ["report", "--db", str(report_db.target), "--region", "99", "-o", str(tmp_path / "x.pdf")]
    )
    assert result.exit_code == 1 and "error: unknown region '99'" in result.output
    assert not list(tmp_path.glob(".*part"))


def test_the_api_serves_reports(report_db):
    from observatory.api import create_api_app
    from observatory.api.report_route import REPORTER
    from observatory.reports.output import reporter

    app = create_api_app(report_db)
    client = app.test_client()
    assert client.get(f"/api/v1/reports/region/{REGION}").status_code == 503
    app.config[REPORTER] = reporter(report_db)
    response = client.get(f"/api/v1/reports/commune/{TANGER}?lang=ar&format=pdf")
    assert response.status_code == 200 and response.data[:4] == b"%PDF"
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="rapport-commune-{TANGER}-ar.pdf"'
    )
    response = client.get("/api/v1/reports/province/01.511?format=xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert client.get("/api/v1/reports/region/99").status_code == 404
    assert client.get(f"/api/v1/reports/region/{REGION}?format=odt").status_code == 400
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "application/pdf" in spec["paths"]["/reports/{level}/{code}"]["get"]["responses"]["200"]["content"]


def _rtl_pages(path) -> list[str]:
    """An Arabic PDF's text in reading order (pdfplumber lays right-to-left characters out as read)."""
    with pdfplumber.open(path) as pdf:
        return [page.extract_text(char_dir_render="rtl") or "" for page in pdf.pages]


def test_the_plan_says_its_review_and_its_language_plan(writable_db, tmp_path_factory):
    from openpyxl import load_workbook

    from observatory.plans import review_plan
    from observatory.reports.i18n import LANGUAGE_NAMES

    db = writable_db
    plan_id = read_plan(db=db).plan_id
    draft = gather(level="region", code=REGION, lang="fr", db=db, plan=plan_id).plan
    assert draft.status == read_plan(plan_id, db=db).status == "draft"
    assert "brouillon" in draft.review and "Personne n'a encore examiné ce plan" in draft.review
    review_plan(plan_id, "reviewed", reviewer="Service de planification", reason="sites vus sur place", db=db)
    review_plan(plan_id, "approved", reviewer="Conseil régional", reason="dans le budget 2027", db=db)
    stored = read_plan(plan_id, db=db)
    day = str(stored.reviews["reviewed_at"].iloc[-1])[:10]

    content, _, pages, _ = _pdf(db, tmp_path_factory, "fr", plan=plan_id)
    text = flat(" ".join(pages))
    assert content.plan.status == stored.status == "approved"
    assert f"Statut : approuvé, par Conseil régional le {day} : « dans le budget 2027 »" in text
    assert "Statut : approuvé" in flat(pages[0])  # the brief says it too
    assert "Examens du plan" in text and re.search(r"examiné Service de .{0,40}sites vus sur place", text)
    # The région's language plan as the library counts it, beside Morocco's stored one.
    here = stored.languages_within(region=REGION).set_index("language")["sites"]
    national = stored.languages.set_index("language")["sites"]
    assert len(here) and set(here.index) <= set(national.index)
    plan_text = text[text.index("Plan linguistique") :]
    for language, sites in national.items():
        assert f"{LANGUAGE_NAMES['fr'][language]} {here.get(language, 0)} {sites}" in plan_text
    sites = stored.sites
    for site in sites[sites["region_code"] == REGION].itertuples():
        # A third language wraps onto the next line of its cell, after the share.
        first = language_list(site.languages.split(";")[:2], "fr").replace(" et ", ", ")
        share = flat(percent(site.voice_only_share * 100, "fr", decimals=0))
        assert re.search(re.escape(first) + ",? " + re.escape(share), text), (first, share)
    for share in (stored.voice_only_share_within(region=REGION), stored.voice_only_share):
        assert flat(percent(share * 100, "fr", decimals=0)) in plan_text

    _, ar_path, _, _ = _pdf(db, tmp_path_factory, "ar", plan=plan_id)
    ar_text = flat(" ".join(_rtl_pages(ar_path)))
    for words in ("الوضع: مصادق عليه، من طرف", "الخطة اللغوية", "مراجعات الخطة"):
        assert words in ar_text
    for language in national.index:
        assert LANGUAGE_NAMES["ar"][language] in ar_text
    assert not re.search(r"\b(darija|tachelhit|tamazight|tarifit|hassania|approved|draft)\b", ar_text)

    book = load_workbook(BytesIO(render(content, "xlsx")))
    reviews = list(book["Plan - examens"].iter_rows(values_only=True))
    assert [r[1] for r in reviews[1:]] == ["reviewed", "approved"] and reviews[-1][-1] == "approuvé"
    counted = {r[0]: r[2] for r in book["Plan - langues"].iter_rows(min_row=2, values_only=True)}
    assert counted == {k: here.get(k, 0) for k in national.index}


def test_plan_words_cover_every_status_and_language():
    from observatory.enums import LOCAL_LANGUAGES, PLAN_REVIEW_STATUSES
    from observatory.reports.i18n import LANGUAGE_NAMES, REVIEW_TEXT, TEXT

    for lang in TEXT:
        assert set(REVIEW_TEXT[lang]) == set(PLAN_REVIEW_STATUSES)
        assert set(LANGUAGE_NAMES[lang]) == set(LOCAL_LANGUAGES)
    assert not any(re.search(r"[A-Za-z]", name) for name in LANGUAGE_NAMES["ar"].values())


def test_changes_in_points_agree_in_number():
    from observatory.reports.numbers import format_change

    assert format_change(-0.2, "percent", "fr") == "−0,2\u00a0point"
    assert format_change(11.4, "percent", "fr") == "+11,4\u00a0points"
    assert format_change(1.94, "percent", "fr") == "+1,9\u00a0point" and format_change(
        1.96, "percent", "fr"
    ).endswith("points")
    assert format_change(0.5, "percent", "en") == "+0.5\u00a0points"
    assert format_change(-2.2, "km", "fr").endswith("km")


def test_a_table_is_declared_once_and_drawn_for_paper_and_word():
    from observatory.reports.blocks import (
        ONLY_PRINT,
        ONLY_WORD,
        Cell,
        Column,
        Group,
        Heading,
        Span,
        Table,
        shown_in,
    )

    rows = [{"rank": 3, "lower": 2, "upper": 5, "name": "Imilchil", "code": "08.363.05.21"}]
    table = Table(
        "act",
        [
            Column(
                "Rang", lambda r: str(r["rank"]), sub=lambda r: f"{r['lower']}–{r['upper']}", sub_header="IC"
            ),
            Column("Commune", lambda r: Cell(r["name"], (Span(r["code"], "code"),))),
            Column("Type", lambda r: "rural", media=ONLY_PRINT),
            Column("Année", lambda r: "2024", media=ONLY_WORD, word=lambda r: "2024 (RGPH)"),
        ],
        rows,
    )
    (row,) = table.printed()
    (rank, rank_cell), (_, name_cell), (kind, _) = row.cells
    assert rank.header == "Rang" and kind.header == "Type" and rank_cell.spans == (Span("2–5", "below"),)
    assert name_cell.text == "Imilchil" and name_cell.spans[0].role == "code"
    # Word: the line under a value is a column of its own; identifiers and paper-only columns are left out.
    assert table.word() == (["Rang", "IC", "Commune", "Année"], [["3", "2–5", "Imilchil", "2024 (RGPH)"]])
    group = Group("method", [Heading("Méthode"), Heading("Papier", media=ONLY_PRINT)])
    assert [b.text for b in shown_in([group], "word")[0].blocks] == ["Méthode"]


def test_a_section_added_to_the_document_is_drawn_in_every_format(report_db, monkeypatch):
    from docx import Document
    from openpyxl import load_workbook

    from observatory.reports import sections
    from observatory.reports.blocks import Column, Heading, Paragraph, Sheet, Table
    from observatory.reports.sections.base import Section

    class Extra(Section):
        id = "extra"

        def blocks(self, v):
            frame = v.c.key_figures.head(2)
            return [
                Heading("Section ajoutée", 1),
                Paragraph("Une phrase de la section ajoutée."),
                Table("extra", [Column("Indicateur", lambda r: r.label)], list(frame.itertuples())),
            ]

        def sheets(self, c):
            return {"extra": Sheet(c.key_figures.head(2))}

    monkeypatch.setattr(sections, "DOCUMENT", (*sections.DOCUMENT, Extra()))
    content = gather(level="commune", code=COMMUNE, lang="fr", db=report_db)
    label = content.key_figures["label"].iloc[0]
    html = flat(to_html(content))
    assert re.search(r'<section class="chapter" id="extra"> ?<h2>Section ajoutée</h2>', html)
    assert html.index("Méthodes et sources") < html.index("Une phrase de la section ajoutée.")
    document = Document(BytesIO(render(content, "docx")))
    assert (
        document.paragraphs[-2].text == "Section ajoutée"
        and document.tables[-1].rows[1].cells[0].text == label
    )
    book = load_workbook(BytesIO(render(content, "xlsx")))
    assert book.sheetnames[-1] == "extra" and book["extra"]["B2"].value == label
