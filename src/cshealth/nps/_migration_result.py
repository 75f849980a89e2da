"""`NPSMigration`: how the respondents of two survey waves moved between NPS categories.

Everything it reports is derived from its 3×3 transition matrix (rows wave 1, columns
wave 2, both `CATEGORIES`): the row shares, the panel's NPS in each wave, promoter
retention and detractor recovery, and the paired t-test of the per-person change of the
-1/0/+1 code with its interval, and its picture (``plot()``, the matrix). `migration`
(`cshealth.nps._migration`) matches the respondents and builds it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np

from cshealth._checks import whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._plot import axes
from cshealth._result import Result, json_dict, jsonable
from cshealth._stats import ConfidenceInterval, check_confidence_level
from cshealth._types import FloatArray, IntArray
from cshealth.nps._nps_plot import draw_migration
from cshealth.nps._score import NPSResult
from cshealth.nps._tally import tally_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["CATEGORIES", "NPSMigration"]

#: The rows (wave 1) and columns (wave 2) of `NPSMigration.transitions`, in order.
CATEGORIES: tuple[str, str, str] = ("detractor", "passive", "promoter")
_DETRACTOR, _PASSIVE, _PROMOTER = 0, 1, 2
#: ``_CHANGE[a, b] = b - a``: the change of the -1/0/+1 code from category a to category b.
_CHANGE = np.arange(3)[np.newaxis, :] - np.arange(3)[:, np.newaxis]


@dataclass(frozen=True, eq=False, repr=False)
class NPSMigration(Result):
    """How the respondents of two survey waves moved between NPS categories.

    Everything but the counts of unmatched respondents is computed from the 3×3
    ``transitions`` matrix: the per-person change of the -1/0/+1 code only depends on
    the two categories. ``format()`` gives the matrix as text, `plot` as a picture.

    Attributes:
        transitions: ``transitions[a, b]`` respondents were in category ``a`` in wave 1
            and ``b`` in wave 2 (``int64``, read-only); rows and columns are
            `CATEGORIES`: detractor, passive, promoter.
        entrants: Respondents in wave 2 only.
        leavers: Respondents in wave 1 only.
        unidentified: Responses without a respondent identifier in ``(wave 1, wave 2)``;
            they cannot be matched and are left out.
        duplicates: Earlier responses of a respondent who answered a wave more than once,
            left out in ``(wave 1, wave 2)`` (the latest answer is kept).
        survey_type: The survey type of both waves, or ``None`` when neither says.

    Examples:
        >>> from cshealth.nps import migration
        >>> res = migration({"a": 9, "b": 3, "c": 7}, {"a": 10, "b": 8, "c": 9}, min_n=0)
        >>> res.transitions.tolist()
        [[0, 1, 0], [0, 0, 1], [0, 0, 1]]
        >>> res.change, res.promoter_retention, res.detractor_recovery
        (66.66..., 1.0, 1.0)
    """

    transitions: IntArray
    entrants: int
    leavers: int
    unidentified: tuple[int, int] = (0, 0)
    duplicates: tuple[int, int] = (0, 0)
    survey_type: str | None = None

    @property
    def method(self) -> str:
        """``'paired_t'``: a t-test of the mean per-person change."""
        return "paired_t"

    @property
    def matched(self) -> int:
        """Respondents in both waves (the panel)."""
        return int(self.transitions.sum())

    @property
    def shares(self) -> FloatArray:
        """Row shares ``P[a, b] = M[a, b] / Σ_b M[a, b]`` (NaN rows where wave 1 had nobody)."""
        totals = self.transitions.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            return cast("FloatArray", self.transitions / totals)

    @property
    def before(self) -> NPSResult:
        """NPS of the matched respondents in wave 1."""
        return NPSResult(tally_of(self.transitions.sum(axis=1).tolist()))

    @property
    def after(self) -> NPSResult:
        """NPS of the matched respondents in wave 2."""
        return NPSResult(tally_of(self.transitions.sum(axis=0).tolist()))

    @property
    def promoter_retention(self) -> float | None:
        """``P[promoter, promoter]``: wave-1 promoters still promoting, or ``None``.

        ``None`` when no wave-1 promoter was matched.
        """
        row = self.transitions[_PROMOTER]
        total = int(row.sum())
        return int(row[_PROMOTER]) / total if total else None

    @property
    def detractor_recovery(self) -> float | None:
        """``P[D, N] + P[D, P]``: wave-1 detractors no longer detractors, or ``None``.

        ``None`` when no wave-1 detractor was matched.
        """
        row = self.transitions[_DETRACTOR]
        total = int(row.sum())
        return int(row[_PASSIVE] + row[_PROMOTER]) / total if total else None

    @property
    def change(self) -> float | None:
        """``after - before`` on the panel, in points; ``None`` when nobody was matched.

        The mean per-person change of the -1/0/+1 code, ×100.
        """
        n = self.matched
        if n == 0:
            return None
        return 100.0 * float((self.transitions * _CHANGE).sum()) / n

    @property
    def standard_error(self) -> float | None:
        """``100 sd(d) / sqrt(n)`` (sample sd); ``None`` below two matched respondents."""
        n = self.matched
        if n < 2:
            return None
        mean = float((self.transitions * _CHANGE).sum()) / n
        squares = float((self.transitions * (_CHANGE - mean) ** 2).sum())
        return 100.0 * math.sqrt(squares / (n - 1) / n)

    @property
    def statistic(self) -> float | None:
        """The paired t statistic ``change / standard_error``.

        ``None`` below two matched respondents. When every change is the same (sd 0) it
        is 0 for no change and ``±inf`` otherwise.
        """
        change, se = self.change, self.standard_error
        if change is None or se is None:
            return None
        if se == 0:
            return 0.0 if change == 0 else math.copysign(math.inf, change)
        return change / se

    @property
    def pvalue(self) -> float | None:
        """Two-sided p-value of the paired t-test (t distribution, ``n - 1`` df).

        ``None`` below two matched respondents; 1.0 or 0.0 when every change is the same.
        """
        statistic = self.statistic
        if statistic is None:
            return None
        if math.isinf(statistic):
            return 0.0
        from scipy import stats  # noqa: PLC0415

        return float(2.0 * stats.t.sf(abs(statistic), df=self.matched - 1))

    def confidence_interval(self, confidence_level: float = 0.95) -> ConfidenceInterval:
        """The t interval for ``change``, in points (not clipped).

        Notes:
            ``change ± t_{n-1, 1-α/2} · standard_error``. When every change is the same the
            interval has width 0.

        Raises:
            InvalidInputError: On a level outside (0, 1), or fewer than two matched
                respondents (a standard deviation needs two).
        """
        level = check_confidence_level(confidence_level)
        change, se = self.change, self.standard_error
        if change is None or se is None:
            msg = (
                f"the interval of the NPS change needs at least two respondents in both "
                f"waves; {self.matched} matched"
            )
            raise InvalidInputError(msg)
        from scipy import stats  # noqa: PLC0415

        half = float(stats.t.ppf(0.5 + level / 2.0, df=self.matched - 1)) * se
        return ConfidenceInterval(change - half, change + half)

    def format(self, *, shares: bool = False, decimals: int = 0) -> str:
        """The transitions as a small text table (counts, or row shares in percent).

        Args:
            shares: Row shares in percent in place of the counts.
            decimals: Digits after the point of the percentages.

        Raises:
            InvalidInputError: If ``decimals`` is not a whole number from 0 to 6.

        Examples:
            >>> from cshealth.nps import migration
            >>> res = migration({"a": 9, "b": 3, "c": 7}, {"a": 10, "b": 8, "c": 9}, min_n=0)
            >>> print(res.format())
            wave 1 → wave 2  detractor  passive  promoter  total
            detractor                0        1         0      1
            passive                  0        0         1      1
            promoter                 0        0         1      1
            total                    0        1         2      3
        """
        digits = whole_number(decimals, "decimals", low=0, high=6)
        counts = self.transitions.tolist()
        if shares:
            cells = [[_percent(v, digits) for v in row] for row in self.shares.tolist()]
        else:
            cells = [[str(v) for v in row] for row in counts]
        lines = [
            [name, *row, str(sum(count))] for name, row, count in zip(CATEGORIES, cells, counts)
        ]
        if not shares:
            totals = self.transitions.sum(axis=0).tolist()
            lines.append(["total", *map(str, totals), str(self.matched)])
        header = ["wave 1 → wave 2", *CATEGORIES, "total"]
        first = max(len(line[0]) for line in [header, *lines])
        return "\n".join(
            line[0].ljust(first)
            + "".join(f"  {c.rjust(len(h))}" for c, h in zip(line[1:], header[1:]))
            for line in [header, *lines]
        )

    def plot(
        self, ax: Axes | None = None, *, annotate: bool = True, cmap: str = "Blues", **style: object
    ) -> Axes:
        """Draw the transitions as a 3×3 matrix, each cell coloured by its share of its row.

        Rows are the wave-1 categories (detractor, passive, promoter from the top, each
        labelled with how many were in it), columns the wave-2 ones. A cell's colour is
        its share of its row, 0 to 100% (the `shares`): where each wave-1 category
        went, comparable between rows of different sizes; a colour bar reads it. Each
        cell is written with its count and row share. A row nobody was in has no share:
        it is masked (the background shows), never 0%. A migration with nobody matched
        draws the note "no data". Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            annotate: Whether to write each cell's count and row share on it.
            cmap: The name of a matplotlib colour map.
            **style: Passed to ``imshow`` (``vmin``, ``vmax``, ``alpha``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from cshealth.nps import migration
            >>> res = migration({"a": 9, "b": 3, "d": 2}, {"a": 10, "b": 8, "d": 1}, min_n=0)
            >>> ax = res.plot()
            >>> ax.images[0].get_array().tolist()  # no wave-1 passive: that row is blank
            [[0.5, 0.5, 0.0], [None, None, None], [0.0, 0.0, 1.0]]
            >>> [label.get_text() for label in ax.get_yticklabels()]
            ['detractor (n=2)', 'passive (n=0)', 'promoter (n=1)']
            >>> [text.get_text().split() for text in ax.texts][:3]  # count and row share
            [['1', '50%'], ['1', '50%'], ['0', '0%']]
            >>> plt.close(ax.figure)
        """
        return draw_migration(axes(ax), self.transitions, annotate=annotate, cmap=cmap, style=style)

    def to_dict(self) -> dict[str, object]:
        """The migration as strict JSON values, with what is derived from the transitions.

        The interval is the 95% t interval as ``{"low", "high"}`` (``None`` below two
        matched respondents); the shares of an empty row are ``None``, ``before`` and
        ``after`` the two scores; an infinite ``statistic`` is ``None``.
        """
        interval = self.confidence_interval() if self.matched >= 2 else None
        return json_dict(
            {
                "transitions": self.transitions,
                "shares": self.shares,
                "matched": self.matched,
                "entrants": self.entrants,
                "leavers": self.leavers,
                "unidentified": list(self.unidentified),
                "duplicates": list(self.duplicates),
                "survey_type": self.survey_type,
                "before": self.before.score,
                "after": self.after.score,
                "promoter_retention": self.promoter_retention,
                "detractor_recovery": self.detractor_recovery,
                "change": self.change,
                "standard_error": self.standard_error,
                "statistic": self.statistic,
                "pvalue": self.pvalue,
                "confidence_interval": jsonable(interval),
                "confidence_level": 0.95,
                "method": self.method,
            }
        )

    def __repr__(self) -> str:
        if self.change is None:
            change = "change=None"
        elif self.matched < 2:
            change = f"change={self.change:+.1f}"
        else:
            low, high = self.confidence_interval()
            interval = f"95% CI [{low:.1f}, {high:.1f}]"
            change = f"change={self.change:+.1f}, {interval}, pvalue={self.pvalue:.3g}"
        return (
            f"NPSMigration({change}, matched={self.matched}, "
            f"entrants={self.entrants}, leavers={self.leavers}, "
            f"promoter_retention={_rate(self.promoter_retention)}, "
            f"detractor_recovery={_rate(self.detractor_recovery)})"
        )


def _percent(share: float, digits: int) -> str:
    return "--" if math.isnan(share) else f"{100.0 * share:.{digits}f}%"


def _rate(value: float | None) -> str:
    return "None" if value is None else f"{value:.2f}"
