"""NPS per group (touchpoint, segment, plan, lifecycle stage, any column), honestly compared.

Every group gets its own `NPSResult` (count and interval), a small-sample flag, and a
test of the group against all the other responses; with many groups, the p-values are
Holm-adjusted so that "one group in twelve looks different" is not read as a finding.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import float_array, iso, one_of, probability, shown, whole_number
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._result import Result, RowsResult, json_dict, jsonable
from cshealth._stats import ConfidenceInterval, check_confidence_level
from cshealth._time import as_instant
from cshealth._types import AsOf, BoolArray, FloatArray, IntArray
from cshealth._zones import time_zone
from cshealth.io._read import keyed_values
from cshealth.models import SurveyType
from cshealth.nps._compare import NPSComparison, compare
from cshealth.nps._responses import check_survey_type, survey_columns
from cshealth.nps._score import NPSInterval, NPSResult
from cshealth.nps._tally import SCORE_COLUMN, NPSTally, _check_scores, tally_of

__all__ = ["BreakdownRow", "NPSBreakdown", "breakdown", "holm"]

Correction = Literal["holm", "none"]
_GROUP = "__group__"


@dataclass(frozen=True, eq=False, repr=False)
class BreakdownRow(Result):
    """One group of an `NPSBreakdown`.

    Attributes:
        label: The group's value of the ``by`` column (``None`` for responses without one).
        result: The group's NPS.
        small: Whether the group has fewer responses than the breakdown's ``min_n``.
        versus_rest: The test of this group against every other response (``b - a`` is
            this group minus the rest); ``None`` when either side is empty.
        pvalue: The adjusted p-value of that test (Holm unless no correction was asked).
        significant: Whether ``pvalue`` is below the breakdown's ``alpha``.
    """

    label: object
    result: NPSResult
    small: bool
    versus_rest: NPSComparison | None
    pvalue: float | None
    significant: bool

    def __repr__(self) -> str:
        flag = " *" if self.significant else ""
        return f"BreakdownRow({self.label!r}: {self.result!r}{flag})"


@dataclass(frozen=True, eq=False, repr=False)
class NPSBreakdown(RowsResult):
    """NPS per group, largest group first, with tests against the rest.

    Iterating gives the `BreakdownRow` objects and ``breakdown[label]`` one of them; the
    array properties give the same numbers as columns, `confidence_interval` the
    intervals as two arrays, ``to_pandas()`` the columns as a data frame and ``format()``
    (or ``str()``) a text table.

    Attributes:
        by: What the groups are (a column name, ``'account'`` for an account mapping, or
            ``'labels'`` for labels given per response).
        rows: The groups, largest first (ties by label).
        overall: The NPS of all the responses together.
        correction: ``'holm'`` or ``'none'``.
        alpha: Significance level of the flags.
        min_n: Groups with fewer responses are flagged ``small``.
        survey_type: The survey type of the responses (``None`` if the data does not say).
    """

    by: str
    rows: tuple[BreakdownRow, ...]
    overall: NPSResult
    correction: str
    alpha: float
    min_n: int
    survey_type: str | None

    #: The columns of ``to_pandas()``: one row per group.
    row_fields = ("labels", "scores", "n", "unanswered", "small", "pvalues", "significant")

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[BreakdownRow]:
        return iter(self.rows)

    def __getitem__(self, label: object) -> BreakdownRow:
        for row in self.rows:
            if row.label == label:
                return row
        msg = f"no group {label!r}; groups: {[row.label for row in self.rows]}"
        raise KeyError(msg)

    @property
    def labels(self) -> list[object]:
        """Group labels, in row order."""
        return [row.label for row in self.rows]

    @property
    def scores(self) -> FloatArray:
        """NPS per group, in points."""
        return np.array([row.result.score for row in self.rows], dtype=np.float64)

    @property
    def n(self) -> IntArray:
        """Responses per group."""
        return np.array([row.result.n for row in self.rows], dtype=np.int64)

    @property
    def unanswered(self) -> IntArray:
        """Unanswered surveys per group (an empty score in the column form), counted apart.

        A group with no answer has no row; its unanswered surveys count in
        ``overall.unanswered`` only.
        """
        return np.array([row.result.unanswered for row in self.rows], dtype=np.int64)

    @property
    def small(self) -> BoolArray:
        """Where a group has fewer responses than ``min_n``."""
        return np.array([row.small for row in self.rows], dtype=bool)

    @property
    def pvalues(self) -> FloatArray:
        """The adjusted p-value of each group against the rest; ``NaN`` where not tested."""
        return np.array(
            [math.nan if row.pvalue is None else row.pvalue for row in self.rows],
            dtype=np.float64,
        )

    @property
    def significant(self) -> BoolArray:
        """Where a group differs from the rest (adjusted p-value below ``alpha``)."""
        return np.array([row.significant for row in self.rows], dtype=bool)

    def confidence_interval(
        self, confidence_level: float = 0.95, method: NPSInterval = "adjusted_wald"
    ) -> ConfidenceInterval[FloatArray]:
        """The interval of each group's NPS, in points, as two arrays (in row order).

        Args:
            confidence_level: Coverage, strictly between 0 and 1.
            method: ``{'adjusted_wald', 'wald', 'trinomial_t', 'bootstrap',
                'bayes_dirichlet'}``, as in `NPSResult.confidence_interval`.

        Returns:
            ``ConfidenceInterval(low, high)``, one bound per group in each array; each
            group's bounds are those of its ``result.confidence_interval``.

        Raises:
            InvalidInputError: On a level outside (0, 1) or an unknown method.

        Examples:
            >>> data = {"plan": ["pro"] * 4 + ["basic"] * 2, "score": [10, 9, 9, 3, 2, 8]}
            >>> low, high = breakdown(data, "plan", min_n=0).confidence_interval()
            >>> low.round(1), high.round(1)
            (array([-33.6, -79.4]), array([90.7, 39.4]))
        """
        level = check_confidence_level(confidence_level)
        one_of(method, NPSInterval, "method")
        bounds = [row.result.confidence_interval(level, method) for row in self.rows]
        array = np.array(bounds, dtype=np.float64).reshape(-1, 2)
        return ConfidenceInterval(array[:, 0], array[:, 1])

    def to_dict(self) -> dict[str, object]:
        """The breakdown as strict JSON values, one entry per group in ``groups``.

        Each group has ``label`` (as text; ``None`` for responses without one),
        ``score``, ``n``, ``unanswered``, ``confidence_interval`` (``{"low", "high"}``,
        adjusted Wald at 95%), ``small``, ``difference_from_rest``, ``pvalue`` and
        ``significant``; ``overall`` is the score of all the responses together.
        """
        groups = [
            {
                "label": row.label if row.label is None else str(row.label),
                "score": row.result.score,
                "n": row.result.n,
                "unanswered": row.result.unanswered,
                "confidence_interval": jsonable(row.result.confidence_interval()),
                "small": row.small,
                "difference_from_rest": row.versus_rest.difference if row.versus_rest else None,
                "pvalue": row.pvalue,
                "significant": row.significant,
            }
            for row in self.rows
        ]
        return json_dict(
            {
                "by": self.by,
                "overall": self.overall.score,
                "n": self.overall.n,
                "unanswered": self.overall.unanswered,
                "correction": self.correction,
                "alpha": self.alpha,
                "min_n": self.min_n,
                "survey_type": self.survey_type,
                "groups": groups,
            }
        )

    def format(self, *, decimals: int = 1) -> str:
        """The breakdown as a text table; ``*`` marks a group unlike the rest, ``?`` a small one.

        Args:
            decimals: Digits after the point of the scores, intervals and differences.

        Raises:
            InvalidInputError: If ``decimals`` is not a whole number from 0 to 6.
        """
        digits = whole_number(decimals, "decimals", low=0, high=6)
        width = max([len(str(row.label)) for row in self.rows] + [5])
        score_width, bound = 5 + digits, 4 + digits
        span = 2 * bound + 5
        lines = [
            f"{'group':<{width}} {'NPS':>{score_width}} {'n':>7}  {'interval':<{span}} vs rest"
        ]
        for row in self.rows:
            low, high = row.result.confidence_interval()
            score = row.result.score or 0.0
            versus = f"{row.versus_rest.difference:+.{digits}f}" if row.versus_rest else ""
            mark = (" *" if row.significant else "") + (" ?" if row.small else "")
            line = f"{row.label!s:<{width}} {score:>{score_width}.{digits}f} {row.result.n:>7}"
            line += f"  [{low:{bound}.{digits}f}, {high:{bound}.{digits}f}]"
            lines.append(f"{line}  {versus}{mark}".rstrip())
        return "\n".join(lines)

    def __repr__(self) -> str:
        aside = f", unanswered={self.overall.unanswered}" if self.overall.unanswered else ""
        return (
            f"NPSBreakdown(by={self.by!r}, {len(self)} groups, n={self.overall.n}{aside}, "
            f"{int(self.significant.sum())} unlike the rest)"
        )


def breakdown(
    responses: object,
    by: str | Mapping[str, object] | Mapping[int, object] | ArrayLike,
    *,
    survey_type: SurveyType | None = None,
    start: AsOf | None = None,
    end: AsOf | None = None,
    weights: ArrayLike | None = None,
    correction: Correction = "holm",
    alpha: float = 0.05,
    min_n: int = 30,
    timezone: str = "UTC",
) -> NPSBreakdown:
    """NPS per group, each with its interval, a small-sample flag and a test against the rest.

    Args:
        responses: NPS ``SurveyResponse`` records, a `Table`, columns or a data frame.
        by: A column of the responses (``'touchpoint'``); a mapping from account id to
            a label, to group by an account attribute (segment, plan, lifecycle stage:
            ``{a.id: a.segment for a in accounts}``; accounts missing from it get
            ``None``); or one label per response row.
        survey_type: ``{'relationship', 'transactional'}``; required when the data holds
            both (they are never pooled).
        start: Optional date (its start in ``timezone``) or instant (aware datetime,
            ``datetime64`` read as UTC, ISO text with an offset): only responses
            submitted at or after it count.
        end: Optional date or instant, read as ``start``: only responses submitted
            before it count. With both, the window is ``[start, end)``.
        weights: Optional weights, one per response row, overriding the ``weight`` column.
        correction: ``{'holm', 'none'}``: how the group-versus-rest p-values are adjusted
            for testing every group.
        alpha: A group is flagged when its adjusted p-value is below this.
        min_n: Groups with fewer responses are flagged ``small``.
        timezone: The IANA zone whose midnight starts a day given as ``start`` or
            ``end`` (UTC by default).

    Returns:
        The `NPSBreakdown`. An empty score in the column form (``NaN``, ``None``,
        ``pd.NA``) is an unanswered survey: left out of every score, count and test, and
        counted apart per group (`NPSBreakdown.unanswered`) and overall
        (``overall.unanswered``), within the same ``[start, end)`` window.

    Raises:
        InvalidInputError: On bad responses or options, ``by`` naming no column,
            ``end <= start``, or ``start``/``end`` without a ``submitted_at`` column.

    Notes:
        Each group is compared with all the other responses by `compare` (adjusted-Wald
        z-test). Holm's step-down adjustment multiplies the ``j``-th smallest of ``m``
        p-values by ``m - j + 1`` and keeps the sequence non-decreasing; it controls the
        chance of any false flag at ``alpha`` (Holm 1979). One respondent may answer at
        several touchpoints, so groups of a breakdown by touchpoint are not fully
        independent.

    Examples:
        Onboarding delights, support disappoints:

        >>> import numpy as np
        >>> data = {
        ...     "touchpoint": ["onboarding"] * 120 + ["support"] * 120 + ["renewal"] * 60,
        ...     "score": np.r_[
        ...         np.tile([10, 9, 9, 7], 30), np.tile([10, 8, 3, 2], 30), np.tile([10, 8, 6], 20)
        ...     ],
        ... }
        >>> print(breakdown(data, "touchpoint").format())
        group         NPS       n  interval        vs rest
        onboarding   75.0     120  [ 65.1,  81.2]  +89.6 *
        support     -25.0     120  [-39.0,  -9.8]  -73.6 *
        renewal       0.0      60  [-20.0,  20.0]  -24.7 *

        The same answers with dates, in the window ``[start, end)`` of February only:

        >>> from datetime import date
        >>> data["submitted_at"] = np.repeat(["2025-01-15T09:00Z", "2025-02-15T09:00Z"], 150)
        >>> february = breakdown(data, "touchpoint", start=date(2025, 2, 1), end=date(2025, 3, 1))
        >>> february.labels, february.n.tolist()
        (['support', 'renewal'], [90, 60])
    """
    one_of(correction, Correction, "correction")
    probability(alpha, "alpha")
    whole_number(min_n, "min_n", low=0)
    label, column, extra = _grouping(by)
    optional = ["weight", "submitted_at", "account_id"]
    columns = survey_columns(
        responses,
        kind="nps",
        need=("score", *([column] if column else [])),
        optional=optional,
        survey_type=check_survey_type(survey_type),
        extra=extra,
        weights=weights,
    )
    bounds = _bounds(start, end, timezone)
    keep = _window(columns.columns, bounds)
    scores = _check_scores(columns.scores(), SCORE_COLUMN)[keep]
    w = columns.weights()
    groups = _labels(columns.columns, by, column)[keep]
    aside = _unanswered_labels(columns.unanswered, by, column, bounds)
    codes, k = id_codes(np.concatenate([groups, aside]) if len(aside) else groups)
    codes, aside_codes = codes[: len(groups)], codes[len(groups) :]
    tallies = _tallies(scores, codes, k, None if w is None else w[keep])
    names = _names(np.concatenate([groups, aside]), np.r_[codes, aside_codes], k)
    unanswered = np.bincount(np.where(aside_codes >= 0, aside_codes, k), minlength=k + 1)
    return _assemble(
        label,
        names,
        tallies,
        unanswered.tolist(),
        correction=correction,
        alpha=alpha,
        min_n=min_n,
        survey_type=columns.survey_type,
    )


def _grouping(by: object) -> tuple[str, str | None, dict[str, object] | None]:
    if isinstance(by, str):
        return by, by, None
    if isinstance(by, Mapping):
        return "account", None, None
    if isinstance(by, bytes) or np.ndim(cast("ArrayLike", by)) != 1:
        msg = (
            "`by` must be a column name, a mapping {account_id: group} or one label per "
            f"response, got {type(by).__name__} {shown(by)}"
        )
        raise InvalidInputError(msg)
    return "labels", None, {_GROUP: by}


#: The window ``[start, end)`` as instants (UTC); ``None`` for an open side.
_Bounds = tuple[np.datetime64 | None, np.datetime64 | None]


def _bounds(start: object, end: object, zone: str) -> _Bounds:
    """``start`` and ``end`` as instants, checked: the window is ``[start, end)``."""
    time_zone(zone)  # checked even when no bound is given
    low = None if start is None else as_instant(start, "start", timezone=zone)
    high = None if end is None else as_instant(end, "end", timezone=zone)
    if low is not None and high is not None and high <= low:
        msg = f"`end` ({iso(end)}) must be after `start` ({iso(start)}); the window is [start, end)"
        raise InvalidInputError(msg)
    return low, high


def _window(columns: Mapping[str, NDArray[np.generic]], bounds: _Bounds) -> BoolArray:
    n = len(next(iter(columns.values())))
    keep = np.ones(n, dtype=bool)
    low, high = bounds
    if low is None and high is None:
        return keep
    if "submitted_at" not in columns:
        msg = "`start` and `end` need a `submitted_at` column"
        raise InvalidInputError(msg)
    times = columns["submitted_at"]
    if high is not None:
        keep &= times < high
    if low is not None:
        keep &= times >= low
    return keep


def _labels(
    columns: Mapping[str, NDArray[np.generic]], by: object, column: str | None
) -> NDArray[np.generic]:
    if column is not None:
        return columns[column]
    if isinstance(by, Mapping):
        if "account_id" not in columns:
            msg = "grouping by an account mapping needs an `account_id` column"
            raise InvalidInputError(msg)
        accounts = columns["account_id"]
        codes, k = id_codes(accounts)
        first = np.full(k, -1, dtype=np.int64)
        np.maximum.at(first, codes[codes >= 0], np.flatnonzero(codes >= 0))
        lookup = np.empty(k + 1, dtype=object)  # one lookup per account, not per response
        lookup[:k] = keyed_values(by, accounts[first], name="by")[0]
        lookup[k] = None  # responses of accounts the mapping does not name: the None group
        return lookup[np.where(codes >= 0, codes, k)]
    return columns[_GROUP]


def _unanswered_labels(
    unanswered: Mapping[str, NDArray[np.generic]],
    by: object,
    column: str | None,
    bounds: _Bounds,
) -> NDArray[np.generic]:
    """The group label of each unanswered survey in the window (the rows set aside)."""
    if not unanswered:
        return np.empty(0, dtype=object)
    keep = _window(unanswered, bounds)
    return _labels(unanswered, by, column)[keep]


def _tallies(scores: IntArray, codes: IntArray, k: int, w: FloatArray | None) -> list[NPSTally]:
    category = (scores >= 7).astype(np.int64) + (scores >= 9)
    slot = np.where(codes >= 0, codes, k)  # responses without a label form the last group
    cells = slot * 3 + category
    counts = np.bincount(cells, minlength=3 * (k + 1)).reshape(k + 1, 3)
    if w is None:
        return [tally_of(row) for row in counts.tolist()]
    keep = w > 0
    counts = np.bincount(cells[keep], minlength=3 * (k + 1)).reshape(k + 1, 3)
    sums = np.bincount(cells, weights=w, minlength=3 * (k + 1)).reshape(k + 1, 3)
    squares = np.bincount(slot, weights=w * w, minlength=k + 1)
    return [
        tally_of(count, total, square)
        for count, total, square in zip(counts.tolist(), sums.tolist(), squares.tolist())
    ]


def _names(groups: NDArray[np.generic], codes: IntArray, k: int) -> list[object]:
    first = np.full(k, -1, dtype=np.int64)
    known = np.flatnonzero(codes >= 0)
    np.maximum.at(first, codes[known], known)
    names: list[object] = [_plain(value) for value in groups[first].tolist()] if k else []
    return [*names, None]


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _assemble(
    by: str,
    names: list[object],
    tallies: list[NPSTally],
    unanswered: list[int],
    *,
    correction: str,
    alpha: float,
    min_n: int,
    survey_type: str | None,
) -> NPSBreakdown:
    total = NPSTally().merge(*tallies)
    aside = dict(zip(range(len(names)), unanswered))
    present = [(i, name, t) for i, (name, t) in enumerate(zip(names, tallies)) if t.n]
    present.sort(key=lambda item: (-item[2].n, str(item[1])))
    tests: list[NPSComparison | None] = []
    for _, _, tally in present:
        rest = _difference(total, tally)
        tests.append(compare(NPSResult(rest), NPSResult(tally)) if rest.n else None)
    raw = [math.nan if t is None else t.pvalue for t in tests]
    adjusted = holm(raw).tolist() if correction == "holm" else raw
    rows = tuple(
        BreakdownRow(
            label=name,
            result=NPSResult(tally, aside[i]),
            small=tally.n < min_n,
            versus_rest=test,
            pvalue=None if math.isnan(p) else p,
            significant=not math.isnan(p) and p < alpha,
        )
        for (i, name, tally), test, p in zip(present, tests, adjusted)
    )
    overall = NPSResult(total, sum(unanswered))
    return NPSBreakdown(by, rows, overall, correction, alpha, min_n, survey_type)


def _difference(total: NPSTally, part: NPSTally) -> NPSTally:
    """The tally of everything in ``total`` but not in ``part`` (exact for counts)."""
    return NPSTally(
        detractors=total.detractors - part.detractors,
        passives=total.passives - part.passives,
        promoters=total.promoters - part.promoters,
        detractor_weight=total.detractor_weight - part.detractor_weight,
        passive_weight=total.passive_weight - part.passive_weight,
        promoter_weight=total.promoter_weight - part.promoter_weight,
        weight_squares=total.weight_squares - part.weight_squares,
    )


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
