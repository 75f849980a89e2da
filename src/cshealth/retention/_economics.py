"""Unit economics of a subscription business: compounding, LTV, CAC payback, quick ratio.

Every function here takes plain numbers (the outputs of the retention kernels, or a
finance team's figures) and checks them: a rate that is not a rate, a negative amount, a
NaN or an infinity is an `InvalidInputError` naming the argument and its value, never a
silent nonsense result. An undefined result (a zero denominator) is ``None`` (spec §0).

Rates are converted between period lengths by compounding, never by multiplying
(spec §3.4): a 2% monthly churn is ``1 - 0.98 ** 12 = 21.53%`` a year, not 24%.
"""

from __future__ import annotations

import math
import numbers
from decimal import Decimal

import numpy as np

from cshealth._exceptions import InvalidInputError

__all__ = [
    "annualize",
    "annualize_retention",
    "cac_payback",
    "deannualize",
    "deannualize_retention",
    "ltv",
    "quick_ratio",
]


def _number(value: object, name: str) -> float:
    """``value`` (a real number or a ``Decimal``) as a finite float, or an error naming it."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, Decimal)):
        msg = f"`{name}` must be a finite number, got {type(value).__name__} {value!r}"
        raise InvalidInputError(msg)
    number = float(value)
    if not math.isfinite(number):
        msg = f"`{name}` must be a finite number, got {value!r}"
        raise InvalidInputError(msg)
    return number


def _share(value: object, name: str) -> float:
    """A churn-type rate: a finite number in ``[0, 1]``."""
    number = _number(value, name)
    if not 0.0 <= number <= 1.0:
        msg = f"`{name}` must be a rate between 0 and 1 (0.02 for 2%), got {value!r}"
        raise InvalidInputError(msg)
    return number


def _non_negative(value: object, name: str) -> float:
    """A magnitude: a finite number ``>= 0``."""
    number = _number(value, name)
    if number < 0.0:
        msg = f"`{name}` must be >= 0 (amounts and movements are magnitudes), got {value!r}"
        raise InvalidInputError(msg)
    return number


def _periods(value: object) -> float:
    """How many periods make the longer one: a finite number ``> 0``."""
    number = _number(value, "periods")
    if number <= 0.0:
        msg = f"`periods` must be > 0 (12 turns monthly into yearly), got {value!r}"
        raise InvalidInputError(msg)
    return number


def _periods_per_year(value: object) -> float:
    """How many windows make a year: a finite number ``> 0``."""
    number = _number(value, "periods_per_year")
    if number <= 0.0:
        msg = f"`periods_per_year` must be a finite number above 0, got {value!r}"
        raise InvalidInputError(msg)
    return number


def _shown(value: float | None) -> str:
    """A rate in a ``repr``: four significant digits, or ``None``."""
    return "None" if value is None else f"{value:.4g}"


def _margin(value: object) -> float:
    """A gross margin in ``(0, 1]``."""
    number = _number(value, "gross_margin")
    if not 0.0 < number <= 1.0:
        msg = f"`gross_margin` must be in (0, 1] (0.8 for 80%), got {value!r}"
        raise InvalidInputError(msg)
    return number


def _power(ratio: float, exponent: float) -> float:
    """``ratio ** exponent``, or an error when it is too large for a float."""
    try:
        return math.pow(ratio, exponent)
    except OverflowError:
        msg = f"`ratio` {ratio!r} compounded {exponent!r} times is too large for a float"
        raise InvalidInputError(msg) from None


def annualize(rate: float, periods: float) -> float:
    """A churn-type rate per period compounded over ``periods``: ``1 - (1 - rate) ** periods``.

    Args:
        rate: The rate per period, in ``[0, 1]`` (a monthly logo churn of 2% is ``0.02``).
        periods: Periods in the longer span, a finite number ``> 0`` (``12`` from months
            to a year, ``52.1775`` from weeks; fractions are fine).

    Returns:
        The rate over the longer span, in ``[0, 1]``.

    Raises:
        InvalidInputError: On a rate outside ``[0, 1]``, ``periods <= 0``, NaN or infinity.

    Notes:
        A customer survives a year when it survives each of the 12 months, so the yearly
        survival is ``(1 - m) ** 12``. Multiplying by 12 overstates churn (and passes 100%
        at a monthly 8.4%). It is computed as ``-expm1(periods * log1p(-rate))``, exact
        also for tiny rates over many periods (``annualize(1e-300, 1e300)`` is
        ``1 - exp(-1)``, where the plain formula gives 0). Test vectors of the spec
        (§3.4): 1% a month is 11.36% a year, 2% is 21.53%, 5% is 45.96%.

    Examples:
        >>> round(annualize(0.02, 12), 4)
        0.2153
        >>> round(annualize(0.05, 12), 4)
        0.4596
    """
    share, span = _share(rate, "rate"), _periods(periods)
    return 1.0 if share == 1.0 else -math.expm1(span * math.log1p(-share))


def deannualize(rate: float, periods: float) -> float:
    """The inverse of `annualize`: the rate per period, ``1 - (1 - rate) ** (1 / periods)``.

    Args:
        rate: The rate over the longer span, in ``[0, 1]``.
        periods: Periods in the longer span, a finite number ``> 0``.

    Returns:
        The rate per period, in ``[0, 1]``.

    Raises:
        InvalidInputError: On a rate outside ``[0, 1]``, ``periods <= 0``, NaN or infinity.

    Examples:
        A 20% yearly churn is 1.84% a month, not 1.67%:

        >>> round(deannualize(0.20, 12), 4)
        0.0184
    """
    share, span = _share(rate, "rate"), _periods(periods)
    return 1.0 if share == 1.0 else -math.expm1(math.log1p(-share) / span)


def annualize_retention(ratio: float, periods: float) -> float:
    """A retention ratio (NRR, GRR) per period compounded over ``periods``: ``ratio ** periods``.

    Args:
        ratio: The ratio per period, a finite number ``>= 0`` (NRR may exceed 1).
        periods: Periods in the longer span, a finite number ``> 0``.

    Returns:
        The ratio over the longer span.

    Raises:
        InvalidInputError: On a negative ratio, ``periods <= 0``, NaN or infinity.

    Examples:
        A monthly NRR of 101% is 112.68% a year:

        >>> round(annualize_retention(1.01, 12), 4)
        1.1268
    """
    return _power(_non_negative(ratio, "ratio"), _periods(periods))


def deannualize_retention(ratio: float, periods: float) -> float:
    """The inverse of `annualize_retention`: ``ratio ** (1 / periods)``.

    Args:
        ratio: The ratio over the longer span, a finite number ``>= 0``.
        periods: Periods in the longer span, a finite number ``> 0``.

    Returns:
        The ratio per period.

    Raises:
        InvalidInputError: On a negative ratio, ``periods <= 0``, NaN or infinity.

    Examples:
        >>> round(deannualize_retention(0.81, 2), 4)
        0.9
    """
    return _power(_non_negative(ratio, "ratio"), 1.0 / _periods(periods))


def ltv(arpa: float, churn_rate: float, *, gross_margin: float = 1.0) -> float | None:
    """Customer lifetime value: ``arpa * gross_margin / churn_rate`` (spec §3.6).

    Args:
        arpa: Average revenue per account per period, ``>= 0`` (MRR over paying customers
            for a monthly figure).
        churn_rate: The logo churn rate per period of the same length, in ``[0, 1]``.
            The units must match: monthly ARPA with monthly churn (or yearly with yearly);
            mixing them is off by a factor of about 12.
        gross_margin: The share of revenue kept after the cost of serving it, in
            ``(0, 1]``; 1 gives the revenue LTV.

    Returns:
        The lifetime value in the currency of ``arpa``, or ``None`` when ``churn_rate``
        is 0 (the expected lifetime ``1 / churn`` is unbounded).

    Raises:
        InvalidInputError: On a negative ``arpa``, a ``churn_rate`` outside ``[0, 1]``, a
            ``gross_margin`` outside ``(0, 1]``, NaN or infinity.

    Notes:
        ``1 / churn_rate`` is the expected lifetime in periods of a customer who churns
        with that probability each period. A churn rate measured on few churn events
        makes the LTV unstable; report it with its sample (`LogoChurn`).

    Examples:
        An ARPA of 500 a month, 80% margin, 2% monthly churn:

        >>> ltv(500.0, 0.02, gross_margin=0.8)  # 500 * 0.8 / 0.02
        20000.0
        >>> ltv(500.0, 0.0) is None
        True
    """
    value = _non_negative(arpa, "arpa")
    churn = _share(churn_rate, "churn_rate")
    margin = _margin(gross_margin)
    return value * margin / churn if churn else None


def cac_payback(cac: float, arpa_new: float, *, gross_margin: float = 1.0) -> float | None:
    """Periods of margin it takes a new customer to pay back its acquisition cost.

    Args:
        cac: Customer acquisition cost (sales and marketing spend over new customers),
            ``>= 0``.
        arpa_new: Revenue per new account per period (monthly gives months), ``>= 0``.
        gross_margin: The share of revenue kept, in ``(0, 1]``.

    Returns:
        ``cac / (arpa_new * gross_margin)`` in periods of ``arpa_new``, or ``None`` when
        ``arpa_new`` is 0 (never paid back).

    Raises:
        InvalidInputError: On a negative amount, a ``gross_margin`` outside ``(0, 1]``,
            NaN or infinity.

    Examples:
        >>> cac_payback(6000.0, 500.0, gross_margin=0.8)  # 6000 / (500 * 0.8)
        15.0
    """
    cost = _non_negative(cac, "cac")
    revenue = _non_negative(arpa_new, "arpa_new")
    margin = _margin(gross_margin)
    return cost / (revenue * margin) if revenue else None


def quick_ratio(
    new: float,
    expansion: float,
    churned: float,
    contraction: float,
    *,
    reactivation: float = 0.0,
    include_reactivation: bool = False,
    allow_inf: bool = False,
) -> float | None:
    """The SaaS quick ratio: MRR gained over MRR lost in one period (spec §3.5).

    Args:
        new: New-business MRR of the period, ``>= 0``.
        expansion: Expansion MRR, ``>= 0``.
        churned: Churned MRR, ``>= 0`` (a magnitude, not a negative movement).
        contraction: Contraction MRR, ``>= 0``.
        reactivation: Reactivation MRR, ``>= 0``; counted only with
            ``include_reactivation``.
        include_reactivation: Add ``reactivation`` to the gains, as some Baremetrics views
            do; label the figure so when you report it.
        allow_inf: With no losses but some gains, return ``math.inf`` instead of ``None``.

    Returns:
        ``(new + expansion [+ reactivation]) / (churned + contraction)``; with no losses,
        ``None`` (or ``math.inf`` when ``allow_inf`` and there are gains); with neither
        gains nor losses, always ``None``.

    Raises:
        InvalidInputError: On a negative movement, NaN or infinity.

    Notes:
        Above 4 is often called strong growth; below 1 the business shrinks.

    Examples:
        >>> quick_ratio(300.0, 100.0, 50.0, 50.0)  # (300 + 100) / (50 + 50)
        4.0
        >>> quick_ratio(300.0, 0.0, 0.0, 0.0) is None, quick_ratio(300.0, 0, 0, 0, allow_inf=True)
        (True, inf)
    """
    gains = [_non_negative(new, "new"), _non_negative(expansion, "expansion")]
    returned = _non_negative(reactivation, "reactivation")
    if include_reactivation:
        gains.append(returned)
    losses = [_non_negative(churned, "churned"), _non_negative(contraction, "contraction")]
    if max(losses) > 0:
        return _ratio_of_sums(gains, losses)
    return math.inf if allow_inf and max(gains) > 0 else None


def _ratio_of_sums(top: list[float], bottom: list[float]) -> float:
    """``sum(top) / sum(bottom)`` (``bottom`` has a positive term) without overflow.

    Each sum is taken in units of its largest term, so huge or tiny amounts neither
    overflow nor vanish; a ratio beyond a float's range is an error, never ``inf``.
    """
    plain = sum(top) / sum(bottom) if sum(bottom) > 0 else math.inf
    if math.isfinite(plain):
        return plain
    top_scale, bottom_scale = max(top), max(bottom)
    shape = sum(x / top_scale for x in top) / sum(x / bottom_scale for x in bottom)
    ratio = shape * (top_scale / bottom_scale)
    if not math.isfinite(ratio):
        msg = (
            f"the ratio of gains {top!r} to losses {bottom!r} is too large for a float; "
            "check the units of the movements"
        )
        raise InvalidInputError(msg)
    return ratio
