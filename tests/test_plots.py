"""Pictures: what each ``plot()`` draws, read back from the matplotlib artists (Agg backend).

The expected numbers are written out by hand from worked examples (the survival curve of
the retention guide, the cohort tables of the docstrings), not computed by the code under
test: the steps, the band's corners, the censoring ticks, the median line, the heatmap's
cells, its blank (masked) cells, labels and annotations.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
colors = pytest.importorskip("matplotlib.colors")

from cshealth import MissingDependencyError  # noqa: E402 - after the skip above
from cshealth.retention import (  # noqa: E402
    cohort_table,
    kaplan_meier,
    logo_churn,
    logo_cohorts,
    revenue_cohorts,
    survival,
)

HINT = "pip install 'cshealth[plot]'"


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _guide_curve():
    """The retention guide's curve: churns at 3, 5, 8, 12, 15; censored at 5, 12, 20."""
    return kaplan_meier([3, 5, 5, 8, 12, 12, 15, 20], [1, 1, 0, 1, 1, 0, 1, 0])


# S after each event, worked out in the guide: 7/8, x 6/7, x 4/5, x 3/4, x 1/2
GUIDE_SURVIVAL = [0.875, 0.75, 0.6, 0.45, 0.225]


# --- survival curves ------------------------------------------------------------------------------


def test_the_steps_run_from_one_at_zero_to_the_last_time_watched() -> None:
    ax = _guide_curve().plot(ci=False, censors=False, median=False)
    (steps,) = ax.get_lines()
    assert steps.get_drawstyle() == "steps-post"
    assert steps.get_xdata().tolist() == [0.0, 3.0, 5.0, 8.0, 12.0, 15.0, 20.0]
    np.testing.assert_allclose(steps.get_ydata(), [1.0, *GUIDE_SURVIVAL, 0.225], rtol=1e-12)
    assert len(ax.collections) == 0
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("time", "survival")
    assert ax.get_ylim() == (0.0, 1.05)


def test_a_curve_ending_in_an_event_stops_there() -> None:
    ax = kaplan_meier([2, 4]).plot(ci=False, median=False)
    (steps,) = ax.get_lines()
    assert steps.get_xdata().tolist() == [0.0, 2.0, 4.0]
    assert steps.get_ydata().tolist() == [1.0, 0.5, 0.0]


def test_the_band_is_the_interval_in_steps() -> None:
    curve = _guide_curve()
    low, high = curve.confidence_interval()
    ax = curve.plot(censors=False, median=False)
    (band,) = ax.collections
    corners = {(round(x, 9), round(y, 9)) for x, y in band.get_paths()[0].vertices.tolist()}
    edges = [0.0, 3.0, 5.0, 8.0, 12.0, 15.0, 20.0]
    lows, highs = [1.0, *low.tolist()], [1.0, *high.tolist()]
    for j in range(len(edges) - 1):  # each step's bounds hold from its time to the next
        for x in edges[j : j + 2]:
            assert (round(x, 9), round(lows[j], 9)) in corners
            assert (round(x, 9), round(highs[j], 9)) in corners
    ys = band.get_paths()[0].vertices[:, 1]
    assert ys.min() == pytest.approx(low.min())
    assert ys.max() == pytest.approx(1.0)
    assert band.get_paths()[0].vertices[:, 0].max() == 20.0


def test_censoring_ticks_sit_on_the_curve_at_the_censored_times() -> None:
    ax = _guide_curve().plot(ci=False, median=False)
    _, ticks = ax.get_lines()
    assert ticks.get_marker() == "|"
    assert ticks.get_linestyle() == "None"
    assert ticks.get_xdata().tolist() == [5.0, 12.0, 20.0]
    # a tick at a time with an event too sits after that event's drop
    np.testing.assert_allclose(ticks.get_ydata(), [0.75, 0.45, 0.225], rtol=1e-12)


def test_the_median_is_marked_across_at_half_and_down_to_the_axis() -> None:
    ax = _guide_curve().plot(ci=False, censors=False)
    _, marker = ax.get_lines()
    assert marker.get_linestyle() == "--"
    assert marker.get_xdata().tolist() == [0.0, 12.0, 12.0]
    assert marker.get_ydata().tolist() == [0.5, 0.5, 0.0]


def test_no_median_is_marked_when_the_curve_stays_above_half() -> None:
    curve = kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0])
    assert curve.median().statistic is None
    ax = curve.plot()
    steps, ticks = ax.get_lines()
    assert ticks.get_xdata().tolist() == [2.0, 3.0, 4.0]
    assert steps.get_xdata().tolist() == [0.0, 1.0, 4.0]


def test_a_curve_without_events_is_flat_at_one() -> None:
    ax = kaplan_meier([3, 6], [0, 0]).plot(ci=False)
    steps, ticks = ax.get_lines()
    assert steps.get_xdata().tolist() == [0.0, 6.0]
    assert steps.get_ydata().tolist() == [1.0, 1.0]
    assert ticks.get_ydata().tolist() == [1.0, 1.0]


def test_style_goes_to_the_line_and_the_rest_takes_its_colour() -> None:
    ax = _guide_curve().plot(color="crimson", linewidth=3, label="all")
    steps, ticks, median = ax.get_lines()
    assert steps.get_linewidth() == 3
    assert steps.get_label() == "all"
    crimson = colors.to_rgba("crimson")
    for line in (steps, ticks, median):
        assert colors.to_rgba(line.get_color()) == crimson
    band_rgb = tuple(ax.collections[0].get_facecolor()[0][:3])
    assert band_rgb == pytest.approx(crimson[:3])
    assert [t.get_text() for t in ax.legend().get_texts()] == ["all"]


def test_the_axes_passed_in_is_drawn_on_and_returned() -> None:
    figure, ax = plt.subplots()
    ax.set_xlabel("months")
    assert _guide_curve().plot(ax=ax) is ax
    assert plt.get_fignums() == [figure.number]
    assert len(ax.get_lines()) == 3
    assert ax.get_xlabel() == "months"  # a label of the caller's is kept


def test_groups_share_one_axes_with_a_legend() -> None:
    accounts = {
        "start_date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01", "2024-01-15"],
        "end_date": ["2024-07-01", None, "2024-05-01", None, "2024-03-15"],
        "segment": ["smb", "smb", "ent", "ent", None],
    }
    curves = survival(accounts, as_of=date(2025, 1, 1), by="segment")
    ax = curves.plot(ci=False, censors=False, median=False)
    steps = ax.get_lines()
    assert [line.get_label() for line in steps] == ["(none)", "ent", "smb"]
    for line, label in zip(steps, curves):
        curve = curves[label]
        assert line.get_xdata()[1 : 1 + len(curve.times)].tolist() == curve.times.tolist()
        assert line.get_ydata()[1 : 1 + len(curve.survival)].tolist() == curve.survival.tolist()
    assert len({line.get_color() for line in steps}) == 3
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "segment"
    assert [t.get_text() for t in legend.get_texts()] == ["(none)", "ent", "smb"]


def test_no_groups_draw_nothing_and_no_legend() -> None:
    empty = {"start_date": [], "end_date": [], "segment": []}
    ax = survival(empty, as_of=date(2025, 1, 1), by="segment").plot()
    assert len(ax.get_lines()) == 0
    assert ax.get_legend() is None


def test_groups_of_a_result_without_a_picture_are_refused() -> None:
    accounts = {
        "start_date": ["2024-01-01", "2024-02-01"],
        "end_date": ["2025-01-20", None],
        "segment": ["smb", "ent"],
    }
    churn = logo_churn(
        accounts, base_on=date(2025, 1, 1), compare_on=date(2025, 2, 1), by="segment"
    )
    with pytest.raises(TypeError, match="LogoChurn results have no picture"):
        churn.plot()
    assert plt.get_fignums() == []  # refused before a figure was made


# --- cohort tables --------------------------------------------------------------------------------


def _guide_table(as_of: date):
    ids = ["a", "a", "a", "b", "b", "c", "c", "d"]
    days = [
        "2025-01-05",
        "2025-02-10",
        "2025-03-02",
        "2025-01-20",
        "2025-03-15",
        "2025-02-03",
        "2025-02-20",
        "2025-03-09",
    ]
    return cohort_table(ids, days, as_of=as_of)


def test_the_heatmap_leaves_the_unobserved_cells_blank() -> None:
    table = _guide_table(date(2025, 3, 20))  # March still running: its cells unobserved
    ax = table.plot()
    (image,) = ax.images
    cells = image.get_array()
    blank = np.ma.getmaskarray(cells)
    assert blank.tolist() == [[False, False, True], [False, True, True], [True, True, True]]
    assert cells.tolist() == [[1.0, 0.5, None], [1.0, None, None], [None, None, None]]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2025-01", "2025-02", "2025-03"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1", "2"]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("months since start", "cohort")


def test_the_heatmap_is_the_table_and_says_its_rates() -> None:
    table = _guide_table(date(2025, 4, 1))
    ax = table.plot(cmap="magma")
    (image,) = ax.images
    cells = image.get_array()
    np.testing.assert_array_equal(np.ma.getmaskarray(cells), ~table.observed)
    np.testing.assert_array_equal(cells.filled(np.nan), table.rates)
    assert image.get_cmap().name == "magma"
    assert (image.norm.vmin, image.norm.vmax) == (0.0, 1.0)
    written = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
    }
    # the table of the retention guide: 100% 50% 100% / 100% 0% / 100%
    assert written == {
        (0, 0): "100%",
        (0, 1): "50%",
        (0, 2): "100%",
        (1, 0): "100%",
        (1, 1): "0%",
        (2, 0): "100%",
    }
    (bar,) = [a for a in ax.figure.axes if a is not ax]
    assert bar.get_ylabel() == "retained"


def test_annotations_can_be_left_out() -> None:
    ax = _guide_table(date(2025, 4, 1)).plot(annotate=False)
    assert len(ax.texts) == 0


def test_style_goes_to_the_image() -> None:
    ax = _guide_table(date(2025, 4, 1)).plot(vmax=2.0, alpha=0.5)
    (image,) = ax.images
    assert image.norm.vmax == 2.0
    assert image.get_alpha() == 0.5


def test_logo_cohorts_heatmap() -> None:
    accounts = {
        "id": ["A", "B", "C"],
        "start_date": ["2025-01-10", "2025-01-20", "2025-02-03"],
        "end_date": ["2025-02-01", None, "2025-02-28"],
    }
    ax = logo_cohorts(accounts, as_of=date(2025, 4, 1)).plot()
    cells = ax.images[0].get_array()
    assert cells.tolist() == [[1.0, 0.5, 0.5], [0.0, 0.0, None]]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2025-01", "2025-02"]


def test_revenue_cohorts_above_one_stretch_the_scale() -> None:
    changes = {
        "account_id": ["A", "A", "B", "B"],
        "effective_on": ["2025-01-05", "2025-02-10", "2025-01-15", "2025-03-01"],
        "mrr": [100.0, 300.0, 100.0, 0.0],
    }
    ax = revenue_cohorts(changes, as_of=date(2025, 4, 1)).plot()
    (image,) = ax.images
    assert image.get_array().tolist() == [[1.0, 2.0, 1.5]]
    assert (image.norm.vmin, image.norm.vmax) == (0.0, 2.0)
    assert sorted(t.get_text() for t in ax.texts) == ["100%", "150%", "200%"]


def test_a_table_not_yet_observed_anywhere_is_all_blank() -> None:
    table = cohort_table(["a"], ["2025-03-02"], as_of=date(2025, 3, 20))
    ax = table.plot()
    (image,) = ax.images
    assert np.ma.getmaskarray(image.get_array()).tolist() == [[True]]
    assert (image.norm.vmin, image.norm.vmax) == (0.0, 1.0)
    assert len(ax.texts) == 0


def test_an_empty_table_draws_no_cells() -> None:
    table = cohort_table([], [], as_of=date(2025, 4, 1))
    ax = table.plot()
    assert len(ax.images) == 0
    assert len(ax.texts) == 0


def test_the_table_draws_on_the_axes_passed_in() -> None:
    figure, ax = plt.subplots()
    assert _guide_table(date(2025, 4, 1)).plot(ax=ax) is ax
    assert plt.get_fignums() == [figure.number]
    assert len(ax.images) == 1


# --- without matplotlib ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        pytest.param(lambda: _guide_curve().plot(), id="SurvivalCurve"),
        pytest.param(lambda: _guide_table(date(2025, 4, 1)).plot(), id="CohortTable"),
        pytest.param(
            lambda: survival(
                {"start_date": ["2024-01-01"], "end_date": [None], "plan": ["pro"]},
                as_of=date(2025, 1, 1),
                by="plan",
            ).plot(),
            id="Grouped",
        ),
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


# --- in a notebook -------------------------------------------------------------------------


def test_notebook_shows_the_text_then_the_picture() -> None:
    curve = kaplan_meier([3, 5, 5, 8], [1, 1, 0, 1])
    shown = curve._repr_html_()
    text, picture = shown.split("\n<svg", 1)
    assert text == f"<pre>{curve.format()}</pre>"
    assert picture.count("<svg") == 0  # one picture
    assert "</svg>" in picture
    assert plt.get_fignums() == []  # drawn without pyplot: nothing left open


def test_notebook_grouped_pictures_only_when_the_results_draw() -> None:
    accounts = {
        "start_date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"],
        "end_date": ["2024-07-01", None, "2024-05-01", None],
        "segment": ["smb", "smb", "ent", "ent"],
    }
    assert "<svg" in survival(accounts, as_of=date(2025, 1, 1), by="segment")._repr_html_()
    churn = logo_churn(
        accounts, base_on=date(2024, 4, 1), compare_on=date(2024, 8, 1), by="segment"
    )
    assert "<svg" not in churn._repr_html_()
    assert "<svg" not in churn["smb"]._repr_html_()


def test_notebook_without_matplotlib_shows_the_text_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib.util

    curve = kaplan_meier([3, 5], [1, 0])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert curve._repr_html_() == f"<pre>{curve.format()}</pre>"


# --- layouts, as images -----------------------------------------------------------------------

BASELINES = Path(__file__).parent / "baseline"
UPDATE = "CSHEALTH_UPDATE_BASELINE"


def _draw_layout(name: str, path: Path) -> None:
    """A picture whose layout matters, text-free, at a fixed size and resolution."""
    figure = plt.figure(figsize=(3.0, 2.0), dpi=50)
    ax = figure.add_axes((0.05, 0.05, 0.9, 0.9))
    if name == "cohort_heatmap":
        _guide_table(date(2025, 4, 1)).plot(ax, annotate=False)
        figure.axes[-1].set_axis_off()  # the colour bar's ticks are text too
    else:
        survival(
            {
                "start_date": ["2024-01-01", "2024-02-01", "2024-03-01", "2024-04-01"] * 2,
                "end_date": [
                    *("2024-07-01", None, "2024-05-01", None),  # smb
                    *(None, "2024-10-01", None, "2024-06-15"),  # ent
                ],
                "segment": ["smb"] * 4 + ["ent"] * 4,
            },
            as_of=date(2025, 1, 1),
            by="segment",
        ).plot(ax)
        ax.get_legend().remove()
    ax.set_axis_off()  # no tick labels: font rendering cannot move the picture
    figure.savefig(path, dpi=50)


LAYOUTS = ["cohort_heatmap", "survival_by_group"]


@pytest.mark.parametrize("name", LAYOUTS)
def test_layouts_look_as_they_did(name: str, tmp_path: Path) -> None:
    compare = pytest.importorskip("matplotlib.testing.compare")
    drawn = tmp_path / f"{name}.png"
    _draw_layout(name, drawn)
    assert compare.compare_images(str(BASELINES / f"{name}.png"), str(drawn), tol=2) is None


@pytest.mark.skipif(not os.environ.get(UPDATE), reason=f"set {UPDATE}=1 to write the baselines")
def test_write_the_baselines() -> None:
    BASELINES.mkdir(exist_ok=True)
    for name in LAYOUTS:
        _draw_layout(name, BASELINES / f"{name}.png")
        assert (BASELINES / f"{name}.png").stat().st_size > 0
