"""A history of health scores: its rows (`ScoreSnapshot`), its readers and its matrix.

A history is a sequence of score results (``score(...)`` of several dates: anything with
``account_ids``, ``score`` and ``as_of``, `ScoresLike`) or a table of rows
``account_id``, ``as_of``, ``score``. Snapshots are the distinct ``as_of`` instants of the
whole history; an account absent from a snapshot, or present with a NaN score, has no
score there. `_read_history` reads any of these forms into three columns, and `_matrix`
lays them out as one ``(accounts, snapshots)`` matrix of scores.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import ClassVar, NamedTuple, Protocol, cast, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from cshealth._checks import iso
from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError, RecordError
from cshealth._scalars import DATE_TEXT, NAIVE, ScalarProblem, read_instant
from cshealth._time import as_instant, to_datetime
from cshealth._types import BoolArray, FloatArray, IdArray, InstantArray, IntArray
from cshealth.io._read import (
    column_array,
    column_length,
    raw_columns,
    read_columns,
    read_ids,
    same_kind,
)
from cshealth.models import Record
from cshealth.models._base import Identifier, Instant

__all__ = ["ScoreSnapshot", "ScoresLike"]

_COLUMNS = ("account_id", "as_of", "score")


class _Problem(NamedTuple):
    """Why an ``as_of`` value was refused."""

    code: str
    message: str


_MISSING = _Problem("missing", "required value is missing")
_NOT_AS_OF = _Problem(
    "date_or_instant",
    "expected a date or an aware datetime, e.g. '2025-06-01' or '2025-06-01T09:00:00Z'",
)
_NAIVE_AS_OF = _Problem(
    "naive_datetime",
    "timestamp has no time zone: give an offset, e.g. '2025-06-01T09:00:00Z' (in Python, "
    "tzinfo=timezone.utc), or a date; numpy datetime64 values are read as UTC",
)


class ScoreSnapshot(Record):
    """One account's health score at one point in time: a row of a score history.

    `trend` reads its columns from tables of these rows; ``as_of`` may also be a date
    there (the start of that day, UTC).

    Examples:
        >>> from datetime import datetime, timezone
        >>> ScoreSnapshot(
        ...     account_id="A-1", as_of=datetime(2025, 6, 1, tzinfo=timezone.utc), score=72
        ... ).score
        72.0
    """

    key_fields: ClassVar[tuple[str, ...]] = ("account_id", "as_of")
    table_name: ClassVar[str] = "score_snapshots"

    account_id: Identifier
    """The account scored."""
    as_of: Instant
    """The instant the score was taken at."""
    score: float | None = Field(default=None, ge=0, le=100)
    """The health score, 0..100; ``None`` when there was too little data to score."""


@runtime_checkable
class ScoresLike(Protocol):
    """A score result of one date, as `trend` reads it (the engine's ``HealthScores``)."""

    @property
    def account_ids(self) -> IdArray:
        """The accounts scored (``object`` array of ``str``)."""

    @property
    def score(self) -> FloatArray:
        """Each account's score, 0..100, NaN where there was too little data."""

    @property
    def as_of(self) -> np.datetime64 | None:
        """The instant the scores were taken at (``datetime64[us]``, UTC)."""


class _Snapshots(NamedTuple):
    """A history as three aligned columns."""

    ids: IdArray
    instants: InstantArray
    scores: FloatArray


# --- reading the history ---------------------------------------------------------------------


def _read_history(history: object) -> _Snapshots:
    """The history as columns of account ids (text), instants and scores."""
    if isinstance(history, Mapping) or (
        hasattr(history, "columns") and hasattr(history, "__getitem__")
    ):
        return _from_columns(raw_columns(history, ScoreSnapshot))
    if isinstance(history, Iterable) and not isinstance(history, (str, bytes, np.ndarray)):
        items = list(history)
        if all(isinstance(item, ScoresLike) for item in items):
            return _from_results(cast("list[ScoresLike]", items))
        if all(isinstance(item, Mapping) for item in items):
            rows = cast("list[Mapping[str, object]]", items)
            present = [name for name in _COLUMNS if any(name in row for row in rows)]
            return _from_columns({name: [row.get(name) for row in rows] for name in present})
        if all(isinstance(item, ScoreSnapshot) for item in items):
            return _from_columns(raw_columns(items, ScoreSnapshot))
    msg = (
        "`history` must be score results (with `account_ids`, `score` and `as_of`), or "
        "rows with `account_id`, `as_of` and `score`: a mapping of columns, a data frame, "
        f"per-row mappings or ScoreSnapshot records; got {type(history).__name__}"
    )
    raise InvalidInputError(msg)


def _from_results(results: list[ScoresLike]) -> _Snapshots:
    ids: list[IdArray] = []
    instants: list[InstantArray] = []
    scores: list[FloatArray] = []
    for position, result in enumerate(results):
        where = f"history[{position}]"
        accounts = read_ids(result.account_ids, name=f"{where}.account_ids")
        values = np.asarray(result.score, dtype=np.float64)
        if accounts.ndim != 1 or accounts.shape != values.shape:
            msg = (
                f"{where}: `account_ids` and `score` must be 1-D and of one length, got "
                f"shapes {accounts.shape} and {values.shape}"
            )
            raise InvalidInputError(msg)
        bad = np.flatnonzero(~np.isnan(values) & ~((values >= 0) & (values <= 100)))
        if len(bad):
            msg = (
                f"{where}: `score` of account {accounts[bad[0]]!r} is {float(values[bad[0]])!r}; "
                "scores are 0..100, NaN when missing"
            )
            raise InvalidInputError(msg)
        instant = _result_instant(result.as_of, where)
        ids.append(accounts)
        instants.append(np.full(len(accounts), instant, dtype="datetime64[us]"))
        scores.append(values)
    if not results:
        return _Snapshots(
            np.empty(0, dtype=object), np.empty(0, "datetime64[us]"), np.empty(0, np.float64)
        )
    same_kind(*((f"history[{position}]", part) for position, part in enumerate(ids)))
    return _Snapshots(np.concatenate(ids), np.concatenate(instants), np.concatenate(scores))


def _result_instant(value: object, where: str) -> np.datetime64:
    if isinstance(value, np.datetime64) and not np.isnat(value):
        instant: np.datetime64 = value.astype("datetime64[us]")
        return instant
    if value is None or isinstance(value, np.datetime64):
        msg = (
            f"{where}.as_of is {iso(value)}: a score result in a history needs the instant "
            "it was taken at (score(..., as_of=...))"
        )
        raise InvalidInputError(msg)
    return as_instant(value, f"{where}.as_of")


def _from_columns(raw: dict[str, object]) -> _Snapshots:
    missing = [name for name in _COLUMNS if name not in raw]
    if missing:
        msg = f"a score history needs the columns {missing}; got {sorted(raw)}"
        raise InvalidInputError(msg)
    lengths = {name: column_length(name, raw[name]) for name in _COLUMNS}
    if len(set(lengths.values())) > 1:
        msg = f"columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    instants, errors = _instant_column(raw["as_of"])
    try:
        table = read_columns(raw, ScoreSnapshot, need=["account_id", "score"])
    except InvalidInputError as exc:
        errors = [*exc.errors, *errors]
    else:
        if not errors:
            ids = table["account_id"]
            return _Snapshots(ids, instants, cast("FloatArray", table["score"]))
    errors.sort(key=lambda error: error.row)
    bad_rows = len({error.row for error in errors})
    msg = f"{bad_rows} of {lengths['as_of']} score history rows are invalid"
    raise InvalidInputError(msg, tuple(errors))


def _instant_column(values: object) -> tuple[InstantArray, list[RecordError]]:
    """``as_of`` as UTC instants, each distinct value read once, and the bad cells."""
    array = column_array(values)
    if array.dtype.kind == "M":  # numpy datetime64: read as UTC
        instants = array.astype("datetime64[us]")
        return instants, _row_errors(array, np.isnat(instants), _MISSING)
    try:
        codes, k = id_codes(array)
    except InvalidInputError:
        types = sorted({type(v).__name__ for v in array.tolist()})
        msg = f"`as_of` must hold dates, aware datetimes or ISO text, got values of {types}"
        raise InvalidInputError(msg) from None
    representative = np.zeros(k, dtype=np.int64)
    representative[codes[codes >= 0]] = np.flatnonzero(codes >= 0)
    parsed = [_as_of_value(value) for value in array[representative].tolist()]
    micros = [value if isinstance(value, int) else 0 for value, _ in parsed]
    instants = np.array([*micros, 0], dtype=np.int64)[codes].view("datetime64[us]")
    errors = _row_errors(array, codes < 0, _MISSING)  # code -1 read the trailing 0 above
    for code, (value, _) in enumerate(parsed):
        if isinstance(value, _Problem):
            errors += _row_errors(array, codes == code, value)
    kinds = {kind: code for code, (_, kind) in enumerate(parsed) if kind}
    if not errors and len(kinds) > 1:
        day, moment = (array[representative[kinds[kind]]] for kind in ("date", "instant"))
        msg = (
            f"`as_of` mixes dates ({iso(day)}) and datetimes ({iso(moment)}); give every "
            "snapshot as a date, or every one as an aware datetime"
        )
        raise InvalidInputError(msg)
    return instants, errors


def _as_of_value(value: object) -> tuple[int | _Problem, str]:
    """One distinct ``as_of`` as microseconds since the epoch and its kind, or its problem."""
    if isinstance(value, str):
        text = value.strip()
        if not text:
            return _MISSING, ""
        if not DATE_TEXT.fullmatch(text):
            value = read_instant(text)
        else:
            try:
                value = date.fromisoformat(text)
            except ValueError:
                return _NOT_AS_OF, ""
    if isinstance(value, np.datetime64):
        return int(value.astype("datetime64[us]").astype(np.int64)), "instant"
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return _NAIVE_AS_OF, ""
        return int(as_instant(value).astype(np.int64)), "instant"
    if isinstance(value, date):
        return int(as_instant(value).astype(np.int64)), "date"
    if isinstance(value, ScalarProblem) and value == NAIVE:
        return _NAIVE_AS_OF, ""
    return _NOT_AS_OF, ""


def _row_errors(
    array: NDArray[np.generic], rows: BoolArray, problem: _Problem
) -> list[RecordError]:
    missing = problem.code == "missing"
    return [
        RecordError(
            row=row + 1,
            field="as_of",
            value=None if missing else array[row],
            message=problem.message,
            code=problem.code,
        )
        for row in np.flatnonzero(rows).tolist()
    ]


# --- the (accounts, snapshots) matrix --------------------------------------------------------


def _matrix(snaps: _Snapshots) -> tuple[IdArray, InstantArray, FloatArray]:
    """Sorted account ids, sorted snapshot instants, and the score of each pair (or NaN)."""
    codes, k = id_codes(snaps.ids)
    representative = np.zeros(k, dtype=np.int64)
    representative[codes] = np.arange(len(codes))
    distinct = snaps.ids[representative]
    order = np.argsort(distinct, kind="stable")
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    snapshots, column = np.unique(snaps.instants, return_inverse=True)
    account_ids = distinct[order]
    key = rank[codes] * len(snapshots) + column.reshape(-1)
    keys, counts = np.unique(key, return_counts=True)
    if len(keys) < len(key):
        _duplicates(keys[counts > 1], account_ids, snapshots)
    matrix = np.full((k, len(snapshots)), np.nan)
    matrix.reshape(-1)[key] = snaps.scores
    return account_ids, snapshots, matrix


def _duplicates(keys: IntArray, account_ids: IdArray, snapshots: InstantArray) -> None:
    shown = ", ".join(
        f"({account_ids[key // len(snapshots)]!r}, "
        f"{to_datetime(snapshots[key % len(snapshots)]).isoformat()})"
        for key in keys[:5].tolist()
    )
    more = f" and {len(keys) - 5} more" if len(keys) > 5 else ""
    msg = (
        f"`history` has {len(keys)} duplicate (account_id, as_of) pairs: {shown}{more}; "
        "give each account at most one score per snapshot"
    )
    raise InvalidInputError(msg)
