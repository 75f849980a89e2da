"""The lifecycle section, and its stages: accounts and MRR per stage and flag, the flow.

The section puts together the stages and flags, the quarter's stage flow (here), and the
onboarding, time to first value, goals and renewals (`cshealth._report._progress`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from cshealth._absent import absent_reason, shown
from cshealth._exceptions import InvalidInputError
from cshealth._report._base import Picture, Section, _Health, _kept, _n
from cshealth._report._progress import (
    _goal_lines,
    _onboarding_lines,
    _renewal_lines,
    _value_lines,
)
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
    pictures = [Picture(f"Accounts per stage as of {as_of} (hatched: held in a stage)", now)]
    same = now if health is None and usage is None else None  # the flow's inputs: records
    lines += _flow_lines(accounts, records, same, as_of, figures, pictures=pictures)
    milestones = records.milestones
    lines += _onboarding_lines(accounts, milestones, as_of, figures)
    lines += _value_lines(accounts, milestones, as_of, figures, pictures)
    lines += _goal_lines(_some_rows(tables.get("goals")), as_of, figures)
    lines += _renewal_lines(
        accounts,
        now,
        health=health,
        revenue_changes=records.revenue_changes,
        as_of=as_of,
        figures=figures,
    )
    return Section("Lifecycle", tuple(lines), figures, tuple(pictures))


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
    *,
    pictures: list[Picture],
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
    pictures.append(Picture(f"Stage flow, {start} (rows) to {as_of} (columns)", counts))
    mrr = f"  MRR of {start} that churned since: {_n(churned)}; MRR of the new accounts: {_n(new)}"
    if "renewal_date" in accounts.columns and "renewal_date" not in accounts.absent:
        mrr += (
            f" (renewal dates are the accounts' current ones: one passed since {start} is "
            "not seen on that day)"
        )
    lines.append(mrr)
    return lines
