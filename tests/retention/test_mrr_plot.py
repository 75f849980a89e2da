"""The MRR waterfall's pictures, read back from the matplotlib artists (Agg backend).

The expected bars are worked out by hand from a ledger written out below (every kind of
movement in March 2025), not computed by the code under test: each bar's foot and
height, the connectors at the running totals, the columns' dates and widths, the net
new MRR markers, the legend, and the note of an empty result. One image comparison
pins the layout of a single period's waterfall (all text hidden, so fonts cannot move
it); ``CSHEALTH_UPDATE_BASELINE=1`` writes the baseline again.
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
colors = pytest.importorskip("matplotlib.colors")
mdates = pytest.importorskip("matplotlib.dates")
compare = pytest.importorskip("matplotlib.testing.compare")

from cshealth import InvalidInputError, MissingDependencyError  # noqa: E402 - after the skip
from cshealth.retention import MRRMovements, mrr_movements  # noqa: E402

HINT = "pip install 'cshealth[plot]'"
BASELINE = Path(__file__).parent / "baseline" / "mrr_waterfall_one_period.png"
UPDATE = "CSHEALTH_UPDATE_BASELINE"
KINDS = ["new", "expansion", "reactivation", "contraction", "churn"]
GREEN, RED, GREY = colors.to_rgba("#2e7d32"), colors.to_rgba("#c62828"), colors.to_rgba("#78909c")

# Before February: A 100, B 200, C 300, D 50 (F paid 40 in October, left in November): 650.
# In February only D moves: 50 -> 60 (+10), so March starts at 660.
# In March: E new 80, A 100 -> 150 (+50), F back at 70, B 200 -> 120 (-80), C churns (-300).
# End: 660 + 80 + 50 + 70 - 80 - 300 = 480 (A 150, B 120, D 60, E 80, F 70).
LEDGER = {
    "account_id": ["A", "B", "C", "D", "F", "F", "D", "E", "A", "F", "B", "C"],
    "effective_on": [
        "2024-12-01",
        "2024-12-01",
        "2024-12-01",
        "2024-12-01",
        "2024-10-01",
        "2024-11-01",
        "2025-02-10",
        "2025-03-03",
        "2025-03-05",
        "2025-03-10",
        "2025-03-20",
        "2025-03-25",
    ],
    "mrr": [100.0, 200.0, 300.0, 50.0, 40.0, 0.0, 60.0, 80.0, 150.0, 70.0, 120.0, 0.0],
}
FEBRUARY = {"new": 0.0, "expansion": 10.0, "reactivation": 0.0, "contraction": 0.0, "churn": 0.0}
MARCH = {"new": 80.0, "expansion": 50.0, "reactivation": 70.0, "contraction": 80.0, "churn": 300.0}
MARCH_BARS = [
    (0.0, 660.0),
    (660.0, 80.0),
    (740.0, 50.0),
    (790.0, 70.0),
    (860.0, -80.0),
    (780.0, -300.0),
    (0.0, 480.0),
]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _march(**options: object) -> MRRMovements:
    return mrr_movements(LEDGER, start=date(2025, 3, 1), end=date(2025, 4, 1), **options)


def _two_months(start: date = date(2025, 2, 1)) -> MRRMovements:
    return mrr_movements(LEDGER, start=start, end=date(2025, 4, 1))


def _feet_and_heights(bars) -> list[tuple[float, float]]:
    return [(float(bar.get_y()), float(bar.get_height())) for bar in bars]


def _containers(ax) -> dict[str, object]:
    return {container.get_label(): container for container in ax.containers}


# --- one period's waterfall -----------------------------------------------------------------------


def test_one_period_floats_each_movement_from_the_running_total() -> None:
    m = _march()
    assert m.starting_mrr.tolist() == [660.0]  # the ledger, checked before it is drawn
    assert m.ending_mrr.tolist() == [480.0]
    ax = m.plot(only="2025-03")
    assert _feet_and_heights(ax.patches) == MARCH_BARS
    assert [float(bar.get_x() + bar.get_width() / 2) for bar in ax.patches] == list(range(7))
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["start", *KINDS, "end"]
    faces = [bar.get_facecolor() for bar in ax.patches]
    assert faces == [GREY, GREEN, GREEN, GREEN, RED, RED, GREY]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("2025-03: 2025-03-01 to 2025-03-31", "MRR")
    assert ax.get_legend() is None


def test_the_connectors_run_between_the_bars_at_each_running_total() -> None:
    ax = _march().plot(only="2025-03")
    (connectors,) = ax.collections
    segments = [segment.tolist() for segment in connectors.get_segments()]
    levels = [660.0, 740.0, 790.0, 860.0, 780.0, 480.0]
    assert segments == [[[k + 0.4, level], [k + 0.6, level]] for k, level in enumerate(levels)]


def test_a_period_is_picked_by_its_label_or_any_day_in_it() -> None:
    m = _two_months()
    assert _feet_and_heights(m.plot(only="2025-03").patches) == MARCH_BARS
    noon = datetime(2025, 3, 15, 12, 0, tzinfo=timezone.utc)
    for day in (date(2025, 3, 1), "2025-03-31", noon, np.datetime64("2025-03-02")):
        assert _feet_and_heights(m.plot(only=day).patches) == MARCH_BARS
    february = _feet_and_heights(m.plot(only=date(2025, 2, 1)).patches)
    assert february == [
        (0.0, 650.0),
        (650.0, 0.0),
        (650.0, 10.0),
        (660.0, 0.0),
        (660.0, 0.0),
        (660.0, 0.0),
        (0.0, 660.0),
    ]  # a period without a movement of a kind draws it at height 0: it was measured


def test_a_first_period_cut_by_the_window_is_named_from_its_first_day() -> None:
    ax = _two_months(start=date(2025, 2, 10)).plot(only=date(2025, 2, 12))
    assert ax.get_xlabel() == "2025-02: 2025-02-10 to 2025-02-28"


@pytest.mark.parametrize(
    ("only", "message"),
    [
        ("2025-04", "`only` must be a period's label, one of ['2025-02', '2025-03']"),
        (date(2025, 4, 1), r"outside the window [2025-02-01, 2025-04-01)"),
        (date(2025, 1, 31), r"outside the window [2025-02-01, 2025-04-01)"),
        (3, "`only` must be a period's label"),
    ],
)
def test_a_period_outside_the_window_is_refused(only: object, message: str) -> None:
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        _two_months().plot(only=only)
    assert plt.get_fignums() == []  # refused before a figure was made


def test_one_period_and_a_label_are_refused_together() -> None:
    with pytest.raises(InvalidInputError, match="give `only` or `label`, not both"):
        _march().plot(only="2025-03", label="all")


def test_style_goes_to_every_bar_of_one_period() -> None:
    ax = _march().plot(only="2025-03", alpha=0.5, edgecolor="black", width=0.5)
    assert {bar.get_alpha() for bar in ax.patches} == {0.5}
    assert {bar.get_edgecolor() for bar in ax.patches} == {(0.0, 0.0, 0.0, 0.5)}
    assert {bar.get_width() for bar in ax.patches} == {0.5}


# --- every period ---------------------------------------------------------------------------------


def test_each_period_stacks_its_gains_up_and_its_losses_down() -> None:
    ax = _two_months().plot()
    bars = _containers(ax)
    assert list(bars) == KINDS
    gains_base = [0.0, 0.0]
    for kind in ["new", "expansion", "reactivation"]:
        heights = [FEBRUARY[kind], MARCH[kind]]
        assert _feet_and_heights(bars[kind]) == list(zip(gains_base, heights))
        gains_base = [b + h for b, h in zip(gains_base, heights)]
    assert _feet_and_heights(bars["contraction"]) == [(0.0, 0.0), (0.0, -80.0)]
    assert _feet_and_heights(bars["churn"]) == [(0.0, 0.0), (-80.0, -300.0)]
    assert gains_base == [10.0, 200.0]


def test_the_columns_sit_on_their_periods_as_real_dates() -> None:
    ax = _two_months(start=date(2025, 2, 10)).plot()
    # February cut to its 19 days from the 10th, March whole: 80% of each, centred on it
    middles = [datetime(2025, 2, 19, 12, 0), datetime(2025, 3, 16, 12, 0)]
    for bar in _containers(ax)["new"]:
        assert bar.get_x() + bar.get_width() / 2 == pytest.approx(
            mdates.date2num(middles.pop(0)), abs=1e-6
        )
    widths = [bar.get_width() for bar in _containers(ax)["churn"]]
    assert widths == pytest.approx([0.8 * 19, 0.8 * 31], abs=1e-3)  # to the minute
    assert isinstance(ax.xaxis.get_major_formatter(), mdates.AutoDateFormatter)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("month", "MRR")


def test_the_net_new_mrr_is_marked_per_period() -> None:
    ax = _two_months().plot()
    zero, net = ax.get_lines()
    assert list(zero.get_ydata()) == [0.0, 0.0]  # the axis line across at 0
    assert net.get_label() == "net new MRR"
    # February: +10; March: 80 + 50 + 70 - 80 - 300 = -180
    assert net.get_xydata()[:, 1].tolist() == [10.0, -180.0]
    x = [mdates.date2num(datetime(2025, 2, 15)), mdates.date2num(datetime(2025, 3, 16, 12))]
    assert net.get_xydata()[:, 0] == pytest.approx(x, abs=1e-6)
    assert net.get_marker() == "o"
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == [*KINDS, "net new MRR"]


def test_each_kind_has_its_colour_greens_up_and_reds_down() -> None:
    bars = _containers(_two_months().plot())
    faces = {kind: colors.to_rgb(bars[kind][0].get_facecolor()) for kind in KINDS}
    assert len(set(faces.values())) == 5
    for kind in ["new", "expansion", "reactivation"]:
        red, green, _ = faces[kind]
        assert green > red
    for kind in ["contraction", "churn"]:
        red, green, _ = faces[kind]
        assert red > green


def test_style_goes_to_every_bar_of_every_period() -> None:
    ax = _two_months().plot(alpha=0.3, color="tab:purple")
    assert {bar.get_alpha() for bar in ax.patches} == {0.3}
    assert {colors.to_hex(bar.get_facecolor(), keep_alpha=False) for bar in ax.patches} == {
        colors.to_hex("tab:purple")
    }


def test_the_view_reaches_past_the_tallest_stack() -> None:
    ax = _march().plot()
    low, high = ax.get_ylim()
    assert high > 200.0  # the gains' stack; not pinned at a stacked bar's foot
    assert low < -380.0


# --- groups: the net new MRR of each --------------------------------------------------------------


def test_a_label_draws_the_net_new_mrr_alone() -> None:
    ax = _two_months().plot(label="all", color="tab:blue", linestyle="--")
    (line,) = ax.get_lines()
    assert len(ax.patches) == 0
    assert line.get_label() == "all"
    assert line.get_xydata()[:, 1].tolist() == [10.0, -180.0]
    assert (line.get_color(), line.get_linestyle()) == ("tab:blue", "--")
    assert ax.get_ylabel() == "net new MRR"


def test_groups_share_one_axes_with_their_net_new_mrr() -> None:
    plans = {"A": "pro", "B": "pro", "C": "basic", "D": "basic", "E": "pro"}
    g = mrr_movements(LEDGER, start=date(2025, 2, 1), end=date(2025, 4, 1), by=plans)
    ax = g.plot()
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["(none)", "basic", "pro"]
    # (none) is F: back at 70 in March; basic: D +10, C -300; pro: E 80 + A 50 - B 80
    nets = [line.get_xydata()[:, 1].tolist() for line in lines]
    assert nets == [[0.0, 70.0], [10.0, -300.0], [0.0, 50.0]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["(none)", "basic", "pro"]
    with pytest.raises(InvalidInputError, match="not both"):
        g.plot(only="2025-03")


# --- empty, and the axes passed in ----------------------------------------------------------------


def _empty() -> MRRMovements:
    m = _march()
    return dataclasses.replace(
        m,
        labels=(),
        starts=(),
        starting_mrr=np.empty(0),
        new_mrr=np.empty(0),
        expansion_mrr=np.empty(0),
        reactivation_mrr=np.empty(0),
        contraction_mrr=np.empty(0),
        churned_mrr=np.empty(0),
        ending_mrr=np.empty(0),
        counts={kind: np.empty(0, dtype=np.int64) for kind in KINDS},
    )


@pytest.mark.parametrize("label", [None, "all"])
def test_no_periods_draw_a_note_not_zeros(label: str | None) -> None:
    ax = _empty().plot(label=label)
    assert len(ax.patches) == 0
    assert len(ax.get_lines()) == 0
    (note,) = ax.texts
    assert note.get_text() == "no data"
    assert note.get_position() == (0.5, 0.5)
    with pytest.raises(InvalidInputError, match=re.escape("(no periods)")):
        _empty().plot(only=date(2025, 3, 1))


@pytest.mark.parametrize(
    ("only", "label", "bars"), [(None, None, 5), ("2025-03", None, 7), (None, "all", 0)]
)
def test_the_axes_passed_in_is_drawn_on_and_returned(
    only: str | None, label: str | None, bars: int
) -> None:
    figure, ax = plt.subplots()
    ax.set_xlabel("month of 2025")
    assert _march().plot(ax, only=only, label=label) is ax
    assert plt.get_fignums() == [figure.number]
    assert len(ax.patches) == bars
    assert ax.get_xlabel() == "month of 2025"  # a label of the caller's is kept
    assert ax.yaxis.get_major_formatter()(1234.0) == "1,234"


def test_without_matplotlib_the_error_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)  # `import` now fails
    with pytest.raises(MissingDependencyError, match=re.escape(HINT)) as caught:
        _march().plot()
    assert isinstance(caught.value, ImportError)
    assert str(caught.value) == f"plot() needs matplotlib: {HINT}"


# --- the layout, as an image ----------------------------------------------------------------------


def _draw_march(path: Path) -> None:
    """March's waterfall, text-free, small, at a fixed size and resolution."""
    figure = plt.figure(figsize=(3.0, 2.0), dpi=50)
    ax = figure.add_axes((0.05, 0.05, 0.9, 0.9))
    _march().plot(ax, only="2025-03")
    ax.set_axis_off()  # no tick labels: font rendering cannot move the picture
    figure.savefig(path, dpi=50)


def test_one_period_looks_as_it_did(tmp_path: Path) -> None:
    drawn = tmp_path / "mrr_waterfall_one_period.png"
    _draw_march(drawn)
    assert compare.compare_images(str(BASELINE), str(drawn), tol=2) is None


@pytest.mark.skipif(not os.environ.get(UPDATE), reason=f"set {UPDATE}=1 to write the baseline")
def test_write_the_baseline() -> None:
    BASELINE.parent.mkdir(exist_ok=True)
    _draw_march(BASELINE)
    assert BASELINE.stat().st_size > 0
