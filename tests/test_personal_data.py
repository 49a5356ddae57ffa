"""Personal data kept out under law 09-08: column names in French, Arabic and English, values in any
column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from observatory.errors import PersonalDataError
from observatory.etl.connectors._common import Rejects, Table, counts
from observatory.etl.connectors._personal import (
    mask_personal,
    personal_column,
    personal_value,
    refuse_personal_data,
)

TANGER = "01.511.01.0"

#: Column names a ministry's export might use for a personal field, and the field they name.
PERSONAL_HEADERS = [
    ("cin", "identity"),
    ("CIN", "identity"),
    ("cin_number", "identity"),
    ("N° CIN", "identity"),
    ("Numéro CIN", "identity"),
    ("CIN/CNIE", "identity"),
    ("CNIE", "identity"),
    ("num_cnie", "identity"),
    ("Identifiant national", "identity"),
    ("Carte nationale", "identity"),
    ("national_id", "identity"),
    ("NationalID", "identity"),
    ("ID card number", "identity"),
    ("Pièce d'identité", "identity"),
    ("رقم البطاقة الوطنية", "identity"),
    ("البطاقة الوطنية للتعريف", "identity"),
    ("رقم التعريف", "identity"),
    ("Passeport", "passport"),
    ("passport_no", "passport"),
    ("N° passeport", "passport"),
    ("جواز السفر", "passport"),
    ("Téléphone", "phone"),
    ("Numéro de téléphone", "phone"),
    ("phone_number", "phone"),
    ("Tél.", "phone"),
    ("TEL", "phone"),
    ("GSM", "phone"),
    ("Portable", "phone"),
    ("mobile_number", "phone"),
    ("Numéro mobile", "phone"),
    ("MSISDN", "phone"),
    ("رقم الهاتف", "phone"),
    ("الهاتف", "phone"),
    ("الجوال", "phone"),
    ("email", "e-mail"),
    ("E-mail", "e-mail"),
    ("email_address", "e-mail"),
    ("Courriel", "e-mail"),
    ("Adresse électronique", "e-mail"),
    ("mail", "e-mail"),
    ("البريد الإلكتروني", "e-mail"),
    ("Nom et prénom", "name"),
    ("nom_prenom", "name"),
    ("NomPrenom", "name"),
    ("Prénom", "name"),
    ("first_name", "name"),
    ("LastName", "name"),
    ("full name", "name"),
    ("Nom complet", "name"),
    ("NOM", "name"),
    ("name", "name"),
    ("user_name", "name"),
    ("الاسم الكامل", "name"),
    ("الاسم", "name"),
    ("النسب", "name"),
    ("الإسم العائلي", "name"),
    ("date de naissance", "birth"),
    ("Date_Naissance", "birth"),
    ("DateNaissance", "birth"),
    ("date_of_birth", "birth"),
    ("birthdate", "birth"),
    ("DOB", "birth"),
    ("تاريخ الازدياد", "birth"),
    ("تاريخ الميلاد", "birth"),
    ("Adresse", "address"),
    ("Adresse postale", "address"),
    ("address_line_1", "address"),
    ("Domicile", "address"),
    ("العنوان", "address"),
]

#: Column names an aggregate export legitimately carries.
INNOCENT_HEADERS = [
    "commune_code",
    "service",
    "period",
    "channel",
    "transactions",
    "unique_users",
    "nom_commune",
    "commune_name",
    "Nom de la commune",
    "province",
    "mobile",
    "web",
    "counter",
    "assisted",
    "service_name",
    "اسم الجماعة",
    "الجماعة",
    "نسبة الأمية",
    "الإقليم",
    "code",
    "année",
    "mois",
    "canal",
    "nombre",
    "telecentre",
    "cinema_count",
    "notes",
    "contact_channel",
]

#: Cells that hold personal data, whatever the column's name, and what they reveal.
PERSONAL_CELLS = [
    ("contact: ali@example.ma", "e-mail"),
    ("Ali.Benali@gov.ma", "e-mail"),
    ("écrire à x_y@mail.co.ma", "e-mail"),
    ("212612345678", "phone"),
    ("+212 (0)6 12 34 56 78", "phone"),
    ("+212612345678", "phone"),
    ("00212 6 12 34 56 78", "phone"),
    ("0612345678", "phone"),
    ("06 12 34 56 78", "phone"),
    ("06-12-34-56-78", "phone"),
    ("06.12.34.56.78", "phone"),
    ("0522-123456", "phone"),
    ("tél 0712345678", "phone"),
    ("ab123456", "CIN"),
    ("AB123456", "CIN"),
    ("CIN AB123456", "CIN"),
    ("cin: BK654321", "CIN"),
    ("A 123456", "CIN"),
    ("J12345", "CIN"),
    ("BE-987654", "CIN"),
]

#: Cells an export legitimately carries: commune codes in every accepted spelling, counts, months.
INNOCENT_CELLS = [
    "01.511.01.05",
    "06.141.01.05",
    "05.091.03.01",
    "07.061.01.11",
    "015110105",
    "061410105",
    "15110101",
    "12000",
    "0",
    "999999999",
    "1 234",
    "2025-03",
    "2025Q2",
    "2026-01-01",
    "civil_registry",
    "social_protection",
    "web",
    "mobile",
    "Fès-Meknès",
    "طنجة",
    "0.5123456789",
    "12,5",
    "Q2 2025",
    "B2B",
    "tax 2025",
]


def _table(frame: pd.DataFrame) -> Table:
    return Table(Path("export.csv"), frame, np.arange(len(frame)) + 2)


@pytest.mark.parametrize(("header", "field"), PERSONAL_HEADERS)
def test_personal_column_names_are_recognised(header, field):
    assert field in (personal_column(header) or "").replace("national identity", "identity"), header


@pytest.mark.parametrize("header", INNOCENT_HEADERS)
def test_aggregate_column_names_are_not_personal(header):
    assert personal_column(header) is None


@pytest.mark.parametrize(("cell", "what"), PERSONAL_CELLS)
def test_personal_values_are_found_inside_text(cell, what):
    assert what in (personal_value(cell) or ""), cell
    assert what not in mask_personal(cell) or "[masked" in mask_personal(cell)
    assert not personal_value(mask_personal(cell))


@pytest.mark.parametrize("cell", INNOCENT_CELLS)
def test_codes_counts_and_months_are_not_personal(cell):
    assert personal_value(cell) is None


def test_the_table_is_large_enough(tally):
    assert len(PERSONAL_HEADERS) + len(PERSONAL_CELLS) >= 80
    assert len(INNOCENT_HEADERS) + len(INNOCENT_CELLS) >= 50
    tally(
        f"personal-data table: {len(PERSONAL_HEADERS)} personal headers and {len(PERSONAL_CELLS)} personal "
        f"cells caught; {len(INNOCENT_HEADERS)} aggregate headers and {len(INNOCENT_CELLS)} cells let through"
    )


@pytest.mark.parametrize(
    ("column", "cells", "what"),
    [
        ("Téléphone", ["0612345678"], "column 'Téléphone' (its name says it holds a phone number)"),
        (
            "رقم البطاقة الوطنية",
            ["redacted"],
            "column 'رقم البطاقة الوطنية' (its name says it holds a national identity",
        ),
        ("contact", ["x@example.ma"], "column 'contact' (row 2 holds an e-mail address)"),
        ("note", ["+212 6 12 34 56 78"], "column 'note' (row 2 holds a Moroccan phone number)"),
        ("ref", ["BK654321"], "column 'ref' (row 2 holds a CIN (national identity card) number)"),
        # Code columns are scanned too: a phone typed in the commune code column refuses the file.
        ("commune_code", ["0612345678"], "column 'commune_code' (row 2 holds a Moroccan phone number)"),
    ],
)
def test_one_personal_column_refuses_the_whole_file_citing_the_law(column, cells, what):
    frame = pd.DataFrame({"service": ["tax"], "transactions": ["12"], column: cells})
    with pytest.raises(PersonalDataError) as err:
        refuse_personal_data(_table(frame))
    message = str(err.value)
    assert what in message and "law 09-08" in message and "aggregates only" in message
    assert cells[0] not in message  # the error never repeats the personal value


def test_an_aggregate_export_passes():
    frame = pd.DataFrame(
        {
            "commune_code": [TANGER, "015110101"],
            "service": ["tax", "civil_registry"],
            "period": ["2026-01", "2026-01"],
            "channel": ["web", "counter"],
            "transactions": ["12000", "7"],
            "unique_users": ["8000", "7"],
            "nom_commune": ["Tanger", "x"],
        }
    )
    assert refuse_personal_data(_table(frame)) is None  # counts, codes and names pass
    # The same file with one address in it is refused: the pass above is the scan finding nothing.
    frame.loc[1, "nom_commune"] = "x@example.ma"
    with pytest.raises(PersonalDataError, match="column 'nom_commune' \\(row 3 holds an e-mail address\\)"):
        refuse_personal_data(_table(frame))


def test_quarantine_never_holds_a_value_that_looks_personal():
    rejects = Rejects()
    rejects.add(
        "export.csv",
        [2, 3, 4],
        "commune_code",
        ["0612345678", "ali@example.ma", "99.999.99.99"],
        "unknown commune code",
    )
    stored = rejects.frame()["value"].tolist()
    assert stored == ["[masked: a Moroccan phone number]", "[masked: an e-mail address]", "99.999.99.99"]


def test_huge_counts_are_refused_not_wrapped():
    number, reason = counts(pd.Series(["99999999999999999999", "1000000000", "1000000001", "-1", "12"]))
    assert reason.tolist() == [
        "implausible count: above 1,000,000,000 for one cell",
        "",
        "implausible count: above 1,000,000,000 for one cell",
        "negative count",
        "",
    ]
    assert number.dtype == "float64" and number.iloc[0] > 0


def test_huge_ookla_values_are_quarantined():
    from observatory.etl.connectors.ookla import validate_tiles

    tiles = pd.DataFrame(
        {
            "quadkey": ["1202032313013120", "1202032313013121"],
            "tile": [None, None],
            "avg_d_kbps": [5000, 5000],
            "avg_u_kbps": [1000, 1000],
            "avg_lat_ms": [20, 20],
            "tests": ["99999999999999999999", "12"],
            "devices": [3, 3],
            "source": ["t.parquet"] * 2,
            "row": [1, 2],
        }
    )
    rejects = Rejects()
    valid = validate_tiles(tiles, rejects)
    assert valid["row"].tolist() == [2]
    assert rejects.frame()["reason"].tolist() == ["implausible value: above 1,000,000,000"]
