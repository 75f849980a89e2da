"""Text tables: a header and rows of cells laid out in aligned columns.

The ``format()`` of results with rows (an NPS breakdown, an NPS trend) writes its cells as
text and leaves the layout to `align_columns`: each column as wide as its widest cell,
labels on the left, numbers on the right, trailing blanks dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

__all__ = ["align_columns"]

#: The alignments a column may have: ``<`` (left, for labels), ``>`` (right, for numbers).
_ALIGNMENTS = "<>"


def align_columns(
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    align: str,
    widths: Sequence[int] = (),
    gaps: str | Sequence[str] = " ",
) -> str:
    """Lay out a header and rows of text cells in columns, one line each.

    Each column is as wide as its widest cell, the header's included, or as
    ``widths[i]`` when that is more (a fixed width keeps tables of several results in
    step). A row may hold fewer cells than the header: the cells it lacks are blank.
    Every line loses its trailing blanks.

    Args:
        header: The column names.
        rows: The rows, each a sequence of cells already written as text.
        align: One character per column: ``'<'`` pads a cell on the right (labels),
            ``'>'`` on the left (numbers).
        widths: The least width of each column, in order; columns past its end have
            none.
        gaps: The text between two columns: one for every gap, or one per gap
            (``len(header) - 1`` of them).

    Returns:
        The lines, joined by newlines: the header first.

    Raises:
        ValueError: On an ``align`` that is not one ``'<'`` or ``'>'`` per column, more
            ``widths`` or a row with more cells than there are columns, or per-gap
            ``gaps`` of the wrong number.

    Examples:
        >>> print(align_columns(["plan", "n"], [["enterprise", "12"], ["smb", "3"]], align="<>"))
        plan        n
        enterprise 12
        smb         3
        >>> print(
        ...     align_columns(
        ...         ["week", "NPS", "note"],
        ...         [["1", "50.0", "up"], ["2", "-"]],
        ...         align="<><",
        ...         widths=[6],
        ...         gaps=["  ", " "],
        ...     )
        ... )
        week     NPS note
        1       50.0 up
        2          -
    """
    count = len(header)
    if len(align) != count or any(a not in _ALIGNMENTS for a in align):
        msg = f"`align` must hold one of {_ALIGNMENTS!r} per column ({count}), got {align!r}"
        raise ValueError(msg)
    if len(widths) > count:
        msg = f"`widths` holds {len(widths)} widths for {count} columns"
        raise ValueError(msg)
    between = [gaps] * max(count - 1, 0) if isinstance(gaps, str) else list(gaps)
    if len(between) != max(count - 1, 0):
        msg = f"`gaps` must hold one text per gap ({max(count - 1, 0)}), got {len(between)}"
        raise ValueError(msg)
    lines = [list(header), *(list(row) for row in rows)]
    for cells in lines:
        if len(cells) > count:
            msg = f"a row holds {len(cells)} cells for {count} columns: {cells!r}"
            raise ValueError(msg)
        cells.extend([""] * (count - len(cells)))
    least = [*widths, *[0] * (count - len(widths))]
    sizes = [max(least[i], *(len(cells[i]) for cells in lines)) for i in range(count)]
    out = []
    for cells in lines:
        padded = [
            cell.ljust(size) if side == "<" else cell.rjust(size)
            for cell, size, side in zip(cells, sizes, align)
        ]
        text = padded[0] if padded else ""
        for gap, cell in zip(between, padded[1:]):
            text += gap + cell
        out.append(text.rstrip())
    return "\n".join(out)
