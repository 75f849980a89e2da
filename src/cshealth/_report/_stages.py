"""The lifecycle section.

Stages and flags, the quarter's flow, onboarding, time to value, goals and renewals.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cshealth._absent import absent_reason, shown
from cshealth._exceptions import InvalidInputError
from cshealth._report._base import Section, _Health, _kept, _median, _n, _share
from cshealth._result import jsonable
from cshealth.io import Table

if TYPE_CHECKING:
    from cshealth._measures import MeasureTable
    from cshealth.lifecycle import StageAssignments
    from cshealth.scoring import HealthScores


@dataclass(frozen=True)
class _Records:
    """The record tables `lifecycle.classify` reads (``None``: absent or empty)."""

    milestones: Table | None
    nps: Table | None
    contacts: Table | None
    revenue_changes: Table | None

    def classify(
        self,
        accounts: Table,
        as_of: date,
        health: HealthScores | None = None,
        usage: MeasureTable | None = None,
    ) -> StageAssignments:
        from cshealth import lifecycle  # noqa: PLC0415

        return lifecycle.classify(
            accounts,
            as_of=as_of,
            milestones=self.milestones,
            health=health,
            nps=self.nps,
            usage=usage,
            contacts=self.contacts,
            revenue_changes=self.revenue_changes,
        )

    def names(self) -> list[str]:
        """The inputs given, by their table's name."""
        tables = {
            "milestones": self.milestones,
            "survey_responses": self.nps,
            "contacts": self.contacts,
            "revenue_changes": self.revenue_changes,
        }
        return [name for name, table in tables.items() if table is not None]


#: The stage flow's look-back: a quarter.
_FLOW_DAYS = 91
#: The renewals' look-ahead.
_RENEWAL_DAYS = 120
#: At most this many stuck onboardings are listed.
_STUCK_LISTED = 10


def _lifecycle(tables: Mapping[str, Table], as_of: date) -> Section | None:
    """The lifecycle: stages, flags, flows, onboarding, time to value, goals, renewals.

    Health scores and usage measures are used only where the report computed them.
    """
    accounts = tables.get("accounts")
    if accounts is None or not accounts.n_rows:
        return None
    try:
        return _lifecycle_section(tables, accounts, as_of)
    except InvalidInputError as error:  # tables that disagree: a milestone of no account
        return Section("Lifecycle", (f"not computed: {error}",), {"error": str(error)})


def _lifecycle_section(tables: Mapping[str, Table], accounts: Table, as_of: date) -> Section:
    records = _Records(
        milestones=_some_rows(tables.get("milestones")),
        nps=_some_rows(tables.get("survey_responses")),
        contacts=_some_rows(tables.get("contacts")),
        revenue_changes=_some_rows(tables.get("revenue_changes")),
    )
    kept = _kept("health")
    health = kept.scores if isinstance(kept, _Health) else None
    usage = _lifecycle_usage(kept)
    now = records.classify(accounts, as_of, health, usage)
    figures: dict[str, object] = {}
    used = records.names()
    used += [name for name, given in (("health", health), ("usage", usage)) if given is not None]
    lines = _stage_lines(now, used, accounts, figures)
    same = now if health is None and usage is None else None  # the flow's inputs: records
    lines += _flow_lines(accounts, records, same, as_of, figures)
    milestones = records.milestones
    lines += _onboarding_lines(accounts, milestones, as_of, figures)
    lines += _value_lines(accounts, milestones, as_of, figures)
    lines += _goal_lines(_some_rows(tables.get("goals")), as_of, figures)
    lines += _renewal_lines(accounts, now, health, as_of, figures)
    return Section("Lifecycle", tuple(lines), figures)


def _some_rows(table: Table | None) -> Table | None:
    return table if table is not None and table.n_rows else None


def _lifecycle_usage(kept: object) -> MeasureTable | None:
    """Seat utilisation and the 28-day usage change, where the report computed them.

    Seat utilisation is the health section's (its inputs), the usage change the adoption
    section's logins trend over four-week windows (one week of the weekly usage table is
    too short a window: a holiday week reads as a collapse).
    """
    from cshealth._measures import MeasureTable  # noqa: PLC0415
    from cshealth._measures_join import join_measures  # noqa: PLC0415
    from cshealth.adoption import UsageTrend  # noqa: PLC0415

    parts: list[MeasureTable] = []
    inputs = kept.inputs if isinstance(kept, _Health) else None
    if isinstance(inputs, MeasureTable) and "seat_utilisation" in inputs:
        seats = {"seat_utilisation": inputs["seat_utilisation"]}
        parts.append(MeasureTable(inputs["account_id"], seats, as_of=inputs.as_of))
    trend = _kept("usage_trend")
    if isinstance(trend, UsageTrend):
        measures = trend.to_measures()
        change = {"usage_change": measures["usage_change"]}
        parts.append(MeasureTable(measures["account_id"], change, as_of=measures.as_of))
    return join_measures(*parts) if parts else None


def _money(value: float | None) -> str:
    return "n/m" if value is None else _n(value)


def _stage_lines(
    now: StageAssignments, used: list[str], accounts: Table, figures: dict[str, object]
) -> list[str]:
    """Accounts and MRR per stage and per flag."""
    known = ~np.isnan(now.mrr)
    mrr = np.where(known, now.mrr, 0.0)

    def total(rows: NDArray[np.bool_]) -> float | None:
        return float(mrr[rows].sum()) if known.any() else None

    stages = {
        name: {"accounts": n, "mrr": total(now.stage == name)} for name, n in now.counts().items()
    }
    flags = {name: {"accounts": int(on.sum()), "mrr": total(on)} for name, on in now.flags.items()}
    figures.update(
        as_of=now.as_of.isoformat(),
        rules_hash=now.rules_hash,
        inputs=used,
        accounts=len(now),
        not_started=now.not_started,
        stages=stages,
        flags=flags,
    )
    later = f"; {_n(now.not_started)} starting later left out" if now.not_started else ""
    words = {"health": "health scores", "usage": "usage measures (28-day logins trend)"}
    given = ", ".join(words.get(name, name) for name in used) or "the accounts alone"
    lines = [
        f"Stages and flags as of {now.as_of}, default rules ({now.rules_hash}): "
        f"{_n(len(now))} accounts{later}; inputs: {given}",
        f"  {'stage':<17} {'accounts':>8} {'MRR':>12}",
    ]
    lines += [
        f"  {name:<17} {_n(row['accounts'] or 0):>8} {_money(row['mrr']):>12}"
        for name, row in stages.items()
    ]
    lines.append(f"  {'flag (overlay)':<17} {'accounts':>8} {'MRR':>12}")
    lines += [
        f"  {name:<17} {_n(row['accounts'] or 0):>8} {_money(row['mrr']):>12}"
        for name, row in flags.items()
    ]
    if not known.any():
        lines.append(f"  MRR: {shown('no revenue changes and no `mrr` column in accounts')}")
    if "end_date" in accounts.absent and "revenue_changes" not in used:
        lines.append(f"  Churned: {shown(absent_reason(['end_date']) + ' in accounts')}")
    return lines


def _flow_lines(
    accounts: Table,
    records: _Records,
    same: StageAssignments | None,
    as_of: date,
    figures: dict[str, object],
) -> list[str]:
    """The stage flow over the last quarter, both days classified from the same inputs."""
    from cshealth import lifecycle  # noqa: PLC0415

    start = as_of - timedelta(days=_FLOW_DAYS)
    before = records.classify(accounts, start)
    after = same if same is not None else records.classify(accounts, as_of)
    flow = lifecycle.transitions(before, after, weight="mrr")
    weights = flow.weights if flow.weights is not None else flow.values
    churned = sum(
        weights[i, flow.columns.index("churned")]
        for i, name in enumerate(flow.rows)
        if name not in ("churned", lifecycle.NEW) and "churned" in flow.columns
    )
    new = float(weights[flow.rows.index(lifecycle.NEW)].sum())
    figures["flow"] = {
        **flow.to_dict(),
        "mrr_to_churned": float(churned),
        "mrr_new": new,
        "from_records_alone": same is None,
    }
    how = (
        "both days from the records alone (the report takes health scores and usage "
        "measures on one day only)"
        if same is None
        else "both days from the same inputs"
    )
    stayed = int(sum(flow.counts[i, flow.columns.index(r)] for i, r in enumerate(flow.rows[:-1])))
    lines = [
        f"Stage flow over the last quarter, {start} to {as_of}: {_n(flow.counts.sum())} "
        f"accounts, {_n(stayed)} in the same stage; {how}; accounts:",
    ]
    counts = lifecycle.transitions(before, after)
    lines += [f"  {line}" for line in counts.format().splitlines()]
    mrr = f"  MRR of {start} that churned since: {_n(churned)}; MRR of the new accounts: {_n(new)}"
    if "renewal_date" in accounts.columns and "renewal_date" not in accounts.absent:
        mrr += (
            f" (renewal dates are the accounts' current ones: one passed since {start} is "
            "not seen on that day)"
        )
    lines.append(mrr)
    return lines


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
    accounts: Table, milestones: Table | None, as_of: date, figures: dict[str, object]
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
    health: HealthScores | None,
    as_of: date,
    figures: dict[str, object],
) -> list[str]:
    """The renewals of the next 120 days, with the MRR due and the MRR at risk."""
    if "renewal_date" not in accounts.columns or "renewal_date" in accounts.absent:
        figures["renewals"] = None
        return [f"Renewals: {shown(absent_reason(['renewal_date']) + ' in accounts')}"]
    from cshealth import lifecycle  # noqa: PLC0415

    due = lifecycle.renewals(
        accounts, as_of=as_of, within_days=_RENEWAL_DAYS, health=health, stages=now
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
