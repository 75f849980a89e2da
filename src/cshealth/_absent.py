"""Measures whose input columns are absent: "not measured", never a number.

An optional column the data leaves out (tickets without ``agent_replies``) is not a
column of zeros. Filled with the model's default and turned into a rate, it would give a
number nobody measured: a one-touch rate of 100%, a reopen rate of 0%. So every area
lists, for each measure it reports, the optional columns the measure is computed from;
`not_measured` finds the measures whose columns the data does not have, with the reason.
A result holds such a measure as ``None`` (a per-account table: a column of ``NaN``) and
carries a ``not_measured`` mapping of measure name to reason, which its ``repr``, its text
and its ``to_dict`` show.

Records always have every field (a record that leaves one out takes the model's default
on purpose), so only columns can be absent: a mapping of columns or a data frame without
the column, or a `cshealth.io.Table` read from a file without it (`Table.absent`).
"""

from __future__ import annotations

from collections.abc import Container, Mapping, Sequence

__all__ = ["NOT_MEASURED", "absent_reason", "listed", "not_measured", "shown"]

#: How a measure that was not measured is shown in text.
NOT_MEASURED = "not measured"


def absent_reason(columns: Sequence[str]) -> str:
    """The reason a measure built on the absent ``columns`` was not measured.

    Examples:
        >>> absent_reason(["agent_replies"])
        'no `agent_replies` column'
        >>> absent_reason(["queue_wait_seconds", "abandoned"])
        'no `queue_wait_seconds` and `abandoned` columns'
    """
    names = [f"`{name}`" for name in columns]
    if len(names) == 1:
        return f"no {names[0]} column"
    return f"no {', '.join(names[:-1])} and {names[-1]} columns"


def not_measured(present: Container[str], needs: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """The measures of ``needs`` whose input columns are not all ``present``, with reasons.

    Args:
        present: The columns the data has.
        needs: Measure name to the optional columns it is computed from, in the order
            the measures are reported.

    Returns:
        Measure name to reason (`absent_reason`), in the order of ``needs``; empty when
        every measure could be measured.

    Examples:
        >>> needs = {"one_touch": ["agent_replies"], "fcr": ["customer_replies"]}
        >>> not_measured({"agent_replies"}, needs)
        {'fcr': 'no `customer_replies` column'}
    """
    found: dict[str, str] = {}
    for measure, columns in needs.items():
        absent = [name for name in columns if name not in present]
        if absent:
            found[measure] = absent_reason(absent)
    return found


def listed(names: Sequence[str], *, at_most: int = 3) -> str:
    """The measures not measured, for a ``repr``: the first few names and how many more.

    Examples:
        >>> listed(["fcr", "one_touch"]), listed(["a", "b", "c", "d", "e"])
        ('fcr, one_touch', 'a, b, c and 2 more')
    """
    shown_names = ", ".join(names[:at_most])
    more = len(names) - at_most
    return f"{shown_names} and {more} more" if more > 0 else shown_names


def shown(reason: str) -> str:
    """A measure that was not measured, as text: ``not measured: <reason>``.

    Examples:
        >>> shown("no `agent_replies` column")
        'not measured: no `agent_replies` column'
    """
    return f"{NOT_MEASURED}: {reason}"
