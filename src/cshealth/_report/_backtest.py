"""The section "Does the health score predict churn?": the default scorecard, backtested.

The default scorecard is scored on the first of each month of the two years before the
report's date, each time from what was known then, and judged against the churn of the
90 days after (`cshealth.backtest`): the AUC with its interval (a bootstrap clustered by
account, with a fixed seed so the report is the same on every run), the lift of the
lowest-scored tenth, the churn rate per band with Wilson intervals and the trend test,
the bottom band as an alarm (precision and recall) and the probability of churn a score
stands for (an isotonic calibration); then the weights of the scorecard's top level
fitted on the first year and judged on the later dates beside the default ones
(`cshealth._report._backtest_fit`). A date whose 90 days are not over by the day before
the report's date is censored: counted, never guessed.

What is read on each date is what was known then (`cshealth._report._backtest_data`):
the weeks of usage complete by the date, and the renewal date of that day rather than
today's. The usage measures come from the weekly usage alone on every date: user
events, where given, rarely reach two years back. Seats and plans are the accounts'
current ones: the data hold no history of them.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from cshealth._absent import absent_reason, shown
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._report._backtest_data import (
    HORIZON_DAYS,
    MONTHS,
    USAGE_DAYS,
    Sources,
    observation_dates,
)
from cshealth._report._backtest_fit import (
    N_RESAMPLES,
    SEED,
    calibration_lines,
    fitted_lines,
)
from cshealth._report._base import Picture, Section, _n
from cshealth._result import jsonable
from cshealth._stats import proportion_interval
from cshealth.io import Table

if TYPE_CHECKING:
    from cshealth.backtest import Calibration, Evaluation, Panel
    from cshealth.scoring import Scorecard

#: The section's title.
TITLE = "Does the health score predict churn?"
#: The share of the lowest scores the lift is taken of: the top decile of risk.
LIFT_FRACTION = 0.1
#: Below this many churners (or renewers) the figures rest on few events.
_FEW = 10
#: How the renewal date of each date was found (`cshealth._report._backtest_data`).
_RENEWALS = {
    "anniversary": (
        "Renewal dates as known on each date: the anniversary of the start on or after "
        "it (every current `renewal_date` is one: annual contracts); the current ones, "
        "empty once an account churned, would tell the score who stays"
    ),
    "left_out": (
        "Renewal measure left out: `renewal_date` holds the current renewals (empty once "
        "an account churned), which would tell the score who stays, and they are not all "
        "anniversaries of the start to roll back to each date"
    ),
    "none": "Renewal measure not scored: no account has a `renewal_date`",
}


def _backtest(tables: Mapping[str, Table], as_of: date) -> Section | None:
    """Does the health score predict churn? The default scorecard against later churn.

    Shown when the health section is (accounts and usage); "not measured" when who
    churned is not known or the data are too short for one 90-day window.
    """
    accounts, usage = tables.get("accounts"), tables.get("usage")
    if accounts is None or usage is None or not accounts.n_rows or not usage.n_rows:
        return None
    sources = Sources.of(tables, accounts, usage)
    until = as_of - timedelta(days=1)
    why = _churn_unknown(sources)
    dates = observation_dates(usage, as_of)
    if why is None and not any(d + timedelta(days=HORIZON_DAYS) <= until for d in dates):
        why = _too_short(dates, until)
    if why is not None:
        return Section(TITLE, (shown(why),), {"not_measured": why})
    try:
        return _section(sources, dates, until)
    except InvalidInputError as error:  # tables that disagree: two changes on one day
        return Section(TITLE, (f"not computed: {error}",), {"error": str(error)})


def _churn_unknown(sources: Sources) -> str | None:
    """Why who churned is not known (``None``: it is)."""
    if "end_date" in sources.accounts.absent and sources.revenue_changes is None:
        return (
            f"{absent_reason(['end_date'])} in accounts and no revenue changes: who churned "
            "is not known"
        )
    return None


def _too_short(dates: list[date], until: date) -> str:
    """Why no observation date has a whole window: the data are too short."""
    if not dates:
        return (
            f"too little history: no first of a month in the {MONTHS} months to {until} "
            f"has {USAGE_DAYS} days of usage before it"
        )
    return (
        f"too little history: the first date with {USAGE_DAYS} days of usage before it, "
        f"{dates[0]}, is not followed by the {HORIZON_DAYS} days its churn is counted "
        f"over before the data end on {until}"
    )


def _section(sources: Sources, dates: list[date], until: date) -> Section:
    from cshealth import backtest, scoring  # noqa: PLC0415

    card = scoring.default_scorecard()
    panel = backtest.panel(
        sources.accounts,
        lambda day: sources.scores_on(card, day),
        dates=dates,
        horizon_days=HORIZON_DAYS,
        revenue_changes=sources.revenue_changes,
        until=until,
    )
    figures: dict[str, object] = {}
    lines = _panel_lines(panel, card, sources, figures)
    scored = ~np.isnan(panel.score)
    events = int(panel.churned[scored].sum())
    renewers = int(scored.sum()) - events
    if not events or not renewers:
        why = (
            f"no {'account churned' if not events else 'account stayed'} within "
            f"{HORIZON_DAYS} days of a date: there is nothing to tell apart"
        )
        figures["not_measured"] = why
        return Section(TITLE, (*lines, shown(why)), figures)
    with warnings.catch_warnings():  # few events: said in the text instead
        warnings.simplefilter("ignore", SmallSampleWarning)
        evaluation = judge(panel)
        calibration = backtest.calibrate(panel)
    if min(events, renewers) < _FEW:
        lines.append(
            f"Few events ({_n(events)} churned, {_n(renewers)} stayed; fewer than {_FEW} "
            "of one): every figure below rests on few events and its interval is wide"
        )
    lines += _ranking_lines(evaluation, figures)
    lines += _band_lines(evaluation, figures)
    lines += calibration_lines(calibration, panel, figures)
    lines += fitted_lines(card, panel, figures)
    return Section(TITLE, tuple(lines), figures, _pictures(evaluation, calibration))


def _pictures(evaluation: Evaluation, calibration: Calibration) -> tuple[Picture, ...]:
    """The ROC curve, the gains, churn per band and the calibration, every date pooled."""
    pooled = evaluation.overall
    pictures = [
        Picture("ROC curve of the health score (lowest scores flagged first)", evaluation),
        Picture(
            "Cumulative gains: share of churners among the lowest-scored accounts",
            pooled.gains,
        ),
    ]
    if pooled.bands is not None:
        caption = f"Churn within {HORIZON_DAYS} days by band, with 95% Wilson intervals"
        pictures.append(Picture(caption, pooled.bands))
    caption = f"Probability of churn within {HORIZON_DAYS} days by score (isotonic, 95% band)"
    pictures.append(Picture(caption, calibration))
    return tuple(pictures)


def judge(panel: Panel) -> Evaluation:
    """The evaluation the section shows: every observation pooled, reproducibly.

    The observations of every date are judged together (``as_of`` is left out, so no
    per-date metrics are computed) with `N_RESAMPLES` bootstrap replicates clustered by
    account, seeded with `SEED`, and the lift of the lowest `LIFT_FRACTION`.
    """
    from cshealth import backtest  # noqa: PLC0415

    pooled = {
        "account_id": panel.account_ids,
        "score": panel.score,
        "churned": panel.churned,
        "band": panel.band,
        "mrr": panel.mrr,
    }
    return backtest.evaluate(pooled, n_resamples=N_RESAMPLES, seed=SEED, fractions=(LIFT_FRACTION,))


def _panel_lines(
    panel: Panel, card: Scorecard, sources: Sources, figures: dict[str, object]
) -> list[str]:
    """What was observed: the dates, the outcome, the observations and those left out."""
    censored = sum(panel.censored.values())
    open_dates = [d for d, n in panel.censored.items() if n]
    unscored = int(np.isnan(panel.score).sum())
    accounts = len(np.unique(panel.account_ids))
    churn = "an end date or the MRR falling to 0"
    if sources.revenue_changes is None:
        churn = "an end date"
    elif "end_date" in sources.accounts.absent:
        churn = "the MRR falling to 0 (no `end_date` column)"
    figures.update(
        config_hash=card.config_hash,
        dates=[d.isoformat() for d in panel.dates],
        horizon_days=panel.horizon_days,
        until=jsonable(panel.until),
        observations=panel.n,
        accounts=accounts,
        churned=panel.events,
        unscored=unscored,
        censored=censored,
        renewal_dates=sources.renewals,
    )
    first, last = panel.dates[0], panel.dates[-1]
    rate = _pct(panel.events / panel.n) if panel.n else "n/a"
    left_out = "none censored"
    if censored:
        left_out = (
            f"{_n(censored)} censored: the customers of the {len(open_dates)} latest dates, "
            f"whose {panel.horizon_days} days are not over by {panel.until}"
        )
    return [
        f"Default scorecard ({card.config_hash}) scored on the first of each month, {first} "
        f"to {last} ({len(panel.dates)} dates), from what was known then (the usage of the "
        f"weeks complete by each date); churn: leaving within {panel.horizon_days} days "
        f"after the date ({churn}); data to {panel.until}",
        _RENEWALS[sources.renewals],
        f"{_n(panel.n)} observations of {_n(accounts)} accounts: {_n(panel.events)} churned "
        f"({rate}), {_n(unscored)} unscored (started after the week read, or too little "
        f"data); {left_out}",
    ]


def _ranking_lines(evaluation: Evaluation, figures: dict[str, object]) -> list[str]:
    """The AUC and the top-decile lift, each with its interval."""
    m = evaluation.overall
    lift_low, lift_high = m.lift_interval
    lift = float(m.lift[0])
    figures.update(
        scored=m.n,
        scored_churned=m.events,
        base_rate=jsonable(m.base_rate),
        auc=jsonable({"statistic": m.auc, "low": m.auc_interval.low, "high": m.auc_interval.high}),
        top_decile_lift=jsonable(
            {"statistic": lift, "low": float(lift_low[0]), "high": float(lift_high[0])}
        ),
        top_decile_mrr_lift=jsonable(float(m.mrr_lift[0])),
        interval_method=m.method,
        n_resamples=m.n_resamples,
        seed=SEED,
        undefined=dict(m.undefined),
    )
    level = f"{m.confidence_level:.0%}"
    by_mrr = float(m.mrr_lift[0])
    mrr = f"; by MRR {by_mrr:.2f}" if math.isfinite(by_mrr) else ""
    lines = [
        f"AUC {_num(m.auc, '.3f')} ({level} CI {_num(m.auc_interval.low, '.3f')} to "
        f"{_num(m.auc_interval.high, '.3f')}; {m.method}, {m.n_resamples} resamples, seed "
        f"{SEED}; {_n(m.n)} scored observations, {_n(m.events)} churned): the chance that "
        "a churner scored lower than an account that stayed (0.5: no better than chance)",
        f"Top-decile lift {_num(lift, '.2f')} ({level} CI {_num(float(lift_low[0]), '.2f')} "
        f"to {_num(float(lift_high[0]), '.2f')}){mrr}: the lowest-scored "
        f"{LIFT_FRACTION:.0%} churned at {_num(lift, '.1f')} times the base rate of "
        f"{_pct(m.base_rate)} (ties at the cut shared pro rata)",
    ]
    lines += [f"{name}: not measured ({reason})" for name, reason in m.undefined.items()]
    return lines


def _band_lines(evaluation: Evaluation, figures: dict[str, object]) -> list[str]:
    """Churn per band with Wilson intervals, the trend test, the bottom band as an alarm."""
    bands = evaluation.overall.bands
    if bands is None or not len(bands.band):
        figures["bands"] = None
        return [f"Churn by band: {shown('the scores have no bands')}"]
    level = f"{bands.confidence_level:.0%}"
    rows = list(zip(bands.band.tolist(), bands.n.tolist(), bands.events.tolist()))
    figures["bands"] = [
        {
            "band": label,
            "observations": n,
            "churned": k,
            "rate": jsonable(float(bands.rate[i])),
            "low": jsonable(float(bands.low[i])),
            "high": jsonable(float(bands.high[i])),
        }
        for i, (label, n, k) in enumerate(rows)
    ]
    figures["trend"] = jsonable({"z": bands.trend_statistic, "pvalue": bands.trend_pvalue})
    lines = [
        f"Churn within {evaluation.horizon_days or HORIZON_DAYS} days by band, worst first "
        f"({level} Wilson intervals):",
        f"  {'band':<8} {'observations':>12} {'churned':>8} {'rate':>6}  {level} CI",
    ]
    lines += [
        f"  {label:<8} {_n(n):>12} {_n(k):>8} {_pct(float(bands.rate[i])):>6}  "
        f"{_pct(float(bands.low[i]))} to {_pct(float(bands.high[i]))}"
        for i, (label, n, k) in enumerate(rows)
    ]
    lines.append(
        f"Does churn fall as health rises? Cochran-Armitage z = "
        f"{_num(bands.trend_statistic, '.1f')}, one-sided {_p(bands.trend_pvalue)}"
    )
    lines += _bottom_lines(bands.band[0], rows[0], int(bands.events.sum()), level, figures)
    return lines


def _bottom_lines(
    label: object,
    bottom: tuple[str, int, int],
    churners: int,
    level: str,
    figures: dict[str, object],
) -> list[str]:
    """The bottom band as an alarm: precision and recall, each with Wilson's interval."""
    _, flagged, caught = bottom
    p_low, p_high = proportion_interval(caught, flagged)
    r_low, r_high = proportion_interval(caught, churners)
    precision = caught / flagged if flagged else math.nan
    recall = caught / churners if churners else math.nan
    figures["bottom_band"] = jsonable(
        {
            "band": label,
            "flagged": flagged,
            "churned": caught,
            "churners": churners,
            "precision": {"statistic": precision, "low": p_low, "high": p_high},
            "recall": {"statistic": recall, "low": r_low, "high": r_high},
        }
    )
    return [
        f"The {label} band as an alarm: precision {_pct(precision)} ({level} CI "
        f"{_pct(float(p_low))} to {_pct(float(p_high))}; {_n(caught)} of the {_n(flagged)} "
        f"flagged churned), recall {_pct(recall)} ({level} CI {_pct(float(r_low))} to "
        f"{_pct(float(r_high))}; {_n(caught)} of the {_n(churners)} churners with a band)"
    ]


def _pct(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{100 * value:.1f}%"


def _num(value: float, spec: str) -> str:
    return "n/a" if math.isnan(value) else format(value, spec)


def _p(value: float) -> str:
    if math.isnan(value):
        return "p n/a"
    return "p < 1e-15" if value < 1e-15 else f"p = {value:.2g}"
