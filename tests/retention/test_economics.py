"""Compounding, LTV, CAC payback and the quick ratio, against the spec's test vectors."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth._exceptions import InvalidInputError
from cshealth.retention._economics import (
    annualize,
    annualize_retention,
    cac_payback,
    deannualize,
    deannualize_retention,
    ltv,
    quick_ratio,
)

# --- compounding -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("monthly", "yearly"),
    [
        (0.01, 0.1136),  # spec §3.4 [S24]: 1 - 0.99 ** 12 = 0.113615...
        (0.02, 0.2153),  # 1 - 0.98 ** 12 = 0.215283...
        (0.05, 0.4596),  # 1 - 0.95 ** 12 = 0.459640...
    ],
)
def test_annualize_spec_vectors(monthly: float, yearly: float) -> None:
    assert round(annualize(monthly, 12), 4) == yearly
    assert deannualize(yearly, 12) == pytest.approx(monthly, abs=1e-5)


def test_annualize_is_not_multiplication() -> None:
    # 9% a month times 12 is 108%, an impossible yearly churn; compounding gives
    # 1 - 0.91 ** 12 = 0.677525...
    assert annualize(0.09, 12) == pytest.approx(0.677525, abs=1e-6)
    assert annualize(0.09, 12) < 1.0 < 0.09 * 12


def test_annualize_edges() -> None:
    assert annualize(0.0, 12) == 0.0
    assert annualize(1.0, 12) == 1.0
    assert annualize(0.3, 1) == pytest.approx(0.3)
    assert annualize(0.1, 0.5) == pytest.approx(1 - math.sqrt(0.9))  # half a period
    assert deannualize(1.0, 12) == 1.0
    assert deannualize(0.0, 4) == 0.0


def test_weekly_to_yearly() -> None:
    # 52.1775 ISO weeks a year on average (365.2425 / 7)
    assert annualize(0.001, 365.2425 / 7) == pytest.approx(1 - 0.999 ** (365.2425 / 7))


def test_retention_compounding() -> None:
    assert annualize_retention(1.01, 12) == pytest.approx(1.01**12)  # 1.126825...
    assert annualize_retention(0.0, 12) == 0.0
    assert deannualize_retention(1.2, 12) == pytest.approx(1.2 ** (1 / 12))
    assert deannualize_retention(0.81, 2) == pytest.approx(0.9)


@given(st.floats(0.0, 1.0), st.floats(0.05, 120.0))
def test_annualize_round_trip(rate: float, periods: float) -> None:
    assert annualize(deannualize(rate, periods), periods) == pytest.approx(rate, abs=1e-9)


@given(st.floats(0.0, 0.5), st.floats(0.05, 24.0))
def test_deannualize_round_trip(rate: float, periods: float) -> None:
    # the other way loses digits once (1 - rate) ** periods underflows towards 0, so the
    # check stays where that survival is above 0.5 ** 24 (6e-8)
    assert deannualize(annualize(rate, periods), periods) == pytest.approx(rate, abs=1e-9)


@given(st.floats(0.0, 1.0), st.floats(1.0, 120.0))
def test_annualized_churn_grows_with_the_span(rate: float, periods: float) -> None:
    yearly = annualize(rate, periods)
    assert 0.0 <= yearly <= 1.0
    assert yearly >= rate - 1e-12
    # churn and retention compound the same way: 1 - churn_year == retention ** periods
    assert 1.0 - yearly == pytest.approx(annualize_retention(1.0 - rate, periods), abs=1e-12)


@given(st.floats(0.0, 3.0), st.floats(0.05, 24.0))
def test_retention_round_trip(ratio: float, periods: float) -> None:
    back = annualize_retention(deannualize_retention(ratio, periods), periods)
    assert back == pytest.approx(ratio, rel=1e-9, abs=1e-12)


def test_numpy_and_decimal_inputs() -> None:
    assert annualize(np.float32(0.02), np.int64(12)) == pytest.approx(0.21528, abs=1e-5)
    money: Any = Decimal("0.02")  # money may come as Decimal (spec §0)
    assert annualize(money, 12) == pytest.approx(0.21528, abs=1e-5)
    assert isinstance(annualize(0.02, 12), float)


# --- LTV and CAC payback -----------------------------------------------------------------


def test_ltv_worked_examples() -> None:
    # ARPA 500 a month, 2% monthly churn: expected lifetime 1 / 0.02 = 50 months;
    # revenue LTV 500 * 50 = 25,000; at 80% gross margin 0.8 * 25,000 = 20,000.
    assert ltv(500.0, 0.02) == pytest.approx(25_000.0)
    assert ltv(500.0, 0.02, gross_margin=0.8) == pytest.approx(20_000.0)
    # yearly units: ARPA 6,000 a year with a yearly churn of 21.53% -> 27,868...
    assert ltv(6_000.0, 0.2153) == pytest.approx(6_000 / 0.2153)
    assert ltv(0.0, 0.1) == 0.0
    assert ltv(100.0, 1.0) == 100.0  # everyone leaves after one period


def test_ltv_zero_churn_is_undefined() -> None:
    assert ltv(500.0, 0.0) is None
    assert ltv(500.0, 0.0, gross_margin=0.5) is None


def test_cac_payback_worked_examples() -> None:
    # CAC 6,000; a new account pays 500 a month at 80% margin: 400 a month -> 15 months
    assert cac_payback(6_000.0, 500.0, gross_margin=0.8) == pytest.approx(15.0)
    assert cac_payback(6_000.0, 500.0) == pytest.approx(12.0)
    assert cac_payback(0.0, 500.0) == 0.0
    assert cac_payback(6_000.0, 0.0) is None  # never paid back


# --- quick ratio -------------------------------------------------------------------------


def test_quick_ratio_worked_examples() -> None:
    # (new 300 + expansion 100) / (churn 50 + contraction 50) = 400 / 100 = 4
    assert quick_ratio(300.0, 100.0, 50.0, 50.0) == 4.0
    # reactivation is ignored by default ...
    assert quick_ratio(300.0, 100.0, 50.0, 50.0, reactivation=100.0) == 4.0
    # ... and added to the gains when asked: (300 + 100 + 100) / 100 = 5
    assert quick_ratio(300.0, 100.0, 50.0, 50.0, reactivation=100.0, include_reactivation=True) == 5
    assert quick_ratio(0.0, 0.0, 10.0, 0.0) == 0.0  # shrinking, nothing gained


def test_quick_ratio_without_losses() -> None:
    assert quick_ratio(300.0, 0.0, 0.0, 0.0) is None
    assert quick_ratio(300.0, 0.0, 0.0, 0.0, allow_inf=True) == math.inf
    # no gains and no losses: 0 / 0 is undefined even with allow_inf
    assert quick_ratio(0.0, 0.0, 0.0, 0.0, allow_inf=True) is None
    # reactivation alone is a gain only when counted
    assert quick_ratio(0, 0, 0, 0, reactivation=5.0, allow_inf=True) is None
    assert quick_ratio(0, 0, 0, 0, reactivation=5.0, include_reactivation=True, allow_inf=True) == (
        math.inf
    )


# --- bad input ---------------------------------------------------------------------------

BAD_NUMBERS = [math.nan, math.inf, -math.inf, "0.1", None, True, [0.1]]


@pytest.mark.parametrize("bad", BAD_NUMBERS)
def test_non_numbers_are_refused(bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="`rate` must be a finite number"):
        annualize(bad, 12)
    with pytest.raises(InvalidInputError, match="`periods` must be a finite number"):
        deannualize(0.1, bad)
    with pytest.raises(InvalidInputError, match="`arpa` must be a finite number"):
        ltv(bad, 0.1)
    with pytest.raises(InvalidInputError, match="`gross_margin` must be a finite number"):
        cac_payback(1.0, 1.0, gross_margin=bad)
    with pytest.raises(InvalidInputError, match="`reactivation` must be a finite number"):
        quick_ratio(1.0, 1.0, 1.0, 1.0, reactivation=bad)


@pytest.mark.parametrize("bad", [-0.01, 1.01, 2.0])
def test_rates_outside_zero_one(bad: float) -> None:
    with pytest.raises(InvalidInputError, match=r"`rate` must be a rate between 0 and 1.*got"):
        annualize(bad, 12)
    with pytest.raises(InvalidInputError, match="`rate` must be a rate between 0 and 1"):
        deannualize(bad, 12)
    with pytest.raises(InvalidInputError, match="`churn_rate` must be a rate between 0 and 1"):
        ltv(100.0, bad)


@pytest.mark.parametrize("bad", [0, 0.0, -12])
def test_periods_must_be_positive(bad: float) -> None:
    for function in (annualize, deannualize, annualize_retention, deannualize_retention):
        with pytest.raises(InvalidInputError, match=r"`periods` must be > 0.*got"):
            function(0.5, bad)


def test_negative_ratios_and_amounts() -> None:
    with pytest.raises(InvalidInputError, match=r"`ratio` must be >= 0.*-0.1"):
        annualize_retention(-0.1, 12)
    with pytest.raises(InvalidInputError, match="`ratio` must be >= 0"):
        deannualize_retention(-0.1, 12)
    with pytest.raises(InvalidInputError, match=r"`arpa` must be >= 0.*-5"):
        ltv(-5.0, 0.1)
    with pytest.raises(InvalidInputError, match="`cac` must be >= 0"):
        cac_payback(-1.0, 10.0)
    with pytest.raises(InvalidInputError, match="`arpa_new` must be >= 0"):
        cac_payback(1.0, -10.0)
    for position, name in enumerate(["new", "expansion", "churned", "contraction"]):
        values = [1.0, 1.0, 1.0, 1.0]
        values[position] = -1.0
        with pytest.raises(InvalidInputError, match=f"`{name}` must be >= 0"):
            quick_ratio(*values)


@pytest.mark.parametrize("bad", [0.0, -0.2, 1.2])
def test_gross_margin_outside_zero_one(bad: float) -> None:
    with pytest.raises(InvalidInputError, match=r"`gross_margin` must be in \(0, 1\]"):
        ltv(100.0, 0.1, gross_margin=bad)
    with pytest.raises(InvalidInputError, match=r"`gross_margin` must be in \(0, 1\]"):
        cac_payback(100.0, 10.0, gross_margin=bad)


def test_overflow_is_an_error() -> None:
    with pytest.raises(InvalidInputError, match="too large for a float"):
        annualize_retention(1e300, 12)
    with pytest.raises(InvalidInputError, match="too large for a float"):
        deannualize_retention(10.0, 1e-5)
