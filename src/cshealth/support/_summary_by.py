"""Reading `summary`'s ``by``: each ticket's group, from a column or a mapping of accounts.

`check_by` refuses labels per ticket (with the way to give them) and anything else that is
not a ``by``; `no_column` is the error for a ``by`` column the tickets do not have;
`per_account` gives each ticket the label a mapping from account id to group gives its
account.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._grouping import check_by as check_by_kind
from cshealth.io._read import keyed_values
from cshealth.models import Ticket

__all__ = ["check_by", "no_column", "per_account"]


def check_by(by: object) -> None:
    """Refuse labels per ticket with the way to give them, and anything else not a ``by``."""
    per_row = isinstance(by, (Sequence, np.ndarray, Iterator)) or hasattr(by, "__array__")
    if per_row and not isinstance(by, (str, bytes, Mapping)):
        msg = (
            f"`by` takes a column name or a mapping from account id to group, not labels "
            f"per ticket (got {type(by).__name__}); add the labels to the tickets as a "
            "column (tickets['team'] = labels) and pass its name, by='team'"
        )
        raise InvalidInputError(msg)
    check_by_kind(by)


def no_column(column: str, named: Mapping[str, object] | None) -> InvalidInputError:
    """The error for a ``by`` column the tickets do not have, listing the ones they have."""
    columns = sorted(Ticket.model_fields if named is None else named)
    msg = (
        f"`by` names no column of the tickets: {column!r} (columns {columns}); give a "
        "column name, or a mapping from account id to group"
    )
    field = Ticket.model_fields.get(column)
    if field is not None and not field.is_required():
        msg += (
            f"; without a `{column}` column every ticket would take the default "
            f"({field.default!r}) and be in one group"
        )
    return InvalidInputError(msg)


def per_account(account_ids: NDArray[np.generic], by: object) -> NDArray[np.generic]:
    """The label ``by`` gives each row's account (``None`` for an account it does not name).

    The keys are matched by the identifier rule (`keyed_values`), once per distinct account.
    """
    codes, k = id_codes(account_ids)
    first = np.zeros(k, dtype=np.int64)
    first[codes[codes >= 0]] = np.flatnonzero(codes >= 0)
    lookup = np.empty(k + 1, dtype=object)
    lookup[:k] = keyed_values(by, account_ids[first], name="by")[0]
    lookup[k] = None  # a ticket without an account: no label
    out: NDArray[np.generic] = lookup[np.where(codes >= 0, codes, k)]
    return out
