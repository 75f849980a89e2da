"""The accounts an adoption measure reports, and their licensed seats.

`_listed` reads the ``accounts`` argument (ids or ``Account`` records, with their
``seats``), `_seats` a ``{account_id: seats}`` mapping, and `_spread` lines seats up with
the accounts of a result. Shared by `active_users` and `account_metrics`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

import numpy as np

from cshealth._checks import items
from cshealth._codes import sorted_positions
from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray, IdArray
from cshealth.io._read import read_columns, same_kind
from cshealth.models import Account

__all__: list[str] = []


def _listed(accounts: object) -> tuple[IdArray, FloatArray]:
    """The accounts to report (sorted ids) and their seats (NaN when unknown)."""
    if accounts is None:
        return np.empty(0, dtype=object), np.empty(0)
    if isinstance(accounts, (str, bytes)):
        msg = (
            f"`accounts` must be several account ids or Account records, got the text {accounts!r}"
        )
        raise InvalidInputError(msg)
    source = accounts
    if not isinstance(accounts, Mapping) and not hasattr(accounts, "columns"):
        listed = items(accounts, "accounts", "account ids or Account records")
        records = bool(listed) and all(isinstance(item, Account) for item in listed)
        source = listed if records else {"id": listed}
    table = read_columns(source, Account, need=["id"], optional=["seats"])
    ids = table["id"]
    seats = table["seats"] if "seats" in table else np.full(table.n_rows, np.nan)
    return _sorted_unique(ids, cast("FloatArray", seats), "accounts")


def _seats(seats: object) -> tuple[IdArray, FloatArray]:
    if not isinstance(seats, Mapping):
        msg = f"`seats` must be a mapping {{account_id: seats}}, got {type(seats).__name__}"
        raise InvalidInputError(msg)
    keys, values = list(seats.keys()), list(seats.values())
    table = read_columns({"id": keys, "seats": values}, Account, need=["id", "seats"])
    return _sorted_unique(table["id"], cast("FloatArray", table["seats"]), "seats")


def _sorted_unique(ids: IdArray, values: FloatArray, name: str) -> tuple[IdArray, FloatArray]:
    order = np.argsort(ids, kind="stable")
    ids, values = ids[order], values[order]
    twice = ids[1:][ids[1:] == ids[:-1]]
    if len(twice):
        msg = f"`{name}` lists account {twice[0]!r} more than once; one entry per account"
        raise InvalidInputError(msg)
    return ids, values


def _spread(ids: IdArray, values: FloatArray, to: IdArray, name: str = "seats") -> FloatArray:
    """The values of ``ids`` lined up with ``to`` (NaN where absent).

    Raises:
        InvalidInputError: If ``ids`` (the keys of argument ``name``) and ``to`` are of
            different kinds (whole numbers against text), so that none could match.
    """
    same_kind((f"`{name}`", ids), ("the data's account ids", to))
    where = sorted_positions(ids, to)
    out = np.full(len(to), np.nan)
    out[where >= 0] = values[where[where >= 0]]
    return out
