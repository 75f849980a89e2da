"""The sections on product usage and health scores."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

import numpy as np

from cshealth._absent import absent_reason, shown
from cshealth._codes import ids_in
from cshealth._report._base import (
    Picture,
    Section,
    _counts,
    _Health,
    _joined,
    _keep,
    _median,
    _n,
    _share,
    _signed,
)
from cshealth._report._retention import _current_customers
from cshealth.io import Table


def _adoption(tables: Mapping[str, Table], as_of: date) -> Section | None:
    usage, events = tables.get("usage"), tables.get("usage_events")
    if usage is None or not usage.n_rows:
        return None
    from cshealth import adoption  # noqa: PLC0415

    lines: list[str] = []
    figures: dict[str, object] = {}
    pictures: list[Picture] = []
    if events is not None and events.n_rows:
        active = adoption.active_users(events, as_of=as_of)
        caption = f"Active users over the 28 days to {as_of}, and stickiness (DAU / MAU)"
        pictures.append(Picture(caption, active))
        users = active.mau > 0
        counts, shares = active.histogram()
        mean_stickiness = float(np.nanmedian(active.dau_mau)) if users.any() else None
        figures["stickiness_median"] = mean_stickiness
        figures["l28_shares"] = [None if np.isnan(v) else float(v) for v in shares]
        lines.append(
            f"Last 28 days: {_n(active.mau.sum())} monthly active users over "
            f"{_n(users.sum())} accounts; median stickiness (average DAU / MAU) "
            f"{_share(mean_stickiness)}; WAU/MAU median {_share(_median(active.wau_mau))}"
        )
        days = [1, 7, 14, 21, 28]
        lines.append(
            "Days active in 28 (share of users): "
            + ", ".join(f"{k}d {_share(float(shares[k - 1]))}" for k in days)
            + f"; {int(counts[19:].sum()):,} users active 20+ days"
        )
    current = _current_customers(tables, as_of)
    if current is not None:  # churned accounts' usage stops: that is churn, not a drop
        usage = usage.take(np.flatnonzero(ids_in(usage.ids("account_id"), current)))
    # the usage table holds whole weeks (Mondays): end the windows on the Monday after
    # the last complete week, or the current window would hold a week not yet recorded
    week_end = as_of - timedelta(days=as_of.weekday())
    if "logins" in usage.absent or "logins" not in usage:  # a trend of absent data: none
        figures["logins_median_change"] = None
        lines.append(f"Logins of current customers: {shown(absent_reason(['logins']))}")
        return Section("Adoption", tuple(lines), figures, tuple(pictures))
    trend = adoption.usage_trend(usage, as_of=week_end, measure="logins", window_days=28)
    _keep("usage_trend", trend)
    live = ~np.isnan(trend.change)
    median_change = float(np.median(trend.change[live])) if live.any() else None
    falling = trend.falling_accounts()
    drops = [d for d in trend.drops() if d.account_id in set(falling)]
    figures["logins_median_change"] = median_change
    figures["falling_accounts"] = list(falling)
    bands = _counts(trend.band)
    lines.append(
        f"Logins of current customers, 4 weeks to {week_end} against the 4 windows before: "
        "median change "
        f"{_signed(median_change)} across accounts (bands: {_joined(bands)})"
    )
    lines.append(
        f"Significant declines (Theil-Sen slope over 30 weeks, Kendall p < 0.05): "
        f"{len(falling)} accounts; with a drop band too: {len(drops)}"
    )
    lines.extend(
        f"  {d.account_id}  {d.band:<6} {_signed(d.change)} ({d.current:,.0f} vs {d.baseline:,.0f})"
        for d in drops[:5]
    )
    caption = "Change in weekly logins, last 4 weeks against the 4 windows before, by band"
    pictures.append(Picture(caption, trend))
    return Section("Adoption", tuple(lines), figures, tuple(pictures))


def _health(tables: Mapping[str, Table], as_of: date) -> Section | None:
    accounts, usage = tables.get("accounts"), tables.get("usage")
    if accounts is None or usage is None or not usage.n_rows:
        return None
    from cshealth import scoring  # noqa: PLC0415

    card = scoring.default_scorecard()
    week_end = as_of - timedelta(days=as_of.weekday())  # weekly usage: whole weeks only
    before = week_end - timedelta(days=28)

    def inputs(day: date) -> object:
        return scoring.default_inputs(
            accounts=accounts,
            usage=usage,
            as_of=day,
            events=tables.get("usage_events"),
            tickets=tables.get("tickets"),
            survey_responses=tables.get("survey_responses"),
            milestones=tables.get("milestones"),
        )

    now, then = inputs(week_end), inputs(before)
    scores = scoring.score(card, now)
    _keep("health", _Health(now, scores))
    counts = scores.band_counts()
    scored = len(scores) - counts[None]
    lines = [
        f"Default scorecard ({card.config_hash}) as of {week_end}, {len(scores):,} current "
        f"customers: "
        + ", ".join(f"{k} {_n(v)} ({v / max(scored, 1):.0%})" for k, v in counts.items() if k)
        + f"; insufficient data {_n(counts[None])}; mean coverage {scores.coverage.mean():.0%}",
        "Riskiest accounts (score, band; the measures costing the most points):",
    ]
    ranked = np.argsort(np.where(np.isnan(scores.score), np.inf, scores.score), kind="stable")
    riskiest: list[int | str] = scores.account_ids[ranked[:10]].tolist()
    for account in riskiest:
        why = scores.explain(account)
        drags = ", ".join(f"{d.name} -{d.lost:.1f}" for d in why.drags(3))
        lines.append(f"  {account}  {why.score:5.1f} {why.band:<6} {drags}")
    change = scoring.attribute_change(card, then, card, now)
    movers = change.movers(5)
    lines.append(f"Biggest moves since {before} (points, and what moved them):")
    for account in movers:
        row = change.row(account)
        causes = ", ".join(f"{k} {v:+.1f}" for k, v in change.drivers(account)[:3])
        lines.append(
            f"  {account}  {change.score_t0[row]:5.1f} -> {change.score_t1[row]:5.1f}  {causes}"
        )
    figures: dict[str, object] = {
        "config_hash": card.config_hash,
        "band_counts": {str(k): v for k, v in counts.items()},
        "riskiest": riskiest,
        "movers": movers,
    }
    pictures = [Picture(f"Health scores of current customers by band, as of {week_end}", scores)]
    if riskiest and not np.isnan(scores.score[ranked[0]]):
        why = scores.explain(riskiest[0])
        pictures.append(
            Picture(f"Where account {riskiest[0]} loses its points (riskiest account)", why)
        )
    return Section("Health", tuple(lines), figures, tuple(pictures))
