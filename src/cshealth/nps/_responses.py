"""Reading survey responses into the numpy columns the survey kernels work on.

Every survey function accepts the same inputs: ``SurveyResponse`` records, a `Table`, a
mapping of columns (a dict of lists or arrays) or a data frame. `survey_columns` turns any
of them into plain numpy columns once, converting and checking only the columns the caller
needs, so a ten-million-row frame is not validated field by field for a trend of two
columns. Responses of other kinds (CSAT rows in an NPS call) are set aside, and
relationship and transactional responses are never pooled.

`respondent_codes` gives every distinct respondent (or account, or group) a dense integer
code without sorting text: identifiers are hashed, and a collision of two different
identifiers is detected and resolved exactly.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast, get_args

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, DataFrameLike, FloatArray, IntArray, ObjectArray
from cshealth.io import Table, to_columns
from cshealth.io._columns import convert_column
from cshealth.models import SurveyKind, SurveyResponse, SurveyType

__all__ = [
    "SurveyColumns",
    "check_survey_type",
    "is_missing",
    "latest_rows",
    "missing_ids",
    "respondent_codes",
    "survey_columns",
]

_SURVEY_TYPES: tuple[str, ...] = get_args(SurveyType)
_NONE = np.array(None, dtype=object)


@dataclass(frozen=True)
class SurveyColumns:
    """Survey responses of one kind and one survey type, as aligned numpy columns.

    Attributes:
        columns: The requested columns: ``score`` as ``int64`` (not yet checked against
            the scale), ``submitted_at`` as ``datetime64[us]`` (UTC), ``weight`` as
            ``float64`` and every other column as given (text as ``object``).
        survey_type: The survey type of every row, or ``None`` when the data does not say.
        n: Number of rows.
    """

    columns: Mapping[str, NDArray[np.generic]]
    survey_type: str | None
    n: int

    def __getitem__(self, name: str) -> NDArray[np.generic]:
        return self.columns[name]

    def scores(self) -> IntArray:
        """The ``score`` column as integers (whole numbers were checked on reading)."""
        return cast("IntArray", self.columns["score"])

    def instants(self, name: str = "submitted_at") -> NDArray[np.datetime64]:
        """A ``datetime64[us]`` column."""
        return cast("NDArray[np.datetime64]", self.columns[name])

    def weights(self) -> FloatArray | None:
        """The ``weight`` column, or ``None`` when every weight is 1 or none was given."""
        weights = self.columns.get("weight")
        if weights is None:
            return None
        floats = cast("FloatArray", weights)
        return None if bool(np.all(floats == 1.0)) else floats

    def take(self, rows: BoolArray | IntArray) -> SurveyColumns:
        """The rows selected by a mask or an index array."""
        picked = {name: column[rows] for name, column in self.columns.items()}
        n = len(next(iter(picked.values()))) if picked else 0
        return SurveyColumns(picked, self.survey_type, n)


def check_survey_type(survey_type: object) -> SurveyType | None:
    """Check a ``survey_type`` argument (``None`` means: the one type the data holds)."""
    if survey_type is None or survey_type in _SURVEY_TYPES:
        return cast("SurveyType | None", survey_type)
    msg = f"`survey_type` must be one of {set(_SURVEY_TYPES)} or None, got {survey_type!r}"
    raise InvalidInputError(msg)


def survey_columns(
    data: object,
    *,
    kind: SurveyKind,
    need: Sequence[str],
    optional: Sequence[str] = (),
    survey_type: SurveyType | Literal["any"] | None = None,
    extra: Mapping[str, object] | None = None,
    weights: object = None,
) -> SurveyColumns:
    """Read survey responses of one kind into numpy columns.

    Args:
        data: ``SurveyResponse`` records, a `Table`, a mapping of columns or a data frame.
        kind: The kind of survey wanted. When the data has a ``kind`` column, rows of
            other kinds are set aside; data with rows but none of this kind is an error.
        need: Columns that must be present (``score``, ``submitted_at``, ...).
        optional: Columns read when present (absent ones are left out).
        survey_type: The survey type to keep. ``None`` keeps the one type the data holds
            and refuses a mix (relationship and transactional NPS are never pooled);
            ``"any"`` keeps every row (for functions that split by type themselves).
        extra: More columns, one value per row of ``data`` (before any row is set
            aside), kept as given and returned with the others.
        weights: Weights, one per row of ``data``, read in place of its ``weight``
            column.

    Returns:
        The columns, with ``survey_type`` set when it is known.

    Raises:
        InvalidInputError: On data of another form, a missing column, a bad value in a
            converted column, a survey type that is not ``relationship`` or
            ``transactional``, or a mix of survey types when one is required.
    """
    raw = _raw_columns(data, kind, need)
    if extra:
        raw.update(extra)
        need = [*need, *extra]
    if weights is not None:
        raw["weight"] = weights
        need = [*need, "weight"]
    n = _rows(raw)
    keep = np.ones(n, dtype=bool)
    if "kind" in raw:
        keep &= _kind_rows(raw["kind"], kind, n)
    chosen: str | None = None if survey_type == "any" else survey_type
    if "survey_type" in raw:
        chosen, rows = _chosen_type(_text(raw["survey_type"]), keep, survey_type)
        if rows is not None:
            keep &= rows
    elif survey_type is not None and survey_type != "any":
        chosen = survey_type
    missing = [name for name in need if name not in raw]
    if missing:
        msg = f"{kind.upper()} responses need the columns {missing}; got {sorted(raw)}"
        raise InvalidInputError(msg)
    wanted = list(dict.fromkeys([*need, *(name for name in optional if name in raw)]))
    columns = {name: _convert(name, raw[name]) for name in wanted}
    if not keep.all():
        selected = np.flatnonzero(keep)
        columns = {name: column.take(selected) for name, column in columns.items()}
    return SurveyColumns(columns, chosen, int(keep.sum()))


def _raw_columns(data: object, kind: str, need: Sequence[str]) -> dict[str, object]:
    if isinstance(data, Iterator):  # a one-shot iterator: read it once
        data = list(data)
    if isinstance(data, Table):
        return dict(data.items())
    if isinstance(data, Mapping):
        return {str(name): values for name, values in data.items()}
    if hasattr(data, "columns") and hasattr(data, "__getitem__"):
        frame = cast("DataFrameLike", data)
        return {str(name): frame[str(name)] for name in cast("Iterable[object]", frame.columns)}
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes, np.ndarray)):
        items = list(data)
        if all(isinstance(item, SurveyResponse) for item in items):
            if not items:
                return {name: np.empty(0, dtype=_EMPTY_DTYPES.get(name, object)) for name in need}
            return dict(to_columns(cast("list[SurveyResponse]", items)).items())
    msg = (
        f"{kind.upper()} responses must be SurveyResponse records, a Table, a mapping of "
        f"columns or a data frame; got {type(data).__name__}"
    )
    raise InvalidInputError(msg)


_EMPTY_DTYPES: Mapping[str, str] = {
    "score": "int64",
    "submitted_at": "datetime64[us]",
    "weight": "float64",
}


def _rows(raw: Mapping[str, object]) -> int:
    lengths = {name: len(cast("Sequence[object]", values)) for name, values in raw.items()}
    if len(set(lengths.values())) > 1:
        msg = f"columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    return next(iter(lengths.values()), 0)


def _text(values: object) -> ObjectArray:
    array = np.asarray(values)
    return array if array.dtype == object else array.astype(object)


def _kind_rows(values: object, kind: str, n: int) -> BoolArray:
    kinds = _text(values)
    rows: BoolArray = np.asarray(kinds == kind, dtype=bool)
    if n and not rows.any():
        found = sorted({str(k) for k in kinds[: min(n, 10_000)].tolist()})
        msg = (
            f"no responses of kind {kind!r} among {n} (kinds found: {found}); pass the "
            f"{kind.upper()} responses"
        )
        raise InvalidInputError(msg)
    return rows


def _chosen_type(
    types: ObjectArray, keep: BoolArray, survey_type: object
) -> tuple[str | None, BoolArray | None]:
    """The survey type to keep and its rows (``None``: keep every row)."""
    first = np.asarray(np.equal(types, _SURVEY_TYPES[0]), dtype=bool)
    second = np.zeros(len(types), dtype=bool)
    rest = np.flatnonzero(~first)  # one comparison per row, not one per type
    second[rest] = np.asarray(np.equal(types.take(rest), _SURVEY_TYPES[1]), dtype=bool)
    bad = keep & ~first & ~second
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"row {row + 1}: `survey_type` is {types[row]!r}; allowed: "
            f"{', '.join(repr(t) for t in _SURVEY_TYPES)} ({int(bad.sum())} bad rows in all)"
        )
        raise InvalidInputError(msg)
    rows = dict(zip(_SURVEY_TYPES, (first, second)))
    present = [name for name, mask in rows.items() if bool((mask & keep).any())]
    if survey_type == "any":
        return (present[0] if len(present) == 1 else None), None
    if survey_type is not None:
        return str(survey_type), rows[str(survey_type)]
    if len(present) > 1:
        msg = (
            "relationship and transactional responses are never pooled; pass "
            "survey_type='relationship' or survey_type='transactional'"
        )
        raise InvalidInputError(msg)
    return (present[0], None) if present else (None, None)


def _convert(name: str, values: object) -> NDArray[np.generic]:
    if name == "submitted_at":
        return convert_column(values, SurveyResponse, "submitted_at")
    if name == "weight":
        return _weights(values)
    if name == "score":
        return _whole_scores(values)
    array = np.asarray(values)
    return array.astype(object) if array.dtype.kind in "US" else array


def _whole_scores(values: object) -> IntArray:
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False)
    try:
        floats = array.astype(np.float64)
    except (TypeError, ValueError):
        floats = np.array([_number(v) for v in array.tolist()], dtype=np.float64)
    whole = np.isfinite(floats) & (floats == np.floor(floats))
    if not whole.all():
        row = int(np.flatnonzero(~whole)[0])
        shown = array[row].item() if isinstance(array[row], np.generic) else array[row]
        msg = (
            f"row {row + 1}: `score` is {shown!r}; scores must be whole numbers "
            f"({int((~whole).sum())} bad values in all)"
        )
        raise InvalidInputError(msg)
    return floats.astype(np.int64)


def _number(value: object) -> float:
    try:
        return float(cast("float", value))
    except (TypeError, ValueError):
        return float("nan")


def _weights(values: object) -> FloatArray:
    try:
        weights = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        weights = np.array([_number(v) for v in np.asarray(values).tolist()])
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        msg = (
            f"row {row + 1}: `weight` is {float(weights[row])!r}; weights must be finite "
            f"numbers >= 0 ({int(bad.sum())} bad values in all)"
        )
        raise InvalidInputError(msg)
    return weights


def respondent_codes(values: NDArray[np.generic], *, dense: bool = True) -> tuple[IntArray, int]:
    """Integer codes ``0..k-1`` for the distinct values; ``-1`` where missing.

    Missing is ``None`` or NaN. Integer identifiers in a compact range are used as they
    are (shifted); other values are hashed, and the codes are checked against the values
    themselves, so two identifiers that share a hash are still told apart. The order of
    the codes is unspecified (grouping only). With ``dense=False``, integer identifiers
    spanning fewer than ``len(values)`` numbers are only shifted, so some of the ``k``
    codes may be unused (cheaper, for callers that only group).

    Returns:
        ``(codes, k)``.

    Raises:
        InvalidInputError: On unhashable identifiers.
    """
    n = len(values)
    if n == 0:
        return np.empty(0, dtype=np.int64), 0
    if values.dtype.kind in "iub":
        ints = values.astype(np.int64)
        low, high = int(ints.min()), int(ints.max())
        if not dense and high - low < n:  # compact already: the shifted ids will do
            return ints - low, high - low + 1
        if high - low <= 4 * n:
            shifted = ints - low
            used = np.zeros(high - low + 1, dtype=bool)
            used[shifted] = True
            numbering = np.cumsum(used) - 1
            return numbering[shifted], int(used.sum())
        unique, inverse = np.unique(ints, return_inverse=True)
        return inverse.astype(np.int64), len(unique)
    if values.dtype.kind == "f":
        floats = values.astype(np.float64)
        present = ~np.isnan(floats)
        unique, inverse = np.unique(floats[present], return_inverse=True)
        codes = np.full(n, -1, dtype=np.int64)
        codes[present] = inverse
        return codes, len(unique)
    objects = values.astype(object)
    missing = missing_ids(objects)
    present_rows = np.flatnonzero(~missing)
    present = objects[present_rows]
    try:
        hashes = np.fromiter(map(hash, present), dtype=np.int64, count=len(present))
    except TypeError:
        msg = "identifiers must be hashable (text or whole numbers)"
        raise InvalidInputError(msg) from None
    inverse, k = (_exact if dense else _slotted)(present, hashes)
    codes = np.full(n, -1, dtype=np.int64)
    codes[present_rows] = inverse
    return codes, k


def missing_ids(objects: ObjectArray) -> BoolArray:
    """Where identifiers are missing: None, NaN (not equal to itself) or pandas' NA."""
    try:
        missing: BoolArray = np.asarray(np.equal(objects, _NONE), dtype=bool)
        missing |= np.asarray(np.not_equal(objects, objects), dtype=bool)
        return missing
    except TypeError:  # a value whose comparison is not a bool (pandas.NA): one by one
        return np.array([is_missing(value) for value in objects.tolist()], dtype=bool)


def is_missing(value: object) -> bool:
    """Whether one identifier is missing: None, NaN or pandas' NA."""
    if value is None:
        return True
    try:
        return bool(operator.ne(value, value))  # only NaN differs from itself
    except TypeError:
        return True  # comparisons that answer "unknown" (pandas.NA) mark a missing value


def _exact(present: ObjectArray, hashes: IntArray) -> tuple[IntArray, int]:
    """Dense codes by sorting the hashes, checked against the values themselves."""
    unique, first, inverse = np.unique(hashes, return_index=True, return_inverse=True)
    same = np.asarray(present[first][inverse] == present, dtype=bool)
    if same.all():
        return inverse.astype(np.int64), len(unique)
    seen: dict[object, int] = {}  # two different identifiers share a hash: number them
    numbered = np.fromiter(
        (seen.setdefault(value, len(seen)) for value in present.tolist()),
        dtype=np.int64,
        count=len(present),
    )
    return numbered, len(seen)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # Fibonacci hashing: spreads any hash over the slots


def _slotted(present: ObjectArray, hashes: IntArray) -> tuple[IntArray, int]:
    """Codes without sorting: the slot of a table of ``~2n`` slots, exact by checking.

    Each value goes to a slot picked from its hash; one row per slot is its representative
    (``numpy.maximum.at``). Rows equal to their slot's representative take the slot as
    their code; the few others (another value in the same slot) are numbered exactly by
    `_exact` above the table. Some codes are unused.
    """
    n = len(present)
    bits = max(int(2 * n).bit_length(), 4)
    with np.errstate(over="ignore"):
        slot = ((hashes.view(np.uint64) * _GOLDEN) >> np.uint64(64 - bits)).astype(np.int64)
    size = 1 << bits
    representative = np.full(size, -1, dtype=np.int64)
    np.maximum.at(representative, slot, np.arange(n))
    same = np.asarray(present[representative[slot]] == present, dtype=bool)
    if same.all():
        return slot, size
    codes = np.where(same, slot, -1)
    rest = np.flatnonzero(~same)
    numbered, k = _exact(present[rest], hashes[rest])
    codes[rest] = size + numbered
    return codes, size + k


def latest_rows(codes: IntArray, times: IntArray, tiebreak: NDArray[np.generic]) -> IntArray:
    """The index of each code's latest row: greatest time, ties to the greatest tiebreak."""
    order = np.lexsort((tiebreak, times, codes))
    grouped = codes[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = grouped[1:] != grouped[:-1]
    kept: IntArray = order[last]
    return kept
