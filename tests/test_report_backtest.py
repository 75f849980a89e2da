"""The report's section "Does the health score predict churn?" (issue 16), against references.

The section's panel is rebuilt here step by step (the default scorecard scored on the
Monday before each first of the month, with renewal dates rolled back in plain Python),
and its figures are checked against `backtest.evaluate`, `calibrate`, `fit_weights` and
`compare` called on that panel, against scikit-learn's AUC and scipy's Wilson intervals,
and against counts made here. Then what the section must not read (the week in progress,
today's renewal dates), its "not measured" paths and its determinism.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import subprocess
import sys
from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binomtest
from sklearn.metrics import roc_auc_score

from cshealth import Account, RevenueChange, UsageRecord, backtest, scoring, to_columns
from cshealth._report import describe
from cshealth._report._backtest import TITLE, _backtest
from cshealth._report._backtest_data import (
    Sources,
    anniversaries,
    observation_dates,
    renewal_rule,
)
from cshealth._report._base import Section
from cshealth.datasets import sample
from cshealth.io import Table

AS_OF = date(2026, 1, 1)
DATES = [date(2024 + m // 12, m % 12 + 1, 1) for m in range(24)]


def python_anniversary(start: date, day: date) -> date | None:
    """The first anniversary of ``start`` on or after ``day`` and after ``start``: by hand."""
    if start > day:
        return None
    for year in range(day.year, day.year + 2):
        try:
            candidate = start.replace(year=year)
        except ValueError:  # 29 February in a year without one
            candidate = date(year, 2, 28)
        if candidate >= day and candidate > start:
            return candidate
    raise AssertionError("unreachable")


def reference_panel(tables: dict[str, Table]) -> backtest.Panel:
    """The section's panel, built here without the report's helpers."""
    card = scoring.default_scorecard()
    accounts = tables["accounts"]
    starts = accounts["start_date"].astype("datetime64[D]").tolist()

    def scores_on(day: date) -> scoring.HealthScores:
        monday = day - timedelta(days=day.weekday())
        columns = {name: accounts[name] for name in accounts.columns}
        columns["renewal_date"] = [python_anniversary(s, monday) for s in starts]
        inputs = scoring.default_inputs(
            accounts=columns,
            usage=tables["usage"],
            as_of=monday,
            tickets=tables["tickets"],
            survey_responses=tables["survey_responses"],
            milestones=tables["milestones"],
        )
        return scoring.score(card, inputs, as_of=monday)

    panel = backtest.panel(
        accounts,
        scores_on,
        dates=DATES,
        horizon_days=90,
        revenue_changes=tables["revenue_changes"],
        until=AS_OF - timedelta(days=1),
    )
    # the accounts numbered by the rank of their ids, as the report numbers them so that
    # its bootstrap draws alike in every process (text ids hash differently in each)
    ranks = {account: i for i, account in enumerate(sorted(set(panel.account_ids.tolist())))}
    numbered = np.array([ranks[a] for a in panel.account_ids.tolist()], dtype=np.int64)
    return dataclasses.replace(panel, account_ids=numbered)


@pytest.fixture(scope="module")
def run() -> tuple[dict[str, Table], list[str], Section, backtest.Panel]:
    data = sample(seed=3, n_accounts=300)
    assert data.as_of == AS_OF
    tables = data.tables()
    report = describe(tables, as_of=AS_OF)
    titles = [s.title for s in report.sections]
    section = next(s for s in report.sections if s.title == TITLE)
    return tables, titles, section, reference_panel(tables)


def pooled(panel: backtest.Panel) -> dict[str, object]:
    return {
        "account_id": panel.account_ids,
        "score": panel.score,
        "churned": panel.churned,
        "band": panel.band,
        "mrr": panel.mrr,
    }


def wilson(k: int, n: int) -> tuple[float, float]:
    ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    return float(ci.low), float(ci.high)


def line_with(section: Section, start: str) -> str:
    return next(line for line in section.lines if line.startswith(start))


def test_the_section_closes_the_report(run: tuple) -> None:
    _, titles, _, _ = run
    # it judges the scores of the health section against the churn of the retention one,
    # and the lifecycle section's at_risk flag is its bottom band: it comes after them all
    assert titles[-2:] == ["Lifecycle", TITLE]
    assert titles.index("Health") < titles.index("Retention") < titles.index(TITLE)


def test_panel_counts_against_the_reference_panel(run: tuple) -> None:
    _, _, section, panel = run
    f = section.figures
    assert f["dates"] == [d.isoformat() for d in DATES]
    assert (f["horizon_days"], f["until"]) == (90, "2025-12-31")
    assert f["observations"] == panel.n > 0
    assert f["churned"] == int(panel.churned.sum()) > 0
    assert f["unscored"] == int(np.isnan(panel.score).sum())
    assert f["accounts"] == len(set(panel.account_ids.tolist()))
    # 2025-11-01 and 2025-12-01: their 90 days end after 2025-12-31; every other date's end
    # by then (2025-10-01 + 90 days = 2025-12-30)
    open_dates = [d for d, n in panel.censored.items() if n]
    assert open_dates == [date(2025, 11, 1), date(2025, 12, 1)]
    assert f["censored"] == sum(panel.censored.values())
    assert f["renewal_dates"] == "anniversary"
    assert section.lines[2] == (
        f"{f['observations']:,} observations of {f['accounts']:,} accounts: "
        f"{f['churned']:,} churned ({100 * f['churned'] / f['observations']:.1f}%), "
        f"{f['unscored']:,} unscored (started after the week read, or too little data); "
        f"{f['censored']:,} censored: the customers of the 2 latest dates, whose 90 days "
        "are not over by 2025-12-31"
    )


def test_auc_and_lift_against_evaluate_and_sklearn(run: tuple) -> None:
    _, _, section, panel = run
    f = section.figures
    direct = backtest.evaluate(pooled(panel), n_resamples=200, seed=0, fractions=(0.1,)).overall
    assert f["auc"] == {
        "statistic": direct.auc,
        "low": direct.auc_interval.low,
        "high": direct.auc_interval.high,
    }
    scored = ~np.isnan(panel.score)
    assert f["auc"]["statistic"] == pytest.approx(
        roc_auc_score(panel.churned[scored], -panel.score[scored]), abs=1e-12
    )
    assert f["auc"]["low"] < f["auc"]["statistic"] < f["auc"]["high"]
    assert f["top_decile_lift"] == {
        "statistic": float(direct.lift[0]),
        "low": float(direct.lift_interval.low[0]),
        "high": float(direct.lift_interval.high[0]),
    }
    assert f["top_decile_lift"]["statistic"] == backtest.lift(
        panel.score[scored], panel.churned[scored], fraction=0.1
    )
    assert (f["n_resamples"], f["seed"]) == (200, 0)
    assert (f["scored"], f["scored_churned"]) == (
        int(scored.sum()),
        int(panel.churned[scored].sum()),
    )
    auc = f["auc"]
    assert line_with(section, "AUC ").startswith(
        f"AUC {auc['statistic']:.3f} (95% CI {auc['low']:.3f} to {auc['high']:.3f}; bootstrap "
        f"clustered by account, 200 resamples, seed 0; {f['scored']:,} scored observations, "
        f"{f['scored_churned']:,} churned)"
    )
    lift = f["top_decile_lift"]
    assert line_with(section, "Top-decile lift ").startswith(
        f"Top-decile lift {lift['statistic']:.2f} (95% CI {lift['low']:.2f} to {lift['high']:.2f})"
    )


def test_churn_per_band_against_counts_and_scipy(run: tuple) -> None:
    _, _, section, panel = run
    f = section.figures
    scored = ~np.isnan(panel.score)
    rows = f["bands"]
    assert [r["band"] for r in rows] == ["red", "yellow", "green"]
    for row in rows:
        mine = scored & (panel.band == row["band"])
        n, k = int(mine.sum()), int(panel.churned[mine].sum())
        assert (row["observations"], row["churned"]) == (n, k)
        assert row["rate"] == pytest.approx(k / n, abs=1e-15)
        assert (row["low"], row["high"]) == pytest.approx(wilson(k, n), abs=1e-9)
        shown = f"  {row['band']:<8} {n:>12,} {k:>8,} {100 * k / n:>5.1f}%  "
        assert any(line.startswith(shown) for line in section.lines)
    direct = backtest.evaluate(pooled(panel), n_resamples=1, seed=0, fractions=(0.1,))
    bands = direct.overall.bands
    assert bands is not None
    assert f["trend"] == {"z": bands.trend_statistic, "pvalue": bands.trend_pvalue}
    assert f["trend"]["z"] < 0  # churn falls as health rises
    # the bottom band as an alarm: its churners over those flagged, and over all churners
    red, churners = rows[0], sum(r["churned"] for r in rows)
    bottom = f["bottom_band"]
    assert (bottom["band"], bottom["flagged"], bottom["churners"]) == (
        "red",
        red["observations"],
        churners,
    )
    assert bottom["precision"]["statistic"] == red["churned"] / red["observations"]
    assert bottom["recall"]["statistic"] == red["churned"] / churners
    assert bottom["recall"]["statistic"] == pytest.approx(bands.bottom_recall, abs=1e-15)
    recall_ci = (bottom["recall"]["low"], bottom["recall"]["high"])
    assert recall_ci == pytest.approx(wilson(red["churned"], churners), abs=1e-9)


def test_calibration_against_calibrate(run: tuple) -> None:
    _, _, section, panel = run
    calibration = backtest.calibrate(panel)
    rows = section.figures["calibration"]["rows"]
    scores = np.array([r["score"] for r in rows])
    seen = panel.score[~np.isnan(panel.score)]
    assert scores.tolist() == [s for s in range(20, 100, 10) if seen.min() <= s <= seen.max()]
    low, high = calibration.predict_interval(scores)
    assert [r["probability"] for r in rows] == calibration.predict(scores).tolist()
    assert [r["low"] for r in rows] == low.tolist()
    assert [r["high"] for r in rows] == high.tolist()
    for r in rows:  # each score falls in the step of the fit it is said to
        assert r["step_low"] <= r["score"] or r is rows[0]
        inside = (panel.score >= r["step_low"]) & (panel.score <= r["step_high"])
        assert r["step_observations"] == int(inside.sum())
    probability = [r["probability"] for r in rows]
    assert probability == sorted(probability, reverse=True)  # never rises with health


def test_fitted_weights_against_fit_weights_and_compare(run: tuple) -> None:
    _, _, section, panel = run
    card = scoring.default_scorecard()
    train = [d for d in DATES if d.year == 2024]
    test = [d for d in DATES if d.year == 2025 and d < date(2025, 11, 1)]
    fit = backtest.fit_weights(card, panel, train_dates=train, test_dates=test, n_resamples=1)
    later = panel.for_dates(test)
    comparison = backtest.compare(later, fit.rescore(later), n_resamples=200, seed=0)
    f = section.figures["fitted_weights"]
    assert (f["train_dates"], f["test_dates"]) == (
        ["2024-01-01", "2024-12-01"],
        ["2025-01-01", "2025-10-01"],
    )
    assert (f["train_observations"], f["train_churned"]) == (fit.n_train, fit.train_events)
    assert f["weights"] == {
        name: {"default": b, "fitted": a}
        for name, b, a in zip(
            fit.child.tolist(), fit.weight_before.tolist(), fit.weight_after.tolist()
        )
    }
    assert sum(w["fitted"] for w in f["weights"].values()) == pytest.approx(100.0)
    assert (f["auc_default"], f["auc_fitted"]) == (comparison.auc_a, comparison.auc_b)
    assert f["difference"]["statistic"] == comparison.difference
    assert (f["difference"]["low"], f["difference"]["high"]) == tuple(
        comparison.difference_interval
    )
    # the default's AUC on the later dates is the AUC of their observations
    scored = later.score[~np.isnan(later.score)]
    churned = later.churned[~np.isnan(later.score)]
    assert f["auc_default"] == pytest.approx(roc_auc_score(churned, -scored), abs=1e-3)


# --- only what was known on each date -------------------------------------------------------


@given(
    st.dates(date(2019, 1, 1), date(2027, 12, 31)),
    st.dates(date(2019, 1, 1), date(2028, 12, 31)),
)
def test_anniversaries_against_plain_python(start: date, day: date) -> None:
    got = anniversaries(np.array([start], dtype="datetime64[D]"), np.datetime64(day, "D"))
    assert got.tolist() == [python_anniversary(start, day)]


def test_anniversaries_of_29_february_and_of_the_start_day() -> None:
    start = np.array(["2024-02-29", "2024-02-29", "2023-05-10"], dtype="datetime64[D]")
    day = np.array(["2025-02-28", "2025-03-01", "2023-05-10"], dtype="datetime64[D]")
    assert anniversaries(start, day).tolist() == [
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2024, 5, 10),  # an account starting on the day renews a year later
    ]


def accounts_with(renewals: list[str | None]) -> Table:
    return to_columns(
        {
            "id": ["a", "b", "c"],
            "name": ["a", "b", "c"],
            "start_date": ["2023-03-15", "2024-02-29", "2023-01-10"],
            "end_date": [None, None, "2025-01-10"],
            "renewal_date": renewals,
        },
        Account,
    )


def test_renewal_rule() -> None:
    assert renewal_rule(accounts_with(["2026-03-15", "2026-02-28", None])) == "anniversary"
    assert renewal_rule(accounts_with(["2026-03-16", "2026-02-28", None])) == "left_out"
    assert renewal_rule(accounts_with([None, None, None])) == "none"
    no_column = to_columns({"id": ["a"], "name": ["a"], "start_date": ["2024-01-01"]}, Account)
    assert "renewal_date" in no_column.absent
    assert renewal_rule(no_column) == "none"
    usage = to_columns([], UsageRecord)
    sources = Sources.of({}, accounts_with(["2026-03-15", "2026-02-28", None]), usage)
    on = sources.accounts_on(date(2024, 6, 1))
    assert isinstance(on, dict)
    assert on["renewal_date"].tolist() == [
        date(2025, 3, 15),
        date(2025, 2, 28),
        date(2025, 1, 10),  # churned since: its renewal of that day is known all the same
    ]
    assert on["start_date"].tolist() == sources.accounts["start_date"].tolist()
    left_out = Sources.of({}, accounts_with(["2026-03-16", None, None]), usage)
    assert "renewal_date" not in left_out.accounts_on(date(2024, 6, 1))
    none = Sources.of({}, accounts_with([None, None, None]), usage)
    assert none.accounts_on(date(2024, 6, 1)) is none.accounts


def test_scores_do_not_read_the_week_in_progress_or_later_data(run: tuple) -> None:
    tables, _, _, _ = run
    card = scoring.default_scorecard()
    sources = Sources.of(tables, tables["accounts"], tables["usage"])
    day = date(2025, 2, 1)  # a Saturday: its week began on Monday 27 January
    monday = np.datetime64("2025-01-27")

    def before(name: str, column: str) -> Table:
        table = tables[name]
        return table.take(np.flatnonzero(table[column].astype("datetime64[D]") < monday))

    cut = {
        **tables,
        "usage": before("usage", "day"),
        "tickets": before("tickets", "created_at"),
        "survey_responses": before("survey_responses", "submitted_at"),
    }
    assert cut["usage"].n_rows < tables["usage"].n_rows
    sooner = Sources.of(cut, cut["accounts"], cut["usage"])
    got, known = sources.scores_on(card, day), sooner.scores_on(card, day)
    assert np.array_equal(got.score, known.score, equal_nan=True)
    assert got.as_of == known.as_of


def test_a_later_churn_does_not_reach_an_earlier_score(run: tuple) -> None:
    # An account that churned in 2025, and the same account had it stayed: on a day of
    # 2024 both score alike. (Today's `renewal_date` is empty for the one that churned and
    # in 2026 for the one that stayed: read on 2024's day, it would tell them apart.)
    tables, _, _, _ = run
    accounts = tables["accounts"]
    day = date(2024, 6, 3)  # a Monday
    ends = accounts["end_date"].astype("datetime64[D]").astype(object).tolist()
    starts = accounts["start_date"].astype("datetime64[D]").astype(object).tolist()
    row = next(
        i
        for i, (s, e) in enumerate(zip(starts, ends))
        if e is not None and e.year == 2025 and s < date(2024, 1, 1)
    )
    who = accounts["id"][row]
    stayed_end = list(ends)
    stayed_end[row] = None
    renewals = accounts["renewal_date"].astype("datetime64[D]").astype(object).tolist()
    renewals[row] = python_anniversary(starts[row], AS_OF)
    stayed = to_columns(
        {**dict(accounts.items()), "end_date": stayed_end, "renewal_date": renewals}, Account
    )
    changes = tables["revenue_changes"]
    later = (changes["account_id"] == who) & (changes["effective_on"] > np.datetime64(day))
    kept = changes.take(np.flatnonzero(~later))
    card = scoring.default_scorecard()
    churned = Sources.of(tables, accounts, tables["usage"]).scores_on(card, day)
    other = {**tables, "accounts": stayed, "revenue_changes": kept}
    if_stayed = Sources.of(other, stayed, tables["usage"]).scores_on(card, day)
    assert np.array_equal(churned.score, if_stayed.score, equal_nan=True)
    assert not np.isnan(churned.score[churned.account_ids.tolist().index(who)])


# --- not measured, and the same on every run --------------------------------------------------


@pytest.fixture(scope="module")
def small() -> dict[str, Table]:
    return sample(seed=0, n_accounts=40).tables()


def test_no_section_without_usage(small: dict[str, Table]) -> None:
    assert _backtest({k: v for k, v in small.items() if k != "usage"}, AS_OF) is None


def test_churn_not_known_is_not_measured(small: dict[str, Table]) -> None:
    accounts = small["accounts"]
    without = to_columns({k: v for k, v in accounts.items() if k != "end_date"}, Account)
    tables = {k: v for k, v in small.items() if k != "revenue_changes"}
    section = _backtest({**tables, "accounts": without}, AS_OF)
    assert section is not None
    why = "no `end_date` column in accounts and no revenue changes: who churned is not known"
    assert section.lines == (f"not measured: {why}",)
    assert dict(section.figures) == {"not_measured": why}
    # with the revenue changes, churn is the MRR falling to 0
    measured = _backtest({**small, "accounts": without}, AS_OF)
    assert measured is not None
    assert (
        "churn: leaving within 90 days after the date (the MRR falling to 0 (no "
        in (measured.lines[0])
    )


def test_too_little_history_is_not_measured() -> None:
    data = sample(seed=1, n_accounts=30, months=3)
    section = _backtest(data.tables(), data.as_of)
    assert section is not None
    first = observation_dates(data.tables()["usage"], data.as_of)[0]
    assert section.lines == (
        f"not measured: too little history: the first date with 28 days of usage before "
        f"it, {first}, is not followed by the 90 days its churn is counted over before the "
        "data end on 2025-12-31",
    )


def test_nobody_churned_is_not_measured(small: dict[str, Table]) -> None:
    accounts = small["accounts"]
    n = accounts.n_rows
    stayed = to_columns({**dict(accounts.items()), "end_date": [None] * n}, Account)
    tables = {k: v for k, v in small.items() if k != "revenue_changes"}
    section = _backtest({**tables, "accounts": stayed}, AS_OF)
    assert section is not None
    why = "no account churned within 90 days of a date: there is nothing to tell apart"
    assert section.lines[-1] == f"not measured: {why}"
    assert section.figures["not_measured"] == why
    assert section.figures["churned"] == 0


def test_tables_that_disagree_are_not_computed(small: dict[str, Table]) -> None:
    # a table made by hand, not read and checked by io: its first change given twice
    changes = small["revenue_changes"]
    twice = Table({k: np.concatenate([v, v[:1]]) for k, v in changes.items()}, model=RevenueChange)
    section = _backtest({**small, "revenue_changes": twice}, AS_OF)
    assert section is not None
    assert section.lines[0].startswith("not computed: account 'A-00001' has two revenue changes")
    assert section.figures["error"] == section.lines[0].removeprefix("not computed: ")


def test_renewals_left_out_are_said(small: dict[str, Table]) -> None:
    accounts = small["accounts"]
    renewal = accounts["renewal_date"].astype("datetime64[D]").astype(object).tolist()
    first = next(i for i, d in enumerate(renewal) if d is not None)
    renewal[first] += timedelta(days=1)  # no anniversary of its start: cannot be rolled back
    shifted = to_columns({**dict(accounts.items()), "renewal_date": renewal}, Account)
    section = _backtest({**small, "accounts": shifted}, AS_OF)
    assert section is not None
    assert section.lines[1].startswith("Renewal measure left out: `renewal_date` holds")
    assert section.figures["renewal_dates"] == "left_out"


def test_few_events_are_said_and_no_warning_escapes() -> None:
    data = sample(seed=1, n_accounts=30, months=14)
    section = _backtest(data.tables(), data.as_of)  # warnings are errors in the tests
    assert section is not None
    assert any(line.startswith("Few events (") for line in section.lines)
    assert section.lines[-1] == (
        "Weights fitted out of time: not measured: the observation dates span 12 months or "
        "less: no later date to judge on"
    )
    assert math.isfinite(section.figures["auc"]["statistic"])


def test_the_same_on_every_run(run: tuple, small: dict[str, Table]) -> None:
    tables, _, section, _ = run
    again = _backtest(tables, AS_OF)
    assert again is not None
    assert again.lines == section.lines
    assert again.figures == section.figures
    json.dumps(section.figures, allow_nan=False)  # strict JSON: no NaN, no dates
    first, second = _backtest(small, AS_OF), _backtest(small, AS_OF)
    assert first == second


def test_the_same_in_every_process() -> None:
    # text ids hash differently in each Python process; the intervals must not follow them
    script = (
        "import json; from datetime import date; from cshealth.datasets import sample; "
        "from cshealth._report._backtest import _backtest; "
        "s = _backtest(sample(seed=0, n_accounts=40).tables(), date(2026, 1, 1)); "
        "print(json.dumps(s.figures, sort_keys=True))"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1]
    assert json.loads(outputs[0])["auc"]["low"] is not None
