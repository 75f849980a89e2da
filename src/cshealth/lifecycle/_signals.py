"""The named inputs of the lifecycle rules, one array per input, as of one day.

`Sources` holds what `classify` was given (accounts, milestones, health, NPS answers,
usage measures, contacts, revenue changes, previous assignments) and computes each input
of `INPUTS` the rules use, once, as a `Signal`: one value per account and whether it is
known. Each source is read only if a rule needs it, through the one input layer; records of
accounts that were not given are left out and counted (`Sources.ignored`), except
milestones, whose account must be given. Nothing dated on or after ``as_of`` is read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import missing_ids
from cshealth._exceptions import InvalidInputError
from cshealth._measures import MeasureTable
from cshealth._types import BoolArray, FloatArray, IdArray, IntArray, ObjectArray
from cshealth.io import Table
from cshealth.io._read import IdIndex, column_array, raw_columns, read_columns
from cshealth.lifecycle._days import MISSING, days, group_any, known
from cshealth.lifecycle._milestones import (
    Milestones,
    check_after_start,
    milestone_state,
    read_milestones,
)
from cshealth.lifecycle._rules import Thresholds
from cshealth.models import Account, Contact, RevenueChange, SurveyResponse
from cshealth.scoring import HealthScores

__all__ = ["Signal", "Sources", "check_taken"]

_STATUS = np.array(["complete", "on_track", "due_soon", "behind", "stuck"], dtype=object)
_CATEGORY = np.array(["detractor", "passive", "promoter"], dtype=object)


@dataclass(frozen=True)
class Signal:
    """One input, per account.

    Attributes:
        values: The values (``float64`` numbers, ``bool`` flags or ``object`` text).
        known: Where the value is known.
        absent: Why the input is unknown for every account (its source was not given).
        unknown_reason: Why it is unknown for an account that has no value.
        fallback: Where the value was not measured but found by a documented fallback
            (``None`` when it never was), described by ``fallback_note``.
        fallback_note: How the fallback finds the value.
    """

    values: NDArray[np.generic]
    known: BoolArray
    absent: str | None = None
    unknown_reason: str = "no value for this account"
    fallback: BoolArray | None = None
    fallback_note: str = ""


def _nothing(n: int, why: str) -> Signal:
    return Signal(np.full(n, np.nan), np.zeros(n, dtype=bool), absent=why)


@dataclass
class Sources:
    """What `classify` was given, read on demand; each input computed once.

    Attributes:
        accounts: The accounts in scope (customers or not, started before ``as_of``).
        raw_accounts: The accounts as given (for ``account.<field>`` inputs).
        scope: The rows of ``raw_accounts`` that are in scope.
        day: The ``as_of`` day (whole days).
        instant: ``as_of`` as an instant (for NPS answers).
        thresholds: The rules' thresholds.
        given_ids: Every account's id as given, in scope or not (a milestone must belong
            to one of them); ``None``: the ids of ``accounts``.
        given_index: ``given_ids`` prepared for lookups (`IdIndex`); built when needed.
    """

    accounts: Table
    raw_accounts: object
    scope: IntArray
    day: int
    instant: np.datetime64
    thresholds: Thresholds
    given_ids: IdArray | None = None
    given_index: IdIndex | None = None
    milestones: object = ()
    health: object = None
    nps: object = None
    usage: object = None
    contacts: object = ()
    revenue_changes: object = None
    entered: IntArray | None = None
    ignored: dict[str, int] = field(default_factory=dict)
    _cache: dict[str, Signal] = field(default_factory=dict)

    @property
    def ids(self) -> IdArray:
        """The accounts' ids."""
        return self.accounts["id"]

    @property
    def n(self) -> int:
        """How many accounts."""
        return self.accounts.n_rows

    def signal(self, name: str) -> Signal:
        """The input ``name`` (a name of `INPUTS`, ``account.<f>`` or ``usage.<c>``)."""
        if name not in self._cache:
            if name.startswith("account."):
                self._cache[name] = self._account_field(name.split(".", 1)[1])
            elif name.startswith("usage."):
                self._cache[name] = self._usage(name.split(".", 1)[1], qualified=True)
            else:
                self._cache[name] = _COMPUTE[name](self)
        return self._cache[name]

    # --- accounts -------------------------------------------------------------------------

    def _days(self, name: str) -> IntArray:
        if name not in self.accounts.columns:
            return np.full(self.n, MISSING, dtype=np.int64)
        return days(self.accounts[name])

    def _customer_by_dates(self) -> BoolArray:
        end = self._days("end_date")
        out: BoolArray = ~(known(end) & (end <= self.day))
        return out

    def customer(self) -> Signal:
        by_dates = self._customer_by_dates()
        if self.revenue_changes is None:
            return Signal(by_dates, np.ones(self.n, dtype=bool))
        level, has = self._levels()
        return Signal(by_dates & (~has | (level > 0)), np.ones(self.n, dtype=bool))

    def days_since_start(self) -> Signal:
        start = self._days("start_date")
        return Signal((self.day - start).astype(np.float64), np.ones(self.n, dtype=bool))

    def days_to_renewal(self) -> Signal:
        renewal = self._days("renewal_date")
        has = known(renewal)
        values = np.where(has, renewal - self.day, np.nan)
        return Signal(values.astype(np.float64), has, unknown_reason="no renewal_date")

    def mrr(self) -> Signal:
        if self.revenue_changes is not None:
            level, has = self._levels()
            if "mrr" in self.accounts.columns:
                given = self.accounts["mrr"].astype(np.float64)
                return Signal(np.where(has, level, given), has | ~np.isnan(given))
            return Signal(level, has, unknown_reason="no revenue change before as_of")
        if "mrr" not in self.accounts.columns:
            return _nothing(self.n, "no revenue changes and no `mrr` column of the accounts")
        given = self.accounts["mrr"].astype(np.float64)
        return Signal(given, ~np.isnan(given), unknown_reason="no mrr")

    def _account_field(self, name: str) -> Signal:
        if name in self.accounts.columns:
            values = self.accounts[name]
        else:
            raw = raw_columns(self.raw_accounts, Account, noun="accounts")
            if name not in raw:
                msg = (
                    f"a rule uses `account.{name}`, but the accounts have no `{name}` column "
                    f"(columns: {sorted(raw)})"
                )
                raise InvalidInputError(msg)
            values = column_array(raw[name])[self.scope]
        return _as_signal(values)

    # --- revenue changes ------------------------------------------------------------------

    def _changes(self) -> tuple[IntArray, IntArray, FloatArray]:
        """The revenue changes before ``as_of`` of the accounts, sorted by account and day."""
        table = read_columns(
            self.revenue_changes, RevenueChange, need=("account_id", "effective_on", "mrr")
        )
        account = self._match(table["account_id"], "revenue_changes")
        on = days(table["effective_on"])
        keep = (account >= 0) & (on < self.day)
        account, on, level = account[keep], on[keep], table["mrr"].astype(np.float64)[keep]
        order = np.lexsort((on, account))
        return account[order], on[order], level[order]

    def _levels(self) -> tuple[FloatArray, BoolArray]:
        if "_levels" not in self._cache:
            account, _, level = self._changes()
            last = np.ones(len(account), dtype=bool)
            last[:-1] = account[1:] != account[:-1]
            values = np.full(self.n, np.nan)
            values[account[last]] = level[last]
            self._cache["_levels"] = Signal(values, ~np.isnan(values))
        cached = self._cache["_levels"]
        return cached.values.astype(np.float64), cached.known

    def expansion_mrr(self) -> Signal:
        if self.revenue_changes is None:
            return _nothing(self.n, "revenue changes not supplied")
        account, on, level = self._changes()
        same = np.r_[False, account[1:] == account[:-1]]
        before = np.r_[0.0, level[:-1]]
        before = np.where(same, before, 0.0)
        grew = (
            (before > 0)
            & (level > before)
            & (on >= self.day - self.thresholds.expansion_window_days)
        )
        total = np.bincount(account[grew], weights=(level - before)[grew], minlength=self.n)
        return Signal(total.astype(np.float64), np.ones(self.n, dtype=bool))

    # --- milestones -----------------------------------------------------------------------

    def _milestones(self) -> tuple[Signal, Signal, Signal, Signal]:
        n, since = self.n, cast("FloatArray", self.days_since_start().values)
        onboard = float(self.thresholds.onboarding_days)
        note = (
            f"no milestones, so onboarding is complete onboarding_days ({onboard:.0f}) "
            "after the start"
        )
        fallback_done = since >= onboard
        everyone = np.ones(n, dtype=bool)
        if _empty(self.milestones):
            why = "milestones not supplied"
            return (
                Signal(fallback_done, everyone, fallback=everyone, fallback_note=note),
                Signal(
                    since - onboard,
                    fallback_done,
                    fallback=everyone,
                    fallback_note=note,
                    unknown_reason="onboarding not complete",
                ),
                _nothing(n, why),
                _nothing(n, why),
            )
        rows = read_milestones(self.milestones, self._given_ids, index=self._index)
        if len(rows.account_ids) != n:  # milestones of accounts not started yet: left out
            rows = _scoped(rows, self.scope, self.ids)
        check_after_start(rows, self._days("start_date"))
        state = milestone_state(rows, self.day, due_soon_days=self.thresholds.due_soon_days)
        has = np.bincount(rows.account, minlength=n) > 0
        code = np.select(
            [
                state.complete,
                state.days_overdue > self.thresholds.stuck_after_days,
                state.days_overdue > 0,
                state.due_soon,
            ],
            [0, 4, 3, 2],
            default=1,
        )
        complete = np.where(has, state.complete, fallback_done)
        onboarded = known(state.onboarded)
        since_done = np.where(
            has, np.where(onboarded, self.day - state.onboarded, np.nan), since - onboard
        )
        after_known = np.where(has, onboarded, fallback_done)
        reached = known(state.first_value)
        return (
            Signal(complete, everyone, fallback=~has, fallback_note=note),
            Signal(
                since_done.astype(np.float64),
                after_known,
                fallback=~has,
                fallback_note=note,
                unknown_reason="onboarding not complete",
            ),
            Signal(_STATUS[code], has, unknown_reason="no milestones"),
            Signal(reached, has, unknown_reason="no milestones"),
        )

    def _milestone(self, i: int) -> Signal:
        if "_milestones" not in self._cache:
            for j, signal in enumerate(self._milestones()):
                self._cache[f"_milestones{j}"] = signal
            self._cache["_milestones"] = Signal(np.empty(0), np.empty(0, dtype=bool))
        return self._cache[f"_milestones{i}"]

    # --- health, NPS, usage, contacts -----------------------------------------------------

    def _health(self) -> tuple[FloatArray, ObjectArray, BoolArray, tuple[str, ...]]:
        health = self.health
        if not isinstance(health, HealthScores):
            msg = f"`health` must be scoring.HealthScores, got {type(health).__name__}"
            raise InvalidInputError(msg)
        check_taken(health.as_of, self.instant, "health")
        at = self._align(health.account_ids, "`health` account_ids")
        found = at >= 0
        if not len(health.account_ids):  # nobody scored: every account unknown
            nothing = np.full(self.n, None, dtype=object)
            return np.full(self.n, np.nan), nothing, found, tuple(b.label for b in health.bands)
        score = np.where(found, health.score[np.maximum(at, 0)], np.nan)
        band = health.band[np.maximum(at, 0)].copy()
        band[~found] = None
        labels = tuple(b.label for b in health.bands)
        return score.astype(np.float64), band.astype(object), found, labels

    def _health_signal(self, part: str) -> Signal:
        if self.health is None:
            return _nothing(self.n, "health not supplied")
        score, band, found, labels = self._health()
        has = found & ~np.isnan(score)
        why = "no health score (not scored, or insufficient data)"
        if part == "score":
            return Signal(score, has, unknown_reason=why)
        if part == "band":
            return Signal(band, has, unknown_reason=why)
        edge = labels[-1] if part == "top" else labels[0]
        return Signal(np.asarray(band == edge, dtype=bool), has, unknown_reason=why)

    def _nps(self) -> tuple[Signal, Signal]:
        if "_nps0" not in self._cache:
            self._cache["_nps0"], self._cache["_nps1"] = self._read_nps()
        return self._cache["_nps0"], self._cache["_nps1"]

    def _read_nps(self) -> tuple[Signal, Signal]:
        n = self.n
        if self.nps is None:
            return _nothing(n, "nps not supplied"), _nothing(n, "nps not supplied")
        table = read_columns(
            self.nps,
            SurveyResponse,
            need=("account_id", "score", "submitted_at"),
            optional=("kind", "survey_type"),
        )
        keep = table["submitted_at"] < self.instant
        score = table["score"].astype(np.float64)
        keep &= ~np.isnan(score)
        if "kind" in table.columns:
            keep &= table["kind"] == "nps"
        if "survey_type" in table.columns:
            keep &= table["survey_type"] == "relationship"
        account = self._match(table["account_id"], "nps")
        keep &= account >= 0
        rows = np.flatnonzero(keep)
        # by account, then time, then row: two stable sorts (faster than a lexsort)
        by_time = rows[np.argsort(table["submitted_at"][rows].view(np.int64), kind="stable")]
        order = by_time[np.argsort(account[by_time], kind="stable")]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = account[order][1:] != account[order][:-1]
        latest = np.full(n, np.nan)
        latest[account[order][last]] = score[order][last]
        has = ~np.isnan(latest)
        points = np.nan_to_num(latest)
        category = _CATEGORY[(points >= 7).astype(np.int64) + (points >= 9)]
        why = "no relationship NPS answer before as_of"
        return Signal(latest, has, unknown_reason=why), Signal(category, has, unknown_reason=why)

    def _usage(self, column: str, *, qualified: bool = False) -> Signal:
        if self.usage is None:
            return _nothing(self.n, "usage not supplied")
        table = self.usage if isinstance(self.usage, MeasureTable) else _measures(self.usage)
        if column not in table:
            if not qualified:  # a named input these measures lack (usage_trend: no seats)
                return _nothing(self.n, f"the usage measures have no `{column}`")
            msg = (
                f"a rule uses `usage.{column}`, but the usage measures have no `{column}` "
                f"column (columns: {sorted(table)})"
            )
            raise InvalidInputError(msg)
        check_taken(table.as_of, self.instant, "usage")
        at = self._align(table["account_id"], "`usage` accounts")
        values = column_array(table[column])
        filled = values[np.maximum(at, 0)] if len(values) else np.full(self.n, np.nan)
        signal = _as_signal(filled)
        return Signal(signal.values, signal.known & (at >= 0), unknown_reason="no usage measure")

    def _contacts(self) -> tuple[Signal, Signal]:
        if "_contacts0" not in self._cache:
            self._cache["_contacts0"], self._cache["_contacts1"] = self._read_contacts()
        return self._cache["_contacts0"], self._cache["_contacts1"]

    def _read_contacts(self) -> tuple[Signal, Signal]:
        n = self.n
        if _empty(self.contacts):
            return _nothing(n, "contacts not supplied"), _nothing(n, "contacts not supplied")
        table = read_columns(
            self.contacts,
            Contact,
            need=("account_id",),
            optional=("is_champion", "started_on", "left_on"),
        )
        account = self._match(table["account_id"], "contacts")
        started = _column_days(table, "started_on")
        left = _column_days(table, "left_on")
        champion = (
            table["is_champion"].astype(bool)
            if "is_champion" in table.columns
            else np.zeros(table.n_rows, dtype=bool)
        )
        mine = account >= 0
        begun = ~known(started) | (started < self.day)
        gone = known(left) & (left < self.day)
        active = mine & begun & ~gone
        count = np.bincount(account[active], minlength=n).astype(np.float64)
        lost = group_any(account, mine & champion & begun & gone, n)
        kept = group_any(account, active & champion, n)
        return (
            Signal(count, np.ones(n, dtype=bool)),
            Signal(lost & ~kept, np.ones(n, dtype=bool)),
        )

    def days_in_stage(self) -> Signal:
        entered = self.entered
        if entered is None or not known(entered).any():
            return _nothing(self.n, "no previous assignments")
        values = np.where(known(entered), self.day - entered, np.nan).astype(np.float64)
        return Signal(values, known(entered), unknown_reason="not in the previous assignments")

    # --- helpers --------------------------------------------------------------------------

    @property
    def _given_ids(self) -> IdArray:
        return self.ids if self.given_ids is None else self.given_ids

    @property
    def _index(self) -> IdIndex:
        """The accounts given, prepared for lookups once."""
        if self.given_index is None:
            self.given_index = IdIndex(self._given_ids, name="accounts")
        return self.given_index

    def _in_scope(self, given: IntArray) -> IntArray:
        """Positions among the accounts given as positions among those in scope (or -1)."""
        if len(self._given_ids) == self.n:
            return given
        where = np.full(len(self._given_ids) + 1, -1, dtype=np.int64)  # last: not given
        where[self.scope] = np.arange(self.n)
        out: IntArray = where[given]
        return out

    def _match(self, owners: IdArray, name: str) -> IntArray:
        """Each row's account position; rows of accounts not given are counted apart.

        Rows of accounts given but not started yet are out of scope, not ignored.
        """
        given = self._index.positions(owners, name=f"`{name}`")
        other = int((given < 0).sum())
        if other:  # a source may be matched more than once (revenue changes): count it once
            self.ignored[name] = other
        return self._in_scope(given)

    def _align(self, keys: IdArray, name: str) -> IntArray:
        """For each account in scope, its row in another table keyed by ``keys`` (or -1).

        Raises:
            InvalidInputError: When ``keys`` give an account twice.
        """
        rows_of = self._in_scope(self._index.positions(keys, name=name))
        mine = np.flatnonzero(rows_of >= 0)
        twice = np.flatnonzero(np.bincount(rows_of[mine], minlength=self.n) > 1)
        if len(twice):
            msg = f"{name}: account {self.ids[twice[0]]!r} is listed twice; one row per account"
            raise InvalidInputError(msg)
        at = np.full(self.n, -1, dtype=np.int64)
        at[rows_of[mine]] = mine
        return at


def _scoped(rows: Milestones, scope: IntArray, ids: IdArray) -> Milestones:
    """The milestones of the accounts in ``scope``, their accounts as positions in ``ids``."""
    where = np.full(len(rows.account_ids), -1, dtype=np.int64)
    where[scope] = np.arange(len(scope))
    account = where[rows.account]
    keep = account >= 0
    return Milestones(
        account_ids=ids,
        account=account[keep],
        ids=rows.ids[keep],
        names=rows.names[keep],
        required=rows.required[keep],
        due=rows.due[keep],
        started=rows.started[keep],
        completed=rows.completed[keep],
        first_value=rows.first_value[keep],
    )


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


def check_taken(taken: object, instant: np.datetime64, name: str) -> None:
    """Refuse inputs taken after ``as_of``: they may know what happened after it."""
    if taken is None:
        return
    when = taken if isinstance(taken, np.datetime64) else np.datetime64(str(taken), "us")
    if when > instant:
        msg = (
            f"`{name}` was taken at {when}Z, after as_of ({instant}Z): it may know what "
            f"happened after as_of; compute it as of as_of or earlier"
        )
        raise InvalidInputError(msg)


def _as_signal(values: NDArray[np.generic]) -> Signal:
    kind = values.dtype.kind
    if kind == "b":
        return Signal(values.astype(bool), np.ones(len(values), dtype=bool))
    if kind in "iuf":
        floats = values.astype(np.float64)
        return Signal(floats, ~np.isnan(floats))
    objects = values.astype(object)
    return Signal(objects, ~missing_ids(objects))


_COMPUTE: Mapping[str, Callable[[Sources], Signal]] = {
    "customer": Sources.customer,
    "days_since_start": Sources.days_since_start,
    "days_to_renewal": Sources.days_to_renewal,
    "mrr": Sources.mrr,
    "expansion_mrr": Sources.expansion_mrr,
    "onboarding_complete": lambda s: s._milestone(0),
    "days_since_onboarded": lambda s: s._milestone(1),
    "onboarding_status": lambda s: s._milestone(2),
    "first_value_reached": lambda s: s._milestone(3),
    "health_score": lambda s: s._health_signal("score"),
    "health_band": lambda s: s._health_signal("band"),
    "health_top_band": lambda s: s._health_signal("top"),
    "health_bottom_band": lambda s: s._health_signal("bottom"),
    "nps_score": lambda s: s._nps()[0],
    "nps_category": lambda s: s._nps()[1],
    "seat_utilisation": lambda s: s._usage("seat_utilisation"),
    "usage_change": lambda s: s._usage("usage_change"),
    "active_contacts": lambda s: s._contacts()[0],
    "champion_left": lambda s: s._contacts()[1],
    "days_in_stage": Sources.days_in_stage,
}
