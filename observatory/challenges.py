"""
Where challenges are kept: a person contests a served figure (or a commune's boundary) with evidence,
another person accepts or rejects it, and an accepted challenge yields the corrected value the query
layer serves with status `corrected`.

Every step is an event appended to `challenge_event`, never rewritten: each row carries the SHA-256 of
the one before it, and every read checks the chain, so an edited or deleted row is found, not served.
Contact details go to `challenge_contact`, a private table that nothing in the library, the API, the
app or the reports reads (law 09-08): they are for the operator, who reads them with SQL.

The checks say why a submission is refused in one line, in the caller's language (`Refused.message`);
nothing is stored then. A build carries both tables over (`kept_tables`): people's records survive it.
A build also computes from the accepted corrections where the observatory computes (the aggregates it
sums from communes, the index's commune inputs: `applied_to_census`, `applied_to_inputs`) and lists
them in its summary (`applied`), so the marks on what it recomputed clear; HCP's own published figures
stay HCP's and stay marked.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import i18n, query
from .database import Database
from .enums import AREAS, CHALLENGE_DECISIONS, LEVELS, SEXES
from .errors import ObservatoryError, ValidationError, unknown_name
from .provenance import new_id, now
from .schema import TABLES

if TYPE_CHECKING:
    from .query import DatabaseLike

#: The public event log and the private contact table.
EVENTS = "challenge_event"
CONTACTS = "challenge_contact"
EVENT_COLUMNS = TABLES[EVENTS]

#: Limits on what one submission or review may hold, and on how often one person may submit.
MAX_EVIDENCE = 4000
MIN_EVIDENCE = 20
MAX_NAME = 100
MAX_REASON = 2000
MAX_CONTACT = 254
MAX_OPEN_PER_DAY = 5

#: The event columns that hold numbers (the others hold text; a missing text is stored empty).
NUMBERS = ("value", "original_value", "year")
#: The hash the first event follows.
GENESIS = "0" * 64
#: The columns an event's hash covers, in order: every column but the hash itself.
HASHED = [c for c in EVENT_COLUMNS if c != "hash"]
#: What identifies a served figure.
FIGURE_KEY = ["unit_code", "level", "indicator_id", "year", "period", "sex", "area"]
#: The event each decision appends, and the status it leaves.
DECIDED = {"accept": "accepted", "reject": "rejected"}

_MARKUP = re.compile(r"<\s*[/!?A-Za-z]|javascript:|&#|&[a-z]+;", re.IGNORECASE)
_SQL = re.compile(
    r"(;\s*(drop|delete|insert|update|alter|create|truncate)\b)|(\bunion\s+(all\s+)?select\b)"
    r"|('\s*or\s+'?\d+'?\s*=\s*'?\d)|(--\s*$)|(/\*)",
    re.IGNORECASE | re.MULTILINE,
)
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9.\-]{1,180}\.[A-Za-z]{2,24}$")
_CODE = re.compile(r"^(MA|[0-9]{2}(\.[0-9]{3}(\.[0-9]{2}(\.[0-9]{1,2})?)?)?)$")


class Refused(ValidationError):
    """A submission or review the store refuses, with the catalogue's reason (`challenge.refused.*`)."""

    def __init__(self, reason: str, **values: Any) -> None:
        self.reason, self.values = reason, values
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The reason in one line, in `lang`."""
        values = dict(self.values)
        if "field" in values:
            values["field"] = i18n.text(f"challenge.field.{values['field']}", lang)
        return i18n.text(f"challenge.refused.{self.reason}", lang, **values)


class TamperedError(ObservatoryError):
    """The event log's hash chain is broken: a row was edited, removed or inserted outside the store."""


@dataclass(frozen=True)
class Challenge:
    """One challenge read whole from its events (`read_challenge`)."""

    challenge_id: str
    #: figure or boundary.
    kind: str
    #: open, accepted or rejected.
    status: str
    #: The figure contested (boundary challenges: the commune, its level; no indicator).
    figure: dict[str, Any]
    #: The value proposed (NaN for a boundary) and the value served when it was submitted.
    value: float
    original_value: float
    original_status: str
    evidence: str
    submitted_by: str
    submitted_at: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    #: Every event, oldest first, with its hash and the hash it follows.
    history: pd.DataFrame
    #: The figures derived from it that a build has not recomputed (aggregates, index ranks, plans).
    affects: pd.DataFrame


# -- checks ----------------------------------------------------------------------------------------
def _clean_text(
    value: str | None, field: str, *, longest: int, shortest: int = 1, lines: bool = False
) -> str:
    """A person's text, stripped and checked: length, no control character, no markup, no SQL."""
    text = unicodedata.normalize("NFC", (value or "").strip())
    if len(text) < shortest:
        raise Refused("short", field=field, shortest=shortest)
    if len(text) > longest:
        raise Refused("long", field=field, longest=longest, length=len(text))
    allowed = {"\n", "\t"} if lines else set()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in allowed for ch in text):
        raise Refused("control", field=field)
    if _MARKUP.search(text):
        raise Refused("markup", field=field)
    if _SQL.search(text):
        raise Refused("sql", field=field)
    return text


def _shown(text: str, longest: int = 40) -> str:
    """A value a person gave, as a refusal repeats it: cut short, anything unprintable as '?'."""
    return "".join(ch if ch.isprintable() else "?" for ch in str(text)[:longest])


def _same_person(a: str, b: str) -> bool:
    """Whether two names are one person's (case, accents' composition and spacing aside)."""

    def key(name: str) -> str:
        return " ".join(unicodedata.normalize("NFKC", name).casefold().split())

    return key(a) == key(b)


def _unit_level(database: Database, code: str) -> str:
    """The level of a unit code the database holds; refused when it holds none."""
    if len(code) > 20 or not _CODE.match(code):
        raise Refused("unit", unit=_shown(code))
    for level in reversed(LEVELS):  # most codes are communes'
        if len(database.read(level, where={"code": code}, columns=["code"], geometry=False)):
            return level
    raise Refused("unit", unit=_shown(code))


def _served_figure(
    database: Database,
    *,
    unit: str,
    level: str,
    indicator: str,
    year: int,
    sex: str,
    area: str,
    period: str | None,
) -> dict[str, Any]:
    """The served figure a challenge contests (after any earlier correction), checked to exist."""
    if len(indicator) > 100 or not re.fullmatch(r"[A-Za-z0-9_]+", indicator):
        raise Refused("indicator", indicator=_shown(indicator))
    if not len(database.read("indicator", where={"indicator_id": indicator}, columns=["indicator_id"])):
        raise Refused("indicator", indicator=indicator)
    if sex not in SEXES or area not in AREAS:
        raise Refused("breakdown", sex=_shown(sex), area=_shown(area))
    # A year outside the censuses' era or a malformed period names no figure (nor a value to bind).
    plausible = isinstance(year, int) and 1900 <= year <= 2100
    plausible &= period is None or (len(period) <= 20 and re.fullmatch(r"[0-9Q-]+", period) is not None)
    rows = (
        query.indicator_values(
            indicator, db=database, level=level, year=year, sex=sex, area=area, units=[unit], period=period
        )
        if plausible
        else pd.DataFrame(columns=["year"])
    )
    if not len(rows):
        held = query.indicator_values(indicator, db=database, level=level, units=[unit], sex=sex, area=area)
        years = ", ".join(str(y) for y in sorted(set(held["year"]))) or "-"
        raise Refused("year", indicator=indicator, year=year, unit=unit, years=years)
    if len(rows) > 1:
        periods = ", ".join(sorted(str(p) for p in rows["period"]))
        raise Refused("period", periods=periods)
    row = rows.iloc[0]
    if int(row["suppressed"] or 0):
        raise Refused("suppressed")
    return {**{k: row[k] for k in FIGURE_KEY}, "value": float(row["value"]), "status": str(row["status"])}


def _checked_value(database: Database, indicator: str, value: float) -> float:
    """The proposed value, refused outside its indicator's domain (a share 0-100, a count or a rate >= 0)."""
    unit = database.read("indicator", where={"indicator_id": indicator}, columns=["unit"])["unit"].iloc[0]
    if not math.isfinite(value) or abs(value) > 1e12:
        raise Refused("value", value=value, low=0, high="∞")
    high = 100.0 if unit == "percent" else math.inf
    if not 0 <= value <= high:
        raise Refused("value", value=value, low=0, high="100" if unit == "percent" else "∞")
    return float(value)


# -- the chain -------------------------------------------------------------------------------------
def _canonical(value: Any) -> str:
    """A stored value as the hash reads it: the same text whichever backend stored it (a missing value
    and an empty text alike, a whole float as an integer)."""
    if value is None or value is pd.NA or (isinstance(value, (float, np.floating)) and math.isnan(value)):
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return str(int(number)) if number.is_integer() else repr(number)
    return str(value)


def event_hash(row: Mapping[str, Any]) -> str:
    """The SHA-256 of an event: its previous hash and every other column, canonical."""
    payload = json.dumps([_canonical(row.get(c)) for c in HASHED], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def events(*, db: DatabaseLike = None) -> pd.DataFrame:
    """
    Every event, oldest first, its hash chain checked: a row edited, removed or inserted outside the
    store raises `TamperedError` naming the first broken event.
    """
    database = query.connect(db)
    if EVENTS not in database.tables():
        return pd.DataFrame(columns=EVENT_COLUMNS)
    frame = database.read(EVENTS).sort_values("event_id", kind="stable").reset_index(drop=True)
    previous = GENESIS
    for i, row in enumerate(frame.to_dict("records")):
        if (
            int(row["event_id"]) != i + 1
            or row["previous_hash"] != previous
            or event_hash(row) != row["hash"]
        ):
            raise TamperedError(
                f"the challenge log of {database.display} is broken at event {i + 1} "
                f"({row['challenge_id']}, {row['event']}): a row was changed, removed or inserted outside "
                "the challenge store; restore the database from a backup"
            )
        previous = str(row["hash"])
    return frame


def head(*, db: DatabaseLike = None) -> dict[str, Any]:
    """
    The log's newest event: how many events it holds and the last one's hash. The chain finds any row
    changed, removed or inserted before the newest; whoever keeps a published head can also tell that
    no newer event was removed (the log must still hold that hash at that position).
    """
    log = events(db=db)
    return {"events": len(log), "hash": str(log["hash"].iloc[-1]) if len(log) else GENESIS}


def _append(writer: Any, log: pd.DataFrame, row: dict[str, Any]) -> dict[str, Any]:
    """Chain an event after the log's last one and append it."""
    full = {c: row.get(c) for c in EVENT_COLUMNS}
    full["event_id"] = len(log) + 1
    full["previous_hash"] = str(log["hash"].iloc[-1]) if len(log) else GENESIS
    full["hash"] = event_hash(full)
    frame = pd.DataFrame([full], columns=EVENT_COLUMNS)
    for c in EVENT_COLUMNS:
        if c in NUMBERS:
            frame[c] = frame[c].astype("float64")
        elif c != "event_id":
            frame[c] = frame[c].map(_canonical)
    writer.append(EVENTS, frame)
    return full


# -- writing ---------------------------------------------------------------------------------------
def submit(
    *,
    unit: str,
    evidence: str,
    by: str,
    db: DatabaseLike = None,
    indicator: str | None = None,
    year: int | None = None,
    value: float | None = None,
    sex: str = "all",
    area: str = "total",
    period: str | None = None,
    boundary: bool = False,
    contact: str | None = None,
) -> str:
    """
    Record a challenge to a served figure (`indicator`, `year`, the proposed `value`) or, with
    `boundary`, to a commune's boundary; returns its id (`challenge-…`). Refused, with nothing stored,
    when any check fails (`Refused` says which).
    """
    database = query.connect(db).require()
    name = _clean_text(by, "by", longest=MAX_NAME)
    evidence = _clean_text(evidence, "evidence", longest=MAX_EVIDENCE, shortest=MIN_EVIDENCE, lines=True)
    email = None
    if contact is not None and contact.strip():
        email = _clean_text(contact, "contact", longest=MAX_CONTACT)
        if not _EMAIL.match(email):
            raise Refused("contact")
    level = _unit_level(database, unit)
    if boundary:
        if indicator is not None or value is not None or year is not None:
            raise Refused("boundary_value")
        if level != "commune":
            raise Refused("boundary_level", unit=unit)
        figure: dict[str, Any] = {"unit_code": unit, "level": level, "value": math.nan, "status": ""}
    else:
        if indicator is None or year is None or value is None:
            raise Refused("figure_needs")
        figure = _served_figure(
            database,
            unit=unit,
            level=level,
            indicator=indicator,
            year=year,
            sex=sex,
            area=area,
            period=period,
        )
        value = _checked_value(database, indicator, value)
    challenge_id = new_id("challenge")
    with database.writer() as writer:
        log = events(db=database)
        state = _states(log)
        _check_rate(state, name)
        same = state[(state["status"] == "open") & _same_figure(state, figure, boundary)]
        if len(same):
            raise Refused("duplicate", challenge_id=same["challenge_id"].iloc[0])
        _append(
            writer,
            log,
            {
                **{k: figure.get(k) for k in FIGURE_KEY},
                "challenge_id": challenge_id,
                "event": "submitted",
                "kind": "boundary" if boundary else "figure",
                "value": math.nan if boundary else value,
                "original_value": figure["value"],
                "original_status": figure["status"],
                "evidence": evidence,
                "reason": "",
                "by": name,
                "at": now(),
            },
        )
        if email is not None:
            writer.append(
                CONTACTS, pd.DataFrame([{"challenge_id": challenge_id, "contact": email, "at": now()}])
            )
    return challenge_id


def _check_rate(state: pd.DataFrame, name: str) -> None:
    """At most MAX_OPEN_PER_DAY open challenges submitted by one person in the last 24 hours."""
    if not len(state):
        return
    since = (pd.Timestamp.now(tz="UTC") - pd.Timedelta(days=1)).isoformat()
    mine = state[
        (state["status"] == "open")
        & (state["submitted_at"] >= since)
        & state["submitted_by"].map(lambda b: _same_person(str(b), name))
    ]
    if len(mine) >= MAX_OPEN_PER_DAY:
        raise Refused("rate", most=MAX_OPEN_PER_DAY)


def _same_figure(state: pd.DataFrame, figure: Mapping[str, Any], boundary: bool) -> pd.Series:
    """Which challenges contest the same figure (or the same commune's boundary)."""
    kind = "boundary" if boundary else "figure"
    keys = ["unit_code"] if boundary else FIGURE_KEY
    same = state["kind"] == kind
    for k in keys:
        same &= state[k].map(_canonical) == _canonical(figure.get(k))
    return same


def review(
    challenge_id: str, *, decision: str, by: str, reason: str, db: DatabaseLike = None
) -> dict[str, Any]:
    """
    Accept or reject an open challenge: who, when and why, appended. Four eyes: the person who submitted
    it cannot decide it. Returns the appended event.
    """
    if decision not in CHALLENGE_DECISIONS:
        raise Refused("decision", decision=_shown(decision), valid=", ".join(CHALLENGE_DECISIONS))
    name = _clean_text(by, "by", longest=MAX_NAME)
    why = _clean_text(reason, "reason", longest=MAX_REASON, lines=True)
    database = query.connect(db).require()
    with database.writer() as writer:
        log = events(db=database)
        state = _states(log)
        found = state[state["challenge_id"] == challenge_id]
        if not len(found):
            raise Refused("unknown", challenge_id=_shown(challenge_id, 60))
        current = found.iloc[0]
        if current["status"] != "open":
            raise Refused("decided", challenge_id=challenge_id, status=current["status"])
        if _same_person(str(current["submitted_by"]), name):
            raise Refused("four_eyes")
        submitted = log[(log["challenge_id"] == challenge_id) & (log["event"] == "submitted")].iloc[0]
        row = {k: submitted[k] for k in (*FIGURE_KEY, "kind", "value", "original_value", "original_status")}
        return _append(
            writer,
            log,
            {
                **row,
                "challenge_id": challenge_id,
                "event": DECIDED[decision],
                "evidence": "",
                "reason": why,
                "by": name,
                "at": now(),
            },
        )


# -- reading ---------------------------------------------------------------------------------------
def _states(log: pd.DataFrame) -> pd.DataFrame:
    """One row per challenge from its events: what it contests, its status, who and when."""
    columns = [
        "challenge_id",
        "kind",
        *FIGURE_KEY,
        "value",
        "original_value",
        "original_status",
        "status",
        "submitted_by",
        "submitted_at",
        "decided_by",
        "decided_at",
        "reason",
    ]
    # A few rows per challenge: folded in plain Python, which costs less than pandas' joins at this size.
    states: dict[str, dict[str, Any]] = {}
    for event in log.to_dict("records"):
        if event["event"] == "submitted":
            states[event["challenge_id"]] = {
                **event,
                "status": "open",
                "submitted_by": event["by"],
                "submitted_at": event["at"],
                "year": None if pd.isna(event["year"]) else int(event["year"]),
            }
        else:
            states[event["challenge_id"]].update(
                status=event["event"], decided_by=event["by"], decided_at=event["at"], reason=event["reason"]
            )
    out = pd.DataFrame(list(states.values()), columns=columns)
    out["year"] = out["year"].astype("Int64")
    return out


def register(*, db: DatabaseLike = None) -> pd.DataFrame:
    """
    The public register: every challenge with what it contests, its status, when it was submitted and
    decided and the days it took (no name, no contact, no evidence: `read_challenge` gives the history).
    """
    state = _states(events(db=db))
    days = pd.to_datetime(state["decided_at"], utc=True) - pd.to_datetime(state["submitted_at"], utc=True)
    return state.assign(days_to_decision=(days.dt.total_seconds() / 86400).round(2))[
        [
            "challenge_id",
            "kind",
            "unit_code",
            "level",
            "indicator_id",
            "year",
            "period",
            "sex",
            "area",
            "status",
            "submitted_at",
            "decided_at",
            "days_to_decision",
        ]
    ].reset_index(drop=True)


def read_challenge(challenge_id: str, *, db: DatabaseLike = None) -> Challenge:
    """One challenge with its whole history (who, when, why, evidence) and the figures it affects."""
    database = query.connect(db)
    log = events(db=database)
    state = _states(log)
    found = state[state["challenge_id"] == challenge_id]
    if not len(found):
        raise unknown_name("challenge", challenge_id, state["challenge_id"])
    row = found.iloc[0].to_dict()
    history = log[log["challenge_id"] == challenge_id][
        ["event_id", "event", "by", "at", "evidence", "reason", "previous_hash", "hash"]
    ].reset_index(drop=True)
    every = affected(db=database)
    return Challenge(
        challenge_id=challenge_id,
        kind=str(row["kind"]),
        status=str(row["status"]),
        figure={k: _plain(row[k]) for k in FIGURE_KEY},
        value=float(row["value"]) if pd.notna(row["value"]) else math.nan,
        original_value=float(row["original_value"]) if pd.notna(row["original_value"]) else math.nan,
        original_status=str(row["original_status"] or ""),
        evidence=str(
            log[(log["challenge_id"] == challenge_id) & (log["event"] == "submitted")]["evidence"].iloc[0]
        ),
        submitted_by=str(row["submitted_by"]),
        submitted_at=str(row["submitted_at"]),
        decided_by=_plain(row["decided_by"]),
        decided_at=_plain(row["decided_at"]),
        reason=_plain(row["reason"]),
        history=history,
        affects=every[every["challenge_id"] == challenge_id].reset_index(drop=True),
    )


def _plain(value: Any) -> Any:
    """A stored value for a person: None for missing, an int for a whole year."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return value


def corrections(*, db: DatabaseLike = None) -> pd.DataFrame:
    """
    The corrected figures: for each figure an accepted challenge corrected, the latest accepted value,
    the original and the challenge id. Every read of values applies them: a report's reader works them out
    once (`ReportReads.remembered`), where a report did it eleven times.
    """
    database = query.connect(db)
    once = getattr(database, "remembered", None)  # a reader that lives for one report keeps them
    return once("corrections", lambda: _corrections(database)) if once else _corrections(database)


def _corrections(database: Database) -> pd.DataFrame:
    state = _states(events(db=database))
    accepted = state[(state["status"] == "accepted") & (state["kind"] == "figure")]
    accepted = accepted.sort_values("decided_at", kind="stable").drop_duplicates(FIGURE_KEY, keep="last")
    return accepted[[*FIGURE_KEY, "value", "original_value", "challenge_id", "decided_at"]].reset_index(
        drop=True
    )


def affected(*, db: DatabaseLike = None) -> pd.DataFrame:
    """
    The figures derived from corrected ones, which the build computed from the original: the province,
    région and national aggregates of the indicator-year (`aggregate`), the commune's index rank when the
    indicator is one of the index's components (`index`), and the stored plans whose coverage holds the
    commune (`plan`). One row per figure and challenge: kind, unit_code, level, indicator_id, year,
    plan_id, challenge_id.
    """
    database = query.connect(db)
    fixed = corrections(db=database)
    done = applied(db=database)
    derived = pd.concat([_index_rows(fixed, done), _plan_rows(database, fixed)], ignore_index=True)
    aggregates = _aggregates(database, fixed)
    recomputed = aggregates["challenge_id"].isin(done["aggregate"]).to_numpy()
    if recomputed.any():  # what the build summed again clears; HCP's own published figures stay marked
        keys = _keys(aggregates, AGGREGATE_KEY)
        recomputed = recomputed & ~keys.isin(_published_keys(database, aggregates[recomputed])).to_numpy()
    return pd.concat([aggregates[~recomputed], derived], ignore_index=True)


#: The columns of `affected`.
AFFECTED_COLUMNS = ["kind", "unit_code", "level", "indicator_id", "year", "plan_id", "challenge_id"]


def _index_rows(fixed: pd.DataFrame, done: Mapping[str, frozenset[str]]) -> pd.DataFrame:
    """The communes whose index rank (in any lens) a correction of one of its inputs makes out of date:
    the input's indicator, year and sex, or an age the input's age group sums (those the build ranked on
    the corrected figure are not)."""
    from .index import LENSES, lens_components
    from .index_components import CENSUS_COMPONENTS, CONNECTOR_COMPONENTS, VULNERABILITY_COMPONENTS
    from .indicators import AGE_GROUPS

    every = [*CENSUS_COMPONENTS, *VULNERABILITY_COMPONENTS, *CONNECTOR_COMPONENTS]
    every += [c for lens in LENSES for c in lens_components(lens)]
    inputs = {(c.key.indicator, c.key.year, c.key.sex) for c in every}
    inputs |= {(part, y, sex) for name, y, sex in inputs for part in AGE_GROUPS.get(name, ())}
    rows = [
        ("index", c["unit_code"], "commune", c["indicator_id"], c["year"], None, c["challenge_id"])
        for c in fixed[(fixed["level"] == "commune") & (fixed["area"] == "total")].to_dict("records")
        if {(c["indicator_id"], c["year"], c["sex"]), (c["indicator_id"], 0, c["sex"])} & inputs
        and c["challenge_id"] not in done["index"]
    ]
    return pd.DataFrame(rows, columns=AFFECTED_COLUMNS)


def _plan_rows(database: Database, fixed: pd.DataFrame) -> pd.DataFrame:
    """The stored plans whose coverage holds a corrected commune: a plan keeps the inputs it was solved
    on, so no build recomputes it; it stays marked."""
    communes = fixed[fixed["level"] == "commune"]
    if not len(communes) or "plan_coverage" not in database.tables():
        return pd.DataFrame(columns=AFFECTED_COLUMNS)
    where = {"code": list(communes["unit_code"])}
    covering = database.read("plan_coverage", where=where, columns=["plan_id", "code"], distinct=True)
    rows = [
        ("plan", None, None, c["indicator_id"], c["year"], c["plan_id"], c["challenge_id"])
        for c in communes.merge(covering, left_on="unit_code", right_on="code").to_dict("records")
    ]
    return pd.DataFrame(rows, columns=AFFECTED_COLUMNS)


def marked_ranks(frame: pd.DataFrame, *, db: DatabaseLike = None) -> pd.DataFrame:
    """
    Index rows (a `code` column) with `correction` (`affected` where a corrected figure the commune's
    rank was computed without, else empty) and the `challenge_id`: how a reader of ranks says so.
    """
    out = frame.assign(correction=None, challenge_id=None)
    fixed = corrections(db=db)
    if not len(out) or not len(fixed):
        return out
    rows = _index_rows(fixed, applied(db=db)).drop_duplicates("unit_code")
    mark = out["code"].map(rows.set_index("unit_code")["challenge_id"])
    out.loc[mark.notna(), "correction"] = "affected"
    out.loc[mark.notna(), "challenge_id"] = mark[mark.notna()]
    return out


def plan_challenges(plan_id: str, *, db: DatabaseLike = None) -> list[str]:
    """The accepted challenges that correct a figure of a commune a stored plan covers: the plan was
    solved on the figures before them."""
    database = query.connect(db)
    rows = _plan_rows(database, corrections(db=database))
    return sorted(set(rows.loc[rows["plan_id"] == plan_id, "challenge_id"]))


def _aggregates(database: Database, fixed: pd.DataFrame) -> pd.DataFrame:
    """The aggregates that hold each corrected figure: its province's, its région's and the country's."""
    rows: list[tuple[Any, ...]] = []
    for c in fixed.to_dict("records"):
        for level, code in _above(database, str(c["unit_code"]), str(c["level"])):
            rows.append(("aggregate", code, level, c["indicator_id"], c["year"], None, c["challenge_id"]))
    return pd.DataFrame(rows, columns=AFFECTED_COLUMNS)


def _published_keys(database: Database, aggregates: pd.DataFrame) -> set[str]:
    """The aggregates (`AGGREGATE_KEY`) among `aggregates` for which the database serves HCP's own figure."""
    where = {
        "unit_code": sorted(set(aggregates["unit_code"])),
        "indicator_id": sorted(set(aggregates["indicator_id"])),
        "status": "published",
    }
    found = database.read("indicator_value", where=where, columns=AGGREGATE_KEY, distinct=True)
    return set(_keys(found, AGGREGATE_KEY))


def _above(database: Database, code: str, level: str) -> list[tuple[str, str]]:
    """The units whose aggregates hold a unit's figure: its province, région and the country."""
    out: list[tuple[str, str]] = []
    if level == "commune":
        unit = database.read(
            "commune", where={"code": code}, columns=["province_code", "region_code"], geometry=False
        )
        out += [
            ("province", str(unit["province_code"].iloc[0])),
            ("region", str(unit["region_code"].iloc[0])),
        ]
    elif level == "province":
        unit = database.read("province", where={"code": code}, columns=["region_code"], geometry=False)
        out.append(("region", str(unit["region_code"].iloc[0])))
    if level != "country":
        out.append(("country", "MA"))
    return out


def served(values: pd.DataFrame, database: Database, *, fixed: pd.DataFrame) -> pd.DataFrame:
    """
    `values` as served, given the corrected figures (`corrections`): a figure an accepted challenge
    corrected takes the corrected value and the status `corrected` (its interval, which described the
    original, is dropped); every row says in `correction` whether it is `corrected`, `affected` (an
    aggregate of a corrected figure the build has not recomputed from it, or HCP's own published
    aggregate, which no build recomputes) or neither (empty), and names the challenge in `challenge_id`.
    """
    out = values.assign(correction=None, challenge_id=None)
    if not len(out) or not len(fixed):
        return out
    # Aggregates are of provinces, régions and the country: a read of communes alone needs none of them.
    above = set(out["level"].unique()) - {"commune", "arrondissement"}
    derived = _aggregates(database, fixed) if above else pd.DataFrame(columns=AFFECTED_COLUMNS)
    # Only rows of a corrected indicator-year in a unit a correction touches can change: key those alone.
    touched = set(fixed["unit_code"]) | set(derived["unit_code"])
    candidates = out["indicator_id"].isin(set(fixed["indicator_id"])) & out["unit_code"].isin(touched)
    rows = out[candidates]
    if not len(rows):
        return out
    keys = _keys(rows, FIGURE_KEY)
    found = fixed.assign(key=_keys(fixed, FIGURE_KEY).to_numpy()).set_index("key")
    hit = keys.isin(found.index)
    if hit.any():
        index, matched = rows.index[hit.to_numpy()], found.loc[keys[hit]]
        out.loc[index, "value"] = matched["value"].to_numpy()
        out.loc[index, ["se", "lower", "upper"]] = np.nan
        out.loc[index, ["status", "correction"]] = "corrected"
        out.loc[index, "challenge_id"] = matched["challenge_id"].to_numpy()
    # A build that applied a correction summed the aggregates again from it: their mark clears, but for
    # HCP's own published figures, which no build recomputes (`status` published).
    done = derived["challenge_id"].isin(applied(db=database)["aggregate"] if len(derived) else ()).to_numpy()
    aggregate_keys = _keys(rows, AGGREGATE_KEY)
    mark = aggregate_keys.map(_first_challenge(derived[~done])).astype(object)
    hcp = rows.index[(rows["status"] == "published").to_numpy() & mark.isna().to_numpy()]
    mark.loc[hcp] = aggregate_keys.loc[hcp].map(_first_challenge(derived[done]))
    mark = mark[~hit.to_numpy() & mark.notna().to_numpy()]
    out.loc[mark.index, "correction"] = "affected"
    out.loc[mark.index, "challenge_id"] = mark.to_numpy()
    return out


#: What names an aggregate a correction affects: any breakdown of the indicator-year in that unit.
AGGREGATE_KEY = ["unit_code", "level", "indicator_id", "year"]


def _first_challenge(derived: pd.DataFrame) -> pd.Series:
    """The challenge that marks each aggregate (`AGGREGATE_KEY` as one text) of `derived`: the first."""
    keys = _keys(derived, AGGREGATE_KEY)
    return pd.Series(derived["challenge_id"].to_numpy(), index=keys.to_numpy()).groupby(level=0).first()


#: Where a build's summary lists the challenges it applied, by what it computed from them.
APPLIED = "corrections_applied"
#: What a build computes from corrected commune figures: the aggregates it sums, the index it ranks.
APPLIED_TO = ("aggregate", "index")


def applied(*, db: DatabaseLike = None) -> dict[str, frozenset[str]]:
    """
    The challenges whose corrections the database's build computed from, by what it computed
    (`APPLIED_TO`): their marks on those figures clear, since the figures hold the corrected values.
    """
    database = query.connect(db)
    found: dict[str, set[str]] = {kind: set() for kind in APPLIED_TO}
    if "build" in database.tables():
        for text in database.read("build", columns=["summary"])["summary"]:
            listed = json.loads(text or "{}").get(APPLIED, {})
            for kind in APPLIED_TO:
                found[kind] |= set(listed.get(kind, ()))
    return {kind: frozenset(ids) for kind, ids in found.items()}


def applied_to_census(
    frame: pd.DataFrame, fixed: pd.DataFrame, *, year: int
) -> tuple[pd.DataFrame, list[str]]:
    """
    A census table as the build aggregates it (one row per commune `code`, `area` and `sex`, one column
    per indicator) with the accepted corrections of `year` in place of HCP's values, and the challenges
    applied. The stored commune rows keep HCP's figure; the sums of communes are made from this.
    """
    rows = fixed[
        (fixed["level"] == "commune")
        & (fixed["year"] == year)
        & fixed["indicator_id"].isin(list(frame.columns))
        & fixed["period"].map(lambda p: _canonical(p) in ("", str(year)))
    ]
    if not len(rows):
        return frame, []
    out = frame.copy()
    sex = out["sex"].astype(str) if "sex" in out else pd.Series("all", index=out.index)
    done: list[str] = []
    for c in rows.to_dict("records"):
        at = (out["code"].astype(str) == c["unit_code"]) & (out["area"].astype(str) == c["area"])
        at &= sex == c["sex"]
        if at.any():
            out.loc[at, c["indicator_id"]] = c["value"]
            done.append(str(c["challenge_id"]))
    return out, done


def applied_to_inputs(inputs: pd.DataFrame, fixed: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """
    The index's commune inputs (`observatory.indicators.wide`: one row per code, a column per
    `indicator:year:sex`, unit totals) with the accepted corrections of unit totals in place, and the
    challenges applied: the build ranks communes on what the observatory serves.
    """
    out, done = inputs, []
    for c in fixed[(fixed["level"] == "commune") & (fixed["area"] == "total")].to_dict("records"):
        column = f"{c['indicator_id']}:{_canonical(c['year'])}:{c['sex']}"
        if column in out.columns and c["unit_code"] in out.index:
            out = out.copy() if out is inputs else out
            out.loc[c["unit_code"], column] = c["value"]
            done.append(str(c["challenge_id"]))
    return out, done


def _keys(frame: pd.DataFrame, columns: list[str]) -> pd.Series:
    """Each row's values of `columns` as one text, canonical (so a stored and a served year match)."""
    parts = [frame[c].map(_canonical) for c in columns]
    return pd.Series(["\x1f".join(t) for t in zip(*parts, strict=True)], index=frame.index, dtype=object)


def kept_tables(database: Database) -> dict[str, pd.DataFrame]:
    """
    The challenge tables as the database holds them now, for a build to write into the database that
    replaces it: people's records are not the build's to drop.
    """
    if not database.exists():
        return {}
    present = database.tables()
    kept = {t: database.read(t) for t in (EVENTS, CONTACTS) if t in present}
    if EVENTS in kept:  # typed as the store writes them, even empty: a text year would break the chain
        kept[EVENTS] = kept[EVENTS].astype({**dict.fromkeys(NUMBERS, "float64"), "event_id": "int64"})
    return kept
