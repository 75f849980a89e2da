"""`fit_weights`: non-negative weights of the root's children, fitted early and judged later.

References: the optimiser against scikit-learn's ``LogisticRegression(C=1/l2)`` and against
scipy's unconstrained BFGS on the raw objective (no centring, no scaling, no bounds) where
the unconstrained optimum is already non-negative; a brute-force grid over two
coefficients, the intercept solved by Newton's method at every grid point, where it is
not; the Karush-Kuhn-Tucker conditions of the bounded optimum (Hypothesis); and the
fitted scorecard's scores against `scoring.score` of the raw inputs, on a synthetic world
and on the sample data with the default scorecard.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize
from scipy.special import expit
from sklearn.linear_model import LogisticRegression

from cshealth import InvalidInputError, SmallSampleWarning, datasets, scoring
from cshealth.backtest._compare import compare
from cshealth.backtest._evaluate import evaluate
from cshealth.backtest._fit import MIN_TRAIN_EVENTS, _design, fit_weights
from cshealth.backtest._fitted import FittedScorecard
from cshealth.backtest._nonnegative import fit_nonnegative
from cshealth.backtest._panel import panel as build_panel
from cshealth.backtest._panel_result import Panel
from cshealth.backtest._rescore import rescore
from cshealth.scoring import Scorecard

_LINEAR = {"kind": "linear", "worst": 0, "best": 100}
_DAYS = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)]
_INPUTS = ("logins", "seats", "nps", "tickets")
Inputs = dict[str, np.ndarray]


def _card(
    *, aggregate: str = "weighted_mean", missing: str = "renormalize", min_coverage: float = 0.0
) -> Scorecard:
    """A group (usage: logins, seats) and two measures (nps, tickets) under the root."""
    return Scorecard.model_validate(
        {
            "name": "three",
            "missing": missing,
            "min_coverage": min_coverage,
            "root": {
                "name": "all",
                "aggregate": aggregate,
                "children": [
                    {
                        "name": "usage",
                        "weight": 2,
                        "children": [
                            {
                                "name": "logins",
                                "weight": 3,
                                "column": "logins",
                                "transform": _LINEAR,
                            },
                            {"name": "seats", "weight": 1, "column": "seats", "transform": _LINEAR},
                        ],
                    },
                    {"name": "nps", "weight": 1, "column": "nps", "transform": _LINEAR},
                    {"name": "tickets", "weight": 1, "column": "tickets", "transform": _LINEAR},
                ],
            },
        }
    )


def _world(
    card: Scorecard,
    risk: Callable[[Inputs], np.ndarray],
    *,
    n: int = 2000,
    seed: int = 0,
    days: list[date] = _DAYS,
) -> tuple[Panel, dict[date, Inputs]]:
    """``n`` accounts on each day, inputs uniform on 0..100 (a third of the NPS missing);
    churn with probability ``risk(inputs)``. The panel and each day's inputs."""
    rng = np.random.default_rng(seed)
    inputs: dict[date, Inputs] = {}
    parts, churned = [], []
    for day in days:
        values = {name: rng.uniform(0, 100, n) for name in _INPUTS}
        values["nps"][rng.random(n) < 1 / 3] = np.nan
        inputs[day] = {"account_id": np.arange(n), **values}
        parts.append(scoring.score(card, inputs[day], as_of=day))
        churned.append(rng.random(n) < risk(values))
    p = Panel(
        account_ids=np.tile(np.arange(n), len(days)),
        as_of=np.repeat(np.array(days, dtype="datetime64[D]"), n),
        score=np.concatenate([s.score for s in parts]),
        band=np.concatenate([s.band for s in parts]),
        churned=np.concatenate(churned),
        mrr=np.full(n * len(days), 100.0),
        dates=tuple(days),
        bands=("red", "yellow", "green"),
        node_scores={
            k: np.concatenate([s.node_scores[k] for s in parts]) for k in parts[0].node_scores
        },
        config_hash=card.config_hash,
    )
    return p, inputs


def _by_tickets(values: Inputs) -> np.ndarray:
    """Churn falls with the tickets score alone (about 15% churn)."""
    return expit(-2.0 - 5.0 * (values["tickets"] / 100 - 0.5))


def _by_nps(values: Inputs) -> np.ndarray:
    """Churn falls with the NPS score alone (the base rate where it is missing)."""
    return expit(-2.0 - 5.0 * (np.nan_to_num(values["nps"], nan=50.0) / 100 - 0.5))


def _fit(card: Scorecard, p: Panel, **options: object) -> FittedScorecard:
    kwargs: dict[str, object] = {"n_resamples": 100, "seed": 0, **options}
    return fit_weights(card, p, train_dates=_DAYS[:2], test_dates=_DAYS[2:], **kwargs)  # type: ignore[arg-type]


# --- the fit finds the driver ---------------------------------------------------------------


def test_the_driver_gets_most_of_the_weight_and_the_rest_keeps_its_shape() -> None:
    card = _card()
    p, _ = _world(card, _by_tickets)
    fit = _fit(card, p)
    weights = fit.weights
    assert list(weights) == ["usage", "nps", "tickets"]
    assert weights["tickets"] / 4.0 > 0.85
    assert all(w >= 0 for w in weights.values())
    assert sum(weights.values()) == pytest.approx(4.0, abs=1e-12)
    assert fit.weight_before.tolist() == [2.0, 1.0, 1.0]
    assert fit.weight_after == pytest.approx(4.0 * fit.coefficient / fit.coefficient.sum())
    assert not fit.no_signal
    # the fitted card is a normal scorecard: its own hash, the fitted root weights, and
    # every level below as it was
    new = fit.scorecard
    assert isinstance(new, Scorecard)
    assert new.config_hash != card.config_hash == fit.original.config_hash
    assert fit.config_hash == new.config_hash
    assert [c.weight for c in new.root.children] == fit.weight_after.tolist()
    assert new.node("usage").model_dump(exclude={"weight"}) == card.node("usage").model_dump(
        exclude={"weight"}
    )  # logins 3, seats 1 under usage, as they were
    assert new.model_dump(exclude={"root"}) == card.model_dump(exclude={"root"})
    # judged on the later date: the fitted weights rank churn better
    assert fit.comparison.difference > 0
    assert fit.comparison.difference_interval.low > 0
    assert fit.after.auc > fit.before.auc
    assert fit.train_dates == tuple(_DAYS[:2])
    assert fit.test_dates == (_DAYS[2],)
    assert fit.n_train == int((~np.isnan(p.for_dates(_DAYS[:2]).score)).sum())
    assert fit.train_events == int(p.for_dates(_DAYS[:2]).churned.sum())


def test_the_judgement_is_evaluate_and_compare_of_the_two_scores_on_the_test_dates() -> None:
    card = _card()
    p, _ = _world(card, _by_tickets, n=800)
    fit = _fit(card, p, seed=3)
    test = p.for_dates(_DAYS[2:])
    after = fit.rescore(test)
    rng = np.random.default_rng(3)
    assert fit.before == evaluate(test, n_resamples=100, seed=rng)
    assert fit.after == evaluate(after, n_resamples=100, seed=rng)
    assert fit.comparison == compare(test, after, n_resamples=100, seed=rng)
    assert fit.before.config_hash == card.config_hash
    assert fit.after.config_hash == fit.scorecard.config_hash


def test_the_fitted_scores_are_scoring_score_of_the_raw_inputs() -> None:
    card = _card(min_coverage=0.6)  # a coverage floor the fitted weights on NPS move
    p, inputs = _world(card, _by_nps)
    fit = _fit(card, p)
    after = fit.rescore(p.for_dates(_DAYS[2:]))
    direct = scoring.score(fit.scorecard, inputs[_DAYS[2]], as_of=_DAYS[2])
    np.testing.assert_allclose(after.score, direct.score, rtol=0, atol=1e-9)
    assert fit.weights["nps"] / 4.0 > 0.5
    assert np.isnan(direct.score).any()  # the floor bites: NaN in the same places
    assert not np.isnan(p.score).any()
    assert after.band.tolist() == direct.band.tolist()
    assert after.config_hash == fit.scorecard.config_hash
    np.testing.assert_array_equal(after.node_scores["all"], after.score)
    for name in ("usage", "nps", "tickets", "logins"):
        np.testing.assert_array_equal(after.node_scores[name], direct.node_scores[name])


@pytest.mark.parametrize("aggregate", ["points", "weakest_link"])
def test_other_aggregates_fit_and_rescore_like_scoring(aggregate: str) -> None:
    card = _card(aggregate=aggregate, missing="neutral")
    p, inputs = _world(card, _by_tickets, n=1500)
    fit = _fit(card, p)
    assert fit.weights["tickets"] / 4.0 > 0.7
    assert fit.weight_after.sum() == pytest.approx(4.0, abs=1e-12)
    after = fit.rescore(p.for_dates(_DAYS[2:]))
    direct = scoring.score(fit.scorecard, inputs[_DAYS[2]], as_of=_DAYS[2])
    np.testing.assert_allclose(after.score, direct.score, rtol=0, atol=1e-9)


def test_on_the_sample_the_fitted_card_scores_as_scoring_score() -> None:
    tables = datasets.sample(seed=0, n_accounts=500, months=24).tables()
    card = scoring.default_scorecard()

    def inputs_on(day: date) -> object:
        return scoring.default_inputs(
            accounts=tables["accounts"],
            usage=tables["usage"],
            tickets=tables["tickets"],
            survey_responses=tables["survey_responses"],
            milestones=tables["milestones"],
            as_of=day,
        )

    days = [date(2024, m, 1) for m in (3, 6, 9, 12)] + [date(2025, m, 1) for m in (3, 6, 9)]
    p = build_panel(
        tables["accounts"],
        lambda day: scoring.score(card, inputs_on(day), as_of=day),
        dates=days,
        revenue_changes=tables["revenue_changes"],
        until=date(2025, 12, 31),
    )
    with pytest.warns(SmallSampleWarning):
        fit = fit_weights(card, p, train_dates=days[:4], test_dates=days[4:], n_resamples=20)
    assert fit.scorecard.config_hash != card.config_hash
    after = fit.rescore(p.for_dates(days[4:]))
    for day in days[4:]:
        direct = scoring.score(fit.scorecard, inputs_on(day), as_of=day)
        rows = after.as_of == np.datetime64(day, "D")
        position = {a: i for i, a in enumerate(direct.account_ids.tolist())}
        at = np.array([position[a] for a in after.account_ids[rows].tolist()])
        np.testing.assert_allclose(after.score[rows], direct.score[at], rtol=0, atol=1e-9)
        assert after.band[rows].tolist() == direct.band[at].tolist()


def test_rescoring_is_exact_on_band_edges_and_ties() -> None:
    # a linear identity (x / 100 * 100) would turn 57 into 56.99999999999999: account 3
    # (57 alone) would leave the green band that starts at 57 and part from a tie at 57
    steps = {"kind": "thresholds", "cuts": [1, 2], "scores": [57, 83, 100]}
    card = Scorecard.model_validate(
        {
            "name": "steps",
            "bands": [
                {"label": "red", "min": 0, "max": 57},
                {"label": "green", "min": 57, "max": 100},
            ],
            "root": {
                "name": "all",
                "children": [
                    {"name": "a", "column": "a", "transform": steps},
                    {"name": "b", "column": "b", "transform": steps},
                ],
            },
        }
    )
    data = {"account_id": [1, 2, 3, 4], "a": [0, 1, 0, 0], "b": [1, 0, None, 0]}
    scores = scoring.score(card, data)
    assert scores.score.tolist() == [70.0, 70.0, 57.0, 57.0]
    p = Panel(
        account_ids=np.array([1, 2, 3, 4]),
        as_of=np.array(["2025-01-01"] * 4, dtype="datetime64[D]"),
        score=scores.score,
        band=scores.band,
        churned=np.array([True, False, False, True]),
        mrr=np.ones(4),
        dates=(date(2025, 1, 1),),
        bands=("red", "green"),
        node_scores=dict(scores.node_scores),
        config_hash=card.config_hash,
    )
    again = rescore(p, card)
    assert again.score.tolist() == [70.0, 70.0, 57.0, 57.0]
    assert again.band.tolist() == ["green"] * 4


# --- no signal, warnings ---------------------------------------------------------------------


def _rising(values: Inputs) -> np.ndarray:
    """Churn RISES with every score: no child lowers the risk."""
    total = sum(np.nan_to_num(values[name], nan=50.0) for name in _INPUTS)
    return expit(-3.0 + 1.5 * total / 100)


def test_no_signal_keeps_the_cards_weights_and_says_so() -> None:
    card = _card()
    p, _ = _world(card, _rising)
    fit = _fit(card, p)
    assert fit.no_signal
    assert fit.coefficient.tolist() == [0.0, 0.0, 0.0]
    assert fit.weight_after.tolist() == fit.weight_before.tolist() == [2.0, 1.0, 1.0]
    assert fit.scorecard is card
    assert fit.comparison.difference == 0.0
    assert "no signal" in fit.format()


def _events_world(events: int) -> tuple[Scorecard, Panel]:
    """A panel whose two training dates hold exactly ``events`` churners."""
    card = _card()
    p, _ = _world(card, _by_tickets, n=400)
    churned = np.zeros(p.n, dtype=bool)
    lowest = np.argsort(p.node_scores["tickets"][:800])[:events]  # the training rows
    churned[lowest] = True
    churned[800 + np.arange(0, 400, 8)] = True  # test date: 50 churners
    return card, Panel(**{**_fields(p), "churned": churned})


def _fields(p: Panel) -> dict[str, object]:
    return {
        name: getattr(p, name)
        for name in (
            "account_ids",
            "as_of",
            "score",
            "band",
            "churned",
            "mrr",
            "dates",
            "bands",
            "node_scores",
            "config_hash",
        )
    }


def test_fewer_than_50_training_churners_warn_and_50_do_not() -> None:
    assert MIN_TRAIN_EVENTS == 50
    card, p = _events_world(49)
    with pytest.warns(SmallSampleWarning, match="fitted on 49 churners") as caught:
        fit = _fit(card, p)
    assert fit.train_events == 49
    assert [w.filename for w in caught] == [__file__]  # at the caller's line
    card, p = _events_world(50)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert _fit(card, p).train_events == 50


# --- errors -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world() -> tuple[Scorecard, Panel]:
    card = _card()
    p, _ = _world(card, _by_tickets, n=300)
    return card, p


def _refused(match: str, card: object, p: object, **options: object) -> None:
    kwargs: dict[str, object] = {"train_dates": _DAYS[:2], "test_dates": _DAYS[2:], **options}
    with pytest.raises(InvalidInputError, match=match):
        fit_weights(card, p, **kwargs)  # type: ignore[arg-type]


def test_the_card_must_be_a_scorecard_without_a_min_root(world: tuple[Scorecard, Panel]) -> None:
    card, p = world
    _refused("`card` must be a scoring.Scorecard, got dict", card.model_dump(), p)
    _refused("combines its children by `min`", _card(aggregate="min"), p)


def test_the_panel_must_be_the_cards(world: tuple[Scorecard, Panel]) -> None:
    card, p = world
    _refused("`panel` must be a backtest Panel", card, {"account_id": [1]})
    other = _card(missing="fixed")
    _refused(
        f"scored by the scorecard with hash {card.config_hash}, not by `card` 'three' "
        f"\\(hash {other.config_hash}\\)",
        other,
        p,
    )
    _refused(
        "scorecards that differ between its dates",
        card,
        Panel(**{**_fields(p), "config_hash": None}),
    )


def test_a_panel_with_changed_scores_is_refused_naming_the_observation(
    world: tuple[Scorecard, Panel],
) -> None:
    card, p = world
    score = p.score.copy()
    score[5] += 1.0  # an override, say
    _refused(
        "the panel's score of account 5 on 2025-01-01 is .* carry overrides",
        card,
        Panel(**{**_fields(p), "score": score}),
    )
    nodes = {k: v for k, v in p.node_scores.items() if k != "seats"}
    _refused(r"no node scores of \['seats'\]", card, Panel(**{**_fields(p), "node_scores": nodes}))
    nodes = {k: v for k, v in p.node_scores.items() if k != "usage"}
    _refused(r"no node scores of \['usage'\]", card, Panel(**{**_fields(p), "node_scores": nodes}))


@pytest.mark.parametrize(
    ("train", "test", "match"),
    [
        (_DAYS[:2], [date(2025, 4, 1)], "`test_dates` 2025-04-01 are not observation dates"),
        (["2024-12-01"], _DAYS[2:], "`train_dates` 2024-12-01 are not observation dates"),
        (_DAYS[:2], _DAYS[1:], "2025-02-01 is in both `train_dates` and `test_dates`"),
        (_DAYS[1:], _DAYS[:1], "2025-01-01 is before 2025-03-01"),
        ([_DAYS[0], _DAYS[2]], [_DAYS[1]], "2025-02-01 is before 2025-03-01"),
        ([], _DAYS[2:], "`train_dates` is empty"),
        (_DAYS[:2], _DAYS[2], "`test_dates` must be a list of days"),
        ([_DAYS[0], _DAYS[0]], _DAYS[2:], "`train_dates` gives 2025-01-01 more than once"),
    ],
)
def test_dates_must_be_the_panels_and_the_test_dates_later(
    world: tuple[Scorecard, Panel], train: object, test: object, match: str
) -> None:
    card, p = world
    _refused(match, card, p, train_dates=train, test_dates=test)


def test_one_date_is_judged_on_the_next(world: tuple[Scorecard, Panel]) -> None:
    card, p = world
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        fit = fit_weights(card, p, train_dates=_DAYS[1:2], test_dates=_DAYS[2:], n_resamples=10)
    assert fit.train_dates == (_DAYS[1],)


@pytest.mark.parametrize(
    ("churn", "match"),
    [(False, "`train_dates` hold no churner"), (True, "hold no renewer")],
)
def test_training_dates_need_churners_and_renewers(
    world: tuple[Scorecard, Panel], churn: bool, match: str
) -> None:
    card, p = world
    churned = np.full(p.n, churn)
    _refused(match, card, Panel(**{**_fields(p), "churned": churned}))


def test_training_dates_need_a_scored_observation(world: tuple[Scorecard, Panel]) -> None:
    card, p = world
    unscored = {
        k: np.where(p.as_of < np.datetime64(_DAYS[2]), np.nan, v) for k, v in p.node_scores.items()
    }
    score = unscored["all"]
    band = np.where(np.isnan(score), None, p.band)
    blank = Panel(**{**_fields(p), "score": score, "band": band, "node_scores": unscored})
    _refused("`train_dates` hold no scored observation", card, blank)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"l2": -1.0}, r"`l2` must be a finite number in \[0, 1e\+09\]"),
        ({"l2": math.nan}, "`l2` must be a finite number"),
        ({"l2": 2e9}, "`l2` must be a finite number"),
        ({"l2": True}, "`l2` must be a finite number"),
        ({"n_resamples": 0}, "n_resamples"),
        ({"seed": -1}, "`seed` must be"),
    ],
)
def test_bad_options_are_named(
    world: tuple[Scorecard, Panel], options: dict[str, object], match: str
) -> None:
    card, p = world
    _refused(match, card, p, **options)


def test_rescore_refuses_another_cards_panel(world: tuple[Scorecard, Panel]) -> None:
    card, p = world
    fit = _fit(card, p, n_resamples=10)
    with pytest.raises(InvalidInputError, match="not by `card`"):
        fit.rescore(fit.rescore(p))  # already the fitted card's
    with pytest.raises(InvalidInputError, match="must be a backtest Panel"):
        fit.rescore({"score": [1.0]})  # type: ignore[arg-type]


# --- the result -----------------------------------------------------------------------------


def test_the_result_prints_tabulates_and_is_strict_json(world: tuple[Scorecard, Panel]) -> None:
    card, p = world
    fit = _fit(card, p, n_resamples=10)
    frame = fit.to_pandas()
    assert frame.columns.tolist() == ["child", "weight_before", "weight_after", "coefficient"]
    assert frame["child"].tolist() == ["usage", "nps", "tickets"]
    assert len(fit) == 3
    data = fit.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["scorecard"]["root"]["children"][2]["weight"] == fit.weights["tickets"]
    assert data["train_dates"] == ["2025-01-01", "2025-02-01"]
    text = fit.format()
    lines = text.splitlines()
    assert lines[0] == (
        "Weights of 'three' fitted on 2 dates (2025-01-01 to 2025-02-01): "
        f"{fit.n_train:,} observations, {fit.train_events:,} churned; l2 = 1"
    )
    assert lines[1].split() == ["child", "before", "after", "coefficient"]
    assert lines[4].split()[:2] == ["tickets", "1.0"]
    assert f"scorecard {card.config_hash} -> {fit.scorecard.config_hash}" in text
    assert "judged on 1 date (2025-03-01)" in text
    assert fit.comparison.format() in text
    assert repr(fit).startswith("FittedScorecard(usage 2->")
    assert repr(fit).endswith(" on 1 later date)")


# --- the optimiser ----------------------------------------------------------------------------


def _data(n: int, beta: list[float], seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, (n, len(beta)))
    y = rng.random(n) < expit(0.5 - (x - 0.5) @ np.array(beta))
    return x, y


def _objective(x: np.ndarray, y: np.ndarray, l2: float, theta: np.ndarray) -> float:
    """The penalised negative log-likelihood, written plainly (no centring, no scaling)."""
    eta = theta[0] - x @ theta[1:]
    return float(np.sum(np.logaddexp(0, eta) - y * eta) + l2 / 2 * theta[1:] @ theta[1:])


@pytest.mark.parametrize("l2", [0.0, 1.0, 30.0])
def test_where_the_optimum_is_non_negative_it_is_the_unconstrained_one(l2: float) -> None:
    x, y = _data(3000, [3.0, 1.0, 0.5], seed=1)
    fit = fit_nonnegative(x, y, l2=l2)
    assert fit.converged
    assert (fit.coefficients > 0).all()
    sk = LogisticRegression(C=1 / l2 if l2 else np.inf, tol=1e-12, max_iter=10_000).fit(-x, y)
    # scikit-learn stops at a gradient of about 1e-5 (ours: 1e-7, see the KKT test)
    np.testing.assert_allclose(fit.coefficients, sk.coef_[0], rtol=1e-5, atol=1e-6)
    assert fit.intercept == pytest.approx(sk.intercept_[0], abs=1e-5)
    plain = minimize(
        lambda t: _objective(x, y, l2, t), np.zeros(4), method="BFGS", options={"gtol": 1e-9}
    )
    np.testing.assert_allclose(fit.coefficients, plain.x[1:], rtol=1e-5, atol=1e-5)
    assert fit.intercept == pytest.approx(plain.x[0], abs=1e-5)


def _grid_best(
    x: np.ndarray, y: np.ndarray, l2: float, first: np.ndarray, second: np.ndarray | None = None
) -> tuple[float, np.ndarray]:
    """The least objective over a grid of two coefficients, the intercept by Newton."""
    grid = (first, first if second is None else second)
    b1, b2 = (v.ravel() for v in np.meshgrid(*grid, indexing="ij"))
    lin = -(np.outer(b1, x[:, 0]) + np.outer(b2, x[:, 1]))  # (grid, n)
    a = np.log(y.mean() / (1 - y.mean())) - lin.mean(axis=1)
    for _ in range(30):  # Newton's method, steps of at most 1
        p = expit(a[:, None] + lin)
        a -= np.clip((p - y).sum(axis=1) / (p * (1 - p)).sum(axis=1), -1.0, 1.0)
    eta = a[:, None] + lin
    loss = (np.logaddexp(0, eta) - y * eta).sum(axis=1) + l2 / 2 * (b1**2 + b2**2)
    best = int(np.argmin(loss))
    return float(loss[best]), np.array([b1[best], b2[best]])


@pytest.mark.parametrize(
    ("beta", "bound"),
    [([2.0, -1.5], True), ([2.0, 1.0], False)],  # the second coefficient at 0, or not
)
def test_the_bounded_optimum_matches_a_brute_force_grid(beta: list[float], bound: bool) -> None:
    x, y = _data(400, beta, seed=4)
    l2 = 2.0
    fit = fit_nonnegative(x, y, l2=l2)
    _, coarse = _grid_best(x, y, l2, np.linspace(0.0, 4.0, 81))  # steps of 0.05
    fine = [np.clip(np.linspace(c - 0.1, c + 0.1, 41), 0.0, None) for c in coarse]  # of 0.005
    best, where = _grid_best(x, y, l2, *fine)
    theta = np.array([fit.intercept, *fit.coefficients])
    assert _objective(x, y, l2, theta) <= best + 1e-9
    np.testing.assert_allclose(fit.coefficients, where, atol=0.005)
    assert bool(fit.coefficients[1] == 0.0) is bound
    assert bool(where[1] == 0.0) is bound


def test_a_coefficient_at_its_bound_leaves_the_others_fitted_without_it() -> None:
    x, y = _data(4000, [2.0, -1.5, 1.0], seed=2)
    fit = fit_nonnegative(x, y, l2=1.0)
    assert fit.coefficients[1] == 0.0
    kept = x[:, [0, 2]]
    sk = LogisticRegression(C=1.0, tol=1e-12, max_iter=10_000).fit(-kept, y)
    np.testing.assert_allclose(fit.coefficients[[0, 2]], sk.coef_[0], rtol=1e-5)


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 4),
    l2=st.sampled_from([0.1, 1.0, 10.0]),
)
def test_the_optimum_keeps_the_kkt_conditions(seed: int, k: int, l2: float) -> None:
    rng = np.random.default_rng(seed)
    beta = rng.normal(0, 2, k).tolist()
    x, y = _data(300, beta, seed=seed)
    if y.all() or not y.any():
        return
    fit = fit_nonnegative(x, y, l2=l2)
    b = fit.coefficients
    assert (b >= 0).all()
    eta = fit.intercept - x @ b
    r = expit(eta) - y
    gradient = -(x.T @ r) + l2 * b  # d objective / d b
    assert abs(r.sum()) < 1e-5 * len(y)  # the intercept is free
    free = b > 0
    np.testing.assert_allclose(gradient[free], 0.0, atol=1e-4)
    assert (gradient[~free] > -1e-4).all()  # at the bound: rising into the feasible side


# --- the design ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("missing", "aggregate", "fill"),
    [
        ("fixed", "weighted_mean", 0.0),
        ("neutral", "weighted_mean", 50.0),
        ("renormalize", "points", 50.0),
        ("renormalize", "weighted_mean", (2 * 40.0 + 1 * 70.0) / 3),
    ],
)
def test_a_missing_child_is_filled_as_the_roots_policy_treats_it(
    missing: str, aggregate: str, fill: float
) -> None:
    card = _card(missing=missing, aggregate=aggregate)
    nodes = {
        "usage": np.array([40.0, 10.0]),
        "nps": np.array([np.nan, 20.0]),
        "tickets": np.array([70.0, 30.0]),
    }
    p = Panel(
        account_ids=np.array([1, 2]),
        as_of=np.array(["2025-01-01"] * 2, dtype="datetime64[D]"),
        score=np.array([50.0, np.nan]),  # the second is left out: not scored
        band=np.array(["yellow", None], dtype=object),
        churned=np.array([True, False]),
        mrr=np.array([1.0, 1.0]),
        dates=(date(2025, 1, 1),),
        node_scores=nodes,
    )
    x, y = _design(card, p)
    np.testing.assert_allclose(x, [[0.4, fill / 100, 0.7]])
    assert y.tolist() == [True]
