"""Reading survey responses into the numpy columns the survey kernels work on.

Every survey function accepts the same inputs: ``SurveyResponse`` records, a `Table`, a
mapping of columns (a dict of lists or arrays) or a data frame. `survey_columns` turns any
of them into plain numpy columns once, converting and checking only the columns the caller
needs, so a ten-million-row frame is not validated field by field for a trend of two
columns. Responses of other kinds (CSAT rows in an NPS call) are set aside, and
relationship and transactional responses are never pooled.

An empty score (``NaN``, ``None``, ``pd.NA``) in the column form is an *unanswered*
survey: it is no answer, so it is set aside with its other columns
(`SurveyColumns.unanswered`) for the results to count apart, and left out of every
statistic. A `SurveyResponse` record always has a score.

Respondents, accounts and groups are numbered by `cshealth._codes.id_codes`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, cast, get_args

import numpy as np
from numpy.typing import NDArray

from cshealth._checks import one_of, shown
from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, FloatArray, IntArray, ObjectArray
from cshealth.io._read import convert_column, raw_columns
from cshealth.models import SurveyKind, SurveyResponse, SurveyType

__all__ = [
    "MIXED_TYPES",
    "SurveyColumns",
    "check_survey_type",
    "survey_columns",
]

_SURVEY_TYPES: tuple[str, ...] = get_args(SurveyType)
#: Why a mix of survey types is refused.
MIXED_TYPES = (
    "relationship and transactional responses are never pooled: give one survey "
    "type at a time (filter the responses, or pass survey_type='relationship' or "
    "'transactional' to a function that takes it)"
)


@dataclass(frozen=True)
class SurveyColumns:
    """Survey responses of one kind and one survey type, as aligned numpy columns.

    Attributes:
        columns: The requested columns: ``score`` as ``int64`` (not yet checked against
            the scale), ``submitted_at`` as ``datetime64[us]`` (UTC), ``weight`` as
            ``float64`` and every other column as given (text as ``object``).
        survey_type: The survey type of every row, or ``None`` when the data does not say.
        n: Number of rows.
        unanswered: The unanswered surveys (an empty ``score``) of the kind and type
            kept, set aside: the requested columns other than ``score`` and ``weight``.
    """

    columns: Mapping[str, NDArray[np.generic]]
    survey_type: str | None
    n: int
    unanswered: Mapping[str, NDArray[np.generic]] = field(default_factory=dict)

    @property
    def n_unanswered(self) -> int:
        """How many unanswered surveys were set aside."""
        return len(next(iter(self.unanswered.values()))) if self.unanswered else 0

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
    return cast("SurveyType | None", one_of(survey_type, SurveyType | None, "survey_type"))


def survey_columns(
    data: object,
    *,
    kind: SurveyKind,
    need: Sequence[str],
    optional: Sequence[str] = (),
    survey_type: SurveyType | Literal["any"] | None = None,
    extra: Mapping[str, object] | None = None,
    weights: object = None,
    partition: bool = False,
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
        partition: Whether ``data`` is one partition of the data (for a partial): one
            holding no response of ``kind`` then gives no rows instead of an error.

    Returns:
        The columns, with ``survey_type`` set when it is known.

    Raises:
        InvalidInputError: On data of another form, a missing column, a bad value in a
            converted column, a survey type that is not ``relationship`` or
            ``transactional``, or a mix of survey types when one is required.
    """
    raw = raw_columns(data, SurveyResponse, noun=f"{kind.upper()} responses")
    if extra:
        raw.update(extra)
        need = [*need, *extra]
    if weights is not None:
        given, expected = _length("weights", weights, argument=True), _rows(raw)
        if given != expected:
            msg = f"`weights` must hold one weight per row of the data ({expected}), got {given}"
            raise InvalidInputError(msg)
        raw["weight"] = weights
        need = [*need, "weight"]
    n = _rows(raw)
    keep = np.ones(n, dtype=bool)
    if "kind" in raw:
        keep &= _kind_rows(raw["kind"], kind, n, refuse=not partition)
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
    blank = _blank_scores(raw["score"]) if "score" in wanted else None
    columns = {name: _convert(name, raw[name], blank) for name in wanted}
    unanswered: dict[str, NDArray[np.generic]] = {}
    if blank is not None and (blank & keep).any():
        blank = blank & keep  # rows set aside for their kind or type are not counted
        aside = np.flatnonzero(blank)
        unanswered = {
            name: column.take(aside)
            for name, column in columns.items()
            if name not in ("score", "weight")
        }
        unanswered["row"] = aside  # positions in the data, for counting apart
        keep = keep & ~blank
    if not keep.all():
        selected = np.flatnonzero(keep)
        columns = {name: column.take(selected) for name, column in columns.items()}
    return SurveyColumns(columns, chosen, int(keep.sum()), unanswered)


def _rows(raw: Mapping[str, object]) -> int:
    lengths = {name: _length(name, values) for name, values in raw.items()}
    if len(set(lengths.values())) > 1:
        msg = f"columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    return next(iter(lengths.values()), 0)


def _length(name: str, values: object, *, argument: bool = False) -> int:
    """The length of a column (or an argument), refusing a number or a text."""
    try:
        if isinstance(values, (str, bytes)):
            raise TypeError
        return len(cast("Sequence[object]", values))
    except TypeError:
        label = f"`{name}`" if argument else f"column `{name}`"
        msg = (
            f"{label} must be a sequence of values (one per response), got "
            f"{type(values).__name__} {shown(values)}"
        )
        raise InvalidInputError(msg) from None


def _text(values: object) -> ObjectArray:
    array = np.asarray(values)
    return array if array.dtype == object else array.astype(object)


def _kind_rows(values: object, kind: str, n: int, *, refuse: bool = True) -> BoolArray:
    """The rows of ``kind``; ``refuse``: data with rows but none of it is an error."""
    kinds = _text(values)
    rows: BoolArray = np.asarray(kinds == kind, dtype=bool)
    if refuse and n and not rows.any():
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
        raise InvalidInputError(MIXED_TYPES)
    return (present[0], None) if present else (None, None)


def _blank_scores(values: object) -> BoolArray | None:
    """The rows whose score is empty (``NaN``, ``None``, ``pd.NA``), or ``None``."""
    array = np.asarray(values)
    if array.dtype.kind in "iub":
        return None
    if array.dtype.kind == "f":
        blank: BoolArray = np.isnan(array)
    elif array.dtype == object:
        blank = np.array([_is_blank(value) for value in array.tolist()], dtype=bool)
    else:
        return None
    return blank if blank.any() else None


def _is_blank(value: object) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ in ("NAType", "NaTType")  # pandas' missing markers


def _convert(name: str, values: object, blank: BoolArray | None = None) -> NDArray[np.generic]:
    if name == "submitted_at":
        return convert_column(values, SurveyResponse, "submitted_at")
    if name == "weight":
        return _weights(values)
    if name == "score":
        if blank is None:
            return _whole_scores(values)
        array = np.asarray(values, dtype=object).copy()
        array[blank] = 0  # set aside below; a placeholder keeps the column whole numbers
        return _whole_scores(array)
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
