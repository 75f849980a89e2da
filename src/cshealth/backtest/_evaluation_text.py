"""Figures as text: a number, a percent or an interval that may have no value (``-``).

The text of `Metrics` and `Evaluation` (``print()``, their reprs and tables).
"""

from __future__ import annotations

import math

from cshealth._stats import ConfidenceInterval

__all__ = ["ci_text", "interval_text", "num", "pct"]


def num(value: float, spec: str) -> str:
    """``value`` in ``spec``, or ``-`` when it has no value."""
    return format(value, spec) if math.isfinite(value) else "-"


def pct(value: float) -> str:
    """``value`` as a percent with one decimal, or ``-``."""
    return f"{value:.1%}" if math.isfinite(value) else "-"


def ci_text(interval: ConfidenceInterval, level: str) -> str:
    """`` (95% CI low to high)``, or nothing when there is no interval."""
    text = interval_text(interval, ".3f")
    return "" if text == "-" else f" ({level} CI {text})"


def interval_text(interval: ConfidenceInterval, spec: str) -> str:
    """``low to high`` in ``spec``, or ``-`` when a bound has no value."""
    low, high = float(interval.low), float(interval.high)
    if not (math.isfinite(low) and math.isfinite(high)):
        return "-"
    return f"{low:{spec}} to {high:{spec}}"
