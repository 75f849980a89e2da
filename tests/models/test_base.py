"""``Record``: the configuration and rules every model shares, checked on every model."""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError
from tests.strategies import records

from cshealth.models import MODELS, Account, Record, SurveyResponse, Ticket
from cshealth.models._base import ColumnViolation, Count, Identifier, Instant, Money, Share

ALL_MODELS = list(MODELS.values())


@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_every_model_is_frozen_strict_and_finite(model: type[Record]) -> None:
    config = model.model_config
    assert config["frozen"] is True
    assert config["extra"] == "forbid"
    assert config["allow_inf_nan"] is False
    assert config["str_strip_whitespace"] is True


@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_declared_rules_name_real_fields(model: type[Record]) -> None:
    fields = model.model_fields
    for earlier, later in model.order_rules:
        assert earlier in fields
        assert later in fields
    for a, b in model.distinct_rules:
        assert a in fields
        assert b in fields
    for name, flag in model.requires_rules:
        assert name in fields
        assert fields[flag].annotation is bool
    assert all(key in fields for key in model.key_fields)
    assert model.table_name


@given(data=st.data())
@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_unknown_fields_are_forbidden_on_every_model(model: type[Record], data: Any) -> None:
    record = data.draw(records(model))
    with pytest.raises(ValidationError) as info:
        model.model_validate({**record.model_dump(), "unexpected": 1})
    assert [(e["type"], e["loc"]) for e in info.value.errors()] == [
        ("extra_forbidden", ("unexpected",))
    ]


@given(data=st.data())
@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_every_model_is_frozen(model: type[Record], data: Any) -> None:
    record = data.draw(records(model))
    name = next(iter(model.model_fields))
    with pytest.raises(ValidationError, match="frozen"):
        setattr(record, name, "changed")


@given(data=st.data())
@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_records_with_one_key_hash_alike(model: type[Record], data: Any) -> None:
    first = data.draw(records(model))
    second = data.draw(records(model))
    # a model without key fields (UsageEvent) is identified by all of its values
    keyed = {name: getattr(first, name) for name in model.key_fields or model.model_fields}
    values = {**second.model_dump(), **keyed}
    for field, other in model.distinct_rules:  # e.g. the new id may equal the parent_id
        if values[field] == values[other]:
            values[field] = None
    twin = model.model_validate(values)
    assert twin.key() == first.key()
    assert hash(twin) == hash(first)
    assert hash(first) == hash(model.model_validate(first.model_dump()))


def test_check_columns_is_empty_unless_a_model_adds_rules() -> None:
    assert Account.check_columns({}) == []
    assert Record.check_columns({}) == []
    assert SurveyResponse.check_columns is not Record.check_columns


def test_column_violation_is_a_named_tuple() -> None:
    rows = np.array([True, False])
    violation = ColumnViolation("score", rows, "score_out_of_range", "off the scale")
    field, found, code, message = violation
    assert (field, code, message) == ("score", "score_out_of_range", "off the scale")
    assert found is rows


# --- the field types -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotation", "value", "expected"),
    [
        (Identifier, "A-1", "A-1"),
        (Money, 0, 0.0),
        (Count, "3", 3),
        (Share, 0.25, 0.25),
        (Instant, "2025-01-01T00:00:00+02:00", datetime(2024, 12, 31, 22, tzinfo=timezone.utc)),
    ],
)
def test_field_types_accept(annotation: Any, value: object, expected: object) -> None:
    assert TypeAdapter(annotation).validate_python(value) == expected


@pytest.mark.parametrize(
    ("annotation", "value", "error_type"),
    [
        (Identifier, "", "missing"),
        (Identifier, float("nan"), "missing"),
        (Identifier, True, "id_type"),
        (Money, -1, "greater_than_equal"),
        (Count, -1, "greater_than_equal"),
        (Count, 1.5, "int_from_float"),
        (Share, 1.01, "less_than_equal"),
        (Share, -0.01, "greater_than_equal"),
        (Instant, datetime(2025, 1, 1), "naive_datetime"),
        (Instant, "2025-01-01T00:00", "naive_datetime"),
        (Instant, "2025-01-01", "datetime_parsing"),
        (Instant, 1_740_992_400, "datetime_parsing"),
    ],
)
def test_field_types_refuse(annotation: Any, value: object, error_type: str) -> None:
    with pytest.raises(ValidationError) as info:
        TypeAdapter(annotation).validate_python(value)
    assert info.value.errors()[0]["type"] == error_type


def test_naive_datetime_error_shows_the_value() -> None:
    with pytest.raises(ValidationError) as info:
        TypeAdapter(Instant).validate_python(datetime(2025, 1, 31, 9, 30))
    assert info.value.errors()[0]["msg"].startswith(
        "timestamp 2025-01-31T09:30:00 has no time zone: give an offset"
    )


def test_order_rules_compare_dates_and_instants() -> None:
    Account(id="A", name="x", start_date=date(2024, 1, 1), end_date=date(2024, 1, 1))
    Ticket(
        id="T",
        account_id="A",
        channel="web",
        created_at=datetime(2025, 1, 1, 12, tzinfo=timezone.utc),
        first_response_at="2025-01-01T13:00:00+01:00",  # the same instant
    )


def test_schema_description_is_the_docstring_prose_without_examples() -> None:
    class Documented(Record):
        """Summary line.

        More prose.

        Examples:
            >>> 1
            1
        """

        id: str

    class Undocumented(Record):
        id: str

    assert Documented.model_json_schema()["description"] == "Summary line.\n\nMore prose."
    assert "description" not in Undocumented.model_json_schema()
