"""The partial of `active_users`: each account's active-user counts, mergeable.

`active_users_partial` counts one partition of the events exactly as `active_users` does
and keeps each account's counts as rows (MAU, WAU, the distinct users of each day, the L28
histogram, the seats); `ActiveUsersPartial.finalize` reads any merge of them back into the
counts and builds the `ActiveUsers` with the very function `active_users` uses.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import sorted_positions
from cshealth._exceptions import InvalidInputError
from cshealth._partial import Partial, PartialKey, Requires
from cshealth._result import jsonable
from cshealth._types import AsOf, FloatArray, IdArray, IntArray
from cshealth.adoption._active import _result, _Window, _window
from cshealth.adoption._active_counts import _Counts
from cshealth.adoption._active_result import ActiveUsers
from cshealth.adoption._seats import _listed, _seats

__all__ = ["ActiveUsersPartial", "active_users_partial"]

_EPOCH = date(1970, 1, 1)
_MEASURES = frozenset({"mau", "wau", "daily", "l28", "seats"})


@dataclass(frozen=True, eq=False, repr=False)
class ActiveUsersPartial(Partial):
    """The partial of `active_users`: each account's counts, one row per count.

    Rows are ``(account_id, measure, value) -> count``:

    * ``mau``: the account's MAU (``value`` 0). Every account `active_users` reports
      has this row, with count 0 when nobody qualified: it lists the account;
    * ``wau``: its WAU (``value`` 0);
    * ``daily``: ``value`` a day of the window (days since 1970-01-01), ``count`` the
      distinct users active on it (the DAU of that day);
    * ``l28``: ``value`` a number of days ``k``, ``count`` the users active on exactly
      ``k`` days of the window;
    * ``seats``: ``value`` the account's licensed seats, ``count`` 0 (a row only when
      the seats are known). The number is in the key column, so merging keeps one row.

    Zero counts are left out but for ``mau`` and ``seats``. The key holds ``as_of``
    (the window's end, UTC) and the window's first day, ``window_days``, ``timezone``,
    ``features`` (``''`` for every event) and hashes of the ``seats`` and ``accounts``
    arguments.

    Requires all events of an account in one partition (``requires`` is
    ``'account_id'``): a user's days are counted once within the account, so a user
    active in two partitions of one account would count twice in its MAU, WAU and L28,
    and twice on a day both partitions saw. With every account in one partition, merging
    only places accounts side by side, and `finalize` gives exactly `active_users` of all
    the events. `active_users` reports every account with an event in the window; the
    partial lists them the same way, so partitions need no list of accounts (with
    ``accounts``, every partition lists all of them, with zeros where it has no events).

    Examples:
        >>> from datetime import date
        >>> from cshealth.adoption import active_users, active_users_partial
        >>> events = {
        ...     "account_id": ["A", "A", "B"],
        ...     "user_id": ["ana", "bo", "cy"],
        ...     "occurred_at": ["2025-12-31T09:00Z", "2025-12-30T09:00Z", "2025-12-20T09:00Z"],
        ... }
        >>> a_rows = {name: values[:2] for name, values in events.items()}  # account A
        >>> b_rows = {name: values[2:] for name, values in events.items()}  # account B
        >>> a = active_users_partial(a_rows, as_of=date(2026, 1, 1), part="A")
        >>> b = active_users_partial(b_rows, as_of=date(2026, 1, 1), part="B")
        >>> merged = a + b
        >>> merged.requires
        'account_id'
        >>> merged.finalize() == active_users(events, as_of=date(2026, 1, 1))
        True
        >>> merged.finalize().mau.tolist()
        [2, 1]
    """

    KIND: ClassVar[str] = "active_users"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        ("account_id", "object"),
        ("measure", "object"),
        ("value", "int64"),
    )
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("count",)
    REQUIRES: ClassVar[Requires] = "account_id"

    def finalize(self) -> ActiveUsers:
        """The `ActiveUsers` of all the events merged in.

        Raises:
            InvalidInputError: On rows the partial cannot hold: a measure it does not
                know, a day outside the window, an account without its ``mau`` row,
                two seat counts for one account, or ids of two kinds.

        Examples:
            >>> from datetime import date
            >>> events = {
            ...     "account_id": [7],
            ...     "user_id": [1],
            ...     "occurred_at": ["2025-12-31T09:00Z"],
            ... }
            >>> p = active_users_partial(events, as_of=date(2026, 1, 1), seats={7: 4})
            >>> p.finalize().seat_utilisation.tolist()
            [0.25]
        """
        return _result(_window_of(self.key, self.columns))


def active_users_partial(
    events: object,
    *,
    as_of: AsOf,
    window_days: int = 28,
    timezone: str = "UTC",
    features: Iterable[str] | None = None,
    seats: Mapping[object, int | None] | None = None,
    accounts: object | None = None,
    part: str | None = None,
) -> ActiveUsersPartial:
    """The partial of `active_users` over one partition of the events.

    Takes the options of `active_users`, reads and counts the events as it does (same
    checks, same errors), and keeps each account's counts (`ActiveUsersPartial`). Exact
    when every account's events are in one partition (``requires``).

    Args:
        events: One partition of the events, in any form `active_users` reads.
        as_of: As `active_users`.
        window_days: As `active_users`.
        timezone: As `active_users`.
        features: As `active_users`.
        seats: As `active_users`.
        accounts: As `active_users`.
        part: The partition's name, so that merging it twice is refused; ``None``
            leaves it unnamed.

    Returns:
        The `ActiveUsersPartial` (no rows for a partition without events in the window,
        unless ``accounts`` lists accounts).

    Raises:
        InvalidInputError: As `active_users`, and on a ``part`` that is not text.

    Examples:
        >>> from datetime import date
        >>> events = {
        ...     "account_id": ["A", "A", "A"],
        ...     "user_id": ["ana", "ana", "bo"],
        ...     "occurred_at": ["2025-12-30T09:00Z", "2025-12-31T09:00Z", "2025-12-31T10:00Z"],
        ... }
        >>> p = active_users_partial(events, as_of=date(2026, 1, 1), window_days=7)
        >>> p.to_pandas()
          account_id measure  value  count
        0          A   daily  20452      1
        1          A   daily  20453      2
        2          A     l28      1      1
        3          A     l28      2      1
        4          A     mau      0      2
        5          A     wau      0      2
    """
    parts = _parts(part)
    window = _window(
        events, as_of=as_of, window_days=window_days, timezone=timezone, features=features,
        seats=seats, accounts=accounts,
    )  # fmt: skip
    listed = _listed(accounts)
    seat_ids, seat_values = _seats(seats) if seats is not None else listed
    key = PartialKey.of(
        ActiveUsersPartial.KIND,
        as_of=jsonable(np.datetime64(window.end, "us")),
        first_day=_day(window.first_day).isoformat(),
        window_days=window.counts.daily.shape[1],
        timezone=window.timezone,
        features="" if window.features is None else json.dumps(list(window.features)),
        seats=_hash(seat_ids, seat_values) if seats is not None or accounts is not None else "",
        accounts="" if accounts is None else _hash(listed[0]),
    )
    return ActiveUsersPartial(key, _rows(window), parts)


def _parts(part: object) -> tuple[str, ...]:
    if part is None:
        return ()
    if not isinstance(part, str):
        msg = f"`part` names the partition: text or None, got {part!r}"
        raise InvalidInputError(msg)
    return (part,)


def _hash(ids: IdArray, values: FloatArray | None = None) -> str:
    """16 hex digits of the SHA-256 of sorted ids (and their values): an argument's digest."""
    digest = hashlib.sha256(ids.dtype.kind.encode())
    if ids.dtype.kind == "O":
        digest.update("\x1f".join(str(value) for value in ids.tolist()).encode())
    else:
        digest.update(ids.astype(np.int64).tobytes())
    if values is not None:
        digest.update(np.where(np.isnan(values), -1.0, values).astype(np.float64).tobytes())
    return digest.hexdigest()[:16]


def _rows(window: _Window) -> dict[str, NDArray[np.generic]]:
    """The rows of every reported account's counts."""
    counts, ids = window.counts, np.asarray(window.ids, dtype=object)
    known = np.flatnonzero(~np.isnan(window.seats))
    wau = np.flatnonzero(counts.wau)
    account, day = np.nonzero(counts.daily)
    holder, k = np.nonzero(counts.l28)
    blocks = [
        ("mau", np.arange(len(ids)), np.zeros(len(ids), np.int64), counts.mau),
        ("wau", wau, np.zeros(len(wau), np.int64), counts.wau[wau]),
        ("daily", account, window.first_day + day, counts.daily[account, day]),
        ("l28", holder, k + 1, counts.l28[holder, k]),
        ("seats", known, window.seats[known].astype(np.int64), np.zeros(len(known), np.int64)),
    ]
    return {
        "account_id": np.concatenate([ids[at] for _, at, _, _ in blocks]),
        "measure": np.concatenate(
            [np.full(len(at), name, dtype=object) for name, at, _, _ in blocks]
        ),
        "value": np.concatenate([value for _, _, value, _ in blocks]).astype(np.int64),
        "count": np.concatenate([n for _, _, _, n in blocks]).astype(np.int64),
    }


def _window_of(key: PartialKey, columns: Mapping[str, NDArray[np.generic]]) -> _Window:
    """The counts of `active_users` from a partial's rows."""
    measure, value = columns["measure"], columns["value"].astype(np.int64)
    count = columns["count"].astype(np.int64)
    unknown = sorted(set(measure.tolist()) - _MEASURES, key=str)
    if unknown:
        msg = f"an active_users partial has no measure {unknown[0]!r}; known: {sorted(_MEASURES)}"
        raise InvalidInputError(msg)
    ids = _ids(columns["account_id"][measure == "mau"])
    at = sorted_positions(ids, _ids(columns["account_id"], ordered=False))
    if (at < 0).any():
        msg = f"account {columns['account_id'][np.argmax(at < 0)]!r} has rows but no `mau` row"
        raise InvalidInputError(msg)
    days = int(key.option("window_days"))
    first_day = (date.fromisoformat(key.option("first_day")) - _EPOCH).days
    where = {name: np.flatnonzero(measure == name) for name in _MEASURES}
    shape = (len(ids), days)
    daily = _grid(
        at[where["daily"]], value[where["daily"]] - first_day, count[where["daily"]], shape
    )
    l28 = _grid(at[where["l28"]], value[where["l28"]] - 1, count[where["l28"]], shape)
    seats = np.full(len(ids), np.nan)
    if len(np.unique(at[where["seats"]])) < len(where["seats"]):
        msg = "an account of the partial has two seat counts (partials of other seats merged?)"
        raise InvalidInputError(msg)
    seats[at[where["seats"]]] = value[where["seats"]]
    mau, wau = (np.bincount(at[where[n]], count[where[n]], len(ids)) for n in ("mau", "wau"))
    features = key.option("features")
    return _Window(
        _Counts(mau.astype(np.int64), wau.astype(np.int64), daily, l28),
        ids,
        seats,
        end=int(np.datetime64(key.option("as_of").rstrip("Z"), "us").astype(np.int64)),
        first_day=first_day,
        features=None if not features else tuple(json.loads(features)),
        timezone=key.option("timezone"),
    )


def _grid(rows: IntArray, columns: IntArray, counts: IntArray, shape: tuple[int, int]) -> IntArray:
    """Counts placed in an ``accounts x days`` grid; refused outside it."""
    if ((columns < 0) | (columns >= shape[1])).any():
        msg = f"an active_users partial has a day or day count outside its {shape[1]}-day window"
        raise InvalidInputError(msg)
    grid = np.zeros(shape, dtype=np.int64)
    np.add.at(grid, (rows, columns), counts)
    return grid


def _ids(values: NDArray[np.generic], *, ordered: bool = True) -> IdArray:
    """Account ids as `active_users` gives them: whole numbers as ``int64``, text as text."""
    whole = [isinstance(value, (int, np.integer)) for value in values.tolist()]
    if all(whole) and len(values):
        ids: IdArray = np.array(values.tolist(), dtype=np.int64)
    elif not any(whole):
        ids = np.asarray(values, dtype=object)
    else:
        msg = "an active_users partial holds account ids of two kinds: whole numbers and text"
        raise InvalidInputError(msg)
    return np.sort(ids, kind="stable") if ordered else ids


def _day(day: int) -> date:
    return date.fromordinal(_EPOCH.toordinal() + day)
