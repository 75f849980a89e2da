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
count (`cshealth.adoption._active_counts`). Integer identifier columns are used as numbers
(and shown as text), never turned into ten million strings. The result is
`cshealth.adoption._active_result.ActiveUsers`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import NamedTuple, cast

import numpy as np

from cshealth._checks import MAX_WINDOW_DAYS, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, FloatArray, IdArray, ObjectArray
from cshealth._zones import local_days, time_zone
from cshealth.adoption._active_counts import (
    _WEEK,
    _account_positions,
    _account_slots,
    _count,
    _Counts,
    _indices,
    _pairs,
    _qualifies,
    _read,
    _window_rows,
)
from cshealth.adoption._active_result import ActiveUsers
from cshealth.adoption._seats import _listed, _seats, _spread

__all__ = ["active_users"]

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


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
    window = _window(
        events, as_of=as_of, window_days=window_days, timezone=timezone, features=features,
        seats=seats, accounts=accounts,
    )  # fmt: skip
    return _result(window)


class _Window(NamedTuple):
    """The counts of an `active_users` call, with the options the result reports."""

    counts: _Counts
    ids: IdArray  # the accounts reported, ascending
    seats: FloatArray  # their seats (NaN when unknown)
    end: int  # the window's end (microseconds since the epoch, UTC)
    first_day: int  # its first local day (days since 1970-01-01)
    features: tuple[str, ...] | None
    timezone: str


def _window(
    events: object,
    *,
    as_of: AsOf,
    window_days: int,
    timezone: str,
    features: Iterable[str] | None,
    seats: Mapping[object, int | None] | None,
    accounts: object | None,
) -> _Window:
    """The options checked and the events counted, as `active_users` and its partial need.

    Raises:
        InvalidInputError: As `active_users`.
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
    seats_of = _spread(seat_ids, seat_values, ids)
    return _Window(counts, ids, seats_of, end, first_day, wanted, zone)


def _result(window: _Window) -> ActiveUsers:
    """The result of counts: `active_users` and `ActiveUsersPartial.finalize` share it."""
    counts, days = window.counts, window.counts.daily.shape[1]
    mau = counts.mau.astype(np.float64)
    mean_dau = counts.daily.sum(axis=1) / days
    with np.errstate(divide="ignore", invalid="ignore"):  # NaN where nobody / no seats
        dau_mau = np.where(mau > 0, mean_dau / mau, np.nan)
        wau_mau = np.where(mau > 0, counts.wau / mau, np.nan)
        utilisation = np.where(window.seats > 0, mau / window.seats, np.nan)
    return ActiveUsers(
        account_ids=window.ids,
        dau=counts.daily[:, -1].copy(),
        wau=counts.wau,
        mau=counts.mau,
        mean_dau=mean_dau,
        dau_mau=dau_mau,
        wau_mau=wau_mau,
        l28=counts.l28,
        daily=counts.daily,
        seats=window.seats,
        seat_utilisation=utilisation,
        as_of=to_datetime(np.datetime64(window.end, "us")),
        first_day=_date(window.first_day),
        last_day=_date(window.first_day + days - 1),
        window_days=days,
        timezone=window.timezone,
        features=window.features,
    )


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
