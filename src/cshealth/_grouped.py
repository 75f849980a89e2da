"""``by``: one result per group, the one grouped shape of every function that groups.

``by`` is always a grouping: the name of a column of the input (``'segment'``, ``'plan'``,
``'channel'``, any column of a mapping, `Table` or data frame, any field of records), or a
mapping from account id to group, matched by the identifier rule
(`cshealth.io._read.keyed_values`: ``7`` and ``"7"`` never match, and keys that cannot
match the ids are an error). The answer is a `Grouped`: a read-only mapping from group
label to the result the function gives without ``by``, computed on that group's rows
alone, beside ``overall``, the result on every row.

No row is dropped for want of a group. One with a missing value in the column (``None``,
NaN), or an account the mapping does not name (or maps to ``None``), is in the group
`NO_GROUP` (``'(none)'``), and `Grouped.ungrouped` says how many there are. Labels are
shown as text (``str`` of the value; ``5.0`` reads ``'5'``, as a column of whole numbers
with gaps holds floats), in sorted order, so a label that reads ``'(none)'`` joins them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol, TypeAlias, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError, MissingDependencyError
from cshealth._plot import axes
from cshealth._result import SHOWN_ROWS, Result, RowsResult, equal
from cshealth._types import BoolArray, IdArray, IntArray
from cshealth.io._read import column_array, keyed_values

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = [
    "ALL",
    "BY_ACCOUNT",
    "NO_GROUP",
    "By",
    "Grouped",
    "Groups",
    "check_by",
    "column_labels",
    "group_codes",
    "mapping_labels",
]

#: The group of the accounts without one (a missing value, or an id the mapping lacks).
NO_GROUP = "(none)"
#: A grouping: a column name, or a mapping from account id to group label.
By: TypeAlias = str | Mapping[str, object] | Mapping[int, object]
#: What ``by=`` names when it is a mapping from account id to group.
BY_ACCOUNT = "account"
#: Labels shown in a repr before "... more".
_SHOWN_LABELS = 5
#: The label of ``overall`` in the text of a `Grouped`.
ALL = "(all)"

R = TypeVar("R", bound=Result)


class _Drawable(Protocol):
    """A result that draws itself on an ``Axes``, under a legend label."""

    def plot(self, ax: Axes | None = None, *, label: str | None = None, **style: object) -> Axes:
        """Draw on ``ax`` (a new figure's when ``None``) and return it."""


@dataclass(frozen=True, eq=False, repr=False)
class Grouped(Result, Mapping[str, R]):
    """One result per group: what every function given ``by`` returns.

    A read-only mapping from group label to the result the function gives without ``by``
    on that group's rows alone: ``grouped["smb"]``, ``list(grouped)``,
    ``grouped.items()``; ``len()`` is the number of groups; ``overall`` is the result on
    every row, as without ``by``. Labels are text, in sorted order; `NO_GROUP`
    (``'(none)'``) holds the rows without a group, whose number is `ungrouped`. ``==``
    compares the fields with another `Grouped`, and the groups with a plain mapping
    (``grouped == {}`` when there are none).

    ``to_dict()`` gives ``by``, ``overall``, ``groups`` (each result's ``to_dict()``)
    and ``ungrouped``. ``to_pandas()`` gives one row per group for results without rows
    (`RevenueRetention`, `LogoChurn`, `SupportSummary`: a ``group`` column, then the
    result's single values), and each group's rows, stacked after a ``group`` column,
    for results with rows (`MRRMovements`: one row per group and period;
    `SurvivalCurve`: per group and event time); ``overall`` is left out of it.
    ``print(grouped)`` shows the overall result, then each group's.

    Attributes:
        by: What the groups are: the column name, or ``'account'`` for a mapping from
            account id to group.
        overall: The result on every row, the same as without ``by``.
        groups: The result of each group, by label, in sorted order of the labels.
        ungrouped: How many rows had no group (a missing value in the column, an id the
            mapping does not name or maps to ``None``): they are the group
            ``'(none)'``, never dropped. Rows are what the function counts: accounts
            (rows of account data, distinct account ids of revenue changes), responses,
            tickets.

    Examples:
        >>> from datetime import date
        >>> from cshealth.retention import logo_churn
        >>> accounts = {
        ...     "start_date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"],
        ...     "end_date": ["2025-01-20", None, None, "2025-01-05"],
        ...     "segment": ["smb", "smb", "ent", None],
        ... }
        >>> g = logo_churn(
        ...     accounts, base_on=date(2025, 1, 1), compare_on=date(2025, 2, 1), by="segment"
        ... )
        >>> g
        Grouped(by='segment', 3 groups of LogoChurn: '(none)', 'ent', 'smb'; ungrouped=1)
        >>> {label: churn.rate for label, churn in g.items()}
        {'(none)': 1.0, 'ent': 0.0, 'smb': 0.5}
        >>> g.to_pandas()[["group", "starting_customers", "churned_customers", "rate"]]
            group  starting_customers  churned_customers  rate
        0  (none)                   1                  1   1.0
        1     ent                   1                  0   0.0
        2     smb                   2                  1   0.5
    """

    by: str
    overall: R
    groups: Mapping[str, R]
    ungrouped: int

    def __getitem__(self, label: str) -> R:
        try:
            return self.groups[label]
        except KeyError:
            msg = f"no group {label!r}; groups: {list(self.groups)}"
            raise KeyError(msg) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self.groups)

    def __len__(self) -> int:
        return len(self.groups)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Grouped):
            return super().__eq__(other)
        if isinstance(other, Mapping):
            return equal(dict(self.groups), dict(other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # a mapping of results: compare, do not hash

    def to_pandas(self) -> pd.DataFrame:
        """One row per group, or per group and row for results with rows.

        Raises:
            MissingDependencyError: When pandas is not installed.
        """
        try:
            import pandas  # noqa: PLC0415 - an optional extra, imported only when asked
        except ImportError as error:  # pragma: no cover - the test extras install pandas
            msg = "to_pandas() needs pandas: pip install 'cshealth[pandas]'"
            raise MissingDependencyError(msg) from error
        results = list(self.groups.items())
        if results and isinstance(results[0][1], RowsResult):
            frames = []
            for label, result in results:
                frame = cast("RowsResult", result).to_pandas()
                frame.insert(0, "group", label)
                frames.append(frame)
            stacked: pd.DataFrame = pandas.concat(frames, ignore_index=True)
            return stacked
        rows = [{"group": label, **_single_values(result)} for label, result in results]
        table: pd.DataFrame = pandas.DataFrame(rows) if rows else pandas.DataFrame({"group": []})
        for name in table.columns:
            values = table[name].tolist()
            if values and all(_is_day(value) for value in values):
                table[name] = pandas.to_datetime(table[name])
        return table

    def plot(self, ax: Axes | None = None, **style: object) -> Axes:
        """Draw every group on one ``Axes``, with a legend of the group labels.

        Each group is drawn by its own result's ``plot``, as
        ``result.plot(ax=ax, label=group, **style)``, in the order of the labels, and
        each takes the next colour of the ``Axes``; ``overall`` is not drawn (its own
        ``plot`` draws it). The legend is titled by `by`. This works for results whose
        pictures overlay, such as `SurvivalCurve`. Needs matplotlib
        (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            **style: Passed to every group's ``plot`` (for a `SurvivalCurve`:
                ``ci=False``, ``censors=False``, ``linewidth=1``, ...).

        Returns:
            The ``Axes`` drawn on.

        Raises:
            TypeError: When the results have no ``plot`` method.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> from datetime import date
            >>> from cshealth.retention import survival
            >>> accounts = {
            ...     "start_date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"],
            ...     "end_date": ["2024-07-01", None, "2024-05-01", None],
            ...     "segment": ["smb", "smb", "ent", "ent"],
            ... }
            >>> curves = survival(accounts, as_of=date(2025, 1, 1), by="segment")
            >>> ax = curves.plot(ci=False)
            >>> [text.get_text() for text in ax.get_legend().get_texts()]
            ['ent', 'smb']
            >>> plt.close(ax.figure)
        """
        kind = type(self.overall)
        if not callable(getattr(kind, "plot", None)):
            msg = (
                f"{kind.__name__} results have no picture, so a Grouped of them cannot be "
                "plotted; draw from `to_pandas()` instead"
            )
            raise TypeError(msg)
        drawn = axes(ax)
        for label, result in self.groups.items():
            cast("_Drawable", result).plot(ax=drawn, label=label, **style)
        if self.groups:
            drawn.legend(title=self.by)
        return drawn

    def format(self) -> str:
        """A line of what the groups are, then the overall result and each group's in turn.

        A result class may lay its groups out as one table: a class method
        ``_format_groups(labelled)`` taking ``(label, result)`` pairs (``'(all)'``
        first) is used when it has one.
        """
        kind = type(self.overall).__name__
        head = f"{kind} by {self.by}: {len(self)} groups"
        if self.ungrouped:
            head += f", {self.ungrouped} without one in {NO_GROUP!r}"
        labelled = [(ALL, self.overall), *list(self.groups.items())[:SHOWN_ROWS]]
        table = getattr(type(self.overall), "_format_groups", None)
        lines = [head]
        if table is not None:
            lines.append(cast("str", table(labelled)))
            labelled = []
        for label, result in labelled:
            text = result.format().splitlines() or [""]
            if len(text) == 1:
                lines.append(f"{label}: {text[0]}")
            else:
                lines.append(f"{label}:")
                lines += [f"  {line}" for line in text]
        if len(self) > SHOWN_ROWS:
            lines.append(f"... {len(self) - SHOWN_ROWS} more groups")
        return "\n".join(lines)

    def __repr__(self) -> str:
        labels = list(self.groups)
        shown = ", ".join(repr(label) for label in labels[:_SHOWN_LABELS])
        if len(labels) > _SHOWN_LABELS:
            shown += f", ... ({len(labels) - _SHOWN_LABELS} more)"
        kind = type(self.overall).__name__
        if not labels:
            return f"Grouped(by={self.by!r}, no groups of {kind}; ungrouped={self.ungrouped})"
        return (
            f"Grouped(by={self.by!r}, {len(labels)} groups of {kind}: {shown}; "
            f"ungrouped={self.ungrouped})"
        )


def _is_day(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _single_values(result: Result) -> dict[str, object]:
    """The cells of a result's row in ``to_pandas()``.

    A result class may name them itself with a method ``_group_row()`` returning a dict
    (to flatten rates and durations into columns); otherwise they are the ``to_dict()``
    entries that are single values, fields as they are.
    """
    row = getattr(result, "_group_row", None)
    if row is not None:
        return cast("dict[str, object]", row())
    fields = {f.name for f in dataclasses.fields(result)}  # type: ignore[arg-type]
    cells: dict[str, object] = {}
    for name, value in result.to_dict().items():
        raw = getattr(result, name) if name in fields else value
        if raw is None or isinstance(raw, (bool, int, float, str, date)):
            cells[name] = raw
    return cells


# --- reading ``by`` -------------------------------------------------------------------------


@dataclass(frozen=True)
class Groups:
    """Which group each unit (a row of the data, or an account) is in.

    Attributes:
        by: What the groups are: the column name, or ``'account'``.
        codes: Per unit, its group: a position in ``labels``.
        labels: The group labels (text), sorted.
        missing: Per unit, whether it had no group (it is in `NO_GROUP`).
    """

    by: str
    codes: IntArray
    labels: tuple[str, ...]
    missing: BoolArray

    @property
    def ungrouped(self) -> int:
        """How many units had no group."""
        return int(self.missing.sum())

    def members(self) -> Iterator[tuple[str, IntArray]]:
        """Each group's label and the positions of its units (ascending), in label order."""
        order = np.argsort(self.codes, kind="stable")
        sizes = np.bincount(self.codes, minlength=len(self.labels))
        bounds = np.concatenate(([0], np.cumsum(sizes))).tolist()
        for i, label in enumerate(self.labels):
            yield label, order[bounds[i] : bounds[i + 1]]

    def apply(self, overall: R, each: Callable[[IntArray], R]) -> Grouped[R]:
        """The `Grouped` result: ``overall``, and ``each(positions)`` of every group's units.

        Examples:
            >>> from cshealth._stats import Rate
            >>> g = group_codes(np.array(["b", "a", "b"], dtype=object), "x")
            >>> r = g.apply(Rate(3, 3), lambda rows: Rate(len(rows), 3))
            >>> {label: rate.successes for label, rate in r.items()}
            {'a': 1, 'b': 2}
        """
        return Grouped(
            by=self.by,
            overall=overall,
            groups={label: each(units) for label, units in self.members()},
            ungrouped=self.ungrouped,
        )

    def take(self, units: IntArray) -> Groups:
        """The groups of some units only; labels left without a unit are dropped.

        Examples:
            >>> g = group_codes(np.array(["b", "a", None], dtype=object), "x")
            >>> g.labels, g.take(np.array([0])).labels
            (('(none)', 'a', 'b'), ('b',))
        """
        codes = self.codes[units]
        used = np.flatnonzero(np.bincount(codes, minlength=len(self.labels)))
        renumber = np.full(len(self.labels), -1, dtype=np.int64)
        renumber[used] = np.arange(len(used))
        labels = tuple(self.labels[i] for i in used.tolist())
        return Groups(self.by, renumber[codes], labels, self.missing[units])


def _text(value: object) -> str:
    """A label as text; a whole float as its whole number (an integer column with gaps)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def check_by(by: object) -> None:
    """Refuse a ``by`` that is neither a column name nor a mapping.

    Raises:
        InvalidInputError: On anything else.
    """
    if isinstance(by, (list, tuple, np.ndarray)) or hasattr(by, "__array__"):
        msg = (
            "`by` takes a column name or a mapping from account id to group, not labels per "
            f"row (got {type(by).__name__}); add the labels to the data as a column and pass "
            "its name"
        )
        raise InvalidInputError(msg)
    if not isinstance(by, (str, Mapping)):
        msg = (
            "`by` must be a column name or a mapping from account id to group, got "
            f"{type(by).__name__} {by!r:.60}"
        )
        raise InvalidInputError(msg)


def column_labels(columns: Mapping[str, object], by: str, n: int, *, noun: str) -> IdArray:
    """The values of the column ``by`` of the data (``n`` rows), one label per row.

    Raises:
        InvalidInputError: When the data has no such column, or it is not one value per
            row.
    """
    if by not in columns:
        msg = (
            f"`by` names no column of the {noun}: {by!r} (columns {sorted(columns)}); "
            "give a column name, or a mapping from account id to group"
        )
        raise InvalidInputError(msg)
    values = column_array(columns[by])
    if values.ndim != 1 or len(values) != n:
        msg = f"the `by` column {by!r} must hold one value per row ({n}), got shape {values.shape}"
        raise InvalidInputError(msg)
    return values


def mapping_labels(by: object, ids: IdArray) -> IdArray:
    """The group the mapping ``by`` gives each of ``ids`` (``None`` where it has none).

    Raises:
        InvalidInputError: On keys that are not identifiers, or of the other kind than
            the ids (`keyed_values`).
    """
    return keyed_values(by, ids, name="by")[0]


def group_codes(values: NDArray[np.generic], by: str) -> Groups:
    """The groups of labelled units: labels as text, missing ones `NO_GROUP`.

    Raises:
        InvalidInputError: On labels that cannot be grouped (not hashable).

    Examples:
        >>> g = group_codes(np.array(["smb", None, "ent", "smb"], dtype=object), "segment")
        >>> g.labels, g.codes.tolist(), g.ungrouped
        (('(none)', 'ent', 'smb'), [2, 0, 1, 2], 1)
    """
    try:
        codes, k = id_codes(values)
    except (InvalidInputError, ValueError, TypeError):  # unhashable cells, arrays in cells
        msg = f"the groups of `by` ({by!r}) must be text, numbers or dates, got {values[:3]!r:.80}"
        raise InvalidInputError(msg) from None
    missing = codes < 0  # None, NaN, NaT, pandas' NA
    first = np.zeros(k, dtype=np.int64)
    first[codes[~missing]] = np.flatnonzero(~missing)
    texts = [_text(value) for value in values[first].tolist()] if k else []
    labels = sorted({*texts, *([NO_GROUP] if missing.any() else [])})
    position = {label: i for i, label in enumerate(labels)}
    lookup = np.array([position[text] for text in texts] or [0], dtype=np.int64)
    group = np.where(missing, position.get(NO_GROUP, 0), lookup[np.maximum(codes, 0)])
    return Groups(by, group.astype(np.int64), tuple(labels), missing)
