"""The log-rank test of whether groups of customers share one survival curve.

It is computed from each curve's `SurvivalCounts`, not from raw durations, so curves
merged from partitions compare exactly as the whole data would, and any number of groups
can be compared (``scipy.stats.logrank`` takes two samples; for two groups its statistic
squared and p-value are the ones here, which the tests check, as they check lifelines'
``logrank_test`` and ``multivariate_logrank_test``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import items
from cshealth._exceptions import InvalidInputError
from cshealth._result import RowsResult
from cshealth._types import FloatArray, IntArray
from cshealth.retention._survival_counts import SurvivalCounts
from cshealth.retention._survival_curve import SurvivalCurve

__all__ = ["SurvivalComparison", "compare_survival"]


@dataclass(frozen=True, eq=False, repr=False)
class SurvivalComparison(RowsResult):
    """The log-rank test of whether groups share one survival curve.

    One row per group: ``to_pandas()`` gives the columns ``groups``, ``observed``,
    ``expected`` and ``medians`` (NaN where the median is not reached).

    Attributes:
        groups: The group labels, in the order given.
        observed: Events observed in each group (``int64``, read-only).
        expected: Events expected in each group if all groups shared one curve
            (``float64``, read-only); ``observed`` and ``expected`` have one sum.
        statistic: The chi-squared statistic ``(O - E)ᵀ V⁻¹ (O - E)`` over the first
            ``k - 1`` groups; ``None`` when its variance is 0 (no event time with subjects
            at risk in two groups).
        pvalue: ``P(χ²_dof >= statistic)``; ``None`` with the statistic.
        dof: Degrees of freedom, ``k - 1``.
        medians: The median lifetime of each group (``None`` where not reached).

    Examples:
        >>> from cshealth.retention import kaplan_meier
        >>> res = compare_survival({"a": kaplan_meier([1, 2, 3]), "b": kaplan_meier([4, 5, 6])})
        >>> res
        SurvivalComparison(groups=['a', 'b'], statistic=5.052, pvalue=0.02459, dof=1)
        >>> res.observed.tolist(), res.expected.tolist()
        ([3, 3], [1.15, 4.85])
        >>> res.to_pandas()
          groups  observed  expected  medians
        0      a         3      1.15      2.0
        1      b         3      4.85      5.0
    """

    row_fields = ("groups", "observed", "expected", "medians")

    groups: tuple[str, ...]
    observed: IntArray
    expected: FloatArray
    statistic: float | None
    pvalue: float | None
    dof: int
    medians: tuple[float | None, ...]

    @property
    def method(self) -> str:
        """``'log-rank'``."""
        return "log-rank"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: the method, labels, counts per group, the statistic and its p-value."""
        return {"method": self.method, **super().to_dict()}

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        """The rows per group, medians as numbers (NaN where not reached)."""
        columns = super()._columns()
        columns["medians"] = np.array([np.nan if m is None else m for m in self.medians])
        return columns

    def __repr__(self) -> str:
        stat = "None" if self.statistic is None else f"{self.statistic:.4g}"
        pvalue = "None" if self.pvalue is None else f"{self.pvalue:.4g}"
        return (
            f"SurvivalComparison(groups={list(self.groups)}, statistic={stat}, "
            f"pvalue={pvalue}, dof={self.dof})"
        )


def compare_survival(
    groups: Mapping[str, SurvivalCurve] | Sequence[SurvivalCurve],
) -> SurvivalComparison:
    """The log-rank test of ``k >= 2`` survival curves, from their counts.

    Because it reads only each curve's `SurvivalCounts`, curves merged from partitions
    are compared exactly as if computed in one piece.

    Args:
        groups: Curves by label (such as the `Grouped` curves of `survival` with ``by``), or a
            sequence of curves (labelled ``'0'``, ``'1'``, ...).

    Returns:
        The comparison: observed and expected events per group, the chi-squared
        statistic with ``k - 1`` degrees of freedom and its p-value.

    Raises:
        InvalidInputError: On fewer than two groups, a value that is not a
            `SurvivalCurve`, or a group without subjects.

    Notes:
        At each distinct event time ``t_j`` of the pooled data, with ``n_gj`` at risk in
        group ``g``, ``n_j`` in all, and ``d_j`` events in all: the expected events are
        ``E_g = Σ_j d_j n_gj / n_j`` and the covariance is
        ``V_gh = Σ_j d_j (n_j - d_j) / (n_j - 1) · n_gj / n_j · (δ_gh - n_hj / n_j)``
        (terms with ``n_j = 1`` are 0). The statistic is ``Zᵀ V⁺ Z`` with
        ``Z = O - E`` over the first ``k - 1`` groups (``V⁺`` the pseudo-inverse, as in
        lifelines' ``multivariate_logrank_test``). For two groups it is the square of
        ``scipy.stats.logrank``'s statistic, with the same p-value.

    Examples:
        >>> from cshealth.retention import kaplan_meier
        >>> cs = kaplan_meier([5, 8, 12, 12, 20], [1, 1, 0, 1, 0])
        >>> holdout = kaplan_meier([2, 3, 3, 6, 9], [1, 1, 1, 1, 0])
        >>> res = compare_survival({"cs": cs, "holdout": holdout})
        >>> round(res.statistic, 3), round(res.pvalue, 4)  # five customers a side: no proof yet
        (2.532, 0.1116)
        >>> res.observed.tolist(), res.medians
        ([3, 4], (12.0, 3.0))
    """
    labels, curves = _labelled(groups)
    times = np.unique(np.concatenate([curve.times for curve in curves]))
    at_risk = np.empty((len(curves), len(times)))
    events = np.zeros((len(curves), len(times)))
    for g, curve in enumerate(curves):
        at_risk[g], events[g] = _risk_table(curve.counts, times)
    d = events.sum(axis=0)
    n = at_risk.sum(axis=0)
    observed = events.sum(axis=1)
    expected = at_risk @ (d / np.where(n > 0, n, 1.0))
    weight = np.where(n > 1, d * (n - d) / np.where(n > 1, n - 1.0, 1.0) / n, 0.0)
    covariance = np.diag(at_risk @ weight) - (at_risk * (weight / np.where(n > 0, n, 1.0))) @ (
        at_risk.T
    )
    z = (observed - expected)[:-1]
    reduced = covariance[:-1, :-1]
    statistic = pvalue = None
    if np.abs(reduced).max() > 0:
        from scipy import stats  # noqa: PLC0415

        statistic = max(float(z @ np.linalg.pinv(reduced) @ z), 0.0)
        pvalue = float(stats.chi2.sf(statistic, len(curves) - 1))
    return SurvivalComparison(
        groups=labels,
        observed=observed.astype(np.int64),
        expected=expected,
        statistic=statistic,
        pvalue=pvalue,
        dof=len(curves) - 1,
        medians=tuple(curve._first_at_half(curve.survival) for curve in curves),
    )


def _labelled(
    groups: Mapping[str, SurvivalCurve] | Sequence[SurvivalCurve],
) -> tuple[tuple[str, ...], list[SurvivalCurve]]:
    values: list[object]
    if isinstance(groups, Mapping):
        labels = tuple(str(label) for label in groups)
        values = list(groups.values())
    else:
        values = items(groups, "groups", "SurvivalCurve values (or a mapping of them)")
        labels = tuple(str(position) for position in range(len(values)))
    if len(values) < 2:
        msg = f"`groups` must hold at least two survival curves to compare, got {len(values)}"
        raise InvalidInputError(msg)
    curves = []
    for label, curve in zip(labels, values):
        if not isinstance(curve, SurvivalCurve):
            msg = (
                f"`groups` must hold SurvivalCurve values, got {type(curve).__name__} for "
                f"group {label!r}; build curves with kaplan_meier or SurvivalCurve(counts)"
            )
            raise InvalidInputError(msg)
        curves.append(curve)
        if curve.n == 0:
            msg = f"group {label!r} has no subjects; leave it out of the comparison"
            raise InvalidInputError(msg)
    return labels, curves


def _risk_table(counts: SurvivalCounts, times: FloatArray) -> tuple[FloatArray, FloatArray]:
    """At-risk numbers just before, and events at, each of ``times`` for one group."""
    removed = np.concatenate(([0], np.cumsum(counts.events + counts.censored)))
    at = np.searchsorted(counts.times, times, side="left")
    at_risk = counts.n - removed[at]
    inside = at < len(counts.times)
    hit = np.zeros(len(times), dtype=bool)
    hit[inside] = counts.times[at[inside]] == times[inside]
    events = np.zeros(len(times))
    events[hit] = counts.events[at[hit]]
    return at_risk.astype(np.float64), events
