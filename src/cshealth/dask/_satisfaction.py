"""CSAT and CES on a Dask DataFrame: a histogram per scale point from each partition."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cshealth import nps
from cshealth.dask._run import Merge, merged

if TYPE_CHECKING:
    import dask.dataframe as dd

    from cshealth.models import SurveyType

__all__ = ["ces", "csat"]


def csat(
    frame: dd.DataFrame,
    *,
    scale: tuple[int, int] | None = None,
    positive: Iterable[int] | None = None,
    method: nps.CSATMethod = "top_box",
    survey_type: SurveyType | None = None,
    min_n: int = 30,
    merge: Merge = "tree",
) -> nps.CSATResult:
    """`cshealth.nps.csat` on a Dask DataFrame of answers.

    Each partition's `cshealth.nps.csat_partial` (answers and weights per scale point),
    merged, finalised: the `CSATResult` that `cshealth.nps.csat` gives on all the rows
    (weighted figures within the stated tolerance of partials). Any partitioning is
    exact. Weights come from the frame's ``weight`` column.

    Args:
        frame: The answers, with the columns `cshealth.nps.csat` reads.
        scale: As in `cshealth.nps.csat`.
        positive: As in `cshealth.nps.csat`.
        method: As in `cshealth.nps.csat`.
        survey_type: As in `cshealth.nps.csat`.
        min_n: As in `cshealth.nps.csat`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `CSATResult`.

    Raises:
        InvalidInputError: As `cshealth.nps.csat`, and as `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import nps
        >>> answers = pd.DataFrame({"score": [5, 4, 2, 5, 3]})
        >>> result = csat(dd.from_pandas(answers, npartitions=2), scale=(1, 5), min_n=5)
        >>> result == nps.csat(answers, scale=(1, 5), min_n=5)
        True
    """
    options = {
        "scale": scale,
        "positive": positive,
        "method": method,
        "survey_type": survey_type,
        "min_n": min_n,
    }
    partial = merged(
        frame,
        nps.csat_partial,
        options,
        partitioned_by=None,
        merge=merge,
        feature="cshealth.dask.csat",
    )
    return partial.finalize()


def ces(
    frame: dd.DataFrame,
    *,
    scale: tuple[int, int] | None = None,
    higher_is_easier: bool = True,
    method: nps.CESMethod = "mean",
    survey_type: SurveyType | None = None,
    min_n: int = 30,
    merge: Merge = "tree",
) -> nps.CESResult:
    """`cshealth.nps.ces` on a Dask DataFrame of answers.

    Each partition's `cshealth.nps.ces_partial` (answers and weights per scale point),
    merged, finalised: the `CESResult` that `cshealth.nps.ces` gives on all the rows
    (weighted figures within the stated tolerance of partials). Any partitioning is
    exact. Weights come from the frame's ``weight`` column.

    Args:
        frame: The answers, with the columns `cshealth.nps.ces` reads.
        scale: As in `cshealth.nps.ces`.
        higher_is_easier: As in `cshealth.nps.ces`.
        method: As in `cshealth.nps.ces`.
        survey_type: As in `cshealth.nps.ces`.
        min_n: As in `cshealth.nps.ces`.
        merge: As in `cshealth.dask.aggregate`.

    Returns:
        The `CESResult`.

    Raises:
        InvalidInputError: As `cshealth.nps.ces`, and as `cshealth.dask.aggregate`.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import nps
        >>> answers = pd.DataFrame({"score": [7, 6, 2, 5, 6]})
        >>> result = ces(dd.from_pandas(answers, npartitions=2), scale=(1, 7), min_n=5)
        >>> result == nps.ces(answers, scale=(1, 7), min_n=5)
        True
    """
    options = {
        "scale": scale,
        "higher_is_easier": higher_is_easier,
        "method": method,
        "survey_type": survey_type,
        "min_n": min_n,
    }
    partial = merged(
        frame,
        nps.ces_partial,
        options,
        partitioned_by=None,
        merge=merge,
        feature="cshealth.dask.ces",
    )
    return partial.finalize()
