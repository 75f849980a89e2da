"""The reader of `Account` data for churn: without ``end_date``, churn is not measured.

`logo_churn`, `logo_cohorts` and `survival` learn who churned from ``end_date`` alone (the
first day an account is no longer a customer; missing while it is still one). Data with
no ``end_date`` column at all says nothing about churn: read as "every account still
active", it would give 0% churn and 100% survival, numbers nobody measured (issue 13,
section 3). So the column must be there; an empty cell marks an account still active.

Only columns can be absent: a mapping of columns or a data frame without ``end_date``,
or a `cshealth.io.Table` read from a file without it (`Table.absent`). `Account` records
always have the field (``None`` while active), so records are always measured.

`read_account_groups` reads them with ``by=``: the group of each row, from any column or
from a mapping of the ``id`` column.
"""

from __future__ import annotations

from collections.abc import Sequence

from cshealth._absent import absent_reason
from cshealth._exceptions import InvalidInputError
from cshealth._grouping import (
    BY_ACCOUNT,
    By,
    Groups,
    check_by,
    column_labels,
    group_codes,
    mapping_labels,
)
from cshealth.io import Table
from cshealth.io._read import named_columns, raw_columns, read_columns
from cshealth.models import Account

__all__ = ["read_account_groups", "read_churn_accounts"]

#: The column that says who churned.
END_DATE = "end_date"


def read_churn_accounts(accounts: object, need: Sequence[str], *, function: str) -> Table:
    """The columns ``need`` and ``end_date`` of ``accounts``, read by the `Account` rules.

    Args:
        accounts: `Account` records, a `Table`, a mapping of columns or a data frame.
        need: The other columns the caller reads (``start_date``, ...).
        function: The public function reading them, named in the error.

    Returns:
        A `Table` with the ``need`` columns and ``end_date`` (``NaT`` while active).

    Raises:
        InvalidInputError: On a missing ``need`` column or a bad value (from
            `read_columns`), or when the data has no ``end_date`` column: churn was not
            measured, and an empty ``end_date`` cell is how an account still active is
            marked.

    Examples:
        >>> t = read_churn_accounts(
        ...     {"start_date": ["2025-01-01"], "end_date": [None]}, ["start_date"], function="f"
        ... )
        >>> t.columns, t["end_date"]
        (('start_date', 'end_date'), array(['NaT'], dtype='datetime64[D]'))
        >>> read_churn_accounts({"start_date": ["2025-01-01"]}, ["start_date"], function="f")
        Traceback (most recent call last):
        ...
        cshealth.InvalidInputError: `accounts` has no `end_date` column ...
    """
    table = read_columns(accounts, Account, need=need, optional=[END_DATE])
    if END_DATE in table:
        return table
    named = named_columns(accounts)
    columns = sorted(named) if named is not None else list(table.columns)
    msg = (
        f"`accounts` has no `{END_DATE}` column (columns {columns}): {function} cannot tell "
        f"which accounts churned: churn is not measured ({absent_reason([END_DATE])}). Give "
        "an `end_date` column, the first day each account is no longer a customer, with an "
        "empty cell (None, NaN or blank) for each account still active"
    )
    raise InvalidInputError(msg)


def read_account_groups(
    accounts: object, need: Sequence[str], by: By, *, function: str
) -> tuple[Table, Groups]:
    """`read_churn_accounts`, and the group of each row from ``by``.

    Args:
        accounts: `Account` records, a `Table`, a mapping of columns or a data frame.
        need: The other columns the caller reads (``start_date``, ...).
        by: A column of ``accounts`` (any column, or any field of records), or a mapping
            from account id to group, matched against the ``id`` column.
        function: The public function reading them, named in errors.

    Returns:
        The table (with ``id`` too when ``by`` is a mapping) and the rows' groups.

    Raises:
        InvalidInputError: As `read_churn_accounts`; and on a ``by`` that is neither a
            column name nor a mapping, a column the data lacks, or a mapping for data
            without an ``id`` column.

    Examples:
        >>> table, groups = read_account_groups(
        ...     {"start_date": ["2025-01-01"] * 2, "end_date": [None] * 2, "tier": [1, None]},
        ...     ["start_date"],
        ...     "tier",
        ...     function="f",
        ... )
        >>> groups.labels, groups.codes.tolist(), groups.ungrouped
        (('(none)', '1'), [1, 0], 1)
    """
    check_by(by)
    columns = raw_columns(accounts, Account)
    if isinstance(by, str):
        table = read_churn_accounts(columns, need, function=function)
        labels = column_labels(columns, by, len(table[need[0]]), noun="accounts")
        return table, group_codes(labels, by)
    if "id" not in columns:
        msg = (
            f"`by` maps account ids to groups, but `accounts` has no `id` column (columns "
            f"{sorted(columns)}); give the ids, or group by a column"
        )
        raise InvalidInputError(msg)
    table = read_churn_accounts(columns, [*need, "id"], function=function)
    return table, group_codes(mapping_labels(by, table["id"]), BY_ACCOUNT)
