"""The models package: the registries, JSON Schema snapshots and JSON round trips.

The schemas are the public contract of the file formats. When a change to a model is
intended, regenerate the snapshots and review the diff::

    CSHEALTH_UPDATE_SNAPSHOTS=1 python -m pytest tests/models/test_models.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.strategies import records

from cshealth import models
from cshealth.models import MODELS, TABLES, Record

SCHEMAS = Path(__file__).parent / "schemas"
UPDATE = os.environ.get("CSHEALTH_UPDATE_SNAPSHOTS") == "1"
ALL_MODELS = list(MODELS.values())


def test_models_registry() -> None:
    assert list(MODELS) == [
        "Account",
        "Contact",
        "Milestone",
        "Goal",
        "Ticket",
        "SurveyResponse",
        "UsageRecord",
        "UsageEvent",
        "RevenueChange",
    ]
    for name, model in MODELS.items():
        assert model.__name__ == name
        assert issubclass(model, Record)
        assert getattr(models, name) is model


def test_tables_registry() -> None:
    assert dict(TABLES) == {
        "accounts": models.Account,
        "contacts": models.Contact,
        "milestones": models.Milestone,
        "goals": models.Goal,
        "tickets": models.Ticket,
        "survey_responses": models.SurveyResponse,
        "usage": models.UsageRecord,
        "usage_events": models.UsageEvent,
        "revenue_changes": models.RevenueChange,
    }


@pytest.mark.parametrize("registry", [MODELS, TABLES])
def test_registries_are_read_only(registry: Any) -> None:
    with pytest.raises(TypeError):
        registry["Other"] = models.Account


# --- JSON Schema snapshots -------------------------------------------------------------------


def schema_text(model: type[Record]) -> str:
    return (
        json.dumps(model.model_json_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )


@pytest.mark.parametrize("name", list(MODELS))
def test_json_schema_matches_the_snapshot(name: str) -> None:
    path = SCHEMAS / f"{name}.json"
    current = schema_text(MODELS[name])
    if UPDATE:
        path.write_text(current, encoding="utf-8")
    assert path.is_file(), (
        f"no snapshot for {name}; create it with "
        "CSHEALTH_UPDATE_SNAPSHOTS=1 python -m pytest tests/models/test_models.py"
    )
    assert current == path.read_text(encoding="utf-8"), (
        f"the JSON Schema of {name} changed. If the change is intended, regenerate the "
        "snapshots with CSHEALTH_UPDATE_SNAPSHOTS=1 python -m pytest "
        "tests/models/test_models.py and review the diff of tests/models/schemas/"
    )


def test_every_snapshot_belongs_to_a_model() -> None:
    assert sorted(p.stem for p in SCHEMAS.glob("*.json")) == sorted(MODELS)


@pytest.mark.parametrize("name", list(MODELS))
def test_schema_forbids_unknown_fields_and_documents_every_field(name: str) -> None:
    schema = MODELS[name].model_json_schema()
    assert schema["additionalProperties"] is False
    assert schema["title"] == name
    for field, spec in schema["properties"].items():
        assert spec.get("description"), f"{name}.{field} has no description"


# --- round trips -------------------------------------------------------------------------------


@given(data=st.data())
@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_json_round_trip(model: type[Record], data: Any) -> None:
    record = data.draw(records(model))
    again = model.model_validate_json(record.model_dump_json())
    assert again == record
    assert hash(again) == hash(record)


@given(data=st.data())
@pytest.mark.parametrize("model", ALL_MODELS, ids=list(MODELS))
def test_python_round_trip(model: type[Record], data: Any) -> None:
    record = data.draw(records(model))
    assert model.model_validate(record.model_dump()) == record
    assert model.model_validate(record.model_dump(mode="json")) == record
