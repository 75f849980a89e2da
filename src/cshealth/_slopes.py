"""Theil–Sen slopes and Kendall's tau tests of many short series at once.

Each row of ``y`` is one account's weekly totals against the week index ``0..W-1``
(NaN where a week is not observed), or any series against column positions ``x`` (days
of unevenly spaced score snapshots). The slope, its confidence interval, Kendall's tau-b
and its p-value come from one array of pairwise differences, in blocks of rows, and
agree with `scipy.stats.theilslopes` and `scipy.stats.kendalltau` (exact test for short
untied series, normal approximation with tie correction otherwise).
"""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray, IntArray

__all__ = ["SlopeFit", "theil_kendall"]

#: Kendall's exact null distribution is used up to this many points (as in SciPy).
_EXACT_KENDALL_N = 33
#: Cells of the ``(accounts, weeks, weeks)`` block the slope kernel works on at once.
_BLOCK_CELLS = 2_000_000


class SlopeFit(NamedTuple):
    """Per row of weekly totals: Theil–Sen slope and interval, Kendall's tau and p-value."""

    slope: FloatArray
    low: FloatArray
    high: FloatArray
    tau: FloatArray
    pvalue: FloatArray


def theil_kendall(
    y: FloatArray, confidence_level: float, *, x: FloatArray | None = None
) -> SlopeFit:
    """Theil–Sen slopes and Kendall tests of each row of ``y`` against ``0..W-1`` (or ``x``).

    NaN entries are left out (the row's other points are used, at their positions).

    Args:
        y: ``(rows, W)`` values, NaN where a column is not observed.
        confidence_level: Coverage of the slope's interval, strictly between 0 and 1.
        x: The positions of the ``W`` columns (days, say), strictly increasing; slopes
            are then per unit of ``x``. ``None`` means ``0..W-1``. Kendall's tau and its
            p-value depend only on the order of the columns, so only the slopes change.

    Returns:
        The `SlopeFit` of every row.

    Raises:
        InvalidInputError: If ``x`` is not ``W`` finite, strictly increasing positions.

    Examples:
        >>> fit = theil_kendall(np.array([[1.0, 2.0, 4.0, 3.0, 5.0]]), 0.95)
        >>> float(fit.slope[0]), float(fit.tau[0]), round(float(fit.pvalue[0]), 4)
        (1.0, 0.8, 0.0833)

        Unevenly spaced columns, at days 0, 1, 3, 7 and 8:

        >>> days = np.array([0.0, 1.0, 3.0, 7.0, 8.0])
        >>> fit = theil_kendall(np.array([[0.0, 2.0, 6.0, 14.0, 16.0]]), 0.95, x=days)
        >>> float(fit.slope[0]), float(fit.tau[0])
        (2.0, 1.0)
    """
    from scipy import stats  # noqa: PLC0415

    n_rows, width = y.shape
    positions = _positions(x, width)
    parts = [np.full(n_rows, np.nan) for _ in range(5)]
    z = float(stats.norm.ppf((1.0 - confidence_level) / 2.0))
    left, right = np.triu_indices(width, k=1)
    step = positions[right] - positions[left]
    block = max(1, _BLOCK_CELLS // max(width * width, 1))
    for start in range(0, n_rows, block):
        stop = min(start + block, n_rows)
        fitted = _fit_block(y[start:stop], left, right, step, z)
        for part, values in zip(parts, fitted):
            part[start:stop] = values
    return SlopeFit(*parts)


def _positions(x: FloatArray | None, width: int) -> FloatArray:
    """The column positions: ``0..W-1``, or ``x`` checked to be ``W`` increasing numbers."""
    if x is None:
        return np.arange(width, dtype=np.float64)
    positions = np.asarray(x, dtype=np.float64)
    if positions.shape != (width,):
        msg = f"`x` must hold one position per column ({width}), got shape {positions.shape}"
        raise InvalidInputError(msg)
    if not np.isfinite(positions).all() or (np.diff(positions) <= 0).any():
        msg = f"`x` must be finite and strictly increasing, got {positions.tolist()!r}"
        raise InvalidInputError(msg)
    return positions


def _fit_block(
    y: FloatArray, left: IntArray, right: IntArray, step: FloatArray, z: float
) -> tuple[FloatArray, ...]:
    present = ~np.isnan(y)
    n = present.sum(axis=1)
    pairs = n * (n - 1) // 2
    rises = y[:, right] - y[:, left]  # NaN where either week is not observed
    slopes = np.sort(rises / step, axis=1)  # NaN last
    has = pairs > 0
    take = np.maximum(pairs - 1, 0)
    middle = (_at(slopes, take // 2) + _at(slopes, pairs // 2)) / 2.0
    ties = (y[:, :, None] == y[:, None, :]).sum(axis=2)  # tie-group size of each point
    tie_terms = np.where(present, (ties - 1) * (2 * ties + 5), 0).sum(axis=1)
    y_ties = np.where(present, ties - 1, 0).sum(axis=1) // 2
    sigma = np.sqrt((n * (n - 1) * (2 * n + 5) - tie_terms) / 18.0)
    upper = np.minimum(np.round((pairs - z * sigma) / 2.0), pairs - 1)
    lower = np.maximum(np.round((pairs + z * sigma) / 2.0) - 1, 0)
    slope = np.where(has, middle, np.nan)
    low = np.where(has, _at(slopes, lower.astype(np.int64)), np.nan)
    high = np.where(has, _at(slopes, np.maximum(upper, 0).astype(np.int64)), np.nan)
    discordant = (rises < 0).sum(axis=1)
    concordant = (rises > 0).sum(axis=1)
    tau, pvalue = _kendall(
        n, pairs, concordant=concordant, discordant=discordant, y_ties=y_ties, tie_terms=tie_terms
    )
    return slope, low, high, tau, pvalue


def _at(values: FloatArray, index: IntArray) -> FloatArray:
    picked: FloatArray = np.take_along_axis(values, index[:, None], axis=1)[:, 0]
    return picked


def _kendall(
    n: IntArray,
    pairs: IntArray,
    *,
    concordant: IntArray,
    discordant: IntArray,
    y_ties: IntArray,
    tie_terms: IntArray,
) -> tuple[FloatArray, FloatArray]:
    """Kendall's tau-b and its two-sided p-value, as `scipy.stats.kendalltau` (x untied)."""
    from scipy import special  # noqa: PLC0415

    defined = (n >= 2) & (y_ties < pairs)
    score = (concordant - discordant).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        tau = np.clip(score / np.sqrt(pairs) / np.sqrt(pairs - y_ties), -1.0, 1.0)
        m = n * (n - 1.0)
        variance = (m * (2 * n + 5) - tie_terms) / 18.0
        pvalue = 2.0 * special.ndtr(-np.abs(score) / np.sqrt(variance))
    exact = (
        defined
        & (y_ties == 0)
        & ((n <= _EXACT_KENDALL_N) | (np.minimum(discordant, pairs - discordant) <= 1))
    )
    for size in np.unique(n[exact]).tolist():
        rows = exact & (n == size)
        cdf = _kendall_null_cdf(int(size))
        tail = np.minimum(concordant[rows], discordant[rows])
        pvalue[rows] = np.minimum(2.0 * cdf[tail], 1.0)
    tau[~defined] = np.nan
    pvalue[~defined] = np.nan
    return tau, pvalue


@functools.cache
def _kendall_null_cdf(n: int) -> FloatArray:
    """``P(C <= c)`` for ``c = 0..n(n-1)/2``, under independence.

    ``C`` is the number of concordant pairs of ``n`` untied points: the Mahonian
    distribution (Kendall 1970), from the recurrence SciPy's exact test uses.
    """
    p = np.ones(1)
    for j in range(2, n + 1):  # the j-th point adds 0..j-1 pairs, each equally likely
        cumulative = np.concatenate([[0.0], np.cumsum(p)])
        index = np.arange(len(p) + j - 1)
        high = np.minimum(index + 1, len(p))
        low = np.maximum(index + 1 - j, 0)
        p = (cumulative[high] - cumulative[low]) / j
    cdf: FloatArray = np.cumsum(p)
    return cdf
