"""Checks of scalar and array arguments, shared by every area.

Each check returns the argument in its working type (``int``, ``float``, a ``float64``
array) or raises `InvalidInputError` in the house style: the argument named in backticks,
the bad value shown, what is allowed said, e.g. ``"`weeks` must be a whole number from 1
to 520, got 10000000"``. Booleans are never numbers here (``True`` is not a valid
``weeks``), text is never a number (``"5"`` is refused, not parsed), and every number is
finite.

Size arguments (weeks, windows, periods) get explicit upper bounds, so that no call can ask
for absurd memory or time; the bounds live beside the functions that use them and are
stated in their docstrings.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar, cast

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray

__all__ = [
    "MAX_WINDOW_DAYS",
    "float_array",
    "items",
    "one_of",
    "probability",
    "real_number",
    "shown",
    "whole_number",
]

#: Upper bound of every ``window_days`` argument: 100 years of days.
MAX_WINDOW_DAYS = 36_525

_Choice = TypeVar("_Choice", bound=str)

#: Longest text of a bad value shown in a message.
_SHOWN = 80


def shown(value: object) -> str:
    """``repr(value)`` (numpy scalars as Python ones), shortened to a readable length.

    Examples:
        >>> shown(np.float64(2.5)), shown("x" * 200)[-5:]
        ('2.5', "x...'")
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and abs(value) > 10**30:
        return f"an integer of {len(str(abs(value)))} digits"
    text = repr(value)
    return text if len(text) <= _SHOWN else f"{text[: _SHOWN - 4]}...{text[-1]}"


def is_number(value: object) -> bool:
    """Whether ``value`` is a real number: not a bool, not text (``Decimal`` counts).

    Examples:
        >>> is_number(3), is_number(True), is_number("3")
        (True, False, False)
    """
    if isinstance(value, (bool, np.bool_)):
        return False
    return isinstance(value, (numbers.Real, Decimal))


def whole_number(value: object, name: str, *, low: int = 0, high: int | None = None) -> int:
    """``value`` as an ``int``, checked to be a whole number in ``[low, high]``.

    Only integers are whole numbers here: ``3.0``, ``"3"`` and ``True`` are refused.

    Raises:
        InvalidInputError: On anything else, naming ``name`` and the allowed range.

    Examples:
        >>> whole_number(12, "weeks", low=1, high=520)
        12
        >>> whole_number(10**7, "weeks", low=1, high=520)
        Traceback (most recent call last):
        ...
        cshealth._exceptions.InvalidInputError: `weeks` must be a whole number from 1 to 520, ...
    """
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        number = int(value)
        if number >= low and (high is None or number <= high):
            return number
    allowed = f"from {low} to {high}" if high is not None else f">= {low}"
    msg = f"`{name}` must be a whole number {allowed}, got {shown(value)}"
    raise InvalidInputError(msg)


def real_number(
    value: object,
    name: str,
    *,
    low: float | None = None,
    high: float | None = None,
    open_low: bool = False,
    open_high: bool = False,
    hint: str = "",
) -> float:
    """``value`` as a finite ``float``, checked against optional bounds.

    Args:
        value: The argument.
        name: Its name, for the message.
        low: The least allowed value (``None``: no bound).
        high: The greatest allowed value (``None``: no bound).
        open_low: Whether ``low`` itself is refused.
        open_high: Whether ``high`` itself is refused.
        hint: Text appended to the message, e.g. ``"; pass 0.05 for 5%"``.

    Raises:
        InvalidInputError: On text, a bool, NaN, an infinity, a number too large for a
            float, or a number out of bounds.

    Examples:
        >>> real_number(0.5, "alpha", low=0, high=1, open_low=True, open_high=True)
        0.5
        >>> real_number("0.5", "alpha", low=0, high=1)
        Traceback (most recent call last):
        ...
        cshealth._exceptions.InvalidInputError: `alpha` must be a finite number in [0, 1], got '0.5'
    """
    number = _as_float(value) if isinstance(value, (numbers.Real, Decimal)) else math.nan
    if isinstance(value, (bool, np.bool_)):
        number = math.nan
    if math.isfinite(number) and _within(number, low, high, open_low, open_high):
        return number
    msg = f"`{name}` must be a finite number{_bounds(low, high, open_low, open_high)}, got "
    raise InvalidInputError(f"{msg}{shown(value)}{hint}")


def probability(value: object, name: str, *, hint: str = "") -> float:
    """``value`` as a float strictly between 0 and 1 (a level, an alpha, a share).

    Examples:
        >>> probability(0.05, "alpha")
        0.05
    """
    return real_number(value, name, low=0.0, high=1.0, open_low=True, open_high=True, hint=hint)


def one_of(value: object, options: tuple[_Choice, ...], name: str) -> _Choice:
    """``value`` after checking it is one of ``options`` (an argument named ``name``).

    Raises:
        InvalidInputError: On anything else, listing the options.

    Examples:
        >>> one_of("week", ("month", "week"), "period")
        'week'
    """
    for known in options:
        if isinstance(value, str) and value == known:
            return known
    msg = f"`{name}` must be one of {list(options)}, got {shown(value)}"
    raise InvalidInputError(msg)


def items(values: object, name: str, what: str) -> list[object]:
    """The items of an iterable argument, read once; text and scalars are refused.

    Args:
        values: The argument.
        name: Its name, for the message.
        what: What it should hold, e.g. ``"Override items"``.

    Raises:
        InvalidInputError: If ``values`` is not an iterable (or is text).

    Examples:
        >>> items((1, 2), "overrides", "Override items")
        [1, 2]
    """
    if not isinstance(values, (str, bytes)):
        try:
            return list(cast("Iterable[object]", values))
        except TypeError:
            pass
    msg = f"`{name}` must be an iterable of {what}, got {type(values).__name__} {shown(values)}"
    raise InvalidInputError(msg)


def float_array(values: object, name: str) -> FloatArray:
    """``values`` as a ``float64`` array of numbers; text and booleans are refused.

    NaN and infinities pass (the caller decides); an object array passes when every
    element is a number or ``None`` (read as NaN).

    Raises:
        InvalidInputError: On text, booleans, nested or ragged values, or numbers too
            large for a float.

    Examples:
        >>> float_array([1, 2.5], "weights").tolist()
        [1.0, 2.5]
    """
    try:
        array = np.asarray(None if isinstance(values, (str, bytes)) else values)
    except (TypeError, ValueError):
        array = np.asarray(None)
    if values is None or (array.dtype == object and array.ndim == 0):
        msg = f"`{name}` must hold numbers, got {shown(values)}"
        raise InvalidInputError(msg)
    kind = array.dtype.kind
    if kind in "iuf":
        return array.astype(np.float64)
    if kind == "O" and all(v is None or is_number(v) for v in array.ravel().tolist()):
        try:
            return np.array(
                [math.nan if v is None else _as_float(v) for v in array.ravel().tolist()],
                dtype=np.float64,
            ).reshape(array.shape)
        except (TypeError, ValueError):
            pass
    what = "text" if kind in "US" else "booleans" if kind == "b" else "values that are not numbers"
    msg = f"`{name}` must hold numbers, got {what}: {shown(values)}"
    raise InvalidInputError(msg)


def _as_float(value: numbers.Real | Decimal) -> float:
    """``float(value)``, NaN where the value is too large for a float (``10**400``)."""
    try:
        return float(value)
    except (OverflowError, TypeError, ValueError):
        return math.nan


def _within(number: float, low: float | None, high: float | None, ol: bool, oh: bool) -> bool:
    if low is not None and (number < low or (ol and number == low)):
        return False
    return high is None or not (number > high or (oh and number == high))


def _bounds(low: float | None, high: float | None, ol: bool, oh: bool) -> str:
    if low is not None and high is not None:
        return f" in {'(' if ol else '['}{low:g}, {high:g}{')' if oh else ']'}"
    if low is not None:
        return f" {'>' if ol else '>='} {low:g}"
    if high is not None:
        return f" {'<' if oh else '<='} {high:g}"
    return ""
