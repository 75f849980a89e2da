"""Active users, stickiness, the L28 histogram and seat utilisation, from user events.

`active_users` counts, per account, the users with at least one qualifying event on the
local calendar days of a window before ``as_of`` (spec §6):

* ``dau``: distinct users active on the window's last day; ``wau``: on any of its last
  7 days; ``mau``: on any of its days (``window_days``, 28 by default). MAU is not a sum
  of DAU: a user active on ten days counts ten times in the DAUs and once in the MAU.
* ``mean_dau``: the average over the window's days of the daily distinct users.
* stickiness ``dau_mau = mean_dau / mau``. The average DAU, not one day's: the last day
  may be a Sunday or a holiday, and one day's DAU over MAU swings with the weekday. The
  average is also the share of the ``mau x window_days`` user-days that were active,
  so it lies in ``[0, 1]``; ``wau_mau = wau / mau``.
* ``l28``: the power-user curve, ``l28[k - 1]`` users active on exactly ``k`` distinct
  days of the window, ``k = 1..window_days`` (an L7 or L30 for other windows).
* ``seat_utilisation = mau / seats``. Values above 1 are kept, not clipped: more active
  users than licensed seats is a finding (shared logins, an under-licensed account).

Users are counted within their account: a ``user_id`` that appears under two accounts is
two users, one in each. Days are calendar days in ``timezone``, and only complete days
count (see `active_users`).

Everything is done on whole columns, in time linear in the events: the window's rows
are found by two comparisons (by binary search when the events are in time order, as
exported logs usually are); accounts and users get integer codes (integer ids shifted,
text hashed by `id_codes`, never sorted); each (account, user) pair gets a code, without
sorting when every user belongs to one account; a ``window_days x pairs`` grid of flags
marks the days each pair was active; and a few `numpy.bincount` calls over it give every
count. Integer identifier columns are used as numbers (and shown as text), never turned
into ten million strings.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import MAX_WINDOW_DAYS, items, whole_number
from cshealth._codes import id_codes, sorted_positions
from cshealth._exceptions import InvalidInputError
from cshealth._measures import MeasureTable
from cshealth._result import AccountResult
from cshealth._stats import Rate
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, FloatArray, IdArray, IntArray, ObjectArray
from cshealth._zones import local_days, time_zone
from cshealth.io._read import read_columns, same_kind
from cshealth.models import Account, UsageEvent

__all__ = ["ActiveUsers", "active_users"]

Int32Array = NDArray[np.int32]
_Code = TypeVar("_Code", np.int32, np.int64)  # the integer type of a code array

_DAY_US = 86_400_000_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_WEEK = 7
_MEASURES = ("dau", "wau", "mau", "mean_dau", "dau_mau", "wau_mau", "seats", "seat_utilisation")


@dataclass(frozen=True, eq=False, repr=False)
class ActiveUsers(AccountResult):
    """Active users per account over the complete local days before ``as_of``.

    One row per account, sorted by id; every array is aligned with `account_ids` and
    read-only. Ratios are NaN where their denominator is 0 (or ``seats`` unknown).
    ``len()`` counts the accounts, `row` finds one, and `to_pandas` gives the per-account
    columns (all but the per-day arrays `l28` and `daily`).

    Attributes:
        account_ids: The accounts (``object`` array of text, ascending).
        dau: Distinct users active on the window's last day.
        wau: Distinct users active on its last 7 days.
        mau: Distinct users active on any of its days.
        mean_dau: The average over the window's days of the daily distinct users.
        dau_mau: Stickiness, ``mean_dau / mau`` (NaN when ``mau == 0``).
        wau_mau: ``wau / mau`` (NaN when ``mau == 0``).
        l28: ``(accounts, window_days)`` counts: ``l28[a, k - 1]`` users of account ``a``
            active on exactly ``k`` distinct days of the window.
        daily: ``(accounts, window_days)`` distinct users active per day of the window,
            oldest day first (so ``daily[:, -1]`` is `dau`).
        seats: Licensed seats (NaN when unknown).
        seat_utilisation: ``mau / seats`` (NaN when seats are unknown or 0; above 1 when
            more users are active than seats are licensed).
        as_of: The end of the window (UTC): events at or after it are not seen.
        first_day: The window's first local day.
        last_day: The window's last local day (the day before ``as_of``'s local day).
        window_days: Days in the window.
        timezone: The IANA zone whose calendar days are counted.
        features: The features whose events qualify, or ``None`` for every event.

    Examples:
        >>> from datetime import date
        >>> res = active_users(
        ...     {
        ...         "account_id": ["A", "A", "B"],
        ...         "user_id": ["ana", "bo", "cy"],
        ...         "occurred_at": ["2025-12-31T09:00Z", "2025-12-30T09:00Z", "2025-12-01T09:00Z"],
        ...     },
        ...     as_of=date(2026, 1, 1),
        ...     window_days=7,
        ... )
        >>> res  # B's only event is before the window: B is not listed
        ActiveUsers(1 account, 7 days 2025-12-25..2025-12-31 (UTC);
          account_id        dau    wau    mau  dau/mau  seats
          A                   1      2      2     0.14      -)
        >>> res.daily.tolist()  # Bo on the 30th, Ana on the 31st
        [[0, 0, 0, 0, 0, 1, 1]]
    """

    account_ids: IdArray
    dau: IntArray
    wau: IntArray
    mau: IntArray
    mean_dau: FloatArray
    dau_mau: FloatArray
    wau_mau: FloatArray
    l28: IntArray
    daily: IntArray
    seats: FloatArray
    seat_utilisation: FloatArray
    as_of: datetime
    first_day: date
    last_day: date
    window_days: int
    timezone: str
    features: tuple[str, ...] | None

    def histogram(self, account_id: object | None = None) -> tuple[IntArray, FloatArray]:
        """The L28 histogram: users active on exactly ``k`` days, ``k = 1..window_days``.

        Args:
            account_id: One account, or ``None`` for the sum over all accounts.

        Returns:
            ``(counts, shares)``: ``counts[k - 1]`` users active on ``k`` days, and
            ``shares = counts / counts.sum()``; shares are all NaN when no user was
            active (no share of nobody).

        Raises:
            AccountNotFoundError: If the account is not in the result.

        Examples:
            >>> from datetime import date
            >>> res = active_users(
            ...     {
            ...         "account_id": ["A", "A", "A"],
            ...         "user_id": ["ana", "ana", "bo"],
            ...         "occurred_at": [
            ...             "2025-12-30T09:00Z",
            ...             "2025-12-31T09:00Z",
            ...             "2025-12-31T10:00Z",
            ...         ],
            ...     },
            ...     as_of=date(2026, 1, 1),
            ...     window_days=7,
            ... )
            >>> counts, shares = res.histogram("A")  # Bo on 1 day, Ana on 2
            >>> counts.tolist(), shares.round(2).tolist()
            ([1, 1, 0, 0, 0, 0, 0], [0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0])
        """
        counts = self.l28.sum(axis=0) if account_id is None else self.l28[self.row(account_id)]
        total = int(counts.sum())
        shares = counts / total if total else np.full(self.window_days, np.nan)
        return counts.astype(np.int64), shares

    def stickiness(self, account_id: object) -> Rate:
        """One account's stickiness as a `Rate`: active user-days of possible user-days.

        ``mean_dau / mau = Σ_d DAU_d / (window_days · mau)``: of the ``window_days``
        days each of the ``mau`` users could have been active, the share they were.
        Its statistic is ``None`` when ``mau == 0``. Its Wilson interval treats the
        user-days as independent, which they are not (a user's days go together), so
        it understates the uncertainty.

        Raises:
            AccountNotFoundError: If the account is not in the result.

        Examples:
            >>> from datetime import date
            >>> res = active_users(
            ...     {
            ...         "account_id": ["A", "A", "A"],
            ...         "user_id": ["ana", "ana", "bo"],
            ...         "occurred_at": [
            ...             "2025-12-30T09:00Z",
            ...             "2025-12-31T09:00Z",
            ...             "2025-12-31T10:00Z",
            ...         ],
            ...     },
            ...     as_of=date(2026, 1, 1),
            ...     window_days=7,
            ... )
            >>> res.stickiness("A")  # 3 active user-days of 2 users x 7 days
            Rate(0.2143, 3 of 14)
        """
        i = self.row(account_id)
        return Rate(int(self.daily[i].sum()), self.window_days * int(self.mau[i]))

    def to_measures(self) -> MeasureTable:
        """The per-account measures a health score reads, as a `MeasureTable`.

        Columns: ``dau``, ``wau``, ``mau``, ``mean_dau``, ``dau_mau``, ``wau_mau``,
        ``seats`` and ``seat_utilisation`` (``source="adoption"``).

        Examples:
            >>> events = {
            ...     "account_id": ["A", "A", "B"],
            ...     "user_id": ["u1", "u2", "u3"],
            ...     "occurred_at": ["2025-12-31T10:00Z", "2025-12-20T10:00Z", "2025-12-31T11:00Z"],
            ... }
            >>> table = active_users(events, as_of=date(2026, 1, 1)).to_measures()
            >>> table["mau"].tolist(), table["dau"].tolist()
            ([2, 1], [1, 1])
        """
        return MeasureTable(
            self.account_ids,
            {name: getattr(self, name) for name in _MEASURES},
            as_of=as_instant(self.as_of),
            source="adoption",
        )

    def __repr__(self) -> str:
        head = (
            f"ActiveUsers({len(self)} account{'' if len(self) == 1 else 's'}, "
            f"{self.window_days} days "
            f"{self.first_day}..{self.last_day} ({self.timezone})"
        )
        if not len(self):
            return head + ")"
        lines = [
            f"  {'account_id':<14} {'dau':>6} {'wau':>6} {'mau':>6} {'dau/mau':>8} {'seats':>6}"
        ]
        lines.extend(
            f"  {self.account_ids[i]!s:<14} {self.dau[i]:>6} {self.wau[i]:>6} "
            f"{self.mau[i]:>6} {_shown(self.dau_mau[i]):>8} {_shown(self.seats[i], 0):>6}"
            for i in range(min(len(self), 5))
        )
        if len(self) > 5:
            lines.append(f"  ... {len(self) - 5} more")
        return head + ";\n" + "\n".join(lines) + ")"


def active_users(
    events: object,
    *,
    as_of: AsOf,
    window_days: int = 28,
    timezone: str = "UTC",
    features: Iterable[str] | None = None,
    seats: Mapping[object, int | None] | None = None,
    accounts: object | None = None,
) -> ActiveUsers:
    """DAU, WAU, MAU, stickiness, the L28 histogram and seat utilisation per account.

    Args:
        events: ``UsageEvent`` records, a `Table`, a mapping of columns or a data frame
            with ``account_id``, ``user_id`` and ``occurred_at`` (and ``feature`` when
            ``features`` is given). Identifiers may be text or whole numbers.
        as_of: The end of the window. A `date` means the start of that local day in
            ``timezone`` (for UTC exactly what `as_instant` gives); an aware `datetime`
            is that instant, and the window still ends at the start of its local day,
            since only complete days count (a day cut short at 09:00 would understate
            its DAU). Naive datetimes are refused.
        window_days: Days in the window, a whole number ``>= 7`` (WAU needs 7): the
            local days ``d`` with ``as_of_day - window_days <= d < as_of_day``.
        timezone: The IANA zone whose calendar days are counted (``"UTC"``,
            ``"Europe/Berlin"``).
        features: ``None``: every event qualifies. Otherwise the feature names whose
            events qualify (events without a feature then never do).
        seats: Licensed seats per account ``{account_id: seats}`` (whole numbers
            ``>= 0``, ``None`` when unknown). When given, it is used alone; otherwise
            the ``seats`` of ``accounts``, if any.
        accounts: The accounts to report: account ids, or ``Account`` records, a
            `Table`, mapping of columns or data frame with ``id`` (and ``seats``).
            Exactly these are listed, with zeros for those without events (they exist
            and nobody used them); events of other accounts are ignored. By default
            every account with an event (qualifying or not) in the window.

    Returns:
        The `ActiveUsers`, accounts sorted by id.

    Raises:
        InvalidInputError: On a naive or malformed ``as_of``, a ``window_days`` that
            is not a whole number ``>= 7``, an unknown zone, ``features`` that are not
            names (or given for events without a ``feature`` column), bad seats,
            duplicate accounts, or events with missing columns or bad values.

    Notes:
        With ``A_d`` the set of users of an account active on local day ``d`` and
        ``D`` the window's days: ``DAU = |A_last|``, ``WAU = |∪ A_d|`` over the last 7
        days, ``MAU = |∪_D A_d|``, ``mean_dau = Σ_D |A_d| / |D|``, and
        ``l28[k - 1] = |{u : |{d : u ∈ A_d}| = k}|``. Hence ``Σ_k l28 = MAU`` and
        ``Σ_k k · l28[k - 1] = Σ_D |A_d|``.

    Examples:
        Two users at account A over the 28 days to 2025-12-31: Ana on three days, one of
        them the last; Bo on one day, five days before the end.

        >>> from datetime import date
        >>> events = {
        ...     "account_id": ["A", "A", "A", "A", "A"],
        ...     "user_id": ["ana", "ana", "ana", "ana", "bo"],
        ...     "occurred_at": [
        ...         "2025-12-05T09:00Z",
        ...         "2025-12-20T09:00Z",
        ...         "2025-12-31T09:00Z",
        ...         "2025-12-31T17:00Z",  # the same day again: counts once
        ...         "2025-12-27T09:00Z",
        ...     ],
        ... }
        >>> res = active_users(events, as_of=date(2026, 1, 1), seats={"A": 5})
        >>> res.dau.tolist(), res.wau.tolist(), res.mau.tolist()
        ([1], [2], [2])
        >>> res.mean_dau.round(4).tolist(), res.dau_mau.round(4).tolist()  # 4 user-days / 28
        ([0.1429], [0.0714])
        >>> res.histogram("A")[0][:3].tolist()  # Bo on 1 day, Ana on 3
        [1, 0, 1]
        >>> res.seat_utilisation.tolist()
        [0.4]
        >>> res.stickiness("A")
        Rate(0.07143, 4 of 56)
    """
    days = _window_days(window_days)
    zone = time_zone(timezone).key
    wanted = _features(features)
    end, end_day = _end(as_of, zone)
    first_day = end_day - days
    listed = _listed(accounts)
    seat_ids, seat_values = _seats(seats) if seats is not None else (listed[0], listed[1])
    read = _read(events, with_feature=wanted is not None)
    rows, day = _window_rows(read.times, end=end, first_day=first_day, end_day=end_day, zone=zone)
    slot, slots = _account_slots(read.accounts[rows])
    position, ids = _account_positions(slots, None if accounts is None else listed[0])
    keep = None if accounts is None else position[slot] >= 0
    if wanted is not None:
        qualifies = _qualifies(cast("ObjectArray", read.features)[rows], wanted)
        keep = qualifies if keep is None else keep & qualifies
    if keep is not None:
        rows = _indices(rows)[keep]
        slot, day = slot[keep], day[keep]
    pair, pair_slot = _pairs(read.users[rows], slot)
    pair_account = np.where(pair_slot >= 0, position[pair_slot], -1)
    counts = _count(pair, pair_account, day, accounts=len(ids), days=days)
    return _result(
        counts,
        ids,
        _spread(seat_ids, seat_values, ids),
        as_of=to_datetime(np.datetime64(end, "us")),
        first_day=first_day,
        features=wanted,
        timezone=zone,
    )


@dataclass(frozen=True)
class _Events:
    accounts: NDArray[np.generic]  # int64 or object text
    users: NDArray[np.generic]
    times: IntArray  # microseconds since the epoch, UTC
    features: ObjectArray | None


@dataclass(frozen=True)
class _Counts:
    mau: IntArray
    wau: IntArray
    daily: IntArray
    l28: IntArray


def _read(events: object, *, with_feature: bool) -> _Events:
    """The event columns, read by the identifier rule (whole-number ids stay numbers)."""
    table = read_columns(
        events,
        UsageEvent,
        need=["account_id", "user_id", "occurred_at"],
        optional=["feature"] if with_feature else [],
    )
    if with_feature and "feature" not in table:
        msg = "`features` filters on the events' `feature` column, which they do not have"
        raise InvalidInputError(msg)
    return _Events(
        table["account_id"],
        table["user_id"],
        table["occurred_at"].view(np.int64),
        cast("ObjectArray", table["feature"]) if with_feature else None,
    )


def _window_rows(
    times: IntArray, *, end: int, first_day: int, end_day: int, zone: str
) -> tuple[IntArray | slice, IntArray]:
    """Rows before ``end`` on local days ``first_day..end_day - 1``; their day in the window.

    Events in time order (as logs are usually exported) are found by binary search: the
    rows are then one slice, and nothing is gathered.
    """
    days = end_day - first_day
    in_order = _in_order(times)
    if zone == "UTC":  # days are UTC days: the window is one span of instants
        low, high = first_day * _DAY_US, min(end, end_day * _DAY_US)
        if in_order:
            starts = low + np.arange(days + 1) * _DAY_US
            starts[-1] = high
            bounds = np.searchsorted(times, starts)
            span = slice(int(bounds[0]), int(bounds[-1]))
            return span, np.repeat(np.arange(days), np.diff(bounds))
        picked = np.flatnonzero((times >= low) & (times < high))
        return picked, (times[picked] - low) // _DAY_US
    low = (first_day - 2) * _DAY_US  # no zone is a whole day ahead of UTC
    if in_order:
        lo, hi = (int(i) for i in np.searchsorted(times, [low, end]))
        day = local_days(times[lo:hi].view("datetime64[us]"), zone) - first_day
        if (day[1:] >= day[:-1]).all():  # local days in order too (some zones step back)
            a, b = (int(i) for i in np.searchsorted(day, [0, days]))
            return slice(lo + a, lo + b), day[a:b]
        inside = (day >= 0) & (day < days)
        return lo + np.flatnonzero(inside), day[inside]
    rows = np.flatnonzero((times >= low) & (times < end))
    day = local_days(times[rows].view("datetime64[us]"), zone) - first_day
    inside = (day >= 0) & (day < days)
    return rows[inside], day[inside]


def _indices(rows: IntArray | slice) -> IntArray:
    if isinstance(rows, slice):
        return np.arange(rows.start, rows.stop)
    return rows


def _in_order(times: IntArray) -> bool:
    """Whether ``times`` never decrease (checked a block at a time: shuffled data stops early)."""
    block = 1 << 20
    for start in range(0, len(times), block):
        chunk = times[max(start - 1, 0) : start + block]
        if not (chunk[1:] >= chunk[:-1]).all():
            return False
    return True


@dataclass(frozen=True)
class _Slots:
    """Account codes: ``slots`` codes, of which ``used`` are some row's, with their ids."""

    slots: int
    used: IntArray
    ids: IdArray  # the id of each used code (whole numbers or text)


def _account_slots(values: NDArray[np.generic]) -> tuple[Int32Array, _Slots]:
    """A code per row's account, and the codes' account ids (as given).

    Integer ids in a compact range are their own codes (shifted); others are hashed.
    Some codes may be unused. The codes are ``int32`` (half the memory traffic of the
    per-user account lookups in `_pairs`).
    """
    shifted = _shifted(values, np.int32)
    if shifted is not None:
        codes, span, low = shifted
        used = np.flatnonzero(np.bincount(codes, minlength=span))
        return codes, _Slots(span, used, (used + low).astype(np.int64))
    hashed, slots = id_codes(values, dense=False, present=True)  # required ids, read by io
    first = np.full(slots, -1, dtype=np.int64)  # a row of each code (any will do)
    first[hashed] = np.arange(len(hashed))
    used = np.flatnonzero(first >= 0)
    return hashed.astype(np.int32), _Slots(slots, used, values[first[used]])


def _shifted(
    values: NDArray[np.generic], dtype: type[_Code]
) -> tuple[NDArray[_Code], int, int] | None:
    """Integer ids in a compact range as codes ``id - low``: ``(codes, span, low)``."""
    if values.dtype.kind != "i" or not len(values):
        return None
    low = int(values.min())
    span = int(values.max()) - low + 1
    if span > 4 * len(values):
        return None
    codes = np.subtract(values, low, out=np.empty(len(values), dtype=dtype), casting="unsafe")
    return codes, span, low


def _account_positions(slots: _Slots, listed: IdArray | None) -> tuple[IntArray, IdArray]:
    """Each code's row in the result (``-1``: unused or not listed), and the ids reported."""
    position = np.full(slots.slots, -1, dtype=np.int64)
    if listed is None:
        order = np.argsort(slots.ids, kind="stable")
        position[slots.used[order]] = np.arange(len(order))
        return position, slots.ids[order]
    same_kind(("`accounts`", listed), ("the events' `account_id`", slots.ids))
    position[slots.used] = sorted_positions(listed, slots.ids)
    return position, listed


def _qualifies(features: ObjectArray, wanted: tuple[str, ...]) -> NDArray[np.bool_]:
    """Rows whose feature is one of ``wanted`` (a test per distinct feature, not per row)."""
    codes, slots = id_codes(features, dense=False)
    present = codes >= 0
    first = np.full(slots, -1, dtype=np.int64)
    first[codes[present]] = np.flatnonzero(present)
    good = np.zeros(slots + 1, dtype=bool)  # the last slot answers code -1 (no feature)
    allowed = set(wanted)
    for slot in np.flatnonzero(first >= 0).tolist():
        good[slot] = features[first[slot]] in allowed
    return cast("NDArray[np.bool_]", good[codes])


def _pairs(users: NDArray[np.generic], account: Int32Array) -> tuple[IntArray, IntArray]:
    """A code per (account, user) pair, and each code's account (``-1``: unused code).

    A user found under one account only is its own pair (no sorting); only the rows of
    users found under several accounts are sorted, to number their other pairs.
    """
    shifted = _shifted(users, np.int64)
    user, slots = shifted[:2] if shifted is not None else id_codes(users, dense=False, present=True)
    if slots > len(user):  # hashed slots, mostly unused: number the codes densely
        used = np.zeros(slots, dtype=bool)
        used[user] = True
        number = np.cumsum(used) - 1
        user, slots = number[user], int(number[-1]) + 1
    owner = np.full(slots, -1, dtype=np.int32)
    owner[user] = account
    shared = np.flatnonzero(owner[user] != account)
    if not len(shared):
        return user, owner.astype(np.int64)
    key = account[shared].astype(np.int64) * slots + user[shared]
    unique, inverse = np.unique(key, return_inverse=True)
    pair = user.copy()
    pair[shared] = slots + inverse.reshape(-1)
    return pair, np.concatenate([owner, unique // slots])


def _count(
    pair: IntArray, pair_account: IntArray, day: IntArray, *, accounts: int, days: int
) -> _Counts:
    """Every count from the distinct (day, pair) cells.

    The cells are numbered day-major (``day * n_pairs + pair``), so each day's cells are
    one run of the sorted cell numbers. Usually they are marked in a ``days x n_pairs``
    grid of flags (no sorting); a grid much larger than the data is replaced by sorting
    the cell numbers.
    """
    n_pairs = len(pair_account)
    key = day * n_pairs + pair
    if n_pairs * days <= max(16 * len(pair), 1 << 20):  # else sorting the keys is cheaper
        seen = np.zeros(n_pairs * days, dtype=bool)
        seen[key] = True
        grid = seen.reshape(days, n_pairs)
        cells = np.flatnonzero(seen)
        wide = np.uint16 if days < 1 << 16 else np.int64  # a narrow sum is much faster
        active_days = np.add.reduce(grid.view(np.uint8), axis=0, dtype=wide).astype(np.int64)
        recent = grid[days - _WEEK :].any(axis=0)
    else:
        key = np.sort(key)
        cells = key[np.concatenate([[True], key[1:] != key[:-1]])] if len(key) else key
        active_days = np.bincount(cells % n_pairs, minlength=n_pairs)
        recent = np.zeros(n_pairs, dtype=bool)
        recent[cells[cells >= (days - _WEEK) * n_pairs] % n_pairs] = True
    bounds = np.searchsorted(cells, np.arange(days + 1) * n_pairs).tolist()
    daily = np.empty((accounts, days), dtype=np.int64)
    for d in range(days):  # the distinct pairs active on day d, by account
        on_day = cells[bounds[d] : bounds[d + 1]] - d * n_pairs
        daily[:, d] = np.bincount(pair_account[on_day], minlength=accounts)
    used = pair_account >= 0
    l28 = np.bincount(pair_account[used] * days + active_days[used] - 1, minlength=accounts * days)
    return _Counts(
        mau=np.bincount(pair_account[used], minlength=accounts).astype(np.int64, copy=False),
        wau=np.bincount(pair_account[recent], minlength=accounts).astype(np.int64, copy=False),
        daily=daily,
        l28=l28.reshape(accounts, days).astype(np.int64, copy=False),
    )


def _result(
    counts: _Counts,
    ids: IdArray,
    seats: FloatArray,
    *,
    as_of: datetime,
    first_day: int,
    features: tuple[str, ...] | None,
    timezone: str,
) -> ActiveUsers:
    days = counts.daily.shape[1]
    mau = counts.mau.astype(np.float64)
    mean_dau = counts.daily.sum(axis=1) / days
    with np.errstate(divide="ignore", invalid="ignore"):  # NaN where nobody / no seats
        dau_mau = np.where(mau > 0, mean_dau / mau, np.nan)
        wau_mau = np.where(mau > 0, counts.wau / mau, np.nan)
        utilisation = np.where(seats > 0, mau / seats, np.nan)
    return ActiveUsers(
        account_ids=ids,
        dau=counts.daily[:, -1].copy(),
        wau=counts.wau,
        mau=counts.mau,
        mean_dau=mean_dau,
        dau_mau=dau_mau,
        wau_mau=wau_mau,
        l28=counts.l28,
        daily=counts.daily,
        seats=seats,
        seat_utilisation=utilisation,
        as_of=as_of,
        first_day=_date(first_day),
        last_day=_date(first_day + days - 1),
        window_days=days,
        timezone=timezone,
        features=features,
    )


def _listed(accounts: object) -> tuple[IdArray, FloatArray]:
    """The accounts to report (sorted ids) and their seats (NaN when unknown)."""
    if accounts is None:
        return np.empty(0, dtype=object), np.empty(0)
    if isinstance(accounts, (str, bytes)):
        msg = (
            f"`accounts` must be several account ids or Account records, got the text {accounts!r}"
        )
        raise InvalidInputError(msg)
    source = accounts
    if not isinstance(accounts, Mapping) and not hasattr(accounts, "columns"):
        listed = items(accounts, "accounts", "account ids or Account records")
        records = bool(listed) and all(isinstance(item, Account) for item in listed)
        source = listed if records else {"id": listed}
    table = read_columns(source, Account, need=["id"], optional=["seats"])
    ids = table["id"]
    seats = table["seats"] if "seats" in table else np.full(table.n_rows, np.nan)
    return _sorted_unique(ids, cast("FloatArray", seats), "accounts")


def _seats(seats: object) -> tuple[IdArray, FloatArray]:
    if not isinstance(seats, Mapping):
        msg = f"`seats` must be a mapping {{account_id: seats}}, got {type(seats).__name__}"
        raise InvalidInputError(msg)
    keys, values = list(seats.keys()), list(seats.values())
    table = read_columns({"id": keys, "seats": values}, Account, need=["id", "seats"])
    return _sorted_unique(table["id"], cast("FloatArray", table["seats"]), "seats")


def _sorted_unique(ids: IdArray, values: FloatArray, name: str) -> tuple[IdArray, FloatArray]:
    order = np.argsort(ids, kind="stable")
    ids, values = ids[order], values[order]
    twice = ids[1:][ids[1:] == ids[:-1]]
    if len(twice):
        msg = f"`{name}` lists account {twice[0]!r} more than once; one entry per account"
        raise InvalidInputError(msg)
    return ids, values


def _spread(ids: IdArray, values: FloatArray, to: IdArray, name: str = "seats") -> FloatArray:
    """The values of ``ids`` lined up with ``to`` (NaN where absent).

    Raises:
        InvalidInputError: If ``ids`` (the keys of argument ``name``) and ``to`` are of
            different kinds (whole numbers against text), so that none could match.
    """
    same_kind((f"`{name}`", ids), ("the data's account ids", to))
    where = sorted_positions(ids, to)
    out = np.full(len(to), np.nan)
    out[where >= 0] = values[where[where >= 0]]
    return out


def _end(as_of: object, zone: str) -> tuple[int, int]:
    """The window's end instant (microseconds, UTC) and the local day it belongs to.

    A date is the start of that day in ``zone``; an instant in any form (an aware
    ``datetime``, ISO text with an offset, a ``datetime64`` with a time) is itself.
    """
    instant = as_instant(as_of, "as_of", timezone=zone)  # refuses naive datetimes
    return int(instant.astype(np.int64)), int(local_days(np.array([instant]), zone)[0])


def _window_days(value: object) -> int:
    if isinstance(value, (int, np.integer)) and value < _WEEK:
        msg = (
            f"`window_days` must be a whole number of days >= {_WEEK} (WAU needs a week), "
            f"got {value!r}"
        )
        raise InvalidInputError(msg)
    return whole_number(value, "window_days", low=_WEEK, high=MAX_WINDOW_DAYS)


def _features(features: object) -> tuple[str, ...] | None:
    if features is None:
        return None
    if isinstance(features, str) or not isinstance(features, Iterable):
        msg = (
            "`features` must be several feature names (a list or set, e.g. ['reports']) "
            f"or None; got {features!r}"
        )
        raise InvalidInputError(msg)
    names = tuple(features)
    bad = [name for name in names if not isinstance(name, str)]
    if bad:
        msg = f"`features` must be feature names (text), got {bad[0]!r}"
        raise InvalidInputError(msg)
    return tuple(sorted(set(cast("tuple[str, ...]", names))))


def _date(day: int) -> date:
    return date.fromordinal(_EPOCH_ORDINAL + day)


def _shown(value: float, digits: int = 2) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"
