"""The partial base: one long table per partial, merged by a group-by and sum.

A toy kind (a period, a group, a count and a weight sum) is checked against a plain
dictionary sum written here: any split of random rows into partitions, merged along any
tree, gives the partial of all rows; keys and repeated partitions are refused; every
serial form round-trips.
"""

from __future__ import annotations

import itertools
import json
import pickle
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cshealth import InvalidInputError
from cshealth._partial import KINDS, Partial, PartialKey, PartialMismatchError
from cshealth.partials import from_dict, merge

pa = pytest.importorskip("pyarrow")


@dataclass(frozen=True, eq=False, repr=False)
class Toy(Partial):
    KIND: ClassVar[str] = "toy_for_tests"
    KEY_COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = (("period", "int64"), ("group", "object"))
    COUNT_COLUMNS: ClassVar[tuple[str, ...]] = ("n",)
    SUM_COLUMNS: ClassVar[tuple[str, ...]] = ("w",)


KEY = PartialKey.of("toy_for_tests", period="month", survey_type="relationship")
Row = tuple[int, str, int, float]
rows = st.lists(
    st.tuples(
        st.integers(0, 5),
        st.sampled_from(["a", "b", "ü", ""]),
        st.integers(0, 3),
        st.floats(0, 10, allow_nan=False),
    ),
    max_size=30,
)


def toy(part: list[Row], name: str | None = None) -> Toy:
    columns = {
        "period": [r[0] for r in part],
        "group": [r[1] for r in part],
        "n": [r[2] for r in part],
        "w": [r[3] for r in part],
    }
    return Toy(KEY, columns, () if name is None else (name,))


def reference(all_rows: list[Row]) -> dict[tuple[int, str], tuple[int, float]]:
    sums: dict[tuple[int, str], list[float]] = defaultdict(lambda: [0, 0.0])
    for period, group, n, w in all_rows:
        sums[(period, group)][0] += n
        sums[(period, group)][1] += w
    return {k: (int(v[0]), v[1]) for k, v in sorted(sums.items())}


def as_dict(partial: Toy) -> dict[tuple[int, str], tuple[int, float]]:
    c = partial.columns
    return {
        (int(p), str(g)): (int(n), float(w))
        for p, g, n, w in zip(c["period"], c["group"], c["n"], c["w"])
    }


def split(all_rows: list[Row], cuts: list[int]) -> list[list[Row]]:
    bounds = sorted({min(c, len(all_rows)) for c in cuts})
    edges = [0, *bounds, len(all_rows)]
    return [all_rows[a:b] for a, b in itertools.pairwise(edges)]


def merged_along_a_random_tree(partials: list[Toy], seed: int) -> Toy:
    rng = random.Random(seed)
    items = list(partials)
    rng.shuffle(items)
    while len(items) > 1:
        i = rng.randrange(len(items) - 1)
        items[i : i + 2] = [items[i].merge(items[i + 1])]
    return items[0]


@settings(max_examples=150)
@given(rows, st.lists(st.integers(0, 30), max_size=6), st.integers(0, 1000))
def test_any_split_merged_along_any_tree_is_the_whole(
    all_rows: list[Row], cuts: list[int], seed: int
) -> None:
    parts = [toy(p, f"p{i}") for i, p in enumerate(split(all_rows, cuts))]
    merged = merged_along_a_random_tree(parts, seed)
    want = reference(all_rows)
    got = as_dict(merged)
    assert got.keys() == want.keys()
    for k in want:
        assert got[k][0] == want[k][0]
        assert got[k][1] == pytest.approx(want[k][1], rel=1e-12, abs=1e-12)
    assert list(got) == sorted(got)  # rows in key order
    assert merged.parts == tuple(sorted(f"p{i}" for i in range(len(parts))))


@given(rows, rows)
def test_commutative_with_an_identity(a_rows: list[Row], b_rows: list[Row]) -> None:
    a, b = toy(a_rows), toy(b_rows)
    assert as_dict(a + b).keys() == as_dict(b + a).keys()
    assert (a + b).columns["n"].tolist() == (b + a).columns["n"].tolist()
    assert Toy.empty(KEY) + a == a == a + Toy.empty(KEY)


def test_counts_merge_exactly_in_any_order() -> None:
    rng = np.random.default_rng(0)
    parts = [
        toy(
            [
                (int(p), "g", int(n), 0.0)
                for p, n in zip(rng.integers(0, 3, 50), rng.integers(0, 9, 50))
            ]
        )
        for _ in range(6)
    ]
    results = {tuple(merged_along_a_random_tree(parts, s).columns["n"].tolist()) for s in range(40)}
    assert len(results) == 1


def test_keys_that_differ_are_refused_by_name() -> None:
    other = PartialKey.of("toy_for_tests", period="quarter", survey_type="relationship")
    with pytest.raises(PartialMismatchError, match="period: 'month' against 'quarter'"):
        Toy.empty(KEY).merge(Toy.empty(other))
    with pytest.raises(PartialMismatchError, match="holds 'toy_for_tests' partials, not 'x'"):
        Toy.empty(PartialKey.of("x"))
    newer = PartialKey("toy_for_tests", KEY.options, schema=2)
    assert KEY.differences(newer) == ["schema version: 1 against 2"]
    assert PartialKey.of("a").differences(PartialKey.of("b", z=1)) == [
        "kind: 'a' against 'b'",
        "z: '(none)' against '1'",
    ]


def test_the_same_partition_twice_is_refused() -> None:
    a, b = toy([(1, "a", 1, 1.0)], "file-3"), toy([(2, "a", 1, 1.0)], "file-4")
    ab = a + b
    with pytest.raises(PartialMismatchError, match="partition 'file-3' is in partials 0 and 1"):
        ab.merge(toy([(1, "a", 1, 1.0)], "file-3"))
    with pytest.raises(PartialMismatchError, match="cannot merge a"):
        a.merge(object())  # type: ignore[arg-type]


def test_combine_and_merge_of_none() -> None:
    assert Toy.combine([], key=KEY) == Toy.empty(KEY)
    with pytest.raises(InvalidInputError, match="needs the `key`"):
        Toy.combine([])
    with pytest.raises(InvalidInputError, match="merging no partials"):
        merge([])
    a = toy([(1, "a", 2, 0.5)])
    assert merge([a, a]).columns["n"].tolist() == [4]  # unnamed parts are not tracked
    assert Toy.combine([a, a]) == merge([a, a])


@given(rows)
def test_serial_forms_round_trip(all_rows: list[Row]) -> None:
    partial = toy(all_rows, "p7")
    again = pickle.loads(pickle.dumps(partial))
    assert again == partial
    assert not again.columns["n"].flags.writeable
    assert Toy.from_dict(json.loads(json.dumps(partial.to_dict()))) == partial
    assert from_dict(partial.to_dict()) == partial
    assert Toy.from_arrow(partial.to_arrow()) == partial


def test_an_engines_group_by_sum_reads_back_with_its_key() -> None:
    a = toy([(1, "a", 2, 0.5), (2, "b", 1, 1.0)])
    b = toy([(1, "a", 3, 1.5)])
    stacked = pa.concat_tables([a.to_arrow(), b.to_arrow()])
    summed = stacked.group_by(["period", "group"]).aggregate([("n", "sum"), ("w", "sum")])
    summed = summed.rename_columns(
        ["period", "group", "n", "w"][:0] + [c.removesuffix("_sum") for c in summed.column_names]
    )
    with pytest.raises(InvalidInputError, match="pass the `key`"):
        Toy.from_arrow(summed)
    assert Toy.from_arrow(summed, key=KEY) == a + b
    other = PartialKey.of("toy_for_tests", period="week")
    with pytest.raises(PartialMismatchError, match="another toy_for_tests partial"):
        Toy.from_arrow(a.to_arrow(), key=other)


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({"period": [1], "group": ["a"], "n": [-1], "w": [0.0]}, "got -1 at row 0"),
        ({"period": [1], "group": ["a"], "n": [1.5], "w": [0.0]}, "whole numbers from 0"),
        ({"period": [1], "group": ["a"], "n": [1], "w": [float("nan")]}, "finite numbers >= 0"),
        ({"period": [1], "group": ["a"], "n": ["x"], "w": [0.0]}, "must hold numbers"),
        ({"period": [1], "group": ["a"], "n": [1]}, r"missing \['w'\]"),
        ({"period": [1], "group": ["a"], "n": [1], "w": [0.0], "x": [1]}, r"not known \['x'\]"),
        ({"period": [1, 2], "group": ["a"], "n": [1], "w": [0.0]}, "must have one length"),
        ({"period": [[1]], "group": [["a"]], "n": [[1]], "w": [[0.0]]}, "one-dimensional"),
    ],
)
def test_bad_columns_are_named(columns: dict[str, list[object]], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        Toy(KEY, columns)


def test_bad_dicts_and_keys() -> None:
    with pytest.raises(InvalidInputError, match="needs `key` and `columns`"):
        Toy.from_dict({"columns": []})
    with pytest.raises(InvalidInputError, match="`parts` must be a list"):
        Toy.from_dict({"key": KEY.to_dict(), "columns": {}, "parts": "p1"})
    with pytest.raises(InvalidInputError, match="needs `kind`"):
        PartialKey.from_dict({"kind": 3})
    with pytest.raises(InvalidInputError, match="unknown kind of partial"):
        from_dict({"kind": "nothing"})
    assert KINDS["toy_for_tests"] is Toy
    assert KEY.option("period") == "month"
    assert repr(toy([(1, "a", 1, 1.0)], "p")) == "Toy(toy_for_tests, 1 rows, 1 parts)"
