"""Reading onboarding milestones, and where each account's onboarding stands on a day.

`read_milestones` reads `Milestone` records, a `Table`, columns or a data frame through
the one input layer, and refuses a milestone name given twice within one account.
`milestone_state` is the kernel that `onboarding`, `time_to_value`, `onboarding_report`
and `classify` share: one pass over the milestones gives, per account, the required
milestones done and in all, the days the most overdue one is late, whether one is due
soon, and the days onboarding was completed and first value reached.

Rules (ChurnZero's, made exact): optional milestones never block completion; a milestone
counts as done when it was completed strictly before ``as_of`` (one completed on the
``as_of`` day is still open then); an open required milestone is overdue by
``as_of - due_date`` days when that is at least 1, so one due on ``as_of`` is due, not
late; onboarding is complete when every required milestone is done, on the day the last
of them was completed; first value is reached on the earliest completion of a milestone
that ``marks_first_value``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, IdArray, IntArray
from cshealth.io import Table
from cshealth.io._read import IdIndex, read_columns
from cshealth.lifecycle._days import MISSING, days, group_any, group_max, group_min, known
from cshealth.models import Account, Milestone

__all__ = [
    "MilestoneState",
    "Milestones",
    "check_after_start",
    "milestone_state",
    "read_accounts",
    "read_indexed_accounts",
    "read_milestones",
]

_OPTIONAL = ("id", "required", "due_date", "started_on", "completed_on", "marks_first_value")


@dataclass(frozen=True)
class Milestones:
    """Milestone columns, each row's account as a position among ``account_ids``.

    Attributes:
        account_ids: The accounts (those given, or the milestones' own, sorted).
        account: Per milestone, the position of its account in ``account_ids``.
        ids: Per milestone, its ``id`` (``None`` when the data has no ``id`` column).
        names: Per milestone, its name.
        required: Per milestone, whether onboarding needs it.
        due: Due day (whole days; `MISSING` when none).
        started: Start day (`MISSING` when none).
        completed: Completion day (`MISSING` while open).
        first_value: Whether completing it marks first value.
    """

    account_ids: IdArray
    account: IntArray
    ids: IdArray
    names: IdArray
    required: BoolArray
    due: IntArray
    started: IntArray
    completed: IntArray
    first_value: BoolArray

    def __len__(self) -> int:
        return len(self.account)


def read_accounts(accounts: object, need: tuple[str, ...], optional: tuple[str, ...]) -> Table:
    """The columns ``id`` and ``need`` (and ``optional`` ones present) of the accounts.

    Raises:
        InvalidInputError: On a missing column or a bad value (every one listed), or an
            account id given twice.
    """
    return read_indexed_accounts(accounts, need, optional)[0]


def read_indexed_accounts(
    accounts: object, need: tuple[str, ...], optional: tuple[str, ...]
) -> tuple[Table, IdIndex]:
    """`read_accounts`, and the accounts' ids prepared for lookups (`IdIndex`).

    Raises:
        InvalidInputError: As `read_accounts`.
    """
    table = read_columns(accounts, Account, need=("id", *need), optional=optional)
    return table, IdIndex(table["id"], name="accounts")


def read_milestones(
    milestones: object, account_ids: IdArray | None, *, index: IdIndex | None = None
) -> Milestones:
    """The milestones, checked, their accounts matched to ``account_ids`` when given.

    Args:
        milestones: `Milestone` records, a `Table`, a mapping of columns or a data frame:
            ``account_id`` and ``name``, and ``required``, ``due_date``, ``started_on``,
            ``completed_on``, ``marks_first_value`` and ``id`` when present (the model's
            defaults otherwise: required, no dates, not first value).
        account_ids: The accounts the milestones must belong to; ``None`` takes the
            milestones' own accounts.
        index: ``account_ids`` prepared for lookups, when the caller has it.

    Raises:
        InvalidInputError: On a missing column or a bad value (every one listed), a
            completion before its start, a milestone of an account not in
            ``account_ids``, or a milestone name given twice within one account.
    """
    table = read_columns(milestones, Milestone, need=("account_id", "name"), optional=_OPTIONAL)
    owners = table["account_id"]
    n = table.n_rows
    if account_ids is None:
        codes, k = id_codes(owners)
        first = np.unique(codes, return_index=True)[1]
        keys = owners[first]
        order = np.argsort(keys, kind="stable")
        account_ids = keys[order]
        account = np.empty(k, dtype=np.int64)
        account[order] = np.arange(k)
        account = account[codes]
    else:
        index = IdIndex(account_ids, name="accounts") if index is None else index
        account = index.positions(owners, name="the milestones' `account_id`")
        unknown = np.flatnonzero(account < 0)
        if len(unknown):
            shown = ", ".join(f"row {i + 1} ({_item(owners, i)!r})" for i in unknown[:5].tolist())
            msg = (
                f"{len(unknown)} milestones belong to no account given: {shown}"
                f"{', ...' if len(unknown) > 5 else ''}; every milestone's `account_id` "
                "must be an account's `id`"
            )
            raise InvalidInputError(msg)
    names = table["name"]
    _check_names(account, names, owners)
    ids = table["id"] if "id" in table.columns else np.full(n, None, dtype=object)
    return Milestones(
        account_ids=account_ids,
        account=account,
        ids=ids,
        names=names,
        required=_flag(table, "required", default=True),
        due=_day(table, "due_date"),
        started=_day(table, "started_on"),
        completed=_day(table, "completed_on"),
        first_value=_flag(table, "marks_first_value", default=False),
    )


def check_after_start(milestones: Milestones, start: IntArray, noun: str = "account") -> None:
    """Refuse a milestone completed before its account started (``start`` per account).

    Raises:
        InvalidInputError: Naming the first few such milestones (row, account, days).
    """
    begin = start[milestones.account]
    bad = np.flatnonzero(
        known(milestones.completed) & known(begin) & (milestones.completed < begin)
    )
    if len(bad):
        shown = "; ".join(
            f"row {i + 1}: {milestones.names[i]!r} of {noun} "
            f"{_item(milestones.account_ids, int(milestones.account[i]))!r} completed "
            f"{int(begin[i] - milestones.completed[i])} days before its start"
            for i in bad[:5].tolist()
        )
        msg = (
            f"{len(bad)} milestones were completed before their {noun} started ({shown}"
            f"{'; ...' if len(bad) > 5 else ''}); check `completed_on` and `start_date`"
        )
        raise InvalidInputError(msg)


def _item(values: IdArray, i: int) -> object:
    """The ``i``-th id as a Python value, for messages (``7``, not ``np.int64(7)``)."""
    return values[i : i + 1].tolist()[0]


def _flag(table: Table, name: str, *, default: bool) -> BoolArray:
    if name not in table.columns:
        return np.full(table.n_rows, default, dtype=bool)
    out: BoolArray = table[name].astype(bool)
    return out


def _day(table: Table, name: str) -> IntArray:
    if name not in table.columns:
        return np.full(table.n_rows, MISSING, dtype=np.int64)
    return days(table[name])


#: Name hashes are folded to this many slots beside the account (accounts below 2**43).
_HASH_SLOTS = 1 << 20


def _check_names(account: IntArray, names: IdArray, owners: IdArray) -> None:
    """Refuse a milestone name given twice within one account (which one would count?)."""
    # account and a hash of the name in one word: one sort finds the candidates, which
    # are then compared exactly (equal names have equal hashes; not the other way round)
    hashes = np.fromiter(map(hash, names.tolist()), dtype=np.int64, count=len(names))
    pair = account * _HASH_SLOTS + (hashes & (_HASH_SLOTS - 1))
    ordered = np.sort(pair)
    if not (ordered[1:] == ordered[:-1]).any():
        return
    order = np.argsort(pair, kind="stable")
    candidates = np.flatnonzero(pair[order][1:] == pair[order][:-1])
    pairs = [
        (int(order[j]), int(order[j + 1]))
        for j in candidates.tolist()
        if names[order[j]] == names[order[j + 1]]
    ]
    if pairs:
        first, second = sorted(pairs[0])
        msg = (
            f"milestone {names[first]!r} is given twice for account {_item(owners, first)!r} "
            f"(rows {first + 1} and {second + 1}); one row per milestone name within an account"
        )
        raise InvalidInputError(msg)


@dataclass(frozen=True)
class MilestoneState:
    """Where each account's onboarding stands on one day (see the module docstring).

    Attributes:
        required_total: Required milestones per account.
        required_done: Those completed before ``as_of``.
        days_overdue: Days the most overdue open required milestone is late (0 if none).
        due_soon: Whether an open required milestone is due within the next days.
        onboarded: The day onboarding was completed (the last required completion);
            `MISSING` while incomplete or without required milestones.
        first_value: The day first value was reached; `MISSING` if not yet.
        started: The earliest day one of each account's milestones was begun before the
            day: its ``started_on``, or, for a milestone completed without one, its
            completion (it was begun by then); `MISSING` if none. Never after a
            completion, so durations from it are never negative.
        late: Per milestone, whether it is late as of the day: completed after its due
            day, or open and past it.
    """

    required_total: IntArray
    required_done: IntArray
    days_overdue: IntArray
    due_soon: BoolArray
    onboarded: IntArray
    first_value: IntArray
    started: IntArray
    late: BoolArray

    @property
    def complete(self) -> BoolArray:
        """Whether every required milestone is done (true without required ones)."""
        out: BoolArray = self.required_done == self.required_total
        return out


def milestone_state(milestones: Milestones, day: int, *, due_soon_days: int) -> MilestoneState:
    """Each account's onboarding on ``day``, from its milestones (one vectorised pass).

    Examples:
        >>> m = read_milestones(
        ...     {
        ...         "account_id": ["a", "a"],
        ...         "name": ["kickoff", "live"],
        ...         "due_date": ["2025-01-10", "2025-02-01"],
        ...         "completed_on": ["2025-01-09", None],
        ...     },
        ...     None,
        ... )
        >>> from cshealth.lifecycle._days import day_of
        >>> from datetime import date
        >>> s = milestone_state(m, day_of(date(2025, 2, 11)), due_soon_days=7)
        >>> s.required_done.tolist(), s.required_total.tolist(), s.days_overdue.tolist()
        ([1], [2], [10])
    """
    k = len(milestones.account_ids)
    account = milestones.account
    done = known(milestones.completed) & (milestones.completed < day)
    required = milestones.required
    total = np.bincount(account[required], minlength=k)
    finished = np.bincount(account[required & done], minlength=k)
    open_required = required & ~done & known(milestones.due)
    overdue = np.where(open_required, day - milestones.due, 0)
    days_overdue = np.maximum(group_max(account, overdue, k, 0), 0)
    ahead = milestones.due - day
    due_soon = group_any(account, open_required & (ahead >= 0) & (ahead <= due_soon_days), k)
    last = group_max(account[required & done], milestones.completed[required & done], k, MISSING)
    onboarded = np.where((finished == total) & (total > 0), last, MISSING)
    reached = milestones.first_value & done
    first_value = group_min(
        account[reached], milestones.completed[reached], k, int(np.iinfo(np.int64).max)
    )
    first_value = np.where(first_value == np.iinfo(np.int64).max, MISSING, first_value)
    # begun before ``day``: on ``started_on``, or (without one) by its completion at the latest
    begun = np.where(
        known(milestones.started) & (milestones.started < day),
        milestones.started,
        np.where(done, milestones.completed, MISSING),
    )
    has_start = known(begun)
    started = group_min(account[has_start], begun[has_start], k, int(np.iinfo(np.int64).max))
    started = np.where(started == np.iinfo(np.int64).max, MISSING, started)
    has_due = known(milestones.due)
    late = has_due & np.where(done, milestones.completed > milestones.due, day > milestones.due)
    return MilestoneState(
        required_total=total.astype(np.int64),
        required_done=finished.astype(np.int64),
        days_overdue=days_overdue.astype(np.int64),
        due_soon=due_soon,
        onboarded=onboarded.astype(np.int64),
        first_value=first_value.astype(np.int64),
        started=started.astype(np.int64),
        late=late,
    )
