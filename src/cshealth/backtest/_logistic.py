"""Logistic regression on one predictor by maximum likelihood, on grouped counts.

The calibration slope and intercept (`probability_metrics`) and the logistic calibration
(`calibrate(method="logistic")`) fit ``logit P(churn) = a + b·x (+ offset)`` by maximum
likelihood. The fit runs on counts per distinct predictor value (``trials`` observations,
``events`` of them churned), so a million observations of a 0..100 score are a hundred
rows; the predictor is centred and scaled before the fit and the estimates and their
covariance are mapped back. The minimiser is scipy's ``trust-exact`` with the exact
gradient and Hessian; the covariance is the inverse of the observed information.

A slope has no finite maximum-likelihood estimate when the predictor separates the
outcomes (every churner at or below, or at or above, every renewer), nor when the
predictor takes one value; `slope_problem` says which, for the caller to report.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._types import FloatArray

__all__ = ["LogisticFit", "fit_logistic", "grouped", "slope_problem"]


@dataclass(frozen=True)
class LogisticFit:
    """A fitted ``logit P = intercept + slope·x (+ offset)``.

    Attributes:
        intercept: The intercept ``a``.
        slope: The slope ``b`` (NaN when only the intercept was fitted).
        covariance: The estimates' covariance (inverse observed information): 2×2 for
            ``(a, b)``, 1×1 for ``a`` alone.
    """

    intercept: float
    slope: float
    covariance: FloatArray


def grouped(x: FloatArray, churned: FloatArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """``(values, events, trials)``: the distinct values of ``x`` with their counts.

    Examples:
        >>> grouped(np.array([2.0, 1.0, 2.0]), np.array([1.0, 0.0, 0.0]))
        (array([1., 2.]), array([0., 1.]), array([1., 2.]))
    """
    values, inverse = np.unique(x, return_inverse=True)
    events = np.bincount(inverse, weights=churned, minlength=len(values)).astype(np.float64)
    trials = np.bincount(inverse, minlength=len(values)).astype(np.float64)
    return values, events, trials


def slope_problem(values: FloatArray, events: FloatArray, trials: FloatArray) -> str:
    """Why a slope on ``values`` has no finite estimate; ``''`` when it has one.

    Examples:
        >>> slope_problem(np.array([1.0, 2.0]), np.array([1.0, 0.0]), np.array([1.0, 1.0]))
        'the predictor separates churners from renewers: the slope is infinite'
        >>> slope_problem(np.array([1.0, 2.0]), np.array([1.0, 1.0]), np.array([2.0, 2.0]))
        ''
    """
    if len(values) < 2:
        return "every observation has the same predictor value"
    with_event = values[events > 0]
    with_renewal = values[events < trials]
    if with_event.min() >= with_renewal.max() or with_event.max() <= with_renewal.min():
        return "the predictor separates churners from renewers: the slope is infinite"
    return ""


def fit_logistic(
    values: FloatArray,
    events: FloatArray,
    trials: FloatArray,
    *,
    offset: FloatArray | None = None,
    slope: bool = True,
) -> LogisticFit:
    """The maximum-likelihood fit of ``logit P = a (+ b·values) (+ offset)``.

    The caller makes sure the estimate exists: churners and renewers both present and,
    with a slope, no `slope_problem`.

    Examples:
        Two groups of ten, 2 and 6 churned: the saturated fit reproduces the rates.

        >>> fit = fit_logistic(np.array([0.0, 1.0]), np.array([2.0, 6.0]), np.array([10.0, 10.0]))
        >>> from scipy.special import expit
        >>> expit(fit.intercept).round(6), expit(fit.intercept + fit.slope).round(6)
        (np.float64(0.2), np.float64(0.6))
    """
    from scipy.optimize import minimize  # noqa: PLC0415 - scipy on first use

    centre = float(np.average(values, weights=trials)) if slope else 0.0
    spread = float(np.sqrt(np.average((values - centre) ** 2, weights=trials))) if slope else 1.0
    design = np.ones((len(values), 2 if slope else 1))
    if slope:
        design[:, 1] = (values - centre) / spread
    shift = np.zeros(len(values)) if offset is None else offset
    total = float(trials.sum())
    base = float(events.sum()) / total
    start = np.zeros(design.shape[1])
    start[0] = np.log(base / (1.0 - base)) - float(np.average(shift, weights=trials))

    def loss(beta: FloatArray) -> float:
        eta = design @ beta + shift
        return float((trials * np.logaddexp(0.0, eta) - events * eta).sum()) / total

    def gradient(beta: FloatArray) -> FloatArray:
        p = _expit(design @ beta + shift)
        out: FloatArray = design.T @ (trials * p - events) / total
        return out

    def hessian(beta: FloatArray) -> FloatArray:
        p = _expit(design @ beta + shift)
        out: FloatArray = (design.T * (trials * p * (1.0 - p))) @ design / total
        return out

    found = minimize(
        loss, start, jac=gradient, hess=hessian, method="trust-exact", options={"gtol": 1e-12}
    )
    beta = np.asarray(found.x, dtype=np.float64)
    covariance = np.asarray(np.linalg.inv(hessian(beta) * total), dtype=np.float64)
    if not slope:
        return LogisticFit(float(beta[0]), float("nan"), covariance)
    to_raw = np.array([[1.0, -centre / spread], [0.0, 1.0 / spread]])
    raw = to_raw @ beta
    return LogisticFit(float(raw[0]), float(raw[1]), to_raw @ covariance @ to_raw.T)


def _expit(eta: FloatArray) -> FloatArray:
    from scipy.special import expit  # noqa: PLC0415 - scipy on first use

    out: FloatArray = expit(eta)
    return out
