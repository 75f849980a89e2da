"""`compare`: two scores of the same observations, paired: which ranks churn better?

The two panels (two scorecards, or a scorecard before and after `fit_weights`) must hold
the same observations (the same account on the same date, in any row order) with the same
outcomes. The difference in AUC gets a paired interval from the bootstrap clustered by
account (each replicate draws accounts once and scores both panels on them, so what the
two share cancels) and a p-value from DeLong's paired test (clustered by account when an
account is observed more than once, Obuchowski 1997). The share of observations whose band
changed says how much the new score moves accounts between bands.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from cshealth._checks import real_number, shown
from cshealth._codes import first_seen_codes, id_codes
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._result import Result
from cshealth._stats import ConfidenceInterval
from cshealth._types import BoolArray, FloatArray, IntArray
from cshealth.backtest._bootstrap import percentile_interval, profiles, resample
from cshealth.backtest._evaluate import MIN_EVENTS, _options
from cshealth.backtest._lift import lift_counts
from cshealth.backtest._panel_columns import PanelColumns, as_panel_columns
from cshealth.backtest._ranking import Levels, auc_counts, class_counts, levels, paired_auc_test
from cshealth.io._read import same_kind

__all__ = ["Comparison", "compare"]


@dataclass(frozen=True, eq=False, repr=False)
class Comparison(Result):
    """Two scores of the same observations compared, paired (`compare`).

    Attributes:
        n: The observations scored in both panels (the sample).
        events: How many of them churned.
        unscored: Observations left out for a NaN score in either panel.
        auc_a: The AUC of ``panel_a``'s scores.
        auc_b: The AUC of ``panel_b``'s scores.
        difference: ``auc_b - auc_a``: positive when ``panel_b`` ranks churn better.
        difference_interval: Its paired bootstrap interval (percentile; resampling
            accounts).
        statistic: DeLong's ``z`` of the difference.
        pvalue: DeLong's two-sided p-value of "the two AUCs are equal".
        fraction: The share of the lowest scores the lifts are taken at.
        lift_a: ``panel_a``'s tie-aware lift at ``fraction``.
        lift_b: ``panel_b``'s.
        lift_difference: ``lift_b - lift_a``.
        lift_difference_interval: Its paired bootstrap interval.
        rebanded: The share of the observations with a band in both panels whose band
            differs (NaN when a panel has no bands).
        method: The p-value's method: ``'DeLong'``, or ``'DeLong clustered by account
            (Obuchowski)'`` when an account is observed more than once.
        confidence_level: The intervals' coverage.
        n_resamples: The bootstrap replicates.
        undefined: The statistics that are NaN, each with the reason.
    """

    n: int
    events: int
    unscored: int
    auc_a: float
    auc_b: float
    difference: float
    difference_interval: ConfidenceInterval
    statistic: float
    pvalue: float
    fraction: float
    lift_a: float
    lift_b: float
    lift_difference: float
    lift_difference_interval: ConfidenceInterval
    rebanded: float
    method: str
    confidence_level: float
    n_resamples: int
    undefined: Mapping[str, str]

    def format(self) -> str:
        """The two AUCs, their difference with its interval and p-value, lifts, rebanding."""
        level = f"{self.confidence_level:.0%}"
        lines = [
            f"{self.n:,} observations scored in both panels, {self.events:,} churned"
            + (f"; {self.unscored:,} unscored in one or both" if self.unscored else ""),
            f"AUC a {_num(self.auc_a, '.3f')}, b {_num(self.auc_b, '.3f')}: difference "
            f"b - a {_num(self.difference, '+.3f')} ({level} CI "
            f"{_interval(self.difference_interval, '+.3f')}, paired bootstrap by account; "
            f"p = {_num(self.pvalue, '.3g')}, {self.method})",
            f"lift of the lowest {self.fraction:.0%}: a {_num(self.lift_a, '.2f')}, b "
            f"{_num(self.lift_b, '.2f')}: difference {_num(self.lift_difference, '+.2f')} "
            f"({level} CI {_interval(self.lift_difference_interval, '+.2f')})",
            f"band changed for {self.rebanded:.1%} of the observations"
            if math.isfinite(self.rebanded)
            else "band changed: - (a panel has no bands)",
        ]
        lines += [f"  {name}: NaN ({reason})" for name, reason in self.undefined.items()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"Comparison(n={self.n}, auc_a={_num(self.auc_a, '.3f')}, "
            f"auc_b={_num(self.auc_b, '.3f')}, difference={_num(self.difference, '+.3f')} "
            f"[{_interval(self.difference_interval, '+.3f')}], p={_num(self.pvalue, '.3g')})"
        )


def _num(value: float, spec: str) -> str:
    return format(value, spec) if math.isfinite(value) else "-"


def _interval(interval: ConfidenceInterval, spec: str) -> str:
    low, high = float(interval.low), float(interval.high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return "-"
    return f"{low:{spec}} to {high:{spec}}"


def compare(
    panel_a: object,
    panel_b: object,
    *,
    n_resamples: int = 1000,
    seed: int | np.random.Generator | None = None,
    confidence_level: float = 0.95,
    fraction: float = 0.1,
) -> Comparison:
    """Compare two scores of the same observations: the difference in AUC, paired.

    Args:
        panel_a: A `Panel`, or plain columns ``account_id``, ``score``, ``churned``
            (and ``as_of``, ``band``): the first score (say, today's scorecard).
        panel_b: The same observations scored the other way (say, fitted weights), in
            any row order.
        n_resamples: Bootstrap replicates, 1 to 100,000.
        seed: A seed or a `numpy.random.Generator` (the same seed, the same interval).
        confidence_level: The intervals' coverage, strictly between 0 and 1.
        fraction: The share of the lowest scores whose lifts are compared, in ``(0, 1]``.

    Returns:
        A `Comparison`: the two AUCs, ``difference = auc_b - auc_a`` with its paired
        interval and DeLong's p-value, the lifts and their difference, and the share of
        observations whose band changed. Observations unscored in either panel are left
        out of both. Without churners or renewers the AUCs are NaN (``undefined`` says
        why).

    Raises:
        InvalidInputError: When the panels do not hold the same observations (an
            account and date in one but not the other, one given twice, or one with
            different outcomes: each names the observation), on bad data, or on a bad
            option.

    Warns:
        SmallSampleWarning: With fewer than 10 churners (or renewers).

    Examples:
        Fifty accounts on one date; score ``b`` ranks the churners lower than ``a``:

        >>> ids = list(range(50))
        >>> churned = [1] * 10 + [0] * 40
        >>> a = {"account_id": ids, "churned": churned, "score": [40] * 5 + [60] * 45}
        >>> b_score = [20] * 8 + [80] * 42  # the same accounts, given in reverse order
        >>> b = {"account_id": ids[::-1], "churned": churned[::-1], "score": b_score[::-1]}
        >>> c = compare(a, b, seed=0)
        >>> round(c.auc_a, 3), round(c.auc_b, 3), round(c.difference, 3)
        (0.75, 0.9, 0.15)
        >>> print(c)
        50 observations scored in both panels, 10 churned
        AUC a 0.750, b 0.900: difference b - a +0.150 (95% CI +0.000 to +0.300, paired
        bootstrap by account; p = 0.0495, DeLong)
        lift of the lowest 10%: a 5.00, b 5.00: difference +0.00 (95% CI +0.00 to +4.31)
        band changed: - (a panel has no bands)
    """
    opts = _options("bootstrap", n_resamples, seed, confidence_level, (fraction,))
    share = real_number(fraction, "fraction", low=0.0, high=1.0, open_low=True)
    a, b = as_panel_columns(panel_a), as_panel_columns(panel_b)
    b = b.take(_matched(a, b))
    keep = ~np.isnan(a.score) & ~np.isnan(b.score)
    y = a.churned[keep]
    lv_a, lv_b = levels(a.score[keep]), levels(b.score[keep])
    accounts, _ = first_seen_codes(a.account_ids[keep])  # not hash order: seeds repeat
    n, events = len(y), int(y.sum())
    if n and min(events, n - events) < MIN_EVENTS:
        warnings.warn(
            f"comparison on {events} churners and {n - events} renewers (fewer than "
            f"{MIN_EVENTS} of one): the difference is uncertain",
            SmallSampleWarning,
            stacklevel=2,
        )
    repeated = bool(n) and int(np.bincount(accounts).max()) > 1
    test = paired_auc_test(lv_a, lv_b, y, clusters=accounts if repeated else None)
    lift_a, lift_b = (_lift(lv, y, share) for lv in (lv_a, lv_b))
    low, high = _paired_interval(
        lv_a,
        lv_b,
        y,
        accounts,
        n_resamples=opts.n_resamples,
        rng=opts.rng,
        share=share,
        level=opts.level,
    )
    auc_a, auc_b = (float(auc_counts(*class_counts(lv.codes, y, len(lv)))) for lv in (lv_a, lv_b))
    return Comparison(
        n=n,
        events=events,
        unscored=int((~keep).sum()),
        auc_a=auc_a,
        auc_b=auc_b,
        difference=auc_b - auc_a,
        difference_interval=ConfidenceInterval(float(low[0]), float(high[0])),
        statistic=test.statistic,
        pvalue=test.pvalue,
        fraction=share,
        lift_a=lift_a,
        lift_b=lift_b,
        lift_difference=lift_b - lift_a,
        lift_difference_interval=ConfidenceInterval(float(low[1]), float(high[1])),
        rebanded=_rebanded(a, b, keep),
        method="DeLong clustered by account (Obuchowski)" if repeated else "DeLong",
        confidence_level=opts.level,
        n_resamples=opts.n_resamples,
        undefined=_undefined(n, events),
    )


def _lift(lv: Levels, y: BoolArray, share: float) -> float:
    pos, neg = class_counts(lv.codes, y, len(lv))
    return float(lift_counts(pos + neg, pos, np.array([share]))[0])


def _undefined(n: int, events: int) -> dict[str, str]:
    if not n:
        return dict.fromkeys(("difference", "lift_difference"), "no observation scored in both")
    if not events:
        return dict.fromkeys(("difference", "lift_difference"), "no churners: nothing to rank")
    if events == n:
        return {"difference": "no renewers: every observation churned"}
    return {}


def _paired_interval(
    lv_a: Levels,
    lv_b: Levels,
    y: BoolArray,
    accounts: IntArray,
    *,
    n_resamples: int,
    rng: np.random.Generator,
    share: float,
    level: float,
) -> tuple[FloatArray, FloatArray]:
    """The paired bootstrap intervals of the differences in AUC and in lift."""
    if not len(y) or not y.any():
        return np.full(2, np.nan), np.full(2, np.nan)
    ka, kb = len(lv_a), len(lv_b)
    cells = np.column_stack((2 * lv_a.codes + y, 2 * ka + 2 * lv_b.codes + y))
    prof = profiles(cells, 2 * (ka + kb), accounts)
    reps = resample(prof, _differences(ka, share), n_resamples=n_resamples, rng=rng)
    return percentile_interval(reps, level)


def _differences(ka: int, share: float) -> Callable[[FloatArray], FloatArray]:
    fractions = np.array([share])

    def statistic(cells: FloatArray) -> FloatArray:
        a, b = cells[:, : 2 * ka], cells[:, 2 * ka :]
        auc = auc_counts(b[:, 1::2], b[:, 0::2]) - auc_counts(a[:, 1::2], a[:, 0::2])
        lift_a = lift_counts(a[:, 0::2] + a[:, 1::2], a[:, 1::2], fractions)[:, 0]
        lift_b = lift_counts(b[:, 0::2] + b[:, 1::2], b[:, 1::2], fractions)[:, 0]
        return np.column_stack((auc, lift_b - lift_a))

    return statistic


def _rebanded(a: PanelColumns, b: PanelColumns, keep: BoolArray) -> float:
    if not (a.bands and b.bands):
        return math.nan
    none = np.array(None, dtype=object)
    both = keep & np.not_equal(a.band, none) & np.not_equal(b.band, none)
    if not both.any():
        return math.nan
    return float(np.mean(a.band[both].astype(str) != b.band[both].astype(str)))


def _matched(a: PanelColumns, b: PanelColumns) -> IntArray:
    """The row of ``b`` holding each observation of ``a`` (refusing panels that differ)."""
    same_kind(("panel_a's accounts", a.account_ids), ("panel_b's accounts", b.account_ids))
    if (a.as_of is None) != (b.as_of is None):
        msg = (
            "one panel has observation dates (`as_of`) and the other has none: give both "
            "their dates, or neither"
        )
        raise InvalidInputError(msg)
    key_a, key_b = _keys(a, b)
    _check_unique(key_a, a, "panel_a")
    _check_unique(key_b, b, "panel_b")
    order = np.argsort(key_b, kind="stable")
    at = np.minimum(np.searchsorted(key_b[order], key_a), max(len(key_b) - 1, 0))
    found = (key_b[order][at] == key_a) if len(key_b) else np.zeros(len(key_a), dtype=bool)
    if not found.all():
        _refuse(a, int(np.flatnonzero(~found)[0]), "is in panel_a but not in panel_b")
    if len(key_b) > len(key_a):
        extra = np.setdiff1d(np.arange(len(key_b)), order[at])
        _refuse(b, int(extra[0]), "is in panel_b but not in panel_a")
    rows: IntArray = order[at]
    differ = a.churned != b.churned[rows]
    if differ.any():
        _refuse(a, int(np.flatnonzero(differ)[0]), "has different outcomes (`churned`) in the two")
    return rows


def _keys(a: PanelColumns, b: PanelColumns) -> tuple[IntArray, IntArray]:
    """One whole number per (account, date) of either panel, the same for the same."""
    codes, _ = id_codes(np.concatenate((a.account_ids, b.account_ids)))
    if a.as_of is None or b.as_of is None:
        days = np.zeros(len(codes), dtype=np.int64)
    else:
        days = np.concatenate((a.as_of, b.as_of)).astype(np.int64)
    if len(days):
        days = days - days.min()
    span = int(days.max()) + 1 if len(days) else 1
    keys = codes * span + days
    return keys[: len(a)], keys[len(a) :]


def _check_unique(keys: IntArray, cols: PanelColumns, name: str) -> None:
    order = np.argsort(keys, kind="stable")
    twice = np.flatnonzero(keys[order][1:] == keys[order][:-1])
    if len(twice):
        _refuse(cols, int(order[twice[0] + 1]), f"is given twice in {name}")


def _refuse(cols: PanelColumns, row: int, what: str) -> None:
    when = "" if cols.as_of is None else f" on {cols.as_of[row]}"
    msg = (
        f"the panels must hold the same observations: account {shown(cols.account_ids[row])}"
        f"{when} {what}"
    )
    raise InvalidInputError(msg)
