"""What the result of a window derives from its rates: the rates of a year, an interval.

A window's rates are compounded to a year, never multiplied (spec 3.4):
`AnnualizedRetention` is what `RevenueRetention.annualized` gives, and `LogoChurn` and
`ActivityChurn` compound their churn rate the same way (`_annualized`). A churn rate's
interval is its `Rate`'s, at a checked confidence level (`_interval`).
"""

from __future__ import annotations

from dataclasses import dataclass

from cshealth._result import Result
from cshealth._stats import ConfidenceInterval, Rate, check_confidence_level
from cshealth.retention._economics import _periods_per_year, _shown, annualize

__all__ = ["AnnualizedRetention"]


@dataclass(frozen=True, eq=False, repr=False)
class AnnualizedRetention(Result):
    """Window rates compounded to a year: ``1 - (1 - churn)^k`` and ``ratio^k``.

    Attributes:
        periods_per_year: ``k``, how many windows make a year.
        logo_churn_rate: ``1 - (1 - m)^k`` for the window's logo churn ``m``.
        logo_retention_rate: ``(1 - m)^k``.
        nrr: ``NRR^k``.
        grr: ``GRR^k``.
    """

    periods_per_year: float
    logo_churn_rate: float | None
    logo_retention_rate: float | None
    nrr: float | None
    grr: float | None

    def __repr__(self) -> str:
        return (
            f"AnnualizedRetention(periods_per_year={self.periods_per_year:.4g}, "
            f"logo_churn_rate={_shown(self.logo_churn_rate)}, nrr={_shown(self.nrr)}, "
            f"grr={_shown(self.grr)})"
        )


def _power(value: float | None, k: float) -> float | None:
    return None if value is None else value**k


def _annualized(rate: float | None, given: float | None, default: float) -> float | None:
    """``rate`` compounded over a year of ``given`` (or ``default``) windows."""
    if given is not None:
        default = _periods_per_year(given)
    if rate is None or rate > 1.0:
        return None
    return annualize(rate, default)


def _interval(rate: Rate, confidence_level: float) -> ConfidenceInterval | None:
    check_confidence_level(confidence_level)
    return rate.confidence_interval(confidence_level)
