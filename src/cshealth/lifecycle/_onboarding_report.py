"""`onboarding_report`: how each start cohort onboarded, and whether it is getting faster.

Per start cohort (the calendar period of ``start_date``) of the accounts that started
before ``as_of``: how many started, how many have milestones, how many finished onboarding
and reached first value, the Kaplan–Meier medians of the days to each (accounts not there
yet are censored at ``as_of``, or at their ``end_date`` when they left first, so young
cohorts are not flattered), the share of milestones late, and the tickets per account
during onboarding (from the start until onboarding finished, or until ``as_of``).

Onboarding is finished as `onboarding` says ``complete``: when every required milestone
was completed before ``as_of``, on the day the last of them was. An account whose
milestones are all optional has nothing required, so its onboarding is complete from its
start: onboarded after 0 days, with no tickets during onboarding.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from cshealth._result import RowsResult
from cshealth._time import as_day, as_instant
from cshealth._types import AsOf, BoolArray, FloatArray, IntArray, ObjectArray, Period
from cshealth.io._read import positions_of, read_columns
from cshealth.lifecycle._days import MISSING, days, known, to_date
from cshealth.lifecycle._milestones import (
    check_after_start,
    milestone_state,
    read_accounts,
    read_milestones,
)
from cshealth.lifecycle._periods import check_period, cohorts
from cshealth.lifecycle._text import number, percent
from cshealth.models import Ticket
from cshealth.retention import kaplan_meier

__all__ = ["OnboardingReport", "onboarding_report"]


@dataclass(frozen=True, eq=False, repr=False)
class OnboardingReport(RowsResult):
    """Onboarding per start cohort (see `onboarding_report`); one row per cohort.

    Attributes:
        cohorts: Each cohort's label (``2025-Q1``), in time order.
        started: Accounts that started in it (before ``as_of``).
        with_milestones: Those with onboarding milestones (the rest are left out of the
            figures below).
        onboarded: Those whose required milestones were all done before ``as_of`` (those
            with no required milestone, too: onboarded on their start day).
        median_days_to_onboard: Kaplan–Meier median days from start to onboarded (NaN
            while fewer than half are known to have finished).
        first_value: Those that reached first value before ``as_of`` (of the accounts
            with a milestone that marks it).
        median_days_to_first_value: Kaplan–Meier median days from start to first value.
        milestones_late: Share of the cohort's milestones with a due date that are late
            (completed after it, or open past it); NaN without such milestones.
        tickets_per_account: Tickets created during onboarding per account with
            milestones (NaN without tickets given).
        as_of: The day of the report.
        period: The cohorts' period.
    """

    cohorts: ObjectArray
    started: IntArray
    with_milestones: IntArray
    onboarded: IntArray
    median_days_to_onboard: FloatArray
    first_value: IntArray
    median_days_to_first_value: FloatArray
    milestones_late: FloatArray
    tickets_per_account: FloatArray
    as_of: date
    period: Period

    row_fields = (
        "cohorts",
        "started",
        "with_milestones",
        "onboarded",
        "median_days_to_onboard",
        "first_value",
        "median_days_to_first_value",
        "milestones_late",
        "tickets_per_account",
    )

    def format(self) -> str:
        """One line per cohort."""
        head = (
            f"{'cohort':<8} {'started':>7} {'onboarded':>9} {'median days':>11} "
            f"{'first value':>11} {'median days':>11} {'late':>5} {'tickets':>7}"
        )
        lines = [head]
        for i, label in enumerate(self.cohorts.tolist()):
            tickets = number(self.tickets_per_account[i], ".1f")
            lines.append(
                f"{label:<8} {self.started[i]:>7} {self.onboarded[i]:>9} "
                f"{number(self.median_days_to_onboard[i]):>11} {self.first_value[i]:>11} "
                f"{number(self.median_days_to_first_value[i]):>11} "
                f"{percent(self.milestones_late[i]):>5} {tickets:>7}"
            )
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"OnboardingReport({len(self)} {self.period} cohorts as of {self.as_of}: "
            f"{int(self.started.sum())} started, {int(self.onboarded.sum())} onboarded)"
        )


def onboarding_report(
    accounts: object,
    milestones: object,
    tickets: object = (),
    *,
    as_of: AsOf,
    period: Period = "quarter",
) -> OnboardingReport:
    """Onboarding per start cohort: counts, censoring-aware medians, lateness, support load.

    Args:
        accounts: `Account` data (``id``, ``start_date``, and ``end_date`` when known).
        milestones: `Milestone` data of the accounts (see `onboarding`).
        tickets: Optional `Ticket` data (``account_id``, ``created_at``): the tickets
            created during each account's onboarding are counted.
        as_of: The day of the report: only what happened before it counts.
        period: ``{'week', 'month', 'quarter', 'year'}``: the cohorts' period.

    Returns:
        The `OnboardingReport`, one row per cohort with an account started before
        ``as_of``.

    Raises:
        InvalidInputError: On bad accounts, milestones or tickets (every bad row named),
            milestones of accounts not given, or an unknown period.

    Examples:
        >>> from datetime import date
        >>> accounts = {
        ...     "id": ["a", "b", "c"],
        ...     "start_date": ["2025-01-06", "2025-02-03", "2025-04-07"],
        ... }
        >>> milestones = {
        ...     "account_id": ["a", "b", "c"],
        ...     "name": ["go live"] * 3,
        ...     "due_date": ["2025-02-01", "2025-03-01", "2025-05-01"],
        ...     "completed_on": ["2025-01-31", "2025-03-10", None],
        ... }
        >>> report = onboarding_report(accounts, milestones, as_of=date(2025, 6, 1))
        >>> report.cohorts.tolist(), report.onboarded.tolist()
        (['2025-Q1', '2025-Q2'], [2, 0])
        >>> report.median_days_to_onboard.tolist(), report.milestones_late.tolist()
        ([25.0, nan], [0.5, 1.0])
    """
    chosen = check_period(period)
    day = as_day(as_of, "as_of")
    table = read_accounts(accounts, ("start_date",), ("end_date",))
    start = days(table["start_date"])
    end = days(table["end_date"]) if "end_date" in table.columns else np.full(len(start), MISSING)
    rows = read_milestones(milestones, table["id"])
    check_after_start(rows, start)
    state = milestone_state(rows, day, due_soon_days=0)
    seen = start < day
    group = cohorts(start[seen], chosen)  # only the cohorts of accounts started by then
    k = len(group.labels)
    code = np.full(len(start), k, dtype=np.int64)  # accounts not started yet: left out
    code[seen] = group.codes
    has = np.bincount(rows.account, minlength=len(start)) > 0
    gone = known(end) & (end <= day)
    stop = np.where(gone, end, day)  # when follow-up ends: as_of, or leaving
    # complete as `onboarding` says: with no required milestone, from the start (0 days)
    onboarded_on = np.where(has & (state.required_total == 0), start, state.onboarded)
    onboarded = known(onboarded_on) & has
    first_known = np.bincount(rows.account[rows.first_value], minlength=len(start)) > 0
    reached = known(state.first_value)
    late_by_account = np.bincount(rows.account[state.late], minlength=len(start))
    dated_by_account = np.bincount(rows.account[known(rows.due)], minlength=len(start))
    tickets_by_account = _tickets(tickets, table["id"], start, onboarded_on, day)
    medians_onboard = np.full(k, np.nan)
    medians_value = np.full(k, np.nan)
    for c in range(k):
        mine = (code == c) & has
        medians_onboard[c] = _median(start, onboarded_on, stop, mine)
        medians_value[c] = _median(start, state.first_value, stop, mine & first_known)
    counted = code < k
    started = np.bincount(code[counted], minlength=k)
    with_plan = np.bincount(code[counted & has], minlength=k)
    late = np.bincount(code[counted], weights=late_by_account[counted], minlength=k)
    dated = np.bincount(code[counted], weights=dated_by_account[counted], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        share_late = np.where(dated > 0, late / np.maximum(dated, 1), np.nan)
        per_account = (
            np.full(k, np.nan)
            if tickets_by_account is None
            else np.where(
                with_plan > 0,
                np.bincount(
                    code[counted & has],
                    weights=tickets_by_account[counted & has],
                    minlength=k,
                )
                / np.maximum(with_plan, 1),
                np.nan,
            )
        )
    return OnboardingReport(
        cohorts=group.labels,
        started=started.astype(np.int64),
        with_milestones=with_plan.astype(np.int64),
        onboarded=np.bincount(code[counted & onboarded], minlength=k).astype(np.int64),
        median_days_to_onboard=medians_onboard,
        first_value=np.bincount(code[counted & reached], minlength=k).astype(np.int64),
        median_days_to_first_value=medians_value,
        milestones_late=share_late.astype(np.float64),
        tickets_per_account=per_account.astype(np.float64),
        as_of=to_date(day),
        period=chosen,
    )


def _median(start: IntArray, done: IntArray, stop: IntArray, mine: BoolArray) -> float:
    """The Kaplan–Meier median days from start to ``done``, censored at ``stop``."""
    if not mine.any():
        return float("nan")
    # ``done`` is before as_of: it happened, also after leaving (as `time_to_value` counts it)
    happened = known(done[mine])
    durations = np.where(happened, done[mine], stop[mine]) - start[mine]
    median = kaplan_meier(np.maximum(durations, 0).astype(np.float64), happened).median()
    return float("nan") if median.statistic is None else float(median.statistic)


def _tickets(
    tickets: object, ids: object, start: IntArray, onboarded: IntArray, day: int
) -> FloatArray | None:
    """Per account, tickets created from its start until onboarded (or ``as_of``)."""
    if tickets is None or (isinstance(tickets, (tuple, list)) and not tickets):
        return None
    table = read_columns(tickets, Ticket, need=("account_id", "created_at"))
    at = positions_of(
        np.asarray(ids), table["account_id"], keys_name="accounts", values_name="tickets"
    )
    created = table["created_at"]
    mine = at >= 0
    begin = start[np.maximum(at, 0)]
    until = np.where(known(onboarded), np.minimum(onboarded, day), day)[np.maximum(at, 0)]
    when = created.astype("datetime64[D]").astype(np.int64)
    during = mine & (created < as_instant(to_date(day), "as_of")) & (when >= begin) & (when < until)
    return np.bincount(at[during], minlength=len(start)).astype(np.float64)
