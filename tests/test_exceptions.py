"""The exception family: hierarchy, record errors, and how many errors a message shows."""

from __future__ import annotations

import dataclasses
import json
import pickle
import traceback
import warnings
from typing import Any

import pytest

import cshealth
from cshealth import (
    ConfigError,
    CSHealthError,
    CSHealthWarning,
    InvalidInputError,
    MissingDependencyError,
    RecordError,
    SmallSampleWarning,
)
from cshealth._exceptions import MESSAGE_ERROR_LIMIT


@pytest.mark.parametrize(
    ("error", "bases"),
    [
        (InvalidInputError, (CSHealthError, ValueError)),
        (ConfigError, (CSHealthError, ValueError)),
        (MissingDependencyError, (CSHealthError, ImportError)),
        (CSHealthError, (Exception,)),
    ],
)
def test_exception_hierarchy(error: type[Exception], bases: tuple[type, ...]) -> None:
    for base in bases:
        assert issubclass(error, base)


def test_config_error_is_not_an_input_error() -> None:
    assert not issubclass(ConfigError, InvalidInputError)
    assert not issubclass(InvalidInputError, ConfigError)


def test_a_service_can_catch_the_whole_family() -> None:
    for error in (InvalidInputError("x"), ConfigError("y"), MissingDependencyError("z")):
        with pytest.raises(CSHealthError):
            raise error


@pytest.mark.parametrize(
    ("warning", "bases"),
    [
        (CSHealthWarning, (RuntimeWarning, Warning)),
        (SmallSampleWarning, (CSHealthWarning, RuntimeWarning)),
    ],
)
def test_warning_hierarchy(warning: type[Warning], bases: tuple[type, ...]) -> None:
    for base in bases:
        assert issubclass(warning, base)
    assert not issubclass(warning, CSHealthError)


def test_small_sample_warning_is_caught_as_runtime_warning() -> None:
    with pytest.warns(RuntimeWarning, match="few"):
        warnings.warn("too few responses", SmallSampleWarning, stacklevel=1)


def error(**overrides: Any) -> RecordError:
    fields: dict[str, Any] = {
        "row": 3,
        "field": "score",
        "value": 11,
        "message": "must be 0..10",
        "code": "score_out_of_range",
    }
    fields.update(overrides)
    return RecordError(**fields)


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({}, "row 3: `score` = 11: must be 0..10"),
        ({"line": 4}, "row 3 (line 4): `score` = 11: must be 0..10"),
        ({"record_id": "R-3"}, "row 3 (id 'R-3'): `score` = 11: must be 0..10"),
        ({"line": 4, "record_id": "R-3"}, "row 3 (line 4, id 'R-3'): `score` = 11: must be 0..10"),
        ({"value": "eleven"}, "row 3: `score` = 'eleven': must be 0..10"),
        (
            {"field": None, "value": ("A1",), "message": "duplicate", "code": "duplicate_key"},
            "row 3: record: duplicate",
        ),
        (
            {"value": None, "message": "required field is missing", "code": "missing"},
            "row 3: `score`: required field is missing",
        ),
    ],
)
def test_record_error_str(overrides: dict[str, object], text: str) -> None:
    assert str(error(**overrides)) == text


def test_record_error_to_dict_is_json_ready() -> None:
    err = error(line=4, record_id="R-3", value={"a": 1})
    data = err.to_dict()
    assert data == {
        "row": 3,
        "line": 4,
        "record_id": "R-3",
        "field": "score",
        "value": "{'a': 1}",
        "code": "score_out_of_range",
        "message": "must be 0..10",
    }
    assert json.loads(json.dumps(data)) == data


def test_record_error_is_frozen_and_hashable() -> None:
    err = error()
    with pytest.raises(dataclasses.FrozenInstanceError):
        err.row = 4
    assert hash(err) == hash(error())
    assert err == error()


def test_invalid_input_error_without_errors_is_its_message() -> None:
    exc = InvalidInputError("`x` must be positive, got -1")
    assert str(exc) == "`x` must be positive, got -1"
    assert exc.errors == ()
    assert exc.args == ("`x` must be positive, got -1",)


def test_invalid_input_error_lists_each_error_on_its_own_line() -> None:
    errors = (error(row=1), error(row=2, line=3))
    exc = InvalidInputError("2 of 5 records are invalid", errors)
    assert str(exc).splitlines() == [
        "2 of 5 records are invalid",
        "  row 1: `score` = 11: must be 0..10",
        "  row 2 (line 3): `score` = 11: must be 0..10",
    ]
    assert exc.errors == errors


@pytest.mark.parametrize("count", [MESSAGE_ERROR_LIMIT - 1, MESSAGE_ERROR_LIMIT])
def test_up_to_the_limit_every_error_is_shown(count: int) -> None:
    exc = InvalidInputError("bad", tuple(error(row=i) for i in range(1, count + 1)))
    lines = str(exc).splitlines()
    assert len(lines) == 1 + count
    assert "more" not in lines[-1]


@pytest.mark.parametrize("count", [MESSAGE_ERROR_LIMIT + 1, 120])
def test_more_than_fifty_errors_are_truncated_in_the_message_but_all_kept(count: int) -> None:
    errors = tuple(error(row=i) for i in range(1, count + 1))
    exc = InvalidInputError(f"{count} rows are invalid", errors)
    lines = str(exc).splitlines()
    assert MESSAGE_ERROR_LIMIT == 50
    assert len(lines) == 1 + 50 + 1
    assert lines[50].startswith("  row 50:")
    assert lines[-1] == f"  ... and {count - 50} more (all of them are in `.errors`)"
    assert len(exc.errors) == count
    assert exc.errors[-1].row == count


def test_invalid_input_error_with_no_args() -> None:
    exc = InvalidInputError.__new__(InvalidInputError)
    exc.errors = ()
    assert str(exc) == ""


# --- the public name: tracebacks and pickles say `cshealth.InvalidInputError` -------------

#: Every exception and warning class cshealth exports (all of them at the top level).
EXCEPTION_NAMES = [
    name
    for name in cshealth.__all__
    if isinstance(getattr(cshealth, name), type)
    and issubclass(getattr(cshealth, name), BaseException)
]


def test_every_exception_class_is_listed() -> None:
    assert {"InvalidInputError", "ConfigError", "SmallSampleWarning"} <= set(EXCEPTION_NAMES)


@pytest.mark.parametrize("name", EXCEPTION_NAMES)
def test_a_traceback_shows_the_public_name(name: str) -> None:
    kind = getattr(cshealth, name)
    assert kind.__module__ == "cshealth"
    last = traceback.format_exception_only(kind, kind("`x` must be positive"))[-1]
    assert last == f"cshealth.{name}: `x` must be positive\n"


@pytest.mark.parametrize("name", EXCEPTION_NAMES)
def test_an_exception_pickles_under_its_public_name(name: str) -> None:
    kind = getattr(cshealth, name)
    exc = kind("`x` must be positive")
    data = pickle.dumps(exc)
    assert b"_exceptions" not in data
    back = pickle.loads(data)
    assert type(back) is kind
    assert back.args == exc.args
    assert str(back) == str(exc)


def test_an_invalid_input_error_pickles_with_its_record_errors() -> None:
    errors = (error(row=1), error(row=2, line=3))
    exc = InvalidInputError("2 of 5 records are invalid", errors)
    back = pickle.loads(pickle.dumps(exc))
    assert back.errors == errors
    assert str(back) == str(exc)
    assert type(back.errors[0]).__module__ == "cshealth"
