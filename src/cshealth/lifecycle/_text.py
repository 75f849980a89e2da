"""Numbers as text in the lifecycle tables: one rule for a missing value (``-``)."""

from __future__ import annotations

import math

__all__ = ["number", "percent"]


def number(value: float | None, spec: str = ".0f") -> str:
    """``value`` in the format ``spec``; ``-`` for ``None`` or NaN.

    Examples:
        >>> number(12.34), number(12.34, ".1f"), number(float("nan"))
        ('12', '12.3', '-')
    """
    return "-" if value is None or math.isnan(value) else format(value, spec)


def percent(value: float | None) -> str:
    """A share as a whole percentage; ``-`` for ``None`` or NaN.

    Examples:
        >>> percent(0.456), percent(None)
        ('46%', '-')
    """
    return "-" if value is None or math.isnan(value) else f"{100 * value:.0f}%"
