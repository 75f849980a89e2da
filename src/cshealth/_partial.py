"""The one shape of every partial aggregate: a long table of key columns and sums.

A partial is what a function computes on one partition of the data, such that partials
of disjoint partitions merge into the partial of their union, and `Partial.finalize`
turns any partial into the very result the single-machine function gives. Every partial
of cshealth is a `Partial`:

* a `PartialKey` says what was computed, with which options (survey type, period, time
  unit, ``as_of``, dedupe rule) and under which schema version; only partials with equal
  keys merge, and a mismatch is refused naming the options that differ;
* its rows are a long table: key columns (a period's first day, a group, a time), then
  sums (whole-number counts as ``int64``, weight sums as ``float64``); merging is a group
  by the key columns and a sum of the rest, so any engine can merge partials with its
  own ``GROUP BY ... SUM`` (`to_arrow`, `to_dict`);
* ``parts`` names the partitions merged in, when their builder named them; merging the
  same partition twice (a retried task) is refused;
* `requires` says what the partitioning must respect for a partial to be exact (``None``;
  or ``'contact_id'``, ``'entity_id'``, ``'account_id'``: all rows of one in one
  partition). The adapters (`cshealth.dask`) enforce it; a partial cannot check it.

Counts merge exactly in any order. Weight sums are sums of floats: merged in another
order they can differ in the last bits (about ``1e-15`` relative, measured), which is the
stated tolerance of every weighted figure computed from partials.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError, MissingDependencyError, PartialMismatchError
from cshealth._partial_table import canonical, dtypes
from cshealth._result import RowsResult, equal

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "KINDS",
    "SCHEMA_VERSION",
    "Partial",
    "PartialKey",
    "PartialMismatchError",
    "Requires",
]

#: The version of the partials' long-table layout; partials of other versions never merge.
SCHEMA_VERSION = 1

#: What a partial requires of the partitioning: all rows of one key in one partition.
Requires = Literal["contact_id", "entity_id", "account_id"] | None

#: The Arrow schema metadata field holding a partial's key, kind and parts (JSON).
ARROW_METADATA = b"cshealth.partial"

P = TypeVar("P", bound="Partial")

#: Every kind of partial, by `Partial.KIND` (filled as the areas define them).
KINDS: dict[str, type[Partial]] = {}


@dataclass(frozen=True)
class PartialKey:
    """What a partial holds: its kind, the options it was computed with, the schema.

    Options are kept as text (`str` of the option: ``'month'``, ``'2026-01-01'``,
    ``'UTC'``), sorted by name, so two keys are equal when every option is.

    Examples:
        >>> a = PartialKey.of("nps_trend", period="month", survey_type="relationship")
        >>> b = PartialKey.of("nps_trend", period="quarter", survey_type="relationship")
        >>> a.differences(b)
        ["period: 'month' against 'quarter'"]
        >>> PartialKey.from_dict(a.to_dict()) == a
        True
    """

    kind: str
    options: tuple[tuple[str, str], ...] = ()
    schema: int = SCHEMA_VERSION

    @classmethod
    def of(cls, kind: str, **options: object) -> PartialKey:
        """The key of ``kind`` with ``options`` (each kept as its text; ``None`` as ``''``)."""
        text = {name: "" if value is None else str(value) for name, value in options.items()}
        return cls(kind, tuple(sorted(text.items())))

    def option(self, name: str) -> str:
        """The text of option ``name`` (``KeyError`` when the key has none)."""
        return dict(self.options)[name]

    def differences(self, other: PartialKey) -> list[str]:
        """How ``other`` differs from this key, one line per field or option."""
        lines = []
        if self.kind != other.kind:
            lines.append(f"kind: {self.kind!r} against {other.kind!r}")
        if self.schema != other.schema:
            lines.append(f"schema version: {self.schema} against {other.schema}")
        mine, theirs = dict(self.options), dict(other.options)
        for name in sorted(mine.keys() | theirs.keys()):
            a, b = mine.get(name, "(none)"), theirs.get(name, "(none)")
            if a != b:
                lines.append(f"{name}: {a!r} against {b!r}")
        return lines

    def to_dict(self) -> dict[str, object]:
        """The key as JSON-ready data."""
        return {"kind": self.kind, "schema": self.schema, "options": dict(self.options)}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> PartialKey:
        """The key `to_dict` gave.

        Raises:
            InvalidInputError: When a field is missing or of the wrong type.
        """
        kind, schema, options = data.get("kind"), data.get("schema"), data.get("options")
        if (
            not isinstance(kind, str)
            or not isinstance(schema, int)
            or not isinstance(options, dict)
        ):
            msg = (
                "a partial's key needs `kind` (text), `schema` (a whole number) and "
                f"`options` (a mapping), got {dict(data)!r}"
            )
            raise InvalidInputError(msg)
        return cls(kind, tuple(sorted((str(k), str(v)) for k, v in options.items())), schema)


@dataclass(frozen=True, eq=False, repr=False)
class Partial(RowsResult):
    """A partial aggregate: its key, its long table of key columns and sums, its parts.

    A subclass names its columns (`KEY_COLUMNS`, `COUNT_COLUMNS`, `SUM_COLUMNS`), its
    `KIND`, what it `REQUIRES` of the partitioning, and how it is finalised. Rows are kept
    in one canonical order (by key columns, ascending), with one row per distinct key, so
    two partials of the same data are ``==`` whichever way they were merged (for counts;
    weight sums within the stated tolerance).

    Attributes:
        key: What the partial holds (`PartialKey`).
        columns: The key columns, then the sums, by name (read-only arrays of one length).
        parts: The names of the partitions merged in, sorted (empty when not named).
    """

    #: The kind of partial (the `PartialKey.kind` of every instance).
    KIND: ClassVar[str] = ""
    #: The key columns and their dtypes (``'int64'`` days or times, ``'float64'``,
    #: ``'object'`` text).
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()
    #: The whole-number sums (exact in any merge order).
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ()
    #: The float sums (weights; merged within the stated tolerance).
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = ()
    #: What the partitioning must keep together for the partial to be exact.
    REQUIRES: ClassVar[Requires] = None

    key: PartialKey
    columns: Mapping[str, NDArray[np.generic]]
    parts: tuple[str, ...] = field(default=())

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.KIND:
            if cls.KIND in KINDS and KINDS[cls.KIND].__qualname__ != cls.__qualname__:
                msg = f"two partials of kind {cls.KIND!r}: {KINDS[cls.KIND]} and {cls}"
                raise TypeError(msg)
            KINDS[cls.KIND] = cls

    def __post_init__(self) -> None:
        if self.key.kind != self.KIND:
            msg = f"a {type(self).__name__} holds {self.KIND!r} partials, not {self.key.kind!r}"
            raise PartialMismatchError(msg)
        object.__setattr__(self, "columns", canonical(type(self), self.columns))
        object.__setattr__(self, "parts", tuple(sorted(self.parts)))
        super().__post_init__()

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        return dict(self.columns)

    @property
    def requires(self) -> Requires:
        """What the partitioning must keep together (``None``: any partitioning)."""
        return self.REQUIRES

    @classmethod
    def empty(cls: type[P], key: PartialKey) -> P:
        """The partial of no rows: the identity of `merge`."""
        return cls(key, {name: np.empty(0, dtype=dtype) for name, dtype in dtypes(cls)})

    def merge(self: P, *others: P) -> P:
        """This partial and ``others`` merged: the partial of all their rows together.

        Raises:
            PartialMismatchError: When a partial is of another type or key (naming the
                options that differ), or a named partition is in two of them.
        """
        seen = dict.fromkeys(self.parts, 0)
        for i, other in enumerate(others, start=1):
            if type(other) is not type(self):
                msg = f"cannot merge a {type(other).__name__} into a {type(self).__name__}"
                raise PartialMismatchError(msg)
            if other.key != self.key:
                why = "; ".join(self.key.differences(other.key))
                msg = f"cannot merge {self.KIND} partials computed differently: {why}"
                raise PartialMismatchError(msg)
            for part in other.parts:
                if part in seen:
                    msg = (
                        f"partition {part!r} is in partials {seen[part]} and {i}: merging it "
                        "twice would count its rows twice (a retried task?)"
                    )
                    raise PartialMismatchError(msg)
                seen[part] = i
        joined = {
            name: np.concatenate([p.columns[name] for p in (self, *others)])
            for name, _ in dtypes(type(self))
        }
        return type(self)(self.key, joined, tuple(seen))

    @classmethod
    def combine(cls: type[P], partials: Iterable[P], *, key: PartialKey | None = None) -> P:
        """All ``partials`` merged; with none, the empty partial of ``key``.

        Raises:
            InvalidInputError: When there are no partials and no ``key``.
            PartialMismatchError: As `merge`.
        """
        items = list(partials)
        if not items:
            if key is None:
                msg = f"combining no {cls.KIND} partials needs the `key` of the empty one"
                raise InvalidInputError(msg)
            return cls.empty(key)
        return items[0].merge(*items[1:])

    def __add__(self: P, other: P) -> P:
        return self.merge(other)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return (
            self.key == other.key
            and self.parts == other.parts
            and equal(dict(self.columns), dict(other.columns))
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.KIND}, {len(self)} rows, {len(self.parts)} parts)"

    def to_dict(self) -> dict[str, object]:
        """The partial as JSON-ready data: key, parts, and each column as a list."""
        return {
            "kind": self.KIND,
            "key": self.key.to_dict(),
            "parts": list(self.parts),
            "columns": {name: column.tolist() for name, column in self.columns.items()},
        }

    @classmethod
    def from_dict(cls: type[P], data: Mapping[str, object]) -> P:
        """The partial `to_dict` gave, checked as the constructor checks.

        Raises:
            InvalidInputError: On a missing field, a column of the wrong length or type,
                or a negative or fractional count.
        """
        columns, parts, key = data.get("columns"), data.get("parts", []), data.get("key")
        if not isinstance(columns, Mapping) or not isinstance(key, Mapping):
            msg = f"a {cls.KIND} partial's data needs `key` and `columns` mappings"
            raise InvalidInputError(msg)
        if not isinstance(parts, list):
            msg = f"a {cls.KIND} partial's `parts` must be a list, got {parts!r}"
            raise InvalidInputError(msg)
        return cls(PartialKey.from_dict(key), dict(columns), tuple(str(p) for p in parts))

    def to_arrow(self) -> pa.Table:
        """The partial as an Arrow table; its key and parts ride in the schema metadata.

        Raises:
            MissingDependencyError: When pyarrow is not installed.
        """
        _require_arrow()
        import pyarrow as pa  # noqa: PLC0415 - an optional extra, imported only when asked

        arrays = {}
        for name, dtype in dtypes(type(self)):
            column = self.columns[name]
            arrays[name] = pa.array(column.tolist() if dtype == "object" else column)
        meta = {"kind": self.KIND, "key": self.key.to_dict(), "parts": list(self.parts)}
        return pa.table(arrays, metadata={ARROW_METADATA: json.dumps(meta).encode()})

    @classmethod
    def from_arrow(cls: type[P], table: pa.Table, *, key: PartialKey | None = None) -> P:
        """The partial of an Arrow table, such as `to_arrow` gave or an engine summed.

        Args:
            table: The long table; extra columns are refused, missing ones named.
            key: The key, when the table carries none (the result of an engine's
                ``GROUP BY ... SUM`` keeps no metadata).

        Raises:
            InvalidInputError: On a table without the key in its metadata and no ``key``,
                or columns that are missing, extra or of the wrong type.
        """
        meta_bytes = (table.schema.metadata or {}).get(ARROW_METADATA)
        parts: tuple[str, ...] = ()
        if meta_bytes is not None:
            meta = json.loads(meta_bytes)
            stored = PartialKey.from_dict(meta["key"])
            parts = tuple(str(p) for p in meta.get("parts", []))
            if key is not None and key != stored:
                why = "; ".join(key.differences(stored))
                msg = f"the Arrow table holds another {cls.KIND} partial: {why}"
                raise PartialMismatchError(msg)
            key = stored
        if key is None:
            msg = (
                f"this Arrow table carries no partial key in its metadata: pass the "
                f"`key` of the {cls.KIND} partials it sums"
            )
            raise InvalidInputError(msg)
        names = [name for name, _ in dtypes(cls)]
        extra = sorted(set(table.column_names) - set(names))
        if extra:
            msg = f"a {cls.KIND} partial has no columns {extra}; its columns are {names}"
            raise InvalidInputError(msg)
        columns = {
            name: np.asarray(table.column(name).to_pylist(), dtype=object)
            for name in names
            if name in table.column_names
        }
        return cls(key, columns, parts)


def _require_arrow() -> None:
    try:
        import pyarrow  # noqa: F401, PLC0415 - an optional extra, imported only when asked
    except ImportError as error:
        msg = "Arrow tables need pyarrow: pip install 'cshealth[arrow]'"
        raise MissingDependencyError(msg) from error
