"""`cshealth._text.align_columns`: the one writer of the text tables of results.

Checked on worked tables (written out by hand), and as a property: in every line, each
column starts at the same offset, left-aligned cells begin there and right-aligned cells
end at the column's right edge, and no line ends in a blank.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth._text import align_columns


def test_labels_left_numbers_right() -> None:
    text = align_columns(
        ["segment", "NPS", "n"],
        [["enterprise", "41.5", "120"], ["smb", "-3.0", "8"]],
        align="<>>",
    )
    assert text == "\n".join(
        [
            "segment     NPS   n",
            "enterprise 41.5 120",
            "smb        -3.0   8",
        ]
    )


def test_least_widths_gaps_and_short_rows() -> None:
    text = align_columns(
        ["period", "NPS", "n", "change"],
        [["2025-01", "50.0", "12", "+3.0 *"], ["2025-02", "-", "0"]],
        align="<>><",
        widths=[9, 6],
        gaps=[" ", " ", "  "],
    )
    assert text.splitlines() == [
        "period       NPS  n  change",
        "2025-01     50.0 12  +3.0 *",
        "2025-02        -  0",  # the missing cell is blank, the blanks after it dropped
    ]


def test_a_wide_cell_widens_its_column_for_every_line() -> None:
    text = align_columns(["x", "y"], [["a", "1"], ["b", "-100.0"]], align="<>", widths=[1, 5])
    assert text.splitlines() == ["x      y", "a      1", "b -100.0"]


def test_no_rows_and_one_column() -> None:
    assert align_columns(["group", "NPS"], [], align="<>") == "group NPS"
    assert align_columns(["name"], [["a"], [""], ["bb"]], align=">") == "name\n   a\n\n  bb"


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"align": "<"}, "`align` must hold one of '<>' per column"),
        ({"align": "<^"}, "`align` must hold one of '<>' per column"),
        ({"align": "<>", "widths": [1, 2, 3]}, "`widths` holds 3 widths for 2 columns"),
        ({"align": "<>", "gaps": [" ", " "]}, r"`gaps` must hold one text per gap \(1\), got 2"),
    ],
)
def test_bad_layouts_are_refused(options: dict, fragment: str) -> None:
    with pytest.raises(ValueError, match=fragment):
        align_columns(["a", "b"], [["1", "2"]], **options)


def test_a_row_longer_than_the_header_is_refused() -> None:
    with pytest.raises(ValueError, match="a row holds 3 cells for 2 columns"):
        align_columns(["a", "b"], [["1", "2", "3"]], align="<>")


cells = st.text(alphabet="ab-.0123456789", min_size=0, max_size=8)


@given(
    st.integers(1, 4).flatmap(
        lambda k: st.tuples(
            st.lists(cells.filter(bool), min_size=k, max_size=k),
            st.lists(st.lists(cells, min_size=k, max_size=k), max_size=6),
            st.text(alphabet="<>", min_size=k, max_size=k),
            st.lists(st.integers(0, 10), max_size=k),
        )
    )
)
def test_every_column_lines_up(case: tuple[list[str], list[list[str]], str, list[int]]) -> None:
    header, rows, align, widths = case
    lines = align_columns(header, rows, align=align, widths=widths).splitlines()
    table = [header, *rows]
    assert len(lines) == len(table)
    sizes = [
        max([widths[i] if i < len(widths) else 0, *(len(r[i]) for r in table)])
        for i in range(len(header))
    ]
    starts = [sum(sizes[:i]) + i for i in range(len(header))]  # one blank between columns
    for line, row in zip(lines, table):
        assert line == line.rstrip()
        padded = line.ljust(sum(sizes) + len(sizes) - 1)
        for cell, side, start, size in zip(row, align, starts, sizes):
            column = padded[start : start + size]
            assert column == (cell.ljust(size) if side == "<" else cell.rjust(size))
        assert all(padded[start - 1] == " " for start in starts[1:])
