"""The counting kernel of `account_scores`: what each unit counts, on whole columns.

Accounts are numbered with `id_codes` (hashing, not sorting text) and ranked by id
(`_account_index`); each response without a ``contact_id`` is a respondent of its own
(`_contact_codes`); one `numpy.lexsort` on (account, contact, time, row) finds each
contact's first and latest response, from which `_select` keeps what the unit counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes
from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray, IntArray, ObjectArray
from cshealth.io._read import read_ids
from cshealth.nps._responses import SurveyColumns

__all__: list[str] = []

_OLDEST = int(np.iinfo(np.int64).min) + 1  # one above NaT


@dataclass(frozen=True)
class _Counted:
    """What the unit counts: responses (account, category, weight) and sampling units."""

    account: IntArray
    category: IntArray
    weight: FloatArray
    unit_account: IntArray
    unit_weight: FloatArray
    respondent_account: IntArray


def _select(
    unit: str,
    *,
    account: IntArray,
    contact: IntArray,
    times: IntArray,
    weight: FloatArray,
    category: IntArray,
) -> _Counted:
    """The responses a unit counts, by sorting on (account, contact, time, row)."""
    keep = weight > 0
    account, contact, times = account[keep], contact[keep], times[keep]
    weight, category = weight[keep], category[keep]
    order = np.lexsort((np.arange(len(account)), times, contact, account))
    account, contact, weight, category = (
        account[order], contact[order], weight[order], category[order],
    )  # fmt: skip
    first = np.ones(len(account), dtype=bool)  # first response of each respondent
    first[1:] = (account[1:] != account[:-1]) | (contact[1:] != contact[:-1])
    respondent_account = account[first]
    if unit == "contact_latest":
        last = np.ones(len(account), dtype=bool)
        last[:-1] = first[1:]
        account, weight, category = account[last], weight[last], category[last]
    elif unit == "account_mean":
        group = np.cumsum(first) - 1
        weight = weight / np.bincount(group)[group]
        contact_weight = cast("FloatArray", np.bincount(group, weights=weight))
        return _Counted(
            account, category, weight, respondent_account, contact_weight, respondent_account
        )
    return _Counted(account, category, weight, account, weight, respondent_account)


def _unanswered(columns: SurveyColumns, ids: ObjectArray, end: int, span: int | None) -> IntArray:
    """Per listed account, its unanswered surveys submitted in ``[end - span, end)``."""
    aside = columns.unanswered
    if not aside:
        return np.zeros(len(ids), dtype=np.int64)
    times = aside["submitted_at"].astype("datetime64[us]").view(np.int64)
    inside = times < end
    if span is not None:
        inside &= times >= max(end - span, _OLDEST)
    accounts = read_ids(aside["account_id"][inside], name="account_id", allow_missing=True)
    codes, k = id_codes(np.concatenate([ids.astype(object), accounts.astype(object)]))
    listed = np.full(k + 1, -1, dtype=np.int64)  # the last slot answers code -1 (missing)
    listed[codes[: len(ids)]] = np.arange(len(ids))
    where = listed[codes[len(ids) :]]
    return np.bincount(where[where >= 0], minlength=len(ids)).astype(np.int64)


def _account_index(values: NDArray[np.generic], rows: IntArray) -> tuple[IntArray, ObjectArray]:
    """Each row's position among the sorted distinct accounts, and those accounts."""
    codes, k = id_codes(values)
    if (codes < 0).any():
        row = int(rows[np.flatnonzero(codes < 0)[0]])
        msg = f"row {row + 1}: `account_id` is missing; every response needs its account"
        raise InvalidInputError(msg)
    ids = np.empty(k, dtype=object)
    ids[codes] = values.astype(object)
    try:
        order = np.argsort(ids, kind="stable")
    except TypeError:
        kinds = sorted({type(v).__name__ for v in ids.tolist()})
        msg = f"`account_id` values must all be text or all numbers, got a mix of {kinds}"
        raise InvalidInputError(msg) from None
    rank = np.empty(k, dtype=np.int64)
    rank[order] = np.arange(k)
    return rank[codes], cast("ObjectArray", ids[order])


def _contact_codes(values: NDArray[np.generic] | None, rows: IntArray) -> IntArray:
    """A code per respondent; a response without ``contact_id`` gets a code of its own."""
    if values is None:
        return np.arange(len(rows), dtype=np.int64)
    codes, k = id_codes(values[rows])
    anonymous = codes < 0
    return np.where(anonymous, k + np.cumsum(anonymous) - 1, codes)
