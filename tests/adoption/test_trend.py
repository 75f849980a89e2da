"""Usage trends against a hand-worked example, a day-by-day reference and SciPy.

References: a small example worked by hand (arithmetic in comments); `reference`, a plain
dict-and-loop implementation that walks every day of every window (the kernel uses one
`numpy.bincount`), for current, baseline, change and the weekly totals; and
``scipy.stats.theilslopes`` and ``scipy.stats.kendalltau`` called account by account on
those weekly totals (the kernel computes all accounts at once).
"""

from __future__ import annotations

import json
import math
import pickle
import warnings
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats
from tests.validation import field_of

from cshealth import (
    AccountNotFoundError,
    ConfigError,
    InvalidInputError,
    UsageRecord,
    _slopes,
    to_columns,
)
from cshealth._slopes import theil_kendall
from cshealth._stats import ConfidenceInterval
from cshealth.adoption._drop_thresholds import DropThresholds
from cshealth.adoption._trend import usage_trend
from cshealth.adoption._trend_result import UsageDrop

UTC = timezone.utc
MONDAY = date(2025, 6, 2)


def weekly(account: str, first: date, values: list[int], **extra: list[int]) -> dict:
    """Weekly records of one account from ``first`` (a Monday), logins ``values``."""
    days = [(first + timedelta(weeks=i)).isoformat() for i in range(len(values))]
    return {
        "account_id": [account] * len(values),
        "day": days,
        "active_users": extra.get("active_users", [1] * len(values)),
        "logins": values,
    }


def concat(*parts: dict) -> dict:
    return {name: [v for part in parts for v in part[name]] for name in parts[0]}


# --- the hand-worked example -----------------------------------------------------------------
# as_of Monday 2025-06-02; window_days 7, baseline_windows 4.
# Current window [05-26, 06-02); baseline windows [05-19, 05-26), [05-12, 05-19),
# [05-05, 05-12), [04-28, 05-05).
#   A: weekly 04-28..05-26 logins 50, 40, 60, 50 | 20  -> baseline (50+40+60+50)/4 = 50,
#      current 20, change 20/50 - 1 = -0.6 -> red (<= -0.5)
#   B: first record 05-12 (windows ending 05-05 and 05-12 are not observed):
#      10 on 05-12, nothing on 05-19 (a gap inside the span: 0), 7 on 05-26
#      -> baseline (10 + 0)/2 = 5, current 7, change +0.4 -> green
#   C: 30, 30, 30, 30 | 27 -> change 27/30 - 1 = -0.1 -> green;
#   D: 0, 0, 0, 0 | 0 -> baseline 0 -> change NaN, band None
#   E: 40, 40, 40, 40 | 30 -> -0.25 -> yellow (<= -0.2)
#   F: a record dated on as_of (06-02) is not seen; its first record before it is 05-26:
#      current 9, no observed baseline window -> NaN
HAND = concat(
    weekly("A", date(2025, 4, 28), [50, 40, 60, 50, 20]),
    {
        "account_id": ["B", "B"],
        "day": ["2025-05-12", "2025-05-26"],
        "active_users": [1, 1],
        "logins": [10, 7],
    },
    weekly("C", date(2025, 4, 28), [30, 30, 30, 30, 27]),
    weekly("D", date(2025, 4, 28), [0, 0, 0, 0, 0]),
    weekly("E", date(2025, 4, 28), [40, 40, 40, 40, 30]),
    weekly("F", date(2025, 5, 26), [9, 99]),
)


def test_hand_worked_example():
    trend = usage_trend(HAND, as_of=MONDAY)
    assert trend.account_ids.tolist() == ["A", "B", "C", "D", "E", "F"]
    assert trend.current.tolist() == [20, 7, 27, 0, 30, 9]
    np.testing.assert_array_equal(trend.baseline, [50, 5, 30, 0, 40, np.nan])
    assert trend.baseline_observed.tolist() == [4, 2, 4, 4, 4, 0]
    np.testing.assert_allclose(trend.change, [-0.6, 0.4, -0.1, np.nan, -0.25, np.nan])
    assert trend.band.tolist() == ["red", "green", "green", None, "yellow", None]
    assert trend.observed_from.astype(str).tolist() == [
        "2025-04-28",
        "2025-05-12",
        "2025-04-28",
        "2025-04-28",
        "2025-04-28",
        "2025-05-26",
    ]
    # drops: worst first
    assert trend.drops() == (
        UsageDrop("A", 20.0, 50.0, -0.6, "red"),
        UsageDrop("E", 30.0, 40.0, -0.25, "yellow"),
    )
    # weeks: B is observed from the week [05-12, 05-19) on -> 3 weeks; A: 5 weeks
    assert trend.weeks_observed.tolist() == [5, 3, 5, 5, 5, 1]
    assert np.isnan(trend.slope[5])  # one observed week: no slope


def test_mid_day_as_of_counts_only_days_that_ended():
    # as_of 2025-06-02T15:00Z: the day 06-02 has not ended, so F's 99 is not seen, and
    # the windows are those of as_of 2025-06-02 (the day it falls in).
    late = usage_trend(HAND, as_of=datetime(2025, 6, 2, 15, tzinfo=UTC))
    early = usage_trend(HAND, as_of=MONDAY)
    np.testing.assert_array_equal(late.change, early.change)
    # as_of 06-03: the window [05-27, 06-03) holds F's 06-02 record and not 05-26
    later = usage_trend(HAND, as_of=date(2025, 6, 3))
    assert later.current.tolist()[5] == 99


def test_windows_follow_window_days():
    # window_days 14, 2 baseline windows: current [05-19, 06-02) = 50 + 20 for A;
    # baseline [05-05, 05-19) = 40 + 60, [04-21, 05-05) = 50 (observed: ends after 04-28)
    trend = usage_trend(HAND, as_of=MONDAY, window_days=14, baseline_windows=2)
    assert trend.current[0] == 70
    assert trend.baseline[0] == (100 + 50) / 2
    assert trend.change[0] == pytest.approx(70 / 75 - 1)


# --- the reference ---------------------------------------------------------------------------


def reference(rows, *, as_of_day, window, k, weeks, measure="logins"):
    """Day by day, account by account: current, baseline, change and weekly totals."""
    per_day = defaultdict(dict)
    for account, day, value in rows:
        if day < as_of_day:
            per_day[account][day] = value
    out = {}
    for account in sorted(per_day):
        days = per_day[account]
        first = min(days)

        def total(lo, hi, days=days):
            return sum(days.get(d, 0) for d in range(lo, hi))

        windows = [
            (total(as_of_day - (j + 1) * window, as_of_day - j * window), as_of_day - j * window)
            for j in range(k + 1)
        ]
        observed = [value for value, end in windows[1:] if end > first]
        baseline = sum(observed) / len(observed) if observed else math.nan
        current = windows[0][0]
        change = current / baseline - 1 if baseline > 0 else math.nan
        week_totals = []
        for w in range(weeks):
            lo = as_of_day - 7 * (weeks - w)
            week_totals.append(total(lo, lo + 7) if lo + 7 > first else math.nan)
        out[account] = (current, baseline, len(observed), change, week_totals)
    return out


def random_rows(seed, n_accounts=40, span=400, daily=False):
    rng = np.random.default_rng(seed)
    rows = []
    for a in range(n_accounts):
        start = int(rng.integers(0, span))
        stop = int(rng.integers(start, span + 30))
        step = 1 if daily else 7
        level = rng.uniform(0, 30)
        drift = rng.normal(0, 0.2)
        for d in range(start, stop, step):
            if rng.random() < 0.15:
                continue  # a gap: no record, no usage
            rows.append((f"acct-{a:03d}", d, int(rng.poisson(max(level + drift * d / 7, 0)))))
    return rows


def columns_of(rows, epoch=date(2024, 1, 1)):
    return {
        "account_id": [r[0] for r in rows],
        "day": [(epoch + timedelta(days=r[1])).isoformat() for r in rows],
        "active_users": [1] * len(rows),
        "logins": [r[2] for r in rows],
    }


@pytest.mark.parametrize(
    "case",
    [
        (1, False, 7, 4, 30, 360),
        (2, True, 7, 4, 30, 300),
        (3, True, 10, 3, 12, 200),
        (4, False, 28, 2, 52, 430),
        (5, True, 1, 6, 8, 50),
    ],
)
def test_against_the_reference(case):
    seed, daily, window, k, weeks, offset = case
    epoch = date(2024, 1, 1)
    rows = random_rows(seed, daily=daily)
    as_of = epoch + timedelta(days=offset)
    as_of_day = (as_of - date(1970, 1, 1)).days
    shifted = [(a, (epoch - date(1970, 1, 1)).days + d, v) for a, d, v in rows]
    expected = reference(shifted, as_of_day=as_of_day, window=window, k=k, weeks=weeks)
    trend = usage_trend(
        columns_of(rows, epoch),
        as_of=as_of,
        window_days=window,
        baseline_windows=k,
        history_weeks=weeks,
        min_weeks=min(8, weeks),
    )
    assert trend.account_ids.tolist() == list(expected)
    for i, (account, (current, baseline, seen, change, totals)) in enumerate(expected.items()):
        assert trend.current[i] == current, account
        assert trend.baseline_observed[i] == seen
        np.testing.assert_allclose(trend.baseline[i], baseline, rtol=1e-12)
        np.testing.assert_allclose(trend.change[i], change, rtol=1e-12)
        check_against_scipy(trend, i, totals)


def check_against_scipy(trend, i, totals):
    y = np.array(totals, dtype=float)
    x = np.flatnonzero(~np.isnan(y)).astype(float)
    y = y[~np.isnan(y)]
    assert trend.weeks_observed[i] == len(y)
    if len(y) < 2:
        assert np.isnan([trend.slope[i], trend.tau[i], trend.pvalue[i]]).all()
        return
    fit = stats.theilslopes(y, x, 1 - trend.alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant input: SciPy warns and returns NaN
        tau = stats.kendalltau(x, y)
    low, high = trend.slope_confidence_interval()
    got = [trend.slope[i], low[i], high[i], trend.tau[i], trend.pvalue[i]]
    want = [fit.slope, fit.low_slope, fit.high_slope, tau.statistic, tau.pvalue]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    called = tau.pvalue < trend.alpha and len(y) >= trend.min_weeks
    assert trend.falling[i] == (called and fit.slope < 0)
    assert trend.rising[i] == (called and fit.slope > 0)


# --- Theil–Sen and Kendall against SciPy -----------------------------------------------------


@pytest.mark.parametrize("width", [5, 30, 40])
def test_theil_kendall_matches_scipy(width, monkeypatch):
    monkeypatch.setattr(_slopes, "_BLOCK_CELLS", 7 * width * width)  # several blocks
    rng = np.random.default_rng(width)
    n = 60
    trend_per_row = rng.normal(0, 0.5, (n, 1))
    y = rng.poisson(np.maximum(5 + trend_per_row * np.arange(width), 0)).astype(float)
    y[0] = 4.0  # all tied: tau undefined, slope 0
    y[1] = np.arange(width)  # strictly rising: exact test even beyond 33 points
    y[2] = np.arange(width)[::-1]
    y[3] = np.arange(width)
    y[3, [1, 2]] = y[3, [2, 1]]  # one swap: min(concordant, discordant) = 1
    y[4, :-1] = np.nan  # one point
    y[5] = np.nan  # none
    starts = rng.integers(0, width - 1, n)
    for row in range(6, n, 3):
        y[row, : starts[row]] = np.nan
    fit = theil_kendall(y, 0.9)
    for row in range(n):
        check_row(fit, row, y[row], 0.9)


def check_row(fit, row, values, level):
    x = np.flatnonzero(~np.isnan(values)).astype(float)
    y = values[~np.isnan(values)]
    got = [fit.slope[row], fit.low[row], fit.high[row], fit.tau[row], fit.pvalue[row]]
    if len(y) < 2:
        assert np.isnan(got).all()
        return
    ts = stats.theilslopes(y, x, level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        kt = stats.kendalltau(x, y)
    want = [ts.slope, ts.low_slope, ts.high_slope, kt.statistic, kt.pvalue]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-300)


def test_kendall_exact_null_distribution_small_n():
    # n = 3: concordant pairs 0..3 occur in 1, 2, 2, 1 of the 6 orders
    np.testing.assert_allclose(_slopes._kendall_null_cdf(3), np.cumsum([1, 2, 2, 1]) / 6)
    np.testing.assert_allclose(_slopes._kendall_null_cdf(1), [1.0])


# --- the other measures ----------------------------------------------------------------------

EVENTS = {
    "account_id": ["A", "A", "A"],
    "day": ["2025-05-19", "2025-05-26", "2025-05-27"],
    "active_users": [3, 2, 4],
    "logins": [5, 5, 5],
    "feature_events": [{"reports": 4, "api": 6}, {"reports": 1}, {"api": 2}],
}


def test_other_measures():
    # current window [05-26, 06-02): records of 05-26 and 05-27; baseline [05-19, 05-26)
    as_of = MONDAY
    kw = {"as_of": as_of, "baseline_windows": 1}
    assert usage_trend(EVENTS, measure="active_users", **kw).current.tolist() == [6]  # 2 + 4
    events = usage_trend(EVENTS, measure="events", **kw)
    assert (events.current.tolist(), events.baseline.tolist()) == ([3], [10])  # 1 + 2 vs 4 + 6
    api = usage_trend(EVENTS, measure="feature:api", **kw)
    assert (api.current.tolist(), api.baseline.tolist()) == ([2], [6])
    absent = usage_trend(EVENTS, measure="feature:exports", **kw)
    assert absent.current.tolist() == [0]
    assert absent.band.tolist() == [None]


def test_records_and_frames_read_alike():
    records = [
        UsageRecord(
            account_id=a,
            day=date.fromisoformat(d),
            active_users=u,
            logins=n,
            feature_events=dict(f),
        )
        for a, d, u, n, f in zip(*EVENTS.values())
    ]
    from_records = usage_trend(records, as_of=MONDAY, measure="events")
    from_frame = usage_trend(pd.DataFrame(EVENTS), as_of=MONDAY, measure="events")
    from_columns = usage_trend(EVENTS, as_of=MONDAY, measure="events")
    for other in (from_records, from_frame):
        np.testing.assert_array_equal(other.current, from_columns.current)
        np.testing.assert_array_equal(other.baseline, from_columns.baseline)


def test_records_after_as_of_are_not_seen():
    data = concat(weekly("A", date(2025, 5, 5), [10, 10, 10, 10]), weekly("Z", MONDAY, [5]))
    trend = usage_trend(data, as_of=MONDAY)
    assert trend.account_ids.tolist() == ["A"]  # Z's only record is on as_of
    empty = usage_trend(weekly("Z", MONDAY, [5]), as_of=MONDAY)
    assert len(empty) == 0
    assert empty.drops() == ()
    assert empty.falling_accounts() == ()


def test_falling_and_rising_need_a_significant_test():
    # 12 weeks: A falls steadily, B rises, C wobbles without a trend, D falls but is
    # observed for only 6 weeks (min_weeks 8)
    first = date(2025, 3, 10)
    data = concat(
        weekly("A", first, [100 - 5 * i for i in range(12)]),
        weekly("B", first, [10 + 3 * i for i in range(12)]),
        weekly("C", first, [20, 25, 18, 24, 21, 19, 26, 20, 22, 23, 18, 25]),
        weekly("D", first + timedelta(weeks=6), [60, 50, 40, 30, 20, 10]),
    )
    trend = usage_trend(data, as_of=first + timedelta(weeks=12))
    assert trend.falling.tolist() == [True, False, False, False]
    assert trend.rising.tolist() == [False, True, False, False]
    assert trend.slope[0] == -5.0
    assert trend.slope[1] == 3.0
    assert trend.pvalue[3] < 0.05  # significant, but too few weeks to call
    assert trend.falling_accounts() == ("A",)
    looser = usage_trend(data, as_of=first + timedelta(weeks=12), min_weeks=6)
    assert looser.falling_accounts() == ("D", "A")  # steepest slope first: -10, then -5


def test_falling_accounts_on_sample_data_agree_with_scipy():
    from cshealth.datasets import sample

    data = sample(seed=3, n_accounts=120)
    as_of = (data.usage["day"].max() + 7).astype(date)
    trend = usage_trend(data.usage, as_of=as_of, history_weeks=26)
    assert len(trend) > 100
    assert trend.falling.any()
    end = (as_of - date(1970, 1, 1)).days
    rows = [
        (a, int(d), int(n))
        for a, d, n in zip(
            data.usage["account_id"], data.usage["day"].astype(np.int64), data.usage["logins"]
        )
    ]
    expected = reference(rows, as_of_day=end, window=7, k=4, weeks=26)
    for i, (_, (current, *_rest, totals)) in enumerate(expected.items()):
        assert trend.current[i] == current
        check_against_scipy(trend, i, totals)


# --- results ---------------------------------------------------------------------------------


def test_measures_dict_and_repr():
    trend = usage_trend(HAND, as_of=MONDAY)
    table = trend.to_measures()
    assert table.measures == (
        "usage_current",
        "usage_baseline",
        "usage_change",
        "usage_band",
        "usage_slope",
        "usage_pvalue",
        "usage_falling",
    )
    assert table.source == "adoption"
    assert table.account("A")["usage_band"] == "red"
    assert table.account("D")["usage_change"] is None
    payload = trend.to_dict()
    json.dumps(payload)
    assert payload["thresholds"] == {"red": -0.5, "yellow": -0.2}
    assert payload["change"][0] == pytest.approx(-0.6)
    assert payload["change"][3] is None
    text = repr(trend)
    assert "1 red, 1 yellow, 2 green" in text
    assert "UsageDrop('A', -60%: 20 vs 50, red)" in text
    assert repr(DropThresholds()) == "DropThresholds(red=-0.5, yellow=-0.2)"
    assert UsageDrop("A", 1.0, 2.0, -0.5, "red").to_dict()["band"] == "red"
    assert repr(usage_trend(weekly("C", MONDAY, [1]), as_of=MONDAY + timedelta(1))).endswith(
        "0 falling, 0 rising)"
    )
    with pytest.raises(ValueError, match="read-only"):
        trend.change[0] = 1.0


def test_results_compare_by_value_find_accounts_and_tabulate():
    trend = usage_trend(HAND, as_of=MONDAY)
    assert trend == usage_trend(HAND, as_of=MONDAY)  # NaN slopes equal NaN slopes
    assert trend == pickle.loads(pickle.dumps(trend))
    assert trend != usage_trend(HAND, as_of=MONDAY, alpha=0.2)  # another interval
    assert trend != usage_trend(HAND, as_of=MONDAY, thresholds=DropThresholds(red=-0.7))
    assert trend.drops() == usage_trend(HAND, as_of=MONDAY).drops()
    assert trend.drops()[0] == UsageDrop("A", 20.0, 50.0, trend.change[0], "red")
    assert trend.drops()[0] != UsageDrop("A", 20.0, 50.0, trend.change[0], "yellow")
    assert [trend.row(account) for account in "ABCDEF"] == list(range(6))
    with pytest.raises(AccountNotFoundError, match="no account 'G' among the 6"):
        trend.row("G")
    frame = trend.to_pandas()
    assert len(frame) == len(trend) == 6
    assert list(frame.columns) == [
        "account_id",
        "observed_from",
        "current",
        "baseline",
        "baseline_observed",
        "change",
        "band",
        "weeks_observed",
        "slope",
        "tau",
        "pvalue",
        "falling",
        "rising",
    ]
    for name in frame.columns:
        np.testing.assert_array_equal(
            frame[name].to_numpy(), getattr(trend, field_of(name)), err_msg=name
        )


def test_slope_interval_is_one_confidence_interval_of_arrays():
    trend = usage_trend(HAND, as_of=MONDAY)
    interval = trend.slope_confidence_interval()
    assert isinstance(interval, ConfidenceInterval)
    low, high = interval
    # A's weeks 50, 40, 60, 50, 20 (the current window's week last): SciPy's interval
    fit = stats.theilslopes([50, 40, 60, 50, 20], None, 1 - trend.alpha)
    assert (low[0], high[0]) == (fit.low_slope, fit.high_slope)
    assert np.isnan([low[5], high[5]]).all()  # F: one observed week, no slope
    for bound in (low, high):
        assert bound.shape == trend.slope.shape
        with pytest.raises(ValueError, match="read-only"):
            bound[0] = 0.0
    payload = trend.to_dict()
    assert json.loads(json.dumps(payload, allow_nan=False)) == payload
    assert payload["slope_confidence_interval"] == {
        "low": [None if np.isnan(v) else v for v in low.tolist()],
        "high": [None if np.isnan(v) else v for v in high.tolist()],
    }
    assert payload["slope"][:5] == trend.slope[:5].tolist()
    assert payload["slope"][5] is None
    assert not {"slope_low", "_slope_low"} & set(payload)


def test_custom_thresholds():
    strict = DropThresholds(red=-0.3, yellow=-0.05)
    trend = usage_trend(HAND, as_of=MONDAY, thresholds=strict)
    # changes -0.6, +0.4, -0.1, NaN, -0.25, NaN
    assert trend.band.tolist() == ["red", "green", "yellow", None, "yellow", None]
    assert DropThresholds.model_validate_json('{"red": -1, "yellow": 0}').red == -1


# --- bad input -------------------------------------------------------------------------------


def test_duplicate_account_days_are_refused():
    data = concat(weekly("A", date(2025, 5, 5), [1, 2]), weekly("B", date(2025, 5, 5), [1, 2]))
    data = concat(data, weekly("B", date(2025, 5, 12), [3]))
    with pytest.raises(InvalidInputError, match=r"account 'B' on 2025-05-12 \(rows 4 and 5"):
        usage_trend(data, as_of=MONDAY)


def test_duplicates_found_by_sorting_when_days_span_millennia():
    data = {
        "account_id": ["A", "A", "B", "A"],
        "day": ["0001-01-01", "9999-12-31", "2025-01-06", "2025-01-06"],
        "active_users": [1, 1, 1, 1],
        "logins": [1, 1, 1, 1],
    }
    assert usage_trend(data, as_of=MONDAY).account_ids.tolist() == ["A", "B"]
    data["account_id"][2] = "A"
    with pytest.raises(InvalidInputError, match=r"'A' on 2025-01-06 \(rows 3 and 4"):
        usage_trend(data, as_of=MONDAY)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"measure": "sessions"}, "`measure` must be one of"),
        ({"measure": "feature:"}, "'feature:<name>'"),
        ({"measure": 3}, "`measure` must be one of"),
        ({"window_days": 0}, "`window_days` must be a whole number from 1 to 36525, got 0"),
        ({"window_days": 7.0}, "`window_days` must be a whole number"),
        ({"window_days": True}, "`window_days` must be a whole number"),
        ({"baseline_windows": 0}, "`baseline_windows` must be a whole number from 1 to 520"),
        ({"history_weeks": 1}, "`history_weeks` must be a whole number from 2 to 520"),
        ({"min_weeks": 1}, "`min_weeks` must be a whole number from 2 to 520"),
        (
            {"history_weeks": 6, "min_weeks": 8},
            r"`min_weeks` \(8\) must be at most `history_weeks` \(6\)",
        ),
        ({"alpha": 0}, "`alpha` must be a number strictly between 0 and 0.5"),
        ({"alpha": 0.5}, "`alpha` must be"),
        ({"alpha": True}, "`alpha` must be"),
        ({"alpha": "0.05"}, "`alpha` must be"),
        ({"thresholds": {"red": -0.5}}, "`thresholds` must be a DropThresholds"),
        ({"as_of": datetime(2025, 6, 2)}, "`as_of` is a naive datetime"),
        ({"as_of": 20250602}, "`as_of` must be a date or an aware datetime"),
    ],
)
def test_bad_options(options, message):
    kwargs = {"as_of": MONDAY, **options}
    with pytest.raises(InvalidInputError, match=message):
        usage_trend(HAND, **kwargs)


@pytest.mark.parametrize(
    ("red", "yellow"),
    [(-0.2, -0.5), (-0.5, -0.5), (-0.5, 0.1), (-1.5, -0.2), (math.nan, -0.2)],
)
def test_bad_thresholds(red, yellow):
    with pytest.raises(ConfigError, match=r"red|finite"):
        DropThresholds(red=red, yellow=yellow)


def test_bad_records():
    bad = weekly("A", date(2025, 5, 5), [1, -2])
    with pytest.raises(InvalidInputError, match="`logins` = -2"):
        usage_trend(bad, as_of=MONDAY)


@pytest.mark.parametrize(
    ("measure", "column"),
    [("logins", "logins"), ("events", "feature_events"), ("feature:reports", "feature_events")],
)
def test_a_measure_whose_column_is_absent_is_refused(measure, column):
    # Absent is not zero: a trend of a column the data lacks would be a trend of defaults.
    data = weekly("A", date(2025, 5, 5), [3, 4])
    data.pop(column, None)  # weekly() writes no feature_events
    forms = [data, pd.DataFrame(data), to_columns(data, UsageRecord)]
    for form in forms:
        with pytest.raises(InvalidInputError, match=f"`{column}` column, which they do not have"):
            usage_trend(form, as_of=MONDAY, measure=measure)


def test_records_always_have_every_field():
    # A record that leaves feature_events out has the model's default on purpose.
    records = [
        UsageRecord(account_id="A", day=date(2025, 5, 26), active_users=2, logins=5),
    ]
    trend = usage_trend(records, as_of=MONDAY, measure="events")
    assert trend.current.tolist() == [0.0]
    assert usage_trend(records, as_of=MONDAY).current.tolist() == [5.0]


# --- invariants ------------------------------------------------------------------------------

usage_rows = st.lists(
    st.tuples(
        st.sampled_from(["a", "b", "c", "d"]),
        st.integers(0, 120),
        st.integers(0, 50),
    ),
    max_size=120,
    unique_by=lambda row: (row[0], row[1]),
)


@given(
    rows=usage_rows,
    window=st.integers(1, 21),
    red=st.floats(-1, -0.01),
    gap=st.floats(0.001, 1),
)
def test_invariants(rows, window, red, gap):
    thresholds = DropThresholds(red=red, yellow=min(red + gap, 0.0))
    trend = usage_trend(
        columns_of(rows),
        as_of=date(2024, 1, 1) + timedelta(days=100),
        window_days=window,
        history_weeks=10,
        thresholds=thresholds,
    )
    change = trend.change[~np.isnan(trend.change)]
    assert (change >= -1).all()
    for value, band in zip(trend.change.tolist(), trend.band.tolist()):
        if math.isnan(value):
            assert band is None
        elif value <= thresholds.red:
            assert band == "red"
        elif value <= thresholds.yellow:
            assert band == "yellow"
        else:
            assert band == "green"
    assert not (trend.falling & trend.rising).any()
    assert (trend.slope[trend.falling] < 0).all()
    assert (trend.pvalue[trend.falling | trend.rising] < trend.alpha).all()
    low, high = trend.slope_confidence_interval()
    defined = ~np.isnan(trend.slope)
    assert (low[defined] <= trend.slope[defined]).all()
    assert (trend.slope[defined] <= high[defined]).all()
    assert [d.account_id for d in trend.drops()] == sorted(
        (d.account_id for d in trend.drops()),
        key=lambda a: (trend.change[trend.account_ids.tolist().index(a)], a),
    )


def test_row_order_does_not_matter():
    # rows grouped by account take the run-length path of the account codes; shuffled
    # rows are hashed one by one: the same result either way
    rows = random_rows(7, daily=True)
    shuffled = [rows[i] for i in np.random.default_rng(0).permutation(len(rows))]
    grouped = usage_trend(columns_of(rows), as_of=date(2025, 2, 1))
    mixed = usage_trend(columns_of(shuffled), as_of=date(2025, 2, 1))
    assert grouped.account_ids.tolist() == mixed.account_ids.tolist()
    for name in ("current", "baseline", "change", "slope", "pvalue"):
        np.testing.assert_array_equal(getattr(grouped, name), getattr(mixed, name))
    assert grouped.slope_confidence_interval() == mixed.slope_confidence_interval()
    assert grouped == mixed


def test_a_change_of_exactly_a_threshold_is_in_its_band():
    # 80 logins against a baseline of 100 is a 20% drop: yellow, even though
    # 80 / 100 - 1 is -0.19999999999999996 in floating point.
    records = weekly("A", date(2025, 4, 28), [100, 100, 100, 100, 80])
    trend = usage_trend(records, as_of=MONDAY)
    assert trend.change[0] == pytest.approx(-0.2)
    assert trend.band.tolist() == ["yellow"]
