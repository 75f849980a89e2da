"""Raw measure values to 0..100 scores, vectorised, with why a score is missing.

Each transform returns the scores (NaN where missing) and a status code per account
(`OK`, `MISSING`, `OUT_OF_RANGE`, `UNKNOWN_CATEGORY`; `freshness` adds `STALE` and
`NOT_YET`). The codes feed the explanations.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray, InstantArray
from cshealth.scoring._bands import Closure
from cshealth.scoring._inputs import Inputs, Kind
from cshealth.scoring._scorecard import Measure
from cshealth.scoring._transform_config import (
    BooleanTransform,
    CategoriesTransform,
    LinearBoundedTransform,
    LinearTransform,
    PercentileTransform,
    ThresholdsTransform,
)

__all__ = [
    "MISSING",
    "NOT_YET",
    "OK",
    "OUT_OF_RANGE",
    "STALE",
    "STATUS_TEXT",
    "UNKNOWN_CATEGORY",
    "column_kinds",
    "freshness",
    "measure_scores",
    "status_codes",
]

OK, MISSING, OUT_OF_RANGE, UNKNOWN_CATEGORY, STALE, NOT_YET = range(6)
#: What each status code means, for explanations.
STATUS_TEXT = {
    OK: "ok",
    MISSING: "missing",
    OUT_OF_RANGE: "out of range",
    UNKNOWN_CATEGORY: "unknown category",
    STALE: "stale",
    NOT_YET: "observed after as_of",
}

#: Per-account status codes.
Int8Array = NDArray[np.int8]

_MICROSECONDS_PER_DAY = 86_400 * 1_000_000


def column_kinds(measures: tuple[Measure, ...]) -> dict[str, Kind]:
    """The columns the measures read and how each is read.

    Raises:
        InvalidInputError: If two measures read one column in different ways.
    """
    kinds: dict[str, Kind] = {}

    def need(name: str, kind: Kind, measure: str) -> None:
        existing = kinds.get(name, "raw")
        if existing == "raw":  # a raw reading (for grouping) gives way to any other
            kinds[name] = kind
        elif kind not in ("raw", existing):
            msg = (
                f"measure {measure!r} reads column {name!r} as {kind}, another measure reads "
                f"it as {kinds[name]}"
            )
            raise InvalidInputError(msg)

    for measure in measures:
        transform = measure.transform
        if isinstance(transform, CategoriesTransform):
            need(measure.column, "text", measure.name)
        elif isinstance(transform, BooleanTransform):
            need(measure.column, "flag", measure.name)
        else:
            need(measure.column, "number", measure.name)
        if isinstance(transform, PercentileTransform) and transform.by is not None:
            need(transform.by, "raw", measure.name)
        if measure.observed_at is not None:
            need(measure.observed_at, "instant", measure.name)
    return kinds


def measure_scores(
    measure: Measure, inputs: Inputs, closure: Closure
) -> tuple[FloatArray, Int8Array | None]:
    """The measure's 0..100 scores and status codes (before staleness).

    The codes are ``None`` when they follow from the scores (`MISSING` where NaN).

    Raises:
        InvalidInputError: On a category not in a ``categories`` transform (unless it
            counts as missing), naming the account and the known categories.
    """
    transform = measure.transform
    if isinstance(transform, CategoriesTransform):
        return _categories(transform, inputs, measure)
    if isinstance(transform, BooleanTransform):
        flags = inputs.number(measure.column)
        scores = np.where(flags == 1.0, transform.true, transform.false)
        scores[np.isnan(flags)] = np.nan
        return scores, None
    values = inputs.number(measure.column)
    if isinstance(transform, ThresholdsTransform):
        return _thresholds(transform, values, transform.closure or closure)
    if isinstance(transform, PercentileTransform):
        groups = inputs.columns[transform.by] if transform.by is not None else None
        return _percentile(transform, values, groups)
    return _linear(transform, values)


def status_codes(scores: FloatArray) -> Int8Array:
    status: Int8Array = np.isnan(scores).astype(np.int8)  # OK (0) or MISSING (1)
    return status


def _linear(
    transform: LinearTransform | LinearBoundedTransform, values: FloatArray
) -> tuple[FloatArray, Int8Array | None]:
    # (x - worst) / (best - worst) * 100: exact 0 and 100 at the ends
    scores = np.subtract(values, transform.worst)
    scores /= transform.best - transform.worst
    scores *= 100.0
    if isinstance(transform, LinearBoundedTransform):
        low, high = sorted((transform.worst, transform.best))
        with np.errstate(invalid="ignore"):
            outside = (values < low) | (values > high)
        status = status_codes(scores)
        status[outside] = OUT_OF_RANGE
        scores[outside] = np.nan
        return scores, status
    np.clip(scores, 0.0, 100.0, out=scores)
    return scores, None


def _thresholds(
    transform: ThresholdsTransform, values: FloatArray, closure: Closure
) -> tuple[FloatArray, Int8Array | None]:
    side: Literal["left", "right"] = "right" if closure == "lower_inclusive" else "left"
    index = np.searchsorted(np.asarray(transform.cuts, dtype=np.float64), values, side=side)
    scores = np.asarray(transform.scores, dtype=np.float64)[index]
    scores[np.isnan(values)] = np.nan
    return scores, None


def _categories(
    transform: CategoriesTransform, inputs: Inputs, measure: Measure
) -> tuple[FloatArray, Int8Array]:
    values = inputs.text(measure.column)
    codes, k = id_codes(values)
    present = codes >= 0
    first = np.full(k, -1, dtype=np.int64)
    first[codes[present][::-1]] = np.flatnonzero(present)[::-1]
    table = np.array(
        [transform.scores.get(str(values[row]), np.nan) for row in first.tolist()],
        dtype=np.float64,
    )
    unknown = np.isnan(table)
    if unknown.any() and transform.unknown == "error":
        row = int(first[np.flatnonzero(unknown)[0]])
        msg = (
            f"measure {measure.name!r}, column {measure.column!r}, account "
            f"{inputs.account_ids[row]!r}: unknown category {values[row]!r}; the known ones are "
            f"{sorted(transform.scores)} (set unknown='missing' to score it as missing)"
        )
        raise InvalidInputError(msg)
    scores = (
        np.where(present, table[np.maximum(codes, 0)], np.nan) if k else np.full(len(codes), np.nan)
    )
    status = status_codes(scores)
    if k:
        status[present & unknown[np.maximum(codes, 0)]] = UNKNOWN_CATEGORY
    return scores, status


def _percentile(
    transform: PercentileTransform, values: FloatArray, groups: object
) -> tuple[FloatArray, Int8Array | None]:
    n = len(values)
    present = ~np.isnan(values)
    if groups is not None:
        group_codes, _ = id_codes(np.asarray(groups))
        present &= group_codes >= 0
    else:
        group_codes = np.zeros(n, dtype=np.int64)
    rows = np.flatnonzero(present)
    v, g = values[rows], group_codes[rows]
    order = np.lexsort((v, g))
    sv, sg = v[order], g[order]
    m = len(rows)
    new_group = np.ones(m, dtype=bool)
    new_group[1:] = sg[1:] != sg[:-1]
    new_run = new_group.copy()
    new_run[1:] |= sv[1:] != sv[:-1]
    group_start = np.maximum.accumulate(np.where(new_group, np.arange(m), 0))
    run_start = np.maximum.accumulate(np.where(new_run, np.arange(m), 0))
    run_id = np.cumsum(new_run) - 1
    run_length = np.bincount(run_id, minlength=int(run_id[-1]) + 1 if m else 0)[run_id]
    group_id = np.cumsum(new_group) - 1
    group_size = np.bincount(group_id)[group_id] if m else np.zeros(0, dtype=np.int64)
    below = run_start - group_start
    rank = 100.0 * (below + 0.5 * run_length) / np.maximum(group_size, 1)
    if not transform.higher_is_better:
        rank = 100.0 - rank
    scores = np.full(n, np.nan)
    scores[rows[order]] = rank
    return scores, None


def freshness(
    scores: FloatArray,
    status: Int8Array | None,
    observed: InstantArray,
    *,
    max_age_days: float,
    as_of: np.datetime64,
) -> Int8Array:
    """Mark values observed too long before ``as_of`` (or with no time) stale, in place.

    A value observed at or after ``as_of`` is not yet known (`NOT_YET`).

    Returns:
        The status codes (``status``, or new ones if it was ``None``).
    """
    if status is None:
        status = status_codes(scores)
    has_value = ~np.isnan(scores)
    stamps = observed.astype("datetime64[us]").astype(np.int64)
    no_time = np.isnat(observed)
    limit = as_of.astype("datetime64[us]").astype(np.int64)
    age_days = (limit - stamps) / _MICROSECONDS_PER_DAY
    stale = has_value & (no_time | (age_days > max_age_days))
    future = has_value & ~no_time & (stamps >= limit)
    status[stale & ~future] = STALE
    status[future] = NOT_YET
    scores[stale | future] = np.nan
    return status
