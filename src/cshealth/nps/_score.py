"""Net Promoter Score with its sample size, standard error and confidence intervals."""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import one_of, whole_number
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._result import Result, json_dict, jsonable
from cshealth._stats import ConfidenceInterval, check_confidence_level, z_critical
from cshealth.nps._answers import SCORE_COLUMN, _check_scores, is_responses
from cshealth.nps._responses import survey_columns
from cshealth.nps._tally import NPSTally, tally_data, tally_scores

__all__ = ["NPS_INTERVALS", "NPSInterval", "NPSResult", "from_counts", "score"]

#: Interval methods of :meth:`NPSResult.confidence_interval`.
NPSInterval = Literal["adjusted_wald", "wald", "trinomial_t", "bootstrap", "bayes_dirichlet"]
NPS_INTERVALS: tuple[str, ...] = (
    "adjusted_wald",
    "wald",
    "trinomial_t",
    "bootstrap",
    "bayes_dirichlet",
)
#: Pseudo-counts of the adjusted Wald method (MeasuringU / Rocks): 3/4 to promoters and to
#: detractors, so 3/2 in all; passives get the rest of the "+3" (Rocks 2016).
_ADJUST_EACH = 0.75
_ADJUST_N = 3.0


@dataclass(frozen=True, eq=False, repr=False)
class NPSResult(Result):
    """A Net Promoter Score, its sample and its uncertainty.

    Scores and intervals are in points (-100..100). Weighted results use Kish's effective
    sample size for their standard error and intervals.

    Attributes:
        tally: The counts and weight sums behind the score.
        unanswered: Unanswered surveys (an empty score in the column form), counted apart
            and left out of the score.

    Examples:
        >>> res = from_counts(promoters=250, passives=675, detractors=75)
        >>> res.score, res.n
        (17.5, 1000)
        >>> round(res.standard_error, 3)
        1.716
        >>> low, high = res.confidence_interval(method="wald")
        >>> round(low, 2), round(high, 2)
        (14.14, 20.86)
    """

    tally: NPSTally
    unanswered: int = 0

    @property
    def n(self) -> int:
        """Number of responses."""
        return self.tally.n

    @property
    def effective_n(self) -> float:
        """Kish's effective sample size (``n`` when unweighted)."""
        return self.tally.effective_n

    @property
    def promoters(self) -> int:
        """Responses scoring 9-10."""
        return self.tally.promoters

    @property
    def passives(self) -> int:
        """Responses scoring 7-8."""
        return self.tally.passives

    @property
    def detractors(self) -> int:
        """Responses scoring 0-6."""
        return self.tally.detractors

    @property
    def promoter_share(self) -> float | None:
        """Weighted share of promoters, in [0, 1]; ``None`` without responses."""
        total = self.tally.total_weight
        return self.tally.promoter_weight / total if total > 0 else None

    @property
    def detractor_share(self) -> float | None:
        """Weighted share of detractors, in [0, 1]; ``None`` without responses."""
        total = self.tally.total_weight
        return self.tally.detractor_weight / total if total > 0 else None

    @property
    def passive_share(self) -> float | None:
        """Weighted share of passives, in [0, 1]; ``None`` without responses."""
        total = self.tally.total_weight
        return self.tally.passive_weight / total if total > 0 else None

    @property
    def score(self) -> float | None:
        """NPS in points, ``100 (p - d)``; ``None`` without responses (never 0)."""
        p, d = self.promoter_share, self.detractor_share
        if p is None or d is None:
            return None
        return 100.0 * (p - d)

    @property
    def standard_error(self) -> float | None:
        """Wald standard error in points, ``100 sqrt((p + d - (p - d)²) / n_eff)``."""
        p, d = self.promoter_share, self.detractor_share
        if p is None or d is None:
            return None
        return 100.0 * math.sqrt(_variance(p, d) / self.effective_n)

    @property
    def adjusted_score(self) -> float | None:
        """The adjusted-Wald centre ``100 (p' - d')`` in points.

        3/4 is added to promoters and to detractors and 3 to ``n``; ``None`` without
        responses.
        """
        if self.n == 0:
            return None
        p, d, _ = self._adjusted()
        return 100.0 * (p - d)

    def confidence_interval(
        self,
        confidence_level: float = 0.95,
        method: NPSInterval = "adjusted_wald",
        *,
        n_resamples: int = 10_000,
        seed: int | np.random.Generator = 0,
        prior: tuple[float, float, float] = (1.0, 1.0, 1.0),
    ) -> ConfidenceInterval:
        """An interval for the NPS, in points, clipped to [-100, 100].

        Args:
            confidence_level: Coverage, strictly between 0 and 1.
            method: ``{'adjusted_wald', 'wald', 'trinomial_t', 'bootstrap',
                'bayes_dirichlet'}``. The default, adjusted Wald, keeps its coverage
                for small samples and extreme scores (Rocks 2016).
            n_resamples: Draws for ``bootstrap`` and ``bayes_dirichlet`` (>= 1000).
            seed: Seed or generator for the random methods (fixed: same result each call).
            prior: Dirichlet pseudo-counts (detractors, passives, promoters) for
                ``bayes_dirichlet``.

        Returns:
            The interval. For ``adjusted_wald`` it is centred on `adjusted_score`,
            not on `score`.

        Raises:
            InvalidInputError: Without responses, or on an unknown method or bad option.

        Notes:
            With shares ``p`` (promoters) and ``d`` (detractors) and ``V = p + d - (p-d)²``:
            ``wald`` is ``(p - d) ± z sqrt(V/n)``; ``adjusted_wald`` the same with
            ``p' = (P + 3/4)/(n + 3)``, ``d' = (D + 3/4)/(n + 3)`` and ``n + 3``;
            ``trinomial_t`` is the t interval of the mean of the -1/0/+1 codes;
            ``bootstrap`` the percentile interval of resampled responses (a multinomial
            draw of the counts, which is the same thing); ``bayes_dirichlet`` the
            posterior quantiles of ``θ_P - θ_D`` under ``Dirichlet(prior + counts)``.
            Weighted results use the effective sample size in place of ``n``.
        """
        level = check_confidence_level(confidence_level)
        if self.n == 0:
            msg = "no responses: the NPS and its interval are undefined"
            raise InvalidInputError(msg)
        one_of(method, NPSInterval, "method")
        if method in ("bootstrap", "bayes_dirichlet"):
            low, high = self._simulated(level, method, n_resamples, seed, prior)
        else:
            centre, half = self._analytic(level, method)
            low, high = centre - half, centre + half
        return ConfidenceInterval(max(-100.0, 100.0 * low), min(100.0, 100.0 * high))

    def _adjusted(self) -> tuple[float, float, float]:
        n = self.effective_n
        scale = n / self.tally.total_weight
        p = (self.tally.promoter_weight * scale + _ADJUST_EACH) / (n + _ADJUST_N)
        d = (self.tally.detractor_weight * scale + _ADJUST_EACH) / (n + _ADJUST_N)
        return p, d, n + _ADJUST_N

    def _analytic(self, level: float, method: str) -> tuple[float, float]:
        if method == "adjusted_wald":
            p, d, n = self._adjusted()
            return p - d, z_critical(level) * math.sqrt(_variance(p, d) / n)
        p = self.promoter_share or 0.0
        d = self.detractor_share or 0.0
        n = self.effective_n
        if method == "wald":
            return p - d, z_critical(level) * math.sqrt(_variance(p, d) / n)
        from scipy import stats  # noqa: PLC0415

        if n <= 1:
            msg = "the trinomial t interval needs at least two responses"
            raise InvalidInputError(msg)
        sample_sd = math.sqrt(_variance(p, d) * n / (n - 1))
        t = float(stats.t.ppf(0.5 + level / 2.0, df=n - 1))
        return p - d, t * sample_sd / math.sqrt(n)

    def _simulated(
        self,
        level: float,
        method: str,
        n_resamples: int,
        seed: int | np.random.Generator,
        prior: tuple[float, float, float],
    ) -> tuple[float, float]:
        if n_resamples < 1000:
            msg = f"`n_resamples` must be at least 1000, got {n_resamples}"
            raise InvalidInputError(msg)
        rng = np.random.default_rng(seed)
        shares = np.array([self.detractor_share, self.passive_share, self.promoter_share])
        n_eff = self.effective_n
        if method == "bootstrap":
            draws = rng.multinomial(round(n_eff), shares.astype(np.float64), size=n_resamples)
            values = (draws[:, 2] - draws[:, 0]) / draws.sum(axis=1)
        else:
            alpha = np.asarray(prior, dtype=np.float64)
            if alpha.shape != (3,) or not np.all(alpha > 0):
                msg = f"`prior` must be three pseudo-counts > 0, got {prior!r}"
                raise InvalidInputError(msg)
            theta = rng.dirichlet(alpha + shares.astype(np.float64) * n_eff, size=n_resamples)
            values = theta[:, 2] - theta[:, 0]
        tail = (1.0 - level) / 2.0
        low, high = np.quantile(values, [tail, 1.0 - tail])
        return float(low), float(high)

    def to_dict(self) -> dict[str, object]:
        """The result as strict JSON values: the score, its sample and its 95% interval.

        Keys: ``score``, ``n``, ``effective_n``, ``promoters``, ``passives``,
        ``detractors``, ``standard_error``, ``confidence_interval`` (``{"low", "high"}``,
        adjusted Wald at 95%; ``None`` without responses), ``method``,
        ``confidence_level``, ``unanswered`` and ``tally`` (`NPSTally.to_dict`, which
        `NPSTally.from_dict` reads back).

        Examples:
            >>> from_counts(promoters=3, passives=0, detractors=1).to_dict()["confidence_interval"]
            {'low': -33.58..., 'high': 90.73...}
        """
        interval = self.confidence_interval() if self.n else None
        return json_dict(
            {
                "score": self.score,
                "n": self.n,
                "effective_n": self.effective_n,
                "promoters": self.promoters,
                "passives": self.passives,
                "detractors": self.detractors,
                "standard_error": self.standard_error,
                "confidence_interval": jsonable(interval),
                "method": "adjusted_wald",
                "confidence_level": 0.95,
                "unanswered": self.unanswered,
                "tally": self.tally,
            }
        )

    def __repr__(self) -> str:
        aside = f", unanswered={self.unanswered}" if self.unanswered else ""
        if self.score is None:
            return f"NPSResult(score=None, n=0{aside})"
        low, high = self.confidence_interval()
        return (
            f"NPSResult(score={self.score:.1f}, n={self.n}, 95% CI [{low:.1f}, {high:.1f}], "
            f"promoters={self.promoters}, passives={self.passives}, "
            f"detractors={self.detractors}{aside})"
        )


def _variance(p: float, d: float) -> float:
    """Variance of one response's -1/0/+1 code: ``p + d - (p - d)²``."""
    return max(0.0, p + d - (p - d) ** 2)


def score(
    data: object,
    *,
    weights: ArrayLike | None = None,
    min_n: int = 30,
) -> NPSResult:
    """Net Promoter Score of survey answers, with its sample size and uncertainty.

    Args:
        data: 0-10 scores (array-like), ``SurveyResponse`` records of kind ``nps``,
            columns with a ``score`` column (``Table``, dict or data frame; ``weight``
            used when present) or an ``NPSTally``.
        weights: Optional weights, one per score (``>= 0``; rows of weight 0 are left out).
        min_n: Below this many responses a `SmallSampleWarning` is issued.

    Returns:
        The `NPSResult`. Without responses its score is ``None`` (never 0). An empty
        score in the column form (``NaN``, ``None``) is an unanswered survey: counted in
        ``unanswered`` and left out of the score and of ``n`` (bare scores and records
        always hold answers).

    Raises:
        InvalidInputError: On scores that are not whole numbers in 0..10, bad weights,
            non-NPS responses, or relationship and transactional responses mixed.

    Notes:
        ``NPS = 100 (P - D) / n`` with ``P`` promoters (9-10) and ``D`` detractors (0-6);
        weighted, ``100 Σ w_i s_i / Σ w_i`` with ``s_i`` = +1, 0, -1. It is counted with one
        ``numpy.bincount`` pass.

    Examples:
        A quarter's relationship survey: 250 promoters and 75 detractors in 1,000
        answers gives +17.5, give or take about 3.4 points:

        >>> import numpy as np
        >>> answers = np.repeat([10, 8, 3], [250, 675, 75])
        >>> res = score(answers)
        >>> res
        NPSResult(score=17.5, n=1000, 95% CI [14.1, 20.8],
                  promoters=250, passives=675, detractors=75)

        In a survey export, a sent survey nobody answered has an empty score. It is no
        answer, so it is counted apart and left out:

        >>> export = {"score": [10, 9, None, 3, float("nan")]}
        >>> res = score(export, min_n=0)
        >>> res.score, res.n, res.unanswered
        (33.3..., 3, 2)
    """
    whole_number(min_n, "min_n", low=0)
    counts, unanswered = tally_answers(data, weights)
    result = NPSResult(counts, unanswered)
    if result.n < min_n:
        warnings.warn(
            f"NPS from {result.n} responses (fewer than min_n={min_n}): its interval is wide",
            SmallSampleWarning,
            stacklevel=2,
        )
    return result


def tally_answers(
    data: object, weights: ArrayLike | None, name: str = "data"
) -> tuple[NPSTally, int]:
    """The tally of the answers, and how many surveys were unanswered (column form).

    ``name`` is the caller's parameter that holds ``data``, for messages about bare scores.
    """
    if isinstance(data, Iterator):  # a one-shot iterator: read it once
        data = list(data)
    if isinstance(data, NPSTally) or not is_responses(data):
        return tally_data(data, weights, name), 0
    columns = survey_columns(
        data, kind="nps", need=("score",), optional=("weight",), weights=weights
    )  # explicit weights are one per row of the data: set aside with their rows
    scores = _check_scores(columns.scores(), SCORE_COLUMN)
    return tally_scores(scores, columns.weights()), columns.n_unanswered


def from_counts(*, promoters: int, passives: int, detractors: int) -> NPSResult:
    """An `NPSResult` from the three category counts, each given by name.

    Args:
        promoters: Answers of 9 or 10.
        passives: Answers of 7 or 8.
        detractors: Answers of 0 to 6.

    Returns:
        The unweighted `NPSResult` of those counts.

    Raises:
        InvalidInputError: If a count is not a whole number from 0 to ``2**53``.

    Examples:
        Eighteen promoters and two passives in twenty answers: the raw score is 90, the
        adjusted-Wald centre (which the default interval is built around) 78.3:

        >>> res = from_counts(promoters=18, passives=2, detractors=0)
        >>> res.score, round(res.adjusted_score, 2)
        (90.0, 78.26)
    """
    return NPSResult(
        NPSTally.from_counts(promoters=promoters, passives=passives, detractors=detractors)
    )
