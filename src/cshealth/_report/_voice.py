"""The sections on what customers say and ask: NPS and support."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from cshealth._absent import shown
from cshealth._report._base import Picture, Section, _n, _share
from cshealth.io import Table

if TYPE_CHECKING:
    from cshealth.nps import NPSTrend
    from cshealth.support import SupportSummary


def _nps(tables: Mapping[str, Table], as_of: date) -> Section | None:
    table = tables.get("survey_responses")
    if table is None or not bool((table.texts("kind") == "nps").any()):
        return None
    from cshealth import nps  # noqa: PLC0415

    year = as_of - timedelta(days=365)
    lines: list[str] = []
    figures: dict[str, object] = {}
    pictures: list[Picture] = []
    relationship = _has(table, "relationship")
    if relationship:
        last = nps.trend(table, as_of=as_of, survey_type="relationship", period="quarter")
        figures["relationship_by_quarter"] = last.to_dict()["points"]
        lines.append("Relationship NPS by quarter (latest answer per contact):")
        lines.extend(f"  {line}" for line in last.format().splitlines()[-5:])
        lines.extend(_unanswered_line(last, figures, "relationship_unanswered"))
        caption = "Relationship NPS by quarter with 95% intervals (rings: significant changes)"
        pictures.append(Picture(caption, last))
        lines.extend(_migration_lines(table, last, figures, pictures))
    if _has(table, "transactional"):
        monthly = nps.trend(
            table, as_of=as_of, survey_type="transactional", period="month", start=year
        )
        figures["transactional_by_month"] = monthly.to_dict()["points"]
        lines.append("Transactional NPS by month, last 12 months (* = significant change):")
        lines.extend(f"  {line}" for line in monthly.format().splitlines())
        lines.extend(_unanswered_line(monthly, figures, "transactional_unanswered"))
        caption = "Transactional NPS by month, last 12 months, with 95% intervals"
        pictures.append(Picture(caption, monthly))
        touch = nps.breakdown(
            table, by="touchpoint", survey_type="transactional", start=year, end=as_of
        )
        figures["transactional_by_touchpoint"] = touch.to_dict()
        lines.append("Transactional NPS by touchpoint, last 12 months (* = unlike the rest, Holm):")
        lines.extend(f"  {line}" for line in touch.format().splitlines())
        caption = "Transactional NPS by touchpoint, last 12 months, beside the overall NPS"
        pictures.append(Picture(caption, touch))
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
    return Section("NPS", tuple(lines), figures, tuple(pictures))


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


def _migration_lines(
    table: Table, quarters: NPSTrend, figures: dict[str, object], pictures: list[Picture]
) -> list[str]:
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
    caption = "How the contacts who answered both of the last two waves moved between categories"
    pictures.append(Picture(caption, moved))
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
