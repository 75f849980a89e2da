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

This module holds `rollup`, its options and the summary per parent; the result is in
`_rollup_result`, the readers of its inputs in `_rollup_inputs`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Literal, Protocol, cast

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import one_of
from cshealth._exceptions import InvalidInputError
from cshealth._types import ColumnsLike, FloatArray, IntArray
from cshealth.scoring._bands import Band, Closure
from cshealth.scoring._rollup_inputs import (
    ScoresLike,
    _band_index,
    _links,
    _member_weights,
    _read_scores,
    _weights,
)
from cshealth.scoring._rollup_result import Rollup, RollupMethod, _Parent, _ShareOf

__all__ = ["rollup"]

_BAND_METHODS = ("band_share", "worst_band_count")


class _BandSource(Protocol):
    """A scorecard, as far as rollups read it."""

    bands: Sequence[Band] | None
    closure: str


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
