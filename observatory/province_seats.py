"""
Each province's and préfecture's seat (chef-lieu), read from a cited table rather than guessed from names:
a province is not always named for its seat (Figuig's is Bouarfa, Al Haouz's Tahannaout, Chtouka-Aït
Baha's Biougra). The legal basis is the dahir n° 1-59-351 du 2 décembre 1959 relatif à la division
administrative du Royaume, as amended, which fixes each préfecture's and province's chef-lieu; the rows of
`data/province_seats.csv` were checked against the French Wikipedia infobox and text of each province
and préfecture. The eight préfectures d'arrondissements of Casablanca have no commune of their own and
no row.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

#: The credit of the table's basis, a `source` id as the reports cite it (`observatory.attribution`).
SOURCE_ID = "province-seats"


@lru_cache(maxsize=1)
def _rows() -> tuple[tuple[str, str], ...]:
    """The table's (province code, seat code) pairs, read once per process."""
    text = resources.files("observatory").joinpath("data/province_seats.csv").read_text(encoding="utf-8")
    return tuple((row["province_code"], row["seat_code"]) for row in csv.DictReader(text.splitlines()))


def seat_codes() -> dict[str, str]:
    """Province or préfecture code -> the code of its seat's commune, for every one that has communes."""
    return dict(_rows())
