"""What `rollup` reads: the scored accounts, the hierarchy, the weights and the bands.

Each reader checks its input and names the account at fault: scores are 0..100 or NaN,
ids are present and distinct, every listed child is among the scores and no account is
its own parent (`_links` turns the hierarchy into rows), weights are finite and >= 0, and
a band label given with the scores is one of the bands.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple, Protocol, cast

import numpy as np
from numpy.typing import ArrayLike

from cshealth._codes import id_codes, missing_ids
from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, DataFrameLike, FloatArray, IdArray, IntArray, ObjectArray
from cshealth.io._read import read_ids, same_kind
from cshealth.scoring._bands import Band, Closure, assign_bands

__all__ = ["ScoresLike"]


class ScoresLike(Protocol):
    """Scored accounts, such as a health score result.

    ``account_ids`` are distinct identifiers; ``score`` is 0..100 with NaN where the data
    were insufficient. An optional ``band`` attribute (band labels, ``None`` where
    unscored) is used by the band methods in place of the bands the scores fall in, so
    a band kept by hysteresis counts as the band the account was reported in.

    Examples:
        >>> from types import SimpleNamespace
        >>> scores = SimpleNamespace(
        ...     account_ids=np.array(["acme-de", "acme-fr"], dtype=object),
        ...     score=np.array([30.0, 80.0]),
        ... )
        >>> from cshealth.scoring import rollup
        >>> rollup(scores, {"acme-de": "acme", "acme-fr": "acme"}).value.tolist()
        [55.0]
    """

    @property
    def account_ids(self) -> IdArray:
        """One identifier per account."""

    @property
    def score(self) -> FloatArray:
        """One score (0..100, NaN when insufficient) per account."""


def _read_scores(scores: object) -> tuple[ObjectArray, FloatArray, ObjectArray | None]:
    """``(ids, score, band labels or None)``, checked: ids present and scores 0..100."""
    columns = _columns(scores)
    ids = _object_column(columns["account_id"], "account_id")
    try:
        score = np.asarray(columns["score"], dtype=np.float64)
    except (TypeError, ValueError):
        msg = "`scores`: `score` must hold numbers 0..100 (NaN or None when insufficient)"
        raise InvalidInputError(msg) from None
    labels = _object_column(columns["band"], "band") if "band" in columns else None
    for name, column in (("score", score), ("band", labels)):
        if column is not None and column.shape != ids.shape:
            msg = f"`scores`: `{name}` has shape {column.shape}, `account_id` {ids.shape}"
            raise InvalidInputError(msg)
    missing = missing_ids(ids)
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        msg = f"`scores`: the account id at row {row + 1} is missing"
        raise InvalidInputError(msg)
    bad = ~np.isnan(score) & ~((score >= 0) & (score <= 100))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        msg = (
            f"`scores`: account {ids[i]!r} has score {float(score[i])!r}; scores are "
            "0..100, or NaN when insufficient"
        )
        raise InvalidInputError(msg)
    return ids, score, labels


def _columns(scores: object) -> Mapping[str, object]:
    if isinstance(scores, Mapping):
        columns: Mapping[str, object] = scores
    elif hasattr(scores, "account_ids") and hasattr(scores, "score"):
        scored = cast("ScoresLike", scores)
        band = getattr(scores, "band", None)
        columns = {"account_id": scored.account_ids, "score": scored.score}
        if band is not None:
            columns = {**columns, "band": band}
    elif hasattr(scores, "columns") and hasattr(scores, "__getitem__"):
        frame = cast("DataFrameLike", scores)
        columns = {str(name): frame[str(name)] for name in cast("Iterable[object]", frame.columns)}
    else:
        msg = (
            "`scores` must have `account_ids` and `score` (a health score result), or be "
            f"a mapping of columns or a data frame; got {type(scores).__name__}"
        )
        raise InvalidInputError(msg)
    absent = [name for name in ("account_id", "score") if name not in columns]
    if absent:
        msg = f"`scores` needs the columns {absent}; got {sorted(map(str, columns))}"
        raise InvalidInputError(msg)
    return columns


def _object_column(values: object, name: str) -> ObjectArray:
    column = np.asarray(values, dtype=object)
    if column.ndim != 1:
        msg = f"`scores`: `{name}` must be one-dimensional, got shape {column.shape}"
        raise InvalidInputError(msg)
    return column


class _Links(NamedTuple):
    """The hierarchy as rows: each child's row in the scores and its parent's rank."""

    parent_ids: IdArray  # sorted distinct parents
    parent_rows: IntArray  # each parent's row in the scores, -1 where not scored
    child_rows: IntArray  # each child's row in the scores
    groups: IntArray  # each child's parent, as an index into parent_ids


def _links(ids: IdArray, parent_ids: object) -> _Links:
    children, parents = _pairs(parent_ids, ids)
    has_parent = ~missing_ids(parents)
    parents = parents[has_parent]
    n = len(ids)
    listed = [] if children is ids else [children]  # aligned: the children are the scores
    codes, k = id_codes(np.concatenate([ids, *listed, parents]), dense=False)  # grouping only
    m = len(children) if listed else 0
    score_codes, parent_codes = codes[:n], codes[n + m :]
    child_codes = codes[n : n + m] if listed else score_codes
    repeated = np.bincount(score_codes, minlength=k)[score_codes] > 1
    if repeated.any():
        twice = list(dict.fromkeys(ids[repeated].tolist()))[:5]
        msg = f"`scores`: duplicate account ids {twice}; one row per account"
        raise InvalidInputError(msg)
    row_of = np.full(k + 1, -1, dtype=np.int64)  # the last slot answers code -1
    row_of[score_codes] = np.arange(n)
    child_rows = row_of[child_codes]
    absent = child_rows < 0
    if absent.any():
        shown = children[absent][:5].tolist()
        msg = (
            f"`parent_ids` lists {int(absent.sum())} account(s) that are not among the "
            f"scores, e.g. {shown}; score them or leave them out"
        )
        raise InvalidInputError(msg)
    child_rows, child_codes = child_rows[has_parent], child_codes[has_parent]
    own = child_codes == parent_codes
    if own.any():
        msg = f"`parent_ids`: account {children[has_parent][own][0]!r} is its own parent"
        raise InvalidInputError(msg)
    distinct = np.zeros(k, dtype=np.int64)
    distinct[parent_codes] = np.arange(len(parent_codes)) + 1  # any row of each code, 1-based
    parent_code = np.flatnonzero(distinct)
    names = parents[distinct[parent_code] - 1]
    order = np.argsort(names, kind="stable")  # one kind of id (checked on reading)
    rank = np.zeros(k, dtype=np.int64)
    rank[parent_code[order]] = np.arange(len(order))
    return _Links(
        parent_ids=names[order],
        parent_rows=row_of[parent_code[order]],
        child_rows=child_rows,
        groups=rank[parent_codes],
    )


def _pairs(parent_ids: object, ids: IdArray) -> tuple[IdArray, IdArray]:
    """``(children, parents)`` from a mapping, or from a sequence aligned with ``ids``."""
    if isinstance(parent_ids, Mapping):
        children = read_ids(list(parent_ids.keys()), name="the keys of parent_ids")
        parents = read_ids(list(parent_ids.values()), name="parent_ids", allow_missing=True)
        same_kind(
            ("`scores`", ids), ("the keys of `parent_ids`", children), ("`parent_ids`", parents)
        )
        return children, parents
    if isinstance(parent_ids, (str, bytes)):
        msg = "`parent_ids` must be a mapping {child_id: parent_id} or a sequence, got text"
        raise InvalidInputError(msg)
    if np.ndim(cast("ArrayLike", parent_ids)) != 1:
        msg = (
            "`parent_ids` must be a mapping {child_id: parent_id} or a sequence, got "
            f"{parent_ids!r}"
        )
        raise InvalidInputError(msg)
    parents = read_ids(parent_ids, name="parent_ids", allow_missing=True)
    same_kind(("`scores`", ids), ("`parent_ids`", parents))
    if parents.shape != ids.shape:
        msg = (
            f"`parent_ids` as a sequence must hold one parent (or None) per scored account "
            f"({len(ids)}), got shape {parents.shape}"
        )
        raise InvalidInputError(msg)
    return ids, parents


def _weights(weights: object, ids: IdArray) -> FloatArray:
    """One weight per row of the scores (NaN where a mapping gives none), checked."""
    if isinstance(weights, Mapping):
        keys = read_ids(list(weights.keys()), name="the keys of weights")
        same_kind(("`scores`", ids), ("the keys of `weights`", keys))
        raw: object = list(weights.values())
    else:
        keys, raw = ids, weights
    try:
        values = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        msg = "`weights` must be numbers >= 0 (one per account)"
        raise InvalidInputError(msg) from None
    if values.shape != keys.shape:
        msg = f"`weights` must hold one weight per account ({len(keys)}), got {values.shape}"
        raise InvalidInputError(msg)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        msg = (
            f"`weights`: account {keys[i]!r} has weight {float(values[i])!r}; weights must "
            f"be finite and >= 0 ({int(bad.sum())} bad in all)"
        )
        raise InvalidInputError(msg)
    if keys is ids:
        return values
    codes, k = id_codes(np.concatenate([ids, keys]))
    per_code = np.full(k + 1, np.nan)  # the last slot answers code -1
    per_code[codes[len(ids) :]] = values
    found: FloatArray = per_code[codes[: len(ids)]]
    return found


def _member_weights(
    weight: FloatArray, ids: IdArray, rows: IntArray, scored: BoolArray, parent: str
) -> FloatArray:
    """The members' weights: children first, then parents (1 for a fallback parent)."""
    member = weight[rows]
    if parent == "fallback":
        member[int(scored.sum()) :] = 1.0  # alone among its members: its weight plays no part
    missing = np.isnan(member)
    if missing.any():
        shown = ids[rows[missing]][:5].tolist()
        msg = f"`weights` has no weight for {int(missing.sum())} member(s), e.g. {shown}"
        raise InvalidInputError(msg)
    return member


def _band_index(
    ids: IdArray,
    score: FloatArray,
    labels: ObjectArray | None,
    bands: list[Band],
    closure: Closure,
) -> IntArray:
    """Each row's band: its reported label if the scores have one, else where it falls."""
    if labels is None:
        return assign_bands(bands, closure, score)
    index = np.full(len(ids), -1, dtype=np.int64)
    for j, band in enumerate(bands):
        index[np.asarray(labels == band.label, dtype=bool)] = j
    index[np.isnan(score)] = -1
    unknown = (index < 0) & ~np.isnan(score)
    if unknown.any():
        i = int(np.flatnonzero(unknown)[0])
        msg = (
            f"`scores`: account {ids[i]!r} has band {labels[i]!r}, not one of the bands "
            f"{[band.label for band in bands]}"
        )
        raise InvalidInputError(msg)
    return index
