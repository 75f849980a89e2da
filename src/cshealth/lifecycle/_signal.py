"""`Signal`: one input of the lifecycle rules, a value per account and whether it is known.

`Signal` also says why an input is unknown (for every account, when its source was not
given: `_nothing`; or for one account without a value) and where a value came from a
documented fallback. `_as_signal` makes one of a column of values (numbers, flags or
text, by its dtype); `check_taken` refuses an input computed after ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import missing_ids
from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray

__all__ = ["Signal", "check_taken"]


@dataclass(frozen=True)
class Signal:
    """One input, per account.

    Attributes:
        values: The values (``float64`` numbers, ``bool`` flags or ``object`` text).
        known: Where the value is known.
        absent: Why the input is unknown for every account (its source was not given).
        unknown_reason: Why it is unknown for an account that has no value.
        fallback: Where the value was not measured but found by a documented fallback
            (``None`` when it never was), described by ``fallback_note``.
        fallback_note: How the fallback finds the value.
    """

    values: NDArray[np.generic]
    known: BoolArray
    absent: str | None = None
    unknown_reason: str = "no value for this account"
    fallback: BoolArray | None = None
    fallback_note: str = ""


def _nothing(n: int, why: str) -> Signal:
    return Signal(np.full(n, np.nan), np.zeros(n, dtype=bool), absent=why)


def _as_signal(values: NDArray[np.generic]) -> Signal:
    kind = values.dtype.kind
    if kind == "b":
        return Signal(values.astype(bool), np.ones(len(values), dtype=bool))
    if kind in "iuf":
        floats = values.astype(np.float64)
        return Signal(floats, ~np.isnan(floats))
    objects = values.astype(object)
    return Signal(objects, ~missing_ids(objects))


def check_taken(taken: object, instant: np.datetime64, name: str) -> None:
    """Refuse inputs taken after ``as_of``: they may know what happened after it."""
    if taken is None:
        return
    when = taken if isinstance(taken, np.datetime64) else np.datetime64(str(taken), "us")
    if when > instant:
        msg = (
            f"`{name}` was taken at {when}Z, after as_of ({instant}Z): it may know what "
            f"happened after as_of; compute it as of as_of or earlier"
        )
        raise InvalidInputError(msg)
