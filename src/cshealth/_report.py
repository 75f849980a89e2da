"""A readable overview of a customer-success data set (what ``cshealth demo`` prints).

Each section is a small function of the tables and ``as_of``; an area adds its own section
to ``SECTIONS`` when it is built. A section is skipped when its table is absent. Each
section imports its area when it runs, so commands that print no report (``cshealth
validate``, ``cshealth schema``) start without loading every area.

The report says only what its data support: a figure whose column a file does not have is
"not measured" (with the column named), survival is shown only at horizons the follow-up
reaches, and the MRR in force comes from the revenue changes when they are given.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from cshealth._absent import absent_reason, shown
from cshealth._exceptions import InvalidInputError
from cshealth._result import jsonable
from cshealth._types import DateArray, IdArray
from cshealth.io import Table

if TYPE_CHECKING:
    from cshealth._measures import MeasureTable
    from cshealth.lifecycle import StageAssignments
    from cshealth.nps import NPSTrend
    from cshealth.retention import SurvivalCurve
    from cshealth.scoring import HealthScores
    from cshealth.support import SupportSummary

__all__ = ["SECTIONS", "Report", "Section", "describe"]


@dataclass(frozen=True)
class Section:
    """One part of a report: a title, lines for people and figures for machines."""

    title: str
    lines: tuple[str, ...]
    figures: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """An overview of a data set as of a date.

    Examples:
        >>> from cshealth.datasets import sample
        >>> report = describe(sample(seed=1, n_accounts=30).tables(), as_of=date(2026, 1, 1))
        >>> report.sections[0].title
        'Tables'
    """

    title: str
    as_of: date
    sections: tuple[Section, ...]

    def to_text(self) -> str:
        """The report as plain text, one block per section."""
        blocks = [self.title, "=" * len(self.title)]
        for section in self.sections:
            blocks.append("")
            blocks.append(section.title)
            blocks.extend(f"  {line}" for line in section.lines)
        return "\n".join(blocks)

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data: the figures of every section."""
        return {
            "title": self.title,
            "as_of": self.as_of.isoformat(),
            "sections": {s.title: dict(s.figures) for s in self.sections},
        }


SectionFn = Callable[[Mapping[str, Table], date], Section | None]


def describe(tables: Mapping[str, Table], *, as_of: date, title: str = "cshealth report") -> Report:
    """Describe a set of tables (keyed by table name, e.g. ``"accounts"``) as of a date.

    Args:
        tables: Tables by name, such as ``SampleData.tables()``; any may be absent.
        as_of: The date the overview is taken at.
        title: The report's heading.

    Returns:
        The `Report`, with a section per table present.
    """
    token = _RUN.set({})
    try:
        sections = [fn(tables, as_of) for fn in SECTIONS]
    finally:
        _RUN.reset(token)
    return Report(title=title, as_of=as_of, sections=tuple(s for s in sections if s))


#: What the sections of one `describe` run computed that later sections reuse (the health
#: scores and their inputs, the usage trend), so nothing is computed twice; ``None``
#: outside a run, where every section computes only its own figures.
_RUN: ContextVar[dict[str, object] | None] = ContextVar("cshealth_report_run", default=None)


def _keep(name: str, value: object) -> None:
    """Keep ``value`` for the later sections of the current run (if one is running)."""
    run = _RUN.get()
    if run is not None:
        run[name] = value


def _kept(name: str) -> object:
    """What an earlier section of the current run kept as ``name`` (``None``: nothing)."""
    run = _RUN.get()
    return None if run is None else run.get(name)


def _n(value: int | float) -> str:
    return f"{value:,.0f}"


_NONE = np.array(None, dtype=object)


def _distinct(values: IdArray) -> int:
    return len(_counts(values))


def _counts(values: NDArray[np.generic]) -> dict[str, int]:
    present = values[~np.equal(values, _NONE)].astype(str)
    labels, counts = np.unique(present, return_counts=True)
    order = np.argsort(-counts, kind="stable")
    return {str(labels[i]): int(counts[i]) for i in order}


def _joined(counts: Mapping[str, int]) -> str:
    return " · ".join(f"{k} {_n(v)}" for k, v in counts.items()) or "none"


def _span(column: DateArray) -> str:
    present = column[~np.isnat(column)]
    if not len(present):
        return "no dates"
    unit: Literal["D", "m"] = "D" if np.datetime_data(present.dtype)[0] == "D" else "m"
    low, high = np.datetime_as_string(np.sort(present)[[0, -1]], unit=unit).tolist()
    return f"{low} to {high}"


def _tables(tables: Mapping[str, Table], as_of: date) -> Section:
    figures = {name: table.n_rows for name, table in tables.items()}
    width = max((len(name) for name in figures), default=0)
    lines = tuple(f"{name:<{width}}  {_n(rows):>9} rows" for name, rows in figures.items())
    return Section("Tables", lines, figures)


def _accounts(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("accounts")
    if table is None:
        return None
    day = np.datetime64(as_of, "D")
    start, end = table.dates("start_date"), table.dates("end_date")
    active = (start <= day) & (np.isnat(end) | (end > day))
    churned = ~np.isnat(end) & (end <= day)
    children = int((~np.equal(table.texts("parent_id"), _NONE)).sum())
    segments = _counts(table.texts("segment"))
    live, source = _mrr_in_force(tables, as_of, active)
    ends_known = "end_date" not in table.absent  # without it, who churned is not measured
    figures: dict[str, object] = {
        "accounts": table.n_rows,
        "active": int(active.sum()) if ends_known else None,
        "churned": int(churned.sum()) if ends_known else None,
        "child_accounts": children,
        "segments": segments,
        "mrr_in_force": None if live is None else float(live.sum()),
        "median_mrr": float(np.median(live)) if live is not None and len(live) else None,
        "mrr_source": source,
    }
    status = (
        f"{_n(active.sum())} active and {_n(churned.sum())} churned of {_n(table.n_rows)}"
        if ends_known
        else f"{_n(table.n_rows)} accounts, active and churned {shown(absent_reason(['end_date']))}"
    )
    lines = (
        f"{status}; {_n(children)} are child accounts",
        f"by segment: {_joined(segments)}",
        _mrr_line(live, source),
        f"started: {_span(start)}",
    )
    return Section("Accounts", lines, figures)


def _mrr_in_force(
    tables: Mapping[str, Table], as_of: date, active: np.ndarray
) -> tuple[np.ndarray | None, str]:
    """The MRR of each paying account on ``as_of`` and where it comes from.

    From the revenue changes when they are given (each account's latest change on or
    before ``as_of``: the MRR the waterfall ends at), else from the accounts' ``mrr``
    column (active accounts), else not measured (``None``).
    """
    changes = tables.get("revenue_changes")
    if changes is not None:
        when = changes.dates("effective_on")
        seen = np.flatnonzero(when <= np.datetime64(as_of, "D"))
        _, codes = np.unique(np.asarray(changes["account_id"])[seen], return_inverse=True)
        by = np.lexsort((when[seen].astype(np.int64), codes))  # by account, then date
        codes, rows = codes[by], seen[by]
        last = rows[np.r_[codes[1:] != codes[:-1], True]] if len(rows) else rows
        levels = changes.floats("mrr")[last]
        return levels[levels > 0], "revenue_changes"
    accounts = tables["accounts"]
    if "mrr" in accounts.absent:
        return None, "accounts"
    mrr = accounts.floats("mrr")
    return mrr[active & ~np.isnan(mrr)], "accounts"


def _mrr_line(live: np.ndarray | None, source: str) -> str:
    if live is None:
        return f"MRR in force: {shown('no `mrr` column in accounts and no revenue changes')}"
    median = _n(float(np.median(live))) if len(live) else "n/a"
    where = " (from the revenue changes" if source == "revenue_changes" else " (from `mrr`"
    return f"MRR in force: {_n(live.sum())}{where}; median paying account {median})"


def _revenue(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("revenue_changes")
    if table is None:
        return None
    zero = int((table.floats("mrr") == 0).sum())
    accounts = _distinct(table.ids("account_id"))
    figures = {"changes": table.n_rows, "to_zero": zero, "accounts": accounts}
    lines = (
        f"{_n(table.n_rows)} MRR changes over {_n(accounts)} accounts, "
        f"{_n(zero)} of them to 0 (churn)",
        f"effective: {_span(table.dates('effective_on'))}",
    )
    return Section("Revenue changes", lines, figures)


def _milestones(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("milestones")
    if table is None:
        return None
    day = np.datetime64(as_of, "D")
    due, done = table.dates("due_date"), table.dates("completed_on")
    completed = ~np.isnat(done)
    late = completed & ~np.isnat(due) & (done > due)
    overdue = ~completed & ~np.isnat(due) & (due < day)
    figures = {
        "milestones": table.n_rows,
        "completed": int(completed.sum()),
        "completed_late": int(late.sum()),
        "open": int((~completed).sum()),
        "open_overdue": int(overdue.sum()),
    }
    lines = (
        f"{_n(completed.sum())} of {_n(table.n_rows)} completed ({_n(late.sum())} late); "
        f"{_n((~completed).sum())} open, {_n(overdue.sum())} of them overdue",
    )
    return Section("Onboarding milestones", lines, figures)


def _tickets(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("tickets")
    if table is None:
        return None
    channels = _counts(table.texts("channel"))
    unresolved = int(np.isnat(table.dates("resolved_at")).sum())
    figures = {"tickets": table.n_rows, "channels": channels, "unresolved": unresolved}
    lines = (
        f"{_n(table.n_rows)} tickets; {_n(unresolved)} unresolved",
        f"by channel: {_joined(channels)}",
        f"created: {_span(table.dates('created_at'))}",
    )
    return Section("Support tickets", lines, figures)


def _surveys(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("survey_responses")
    if table is None:
        return None
    pairs = table.texts("kind") + " " + table.texts("survey_type")
    kinds = _counts(pairs)
    figures = {"responses": table.n_rows, "by_kind_and_type": kinds}
    lines = (
        f"{_n(table.n_rows)} responses: {_joined(kinds)}",
        f"submitted: {_span(table.dates('submitted_at'))}",
    )
    return Section("Survey responses", lines, figures)


def _usage(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("usage")
    if table is None:
        return None
    users = table.floats("active_users")
    accounts = _distinct(table.ids("account_id"))
    figures = {
        "rows": table.n_rows,
        "accounts": accounts,
        "mean_active_users": float(users.mean()) if len(users) else None,
    }
    mean = f"{users.mean():.1f}" if len(users) else "n/a"
    lines = (
        f"{_n(table.n_rows)} usage rows over {_n(accounts)} accounts; mean active users {mean}",
        f"days: {_span(table.dates('day'))}",
    )
    return Section("Product usage", lines, figures)


def _people(tables: Mapping[str, Table], as_of: date) -> Section | None:
    contacts, goals = tables.get("contacts"), tables.get("goals")
    if contacts is None and goals is None:
        return None
    lines: list[str] = []
    figures: dict[str, object] = {}
    if contacts is not None:
        champions = int(contacts.flags("is_champion").sum())
        left = int((~np.isnat(contacts.dates("left_on"))).sum())
        figures.update(contacts=contacts.n_rows, champions=champions, contacts_left=left)
        lines.append(
            f"{_n(contacts.n_rows)} contacts, {_n(champions)} champions, {_n(left)} have left"
        )
    if goals is not None:
        achieved = int((~np.isnat(goals.dates("achieved_on"))).sum())
        figures.update(goals=goals.n_rows, goals_achieved=achieved)
        lines.append(f"{_n(goals.n_rows)} success-plan goals, {_n(achieved)} achieved")
    return Section("People and goals", tuple(lines), figures)


def _nps(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("survey_responses")
    if table is None or not bool((table.texts("kind") == "nps").any()):
        return None
    from cshealth import nps  # noqa: PLC0415

    year = as_of - timedelta(days=365)
    lines: list[str] = []
    figures: dict[str, object] = {}
    relationship = _has(table, "relationship")
    if relationship:
        last = nps.trend(table, as_of=as_of, survey_type="relationship", period="quarter")
        figures["relationship_by_quarter"] = last.to_dict()["points"]
        lines.append("Relationship NPS by quarter (latest answer per contact):")
        lines.extend(f"  {line}" for line in last.format().splitlines()[-5:])
        lines.extend(_unanswered_line(last, figures, "relationship_unanswered"))
        lines.extend(_migration_lines(table, last, figures))
    if _has(table, "transactional"):
        monthly = nps.trend(
            table, as_of=as_of, survey_type="transactional", period="month", start=year
        )
        figures["transactional_by_month"] = monthly.to_dict()["points"]
        lines.append("Transactional NPS by month, last 12 months (* = significant change):")
        lines.extend(f"  {line}" for line in monthly.format().splitlines())
        lines.extend(_unanswered_line(monthly, figures, "transactional_unanswered"))
        touch = nps.breakdown(
            table, by="touchpoint", survey_type="transactional", start=year, end=as_of
        )
        figures["transactional_by_touchpoint"] = touch.to_dict()
        lines.append("Transactional NPS by touchpoint, last 12 months (* = unlike the rest, Holm):")
        lines.extend(f"  {line}" for line in touch.format().splitlines())
    queue = nps.follow_ups(table, as_of=as_of)
    summary = nps.queue_summary(queue)
    figures["follow_ups"] = summary
    lines.append(
        f"Follow-up queue: {summary['total']} ({summary['call']} calls, "
        f"{summary['testimonial_request'] + summary['review_request']} testimonial or review "
        f"requests, {summary['nurture']} nurture touches; {summary['overdue']} overdue)"
    )
    lines.extend(
        f"  {item.due_on} {item.action:<19} account {item.account_id}, "
        f"{_contact(item.contact_id)}: {item.reason}"
        for item in queue[:5]
    )
    return Section("NPS", tuple(lines), figures)


def _unanswered_line(trend: NPSTrend, figures: dict[str, object], name: str) -> list[str]:
    """A line counting the unanswered surveys of a trend's periods, when there are any."""
    count = int(trend.unanswered.sum())
    figures[name] = count
    if not count:
        return []
    noun = "survey" if count == 1 else "surveys"
    return [f"  {_n(count)} unanswered {noun} (no score): counted apart, not in the NPS"]


def _contact(contact_id: object) -> str:
    return "no contact given" if contact_id is None else f"contact {contact_id}"


def _has(table: Table, survey_type: str) -> bool:
    return bool(
        ((table.texts("kind") == "nps") & (table.texts("survey_type") == survey_type)).any()
    )


def _migration_lines(table: Table, quarters: NPSTrend, figures: dict[str, object]) -> list[str]:
    from cshealth import nps  # noqa: PLC0415

    waves = [p for p in quarters if p.result.n]
    if len(waves) < 2:
        return []
    when = table.dates("submitted_at")
    kind = (table.texts("kind") == "nps") & (table.texts("survey_type") == "relationship")
    picked = []
    for point in waves[-2:]:
        start, end = (np.datetime64(t.replace(tzinfo=None), "us") for t in (point.start, point.end))
        picked.append(table.take(np.flatnonzero(kind & (when >= start) & (when < end))))
    moved = nps.migration(picked[0], picked[1], min_n=0)
    figures["migration_last_two_waves"] = moved.to_dict()
    change = "n/a" if moved.change is None else f"{moved.change:+.1f}"
    p = "n/a" if moved.pvalue is None else f"{moved.pvalue:.3f}"
    lines = [
        f"Migration between the last two waves ({moved.matched} contacts answered both; "
        f"{moved.entrants} new, {moved.leavers} gone): change {change} points, p = {p}",
    ]
    lines.extend(f"  {line}" for line in moved.format().splitlines())
    return lines


def _support(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("tickets")
    if table is None or not table.n_rows:
        return None
    from cshealth import support  # noqa: PLC0415

    start = as_of - timedelta(days=90)
    schedule = support.Schedule.weekdays(start="08:00", end="18:00")
    sla = support.SLAPolicy(first_response_hours=8, by_priority={"high": 4, "urgent": 1})
    period = support.summary(
        table, start=start, end=as_of, by="channel", schedule=schedule, sla=sla
    )
    overall = period.overall
    figures: dict[str, object] = {"last_90_days": period.to_dict()}
    lines = [
        f"Last 90 days ({start} to {as_of}), business hours Mon-Fri 08:00-18:00 UTC, "
        "SLA: first reply within 8 business hours (high 4, urgent 1):",
    ]
    lines.extend(f"  {line}" for line in period.format().splitlines())
    absent = overall.not_measured
    lines.append(_queue_line(overall, absent))
    lines.append(_wow_line(overall, absent))
    lines.append(_leads_line(overall, absent))
    return Section("Support", tuple(lines), figures)


def _queue_line(overall: SupportSummary, absent: Mapping[str, str]) -> str:
    wait, queue = overall.queue_wait, overall.abandonment
    if wait is None:
        return f"Live channels: queue wait {shown(absent['queue_wait'])}"
    text = f"Live channels: queue wait median {_seconds(wait.median)}, p90 {_seconds(wait.p90)}"
    if queue is None:
        return f"{text}; abandonment {shown(absent['abandonment'])}"
    return (
        f"{text}; abandonment {_share(queue.statistic)} of {_n(queue.n)} queued "
        f"({overall.short_abandons} short abandons not counted)"
    )


def _wow_line(overall: SupportSummary, absent: Mapping[str, str]) -> str:
    if overall.wow is None:
        return f"Wow moments: {shown(absent['wow'])}"
    examples = ", ".join(overall.wow_ticket_ids[:3]) or "none"
    return f"Wow moments: {_n(overall.wow)} (e.g. {examples})"


def _leads_line(overall: SupportSummary, absent: Mapping[str, str]) -> str:
    if overall.sql_count is None:
        return f"Service-qualified leads: {shown(absent['sql_count'])}"
    if overall.sql_revenue is None or overall.sql_conversion is None:
        return (
            f"Service-qualified leads: {_n(overall.sql_count)}; revenue and conversion "
            f"{shown(absent['sql_revenue'])}"
        )
    return (
        f"Service-qualified leads: {_n(overall.sql_count)}, revenue "
        f"{_n(overall.sql_revenue)}, {_share(overall.sql_conversion.statistic)} converted"
    )


def _seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.0f} s" if value < 120 else f"{value / 60:.1f} min"


def _share(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _adoption(tables: Mapping[str, Table], as_of: date) -> Section | None:
    usage, events = tables.get("usage"), tables.get("usage_events")
    if usage is None or not usage.n_rows:
        return None
    from cshealth import adoption  # noqa: PLC0415

    lines: list[str] = []
    figures: dict[str, object] = {}
    if events is not None and events.n_rows:
        active = adoption.active_users(events, as_of=as_of)
        users = active.mau > 0
        counts, shares = active.histogram()
        mean_stickiness = float(np.nanmedian(active.dau_mau)) if users.any() else None
        figures["stickiness_median"] = mean_stickiness
        figures["l28_shares"] = [None if np.isnan(v) else float(v) for v in shares]
        lines.append(
            f"Last 28 days: {_n(active.mau.sum())} monthly active users over "
            f"{_n(users.sum())} accounts; median stickiness (average DAU / MAU) "
            f"{_share(mean_stickiness)}; WAU/MAU median {_share(_median(active.wau_mau))}"
        )
        days = [1, 7, 14, 21, 28]
        lines.append(
            "Days active in 28 (share of users): "
            + ", ".join(f"{k}d {_share(float(shares[k - 1]))}" for k in days)
            + f"; {int(counts[19:].sum()):,} users active 20+ days"
        )
    current = _current_customers(tables, as_of)
    if current is not None:  # churned accounts' usage stops: that is churn, not a drop
        usage = usage.take(np.flatnonzero(np.isin(usage.ids("account_id"), current)))
    # the usage table holds whole weeks (Mondays): end the windows on the Monday after
    # the last complete week, or the current window would hold a week not yet recorded
    week_end = as_of - timedelta(days=as_of.weekday())
    if "logins" in usage.absent or "logins" not in usage:  # a trend of absent data: none
        figures["logins_median_change"] = None
        lines.append(f"Logins of current customers: {shown(absent_reason(['logins']))}")
        return Section("Adoption", tuple(lines), figures)
    trend = adoption.usage_trend(usage, as_of=week_end, measure="logins", window_days=28)
    _keep("usage_trend", trend)
    live = ~np.isnan(trend.change)
    median_change = float(np.median(trend.change[live])) if live.any() else None
    falling = trend.falling_accounts()
    drops = [d for d in trend.drops() if d.account_id in set(falling)]
    figures["logins_median_change"] = median_change
    figures["falling_accounts"] = list(falling)
    bands = _counts(trend.band)
    lines.append(
        f"Logins of current customers, 4 weeks to {week_end} against the 4 windows before: "
        "median change "
        f"{_signed(median_change)} across accounts (bands: {_joined(bands)})"
    )
    lines.append(
        f"Significant declines (Theil-Sen slope over 30 weeks, Kendall p < 0.05): "
        f"{len(falling)} accounts; with a drop band too: {len(drops)}"
    )
    lines.extend(
        f"  {d.account_id}  {d.band:<6} {_signed(d.change)} ({d.current:,.0f} vs {d.baseline:,.0f})"
        for d in drops[:5]
    )
    return Section("Adoption", tuple(lines), figures)


def _health(tables: Mapping[str, Table], as_of: date) -> Section | None:
    accounts, usage = tables.get("accounts"), tables.get("usage")
    if accounts is None or usage is None or not usage.n_rows:
        return None
    from cshealth import scoring  # noqa: PLC0415

    card = scoring.default_scorecard()
    week_end = as_of - timedelta(days=as_of.weekday())  # weekly usage: whole weeks only
    before = week_end - timedelta(days=28)

    def inputs(day: date) -> object:
        return scoring.default_inputs(
            accounts=accounts,
            usage=usage,
            as_of=day,
            events=tables.get("usage_events"),
            tickets=tables.get("tickets"),
            survey_responses=tables.get("survey_responses"),
            milestones=tables.get("milestones"),
        )

    now, then = inputs(week_end), inputs(before)
    scores = scoring.score(card, now)
    _keep("health", _Health(now, scores))
    counts = scores.band_counts()
    scored = len(scores) - counts[None]
    lines = [
        f"Default scorecard ({card.config_hash}) as of {week_end}, {len(scores):,} current "
        f"customers: "
        + ", ".join(f"{k} {_n(v)} ({v / max(scored, 1):.0%})" for k, v in counts.items() if k)
        + f"; insufficient data {_n(counts[None])}; mean coverage {scores.coverage.mean():.0%}",
        "Riskiest accounts (score, band; the measures costing the most points):",
    ]
    ranked = np.argsort(np.where(np.isnan(scores.score), np.inf, scores.score), kind="stable")
    riskiest: list[int | str] = scores.account_ids[ranked[:10]].tolist()
    for account in riskiest:
        why = scores.explain(account)
        drags = ", ".join(f"{d.name} -{d.lost:.1f}" for d in why.drags(3))
        lines.append(f"  {account}  {why.score:5.1f} {why.band:<6} {drags}")
    change = scoring.attribute_change(card, then, card, now)
    movers = change.movers(5)
    lines.append(f"Biggest moves since {before} (points, and what moved them):")
    for account in movers:
        row = change.row(account)
        causes = ", ".join(f"{k} {v:+.1f}" for k, v in change.drivers(account)[:3])
        lines.append(
            f"  {account}  {change.score_t0[row]:5.1f} -> {change.score_t1[row]:5.1f}  {causes}"
        )
    figures: dict[str, object] = {
        "config_hash": card.config_hash,
        "band_counts": {str(k): v for k, v in counts.items()},
        "riskiest": riskiest,
        "movers": movers,
    }
    return Section("Health", tuple(lines), figures)


def _retention(tables: Mapping[str, Table], as_of: date) -> Section | None:
    changes, accounts = tables.get("revenue_changes"), tables.get("accounts")
    if changes is None or accounts is None or not changes.n_rows or not accounts.n_rows:
        return None
    from cshealth import retention  # noqa: PLC0415

    end = as_of.replace(day=1)  # whole months only
    start = end.replace(year=end.year - 1)
    last_month = (end - timedelta(days=1)).replace(day=1)
    waterfall = retention.mrr_movements(changes, start=start, end=end)
    year = retention.revenue_retention(changes, base_on=start, compare_on=end)
    lines = [f"MRR waterfall, {start} to {end} (monthly):"]
    lines += [f"  {line}" for line in waterfall.format().splitlines()]
    quick = waterfall.quick_ratio()
    lines.append(
        f"Of the {_n(year.starting_customers)} customers paying on {start}: "
        f"NRR {_share(year.nrr)}, GRR {_share(year.grr)}, logo churn "
        f"{_share(year.logo_churn_rate)}; quick ratio {_ratio(quick)}"
    )
    figures: dict[str, object] = {
        "waterfall": waterfall.to_dict(),
        "revenue_retention": year.to_dict(),
    }
    if "end_date" in accounts.absent:  # who churned is not known: no account-date figures
        why = f"{absent_reason(['end_date'])} in accounts"
        lines.append(f"Logo churn, logo cohorts and customer lifetime: {shown(why)}")
        absent = ("logo_churn_last_month", "logo_cohorts")
        figures.update({**dict.fromkeys(absent), "not_measured": dict.fromkeys(absent, why)})
        return Section("Retention", tuple(lines), figures)
    month = retention.logo_churn(accounts, base_on=last_month, compare_on=end)
    lines.append(
        f"Logo churn in {last_month:%B %Y}: {_share(month.rate)} of "
        f"{_n(month.starting_customers)} ({_n(month.churned_customers)} churned); "
        f"annualised {_share(month.annualized())} (compounded, not x12)"
    )
    cohorts = retention.logo_cohorts(accounts, as_of=as_of, period="quarter")
    lines.append("Logo retention by start quarter (share still customers; blank = not yet seen):")
    lines += [f"  {line}" for line in cohorts.format().splitlines()]
    lines += _survival_lines(accounts, as_of)
    figures["logo_churn_last_month"] = month.to_dict()
    figures["logo_cohorts"] = cohorts.to_dict()
    return Section("Retention", tuple(lines), figures)


def _survival_lines(accounts: Table, as_of: date) -> list[str]:
    from cshealth import retention  # noqa: PLC0415

    # one read of the accounts: the segments' counts merge exactly into the whole curve
    groups = retention.survival(accounts, as_of=as_of, time_unit="month", by="segment")
    parts = (group.counts for group in groups.values())
    curve = retention.SurvivalCurve.from_counts(retention.SurvivalCounts.combine(parts))
    median = curve.median()
    reach = _reach(curve)
    at = [t for t in (12.0, 24.0, 36.0) if t <= reach]
    kept = ", ".join(f"{int(t)} months {_share(float(curve(t)))}" for t in at)
    if len(at) < 3:  # a horizon past the longest follow-up was never observed
        later = " or ".join(f"{int(t)}" for t in (12.0, 24.0, 36.0) if t > reach)
        unseen = f"{later} months not observed (follow-up {math.floor(10 * reach) / 10:.1f} months)"
        kept = f"{kept}; {unseen}" if kept else unseen
    if median.statistic is None:
        middle = "not reached (more than half of all customers are still with us)"
    else:
        middle = f"{median.statistic:.1f} months"
    lines = [
        f"Customer lifetime (Kaplan-Meier, {_n(curve.n)} accounts, {_n(curve.n_events)} "
        f"churned, the rest censored at {as_of}): median {middle}; still customers after "
        f"{kept}"
    ]
    pair = [name for name in ("enterprise", "smb") if name in groups]
    followed = [name for name in pair if _reach(groups[name]) >= 12.0]
    if len(followed) == 2:
        test = retention.compare_survival({name: groups[name] for name in pair})
        after = ", ".join(f"{name} {_share(float(groups[name](12.0)))}" for name in pair)
        pvalue = "n/a" if test.pvalue is None else f"{test.pvalue:.2g}"
        lines.append(
            f"Enterprise against SMB: still customers after 12 months {after}; log-rank "
            f"chi2 = {test.statistic or 0:.1f}, p = {pvalue}"
        )
    return lines


def _reach(curve: SurvivalCurve) -> float:
    """How far the curve is known, in months: the longest follow-up (its last time).

    Past it nobody was observed, so survival there is unknown, unless the curve has
    reached 0 (every account churned): then it stays 0 (``inf``).
    """
    times = curve.counts.times
    if not len(times):
        return 0.0
    last = float(times[-1])
    return math.inf if float(curve(last)) == 0.0 else last


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _current_customers(tables: Mapping[str, Table], as_of: date) -> IdArray | None:
    accounts = tables.get("accounts")
    if accounts is None:
        return None
    day = np.datetime64(as_of, "D")
    start, end = accounts.dates("start_date"), accounts.dates("end_date")
    active = (start <= day) & (np.isnat(end) | (end > day))
    return accounts.ids("id")[active]


def _median(values: np.ndarray) -> float | None:
    present = values[~np.isnan(values)]
    return float(np.median(present)) if len(present) else None


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:+.0f}%"


# --- lifecycle ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Health:
    """The health section's scores and the measures it scored, for the lifecycle section."""

    inputs: object
    scores: HealthScores


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


#: The report's sections, in order. Each area appends its own when it is built.
SECTIONS: tuple[SectionFn, ...] = (
    _tables,
    _accounts,
    _revenue,
    _milestones,
    _tickets,
    _surveys,
    _usage,
    _people,
    _nps,
    _support,
    _adoption,
    _health,
    _retention,
    _lifecycle,
)
