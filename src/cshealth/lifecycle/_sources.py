"""`Sources`: the named inputs of the lifecycle rules, one array per input, as of one day.

`Sources` holds what `classify` was given (accounts, milestones, health, NPS answers,
usage measures, contacts, revenue changes, previous assignments) and computes each input
of `INPUTS` the rules use, once, as a `Signal` (`cshealth.lifecycle._signal`): one value
per account and whether it is known. Each source is read only if a rule needs it, through
the one input layer; records of accounts that were not given are left out and counted
(`Sources.ignored`), except milestones, whose account must be given. Nothing dated on or
after ``as_of`` is read.

The accounts' own inputs, the milestones and the matching of rows to accounts are here;
the other sources are read by `cshealth.lifecycle._source_readers`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, FloatArray, IdArray, IntArray
from cshealth.io import Table
from cshealth.io._read import IdIndex, column_array, raw_columns
from cshealth.lifecycle._days import MISSING, days, known
from cshealth.lifecycle._milestones import (
    Milestones,
    check_after_start,
    milestone_state,
    read_milestones,
)
from cshealth.lifecycle._rules import Thresholds
from cshealth.lifecycle._signal import Signal, _as_signal, _nothing
from cshealth.lifecycle._source_readers import (
    _empty,
    contact_signals,
    health_scores,
    nps_signals,
    revenue_changes,
    usage_signal,
)
from cshealth.models import Account

__all__ = ["Sources"]

_STATUS = np.array(["complete", "on_track", "due_soon", "behind", "stuck"], dtype=object)


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
        matches: Per source, its rows' positions among the accounts given, with the
            column they were found for (shared by the days of a `history`).
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
    matches: dict[str, tuple[IdArray, IntArray]] = field(default_factory=dict)
    _cache: dict[str, Signal] = field(default_factory=dict)
    _aligned: dict[str, IntArray] = field(default_factory=dict)

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
        level, has = self.levels()
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
            level, has = self.levels()
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

    def levels(self) -> tuple[FloatArray, BoolArray]:
        """Each account's MRR in force before ``as_of`` (revenue changes), and if known."""
        if "_levels" not in self._cache:
            account, _, level = revenue_changes(self.revenue_changes, self._match, self.day)
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
        account, on, level = revenue_changes(self.revenue_changes, self._match, self.day)
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
        rows = (
            self.milestones
            if isinstance(self.milestones, Milestones)  # read once for many days (history)
            else read_milestones(self.milestones, self._given_ids, index=self._index)
        )
        # every account given is summed up, then those in scope taken: the milestones of
        # accounts not started yet are left out without copying the milestones
        given = len(rows.account_ids)
        start = np.full(given, MISSING, dtype=np.int64)
        start[self.scope if given != n else slice(None)] = self._days("start_date")
        check_after_start(rows, start)  # not started yet: no start to be before
        state = milestone_state(rows, self.day, due_soon_days=self.thresholds.due_soon_days)
        mine = self.scope if given != n else slice(None)
        has = (np.bincount(rows.account, minlength=given) > 0)[mine]
        complete_state = state.complete[mine]
        overdue, onboarded_on = state.days_overdue[mine], state.onboarded[mine]
        code = np.select(
            [
                complete_state,
                overdue > self.thresholds.stuck_after_days,
                overdue > 0,
                state.due_soon[mine],
            ],
            [0, 4, 3, 2],
            default=1,
        )
        complete = np.where(has, complete_state, fallback_done)
        # nothing required (only optional milestones): onboarded from the start
        nothing_required = has & (state.required_total[mine] == 0)
        onboarded_on = np.where(nothing_required, self.day - since.astype(np.int64), onboarded_on)
        onboarded = known(onboarded_on)
        since_done = np.where(
            has, np.where(onboarded, self.day - onboarded_on, np.nan), since - onboard
        )
        after_known = np.where(has, onboarded, fallback_done)
        reached = known(state.first_value[mine])
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

    def _health_signal(self, part: str) -> Signal:
        if self.health is None:
            return _nothing(self.n, "health not supplied")
        score, band, found, labels = health_scores(self.health, self._align, self.instant, self.n)
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
            self._cache["_nps0"], self._cache["_nps1"] = nps_signals(
                self.nps, self._match, self.instant, self.n
            )
        return self._cache["_nps0"], self._cache["_nps1"]

    def _usage(self, column: str, *, qualified: bool = False) -> Signal:
        return usage_signal(
            self.usage, column, self._align, self.instant, self.n, qualified=qualified
        )

    def _contacts(self) -> tuple[Signal, Signal]:
        if "_contacts0" not in self._cache:
            self._cache["_contacts0"], self._cache["_contacts1"] = contact_signals(
                self.contacts, self._match, self.day, self.n
            )
        return self._cache["_contacts0"], self._cache["_contacts1"]

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
        matched = self.matches.get(name)
        if matched is not None and matched[0] is owners:  # the same column as another day's
            given = matched[1]
        else:
            given = self._index.positions(owners, name=f"`{name}`")
            self.matches[name] = (owners, given)
        other = int((given < 0).sum())
        if other:  # a source may be matched more than once (revenue changes): count it once
            self.ignored[name] = other
        return self._in_scope(given)

    def _align(self, keys: IdArray, name: str) -> IntArray:
        """For each account in scope, its row in another table keyed by ``keys`` (or -1).

        Raises:
            InvalidInputError: When ``keys`` give an account twice.
        """
        if name in self._aligned:  # a source read for several inputs is matched once
            return self._aligned[name]
        rows_of = self._in_scope(self._index.positions(keys, name=name))
        mine = np.flatnonzero(rows_of >= 0)
        twice = np.flatnonzero(np.bincount(rows_of[mine], minlength=self.n) > 1)
        if len(twice):
            msg = f"{name}: account {self.ids[twice[0]]!r} is listed twice; one row per account"
            raise InvalidInputError(msg)
        at = np.full(self.n, -1, dtype=np.int64)
        at[rows_of[mine]] = mine
        self._aligned[name] = at
        return at


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
