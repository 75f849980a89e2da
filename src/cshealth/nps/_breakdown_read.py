"""Reading a breakdown's responses: the window, each response's group, the unanswered.

`breakdown` and its partial (`cshealth.nps._breakdown_partial`) read ``by`` (a column of
the responses, or a mapping from account id to group) into a label per response, keep the
responses in the window ``[start, end)``, and count the unanswered surveys per label.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import iso, shown
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._grouping import By, check_by, group_codes, mapping_labels
from cshealth._time import as_instant
from cshealth._types import BoolArray, FloatArray, IdArray, IntArray
from cshealth._zones import time_zone
from cshealth.nps._tally import NPSTally, tally_checked, tally_scores

__all__: list[str] = []


def _check_by(by: object) -> None:
    """Refuse labels given one per response (a column is the way), then any other non-`By`."""
    if isinstance(by, (list, tuple, range)) or hasattr(by, "__array__"):
        msg = (
            "`by` must be a column name or a mapping from account id to group, got "
            f"{type(by).__name__} {shown(by)}; to group by one label per response, add the "
            "labels as a column of the responses and name it (by='group')"
        )
        raise InvalidInputError(msg)
    check_by(by)


#: The window ``[start, end)`` as instants (UTC); ``None`` for an open side.
_Bounds = tuple[np.datetime64 | None, np.datetime64 | None]


def _bounds(start: object, end: object, zone: str) -> _Bounds:
    """``start`` and ``end`` as instants, checked: the window is ``[start, end)``."""
    time_zone(zone)  # checked even when no bound is given
    low = None if start is None else as_instant(start, "start", timezone=zone)
    high = None if end is None else as_instant(end, "end", timezone=zone)
    if low is not None and high is not None and high <= low:
        msg = f"`end` ({iso(end)}) must be after `start` ({iso(start)}); the window is [start, end)"
        raise InvalidInputError(msg)
    return low, high


def _window(columns: Mapping[str, NDArray[np.generic]], bounds: _Bounds) -> BoolArray:
    n = len(next(iter(columns.values())))
    keep = np.ones(n, dtype=bool)
    low, high = bounds
    if low is None and high is None:
        return keep
    if "submitted_at" not in columns:
        msg = "`start` and `end` need a `submitted_at` column"
        raise InvalidInputError(msg)
    times = columns["submitted_at"]
    if high is not None:
        keep &= times < high
    if low is not None:
        keep &= times >= low
    return keep


def _labels(columns: Mapping[str, NDArray[np.generic]], by: By) -> IdArray:
    """The group label of each response row (``None`` where it has none)."""
    if isinstance(by, str):
        values = columns.get(by)  # unanswered surveys keep no `score` or `weight` column
        return np.full(len(next(iter(columns.values()))), None) if values is None else values
    if "account_id" not in columns:
        msg = "grouping by an account mapping needs an `account_id` column"
        raise InvalidInputError(msg)
    accounts = columns["account_id"]
    codes, k = id_codes(accounts)
    first = np.full(k, -1, dtype=np.int64)
    np.maximum.at(first, codes[codes >= 0], np.flatnonzero(codes >= 0))
    lookup = np.empty(k + 1, dtype=object)  # one lookup per account, not per response
    lookup[:k] = mapping_labels(by, accounts[first])
    lookup[k] = None  # responses without an account: no group
    return lookup[np.where(codes >= 0, codes, k)]


def _unanswered(
    unanswered: Mapping[str, NDArray[np.generic]], by: By, bounds: _Bounds
) -> tuple[tuple[str, ...], list[int]]:
    """The group labels of the unanswered surveys in the window, and how many of each."""
    if not unanswered:
        return (), []
    keep = _window(unanswered, bounds)
    aside = group_codes(_labels(unanswered, by)[keep], "")
    counts = np.bincount(aside.codes, minlength=len(aside.labels))
    return aside.labels, counts.tolist()


def _tally(scores: IntArray, w: FloatArray | None) -> NPSTally:
    """The tally of scores as `score` counts them (weights checked, of the whole's units)."""
    return tally_scores(scores, None) if w is None else tally_checked(scores, w)
