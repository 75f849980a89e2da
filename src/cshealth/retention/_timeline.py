"""Each account's MRR over time, from `RevenueChange` records, as sorted numpy columns.

A `RevenueChange` says "from ``effective_on`` on, the account pays ``mrr`` a month". The
`Timeline` sorts the changes by account and day once; after that the MRR in force on any
day is one binary search per account, and each change knows the level it replaced.
`account_groups` reads ``by=`` into one group per account, and `Timeline.subset` keeps
the accounts of one group.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._grouping import (
    BY_ACCOUNT,
    By,
    Groups,
    check_by,
    column_labels,
    group_codes,
    mapping_labels,
)
from cshealth._types import BoolArray, FloatArray, IdArray, IntArray
from cshealth.io._read import raw_columns, read_columns
from cshealth.models import RevenueChange

__all__ = ["MAX_MRR", "Timeline", "account_groups", "read_timeline"]

#: The largest MRR one change may set: a quadrillion a month is not a plausible amount,
#: and below it every sum over accounts and periods stays finite in a float.
MAX_MRR = 1e15

#: Bits of a non-negative int64: the account key, day and row packed into one must fit.
_WORD_BITS = 63


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

    def subset(self, accounts: IntArray) -> Timeline:
        """The timeline of some accounts alone: their changes, the codes renumbered.

        Args:
            accounts: Account codes, ascending.

        Examples:
            >>> t = read_timeline(
            ...     {
            ...         "account_id": ["A", "B", "A"],
            ...         "effective_on": ["2025-01-01", "2025-02-01", "2025-03-01"],
            ...         "mrr": [100.0, 50.0, 0.0],
            ...     }
            ... )
            >>> a = t.subset(np.flatnonzero(t.account_ids == "A"))
            >>> a.account_ids.tolist(), a.mrr.tolist(), a.rows.tolist(), a.bounds.tolist()
            (['A'], [100.0, 0.0], [0, 2], [0, 2])
        """
        keep = np.zeros(self.n_accounts, dtype=bool)
        keep[accounts] = True
        changes = keep[self.codes]
        lengths = np.diff(self.bounds)[keep]
        return Timeline(
            np.repeat(np.arange(len(lengths)), lengths),
            self.account_ids[keep],
            self.day[changes],
            self.mrr[changes],
            self.before[changes],
            self.paid_before[changes],
            self.rows[changes],
            np.concatenate(([0], np.cumsum(lengths))).astype(np.int64),
        )

    @cached_property
    def _closing(self) -> BoolArray:
        """Per change, whether it is its account's last."""
        closing = np.ones(len(self.codes), dtype=bool)
        closing[:-1] = self.codes[1:] != self.codes[:-1]
        return closing

    def last_change_at(self, day: int) -> IntArray:
        """Per account code, the position of its last change on or before ``day``; -1 if none.

        One pass over the changes: an account's changes on or before ``day`` are a run at
        the start of its block (they are sorted by day), and the run's last one is wanted.
        """
        on = self.day <= day
        tail = on.copy()
        tail[:-1] &= self._closing[:-1] | ~on[1:]
        position = np.full(self.n_accounts, -1, dtype=np.int64)
        position[self.codes[tail]] = np.flatnonzero(tail)
        return position


def read_timeline(changes: object) -> Timeline:
    """Read `RevenueChange` records (or columns) into a `Timeline`.

    Raises:
        InvalidInputError: On a missing column, a bad value (every one listed), an MRR
            above `MAX_MRR` (1e15, not a plausible amount), or two changes of one account
            on one day (which level would be in force?).
    """
    table = read_columns(changes, RevenueChange, need=["account_id", "effective_on", "mrr"])
    ids = table["account_id"]  # whole numbers or text, as given
    day = table["effective_on"].astype(np.int64)
    mrr = np.asarray(table["mrr"], dtype=np.float64)
    _check_plausible(mrr, ids)
    order, sparse, day = _sorted(ids, day)
    mrr = mrr[order]
    same = (sparse[1:] == sparse[:-1]) & (day[1:] == day[:-1])
    if same.any():
        _raise_duplicates(order, np.flatnonzero(same), ids, day)
    first = np.ones(len(sparse), dtype=bool)
    first[1:] = sparse[1:] != sparse[:-1]
    starts = np.flatnonzero(first)
    bounds = np.append(starts, len(sparse))
    lengths = np.diff(bounds)
    codes = np.repeat(np.arange(len(starts)), lengths)
    account_ids = ids[order[starts]]
    before = np.empty_like(mrr)
    before[1:] = mrr[:-1]
    before[starts] = 0.0
    # paid before: some earlier change of the account set a positive level, i.e. more
    # positive levels come before the change than before the account's first change
    positive = mrr > 0
    earlier: IntArray = np.cumsum(positive) - positive
    paid_before = earlier > np.repeat(earlier[starts], lengths)
    return Timeline(codes, account_ids, day, mrr, before, paid_before, order, bounds)


def account_groups(timeline: Timeline, columns: Mapping[str, object], by: By) -> Groups:
    """The group of each account (by code), from ``by``: a mapping, or a column.

    A mapping gives each account id its group. A column gives each change one; every
    change of an account must be in one group.

    Args:
        timeline: The changes, read from ``columns``.
        columns: The changes' columns (the ``by`` column among them).
        by: A column name, or a mapping from account id to group.

    Raises:
        InvalidInputError: When the column is absent, or gives one account two groups;
            on mapping keys that cannot match the ids.

    Examples:
        >>> columns = {
        ...     "account_id": ["A", "A", "B"],
        ...     "effective_on": ["2025-01-01", "2025-02-01", "2025-01-01"],
        ...     "mrr": [10.0, 20.0, 5.0],
        ...     "plan": ["pro", "pro", None],
        ... }
        >>> timeline = read_timeline(columns)
        >>> groups = account_groups(timeline, columns, "plan")
        >>> ids, codes = timeline.account_ids.tolist(), groups.codes.tolist()
        >>> sorted((id_, groups.labels[code]) for id_, code in zip(ids, codes))
        [('A', 'pro'), ('B', '(none)')]
    """
    if not isinstance(by, str):
        return group_codes(mapping_labels(by, timeline.account_ids), BY_ACCOUNT)
    rows = group_codes(column_labels(columns, by, len(timeline.rows), noun="revenue changes"), by)
    per_change = rows.codes[timeline.rows]
    heads = timeline.bounds[:-1]
    split = np.flatnonzero(per_change != np.repeat(per_change[heads], np.diff(timeline.bounds)))
    if len(split):
        at = int(split[0])
        head = int(heads[timeline.codes[at]])
        first, second = int(timeline.rows[head]) + 1, int(timeline.rows[at]) + 1
        msg = (
            f"`by` column {by!r} puts account {timeline.account_ids[timeline.codes[at]]!r} "
            f"in two groups ({rows.labels[per_change[head]]!r} in row {first}, "
            f"{rows.labels[per_change[at]]!r} in row {second}): give all the changes of an "
            "account one group, or pass a mapping from account id to group"
        )
        raise InvalidInputError(msg)
    return Groups(by, per_change[heads], rows.labels, rows.missing[timeline.rows][heads])


def _read(changes: object, by: By | None) -> tuple[Timeline, dict[str, object]]:
    """The timeline of ``changes``; with ``by``, also their columns (read once)."""
    if by is None:
        return read_timeline(changes), {}
    check_by(by)
    columns = raw_columns(changes, RevenueChange)
    return read_timeline(columns), columns


def _sorted(ids: IdArray, day: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """The changes in (account, day) order: ``(order, account keys, days)``, all sorted.

    Accounts get sparse integer keys (whole-number ids shifted, when their range is
    small; hashed slots otherwise: `id_codes` without its sort), so an account's changes
    are one run of equal keys. One int64 holds the key, the day and the row, and
    `numpy.sort` of those (much faster than `numpy.argsort`) is a stable sort by account
    and day; when they do not fit in 63 bits, `numpy.lexsort` sorts instead.
    """
    n = len(day)
    if not n:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    low = int(day.min())
    span = int(day.max()) - low + 1
    sparse: IntArray | None = None
    if ids.dtype.kind == "i":
        smallest, largest = int(ids.min()), int(ids.max())
        if largest - smallest < 8 * n:  # a compact range: the shifted ids are the keys
            sparse = ids.astype(np.int64) - smallest
            accounts = largest - smallest + 1
    if sparse is None:
        slots, size = id_codes(ids, dense=False, present=True)
        # hash slots follow Python's per-process string hashes: key each account by its
        # first row instead, so that the order (and every sum taken in it) is the same in
        # every run
        first = np.full(size, n, dtype=np.int64)
        first[slots[::-1]] = np.arange(n - 1, -1, -1)
        sparse, accounts = first[slots], n
    row_bits = max(n - 1, 1).bit_length()
    if (accounts * span - 1).bit_length() + row_bits <= _WORD_BITS:
        packed = np.sort(((sparse * span + (day - low)) << row_bits) | np.arange(n))
        order = packed & ((1 << row_bits) - 1)
        key = packed >> row_bits
        account = key // span
        return order, account, key - account * span + low
    order = np.lexsort((day, sparse))
    return order, sparse[order], day[order]


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
