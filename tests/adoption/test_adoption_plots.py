"""Pictures of adoption results, read back from the matplotlib artists (Agg backend).

`UsageTrend.plot`: one account's weekly totals, its Theil–Sen line (checked against
`scipy.stats.theilslopes`, a second implementation) and the window levels, worked out by
hand from the usage guide's example; the histogram of changes stacked by band, with bar
heights, bottoms, thresholds and the note of the accounts left out written out by hand.
`ActiveUsers.plot`: the daily counts, WAU and MAU levels and the stickiness axis of the
guide's February example (8 user-days of 3 users over 28 days).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest
from scipy import stats

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
colors = pytest.importorskip("matplotlib.colors")
ticker = pytest.importorskip("matplotlib.ticker")

from cshealth import AccountNotFoundError, MissingDependencyError  # noqa: E402
from cshealth.adoption import active_users, usage_trend  # noqa: E402
from cshealth.adoption._trend_plot import change_bins  # noqa: E402

HINT = "pip install 'cshealth[plot]'"
AS_OF = date(2025, 11, 10)
MONDAYS = [str(np.datetime64("2025-09-01") + 7 * week) for week in range(10)]
# the usage guide's worked example: ten weeks of logins from Monday 1 September
STEADY = [40, 43, 39, 42, 41, 38, 44, 40, 42, 19]
FADING = [60, 58, 59, 55, 52, 53, 49, 47, 46, 44]
RISING = [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _days(values) -> list[str]:
    return np.asarray(values).astype("datetime64[D]").astype(str).tolist()


def _usage(**accounts: tuple[list[str], list[float]]) -> dict[str, list[object]]:
    ids, days, logins = [], [], []
    for account, (on, values) in accounts.items():
        ids += [account] * len(on)
        days += on
        logins += values
    return {"account_id": ids, "day": days, "logins": logins}


def _guide_trend(**options):
    usage = _usage(fading=(MONDAYS, FADING), steady=(MONDAYS, STEADY), rising=(MONDAYS, RISING))
    return usage_trend(usage, as_of=AS_OF, **options)


def _legend(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


# --- UsageTrend, one account ----------------------------------------------------------------------


def test_the_weeks_are_the_weekly_totals_with_the_unobserved_weeks_left_blank() -> None:
    ax = _guide_trend().plot(account="steady")
    weeks = ax.get_lines()[0]
    # 30 weeks, the last starting on Monday 3 November; the first 20 end by 1 September
    starts = _days(weeks.get_xdata())
    assert len(starts) == 30
    assert starts[0] == "2025-04-14"
    assert starts[20:] == MONDAYS
    totals = weeks.get_ydata()
    assert np.isnan(totals[:20]).all()
    assert totals[20:].tolist() == STEADY
    assert weeks.get_marker() == "o"
    assert weeks.get_label() == "steady"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("week (first day, UTC)", "logins per week")
    assert ax.get_ylim()[0] == 0.0


def test_the_slope_line_is_theil_sen_over_the_observed_weeks() -> None:
    result = _guide_trend()
    ax = result.plot(account="fading")
    weeks, slope = ax.get_lines()[:2]
    reference = stats.theilslopes(FADING, np.arange(20, 30))
    assert _days(slope.get_xdata()) == ["2025-09-01", "2025-11-03"]
    expected = [reference.intercept + reference.slope * x for x in (20, 29)]
    np.testing.assert_allclose(slope.get_ydata(), expected, rtol=1e-12)
    assert slope.get_linestyle() == "--"
    assert slope.get_color() == weeks.get_color()
    assert slope.get_label() == "Theil–Sen slope -1.83 a week, falling"


def test_a_rising_account_says_so() -> None:
    ax = _guide_trend().plot(account="rising")
    slope = ax.get_lines()[1]
    assert slope.get_ydata().tolist() == [10.0, 19.0]
    assert slope.get_label() == "Theil–Sen slope +1 a week, rising"


def test_the_baseline_and_the_current_window_are_levels_over_their_days() -> None:
    ax = _guide_trend().plot(account="steady")
    _, slope, baseline, current = ax.get_lines()
    assert slope.get_label() == "Theil–Sen slope -0.333 a week, no trend called"
    # baseline: 6 October to 3 November, weeks of 38, 44, 40 and 42 logins: 41
    assert _days(baseline.get_xdata()) == ["2025-10-06", "2025-11-03"]
    assert baseline.get_ydata().tolist() == [41.0, 41.0]
    assert baseline.get_label() == "baseline: mean of 4 windows"
    assert baseline.get_linestyle() == ":"
    # the current window: the week from 3 November, 19 logins, 19 / 41 - 1 = -54%
    assert _days(current.get_xdata()) == ["2025-11-03", "2025-11-10"]
    assert current.get_ydata().tolist() == [19.0, 19.0]
    assert colors.to_rgba(current.get_color()) == colors.to_rgba("tab:red")
    assert _legend(ax) == [
        "steady",
        "Theil–Sen slope -0.333 a week, no trend called",
        "baseline: mean of 4 windows",
        "current window: -54%, red",
    ]


def test_levels_of_longer_windows_are_per_seven_days() -> None:
    ax = _guide_trend(window_days=14).plot(account="steady")
    _, _, baseline, current = ax.get_lines()
    # windows of 14 days: 84, 79, 81 and 83 logins before the current 42 + 19 = 61
    assert _days(baseline.get_xdata()) == ["2025-09-01", "2025-10-27"]
    assert baseline.get_ydata().tolist() == [327 / 4 / 2] * 2
    assert _days(current.get_xdata()) == ["2025-10-27", "2025-11-10"]
    assert current.get_ydata().tolist() == [30.5, 30.5]
    assert current.get_label() == "current window: -25%, yellow"
    assert colors.to_rgba(current.get_color()) == colors.to_rgba("goldenrod")


def test_a_young_account_has_fewer_baseline_windows_and_no_call() -> None:
    usage = _usage(new=(["2025-10-27", "2025-11-03"], [0, 5]))
    ax = usage_trend(usage, as_of=AS_OF).plot(account="new")
    weeks, slope, baseline, current = ax.get_lines()
    assert weeks.get_ydata()[-2:].tolist() == [0.0, 5.0]
    assert slope.get_ydata().tolist() == [0.0, 5.0]
    assert slope.get_label() == "Theil–Sen slope +5 a week, no trend called"
    # a baseline of 0 is measured (drawn at 0) but gives no change, so no band
    assert _days(baseline.get_xdata()) == ["2025-10-27", "2025-11-03"]
    assert baseline.get_ydata().tolist() == [0.0, 0.0]
    assert baseline.get_label() == "baseline: mean of 1 window"
    assert current.get_label() == "current window: no baseline"
    assert colors.to_rgba(current.get_color()) == colors.to_rgba("0.5")


def test_one_observed_week_has_no_slope_and_no_baseline() -> None:
    usage = _usage(first=(["2025-11-03"], [7]))
    ax = usage_trend(usage, as_of=AS_OF).plot(account="first")
    weeks, current = ax.get_lines()
    assert np.isnan(weeks.get_ydata()[:-1]).all()
    assert weeks.get_ydata()[-1] == 7.0
    assert current.get_ydata().tolist() == [7.0, 7.0]
    assert _legend(ax) == ["first", "current window: no baseline"]


def test_label_and_style_go_to_the_weeks_and_the_slope_takes_their_colour() -> None:
    ax = _guide_trend().plot(account="fading", label="Acme", color="crimson", marker="s")
    weeks, slope = ax.get_lines()[:2]
    assert weeks.get_label() == "Acme"
    assert weeks.get_marker() == "s"
    crimson = colors.to_rgba("crimson")
    assert colors.to_rgba(weeks.get_color()) == crimson
    assert colors.to_rgba(slope.get_color()) == crimson


def test_the_account_picture_draws_on_the_axes_passed_in_and_keeps_its_labels() -> None:
    figure, ax = plt.subplots()
    ax.set_xlabel("when")
    ax.set_ylabel("how many")
    formatter = ticker.NullFormatter()
    ax.xaxis.set_major_formatter(formatter)
    assert _guide_trend().plot(ax, account="steady") is ax
    assert plt.get_fignums() == [figure.number]
    assert len(ax.get_lines()) == 4
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("when", "how many")
    assert ax.xaxis.get_major_formatter() is formatter  # the caller's own is kept


def test_dates_are_labelled_concisely() -> None:
    ax = _guide_trend().plot(account="steady")
    formatter = ax.xaxis.get_major_formatter()
    assert type(formatter).__name__ == "ConciseDateFormatter"


def test_an_unknown_account_is_refused_before_a_figure_is_made() -> None:
    with pytest.raises(AccountNotFoundError):
        _guide_trend().plot(account="nobody")
    assert plt.get_fignums() == []


# --- UsageTrend, every account --------------------------------------------------------------------

# one baseline window of 20 logins: the current week gives the change
CHANGES = {"a": 5, "b": 9, "c": 13, "d": 21, "e": 31}  # -75%, -55%, -35%, +5%, +55%


def _changes_trend(extra: dict[str, tuple[list[str], list[float]]] | None = None):
    weeks = ["2025-10-27", "2025-11-03"]
    accounts = {name: (weeks, [20, now]) for name, now in CHANGES.items()}
    return usage_trend(_usage(**accounts, **(extra or {})), as_of=AS_OF, baseline_windows=1)


def _heights(ax) -> list[list[float]]:
    return [[bar.get_height() for bar in bars] for bars in ax.containers]


def test_the_changes_are_stacked_by_band_in_bins_of_ten_percent() -> None:
    ax = _changes_trend().plot(label="as of 10 Nov")
    red, yellow, green = _heights(ax)
    # 16 bins of 10% from -100% to +60%: -75% in the 3rd, -55% the 5th, -35% the 7th,
    # +5% the 11th, +55% the 16th
    assert len(red) == 16
    assert [i for i, h in enumerate(red) if h] == [2, 4]
    assert [i for i, h in enumerate(yellow) if h] == [6]
    assert [i for i, h in enumerate(green) if h] == [10, 15]
    assert sum(red) + sum(yellow) + sum(green) == 5
    first = ax.containers[0][0]
    assert first.get_x() == pytest.approx(-1.0)
    assert first.get_width() == pytest.approx(0.1)
    assert [colors.to_rgba(bars[0].get_facecolor()) for bars in ax.containers] == [
        colors.to_rgba(name) for name in ("tab:red", "goldenrod", "tab:green")
    ]
    assert _legend(ax) == ["red: ≤ -50%", "yellow: ≤ -20%", "green: > -20%"]
    assert ax.get_legend().get_title().get_text() == "as of 10 Nov"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("usage change against the baseline", "accounts")
    assert isinstance(ax.xaxis.get_major_formatter(), ticker.PercentFormatter)


def test_the_thresholds_are_dashed_lines_across() -> None:
    ax = _changes_trend().plot()
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [-0.5, -0.2]
    assert all(line.get_linestyle() == "--" for line in ax.get_lines())


def test_style_goes_to_hist_and_the_bands_stack() -> None:
    ax = _changes_trend().plot(bins=[-1.0, 0.0, 1.0], alpha=0.5)
    red, yellow, green = ax.containers
    assert [bar.get_height() for bar in red] == [2.0, 0.0]
    assert [bar.get_height() for bar in yellow] == [1.0, 0.0]
    assert [bar.get_y() for bar in yellow] == [2.0, 0.0]  # on top of the red
    assert [bar.get_height() for bar in green] == [0.0, 2.0]
    assert [bar.get_y() for bar in green] == [3.0, 0.0]
    assert red[0].get_alpha() == 0.5


def test_accounts_without_a_change_are_counted_not_drawn() -> None:
    zero = (["2025-10-27", "2025-11-03"], [0, 4])  # a baseline of 0: no change
    ax = _changes_trend({"z1": zero}).plot()
    assert sum(sum(h) for h in _heights(ax)) == 5
    assert [t.get_text() for t in ax.texts] == ["1 account without baseline usage: not drawn"]
    ax = _changes_trend({"z1": zero, "z2": zero}).plot()
    assert [t.get_text() for t in ax.texts] == ["2 accounts without baseline usage: not drawn"]


def test_only_the_bands_present_are_drawn() -> None:
    usage = _usage(up=(["2025-10-27", "2025-11-03"], [20, 30]))
    ax = usage_trend(usage, as_of=AS_OF, baseline_windows=1).plot()
    (green,) = ax.containers
    assert sum(bar.get_height() for bar in green) == 1
    assert _legend(ax) == ["green: > -20%"]


def test_no_change_at_all_draws_the_note() -> None:
    ax = usage_trend(_usage(z=(["2025-11-03"], [3])), as_of=AS_OF).plot()
    assert ax.containers == []
    assert sorted(t.get_text() for t in ax.texts) == [
        "1 account without baseline usage: not drawn",
        "no data",
    ]
    empty = usage_trend({"account_id": [], "day": [], "logins": []}, as_of=AS_OF)
    plt.close("all")
    figure, ax = plt.subplots()
    ax.set_xlabel("change")
    ax.set_ylabel("n")
    assert empty.plot(ax) is ax
    assert [t.get_text() for t in ax.texts] == ["no data"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("change", "n")
    assert plt.get_fignums() == [figure.number]


@pytest.mark.parametrize(
    ("changes", "edges"),
    [
        pytest.param([-1.0, -0.5, 0.3], np.round(np.arange(-1.0, 0.45, 0.1), 12), id="tenths"),
        pytest.param([-0.3, 7.0], np.round(np.arange(-1.0, 7.3, 0.2), 12), id="fifths"),
        pytest.param([0.0], np.round(np.arange(-1.0, 0.15, 0.1), 12), id="one"),
        pytest.param([-1.0, 39.0], np.arange(-1.0, 41.0, 1.0), id="ones"),
        pytest.param([-1.0, 40.0], np.arange(-1.0, 42.0, 2.0), id="twos"),
    ],
)
def test_change_bins_are_round_and_start_at_minus_one(changes, edges) -> None:
    np.testing.assert_allclose(change_bins(np.array(changes)), edges, atol=1e-12)


# --- ActiveUsers ----------------------------------------------------------------------------------


def _guide_events() -> dict[str, list[object]]:
    """The adoption guide's February: Ana on 5 days, Bo on 2, Cy on 1 (8 user-days)."""
    return {
        "account_id": ["A"] * 9,
        "user_id": ["ana", "ana", "ana", "ana", "ana", "ana", "bo", "bo", "cy"],
        "occurred_at": [
            "2025-02-03T09:00Z",
            "2025-02-10T09:00Z",
            "2025-02-17T09:00Z",
            "2025-02-24T09:00Z",
            "2025-02-28T09:00Z",
            "2025-02-28T15:00Z",
            "2025-02-05T10:00Z",
            "2025-02-26T10:00Z",
            "2025-02-12T11:00Z",
        ],
    }


GUIDE_DAILY = [0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0, 1]
MARCH = date(2025, 3, 1)


def _right_axis(ax):
    (right,) = [other for other in ax.figure.axes if other is not ax]
    return right


def test_dau_is_drawn_day_by_day_with_wau_and_mau_over_their_days() -> None:
    ax = active_users(_guide_events(), as_of=MARCH).plot(stickiness=False)
    dau, wau, mau = ax.get_lines()
    days = _days(dau.get_xdata())
    assert days[0] == "2025-02-01"
    assert days[-1] == "2025-02-28"
    assert len(days) == 28
    assert dau.get_ydata().tolist() == GUIDE_DAILY
    assert _days(wau.get_xdata()) == ["2025-02-22", "2025-02-28"]
    assert wau.get_ydata().tolist() == [2, 2]
    assert wau.get_linestyle() == "--"
    assert _days(mau.get_xdata()) == ["2025-02-01", "2025-02-28"]
    assert mau.get_ydata().tolist() == [3, 3]
    assert mau.get_linestyle() == ":"
    assert _legend(ax) == ["DAU", "WAU (last 7 days)", "MAU (28 days)"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("day (UTC)", "active users")
    assert ax.get_ylim()[0] == 0.0
    assert len(ax.figure.axes) == 1  # no right axis


def test_stickiness_is_the_right_axis_in_percent_of_mau() -> None:
    ax = active_users(_guide_events(), as_of=MARCH).plot()
    right = _right_axis(ax)
    assert ax.get_ylim() == pytest.approx((0.0, 3.15))  # MAU 3, and 5% of room
    assert right.get_ylim() == pytest.approx((0.0, 1.05))  # the same, divided by MAU
    assert isinstance(right.yaxis.get_major_formatter(), ticker.PercentFormatter)
    assert right.get_ylabel() == "share of MAU (DAU/MAU)"
    (level,) = right.get_lines()
    assert _days(level.get_xdata()) == ["2025-02-01", "2025-02-28"]
    np.testing.assert_allclose(level.get_ydata(), [8 / 84, 8 / 84], rtol=1e-12)
    assert level.get_linestyle() == "-."
    assert _legend(ax) == [
        "DAU",
        "WAU (last 7 days)",
        "MAU (28 days)",
        "DAU/MAU 9.5% (mean DAU / MAU)",
    ]


def test_without_an_account_the_counts_are_summed() -> None:
    events = _guide_events()
    events["account_id"] += ["B", "B"]
    events["user_id"] += ["di", "di"]
    events["occurred_at"] += ["2025-02-27T09:00Z", "2025-02-28T09:00Z"]
    result = active_users(events, as_of=MARCH)
    ax = result.plot()
    dau, wau, mau = ax.get_lines()
    assert dau.get_ydata().tolist() == [*GUIDE_DAILY[:26], 1, 2]
    assert wau.get_ydata().tolist() == [3, 3]
    assert mau.get_ydata().tolist() == [4, 4]
    (level,) = _right_axis(ax).get_lines()
    np.testing.assert_allclose(level.get_ydata(), [10 / (28 * 4)] * 2, rtol=1e-12)
    one = result.plot(account="B", stickiness=False, label="B")
    dau, wau, mau = one.get_lines()
    assert dau.get_ydata().tolist() == [0] * 26 + [1, 1]
    assert (wau.get_ydata()[0], mau.get_ydata()[0]) == (1, 1)
    assert _legend(one) == ["B: DAU", "B: WAU (last 7 days)", "B: MAU (28 days)"]


def test_nobody_active_has_no_stickiness_and_no_right_axis() -> None:
    result = active_users(_guide_events(), as_of=MARCH, accounts=["A", "Z"])
    ax = result.plot(account="Z")
    dau, wau, mau = ax.get_lines()
    assert dau.get_ydata().tolist() == [0] * 28  # measured: nobody came
    assert (wau.get_ydata()[0], mau.get_ydata()[0]) == (0, 0)
    assert len(ax.figure.axes) == 1
    assert _legend(ax) == ["DAU", "WAU (last 7 days)", "MAU (28 days)"]


def test_style_and_label_go_to_every_series_of_the_account() -> None:
    ax = active_users(_guide_events(), as_of=MARCH).plot(label="A", color="crimson")
    crimson = colors.to_rgba("crimson")
    lines = [*ax.get_lines(), *_right_axis(ax).get_lines()]
    assert [colors.to_rgba(line.get_color()) for line in lines] == [crimson] * 4
    assert _legend(ax)[0] == "A: DAU"
    assert _legend(ax)[3] == "A: DAU/MAU 9.5% (mean DAU / MAU)"


def test_local_days_name_their_zone() -> None:
    result = active_users(_guide_events(), as_of=MARCH, timezone="America/New_York")
    ax = result.plot(stickiness=False)
    assert ax.get_xlabel() == "day (America/New_York)"
    days = _days(ax.get_lines()[0].get_xdata())
    assert (days[0], days[-1]) == ("2025-02-01", "2025-02-28")


def test_active_users_draw_on_the_axes_passed_in() -> None:
    figure, ax = plt.subplots()
    ax.set_xlabel("February")
    ax.set_ylabel("people")
    assert active_users(_guide_events(), as_of=MARCH).plot(ax) is ax
    assert plt.get_fignums() == [figure.number]
    assert len(figure.axes) == 2  # and the right axis beside it
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("February", "people")


def test_no_accounts_draw_the_note() -> None:
    empty = active_users({"account_id": [], "user_id": [], "occurred_at": []}, as_of=MARCH)
    ax = empty.plot()
    assert len(ax.get_lines()) == 0
    assert [t.get_text() for t in ax.texts] == ["no data"]
    assert len(ax.figure.axes) == 1


def test_an_unknown_account_has_no_picture() -> None:
    with pytest.raises(AccountNotFoundError):
        active_users(_guide_events(), as_of=MARCH).plot(account="nobody")
    assert plt.get_fignums() == []


# --- without matplotlib ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        pytest.param(lambda: _guide_trend().plot(account="steady"), id="UsageTrend-account"),
        pytest.param(lambda: _guide_trend().plot(), id="UsageTrend"),
        pytest.param(lambda: active_users(_guide_events(), as_of=MARCH).plot(), id="ActiveUsers"),
    ],
)
def test_without_matplotlib_the_error_says_how_to_install_it(
    draw, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # `import` now fails
    with pytest.raises(MissingDependencyError, match=re.escape(HINT)) as caught:
        draw()
    assert isinstance(caught.value, ImportError)
    assert str(caught.value) == f"plot() needs matplotlib: {HINT}"
