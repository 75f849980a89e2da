"""The NPS pictures, read back from the matplotlib artists (Agg backend).

The expected numbers are written out by hand from small worked inputs, not computed by
the code under test: the scores are counted by hand (``100 (P - D) / n``), the intervals
are the adjusted-Wald ones the NPS guide prints for the same counts (4 promoters:
[6.9, 100]; 5 detractors: [-100, -17.5]; one passive: [-60, 60]; the touchpoint and
migration examples of the guide), and the significant changes and groups are those the
guide marks with ``*``.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
colors = pytest.importorskip("matplotlib.colors")
mdates = pytest.importorskip("matplotlib.dates")

from cshealth import Grouped, MissingDependencyError  # noqa: E402 - after the skip above
from cshealth.nps import breakdown, migration, trend  # noqa: E402

HINT = "pip install 'cshealth[plot]'"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _days(*days: str) -> np.ndarray:
    return np.array(days, dtype="datetime64[us]")


def _day_number(day: str) -> float:
    """Where matplotlib puts a date on its axis: days since 1970-01-01."""
    return float((np.datetime64(day, "D") - np.datetime64("1970-01-01", "D")).astype(int))


# January: 4 promoters (NPS 100); February: 5 detractors (-100, a significant fall, as in
# the guide); March: nobody; April: one passive (0, not tested: March is empty).
MONTHLY = {
    "score": [10, 10, 9, 10, 0, 2, 1, 3, 4, 8],
    "submitted_at": _days(
        "2025-01-05",
        "2025-01-12",
        "2025-01-20",
        "2025-01-27",
        "2025-02-02",
        "2025-02-09",
        "2025-02-16",
        "2025-02-20",
        "2025-02-24",
        "2025-04-15",
    ),
}
STARTS = ["2025-01-01", "2025-02-01", "2025-03-01", "2025-04-01"]
INTERVALS = [(6.9, 100.0), (-100.0, -17.5), (-60.0, 60.0)]  # January, February, April


def _monthly(as_of: date = date(2025, 5, 1), **options: object):
    return trend(MONTHLY, as_of=as_of, min_n=0, **options)


def _series(ax):
    """The lines of a trend picture: the line at 0, the points, and the rings if any."""
    zero, points, *rings = ax.get_lines()
    return zero, points, rings


# --- NPS trend ------------------------------------------------------------------------------------


def test_the_trend_is_a_point_per_period_at_its_start_with_a_gap_where_nobody_answered() -> None:
    ax = _monthly().plot()
    zero, points, _ = _series(ax)
    assert points.get_xdata().tolist() == _days(*STARTS).tolist()
    y = points.get_ydata()
    assert y[[0, 1, 3]].tolist() == [100.0, -100.0, 0.0]
    assert np.isnan(y[2])  # March: not drawn, never 0
    assert points.get_marker() == "o"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("month start", "NPS")
    assert ax.get_ylim() == (-105.0, 105.0)
    assert zero.get_gid() == "cshealth-nps-zero"
    assert list(zero.get_ydata()) == [0.0, 0.0]
    assert zero.get_zorder() < points.get_zorder()  # behind the points


def test_each_answered_period_has_its_interval_as_a_vertical_bar() -> None:
    ax = _monthly().plot()
    (bars,) = ax.collections
    segments = bars.get_segments()
    assert len(segments) == 3  # none for March
    answered = ["2025-01-01", "2025-02-01", "2025-04-01"]
    for segment, day, (low, high) in zip(segments, answered, INTERVALS):
        assert segment[:, 0].tolist() == [_day_number(day)] * 2
        assert segment[:, 1] == pytest.approx([low, high], abs=0.05)


def test_a_significant_change_is_ringed_and_named_in_the_legend() -> None:
    ax = _monthly().plot(label="relationship")
    _, points, (ring,) = _series(ax)
    assert ring.get_xdata().tolist() == _days("2025-02-01").tolist()
    assert ring.get_ydata().tolist() == [-100.0]
    assert ring.get_linestyle() == "None"
    assert ring.get_markerfacecolor() == "none"
    assert ring.get_markersize() > points.get_markersize()
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["relationship", "significant change"]


def test_without_a_significant_change_there_is_no_ring_and_no_legend() -> None:
    steady = {"score": [10, 9, 10, 9], "submitted_at": _days("2025-01-05", *["2025-02-05"] * 3)}
    ax = trend(steady, as_of=date(2025, 3, 1), min_n=0).plot()
    _, points, rings = _series(ax)
    assert points.get_ydata().tolist() == [100.0, 100.0]
    assert rings == []
    assert ax.get_legend() is None


def test_the_axis_spans_the_periods_nobody_answered_at_the_end() -> None:
    ax = _monthly(as_of=date(2025, 7, 1)).plot()
    _, points, _ = _series(ax)
    assert np.isnan(points.get_ydata()[-2:]).all()  # May and June
    low, high = ax.get_xlim()
    assert low <= _day_number("2025-01-01")
    assert high >= _day_number("2025-06-01")
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.ConciseDateFormatter)


def test_the_points_stand_at_the_start_of_the_period_on_the_trends_own_calendar() -> None:
    tokyo = {"score": [10, 0], "submitted_at": _days("2025-01-10", "2025-02-10")}
    monthly = trend(tokyo, as_of=date(2025, 3, 1), min_n=0, timezone="Asia/Tokyo")
    _, points, _ = _series(monthly.plot())
    # midnight of the 1st in Tokyo, not 15:00 UTC the day before
    assert points.get_xdata().tolist() == _days("2025-01-01", "2025-02-01").tolist()


def test_rolling_windows_stand_at_their_start() -> None:
    rolling = _monthly(as_of=date(2025, 2, 10), rolling_days=28, step_days=14)
    ax = rolling.plot()
    _, points, _ = _series(ax)
    assert ax.get_xlabel() == "window start"
    # windows end at 2025-02-10, 01-27, 01-13 (back to the first answer), 28 days each
    assert points.get_xdata().tolist() == _days("2024-12-16", "2024-12-30", "2025-01-13").tolist()


def test_a_trend_without_answers_says_so_and_draws_nothing() -> None:
    nothing = {"score": [], "submitted_at": _days()}
    for empty in (
        trend(nothing, as_of=date(2025, 3, 1)),  # no period
        trend(nothing, as_of=date(2025, 3, 1), start=date(2025, 1, 1)),  # two empty ones
    ):
        ax = empty.plot()
        assert ax.get_lines() == []
        assert len(ax.collections) == 0
        (note,) = ax.texts
        assert note.get_text() == "no data"
        assert note.get_position() == (0.5, 0.5)
        assert note.get_transform() == ax.transAxes
        assert (ax.get_xlabel(), ax.get_ylabel()) == ("month start", "NPS")


def test_style_goes_to_the_points_and_the_bars_and_rings_take_their_colour() -> None:
    ax = _monthly().plot(color="crimson", marker="s", linestyle=":")
    _, points, (ring,) = _series(ax)
    crimson = colors.to_rgba("crimson")
    assert (points.get_marker(), points.get_linestyle()) == ("s", ":")
    assert colors.to_rgba(points.get_color()) == crimson
    assert colors.to_rgba(ring.get_markeredgecolor()) == crimson
    assert tuple(ax.collections[0].get_color()[0]) == crimson


def test_the_trend_draws_on_the_axes_passed_in_and_keeps_its_labels() -> None:
    figure, ax = plt.subplots()
    ax.set_xlabel("survey month")
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b"))
    assert _monthly().plot(ax=ax) is ax
    assert plt.get_fignums() == [figure.number]
    assert ax.get_xlabel() == "survey month"
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.DateFormatter)


def test_trends_overlay_under_their_labels_in_a_grouped() -> None:
    first = _monthly()
    second = trend(MONTHLY, as_of=date(2025, 3, 1), min_n=0)  # January and February only
    grouped = Grouped(by="survey", overall=first, groups={"a": first, "b": second}, ungrouped=0)
    ax = grouped.plot()
    zero, a, ring_a, b, ring_b = ax.get_lines()
    assert zero.get_gid() == "cshealth-nps-zero"  # one line at 0 for both
    assert (a.get_label(), b.get_label()) == ("a", "b")
    assert b.get_ydata().tolist() == [100.0, -100.0]
    assert a.get_color() != b.get_color()
    assert (ring_a.get_markeredgecolor(), ring_b.get_markeredgecolor()) == (
        a.get_color(),
        b.get_color(),
    )
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "survey"
    # the rings are named once
    assert [t.get_text() for t in legend.get_texts()] == ["a", "significant change", "b"]


# --- NPS breakdown --------------------------------------------------------------------------------

# The guide's ten answers by touchpoint: onboarding 100 (n=3) and support -100 (n=5) unlike
# the rest after Holm's correction, renewal 50 (n=2); every answer together -10 (n=10).
ANSWERS = {
    "touchpoint": ["onboarding"] * 3 + ["renewal"] * 2 + ["support"] * 5,
    "score": [10, 9, 9, 8, 10, 3, 2, 6, 4, 5],
}
GROUP_INTERVALS = [(-6.6, 100.0), (-39.4, 79.4), (-100.0, -17.5)]


def _lines_by_label(ax):
    return {line.get_label(): line for line in ax.get_lines()}


def test_the_forest_plot_has_a_row_per_group_first_on_top_with_its_n() -> None:
    ax = breakdown(ANSWERS, by="touchpoint").plot()
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["onboarding (n=3)", "renewal (n=2)", "support (n=5)"]
    assert ax.get_yticks().tolist() == [0.0, 1.0, 2.0]
    assert ax.get_ylim() == (2.5, -0.5)  # row 0 on top
    points = _lines_by_label(ax)["group NPS"]
    assert points.get_xdata().tolist() == [100.0, 50.0, -100.0]
    assert points.get_ydata().tolist() == [0.0, 1.0, 2.0]
    assert points.get_linestyle() == "None"
    assert ax.get_xlabel() == "NPS"
    assert ax.get_xlim() == (-105.0, 105.0)


def test_each_group_has_its_interval_across() -> None:
    ax = breakdown(ANSWERS, by="touchpoint").plot()
    (bars,) = ax.collections
    for row, (segment, (low, high)) in enumerate(zip(bars.get_segments(), GROUP_INTERVALS)):
        assert segment[:, 1].tolist() == [row, row]
        assert segment[:, 0] == pytest.approx([low, high], abs=0.05)


def test_the_overall_nps_is_a_dashed_line_named_in_the_legend() -> None:
    ax = breakdown(ANSWERS, by="touchpoint").plot()
    overall = _lines_by_label(ax)["overall -10.0 (n=10)"]
    assert overall.get_linestyle() == "--"
    assert list(overall.get_xdata()) == pytest.approx([-10.0, -10.0])  # -1 promoter in 10


def test_the_groups_unlike_the_rest_are_ringed() -> None:
    ax = breakdown(ANSWERS, by="touchpoint").plot()
    ring = _lines_by_label(ax)["unlike the rest (Holm)"]
    assert ring.get_xdata().tolist() == [100.0, -100.0]
    assert ring.get_ydata().tolist() == [0.0, 2.0]  # onboarding and support
    assert ring.get_markerfacecolor() == "none"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["group NPS", "overall -10.0 (n=10)", "unlike the rest (Holm)"]


def test_without_a_correction_the_rings_say_so() -> None:
    ax = breakdown(ANSWERS, by="touchpoint", correction="none").plot()
    assert "unlike the rest (unadjusted)" in _lines_by_label(ax)


def test_no_group_unlike_the_rest_means_no_ring() -> None:
    alike = {"plan": ["a", "a", "b", "b"], "score": [10, 3, 9, 2]}
    ax = breakdown(alike, by="plan", min_n=0).plot()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "group NPS",
        "overall 0.0 (n=4)",
    ]
    assert len(ax.get_lines()) == 2


def test_a_breakdown_without_groups_says_so() -> None:
    ax = breakdown({"plan": [], "score": []}, by="plan").plot()
    assert ax.get_lines() == []
    assert [t.get_text() for t in ax.texts] == ["no data"]
    assert ax.get_legend() is None


def test_style_goes_to_the_groups_points() -> None:
    ax = breakdown(ANSWERS, by="touchpoint").plot(color="crimson", marker="D")
    points = _lines_by_label(ax)["group NPS"]
    crimson = colors.to_rgba("crimson")
    assert points.get_marker() == "D"
    assert colors.to_rgba(points.get_color()) == crimson
    assert tuple(ax.collections[0].get_color()[0]) == crimson
    ring = _lines_by_label(ax)["unlike the rest (Holm)"]
    assert colors.to_rgba(ring.get_markeredgecolor()) == crimson


def test_the_breakdown_draws_on_the_axes_passed_in() -> None:
    figure, ax = plt.subplots()
    assert breakdown(ANSWERS, by="touchpoint").plot(ax=ax) is ax
    assert plt.get_fignums() == [figure.number]


# --- NPS migration --------------------------------------------------------------------------------

# The guide's panel: wave-1 detractors went 1 detractor, 2 passives; both passives and
# both promoters ended promoters.
Q1 = {"c1": 9, "c2": 10, "c3": 7, "c4": 8, "c5": 4, "c6": 6, "c7": 3, "c8": 9}
Q2 = {"c1": 10, "c2": 9, "c3": 9, "c4": 9, "c5": 7, "c6": 8, "c7": 6, "c9": 2}


def _written(ax) -> dict[tuple[int, int], str]:
    return {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
    }


def test_the_matrix_is_coloured_by_row_share_and_labelled() -> None:
    ax = migration(Q1, Q2, min_n=0).plot()
    (image,) = ax.images
    np.testing.assert_allclose(
        image.get_array().filled(np.nan),
        [[1 / 3, 2 / 3, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 1.0]],
        rtol=1e-12,
    )
    assert (image.norm.vmin, image.norm.vmax) == (0.0, 1.0)
    assert image.get_cmap().name == "Blues"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["detractor", "passive", "promoter"]
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "detractor (n=3)",
        "passive (n=2)",
        "promoter (n=2)",
    ]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("wave 2", "wave 1")
    (bar,) = [a for a in ax.figure.axes if a is not ax]
    assert bar.get_ylabel() == "share of row"


def test_each_cell_says_its_count_and_row_share_in_a_colour_that_reads() -> None:
    ax = migration(Q1, Q2, min_n=0).plot()
    assert _written(ax) == {
        (0, 0): "1\n33%",
        (0, 1): "2\n67%",
        (0, 2): "0\n0%",
        (1, 0): "0\n0%",
        (1, 1): "0\n0%",
        (1, 2): "2\n100%",
        (2, 0): "0\n0%",
        (2, 1): "0\n0%",
        (2, 2): "2\n100%",
    }
    ink = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_color() for t in ax.texts
    }
    assert ink[(2, 2)] == "white"  # the darkest blue
    assert ink[(2, 0)] == "black"  # white paper


def test_a_row_nobody_was_in_is_blank_not_zero() -> None:
    ax = migration({"a": 9, "b": 3, "d": 2}, {"a": 10, "b": 8, "d": 1}, min_n=0).plot()
    cells = ax.images[0].get_array()
    assert np.ma.getmaskarray(cells).tolist() == [
        [False, False, False],
        [True, True, True],
        [False, False, False],
    ]
    assert cells.tolist() == [[0.5, 0.5, 0.0], [None, None, None], [0.0, 0.0, 1.0]]
    assert [t.get_text() for t in ax.get_yticklabels()][1] == "passive (n=0)"
    assert {row for row, _ in _written(ax)} == {0, 2}  # nothing written on the blank row


def test_annotations_colour_map_and_style_are_the_callers() -> None:
    ax = migration(Q1, Q2, min_n=0).plot(annotate=False, cmap="magma", vmax=0.5, alpha=0.5)
    (image,) = ax.images
    assert len(ax.texts) == 0
    assert image.get_cmap().name == "magma"
    assert image.norm.vmax == 0.5
    assert image.get_alpha() == 0.5


def test_a_migration_without_anyone_matched_says_so() -> None:
    ax = migration({"a": 9}, {"b": 9}, min_n=0).plot()
    assert len(ax.images) == 0
    assert [t.get_text() for t in ax.texts] == ["no data"]
    assert ax.figure.axes == [ax]  # no colour bar


def test_the_matrix_draws_on_the_axes_passed_in() -> None:
    figure, ax = plt.subplots()
    assert migration(Q1, Q2, min_n=0).plot(ax=ax) is ax
    assert plt.get_fignums() == [figure.number]
    assert len(ax.images) == 1


# --- without matplotlib ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        pytest.param(lambda: _monthly().plot(), id="NPSTrend"),
        pytest.param(lambda: breakdown(ANSWERS, by="touchpoint").plot(), id="NPSBreakdown"),
        pytest.param(lambda: migration(Q1, Q2, min_n=0).plot(), id="NPSMigration"),
    ],
)
def test_without_matplotlib_the_error_says_how_to_install_it(
    draw, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # `import` now fails
    with pytest.raises(MissingDependencyError, match=re.escape(HINT)):
        draw()
