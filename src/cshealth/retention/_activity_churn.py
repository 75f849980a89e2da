"""Activity churn from event logs, for products without subscriptions (spec §3.4).

`activity_churn` asks `logo_churn`'s question of entities (users, accounts) seen only
through their events: an entity is active at an instant ``t`` when it had an event in
``(t - inactive_after, t]``, and the two snapshots are instants. It works on whole columns
with a few comparisons and one `numpy.bincount`, without a Python loop per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import iso
from cshealth._codes import id_codes, missing_ids
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result
from cshealth._stats import ConfidenceInterval, Rate
from cshealth._time import as_instant, to_datetime
from cshealth._types import AsOf, InstantLike, IntArray
from cshealth.io._read import convert_column
from cshealth.models import UsageEvent
from cshealth.retention._economics import _shown
from cshealth.retention._periods import periods_per_year
from cshealth.retention._window_rates import _annualized, _interval

__all__ = ["ActivityChurn", "activity_churn"]

_DAY_US = 86_400_000_000
#: The counts of an `ActivityChurn`: the sums its partial (`ActivityChurnPartial`) merges.
ACTIVITY_COUNTS = ("starting_entities", "ending_entities", "new_entities", "churned_entities")
_ONE_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, eq=False, repr=False)
class ActivityChurn(Result):
    """Activity churn between two snapshot instants, from event times.

    An entity is active at an instant ``t`` when it had an event in
    ``(t - inactive_after, t]``.

    Attributes:
        base_on: The instant the base is taken (UTC).
        compare_on: The instant the base is looked at again (UTC).
        inactive_after: How long without an event makes an entity inactive.
        starting_entities: Entities active at ``base_on`` (the base).
        ending_entities: Entities active at ``compare_on``.
        new_entities: Active at ``compare_on`` but not at ``base_on`` (first seen or
            returned).
        churned_entities: Base entities not active at ``compare_on``. An entity that went
            quiet and came back in between is active at ``compare_on``: not churned.
        rate: ``churned_entities / starting_entities``; ``None`` with no base, 0.0 when
            nobody churned.
        retention_rate: ``1 - rate``; ``None`` with it.
        periods_per_year: How many such windows make a year.

    Examples:
        >>> from datetime import date
        >>> res = activity_churn(
        ...     ["u1", "u2", "u2"],
        ...     ["2025-01-20T10:00Z", "2025-01-25T08:00Z", "2025-02-20T08:00Z"],
        ...     base_on=date(2025, 2, 1),
        ...     compare_on=date(2025, 3, 1),
        ... )
        >>> res
        ActivityChurn(2025-02-01 00:00 UTC to 2025-03-01 00:00 UTC, inactive after 30 days,
                      rate=0.5, 1 churned of 2 starting, 0 new, 1 ending)
    """

    base_on: datetime
    compare_on: datetime
    inactive_after: timedelta
    starting_entities: int
    ending_entities: int
    new_entities: int
    churned_entities: int
    rate: float | None
    retention_rate: float | None
    periods_per_year: float

    def annualized(self, periods_per_year: float | None = None) -> float | None:
        """The rate compounded over a year: ``1 - (1 - rate) ** periods_per_year``.

        Args:
            periods_per_year: Windows per year; by default the window's own
                `periods_per_year`.

        Returns:
            The yearly churn rate, or ``None`` when `rate` is ``None``.

        Raises:
            InvalidInputError: On ``periods_per_year`` that is not a finite number > 0.
        """
        return _annualized(self.rate, periods_per_year, self.periods_per_year)

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval | None:
        """Wilson's interval for `rate`; ``None`` with no base.

        Raises:
            InvalidInputError: On a ``confidence_level`` outside ``(0, 1)``.
        """
        return _interval(Rate(self.churned_entities, self.starting_entities), confidence_level)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: instants as ISO text, ``inactive_after`` in seconds, counts and rates."""
        fields = super().to_dict()
        return {
            "base_on": fields.pop("base_on"),
            "compare_on": fields.pop("compare_on"),
            "inactive_after_seconds": fields.pop("inactive_after"),
            **fields,
            "annualized": self.annualized(),
        }

    def __repr__(self) -> str:
        return (
            f"ActivityChurn({self.base_on:%Y-%m-%d %H:%M} UTC to "
            f"{self.compare_on:%Y-%m-%d %H:%M} UTC, "
            f"inactive after {_duration(self.inactive_after)}, "
            f"rate={_shown(self.rate)}, {self.churned_entities} churned of "
            f"{self.starting_entities} starting, {self.new_entities} new, "
            f"{self.ending_entities} ending)"
        )


def _duration(value: timedelta) -> str:
    """``30 days`` for whole days, else the `timedelta`'s own text (``1 day, 2:00:00``)."""
    if value % timedelta(days=1):
        return str(value)
    return f"{value.days} days"


def _lag(inactive_after: object) -> int:
    """``inactive_after`` in microseconds, checked to be a positive duration."""
    if not isinstance(inactive_after, timedelta) or inactive_after <= timedelta(0):
        msg = (
            "`inactive_after` must be a positive timedelta such as timedelta(days=30), "
            f"got {inactive_after!r}"
        )
        raise InvalidInputError(msg)
    return inactive_after // _ONE_MICROSECOND


class _Column(Protocol):
    """A pandas column: what `_event_times` calls on a timezone-aware one."""

    def to_numpy(self, dtype: str) -> NDArray[np.datetime64]:
        """The values as a numpy array of ``dtype``."""


def _refuse_missing(missing: NDArray[np.bool_], name: str, need: str) -> None:
    if missing.any():
        rows = np.flatnonzero(missing)
        msg = (
            f"`{name}` has {len(rows)} missing values (at positions {rows[:10].tolist()}, "
            f"counted from 0); every event needs {need}"
        )
        raise InvalidInputError(msg)


def _event_times(values: object) -> IntArray:
    """Event instants as microseconds since the epoch (UTC)."""
    if getattr(getattr(values, "dt", None), "tz", None) is not None:
        # a timezone-aware pandas column: its UTC instants, without reading each value
        unit = getattr(getattr(values, "dtype", None), "unit", "ns")  # pandas 2 keeps "us"
        values = cast("_Column", values).to_numpy(dtype=f"datetime64[{unit}]")
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        instants: NDArray[np.datetime64] = values.astype("datetime64[us]", copy=False)
    else:
        try:
            instants = np.asarray(convert_column(values, UsageEvent, "occurred_at"))
        except InvalidInputError as exc:
            errors = tuple(replace(error, field="event_times") for error in exc.errors)
            msg = str(exc.args[0]).replace("`occurred_at`", "`event_times`")
            raise InvalidInputError(msg, errors) from None
    if instants.ndim != 1:
        msg = f"`event_times` must be one-dimensional, got shape {instants.shape}"
        raise InvalidInputError(msg)
    _refuse_missing(np.isnat(instants), "event_times", "an aware datetime")
    return instants.view(np.int64)


def _entity_ids(values: ArrayLike, n: int) -> NDArray[np.generic]:
    """Entity identifiers (text or numbers), checked: one per event, none missing."""
    array = np.asarray(values)
    if array.ndim != 1 or len(array) != n:
        msg = (
            "`entity_ids` must be one-dimensional with one id per event time, got shape "
            f"{array.shape} for {n} event times"
        )
        raise InvalidInputError(msg)
    kind = array.dtype.kind
    if kind in "US":
        array, kind = array.astype(object), "O"
    if kind == "O":
        missing = missing_ids(array)
    elif kind == "f":
        missing = np.isnan(array)
    elif kind in "iub":
        return array
    else:
        msg = f"`entity_ids` must be text or whole numbers, got an array of {array.dtype}"
        raise InvalidInputError(msg)
    _refuse_missing(missing, "entity_ids", "an entity")
    return array


def _instant_periods(first: int, last: int) -> float:
    """Windows per year of ``[first, last]`` in microseconds: calendar rules on whole days."""
    if first % _DAY_US == 0 and last % _DAY_US == 0:
        return periods_per_year(first // _DAY_US, last // _DAY_US)
    return 365.2425 * _DAY_US / (last - first)


def activity_churn(
    entity_ids: ArrayLike,
    event_times: ArrayLike | Sequence[InstantLike],
    *,
    base_on: AsOf,
    compare_on: AsOf,
    inactive_after: timedelta = timedelta(days=30),
    timezone: str = "UTC",
) -> ActivityChurn:
    """Churn of entities (users, accounts) from their event times, without subscriptions.

    Args:
        entity_ids: The entity of each event, text or whole numbers, none missing.
        event_times: When each event happened: a ``datetime64`` array (read as UTC; the
            fast path), or a sequence of aware datetimes or ISO text with an offset
            (a timezone-aware pandas column works too).
        base_on: The instant the base is taken: a date (the start of that day in
            ``timezone``), or an aware datetime, ``datetime64`` (UTC) or ISO text with
            an offset.
        compare_on: The instant the base is looked at again; after ``base_on``.
        inactive_after: How long without an event makes an entity inactive, a positive
            `timedelta` (30 days by default).
        timezone: The IANA zone whose midnight starts a day given as ``base_on`` or
            ``compare_on`` (UTC by default): with ``"Europe/Berlin"``,
            ``compare_on=date(2025, 3, 1)`` is 2025-02-28T23:00Z.

    Returns:
        The `ActivityChurn`: ``churned / starting``, ``None`` with no base.

    Raises:
        InvalidInputError: On a naive datetime, ``base_on`` not before ``compare_on``, a
            non-positive ``inactive_after``, unreadable or missing event times (every bad
            one listed, named ``event_times``), missing entity ids, or columns of
            different lengths.

    Notes:
        Active at ``t``: an event in ``(t - inactive_after, t]``, so an event exactly at
        ``t`` counts and one exactly ``inactive_after`` before does not. With ``A_t`` the
        entities active at ``t``, ``S = base_on`` and ``E = compare_on``:
        ``churned = |A_S - A_E|`` and ``new = |A_E - A_S|``. An entity that lapsed in
        between and came back by ``compare_on`` is in ``A_E``, so it is not churn. Events
        after ``compare_on`` are not read.

    Examples:
        Ana is seen on 10 January and 5 February (still active on 1 March, 24 days
        later); Bo on 20 January only (gone by 1 March); Cy first on 20 February.

        >>> from datetime import date
        >>> res = activity_churn(
        ...     ["ana", "ana", "bo", "cy"],
        ...     [
        ...         "2025-01-10T09:00Z",
        ...         "2025-02-05T09:00Z",
        ...         "2025-01-20T09:00Z",
        ...         "2025-02-20T09:00Z",
        ...     ],
        ...     base_on=date(2025, 2, 1),
        ...     compare_on=date(2025, 3, 1),
        ... )
        >>> res.starting_entities, res.churned_entities, res.new_entities, res.rate
        (2, 1, 1, 0.5)
    """
    window = _activity_window(base_on, compare_on, inactive_after, timezone)
    times = _event_times(event_times)
    counts = _activity_counts(_entity_ids(entity_ids, len(times)), times, window)
    return _activity_result(counts, window, inactive_after)


def _activity_window(
    base_on: object, compare_on: object, inactive_after: object, timezone: str
) -> tuple[int, int, int]:
    """``(first, last, lag)``: the two instants and ``inactive_after``, in microseconds."""
    lag = _lag(inactive_after)
    first = int(as_instant(base_on, "base_on", timezone=timezone).astype(np.int64))
    last = int(as_instant(compare_on, "compare_on", timezone=timezone).astype(np.int64))
    if first >= last:
        msg = (
            "`base_on` must be before `compare_on`, got "
            f"base_on={iso(base_on)} and compare_on={iso(compare_on)}"
        )
        raise InvalidInputError(msg)
    return first, last, lag


def _activity_counts(
    ids: NDArray[np.generic], times: IntArray, window: tuple[int, int, int]
) -> dict[str, int]:
    """The counts of `ActivityChurn` (`ACTIVITY_COUNTS`) of the events ``(ids, times)``."""
    first, last, lag = window
    in_start = (times > first - lag) & (times <= first)
    in_end = (times > last - lag) & (times <= last)
    rows = np.flatnonzero(in_start | in_end)
    codes, k = id_codes(ids[rows], dense=False)
    at_start = np.bincount(codes[in_start[rows]], minlength=k) > 0
    at_end = np.bincount(codes[in_end[rows]], minlength=k) > 0
    return {
        "starting_entities": int(at_start.sum()),
        "ending_entities": int(at_end.sum()),
        "new_entities": int((at_end & ~at_start).sum()),
        "churned_entities": int((at_start & ~at_end).sum()),
    }


def _activity_result(
    counts: Mapping[str, int], window: tuple[int, int, int], inactive_after: timedelta
) -> ActivityChurn:
    """The `ActivityChurn` of its counts: the one finaliser of `activity_churn` and its partial."""
    first, last, _ = window
    starting, churned = counts["starting_entities"], counts["churned_entities"]
    rate = churned / starting if starting else None
    return ActivityChurn(
        base_on=to_datetime(np.datetime64(first, "us")),
        compare_on=to_datetime(np.datetime64(last, "us")),
        inactive_after=inactive_after,
        **{name: counts[name] for name in ACTIVITY_COUNTS},
        rate=rate,
        retention_rate=None if rate is None else 1.0 - rate,
        periods_per_year=_instant_periods(first, last),
    )
