"""Tie-aware lift and gains: how much churn the lowest scores catch, whatever the row order.

The lift of the lowest ``fraction`` of scores is the churn rate among them over the
overall churn rate. Health scores are coarse (whole numbers, bands), so the cut between
"the lowest 10%" and the rest usually falls inside a block of tied scores. Code that sorts
the rows and takes the first 10% breaks the tie by the row order, and the same data in
another order gives another lift (20 orders of one data set gave 3.22 to 3.41). Here a
tied block straddling the cut enters PRO RATA: of its observations, the share needed to
reach the cut, carrying the same share of the block's churners. With ``fraction · n``
a whole number this is exactly the expected lift over all orderings of the ties; in
between, the gains curve is the straight line between those points.

Weighted (by MRR), the cut is a share of the total weight: the lowest-scored accounts
holding ``fraction`` of all MRR (a tied block entering in proportion to its MRR, with the
same proportion of its churned MRR), and the weighted lift is the share of the churned MRR
they hold over ``fraction``: the MRR churn rate among them over the overall MRR churn rate
("MRR at risk captured in the lowest 10%, against 10%").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike

from cshealth._checks import one_of, real_number, weight_array
from cshealth._exceptions import InvalidInputError
from cshealth._plot import NO_DATA, axes
from cshealth._result import RowsResult
from cshealth._text import align_columns
from cshealth._types import FloatArray, IntArray
from cshealth.backtest._panel_columns import check_churned, check_scores
from cshealth.backtest._pictures import GainsPicture, draw_gains, draw_lift
from cshealth.backtest._ranking import class_counts, levels

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["GAINS_FRACTIONS", "LIFT_FRACTIONS", "Gains", "captured", "gains_table", "lift"]

#: The fractions of the gains table: 5%, 10%, ..., 100%.
GAINS_FRACTIONS: tuple[float, ...] = tuple(round(0.05 * i, 2) for i in range(1, 21))
#: The fractions `evaluate` reports the lift at.
LIFT_FRACTIONS: tuple[float, ...] = (0.05, 0.1, 0.2)


def captured(
    weight: FloatArray, churn: FloatArray, fractions: FloatArray
) -> tuple[FloatArray, IntArray]:
    """The churn caught in the lowest ``fractions`` of the weight, ties pro rata.

    Args:
        weight: Per level (last axis, scores ascending), the weight (count, MRR) of the
            observations; ``(..., L)``.
        churn: Per level, the weight of the churners among them; ``(..., L)``.
        fractions: The shares of the total weight to cut at, each in ``(0, 1]``; ``(F,)``.

    Returns:
        ``(caught, cut)``: the churn weight below each cut, ``(..., F)``, and the level
        each cut falls in (the last one entering), ``(..., F)``. NaN where the total
        weight is 0.

    Examples:
        >>> caught, cut = captured(
        ...     np.array([2.0, 4.0, 4.0]), np.array([2.0, 1.0, 0.0]), np.array([0.5])
        ... )
        >>> caught.tolist(), cut.tolist()  # 2 of level 0, then 3 of the 4 of level 1
        ([2.75], [1])
    """
    shape, k = weight.shape[:-1], weight.shape[-1]
    if k == 0:  # no levels: nothing to cut
        nothing = np.full((*shape, len(fractions)), np.nan)
        return nothing, np.zeros(nothing.shape, dtype=np.int64)
    w = weight.reshape(-1, k)
    c = churn.reshape(w.shape)
    rows = w.shape[0]
    cum_w, cum_c = np.cumsum(w, axis=1), np.cumsum(c, axis=1)
    total = cum_w[:, -1:]
    targets = total * fractions[None, :]
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(total > 0, cum_w / np.where(total > 0, total, 1.0), 1.0)
    # one search for every row: row r lives in [2r, 2r + 1]
    offsets = 2.0 * np.arange(rows, dtype=np.float64)[:, None]
    found = np.searchsorted((scaled + offsets).ravel(), (fractions[None, :] + offsets).ravel())
    cut = np.clip(found.reshape(rows, -1) - k * np.arange(rows)[:, None], 0, k - 1)
    before_w = np.take_along_axis(cum_w, cut, axis=1) - np.take_along_axis(w, cut, axis=1)
    before_c = np.take_along_axis(cum_c, cut, axis=1) - np.take_along_axis(c, cut, axis=1)
    block_w, block_c = np.take_along_axis(w, cut, axis=1), np.take_along_axis(c, cut, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.clip((targets - before_w) / block_w, 0.0, 1.0)
        caught = np.where(total > 0, before_c + np.where(block_w > 0, share * block_c, 0.0), np.nan)
    return caught.reshape(*shape, -1), cut.reshape(*shape, -1).astype(np.int64)


def lift_counts(weight: FloatArray, churn: FloatArray, fractions: FloatArray) -> FloatArray:
    """The tie-aware lift at each fraction from counts per level (``(..., F)``).

    ``caught / (fraction · total churn)``; NaN without churn (or without weight).

    Examples:
        >>> lift_counts(np.array([2.0, 4.0, 4.0]), np.array([2.0, 1.0, 0.0]), np.array([0.5]))
        array([1.83333333])
    """
    caught, _ = captured(weight, churn, fractions)
    total = churn.sum(axis=-1)[..., None]
    with np.errstate(invalid="ignore", divide="ignore"):
        out: FloatArray = np.where(total > 0, caught / (fractions * total), np.nan)
    return out


def lift(
    scores: ArrayLike,
    churned: ArrayLike,
    *,
    fraction: float = 0.1,
    weights: ArrayLike | None = None,
) -> float:
    """The tie-aware lift of the lowest ``fraction`` of scores: their churn rate over all.

    Higher health is lower risk, so the lowest scores are the riskiest. Ties never depend
    on the row order: a tied block straddling the cut enters pro rata, which is the
    expected lift over every ordering of the ties (see the module notes).

    Args:
        scores: The scores (health: lower is riskier), finite numbers.
        churned: The outcomes: ``True``/``False`` or ``1``/``0``.
        fraction: The share of the observations (or of the weight) flagged, in ``(0, 1]``.
        weights: Optional weights, one per observation (finite, >= 0, not all 0), such as
            MRR: the lowest-scored observations holding ``fraction`` of the total
            weight are flagged, and the lift is the share of the churned weight they hold
            over ``fraction`` (MRR at risk captured, against its share of MRR).

    Returns:
        The lift: 1.0 for a score no better than chance, ``1 / base rate`` at most (every
        flagged observation churned; with ``fraction`` at or below the base rate). NaN
        when nobody churned (or all churned weight is 0): the lift is undefined.

    Raises:
        InvalidInputError: On scores that are not finite numbers, outcomes that are not
            booleans, a ``fraction`` outside ``(0, 1]``, bad weights, or lengths that
            differ.

    Notes:
        With the levels ``s₁ < s₂ < ...`` of the scores, ``wₗ`` the weight at level
        ``l``, ``cₗ`` the churned weight, ``Wₗ``, ``Cₗ`` their sums up to ``l``, ``W``,
        ``C`` the totals and ``j`` the level where ``Wⱼ₋₁ < f·W <= Wⱼ``: the weight caught
        is ``Cⱼ₋₁ + (f·W − Wⱼ₋₁) cⱼ / wⱼ`` and the lift is that over ``f·C``.

    Examples:
        Ten accounts, three churned; the lowest 20% are two accounts, but three tie at
        the lowest score, one of them a churner:

        >>> scores = [10, 10, 10, 40, 40, 60, 60, 80, 90, 95]
        >>> churned = [1, 0, 0, 1, 1, 0, 0, 0, 0, 0]
        >>> round(lift(scores, churned, fraction=0.2), 4)  # 2/3 of a churner in 2 of 10
        1.1111
        >>> round(lift(scores, churned, fraction=0.5), 4)  # the three 10s and the two 40s
        2.0

        Weighted by MRR, the cut is the lowest-scored 20% of the MRR:

        >>> mrr = [500, 100, 100, 100, 100, 100, 100, 100, 100, 100]
        >>> round(lift(scores, churned, fraction=0.2, weights=mrr), 4)  # 280 of the 10s' 700
        1.4286
    """
    score = check_scores(scores, "scores")
    outcome = check_churned(churned, "churned")
    share = real_number(fraction, "fraction", low=0.0, high=1.0, open_low=True)
    weight = _weights(weights, len(score))
    if len(outcome) != len(score):
        msg = f"`scores` and `churned` must have one length, got {len(score)} and {len(outcome)}"
        raise InvalidInputError(msg)
    if np.isnan(score).any():
        row = int(np.flatnonzero(np.isnan(score))[0]) + 1
        msg = f"`scores` must be finite numbers: row {row} is NaN (leave unscored rows out)"
        raise InvalidInputError(msg)
    lv = levels(score)
    pos, neg = class_counts(lv.codes, outcome, len(lv), weight)
    return float(lift_counts(pos + neg, pos, np.array([share]))[0])


def _weights(weights: ArrayLike | None, n: int) -> FloatArray | None:
    if weights is None:
        return None
    w = weight_array(weights, n, noun="score")
    if n and not w.sum() > 0:
        msg = "`weights` are all 0: nothing to take a share of"
        raise InvalidInputError(msg)
    return w


@dataclass(frozen=True, eq=False, repr=False)
class Gains(RowsResult):
    """The gains table: what the lowest 5%, 10%, ..., 100% of the scores catch.

    One row per fraction (``to_pandas()``: ``fraction``, ``cutoff``, ``captured``,
    ``lift``, ``mrr_captured``, ``mrr_lift``). Ties at a cut enter pro rata. ``plot()``
    draws the gains curve, or the lift of each tenth.

    Attributes:
        fraction: The share of the observations flagged, lowest scores first.
        cutoff: The score of the last level entering (the cut falls in its tied block).
        captured: The share of the churners among them (the gains curve).
        lift: ``captured / fraction``.
        mrr_captured: With MRR: the share of the churned MRR among the lowest-scored
            accounts holding ``fraction`` of the MRR (NaN without MRR).
        mrr_lift: ``mrr_captured / fraction``.
        base_rate: The share of the observations that churned (NaN without any): a
            perfect ranking has caught every churner once this share is flagged.
        mrr_base_rate: The share of the MRR that churned (NaN without MRR).
    """

    fraction: FloatArray
    cutoff: FloatArray
    captured: FloatArray
    lift: FloatArray
    mrr_captured: FloatArray
    mrr_lift: FloatArray
    base_rate: float
    mrr_base_rate: float

    def format(self) -> str:
        """One line per fraction: cut-off score, share of churn caught, lift (by MRR too)."""
        by_mrr = bool(np.isfinite(self.mrr_lift).any())
        rows = []
        for f, c, g, v, mg, mv in zip(*(a.tolist() for a in self._columns().values())):
            row = [f"{f:.0%}", _num(c, ".4g"), _num(g, ".1%"), _num(v, ".2f")]
            rows.append(row + ([_num(mg, ".1%"), _num(mv, ".2f")] if by_mrr else []))
        header = ["lowest", "score <=", "churn caught", "lift"]
        header += ["MRR caught", "MRR lift"] if by_mrr else []
        return align_columns(header, rows, align=">" * len(header))

    def plot(
        self,
        ax: Axes | None = None,
        *,
        kind: Literal["gains", "lift"] = "gains",
        by_mrr: bool = False,
        label: str | None = None,
        **style: object,
    ) -> Axes:
        """Draw the cumulative gains curve, or the lift of each tenth as bars.

        ``kind='gains'``: the share of the churners caught against the share of the
        observations flagged, lowest scores first, from ``(0, 0)`` through the table's
        rows (marked); the dashed diagonal is a random order (drawn once per ``Axes``)
        and the dotted line a perfect ranking, which has caught every churner once the
        base rate is flagged. ``kind='lift'``: one bar per tenth of the observations,
        lowest scores first, its churn rate over the overall rate (the first bar is the
        lift at 10%), each bar's value on it, and the dashed line of 1. Ties at a cut
        enter pro rata, as in the table. Without churners (or MRR, ``by_mrr``) nothing
        is drawn and a note says why. Needs matplotlib (``pip install 'cshealth[plot]'``).

        Args:
            ax: The matplotlib ``Axes`` to draw on; ``None`` draws on a new figure's.
            kind: ``{'gains', 'lift'}``.
            by_mrr: Shares of the MRR instead of the observations (``mrr_captured``).
            label: The curve's (or bars') name in the legend (a date, a group).
            **style: Passed to the curve's line, or to the bars.

        Returns:
            The ``Axes`` drawn on.

        Raises:
            InvalidInputError: On an unknown ``kind``.
            MissingDependencyError: When matplotlib is not installed.

        Examples:
            >>> import matplotlib
            >>> matplotlib.use("Agg")
            >>> import matplotlib.pyplot as plt
            >>> import warnings
            >>> from cshealth.backtest._evaluate import evaluate
            >>> rows = {
            ...     "account_id": list(range(10)),
            ...     "score": [10, 10, 10, 40, 40, 60, 60, 80, 90, 95],
            ...     "churned": [1, 0, 0, 1, 1, 0, 0, 0, 0, 0],
            ... }
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")  # three churners: a SmallSampleWarning
            ...     gains = evaluate(rows, interval="delong").overall.gains
            >>> ax = gains.plot()
            >>> random, curve, perfect = ax.get_lines()
            >>> curve.get_ydata()[[0, 2, 6, 10]].round(4).tolist()  # 0%, 10%, 30%, 50% flagged
            [0.0, 0.1111, 0.3333, 1.0]
            >>> perfect.get_xdata().tolist()  # 3 churners in 10: all caught at 30%
            [0.0, 0.3, 1.0]
            >>> plt.close(ax.figure)
            >>> ax = gains.plot(kind="lift")
            >>> [round(float(bar.get_height()), 2) for bar in ax.patches][:6]
            [1.11, 1.11, 1.11, 3.33, 3.33, 0.0]
            >>> plt.close(ax.figure)
        """
        chosen = one_of(kind, ("gains", "lift"), "kind")
        draw = draw_gains if chosen == "gains" else draw_lift
        return draw(axes(ax), self._picture(by_mrr=by_mrr), label=label, style=style)

    def _picture(self, *, by_mrr: bool) -> GainsPicture:
        """The curve to draw, by count or by MRR, or why there is none."""
        share = self.mrr_captured if by_mrr else self.captured
        base = self.mrr_base_rate if by_mrr else self.base_rate
        if np.isnan(self.base_rate):
            reason: str | None = NO_DATA
        elif by_mrr and np.isnan(base):
            reason = "not measured: no MRR"
        elif not np.isfinite(share).all():
            reason = f"not measured: no {'churned MRR' if by_mrr else 'churners'}"
        else:
            reason = None
        return GainsPicture(self.fraction, share, base, by_mrr, reason)

    def __repr__(self) -> str:
        at = dict(zip(self.fraction.tolist(), self.lift.tolist()))
        return f"Gains({len(self)} rows, lift at 10%: {_num(at.get(0.1, np.nan), '.3g')})"


def _num(value: float, spec: str) -> str:
    return "-" if not np.isfinite(value) else format(value, spec)


def gains_table(
    values: FloatArray,
    counts: tuple[FloatArray, FloatArray],
    mrr: tuple[FloatArray, FloatArray] | None = None,
) -> Gains:
    """The gains table from counts per level (scores ``values`` ascending).

    Args:
        values: The levels' scores.
        counts: ``(weight, churn)`` per level, by count.
        mrr: ``(weight, churn)`` per level, by MRR (``None``: no MRR known).

    Examples:
        >>> g = gains_table(np.array([10.0, 50.0]), (np.array([5.0, 15.0]), np.array([3.0, 1.0])))
        >>> g.captured[:2].round(4).tolist(), g.cutoff[:2].tolist()  # 1, then 2 of the five 10s
        ([0.15, 0.3], [10.0, 10.0])
    """
    fractions = np.array(GAINS_FRACTIONS)
    caught, cut = captured(counts[0], counts[1], fractions)
    total = float(counts[1].sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        share = caught / total if total > 0 else np.full(len(fractions), np.nan)
    if mrr is not None and float(mrr[0].sum()) > 0 and float(mrr[1].sum()) > 0:
        mrr_caught = captured(mrr[0], mrr[1], fractions)[0] / float(mrr[1].sum())
    else:
        mrr_caught = np.full(len(fractions), np.nan)
    weight = float(counts[0].sum())
    mrr_weight, mrr_churn = (
        (0.0, 0.0) if mrr is None else (float(mrr[0].sum()), float(mrr[1].sum()))
    )
    cutoff = values[cut] if len(values) else np.full(len(fractions), np.nan)
    return Gains(
        fraction=fractions,
        cutoff=cutoff,
        captured=share,
        lift=share / fractions,
        mrr_captured=mrr_caught,
        mrr_lift=mrr_caught / fractions,
        base_rate=total / weight if weight > 0 else np.nan,
        mrr_base_rate=mrr_churn / mrr_weight if mrr_weight > 0 else np.nan,
    )
