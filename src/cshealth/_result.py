"""The one shape of every result: frozen, comparable, JSON-ready, tabular, readable.

Every result class of cshealth is a frozen dataclass built on `Result`:

* ``==`` compares values (arrays element by element, NaN equal to NaN) and never raises;
* arrays are read-only, also after a pickle round trip;
* `Result.to_dict` is strict JSON by one rule (`jsonable`): NaN and infinities become
  ``None``, arrays lists, dates and instants ISO text, nested results dictionaries;
* `Result.format` (and ``str()``) is the text a person reads; ``_repr_html_`` shows it in a
  notebook.

Results with rows (per account, per period, per cohort, per group) are `RowsResult`:
they have ``len()`` and `RowsResult.to_pandas`. Per-account results are `AccountResult`:
``row(account_id)`` finds an account or raises `AccountNotFoundError`.
"""

from __future__ import annotations

import dataclasses
import html
import importlib.util
import math
from collections.abc import Callable, Mapping
from datetime import date, datetime, timedelta, timezone
from enum import Enum
from typing import TYPE_CHECKING, ClassVar, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import MissingDependencyError
from cshealth._ids import position_of

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from cshealth._types import IdArray

__all__ = [
    "AccountResult",
    "Result",
    "RowsResult",
    "column_name",
    "equal",
    "json_column",
    "json_dict",
    "jsonable",
]

#: The size of the picture under a result in a notebook (inches).
PICTURE_SIZE = (4.8, 2.7)

#: The most lines a ``format()`` shows of the rows of a result before "... N more".
SHOWN_ROWS = 10


def jsonable(value: object) -> object:
    """``value`` in strict JSON terms: the one rule every ``to_dict`` follows.

    ``None``, booleans, whole numbers and text stay; a float stays when finite and becomes
    ``None`` when NaN or infinite; numpy scalars and arrays become Python values and
    (nested) lists by the same rule; ``NaT`` becomes ``None``; dates become ISO text, and
    instants (aware ``datetime``, ``datetime64`` with a time) ISO text in UTC ending in
    ``Z``; durations become seconds; mappings become dictionaries with text keys; a named
    tuple (a `ConfidenceInterval`) a dictionary by its names; other tuples, lists and sets
    lists; a `Result` its ``to_dict()``; an enumeration its value.

    Examples:
        >>> import numpy as np
        >>> from datetime import date
        >>> jsonable({"a": np.array([1.0, np.nan]), 2: date(2025, 1, 31), "t": (np.int64(3),)})
        {'a': [1.0, None], '2': '2025-01-31', 't': [3]}
        >>> jsonable(np.datetime64("2025-01-02T03:04:05", "us"))
        '2025-01-02T03:04:05.000000Z'
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (np.ndarray, np.generic)):
        return _array(np.asarray(value))
    if isinstance(value, datetime):
        return _instant(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, Enum):
        return jsonable(value.value)
    return _composite(value)


def json_dict(values: Mapping[str, object]) -> dict[str, object]:
    """``values`` with each value in strict JSON terms (`jsonable`)."""
    return {key: jsonable(value) for key, value in values.items()}


def json_column(values: NDArray[np.generic]) -> list[object]:
    """A column as a list of strict JSON values (`jsonable`: NaN as ``None``)."""
    return cast("list[object]", jsonable(values))


def _composite(value: object) -> object:
    """Results, mappings, sequences, dataclasses and configurations, item by item."""
    if isinstance(value, Result):
        return value.to_dict()
    if isinstance(value, Mapping):
        return {str(key): jsonable(item) for key, item in value.items()}
    asdict = getattr(value, "_asdict", None)
    if isinstance(value, tuple) and callable(asdict):  # a named tuple: by its names
        return jsonable(asdict())
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return [jsonable(item) for item in sorted(value, key=repr)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in _public_fields(value)}
    model_dump = getattr(value, "model_dump", None)
    if callable(model_dump):  # a configuration (pydantic model)
        return jsonable(model_dump(mode="json"))
    msg = f"no JSON form for {type(value).__name__} {value!r:.80}"
    raise TypeError(msg)


def _instant(value: datetime) -> str:
    """An instant as ISO text in UTC with ``Z``, as instant columns are written."""
    if value.tzinfo is None or value.utcoffset() is None:
        return value.isoformat()  # naive: as it is (records refuse them; plain values may not)
    utc = value.astimezone(timezone.utc).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def _array(array: NDArray[np.generic]) -> object:
    if array.ndim == 0:  # a numpy scalar: the one value of a one-element list
        return cast("list[object]", _array(array.reshape(1)))[0]
    kind = array.dtype.kind
    if kind == "M":
        stamps = cast("NDArray[np.datetime64]", array)
        unit = np.datetime_data(stamps.dtype)[0]
        text = (
            np.datetime_as_string(stamps, unit="D")
            if unit in ("Y", "M", "W", "D")
            else np.datetime_as_string(stamps.astype("datetime64[us]"), unit="us", timezone="UTC")
        )
        out = text.astype(object)
        out[np.isnat(array)] = None
        return out.tolist()
    if kind == "m":
        seconds = array.astype("timedelta64[us]").astype(np.float64) / 1e6
        seconds[np.isnat(array)] = np.nan
        return _array(seconds)
    if kind in "fc":
        floats = array.astype(np.float64)
        finite = np.isfinite(floats)
        if finite.all():
            return floats.tolist()
        out = floats.astype(object)
        out[~finite] = None
        return out.tolist()
    if kind in "biuU":
        return array.tolist()
    return [jsonable(item) for item in array.tolist()]


def equal(a: object, b: object) -> bool:
    """Whether two values are equal as results compare them; never raises.

    Arrays are equal when their shapes and elements are (NaN and NaT equal to
    themselves); mappings, sequences and results compare item by item.

    Examples:
        >>> import numpy as np
        >>> equal(np.array([1.0, np.nan]), np.array([1.0, np.nan]))
        True
        >>> equal({"a": np.array([1, 2])}, {"a": np.array([1, 3])})
        False
    """
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return _arrays_equal(a, b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # a comparison without a single answer
        return False


def _arrays_equal(a: object, b: object) -> bool:
    if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)) or a.shape != b.shape:
        return False
    if a.dtype.kind in "fcmM" and b.dtype.kind in "fcmM":
        return bool(np.array_equal(a, b, equal_nan=True))
    if a.dtype.kind == "O" or b.dtype.kind == "O":
        return all(equal(x, y) for x, y in zip(a.tolist(), b.tolist()))
    return bool(np.array_equal(a, b))


def _public_fields(value: object) -> list[dataclasses.Field[object]]:
    return [f for f in dataclasses.fields(value) if not f.name.startswith("_")]  # type: ignore[arg-type]


def _freeze(value: object) -> None:
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, Mapping):
        for item in value.values():
            _freeze(item)


class Result:
    """The base of every result: value equality, read-only arrays, JSON, text, HTML.

    Subclasses are frozen dataclasses declared with ``eq=False`` (this class supplies
    ``==``) and usually ``repr=False`` (they write a short ``__repr__``).
    """

    __hash__ = None  # type: ignore[assignment]  # results hold arrays: compare, do not hash

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            _freeze(getattr(self, f.name))

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return all(
            equal(getattr(self, f.name), getattr(other, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
            if f.compare
        )

    def __setstate__(self, state: dict[str, object]) -> None:
        """Unpickled results keep read-only arrays."""
        for name, value in state.items():
            object.__setattr__(self, name, value)
        Result.__post_init__(self)

    def to_dict(self) -> dict[str, object]:
        """The result as a dictionary of strict JSON values (`jsonable`), field by field."""
        return {f.name: jsonable(getattr(self, f.name)) for f in _public_fields(self)}

    def format(self) -> str:
        """The result as text to read; ``str(result)`` is the same text."""
        return repr(self)

    def __str__(self) -> str:
        return self.format()

    def _inline_plot(self) -> Callable[[Axes], object] | None:
        """What draws the result's picture on an ``Axes`` (its ``plot``); ``None``: none."""
        draw = getattr(self, "plot", None)
        return cast("Callable[[Axes], object]", draw) if callable(draw) else None

    def _repr_html_(self) -> str:
        """The text of `format`, and under it a small picture when the result draws one.

        The picture is the result's own ``plot()``, inlined as SVG; it is left out when
        matplotlib is not installed, so a notebook without the ``plot`` extra shows the
        text alone.
        """
        text = f"<pre>{html.escape(self.format())}</pre>"
        draw = self._inline_plot()
        if draw is None or importlib.util.find_spec("matplotlib") is None:
            return text
        from cshealth._plot import svg  # noqa: PLC0415 - imports matplotlib when drawing

        return f"{text}\n{svg(draw, size=PICTURE_SIZE)}"


def column_name(field_name: str) -> str:
    """The data-frame column of a row field: ``account_ids`` is ``account_id``, ``ids`` ``id``.

    Examples:
        >>> column_name("account_ids"), column_name("score")
        ('account_id', 'score')
    """
    return field_name[:-1] if field_name.endswith("_ids") or field_name == "ids" else field_name


class RowsResult(Result):
    """A result with rows (per account, period, cohort or group): ``len()`` and pandas."""

    #: The fields that are the row columns, in order; empty: every public 1-D array field.
    row_fields: ClassVar[tuple[str, ...]] = ()

    def __len__(self) -> int:
        columns = self._columns()
        return len(next(iter(columns.values()))) if columns else 0

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        """The row columns, in order; all of one length."""
        if self.row_fields:
            arrays = {name: getattr(self, name) for name in self.row_fields}
        else:
            arrays = {
                f.name: value
                for f in _public_fields(self)
                if isinstance(value := getattr(self, f.name), np.ndarray) and value.ndim == 1
            }
        lengths = {name: len(a) for name, a in arrays.items()}
        if len(set(lengths.values())) > 1:
            msg = f"{type(self).__name__} has row columns of different lengths: {lengths}"
            raise TypeError(msg)
        return arrays

    def to_pandas(self) -> pd.DataFrame:
        """The rows as a pandas ``DataFrame`` (pandas is an optional extra).

        Columns are named for one row: a field of ids (``account_ids``, ``ids``) is the
        column ``account_id`` (``id``); other fields keep their names.

        Raises:
            MissingDependencyError: When pandas is not installed.
        """
        try:
            import pandas as pd  # noqa: PLC0415 - an optional extra, imported only when asked
        except ImportError as error:  # pragma: no cover - the test extras install pandas
            msg = "to_pandas() needs pandas: pip install 'cshealth[pandas]'"
            raise MissingDependencyError(msg) from error
        frame: pd.DataFrame = pd.DataFrame(
            {column_name(name): np.array(a) for name, a in self._columns().items()}
        )
        return frame


class AccountResult(RowsResult):
    """A result with one row per account: ``row(account_id)`` finds one."""

    #: The field holding the accounts' ids.
    id_field: ClassVar[str] = "account_ids"

    @property
    def _ids(self) -> IdArray:
        return cast("IdArray", getattr(self, self.id_field))

    def __len__(self) -> int:
        return len(self._ids)

    def row(self, account_id: object) -> int:
        """The position of ``account_id`` among the rows (by the identifier rule).

        Raises:
            AccountNotFoundError: When the result has no such account (also a `KeyError`
                and an `InvalidInputError`).
            InvalidInputError: When ``account_id`` is not an identifier at all.
        """
        return position_of(self._ids, account_id)
