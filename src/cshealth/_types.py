"""Type aliases shared across cshealth.

Columnar conventions (see the concepts guide):

* calendar dates are ``datetime64[D]`` (`DateArray`), missing is ``NaT``;
* instants are ``datetime64[us]`` in UTC (`InstantArray`), missing is ``NaT``;
* numbers are ``float64`` (`FloatArray`), missing is ``NaN``; required whole numbers
  are ``int64`` (`IntArray`);
* text and categories are ``object`` arrays of ``str`` (`ObjectArray`), missing is
  ``None``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Literal, Protocol, TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ArrayLike",
    "AsOf",
    "BoolArray",
    "Column",
    "ColumnsLike",
    "DataFrameLike",
    "DateArray",
    "DateLike",
    "FloatArray",
    "IdArray",
    "InstantArray",
    "InstantLike",
    "IntArray",
    "ObjectArray",
    "Period",
]

FloatArray: TypeAlias = NDArray[np.float64]
IntArray: TypeAlias = NDArray[np.int64]
BoolArray: TypeAlias = NDArray[np.bool_]
ObjectArray: TypeAlias = NDArray[np.object_]
#: One column of a `Table`: a 1-D numpy array of any dtype.
Column: TypeAlias = NDArray[np.generic]
#: Identifiers as the user gave them: ``int64`` whole numbers, or ``object`` text (an
#: optional identifier column with missing values holds ``int``/``str`` and ``None``).
IdArray: TypeAlias = NDArray[np.generic]
#: ``datetime64[D]``: calendar dates.
DateArray: TypeAlias = NDArray[np.datetime64]
#: ``datetime64[us]``: instants in UTC.
InstantArray: TypeAlias = NDArray[np.datetime64]

#: A calendar date, or its ISO 8601 text (``"2025-03-31"``).
DateLike: TypeAlias = date | str
#: A timezone-aware instant, or its ISO 8601 text with an offset (``"2025-03-31T09:00Z"``).
InstantLike: TypeAlias = datetime | str

# --- the vocabulary (docs/concepts.md, "One word per idea") -------------------------------

#: A point in time: only what happened strictly before it counts. A date (or ``YYYY-MM-DD``
#: text, a day ``datetime64``) is the start of that day in the call's ``timezone``; an
#: aware ``datetime`` or ``pandas.Timestamp``, ISO text with an offset, or a ``datetime64``
#: with a time of day (UTC) is that instant. Naive instants are refused.
AsOf: TypeAlias = date | datetime | np.datetime64 | str
#: A calendar period to bucket by: ISO weeks (Monday first), months, quarters or years, in
#: the call's ``timezone``. Rolling windows are their own parameter, never a period.
Period: TypeAlias = Literal["week", "month", "quarter", "year"]


class DataFrameLike(Protocol):
    """Anything with named columns, such as a pandas or polars ``DataFrame``."""

    @property
    def columns(self) -> object:
        """The column names (an iterable of ``str``)."""

    def __getitem__(self, key: str, /) -> object:
        """The column called ``key``, as something ``numpy.asarray`` understands."""


#: Columns by name: a ``dict`` of lists or arrays, or a data frame.
ColumnsLike: TypeAlias = Mapping[str, ArrayLike] | DataFrameLike
