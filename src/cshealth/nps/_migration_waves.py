"""The two waves of an NPS migration, read: identifiers, scores, each respondent's latest.

`_Wave` reads a wave (a mapping of respondent to score, or responses of any form) into
aligned columns, and keeps each respondent's latest answer; `_codes` numbers the
respondents of both waves together. `migration` and its partial
(`cshealth.nps._migration_partial`) match the waves through them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sized
from dataclasses import dataclass
from typing import NoReturn, cast

import numpy as np
from numpy.typing import NDArray

from cshealth._codes import id_codes, latest_rows
from cshealth._exceptions import InvalidInputError
from cshealth._types import IdArray, IntArray
from cshealth.io._read import read_ids
from cshealth.nps._answers import _CATEGORY, _check_scores
from cshealth.nps._responses import survey_columns

__all__: list[str] = []


@dataclass(frozen=True)
class _Wave:
    """One wave as aligned columns: identifiers, checked scores, optional instants."""

    name: str
    ids: NDArray[np.generic]
    scores: NDArray[np.intp]
    submitted_at: NDArray[np.datetime64] | None
    survey_type: str | None

    @classmethod
    def read(cls, data: object, name: str, respondent: str, *, partition: bool = False) -> _Wave:
        if isinstance(data, Mapping) and _is_score_mapping(data):
            ids = read_ids(list(data.keys()), name=f"the keys of {name}", allow_missing=True)
            return cls(name, ids, _scores(list(data.values()), name), None, None)
        try:
            columns = survey_columns(
                data,
                kind="nps",
                need=("score", respondent),
                optional=("submitted_at",),
                partition=partition,
            )
        except InvalidInputError as err:  # name the wave; keep the per-row problems
            raise InvalidInputError(f"`{name}`: {err.args[0]}", err.errors) from None
        ids = read_ids(columns[respondent], name=f"{name}[{respondent!r}]", allow_missing=True)
        instants = columns.instants() if "submitted_at" in columns.columns else None
        scores = _scores(columns.scores(), name)
        return cls(name, ids, scores, instants, columns.survey_type)

    def categories(self, codes: IntArray, k: int) -> tuple[NDArray[np.intp], int]:
        """Each respondent's category (``-1`` when absent) and the duplicates left out."""
        rows = self._latest(codes, k)
        category = np.full(k, -1, dtype=np.intp)
        category[codes[rows]] = _CATEGORY[self.scores[rows]]
        return category, int((codes >= 0).sum()) - len(rows)

    def _latest(self, codes: IntArray, k: int) -> IntArray:
        """The rows kept: one per identified respondent, the latest when repeated."""
        rows = np.flatnonzero(codes >= 0)
        own = codes[rows]
        repeated = np.bincount(own, minlength=k)[own] > 1
        if not repeated.any():
            return rows
        if self.submitted_at is None:
            self._refuse(
                rows[repeated],
                own[repeated],
                "there is no `submitted_at` to tell "
                "which answer is the latest; pass it, or one answer per respondent",
            )
        times = self.submitted_at[rows]  # never NaT: the reader refuses a missing one
        kept: IntArray = rows[latest_rows(own, times.astype(np.int64), rows)]
        return kept

    def _refuse(self, rows: IntArray, codes: IntArray, reason: str) -> NoReturn:
        value = self.ids[int(rows[0])]
        shown = value.item() if isinstance(value, np.generic) else value
        msg = (
            f"`{self.name}`: respondent {shown!r} answered more than once and {reason} "
            f"(row {int(rows[0]) + 1}; {len(np.unique(codes))} such respondents in all)"
        )
        raise InvalidInputError(msg)


def _is_score_mapping(data: Mapping[object, object]) -> bool:
    """A mapping of respondent to score (scalar values) rather than of columns."""
    first = next(iter(data.values()), None)
    return not isinstance(first, Sized) or isinstance(first, (str, bytes))


def _scores(values: object, name: str) -> NDArray[np.intp]:
    try:
        array = np.asarray(values)
    except ValueError:  # ragged: sequences among the scores
        array = np.fromiter(cast("list[object]", values), dtype=object)
    return _check_scores(array, f"the scores of `{name}`")


def _codes(first: IdArray, second: IdArray) -> tuple[IntArray, int]:
    """Codes for the identifiers of both waves together (``-1`` where missing)."""
    if first.dtype != second.dtype:  # whole numbers with and without missing ones
        first, second = first.astype(object), second.astype(object)
    return id_codes(np.concatenate([first, second]), dense=False)
