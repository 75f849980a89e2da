"""Evaluating rules on whole columns: each condition once, each rule from its conditions.

A condition holds where its input is known and the comparison is true; where the input is
unknown it takes its ``if_missing`` value (or, with ``if_missing="error"``, refuses). A
rule fires where all its ``all`` conditions hold and, if it has ``any`` conditions, one of
them does. `describe` turns the evaluation of one account back into words for its reasons.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

import numpy as np
from numpy.typing import NDArray

from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, IdArray
from cshealth.lifecycle._rules import RuleCondition, Thresholds, Value
from cshealth.lifecycle._signal import Signal

__all__ = ["Outcome", "evaluate", "fires", "operand", "words"]


@dataclass(frozen=True)
class Outcome:
    """A condition evaluated on every account.

    Attributes:
        holds: Where it holds (unknown inputs take ``if_missing``).
        unknown: Where its input was unknown.
    """

    holds: BoolArray
    unknown: BoolArray


def operand(condition: RuleCondition, thresholds: Thresholds) -> Value:
    """What the condition compares with: its value, or its threshold's number."""
    if condition.threshold is not None:
        return getattr(thresholds, condition.threshold)  # type: ignore[no-any-return]
    assert condition.value is not None  # the configuration checks one of the two is given
    return condition.value


def _kind(values: NDArray[np.generic]) -> str:
    return {"b": "flag", "f": "number", "i": "number", "u": "number"}.get(values.dtype.kind, "text")


def _compare(kind: str, values: NDArray[np.generic], op: str, with_: Value) -> BoolArray:
    if op in ("in", "not_in"):
        listed = list(cast("tuple[str, ...]", with_))
        inside = np.isin(values.astype(object), np.array(listed, dtype=object))
        out: BoolArray = inside if op == "in" else ~inside
        return out
    compare: Callable[..., object] = {
        "<": np.less,
        "<=": np.less_equal,
        ">": np.greater,
        ">=": np.greater_equal,
        "==": np.equal,
        "!=": np.not_equal,
    }[op]
    if kind == "number":
        with np.errstate(invalid="ignore"):
            return np.asarray(compare(values, float(with_)), dtype=bool)  # type: ignore[arg-type]
    return np.asarray(compare(values, with_), dtype=bool)


def _fits(kind: str, op: str, with_: Value) -> bool:
    if op in ("in", "not_in"):
        return kind == "text"
    if kind == "number":
        return isinstance(with_, (int, float)) and not isinstance(with_, bool)
    if kind == "flag":
        return isinstance(with_, bool) and op in ("==", "!=")
    return isinstance(with_, str) and op in ("==", "!=")


def evaluate(
    condition: RuleCondition,
    signal: Signal,
    thresholds: Thresholds,
    *,
    rule: str,
    ids: IdArray,
) -> Outcome:
    """The condition on every account.

    Raises:
        InvalidInputError: When the input's values cannot be compared as asked (text with
            ``<``, a number with a text), or when ``if_missing="error"`` and the input is
            unknown for some account.
    """
    with_ = operand(condition, thresholds)
    kind = _kind(signal.values)
    if signal.known.any() and not _fits(kind, condition.op, with_):
        msg = (
            f"rule {rule!r}: `{condition.input}` holds {kind}s, which cannot be compared with "
            f"{with_!r} by {condition.op!r}"
        )
        raise InvalidInputError(msg)
    unknown = ~signal.known
    if condition.if_missing == "error" and unknown.any():
        where = np.flatnonzero(unknown)
        shown = ", ".join(repr(ids[i]) for i in where[:5].tolist())
        why = signal.absent or signal.unknown_reason
        msg = (
            f"rule {rule!r} needs `{condition.input}` for every account (if_missing='error'), "
            f"but it is unknown for {len(where)} ({shown}{', ...' if len(where) > 5 else ''}): "
            f"{why}"
        )
        raise InvalidInputError(msg)
    holds = _compare(kind, signal.values, condition.op, with_) if signal.known.any() else unknown
    holds = np.where(signal.known, holds, condition.if_missing == "true")
    return Outcome(holds.astype(bool), unknown)


def fires(all_: list[Outcome], any_: list[Outcome], n: int) -> BoolArray:
    """Where a rule fires: every ``all`` outcome holds and, if any are given, one ``any``."""
    out = np.ones(n, dtype=bool)
    for outcome in all_:
        out &= outcome.holds
    if any_:
        out &= np.logical_or.reduce([outcome.holds for outcome in any_])
    return out


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:g}" if math.isfinite(value) else str(value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    return repr(value) if isinstance(value, str) else str(value)


def words(
    condition: RuleCondition,
    signal: Signal,
    thresholds: Thresholds,
    row: int,
) -> tuple[str, str | None]:
    """One account's condition in words, and the fallback it took (if one).

    Examples:
        >>> import numpy as np
        >>> c = RuleCondition(input="days_to_renewal", op="<=", threshold="renewal_window_days")
        >>> s = Signal(np.array([45.0]), np.array([True]))
        >>> words(c, s, Thresholds(), 0)
        ('days_to_renewal = 45 (<= renewal_window_days (90))', None)
    """
    with_ = operand(condition, thresholds)
    compared = (
        f"{condition.threshold} ({_shown(with_)})"
        if condition.threshold is not None
        else _shown(list(with_) if isinstance(with_, tuple) else with_)
    )
    if signal.known[row]:
        value = signal.values[row]
        value = value.item() if isinstance(value, np.generic) else value
        if condition.op == "==":
            text = f"{condition.input} is {_shown(value)}"
        elif condition.op in ("in", "not_in"):
            word = "in" if condition.op == "in" else "not in"
            text = f"{condition.input} is {_shown(value)}, {word} {compared}"
        else:
            text = f"{condition.input} = {_shown(value)} ({condition.op} {compared})"
        note = None
        if signal.fallback is not None and signal.fallback[row]:
            note = f"{condition.input} by fallback: {signal.fallback_note}"
        return text, note
    why = signal.absent or signal.unknown_reason
    taken = condition.if_missing
    text = f"{condition.input} unknown ({why}): taken as {taken}"
    return text, text
