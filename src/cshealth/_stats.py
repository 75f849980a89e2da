"""Statistical primitives shared by every metric family.

Every interval cshealth reports is a `ConfidenceInterval`, and every proportion
(CSAT, SLA achievement, one-touch rate, churn rate) gets its interval from
`proportion_interval()`, so one method and one set of edge-case rules serve them all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, Literal, cast, overload

import numpy as np
from numpy.typing import ArrayLike
from typing_extensions import NamedTuple, TypeVar

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, equal, jsonable
from cshealth._types import BoolArray, FloatArray

__all__ = [
    "ConfidenceInterval",
    "ProportionMethod",
    "Rate",
    "check_confidence_level",
    "proportion_interval",
    "wilson_share_interval",
    "z_critical",
]

#: Methods accepted by `proportion_interval()`.
ProportionMethod = Literal["wilson", "wald"]


#: The kind of a bound: one number, or one number per row (a curve, a group, an account).
BoundT = TypeVar("BoundT", bound="float | FloatArray", default=float)


class ConfidenceInterval(NamedTuple, Generic[BoundT]):
    """A two-sided interval estimate, in the units of the statistic it belongs to.

    The bounds are numbers, or arrays of one number per row (a survival curve, a slope per
    account), as scipy's ``confidence_interval()`` gives them. A ``NamedTuple``, so it
    unpacks: ``low, high = result.confidence_interval()``. ``==`` compares values and never
    raises (arrays element by element, NaN equal to NaN).

    Attributes:
        low: Lower bound (a number, or an array).
        high: Upper bound (of the same shape as ``low``).

    Examples:
        >>> ci = ConfidenceInterval(14.14, 20.86)
        >>> low, high = ci
        >>> round(ci.width, 2), ci.contains(17.5)
        (6.72, True)
        >>> import numpy as np
        >>> bands = ConfidenceInterval(np.array([0.1, 0.4]), np.array([0.3, 0.9]))
        >>> bands.width.round(2), bands.contains(np.array([0.2, 0.2]))
        (array([0.2, 0.5]), array([ True, False]))
        >>> bands == ConfidenceInterval(np.array([0.1, 0.4]), np.array([0.3, 0.9]))
        True
    """

    low: BoundT
    high: BoundT

    @property
    def width(self) -> BoundT:
        """``high - low`` (an array when the bounds are)."""
        if isinstance(self.low, np.ndarray) or isinstance(self.high, np.ndarray):
            return cast("BoundT", np.asarray(self.high) - np.asarray(self.low))
        return cast("BoundT", self.high - self.low)

    # mypy refuses a self type on a generic named tuple ("erased type of self") yet
    # resolves calls by it: ConfidenceInterval[float].contains(x) is a bool.
    @overload
    def contains(self: ConfidenceInterval[float], value: float) -> bool: ...  # type: ignore[misc]
    @overload
    def contains(  # type: ignore[misc]
        self: ConfidenceInterval[FloatArray], value: ArrayLike
    ) -> BoolArray: ...
    def contains(self, value: ArrayLike) -> bool | BoolArray:
        """Whether ``value`` lies in the closed interval ``[low, high]`` (row by row for arrays)."""
        if isinstance(self.low, np.ndarray) or isinstance(self.high, np.ndarray):
            values = np.asarray(value, dtype=np.float64)
            inside: BoolArray = (self.low <= values) & (values <= self.high)
            return inside
        return bool(self.low <= cast("float", value) <= self.high)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, tuple):
            return NotImplemented
        return len(other) == len(self) and all(equal(a, b) for a, b in zip(self, other))

    def __ne__(self, other: object) -> bool:
        if not isinstance(other, tuple):
            return NotImplemented
        return not self == other

    def __hash__(self) -> int:
        return tuple.__hash__(self)


@dataclass(frozen=True, eq=False, repr=False)
class Rate(Result):
    """A share of whole counts with its sample size: ``successes / n``.

    Every rate cshealth reports (SLA achievement, one-touch, reopen, abandonment, seat
    utilisation among seats) is a ``Rate``, so its ``n`` is never lost and its interval
    is one call away. A rate of nothing (``n == 0``) is ``None``, never 0.

    Attributes:
        successes: The count in the numerator.
        n: The count in the denominator (trials).
        statistic: ``successes / n``, or ``None`` when ``n == 0``.

    Examples:
        >>> r = Rate(42, 50)
        >>> r
        Rate(0.84, 42 of 50)
        >>> r.confidence_interval()
        ConfidenceInterval(low=0.714..., high=0.916...)
        >>> Rate(0, 0).statistic is None
        True
    """

    successes: int
    n: int

    def __post_init__(self) -> None:
        _check_counts(self.successes, self.n)
        super().__post_init__()

    @property
    def statistic(self) -> float | None:
        """``successes / n``; ``None`` when ``n == 0``."""
        return self.successes / self.n if self.n else None

    def confidence_interval(
        self, confidence_level: float = 0.95, *, method: ProportionMethod = "wilson"
    ) -> ConfidenceInterval | None:
        """Wilson's (or Wald's) interval for the rate; ``None`` when ``n == 0``."""
        if not self.n:
            check_confidence_level(confidence_level)
            return None
        low, high = proportion_interval(
            self.successes, self.n, confidence_level=confidence_level, method=method
        )
        return ConfidenceInterval(float(low), float(high))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: counts, the rate and its 95% Wilson interval (``None`` when ``n == 0``).

        Examples:
            >>> Rate(42, 50).to_dict()
            {'successes': 42, 'n': 50, 'statistic': 0.84,
             'confidence_interval': {'low': 0.714..., 'high': 0.916...}}
            >>> Rate(0, 0).to_dict()["confidence_interval"] is None
            True
        """
        ci = self.confidence_interval()
        return {
            "successes": self.successes,
            "n": self.n,
            "statistic": jsonable(self.statistic),
            "confidence_interval": None if ci is None else jsonable(ci),
        }

    def __repr__(self) -> str:
        shown = "None" if self.statistic is None else f"{self.statistic:.4g}"
        return f"Rate({shown}, {self.successes} of {self.n})"


def check_confidence_level(confidence_level: float) -> float:
    """Return ``confidence_level`` as a float after checking that it lies in ``(0, 1)``.

    Raises:
        InvalidInputError: If the level is not a finite number strictly between 0 and 1.

    Examples:
        >>> check_confidence_level(0.9)
        0.9
    """
    try:
        level = float(confidence_level)
    except (TypeError, ValueError):
        level = math.nan
    if not 0.0 < level < 1.0:  # also rejects NaN
        msg = (
            f"`confidence_level` must be strictly between 0 and 1, got {confidence_level!r}; "
            "pass e.g. 0.95 for a 95% interval"
        )
        raise InvalidInputError(msg)
    return level


def z_critical(confidence_level: float = 0.95) -> float:
    """The two-sided standard normal critical value ``z = Φ⁻¹(1 − α/2)``.

    Args:
        confidence_level: The interval's coverage, strictly between 0 and 1.

    Returns:
        The critical value, e.g. 1.959964 for 0.95.

    Examples:
        >>> round(z_critical(0.95), 6)
        1.959964
    """
    alpha = 1.0 - check_confidence_level(confidence_level)
    from scipy import special  # noqa: PLC0415 - on first use: `import cshealth` stays light

    return float(special.ndtri(1.0 - alpha / 2.0))


def proportion_interval(
    successes: ArrayLike,
    trials: ArrayLike,
    *,
    confidence_level: float = 0.95,
    method: ProportionMethod = "wilson",
) -> tuple[FloatArray, FloatArray]:
    """Confidence intervals for binomial proportions, vectorised over groups.

    Args:
        successes: Counts of successes, whole numbers ``>= 0``.
        trials: Counts of trials, whole numbers ``>= successes`` (broadcast against
            ``successes``).
        confidence_level: Coverage of the interval, strictly between 0 and 1.
        method: ``{'wilson', 'wald'}``. Wilson's score interval (the default) keeps its
            coverage near the nominal level for small samples and proportions near 0 or 1;
            the Wald interval is offered for comparison with tools that use it.

    Returns:
        ``(low, high)`` arrays of proportions in ``[0, 1]``; ``NaN`` where ``trials == 0``
        (a proportion of nothing is undefined, never 0).

    Raises:
        InvalidInputError: On negative or fractional counts, ``successes > trials``, or an
            unknown method.

    Notes:
        With ``p̂ = x/n`` and ``z = Φ⁻¹(1 − α/2)``, Wilson's interval is

        ``(p̂ + z²/2n ± z·sqrt(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)``

        and Wald's is ``p̂ ± z·sqrt(p̂(1 − p̂)/n)`` clipped to ``[0, 1]``.

    Examples:
        Forty-two satisfied customers out of fifty:

        >>> low, high = proportion_interval(42, 50)
        >>> round(float(low), 4), round(float(high), 4)
        (0.7149, 0.9166)
    """
    one_of(method, ProportionMethod, "method")
    x, n = _check_counts(successes, trials)
    z = z_critical(confidence_level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = x / n
        if method == "wilson":
            centre, half = _wilson(p, n, z)
        else:
            centre = p
            half = z * np.sqrt(p * (1.0 - p) / n)
    # At x = 0 and x = n the bounds are exactly 0 and 1; rounding would leave the estimate
    # itself just outside its own interval.
    low = np.where((x == 0) & (n > 0), 0.0, np.clip(centre - half, 0.0, 1.0))
    high = np.where((x == n) & (n > 0), 1.0, np.clip(centre + half, 0.0, 1.0))
    return low, high


def _wilson(p: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    """Centre and half-width of Wilson's score interval for share ``p`` of ``n`` trials."""
    z2n = z * z / n
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z * np.sqrt(p * (1.0 - p) / n + z2n / (4.0 * n)) / (1.0 + z2n)
    return centre, half


def wilson_share_interval(
    share: float, n: float, *, confidence_level: float = 0.95
) -> tuple[float, float]:
    """Wilson's interval for a share seen over ``n`` trials, ``n`` possibly fractional.

    For weighted shares, with Kish's effective sample size as ``n``; the bounds are kept
    around the share itself. Whole counts go through `proportion_interval()`.

    Examples:
        >>> low, high = wilson_share_interval(0.84, 50.0)
        >>> round(low, 4), round(high, 4)
        (0.7149, 0.9166)
    """
    p, trials = np.asarray(share, dtype=np.float64), np.asarray(n, dtype=np.float64)
    centre, half = _wilson(p, trials, z_critical(confidence_level))
    low, high = float(centre - half), float(centre + half)
    return max(0.0, min(low, share)), min(1.0, max(high, share))


def _check_counts(successes: ArrayLike, trials: ArrayLike) -> tuple[FloatArray, FloatArray]:
    x = _as_counts("successes", successes)
    n = _as_counts("trials", trials)
    try:
        x, n = np.broadcast_arrays(x, n)
    except ValueError:
        msg = (
            f"`successes` and `trials` must broadcast to one shape, got shapes {x.shape} "
            f"and {n.shape}"
        )
        raise InvalidInputError(msg) from None
    for name, arr in (("successes", x), ("trials", n)):
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.floor(arr))
        if bad.any():
            msg = f"`{name}` must be whole numbers >= 0, got {float(arr[bad].flat[0])!r}"
            raise InvalidInputError(msg)
    over = x > n
    if over.any():
        msg = (
            "`successes` must not exceed `trials`, got "
            f"{x[over].flat[0]:g} successes of {n[over].flat[0]:g} trials"
        )
        raise InvalidInputError(msg)
    return x, n


def _as_counts(name: str, values: ArrayLike) -> FloatArray:
    try:
        return np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        msg = f"`{name}` must be whole numbers >= 0, got {values!r}"
        raise InvalidInputError(msg) from None
