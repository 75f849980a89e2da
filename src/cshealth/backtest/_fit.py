"""`fit_weights`: the weights of a scorecard's top level, fitted to churn on earlier dates.

A transparent version of the weight optimisers some platforms sell: a penalised logistic
regression of churn on the scores of the root's children (`_nonnegative`), the
coefficients held non-negative (a higher score never raises the risk), normalised to the
total of the scorecard's weights, fitted on some observation dates of a `Panel` and
judged on later ones only (a time split, as in *Fighting Churn With Data*): the fitted
scorecard scores the later dates' observations from their node scores (`_rescore`), and
`evaluate` and `compare` judge it beside the scorecard's own scores.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np

from cshealth._checks import real_number
from cshealth._exceptions import InvalidInputError, SmallSampleWarning
from cshealth._time import day_list
from cshealth._types import AsOf, BoolArray, FloatArray
from cshealth.backtest._compare import compare
from cshealth.backtest._evaluate import _options, evaluate
from cshealth.backtest._fitted import FittedScorecard
from cshealth.backtest._nonnegative import fit_nonnegative
from cshealth.backtest._panel_result import Panel, day_date
from cshealth.backtest._rescore import rescore, scored_panel
from cshealth.scoring import Scorecard

__all__ = ["MAX_L2", "MIN_TRAIN_EVENTS", "fit_weights"]

#: Below this many churners on the training dates, a `SmallSampleWarning` is issued.
MIN_TRAIN_EVENTS = 50
#: The largest ``l2`` taken (far past the point where every coefficient is 0).
MAX_L2 = 1e9


def fit_weights(
    card: Scorecard,
    panel: Panel,
    *,
    train_dates: Iterable[AsOf],
    test_dates: Iterable[AsOf],
    l2: float = 1.0,
    n_resamples: int = 1000,
    seed: int | np.random.Generator | None = None,
) -> FittedScorecard:
    """Fit the weights of a scorecard's root children to churn, and judge them on later dates.

    The weights fitted are those of the root's children (the top-level groups and
    measures); every level below keeps its weights, transforms and policies. The fit is a
    logistic regression of churn on the children's scores on the ``train_dates``, with
    non-negative coefficients (a child whose higher score raises the risk of churn gets
    the weight 0) and a ridge penalty ``l2``; the weights are the coefficients scaled to
    sum to the total of the scorecard's root weights. The fitted scorecard then scores
    the observations of the ``test_dates`` (from the panel's node scores: the same as
    ``scoring.score`` of each date's inputs), and both scores are judged there.

    Args:
        card: The `cshealth.scoring.Scorecard` that scored the panel (its
            ``config_hash`` must be the panel's). Its root's aggregate must be
            ``weighted_mean``, ``points`` or ``weakest_link``: under ``min`` the lowest
            child scores whatever the weights.
        panel: A `Panel` built from ``card``'s scores, without overrides.
        train_dates: The observation dates to fit on (dates, ISO text, or aware
            instants taken at their UTC day): dates of the panel.
        test_dates: The dates to judge on: dates of the panel, every one after the
            last of ``train_dates`` (an earlier date would judge the weights on a past
            they were fitted after).
        l2: The ridge penalty on the coefficients, each the fall in the log-odds of
            churn per 100 points of a child's score, added to the negative
            log-likelihood summed over the training observations: the objective of
            scikit-learn's ``LogisticRegression(C=1 / l2)``. 0 to 1e9; the default 1.0
            weighs like a few observations, so it matters only on small or separable
            data, where it keeps the fit finite and shrinks it towards "no signal".
        n_resamples: Bootstrap replicates of the judgement (`evaluate`, `compare`), 1
            to 100,000.
        seed: A seed or a `numpy.random.Generator` for the bootstrap: the same seed
            gives the same intervals.

    Returns:
        A `FittedScorecard`: the fitted `Scorecard` (a new ``config_hash``), each
        child's weight before and after and its coefficient, the `Evaluation` of both
        scores on the test dates and their `Comparison`. When no child's score lowers
        the risk (every coefficient 0), the scorecard's weights are kept and
        ``no_signal`` says so.

    Raises:
        InvalidInputError: On a ``card`` that is not a `Scorecard` or whose root
            combines by ``min``; a ``panel`` that is not a `Panel`, was scored by
            another scorecard (both hashes named), lacks the node scores of the card's
            nodes, or holds scores that are not the card's (overrides); dates that are
            not the panel's, dates given twice or in both lists, test dates not all
            after the training dates; training dates without a scored churner or
            renewer; a bad ``l2``, ``n_resamples`` or ``seed``.

    Warns:
        SmallSampleWarning: With fewer than 50 churners on the training dates: the
            weights rest on few events. (`evaluate` and `compare` warn below 10
            churners on the test dates.)

    Notes:
        With ``x_ic`` child ``c``'s score of observation ``i`` over 100 and ``y_i`` its
        outcome, the fit minimises ``Σ_i [log(1 + e^η_i) − y_i·η_i] + (l2/2)·Σ_c b_c²``
        with ``η_i = a − Σ_c b_c·x_ic`` and every ``b_c ≥ 0`` (scipy's L-BFGS-B). Under
        ``weighted_mean`` the score is ``Σ_c w_c·s_c / Σ_c w_c``, so ``w ∝ b`` makes the
        score the fitted risk's best summary. A child without a score is filled in as the
        root's missing-data policy treats it: 0 (``fixed``), the neutral score
        (``neutral``) or, under ``renormalize``, the weighted mean of the account's other
        children under the scorecard's weights (what renormalising does; 50, no points,
        under ``points``). ``weakest_link``'s cap is not part of the fit (it still
        applies to the scores judged). Observations of the training dates without a
        score are left out.

    Examples:
        Two measures weighted equally, of which only ``logins`` drives churn; 1,500
        accounts on each of three dates, fitted on the first two and judged on the
        third:

        >>> from datetime import date
        >>> from cshealth import backtest, scoring
        >>> linear = {"kind": "linear", "worst": 0, "best": 100}
        >>> card = scoring.Scorecard.model_validate(
        ...     {
        ...         "name": "two",
        ...         "root": {
        ...             "name": "all",
        ...             "children": [
        ...                 {"name": m, "column": m, "transform": linear}
        ...                 for m in ("logins", "tickets")
        ...             ],
        ...         },
        ...     }
        ... )
        >>> rng = np.random.default_rng(7)
        >>> days, n = [date(2025, 1, 1), date(2025, 2, 1), date(2025, 3, 1)], 1500
        >>> parts = []
        >>> for day in days:
        ...     data = {m: rng.uniform(0, 100, n) for m in ("logins", "tickets")}
        ...     parts.append(scoring.score(card, {"account_id": np.arange(n), **data}, as_of=day))
        >>> logins = np.concatenate([s.node_scores["logins"] for s in parts])
        >>> p = backtest.Panel(
        ...     account_ids=np.tile(np.arange(n), 3),
        ...     as_of=np.repeat(np.array(days, dtype="datetime64[D]"), n),
        ...     score=np.concatenate([s.score for s in parts]),
        ...     band=np.concatenate([s.band for s in parts]),
        ...     churned=rng.random(3 * n) < 1 / (1 + np.exp(2 + 4 * (logins / 100 - 0.5))),
        ...     mrr=np.full(3 * n, 100.0),
        ...     dates=tuple(days),
        ...     bands=("red", "yellow", "green"),
        ...     node_scores={
        ...         k: np.concatenate([s.node_scores[k] for s in parts])
        ...         for k in parts[0].node_scores
        ...     },
        ...     config_hash=card.config_hash,
        ... )
        >>> fit = backtest.fit_weights(
        ...     card, p, train_dates=days[:2], test_dates=days[2:], n_resamples=200, seed=0
        ... )
        >>> print(fit)  # doctest: +ELLIPSIS
        Weights of 'two' fitted on 2 dates (2025-01-01 to 2025-02-01): 3,000 observations,
        519 churned; l2 = 1
        child   before after coefficient
        logins     1.0   2.0       3.772
        tickets    1.0   0.0       0.000
        scorecard ... -> ...
        <BLANKLINE>
        judged on 1 date (2025-03-01) (a: the weights before, b: fitted):
        1,500 observations scored in both panels, 237 churned
        AUC a 0.702, b 0.796: difference b - a +0.094 (95% CI +0.056 to +0.119, paired
        bootstrap by account; p = 8.95e-11, DeLong)
        lift of the lowest 10%: a 2.45, b 2.53: difference +0.08 (95% CI -0.43 to +0.62)
        band changed for 43.1% of the observations

        The fit gives ``tickets``, which does not drive churn, no weight, and the fitted
        weights rank the churners of March better (AUC 0.796 against 0.702). The fitted
        scorecard is ``fit.scorecard``; ``fit.rescore(panel)`` scores a panel of the
        original scorecard with it:

        >>> fit.weights, fit.scorecard.node("logins").weight
        ({'logins': 2.0, 'tickets': 0.0}, 2.0)
    """
    _check_card(card)
    checked = scored_panel(card, panel)
    penalty = real_number(l2, "l2", low=0.0, high=MAX_L2)
    opts = _options("bootstrap", n_resamples, seed, 0.95, (0.1,))
    train, test = _split(checked, train_dates, test_dates)
    x, y = _design(card, train)
    _check_outcomes(y)
    events = int(y.sum())
    if events < MIN_TRAIN_EVENTS:
        warnings.warn(
            f"weights fitted on {events} churners (fewer than {MIN_TRAIN_EVENTS}): they rest "
            "on few events; fit on more dates or a longer horizon",
            SmallSampleWarning,
            stacklevel=2,
        )
    fit = fit_nonnegative(x, y, l2=penalty)
    before = np.array([child.weight for child in card.root.children], dtype=np.float64)
    no_signal = not bool(fit.coefficients.any())
    after = before if no_signal else before.sum() * fit.coefficients / fit.coefficients.sum()
    fitted = card if no_signal else _with_weights(card, after)
    judged = rescore(test, fitted)
    return FittedScorecard(
        original=card,
        scorecard=fitted,
        child=np.array([child.name for child in card.root.children], dtype=object),
        weight_before=before,
        weight_after=after,
        coefficient=fit.coefficients,
        intercept=fit.intercept,
        l2=penalty,
        no_signal=no_signal,
        train_dates=train.dates,
        test_dates=test.dates,
        n_train=len(y),
        train_events=events,
        before=evaluate(test, n_resamples=opts.n_resamples, seed=opts.rng),
        after=evaluate(judged, n_resamples=opts.n_resamples, seed=opts.rng),
        comparison=compare(test, judged, n_resamples=opts.n_resamples, seed=opts.rng),
    )


def _check_card(card: object) -> None:
    if not isinstance(card, Scorecard):
        msg = (
            f"`card` must be a scoring.Scorecard, got {type(card).__name__}; for a "
            "ScorecardSet, fit each segment's scorecard on a panel of its own accounts"
        )
        raise InvalidInputError(msg)
    if card.root.aggregate == "min":
        msg = (
            f"the root {card.root.name!r} of scorecard {card.name!r} combines its children "
            "by `min`: the lowest child is the score whatever the weights, so there are no "
            "weights to fit; use `weighted_mean`, `points` or `weakest_link`"
        )
        raise InvalidInputError(msg)


def _split(panel: Panel, train_dates: object, test_dates: object) -> tuple[Panel, Panel]:
    """The panels of the training and the test dates, checked."""
    train = day_list(train_dates, what="training date", name="train_dates")
    test = day_list(test_dates, what="test date", name="test_dates")
    known = {int(np.datetime64(d, "D").astype(np.int64)) for d in panel.dates}
    for name, days in (("train_dates", train), ("test_dates", test)):
        unknown = [str(day_date(d)) for d in days if d not in known]
        if unknown:
            msg = (
                f"`{name}` {', '.join(unknown)} are not observation dates of the panel; its "
                f"dates: {', '.join(map(str, panel.dates))}"
            )
            raise InvalidInputError(msg)
    shared = sorted(set(train) & set(test))
    if shared:
        msg = (
            f"{', '.join(str(day_date(d)) for d in shared)} is in both `train_dates` and "
            "`test_dates`: judge the weights on dates they were not fitted on"
        )
        raise InvalidInputError(msg)
    if test[0] < train[-1]:
        msg = (
            f"`test_dates` must all be after `train_dates`: {day_date(test[0])} is before "
            f"{day_date(train[-1])}; judge the weights on later dates only, as they will be "
            "used"
        )
        raise InvalidInputError(msg)
    return panel.for_dates([day_date(d) for d in train]), panel.for_dates(
        [day_date(d) for d in test]
    )


def _design(card: Scorecard, train: Panel) -> tuple[FloatArray, BoolArray]:
    """The root children's scores over 100 (missing ones filled in), and the outcomes."""
    root = card.root
    names = [child.name for child in root.children]
    lacking = [name for name in names if name not in train.node_scores]
    if lacking:
        msg = (
            f"the panel has no node scores of {lacking}, children of the root of scorecard "
            f"{card.name!r}: build the panel from that scorecard's HealthScores"
        )
        raise InvalidInputError(msg)
    scored = ~np.isnan(train.score)
    s = np.column_stack([train.node_scores[name][scored] for name in names])
    present = ~np.isnan(s)
    policy = root.missing or card.missing
    if policy == "fixed":
        fill = np.zeros(len(s))
    elif policy == "neutral":
        fill = np.full(len(s), card.neutral if root.neutral is None else root.neutral)
    elif root.aggregate == "points":
        fill = np.full(len(s), 50.0)
    else:
        w = np.array([child.weight for child in root.children], dtype=np.float64)
        total = present @ w
        fill = np.zeros(len(s))
        np.divide(np.where(present, s, 0.0) @ w, total, out=fill, where=total > 0.0)
    x: FloatArray = np.where(present, s, fill[:, None]) / 100.0
    return x, train.churned[scored]


def _check_outcomes(y: BoolArray) -> None:
    events = int(y.sum())
    if not len(y) or events in (0, len(y)):
        what = (
            "no scored observation"
            if not len(y)
            else ("no churner" if not events else "no renewer (every observation churned)")
        )
        msg = (
            f"`train_dates` hold {what}: the weights cannot be fitted; train on dates "
            "with both churners and renewers"
        )
        raise InvalidInputError(msg)


def _with_weights(card: Scorecard, weights: FloatArray) -> Scorecard:
    """``card`` with ``weights`` on its root's children."""
    tree = card.model_dump(mode="json")
    for child, weight in zip(tree["root"]["children"], weights.tolist()):
        child["weight"] = weight
    return Scorecard.model_validate(tree)
