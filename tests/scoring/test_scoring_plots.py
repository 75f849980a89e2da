"""The pictures of health scores, read back from the matplotlib artists (Agg backend).

Most scorecards here use the identity transform (``linear`` from 0 to 100, so the raw
value is the score), so the expected bars are the inputs themselves, sorted by hand into
bins and bands; the explanations are the scoring guide's worked examples (the ``mixed``
scorecard's quiet account, the missing-data policies, the ``points`` aggregate), whose
contributions the comments add up.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")
colors = pytest.importorskip("matplotlib.colors")

from cshealth import InvalidInputError, MissingDependencyError  # noqa: E402 - after the skip
from cshealth.scoring import Override, Scorecard, ScorecardSet, score  # noqa: E402

HINT = "pip install 'cshealth[plot]'"
IDENTITY = {"kind": "linear", "worst": 0, "best": 100}
GROUP = "group: the sum of its measures"
IMPUTED = "not measured: points from its group's policy"
GREEN, RED = colors.to_rgba("#2e7d32"), colors.to_rgba("#c62828")


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def _card(weights: dict[str, float] | None = None, **options: object) -> Scorecard:
    """A flat scorecard of identity measures (one ``x`` by default) under the root ``g``."""
    weights = weights or {"x": 1.0}
    children = [
        {"name": name, "weight": weight, "column": name, "transform": IDENTITY}
        for name, weight in weights.items()
    ]
    root = {"name": "g", **options.pop("root", {}), "children": children}
    return Scorecard.model_validate({"name": "card", "root": root, **options})


def _scores(values: list[float | None], **options: object):
    ids = [f"a{i}" for i in range(len(values))]
    return score(_card(**options), {"account_id": ids, "x": values})


def _bars(ax) -> dict[str, list[tuple[float, float, float]]]:
    """Per legend label: each bar's (left, bottom, height) of a histogram."""
    return {
        c.get_label(): [(b.get_x(), b.get_y(), b.get_height()) for b in c] for c in ax.containers
    }


def _rows(ax) -> dict[str, list[tuple[float, float, float]]]:
    """Per legend label: each horizontal bar's (row, left, width) of a waterfall."""
    return {
        c.get_label(): [(b.get_y() + b.get_height() / 2, b.get_x(), b.get_width()) for b in c]
        for c in ax.containers
    }


def _notes(ax) -> list[tuple[float, float, str]]:
    return [(*text.xy, text.get_text()) for text in ax.texts]


# --- the distribution by band ---------------------------------------------------------------------

# red [0, 40), yellow [40, 70), green [70, 100] (lower_inclusive); two accounts without a score
SPREAD = [5, 15, 39, 40, 55, 69.9, 70, 85, 100, None, None]


def test_each_bin_is_stacked_by_band() -> None:
    ax = _scores(SPREAD).plot(bins=10)
    bars = _bars(ax)
    red = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]  # 5, 15, 39
    yellow = [0, 0, 0, 0, 1, 1, 1, 0, 0, 0]  # 40, 55, 69.9
    green = [0, 0, 0, 0, 0, 0, 0, 1, 1, 1]  # 70, 85, 100 (the last bin holds its right edge)
    lefts = [10.0 * k for k in range(10)]
    assert bars["red (3)"] == [(x, 0.0, h) for x, h in zip(lefts, red)]
    assert bars["yellow (3)"] == [(x, b, h) for x, b, h in zip(lefts, red, yellow)]
    below = np.add(red, yellow).tolist()
    assert bars["green (3)"] == [(x, b, h) for x, b, h in zip(lefts, below, green)]
    assert {bar.get_width() for bar in ax.patches} == {10.0}
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_xlim()) == (
        "health score",
        "accounts",
        (0.0, 100.0),
    )


def test_the_legend_names_each_band_with_its_count_and_the_unscored() -> None:
    ax = _scores(SPREAD).plot()
    texts = [text.get_text() for text in ax.get_legend().get_texts()]
    assert texts == ["red (3)", "yellow (3)", "green (3)", "no score (2), not drawn"]
    assert sum(bar.get_height() for bar in ax.patches) == 9  # the two are not drawn
    assert [len(container) for container in ax.containers] == [20, 20, 20]  # bins of 5


def test_the_cut_offs_are_vertical_lines() -> None:
    ax = _scores(SPREAD).plot()
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [[40.0, 40.0], [70.0, 70.0]]
    assert {line.get_linestyle() for line in ax.get_lines()} == {"--"}


def test_every_account_takes_its_own_band_colour_whatever_the_bin() -> None:
    # upper_inclusive: 40 is red ((.., 40]); it still falls in the bin [40, 70)
    ax = _scores([40, 40, 50, 70, 71], closure="upper_inclusive").plot(bins=[0, 40, 70, 100])
    bars = _bars(ax)
    assert [h for _, _, h in bars["red (2)"]] == [0.0, 2.0, 0.0]
    assert [h for _, _, h in bars["yellow (2)"]] == [0.0, 1.0, 1.0]  # 50; 70 is yellow
    assert [(b, h) for _, b, h in bars["green (1)"]] == [(0.0, 0.0), (3.0, 0.0), (1.0, 1.0)]


def test_each_band_in_the_colour_map_lowest_first() -> None:
    ax = _scores(SPREAD).plot(bins=4)
    faces = [colors.to_rgb(c[0].get_facecolor()) for c in ax.containers]
    assert faces[0][0] > faces[0][1]  # red-ish at the bottom
    assert faces[2][1] > faces[2][0]  # green-ish at the top
    viridis = matplotlib.colormaps["viridis"]
    ax = _scores(SPREAD).plot(bins=4, cmap="viridis")
    faces = [c[0].get_facecolor() for c in ax.containers]
    assert faces == [viridis(1 / 6), viridis(0.5), viridis(5 / 6)]


def test_the_other_scorecards_bands_of_a_set_follow_the_default_ones() -> None:
    enterprise = _card(
        bands=[{"label": "at risk", "min": 0, "max": 50}, {"label": "fine", "min": 50, "max": 100}]
    )
    cards = ScorecardSet.model_validate(
        {
            "name": "set",
            "segments": [
                {"name": "big", "when": [{"column": "big", "value": 1}], "scorecard": enterprise}
            ],
            "default": _card(),
        }
    )
    data = {"account_id": ["a", "b", "c"], "x": [45, 45, 80], "big": [1, 0, 1]}
    ax = score(cards, data).plot(bins=[0, 50, 100])
    bars = _bars(ax)
    assert list(bars) == ["red (0)", "yellow (1)", "green (0)", "at risk (1)", "fine (1)"]
    assert [h for _, _, h in bars["at risk (1)"]] == [1.0, 0.0]  # 45 under the enterprise card
    assert [h for _, _, h in bars["yellow (1)"]] == [1.0, 0.0]  # 45 under the default
    assert [list(line.get_xdata()) for line in ax.get_lines()] == [[40.0, 40.0], [70.0, 70.0]]


@pytest.mark.parametrize(
    ("values", "note"),
    [([None, None], "no data: 2 accounts without a score"), ([], "no data")],
)
def test_without_a_score_a_note_and_no_bars(values: list[float | None], note: str) -> None:
    ax = _scores(values).plot()
    assert len(ax.patches) == 0
    assert ax.get_legend() is None
    (text,) = ax.texts
    assert (text.get_text(), text.get_position()) == (note, (0.5, 0.5))


@pytest.mark.parametrize(
    "bins", [0, -3, True, 2.5, "10", [10], [0, 50, 50], [0, np.nan], [[0, 1]], ["low", "high"]]
)
def test_bins_are_checked(bins: object) -> None:
    with pytest.raises(InvalidInputError, match=re.escape("`bins` must be a number of equal")):
        _scores(SPREAD).plot(bins=bins)
    assert plt.get_fignums() == []


def test_edges_beyond_the_scale_widen_the_view() -> None:
    ax = _scores(SPREAD).plot(bins=np.array([-10.0, 50.0, 110.0]))
    assert ax.get_xlim() == (-10.0, 110.0)
    assert [h for _, _, h in _bars(ax)["red (3)"]] == [3.0, 0.0]


def test_style_goes_to_every_band_and_the_axes_passed_in_is_drawn_on() -> None:
    figure, ax = plt.subplots()
    ax.set_ylabel("customers")
    assert _scores(SPREAD).plot(ax, alpha=0.4, edgecolor="black") is ax
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("health score", "customers")
    assert plt.get_fignums() == [figure.number]
    assert {bar.get_alpha() for bar in ax.patches} == {0.4}
    assert {bar.get_edgecolor() for bar in ax.patches} == {(0.0, 0.0, 0.0, 0.4)}


# --- one account's waterfall ----------------------------------------------------------------------


def _mixed() -> Scorecard:
    """The scoring guide's ``mixed`` scorecard: usage renormalises, support is neutral."""
    linear = lambda worst, best: {"kind": "linear", "worst": worst, "best": best}  # noqa: E731
    return Scorecard.model_validate(
        {
            "name": "mixed",
            "missing": "neutral",
            "root": {
                "name": "overall",
                "children": [
                    {
                        "name": "usage",
                        "weight": 60,
                        "missing": "renormalize",
                        "children": [
                            {"name": "logins", "weight": 2, "column": "logins",
                             "transform": linear(0, 20)},
                            {"name": "seats", "column": "seats", "transform": linear(0.2, 0.9)},
                        ],
                    },
                    {
                        "name": "support",
                        "weight": 40,
                        "children": [
                            {"name": "tickets", "weight": 3, "column": "open_tickets",
                             "transform": linear(10, 0)},
                            {"name": "response", "column": "response_hours",
                             "transform": linear(24, 1)},
                        ],
                    },
                ],
            },
        }
    )  # fmt: skip


def _quiet():
    quiet = {
        "account_id": ["q"],
        "logins": [15],
        "seats": [None],
        "open_tickets": [None],
        "response_hours": [None],
    }
    return score(_mixed(), quiet).explain("q")


def test_the_waterfall_runs_from_zero_to_the_score_in_the_explanations_order() -> None:
    # usage renormalises to logins (75 x 0.6 = 45); support is missing and scores a
    # neutral 50 x 0.4 = 20, shared by tickets and response 3:1 (15 and 5): 65 in all
    ax = _quiet().plot()
    assert [tick.get_text() for tick in ax.get_yticklabels()] == [
        "usage",
        "usage / logins",
        "usage / seats",
        "support",
        "support / tickets",
        "support / response",
        "score (yellow)",
    ]
    assert _rows(ax) == {
        "adds points": [(1.0, 0.0, 45.0)],
        IMPUTED: [(4.0, 45.0, 15.0), (5.0, 60.0, 5.0)],
        GROUP: [(0.0, 0.0, 45.0), (3.0, 45.0, 20.0)],
        "score": [(6.0, 0.0, 65.0)],
    }
    (mark,) = ax.get_lines()
    assert list(mark.get_xdata()) == [65.0, 65.0]
    assert ax.get_ylim() == (6.5, -0.5)  # the first line on top
    assert ax.get_xlabel() == "points of the health score"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "adds points",
        IMPUTED,
        GROUP,
        "score",
    ]


def test_a_missing_measure_is_written_out_not_drawn_as_zero() -> None:
    notes = _notes(_quiet().plot())
    assert notes == [
        (45.0, 2, "missing: dropped, weights renormalised"),  # seats: no bar at all
        (65.0, 3, "missing: scored neutral 50"),
        (60.0, 4, "missing: scored neutral 50"),
        (65.0, 5, "missing: scored neutral 50"),
    ]
    ax = _quiet().plot()
    faces = {c.get_label(): c[0].get_facecolor() for c in ax.containers}
    assert faces[IMPUTED] == (0.0, 0.0, 0.0, 0.0)  # hatched outlines, not filled bars
    assert ax.containers[1][0].get_hatch() == "///"


def test_counted_as_zero_is_a_missing_measure_too() -> None:
    # fixed: b counts 0 with its quarter: a 2/4 x 90 = 45, c 1/4 x 30 = 7.5; 52.5
    card = _card({"a": 2, "b": 1, "c": 1}, missing="fixed")
    why = score(card, {"account_id": ["x"], "a": [90], "b": [None], "c": [30]}).explain("x")
    ax = why.plot()
    assert _rows(ax)["adds points"] == [(0.0, 0.0, 45.0), (2.0, 45.0, 7.5)]
    assert _notes(ax) == [(45.0, 1, "missing: counted as 0")]
    assert _rows(ax)["score"] == [(3.0, 0.0, 52.5)]


def test_points_taken_away_go_left_in_red() -> None:
    # points, anchor 10: a (20) at 0 moves -20, b and c (10) at 100 +10 each: 10 - 20 + 20
    # = 10. The anchor's 10 - 40 = -30 is shared 2:1:1: a 0 - 15, b and c 20 - 7.5
    card = _card({"a": 20, "b": 10, "c": 10}, root={"aggregate": "points", "anchor": 10})
    why = score(card, {"account_id": ["x"], "a": [0], "b": [100], "c": [100]}).explain("x")
    ax = why.plot()
    assert why.score == pytest.approx(10.0)
    rows = _rows(ax)
    assert rows["takes points"] == [(0.0, 0.0, -15.0)]
    assert rows["adds points"] == [(1.0, -15.0, 12.5), (2.0, -2.5, 12.5)]
    assert ax.containers[0][0].get_facecolor() == GREEN
    assert ax.containers[1][0].get_facecolor() == RED
    assert ax.get_xlim() == (-17.0, 102.0)  # the running total dips below 0


def test_an_overridden_measure_says_so() -> None:
    card = _card({"a": 1, "b": 1})
    data = {"account_id": ["x"], "a": [80], "b": [60]}
    override = Override(
        account_id="x", scope="measure", node="b", value=0, reason="outage", author="lee"
    )
    ax = score(card, data, overrides=[override]).explain("x").plot()
    assert _rows(ax)["adds points"] == [(0.0, 0.0, 40.0), (1.0, 40.0, 0.0)]  # 0 points, drawn
    assert _notes(ax) == [(40.0, 1, "overridden")]


def test_without_a_score_the_explanation_draws_a_note() -> None:
    card = _card({"a": 2, "b": 1, "c": 1}, min_coverage=0.8)
    why = score(card, {"account_id": ["x"], "a": [90], "b": [None], "c": [30]}).explain("x")
    ax = why.plot()
    assert len(ax.patches) == 0
    (note,) = ax.texts
    assert note.get_text() == "insufficient data: coverage 75%, below the minimum 80%"
    assert note.get_position() == (0.5, 0.5)


def test_style_goes_to_the_measures_and_the_axes_passed_in_is_drawn_on() -> None:
    figure, ax = plt.subplots()
    ax.set_xlabel("points")
    assert _quiet().plot(ax, alpha=0.5) is ax
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("points", "")
    assert plt.get_fignums() == [figure.number]
    alphas = {c.get_label(): {bar.get_alpha() for bar in c} for c in ax.containers}
    assert alphas == {"adds points": {0.5}, IMPUTED: {None}, GROUP: {None}, "score": {None}}


# --- without matplotlib ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "draw",
    [
        pytest.param(lambda: _scores(SPREAD).plot(), id="HealthScores"),
        pytest.param(lambda: _quiet().plot(), id="Explanation"),
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
