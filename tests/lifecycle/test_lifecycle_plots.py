"""Lifecycle pictures: what each ``plot()`` draws, read back from the artists (Agg backend).

The expected numbers are written out by hand from small books of accounts whose stages
are worked out in the comments (and in the lifecycle guide), or from results built
directly from hand-written arrays (`StageFlow`, `ValueCohorts`): bar lengths and
offsets, hatched parts, the words at the bars, the matrix's cells and its blank
(masked) cells, the outlined diagonal, error-bar extents, gaps, tick labels, legends,
and the note on an empty picture.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
colors = pytest.importorskip("matplotlib.colors")
mdates = pytest.importorskip("matplotlib.dates")

from matplotlib.patches import Rectangle  # noqa: E402 - after the skip above
from matplotlib.text import Annotation  # noqa: E402

from cshealth import InvalidInputError, MeasureTable, MissingDependencyError  # noqa: E402
from cshealth.lifecycle import (  # noqa: E402
    LifecycleRules,
    StageFlow,
    Thresholds,
    ValueCohorts,
    classify,
    history,
    time_to_value,
    transitions,
)

HINT = "pip install 'cshealth[plot]'"
STAGES = ["churned", "renewal", "onboarding", "adoption", "expansion", "advocacy", "engagement"]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _texts(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def _bars_by_row(patches) -> dict[int, Rectangle]:
    """The bars of one ``barh`` call, by the row (stage position) they sit on."""
    return {round(bar.get_y() + bar.get_height() / 2): bar for bar in patches}


# --- accounts per stage ---------------------------------------------------------------------------

#: On 2025-04-01: a and b started in March (onboarding); c ended in February (churned);
#: d has been a customer since 2024 with nothing else known (engagement); e renews on
#: 2025-05-01, 30 days out (renewal). MRR: b's and c's are unknown.
BOOK = {
    "id": ["a", "b", "c", "d", "e"],
    "start_date": ["2025-03-01", "2025-03-10", "2024-01-01", "2024-01-01", "2024-06-01"],
    "end_date": [None, None, "2025-02-01", None, None],
    "renewal_date": [None, None, None, None, "2025-05-01"],
    "mrr": [100.0, None, None, 300.0, 50.0],
}


def _book():
    return classify(BOOK, as_of=date(2025, 4, 1))


def test_stage_bars_count_the_accounts_in_the_rules_order_first_on_top() -> None:
    ax = _book().plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == STAGES
    assert ax.yaxis_inverted()  # the first stage, churned, on top
    bars = _bars_by_row(ax.patches)
    assert sorted(bars) == list(range(7))
    assert [bars[i].get_width() for i in range(7)] == [1, 1, 2, 0, 0, 0, 1]
    assert all(bars[i].get_x() == 0 for i in range(7))
    assert _texts(ax) == [
        "1 (20%)",
        "1 (20%)",
        "2 (40%)",
        "0 (0%)",
        "0 (0%)",
        "0 (0%)",
        "1 (20%)",
    ]
    assert ax.get_xlabel() == "accounts"
    assert ax.get_legend() is None  # one series: no legend


def test_the_words_sit_at_the_end_of_each_bar() -> None:
    ax = _book().plot()
    places = [text.xy for text in ax.texts]
    assert places == [(1, 0), (1, 1), (2, 2), (0, 3), (0, 4), (0, 5), (1, 6)]
    assert all(isinstance(text, Annotation) for text in ax.texts)


def test_stage_bars_by_mrr_leave_unknown_mrr_out_and_say_so() -> None:
    ax = _book().plot(weight="mrr")
    bars = _bars_by_row(ax.patches)
    # churned: c's MRR is unknown, so no bar at all rather than a bar of 0
    assert sorted(bars) == [1, 2, 3, 4, 5, 6]
    assert [bars[i].get_width() for i in range(1, 7)] == [50.0, 100.0, 0.0, 0.0, 0.0, 300.0]
    # shares of the 450 known: 50, 100 (b unknown), 300
    assert _texts(ax) == [
        "MRR unknown",
        "50 (11%)",
        "100 (22%)",
        "0 (0%)",
        "0 (0%)",
        "0 (0%)",
        "300 (67%)",
    ]
    assert ax.texts[0].xy == (0.0, 0)
    assert ax.get_xlabel() == "MRR (2 accounts of unknown MRR left out)"


def test_stage_bars_without_a_total_leave_the_share_out() -> None:
    book = {**BOOK, "mrr": [0.0] * 5}
    ax = classify(book, as_of=date(2025, 4, 1)).plot(weight="mrr")
    assert _texts(ax) == ["0"] * 7
    assert ax.get_xlabel() == "MRR"


def _held():
    """Kite's seats dip for a week and it is held in expansion; lynx stays there."""
    accounts = {"id": ["kite", "lynx"], "start_date": ["2023-01-01", "2023-01-01"]}
    steady = LifecycleRules(thresholds=Thresholds(min_dwell_days=21))
    week = [date(2025, 3, 3), date(2025, 3, 10)]
    seats = [[0.92, 0.95], [0.88, 0.95]]
    usage = [
        MeasureTable(["kite", "lynx"], {"seat_utilisation": s}, as_of=np.datetime64(d))
        for d, s in zip(week, seats)
    ]
    first = classify(accounts, as_of=week[0], usage=usage[0], rules=steady)
    second = classify(accounts, as_of=week[1], usage=usage[1], rules=steady, previous=first)
    assert second.stage.tolist() == ["expansion", "expansion"]
    assert second.held.tolist() == [True, False]
    return second


def test_held_accounts_are_the_hatched_end_of_their_bar() -> None:
    ax = _held().plot(color="tab:green")
    assert len(ax.patches) == 14  # the bars by the rules, then the held parts
    free = _bars_by_row(ax.patches[:7])
    kept = _bars_by_row(ax.patches[7:])
    expansion = STAGES.index("expansion")
    assert [free[i].get_width() for i in range(7)] == [0, 0, 0, 0, 1, 0, 0]
    assert [kept[i].get_width() for i in range(7)] == [0, 0, 0, 0, 1, 0, 0]
    assert kept[expansion].get_x() == 1  # after lynx's part
    assert kept[expansion].get_hatch() == "//"
    assert free[expansion].get_hatch() is None
    green = colors.to_rgba("tab:green")
    assert free[expansion].get_facecolor() == green
    assert kept[expansion].get_facecolor()[:3] == pytest.approx(green[:3])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "by the rules",
        "held by min_dwell_days (21 days)",
    ]
    assert _texts(ax)[expansion] == "2 (100%)"
    assert ax.texts[expansion].xy == (2, expansion)


def test_stage_bars_take_a_label_and_style_and_can_go_without_words() -> None:
    ax = _book().plot(annotate=False, label="April", height=0.5, color="crimson")
    assert _texts(ax) == []
    assert {bar.get_height() for bar in ax.patches} == {0.5}
    assert {bar.get_facecolor() for bar in ax.patches} == {colors.to_rgba("crimson")}
    assert [t.get_text() for t in ax.legend().get_texts()] == ["April"]


def test_stage_bars_keep_the_callers_label_and_turn_the_axis_once() -> None:
    _, ax = plt.subplots()
    ax.set_xlabel("customers")
    _book().plot(ax=ax)
    _book().plot(ax=ax)  # a second picture on it does not turn the stages upside down
    assert ax.yaxis_inverted()
    assert ax.get_xlabel() == "customers"


def test_stage_bars_of_no_accounts_say_no_data() -> None:
    nobody = classify({"id": ["a"], "start_date": ["2026-01-01"]}, as_of=date(2025, 4, 1))
    assert len(nobody) == 0
    ax = nobody.plot()
    assert len(ax.patches) == 0
    assert _texts(ax) == ["no data"]
    assert ax.texts[0].get_position() == (0.5, 0.5)
    assert ax.texts[0].get_transform() == ax.transAxes


def test_stage_bars_refuse_an_unknown_weight() -> None:
    with pytest.raises(InvalidInputError, match=r"`weight` must be 'mrr' or None, got 'arr'"):
        _book().plot(weight="arr")  # type: ignore[arg-type]
    assert plt.get_fignums() == []


# --- stage flows ----------------------------------------------------------------------------------

#: The lifecycle guide's book: between 1 January and 1 May 2025, c renewal -> churned,
#: b onboarding -> adoption, a adoption -> engagement, e engagement -> renewal, d is new
#: (onboarding); MRR 200, 300, 500, 1000 and 800.
GUIDE_BOOK = {
    "id": ["a", "b", "c", "d", "e"],
    "start_date": ["2024-10-01", "2024-12-15", "2024-03-01", "2025-02-10", "2023-06-01"],
    "end_date": [None, None, "2025-03-20", None, None],
    "renewal_date": ["2025-10-01", "2025-12-15", "2025-03-01", "2026-02-10", "2025-06-01"],
    "mrr": [500.0, 300.0, 200.0, 800.0, 1000.0],
}
ROWS = [*STAGES, "new"]
COLUMNS = [*STAGES, "gone"]
#: (row, column) -> (accounts, MRR) of the guide's flow.
GUIDE_MOVES = {
    ("renewal", "churned"): 200.0,
    ("onboarding", "adoption"): 300.0,
    ("adoption", "engagement"): 500.0,
    ("engagement", "renewal"): 1000.0,
    ("new", "onboarding"): 800.0,
}


def _guide_flow(weight=None):
    january = classify(GUIDE_BOOK, as_of=date(2025, 1, 1))
    may = classify(GUIDE_BOOK, as_of=date(2025, 5, 1))
    return transitions(january, may, weight=weight)


def _cells(moves: dict[tuple[str, str], float]) -> np.ndarray:
    cells = np.full((len(ROWS), len(COLUMNS)), np.nan)
    for (source, target), value in moves.items():
        cells[ROWS.index(source), COLUMNS.index(target)] = value
    return cells


def test_the_flow_matrix_counts_each_move_and_leaves_the_rest_blank() -> None:
    ax = _guide_flow().plot()
    (image,) = ax.images
    cells = image.get_array()
    expected = _cells(dict.fromkeys(GUIDE_MOVES, 1.0))
    np.testing.assert_array_equal(np.ma.getmaskarray(cells), np.isnan(expected))
    np.testing.assert_array_equal(cells.filled(np.nan), expected)
    assert [t.get_text() for t in ax.get_yticklabels()] == ROWS
    assert [t.get_text() for t in ax.get_xticklabels()] == COLUMNS
    assert (ax.get_ylabel(), ax.get_xlabel()) == ("stage on 2025-01-01", "stage on 2025-05-01")
    (bar,) = [a for a in ax.figure.axes if a is not ax]
    assert bar.get_ylabel() == "accounts"
    assert (image.norm.vmin, image.norm.vmax) == (0.0, 1.0)
    assert image.get_cmap().name == "Blues"


def test_the_flow_matrix_writes_each_cell_on_it() -> None:
    ax = _guide_flow(weight="mrr").plot()
    written = {
        (ROWS[round(t.get_position()[1])], COLUMNS[round(t.get_position()[0])]): t.get_text()
        for t in ax.texts
    }
    assert written == {
        ("renewal", "churned"): "200",
        ("onboarding", "adoption"): "300",
        ("adoption", "engagement"): "500",
        ("engagement", "renewal"): "1,000",
        ("new", "onboarding"): "800",
    }
    (image,) = ax.images
    np.testing.assert_array_equal(image.get_array().filled(np.nan), _cells(GUIDE_MOVES))
    assert image.norm.vmax == 1000.0
    (bar,) = [a for a in ax.figure.axes if a is not ax]
    assert bar.get_ylabel() == "MRR"
    # the darkest cell is written in white, the lightest in black
    colour = {t.get_text(): t.get_color() for t in ax.texts}
    assert (colour["1,000"], colour["200"]) == ("white", "black")


def test_the_flow_matrix_outlines_the_stayed_cells() -> None:
    ax = _guide_flow().plot()
    outlines = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(outlines) == 7  # one per stage; none for new or gone
    assert [p.get_xy() for p in outlines] == [(i - 0.5, i - 0.5) for i in range(7)]
    assert all(p.get_width() == 1 and p.get_height() == 1 for p in outlines)
    assert all(not p.get_fill() for p in outlines)


def test_a_weighted_cell_of_weight_zero_is_drawn_not_blank() -> None:
    # weights for a, b and e only: c (renewal -> churned) and d (new) weigh 0
    flow = _guide_flow(weight={"a": 5.0, "b": 3.0, "e": 1.0})
    ax = flow.plot()
    cells = ax.images[0].get_array()
    assert cells[ROWS.index("renewal"), COLUMNS.index("churned")] == 0.0
    assert not np.ma.getmaskarray(cells)[ROWS.index("new"), COLUMNS.index("onboarding")]
    assert sorted(_texts(ax)) == ["0", "0", "1", "3", "5"]
    (bar,) = [a for a in ax.figure.axes if a is not ax]
    assert bar.get_ylabel() == "weight"


def test_the_flow_matrix_takes_style_and_can_go_without_words() -> None:
    ax = _guide_flow().plot(annotate=False, cmap="magma", vmax=4.0, alpha=0.5)
    (image,) = ax.images
    assert _texts(ax) == []
    assert image.get_cmap().name == "magma"
    assert (image.norm.vmax, image.get_alpha()) == (4.0, 0.5)


def _hand_flow(weights=None) -> StageFlow:
    """Stages x and y: 3 stayed in x, 1 went x -> y, 2 x -> gone, 4 stayed in y, 1 y ->
    gone, 5 new into x."""
    counts = np.array([[3, 1, 2], [0, 4, 1], [5, 0, 0]], dtype=np.int64)
    return StageFlow(
        start=date(2025, 1, 1),
        end=date(2025, 4, 1),
        rows=("x", "y", "new"),
        columns=("x", "y", "gone"),
        counts=counts,
        weights=weights,
        weight=None if weights is None else "mrr",
    )


def test_flow_bars_put_each_stages_inflow_up_and_outflow_down() -> None:
    ax = _hand_flow().plot(kind="bars")
    inflow, outflow = ax.patches[:2], ax.patches[2:4]
    # into x: 5 new (the 3 who stayed are not a flow); into y: 1 from x
    assert [bar.get_height() for bar in inflow] == [5, 1]
    # out of x: 1 to y and 2 gone; out of y: 1 gone
    assert [bar.get_height() for bar in outflow] == [-3, -1]
    assert [bar.get_x() + bar.get_width() / 2 for bar in inflow] == [0, 1]
    assert _texts(ax) == ["5", "1", "3", "1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["x", "y"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "in (from other stages and new)",
        "out (to other stages and gone)",
    ]
    assert ax.get_ylabel() == "accounts moved"
    (zero,) = ax.get_lines()
    assert list(zero.get_ydata()) == [0.0, 0.0]


def test_flow_bars_weighted_write_sums_and_leave_zero_bars_unwritten() -> None:
    weights = np.array([[30.0, 10.0, 0.0], [0.0, 40.0, 15.5], [1250.0, 0.0, 0.0]])
    ax = _hand_flow(weights).plot(kind="bars", color="grey")
    assert [bar.get_height() for bar in ax.patches[:2]] == [1250.0, 10.0]
    assert [bar.get_height() for bar in ax.patches[2:4]] == [-10.0, -15.5]
    assert _texts(ax) == ["1,250", "10", "10", "16"]
    assert {bar.get_facecolor() for bar in ax.patches} == {colors.to_rgba("grey")}
    assert ax.get_ylabel() == "MRR moved"
    stayed = _hand_flow(np.array([[30.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]))
    assert _texts(stayed.plot(kind="bars")) == ["", "", "", ""]
    assert _texts(_hand_flow().plot(kind="bars", annotate=False)) == []


@pytest.mark.parametrize("kind", ["matrix", "bars"])
def test_a_flow_of_no_accounts_says_no_data(kind: str) -> None:
    empty = StageFlow(
        start=date(2025, 1, 1),
        end=date(2025, 4, 1),
        rows=("x", "new"),
        columns=("x", "gone"),
        counts=np.zeros((2, 2), dtype=np.int64),
        weights=None,
        weight=None,
    )
    ax = empty.plot(kind=kind)  # type: ignore[arg-type]
    assert _texts(ax) == ["no data"]
    assert (len(ax.images), len(ax.patches)) == (0, 0)


def test_the_flow_refuses_an_unknown_kind() -> None:
    with pytest.raises(InvalidInputError, match=r"`kind` must be 'matrix' or 'bars', got 'sankey'"):
        _hand_flow().plot(kind="sankey")  # type: ignore[arg-type]


# --- time to first value by cohort ----------------------------------------------------------------

STARTS = np.array(["2025-01-01", "2025-04-01", "2025-07-01", "2025-10-01"], dtype="datetime64[D]")
#: matplotlib's date numbers: days since 1970-01-01
AT = [20089.0, 20179.0, 20270.0, 20362.0]


def _cohorts(accounts=(20, 12, 9, 30)) -> ValueCohorts:
    """Q2 has no median yet; Q3's interval has no upper bound yet."""
    return ValueCohorts(
        cohort=np.array(["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"], dtype=object),
        starts_on=STARTS,
        accounts=np.array(accounts, dtype=np.int64),
        reached=np.array([15, 3, 6, 20], dtype=np.int64),
        median_days=np.array([30.0, np.nan, 40.0, 25.0]),
        median_low=np.array([20.0, np.nan, 35.0, 20.0]),
        median_high=np.array([45.0, np.nan, np.nan, 30.0]),
        within=np.array([[0.4, 0.8], [0.2, np.nan], [0.3, 0.7], [0.5, np.nan]]),
        horizons=(30, 60),
    )


def _points(ax):
    """The line of the points of the (first) error bars drawn on ``ax``."""
    return ax.containers[0].lines[0]


def test_the_cohort_medians_are_points_at_the_cohort_starts_with_a_gap() -> None:
    ax = _cohorts().plot()
    line = _points(ax)
    assert mdates.date2num(STARTS).tolist() == AT
    assert line.get_xdata(orig=False).tolist() == AT
    np.testing.assert_array_equal(line.get_ydata(), [30.0, np.nan, 40.0, 25.0])
    assert line.get_marker() == "o"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
    ]
    assert ax.get_xticks().tolist() == AT
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("start cohort", "median days to first value")
    assert ax.get_ylim()[0] == 0.0


def test_the_error_bars_span_the_intervals_and_stop_at_an_open_median() -> None:
    ax = _cohorts().plot()
    (container,) = ax.containers
    (bars,) = container.lines[2]
    segments = [s.tolist() for s in bars.get_segments()]
    assert segments == [
        [[AT[0], 20.0], [AT[0], 45.0]],
        [],  # no median: no bar
        [[AT[2], 35.0], [AT[2], 40.0]],  # open above: up to the median only
        [[AT[3], 20.0], [AT[3], 30.0]],
    ]
    (arrow,) = [t for t in ax.texts if isinstance(t, Annotation)]
    assert arrow.xy == (AT[2], 40.0)
    assert arrow.xyann == (0.0, 24.0)  # 24 points up from it
    assert arrow.arrow_patch.get_linestyle() == ":"


def test_the_cohort_shares_within_a_horizon_are_a_line_with_gaps() -> None:
    ax = _cohorts().plot(within=60, color="tab:orange")
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), [0.8, np.nan, 0.7, np.nan])
    assert ax.containers == []
    assert ax.get_ylim() == (0.0, 1.05)
    assert ax.get_ylabel() == "share reaching first value within 60 days"
    assert ax.yaxis.get_major_formatter()(0.5) == "50%"
    assert colors.to_rgba(line.get_color()) == colors.to_rgba("tab:orange")


def test_cohorts_with_too_few_accounts_are_left_out() -> None:
    ax = _cohorts(accounts=(4, 12, 9, 30)).plot(min_accounts=10)
    line = _points(ax)
    np.testing.assert_array_equal(line.get_ydata(), [np.nan, np.nan, np.nan, 25.0])
    assert [t for t in ax.texts if isinstance(t, Annotation)] == []  # Q3 left out: no arrow
    assert len(ax.get_xticklabels()) == 4  # their ticks are kept
    ax = _cohorts(accounts=(4, 12, 9, 30)).plot(within=30, min_accounts=10)
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [np.nan, 0.2, np.nan, 0.5])


def test_the_style_colours_the_points_and_the_open_arrow() -> None:
    ax = _cohorts().plot(color="crimson", label="all")
    crimson = colors.to_rgba("crimson")
    assert colors.to_rgba(_points(ax).get_color()) == crimson
    (arrow,) = [t for t in ax.texts if isinstance(t, Annotation)]
    assert colors.to_rgba(arrow.arrow_patch.get_edgecolor()) == crimson
    assert [t.get_text() for t in ax.legend().get_texts()] == ["all"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"within": 90}, r"`within` must be one of the horizons \[30, 60\], got 90"),
        ({"min_accounts": 0}, r"`min_accounts` must be a whole number >= 1, got 0"),
    ],
)
def test_the_cohort_picture_refuses_bad_options(options, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        _cohorts().plot(**options)


def test_many_cohorts_slant_their_labels() -> None:
    starts = np.arange(np.datetime64("2024-01"), np.datetime64("2025-01")).astype("datetime64[D]")
    n = len(starts)
    many = ValueCohorts(
        cohort=np.array([str(s)[:7] for s in starts], dtype=object),
        starts_on=starts,
        accounts=np.full(n, 10),
        reached=np.full(n, 6),
        median_days=np.full(n, 30.0),
        median_low=np.full(n, 20.0),
        median_high=np.full(n, 40.0),
        within=np.full((n, 1), 0.5),
        horizons=(30,),
    )
    assert {t.get_rotation() for t in many.plot().get_xticklabels()} == {45.0}
    assert {t.get_rotation() for t in _cohorts().plot().get_xticklabels()} == {0.0}


def test_no_cohorts_say_no_data() -> None:
    none = ValueCohorts(
        cohort=np.array([], dtype=object),
        starts_on=np.array([], dtype="datetime64[D]"),
        accounts=np.array([], dtype=np.int64),
        reached=np.array([], dtype=np.int64),
        median_days=np.array([]),
        median_low=np.array([]),
        median_high=np.array([]),
        within=np.empty((0, 1)),
        horizons=(30,),
    )
    ax = none.plot()
    assert _texts(ax) == ["no data"]
    assert ax.get_lines() == []
    # on an Axes with something drawn already, nothing is written
    _cohorts().plot(ax=ax)
    assert "no data" not in _texts(none.plot(ax=_cohorts().plot()))


#: Time to value: a (smb) starts 2025-01-10 and reaches value after 30 days; b (ent)
#: starts 2025-02-01, reaches it after 89; c (smb) starts 2025-04-02, after 30.
TTV_ACCOUNTS = {
    "id": ["a", "b", "c"],
    "start_date": ["2025-01-10", "2025-02-01", "2025-04-02"],
    "segment": ["smb", "ent", "smb"],
}
TTV_MILESTONES = {
    "account_id": ["a", "b", "c"],
    "name": ["first report"] * 3,
    "marks_first_value": [True] * 3,
    "completed_on": ["2025-02-09", "2025-05-01", "2025-05-02"],
}


def test_time_to_value_draws_its_cohorts() -> None:
    ttv = time_to_value(TTV_ACCOUNTS, TTV_MILESTONES, as_of=date(2025, 6, 1))
    ax = ttv.plot(label="all")
    line = _points(ax)
    # Q1: a after 30 days, b after 89: the median is 30; Q2: c after 30
    np.testing.assert_array_equal(line.get_ydata(), [30.0, 30.0])
    assert line.get_xdata(orig=False).tolist() == [20089.0, 20179.0]  # 2025-01-01, 04-01
    assert ax.containers[0].get_label() == "all"


def test_groups_share_one_axes_and_every_cohort_keeps_its_label() -> None:
    ttv = time_to_value(
        TTV_ACCOUNTS, TTV_MILESTONES, as_of=date(2025, 6, 1), by="segment", period="month"
    )
    ax = ttv.plot(within=60)
    ent, smb = ax.get_lines()
    assert (ent.get_label(), smb.get_label()) == ("ent", "smb")
    assert ent.get_ydata().tolist() == [0.0]  # b took 89 days
    assert smb.get_ydata().tolist() == [1.0, 1.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2025-01", "2025-02", "2025-04"]
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "segment"
    assert [t.get_text() for t in legend.get_texts()] == ["ent", "smb"]


# --- stages over a history ------------------------------------------------------------------------


def _tops(collection) -> dict[float, float]:
    """The top edge of one stacked area: its highest point at each x."""
    tops: dict[float, float] = {}
    for x, y in collection.get_paths()[0].vertices.tolist():
        tops[x] = max(tops.get(x, y), y)
    return tops


#: a has been a customer since 2024 (engagement on both days); b started 2024-11-01, so
#: onboarding on 1 January and adoption on 1 April; c starts on 2025-02-01 (onboarding
#: on 1 April).
HISTORY = {
    "id": ["a", "b", "c"],
    "start_date": ["2024-01-01", "2024-11-01", "2025-02-01"],
}
JAN, APR = 20089.0, 20179.0  # 2025-01-01 and 2025-04-01


def test_the_history_stacks_the_accounts_per_stage_over_its_days() -> None:
    h = history(HISTORY, dates=[date(2025, 1, 1), date(2025, 4, 1)])
    ax = h.plot()
    onboarding, adoption, engagement = ax.collections
    assert _tops(onboarding) == {JAN: 1.0, APR: 1.0}
    assert _tops(adoption) == {JAN: 1.0, APR: 2.0}  # 0 + 1, then 1 + 1
    assert _tops(engagement) == {JAN: 2.0, APR: 3.0}
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "stage"
    assert [t.get_text() for t in legend.get_texts()] == ["engagement", "adoption", "onboarding"]
    assert ax.get_ylabel() == "accounts"
    assert ax.get_ylim()[0] == 0.0


def test_the_history_takes_its_stage_order_and_style() -> None:
    h = history(HISTORY, dates=[date(2025, 1, 1), date(2025, 4, 1)])
    ax = h.plot(stages=["engagement", "adoption"], alpha=0.5)
    engagement, adoption, onboarding = ax.collections
    assert _tops(engagement) == {JAN: 1.0, APR: 1.0}
    assert _tops(adoption) == {JAN: 1.0, APR: 2.0}  # adoption's 0, then 1, on it
    assert _tops(onboarding) == {JAN: 2.0, APR: 3.0}
    assert {c.get_alpha() for c in ax.collections} == {0.5}


def test_stages_the_default_rules_do_not_have_come_last_by_name() -> None:
    rules = LifecycleRules.model_validate({"stages": [{"name": "zeta"}]})
    h = history(HISTORY, dates=[date(2025, 1, 1), date(2025, 4, 1)], rules=rules)
    ax = h.plot()
    (zeta,) = ax.collections
    assert _tops(zeta) == {JAN: 2.0, APR: 3.0}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zeta"]


def test_the_history_keeps_the_callers_label() -> None:
    _, ax = plt.subplots()
    ax.set_ylabel("customers")
    history(HISTORY, dates=[date(2025, 1, 1), date(2025, 4, 1)]).plot(ax=ax)
    assert ax.get_ylabel() == "customers"


def test_a_history_of_no_accounts_says_no_data() -> None:
    h = history(HISTORY, dates=[date(2023, 1, 1), date(2023, 4, 1)])
    assert len(h) == 0
    ax = h.plot()
    assert _texts(ax) == ["no data"]
    assert len(ax.collections) == 0


# --- every picture --------------------------------------------------------------------------------

PICTURES = [
    pytest.param(lambda ax: _book().plot(ax=ax), id="StageAssignments"),
    pytest.param(lambda ax: _guide_flow().plot(ax=ax), id="StageFlow-matrix"),
    pytest.param(lambda ax: _hand_flow().plot(ax=ax, kind="bars"), id="StageFlow-bars"),
    pytest.param(lambda ax: _cohorts().plot(ax=ax), id="ValueCohorts"),
    pytest.param(
        lambda ax: time_to_value(TTV_ACCOUNTS, TTV_MILESTONES, as_of=date(2025, 6, 1)).plot(ax=ax),
        id="TimeToValue",
    ),
    pytest.param(
        lambda ax: history(HISTORY, dates=[date(2025, 1, 1), date(2025, 4, 1)]).plot(ax=ax),
        id="StageHistory",
    ),
]


@pytest.mark.parametrize("draw", PICTURES)
def test_the_axes_passed_in_is_drawn_on_and_returned(draw) -> None:
    figure, ax = plt.subplots()
    assert draw(ax) is ax
    assert ax.has_data()
    assert plt.get_fignums() == [figure.number]


@pytest.mark.parametrize("draw", PICTURES)
def test_without_an_axes_a_new_figure_is_drawn_on(draw) -> None:
    ax = draw(None)
    assert ax.has_data()
    assert plt.get_fignums() == [ax.figure.number]


@pytest.mark.parametrize("draw", PICTURES)
def test_without_matplotlib_the_error_says_how_to_install_it(
    draw, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # `import` now fails
    with pytest.raises(MissingDependencyError, match=re.escape(HINT)) as caught:
        draw(None)
    assert isinstance(caught.value, ImportError)
    assert str(caught.value) == f"plot() needs matplotlib: {HINT}"


def test_a_week_of_history_is_on_real_dates() -> None:
    days = [date(2025, 1, 6) + timedelta(days=7 * i) for i in range(3)]
    ax = history(HISTORY, dates=days).plot()
    assert sorted(_tops(ax.collections[0])) == mdates.date2num(days).tolist()
    assert isinstance(ax.xaxis.get_major_locator(), mdates.AutoDateLocator)
