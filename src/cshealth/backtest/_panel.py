"""`panel`: every customer observed at fixed dates, its score then, and churn in a later window.

The method of *Fighting Churn With Data* (Carl Gold), made exact in whole days. An event
dated on day ``t`` is in force from ``t`` on: an ``end_date`` is the first day an account
is no longer a customer, and a revenue change to 0 the first day it no longer pays. On an
observation date ``d``:

* the account is a **customer** when its ``start_date`` is before ``d`` (an account that
  starts on ``d`` has no day before it to be scored on, as in `cshealth.lifecycle`), it
  has no ``end_date`` or one after ``d``, and, with revenue changes, the MRR in force on
  ``d`` (set by its last change effective on or before ``d``) is above 0; an account with
  no change by ``d`` is a customer by its dates alone;
* its **exit** is the first day after ``d`` on which it stops being one: the earlier of
  its ``end_date`` and the first change to an MRR of 0 effective after ``d``;
* it **churned** when the exit falls in the window ``(d + lead, d + lead + horizon]``;
* it **churned in the lead** when the exit falls in ``(d, d + lead]``: it left before the
  window opened, so the score had no chance to warn in time; the observation is left out
  and counted (``churned_in_lead``), as *Fighting Churn With Data* observes only accounts
  still active when the window opens;
* it is **censored** when the window's last day ``d + lead + horizon`` is after
  ``until``, the data's end: its outcome is not known yet; it is left out and counted
  (``censored``), churned or not so far: keeping only those already seen to churn would
  raise the churn rate of the last dates;
* otherwise it is a row.

Nothing dated after ``until`` is read: an ``end_date`` after it is unknown, and so is a
revenue change effective after it. The scores of each date come from a mapping of date
to `cshealth.scoring.HealthScores` or a function of the date, so each date's scores are
computed from what was known then; scores taken after their date are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeAlias

import numpy as np

from cshealth._checks import MAX_WINDOW_DAYS, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._time import as_day, day_list
from cshealth._types import AsOf, BoolArray, FloatArray, IntArray
from cshealth.backtest._panel_result import Panel, day_date
from cshealth.backtest._panel_scores import DayScores, Matcher, score_source, take_scores
from cshealth.io._read import IdIndex, read_columns
from cshealth.models import Account, RevenueChange
from cshealth.scoring import HealthScores

__all__ = ["ScoresByDate", "panel"]

#: The scores of each observation date: a mapping from date to `HealthScores`, or a
#: function of the date returning them (called once per date, in date order).
ScoresByDate: TypeAlias = (
    Mapping[date, HealthScores] | Mapping[str, HealthScores] | Callable[[date], HealthScores]
)

#: A day after every day: an end that is not known.
_NEVER = int(np.iinfo(np.int64).max)


@dataclass(frozen=True)
class _Book:
    """The accounts and their revenue changes in whole days, cut at ``until``.

    ``account``, ``day`` and ``mrr`` are the changes of the accounts given (effective on
    or before ``until``) sorted by account, then day; ``closing`` marks each account's
    last change.
    """

    index: IdIndex
    start: IntArray
    end: IntArray
    given_mrr: FloatArray
    account: IntArray
    day: IntArray
    mrr: FloatArray
    closing: BoolArray
    until: int
    ignored_changes: int

    @property
    def n(self) -> int:
        return len(self.start)


@dataclass(frozen=True)
class _Day:
    """One date's observations: the rows (account positions) and what is counted."""

    rows: IntArray
    churned: BoolArray
    mrr: FloatArray
    censored: int
    churned_in_lead: int


def panel(
    accounts: object,
    scores: ScoresByDate,
    *,
    dates: Iterable[AsOf],
    horizon_days: int = 90,
    lead_days: int = 0,
    revenue_changes: object = None,
    until: AsOf | None = None,
) -> Panel:
    """Observe every customer at each date: its score then, and whether it churned after.

    Args:
        accounts: `Account` data: records, a `Table`, a mapping of columns or a data
            frame with ``id`` and ``start_date``, ``end_date`` (empty while active;
            needed unless ``revenue_changes`` are given) and ``mrr`` when known.
        scores: The scores of each date: a mapping from date to
            `cshealth.scoring.HealthScores` holding every date, or a function of the
            date (a ``date``) returning them, called once per date in date order. Scores
            taken after their date (their ``as_of`` later than the date's start) are
            refused; accounts the scores lack on a date keep their row, with a NaN score.
        dates: The observation dates (dates, ISO text, or aware instants taken at their
            UTC day), each once.
        horizon_days: The length of the outcome window, in days (at least 1).
        lead_days: The days between an observation date and the start of its window
            (0 or more): churn within them is too soon for the score to have helped.
        revenue_changes: Optional `RevenueChange` data (``account_id``,
            ``effective_on``, ``mrr``): an account whose MRR in force falls to 0 stops
            being a customer that day, and the rows' ``mrr`` is the MRR in force.
        until: The data's end: the last day the data holds events of. By default the
            latest day in the data (the accounts' start and end dates and the revenue
            changes' days); give it when you know the day the data was taken.

    Returns:
        The `Panel`: one row per customer on each date whose window was over by
        ``until``, in date order, then in the accounts' order; the censored and churned
        in the lead counted per date.

    Raises:
        InvalidInputError: On bad accounts or revenue changes (every bad row named), no
            ``end_date`` column and no revenue changes (churn is not measured), two
            changes of one account on one day, no dates or a date given twice, a naive
            datetime, ``horizon_days`` below 1 or ``lead_days`` below 0, a mapping of
            scores that lacks a date, scores that are not `HealthScores`, scores taken
            after their date (a look-ahead), scores listing an account twice, or dates
            whose scores have different band labels.

    Examples:
        Three accounts, observed on the first of January and of February 2025, with
        scores taken on each date (here written by hand; usually ``scoring.score`` of the
        inputs as of the date):

        >>> from datetime import date
        >>> from cshealth import scoring
        >>> card = scoring.Scorecard.model_validate(
        ...     {
        ...         "name": "logins",
        ...         "root": {
        ...             "name": "all",
        ...             "children": [
        ...                 {
        ...                     "name": "logins",
        ...                     "column": "logins",
        ...                     "transform": {"kind": "linear", "worst": 0, "best": 10},
        ...                 }
        ...             ],
        ...         },
        ...     }
        ... )
        >>> logins = {date(2025, 1, 1): [9, 1, 5], date(2025, 2, 1): [8, 2, 6]}
        >>> def scores_on(day):
        ...     data = {"account_id": ["a", "b", "c"], "logins": logins[day]}
        ...     return scoring.score(card, data, as_of=day)
        >>> accounts = {
        ...     "id": ["a", "b", "c"],
        ...     "start_date": ["2024-01-01", "2024-06-01", "2024-03-01"],
        ...     "end_date": [None, "2025-03-15", None],
        ... }
        >>> p = panel(
        ...     accounts,
        ...     scores_on,
        ...     dates=[date(2025, 1, 1), date(2025, 2, 1)],
        ...     horizon_days=60,
        ...     until=date(2025, 4, 30),
        ... )
        >>> p
        Panel(6 observations on 2 dates, 1 churned; horizon 60 days, lead 0 days)
        >>> p.account_ids.tolist(), p.score.tolist()
        (['a', 'b', 'c', 'a', 'b', 'c'], [90.0, 10.0, 50.0, 80.0, 20.0, 60.0])
        >>> p.churned.tolist()
        [False, False, False, False, True, False]

        Account ``b`` left on 15 March: within 60 days of 1 February, not of 1 January.
        With a lead of 30 days, the window of 1 January runs from 1 February to 1 April
        and holds ``b``'s exit; that of 1 February would end on 2 May, after the data's
        end, so its three customers are censored:

        >>> lead = panel(
        ...     accounts,
        ...     scores_on,
        ...     dates=[date(2025, 1, 1), date(2025, 2, 1)],
        ...     horizon_days=60,
        ...     lead_days=30,
        ...     until=date(2025, 4, 30),
        ... )
        >>> lead.churned.tolist(), lead.censored
        ([False, True, False], {datetime.date(2025, 1, 1): 0, datetime.date(2025, 2, 1): 3})
    """
    horizon = whole_number(horizon_days, "horizon_days", low=1, high=MAX_WINDOW_DAYS)
    lead = whole_number(lead_days, "lead_days", low=0, high=MAX_WINDOW_DAYS)
    days = day_list(dates, what="observation date")
    source = score_source(scores, days)
    book = _read_book(accounts, revenue_changes, until)
    observed = [_observe(book, day, lead, horizon) for day in days]
    matcher = Matcher(book.index)
    taken = [take_scores(source, day, matcher, seen.rows) for day, seen in zip(days, observed)]
    return _assemble(book, days, observed, taken, lead=lead, horizon=horizon)


def _read_book(accounts: object, revenue_changes: object, until: AsOf | None) -> _Book:
    """The accounts and their revenue changes, read once and cut at ``until``."""
    table = read_columns(accounts, Account, need=("id", "start_date"), optional=("end_date", "mrr"))
    if "end_date" not in table.columns and revenue_changes is None:
        msg = (
            "`accounts` has no `end_date` column and no `revenue_changes` are given: the "
            "panel cannot tell which accounts churned (churn is not measured). Give an "
            "`end_date` column, the first day each account is no longer a customer (empty "
            "while active), or the revenue changes (an MRR of 0 is churn)"
        )
        raise InvalidInputError(msg)
    index = IdIndex(table["id"], name="accounts")
    n = table.n_rows
    start = table["start_date"].astype("datetime64[D]").astype(np.int64)
    end = _days_or_never(table["end_date"]) if "end_date" in table.columns else _never(n)
    given = table["mrr"].astype(np.float64) if "mrr" in table.columns else np.full(n, np.nan)
    account, day, mrr, ignored = _read_changes(revenue_changes, index)
    if until is not None:
        last = as_day(until, "until")
    else:  # the latest day of the data; none at all (no accounts): nothing is observed
        seen = [*_latest(start), *_latest(end), *_latest(day)]
        last = max(seen) if seen else _NEVER
    end = np.where(end > last, _NEVER, end)
    kept = day <= last
    account, day, mrr = account[kept], day[kept], mrr[kept]
    closing = np.ones(len(account), dtype=bool)
    closing[:-1] = account[1:] != account[:-1]
    start = np.where(start > last, _NEVER, start)  # not started by the data's end: unknown
    return _Book(index, start, end, given, account, day, mrr, closing, last, ignored)


def _read_changes(
    revenue_changes: object, index: IdIndex
) -> tuple[IntArray, IntArray, FloatArray, int]:
    """The changes of the accounts given, sorted by account then day; and how many others."""
    if revenue_changes is None:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=np.float64), 0
    table = read_columns(revenue_changes, RevenueChange, need=("account_id", "effective_on", "mrr"))
    owners = table["account_id"]
    account = index.positions(owners, name="the revenue changes' `account_id`")
    day = table["effective_on"].astype("datetime64[D]").astype(np.int64)
    mrr = table["mrr"].astype(np.float64)
    mine = np.flatnonzero(account >= 0)
    order = mine[np.lexsort((day[mine], account[mine]))]
    twice = np.flatnonzero(
        (account[order][1:] == account[order][:-1]) & (day[order][1:] == day[order][:-1])
    )
    if len(twice):
        first, second = sorted(order[twice[0] : twice[0] + 2].tolist())
        msg = (
            f"account {owners[second]!r} has two revenue changes on "
            f"{day_date(int(day[second]))} (rows {first + 1} and {second + 1}); give one MRR "
            "level per account and day"
        )
        raise InvalidInputError(msg)
    ignored = len(account) - len(mine)
    return account[order], day[order], mrr[order], ignored


def _observe(book: _Book, day: int, lead: int, horizon: int) -> _Day:
    """The customers on ``day``: the rows, their outcomes and MRR, and those left out."""
    level = np.full(book.n, np.nan)
    on = book.day <= day
    last = on.copy()  # each account's last change on or before the day
    last[:-1] &= book.closing[:-1] | ~on[1:]
    level[book.account[last]] = book.mrr[last]
    customer = (book.start < day) & (book.end > day) & ~(level <= 0)
    exit_day = np.minimum(book.end, _first_zero_after(book, day))
    in_lead = customer & (exit_day <= day + lead)
    stays = customer & ~in_lead
    window_end = day + lead + horizon
    if window_end > book.until:
        nothing = np.empty(0, dtype=np.int64)
        return _Day(nothing, np.empty(0, bool), np.empty(0), int(stays.sum()), int(in_lead.sum()))
    rows = np.flatnonzero(stays)
    mrr = np.where(np.isnan(level), book.given_mrr, level)[rows]
    return _Day(rows, exit_day[rows] <= window_end, mrr, 0, int(in_lead.sum()))


def _first_zero_after(book: _Book, day: int) -> IntArray:
    """Per account, the first day after ``day`` a change sets its MRR to 0 (else never)."""
    out = _never(book.n)
    after = np.flatnonzero((book.day > day) & (book.mrr <= 0))
    owner = book.account[after]
    head = np.ones(len(after), dtype=bool)  # changes are by account, then day: the first
    head[1:] = owner[1:] != owner[:-1]
    out[owner[head]] = book.day[after[head]]
    return out


def _assemble(
    book: _Book,
    days: list[int],
    observed: list[_Day],
    taken: list[DayScores],
    *,
    lead: int,
    horizon: int,
) -> Panel:
    dates = tuple(day_date(d) for d in days)
    labels = _band_labels(dates, taken)
    names = list(dict.fromkeys(name for t in taken for name in t.node_scores))
    nodes = {
        name: _concat(
            [t.node_scores.get(name, np.full(len(o.rows), np.nan)) for t, o in zip(taken, observed)]
        )
        for name in names
    }
    hashes = tuple(t.config_hash for t in taken)
    ids = book.index.keys
    return Panel(
        account_ids=ids[_concat([o.rows for o in observed]).astype(np.int64)],
        as_of=np.repeat(np.array(days, dtype="datetime64[D]"), [len(o.rows) for o in observed]),
        score=_concat([t.score for t in taken]),
        band=_concat([t.band for t in taken], dtype=object),
        churned=_concat([o.churned for o in observed], dtype=bool),
        mrr=_concat([o.mrr for o in observed]),
        dates=dates,
        horizon_days=horizon,
        lead_days=lead,
        bands=labels,
        node_scores=nodes,
        censored={d: o.censored for d, o in zip(dates, observed)},
        churned_in_lead={d: o.churned_in_lead for d, o in zip(dates, observed)},
        ignored={
            "scores": sum(t.ignored for t in taken),
            "revenue_changes": book.ignored_changes,
        },
        until=day_date(book.until) if book.until != _NEVER else None,
        config_hash=hashes[0] if len(set(hashes)) == 1 else None,
        _config_hashes=hashes,
    )


def _band_labels(dates: tuple[date, ...], taken: list[DayScores]) -> tuple[str, ...]:
    """The band labels every date's scores share, worst first."""
    first = taken[0].labels
    for when, t in zip(dates, taken):
        if t.labels != first:
            msg = (
                f"the scores of {dates[0]} have the bands {list(first)} but those of {when} "
                f"{list(t.labels)}: a panel's dates must share their band labels; score "
                "every date with one scorecard (or scorecards with the same bands)"
            )
            raise InvalidInputError(msg)
    return first


def _concat(parts: list[np.ndarray], dtype: type | None = None) -> np.ndarray:
    kind = dtype if dtype is not None else np.float64
    return np.concatenate(parts).astype(kind) if parts else np.empty(0, dtype=kind)


def _days_or_never(values: np.ndarray) -> IntArray:
    stamps = values.astype("datetime64[D]")
    out: IntArray = np.where(np.isnat(stamps), _NEVER, stamps.astype(np.int64))
    return out


def _never(n: int) -> IntArray:
    return np.full(n, _NEVER, dtype=np.int64)


def _latest(days: IntArray) -> list[int]:
    """The latest known day of ``days`` (a list of at most one)."""
    known = days[days != _NEVER]
    return [int(known.max())] if len(known) else []
