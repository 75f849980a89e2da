"""The base of every configuration model: frozen, strict, hashable, `ConfigError` on misuse.

pydantic raises ``ValidationError``; a configuration that is wrong should raise the
library's `ConfigError`, naming where in the tree each problem is
(``overall > usage > seats: transform.worst: ...``), with every problem listed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, TypeVar, cast

from pydantic import BaseModel, ConfigDict, ValidationError

from cshealth._exceptions import ConfigError

__all__ = ["Config"]

#: Whether a configuration model is being built inside another one.
_NESTING: ContextVar[bool] = ContextVar("cshealth_config_nesting", default=False)

_C = TypeVar("_C", bound="Config")


class Config(BaseModel):
    """Frozen, strict models whose validation errors are `ConfigError` naming the tree path."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    def __init__(self, /, **data: object) -> None:
        # pydantic calls a custom __init__ for nested models too; only the outermost
        # call turns the collected errors into one ConfigError.
        outermost = not _NESTING.get()
        token = _NESTING.set(True)
        try:
            super().__init__(**data)
        except ValidationError as exc:
            if outermost:
                raise _config_error(type(self).__name__, exc, data) from None
            raise
        finally:
            _NESTING.reset(token)

    @classmethod
    def model_validate(cls: type[_C], obj: object, **options: object) -> _C:
        """Validate a Python object (a dict read from JSON, say) into this configuration.

        Raises:
            ConfigError: Naming every problem and where it is in the tree.
        """
        token = _NESTING.set(True)
        try:
            return super().model_validate(obj, **cast("dict[str, Any]", options))
        except ValidationError as exc:
            raise _config_error(cls.__name__, exc, obj) from None
        finally:
            _NESTING.reset(token)

    @classmethod
    def model_validate_json(
        cls: type[_C], json_data: str | bytes | bytearray, **options: object
    ) -> _C:
        """Validate JSON text into this configuration.

        Raises:
            ConfigError: Naming every problem and where it is in the tree.
        """
        token = _NESTING.set(True)
        try:
            return super().model_validate_json(json_data, **cast("dict[str, Any]", options))
        except ValidationError as exc:
            try:
                raw: object = json.loads(json_data)
            except ValueError:
                raw = None
            raise _config_error(cls.__name__, exc, raw) from None
        finally:
            _NESTING.reset(token)

    @property
    def config_hash(self) -> str:
        """A stable hash of the configuration: 16 hex digits of the SHA-256 of its JSON."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.config_hash))


# --- errors ------------------------------------------------------------------------------


def _config_error(model: str, exc: ValidationError, raw: object) -> ConfigError:
    lines = []
    errors = exc.errors(include_url=False)
    inner = [tuple(error["loc"]) for error in errors]
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in inner
        ):
            continue  # a list emptied by its own bad items: the items say what is wrong
        where = _tree_path(raw, tuple(error["loc"]))
        text = str(error["msg"])
        lines.append(f"  {where}: {text}" if where else f"  {text}")
    return ConfigError(f"invalid {model}:\n" + "\n".join(lines))


def _tree_path(raw: object, loc: tuple[int | str, ...]) -> str:
    """``root.children.0.transform.worst`` as ``overall > usage: transform.worst``."""
    nodes: list[str] = []
    fields: list[str] = []
    current = raw
    for part in loc:
        if isinstance(current, Mapping) and part in current:
            current = current[part]
            fields.append(str(part))
            if part == "root":
                nodes.append(_node_name(current, "root"))
                fields = []
        elif isinstance(current, (list, tuple)) and isinstance(part, int) and part < len(current):
            current = current[part]
            if fields == ["children"]:
                nodes.append(_node_name(current, f"children[{part}]"))
                fields = []
            else:
                fields[-1:] = [f"{fields[-1]}[{part}]"] if fields else [f"[{part}]"]
        elif not isinstance(part, str) or part not in _UNION_TAGS:
            fields.append(str(part))
    head = " > ".join(nodes)
    tail = ".".join(fields)
    return f"{head}: {tail}" if head and tail else head or tail


def _node_name(node: object, fallback: str) -> str:
    name = node.get("name") if isinstance(node, Mapping) else None
    return name if isinstance(name, str) and name else fallback


_UNION_TAGS = frozenset(
    {
        "group",
        "measure",
        "linear",
        "linear_bounded",
        "thresholds",
        "categories",
        "boolean",
        "percentile",
    }
)
