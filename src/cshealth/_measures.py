"""Per-account measure tables: one row per account, one column per measure.

Every area that measures accounts (`cshealth.nps.account_scores`,
`cshealth.support.account_metrics`, `cshealth.adoption.account_metrics`) returns, or
converts to, a `MeasureTable`. `join_measures` (in `cshealth._measures_join`) lines
several of them up on ``account_id`` into the one table a health scorecard reads. An
account with no data in a source gets missing values there (``NaN``, ``None``, ``NaT``),
never zeros, and is never dropped: "no tickets" is a measured 0 only when the source says
so. A measure
whose input column the source did not have is "not measured": its column is all missing
and `MeasureTable.not_measured` says why (see `cshealth._absent`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._ids import position_of
from cshealth._time import to_datetime
from cshealth._types import IdArray
from cshealth.io import Table
from cshealth.io._read import read_ids, repeated

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MeasureColumn", "MeasureTable", "read_account_ids"]

#: One measure column: numbers (``float64``, missing ``NaN``; whole counts may be
#: ``int64``), flags (``bool``), text (``object``, missing ``None``) or instants
#: (``datetime64[us]``, missing ``NaT``).
MeasureColumn = NDArray[np.generic]


class MeasureTable(Mapping[str, MeasureColumn]):
    """Measures of accounts as of one instant: an ``account_id`` column and measures.

    A read-only mapping of column name to numpy array (``account_id`` first), so it goes
    wherever cshealth accepts columns, including ``scoring.score``.

    Args:
        account_ids: One identifier per row; no duplicates, none missing.
        measures: Measure name to one value per account.
        as_of: The instant the measures were taken at (``datetime64[us]``, UTC), if known.
        source: What produced it (``"support"``); shown in messages and the ``repr``.
        not_measured: Measure name to the reason it was not measured (``"no
            `reopened_count` column"``). Those columns are held all missing (``NaN``,
            ``None`` or ``NaT``) whatever values were passed.

    Raises:
        InvalidInputError: On duplicate or missing account ids, a column of another
            length, a measure called ``account_id``, a column that is not 1-D, or a
            ``not_measured`` name that is not a measure.

    Examples:
        >>> t = MeasureTable(["A-1", "A-2"], {"open_tickets": [3, 0]}, source="support")
        >>> t
        MeasureTable(support: 2 accounts x 1 measure)
        >>> t["open_tickets"].tolist(), t.account("A-2")
        ([3, 0], {'account_id': 'A-2', 'open_tickets': 0})

        A measure whose input column was absent is all missing, with its reason:

        >>> t = MeasureTable(
        ...     ["A-1", "A-2"],
        ...     {"reopens": [0, 0]},
        ...     not_measured={"reopens": "no `reopened_count` column"},
        ... )
        >>> t
        MeasureTable(2 accounts x 1 measure; not measured: reopens)
        >>> t["reopens"].tolist(), t.not_measured
        ([nan, nan], {'reopens': 'no `reopened_count` column'})
    """

    __slots__ = ("_as_of", "_columns", "_not_measured", "_source")

    def __init__(
        self,
        account_ids: ArrayLike,
        measures: Mapping[str, ArrayLike],
        *,
        as_of: np.datetime64 | None = None,
        source: str = "",
        not_measured: Mapping[str, str] | None = None,
    ) -> None:
        ids = read_account_ids(account_ids, source)
        columns: dict[str, MeasureColumn] = {"account_id": ids}
        for name, values in measures.items():
            if name == "account_id":
                msg = "`account_id` is the key column, not a measure"
                raise InvalidInputError(msg)
            array = np.asarray(values)
            if array.dtype.kind in "US":
                array = array.astype(object)
            if array.ndim != 1 or len(array) != len(ids):
                msg = (
                    f"measure `{name}` must hold one value per account ({len(ids)}), got "
                    f"shape {array.shape}"
                )
                raise InvalidInputError(msg)
            columns[str(name)] = array
        reasons = _reasons(not_measured, columns)
        for name in reasons:
            columns[name] = _all_missing(columns[name])
        for column in columns.values():
            column.flags.writeable = False
        self._columns = columns
        self._as_of = as_of
        self._source = source
        self._not_measured = reasons

    @property
    def account_ids(self) -> IdArray:
        """The accounts, one per row: ``int64`` whole numbers or ``object`` text."""
        return self._columns["account_id"]

    @property
    def measures(self) -> tuple[str, ...]:
        """The measure names (every column but ``account_id``)."""
        return tuple(self._columns)[1:]

    @property
    def as_of(self) -> np.datetime64 | None:
        """The instant the measures were taken at (UTC), or ``None``."""
        return self._as_of

    @property
    def source(self) -> str:
        """What produced the table (``"support"``, ``"joined"``)."""
        return self._source

    @property
    def not_measured(self) -> dict[str, str]:
        """Measure name to the reason it was not measured (its column is all missing)."""
        return dict(self._not_measured)

    @property
    def n_accounts(self) -> int:
        """Number of rows."""
        return len(self.account_ids)

    def __getitem__(self, name: str) -> MeasureColumn:
        try:
            return self._columns[name]
        except KeyError:
            msg = f"no column {name!r}; columns: {list(self._columns)}"
            raise KeyError(msg) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._columns)

    def __len__(self) -> int:
        return len(self._columns)

    def __repr__(self) -> str:
        k = len(self.measures)
        label = f"{self._source}: " if self._source else ""
        absent = f"; not measured: {', '.join(self._not_measured)}" if self._not_measured else ""
        return (
            f"MeasureTable({label}{self.n_accounts} accounts x {k} "
            f"measure{'' if k == 1 else 's'}{absent})"
        )

    def row(self, account_id: object) -> int:
        """The position of ``account_id`` among the rows, as on every per-account result.

        Raises:
            AccountNotFoundError: If the account is not in the table (also a `KeyError`
                and an `InvalidInputError`).
            InvalidInputError: If ``account_id`` is not an identifier at all.

        Examples:
            >>> MeasureTable([7, 8], {"open_tickets": [3, 0]}).row(8)
            1
        """
        return position_of(self.account_ids, account_id)

    def account(self, account_id: object) -> dict[str, object]:
        """One account's measures as Python values (missing ones as ``None``).

        The account is looked up by the identifier rule, as results look one up.

        Raises:
            AccountNotFoundError: If the account is not in the table (also a `KeyError`
                and an `InvalidInputError`).
            InvalidInputError: If ``account_id`` is not an identifier at all.

        Examples:
            >>> t = MeasureTable([7, 8], {"open_tickets": [3, 0]})
            >>> t.account(8)
            {'account_id': 8, 'open_tickets': 0}
            >>> t.account(9)
            Traceback (most recent call last):
            ...
            cshealth.AccountNotFoundError: no account 9 among the 2 accounts (ids such as 7, 8)
        """
        i = position_of(self.account_ids, account_id)
        return {name: _values(column[i : i + 1])[0] for name, column in self._columns.items()}

    def with_prefix(self, prefix: str) -> MeasureTable:
        """The same table with every measure renamed ``prefix + name``."""
        measures = {prefix + name: self._columns[name] for name in self.measures}
        reasons = {prefix + name: why for name, why in self._not_measured.items()}
        return MeasureTable(
            self.account_ids,
            measures,
            as_of=self._as_of,
            source=self._source,
            not_measured=reasons,
        )

    def select(self, names: Sequence[str]) -> MeasureTable:
        """The table with only the measures ``names``, in that order.

        Raises:
            KeyError: On a name that is not a measure.
        """
        measures = {name: self[name] for name in names}
        reasons = {name: why for name, why in self._not_measured.items() if name in measures}
        return MeasureTable(
            self.account_ids,
            measures,
            as_of=self._as_of,
            source=self._source,
            not_measured=reasons,
        )

    def to_records(self) -> list[dict[str, object]]:
        """One dict per account, values as Python values (missing as ``None``)."""
        names = list(self._columns)
        values = [_values(column) for column in self._columns.values()]
        return [dict(zip(names, row)) for row in zip(*values)]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready: ``as_of``, ``source``, ``not_measured`` and each column as a list."""
        return {
            "as_of": None if self._as_of is None else to_datetime(self._as_of).isoformat(),
            "source": self._source,
            "not_measured": dict(self._not_measured),
            "columns": {
                name: [_json(v) for v in _values(column)] for name, column in self._columns.items()
            },
        }

    def to_pandas(self) -> pd.DataFrame:
        """A pandas ``DataFrame`` indexed by nothing, with ``account_id`` first.

        Raises:
            MissingDependencyError: If pandas is not installed.
        """
        return Table(self._columns).to_pandas()


def read_account_ids(values: ArrayLike, what: str) -> IdArray:
    """Account ids by the identifier rule: whole numbers stay numbers, none missing or twice."""
    ids = read_ids(values, name=f"{what or 'measures'} account ids")
    twice = repeated(ids)
    if twice:
        msg = f"{what or 'measures'}: duplicate account ids {twice}; one row per account"
        raise InvalidInputError(msg)
    return ids


def _reasons(
    not_measured: Mapping[str, str] | None, columns: Mapping[str, MeasureColumn]
) -> dict[str, str]:
    if not_measured is None:
        return {}
    if not isinstance(cast("object", not_measured), Mapping):
        msg = f"`not_measured` must map measure names to reasons, got {not_measured!r}"
        raise InvalidInputError(msg)
    reasons: dict[str, str] = {}
    for name, reason in not_measured.items():
        if name not in columns or name == "account_id" or not isinstance(reason, str):
            msg = (
                f"`not_measured` maps {name!r} to {reason!r}; keys must be measures of the "
                f"table ({list(columns)[1:]}) and reasons text"
            )
            raise InvalidInputError(msg)
        reasons[str(name)] = reason
    return reasons


def _all_missing(column: MeasureColumn) -> MeasureColumn:
    """A column of the same length, every value missing (``NaN``, ``NaT`` or ``None``)."""
    kind = column.dtype.kind
    if kind == "M":
        return np.full(len(column), np.datetime64("NaT"), dtype=column.dtype)
    if kind in "biuf":
        return np.full(len(column), np.nan)
    return np.full(len(column), None, dtype=object)


def _values(column: MeasureColumn) -> list[object]:
    """A column as Python values: missing ones ``None``, instants aware datetimes."""
    if column.dtype.kind == "M":
        return [None if np.isnat(v) else to_datetime(v) for v in column]
    values: list[object] = column.tolist()
    if column.dtype.kind == "f":
        return [None if math.isnan(cast("float", v)) else v for v in values]
    return values


def _json(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value
