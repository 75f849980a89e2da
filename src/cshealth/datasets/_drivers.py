"""Latent account health and the drivers of churn that a health score looks at.

Each account carries a latent health ``h`` that moves month by month::

    h[m + 1] = h[m] + drift + decline * [age >= onset] - 0.05 * h[m] + 0.25 * N(0, 1) - shocks

``drift ~ N(0, 0.02)``; a fifth of the accounts are *decliners* that lose 0.15 a month
from a random onset age of 3-30 months; shocks are a champion leaving (0.6), a late
onboarding at month 3 (0.15 per month of go-live delay, ``lag`` in ``[0, 3]``) and poor
support (0.03 per month per unit of ``-q``). From
``h`` and fixed per-account effects come the drivers:

* seat utilisation ``u = sigmoid(0.4 + 1.1 h + a - 1.5 exp(-age / 2))`` (``a ~ N(0, 0.6)``
  the account's adoption, the last term the ramp-up after signing);
* a contact's NPS, ``round(8 + 1.2 h + s + b + N(0, 1.5))`` (``s ~ N(0, 0.8)`` the
  account's sentiment, ``b`` the contact's own offset with spread 0.7), so the chance a
  random contact is a detractor is ``P(N(8 + 1.2 h + s, 1.5^2 + 0.7^2) < 6.5)``;
* support quality ``q ~ N(0, 1)`` (first replies take ``exp(-0.6 q)`` times as long);
* the onboarding lag (see `cshealth.datasets._onboarding`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from cshealth._types import FloatArray, IntArray
from cshealth.datasets._common import sigmoid

__all__ = [
    "CHAMPION_SHOCK",
    "NPS_NOISE",
    "PERSON_NPS_SD",
    "Drivers",
    "detractor_chance",
    "draw_drivers",
    "evolve",
    "nps_mean",
    "utilisation",
]

HEALTH_NOISE = 0.25
HEALTH_REVERSION = 0.05
DRIFT_SD = 0.02
DECLINER_SHARE = 0.2
DECLINE_RATE = 0.15
CHAMPION_SHOCK = 0.6
#: Health lost at the planned go-live per month of onboarding lag.
LAG_SHOCK = 0.15
SUPPORT_DRAG = 0.03
ADOPTION_SD = 0.6
SENTIMENT_SD = 0.8
#: A contact's NPS is ``N(NPS_MEAN + NPS_HEALTH h + s + b, NPS_NOISE)``, rounded.
NPS_MEAN = 8.0
NPS_HEALTH = 1.2
NPS_NOISE = 1.5
#: Spread of contacts' own NPS offsets ``b`` around their account.
PERSON_NPS_SD = 0.7
#: The age (months) at which a late onboarding hurts health: the planned go-live.
GO_LIVE_AGE = 3


@dataclass(frozen=True)
class Drivers:
    """Per-account effects drawn once: support quality, sentiment, adoption, trajectory."""

    support: FloatArray
    sentiment: FloatArray
    adoption: FloatArray
    drift: FloatArray
    decline: FloatArray
    onset: IntArray
    lag: FloatArray


def draw_drivers(rng: np.random.Generator, lag: FloatArray) -> Drivers:
    """Draw the fixed effects of ``len(lag)`` accounts (``lag``: their onboarding lag)."""
    n = len(lag)
    decliner = rng.random(n) < DECLINER_SHARE
    return Drivers(
        support=rng.standard_normal(n),
        sentiment=SENTIMENT_SD * rng.standard_normal(n),
        adoption=ADOPTION_SD * rng.standard_normal(n),
        drift=DRIFT_SD * rng.standard_normal(n),
        decline=np.where(decliner, -DECLINE_RATE, 0.0),
        onset=rng.integers(3, 31, size=n),
        lag=lag,
    )


def evolve(
    rng: np.random.Generator,
    health: FloatArray,
    age: IntArray,
    drivers: Drivers,
    shock: FloatArray,
) -> FloatArray:
    """One month of the health random walk (accounts at least a month old move)."""
    step = drivers.drift + np.where(age >= drivers.onset, drivers.decline, 0.0)
    step += HEALTH_NOISE * rng.standard_normal(len(health)) - HEALTH_REVERSION * health
    step -= shock + SUPPORT_DRAG * np.maximum(-drivers.support, 0.0)
    step -= LAG_SHOCK * drivers.lag * (age == GO_LIVE_AGE)
    moved: FloatArray = np.where(age >= 1, health + step, health)
    return moved


def utilisation(health: FloatArray, adoption: FloatArray, age: IntArray) -> FloatArray:
    """Expected share of seats active in a month."""
    ramp = -1.5 * np.exp(-np.maximum(age, 0) / 2.0)
    return sigmoid(0.4 + 1.1 * health + adoption + ramp)


def nps_mean(health: FloatArray, sentiment: FloatArray) -> FloatArray:
    """The account's mean latent NPS before a contact's own offset."""
    return NPS_MEAN + NPS_HEALTH * health + sentiment


def detractor_chance(health: FloatArray, sentiment: FloatArray) -> FloatArray:
    """Chance a random contact answers 0-6 (a detractor)."""
    from scipy.special import ndtr  # noqa: PLC0415

    spread = np.hypot(NPS_NOISE, PERSON_NPS_SD)
    return np.asarray(ndtr((6.5 - nps_mean(health, sentiment)) / spread), dtype=np.float64)
