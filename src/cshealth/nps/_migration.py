"""NPS migration: how the same respondents moved between two survey waves.

Respondents who answered both waves are matched by their identifier. Their movement
between the three categories is a 3×3 transition matrix (a Markov-style view), and the
change of their NPS is tested with a paired t-test on the per-person change of the
-1/0/+1 code, which accounts for the correlation of one person's two answers (the
independent-samples test of `compare` does not).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sized
from dataclasses import dataclass
from typing import NoReturn, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import whole_number
from cshealth._codes import id_codes, latest_rows
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._result import Result, json_dict, jsonable
from cshealth._stats import ConfidenceInterval, check_confidence_level
from cshealth._types import FloatArray, IdArray, IntArray
from cshealth.io._read import read_ids, same_kind
from cshealth.nps._responses import survey_columns
from cshealth.nps._score import NPSResult
from cshealth.nps._tally import _CATEGORY, _check_scores, tally_of

__all__ = ["CATEGORIES", "NPSMigration", "migration"]

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
    the two categories.

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


def migration(
    wave1: object,
    wave2: object,
    *,
    respondent: str = "contact_id",
    min_n: int = 30,
) -> NPSMigration:
    """Match the respondents of two NPS waves and measure how they moved.

    Args:
        wave1: The first wave: a mapping of respondent to 0-10 score, or NPS responses
            (``SurveyResponse`` records, a `Table`, a mapping of columns or a data frame)
            with a ``score`` column and the ``respondent`` column.
        wave2: The second wave, in any of the same forms.
        respondent: The column that identifies a respondent in responses (not used for a
            mapping of scores). Rows where it is missing (``None``, NaN) are counted as
            ``unidentified`` and left out.
        min_n: Below this many matched respondents a `SmallSampleWarning` is issued.

    Returns:
        The `NPSMigration`. With nobody matched its ``change`` is ``None``.

    Raises:
        InvalidInputError: On a score that is not a whole number in 0..10 (NaN included),
            an unhashable identifier, a missing column, waves of different survey types
            (or one wave mixing them: relationship and transactional NPS are never
            pooled), or a respondent answering a wave twice when there is no
            ``submitted_at`` to tell which answer is the latest.

    Notes:
        A respondent who answered a wave more than once counts with the latest answer by
        ``submitted_at`` (on a tie, the later row). With ``M`` the transition matrix and
        ``d_i = s_i2 - s_i1`` the change of person ``i``'s -1/0/+1 code:
        ``change = 100 mean(d)``, ``standard_error = 100 sd(d) / sqrt(n)`` (sample sd),
        ``statistic = change / standard_error`` and the p-value is two-sided from the t
        distribution with ``n - 1`` degrees of freedom. When every ``d_i`` is equal the
        standard deviation is 0: the statistic is 0 with p-value 1 when the change is 0,
        and ``±inf`` with p-value 0 otherwise (scipy's ``ttest_rel`` gives NaN there).
        Identifiers of both waves are coded together and matched with numpy, without a
        Python loop per respondent.

    Examples:
        Six customers answered in spring and six in autumn, five of them both times:

        | respondent | spring | autumn | categories           | change of code |
        |------------|--------|--------|----------------------|----------------|
        | ann        | 9      | 10     | promoter → promoter  | 0              |
        | bob        | 10     | 6      | promoter → detractor | -2             |
        | cat        | 7      | 9      | passive → promoter   | +1             |
        | dan        | 3      | 8      | detractor → passive  | +1             |
        | eve        | 5      | 7      | detractor → passive  | +1             |
        | fay        | 8      |        | left after spring    |                |
        | gus        |        | 9      | joined in autumn     |                |

        The panel is ann..eve: fay is a leaver and gus an entrant. In spring the panel had
        2 promoters and 2 detractors of 5 (NPS 0), in autumn 2 promoters and 1 detractor
        (NPS +20). The changes 0, -2, +1, +1, +1 have mean 0.2 (the +20 points) and sample
        standard deviation sqrt(6.8 / 4) = 1.304, so the standard error is
        1.304 / sqrt(5) = 0.583 (58.3 points) and t = 0.2 / 0.583 = 0.343 on 4 degrees of
        freedom: five people cannot show that a 20-point rise is real. One of the two
        promoters stayed (retention 0.5); both detractors recovered (recovery 1.0).

        >>> spring = {"ann": 9, "bob": 10, "cat": 7, "dan": 3, "eve": 5, "fay": 8}
        >>> autumn = {"ann": 10, "bob": 6, "cat": 9, "dan": 8, "eve": 7, "gus": 9}
        >>> res = migration(spring, autumn, min_n=0)
        >>> res.before.score, res.after.score, res.change
        (0.0, 20.0, 20.0)
        >>> res.matched, res.entrants, res.leavers
        (5, 1, 1)
        >>> round(res.standard_error, 2), round(res.statistic, 3), round(res.pvalue, 3)
        (58.31, 0.343, 0.749)
        >>> res.promoter_retention, res.detractor_recovery
        (0.5, 1.0)
        >>> print(res.format())
        wave 1 → wave 2  detractor  passive  promoter  total
        detractor                0        2         0      2
        passive                  0        0         1      1
        promoter                 1        0         1      2
        total                    1        2         2      5
    """
    whole_number(min_n, "min_n", low=0)
    if not respondent:
        msg = f"`respondent` must be the name of a column, got {respondent!r}"
        raise InvalidInputError(msg)
    first = _Wave.read(wave1, "wave1", respondent)
    second = _Wave.read(wave2, "wave2", respondent)
    same_kind(("`wave1`", first.ids), ("`wave2`", second.ids), noun="respondent ids")
    survey_type = _common_type(first.survey_type, second.survey_type)
    codes, k = _codes(first.ids, second.ids)
    codes1, codes2 = codes[: len(first.ids)], codes[len(first.ids) :]
    cat1, dropped1 = first.categories(codes1, k)
    cat2, dropped2 = second.categories(codes2, k)
    in1, in2 = cat1 >= 0, cat2 >= 0
    both = in1 & in2
    cells = np.bincount(3 * cat1[both] + cat2[both], minlength=9).astype(np.int64)
    transitions = cells.reshape(3, 3)
    result = NPSMigration(
        transitions=transitions,
        entrants=int((in2 & ~in1).sum()),
        leavers=int((in1 & ~in2).sum()),
        unidentified=(int((codes1 < 0).sum()), int((codes2 < 0).sum())),
        duplicates=(dropped1, dropped2),
        survey_type=survey_type,
    )
    if result.matched < min_n:
        warnings.warn(
            f"NPS migration of {result.matched} matched respondents (fewer than "
            f"min_n={min_n}): the change is uncertain",
            SmallSampleWarning,
            stacklevel=2,
        )
    return result


@dataclass(frozen=True)
class _Wave:
    """One wave as aligned columns: identifiers, checked scores, optional instants."""

    name: str
    ids: NDArray[np.generic]
    scores: NDArray[np.intp]
    submitted_at: NDArray[np.datetime64] | None
    survey_type: str | None

    @classmethod
    def read(cls, data: object, name: str, respondent: str) -> _Wave:
        if isinstance(data, Mapping) and _is_score_mapping(data):
            ids = read_ids(list(data.keys()), name=f"the keys of {name}", allow_missing=True)
            return cls(name, ids, _scores(list(data.values()), name), None, None)
        try:
            columns = survey_columns(
                data, kind="nps", need=("score", respondent), optional=("submitted_at",)
            )
        except InvalidInputError as err:  # name the wave; keep the per-row problems
            raise InvalidInputError(f"`{name}`: {err.args[0]}", err.errors) from None
        ids = read_ids(columns[respondent], name=f"{name}[{respondent!r}]", allow_missing=True)
        instants = columns.instants() if "submitted_at" in columns.columns else None
        scores = _scores(columns.scores(), name)
        return cls(name, ids, scores, instants, columns.survey_type)

    def categories(self, codes: IntArray, k: int) -> tuple[NDArray[np.intp], int]:
        """Each respondent's category (``-1`` when absent) and the duplicates left out."""
        rows = self._latest(codes, k)
        category = np.full(k, -1, dtype=np.intp)
        category[codes[rows]] = _CATEGORY[self.scores[rows]]
        return category, int((codes >= 0).sum()) - len(rows)

    def _latest(self, codes: IntArray, k: int) -> IntArray:
        """The rows kept: one per identified respondent, the latest when repeated."""
        rows = np.flatnonzero(codes >= 0)
        own = codes[rows]
        repeated = np.bincount(own, minlength=k)[own] > 1
        if not repeated.any():
            return rows
        if self.submitted_at is None:
            self._refuse(
                rows[repeated],
                own[repeated],
                "there is no `submitted_at` to tell "
                "which answer is the latest; pass it, or one answer per respondent",
            )
        times = self.submitted_at[rows]  # never NaT: the reader refuses a missing one
        kept: IntArray = rows[latest_rows(own, times.astype(np.int64), rows)]
        return kept

    def _refuse(self, rows: IntArray, codes: IntArray, reason: str) -> NoReturn:
        value = self.ids[int(rows[0])]
        shown = value.item() if isinstance(value, np.generic) else value
        msg = (
            f"`{self.name}`: respondent {shown!r} answered more than once and {reason} "
            f"(row {int(rows[0]) + 1}; {len(np.unique(codes))} such respondents in all)"
        )
        raise InvalidInputError(msg)


def _is_score_mapping(data: Mapping[object, object]) -> bool:
    """A mapping of respondent to score (scalar values) rather than of columns."""
    first = next(iter(data.values()), None)
    return not isinstance(first, Sized) or isinstance(first, (str, bytes))


def _scores(values: object, name: str) -> NDArray[np.intp]:
    try:
        array = np.asarray(values)
    except ValueError:  # ragged: sequences among the scores
        array = np.fromiter(cast("list[object]", values), dtype=object)
    return _check_scores(array, f"the scores of `{name}`")


def _codes(first: IdArray, second: IdArray) -> tuple[IntArray, int]:
    """Codes for the identifiers of both waves together (``-1`` where missing)."""
    if first.dtype != second.dtype:  # whole numbers with and without missing ones
        first, second = first.astype(object), second.astype(object)
    return id_codes(np.concatenate([first, second]), dense=False)


def _common_type(first: str | None, second: str | None) -> str | None:
    if first is not None and second is not None and first != second:
        msg = (
            f"`wave1` holds {first} responses and `wave2` {second} ones; relationship and "
            "transactional NPS are never pooled: pass waves of one survey type"
        )
        raise InvalidInputError(msg)
    return first if first is not None else second
