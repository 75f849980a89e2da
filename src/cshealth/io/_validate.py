"""Validating raw rows into records, with every problem reported by row, line and field.

Rows are validated by the record models in one call; the bad ones are reported (and the
rest validated again), then identifier fields that mix whole numbers and text across
records are refused as `to_columns` refuses such a column, and repeated keys among the
valid records are reported.
"""

from __future__ import annotations

import gc
import operator
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import cache
from typing import TypeVar, cast

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from cshealth._exceptions import RecordError
from cshealth.io._ids import mixed_rows
from cshealth.io._schema import field_specs
from cshealth.io._text import RowProblem
from cshealth.models import Record

__all__ = ["Unparsable", "not_an_object", "validate_rows"]

M = TypeVar("M", bound=Record)


class Unparsable(dict[str, object]):
    """A row that could not be read; validation reports it instead of the fields."""

    def __init__(self, problem: str, raw: object, code: str = "unparsable") -> None:
        super().__init__()
        self.problem = problem
        self.raw = raw
        self.code = code


def not_an_object(value: object) -> Unparsable:
    if isinstance(value, RowProblem):
        return Unparsable(value.message, value.value, value.code)
    return Unparsable(f"expected a JSON object, got {type(value).__name__}", value)


def validate_rows(
    rows: list[dict[str, object]], lines: list[int | None], model: type[M]
) -> tuple[list[M], list[RecordError]]:
    errors: list[RecordError] = []
    positions = []
    for index, row in enumerate(rows):
        if isinstance(row, Unparsable):
            errors.append(
                RecordError(index + 1, None, row.raw, row.problem, row.code, lines[index])
            )
        else:
            positions.append(index)
    adapter = _list_adapter(model)
    candidates = [rows[i] for i in positions] if errors else rows
    try:
        records = adapter.validate_python(candidates)
    except ValidationError as exc:
        bad: set[int] = set()
        for detail in exc.errors():
            at = positions[int(detail["loc"][0])]
            bad.add(at)
            errors.append(_record_error(detail, rows[at], at, lines[at], model))
        positions = [i for i in positions if i not in bad]
        records = adapter.validate_python([rows[i] for i in positions])
    records, positions = _one_id_kind(
        records, positions, rows=rows, lines=lines, model=model, errors=errors
    )
    kept = _drop_duplicates(records, positions, lines, model, errors)
    errors.sort(key=lambda err: err.row)
    return kept, errors


@cache
def _list_adapter(model: type[M]) -> TypeAdapter[list[M]]:
    # ``list[model]`` built at run time; the cast tells the type checker what it is
    return TypeAdapter(cast("type[list[M]]", list.__class_getitem__(model)))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while validating many records.

    Validation creates millions of objects and no reference cycles; left on, the collector
    rescans them over and over and doubles the time.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _record_error(
    detail: ErrorDetails,
    row: Mapping[str, object],
    index: int,
    line: int | None,
    model: type[Record],
) -> RecordError:
    loc = detail["loc"][1:]
    ctx = detail.get("ctx") or {}
    name = ".".join(str(part) for part in loc) if loc else ctx.get("field")
    top = str(loc[0]) if loc else name
    if detail["type"] == "missing":
        value: object = None
        message = "required field is missing"
    elif detail["type"] == "extra_forbidden":
        value = detail["input"]
        message = f"unknown field; allowed fields: {', '.join(model.model_fields)}"
    else:
        value = row.get(top) if isinstance(top, str) else detail["input"]
        message = detail["msg"]
    return RecordError(
        row=index + 1,
        field=str(name) if name is not None else None,
        value=value,
        message=message,
        code=detail["type"],
        line=line,
        record_id=_rid(row, model),
    )


def _rid(row: Mapping[str, object], model: type[Record]) -> str | None:
    values = [row.get(key) for key in model.key_fields]
    if not values or any(v is None for v in values):
        return None
    if model.key_fields == ("id",):
        return str(values[0])
    return ", ".join(f"{k}={v}" for k, v in zip(model.key_fields, values))


def _one_id_kind(
    records: list[M],
    positions: list[int],
    *,
    rows: list[dict[str, object]],
    lines: list[int | None],
    model: type[M],
    errors: list[RecordError],
) -> tuple[list[M], list[int]]:
    """Refuse the rarer kind where an id field mixes whole numbers and text across records.

    `to_columns` refuses such a column; this keeps `load` in agreement with it.
    """
    bad: set[int] = set()
    for spec in field_specs(model):
        if spec.kind != "id":
            continue
        mixed = mixed_rows([getattr(record, spec.name) for record in records], positions)
        if mixed is None:
            continue
        for at in mixed[0]:
            index = positions[at]
            bad.add(at)
            value = rows[index].get(spec.name)
            errors.append(
                RecordError(
                    index + 1,
                    spec.name,
                    value,
                    mixed[1],
                    "id_mixed_types",
                    lines[index],
                    _rid(rows[index], model),
                )
            )
    if not bad:
        return records, positions
    keep = [at for at in range(len(records)) if at not in bad]
    return [records[at] for at in keep], [positions[at] for at in keep]


def _drop_duplicates(
    records: list[M],
    positions: list[int],
    lines: list[int | None],
    model: type[M],
    errors: list[RecordError],
) -> list[M]:
    if not model.key_fields:  # records with no identity (usage events): none is a duplicate
        return records
    key_of = operator.attrgetter(*model.key_fields)
    keys: list[object] = [key_of(record) for record in records]
    first_row: dict[object, int] = {}
    for key, index in zip(keys, positions):
        first_row.setdefault(key, index)
    if len(first_row) == len(keys):
        return records
    kept: list[M] = []
    for record, key, index in zip(records, keys, positions):
        seen = first_row[key]
        if seen == index:
            kept.append(record)
            continue
        values = key if isinstance(key, tuple) else (key,)
        shown = ", ".join(f"{k}={v!s}" for k, v in zip(model.key_fields, values))
        errors.append(
            RecordError(
                row=index + 1,
                field=None,
                value=key,
                message=f"duplicate key ({shown}): first seen at row {seen + 1}",
                code="duplicate_key",
                line=lines[index],
                record_id=str(key) if len(values) == 1 else shown,
            )
        )
    return kept
