"""The lifecycle section's progress: onboarding, time to first value, goals, renewals.

Each part is a few lines of the section and its figures, computed by the lifecycle area
from the report's tables (`cshealth._report._stages` gives the stages and their flow and
puts the section together).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from cshealth._absent import absent_reason, shown
from cshealth._report._base import Picture, _median, _n, _share
from cshealth._result import jsonable
from cshealth.io import Table

if TYPE_CHECKING:
    from cshealth.lifecycle import StageAssignments
    from cshealth.scoring import HealthScores

#: The renewals' look-ahead.
_RENEWAL_DAYS = 120
#: At most this many stuck onboardings are listed.
_STUCK_LISTED = 10


def _onboarding_lines(
    accounts: Table, milestones: Table | None, as_of: date, figures: dict[str, object]
) -> list[str]:
    """Onboarding statuses of the current customers, and the stuck ones."""
    if milestones is None:
        figures["onboarding"] = None
        return [f"Onboarding: {shown('no milestones')}"]
    from cshealth import lifecycle  # noqa: PLC0415
    from cshealth.io._read import positions_of  # noqa: PLC0415

    day = np.datetime64(as_of, "D")
    end = accounts.dates("end_date")
    current = np.flatnonzero((accounts.dates("start_date") < day) & (np.isnat(end) | (end > day)))
    theirs = positions_of(
        accounts.ids("id")[current],
        milestones.ids("account_id"),
        keys_name="current customers",
        values_name="milestones",
    )
    status = lifecycle.onboarding(
        milestones.take(np.flatnonzero(theirs >= 0)), as_of=as_of, accounts=accounts.take(current)
    )
    counts = status.counts()
    stuck = status.accounts("stuck")[:_STUCK_LISTED].tolist()
    worst: dict[object, tuple[int, str]] = {}
    overdue = status.overdue
    for account, name, late in zip(
        overdue.account_ids.tolist(), overdue.names.tolist(), overdue.days_overdue.tolist()
    ):
        worst.setdefault(account, (int(late), str(name)))  # most overdue first
    listed = [
        {"account_id": account, "days_overdue": worst[account][0], "milestone": worst[account][1]}
        for account in stuck
    ]
    figures["onboarding"] = {
        "accounts": len(status),
        "counts": counts,
        "stuck_after_days": status.stuck_after_days,
        "stuck": listed,
    }
    lines = [
        f"Onboarding of the {_n(len(status))} current customers with milestones: "
        + " · ".join(f"{name.replace('_', ' ')} {_n(n)}" for name, n in counts.items())
    ]
    if counts["stuck"]:
        lines.append(
            f"  Stuck (a required milestone more than {status.stuck_after_days} days late), "
            f"most overdue first{'' if counts['stuck'] <= _STUCK_LISTED else ', first 10'}:"
        )
        lines += [
            f"    {row['account_id']}  {row['days_overdue']} days late: {row['milestone']!r}"
            for row in listed
        ]
    return lines


def _value_lines(
    accounts: Table,
    milestones: Table | None,
    as_of: date,
    figures: dict[str, object],
    pictures: list[Picture],
) -> list[str]:
    """Time to first value, overall and by start quarter, beside the reached-only figure."""
    if milestones is None:
        figures["time_to_value"] = None
        return [f"Time to first value: {shown('no milestones')}"]
    from cshealth import lifecycle  # noqa: PLC0415

    ttv = lifecycle.time_to_value(accounts, milestones, as_of=as_of)
    if not ttv.n:
        figures["time_to_value"] = None
        why = "no milestone marks first value"
        if "marks_first_value" in milestones.absent:
            why = absent_reason(["marks_first_value"])
        return [f"Time to first value: {shown(why)}"]
    reached = ttv.status == "reached"
    cohorts = ttv.cohorts
    naive = [
        _median(ttv.duration_days[reached & (ttv.cohort == label)])
        for label in cohorts.cohort.tolist()
    ]
    figures["time_to_value"] = {
        "accounts": ttv.n,
        "reached": ttv.n_reached,
        "median": jsonable(ttv.median),
        "within": jsonable(ttv.within),
        "reached_only_median": ttv.naive_median,
        "by_start_quarter": [
            {
                "cohort": label,
                "accounts": int(cohorts.accounts[i]),
                "reached": int(cohorts.reached[i]),
                "median": jsonable(cohorts.median_days[i]),
                "median_low": jsonable(cohorts.median_low[i]),
                "median_high": jsonable(cohorts.median_high[i]),
                "reached_only_median": naive[i],
            }
            for i, label in enumerate(cohorts.cohort.tolist())
        ],
    }
    median = ttv.median
    middle = (
        "not reached yet"
        if median.statistic is None
        else f"{median.statistic:g} days (95% CI {_days(median.low)} to {_days(median.high)})"
    )
    within = ", ".join(f"{s.days} days {_share(s.statistic)}" for s in ttv.within)
    lines = [
        f"Time to first value (Kaplan-Meier: accounts not there yet are censored, not "
        f"dropped): median {middle} over {_n(ttv.n)} accounts, {_n(ttv.n_reached)} reached "
        f"it; reached within {within}. The median of those that reached it, "
        f"{_days(ttv.naive_median)} days, is biased low",
        f"  {'started':<8} {'accounts':>8} {'reached':>8} {'median':>7} {'reached-only':>13}",
    ]
    lines += [
        f"  {label:<8} {int(cohorts.accounts[i]):>8,} {int(cohorts.reached[i]):>8,} "
        f"{_days(float(cohorts.median_days[i])):>7} {_days(naive[i]):>13}"
        for i, label in enumerate(cohorts.cohort.tolist())
    ]
    caption = "Median days to first value by start quarter, with 95% intervals (Kaplan-Meier)"
    pictures.append(Picture(caption, ttv))
    return lines


def _days(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:g}"


def _goal_lines(goals: Table | None, as_of: date, figures: dict[str, object]) -> list[str]:
    """Goal attainment and the on-time rate, each with its Wilson interval."""
    if goals is None:
        figures["goals"] = None
        return [f"Goals: {shown('no goals')}"]
    from cshealth import lifecycle  # noqa: PLC0415

    report = lifecycle.goals(goals, as_of=as_of)
    figures["goals"] = {
        "goals": len(report),
        "counts": report.counts(),
        "attainment": report.attainment.to_dict(),
        "on_time": report.on_time.to_dict(),
        "not_yet_set": report.not_yet_set,
    }
    return report.format().splitlines()


def _renewal_lines(
    accounts: Table,
    now: StageAssignments,
    *,
    health: HealthScores | None,
    revenue_changes: Table | None,
    as_of: date,
    figures: dict[str, object],
) -> list[str]:
    """The renewals of the next 120 days, with the MRR due and the MRR at risk.

    Given the revenue changes, an account whose MRR fell to 0 has no renewal due, and a
    due renewal's MRR is the MRR in force, as in the stages.
    """
    if "renewal_date" not in accounts.columns or "renewal_date" in accounts.absent:
        figures["renewals"] = None
        return [f"Renewals: {shown(absent_reason(['renewal_date']) + ' in accounts')}"]
    from cshealth import lifecycle  # noqa: PLC0415

    due = lifecycle.renewals(
        accounts,
        as_of=as_of,
        within_days=_RENEWAL_DAYS,
        health=health,
        stages=now,
        revenue_changes=revenue_changes,
    )
    months = due.by_month
    figures["renewals"] = {
        "within_days": due.within_days,
        "renewals": len(due),
        "mrr_due": due.mrr_due,
        "at_risk": int(due.at_risk.sum()),
        "mrr_at_risk": due.mrr_at_risk,
        "unknown_mrr": due.unknown_mrr,
        "by_month": jsonable(months.to_dict()),
    }
    end = as_of + timedelta(days=_RENEWAL_DAYS)
    unknown = f"; {_n(due.unknown_mrr)} without a known MRR" if due.unknown_mrr else ""
    lines = [
        f"Renewals due {as_of} to {end} ({_RENEWAL_DAYS} days): {_n(len(due))}, MRR "
        f"{_n(due.mrr_due)}; of accounts flagged at_risk: {_n(int(due.at_risk.sum()))}, MRR "
        f"at risk {_n(due.mrr_at_risk)}{unknown}",
    ]
    if len(due):
        lines.append(
            f"  {'month':<8} {'renewals':>8} {'MRR':>12} {'at risk':>8} {'MRR at risk':>12}"
        )
    lines += [
        f"  {month:<8} {int(months.renewals[i]):>8,} {_n(float(months.mrr[i])):>12} "
        f"{int(months.at_risk[i]):>8,} {_n(float(months.mrr_at_risk[i])):>12}"
        for i, month in enumerate(months.months)
    ]
    return lines
