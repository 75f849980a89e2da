"""`ScoreTrend.plot`, read back from the matplotlib artists (Agg backend).

One account: its scores at the snapshots (a gap where it has none), the Theil–Sen line
checked against `scipy.stats.theilslopes` (a second implementation), the band edges.
Every account: the slopes, stacked by the trend called, on histories built so that each
slope is a whole number of points per 30 days (snapshots 30 days apart), so the bars'
bins, heights and bottoms are written out by hand.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import numpy as np
import pytest
from scipy import stats

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
colors = pytest.importorskip("matplotlib.colors")
ticker = pytest.importorskip("matplotlib.ticker")

from cshealth import AccountNotFoundError, MissingDependencyError  # noqa: E402
from cshealth.scoring import Band, trend  # noqa: E402
from cshealth.scoring._plot_trend import slope_bins  # noqa: E402

HINT = "pip install 'cshealth[plot]'"
MONTHS = ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01", "2025-05-01", "2025-06-01"]
BANDS = [
    Band(label="red", min=0, max=40),
    Band(label="yellow", min=40, max=70),
    Band(label="green", min=70, max=100),
]
# the scoring guide's trend: A loses a few points every month, B wobbles around 70
A_SCORES = [88, 84, 79, 76, 71, 67]
B_SCORES = [72, 68, 73, 69, 72, 68]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _days(values) -> list[str]:
    return np.asarray(values).astype("datetime64[D]").astype(str).tolist()


def _legend(ax) -> list[str]:
    return [text.get_text() for text in ax.get_legend().get_texts()]


def _guide(**options):
    history = {
        "account_id": ["A"] * 6 + ["B"] * 6,
        "as_of": MONTHS * 2,
        "score": A_SCORES + B_SCORES,
    }
    return trend(history, **options)


def _elapsed(months: list[str]) -> np.ndarray:
    return (np.array(months, "datetime64[D]") - np.datetime64(months[0], "D")).astype(float)


# --- one account ----------------------------------------------------------------------------------


def test_the_scores_are_points_at_the_snapshots() -> None:
    ax = _guide().plot(account="A")
    scores = ax.get_lines()[0]
    assert _days(scores.get_xdata()) == MONTHS
    assert scores.get_ydata().tolist() == A_SCORES
    assert scores.get_marker() == "o"
    assert scores.get_label() == "A"
    assert ax.get_ylim() == (0.0, 100.0)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("snapshot (UTC)", "health score")
    assert type(ax.xaxis.get_major_formatter()).__name__ == "ConciseDateFormatter"


def test_the_slope_line_is_theil_sen_across_the_scored_snapshots() -> None:
    ax = _guide().plot(account="A")
    scores, slope = ax.get_lines()
    reference = stats.theilslopes(A_SCORES, _elapsed(MONTHS))
    assert _days(slope.get_xdata()) == ["2025-01-01", "2025-06-01"]
    expected = [reference.intercept, reference.intercept + reference.slope * 151]
    np.testing.assert_allclose(slope.get_ydata(), expected, rtol=1e-12)
    assert slope.get_linestyle() == "--"
    assert slope.get_color() == scores.get_color()
    # -4.17 points a month in the guide
    assert _legend(ax) == ["A", "Theil–Sen slope -4.2 points per 30 days, falling"]


def test_a_flat_account_says_flat() -> None:
    ax = _guide().plot(account="B")
    assert _legend(ax)[1] == "Theil–Sen slope -0.5 points per 30 days, flat"


def test_a_snapshot_without_a_score_is_a_gap_and_left_out_of_the_fit() -> None:
    history = {
        "account_id": ["C"] * 4,
        "as_of": ["2025-01-01", "2025-01-11", "2025-01-21", "2025-01-31"],
        "score": [80, 76, None, 68],
    }
    ax = trend(history).plot(account="C")
    scores, slope = ax.get_lines()
    assert scores.get_ydata().tolist()[:2] == [80.0, 76.0]
    assert np.isnan(scores.get_ydata()[2])
    # three scores, at days 0, 10 and 30, all 0.4 points a day apart: 80 down to 68
    assert _days(slope.get_xdata()) == ["2025-01-01", "2025-01-31"]
    np.testing.assert_allclose(slope.get_ydata(), [80.0, 68.0], rtol=1e-12)
    assert slope.get_label() == ("Theil–Sen slope -12.0 points per 30 days, too few points to call")


def test_the_line_spans_only_the_scored_snapshots() -> None:
    history = {
        "account_id": ["D", "D", "D", "E", "E", "E", "E"],
        "as_of": [*MONTHS[1:4], *MONTHS[:4]],
        "score": [50, 55, 60, 10, 20, 30, 40],
    }
    ax = trend(history).plot(account="D")
    scores, slope = ax.get_lines()
    assert np.isnan(scores.get_ydata()[0])
    reference = stats.theilslopes([50, 55, 60], _elapsed(MONTHS[:4])[1:])
    assert _days(slope.get_xdata()) == [MONTHS[1], MONTHS[3]]
    np.testing.assert_allclose(
        slope.get_ydata(), reference.intercept + reference.slope * _elapsed(MONTHS[:4])[[1, 3]]
    )


def test_one_score_has_no_slope_line() -> None:
    ax = trend({"account_id": ["A"], "as_of": ["2025-01-01"], "score": [55]}).plot(account="A")
    (scores,) = ax.get_lines()
    assert scores.get_ydata().tolist() == [55.0]
    assert _legend(ax) == ["A"]


def test_band_edges_are_light_lines_behind() -> None:
    ax = _guide(bands=BANDS).plot(account="A")
    edges, rest = ax.get_lines()[:2], ax.get_lines()[2:]
    assert [line.get_ydata()[0] for line in edges] == [40.0, 70.0]
    assert all(line.get_zorder() == 0 for line in edges)
    assert len(rest) == 2
    assert _legend(ax) == ["A", "Theil–Sen slope -4.2 points per 30 days, falling"]


def test_label_and_style_go_to_the_scores() -> None:
    ax = _guide().plot(account="A", label="Acme", color="crimson", marker="s")
    scores, slope = ax.get_lines()
    assert (scores.get_label(), scores.get_marker()) == ("Acme", "s")
    crimson = colors.to_rgba("crimson")
    assert colors.to_rgba(scores.get_color()) == crimson
    assert colors.to_rgba(slope.get_color()) == crimson


def test_the_account_picture_draws_on_the_axes_passed_in() -> None:
    figure, ax = plt.subplots()
    ax.set_xlabel("month")
    ax.set_ylabel("score")
    formatter = ticker.NullFormatter()
    ax.xaxis.set_major_formatter(formatter)
    assert _guide().plot(ax, account="B") is ax
    assert plt.get_fignums() == [figure.number]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("month", "score")
    assert ax.xaxis.get_major_formatter() is formatter


def test_an_unknown_account_is_refused_before_a_figure_is_made() -> None:
    with pytest.raises(AccountNotFoundError):
        _guide().plot(account="Z")
    assert plt.get_fignums() == []


# --- every account --------------------------------------------------------------------------------

EVERY_30_DAYS = ["2025-01-01", "2025-01-31", "2025-03-02", "2025-04-01", "2025-05-01"]


def _slopes(**extra: tuple[list[str], list[float]]):
    """F falls 5 points a snapshot, R rises 2, L stays, T (2 scores) rises 3, N has 1."""
    accounts = {
        "F": (EVERY_30_DAYS, [90, 85, 80, 75, 70]),
        "R": (EVERY_30_DAYS, [50, 52, 54, 56, 58]),
        "L": (EVERY_30_DAYS, [60] * 5),
        "T": (EVERY_30_DAYS[3:], [70, 73]),
        **extra,
    }
    history: dict[str, list[object]] = {"account_id": [], "as_of": [], "score": []}
    for account, (on, scores) in accounts.items():
        history["account_id"] += [account] * len(on)
        history["as_of"] += on
        history["score"] += scores
    return trend(history)


def test_the_slopes_are_stacked_by_the_trend_called() -> None:
    ax = _slopes(N=(EVERY_30_DAYS[:1], [40])).plot(label="trend called")
    falling, flat, rising, few = ax.containers
    # bins of half a point from -5 to 3.5: -5 in the 1st, 0 the 11th, 2 the 15th, 3 the 17th
    first = falling[0]
    assert (first.get_x(), first.get_width()) == (-5.0, 0.5)
    assert len(falling) == 17
    assert [i for i, bar in enumerate(falling) if bar.get_height()] == [0]
    assert [i for i, bar in enumerate(flat) if bar.get_height()] == [10]
    assert [i for i, bar in enumerate(rising) if bar.get_height()] == [14]
    assert [i for i, bar in enumerate(few) if bar.get_height()] == [16]
    assert sum(bar.get_height() for bars in ax.containers for bar in bars) == 4
    assert [colors.to_rgba(bars[0].get_facecolor()) for bars in ax.containers] == [
        colors.to_rgba(name) for name in ("tab:red", "0.6", "tab:green", "0.85")
    ]
    assert _legend(ax) == ["falling", "flat (no trend)", "rising", "too few points to call"]
    assert ax.get_legend().get_title().get_text() == "trend called"
    assert [t.get_text() for t in ax.texts] == ["1 account with fewer than two scores: not drawn"]
    (zero,) = ax.get_lines()
    assert list(zero.get_xdata()) == [0.0, 0.0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("score slope (points per 30 days)", "accounts")


def test_style_goes_to_hist_and_the_calls_stack() -> None:
    ax = _slopes(F2=(EVERY_30_DAYS, [95, 90, 85, 80, 75])).plot(bins=[-6.0, 1.0, 4.0], alpha=0.5)
    falling, flat, rising, few = ax.containers
    assert [bar.get_height() for bar in falling] == [2.0, 0.0]
    assert [bar.get_height() for bar in flat] == [1.0, 0.0]
    assert [bar.get_y() for bar in flat] == [2.0, 0.0]
    assert [bar.get_height() for bar in rising] == [0.0, 1.0]
    assert [bar.get_y() for bar in few] == [3.0, 1.0]  # on the 2 + 1 and the 1 below
    assert falling[0].get_alpha() == 0.5
    assert len(ax.texts) == 0


def test_only_the_calls_present_are_drawn() -> None:
    history = {"account_id": ["A", "A"], "as_of": EVERY_30_DAYS[:2], "score": [50, 56]}
    ax = trend(history).plot()
    (few,) = ax.containers
    assert sum(bar.get_height() for bar in few) == 1
    assert _legend(ax) == ["too few points to call"]


def test_no_slope_at_all_draws_the_note() -> None:
    one = trend({"account_id": ["A", "B"], "as_of": ["2025-01-01"] * 2, "score": [50, 60]})
    ax = one.plot()
    assert ax.containers == []
    assert sorted(t.get_text() for t in ax.texts) == [
        "2 accounts with fewer than two scores: not drawn",
        "no data",
    ]
    plt.close("all")
    figure, ax = plt.subplots()
    ax.set_xlabel("slope")
    ax.set_ylabel("n")
    assert trend({"account_id": [], "as_of": [], "score": []}).plot(ax) is ax
    assert [t.get_text() for t in ax.texts] == ["no data"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("slope", "n")
    assert plt.get_fignums() == [figure.number]


@pytest.mark.parametrize(
    ("slopes", "edges"),
    [
        pytest.param([-5.0, 3.0], np.arange(-5.0, 3.75, 0.5), id="halves"),
        pytest.param([0.0], [0.0, 0.5], id="one"),
        pytest.param([-0.2, 0.1], [-0.5, 0.0, 0.5], id="zero-on-an-edge"),
        pytest.param([-100.0, 200.0], np.arange(-100.0, 220.0, 10.0), id="tens"),
        pytest.param([-12.0, 40.0], np.arange(-12.0, 44.0, 2.0), id="twos"),
    ],
)
def test_slope_bins_are_round_with_zero_on_an_edge(slopes, edges) -> None:
    np.testing.assert_allclose(slope_bins(np.array(slopes)), edges, atol=1e-12)


# --- without matplotlib ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        pytest.param(lambda: _guide().plot(account="A"), id="account"),
        pytest.param(lambda: _guide().plot(), id="every account"),
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
