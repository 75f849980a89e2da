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
from typing import TYPE_CHECKING, Protocol, TypeVar, cast

from cshealth._exceptions import MissingDependencyError
from cshealth._plot import axes
from cshealth._result import SHOWN_ROWS, Result, RowsResult, equal

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["ALL", "NO_GROUP", "Grouped"]

#: The group of the accounts without one (a missing value, or an id the mapping lacks).
NO_GROUP = "(none)"
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

    def _inline_plot(self) -> Callable[[Axes], object] | None:
        """Every group on one ``Axes`` when the results draw themselves; else ``None``."""
        return self.plot if callable(getattr(type(self.overall), "plot", None)) else None

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
