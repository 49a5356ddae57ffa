"""
A plan's review log, append-only and tamper-evident: entry n of a plan's log holds the SHA-256 of entry
n-1's hash and its own fields, and entry 0 the hash of the plan's id and parameters, as git chains its
commits. Every read recomputes the chain (`check_log`); a row edited, removed or reordered outside the
observatory breaks it and the read stops with `TamperedLogError`, naming the plan and the entry. What
the chain cannot see is the last entries removed together: the hash of the newest entry (shown with
the history) is what a person keeps to prove the log whole.

The refusals of the review rules (`ReviewRefused`) carry their message in every language.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd

from . import i18n
from .errors import ObservatoryError, ValidationError
from .results_schema import RESULT_TABLES

LOG_COLUMNS = RESULT_TABLES["plan_review"]
#: The fields an entry's hash covers, in order (with the previous entry's hash before them).
HASHED = ("plan_id", "entry", "status", "reviewer", "reviewed_at", "reason")
#: The columns of `StoredPlan.history`: who moved the plan from which status to which (`from_status`
#: empty: the author saved it), when, why, and whether the entry's hash holds.
HISTORY_COLUMNS = ["entry", "who", "when", "from_status", "status", "reason", "hash", "hash_ok"]


class TamperedLogError(ObservatoryError):
    """A review log whose hash chain does not hold: a row was changed, removed or reordered;
    `message(lang)` names the plan and the first entry that fails, in the user's language."""

    def __init__(self, **values: Any) -> None:
        self.values = values
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        return i18n.text("plan.tampered", lang, **self.values)


class ReviewRefused(ValidationError):
    """A save or a review the rules refuse; `message(lang)` says why in the user's language."""

    def __init__(self, msgid: str, **values: Any) -> None:
        self.msgid, self.values = msgid, values
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        """The refusal in one line of `lang`; statuses in its words."""
        words = {
            k: i18n.text(f"review.{v}", lang) if k.endswith("status") else v for k, v in self.values.items()
        }
        if "moves" in words:
            moves = [i18n.text(f"review.{m}", lang) for m in self.values["moves"]]
            words["moves"] = i18n.joined(moves, lang) if moves else "–"
        return i18n.text(self.msgid, lang, **words)


def genesis(plan_id: str, params: str) -> str:
    """What entry 0 of a plan's log chains to: the hash of the plan's id and stored parameters (JSON)."""
    return hashlib.sha256(f"{plan_id}\n{params}".encode()).hexdigest()


def entry_hash(previous: str, fields: dict[str, Any]) -> str:
    """The hash of one entry: the previous entry's hash and the entry's fields as canonical JSON."""
    canonical = json.dumps([previous, *(_text(fields[k]) for k in HASHED)], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def new_entry(log: pd.DataFrame, *, plan_id: str, params: str, **fields: Any) -> dict[str, Any]:
    """The next entry of one plan's (checked) log, chained to its last entry."""
    previous = str(log["hash"].iloc[-1]) if len(log) else genesis(plan_id, params)
    row = {"plan_id": plan_id, "entry": len(log), **fields}
    return {**row, "previous_hash": previous, "hash": entry_hash(previous, row)}


def check_log(log: pd.DataFrame, params: dict[str, str]) -> pd.DataFrame:
    """
    Every plan's entries in order with `hash_ok`: True where the entry follows the one before it (its
    number, its previous hash) and its hash is that of its fields. `params` maps each plan id to its
    stored parameters (JSON), which entry 0 chains to.
    """
    log = log.reindex(columns=LOG_COLUMNS).sort_values(["plan_id", "entry"], kind="stable")
    ok = []
    for plan_id, part in log.groupby("plan_id", sort=False):
        previous = genesis(str(plan_id), params.get(str(plan_id), ""))
        for position, row in enumerate(part.to_dict("records")):
            holds = (
                _number(row["entry"]) == position
                and row["previous_hash"] == previous
                and row["hash"] == entry_hash(previous, row)
            )
            ok.append(holds)
            previous = str(row["hash"])
    return log.assign(hash_ok=ok).reset_index(drop=True)


def require_intact(checked: pd.DataFrame) -> None:
    """Stop at the first entry whose hash does not hold, naming the plan and the entry."""
    broken = checked[~checked["hash_ok"].astype(bool)]
    if len(broken):
        first = broken.iloc[0]
        raise TamperedLogError(
            plan_id=_text(first["plan_id"]),
            entry=_text(first["entry"]),
            who=_text(first["reviewer"]),
            when=_text(first["reviewed_at"]),
            failing=len(broken),
        )


def history(checked: pd.DataFrame) -> pd.DataFrame:
    """One plan's checked log as people read it: who moved it from which status to which, when and why."""
    frame = checked.reset_index(drop=True)
    return pd.DataFrame(
        {
            "entry": frame["entry"].map(_number),
            "who": frame["reviewer"].map(_text),
            "when": frame["reviewed_at"].map(_text),
            "from_status": _from_status(frame["status"]),
            "status": frame["status"].map(_text),
            "reason": frame["reason"].map(_text),
            "hash": frame["hash"].map(_text),
            "hash_ok": frame["hash_ok"].astype(bool),
        },
        columns=HISTORY_COLUMNS,
    )


def _from_status(status: pd.Series) -> pd.Series:
    """The status each entry moved the plan from: the entry before's; the first entry is the author's save
    (from nothing) when it records a draft, else a review of a plan the build stored (from draft)."""
    before = status.shift(1)
    if len(status) and status.iloc[0] != "draft":
        before.iloc[0] = "draft"
    return before.map(_text)


def _text(value: Any) -> str:
    """A stored field as the hash reads it: missing is empty, a whole number has no decimals."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _number(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1
