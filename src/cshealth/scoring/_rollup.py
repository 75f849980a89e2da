"""Rollups: the health of parent accounts read from their child accounts' scores.

A parent account (a holding company, a global account with regional subsidiaries) often
has no usage of its own; its health is a summary of its children's. The platforms differ
on what that summary is, so `rollup` offers each of their rules (spec, "Rollups"):

* ``mean``: the plain mean of the children's scores. ChurnZero averages the children
  only (``parent='exclude'``) and falls back to the parent's own score when no child is
  scored (``parent='fallback'``); Planhat counts the parent as one more member
  (``parent='include'``).
* ``weighted_mean``: the ARR-weighted mean, so a large subsidiary counts for more.
* ``band_share``: the share of the children in each band, by count or by ARR (Totango).
* ``worst``: the lowest child score.
* ``worst_band_count``: how many children are in the worst band.

One level only: each parent summarises its direct children. A parent may itself be the
child of another account; roll the result up again to climb a level.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal, NamedTuple, Protocol, cast

import numpy as np
from numpy.typing import ArrayLike, NDArray

from cshealth._checks import one_of
from cshealth._codes import id_codes, missing_ids
from cshealth._exceptions import InvalidInputError
from cshealth._result import AccountResult
from cshealth._types import (
    BoolArray,
    ColumnsLike,
    DataFrameLike,
    FloatArray,
    IdArray,
    IntArray,
    ObjectArray,
)
from cshealth.io._read import read_ids, same_kind
from cshealth.scoring._bands import Band, Closure, assign_bands
from cshealth.scoring._result import json_column

__all__ = ["Rollup", "RollupMethod", "ScoresLike", "rollup"]

#: How the children's scores are summarised for their parent.
RollupMethod = Literal["weighted_mean", "mean", "band_share", "worst", "worst_band_count"]

_Parent = Literal["exclude", "include", "fallback"]
_ShareOf = Literal["count", "weight"]
_BAND_METHODS = ("band_share", "worst_band_count")


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
        >>> rollup(scores, {"acme-de": "acme", "acme-fr": "acme"}).value.tolist()
        [55.0]
    """

    @property
    def account_ids(self) -> IdArray:
        """One identifier per account."""

    @property
    def score(self) -> FloatArray:
        """One score (0..100, NaN when insufficient) per account."""


class _BandSource(Protocol):
    """A scorecard, as far as rollups read it."""

    bands: Sequence[Band] | None
    closure: str


@dataclass(frozen=True, eq=False, repr=False)
class Rollup(AccountResult):
    """Parent accounts' health summarised from their children's scores, from `rollup`.

    Every array has one entry per parent, in the order of `parent_ids`. ``len()`` counts
    the parents, ``row(parent_id)`` finds one, and `to_pandas` gives one row per parent:
    ``parent_ids``, ``value``, each band's ``share_<label>``, the counts,
    ``parent_score`` and ``parent_used``.

    Attributes:
        method: The summary (`RollupMethod`).
        parent: How the parent's own score took part: ``'exclude'``, ``'include'``
            (one more member) or ``'fallback'`` (used only when no child is scored).
        share_of: ``'count'`` or ``'weight'``: what the band shares count.
        parent_ids: Every distinct parent, sorted.
        value: The summary: the mean, the worst score, the number of members in the
            worst band, or (``band_share``) the share in the worst band. NaN when no
            member is scored (or the members' weights sum to 0).
        shares: For ``band_share``, each band's label to the share of the members in it
            (rows sum to 1; NaN where ``value`` is NaN), lowest band first; else empty.
        worst_band: The label of the lowest band for the band methods, else ``None``.
        n_children: Children listed for the parent (scored or not).
        n_scored: Children with a score.
        n_unscored: Children without one (left out of the summary).
        parent_score: The parent's own score (NaN if it is not scored or not listed).
        parent_used: Whether the parent's own score entered ``value``.

    Examples:
        >>> r = rollup(
        ...     {"account_id": ["acme", "acme-de", "acme-fr"], "score": [90.0, 30.0, None]},
        ...     {"acme-de": "acme", "acme-fr": "acme"},
        ...     parent="include",
        ... )
        >>> r
        Rollup(1 parent, method='mean', parent='include';
          parent_id         value  scored  unscored
          acme                 60       1         1)
        >>> r.to_records()
        [{'parent_id': 'acme', 'value': 60.0, 'n_children': 2, 'n_scored': 1,
          'n_unscored': 1, 'parent_score': 90.0, 'parent_used': True}]
        >>> r.row("acme"), r.to_dict()["value"]
        (0, [60.0])
    """

    id_field: ClassVar[str] = "parent_ids"

    method: RollupMethod
    parent: _Parent
    share_of: _ShareOf
    parent_ids: IdArray
    value: FloatArray
    shares: dict[str, FloatArray]
    worst_band: str | None
    n_children: IntArray
    n_scored: IntArray
    n_unscored: IntArray
    parent_score: FloatArray
    parent_used: BoolArray

    def _columns(self) -> dict[str, NDArray[np.generic]]:
        """The row columns: the fields, with each band's share after ``value``."""
        return {
            "parent_ids": self.parent_ids,
            "value": self.value,
            **{f"share_{label}": share for label, share in self.shares.items()},
            "n_children": self.n_children,
            "n_scored": self.n_scored,
            "n_unscored": self.n_unscored,
            "parent_score": self.parent_score,
            "parent_used": self.parent_used,
        }

    def to_records(self) -> list[dict[str, object]]:
        """One dictionary per parent (NaN as ``None``; shares as ``share_<label>``)."""
        columns = {
            "parent_id" if name == "parent_ids" else name: json_column(values)
            for name, values in self._columns().items()
        }
        return [dict(zip(columns, row)) for row in zip(*columns.values())]

    def __repr__(self) -> str:
        options = f"method={self.method!r}, parent={self.parent!r}"
        if self.method == "band_share":
            options += f", share_of={self.share_of!r}"
        if self.worst_band is not None:
            options += f", worst_band={self.worst_band!r}"
        head = f"Rollup({len(self)} parent{'' if len(self) == 1 else 's'}, {options}"
        if not len(self):
            return head + ")"
        lines = [f"  {'parent_id':<14} {'value':>8} {'scored':>7} {'unscored':>9}"]
        for i in range(min(len(self), 5)):
            value = self.value[i]
            shown = "nan" if math.isnan(value) else f"{value:.4g}"
            lines.append(
                f"  {self.parent_ids[i]!s:<14} {shown:>8} {self.n_scored[i]:>7} "
                f"{self.n_unscored[i]:>9}"
            )
        if len(self) > 5:
            lines.append(f"  ... {len(self) - 5} more")
        return head + ";\n" + "\n".join(lines) + ")"


def rollup(
    scores: ScoresLike | ColumnsLike,
    parent_ids: Mapping[str, str | None] | ArrayLike,
    *,
    method: RollupMethod = "mean",
    weights: Mapping[str, float] | ArrayLike | None = None,
    parent: Literal["exclude", "include", "fallback"] = "exclude",
    share_of: Literal["count", "weight"] = "count",
    bands: Sequence[Band] | None = None,
    closure: Closure = "lower_inclusive",
    scorecard: object | None = None,
) -> Rollup:
    """Summarise the health scores of child accounts for each parent account.

    The members of a parent are its scored children, plus the parent's own score with
    ``parent='include'``, or the parent alone with ``parent='fallback'`` when none of
    its children is scored. Children without a score (NaN) are left out and counted in
    `Rollup.n_unscored`; a parent without members gets NaN.

    Args:
        scores: The scored accounts: an object with ``account_ids``, ``score`` and
            optionally ``band`` (`ScoresLike`, such as a health score result), or a
            mapping of columns / data frame with ``account_id``, ``score`` (0..100,
            NaN or ``None`` when insufficient) and optionally ``band``.
        parent_ids: Each child's parent: a mapping ``{child_id: parent_id}`` (every
            child must be among the scores), or a sequence aligned with the scores'
            account ids. ``None`` (or NaN) means no parent. Parents need not be scored.
        method: One of {'mean', 'weighted_mean', 'band_share', 'worst',
            'worst_band_count'}; see Notes.
        weights: Each account's weight (ARR): a mapping ``{account_id: weight}`` or a
            sequence aligned with the scores; finite and >= 0. Needed (and only
            allowed) for ``'weighted_mean'`` and for ``'band_share'`` with
            ``share_of='weight'``, for every member (a parent used as a fallback needs none).
        parent: One of {'exclude', 'include', 'fallback'}: how the parent's own score
            takes part (see above).
        share_of: One of {'count', 'weight'}: whether ``band_share`` counts members or
            adds up their weights (a share of the count or of the weight).
        bands: The bands, lowest first (they are sorted by ``min``), covering 0..100
            with no gap or overlap. Needed by ``'band_share'`` and
            ``'worst_band_count'``.
        closure: One of {'lower_inclusive', 'upper_inclusive'}: which end of each band
            is inside it.
        scorecard: Anything with ``bands`` and ``closure`` (a scorecard), used in place
            of ``bands`` and ``closure``.

    Returns:
        A `Rollup` with one row per distinct parent, sorted by parent id.

    Raises:
        InvalidInputError: On an unknown option; duplicate or missing account ids; a
            score that is not NaN or 0..100; an account that is its own parent; a child
            not among the scores (named); a weight that is negative, NaN or infinite,
            or missing for a member; weights or ``share_of='weight'`` with a method that
            does not use them; a band method without bands; bands that do not cover
            0..100; a band label in the scores that is not one of the bands.

    Notes:
        With members ``i`` of a parent, scores ``s_i``, weights ``w_i`` and band
        indices ``b_i`` (0 is the lowest band):

        * ``mean``: ``Σ s_i / n`` (ChurnZero: children only, falling back to the
          parent; Planhat: the parent included).
        * ``weighted_mean``: ``Σ w_i s_i / Σ w_i``, the ARR-weighted mean; NaN when the
          weights sum to 0.
        * ``band_share``: for each band ``j``, ``Σ_{b_i = j} u_i / Σ u_i`` with
          ``u_i = 1`` (``share_of='count'``) or ``w_i`` (``share_of='weight'``) (Totango);
          `value` is the share of the lowest band.
        * ``worst``: ``min s_i``.
        * ``worst_band_count``: ``#{i : b_i = 0}``, the members in the lowest band.

        A parent used as a fallback is its only member, so each method returns what it
        returns for that one score (its weight plays no part).

    Examples:
        Acme has three subsidiaries, one not yet scored; Globex has one, unscored:

        >>> scores = {
        ...     "account_id": ["acme", "acme-de", "acme-fr", "acme-us", "globex-uk"],
        ...     "score": [90.0, 40.0, 70.0, None, None],
        ... }
        >>> parents = {
        ...     "acme-de": "acme",
        ...     "acme-fr": "acme",
        ...     "acme-us": "acme",
        ...     "globex-uk": "globex",
        ... }
        >>> r = rollup(scores, parents)
        >>> r.parent_ids.tolist(), r.value.tolist(), r.n_unscored.tolist()
        (['acme', 'globex'], [55.0, nan], [1, 1])

        Planhat counts the parent too: (90 + 40 + 70) / 3:

        >>> rollup(scores, parents, parent="include").value.tolist()
        [66.666..., nan]

        Share of the children in each band, and the worst child:

        >>> bands = [Band(label="red", min=0, max=50), Band(label="green", min=50, max=100)]
        >>> r = rollup(scores, parents, method="band_share", bands=bands)
        >>> r.shares["red"].tolist(), r.shares["green"].tolist()
        ([0.5, nan], [0.5, nan])
        >>> rollup(scores, parents, method="worst").value.tolist()
        [40.0, nan]
    """
    _check_options(method, parent, share_of, weights)
    band_list, closure = _band_setup(method, bands, closure, scorecard)
    ids, score, labels = _read_scores(scores)
    links = _links(ids, parent_ids)
    weight = _weights(weights, ids) if weights is not None else None
    band_index = (
        _band_index(ids, score, labels, band_list, closure)
        if method in _BAND_METHODS
        else np.full(len(ids), -1, dtype=np.int64)
    )
    n_parents = len(links.parent_ids)
    scored = ~np.isnan(score[links.child_rows])
    n_children = np.bincount(links.groups, minlength=n_parents)
    n_scored = np.bincount(links.groups[scored], minlength=n_parents)
    present = links.parent_rows >= 0
    parent_score = np.where(present, score[np.where(present, links.parent_rows, 0)], np.nan)
    parent_used = ~np.isnan(parent_score) & (
        (parent == "include") | ((parent == "fallback") & (n_scored == 0))
    )
    # the members: the scored children, then the parents whose own score takes part
    rows = np.concatenate([links.child_rows[scored], links.parent_rows[parent_used]])
    groups = np.concatenate([links.groups[scored], np.flatnonzero(parent_used)])
    value, shares = _aggregate(
        method,
        groups,
        score[rows],
        None if weight is None else _member_weights(weight, ids, rows, scored, parent),
        band_index[rows],
        labels=[band.label for band in band_list],
        n_parents=n_parents,
    )
    return Rollup(
        method=method,
        parent=parent,
        share_of=share_of,
        parent_ids=links.parent_ids,
        value=value,
        shares=shares,
        worst_band=band_list[0].label if method in _BAND_METHODS else None,
        n_children=n_children,
        n_scored=n_scored,
        n_unscored=n_children - n_scored,
        parent_score=parent_score,
        parent_used=parent_used,
    )


# --- options and bands -------------------------------------------------------------------


def _check_options(method: str, parent: str, share_of: str, weights: object) -> None:
    one_of(method, RollupMethod, "method")
    one_of(parent, _Parent, "parent")
    one_of(share_of, _ShareOf, "share_of")
    if share_of == "weight" and method != "band_share":
        msg = f"`share_of='weight'` applies to method='band_share' only, got method={method!r}"
        raise InvalidInputError(msg)
    uses_weights = method == "weighted_mean" or share_of == "weight"
    if uses_weights and weights is None:
        what = "method='weighted_mean'" if method == "weighted_mean" else "share_of='weight'"
        msg = f"{what} needs `weights` (one weight, such as ARR, per account)"
        raise InvalidInputError(msg)
    if not uses_weights and weights is not None:
        msg = (
            f"`weights` are not used by method={method!r}"
            + (" with share_of='count'" if method == "band_share" else "")
            + "; use method='weighted_mean' (or band_share with share_of='weight'), or drop them"
        )
        raise InvalidInputError(msg)


def _band_setup(
    method: str, bands: Sequence[Band] | None, closure: str, scorecard: object | None
) -> tuple[list[Band], Closure]:
    """The bands (validated, lowest first) and closure; empty when the method needs none."""
    if scorecard is not None:
        if bands is not None:
            msg = "give `bands` or `scorecard`, not both"
            raise InvalidInputError(msg)
        if not (hasattr(scorecard, "bands") and hasattr(scorecard, "closure")):
            msg = (
                "`scorecard` must have `bands` and `closure` attributes, got "
                f"{type(scorecard).__name__}"
            )
            raise InvalidInputError(msg)
        card = cast("_BandSource", scorecard)
        bands, closure = card.bands, card.closure
    one_of(closure, Closure, "closure")
    if method not in _BAND_METHODS:
        return [], cast("Closure", closure)
    if not bands:
        msg = f"method={method!r} needs `bands` (or a `scorecard` with bands)"
        raise InvalidInputError(msg)
    return _checked_bands(bands), cast("Closure", closure)


def _checked_bands(bands: Iterable[object]) -> list[Band]:
    checked = sorted((Band.model_validate(band) for band in bands), key=lambda band: band.min)
    labels = [band.label for band in checked]
    if len(set(labels)) < len(labels):
        msg = f"`bands` labels must be distinct, got {labels}"
        raise InvalidInputError(msg)
    edges = [(band.min, band.max) for band in checked]
    if edges[0][0] != 0 or edges[-1][1] != 100:
        msg = f"`bands` must cover 0..100, got {edges}"
        raise InvalidInputError(msg)
    for band, after in zip(checked, [*checked[1:], None]):
        if band.min >= band.max or (after is not None and band.max != after.min):
            msg = (
                f"`bands` must be contiguous, each min < max, with no gap or overlap; "
                f"band {band.label!r} is [{band.min:g}, {band.max:g}] in {edges}"
            )
            raise InvalidInputError(msg)
    return checked


# --- reading ----------------------------------------------------------------------------


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


# --- aggregation ------------------------------------------------------------------------


def _aggregate(
    method: str,
    groups: IntArray,
    score: FloatArray,
    weight: FloatArray | None,
    band: IntArray,
    *,
    labels: list[str],
    n_parents: int,
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """``(value, shares)`` per parent from its members' scores, weights and bands."""
    if method == "band_share":
        return _band_share(groups, band, weight, labels=labels, n_parents=n_parents)
    if method in ("mean", "weighted_mean"):
        numerator = score if weight is None else weight * score
        total = np.asarray(np.bincount(groups, numerator, n_parents), dtype=np.float64)
        return _ratio(total, groups, weight), {}
    count = np.bincount(groups, minlength=n_parents)
    if method == "worst":
        low = np.full(n_parents, np.inf)
        np.minimum.at(low, groups, score)
        return np.where(count > 0, low, np.nan), {}
    worst = np.bincount(groups[band == 0], minlength=n_parents).astype(np.float64)
    return np.where(count > 0, worst, np.nan), {}  # worst_band_count


def _ratio(numerator: FloatArray, groups: IntArray, weight: FloatArray | None) -> FloatArray:
    """``numerator`` over the members' count (or total weight); NaN where that is 0."""
    denominator = np.bincount(groups, weight, len(numerator))
    out = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _band_share(
    groups: IntArray,
    band: IntArray,
    weight: FloatArray | None,
    *,
    labels: list[str],
    n_parents: int,
) -> tuple[FloatArray, dict[str, FloatArray]]:
    n_bands = len(labels)
    cells = np.bincount(groups * n_bands + band, weight, n_parents * n_bands)
    table = cells.reshape(n_parents, n_bands)
    total = table.sum(axis=1)
    shares = np.full(table.shape, np.nan)
    np.divide(table, total[:, None], out=shares, where=total[:, None] > 0)
    by_label = {label: np.ascontiguousarray(shares[:, j]) for j, label in enumerate(labels)}
    return by_label[labels[0]].copy(), by_label
