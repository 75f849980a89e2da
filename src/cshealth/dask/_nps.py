"""NPS on a Dask DataFrame: the partial of each partition, merged, finalised on the client."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from cshealth import nps
from cshealth.dask._run import Merge, merged

if TYPE_CHECKING:
    import dask.dataframe as dd

    from cshealth._grouping import By
    from cshealth._types import AsOf, Period
    from cshealth.models import SurveyType

__all__ = ["nps_breakdown", "nps_trend"]


def nps_trend(
    frame: dd.DataFrame,
    *,
    as_of: AsOf,
    period: Period = "month",
    dedupe: nps.Dedupe | None = None,
    survey_type: SurveyType | None = None,
    start: AsOf | None = None,
    alpha: float = 0.05,
    confidence_level: float = 0.95,
    min_n: int = 30,
    timezone: str = "UTC",
    partitioned_by: str | None = None,
    merge: Merge = "tree",
) -> nps.NPSTrend:
    """`cshealth.nps.trend` of calendar periods, on a Dask DataFrame of responses.

    Each partition's `cshealth.nps.trend_partial`, merged, finalised: the very `NPSTrend`
    that `cshealth.nps.trend` gives on all the rows (weighted figures within the stated
    tolerance of partials). With ``dedupe='latest'`` (the default for relationship
    surveys) each contact's latest response per period counts, so the frame is first
    shuffled on ``contact_id`` unless ``partitioned_by='contact_id'`` states that every
    contact's responses already sit in one partition (a frame without ``contact_id``, or
    with ``dedupe='none'``, is not shuffled). Rolling windows (``rolling_days``) have no
    partial form. Weights come from the frame's ``weight`` column, as `trend` reads it.
    Naive timestamps are read as UTC.

    Args:
        frame: The responses, with the columns `cshealth.nps.trend` reads.
        as_of: As in `cshealth.nps.trend`.
        period: As in `cshealth.nps.trend`.
        dedupe: As in `cshealth.nps.trend`.
        survey_type: As in `cshealth.nps.trend`.
        start: As in `cshealth.nps.trend`.
        alpha: As in `cshealth.nps.trend`.
        confidence_level: As in `cshealth.nps.trend`.
        min_n: As in `cshealth.nps.trend`.
        timezone: As in `cshealth.nps.trend`.
        partitioned_by: As in `cshealth.dask.partials`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `NPSTrend`.

    Raises:
        InvalidInputError: As `cshealth.nps.trend`, and as `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import nps
        >>> answers = pd.DataFrame(
        ...     {
        ...         "contact_id": ["a", "b", "a", "c"],
        ...         "score": [10, 3, 6, 9],
        ...         "submitted_at": pd.to_datetime(
        ...             ["2025-01-03", "2025-01-05", "2025-01-20", "2025-02-02"]
        ...         ),
        ...     }
        ... )
        >>> frame = dd.from_pandas(answers, npartitions=2)
        >>> trend = nps_trend(frame, as_of="2025-03-01")
        >>> trend.scores.tolist()  # a's latest January answer (6) counts, not their 10
        [-100.0, 100.0]
        >>> trend == nps.trend(answers, as_of="2025-03-01")
        True
    """
    options: dict[str, object] = {
        "as_of": as_of,
        "period": period,
        "dedupe": dedupe,
        "survey_type": survey_type,
        "start": start,
        "alpha": alpha,
        "confidence_level": confidence_level,
        "min_n": min_n,
        "timezone": timezone,
    }
    partial = merged(
        frame,
        nps.trend_partial,
        options,
        partitioned_by=partitioned_by,
        merge=merge,
        feature="cshealth.dask.nps_trend",
    )
    return partial.finalize()


def nps_breakdown(
    frame: dd.DataFrame,
    *,
    by: By,
    survey_type: SurveyType | None = None,
    start: AsOf | None = None,
    end: AsOf | None = None,
    correction: Literal["holm", "none"] = "holm",
    alpha: float = 0.05,
    min_n: int = 30,
    timezone: str = "UTC",
    merge: Merge = "tree",
) -> nps.NPSBreakdown:
    """`cshealth.nps.breakdown` on a Dask DataFrame of responses.

    Each partition's `cshealth.nps.breakdown_partial`, merged, finalised: the
    `NPSBreakdown` that `cshealth.nps.breakdown` gives on all the rows (weighted figures
    within the stated tolerance of partials). Every response counts once, so any
    partitioning is exact. Weights come from the frame's ``weight`` column.

    Args:
        frame: The responses, with the columns `cshealth.nps.breakdown` reads.
        by: As in `cshealth.nps.breakdown`: a column, or a mapping from account id to
            group (sent to every partition).
        survey_type: As in `cshealth.nps.breakdown`.
        start: As in `cshealth.nps.breakdown`.
        end: As in `cshealth.nps.breakdown`.
        correction: As in `cshealth.nps.breakdown`.
        alpha: As in `cshealth.nps.breakdown`.
        min_n: As in `cshealth.nps.breakdown`.
        timezone: As in `cshealth.nps.breakdown`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `NPSBreakdown`.

    Raises:
        InvalidInputError: As `cshealth.nps.breakdown`, and as `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import nps
        >>> answers = pd.DataFrame(
        ...     {"plan": ["pro", "pro", "basic", "basic", "pro"], "score": [10, 9, 2, 7, 6]}
        ... )
        >>> breakdown = nps_breakdown(dd.from_pandas(answers, npartitions=2), by="plan")
        >>> breakdown == nps.breakdown(answers, by="plan")
        True
    """
    options: dict[str, object] = {
        "by": by,
        "survey_type": survey_type,
        "start": start,
        "end": end,
        "correction": correction,
        "alpha": alpha,
        "min_n": min_n,
        "timezone": timezone,
    }
    partial = merged(
        frame,
        nps.breakdown_partial,
        options,
        partitioned_by=None,
        merge=merge,
        feature="cshealth.dask.nps_breakdown",
    )
    return partial.finalize()
