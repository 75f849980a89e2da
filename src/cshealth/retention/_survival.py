"""Kaplan–Meier survival curves of customer lifetimes, mergeable.

A churned customer's lifetime is an *event*; a customer still active at ``as_of`` is
*right-censored*: we only know it lasted at least that long. `kaplan_meier` estimates the
survival curve ``S(t)`` (the share of customers still with us ``t`` after their start) with
the product-limit estimator, and `compare_survival` tests whether groups (covered by
customer success or not, one segment or another) share one curve.

Everything is computed from `SurvivalCounts`: per distinct duration, how many subjects had
the event and how many were censored. Counts of disjoint partitions merge exactly
(`SurvivalCounts.merge`), so a Dask or Spark job can count each partition and build the
curve of the whole with `SurvivalCurve.from_counts`.

The numbers agree with ``lifelines.KaplanMeierFitter`` (survival, log-log interval, median
and its interval) and ``scipy.stats.ecdf`` (survival, linear and log-log intervals); the
tests check both to 1e-10.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, cast, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, RowsResult, jsonable
from cshealth._stats import ConfidenceInterval, z_critical
from cshealth._types import AsOf, BoolArray, FloatArray, IntArray
from cshealth.io import Table
from cshealth.io._read import time_durations
from cshealth.retention._accounts import read_account_groups, read_churn_accounts
from cshealth.retention._grouped import By, Grouped
from cshealth.retention._periods import as_day

__all__ = [
    "SURVIVAL_UNITS",
    "BandMethod",
    "Median",
    "SurvivalCounts",
    "SurvivalCurve",
    "SurvivalUnit",
    "kaplan_meier",
    "survival",
    "survival_by",
]

#: Units of the durations `survival` builds from account dates, and of the times
#: `kaplan_meier` gives for durations given as time spans (``time_unit``).
SurvivalUnit = Literal["day", "week", "month"]
SURVIVAL_UNITS: dict[str, float] = {"day": 1.0, "week": 7.0, "month": 365.2425 / 12.0}
#: Interval methods of `SurvivalCurve.confidence_interval`.
BandMethod = Literal["log_log", "linear"]
#: Relative slack of ``S(t) <= 0.5``: a product that is 0.5 in exact arithmetic counts.
_HALF = 0.5 * (1.0 + 1e-12)
_SHOWN = 10
#: The keys of `SurvivalCounts.to_dict`, in order.
_COUNTS_KEYS = ("times", "events", "censored", "n")


@dataclass(frozen=True, eq=False, repr=False)
class SurvivalCounts(RowsResult):
    """The sufficient statistics of a Kaplan–Meier curve: events and censorings per time.

    The mergeable partial form of `SurvivalCurve`: counts of disjoint groups of subjects
    add up exactly (`merge`, ``+``, the built-in ``sum``, `combine`), so partitions
    counted apart give the very curve of the whole. Two counts are ``==`` when their
    times and counts are; ``to_dict`` and `from_dict` carry them through JSON unchanged.
    One row per distinct time: ``len(counts)`` is the number of times (``n`` counts the
    subjects), and ``to_pandas()`` gives the columns ``times``, ``events``, ``censored``.

    Attributes:
        times: Every distinct duration with an event or a censoring, ascending (read-only).
        events: Events (churns) at each time (``int64``, read-only).
        censored: Subjects censored at each time (``int64``, read-only).

    Raises:
        InvalidInputError: If the arrays are not one-dimensional of one length, the times
            are not finite, ``>= 0`` and strictly increasing, or a count is negative, not
            whole, or both counts of a time are 0.

    Examples:
        >>> a = kaplan_meier([3, 5, 5], [True, False, True]).counts
        >>> b = kaplan_meier([1, 5], [True, True]).counts
        >>> ab = a + b
        >>> ab.times.tolist(), ab.events.tolist(), ab.censored.tolist(), ab.n
        ([1.0, 3.0, 5.0], [1, 1, 2], [0, 0, 1], 5)
        >>> ab == a.merge(b) == sum([a, b]) == SurvivalCounts.from_dict(ab.to_dict())
        True
    """

    row_fields = ("times", "events", "censored")

    times: FloatArray
    events: IntArray
    censored: IntArray

    def __post_init__(self) -> None:
        times = _as_1d("times", self.times, np.float64)
        events = _as_1d("events", self.events, np.float64)
        censored = _as_1d("censored", self.censored, np.float64)
        if not len(times) == len(events) == len(censored):
            msg = (
                "`times`, `events` and `censored` must have one length, got "
                f"{len(times)}, {len(events)} and {len(censored)}"
            )
            raise InvalidInputError(msg)
        _check_durations(times, "times")
        if len(times) > 1 and not (np.diff(times) > 0).all():
            row = int(np.flatnonzero(np.diff(times) <= 0)[0]) + 1
            msg = (
                f"`times` must be strictly increasing, got {times[row]!r} after "
                f"{times[row - 1]!r} at position {row}"
            )
            raise InvalidInputError(msg)
        for name, counts in (("events", events), ("censored", censored)):
            bad = ~(counts >= 0) | (counts == np.inf) | (counts != np.floor(counts))
            _report_bad(name, counts, bad, "whole numbers >= 0")
        total = events + censored
        _report_bad("events + censored", total, total == 0, "> 0 at every time")
        object.__setattr__(self, "times", times.copy())
        object.__setattr__(self, "events", events.astype(np.int64))
        object.__setattr__(self, "censored", censored.astype(np.int64))
        super().__post_init__()

    @classmethod
    def _trusted(cls, times: FloatArray, events: IntArray, censored: IntArray) -> SurvivalCounts:
        """Counts built by this module (already valid): no checks, no copies."""
        counts = object.__new__(cls)
        for name, array in (("times", times), ("events", events), ("censored", censored)):
            object.__setattr__(counts, name, array)
        Result.__post_init__(counts)  # read-only, without the checks
        return counts

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SurvivalCounts:
        """Counts from their `to_dict` form (after a JSON round trip too), checked.

        Args:
            data: A mapping with ``times``, ``events`` and ``censored`` (lists of one
                length), and optionally ``n``, which must then be their number of subjects.

        Returns:
            The counts, equal to those ``data`` was made from.

        Raises:
            InvalidInputError: If ``data`` is not a mapping, misses a key or has another
                one, ``n`` disagrees with the counts, or the counts are not valid (as in
                the constructor).

        Examples:
            >>> import json
            >>> counts = kaplan_meier([2, 3, 3], [True, False, True]).counts
            >>> text = json.dumps(counts.to_dict())
            >>> SurvivalCounts.from_dict(json.loads(text)) == counts
            True
        """
        given: object = data  # checked at run time too: JSON may give any value
        if not isinstance(given, Mapping):
            msg = f"`data` must be a mapping such as `counts.to_dict()`, got {type(given).__name__}"
            raise InvalidInputError(msg)
        keys = set(data)
        missing = [key for key in _COUNTS_KEYS[:3] if key not in keys]
        unknown = sorted(str(key) for key in keys - set(_COUNTS_KEYS))
        if missing or unknown:
            msg = (
                f"`data` must have the keys {list(_COUNTS_KEYS[:3])} (and optionally 'n'); "
                f"missing {missing}, unknown {unknown}"
            )
            raise InvalidInputError(msg)
        counts = cls(
            cast("FloatArray", data["times"]),
            cast("IntArray", data["events"]),
            cast("IntArray", data["censored"]),
        )
        n = data.get("n", counts.n)
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or int(n) != counts.n:
            msg = f"`n` must be the number of subjects counted ({counts.n}), got {n!r}"
            raise InvalidInputError(msg)
        return counts

    @property
    def n(self) -> int:
        """Number of subjects."""
        return int(self.events.sum() + self.censored.sum())

    @property
    def at_risk(self) -> IntArray:
        """Subjects at risk just before each time: ``n`` minus those removed earlier."""
        removed = self.events + self.censored
        before: IntArray = self.n - (np.cumsum(removed) - removed)
        return before

    def merge(self, *others: SurvivalCounts) -> SurvivalCounts:
        """The counts of these subjects and those of ``others`` together (exact).

        Args:
            *others: Counts of other, disjoint sets of subjects.

        Returns:
            Counts on the union of the times, the counts at each time added.

        Raises:
            InvalidInputError: If one of ``others`` is not a `SurvivalCounts`.

        Examples:
            >>> a = SurvivalCounts([2.0], [1], [0])
            >>> a.merge(SurvivalCounts([2.0, 4.0], [0, 1], [1, 0])).to_dict()
            {'times': [2.0, 4.0], 'events': [1, 1], 'censored': [1, 0], 'n': 3}
        """
        return SurvivalCounts.combine((self, *others))

    def __add__(self, other: object) -> SurvivalCounts:
        """``a + b`` is ``a.merge(b)``."""
        if not isinstance(other, SurvivalCounts):
            return NotImplemented
        return self.merge(other)

    def __radd__(self, other: object) -> SurvivalCounts:
        """``0 + counts`` is ``counts``: the built-in ``sum`` of counts merges them."""
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    @classmethod
    def combine(cls, parts: Iterable[SurvivalCounts]) -> SurvivalCounts:
        """The counts of all ``parts`` together (exact); no parts give empty counts.

        Args:
            parts: Counts of disjoint sets of subjects (partitions of the data).

        Returns:
            Counts on the union of the times, the counts at each time added.

        Raises:
            InvalidInputError: If a part is not a `SurvivalCounts`.

        Examples:
            >>> parts = [kaplan_meier([1, 2]).counts, kaplan_meier([2, 3]).counts]
            >>> SurvivalCounts.combine(parts).events.tolist()
            [1, 2, 1]
        """
        parts = [_counts_part(part, position) for position, part in enumerate(parts)]
        if len(parts) == 1:
            return parts[0]
        times, inverse = np.unique(
            np.concatenate([p.times for p in parts] or [np.empty(0)]), return_inverse=True
        )
        events = np.concatenate([p.events for p in parts] or [np.empty(0, np.int64)])
        censored = np.concatenate([p.censored for p in parts] or [np.empty(0, np.int64)])
        return cls._trusted(
            times,
            np.bincount(inverse, weights=events, minlength=len(times)).astype(np.int64),
            np.bincount(inverse, weights=censored, minlength=len(times)).astype(np.int64),
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the three columns as lists, and ``n``; `from_dict` reads it back."""
        return {**super().to_dict(), "n": self.n}

    def __repr__(self) -> str:
        return (
            f"SurvivalCounts(n={self.n}, events={int(self.events.sum())}, times={len(self.times)})"
        )


class Median(NamedTuple):
    """The median lifetime and its confidence interval; each ``None`` when not reached.

    Like scipy's estimates with an interval: ``statistic`` is the estimate, ``low`` and
    ``high`` the bounds read off the curve's `ConfidenceInterval` band.

    Attributes:
        statistic: The smallest time ``t`` with ``S(t) <= 0.5``.
        low: The smallest time at which the lower confidence band is ``<= 0.5``.
        high: The smallest time at which the upper confidence band is ``<= 0.5``.
    """

    statistic: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True, eq=False, repr=False)
class SurvivalCurve(RowsResult):
    """A Kaplan–Meier (product-limit) survival curve.

    ``S(t) = Π_{t_j <= t} (1 - d_j / n_j)`` over the event times ``t_j``, with ``d_j`` the
    events at ``t_j`` and ``n_j`` the subjects at risk just before it (subjects censored at
    ``t_j`` are still at risk at ``t_j``). ``S`` is a right-continuous step function, 1
    before the first event. Build it with `kaplan_meier`, `survival`, or from (merged)
    counts: ``SurvivalCurve(counts)`` is ``SurvivalCurve.from_counts(counts)``.

    One row per event time: ``len(curve)`` is the number of event times (``n`` counts
    the subjects), and ``to_pandas()`` gives the columns ``times``, ``survival``,
    ``at_risk`` and ``events``.

    Attributes:
        counts: The events and censorings per time the curve is computed from.
        times: The distinct times with at least one event, ascending (the rows of
            lifelines' event table with ``observed > 0``; censoring-only times do not
            move the curve).
        survival: ``S(t)`` at (just after) each time.
        at_risk: ``n_j``, subjects at risk just before each time.
        events: ``d_j``, events at each time.

    Examples:
        Six customers; churned after 1, 3, 3 and 6 months, two still active at 2 and 5:

        >>> curve = kaplan_meier([1, 2, 3, 3, 5, 6], [1, 0, 1, 1, 0, 1])
        >>> curve.times.tolist(), curve.at_risk.tolist(), curve.events.tolist()
        ([1.0, 3.0, 6.0], [6, 4, 1], [1, 2, 1])
        >>> curve.survival.tolist()  # 5/6, 5/6 * 2/4, then 0
        [0.833..., 0.416..., 0.0]
        >>> curve(2.5), curve.median().statistic
        (0.833..., 3.0)
        >>> curve.to_pandas()
           times  survival  at_risk  events
        0    1.0  0.833333        6       1
        1    3.0  0.416667        4       2
        2    6.0  0.000000        1       1
    """

    row_fields = ("times", "survival", "at_risk", "events")

    counts: SurvivalCounts
    times: FloatArray = field(init=False)
    survival: FloatArray = field(init=False)
    at_risk: IntArray = field(init=False)
    events: IntArray = field(init=False)

    def __post_init__(self) -> None:
        _counts_part(self.counts, None)
        has_event = self.counts.events > 0
        at_risk = self.counts.at_risk[has_event]
        events = self.counts.events[has_event]
        survival = np.cumprod((at_risk - events) / at_risk)
        for name, array in (
            ("times", self.counts.times[has_event]),
            ("survival", survival),
            ("at_risk", at_risk),
            ("events", events),
        ):
            object.__setattr__(self, name, array)
        super().__post_init__()

    @classmethod
    def from_counts(cls, counts: SurvivalCounts) -> SurvivalCurve:
        """The curve of (possibly merged) counts.

        Args:
            counts: Events and censorings per time.

        Returns:
            The Kaplan–Meier curve.

        Raises:
            InvalidInputError: If ``counts`` is not a `SurvivalCounts`.

        Examples:
            >>> parts = [kaplan_meier([2, 4], [1, 0]), kaplan_meier([4, 8])]
            >>> whole = SurvivalCurve.from_counts(parts[0].counts.merge(parts[1].counts))
            >>> whole.survival.tolist()
            [0.75, 0.5, 0.0]
        """
        return cls(counts)

    @property
    def n(self) -> int:
        """Number of subjects."""
        return self.counts.n

    @property
    def n_events(self) -> int:
        """Number of events (churns)."""
        return int(self.events.sum())

    @overload
    def __call__(self, t: float) -> float: ...
    @overload
    def __call__(self, t: NDArray[np.generic] | Sequence[float]) -> FloatArray: ...
    @overload
    def __call__(self, t: ArrayLike) -> float | FloatArray: ...
    def __call__(self, t: ArrayLike) -> float | FloatArray:
        """``S(t)``: the survival just after the last event time ``<= t`` (1 before any).

        Args:
            t: A time or an array of times (any real number; ``inf`` gives the last value).

        Returns:
            A float for a scalar ``t``, else an array of the shape of ``t``.

        Raises:
            InvalidInputError: If ``t`` is not numeric or has NaN.

        Examples:
            >>> curve = kaplan_meier([2, 4])
            >>> curve(1.9), curve([2, 3.5, 4, 10]).tolist()
            (1.0, [0.5, 0.5, 0.0, 0.0])
        """
        try:
            at = np.asarray(t, dtype=np.float64)
        except (TypeError, ValueError):
            msg = f"`t` must be a number or an array of numbers, got {t!r}"
            raise InvalidInputError(msg) from None
        if np.isnan(at).any():
            msg = f"`t` must not be NaN, got {t!r}"
            raise InvalidInputError(msg)
        before = np.searchsorted(self.times, at, side="right")
        values = np.concatenate(([1.0], self.survival))[before]
        return float(values) if values.ndim == 0 else values

    def greenwood(self) -> FloatArray:
        """Greenwood's sum ``Σ_{t_j <= t} d_j / (n_j (n_j - d_j))`` at each time.

        A term with ``n_j == d_j`` (the curve drops to 0) is taken as 0, as lifelines does.
        ``Var S(t) ≈ S(t)² × greenwood``.

        Returns:
            The cumulative sums, aligned with ``times``.

        Examples:
            >>> kaplan_meier([1, 2, 3, 4]).greenwood().tolist()  # 1/12, + 1/6, + 1/2, + 0
            [0.083..., 0.25, 0.75, 0.75]
        """
        n = self.at_risk.astype(np.float64)
        survivors = n - self.events
        safe = np.where(survivors > 0, survivors, 1.0)
        return np.cumsum(np.where(survivors > 0, self.events / (n * safe), 0.0))

    def confidence_interval(
        self, confidence_level: float = 0.95, *, method: BandMethod = "log_log"
    ) -> ConfidenceInterval[FloatArray]:
        """Pointwise confidence bounds of ``S`` at each of ``times``.

        Args:
            confidence_level: Coverage, strictly between 0 and 1.
            method: ``{'log_log', 'linear'}``. ``'log_log'`` (the default, lifelines' only
                choice) is the exponential Greenwood interval and stays inside ``[0, 1]``;
                ``'linear'`` is ``S ± z·S·sqrt(greenwood)`` clipped to ``[0, 1]``
                (``scipy.stats.ecdf``'s default).

        Returns:
            ``ConfidenceInterval(low, high)`` of arrays aligned with ``times``. Where ``S``
            reaches 0 both bounds are 0 (lifelines' convention; scipy gives NaN there).

        Raises:
            InvalidInputError: On an unknown method or a level outside ``(0, 1)``.

        Notes:
            With ``G`` the Greenwood sum and ``v = log S``, the log-log bounds are
            ``exp(-exp(log(-v) ± z·sqrt(G)/|v|))`` (the ``+`` gives the lower bound).

        Examples:
            >>> curve = kaplan_meier([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
            >>> low, high = curve.confidence_interval()
            >>> round(float(low[4]), 4), float(curve.survival[4]), round(float(high[4]), 4)
            (0.1836, 0.5, 0.7532)
        """
        one_of(method, BandMethod, "method")
        z = z_critical(confidence_level)
        s = self.survival
        root = np.sqrt(self.greenwood())
        alive = s > 0
        if method == "linear":
            low = np.clip(s - z * s * root, 0.0, 1.0)
            high = np.clip(s + z * s * root, 0.0, 1.0)
            return ConfidenceInterval(low, high)
        v = np.log(np.where(alive, s, 0.5))
        spread = z * root / -v
        low = np.where(alive, np.exp(-np.exp(np.log(-v) + spread)), 0.0)
        high = np.where(alive, np.exp(-np.exp(np.log(-v) - spread)), 0.0)
        return ConfidenceInterval(low, high)

    def median(self, confidence_level: float = 0.95, *, method: BandMethod = "log_log") -> Median:
        """The median lifetime, with the interval read off the confidence bands.

        Args:
            confidence_level: Coverage of the bands, strictly between 0 and 1.
            method: ``{'log_log', 'linear'}``, the bands' method.

        Returns:
            ``Median(statistic, low, high)``: the smallest time at which ``S`` (resp. the
            lower, the upper band) is ``<= 0.5``; ``None`` where it never is.

        Raises:
            InvalidInputError: On an unknown method or a level outside ``(0, 1)``.

        Notes:
            This is lifelines' ``median_survival_time_`` and
            ``median_survival_times(kmf.confidence_interval_)`` (which report ``inf``
            where cshealth reports ``None``). A survival that is 0.5 in exact arithmetic
            counts as reaching it, whatever the rounding of the product.

        Examples:
            >>> kaplan_meier([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]).median()
            Median(statistic=5.0, low=1.0, high=8.0)
        """
        band = self.confidence_interval(confidence_level, method=method)
        return Median(*(self._first_at_half(values) for values in (self.survival, *band)))

    def _first_at_half(self, values: FloatArray) -> float | None:
        reached = np.flatnonzero(values <= _HALF)
        return float(self.times[reached[0]]) if len(reached) else None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the curve, its 95% log-log band, the median and the counts.

        Keys: ``n``, ``n_events``, the columns ``times``, ``survival``, ``at_risk`` and
        ``events``, ``confidence_interval`` (``{"low": [...], "high": [...]}``, aligned
        with ``times``), ``median`` (``{"statistic": ..., "low": ..., "high": ...}``, as
        `median` gives it) and ``counts`` (`SurvivalCounts.to_dict`).

        Examples:
            >>> data = kaplan_meier([1, 2, 2, 5], [1, 1, 0, 1]).to_dict()
            >>> data["median"], data["confidence_interval"]["low"][0]
            ({'statistic': 2.0, 'low': 1.0, 'high': 5.0}, 0.1279...)
        """
        fields = super().to_dict()
        counts = fields.pop("counts")
        return {
            "n": self.n,
            "n_events": self.n_events,
            **fields,
            "confidence_interval": jsonable(self.confidence_interval()._asdict()),
            "median": jsonable(self.median()._asdict()),
            "counts": counts,
        }

    def __repr__(self) -> str:
        median = self._first_at_half(self.survival)
        shown = "None" if median is None else f"{median:g}"
        return f"SurvivalCurve(n={self.n}, events={self.n_events}, median={shown})"


def kaplan_meier(
    durations: ArrayLike,
    observed: ArrayLike | None = None,
    *,
    time_unit: SurvivalUnit = "day",
) -> SurvivalCurve:
    """The Kaplan–Meier survival curve of right-censored durations.

    Args:
        durations: Time from each subject's start to its event or censoring: finite
            numbers ``>= 0`` in any unit (days, months), or time spans (a
            ``timedelta64`` array, a pandas ``TimedeltaIndex`` or timedelta column, a
            polars ``Duration`` column, a list of ``datetime.timedelta``). Points in
            time (dates, datetimes, ``datetime64``) are refused: they are not durations.
        observed: ``True`` (or 1) where the event (churn) happened, ``False`` (or 0)
            where the subject was right-censored (still active when last seen); ``None``
            means every event was observed.
        time_unit: ``{'day', 'week', 'month'}``: the unit of the curve's times when
            ``durations`` are time spans (days; weeks = 7 days; average months =
            365.2425 / 12 days). Numbers are taken as given.

    Returns:
        The curve (with its mergeable `SurvivalCounts`). No durations give a curve of
        ``n == 0`` without times, whose median is ``None``.

    Raises:
        InvalidInputError: On durations that are NaN, infinite, negative or not numbers,
            ``observed`` values that are not booleans or 0/1, or arrays of different
            lengths (naming the positions and the values).

    Notes:
        The counts come from one sort of the durations (with the event flag packed into
        the sort key), so a million subjects take a few tens of milliseconds.

    Examples:
        Five customers: churned after 2, 5 and 5 months, still active after 3 and 8:

        >>> curve = kaplan_meier([2, 3, 5, 5, 8], [True, False, True, True, False])
        >>> curve.survival.tolist()  # 4/5, then 4/5 * (3 - 2)/3
        [0.8, 0.266...]
        >>> curve
        SurvivalCurve(n=5, events=3, median=5)

        Time spans come back in ``time_unit`` (days by default), here from pandas:

        >>> import pandas as pd
        >>> spans = pd.to_timedelta([7, 14, 21], unit="D")
        >>> kaplan_meier(spans).times.tolist(), kaplan_meier(spans, time_unit="week").times.tolist()
        ([7.0, 14.0, 21.0], [1.0, 2.0, 3.0])
    """
    times = _durations(durations, _unit(time_unit))
    flags = None if observed is None else _observed(observed, len(times))
    return SurvivalCurve(_count(times, flags))


def _count(durations: FloatArray, observed: BoolArray | None) -> SurvivalCounts:
    """Events and censorings per distinct duration, from one sort."""
    n = len(durations)
    if n == 0:
        return SurvivalCounts._trusted(np.empty(0), np.empty(0, np.int64), np.empty(0, np.int64))
    if observed is None:
        ordered = np.sort(durations)
    else:
        # Non-negative floats sort as their bit patterns do: shift in the flag and sort once.
        key = (durations + 0.0).view(np.uint64) << np.uint64(1)  # + 0.0 turns -0.0 into 0.0
        key |= observed.view(np.uint8).astype(np.uint64)
        key.sort()
        ordered = (key >> np.uint64(1)).view(np.float64)
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    sizes = np.diff(starts, append=n)
    if observed is None:
        events = sizes
    else:
        events = np.add.reduceat((key & np.uint64(1)).astype(np.int64), starts)
    return SurvivalCounts._trusted(ordered[starts], events, sizes - events)


def _counts_part(part: object, position: int | None) -> SurvivalCounts:
    if not isinstance(part, SurvivalCounts):
        where = "" if position is None else f" at position {position}"
        msg = (
            f"expected SurvivalCounts, got {type(part).__name__}{where}; "
            "pass `curve.counts` for a SurvivalCurve"
        )
        raise InvalidInputError(msg)
    return part


def _durations(values: ArrayLike, days_per_unit: float) -> FloatArray:
    spans = time_durations(values, "durations", days_per_unit=days_per_unit)
    try:
        durations = spans if spans is not None else np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        msg = f"`durations` must be numbers >= 0, got {_shown(values)}"
        raise InvalidInputError(msg) from None
    if durations.ndim != 1:
        msg = f"`durations` must be one-dimensional, got shape {durations.shape}"
        raise InvalidInputError(msg)
    _check_durations(durations, "durations")
    return durations


def _check_durations(durations: FloatArray, name: str) -> None:
    bad = ~(durations >= 0) | (durations == np.inf)  # NaN fails `>= 0`
    _report_bad(name, durations, bad, "finite numbers >= 0")


def _observed(values: ArrayLike, n: int) -> BoolArray:
    flags = np.asarray(values)
    if flags.ndim != 1 or len(flags) != n:
        msg = (
            f"`observed` must have one value per duration ({n}), got shape {flags.shape}; "
            "pass True where the churn happened and False where the subject is censored"
        )
        raise InvalidInputError(msg)
    if flags.dtype == np.bool_:
        return flags
    if flags.dtype.kind not in "iufO":
        msg = f"`observed` must be booleans or 0/1, got an array of {flags.dtype}"
        raise InvalidInputError(msg)
    try:
        numbers = flags.astype(np.float64)
    except (TypeError, ValueError):
        msg = f"`observed` must be booleans or 0/1, got {_shown(values)}"
        raise InvalidInputError(msg) from None
    _report_bad("observed", numbers, (numbers != 0) & (numbers != 1), "booleans or 0/1")
    flagged: BoolArray = numbers == 1
    return flagged


def _report_bad(name: str, values: NDArray[np.generic], bad: BoolArray, allowed: str) -> None:
    if not bad.any():
        return
    rows = np.flatnonzero(bad)
    shown = rows[:_SHOWN]
    listed = ", ".join(
        f"{value!r} at position {row}" for value, row in zip(values[shown].tolist(), shown.tolist())
    )
    more = f" and {len(rows) - _SHOWN} more" if len(rows) > _SHOWN else ""
    msg = f"`{name}` must be {allowed}; got {len(rows)} bad values: {listed}{more}"
    raise InvalidInputError(msg)


def _as_1d(name: str, values: ArrayLike, dtype: type[np.float64]) -> FloatArray:
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError):
        msg = f"`{name}` must be an array of numbers, got {_shown(values)}"
        raise InvalidInputError(msg) from None
    if array.ndim != 1:
        msg = f"`{name}` must be one-dimensional, got shape {array.shape}"
        raise InvalidInputError(msg)
    return array


def _shown(values: object) -> str:
    text = repr(values)
    return text if len(text) <= 80 else text[:77] + "..."


def survival(
    accounts: object,
    *,
    as_of: AsOf,
    time_unit: SurvivalUnit = "day",
) -> SurvivalCurve:
    """Customer lifetime survival from account start and end dates, as of a date.

    An account that ended on or before the ``as_of`` day (``end_date <= as_of``: it was a
    customer until ``end_date - 1``, a day already past) is an event with duration
    ``end_date - start_date``. Any other account is censored at ``as_of - start_date``
    (an ``end_date`` after ``as_of`` is not known yet as of then). Accounts starting on
    or after the ``as_of`` day are not customers yet and are left out. One curve per
    group: `survival_by`.

    Args:
        accounts: `Account` records, a `Table`, a mapping of columns or a data frame with
            ``start_date`` and ``end_date`` (an empty cell while active).
        as_of: The date the data is seen from (a ``date``, or an instant taken at its
            UTC day: an aware ``datetime``, ``datetime64`` or ISO text).
        time_unit: ``{'day', 'week', 'month'}``: the durations in days, in weeks
            (days / 7) or in average months (days / (365.2425 / 12)).

    Returns:
        The `SurvivalCurve`.

    Raises:
        InvalidInputError: On a naive ``as_of``, an unknown ``time_unit``, missing
            columns (no ``end_date`` column: churn not measured, never read as 100%
            survival), bad dates (every bad row named), or an ``end_date`` before its
            ``start_date``.

    Examples:
        >>> from datetime import date
        >>> accounts = {
        ...     "start_date": [date(2025, 1, 1), date(2025, 1, 1), date(2025, 2, 1)],
        ...     "end_date": [date(2025, 1, 31), None, date(2025, 6, 1)],
        ... }
        >>> curve = survival(accounts, as_of=date(2025, 3, 1))
        >>> curve.counts.to_dict()  # churned at 30 days; censored at 28 and 59 days
        {'times': [28.0, 30.0, 59.0], 'events': [0, 1, 0], 'censored': [1, 0, 1], 'n': 3}
    """
    scale = _unit(time_unit)
    day = as_day(as_of, "as_of")
    table = read_churn_accounts(accounts, ["start_date"], function="survival")
    durations, churned, _ = _lifetimes(table, day, scale)
    return SurvivalCurve(_count(durations, churned))


def survival_by(
    accounts: object,
    by: By,
    *,
    as_of: AsOf,
    time_unit: SurvivalUnit = "day",
) -> Grouped[SurvivalCurve]:
    """One customer lifetime survival curve per group: `survival` by ``by``.

    Each group's curve is the one `survival` gives on that group's accounts alone, so the
    groups' counts merge into the curve of all (`SurvivalCounts.combine`) and the curves
    go straight to `compare_survival`. Only accounts that are customers by ``as_of``
    count: a group whose accounts all start later is not listed.

    Args:
        accounts: `Account` records, a `Table`, a mapping of columns or a data frame with
            ``start_date`` and ``end_date`` (an empty cell while active).
        by: Group the accounts (rows): a column of ``accounts`` (any column, such as
            ``'segment'``, or any field of records), or a mapping from account id to group
            (the ids of the ``id`` column). Accounts without a group are the group
            ``'(none)'``, never dropped.
        as_of: The date the data is seen from, as in `survival`.
        time_unit: ``{'day', 'week', 'month'}``, as in `survival`.

    Returns:
        A `Grouped` of curves by group label, in sorted order of the labels.

    Raises:
        InvalidInputError: As `survival`; and on a ``by`` that is neither a column name
            nor a mapping, a column the data lacks, or a mapping for accounts without an
            ``id`` column.

    Examples:
        >>> from datetime import date
        >>> accounts = {
        ...     "id": ["a", "b", "c", "d"],
        ...     "start_date": ["2025-01-01", "2025-01-01", "2025-02-01", "2025-02-01"],
        ...     "end_date": ["2025-01-31", None, "2025-06-01", None],
        ...     "seats": [5, 50, 5, None],
        ... }
        >>> groups = survival_by(accounts, "seats", as_of=date(2025, 3, 1))
        >>> groups
        Grouped(by='seats', 3 groups of SurvivalCurve: '(none)', '5', '50'; ungrouped=1)
        >>> groups["5"].counts.to_dict()  # a churned at 30 days, c censored at 28
        {'times': [28.0, 30.0], 'events': [0, 1], 'censored': [1, 0], 'n': 2}
        >>> survival_by(accounts, {"a": "cs", "b": "cs"}, as_of=date(2025, 3, 1)).ungrouped
        2
    """
    scale = _unit(time_unit)
    day = as_day(as_of, "as_of")
    table, groups = read_account_groups(accounts, ["start_date"], by, function="survival_by")
    durations, churned, seen = _lifetimes(table, day, scale)
    seen_groups = groups.take(np.flatnonzero(seen))
    return Grouped(
        by=seen_groups.by,
        groups={
            label: SurvivalCurve(_count(durations[rows], churned[rows]))
            for label, rows in seen_groups.members()
        },
        ungrouped=seen_groups.ungrouped,
    )


def _lifetimes(table: Table, day: int, scale: float) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Durations (in units of ``scale`` days) and churn flags of the accounts seen by ``day``.

    Returns:
        ``(durations, churned, seen)``: the first two for the accounts that started
        before ``day``, in row order, and which rows those are.
    """
    start = table["start_date"].astype(np.int64)
    seen = start < day
    start = start[seen]
    ends = table["end_date"][seen]
    churned = ~np.isnat(ends) & (ends.astype(np.int64) <= day)
    stop = np.where(churned, ends.astype(np.int64), day)
    return (stop - start) / scale, churned, seen


def _unit(unit: object) -> float:
    return SURVIVAL_UNITS[cast("str", one_of(unit, SurvivalUnit, "time_unit"))]
