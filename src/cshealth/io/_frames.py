"""The columns of a data frame (pandas, polars or alike) by name, with text labels only."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import cast

from cshealth._exceptions import InvalidInputError
from cshealth._types import DataFrameLike

__all__ = ["frame_columns"]


def frame_columns(frame: DataFrameLike) -> dict[str, object]:
    """Each column of ``frame`` under its label.

    Raises:
        InvalidInputError: If a label is not text (integer labels, a pandas ``MultiIndex``)
            or two columns share a label: columns are matched to fields by name.
    """
    labels = list(cast("Iterable[object]", frame.columns))
    for position, label in enumerate(labels):
        if not isinstance(label, str):
            hint = (
                "flatten the MultiIndex, e.g. df.columns = ['_'.join(map(str, c)) for c in "
                "df.columns]"
                if isinstance(label, tuple)
                else "rename them, e.g. df.columns = df.columns.astype(str)"
            )
            msg = (
                "the column labels of a data frame must be text (the field names); label "
                f"{position} is {label!r} ({type(label).__name__}): {hint}"
            )
            raise InvalidInputError(msg)
    repeated = sorted(str(label) for label, count in Counter(labels).items() if count > 1)
    if repeated:
        msg = f"a data frame has the column labels {repeated} more than once; keep one of each"
        raise InvalidInputError(msg)
    return {str(label): frame[str(label)] for label in labels}
