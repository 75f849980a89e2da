"""A group's `_Tally` as rows of a `SupportPartial`, and back; tallies of groups combined.

`rows_of` writes a tally as the partial's long rows (see `SupportPartial`), `tally_of` reads
a group's merged rows back into a tally (durations from their value counts, in ascending
order; wow tickets by creation, then id), and `combine` adds the tallies of several groups
into the tally of all their tickets (the overall summary).
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from cshealth._types import IntArray, ObjectArray
from cshealth.support._summary_metrics import _COUNTS, _DURATION_MEASURES, _Tally

__all__ = ["combine", "rows_of", "tally_of"]

#: The count kept with the revenue it counts (on the ``sql_revenue`` row), not on its own.
_REVENUE_KNOWN = "sql_revenue_known"


def rows_of(group: str, tally: _Tally) -> dict[str, NDArray[np.generic]]:
    """The rows of one group's tally (zero counts left out)."""
    counts = [(name, n) for name, n in tally.counts.items() if n and name != _REVENUE_KNOWN]
    channels = [(name, n) for name, n in tally.by_channel.items() if n]
    blocks = [
        _block([name for name, _ in counts], count=[n for _, n in counts]),
        _block(
            ["channel"] * len(channels),
            label=[name for name, _ in channels],
            count=[n for _, n in channels],
        ),
    ]
    for measure in _DURATION_MEASURES:
        values, times = np.unique(tally.durations[measure], return_counts=True)
        blocks.append(_block([measure] * len(values), seconds=values, count=times))
    n_wow = len(tally.wow_ids)
    blocks.append(
        _block(["wow"] * n_wow, label=list(tally.wow_ids), at=tally.wow_created, count=[1] * n_wow)
    )
    known = tally.counts[_REVENUE_KNOWN]
    if known:
        blocks.append(_block(["sql_revenue"], count=[known], total=[tally.sql_revenue]))
    out = {name: np.concatenate([block[name] for block in blocks]) for name in blocks[0]}
    out["group"] = np.full(len(out["measure"]), group, dtype=object)
    return out


def _block(
    measures: Sequence[str],
    *,
    count: Sequence[int] | IntArray,
    label: Sequence[str] | None = None,
    seconds: NDArray[np.float64] | None = None,
    at: IntArray | None = None,
    total: Sequence[float] | None = None,
) -> dict[str, NDArray[np.generic]]:
    n = len(measures)
    return {
        "measure": np.array(measures, dtype=object).reshape(n),
        "label": np.array(label if label is not None else [""] * n, dtype=object).reshape(n),
        "seconds": np.zeros(n) if seconds is None else np.asarray(seconds, dtype=np.float64),
        "at": np.zeros(n, dtype=np.int64) if at is None else np.asarray(at, dtype=np.int64),
        "count": np.asarray(count, dtype=np.int64).reshape(n),
        "total": np.zeros(n) if total is None else np.asarray(total, dtype=np.float64),
    }


def tally_of(rows: Mapping[str, NDArray[np.generic]]) -> _Tally:
    """The tally of one group's rows (sorted by measure, as a partial's rows are)."""
    measure, count = rows["measure"], rows["count"].astype(np.int64)
    counts = dict.fromkeys(_COUNTS, 0)
    by_channel: dict[str, int] = {}
    durations = {name: np.empty(0) for name in _DURATION_MEASURES}
    wow: tuple[ObjectArray, IntArray] = (np.empty(0, dtype=object), np.empty(0, dtype=np.int64))
    revenue = 0.0
    cuts = np.flatnonzero(measure[1:] != measure[:-1]) + 1
    bounds = [0, *cuts.tolist(), len(measure)]
    for a, b in itertools.pairwise(bounds):
        name = str(measure[a]) if b > a else ""
        if name in counts:
            counts[name] = int(count[a:b].sum())
        elif name == "channel":
            by_channel = dict(zip(rows["label"][a:b].tolist(), count[a:b].tolist()))
        elif name in durations:
            durations[name] = np.repeat(rows["seconds"][a:b].astype(np.float64), count[a:b])
        elif name == "wow":
            wow = (rows["label"][a:b].astype(object), rows["at"][a:b].astype(np.int64))
        elif name == "sql_revenue":
            counts[_REVENUE_KNOWN] = int(count[a:b].sum())
            revenue = float(np.sum(rows["total"][a:b]))
    return _Tally(counts, by_channel, durations, *_wow(*wow), sql_revenue=revenue)


def _wow(ids: ObjectArray, at: IntArray) -> tuple[tuple[str, ...], IntArray]:
    """Delighted tickets in creation order, those created at the same instant by id."""
    order = np.lexsort((ids.astype(str), at)) if len(ids) else np.zeros(0, dtype=np.int64)
    return tuple(str(ticket) for ticket in ids[order].tolist()), at[order]


def combine(tallies: Sequence[_Tally]) -> _Tally:
    """The tally of the tickets of all ``tallies`` (of disjoint groups) together.

    Counts and volumes add, durations join (ascending), wow tickets join in creation
    order, and revenues add (`math.fsum`: the rounded exact sum, in any order).
    """
    if len(tallies) == 1:
        return tallies[0]
    channels: Counter[str] = Counter()
    for tally in tallies:
        channels.update(tally.by_channel)
    empty = np.empty(0)
    durations = {
        name: np.sort(np.concatenate([empty, *(t.durations[name] for t in tallies)]))
        for name in _DURATION_MEASURES
    }
    ids = np.array([ticket for t in tallies for ticket in t.wow_ids], dtype=object)
    at = np.concatenate([np.empty(0, dtype=np.int64), *(t.wow_created for t in tallies)])
    return _Tally(
        counts={name: sum(t.counts[name] for t in tallies) for name in _COUNTS},
        by_channel=dict(channels),
        durations=durations,
        wow_ids=_wow(ids, at)[0],
        wow_created=_wow(ids, at)[1],
        sql_revenue=math.fsum(t.sql_revenue for t in tallies),
    )
