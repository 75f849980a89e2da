"""Exceptions and warnings raised by cshealth.

Every error cshealth raises on purpose is a `CSHealthError`, so a service can catch
the whole family in one place, and each also subclasses the built-in exception a Python
developer would reach for first (``ValueError`` for bad data, ``ImportError`` for a missing
optional dependency)::

    Exception
    └── CSHealthError
        ├── InvalidInputError (also ValueError)      bad data: records, columns, arguments
        │   └── AccountNotFoundError (also KeyError) no such account in a result
        ├── ConfigError (also ValueError)            bad configuration (scorecards, rules, ...)
        └── MissingDependencyError (also ImportError) an optional extra is not installed

Warning:
    └── RuntimeWarning
        └── CSHealthWarning
            └── SmallSampleWarning                   an estimate rests on too few observations

An `InvalidInputError` raised for records carries every problem found, not only the
first, as `RecordError` entries in ``errors``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AccountNotFoundError",
    "CSHealthError",
    "CSHealthWarning",
    "ConfigError",
    "InvalidInputError",
    "MissingDependencyError",
    "PartialMismatchError",
    "RecordError",
    "SmallSampleWarning",
]

#: How many record errors an exception message spells out; all of them stay in ``errors``.
MESSAGE_ERROR_LIMIT = 50
#: The longest ``repr`` of a bad value a message shows; the whole value stays in ``value``.
SHOWN_VALUE_LIMIT = 120


@dataclass(frozen=True)
class RecordError:
    """One problem with one input record.

    Attributes:
        row: 1-based position of the record among the data records of its source (the
            header of a CSV file is not a record).
        field: The field at fault, or ``None`` when the problem concerns the whole record
            (for example a duplicate key).
        value: The offending value, as it was read.
        message: What is wrong and what is allowed.
        code: A stable machine-readable slug, e.g. ``"naive_datetime"`` or
            ``"duplicate_key"``.
        line: The line of the source file the record starts on, when read from a file.
        record_id: The record's own identifier, when it has a readable one.

    Examples:
        >>> err = RecordError(
        ...     row=3,
        ...     field="score",
        ...     value=11,
        ...     message="must be 0..10",
        ...     code="score_out_of_range",
        ...     line=4,
        ...     record_id="R-3",
        ... )
        >>> print(err)
        row 3 (line 4, id 'R-3'): `score` = 11: must be 0..10

        A long value is shortened in the message (``value`` keeps all of it):

        >>> long = RecordError(1, "name", "x" * 140_000, "too long", "string_too_long")
        >>> print(long)  # doctest: +ELLIPSIS
        row 1: `name` = 'xxxxxxxxxx...xxx... (140,000 characters): too long
        >>> len(str(long)), len(long.value)
        (170, 140000)
    """

    row: int
    field: str | None
    value: object
    message: str
    code: str
    line: int | None = None
    record_id: str | None = None

    def __str__(self) -> str:
        where = [f"line {self.line}"] if self.line is not None else []
        if self.record_id is not None:
            where.append(f"id {self.record_id!r}")
        place = f"row {self.row}" + (f" ({', '.join(where)})" if where else "")
        if self.field is None:
            target = "record"
        elif self.code == "missing":
            target = f"`{self.field}`"
        else:
            target = f"`{self.field}` = {_shown(self.value)}"
        return f"{place}: {target}: {self.message}"

    def to_dict(self) -> dict[str, object]:
        """Return the error as a JSON-ready dictionary (the value as its ``repr``)."""
        return {
            "row": self.row,
            "line": self.line,
            "record_id": self.record_id,
            "field": self.field,
            "value": repr(self.value),
            "code": self.code,
            "message": self.message,
        }


def _shown(value: object) -> str:
    """``repr(value)``, or its start and its length when too long to read in a message."""
    text = repr(value)
    if len(text) <= SHOWN_VALUE_LIMIT:
        return text
    size = f"{len(value):,} characters" if isinstance(value, str) else f"repr of {len(text):,}"
    return f"{text[:SHOWN_VALUE_LIMIT]}... ({size})"


class CSHealthError(Exception):
    """Root of every exception cshealth raises on purpose."""


class InvalidInputError(CSHealthError, ValueError):
    """Input data or an argument is invalid.

    Args:
        message: What is wrong, naming the argument or source, and how to fix it.
        errors: Every record-level problem found, when the input was a set of records.

    Attributes:
        errors: The record-level problems, in input order; empty for argument errors.
    """

    def __init__(self, message: str, errors: tuple[RecordError, ...] = ()) -> None:
        self.errors = errors
        super().__init__(message)

    def __str__(self) -> str:
        head = str(self.args[0]) if self.args else ""
        if not self.errors:
            return head
        shown = [f"  {err}" for err in self.errors[:MESSAGE_ERROR_LIMIT]]
        rest = len(self.errors) - MESSAGE_ERROR_LIMIT
        if rest > 0:
            shown.append(f"  ... and {rest} more (all of them are in `.errors`)")
        return "\n".join([head, *shown])


class AccountNotFoundError(InvalidInputError, KeyError):
    """An account that is not in a result (or not among the ids looked up).

    Also a `KeyError`, as a missing key of a mapping is, and an `InvalidInputError`.
    Its text is the message itself (a plain `KeyError` would show it quoted).
    """

    def __str__(self) -> str:
        return InvalidInputError.__str__(self)


class ConfigError(CSHealthError, ValueError):
    """A configuration (a scorecard, a policy, a schedule) is invalid, or was assigned to.

    The message lists every problem at its place in the configuration, such as
    ``features[1].tag: Input should be 'basic' or 'sticky'``.
    """


class PartialMismatchError(InvalidInputError):
    """Partial aggregates that must not be merged.

    Partials computed with other options (another survey type, period, time unit,
    ``as_of``, ...), of another kind, or holding the same partition twice (a retried
    task) would give a wrong total; the message names what differs.
    """


class MissingDependencyError(CSHealthError, ImportError):
    """An optional dependency needed by the called feature is not installed."""


class CSHealthWarning(RuntimeWarning):
    """Root of the warnings cshealth emits."""


class SmallSampleWarning(CSHealthWarning):
    """An estimate rests on fewer observations than its configured floor."""
