"""Reading the sources of the lifecycle inputs beside the accounts, matched to the accounts.

`Sources` (`cshealth.lifecycle._sources`) reads each source only when a rule needs it:
the records (revenue changes, NPS answers, contacts) are read through the one input layer
and matched to the accounts by ``match``, which counts the rows of accounts not given; the
results (health scores, usage measures) are aligned to the accounts by ``align``, which
refuses an account listed twice, and refused when taken after ``as_of``. Nothing dated on
or after ``as_of`` is read.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._measures import MeasureTable
from cshealth._types import BoolArray, FloatArray, IdArray, IntArray, ObjectArray
from cshealth.io import Table
from cshealth.io._read import column_array, read_columns
from cshealth.lifecycle._days import MISSING, days, group_any, known
from cshealth.lifecycle._signal import Signal, _as_signal, _nothing, check_taken
from cshealth.models import Contact, RevenueChange, SurveyResponse
from cshealth.scoring import HealthScores

__all__ = [
    "Match",
    "contact_signals",
    "health_scores",
    "nps_signals",
    "revenue_changes",
    "usage_signal",
]

#: Each row's position among the accounts in scope (``-1`` where not one of them), from
#: its account ids and the source's name for messages: `Sources`' ``_match`` (records)
#: or ``_align`` (results keyed by account).
Match = Callable[[IdArray, str], IntArray]

_CATEGORY = np.array(["detractor", "passive", "promoter"], dtype=object)


def revenue_changes(data: object, match: Match, day: int) -> tuple[IntArray, IntArray, FloatArray]:
    """The revenue changes before ``day`` of the accounts, sorted by account and day."""
    table = read_columns(data, RevenueChange, need=("account_id", "effective_on", "mrr"))
    account = match(table["account_id"], "revenue_changes")
    on = days(table["effective_on"])
    keep = (account >= 0) & (on < day)
    account, on, level = account[keep], on[keep], table["mrr"].astype(np.float64)[keep]
    order = np.lexsort((on, account))
    return account[order], on[order], level[order]


def nps_signals(
    data: object, match: Match, instant: np.datetime64, n: int
) -> tuple[Signal, Signal]:
    """Each account's latest relationship NPS answer before ``instant``: score, category."""
    if data is None:
        return _nothing(n, "nps not supplied"), _nothing(n, "nps not supplied")
    table = read_columns(
        data,
        SurveyResponse,
        need=("account_id", "score", "submitted_at"),
        optional=("kind", "survey_type"),
    )
    keep = table["submitted_at"] < instant
    score = table["score"].astype(np.float64)
    keep &= ~np.isnan(score)
    if "kind" in table.columns:
        keep &= table["kind"] == "nps"
    if "survey_type" in table.columns:
        keep &= table["survey_type"] == "relationship"
    account = match(table["account_id"], "nps")
    keep &= account >= 0
    rows = np.flatnonzero(keep)
    # each account's latest time, then its last row at that time: two unbuffered maxima
    mine, when = account[rows], table["submitted_at"][rows].view(np.int64)
    newest = np.full(n, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(newest, mine, when)
    at_newest = rows[when == newest[mine]]
    pick = np.full(n, -1, dtype=np.int64)
    np.maximum.at(pick, account[at_newest], at_newest)
    answered = pick >= 0
    latest = np.full(n, np.nan)
    latest[answered] = score[pick[answered]]
    has = ~np.isnan(latest)
    points = np.nan_to_num(latest)
    category = _CATEGORY[(points >= 7).astype(np.int64) + (points >= 9)]
    why = "no relationship NPS answer before as_of"
    return Signal(latest, has, unknown_reason=why), Signal(category, has, unknown_reason=why)


def contact_signals(data: object, match: Match, day: int, n: int) -> tuple[Signal, Signal]:
    """Each account's active contacts on ``day``, and whether a champion left with none kept."""
    if _empty(data):
        return _nothing(n, "contacts not supplied"), _nothing(n, "contacts not supplied")
    table = read_columns(
        data,
        Contact,
        need=("account_id",),
        optional=("is_champion", "started_on", "left_on"),
    )
    account = match(table["account_id"], "contacts")
    started = _column_days(table, "started_on")
    left = _column_days(table, "left_on")
    champion = (
        table["is_champion"].astype(bool)
        if "is_champion" in table.columns
        else np.zeros(table.n_rows, dtype=bool)
    )
    mine = account >= 0
    begun = ~known(started) | (started < day)
    gone = known(left) & (left < day)
    active = mine & begun & ~gone
    count = np.bincount(account[active], minlength=n).astype(np.float64)
    lost = group_any(account, mine & champion & begun & gone, n)
    kept = group_any(account, active & champion, n)
    return (
        Signal(count, np.ones(n, dtype=bool)),
        Signal(lost & ~kept, np.ones(n, dtype=bool)),
    )


def health_scores(
    health: object, align: Match, instant: np.datetime64, n: int
) -> tuple[FloatArray, ObjectArray, BoolArray, tuple[str, ...]]:
    """Each account's health score and band, where it was scored, and the band labels."""
    if not isinstance(health, HealthScores):
        msg = f"`health` must be scoring.HealthScores, got {type(health).__name__}"
        raise InvalidInputError(msg)
    check_taken(health.as_of, instant, "health")
    at = align(health.account_ids, "`health` account_ids")
    found = at >= 0
    if not len(health.account_ids):  # nobody scored: every account unknown
        nothing = np.full(n, None, dtype=object)
        return np.full(n, np.nan), nothing, found, tuple(b.label for b in health.bands)
    score = np.where(found, health.score[np.maximum(at, 0)], np.nan)
    band = health.band[np.maximum(at, 0)].copy()
    band[~found] = None
    labels = tuple(b.label for b in health.bands)
    return score.astype(np.float64), band.astype(object), found, labels


def usage_signal(
    usage: object,
    column: str,
    align: Match,
    instant: np.datetime64,
    n: int,
    *,
    qualified: bool = False,
) -> Signal:
    """The usage measure ``column`` of each account (``qualified``: named ``usage.<c>``)."""
    if usage is None:
        return _nothing(n, "usage not supplied")
    table = usage if isinstance(usage, MeasureTable) else _measures(usage)
    if column not in table:
        if not qualified:  # a named input these measures lack (usage_trend: no seats)
            return _nothing(n, f"the usage measures have no `{column}`")
        msg = (
            f"a rule uses `usage.{column}`, but the usage measures have no `{column}` "
            f"column (columns: {sorted(table)})"
        )
        raise InvalidInputError(msg)
    check_taken(table.as_of, instant, "usage")
    at = align(table["account_id"], "`usage` accounts")
    values = column_array(table[column])
    filled = values[np.maximum(at, 0)] if len(values) else np.full(n, np.nan)
    signal = _as_signal(filled)
    return Signal(signal.values, signal.known & (at >= 0), unknown_reason="no usage measure")


def _empty(data: object) -> bool:
    return data is None or (isinstance(data, (tuple, list)) and not data)


def _column_days(table: Table, name: str) -> IntArray:
    if name not in table.columns:
        return np.full(table.n_rows, MISSING, dtype=np.int64)
    return days(table[name])


def _measures(usage: object) -> MeasureTable:
    convert = getattr(usage, "to_measures", None)
    if not callable(convert):
        msg = (
            "`usage` must be a MeasureTable (adoption.account_metrics) or a result with "
            f"to_measures() (adoption.usage_trend), got {type(usage).__name__}"
        )
        raise InvalidInputError(msg)
    table = convert()
    if not isinstance(table, MeasureTable):  # pragma: no cover - every to_measures() does
        msg = f"`usage.to_measures()` gave {type(table).__name__}, not a MeasureTable"
        raise InvalidInputError(msg)
    return table
