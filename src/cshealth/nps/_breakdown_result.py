"""The result of `breakdown`: NPS per group, each tested against the rest, and `holm`.

`NPSBreakdown` is a `cshealth.Grouped` of `NPSResult` (the one grouped shape): the
groups by label, ``overall`` beside them, and each group's test against all the other
responses (``versus_rest``), with the p-values Holm-adjusted (`holm`) for testing every
group. It gives the groups' numbers as columns (in label order), their intervals as two
arrays, a data frame (``to_pandas()``), strict JSON (``to_dict()``) and a text table
(``format()``) and a forest plot (``plot()``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import float_array, one_of, whole_number
from cshealth._exceptions import InvalidInputError, MissingDependencyError
from cshealth._grouped import ALL, Grouped
from cshealth._plot import axes
from cshealth._result import json_dict
from cshealth._stats import ConfidenceInterval, check_confidence_level
from cshealth._text import align_columns
from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.nps._compare import NPSComparison
from cshealth.nps._nps_plot import draw_breakdown
from cshealth.nps._score import NPSInterval, NPSResult
from cshealth.nps._trend_result import NPS_GAPS, nps_cells, nps_widths

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["Correction", "NPSBreakdown", "holm"]

#: How the group-versus-rest p-values of a breakdown are adjusted.
Correction = Literal["holm", "none"]


@dataclass(frozen=True, eq=False, repr=False)
class NPSBreakdown(Grouped[NPSResult]):
    """NPS per group, each tested against the rest: a `cshealth.Grouped` of `NPSResult`.

    ``breakdown[label]`` is that group's `NPSResult`, the one `score` gives on the
    group's responses alone; ``overall`` is the NPS of all the responses together. Labels
    are text, in sorted order, and the responses without a group are the group
    ``'(none)'``. The array properties give the groups' numbers as columns, in label
    order; `confidence_interval` gives their intervals as two arrays, ``to_pandas()``
    one row per group, ``format()`` (or ``str()``) a text table, and `plot` a forest
    plot.

    Attributes:
        by: What the groups are: the column name, or ``'account'`` for a mapping from
            account id to group.
        overall: The NPS of all the responses together (unanswered surveys of groups
            without an answer included in its ``unanswered``).
        groups: Each group's NPS, by label; a group is listed when it has an answer.
        ungrouped: How many answered responses had no group (the group ``'(none)'``).
        correction: ``'holm'`` or ``'none'``: how `pvalues` adjust the tests.
        alpha: A group is flagged `significant` when its adjusted p-value is below this.
        min_n: Groups with fewer responses are flagged `small`.
        survey_type: The survey type of the responses (``None`` if the data does not say).
        versus_rest: Each group's test against every other response, by label: an
            `NPSComparison` of the rest (``a``) and the group's result (``b``), whose
            ``difference`` is the group minus the rest and whose ``pvalue`` is not
            adjusted; ``None`` when there is no other response.

    Examples:
        >>> from cshealth import nps
        >>> data = {"plan": ["pro"] * 4 + ["basic"] * 2, "score": [10, 9, 9, 3, 2, 8]}
        >>> res = nps.breakdown(data, by="plan", min_n=0)
        >>> res
        NPSBreakdown(by='plan', 2 groups, n=6, 0 unlike the rest)
        >>> list(res), res["pro"].score, res.overall.score
        (['basic', 'pro'], 50.0, 16.66...)
        >>> round(res.versus_rest["pro"].difference, 1), res.pvalues.round(3).tolist()
        (48.6, [0.537, 0.537])
    """

    correction: Correction
    alpha: float
    min_n: int
    survey_type: str | None
    versus_rest: Mapping[str, NPSComparison | None]

    @property
    def labels(self) -> list[str]:
        """The group labels, in order (sorted)."""
        return list(self.groups)

    @property
    def scores(self) -> FloatArray:
        """NPS per group, in points."""
        return np.array(
            [math.nan if r.score is None else r.score for r in self.groups.values()],
            dtype=np.float64,
        )

    @property
    def n(self) -> IntArray:
        """Responses per group."""
        return np.array([r.n for r in self.groups.values()], dtype=np.int64)

    @property
    def unanswered(self) -> IntArray:
        """Unanswered surveys per group (an empty score in the column form), counted apart.

        A group with no answer is not listed; its unanswered surveys count in
        ``overall.unanswered`` only.
        """
        return np.array([r.unanswered for r in self.groups.values()], dtype=np.int64)

    @property
    def small(self) -> BoolArray:
        """Where a group has fewer responses than ``min_n``."""
        return np.array([r.n < self.min_n for r in self.groups.values()], dtype=bool)

    @property
    def pvalues(self) -> FloatArray:
        """Each group's p-value against the rest, adjusted; ``NaN`` where not tested.

        Holm's adjustment of the ``versus_rest`` p-values (`holm`), or those p-values
        themselves with ``correction='none'``.
        """
        tests = [self.versus_rest[label] for label in self.groups]
        raw = np.array([math.nan if t is None else t.pvalue for t in tests], dtype=np.float64)
        return holm(raw) if self.correction == "holm" else raw

    @property
    def significant(self) -> BoolArray:
        """Where a group differs from the rest (adjusted p-value below ``alpha``)."""
        p = self.pvalues
        return ~np.isnan(p) & (np.nan_to_num(p, nan=1.0) < self.alpha)

    def confidence_interval(
        self, confidence_level: float = 0.95, method: NPSInterval = "adjusted_wald"
    ) -> ConfidenceInterval[FloatArray]:
        """The interval of each group's NPS, in points, as two arrays (in label order).

        Args:
            confidence_level: Coverage, strictly between 0 and 1.
            method: ``{'adjusted_wald', 'wald', 'trinomial_t', 'bootstrap',
                'bayes_dirichlet'}``, as in `NPSResult.confidence_interval`.

        Returns:
            ``ConfidenceInterval(low, high)``, one bound per group in each array; each
            group's bounds are those of its own ``confidence_interval``.

        Raises:
            InvalidInputError: On a level outside (0, 1) or an unknown method.

        Examples:
            >>> from cshealth import nps
            >>> data = {"plan": ["pro"] * 4 + ["basic"] * 2, "score": [10, 9, 9, 3, 2, 8]}
            >>> low, high = nps.breakdown(data, by="plan", min_n=0).confidence_interval()
            >>> low.round(1), high.round(1)
            (array([-79.4, -33.6]), array([39.4, 90.7]))
        """
        level = check_confidence_level(confidence_level)
        one_of(method, NPSInterval, "method")
        bounds = [r.confidence_interval(level, method) for r in self.groups.values()]
        array = np.array(bounds, dtype=np.float64).reshape(-1, 2)
        return ConfidenceInterval(array[:, 0], array[:, 1])

    def to_dict(self) -> dict[str, object]:
        """The breakdown as strict JSON values.

        Every field (``by``, ``overall``, ``groups`` and ``versus_rest`` by label, each
        result's ``to_dict()``, ``ungrouped``, ``correction``, ``alpha``, ``min_n``,
        ``survey_type``), and by label the adjusted ``pvalues`` (``None`` where not
        tested), ``significant`` and ``small``.
        """
        labels = self.labels
        return {
            **super().to_dict(),
            **json_dict(
                {
                    "pvalues": dict(zip(labels, self.pvalues.tolist())),
                    "significant": dict(zip(labels, self.significant.tolist())),
                    "small": dict(zip(labels, self.small.tolist())),
                }
            ),
        }

    def to_pandas(self) -> pd.DataFrame:
        """One row per group, in label order.

        The columns: ``group``, ``score``, ``n``, ``unanswered``, ``low`` and ``high``
        (the 95% adjusted-Wald interval), ``small``, ``difference_from_rest`` (``NaN``
        where not tested), ``pvalue`` (adjusted) and ``significant``.

        Raises:
            MissingDependencyError: When pandas is not installed.
        """
        try:
            import pandas  # noqa: PLC0415 - an optional extra, imported only when asked
        except ImportError as error:  # pragma: no cover - the test extras install pandas
            msg = "to_pandas() needs pandas: pip install 'cshealth[pandas]'"
            raise MissingDependencyError(msg) from error
        low, high = self.confidence_interval()
        tests = [self.versus_rest[label] for label in self.groups]
        columns = {
            "group": np.array(self.labels, dtype=object),
            "score": self.scores,
            "n": self.n,
            "unanswered": self.unanswered,
            "low": low,
            "high": high,
            "small": self.small,
            "difference_from_rest": np.array(
                [math.nan if t is None else t.difference for t in tests], dtype=np.float64
            ),
            "pvalue": self.pvalues,
            "significant": self.significant,
        }
        frame: pd.DataFrame = pandas.DataFrame(columns)
        return frame

    def plot(self, ax: Axes | None = None, **style: object) -> Axes:
        """Draw a forest plot: each group's NPS and interval, beside the overall NPS.

        One row per group, in label order from the top, labelled with its number of
        responses (``'smb (n=120)'``): a point at its NPS and a line across its 95%
        interval, on the scale -100 to 100. The overall NPS is a dashed line down,
        named in the legend with its ``n``; a ring marks each group unlike the rest
        (`significant`, after the `correction`). A breakdown without groups draws the
        note "no data". Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            **style: Passed to the groups' points (``color``, ``marker``, ...); the
                intervals and rings take their colour.

        Returns:
            The ``Axes`` drawn on.

        Raises:
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from cshealth import nps
            >>> answers = {
            ...     "touchpoint": ["onboarding"] * 3 + ["renewal"] * 2 + ["support"] * 5,
            ...     "score": [10, 9, 9, 8, 10, 3, 2, 6, 4, 5],
            ... }
            >>> ax = nps.breakdown(answers, by="touchpoint").plot()
            >>> [label.get_text() for label in ax.get_yticklabels()]
            ['onboarding (n=3)', 'renewal (n=2)', 'support (n=5)']
            >>> ax.get_lines()[0].get_xdata().tolist()  # the groups' NPS, top to bottom
            [100.0, 50.0, -100.0]
            >>> [text.get_text() for text in ax.get_legend().get_texts()]
            ['group NPS', 'overall -10.0 (n=10)', 'unlike the rest (Holm)']
            >>> plt.close(ax.figure)
        """
        unlike = "Holm" if self.correction == "holm" else "unadjusted"
        low, high = self.confidence_interval()
        return draw_breakdown(
            axes(ax),
            self.labels,
            self.scores,
            (low, high),
            self.significant,
            n=self.n,
            overall=(self.overall.score, self.overall.n),
            marked=f"unlike the rest ({unlike})",
            style=style,
        )

    def format(self, *, decimals: int = 1) -> str:
        """The breakdown as a text table; ``*`` marks a group unlike the rest, ``?`` a small one.

        The first line after the header is ``(all)``, every response together; then the
        groups, in label order.

        Args:
            decimals: Digits after the point of the scores, intervals and differences.

        Raises:
            InvalidInputError: If ``decimals`` is not a whole number from 0 to 6.
        """
        digits = whole_number(decimals, "decimals", low=0, high=6)
        rows = [_cells(ALL, self.overall, digits)]
        for (label, result), small, significant in zip(
            self.groups.items(), self.small.tolist(), self.significant.tolist()
        ):
            test = self.versus_rest[label]
            versus = f"{test.difference:+.{digits}f}" if test else ""
            mark = (" *" if significant else "") + (" ?" if small else "")
            rows.append([*_cells(label, result, digits), versus + mark])
        return align_columns(
            ["group", "NPS", "n", "interval", "vs rest"],
            rows,
            align="<>><<",
            widths=[0, *nps_widths(digits)],
            gaps=NPS_GAPS,
        )

    def __repr__(self) -> str:
        aside = f", unanswered={self.overall.unanswered}" if self.overall.unanswered else ""
        apart = f", ungrouped={self.ungrouped}" if self.ungrouped else ""
        return (
            f"NPSBreakdown(by={self.by!r}, {len(self)} groups, n={self.overall.n}{aside}"
            f"{apart}, {int(self.significant.sum())} unlike the rest)"
        )


def _cells(label: str, result: NPSResult, digits: int) -> list[str]:
    """The label, NPS, n and interval cells of a result's row (``-`` without answers)."""
    if result.score is None:
        return [label, "-", "0"]
    low, high = result.confidence_interval()
    return [label, *nps_cells(result.score, result.n, low, high, digits)]


def holm(pvalues: ArrayLike) -> FloatArray:
    """Holm's step-down adjustment of p-values for testing several hypotheses at once.

    ``NaN`` entries (tests not run) are kept as ``NaN`` and do not count as tests.

    Args:
        pvalues: The unadjusted p-values, each in [0, 1].

    Returns:
        The adjusted p-values, in the input order.

    Raises:
        InvalidInputError: On a p-value outside [0, 1].

    Notes:
        Sorted ascending, the ``j``-th of ``m`` p-values becomes
        ``max_{i <= j} min(1, (m - i + 1) p_(i))`` (Holm 1979, "A simple sequentially
        rejective multiple test procedure").

    Examples:
        >>> holm([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
        [0.03, 0.06, 0.06, 0.02]
    """
    p = float_array(pvalues, "pvalues")
    tested = ~np.isnan(p)
    if np.any((p[tested] < 0) | (p[tested] > 1)):
        msg = f"`pvalues` must lie in [0, 1], got {p[tested].tolist()!r}"
        raise InvalidInputError(msg)
    out = np.full(p.shape, np.nan)
    values = p[tested]
    order = np.argsort(values, kind="stable")
    m = len(values)
    scaled = np.minimum(1.0, (m - np.arange(m)) * values[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    out[tested] = adjusted
    return out
