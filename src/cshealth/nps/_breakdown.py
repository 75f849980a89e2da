"""NPS per group (touchpoint, segment, plan, lifecycle stage, any column), honestly compared.

`breakdown` groups the responses as every function given ``by`` does (a column of the
responses, or a mapping from account id to group) and answers with a `cshealth.Grouped`:
every group gets the `NPSResult` that `score` gives on its responses alone (count and
interval), a small-sample flag, and a test of the group against all the other
responses; with many groups, the p-values are Holm-adjusted so that "one group in twelve
looks different" is not read as a finding.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import iso, one_of, probability, shown, whole_number
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._grouping import BY_ACCOUNT, By, check_by, group_codes, mapping_labels
from cshealth._time import as_instant
from cshealth._types import AsOf, BoolArray, FloatArray, IdArray, IntArray
from cshealth._zones import time_zone
from cshealth.models import SurveyType
from cshealth.nps._answers import SCORE_COLUMN, _check_scores, _check_weights
from cshealth.nps._breakdown_result import Correction, NPSBreakdown
from cshealth.nps._compare import NPSComparison, compare
from cshealth.nps._responses import check_survey_type, survey_columns
from cshealth.nps._score import NPSResult
from cshealth.nps._tally import NPSTally, tally_checked, tally_scores

__all__ = ["breakdown"]


def breakdown(
    responses: object,
    *,
    by: By,
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
        by: What the groups are: a column of the responses (``'touchpoint'``, any
            column), or a mapping from account id to group, to group by an account
            attribute (segment, plan, lifecycle stage: ``{a.id: a.segment for a in
            accounts}``), matched to the ``account_id`` column by the identifier rule.
            Responses without a group (a missing value, an account the mapping does not
            name) are the group ``'(none)'``. To group by one label per response, add the
            labels as a column and name it.
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
        The `NPSBreakdown`: ``overall`` is `score` of every response in the window, and
        each group's result `score` of that group's responses alone. An empty score in
        the column form (``NaN``, ``None``, ``pd.NA``) is an unanswered survey: left out
        of every score, count and test, and counted apart per group
        (`NPSBreakdown.unanswered`) and overall (``overall.unanswered``), within the same
        ``[start, end)`` window.

    Raises:
        InvalidInputError: On bad responses or options; a ``by`` that is neither a
            column name nor a mapping (one label per response is refused: add them as a
            column), names no column, or is a mapping for responses without an
            ``account_id`` column; ``end <= start``; or ``start``/``end`` without a
            ``submitted_at`` column.

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
        >>> print(breakdown(data, by="touchpoint").format())
        group         NPS       n  interval        vs rest
        (all)        20.0     300  [ 10.4,  29.2]
        onboarding   75.0     120  [ 65.1,  81.2]  +89.6 *
        renewal       0.0      60  [-20.0,  20.0]  -24.7 *
        support     -25.0     120  [-39.0,  -9.8]  -73.6 *

        The same answers with dates, in the window ``[start, end)`` of February only:

        >>> from datetime import date
        >>> data["submitted_at"] = np.repeat(["2025-01-15T09:00Z", "2025-02-15T09:00Z"], 150)
        >>> february = breakdown(
        ...     data, by="touchpoint", start=date(2025, 2, 1), end=date(2025, 3, 1)
        ... )
        >>> february.labels, february.n.tolist()
        (['renewal', 'support'], [60, 90])
    """
    one_of(correction, Correction, "correction")
    probability(alpha, "alpha")
    whole_number(min_n, "min_n", low=0)
    _check_by(by)
    columns = survey_columns(
        responses,
        kind="nps",
        need=("score", *([by] if isinstance(by, str) else [])),
        optional=["weight", "submitted_at", "account_id"],
        survey_type=check_survey_type(survey_type),
        weights=weights,
    )
    bounds = _bounds(start, end, timezone)
    keep = _window(columns.columns, bounds)
    w = columns.weights()
    if w is not None:  # responses of weight 0 are left out, as `score` leaves them
        keep &= w > 0
        w = _check_weights(w[keep], int(keep.sum()))
    scores = _check_scores(columns.scores(), SCORE_COLUMN)[keep]
    groups = group_codes(
        _labels(columns.columns, by)[keep], by if isinstance(by, str) else BY_ACCOUNT
    )
    unanswered, aside = _unanswered(columns.unanswered, by, bounds, groups.labels)
    results = [
        NPSResult(_tally(scores[rows], None if w is None else w[rows]), count)
        for (_, rows), count in zip(groups.members(), unanswered)
    ]
    return NPSBreakdown(
        by=groups.by,
        overall=NPSResult(_tally(scores, w), aside),
        groups=dict(zip(groups.labels, results)),
        ungrouped=groups.ungrouped,
        correction=correction,
        alpha=alpha,
        min_n=min_n,
        survey_type=columns.survey_type,
        versus_rest=dict(zip(groups.labels, _versus_rest(results))),
    )


def _check_by(by: object) -> None:
    """Refuse labels given one per response (a column is the way), then any other non-`By`."""
    if isinstance(by, (list, tuple, range)) or hasattr(by, "__array__"):
        msg = (
            "`by` must be a column name or a mapping from account id to group, got "
            f"{type(by).__name__} {shown(by)}; to group by one label per response, add the "
            "labels as a column of the responses and name it (by='group')"
        )
        raise InvalidInputError(msg)
    check_by(by)


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


def _labels(columns: Mapping[str, NDArray[np.generic]], by: By) -> IdArray:
    """The group label of each response row (``None`` where it has none)."""
    if isinstance(by, str):
        values = columns.get(by)  # unanswered surveys keep no `score` or `weight` column
        return np.full(len(next(iter(columns.values()))), None) if values is None else values
    if "account_id" not in columns:
        msg = "grouping by an account mapping needs an `account_id` column"
        raise InvalidInputError(msg)
    accounts = columns["account_id"]
    codes, k = id_codes(accounts)
    first = np.full(k, -1, dtype=np.int64)
    np.maximum.at(first, codes[codes >= 0], np.flatnonzero(codes >= 0))
    lookup = np.empty(k + 1, dtype=object)  # one lookup per account, not per response
    lookup[:k] = mapping_labels(by, accounts[first])
    lookup[k] = None  # responses without an account: no group
    return lookup[np.where(codes >= 0, codes, k)]


def _unanswered(
    unanswered: Mapping[str, NDArray[np.generic]],
    by: By,
    bounds: _Bounds,
    labels: tuple[str, ...],
) -> tuple[list[int], int]:
    """The unanswered surveys in the window: how many of each group's, and in all.

    A survey whose group has no answer (no label in ``labels``) counts in all only.
    """
    if not unanswered:
        return [0] * len(labels), 0
    keep = _window(unanswered, bounds)
    aside = group_codes(_labels(unanswered, by)[keep], "")
    position = {label: i for i, label in enumerate(labels)}
    lookup = np.array([position.get(label, len(labels)) for label in aside.labels] or [0])
    counts = np.bincount(lookup[aside.codes], minlength=len(labels) + 1)
    return counts[: len(labels)].tolist(), int(keep.sum())


def _tally(scores: IntArray, w: FloatArray | None) -> NPSTally:
    """The tally of scores as `score` counts them (weights checked, of the whole's units)."""
    return tally_scores(scores, None) if w is None else tally_checked(scores, w)


def _versus_rest(results: list[NPSResult]) -> list[NPSComparison | None]:
    """Each group's test against all the others together (``None`` when they are empty).

    Both sides are the answers alone: a group's unanswered surveys are counted in
    `NPSBreakdown.unanswered`, not carried into its comparison, whose rest has none
    either (so blanking a survey and removing it give the same comparisons).

    The rest of group ``i`` is the sum of the groups before it and of those after it, so
    its weight sums are sums of non-negative numbers (a whole minus a part can round
    below zero).
    """
    before = [NPSTally()]
    for result in results:
        before.append(before[-1] + result.tally)
    after = [NPSTally()]
    for result in reversed(results):
        after.append(after[-1] + result.tally)
    after.reverse()
    tests: list[NPSComparison | None] = []
    for i, result in enumerate(results):
        rest = before[i] + after[i + 1]
        tests.append(compare(NPSResult(rest), NPSResult(result.tally)) if rest.n else None)
    return tests
