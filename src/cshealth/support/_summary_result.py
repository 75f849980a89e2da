"""The results of `summary`: duration statistics and a period's support metrics.

`DurationStats` holds the median, 90th percentile and (optionally) mean of a set of
durations; `SupportSummary` the support metrics of one set of tickets over a period, each
measure ``None`` when the ticket column it needs is absent (`_NEEDS`), with its text
table (`SupportSummary.format`, one line per group under `cshealth.Grouped`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from cshealth._absent import NOT_MEASURED, absent_reason, listed
from cshealth._grouped import ALL
from cshealth._result import Result
from cshealth._stats import Rate
from cshealth._types import FloatArray
from cshealth.support._sla import SLAPolicy
from cshealth.support._tickets import Clock

__all__ = ["DurationStats", "SupportSummary"]

#: The optional ticket columns each measure is computed from. Without them the measure is
#: not measured (``None``, with the reason in ``not_measured``), never a number built on
#: the model's defaults (no replies would make every resolution one-touch).
_NEEDS: dict[str, tuple[str, ...]] = {
    "first_response": ("first_response_at",),
    "resolution": ("resolved_at",),
    "sla": ("first_response_at", "resolved_at"),
    "sla_active": ("first_response_at", "resolved_at"),
    "sla_not_applicable": ("first_response_at", "resolved_at"),
    "fcr": ("resolved_at", "customer_replies"),
    "one_touch": ("resolved_at", "agent_replies"),
    "reopen": ("resolved_at", "reopened_count"),
    "backlog": ("resolved_at",),
    "queue_wait": ("queue_wait_seconds",),
    "long_waits": ("queue_wait_seconds",),
    "abandonment": ("queue_wait_seconds", "abandoned"),
    "short_abandons": ("queue_wait_seconds", "abandoned"),
    "wow": ("delighted",),
    "sql_count": ("service_qualified_lead",),
    "sql_revenue": ("service_qualified_lead", "lead_revenue"),
    "sql_rate": ("service_qualified_lead",),
    "sql_conversion": ("service_qualified_lead", "lead_revenue"),
}
#: A not-measured value in the text table.
_NOT_MEASURED_CELL = "n/m"


def _duration_text(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    if seconds < 172800:
        return f"{seconds / 3600:.3g} h"
    return f"{seconds / 86400:.3g} d"


def _short(seconds: float | None) -> str:
    """A duration in two or three significant figures and a unit; ``-`` for none."""
    if seconds is None:
        return "-"
    for limit, unit, size in ((120, "s", 1), (7200, "min", 60), (172800, "h", 3600)):
        if seconds < limit:
            value = seconds / size
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{seconds / 86400:.1f} d"


def _percent(rate: Rate | None) -> str:
    if rate is None:
        return _NOT_MEASURED_CELL
    return "-" if rate.statistic is None else f"{100 * rate.statistic:.0f}%"


def _median(stats: DurationStats | None, name: str = "median") -> str:
    if stats is None:
        return _NOT_MEASURED_CELL
    value: float | None = getattr(stats, name)
    return _short(value)


def _whole(count: int | None) -> str:
    return _NOT_MEASURED_CELL if count is None else str(count)


@dataclass(frozen=True, eq=False, repr=False)
class DurationStats(Result):
    """The median, 90th percentile and (optionally) mean of a set of durations.

    Percentiles use numpy's default (linear interpolation between order statistics,
    ``numpy.quantile(..., method='linear')``).

    Attributes:
        n: How many durations.
        median: Their median in seconds; ``None`` when ``n == 0``.
        p90: Their 90th percentile in seconds; ``None`` when ``n == 0``.
        mean: Their mean in seconds, when asked for and ``n > 0``; else ``None``.

    Examples:
        >>> import numpy as np
        >>> DurationStats.of(np.array([60.0, 3600.0, 7200.0]), include_mean=True)
        DurationStats(n=3, median=60 min, p90=108 min, mean=60.3 min)
    """

    n: int
    median: float | None
    p90: float | None
    mean: float | None = None

    @classmethod
    def of(cls, seconds: FloatArray, *, include_mean: bool = False) -> DurationStats:
        """The statistics of ``seconds`` (every value known)."""
        if not len(seconds):
            return cls(0, None, None, None)
        median, p90 = np.quantile(seconds, [0.5, 0.9]).tolist()
        mean = float(seconds.mean()) if include_mean else None
        return cls(len(seconds), median, p90, mean)

    def __repr__(self) -> str:
        parts = [f"n={self.n}"]
        for name in ("median", "p90", "mean"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name}={_duration_text(value)}")
        return f"DurationStats({', '.join(parts)})"


@dataclass(frozen=True, eq=False, repr=False)
class SupportSummary(Result):
    """The support metrics of a set of tickets over ``[start, end)`` (see `summary`).

    With ``by``, `summary` gives a `cshealth.Grouped` of these: one per group, each the
    summary of that group's tickets alone, beside ``overall``, the summary of them all.

    Attributes:
        start: The first instant of the period (UTC).
        end: The first instant after the period (UTC).
        clock: ``'calendar'``, or ``'business'`` when a schedule was given: how
            response and resolution times are measured.
        sla_clock: How response times are measured against SLA targets.
        sla_policy: The targets used.
        volume: Tickets created in the period.
        volume_by_channel: Those tickets per channel, largest first (unknown channels
            are their own groups).
        first_response: Response times of the tickets first answered in the period.
        resolution: Creation to latest resolution, of the tickets resolved in the period
            (abandoned contacts left out).
        sla: First-response SLA achievement of the tickets created in the period,
            ``achieved / (achieved + breached)``; targets without a verdict are left out.
        sla_active: Tickets created in the period whose target was still active at the
            period's end (no response, not resolved, target not yet passed).
        sla_not_applicable: Tickets created in the period and resolved before its end
            without a first response: the SLA clock stopped at resolution, so they have
            no verdict. ``sla.n + sla_active + sla_not_applicable == volume``.
        fcr: First-contact resolution: resolved tickets without customer replies
            (abandoned contacts left out here and in the next two rates).
        one_touch: Resolved tickets with fewer than 2 agent replies.
        reopen: Resolved tickets that were reopened at least once.
        backlog: Tickets created before the end and not resolved before it.
        queue_wait: Queue waits of answered live contacts created in the period.
        long_waits: Answered live contacts that waited longer than the threshold.
        abandonment: Abandoned live contacts (short abandons left out) over queued
            contacts (short abandons left out).
        short_abandons: Live contacts abandoned before the short-abandon threshold.
        wow: Delighted tickets created in the period.
        wow_ticket_ids: Their ids, in creation order.
        sql_count: Service-qualified leads among the tickets created in the period.
        sql_revenue: The sum of their known ``lead_revenue``.
        sql_rate: Leads among the tickets created in the period.
        sql_conversion: Leads with ``lead_revenue > 0`` among the leads.
        not_measured: Measure name to the reason it was not measured: a measure whose
            ticket column is absent from the data (no ``agent_replies`` column for
            ``one_touch``) is ``None``, never a rate built on the model's defaults.

    Examples:
        >>> from datetime import date
        >>> from cshealth.support import summary
        >>> tickets = {
        ...     "id": ["T-1", "T-2"],
        ...     "channel": ["email", "web"],
        ...     "created_at": ["2025-03-03T09:00Z", "2025-03-04T09:00Z"],
        ...     "resolved_at": ["2025-03-03T10:00Z", None],
        ...     "agent_replies": [1, 3],
        ... }
        >>> s = summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1))
        >>> s.volume, s.backlog, s.one_touch
        (2, 1, Rate(1, 1 of 1))
        >>> s.to_dict()["resolution"]
        {'n': 1, 'median': 3600.0, 'p90': 3600.0, 'mean': None}

        These tickets have no ``customer_replies`` or ``reopened_count`` column, so
        first-contact resolution and the reopen rate were not measured:

        >>> s.fcr is None, s.not_measured["reopen"]
        (True, 'no `reopened_count` column')
    """

    start: datetime
    end: datetime
    clock: Clock
    sla_clock: Clock
    sla_policy: SLAPolicy
    volume: int
    volume_by_channel: Mapping[str, int]
    first_response: DurationStats | None
    resolution: DurationStats | None
    sla: Rate | None
    sla_active: int | None
    sla_not_applicable: int | None
    fcr: Rate | None
    one_touch: Rate | None
    reopen: Rate | None
    backlog: int | None
    queue_wait: DurationStats | None
    long_waits: Rate | None
    abandonment: Rate | None
    short_abandons: int | None
    wow: int | None
    wow_ticket_ids: tuple[str, ...]
    sql_count: int | None
    sql_revenue: float | None
    sql_rate: Rate | None
    sql_conversion: Rate | None
    not_measured: Mapping[str, str]

    def format(self) -> str:
        """The summary as a text table: a heading, then one line for all the tickets.

        Columns: tickets created, first response (reply) median and p90, resolution
        median, SLA achievement, one-touch, first-contact resolution and reopen rates (as
        percentages; ``-`` when undefined) and the backlog at ``end``. A measure whose
        ticket column is absent shows ``n/m``, and a last line says which were not
        measured and why. ``str(summary)`` and ``print(summary)`` give the same text;
        with ``by``, ``print(grouped)`` gives the same table with one line per group
        under the line ``(all)``.

        Examples:
            >>> from datetime import date
            >>> from cshealth.support import summary
            >>> tickets = {
            ...     "id": ["T-1", "T-2"],
            ...     "channel": ["email", "chat"],
            ...     "created_at": ["2025-03-03T09:00Z", "2025-03-04T09:00Z"],
            ...     "first_response_at": ["2025-03-03T11:00Z", "2025-03-04T09:01Z"],
            ...     "resolved_at": ["2025-03-03T12:00Z", None],
            ...     "agent_replies": [1, 1],
            ... }
            >>> print(summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1)))
            group  tickets    reply      p90  resolved   SLA  1-touch   FCR  reopen  backlog
            (all)        2   60 min  108 min     3.0 h  100%     100%   n/m     n/m        1
            n/m = not measured: FCR, reopen (no `customer_replies` and `reopened_count` columns)
            >>> g = summary(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1), by="channel")
            >>> print(g)
            SupportSummary by channel: 2 groups
            group  tickets    reply      p90  resolved   SLA  1-touch   FCR  reopen  backlog
            (all)        2   60 min  108 min     3.0 h  100%     100%   n/m     n/m        1
            chat         1     60 s     60 s         -  100%        -   n/m     n/m        1
            email        1    2.0 h    2.0 h     3.0 h  100%     100%   n/m     n/m        0
            n/m = not measured: FCR, reopen (no `customer_replies` and `reopened_count` columns)
        """
        return self._format_groups([(ALL, self)])

    @classmethod
    def _format_groups(cls, labelled: Sequence[tuple[str, SupportSummary]]) -> str:
        """One table of ``(label, summary)`` rows (``'(all)'`` first), for `Grouped.format`.

        The footnote on columns not measured is written once: every group of a summary
        has the same columns.
        """
        width = max([len(label) for label, _ in labelled] + [5])
        lines = [
            f"{'group':<{width}}  tickets    reply      p90  resolved   SLA  1-touch   FCR"
            "  reopen  backlog"
        ]
        for label, s in labelled:
            lines.append(
                f"{label:<{width}}  {s.volume:>7}  {_median(s.first_response):>7}"
                f"  {_median(s.first_response, 'p90'):>7}  {_median(s.resolution):>8}"
                f"  {_percent(s.sla):>4}  {_percent(s.one_touch):>7}"
                f"  {_percent(s.fcr):>4}  {_percent(s.reopen):>6}"
                f"  {_whole(s.backlog):>7}"
            )
        footnote = _footnote(labelled[0][1].not_measured) if labelled else ""
        return "\n".join([*lines, footnote] if footnote else lines)

    def _group_row(self) -> dict[str, object]:
        """This summary's cells in `Grouped.to_pandas`: single values, flattened.

        Counts as they are; each `DurationStats` as ``<name>_median``, ``<name>_p90``
        (seconds) and ``<name>_n``; each `Rate` as its value ``<name>`` and ``<name>_n``.
        A measure not measured is ``None`` in each of its cells.
        """
        row: dict[str, object] = {}
        for name in _ROW_FIELDS:
            value = getattr(self, name)
            if name in _DURATIONS:
                stats: DurationStats | None = value
                row[f"{name}_median"] = None if stats is None else stats.median
                row[f"{name}_p90"] = None if stats is None else stats.p90
                row[f"{name}_n"] = None if stats is None else stats.n
            elif name in _RATES:
                rate: Rate | None = value
                row[name] = None if rate is None else rate.statistic
                row[f"{name}_n"] = None if rate is None else rate.n
            else:
                row[name] = value
        return row

    def __repr__(self) -> str:
        median = None if self.first_response is None else self.first_response.median
        response = "-" if median is None else _duration_text(median)
        shown = {
            name: NOT_MEASURED if name in self.not_measured else repr(getattr(self, name))
            for name in ("sla", "backlog")
        }
        if self.first_response is None:
            response = NOT_MEASURED
        absent = f", {NOT_MEASURED}: {listed(list(self.not_measured))}" if self.not_measured else ""
        return (
            f"SupportSummary({self.start.isoformat()} to {self.end.isoformat()}, "
            f"clock={self.clock!r}, volume={self.volume}, first_response median={response}, "
            f"sla={shown['sla']}, backlog={shown['backlog']}{absent})"
        )


#: The measures of a summary's row in `Grouped.to_pandas`, in field order.
_ROW_FIELDS = (
    "volume",
    "first_response",
    "resolution",
    "sla",
    "sla_active",
    "sla_not_applicable",
    "fcr",
    "one_touch",
    "reopen",
    "backlog",
    "queue_wait",
    "long_waits",
    "abandonment",
    "short_abandons",
    "wow",
    "sql_count",
    "sql_revenue",
    "sql_rate",
    "sql_conversion",
)
_DURATIONS = frozenset({"first_response", "resolution", "queue_wait"})
_RATES = frozenset(
    {"sla", "fcr", "one_touch", "reopen", "long_waits", "abandonment", "sql_rate", "sql_conversion"}
)


#: The measures of `SupportSummary.format`, by column heading.
_TABLE_COLUMNS = {
    "reply": "first_response",
    "resolved": "resolution",
    "SLA": "sla",
    "1-touch": "one_touch",
    "FCR": "fcr",
    "reopen": "reopen",
    "backlog": "backlog",
}


def _footnote(reasons: Mapping[str, str]) -> str:
    """The line under the table naming its columns that were not measured, and why."""
    headings = [heading for heading, name in _TABLE_COLUMNS.items() if name in reasons]
    if not headings:
        return ""
    absent = list(
        dict.fromkeys(
            column
            for heading in headings
            for column in _NEEDS[_TABLE_COLUMNS[heading]]
            if f"`{column}`" in reasons[_TABLE_COLUMNS[heading]]
        )
    )
    return f"{_NOT_MEASURED_CELL} = {NOT_MEASURED}: {', '.join(headings)} ({absent_reason(absent)})"
