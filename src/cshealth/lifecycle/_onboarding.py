"""Onboarding status per account: done, due soon, behind or stuck, and how long it took.

`onboarding` reads milestones (and, when given, the accounts' start dates) and gives each
account with milestones one `OnboardingStatus` row. The status is the first that holds:

* ``complete``: every required milestone was completed before ``as_of`` (optional
  milestones never block completion);
* ``stuck``: a required milestone is open and more than ``stuck_after_days`` past due;
* ``behind``: a required milestone is open and past due (its due day is before ``as_of``);
* ``due_soon``: a required milestone is open and due within ``due_soon_days`` (due on
  ``as_of`` itself included: it is due, not late);
* ``on_track``: otherwise.

Days to onboard run from the start (the account's ``start_date`` when accounts are given,
else the earliest milestone ``started_on`` before ``as_of``, a milestone completed without
one counting from its completion) to the completion of the last required milestone; days
to first value to the earliest completion of a milestone that ``marks_first_value``. Both
are NaN until reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal, TypeAlias

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import one_of, whole_number
from cshealth._result import AccountResult, RowsResult
from cshealth._time import as_day
from cshealth._types import AsOf, FloatArray, IdArray, IntArray, ObjectArray
from cshealth.lifecycle._days import known, span, to_date, to_dates
from cshealth.lifecycle._milestones import (
    Milestones,
    MilestoneState,
    check_after_start,
    milestone_state,
    read_accounts,
    read_milestones,
)

__all__ = ["ONBOARDING_STATUSES", "OnboardingStatus", "OverdueMilestones", "Status", "onboarding"]

#: An account's onboarding status.
Status: TypeAlias = Literal["complete", "on_track", "due_soon", "behind", "stuck"]
#: The statuses, from done to worst.
ONBOARDING_STATUSES: tuple[Status, ...] = ("complete", "on_track", "due_soon", "behind", "stuck")


@dataclass(frozen=True, eq=False, repr=False)
class OverdueMilestones(RowsResult):
    """The open required milestones past due, most overdue first (one row each).

    Attributes:
        account_ids: The account of each.
        milestone_ids: Each milestone's ``id`` (``None`` when the data has none).
        names: Each milestone's name.
        due_dates: Each one's due day.
        days_overdue: Days past due as of the status's ``as_of`` (at least 1).
    """

    account_ids: IdArray
    milestone_ids: IdArray
    names: IdArray
    due_dates: NDArray[np.datetime64]
    days_overdue: IntArray

    def __repr__(self) -> str:
        return f"OverdueMilestones({len(self)} milestones past due)"


@dataclass(frozen=True, eq=False, repr=False)
class OnboardingStatus(AccountResult):
    """Where each account's onboarding stands on ``as_of`` (see `onboarding`).

    Arrays are aligned with `account_ids`; ``len()`` counts the accounts, `row` finds
    one, ``to_pandas()`` gives one row per account.

    Attributes:
        account_ids: The accounts with milestones (sorted by id, or in the order of the
            accounts given).
        status: ``complete``, ``on_track``, ``due_soon``, ``behind`` or ``stuck``.
        required_done: Required milestones completed before ``as_of``.
        required_total: Required milestones in all.
        days_overdue: Days the most overdue open required milestone is past due (0 if
            none is).
        started_on: The start the durations run from (NaT when unknown).
        onboarded_on: The day the last required milestone was completed (NaT until
            complete, and for an account without required milestones).
        days_to_onboard: ``onboarded_on - started_on`` in days (NaN until known).
        first_value_on: The day first value was reached (NaT if not yet).
        days_to_first_value: ``first_value_on - started_on`` in days (NaN until known).
        overdue: The open required milestones past due, one row each.
        as_of: The day the status is taken on (only what happened before it counts).
        stuck_after_days: Past due by more than this many days is ``stuck``.
        due_soon_days: Due within this many days is ``due_soon``.

    Examples:
        >>> from datetime import date
        >>> status = onboarding(
        ...     {
        ...         "account_id": ["a", "a", "b"],
        ...         "name": ["kickoff", "go live", "kickoff"],
        ...         "due_date": ["2025-01-10", "2025-02-01", "2025-03-05"],
        ...         "completed_on": ["2025-01-09", None, None],
        ...     },
        ...     as_of=date(2025, 3, 1),
        ... )
        >>> status.status.tolist(), status.days_overdue.tolist()
        (['behind', 'due_soon'], [28, 0])
        >>> status.counts()
        {'complete': 0, 'on_track': 0, 'due_soon': 1, 'behind': 1, 'stuck': 0}
    """

    account_ids: IdArray
    status: ObjectArray
    required_done: IntArray
    required_total: IntArray
    days_overdue: IntArray
    started_on: NDArray[np.datetime64]
    onboarded_on: NDArray[np.datetime64]
    days_to_onboard: FloatArray
    first_value_on: NDArray[np.datetime64]
    days_to_first_value: FloatArray
    overdue: OverdueMilestones
    as_of: date
    stuck_after_days: int
    due_soon_days: int

    row_fields = (
        "account_ids",
        "status",
        "required_done",
        "required_total",
        "days_overdue",
        "started_on",
        "onboarded_on",
        "days_to_onboard",
        "first_value_on",
        "days_to_first_value",
    )

    def counts(self) -> dict[str, int]:
        """How many accounts have each status, in the order of `ONBOARDING_STATUSES`."""
        found = dict(zip(*np.unique(self.status.astype(str), return_counts=True)))
        return {status: int(found.get(status, 0)) for status in ONBOARDING_STATUSES}

    def accounts(self, status: Status) -> IdArray:
        """The accounts with one status (``status.accounts("stuck")``), most overdue first.

        Raises:
            InvalidInputError: On an unknown status.
        """
        one_of(status, Status, "status")
        rows = np.flatnonzero(self.status == status)
        rows = rows[np.argsort(-self.days_overdue[rows], kind="stable")]
        out: IdArray = self.account_ids[rows]
        return out

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: every field (`Result.to_dict`), and the ``counts`` per status."""
        return {**super().to_dict(), "counts": self.counts()}

    def __repr__(self) -> str:
        shown = ", ".join(f"{n} {s}" for s, n in self.counts().items() if n)
        return f"OnboardingStatus({len(self)} accounts as of {self.as_of}: {shown or 'none'})"


def onboarding(
    milestones: object,
    *,
    as_of: AsOf,
    accounts: object | None = None,
    stuck_after_days: int = 30,
    due_soon_days: int = 7,
) -> OnboardingStatus:
    """Each account's onboarding status on ``as_of``, from its milestones.

    Args:
        milestones: `Milestone` records, a `Table`, a mapping of columns or a data frame
            with ``account_id`` and ``name``; ``required`` (default true), ``due_date``,
            ``started_on``, ``completed_on``, ``marks_first_value`` and ``id`` when known.
        as_of: The day the status is taken on (a ``date``, or an instant taken at its UTC
            day): only milestones completed before it count as done.
        accounts: Optional `Account` data (``id``, ``start_date``): the durations run from
            each account's start, and a milestone of an account not among them is an
            error. Without it they run from the earliest milestone ``started_on`` before
            ``as_of`` (a milestone completed without one counts from its completion, so
            no duration is negative).
        stuck_after_days: An account whose most overdue required milestone is more than
            this many days past due is ``stuck``.
        due_soon_days: An open required milestone due within this many days (0 is due on
            ``as_of``) makes the account ``due_soon``.

    Returns:
        The `OnboardingStatus` of every account with milestones.

    Raises:
        InvalidInputError: On a naive or bad ``as_of``, negative or non-whole day counts,
            bad milestones (every bad value listed; a completion before its start or
            before its account's start; one name twice within an account), or a
            milestone of an account not given.

    Examples:
        >>> from datetime import date
        >>> milestones = {
        ...     "account_id": ["a", "a", "a", "b"],
        ...     "name": ["kickoff", "integration", "first report", "kickoff"],
        ...     "required": [True, True, False, True],
        ...     "due_date": ["2025-01-10", "2025-02-01", "2025-02-15", "2025-01-20"],
        ...     "completed_on": ["2025-01-09", "2025-02-03", None, "2025-01-18"],
        ...     "marks_first_value": [False, True, False, False],
        ... }
        >>> accounts = {"id": ["a", "b"], "start_date": ["2025-01-01", "2025-01-05"]}
        >>> status = onboarding(milestones, as_of=date(2025, 3, 1), accounts=accounts)
        >>> status.status.tolist()
        ['complete', 'complete']
        >>> status.days_to_onboard.tolist(), status.days_to_first_value.tolist()
        ([33.0, 13.0], [33.0, nan])
    """
    day = as_day(as_of, "as_of")
    stuck = whole_number(stuck_after_days, "stuck_after_days", low=0)
    soon = whole_number(due_soon_days, "due_soon_days", low=0)
    start: IntArray | None = None
    ids: IdArray | None = None
    if accounts is not None:
        table = read_accounts(accounts, ("start_date",), ())
        ids = table["id"]
        start = table["start_date"].astype("datetime64[D]").astype(np.int64)
    rows = read_milestones(milestones, ids)
    if start is not None:
        check_after_start(rows, start)
    state = milestone_state(rows, day, due_soon_days=soon)
    begin = state.started if start is None else start
    return _status(rows, state, begin, day=day, stuck=stuck, soon=soon)


def _status(
    rows: Milestones, state: MilestoneState, begin: IntArray, *, day: int, stuck: int, soon: int
) -> OnboardingStatus:
    present = np.bincount(rows.account, minlength=len(rows.account_ids)) > 0
    labels = np.array(ONBOARDING_STATUSES, dtype=object)
    code = np.select(
        [state.complete, state.days_overdue > stuck, state.days_overdue > 0, state.due_soon],
        [0, 4, 3, 2],
        default=1,
    )
    keep = np.flatnonzero(present)
    overdue = _overdue(rows, day)
    return OnboardingStatus(
        account_ids=rows.account_ids[keep],
        status=labels[code[keep]],
        required_done=state.required_done[keep],
        required_total=state.required_total[keep],
        days_overdue=state.days_overdue[keep],
        started_on=to_dates(begin[keep]),
        onboarded_on=to_dates(state.onboarded[keep]),
        days_to_onboard=span(state.onboarded, begin)[keep],
        first_value_on=to_dates(state.first_value[keep]),
        days_to_first_value=span(state.first_value, begin)[keep],
        overdue=overdue,
        as_of=to_date(day),
        stuck_after_days=stuck,
        due_soon_days=soon,
    )


def _overdue(rows: Milestones, day: int) -> OverdueMilestones:
    done = known(rows.completed) & (rows.completed < day)
    late = rows.required & ~done & known(rows.due) & (rows.due < day)
    which = np.flatnonzero(late)
    days_late = day - rows.due[which]
    order = which[np.argsort(-days_late, kind="stable")]
    return OverdueMilestones(
        account_ids=rows.account_ids[rows.account[order]],
        milestone_ids=rows.ids[order],
        names=rows.names[order],
        due_dates=to_dates(rows.due[order]),
        days_overdue=(day - rows.due[order]).astype(np.int64),
    )
