"""
Statistical disclosure control: which figures are never published, and how the published ones
are protected against differencing. Written by the ETL (a connector flags and perturbs what it
stores) and applied where data leave the database (the query layer blanks what is flagged), so
the API, the app, the reports and the exports all show the same protected figure.

Two rules, for counts of administrative records (usage exports) and every figure made from them:

1. **Primary suppression.** A count below `THRESHOLD` (10) is stored flagged `suppressed` and
   never published, nor any rate or share computed from it.
2. **Cell-key perturbation** (the method of the Australian Bureau of Statistics' TableBuilder and
   of the ONS for the 2021 census). Each raw record (a commune × service × month × channel row)
   draws once a secret record key, a uniform integer in [0, 2³²), stored with the raw counts
   (which are never published). A published count's cell key is the sum of the keys of the
   records with a non-zero contribution, modulo 2³², read as u in [0, 1); its noise is the value
   of the perturbation table `NOISE` at u (inverse CDF):

       noise        -3    -2    -1     0    +1    +2    +3
       probability 0.04  0.09  0.22  0.30  0.22  0.09  0.04     (mean 0, variance 1.88)

   and the published count is `max(count + noise, THRESHOLD)`, so a published count never falls
   below the threshold (which would tell that it sits exactly on it). Rates and shares are
   computed from the perturbed counts, so every figure built on one count carries the same noise.
   The same records always give the same key, hence the same noise: asking again, or through
   another table that holds the same records (a province of one commune, a service that is the
   commune's only one), returns the same figure, so repeated or overlapping queries cannot be
   averaged out.

Why it survives differencing: a hidden count equals a published total minus published parts,
but each of those carries its own noise of up to ±3, so the difference is the hidden count plus
a sum of noises that no one outside holds; every value in a window of several counts is
consistent with what is published. Published figures are therefore not additive (a province is
not exactly the sum of its communes); they are unbiased, with a standard error of about 1.4
counts, negligible beside the counts of 10 and more that are shown. The parameters (threshold,
maximum noise, table) are public, as in the ABS and ONS documentation; the record keys are not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: A count below this is never published (primary suppression).
THRESHOLD = 10
#: Record keys and cell keys are integers modulo this.
KEY_MODULUS = 2**32
#: The perturbation table: noise values and their probabilities.
NOISE = np.array([-3, -2, -1, 0, 1, 2, 3])
PROBABILITIES = np.array([0.04, 0.09, 0.22, 0.30, 0.22, 0.09, 0.04])
#: The largest noise in either direction.
MAX_NOISE = int(np.abs(NOISE).max())

_EDGES = np.cumsum(PROBABILITIES)[:-1]


def record_keys(n: int, *, rng: np.random.Generator | None = None) -> np.ndarray:
    """`n` record keys, uniform in [0, 2³²), from the operating system's entropy unless `rng` is given."""
    rng = rng if rng is not None else np.random.default_rng()
    return rng.integers(0, KEY_MODULUS, size=n, dtype=np.int64)


def key_sum(keys: pd.Series | np.ndarray) -> int:
    """The cell key of a set of records, as an integer modulo 2³² (additive: sums of key sums are exact)."""
    return int(np.asarray(keys, dtype=np.int64).sum() % KEY_MODULUS)


def noise(cell_keys: np.ndarray) -> np.ndarray:
    """The perturbation table's noise at each cell key (integers modulo 2³²)."""
    u = (np.asarray(cell_keys, dtype=np.int64) % KEY_MODULUS) / KEY_MODULUS
    return NOISE[np.searchsorted(_EDGES, u, side="right")]


def perturb(counts: np.ndarray, cell_keys: np.ndarray) -> np.ndarray:
    """
    Published counts: a count below the threshold is left as it is (it is suppressed, never shown),
    any other gets its cell's noise and is kept at or above the threshold.
    """
    counts = np.asarray(counts, dtype="float64")
    shown = counts >= THRESHOLD
    return np.where(shown, np.maximum(counts + noise(cell_keys), THRESHOLD), counts)


def suppressed(counts: np.ndarray) -> np.ndarray:
    """Whether each count is below the threshold, so it and every figure made from it is hidden."""
    return np.asarray(counts, dtype="float64") < THRESHOLD


#: Columns of a tidy value that could give a hidden value away.
HIDDEN_COLUMNS = ("value", "se", "lower", "upper", "scenario_low", "scenario_high")


def blank_stored_sql(facts: str) -> str:
    """The SQL that empties, in a value store's fact table, every suppressed value still stored with its
    number (a database written before suppressed values were stored without it)."""
    kept = " OR ".join(f"{c} IS NOT NULL" for c in HIDDEN_COLUMNS)
    emptied = ", ".join(f"{c} = NULL" for c in HIDDEN_COLUMNS)
    return f"UPDATE {facts} SET {emptied} WHERE suppressed = 1 AND ({kept})"


def mask(values: pd.DataFrame) -> pd.DataFrame:
    """Tidy values with the value and interval of every suppressed row emptied: what may be published."""
    if "suppressed" not in values or not len(values):
        return values
    hidden = values["suppressed"].fillna(0).astype("int64").to_numpy() == 1
    if hidden.any():
        values = values.copy()
        values.loc[hidden, [c for c in HIDDEN_COLUMNS if c in values]] = float("nan")
    return values
