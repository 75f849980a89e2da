"""Penalised logistic regression whose coefficients can only lower the risk, for `fit_weights`.

The model is ``logit P(churn) = a - Σ_c b_c·x_c`` with every ``b_c >= 0``: a higher
predictor (a node score) never raises the risk of churn. The fit minimises

    Σ_i [log(1 + exp(η_i)) - y_i·η_i] + (l2 / 2)·Σ_c b_c²,   η_i = a - Σ_c b_c·x_ic,

the negative log-likelihood plus a ridge penalty on the coefficients (the intercept is
free and not penalised): the objective of scikit-learn's
``LogisticRegression(C=1 / l2)`` on the predictors ``-x``, with bounds. The minimiser is
scipy's L-BFGS-B with the bounds ``b_c >= 0`` and the exact gradient. The predictors are
centred first (which moves only the intercept) and the objective is divided by the number
of observations (which moves nothing), so that the tolerances mean the same for a hundred
observations or a million.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._types import BoolArray, FloatArray

__all__ = ["NonNegativeFit", "fit_nonnegative"]

#: A coefficient below this is at its bound: 0 (L-BFGS-B stops within its tolerances).
ZERO = 1e-10


@dataclass(frozen=True)
class NonNegativeFit:
    """A fitted ``logit P(churn) = intercept - Σ_c coefficients[c]·x_c``.

    Attributes:
        intercept: The log-odds of churn where every predictor is 0.
        coefficients: Per predictor, the fall in the log-odds of churn per unit of it
            (``>= 0``; exactly 0 where the bound holds it).
        converged: Whether the minimiser reported convergence.
        iterations: The minimiser's iterations.
    """

    intercept: float
    coefficients: FloatArray
    converged: bool
    iterations: int


def fit_nonnegative(x: FloatArray, churned: BoolArray, *, l2: float) -> NonNegativeFit:
    """The penalised maximum-likelihood fit with non-negative coefficients.

    Args:
        x: The predictors, one row per observation and one column per predictor
            (finite).
        churned: Per observation, whether it churned; both outcomes must occur.
        l2: The ridge penalty on the coefficients (``>= 0``; 0: none, and then a
            predictor that separates churners from renewers has no finite fit).

    Returns:
        The intercept and the coefficients.

    Examples:
        Churn falls as ``x`` rises, so its coefficient is positive; the second predictor
        would raise the risk, so the bound holds it at 0:

        >>> x = np.array([[0.0, 1.0], [0.2, 0.8], [0.4, 0.6], [0.6, 0.4], [0.8, 0.2], [1.0, 0.0]])
        >>> fit = fit_nonnegative(x, np.array([1, 1, 0, 1, 0, 0], dtype=bool), l2=0.0)
        >>> bool(fit.coefficients[0] > 0), float(fit.coefficients[1])
        (True, 0.0)
    """
    from scipy.optimize import minimize  # noqa: PLC0415 - scipy on first use
    from scipy.special import expit  # noqa: PLC0415

    n, k = x.shape
    centre = x.mean(axis=0)
    z = centre - x  # η = a' + z·b: a higher x lowers the risk
    y = churned.astype(np.float64)
    base = float(y.mean())
    start = np.zeros(k + 1)
    start[0] = np.log(base / (1.0 - base))

    def objective(theta: FloatArray) -> tuple[float, FloatArray]:
        b = theta[1:]
        eta = theta[0] + z @ b
        loss = float((np.logaddexp(0.0, eta) - y * eta).sum() + 0.5 * l2 * (b @ b)) / n
        residual = expit(eta) - y
        gradient = np.empty(k + 1)
        gradient[0] = residual.sum()
        gradient[1:] = z.T @ residual + l2 * b
        return loss, gradient / n

    found = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(None, None)] + [(0.0, None)] * k,
        options={"maxiter": 10_000, "ftol": 1e-15, "gtol": 1e-11},
    )
    theta = np.asarray(found.x, dtype=np.float64)
    b = np.where(theta[1:] < ZERO, 0.0, theta[1:])
    return NonNegativeFit(
        intercept=float(theta[0] + centre @ b),
        coefficients=b,
        converged=bool(found.success),
        iterations=int(found.nit),
    )
