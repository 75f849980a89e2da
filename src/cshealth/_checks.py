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
import types
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Literal, TypeVar, Union, cast, get_args, get_origin, overload

import numpy as np

from cshealth._exceptions import InvalidInputError
from cshealth._types import FloatArray

__all__ = [
    "MAX_WINDOW_DAYS",
    "float_array",
    "iso",
    "items",
    "one_of",
    "options_of",
    "probability",
    "real_number",
    "shown",
    "weight_array",
    "whole_number",
]

#: Upper bound of every ``window_days`` argument: 100 years of days.
MAX_WINDOW_DAYS = 36_525

_Choice = TypeVar("_Choice", bound="str | None")

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
        cshealth.InvalidInputError: `weeks` must be a whole number from 1 to 520, ...
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
        cshealth.InvalidInputError: `alpha` must be a finite number in [0, 1], got '0.5'
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


@overload
def one_of(value: object, options: tuple[_Choice, ...], name: str) -> _Choice: ...
@overload
def one_of(value: object, options: object, name: str) -> object: ...
def one_of(value: object, options: object, name: str) -> object:
    """``value`` after checking it is one of ``options`` (an argument named ``name``).

    The one check of every option argument, so that every message lists the options the
    same way: as a set, in the order they are declared (never in hash order).

    Args:
        value: The argument.
        options: The allowed values: a tuple, or a ``Literal`` type such as the
            argument's annotation (``Literal["a", "b"] | None`` allows ``None`` too).
        name: The caller's parameter, for the message.

    Returns:
        The option equal to ``value``, as declared (typed by a tuple of options; a
        ``Literal`` type gives an ``object`` for the caller to ``cast``).

    Raises:
        InvalidInputError: On anything else, listing the options in declared order.

    Examples:
        >>> one_of("week", ("month", "week"), "period")
        'week'
        >>> one_of("day", Literal["month", "week"] | None, "period")
        Traceback (most recent call last):
        ...
        cshealth.InvalidInputError: `period` must be one of {'month', 'week'} or None, got 'day'
    """
    allowed = options_of(options)
    for known in allowed:
        if (value is None and known is None) or (isinstance(value, str) and value == known):
            return known
    listed = "{" + ", ".join(repr(known) for known in allowed if known is not None) + "}"
    if None in allowed:
        listed += " or None"
    msg = f"`{name}` must be one of {listed}, got {shown(value)}"
    raise InvalidInputError(msg)


def options_of(options: object) -> tuple[str | None, ...]:
    """The values a tuple or a ``Literal`` type allows, in declared order.

    ``None`` (or ``NoneType``) in a union stands for itself; nested unions and literals
    are flattened. Anything else is a mistake in cshealth, not in the caller's input.

    Raises:
        TypeError: If ``options`` is not a tuple of text or ``None``, or such a type.

    Examples:
        >>> options_of(Literal["month", "quarter"] | None)
        ('month', 'quarter', None)
    """
    if isinstance(options, tuple):
        found: tuple[object, ...] = options
    elif options is None or options is type(None):
        found = (None,)
    elif get_origin(options) is Literal:
        found = get_args(options)
    elif get_origin(options) in (Union, types.UnionType):
        found = tuple(item for part in get_args(options) for item in options_of(part))
    else:
        found = (options,)
    if not all(item is None or isinstance(item, str) for item in found):
        msg = f"options must be text or None, got {options!r}"
        raise TypeError(msg)
    return cast("tuple[str | None, ...]", found)


def iso(value: object) -> str:
    """A date or an instant as ISO 8601 text (for messages); anything else as `shown`.

    Examples:
        >>> from datetime import datetime, timezone
        >>> iso(date(2025, 1, 31)), iso(datetime(2025, 1, 31, 9, 30, tzinfo=timezone.utc))
        ('2025-01-31', '2025-01-31T09:30:00+00:00')
        >>> iso(np.datetime64("2025-01-31T09:30", "us")), iso("2025-01-31")
        ('2025-01-31T09:30:00.000000', "'2025-01-31'")
    """
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return str(value)
    return shown(value)


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


def weight_array(values: object, n: int, *, noun: str, name: str = "weights") -> FloatArray:
    """Weights, one per ``noun``: ``float64`` numbers, finite and ``>= 0``.

    Raises:
        InvalidInputError: On values that are not numbers, a length other than ``n``, or
            a weight that is negative, NaN or infinite (its position named).

    Examples:
        >>> weight_array([1, 0.5], 2, noun="score").tolist()
        [1.0, 0.5]
        >>> weight_array([1, -2], 2, noun="score")
        Traceback (most recent call last):
          ...
        cshealth.InvalidInputError: `weights` must be finite and >= 0; position 1 holds -2.0
    """
    w = float_array(values, name)
    if w.shape != (n,):
        msg = f"`{name}` must have one weight per {noun} ({n}), got shape {w.shape}"
        raise InvalidInputError(msg)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        msg = f"`{name}` must be finite and >= 0; position {position} holds {shown(w[position])}"
        raise InvalidInputError(msg)
    return w
