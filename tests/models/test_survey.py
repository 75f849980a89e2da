"""``SurveyResponse``: scores on the scale of their kind, declared CSAT/CES scales, NPS's."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError
from tests.validation import the_error

from cshealth.models import DEFAULT_SCALES, SurveyResponse

RESPONSE: dict[str, Any] = {
    "id": "R-1",
    "account_id": "A-1",
    "kind": "nps",
    "survey_type": "relationship",
    "score": 9,
    "submitted_at": "2025-04-02T00:00:00Z",
}


def test_default_scales() -> None:
    assert dict(DEFAULT_SCALES) == {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}
    with pytest.raises(TypeError):
        DEFAULT_SCALES["nps"] = (1, 5)  # read-only


def test_response_defaults() -> None:
    response = SurveyResponse.model_validate(RESPONSE)
    assert response.weight == 1.0
    assert (response.contact_id, response.touchpoint, response.comment) == (None, None, None)
    assert (response.scale_min, response.scale_max) == (None, None)
    assert response.submitted_at == datetime(2025, 4, 2, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("kind", "score"),
    [
        ("nps", 0),
        ("nps", 10),
        ("csat", 1),
        ("csat", 5),
        ("ces", 1),
        ("ces", 7),
    ],
)
def test_scores_at_the_ends_of_the_default_scales(kind: str, score: int) -> None:
    response = SurveyResponse.model_validate({**RESPONSE, "kind": kind, "score": score})
    assert response.scale() == DEFAULT_SCALES[kind]


@pytest.mark.parametrize(
    ("kind", "score", "scale"),
    [
        ("nps", -1, "nps scale 0..10"),
        ("nps", 11, "nps scale 0..10"),
        ("csat", 0, "csat scale 1..5"),
        ("csat", 6, "csat scale 1..5"),
        ("ces", 0, "ces scale 1..7"),
        ("ces", 8, "ces scale 1..7"),
    ],
)
def test_scores_off_the_default_scale(kind: str, score: int, scale: str) -> None:
    error = the_error(SurveyResponse, {**RESPONSE, "kind": kind, "score": score})
    assert (error["type"], error["where"]) == ("score_out_of_range", "score")
    assert error["msg"] == f"score {score} is outside the {scale}"


@pytest.mark.parametrize(
    ("kind", "low", "high", "score"),
    [
        ("csat", 1, 7, 7),  # a seven-point CSAT
        ("csat", 0, 10, 0),
        ("ces", 1, 5, 5),  # a five-point CES
        ("ces", -3, 3, -3),
        ("nps", 0, 10, 10),  # NPS may restate its own scale
    ],
)
def test_declared_scales(kind: str, low: int, high: int, score: int) -> None:
    response = SurveyResponse.model_validate(
        {**RESPONSE, "kind": kind, "score": score, "scale_min": low, "scale_max": high}
    )
    assert response.scale() == (low, high)


@pytest.mark.parametrize(
    ("changes", "where", "error_type", "fragment"),
    [
        (
            {"kind": "csat", "scale_min": 1, "scale_max": 7, "score": 8},
            "score",
            "score_out_of_range",
            "score 8 is outside the csat scale 1..7",
        ),
        (
            {"kind": "csat", "scale_min": 1},
            "scale_max",
            "incomplete_scale",
            "give both `scale_min` and `scale_max`, or neither (got 1 and None)",
        ),
        (
            {"kind": "ces", "scale_max": 7},
            "scale_min",
            "incomplete_scale",
            "(got None and 7)",
        ),
        (
            {"kind": "csat", "scale_min": 5, "scale_max": 5, "score": 5},
            "scale_min",
            "empty_scale",
            "`scale_min` (5) must be below `scale_max` (5)",
        ),
        (
            {"kind": "csat", "scale_min": 7, "scale_max": 1, "score": 3},
            "scale_min",
            "empty_scale",
            "must be below",
        ),
        (
            {"kind": "nps", "scale_min": 1, "scale_max": 5, "score": 3},
            "scale_min",
            "nps_scale",
            "NPS is always asked on 0..10, got a declared scale 1..5",
        ),
        (
            {"kind": "nps", "scale_min": 0, "scale_max": 100, "score": 3},
            "scale_min",
            "nps_scale",
            "leave `scale_min` and `scale_max` empty for NPS",
        ),
    ],
)
def test_declared_scale_rules(
    changes: dict[str, Any], where: str, error_type: str, fragment: str
) -> None:
    error = the_error(SurveyResponse, {**RESPONSE, **changes})
    assert (error["type"], error["where"]) == (error_type, where)
    assert fragment in error["msg"]


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("kind", "NPS", "'nps', 'csat' or 'ces'"),
        ("kind", "ces2", "'nps', 'csat' or 'ces'"),
        ("kind", " nps", "'nps', 'csat' or 'ces'"),
        ("survey_type", "annual", "'relationship' or 'transactional'"),
        ("survey_type", "Relationship", "'relationship' or 'transactional'"),
    ],
)
def test_unknown_kind_or_survey_type_lists_the_allowed_values(
    field: str, value: str, allowed: str
) -> None:
    error = the_error(SurveyResponse, {**RESPONSE, field: value})
    assert (error["type"], error["where"]) == ("literal_error", field)
    assert allowed in error["msg"]


@pytest.mark.parametrize(
    ("changes", "where", "error_type"),
    [
        ({"score": 7.5}, "score", "int_from_float"),
        ({"score": "nine"}, "score", "number_parsing"),
        ({"score": float("nan")}, "score", "missing"),
        ({"score": None}, "score", "missing"),
        ({"weight": -0.5}, "weight", "greater_than_equal"),
        ({"weight": float("inf")}, "weight", "finite_number"),
        ({"submitted_at": "2025-04-02T00:00:00"}, "submitted_at", "naive_datetime"),
        ({"submitted_at": datetime(2025, 4, 2)}, "submitted_at", "naive_datetime"),
        ({"contact_id": 2.5}, "contact_id", "id_not_whole"),
        ({"comment": 9.5}, "comment", "text_type"),
        ({"scale_min": 1.5, "kind": "csat"}, "scale_min", "int_from_float"),
        ({"language": "en"}, "language", "extra_forbidden"),
    ],
)
def test_invalid_response_fields(changes: dict[str, Any], where: str, error_type: str) -> None:
    error = the_error(SurveyResponse, {**RESPONSE, **changes})
    assert (error["type"], error["where"]) == (error_type, where)


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"score": "9"}, "score", 9),
        ({"score": 9.0}, "score", 9),
        ({"weight": 0}, "weight", 0.0),
        ({"weight": "2.5"}, "weight", 2.5),
        ({"touchpoint": "in_app"}, "touchpoint", "in_app"),
        ({"touchpoint": "kiosk"}, "touchpoint", "kiosk"),  # any other text is kept
        ({"comment": "  great  "}, "comment", "great"),
        ({"survey_type": "transactional"}, "survey_type", "transactional"),
    ],
)
def test_valid_response_fields(changes: dict[str, Any], field: str, expected: object) -> None:
    assert getattr(SurveyResponse.model_validate({**RESPONSE, **changes}), field) == expected


@pytest.mark.parametrize("field", ["id", "account_id", "kind", "survey_type", "score"])
def test_required_fields(field: str) -> None:
    error = the_error(SurveyResponse, {k: v for k, v in RESPONSE.items() if k != field})
    assert (error["type"], error["where"]) == ("missing", field)


def test_response_is_frozen() -> None:
    response = SurveyResponse.model_validate(RESPONSE)
    with pytest.raises(ValidationError, match="frozen"):
        response.score = 3


# --- the columnar form of the same rules -------------------------------------------------------


def columns(**overrides: list[object]) -> dict[str, np.ndarray]:
    n = len(next(iter(overrides.values())))
    base: dict[str, list[object]] = {"kind": ["csat"] * n, "score": [3] * n}
    base["scale_min"] = [np.nan] * n
    base["scale_max"] = [np.nan] * n
    base.update(overrides)
    return {
        "kind": np.array(base["kind"], dtype=object),
        "score": np.array(base["score"], dtype=np.float64),
        "scale_min": np.array(base["scale_min"], dtype=np.float64),
        "scale_max": np.array(base["scale_max"], dtype=np.float64),
    }


def violated(cols: dict[str, np.ndarray]) -> set[tuple[str, str, int]]:
    return {
        (v.code, v.field, int(row))
        for v in SurveyResponse.check_columns(cols)
        for row in np.flatnonzero(v.rows)
    }


def test_check_columns_finds_the_same_violations_as_the_records() -> None:
    cases: list[tuple[dict[str, Any], str | None]] = [
        ({"kind": "csat", "score": 3}, None),
        ({"kind": "csat", "score": 6}, "score_out_of_range"),
        ({"kind": "nps", "score": 11}, "score_out_of_range"),
        ({"kind": "ces", "score": 0}, "score_out_of_range"),
        ({"kind": "csat", "score": 7, "scale_min": 1, "scale_max": 7}, None),
        ({"kind": "csat", "score": 8, "scale_min": 1, "scale_max": 7}, "score_out_of_range"),
        ({"kind": "csat", "score": 3, "scale_min": 1}, "incomplete_scale"),
        ({"kind": "csat", "score": 3, "scale_max": 9}, "incomplete_scale"),
        ({"kind": "csat", "score": 3, "scale_min": 4, "scale_max": 4}, "empty_scale"),
        ({"kind": "nps", "score": 3, "scale_min": 1, "scale_max": 5}, "nps_scale"),
        ({"kind": "nps", "score": 3, "scale_min": 0, "scale_max": 10}, None),
    ]
    cols = columns(
        kind=[c["kind"] for c, _ in cases],
        score=[c["score"] for c, _ in cases],
        scale_min=[c.get("scale_min", np.nan) for c, _ in cases],
        scale_max=[c.get("scale_max", np.nan) for c, _ in cases],
    )
    found = violated(cols)
    for row, (changes, code) in enumerate(cases):
        codes = {c for c, _, r in found if r == row}
        assert codes == ({code} if code else set()), (row, changes, codes)
        data = {**RESPONSE, **changes}
        if code is None:
            SurveyResponse.model_validate(data)
        else:
            assert the_error(SurveyResponse, data)["type"] == code


def test_check_columns_skips_rows_with_an_unknown_kind() -> None:
    assert violated(columns(kind=[None, "other"], score=[99, 99])) == set()
