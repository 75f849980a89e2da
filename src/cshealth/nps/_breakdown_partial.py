"""`NPSBreakdownPartial`: the tallies behind an NPS breakdown, per group label, mergeable.

`breakdown_partial` tallies one partition of the responses per group (and counts its
unanswered surveys); partials of disjoint partitions merge, and
`NPSBreakdownPartial.finalize` gives the `NPSBreakdown` of all of them, each group tested
against the rest built from the other groups' tallies. `cshealth.nps.breakdown` is exactly
the finalised partial of all the responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, cast

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import one_of, probability, whole_number
from cshealth._exceptions import InvalidInputError
from cshealth._grouped import NO_GROUP
from cshealth._grouping import BY_ACCOUNT, By, group_codes
from cshealth._partial import Partial, PartialKey, Requires
from cshealth._types import AsOf
from cshealth.models import SurveyType
from cshealth.nps._answers import SCORE_COLUMN, _check_scores, _check_weights
from cshealth.nps._breakdown_read import _bounds, _check_by, _labels, _tally, _unanswered, _window
from cshealth.nps._breakdown_result import Correction, NPSBreakdown
from cshealth.nps._compare import NPSComparison, compare
from cshealth.nps._partial_tally import (
    TALLY_COUNTS,
    TALLY_SUMS,
    TYPE_COLUMN,
    answered,
    instant_text,
    one_type,
    partition_weights,
    parts_of,
    tallies,
    tally_columns,
)
from cshealth.nps._responses import check_survey_type, survey_columns
from cshealth.nps._score import NPSResult
from cshealth.nps._tally import NPSTally

__all__ = ["NPSBreakdownPartial", "breakdown_partial"]

#: The tally of no response.
_NONE = NPSTally()


@dataclass(frozen=True, eq=False, repr=False)
class NPSBreakdownPartial(Partial):
    """The tallies behind an NPS breakdown, one row per group label: a partial of `breakdown`.

    Each row: ``survey_type`` (as read; ``''`` when the data does not say), ``level``
    (1: a group; 0: all the responses, ``group`` ``''``), ``group`` (the label, text;
    ``'(none)'`` for responses without a group), the `NPSTally` of its responses
    (``detractors``, ``passives``, ``promoters``; ``detractor_weight``,
    ``passive_weight``, ``promoter_weight``, ``weight_squares``), its ``unanswered``
    surveys and, on the ``'(none)'`` row, the answered responses without a group
    (``ungrouped``). A label with unanswered surveys only has a row too: it counts in
    ``overall.unanswered`` alone, as in `breakdown`. The row of all the responses holds
    the sum of the groups' counts, its weight sums summed in response order: the very
    ``overall`` of `breakdown`, where the sum of the groups' could differ in its last
    bits. The key holds ``by`` (the column
    name, or ``'account'`` for a mapping: two different mappings cannot be told apart),
    ``survey_type``, ``start`` and ``end`` (as instants), ``correction``, ``alpha`` and
    ``min_n``.

    Requires nothing of the partitioning: each response counts in its own group.

    Examples:
        >>> from cshealth import nps
        >>> data = {"plan": ["pro"] * 4 + ["basic"] * 2, "score": [10, 9, 9, 3, 2, 8]}
        >>> halves = [{k: v[:3] for k, v in data.items()}, {k: v[3:] for k, v in data.items()}]
        >>> merged = nps.breakdown_partial(halves[0], by="plan").merge(
        ...     nps.breakdown_partial(halves[1], by="plan")
        ... )
        >>> merged.columns["group"].tolist(), merged.columns["promoters"].tolist()
        (['', 'basic', 'pro'], [3, 0, 3])
        >>> merged.finalize() == nps.breakdown(data, by="plan")
        True
    """

    KIND: ClassVar[str] = "nps_breakdown"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (
        TYPE_COLUMN,
        ("level", "int64"),
        ("group", "object"),
    )
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = (*TALLY_COUNTS, "unanswered", "ungrouped")
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = TALLY_SUMS
    REQUIRES: ClassVar[Requires] = None

    def finalize(self) -> NPSBreakdown:
        """The `NPSBreakdown` of the responses tallied, as `breakdown` gives it.

        ``overall`` is the tally of the row of all the responses, and each group is
        compared with the sum of all the others' tallies (never a whole minus a part,
        whose weight sums could round below zero).

        Raises:
            InvalidInputError: When the rows hold relationship and transactional
                responses (read from different partitions; they are never pooled), or
                the row of all the responses counts other responses than the groups.

        Examples:
            >>> from cshealth import nps
            >>> data = {"plan": ["pro", "pro", "basic"], "score": [10, 9, 2]}
            >>> nps.breakdown_partial(data, by="plan").finalize().scores.tolist()
            [-100.0, 100.0]
        """
        c = self.columns
        options = dict(self.key.options)
        survey_type = one_type(c["survey_type"])
        level, n = c["level"], answered(c)
        labels = [str(label) for label in c["group"].tolist()]
        rows = sorted(np.flatnonzero((level == 1) & (n > 0)).tolist(), key=labels.__getitem__)
        unanswered = c["unanswered"].tolist()
        results = [
            NPSResult(tally, int(unanswered[i]))
            for i, tally in zip(rows, tallies(c, np.array(rows, dtype=np.int64)))
        ]
        whole = NPSTally().merge(*tallies(c, np.flatnonzero(level == 0)))
        if whole.n != sum(r.n for r in results):
            msg = (
                f"this {self.KIND} partial counts {whole.n} responses in all but "
                f"{sum(r.n for r in results)} in its groups: its rows were altered"
            )
            raise InvalidInputError(msg)
        names = [labels[i] for i in rows]
        return NPSBreakdown(
            by=options["by"],
            overall=NPSResult(whole, sum(unanswered)),
            groups=dict(zip(names, results)),
            ungrouped=int(c["ungrouped"].sum()),
            correction=cast("Correction", one_of(options["correction"], Correction, "correction")),
            alpha=float(options["alpha"]),
            min_n=int(options["min_n"]),
            survey_type=survey_type,
            versus_rest=dict(zip(names, _versus_rest(results))),
        )


def breakdown_partial(
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
    part: str | None = None,
) -> NPSBreakdownPartial:
    """The partial of `breakdown` on one partition of the responses.

    Takes the options of `breakdown`, read and checked as `breakdown` reads them, and
    ``part``.

    Args:
        responses: One partition of the NPS responses, in any form `breakdown` reads.
        by: As in `breakdown`: a column name, or a mapping from account id to group
            (give every partition the same mapping).
        survey_type: As in `breakdown`.
        start: As in `breakdown`.
        end: As in `breakdown`.
        weights: As in `breakdown`: one per row of this partition. Weights are summed
            in their own units, so a largest weight outside ``1e-100..1e100`` (which
            `breakdown` rescales by the largest of all) is refused here.
        correction: As in `breakdown`.
        alpha: As in `breakdown`.
        min_n: As in `breakdown`.
        timezone: As in `breakdown`.
        part: A name for the partition; merging two partials that name one partition
            is refused (a retried task counted twice).

    Returns:
        The `NPSBreakdownPartial`; of a partition without responses, the empty partial.
        A partition holding no NPS response (other kinds only) is not an error here.

    Raises:
        InvalidInputError: As `breakdown` on bad responses or options, and on extreme
            weights (above).

    Examples:
        >>> data = {"plan": ["pro", "pro", "basic", None], "score": [10, 9, 2, 7]}
        >>> p = breakdown_partial(data, by="plan", part="file-1")
        >>> p.columns["group"].tolist(), p.columns["ungrouped"].tolist(), p.parts
        (['', '(none)', 'basic', 'pro'], [0, 1, 0, 0], ('file-1',))
    """
    return build_breakdown(
        responses,
        by=by,
        survey_type=survey_type,
        start=start,
        end=end,
        weights=weights,
        correction=correction,
        alpha=alpha,
        min_n=min_n,
        timezone=timezone,
        parts=parts_of(part),
        partition=True,
    )


def build_breakdown(
    responses: object,
    *,
    by: By,
    survey_type: SurveyType | None,
    start: AsOf | None,
    end: AsOf | None,
    weights: ArrayLike | None,
    correction: Correction,
    alpha: float,
    min_n: int,
    timezone: str,
    parts: tuple[str, ...] = (),
    partition: bool = False,
) -> NPSBreakdownPartial:
    """`breakdown_partial`, of a partition or of the whole data (which `breakdown` finalises).

    Of the whole data, weights whose largest lies outside ``1e-100..1e100`` are divided
    by it (`cshealth.nps._answers._check_weights`); a partition refuses them.
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
        partition=partition,
    )
    bounds = _bounds(start, end, timezone)
    keep = _window(columns.columns, bounds)
    w = columns.weights()
    if w is not None:  # responses of weight 0 are left out, as `score` leaves them
        keep &= w > 0
        if partition:
            partition_weights(w[keep])
        w = _check_weights(w[keep], int(keep.sum()))
    scores = _check_scores(columns.scores(), SCORE_COLUMN)[keep]
    name = by if isinstance(by, str) else BY_ACCOUNT
    groups = group_codes(_labels(columns.columns, by)[keep], name)
    found = {
        label: _tally(scores[rows], None if w is None else w[rows])
        for label, rows in groups.members()
    }
    aside = dict(zip(*_unanswered(columns.unanswered, by, bounds)))
    labels = sorted(found.keys() | aside.keys())
    whole = _tally(scores, w)
    listed = [*(found.get(g, _NONE) for g in labels), *([whole] if whole.n else [])]
    counts = np.array([[getattr(t, f) for f in TALLY_COUNTS] for t in listed], np.int64)
    sums = np.array([[getattr(t, f) for f in TALLY_SUMS] for t in listed], np.float64)
    sums = sums.reshape(-1, 4)
    rows = tally_columns(counts.reshape(-1, 3), sums[:, :3], sums[:, 3])
    extra = len(listed) - len(labels)  # the row of all the responses, when there is one
    rows["unanswered"] = np.array([aside.get(g, 0) for g in labels] + [0] * extra, np.int64)
    ungrouped = [groups.ungrouped if g == NO_GROUP else 0 for g in labels] + [0] * extra
    rows["ungrouped"] = np.array(ungrouped, dtype=np.int64)
    rows["group"] = np.array(labels + [""] * extra, dtype=object)
    rows["level"] = np.array([1] * len(labels) + [0] * extra, dtype=np.int64)
    rows["survey_type"] = np.full(len(listed), columns.survey_type or "", dtype=object)
    low, high = bounds
    key = PartialKey.of(
        NPSBreakdownPartial.KIND,
        by=name,
        survey_type=survey_type,
        start=instant_text(low),
        end=instant_text(high),
        correction=correction,
        alpha=float(alpha),
        min_n=min_n,
    )
    return NPSBreakdownPartial(key, rows, parts)


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
