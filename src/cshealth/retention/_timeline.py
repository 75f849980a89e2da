"""Each account's MRR over time, from `RevenueChange` records, as sorted numpy columns.

A `RevenueChange` says "from ``effective_on`` on, the account pays ``mrr`` a month". The
`Timeline` sorts the changes by account and day once; after that the MRR in force on any
day is one binary search per account, and each change knows the level it replaced.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._types import BoolArray, FloatArray, IdArray, IntArray
from cshealth.io._read import read_columns
from cshealth.models import RevenueChange

__all__ = ["MAX_MRR", "Timeline", "read_timeline"]

#: The largest MRR one change may set: a quadrillion a month is not a plausible amount,
#: and below it every sum over accounts and periods stays finite in a float.
MAX_MRR = 1e15


@dataclass(frozen=True)
class Timeline:
    """Revenue changes sorted by account, then day.

    Attributes:
        codes: Per change, the account's code ``0..k-1`` (codes are not in id order).
        account_ids: Per code, the account id (codes are not in id order: sort when
            showing them).
        day: Per change, ``effective_on`` as days since 1970-01-01.
        mrr: Per change, the level from that day on.
        before: Per change, the level it replaced (0 for an account's first change).
        paid_before: Per change, whether the account had paid (MRR > 0) before it.
        rows: Per change, its row in the input.
        bounds: ``k + 1`` offsets: account ``c``'s changes are ``bounds[c]:bounds[c + 1]``.
    """

    codes: IntArray
    account_ids: IdArray
    day: IntArray
    mrr: FloatArray
    before: FloatArray
    paid_before: BoolArray
    rows: IntArray
    bounds: IntArray

    @property
    def n_accounts(self) -> int:
        """How many accounts have at least one change."""
        return len(self.account_ids)

    @property
    def first_paid_day(self) -> IntArray:
        """Per account code, the first day its MRR was above 0; -1 if it never paid."""
        first = np.full(self.n_accounts, -1, dtype=np.int64)
        starts = (self.mrr > 0) & ~self.paid_before
        first[self.codes[starts]] = self.day[starts]
        return first

    def levels_at(self, day: int) -> FloatArray:
        """Per account code, the MRR in force on ``day`` (0 before its first change).

        Examples:
            >>> from datetime import date
            >>> t = read_timeline(
            ...     {
            ...         "account_id": ["A", "A", "B"],
            ...         "effective_on": ["2025-01-01", "2025-03-01", "2025-02-01"],
            ...         "mrr": [100.0, 0.0, 50.0],
            ...     }
            ... )
            >>> feb = date(2025, 2, 1).toordinal() - date(1970, 1, 1).toordinal()
            >>> sorted(zip(t.account_ids.tolist(), t.levels_at(feb).tolist()))
            [('A', 100.0), ('B', 50.0)]
        """
        last = self.last_change_at(day)
        return np.where(last >= 0, self.mrr[np.maximum(last, 0)], 0.0)

    @cached_property
    def _keys(self) -> tuple[IntArray, int, int]:
        """One sorted int64 key per change, ``code * span + day offset``, built once.

        The changes are sorted by (code, day), so one search per account finds its last
        change on or before a day.
        """
        low = int(self.day.min())
        span = int(self.day.max()) - low + 2
        return self.codes * span + (self.day - low + 1), low, span

    def last_change_at(self, day: int) -> IntArray:
        """Per account code, the position of its last change on or before ``day``; -1 if none."""
        if not len(self.day):
            return np.empty(0, dtype=np.int64)
        keys, low, span = self._keys
        query = min(max(day - low + 1, 0), span - 1)
        position = np.searchsorted(keys, np.arange(self.n_accounts) * span + query, side="right")
        position -= 1
        return np.where(position >= self.bounds[:-1], position, -1)


def read_timeline(changes: object) -> Timeline:
    """Read `RevenueChange` records (or columns) into a `Timeline`.

    Raises:
        InvalidInputError: On a missing column, a bad value (every one listed), an MRR
            above `MAX_MRR` (1e15, not a plausible amount), or two changes of one account
            on one day (which level would be in force?).
    """
    table = read_columns(changes, RevenueChange, need=["account_id", "effective_on", "mrr"])
    ids = table["account_id"]  # whole numbers or text, as given
    # sparse codes (no sort of the ids); the one sort below groups them, then they are
    # renumbered densely in that order
    sparse, _ = id_codes(ids, dense=False)
    day = table["effective_on"].astype(np.int64)
    mrr = np.asarray(table["mrr"], dtype=np.float64)
    _check_plausible(mrr, ids)
    low = int(day.min()) if len(day) else 0
    span = int(day.max()) - low + 1 if len(day) else 1
    # one int64 key: (account, day) pairs are unique once duplicates are ruled out
    order = np.argsort(sparse * span + (day - low))
    sparse, day, mrr = sparse[order], day[order], mrr[order]
    same = (sparse[1:] == sparse[:-1]) & (day[1:] == day[:-1])
    if same.any():
        _raise_duplicates(order, np.flatnonzero(same), ids, day)
    first = np.ones(len(sparse), dtype=bool)
    first[1:] = sparse[1:] != sparse[:-1]
    codes = np.cumsum(first) - 1
    account_ids = ids[order[first]]
    before = np.empty_like(mrr)
    before[1:] = mrr[:-1]
    before[first] = 0.0
    # paid before: some earlier change of the account set a positive level
    paid = np.cumsum(mrr > 0)
    paid_start = np.maximum.accumulate(np.where(first, np.arange(len(codes)), 0))
    base = np.where(paid_start > 0, paid[paid_start - 1], 0)
    paid_before = np.zeros(len(codes), dtype=bool)
    paid_before[1:] = paid[:-1] > base[1:]
    paid_before[first] = False
    bounds = np.append(np.flatnonzero(first), len(codes))
    return Timeline(codes, account_ids, day, mrr, before, paid_before, order, bounds)


def _raise_duplicates(order: IntArray, pairs: IntArray, ids: IdArray, day: IntArray) -> None:
    errors = []
    for i in pairs.tolist():
        first, second = sorted((int(order[i]), int(order[i + 1])))
        on = str(np.datetime64(int(day[i]), "D"))
        message = (
            f"account {ids[second]!r} has two changes on {on} (rows {first + 1} and "
            f"{second + 1}); give one MRR level per account and day"
        )
        errors.append(RecordError(second + 1, None, ids[second], message, "duplicate_key"))
    errors.sort(key=lambda error: error.row)
    msg = f"{len(errors)} of the revenue changes repeat an account and day"
    raise InvalidInputError(msg, tuple(errors))


def _check_plausible(mrr: FloatArray, ids: IdArray) -> None:
    """Refuse MRR above `MAX_MRR`, naming the first such row."""
    high = mrr > MAX_MRR
    if high.any():
        row = int(np.flatnonzero(high)[0])
        msg = (
            f"`mrr` of account {ids[row]!r} (row {row + 1}) is {float(mrr[row]):g}; an MRR "
            f"above {MAX_MRR:g} is not a plausible amount ({int(high.sum())} such rows): "
            "check the currency unit (cents?) and the column"
        )
        raise InvalidInputError(msg)
