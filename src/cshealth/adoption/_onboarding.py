"""Adoption in each account's first days: logins and active days after its start.

The adoption window of an account is ``[start_date, start_date + window_days)``. Usage
records dated inside it (and before ``as_of``) are added up per account. Two rules keep
young and old accounts honest (**DECISION**):

* **Censoring.** A window still running at ``as_of`` is *partial*: it has fewer
  `FirstDays.observed_days` than ``window_days`` and `FirstDays.complete` is false. Its
  totals are not comparable with a full window's; `FirstDays.summary` compares complete
  windows only and counts the partial ones apart.
* **Coverage.** The usage data is taken to cover every account from its earliest record
  (of any account) on, so an account that started after that and has no record in its
  window did not use the product (0 logins, a measured value). Days before the earliest
  record are not observed: a window that starts before it is partial, and one that ends
  before it is left out, like the window of an account that starts on or after ``as_of``.

Records count on their day: with weekly records (``day`` the Monday), the week a record
covers counts when its Monday falls in the window, and `FirstDays.active_days` counts
*records* with active users (weeks, for weekly records), not days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from cshealth._absent import NOT_MEASURED, not_measured
from cshealth._checks import MAX_WINDOW_DAYS, whole_number
from cshealth._measures import MeasureTable
from cshealth._result import AccountResult, Result
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, BoolArray, FloatArray, IdArray, IntArray
from cshealth.adoption._usage import USAGE_IDS, as_of_day, counted, read_usage
from cshealth.io._read import positions_of, read_columns
from cshealth.models import Account

__all__ = ["FirstDays", "FirstDaysSummary", "first_days"]

#: The figures built on an optional usage column; without it they are not measured.
_NEEDS: dict[str, tuple[str, ...]] = {"logins": ("logins",), "logins_per_seat": ("logins",)}


@dataclass(frozen=True, eq=False, repr=False)
class FirstDaysSummary(Result):
    """Median first-days logins of the complete windows, with the partial ones counted.

    Attributes:
        complete: Accounts whose whole window was observed.
        partial: Accounts whose window was observed in part (still running at ``as_of``,
            or starting before the usage data does); not in the medians.
        median_logins: Median logins of the complete windows; ``None`` without any.
        median_active_days: Median active days (records with active users) of the
            complete windows; ``None`` without any.
        not_measured: Figure name to the reason it was not measured: without a
            ``logins`` column, ``median_logins`` is ``None`` ("no `logins` column").

    Examples:
        >>> FirstDaysSummary(complete=40, partial=12, median_logins=310.0, median_active_days=11.0)
        FirstDaysSummary(40 complete, 12 partial; median logins 310, active days 11)
    """

    complete: int
    partial: int
    median_logins: float | None
    median_active_days: float | None
    not_measured: Mapping[str, str] = field(default_factory=dict)

    def __repr__(self) -> str:
        logins = NOT_MEASURED if "median_logins" in self.not_measured else None
        return (
            f"FirstDaysSummary({self.complete} complete, {self.partial} partial; median "
            f"logins {logins or _text(self.median_logins)}, active days "
            f"{_text(self.median_active_days)})"
        )


def _text(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


@dataclass(frozen=True, eq=False, repr=False)
class FirstDays(AccountResult):
    """Logins and active days in each account's first ``window_days`` days.

    Arrays are aligned with `account_ids` (ascending) and read-only. ``len()`` counts the
    accounts, `row` finds one, and `to_pandas` gives one row per account.

    Attributes:
        account_ids: The accounts with at least one observed day of their window.
        start_date: Each account's start (``datetime64[D]``).
        logins: Logins in the observed part of the window; ``None`` when the usage has
            no ``logins`` column (not measured, see `not_measured`).
        active_days: Records with ``active_users > 0`` in it (with weekly records: weeks).
        observed_days: Days of the window that are observed (before ``as_of`` and on or
            after the first usage record), ``1..window_days``.
        complete: Whether all ``window_days`` days are observed; otherwise the totals are
            partial.
        seats: Licensed seats (NaN when unknown).
        logins_per_seat: ``logins / seats``; NaN when seats are unknown or 0; ``None``
            when logins were not measured.
        as_of: The instant the measures are taken at (UTC).
        window_days: The length of the adoption window, in days.
        observed_from: The first day the usage data covers (its earliest record), or
            ``None`` without usage.
        not_measured: Figure name to the reason it was not measured (``logins`` and
            ``logins_per_seat`` without a ``logins`` column: "no `logins` column").

    Examples:
        >>> from datetime import date
        >>> first = first_days(
        ...     {"account_id": ["A"], "day": ["2025-03-03"], "active_users": [2], "logins": [9]},
        ...     {"id": ["A"], "start_date": ["2025-03-03"]},
        ...     as_of=date(2025, 4, 1),
        ...     window_days=30,
        ... )
        >>> first
        FirstDays(first 30 days of 1 account as of 2025-04-01: 0 complete, 1 partial; median
        logins of complete windows -)
        >>> first.observed_days.tolist()
        [29]
    """

    account_ids: IdArray
    start_date: NDArray[np.datetime64]
    logins: IntArray | None
    active_days: IntArray
    observed_days: IntArray
    complete: BoolArray
    seats: FloatArray
    logins_per_seat: FloatArray | None
    as_of: datetime
    window_days: int
    observed_from: np.datetime64 | None
    not_measured: Mapping[str, str] = field(default_factory=dict)

    def summary(self) -> FirstDaysSummary:
        """Medians over the complete windows only, with the partial windows counted.

        Examples:
            >>> from datetime import date
            >>> accounts = {"id": ["A", "B"], "start_date": ["2025-01-06", "2025-05-05"]}
            >>> usage = {
            ...     "account_id": ["A", "B"],
            ...     "day": ["2025-01-06", "2025-05-05"],
            ...     "active_users": [3, 2],
            ...     "logins": [12, 5],
            ... }
            >>> first_days(usage, accounts, as_of=date(2025, 6, 1)).summary()
            FirstDaysSummary(1 complete, 1 partial; median logins 12, active days 1)
        """
        done = self.complete
        absent = {"median_logins": self.not_measured["logins"]} if self.logins is None else {}
        if not done.any():
            return FirstDaysSummary(0, len(self), None, None, absent)
        return FirstDaysSummary(
            complete=int(done.sum()),
            partial=int((~done).sum()),
            median_logins=None if self.logins is None else float(np.median(self.logins[done])),
            median_active_days=float(np.median(self.active_days[done])),
            not_measured=absent,
        )

    def to_measures(self) -> MeasureTable:
        """The per-account measures, as a `MeasureTable` (source ``'adoption'``).

        Columns (for ``window_days=90``): ``first_90d_logins``, ``first_90d_active_days``,
        ``first_90d_observed_days``, ``first_90d_logins_per_seat`` and
        ``first_90d_complete``. Read a partial window's totals with its observed days.
        Figures that were not measured are columns of NaN, listed in
        `MeasureTable.not_measured`.
        """
        prefix = f"first_{self.window_days}d_"
        unknown = np.full(len(self), np.nan)
        return MeasureTable(
            self.account_ids,
            {
                prefix + "logins": unknown if self.logins is None else self.logins,
                prefix + "active_days": self.active_days,
                prefix + "observed_days": self.observed_days,
                prefix + "logins_per_seat": (
                    unknown if self.logins_per_seat is None else self.logins_per_seat
                ),
                prefix + "complete": self.complete,
            },
            as_of=as_instant(self.as_of),
            source="adoption",
            not_measured={prefix + name: why for name, why in self.not_measured.items()},
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: every field (`Result.to_dict`), and the `summary` as ``summary``.

        Figures that were not measured are ``None`` and listed, with their reasons, under
        ``not_measured``.
        """
        return {**super().to_dict(), "summary": self.summary().to_dict()}

    def __repr__(self) -> str:
        s = self.summary()
        logins = NOT_MEASURED if self.logins is None else _text(s.median_logins)
        return (
            f"FirstDays(first {self.window_days} days of {counted(len(self), 'account')} as of "
            f"{self.as_of.date()}: {s.complete} complete, {s.partial} partial; median logins "
            f"of complete windows {logins})"
        )


def first_days(
    usage: object,
    accounts: object,
    *,
    as_of: AsOf,
    window_days: int = 90,
) -> FirstDays:
    """Logins and active days in each account's first ``window_days`` days after its start.

    Args:
        usage: `UsageRecord` records, a `Table`, a mapping of columns or a data frame with
            ``account_id``, ``day``, ``active_users`` and ``logins``; one record per
            account and day. Without a ``logins`` column, the logins figures are not
            measured (``None``, see `FirstDays.not_measured`), never counted as 0.
        accounts: `Account` records, a `Table`, a mapping of columns or a data frame with
            ``id`` and ``start_date`` (``seats`` used when present); one row per account.
        as_of: A date (its start, UTC) or an aware datetime; only days that ended by then
            count.
        window_days: Length of the adoption window ``[start_date, start_date +
            window_days)`` (1 to 36,525).

    Returns:
        The `FirstDays`, one row per account with an observed day of its window (accounts
        starting on or after the day of ``as_of`` are left out).

    Raises:
        InvalidInputError: On bad rows, two usage records of one account on one day, an
            account listed twice, ``window_days < 1`` or a naive ``as_of``.

    Notes:
        With ``d`` the day of ``as_of`` and ``c`` the earliest usage record, an account
        starting on ``s`` has ``observed_days = min(s + L, d) - max(s, c)`` and is
        complete when ``c <= s`` and ``s + L <= d``, with ``L = window_days``. Usage of
        accounts that are not in ``accounts`` is ignored.

    Examples:
        A started on 6 January and its 90 days are over; B started on 5 May and is 27
        days in, so its totals are partial:

        >>> from datetime import date
        >>> accounts = {
        ...     "id": ["A", "B"],
        ...     "start_date": ["2025-01-06", "2025-05-05"],
        ...     "seats": [10, None],
        ... }
        >>> usage = {
        ...     "account_id": ["A", "A", "A", "B"],
        ...     "day": ["2025-01-06", "2025-01-13", "2025-05-05", "2025-05-05"],
        ...     "active_users": [3, 0, 4, 2],
        ...     "logins": [12, 0, 30, 5],
        ... }
        >>> first = first_days(usage, accounts, as_of=date(2025, 6, 1))
        >>> first.logins.tolist(), first.active_days.tolist()  # A's May record is day 119
        ([12, 5], [1, 1])
        >>> first.observed_days.tolist(), first.complete.tolist()
        ([90, 27], [True, False])
        >>> first.logins_per_seat.tolist()
        [1.2, nan]

        Records without a ``logins`` column measure active days, not logins:

        >>> usage.pop("logins")
        [12, 0, 30, 5]
        >>> first = first_days(usage, accounts, as_of=date(2025, 6, 1))
        >>> first.logins is None, first.active_days.tolist(), first.not_measured["logins"]
        (True, [1, 1], 'no `logins` column')
    """
    length = whole_number(window_days, "window_days", low=1, high=MAX_WINDOW_DAYS)
    instant = as_instant(as_of, "as_of")
    end = as_of_day(instant)
    table = read_columns(accounts, Account, need=["id", "start_date"], optional=["seats"])
    data = read_usage(usage, ["active_users", "logins"], end)
    names = table.ids("id")
    start = table.dates("start_date").astype(np.int64)
    coverage = int(data.first.min()) if len(data.first) else end
    observed = np.minimum(start + length, end) - np.maximum(start, coverage)
    listed = np.flatnonzero(observed > 0)
    order = listed[np.argsort(names[listed], kind="stable")]
    ids = names[order]
    start, observed = start[order], observed[order]
    row_of = np.full(table.n_rows + 1, -1, dtype=np.int64)  # the last slot answers -1
    row_of[order] = np.arange(len(order))
    where = positions_of(names, data.ids, keys_name="accounts", values_name=USAGE_IDS)
    owner = row_of[where][data.rows]
    day_of = data.days - np.append(start, end)[owner]  # owner -1 (not listed): past `end`
    inside = (owner >= 0) & (day_of >= 0) & (day_of < length)
    logins = np.bincount(
        owner[inside], weights=data.table.floats("logins")[inside], minlength=len(ids)
    )
    active = data.table.floats("active_users")[inside] > 0
    seats = table.floats("seats")[order] if "seats" in table else np.full(len(ids), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        per_seat = np.where(seats > 0, logins / seats, np.nan)
    absent = not_measured(set(data.table.columns) - data.absent, _NEEDS)
    return FirstDays(
        account_ids=ids,
        start_date=start.astype("datetime64[D]"),
        logins=None if "logins" in absent else logins.astype(np.int64),
        active_days=np.bincount(owner[inside][active], minlength=len(ids)).astype(np.int64),
        observed_days=observed.astype(np.int64),
        complete=(start >= coverage) & (start + length <= end),
        seats=seats.astype(np.float64),
        logins_per_seat=None if "logins_per_seat" in absent else per_seat,
        as_of=to_datetime(instant),
        window_days=length,
        observed_from=np.datetime64(coverage, "D") if len(data.first) else None,
        not_measured=absent,
    )
