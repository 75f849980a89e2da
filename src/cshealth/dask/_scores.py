"""Health scores on Dask: percentile transforms in two passes, then every partition scored.

A scorecard scores each account from its own row, except ``percentile`` transforms, which
rank it among all the accounts: scored per partition, they rank it within its partition
only. `health_scores` first merges every partition's `PercentileReference` (the count of
accounts with each value), then scores each partition against it, so the scores are those
of `cshealth.scoring.score` on the whole frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from cshealth._exceptions import ConfigError
from cshealth._types import AsOf
from cshealth.dask import _engine
from cshealth.dask._run import merged
from cshealth.scoring import (
    PercentileReference,
    PercentileTransform,
    Scorecard,
    percentile_reference,
    score,
)

if TYPE_CHECKING:
    import dask.dataframe as dd
    import pandas as pd

__all__ = ["health_scores"]


def health_scores(
    frame: dd.DataFrame,
    card: Scorecard,
    *,
    as_of: AsOf | None = None,
) -> pd.DataFrame:
    """`cshealth.scoring.score` on a Dask DataFrame of accounts, as on all of it at once.

    With ``percentile`` transforms, in two passes: the partitions' percentile references
    are merged first (`cshealth.scoring.percentile_reference`), then each partition is
    scored against the merged one; without, each partition is scored in one pass. The
    frame holds one row per account (no account in two partitions: each partition checks
    its own ids only).

    Args:
        frame: One row per account: ``account_id`` and every column ``card`` reads.
        card: The scorecard (a `ScorecardSet` is not supported).
        as_of: As in `cshealth.scoring.score`.

    Returns:
        The scores (`HealthScores.to_pandas`), partition after partition, in the frame's
        order.

    Raises:
        InvalidInputError: When ``frame`` is not a Dask DataFrame, or as
            `cshealth.scoring.score`.
        ConfigError: When ``card`` is not a `Scorecard`.
        MissingDependencyError: When dask is not installed.

    Examples:
        >>> import dask.dataframe as dd
        >>> import pandas as pd
        >>> from cshealth import scoring
        >>> card = scoring.Scorecard.model_validate(
        ...     {
        ...         "name": "ranked",
        ...         "root": {
        ...             "name": "overall",
        ...             "children": [
        ...                 {
        ...                     "name": "logins",
        ...                     "column": "logins",
        ...                     "transform": {"kind": "percentile"},
        ...                 }
        ...             ],
        ...         },
        ...     }
        ... )
        >>> accounts = pd.DataFrame({"account_id": list("abcd"), "logins": [1, 2, 3, 4]})
        >>> rows = health_scores(dd.from_pandas(accounts, npartitions=2), card)
        >>> rows["score"].tolist()  # ranked among all four, not within each half
        [12.5, 37.5, 62.5, 87.5]
        >>> rows["score"].tolist() == scoring.score(card, accounts).score.tolist()
        True
    """
    feature = "cshealth.dask.health_scores"
    dd = _engine.require(feature)
    _engine.check_frame(frame, dd, feature)
    given: object = card  # checked: callers without a type checker pass anything
    if not isinstance(given, Scorecard):
        msg = f"{feature}: `card` must be a Scorecard, got {type(given).__name__}"
        raise ConfigError(msg)
    reference: PercentileReference | None = None
    if any(isinstance(m.transform, PercentileTransform) for m in card.measures()):
        reference = merged(
            frame,
            _reference,
            {"card": card},
            partitioned_by=None,
            merge="tree",
            feature=feature,
        )
    tasks = [
        _engine.delayed()(_scores, pure=False)(piece, card, as_of, reference)
        for piece in frame.to_delayed()
    ]
    import pandas as pd  # noqa: PLC0415 - installed with dask's dataframe extra

    pieces = [
        p for p in cast("list[pd.DataFrame | None]", _engine.compute(*tasks)) if p is not None
    ]
    if not pieces:  # no accounts at all: the scores of none give the columns
        return score(card, frame._meta, as_of=as_of, reference=reference).to_pandas()
    return pd.concat(pieces, ignore_index=True)


def _reference(
    piece: pd.DataFrame, *, card: Scorecard, part: str | None = None
) -> PercentileReference:
    return percentile_reference(card, piece, part=part)


def _scores(
    piece: pd.DataFrame,
    card: Scorecard,
    as_of: AsOf | None,
    reference: PercentileReference | None,
) -> pd.DataFrame | None:
    """One partition's scores (on a worker); ``None`` for a partition of no accounts."""
    if len(piece) == 0:
        return None
    return score(card, piece, as_of=as_of, reference=reference).to_pandas()
