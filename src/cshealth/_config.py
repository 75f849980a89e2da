"""The base of every configuration model: frozen, strict, hashable, `ConfigError` on misuse.

Every configuration in cshealth (a scorecard, an SLA policy, a business-hours schedule, a
feature catalog, ...) is a `Config`: a pydantic model that

* is frozen (assigning to a field raises `ConfigError`) and hashable, equal to any other
  configuration of its class with the same values;
* refuses unknown fields;
* loads from Python data (``Model(**data)``, ``Model.model_validate(data)``) or from JSON
  text (``Model.model_validate_json(text)``) and dumps back (``model_dump_json``);
* publishes its JSON Schema (``Model.model_json_schema()``), described by the class
  docstring's prose and each field by its entry under ``Attributes:``;
* has a stable `Config.config_hash`, which results carry to say what produced them;
* raises the library's `ConfigError` when the data is wrong, never pydantic's
  ``ValidationError``: one message listing every problem, each at its place in the tree
  (``features[1].name: String should have at least 1 character``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
import re
from collections.abc import Mapping
from contextvars import ContextVar
from typing import Any, NoReturn, TypeVar, cast

from pydantic import BaseModel, ConfigDict, GetJsonSchemaHandler, ValidationError
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from cshealth._exceptions import ConfigError

__all__ = ["Config", "dotted_path"]

#: Whether a configuration model is being built inside another one.
_NESTING: ContextVar[bool] = ContextVar("cshealth_config_nesting", default=False)

_C = TypeVar("_C", bound="Config")


class Config(BaseModel):
    """Frozen, strict models whose validation errors are `ConfigError` naming the tree path.

    Subclasses declare their fields as any pydantic model does; they may add to
    ``model_config`` (``strict=True``, say), which pydantic merges with this one.

    Examples:
        >>> from pydantic import Field
        >>> from cshealth import ConfigError
        >>> class Retry(Config):
        ...     attempts: int = Field(default=3, ge=1)
        ...     waits: tuple[float, ...] = ()
        >>> Retry.model_validate_json('{"attempts": 5}')
        Retry(attempts=5, waits=())
        >>> Retry(attempts=5) == Retry.model_validate({"attempts": 5}), Retry().config_hash
        (True, '326ad0100d94053f')

        Every problem is named at its place, and a configuration cannot be changed:

        >>> try:
        ...     Retry(attempts=0, waits=[1, "soon"], retries=2)
        ... except ConfigError as error:
        ...     print(error)
        invalid Retry:
          attempts: Input should be greater than or equal to 1
          waits[1]: Input should be a valid number, unable to parse string as a number
          retries: Extra inputs are not permitted
        >>> try:
        ...     Retry().attempts = 4
        ... except ConfigError as error:
        ...     print(error)
        cannot set `attempts`: a configuration is frozen; build a new Retry instead, such as
        Retry.model_validate({**old.model_dump(), 'attempts': ...})
    """

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
                raise _config_error(type(self), exc, data) from None
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
            raise _config_error(cls, exc, obj) from None
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
            raise _config_error(cls, exc, raw) from None
        finally:
            _NESTING.reset(token)

    @property
    def config_hash(self) -> str:
        """A stable hash of the configuration: 16 hex digits of the SHA-256 of its JSON.

        The JSON is the model's dump with sorted keys and no spaces, so the hash does not
        depend on how the configuration was written, only on what it says.
        """
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.config_hash))

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise _frozen(self, name)

    def __delattr__(self, name: str) -> NoReturn:
        raise _frozen(self, name)

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Describe the model by its docstring's prose, each field by its ``Attributes`` entry.

        The docstring's sections (``Attributes``, ``Raises``, ``Examples``, ...) stay out of
        the model's description; a field described otherwise (by an attribute docstring,
        say) keeps its own description.
        """
        schema = handler.resolve_ref_schema(handler(core_schema))
        prose, fields = _docstring_parts(cls.__doc__ or "")
        if prose:
            schema["description"] = prose
        for name, spec in schema.get("properties", {}).items():
            if name in fields and "description" not in spec:
                spec["description"] = fields[name]
        return schema

    @classmethod
    def _error_path(cls, raw: object, loc: tuple[int | str, ...]) -> str:
        """Where an error at pydantic's ``loc`` is, in the ``raw`` data given (see `dotted_path`).

        An area whose configurations are trees of named nodes overrides it to name them.
        """
        return dotted_path(raw, loc)


# --- the JSON Schema -------------------------------------------------------------------------

#: The heading of a section of a Google-style docstring.
_SECTION = re.compile(
    r"(Args|Arguments|Attributes|Examples?|Methods|Notes?|Raises|References|Returns"
    r"|See Also|Warnings?|Yields):"
)
#: An entry of an ``Attributes:`` section: ``name: text``.
_ENTRY = re.compile(r"    (\w+): (.*)")


def _docstring_parts(doc: str) -> tuple[str, dict[str, str]]:
    """A docstring's prose before its first section, and its ``Attributes`` entries.

    Examples:
        >>> _docstring_parts('''Limits.
        ...
        ...     Attributes:
        ...         low: The lowest value,
        ...             inclusive.
        ...         high: The highest.
        ...
        ...     Examples:
        ...         >>> 1
        ...         1
        ...     ''')
        ('Limits.', {'low': 'The lowest value, inclusive.', 'high': 'The highest.'})
    """
    lines = inspect.cleandoc(doc).splitlines()
    heads = [i for i, line in enumerate(lines) if _SECTION.fullmatch(line)]
    prose = "\n".join(lines[: heads[0] if heads else len(lines)]).strip()
    fields: dict[str, str] = {}
    for start in heads:
        if lines[start] != "Attributes:":
            continue
        name = ""
        for line in lines[start + 1 :]:
            entry = _ENTRY.fullmatch(line)
            if entry:
                name = entry.group(1)
                fields[name] = entry.group(2).strip()
            elif line.startswith("        ") and name:
                fields[name] = f"{fields[name]} {line.strip()}"
            elif line.strip():
                break  # the end of the section
    return prose, fields


# --- errors ------------------------------------------------------------------------------


def _frozen(config: Config, name: str) -> ConfigError:
    model = type(config).__name__
    return ConfigError(
        f"cannot set `{name}`: a configuration is frozen; build a new {model} instead, "
        f"such as {model}.model_validate({{**old.model_dump(), {name!r}: ...}})"
    )


def _config_error(model: type[Config], exc: ValidationError, raw: object) -> ConfigError:
    """One `ConfigError` listing each of pydantic's errors at its place in ``raw``."""
    lines = []
    errors = exc.errors(include_url=False)
    inner = [tuple(error["loc"]) for error in errors]
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "too_short" and any(
            len(other) > len(loc) and other[: len(loc)] == loc for other in inner
        ):
            continue  # a list emptied by its own bad items: the items say what is wrong
        where = model._error_path(raw, loc)
        text = str(error["msg"])
        lines.append(f"  {where}: {text}" if where else f"  {text}")
    return ConfigError(f"invalid {model.__name__}:\n" + "\n".join(lines))


def dotted_path(raw: object, loc: tuple[int | str, ...]) -> str:
    """The path pydantic's error location ``loc`` leads to, such as ``features[1].name``.

    The path is followed through the ``raw`` data that was validated: list positions are
    written ``[i]`` and mapping keys ``.key``. The names pydantic inserts for the members
    of a union (a discriminator's tag, a type's name) are not keys of the data, and are
    left out.

    Args:
        raw: The data that was validated (``None`` when unknown).
        loc: The location of one error, as pydantic gives it.

    Returns:
        The path; empty for an error about the whole object.

    Examples:
        >>> dotted_path({"features": [{"name": "a"}, {"name": ""}]}, ("features", 1, "name"))
        'features[1].name'
        >>> dotted_path({"hours": {"mon": [["09:00"]]}}, ("hours", "mon", 0))
        'hours.mon[0]'
        >>> dotted_path({"by_priority": {"critical": 1}}, ("by_priority", "critical", "[key]"))
        'by_priority.critical (the key)'
        >>> dotted_path({"value": [1, {}]}, ("value", "tuple[int, ...]", 1))
        'value[1]'
        >>> dotted_path({"hours": {"mon": [["09:00"]]}}, ("hours", "mon", 0, 1))
        'hours.mon[0][1]'
        >>> dotted_path({}, ("name",))
        'name'
    """
    path = ""
    current = raw
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(current, Mapping) and part in current:
            current = current[part]
            path = _key(path, part)
        elif isinstance(current, (list, tuple)) and isinstance(part, int) and part < len(current):
            current = current[part]
            path = f"{path}[{part}]"
        elif part == "[key]":
            path = f"{path} (the key)"
        elif isinstance(part, str) and (
            isinstance(current, (list, tuple)) or (isinstance(current, Mapping) and not last)
        ):
            continue  # the tag or type of a union member, not a key of the data
        else:  # not in the data: a missing field, or past the end of a list
            current = None
            path = f"{path}[{part}]" if isinstance(part, int) else _key(path, part)
    return path


def _key(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)
