"""
Personal data kept out (law 09-08): column names matched against a declared vocabulary in French,
Arabic and English, and every cell of every column scanned for e-mail addresses, Moroccan phone
numbers and CIN (national identity card) numbers written inside text. A file that shows any is
refused whole; a value that looks personal is never stored, not even in quarantine (`mask_personal`).

Names are normalised before matching: Unicode compatibility forms, case folded, Latin accents and
Arabic diacritics and tatweel removed, Arabic letter variants unified (أ إ آ → ا, ة → ه, ى → ي), the
article ال dropped, and the name cut into words at any separator or case change. A name is
personal when it holds a declared word (`PERSONAL_WORDS`), a declared pair of words
(`PERSONAL_PAIRS`), or, written without separators, a declared stem (`PERSONAL_STEMS`). A bare
"name" word (nom, name, اسم) is personal unless a place or service word qualifies it (`nom_commune`
is a commune's name).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import Any

import numpy as np

from observatory.errors import PersonalDataError

#: What a refused column's user is told to do when the column is theirs to vouch for.
VOUCH = "remove it, or load again with --ignore-column NAME if you vouch that it holds no person-level data"

LAW_0908 = (
    "law 09-08 on the protection of personal data: the observatory holds aggregates only. "
    "Remove the column(s), aggregate to commune × service × period × channel, and load again"
)

# -- column names ----------------------------------------------------------------------------------

_WHAT = {
    "name": "a person's name",
    "id": "a national identity (CIN/CNIE) number",
    "passport": "a passport number",
    "phone": "a phone number",
    "email": "an e-mail address",
    "birth": "a birth date",
    "address": "an address",
}

#: Single words (normalised) that name a personal field.
PERSONAL_WORDS: dict[str, str] = {
    **dict.fromkeys(
        [
            "prenom",
            "prenoms",
            "firstname",
            "lastname",
            "surname",
            "fullname",
            "forename",
            "givenname",
            "patronyme",
            "username",
            "login",
            "نسب",
            "لقب",
            "شخصي",
        ],
        "name",
    ),
    **dict.fromkeys(["cin", "cnie", "cni", "nin", "nni", "ncin", "numcin", "cinnumber", "cine"], "id"),
    **dict.fromkeys(["passport", "passeport", "pasaporte", "جواز"], "passport"),
    **dict.fromkeys(
        [
            "phone",
            "telephone",
            "tel",
            "tele",
            "gsm",
            "portable",
            "msisdn",
            "cellphone",
            "cellulaire",
            "mobilephone",
            "smartphone",
            "هاتف",
            "جوال",
            "نقال",
            "محمول",
        ],
        "phone",
    ),
    **dict.fromkeys(["email", "mail", "courriel", "mel", "بريد", "ايميل", "الكتروني"], "email"),
    **dict.fromkeys(
        ["naissance", "birth", "birthdate", "birthday", "dob", "ddn", "ميلاد", "ازدياد", "مولد"], "birth"
    ),
    **dict.fromkeys(["adresse", "address", "domicile", "rue", "street", "عنوان", "سكنى"], "address"),
}

#: Pairs of words that name a personal field together (each alone may be innocent).
PERSONAL_PAIRS: dict[frozenset[str], str] = {
    **{
        frozenset(p): "id"
        for p in [
            ("carte", "nationale"),
            ("carte", "identite"),
            ("identifiant", "national"),
            ("national", "id"),
            ("national", "identity"),
            ("id", "card"),
            ("identity", "card"),
            ("numero", "national"),
            ("piece", "identite"),
            ("بطاقه", "وطنيه"),
            ("بطاقه", "تعريف"),
            ("رقم", "تعريف"),
            ("رقم", "وطني"),
            ("رقم", "بطاقه"),
        ]
    },
    **{
        frozenset(p): "phone"
        for p in [
            ("mobile", "number"),
            ("mobile", "numero"),
            ("mobile", "num"),
            ("mobile", "no"),
            ("numero", "mobile"),
            ("contact", "number"),
            ("numero", "contact"),
        ]
    },
    **{frozenset(p): "birth" for p in [("date", "ne"), ("ne", "le"), ("تاريخ", "ولاده")]},
    **{frozenset(p): "email" for p in [("adresse", "electronique"), ("e", "mail")]},
}

#: Stems that betray a personal field even inside a compound written without separators.
PERSONAL_STEMS: dict[str, str] = {
    "prenom": "name",
    "firstname": "name",
    "lastname": "name",
    "fullname": "name",
    "surname": "name",
    "nomcomplet": "name",
    "passport": "passport",
    "passeport": "passport",
    "telephone": "phone",
    "phonenumber": "phone",
    "msisdn": "phone",
    "email": "email",
    "courriel": "email",
    "naissance": "birth",
    "birthdate": "birth",
    "dateofbirth": "birth",
    "adresse": "address",
    "address": "address",
    "cnie": "id",
    "cinnumber": "id",
    "numerocin": "id",
    "numcin": "id",
    "nationalid": "id",
    "cartenationale": "id",
    "هاتف": "phone",
    "جواز": "passport",
    "ميلاد": "birth",
    "ازدياد": "birth",
    "عنوان": "address",
    "بطاقهوطنيه": "id",
    "بطاقهتعريف": "id",
}

#: A name word: personal unless a place or service word qualifies it.
NAME_WORDS = frozenset({"nom", "name", "noms", "names", "اسم", "الاسم", "اسماء"})
PLACE_WORDS = frozenset(
    {
        "commune",
        "communes",
        "province",
        "prefecture",
        "region",
        "cercle",
        "caidat",
        "douar",
        "localite",
        "ville",
        "city",
        "centre",
        "center",
        "municipality",
        "service",
        "services",
        "canal",
        "channel",
        "indicateur",
        "indicator",
        "source",
        "file",
        "fichier",
        "layer",
        "couche",
        "arrondissement",
        "quartier",
        "unit",
        "unite",
        "جماعه",
        "اقليم",
        "جهه",
        "عماله",
        "خدمه",
        "دوار",
        "مدينه",
        "مقاطعه",
        "قياده",
        "دائره",
    }
)

_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_LETTERS = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي", "ؤ": "و", "ئ": "ي"}
)


def words(name: object) -> list[str]:
    """A column name cut into normalised words (see the module docstring)."""
    text = unicodedata.normalize("NFKC", str(name))
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # camelCase and PascalCase
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch) or "\u0600" <= ch <= "\u06ff")
    text = _ARABIC_MARKS.sub("", text).translate(_ARABIC_LETTERS)
    text = unicodedata.normalize("NFC", text)
    out = []
    for word in re.split(r"[\W_]+", text):
        if not word:
            continue
        if len(word) > 3 and word.startswith("ال"):
            word = word[2:]
        out.append(word)
    return out


def personal_column(name: object) -> str | None:
    """What personal field a column name declares ("a phone number"...), or None."""
    found = words(name)
    present = set(found)
    for pair, kind in PERSONAL_PAIRS.items():
        if pair <= present:
            return _WHAT[kind]
    for word in found:
        if word in PERSONAL_WORDS:
            return _WHAT[PERSONAL_WORDS[word]]
    compact = "".join(found)
    for stem, kind in PERSONAL_STEMS.items():
        if stem in compact:
            return _WHAT[kind]
    if present & NAME_WORDS and not present & PLACE_WORDS:
        return _WHAT["name"]
    return None


# -- values ----------------------------------------------------------------------------------------

_SEP = r"[\s.\-/]?"
#: Patterns searched inside every cell, with what each one reveals.
PERSONAL_VALUES: dict[str, re.Pattern[str]] = {
    "an e-mail address": re.compile(r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-z]{2,}", re.IGNORECASE),
    "a Moroccan phone number": re.compile(
        r"(?<![\d.])(?:(?:\+|00)\s?212|212)"
        + _SEP
        + r"(?:\(0\)"
        + _SEP
        + r"|0"
        + _SEP
        + r")?[5-7](?:"
        + _SEP
        + r"\d){8}(?!\d)"
        r"|(?<![\d.,])0[5-7](?:" + _SEP + r"\d){8}(?![\d,]|\.\d)"
    ),
    "a CIN (national identity card) number": re.compile(
        r"(?<![^\W\d_])(?<!\d)[a-z]{1,2}(?:\d{4,8}|[\s\-]\d{5,8})(?!\w)", re.IGNORECASE | re.ASCII
    ),
}


def personal_value(text: str) -> str | None:
    """What a cell's text reveals ("an e-mail address"...), or None."""
    for what, pattern in PERSONAL_VALUES.items():
        if pattern.search(text):
            return what
    return None


def mask_personal(text: str) -> str:
    """The text with every e-mail, phone or CIN number in it replaced by a mark saying what was there."""
    for what, pattern in PERSONAL_VALUES.items():
        text = pattern.sub(f"[masked: {what}]", text)
    return text


def refuse_personal_data(table: Any) -> None:
    """
    Refuse the whole file (`table`: path, frame of text cells, file row numbers) if a column name
    declares a personal field or any cell of any column holds an e-mail, a phone or a CIN number;
    the error names every such column and the first row of each, never the value.
    """
    problems = []
    for column in table.frame.columns:
        what = personal_column(column)
        if what:
            problems.append(f"column {column!r} (its name says it holds {what})")
            continue
        cells = table.frame[column].astype(str).str.strip()
        for what, pattern in PERSONAL_VALUES.items():
            hits = cells.str.contains(pattern, regex=True).to_numpy(dtype=bool)
            if hits.any():
                i = int(np.flatnonzero(hits)[0])
                problems.append(f"column {column!r} (row {int(table.rows[i])} holds {what})")
                break
    if problems:
        raise PersonalDataError(
            f"{table.path}: refused whole, it carries person-level identifiers: {'; '.join(problems)}. "
            f"Refused under {LAW_0908}.",
            failures=[{"source": str(table.path), "column": p} for p in problems],
        )


def refuse_undocumented_columns(
    table: Any, documented: Sequence[str], *, ignore: Sequence[str] = ()
) -> list[str]:
    """
    Refuse the whole file if it holds a column that is neither documented nor vouched for in
    `ignore` (compared without case or surrounding spaces): a column the observatory does not know
    may hold person-level data under any spelling (`matricule`, `agent`), so none is let through
    silently. Vouched-for columns are dropped from `table.frame`; returns a note naming them.
    """
    vouched = {str(name).strip().casefold() for name in ignore}
    extra = [c for c in table.frame.columns if c not in documented]
    dropped = [c for c in extra if str(c).strip().casefold() in vouched]
    refused = [c for c in extra if c not in dropped]
    if refused:
        names = ", ".join(repr(str(c)) for c in refused)
        raise PersonalDataError(
            f"{table.path}: refused whole, column(s) {names} not among the documented columns "
            f"({', '.join(documented)}); {VOUCH}",
            failures=[
                {"source": str(table.path), "column": str(c), "reason": "undocumented column"}
                for c in refused
            ],
        )
    if not dropped:
        return []
    table.frame = table.frame.drop(columns=dropped)
    names = ", ".join(map(str, dropped))
    return [f"{table.path.name}: column(s) ignored as vouched for (--ignore-column): {names}"]
