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
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray

from cshealth._absent import absent_reason, shown
from cshealth._types import DateArray, IdArray
from cshealth.io import Table

if TYPE_CHECKING:
    from cshealth.nps import NPSTrend
    from cshealth.retention import SurvivalCurve
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
    sections = [fn(tables, as_of) for fn in SECTIONS]
    return Report(title=title, as_of=as_of, sections=tuple(s for s in sections if s))


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
)
