"""Helpers shared by the model tests."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError


def the_error(model: type[BaseModel], data: dict[str, Any]) -> dict[str, Any]:
    """The single validation error ``data`` raises, with ``where`` = the field at fault."""
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    errors = info.value.errors()
    assert len(errors) == 1, errors
    error = dict(errors[0])
    error["where"] = error["loc"][0] if error["loc"] else error["ctx"]["field"]
    return error


def field_of(column: str) -> str:
    """The result field a ``to_pandas()`` column comes from (``account_id``: ``account_ids``)."""
    return f"{column}s" if column.endswith("_id") or column == "id" else column
