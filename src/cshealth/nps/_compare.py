"""Comparing two independent NPS samples, and the sample size an NPS needs."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from cshealth._checks import one_of, real_number, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, jsonable
from cshealth._stats import ConfidenceInterval, check_confidence_level, z_critical
from cshealth.models import SurveyResponse
from cshealth.nps._score import NPSResult, _variance, tally_answers

__all__ = ["NPSComparison", "compare", "sample_size"]

CompareMethod = Literal["adjusted_wald", "wald"]


@dataclass(frozen=True, eq=False, repr=False)
class NPSComparison(Result):
    """The difference between two independent NPS samples and its z-test.

    Attributes:
        a: The first sample's result.
        b: The second sample's result.
        difference: ``b - a`` in points (adjusted-Wald centres for that method).
        statistic: The z statistic.
        pvalue: Two-sided p-value.
        method: ``'adjusted_wald'`` or ``'wald'``.
        standard_error: Standard error of the difference, in points.

    Examples:
        >>> from cshealth.nps import from_counts
        >>> compare(
        ...     from_counts(promoters=160, passives=160, detractors=80),
        ...     from_counts(promoters=200, passives=180, detractors=70),
        ... )
        NPSComparison(difference=+8.8, 95% CI [-1.0, 18.7], statistic=1.76, pvalue=0.0786,
                      method='adjusted_wald', n_a=400, n_b=450)
    """

    a: NPSResult
    b: NPSResult
    difference: float
    statistic: float
    pvalue: float
    method: str
    standard_error: float

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """Interval for the difference ``b - a`` in points (not clipped)."""
        half = z_critical(confidence_level) * self.standard_error
        return ConfidenceInterval(self.difference - half, self.difference + half)

    def to_dict(self) -> dict[str, object]:
        """The comparison as strict JSON values: every field and the 95% interval.

        Keys: ``a`` and ``b`` (each `NPSResult.to_dict`), ``difference``, ``statistic``
        (``None`` when infinite), ``pvalue``, ``method``, ``standard_error``,
        ``confidence_interval`` (``{"low", "high"}``) and ``confidence_level`` (0.95).
        """
        return {
            **super().to_dict(),
            "confidence_interval": jsonable(self.confidence_interval()),
            "confidence_level": 0.95,
        }

    def __repr__(self) -> str:
        low, high = self.confidence_interval()
        return (
            f"NPSComparison(difference={self.difference:+.1f}, 95% CI [{low:.1f}, {high:.1f}], "
            f"statistic={self.statistic:.2f}, pvalue={self.pvalue:.3g}, method={self.method!r}, "
            f"n_a={self.a.n}, n_b={self.b.n})"
        )


def compare(a: object, b: object, *, method: CompareMethod = "adjusted_wald") -> NPSComparison:
    """Test whether two independent samples (periods, segments) differ in NPS.

    Args:
        a: The first sample: anything `score` accepts, or an `NPSResult`.
        b: The second sample.
        method: ``{'adjusted_wald', 'wald'}``.

    Returns:
        The `NPSComparison`; ``difference`` is ``b - a`` (signed).

    Raises:
        InvalidInputError: If a sample is empty, the method is unknown, or the two sets
            of responses share respondents (they are not independent; compare the
            matched respondents with a paired test instead).

    Notes:
        Wald: ``z = Δ / sqrt(V_a/n_a + V_b/n_b)`` with ``V = p + d - (p - d)²``; adjusted
        Wald applies the +3/+3/4 adjustment to each sample first (MeasuringU). The
        p-value is ``2 (1 - Φ(|z|))``.

    Examples:
        MeasuringU's example: 160 promoters and 80 detractors of 400, against 200 and 70
        of 450:

        >>> from cshealth.nps import from_counts
        >>> before = from_counts(promoters=160, passives=160, detractors=80)
        >>> after = from_counts(promoters=200, passives=180, detractors=70)
        >>> res = compare(before, after)
        >>> round(res.difference, 2), round(res.statistic, 2), round(res.pvalue, 3)
        (8.85, 1.76, 0.079)
    """
    one_of(method, CompareMethod, "method")
    a, b = (list(x) if isinstance(x, Iterator) else x for x in (a, b))  # read once
    _refuse_shared_respondents(a, b)
    first, second = (_result(x, name) for x, name in ((a, "a"), (b, "b")))
    centre_a, var_a = _centre_and_variance(first, method)
    centre_b, var_b = _centre_and_variance(second, method)
    difference = 100.0 * (centre_b - centre_a)
    se = 100.0 * math.sqrt(var_a + var_b)
    if se == 0:
        statistic = 0.0 if difference == 0 else math.copysign(math.inf, difference)
    else:
        statistic = difference / se
    pvalue = math.erfc(abs(statistic) / math.sqrt(2.0))
    return NPSComparison(first, second, difference, statistic, pvalue, method, se)


def _result(data: object, name: str) -> NPSResult:
    result = data if isinstance(data, NPSResult) else NPSResult(*tally_answers(data, None, name))
    if result.n == 0:
        msg = f"sample `{name}` has no responses; there is nothing to compare"
        raise InvalidInputError(msg)
    return result


def _centre_and_variance(result: NPSResult, method: str) -> tuple[float, float]:
    if method == "adjusted_wald":
        p, d, n = result._adjusted()
    else:
        p, d, n = result.promoter_share or 0.0, result.detractor_share or 0.0, result.effective_n
    return p - d, _variance(p, d) / n


def _refuse_shared_respondents(a: object, b: object) -> None:
    def contacts(data: object) -> set[int | str]:
        if isinstance(data, Iterable) and not isinstance(data, (str, bytes)):
            items = list(data) if not hasattr(data, "__array__") else []
            return {r.contact_id for r in items if isinstance(r, SurveyResponse) and r.contact_id}
        return set()

    shared = contacts(a) & contacts(b)
    if shared:
        example = sorted(shared, key=str)[0]
        msg = (
            f"the samples share {len(shared)} respondents (e.g. contact {example!r}), so they "
            "are not independent; compare the respondents present in both waves with a "
            "paired test instead"
        )
        raise InvalidInputError(msg)


#: The narrowest margin `sample_size` plans for, in points.
_MIN_MARGIN = 0.01


def sample_size(
    margin: float,
    *,
    promoters: float = 0.5,
    detractors: float = 0.5,
    confidence_level: float = 0.95,
    population: int | None = None,
) -> int:
    """Responses needed for an NPS interval of ``± margin`` points.

    Args:
        margin: Half-width of the interval in points, in [0.01, 200] (a margin below a
            hundredth of a point would ask for more than 10**10 responses).
        promoters: Expected share of promoters, in [0, 1].
        detractors: Expected share of detractors, in [0, 1], with promoters + detractors
            <= 1. The defaults (0.5 and 0.5) are the worst case.
        confidence_level: Coverage of the interval.
        population: Customers that could answer; applies the finite population
            correction ``n / (1 + (n - 1) / N)``.

    Returns:
        The sample size, rounded up (at least 1).

    Raises:
        InvalidInputError: On a margin, share, level or population out of range.

    Notes:
        ``n = z² (p + d - (p - d)²) / (margin / 100)²``, the Wald form of the variance of
        one response's -1/0/+1 code.

    Examples:
        >>> sample_size(10), sample_size(5), sample_size(3)
        (385, 1537, 4269)
        >>> sample_size(5, population=2000)
        870
    """
    margin = real_number(
        margin, "margin", low=_MIN_MARGIN, high=200.0, hint="; margins are in NPS points"
    )
    promoters = real_number(promoters, "promoters", low=0.0, high=1.0, hint=" (a share)")
    detractors = real_number(detractors, "detractors", low=0.0, high=1.0, hint=" (a share)")
    if promoters + detractors > 1:
        msg = f"`promoters` + `detractors` must be <= 1, got {promoters + detractors!r}"
        raise InvalidInputError(msg)
    z = z_critical(check_confidence_level(confidence_level))
    n0 = z * z * _variance(promoters, detractors) / (margin / 100.0) ** 2
    if population is not None:
        population = whole_number(population, "population", low=1)
        n0 = n0 / (1.0 + (n0 - 1.0) / population)
    return max(1, math.ceil(n0 - 1e-9))
