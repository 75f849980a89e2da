"""``Table``: named, equal-length, read-only numpy columns."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._exceptions import InvalidInputError, MissingDependencyError
from cshealth._types import BoolArray, Column, DateArray, FloatArray, IdArray, ObjectArray
from cshealth.models import Record

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Table", "checked_columns", "checked_table", "is_checked"]


class Table(Mapping[str, Column]):
    """Columns of equal length under their names: the columnar face of cshealth.

    A ``Table`` is a read-only mapping of column name to 1-D numpy array, so it goes
    wherever cshealth accepts columns. Tables made by `to_columns()`
    follow a model's column conventions (see the concepts guide) and remember the model,
    so `from_columns(table)` converts them back to records without naming it again.

    Args:
        columns: Column name to 1-D array-like, all of one length.
        model: The record model the columns follow, if any.
        absent: Columns the source did not have, held filled with the model's defaults
            (`to_columns` and `load_table` fill every field). Area functions read them as
            absent, so a rate built on one is "not measured", never a number.

    Raises:
        InvalidInputError: If a column is not one-dimensional or the lengths differ.

    Examples:
        >>> t = Table({"account_id": ["A-1", "A-2"], "score": [9, 4]})
        >>> t.n_rows, t.columns
        (2, ('account_id', 'score'))
        >>> t["score"].mean()
        np.float64(6.5)
        >>> t.texts("account_id")
        array(['A-1', 'A-2'], dtype=object)
        >>> t.take([1])["account_id"].tolist()
        ['A-2']
    """

    __slots__ = ("_absent", "_checked", "_columns", "_model", "_n_rows")

    def __init__(
        self,
        columns: Mapping[str, ArrayLike],
        *,
        model: type[Record] | None = None,
        absent: Iterable[str] = (),
    ):
        frozen: dict[str, Column] = {}
        lengths: dict[str, int] = {}
        for name, values in columns.items():
            array = np.asarray(values)
            if array.dtype.kind in "US":  # text is held as Python str objects
                array = array.astype(object)
            if array.ndim != 1:
                msg = f"column `{name}` must be one-dimensional, got shape {array.shape}"
                raise InvalidInputError(msg)
            view = array  # read-only already (another table's column): shared as it is
            if array.flags.writeable:
                view = array.view()
                view.flags.writeable = False
            frozen[name] = view
            lengths[name] = len(view)
        if len(set(lengths.values())) > 1:
            msg = f"columns must all have one length, got {lengths}"
            raise InvalidInputError(msg)
        self._columns = frozen
        self._model = model
        self._n_rows = next(iter(lengths.values()), 0)
        self._absent = frozenset(name for name in absent if name in frozen)
        self._checked = False

    @property
    def n_rows(self) -> int:
        """Number of rows."""
        return self._n_rows

    @property
    def columns(self) -> tuple[str, ...]:
        """Column names, in order."""
        return tuple(self._columns)

    @property
    def model(self) -> type[Record] | None:
        """The record model the columns follow, or ``None``."""
        return self._model

    @property
    def absent(self) -> frozenset[str]:
        """Columns the source did not have (held filled with the model's defaults).

        Examples:
            >>> from cshealth import Ticket, to_columns
            >>> t = to_columns(
            ...     {
            ...         "id": ["T-1"],
            ...         "account_id": ["A-1"],
            ...         "channel": ["email"],
            ...         "created_at": ["2025-03-03T09:00Z"],
            ...     },
            ...     Ticket,
            ... )
            >>> t["agent_replies"], "agent_replies" in t.absent
            (array([0]), True)
        """
        return self._absent

    def floats(self, name: str) -> FloatArray:
        """Column ``name`` as ``float64`` (numbers and flags; a copy unless already float).

        Raises:
            InvalidInputError: If the column is not numeric.
        """
        return cast("FloatArray", self._typed(name, "biuf", "numbers").astype(np.float64))

    def texts(self, name: str) -> ObjectArray:
        """Column ``name``, a text column (``object`` dtype, ``None`` where missing).

        Raises:
            InvalidInputError: If the column is not a text column.
        """
        return cast("ObjectArray", self._typed(name, "O", "text"))

    def ids(self, name: str) -> IdArray:
        """Column ``name``, an identifier column: ``int64`` whole numbers or ``object`` text.

        Raises:
            InvalidInputError: If the column holds neither (floats, dates, flags).
        """
        return self._typed(name, "iO", "identifiers")

    def dates(self, name: str) -> DateArray:
        """Column ``name``, a ``datetime64`` column (dates or instants).

        Raises:
            InvalidInputError: If the column is not a ``datetime64`` column.
        """
        return cast("DateArray", self._typed(name, "M", "dates or instants"))

    def flags(self, name: str) -> BoolArray:
        """Column ``name``, a ``bool`` column.

        Raises:
            InvalidInputError: If the column is not boolean.
        """
        return cast("BoolArray", self._typed(name, "b", "flags"))

    def _typed(self, name: str, kinds: str, what: str) -> Column:
        column = self[name]
        if column.dtype.kind not in kinds:
            msg = f"column `{name}` holds {column.dtype}, not {what}"
            raise InvalidInputError(msg)
        return column

    def __getitem__(self, name: str) -> Column:
        try:
            return self._columns[name]
        except KeyError:
            msg = f"no column {name!r}; columns are {list(self._columns)}"
            raise KeyError(msg) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Table):
            return NotImplemented
        return (
            self._model is other._model
            and self.columns == other.columns
            and all(_same(self[c], other[c]) for c in self.columns)
        )

    def __repr__(self) -> str:
        model = f"{self._model.__name__}, " if self._model is not None else ""
        cols = ", ".join(f"{name}: {col.dtype}" for name, col in self._columns.items())
        return f"Table({model}{self._n_rows} rows; {cols})"

    def take(self, rows: ArrayLike) -> Table:
        """The rows at the given integer positions, or where a boolean mask is true."""
        index = np.asarray(rows)
        if index.dtype != np.bool_:
            index = index.astype(np.intp)
        taken = Table(
            {name: col[index] for name, col in self._columns.items()},
            model=self._model,
            absent=self._absent,
        )
        taken._checked = self._checked  # rows of checked rows are checked
        return taken

    def to_dict(self) -> dict[str, list[object]]:
        """The columns as JSON-ready lists.

        Missing values are ``None``; dates and instants are ISO 8601 text, instants in UTC
        with a ``Z``; mappings are plain dicts.
        """
        return {name: _json_list(col) for name, col in self._columns.items()}

    def to_pandas(self) -> pd.DataFrame:
        """The table as a pandas ``DataFrame`` (needs the ``pandas`` extra).

        Raises:
            MissingDependencyError: If pandas is not installed.
        """
        try:
            pandas = importlib.import_module("pandas")
        except ImportError:
            msg = "Table.to_pandas needs pandas: pip install 'cshealth[pandas]'"
            raise MissingDependencyError(msg) from None
        frame: pd.DataFrame = pandas.DataFrame(dict(self._columns))
        return frame


def checked_table(
    columns: Mapping[str, Column], model: type[Record], *, absent: Iterable[str] = ()
) -> Table:
    """A `Table` of columns io converted and checked by ``model``'s rules, marked so.

    Area readers take the columns of such a table as they are, without converting and
    checking them again (see `is_checked`). A column that does not own its memory (a
    view of the caller's array) is copied first, so a later change to the caller's data
    cannot reach the table.
    """
    owned = {
        name: column if column.flags.owndata else column.copy() for name, column in columns.items()
    }
    table = Table(owned, model=model, absent=absent)
    table._checked = True
    return table


def checked_columns(table: Table, names: Iterable[str]) -> Table:
    """The columns ``names`` of a checked table, still marked checked (nothing copied)."""
    picked = Table({name: table[name] for name in names}, model=table.model)
    picked._checked = table._checked
    return picked


def is_checked(data: object, model: type[Record]) -> bool:
    """Whether ``data`` is a `Table` io made and checked by ``model``'s rules."""
    return isinstance(data, Table) and data._checked and data._model is model


def _same(a: Column, b: Column) -> bool:
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fcmM":
        return bool(np.array_equal(a, b, equal_nan=True))
    return bool(np.array_equal(a, b))


def _json_list(col: Column) -> list[object]:
    if col.dtype.kind == "M":
        stamps = cast("NDArray[np.datetime64]", col)
        unit = np.datetime_data(stamps.dtype)[0]
        if unit == "D":
            text = np.datetime_as_string(stamps, unit="D")
        else:
            text = np.datetime_as_string(stamps, unit="us", timezone="UTC")
        missing = np.isnat(stamps).tolist()
        return [None if gone else str(s) for gone, s in zip(missing, text.tolist())]
    if col.dtype.kind == "f":
        return [None if np.isnan(v) else v for v in col.tolist()]
    return [_json_scalar(v) for v in col.tolist()]


def _json_scalar(value: object) -> object:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    return value
