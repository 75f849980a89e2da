"""NPS per group (touchpoint, segment, plan, lifecycle stage, any column), honestly compared.

`breakdown` groups the responses as every function given ``by`` does (a column of the
responses, or a mapping from account id to group) and answers with a `cshealth.Grouped`:
every group gets the `NPSResult` that `score` gives on its responses alone (count and
interval), a small-sample flag, and a test of the group against all the other
responses; with many groups, the p-values are Holm-adjusted so that "one group in twelve
looks different" is not read as a finding. The breakdown is the finalised partial of all
the responses (`cshealth.nps._breakdown_partial`), the path partials of partitions take.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from cshealth._grouping import By
from cshealth._types import AsOf
from cshealth.models import SurveyType
from cshealth.nps._breakdown_partial import build_breakdown
from cshealth.nps._breakdown_result import Correction, NPSBreakdown

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
    ).finalize()
