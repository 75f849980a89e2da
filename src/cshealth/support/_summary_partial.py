"""The partial of `summary`: what each group's support figures are built from, mergeable.

`summary_partial` reads one partition of the tickets exactly as `summary` reads them and
keeps, per group, the sums a `SupportSummary` is built from (a `_Tally`): counts, tickets
per channel, the value counts of every duration, the wow tickets and the leads' revenue.
`SupportPartial.finalize` turns any merge of them into the summary `summary` gives, through
the same `_summary_of`.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._grouped import NO_GROUP, Grouped
from cshealth._grouping import By, Groups
from cshealth._partial import Partial, PartialKey
from cshealth._types import AsOf
from cshealth.support._schedule import Schedule
from cshealth.support._sla import SLAPolicy
from cshealth.support._summary import _prepare
from cshealth.support._summary_metrics import (
    _COUNTS,
    _DURATION_MEASURES,
    _Options,
    _summary_of,
    _tally,
)
from cshealth.support._summary_partial_rows import combine, rows_of, tally_of
from cshealth.support._summary_result import SupportSummary

__all__ = ["SupportPartial", "summary_partial"]

#: The measures of a partial's rows: the counts, then the rows with labels or values.
_MEASURES = frozenset(
    {*_COUNTS, *_DURATION_MEASURES, "channel", "wow", "sql_revenue", "tickets", "ungrouped"}
)


@dataclass(frozen=True, eq=False, repr=False)
class SupportPartial(Partial):
    """The partial of `summary`: per group, the sums a `SupportSummary` is built from.

    One long table; each row is one figure of one group (``group``: the ``by`` label,
    ``''`` without ``by``), named by ``measure``:

    * a count of `summary`'s rates and figures (``volume``, ``resolved``,
      ``sla_achieved``, ``sla_judged``, ``sla_not_applicable``, ``fcr``, ``one_touch``,
      ``reopen``, ``backlog``, ``long_waits``, ``live``, ``live_abandoned``,
      ``short_abandons``, ``sql_count``, ``sql_converted``) in ``count``;
    * ``channel``: tickets created in the period on channel ``label``;
    * ``first_response``, ``resolution``, ``queue_wait``: how many durations of that
      measure are exactly ``seconds`` long (calendar or business seconds, as `summary`
      measures them). Exact value counts, so the median and p90 of any merge are exact:
      the table holds one row per distinct duration of each group and measure, about
      one per ticket for durations measured to the microsecond;
    * ``wow``: delighted ticket ``label`` (its id as text), created at ``at``
      (microseconds since 1970, UTC), ``count`` 1;
    * ``sql_revenue``: ``total`` the leads' known ``lead_revenue``, ``count`` how many;
    * with ``by``, ``tickets`` (how many tickets of the data are in the group, so that
      every group is listed) and, in group ``'(none)'``, ``ungrouped``.

    Zero counts are left out. The key holds every option of `summary`: the period, the
    schedule (its configuration hash), the SLA policy (its JSON), ``by`` (the column, or
    ``'account'`` with the hash of the mapping), the live channels, the thresholds,
    ``include_mean``, and the measures not measured (columns absent from the tickets).

    Requires nothing of the partitioning (``requires`` is ``None``): each ticket is one
    row. A ticket repeated in two partitions is counted twice, as it would be if it were
    two tickets (`summary` refuses repeated ids within one call; partials cannot see
    across partitions); `finalize` refuses a delighted ticket seen twice.

    Exactness: every count, and the median and p90, are exactly those of `summary`. Three
    figures are sums of floats: ``sql_revenue`` (summed per partition, then across
    partitions and groups) and, with ``include_mean``, the mean durations (`summary` sums
    the durations in input order, the partial in ascending order); each equals
    `summary`'s within ``1e-12`` relative. Delighted tickets created at the same
    microsecond are listed by id (as text) in `wow_ticket_ids`; `summary` lists them in
    input order (the same order when tickets come sorted by id).

    Examples:
        >>> from datetime import date
        >>> from cshealth.support import summary, summary_partial
        >>> tickets = {
        ...     "id": ["T-1", "T-2", "T-3"],
        ...     "channel": ["email", "chat", "email"],
        ...     "created_at": ["2025-03-03T09:00Z", "2025-03-04T09:00Z", "2025-03-05T09:00Z"],
        ...     "resolved_at": ["2025-03-03T10:00Z", None, "2025-03-05T12:00Z"],
        ... }
        >>> options = {"start": date(2025, 3, 1), "end": date(2025, 4, 1), "by": "channel"}
        >>> first = {name: values[:2] for name, values in tickets.items()}
        >>> rest = {name: values[2:] for name, values in tickets.items()}
        >>> a = summary_partial(first, **options, part="p1")
        >>> b = summary_partial(rest, **options, part="p2")
        >>> merged = a.merge(b)
        >>> merged.finalize() == summary(tickets, **options)
        True
        >>> merged.finalize()["email"].resolution
        DurationStats(n=2, median=2 h, p90=2.8 h)
    """

    KIND: ClassVar[str] = "support_summary"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("group", "object"),
        ("measure", "object"),
        ("label", "object"),
        ("seconds", "float64"),
        ("at", "int64"),
    )
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("count",)
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = ("total",)

    def finalize(self) -> SupportSummary | Grouped[SupportSummary]:
        """The summary `summary` gives on all the tickets merged in.

        Returns:
            The `SupportSummary`; with ``by``, the `cshealth.Grouped` of one per group.

        Raises:
            InvalidInputError: On rows of a measure the partial does not know, or a
                delighted ticket counted more than once (a ticket in two partitions).

        Examples:
            >>> from datetime import date
            >>> from cshealth.support import summary_partial
            >>> tickets = {"id": ["T-1"], "channel": ["web"], "created_at": ["2025-03-03T09:00Z"]}
            >>> summary_partial(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1)).finalize()
            SupportSummary(2025-03-01T00:00:00+00:00 to 2025-04-01T00:00:00+00:00,
                           clock='calendar', volume=1, first_response median=not measured,
                           sla=not measured, backlog=not measured,
                           not measured: first_response, resolution, sla and 15 more)
        """
        columns = self.columns
        _check_rows(columns)
        options = _options(self.key)
        tallies = {label: tally_of(rows) for label, rows in _runs(columns)}
        overall = _summary_of(combine(list(tallies.values())), options)
        by = self.key.option("by")
        if not by:
            return overall
        return Grouped(
            by=by,
            overall=overall,
            groups={label: _summary_of(tally, options) for label, tally in tallies.items()},
            ungrouped=int(columns["count"][columns["measure"] == "ungrouped"].sum()),
        )


def summary_partial(
    tickets: object,
    *,
    start: AsOf,
    end: AsOf,
    schedule: Schedule | None = None,
    by: By | None = None,
    sla: SLAPolicy | None = None,
    live_channels: Collection[str] = ("chat", "phone"),
    long_wait_seconds: float = 300,
    short_abandon_seconds: float = 10,
    include_mean: bool = False,
    part: str | None = None,
) -> SupportPartial:
    """The partial of `summary` over one partition of the tickets.

    Takes the options of `summary`, reads the tickets as it does (same checks, same
    errors), and gives the `SupportPartial` whose merge with the partials of the other
    partitions finalises to `summary` of all the tickets.

    Args:
        tickets: One partition of the tickets, in any form `summary` reads.
        start: As `summary`.
        end: As `summary`.
        schedule: As `summary`.
        by: As `summary`.
        sla: As `summary`.
        live_channels: As `summary`.
        long_wait_seconds: As `summary`.
        short_abandon_seconds: As `summary`.
        include_mean: As `summary`.
        part: The partition's name, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        The `SupportPartial` (no rows for a partition without tickets).

    Raises:
        InvalidInputError: As `summary`, and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> tickets = {
        ...     "id": ["T-1", "T-2"],
        ...     "channel": ["web", "web"],
        ...     "created_at": ["2025-03-03T09:00Z", "2025-03-04T09:00Z"],
        ...     "first_response_at": ["2025-03-03T10:00Z", "2025-03-04T10:00Z"],
        ... }
        >>> p = summary_partial(tickets, start=date(2025, 3, 1), end=date(2025, 4, 1), part="a")
        >>> first = p.columns["measure"] == "first_response"
        >>> p.columns["seconds"][first].tolist(), p.columns["count"][first].tolist()
        ([3600.0], [2])
        >>> p.parts, p.requires
        (('a',), None)
    """
    parts = _parts(part)
    flags, rows, groups, options, channels = _prepare(
        tickets,
        start=start,
        end=end,
        schedule=schedule,
        by=by,
        sla=sla,
        live_channels=live_channels,
        long_wait_seconds=long_wait_seconds,
        short_abandon_seconds=short_abandon_seconds,
        include_mean=include_mean,
    )
    key = _key(options, schedule=schedule, by=by, groups=groups, live_channels=live_channels)
    if groups is None:
        blocks = [rows_of("", _tally(flags, options, channels))] if len(rows) else []
        return SupportPartial(key, _joined(blocks), parts)
    blocks = [_presence(groups)]
    active = flags.active()
    in_period = Groups(groups.by, groups.codes[rows], groups.labels, groups.missing[rows])
    for label, picked in in_period.members():
        if active[picked].any():
            blocks.append(rows_of(label, _tally(flags.take(picked), options, channels)))
    return SupportPartial(key, _joined(blocks), parts)


def _parts(part: object) -> tuple[str, ...]:
    if part is None:
        return ()
    if not isinstance(part, str):
        msg = f"`part` names the partition: text or None, got {part!r}"
        raise InvalidInputError(msg)
    return (part,)


def _key(
    options: _Options,
    *,
    schedule: Schedule | None,
    by: By | None,
    groups: Groups | None,
    live_channels: Collection[str],
) -> PartialKey:
    return PartialKey.of(
        SupportPartial.KIND,
        start=options.start.isoformat(),
        end=options.end.isoformat(),
        schedule="" if schedule is None else schedule.config_hash,
        sla=options.sla_policy.model_dump_json(),
        sla_clock=options.sla_clock,
        by="" if groups is None else groups.by,
        by_mapping=_mapping_hash(by) if isinstance(by, Mapping) else "",
        live_channels=",".join(dict.fromkeys(sorted(repr(name) for name in live_channels))),
        long_wait_seconds=repr(options.long_wait_seconds),
        short_abandon_seconds=repr(options.short_abandon_seconds),
        include_mean=options.include_mean,
        not_measured=json.dumps(dict(options.not_measured)),
    )


def _mapping_hash(by: Mapping[str, object] | Mapping[int, object]) -> str:
    """16 hex digits of the SHA-256 of a ``by`` mapping's items (as their ``repr``)."""
    items = sorted((repr(key), repr(value)) for key, value in by.items())
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]


def _options(key: PartialKey) -> _Options:
    """The options of the `summary` call a key was built from (those `_summary_of` reads)."""
    return _Options(
        start=datetime.fromisoformat(key.option("start")),
        end=datetime.fromisoformat(key.option("end")),
        clock="business" if key.option("schedule") else "calendar",
        sla_clock="business" if key.option("sla_clock") == "business" else "calendar",
        sla_policy=SLAPolicy.model_validate_json(key.option("sla")),
        include_mean=key.option("include_mean") == "True",
        long_wait_seconds=float(key.option("long_wait_seconds")),
        short_abandon_seconds=float(key.option("short_abandon_seconds")),
        live_code=np.zeros(0, dtype=bool),
        not_measured=json.loads(key.option("not_measured")),
    )


def _presence(groups: Groups) -> dict[str, NDArray[np.generic]]:
    """Rows saying which groups the data has (``tickets``) and how many had none."""
    sizes = np.bincount(groups.codes, minlength=len(groups.labels))
    labels = [*groups.labels, *([NO_GROUP] if groups.ungrouped else [])]
    counts = [*sizes.tolist(), *([groups.ungrouped] if groups.ungrouped else [])]
    measures = ["tickets"] * len(groups.labels) + ["ungrouped"] * (len(labels) > len(sizes))
    n = len(labels)
    return {
        "group": np.array(labels, dtype=object),
        "measure": np.array(measures, dtype=object),
        "label": np.full(n, "", dtype=object),
        "seconds": np.zeros(n),
        "at": np.zeros(n, dtype=np.int64),
        "count": np.array(counts, dtype=np.int64),
        "total": np.zeros(n),
    }


def _joined(blocks: list[dict[str, NDArray[np.generic]]]) -> dict[str, NDArray[np.generic]]:
    names = [name for name, _ in SupportPartial.KEY_COLUMNS] + ["count", "total"]
    if not blocks:
        return {name: np.empty(0) for name in names}
    return {name: np.concatenate([block[name] for block in blocks]) for name in names}


def _check_rows(columns: Mapping[str, NDArray[np.generic]]) -> None:
    unknown = sorted(set(columns["measure"].tolist()) - _MEASURES, key=str)
    if unknown:
        msg = f"a support_summary partial has no measure {unknown[0]!r}; known: {sorted(_MEASURES)}"
        raise InvalidInputError(msg)
    wow = columns["measure"] == "wow"
    count = columns["count"].astype(np.int64)
    twice = np.flatnonzero(wow & (count > 1))
    if len(twice):
        ticket = columns["label"][twice[0]]
        msg = (
            f"delighted ticket {ticket!r} is counted {count[twice[0]]} times: a "
            "ticket in two partitions is counted twice (give each ticket to one partition)"
        )
        raise InvalidInputError(msg)


def _runs(
    columns: Mapping[str, NDArray[np.generic]],
) -> list[tuple[str, dict[str, NDArray[np.generic]]]]:
    """Each group's label and rows (a partial's rows are sorted by group)."""
    group = columns["group"]
    cuts = np.flatnonzero(group[1:] != group[:-1]) + 1
    bounds = [0, *cuts.tolist(), len(group)]
    return [
        (str(group[a]), {name: column[a:b] for name, column in columns.items()})
        for a, b in itertools.pairwise(bounds)
        if b > a
    ]
