"""What the partials of the survey statistics share: tally columns, survey types, instants.

The NPS partials (`cshealth.nps._trend_partial`, `cshealth.nps._breakdown_partial`) keep
an `NPSTally` per row as seven columns (`TALLY_COUNTS`, `TALLY_SUMS`); every survey
partial keeps the survey type its rows were read as in a key column (``''`` when the data
does not say), so that the key of a partial depends on the options alone and a partition
without responses merges with any other. `one_type` finds the one type of merged rows,
refusing a mix as reading the whole data does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray, IntArray
from cshealth.nps._answers import _WEIGHT_RANGE
from cshealth.nps._responses import MIXED_TYPES
from cshealth.nps._tally import NPSTally, tally_of

__all__ = [
    "TALLY_COUNTS",
    "TALLY_SUMS",
    "TYPE_COLUMN",
    "answered",
    "instant_text",
    "one_type",
    "partition_weights",
    "parts_of",
    "tallies",
    "tally_columns",
    "text_instant",
]

#: The key column of the survey type every row was read as (``''``: the data does not say).
TYPE_COLUMN = ("survey_type", "object")
#: An `NPSTally`'s counts, as count columns.
TALLY_COUNTS = ("detractors", "passives", "promoters")
#: An `NPSTally`'s weight sums, as sum columns (the counts themselves when unweighted).
TALLY_SUMS = ("detractor_weight", "passive_weight", "promoter_weight", "weight_squares")


def tally_columns(
    counts: IntArray, sums: FloatArray | None, squares: FloatArray | None
) -> dict[str, NDArray[np.generic]]:
    """The tally columns of ``k`` rows: counts ``(k, 3)``, weight sums ``(k, 3)``, ``Σw²``.

    Without weights each weight sum is its count and ``weight_squares`` the row's ``n``,
    as in an unweighted `NPSTally`.
    """
    if sums is None or squares is None:
        sums, squares = counts.astype(np.float64), counts.sum(axis=1).astype(np.float64)
    columns: dict[str, NDArray[np.generic]] = {
        name: counts[:, i].astype(np.int64) for i, name in enumerate(TALLY_COUNTS)
    }
    columns.update({name: sums[:, i] for i, name in enumerate(TALLY_SUMS[:3])})
    columns["weight_squares"] = squares
    return columns


def answered(columns: Mapping[str, NDArray[np.generic]]) -> IntArray:
    """The responses of each row (the sum of the three counts)."""
    counts = [cast("IntArray", columns[name]) for name in TALLY_COUNTS]
    return counts[0] + counts[1] + counts[2]


def tallies(columns: Mapping[str, NDArray[np.generic]], rows: IntArray) -> list[NPSTally]:
    """The `NPSTally` of each of ``rows``."""
    counts = np.column_stack([columns[name][rows] for name in TALLY_COUNTS]).tolist()
    sums = np.column_stack([columns[name][rows] for name in TALLY_SUMS[:3]]).tolist()
    squares = columns["weight_squares"][rows].tolist()
    return [tally_of(c, s, q) for c, s, q in zip(counts, sums, squares)]


def one_type(types: NDArray[np.generic], *, untyped: bool = False) -> str | None:
    """The one survey type of some rows (``None`` when they do not say).

    Args:
        types: The rows' `TYPE_COLUMN`.
        untyped: Whether rows that do not say (``''``) may sit beside typed ones (two
            waves of a migration, one of them a mapping of scores).

    Raises:
        InvalidInputError: When the rows hold relationship and transactional
            responses, which are never pooled (the same refusal as reading the whole
            data), or, unless ``untyped``, some rows say their type and others do not
            (partitions read from different sources).
    """
    found = sorted({str(t) for t in types.tolist()})
    typed = [name for name in found if name]
    if len(typed) > 1:
        raise InvalidInputError(MIXED_TYPES)
    if typed and len(found) > 1 and not untyped:
        msg = (
            f"some of these rows are {typed[0]} responses and others do not say their survey "
            "type: read every partition with the same columns (a `survey_type` column in all "
            "of them or in none)"
        )
        raise InvalidInputError(msg)
    return typed[0] if typed else None


def partition_weights(w: FloatArray | None) -> None:
    """Refuse weights a partial cannot sum with another partition's in the same units.

    Reading the whole data divides all weights by the largest when it lies outside
    ``1e-100..1e100`` (`cshealth.nps._answers._check_weights`); a partition would divide
    by its own largest, so partials of such weights would add sums in different units.

    Raises:
        InvalidInputError: When the largest weight lies outside ``1e-100..1e100``.
    """
    top = float(w.max()) if w is not None and len(w) else 0.0
    if top > 0 and not _WEIGHT_RANGE[0] <= top <= _WEIGHT_RANGE[1]:
        msg = (
            f"the largest weight of this partition is {top:g}, outside 1e-100..1e100: weights "
            "so extreme are rescaled by their largest, which differs between partitions, so "
            "their partials would not add up; divide every weight by one common constant first"
        )
        raise InvalidInputError(msg)


def parts_of(part: object) -> tuple[str, ...]:
    """The ``parts`` of a partial computed on the partition named ``part`` (if named).

    Raises:
        InvalidInputError: When ``part`` is neither ``None`` nor text.
    """
    if part is None:
        return ()
    if not isinstance(part, str):
        msg = f"`part` names the partition: text, or None; got {type(part).__name__} {part!r:.60}"
        raise InvalidInputError(msg)
    return (part,)


def instant_text(instant: np.datetime64 | None) -> str:
    """An instant as the text a key keeps (microseconds, UTC); ``''`` for none."""
    return "" if instant is None else str(instant.astype("datetime64[us]"))


def text_instant(text: str) -> np.datetime64 | None:
    """The instant `instant_text` wrote."""
    return None if text == "" else np.datetime64(text, "us")
