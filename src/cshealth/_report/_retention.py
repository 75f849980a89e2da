"""The section on retention: revenue, churn and survival."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import date, timedelta
from typing import TYPE_CHECKING

import numpy as np

from cshealth._absent import absent_reason, shown
from cshealth._report._base import Picture, Section, _n, _share
from cshealth._types import IdArray
from cshealth.io import Table

if TYPE_CHECKING:
    from cshealth.retention import MRRMovements, SurvivalCurve


def _retention(tables: Mapping[str, Table], as_of: date) -> Section | None:
    changes, accounts = tables.get("revenue_changes"), tables.get("accounts")
    if changes is None or accounts is None or not changes.n_rows or not accounts.n_rows:
        return None
    from cshealth import retention  # noqa: PLC0415

    end = as_of.replace(day=1)  # whole months only
    start = end.replace(year=end.year - 1)
    last_month = (end - timedelta(days=1)).replace(day=1)
    waterfall = retention.mrr_movements(changes, start=start, end=end)
    year = retention.revenue_retention(changes, base_on=start, compare_on=end)
    lines = [f"MRR waterfall, {start} to {end} (monthly):"]
    lines += [f"  {line}" for line in waterfall.format().splitlines()]
    quick = waterfall.quick_ratio()
    lines.append(
        f"Of the {_n(year.starting_customers)} customers paying on {start}: "
        f"NRR {_share(year.nrr)}, GRR {_share(year.grr)}, logo churn "
        f"{_share(year.logo_churn_rate)}; quick ratio {_ratio(quick)}"
    )
    figures: dict[str, object] = {
        "waterfall": waterfall.to_dict(),
        "revenue_retention": year.to_dict(),
    }
    if "end_date" in accounts.absent:  # who churned is not known: no account-date figures
        why = f"{absent_reason(['end_date'])} in accounts"
        lines.append(f"Logo churn, logo cohorts and customer lifetime: {shown(why)}")
        absent = ("logo_churn_last_month", "logo_cohorts")
        figures.update({**dict.fromkeys(absent), "not_measured": dict.fromkeys(absent, why)})
        return Section("Retention", tuple(lines), figures, (_waterfall(waterfall, start, end),))
    month = retention.logo_churn(accounts, base_on=last_month, compare_on=end)
    lines.append(
        f"Logo churn in {last_month:%B %Y}: {_share(month.rate)} of "
        f"{_n(month.starting_customers)} ({_n(month.churned_customers)} churned); "
        f"annualised {_share(month.annualized())} (compounded, not x12)"
    )
    cohorts = retention.logo_cohorts(accounts, as_of=as_of, period="quarter")
    lines.append("Logo retention by start quarter (share still customers; blank = not yet seen):")
    lines += [f"  {line}" for line in cohorts.format().splitlines()]
    survival_lines, lifetimes = _survival_lines(accounts, as_of)
    lines += survival_lines
    figures["logo_churn_last_month"] = month.to_dict()
    figures["logo_cohorts"] = cohorts.to_dict()
    pictures = (
        _waterfall(waterfall, start, end),
        Picture("Logo retention by start quarter (blank: not yet observed)", cohorts),
        lifetimes,
    )
    return Section("Retention", tuple(lines), figures, pictures)


def _waterfall(waterfall: MRRMovements, start: date, end: date) -> Picture:
    return Picture(f"MRR movements by month, {start} to {end}: gains up, losses down", waterfall)


def _survival_lines(accounts: Table, as_of: date) -> tuple[list[str], Picture]:
    from cshealth import retention  # noqa: PLC0415

    # one read of the accounts: the segments' counts merge exactly into the whole curve
    groups = retention.survival(accounts, as_of=as_of, time_unit="month", by="segment")
    parts = (group.counts for group in groups.values())
    curve = retention.SurvivalCurve.from_counts(retention.SurvivalCounts.combine(parts))
    median = curve.median()
    reach = _reach(curve)
    at = [t for t in (12.0, 24.0, 36.0) if t <= reach]
    kept = ", ".join(f"{int(t)} months {_share(float(curve(t)))}" for t in at)
    if len(at) < 3:  # a horizon past the longest follow-up was never observed
        later = " or ".join(f"{int(t)}" for t in (12.0, 24.0, 36.0) if t > reach)
        unseen = f"{later} months not observed (follow-up {math.floor(10 * reach) / 10:.1f} months)"
        kept = f"{kept}; {unseen}" if kept else unseen
    if median.statistic is None:
        middle = "not reached (more than half of all customers are still with us)"
    else:
        middle = f"{median.statistic:.1f} months"
    lines = [
        f"Customer lifetime (Kaplan-Meier, {_n(curve.n)} accounts, {_n(curve.n_events)} "
        f"churned, the rest censored at {as_of}): median {middle}; still customers after "
        f"{kept}"
    ]
    pair = [name for name in ("enterprise", "smb") if name in groups]
    followed = [name for name in pair if _reach(groups[name]) >= 12.0]
    if len(followed) == 2:
        test = retention.compare_survival({name: groups[name] for name in pair})
        after = ", ".join(f"{name} {_share(float(groups[name](12.0)))}" for name in pair)
        pvalue = "n/a" if test.pvalue is None else f"{test.pvalue:.2g}"
        lines.append(
            f"Enterprise against SMB: still customers after 12 months {after}; log-rank "
            f"chi2 = {test.statistic or 0:.1f}, p = {pvalue}"
        )
    picture = Picture(
        "Customer lifetime by segment: Kaplan-Meier curves with 95% bands, | = censored",
        groups,
    )
    return lines, picture


def _reach(curve: SurvivalCurve) -> float:
    """How far the curve is known, in months: the longest follow-up (its last time).

    Past it nobody was observed, so survival there is unknown, unless the curve has
    reached 0 (every account churned): then it stays 0 (``inf``).
    """
    times = curve.counts.times
    if not len(times):
        return 0.0
    last = float(times[-1])
    return math.inf if float(curve(last)) == 0.0 else last


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _current_customers(tables: Mapping[str, Table], as_of: date) -> IdArray | None:
    accounts = tables.get("accounts")
    if accounts is None:
        return None
    day = np.datetime64(as_of, "D")
    start, end = accounts.dates("start_date"), accounts.dates("end_date")
    active = (start <= day) & (np.isnat(end) | (end > day))
    return accounts.ids("id")[active]


# --- lifecycle ---------------------------------------------------------------------------
