"""``SampleData``: the tables of one simulated customer-success world."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, cast, overload

from cshealth._checks import one_of
from cshealth.io import Table, from_columns, write
from cshealth.models import (
    TABLES,
    Account,
    Contact,
    Goal,
    Milestone,
    Record,
    RevenueChange,
    SurveyResponse,
    Ticket,
    UsageEvent,
    UsageRecord,
)

__all__ = ["SampleData", "TableName"]

#: The name of one table of the sample, as in ``SampleData.tables()``.
TableName = Literal[
    "accounts",
    "contacts",
    "milestones",
    "goals",
    "tickets",
    "survey_responses",
    "usage",
    "usage_events",
    "revenue_changes",
]
#: The file formats `SampleData.write` writes.
SampleFormat = Literal["csv", "jsonl"]


@dataclass(frozen=True, repr=False)
class SampleData:
    """The tables of a simulated customer-success world, as made by `sample()`.

    Every table is a validated `Table` of its model's columns, so it
    goes wherever cshealth accepts columns. Nothing in them is dated on or after
    ``as_of``, except what is planned by then (renewal, due and target dates).

    Attributes:
        seed: The seed the world was drawn with.
        start: First day of the simulated window.
        as_of: The day after the window: the "today" of the data.
        accounts: One row per customer account (`Account`).
        contacts: People at the accounts (`Contact`).
        milestones: Onboarding milestones (`Milestone`).
        goals: Success-plan goals (`Goal`).
        tickets: Support tickets, chats and calls (`Ticket`).
        survey_responses: NPS, CSAT and CES answers (`SurveyResponse`).
        usage: Weekly product usage per account (`UsageRecord`).
        usage_events: What each user did in the product in the eight weeks before
            ``as_of`` (`UsageEvent`); by far the largest table (1.3 million rows
            at the default size).
        revenue_changes: Every change of an account's MRR
            (`RevenueChange`).

    Examples:
        >>> from cshealth.datasets import sample
        >>> data = sample(seed=1, n_accounts=50)
        >>> data
        SampleData(seed=1, window=[2023-01-01, 2026-01-01), 36 months)
          accounts                50 rows
          contacts               200 rows
          milestones             300 rows
          goals                   83 rows
          tickets                959 rows
          survey_responses       654 rows
          usage                2,921 rows
          usage_events        34,833 rows
          revenue_changes         72 rows
        >>> sorted(data.tables()) == sorted(
        ...     [
        ...         "accounts",
        ...         "contacts",
        ...         "milestones",
        ...         "goals",
        ...         "tickets",
        ...         "survey_responses",
        ...         "usage",
        ...         "usage_events",
        ...         "revenue_changes",
        ...     ]
        ... )
        True
        >>> event = data.records("usage_events")[0]
        >>> event.account_id, event.user_id, event.occurred_at.isoformat(), event.feature
        ('A-00001', 'U-00001-028', '2025-11-06T14:28:36+00:00', None)
        >>> data == sample(seed=1, n_accounts=50)
        True
    """

    seed: int
    start: date
    as_of: date
    accounts: Table
    contacts: Table
    milestones: Table
    goals: Table
    tickets: Table
    survey_responses: Table
    usage: Table
    usage_events: Table
    revenue_changes: Table

    def tables(self) -> dict[str, Table]:
        """Every table by its model's ``table_name``, in the order of the models.

        Examples:
            >>> from cshealth.datasets import sample
            >>> {name: t.model.__name__ for name, t in sample(n_accounts=50).tables().items()}
            ... # doctest: +NORMALIZE_WHITESPACE
            {'accounts': 'Account', 'contacts': 'Contact', 'milestones': 'Milestone',
             'goals': 'Goal', 'tickets': 'Ticket', 'survey_responses': 'SurveyResponse',
             'usage': 'UsageRecord', 'usage_events': 'UsageEvent',
             'revenue_changes': 'RevenueChange'}
        """
        tables: dict[str, Table] = {name: getattr(self, name) for name in TABLES}
        return tables

    @overload
    def records(self, name: Literal["accounts"]) -> list[Account]: ...
    @overload
    def records(self, name: Literal["contacts"]) -> list[Contact]: ...
    @overload
    def records(self, name: Literal["milestones"]) -> list[Milestone]: ...
    @overload
    def records(self, name: Literal["goals"]) -> list[Goal]: ...
    @overload
    def records(self, name: Literal["tickets"]) -> list[Ticket]: ...
    @overload
    def records(self, name: Literal["survey_responses"]) -> list[SurveyResponse]: ...
    @overload
    def records(self, name: Literal["usage"]) -> list[UsageRecord]: ...
    @overload
    def records(self, name: Literal["usage_events"]) -> list[UsageEvent]: ...
    @overload
    def records(self, name: Literal["revenue_changes"]) -> list[RevenueChange]: ...
    def records(self, name: TableName) -> Sequence[Record]:
        """One table as validated model instances (one per row, in row order).

        Args:
            name: The table, e.g. ``"accounts"`` or ``"survey_responses"``.

        Returns:
            The records, e.g. ``list[Account]`` for ``"accounts"``.

        Raises:
            InvalidInputError: If ``name`` is not one of the table names.

        Examples:
            >>> from cshealth.datasets import sample
            >>> first = sample(seed=2, n_accounts=50).records("accounts")[0]
            >>> type(first).__name__, first.id
            ('Account', 'A-00001')
        """
        table = cast("str", one_of(name, TableName, "name"))
        return from_columns(self.tables()[table], TABLES[table])

    def write(
        self, directory: str | os.PathLike[str], *, format: SampleFormat = "csv"
    ) -> list[Path]:
        """Write every table to ``directory`` as ``{table_name}.csv`` (or ``.jsonl``).

        The directory is created if needed; the files read back with
        `cshealth.load()` or `cshealth.load_table()`, or with ``cshealth report``.

        Args:
            directory: Where to write.
            format: ``{'csv', 'jsonl'}``.

        Returns:
            The paths written, in the order of `tables()`.

        Raises:
            InvalidInputError: If ``format`` is not one of the allowed values.

        Examples:
            >>> import tempfile, pathlib
            >>> from cshealth import Account, load_table
            >>> from cshealth.datasets import sample
            >>> data = sample(seed=3, n_accounts=50)
            >>> paths = data.write(pathlib.Path(tempfile.mkdtemp()) / "sample")
            >>> [p.name for p in paths][:2]
            ['accounts.csv', 'contacts.csv']
            >>> load_table(paths[0], Account) == data.accounts
            True
        """
        one_of(format, SampleFormat, "format")
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        return [
            write(table, folder / f"{name}.{format}", format=format)
            for name, table in self.tables().items()
        ]

    def __repr__(self) -> str:
        months = (self.as_of.year - self.start.year) * 12 + self.as_of.month - self.start.month
        head = f"SampleData(seed={self.seed}, window=[{self.start}, {self.as_of}), {months} months)"
        width = max(len(name) for name in TABLES)
        rows = [f"  {name:<{width}} {t.n_rows:>9,} rows" for name, t in self.tables().items()]
        return "\n".join([head, *rows])
