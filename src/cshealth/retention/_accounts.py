"""The reader of `Account` data for churn: without ``end_date``, churn is not measured.

`logo_churn`, `logo_cohorts` and `survival` learn who churned from ``end_date`` alone (the
first day an account is no longer a customer; missing while it is still one). Data with
no ``end_date`` column at all says nothing about churn: read as "every account still
active", it would give 0% churn and 100% survival, numbers nobody measured (issue 13,
section 3). So the column must be there; an empty cell marks an account still active.

Only columns can be absent: a mapping of columns or a data frame without ``end_date``,
or a `cshealth.io.Table` read from a file without it (`Table.absent`). `Account` records
always have the field (``None`` while active), so records are always measured.
"""

from __future__ import annotations

from collections.abc import Sequence

from cshealth._absent import absent_reason
from cshealth._exceptions import InvalidInputError
from cshealth.io import Table
from cshealth.io._read import named_columns, read_columns
from cshealth.models import Account

__all__ = ["read_churn_accounts"]

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
