"""`cshealth.dask.partials` and `aggregate` on any partial: exact, shuffled when required.

Every test runs on Dask's synchronous scheduler, with the toy partials of `tests.dask.toys`:
one that requires all rows of a contact in one partition (like ``dedupe='latest'``), and
one without key columns.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from tests.dask.toys import Latest, Rows, answers, latest_partial, rows_partial, spread  # noqa: E402

from cshealth import InvalidInputError, MissingDependencyError  # noqa: E402
from cshealth.dask import aggregate, partials  # noqa: E402
from cshealth.partials import PartialMismatchError  # noqa: E402


@pytest.fixture(autouse=True)
def synchronous() -> Iterator[None]:
    with dask.config.set(scheduler="synchronous"):
        yield


def close(a: Latest, b: Latest) -> None:
    """Equal partials: keys and counts exactly, weight sums within the stated tolerance."""
    assert a.key == b.key
    for name in ("group", "answers", "promoters"):
        assert a.columns[name].tolist() == b.columns[name].tolist()
    np.testing.assert_allclose(a.columns["weight"], b.columns["weight"], rtol=1e-12)


@settings(max_examples=6)
@given(
    n=st.integers(0, 400),
    contacts=st.integers(1, 60),
    npartitions=st.integers(1, 7),
    seed=st.integers(0, 2**16),
    merge=st.sampled_from(["tree", "groupby"]),
    split_every=st.integers(2, 4),
)
def test_aggregate_equals_the_partial_of_all_rows(
    *, n: int, contacts: int, npartitions: int, seed: int, merge: str, split_every: int
) -> None:
    data = spread(answers(n, contacts, seed), npartitions)
    frame = dd.from_pandas(data, npartitions=npartitions, sort=False)
    whole = latest_partial(data, as_of=n // 2)
    merged = aggregate(frame, latest_partial, as_of=n // 2, merge=merge, split_every=split_every)
    close(merged, whole)
    assert merged.finalize() == whole.finalize()
    assert len(merged.parts) == frame.npartitions


def test_the_adversarial_layout_is_exact_only_through_the_shuffle() -> None:
    data = spread(answers(3000, 400, seed=1), 5)
    frame = dd.from_pandas(data, npartitions=5, sort=False)
    whole = latest_partial(data, as_of=2500)
    # each contact spans partitions: the partial of each partition, by hand, is wrong
    by_hand = [
        latest_partial(frame.partitions[i].compute(), as_of=2500, part=str(i)) for i in range(5)
    ]
    wrong = Latest.combine(by_hand)
    assert wrong.columns["answers"].sum() > 1.5 * whole.columns["answers"].sum()
    # stating the wrong thing is trusted (nothing can check it) and gives the same error
    stated = aggregate(frame, latest_partial, as_of=2500, partitioned_by="contact_id")
    assert stated.columns["answers"].tolist() == wrong.columns["answers"].tolist()
    # left to itself, the adapter shuffles on the contact and is exact
    for merge in ("tree", "groupby"):
        close(aggregate(frame, latest_partial, as_of=2500, merge=merge), whole)


def test_a_frame_partitioned_by_the_key_is_not_shuffled() -> None:
    data = answers(500, 50, seed=2).sort_values("contact_id", kind="stable")
    frame = dd.from_pandas(data.set_index("contact_id", drop=False), npartitions=4)
    frame = frame.reset_index(drop=True)
    whole = latest_partial(data, as_of=400)
    close(aggregate(frame, latest_partial, as_of=400, partitioned_by="contact_id"), whole)
    tasks = partials(frame, latest_partial, as_of=400, partitioned_by="contact_id", compute=False)
    assert len(tasks) == frame.npartitions  # one task per partition of the frame as it is


def test_partials_are_named_by_frame_and_partition_and_refuse_a_second_merge() -> None:
    data = answers(300, 40, seed=3)
    frame = dd.from_pandas(data, npartitions=3)
    computed = partials(frame, latest_partial, as_of=200)
    assert len(computed) == frame.npartitions
    names = [p.parts for p in computed]
    assert [len(n) for n in names] == [1] * frame.npartitions
    assert len({n[0].rsplit(":", 1)[0] for n in names}) == 1  # one frame
    assert [n[0].rsplit(":", 1)[1] for n in names] == [str(i) for i in range(frame.npartitions)]
    close(Latest.combine(computed), latest_partial(data, as_of=200))
    again = partials(frame, latest_partial, as_of=200)  # the same frame: the same names
    assert [p.parts for p in again] == names
    with pytest.raises(PartialMismatchError, match=r"partition '.*:0' is in partials 0 and 1"):
        computed[0].merge(again[0])
    delayed = partials(frame, latest_partial, as_of=200, compute=False)
    assert list(dask.compute(*delayed)) == again


def test_partials_without_key_columns_merge_by_groupby_too() -> None:
    data = answers(50, 10, seed=4)
    frame = dd.from_pandas(data, npartitions=4)
    whole = rows_partial(data)
    for merge in ("tree", "groupby"):
        merged = aggregate(frame, rows_partial, merge=merge)
        assert merged.columns["rows"].tolist() == [50]
        np.testing.assert_allclose(merged.columns["weight"], whole.columns["weight"], rtol=1e-12)
    nothing = dd.from_pandas(data.iloc[:0], npartitions=1)
    for merge in ("tree", "groupby"):
        empty = aggregate(nothing, rows_partial, merge=merge)
        assert len(empty) == 0
        assert empty.columns["rows"].tolist() == []
        assert len(empty.parts) == 1


def test_missing_group_labels_come_back_as_none_from_the_groupby() -> None:
    data = answers(200, 200, seed=5)
    data["group"] = np.where(np.arange(200) % 2 == 0, None, "x").astype(object)
    frame = dd.from_pandas(data, npartitions=3)
    merged = aggregate(frame, latest_partial, as_of=200, merge="groupby")
    assert merged.columns["group"].tolist() == [None, "x"]
    close(merged, latest_partial(data, as_of=200))


def tagged(data: object, *, part: str | None = None) -> Rows:
    """A job whose key depends on the partition's rows: partials that must not merge."""
    return rows_partial(data, tag=str(len(data["weight"])), part=part)  # type: ignore[index]


@pytest.mark.parametrize("merge", ["tree", "groupby"])
def test_partitions_of_other_keys_are_refused(merge: str) -> None:
    frame = dd.from_pandas(answers(7, 3, seed=6), npartitions=2)
    with pytest.raises(PartialMismatchError, match="tag: '4' against '3'"):
        aggregate(frame, tagged, merge=merge)


def test_bad_calls_are_refused_before_any_work() -> None:
    data = answers(20, 5, seed=7)
    frame = dd.from_pandas(data, npartitions=2)
    with pytest.raises(InvalidInputError, match="reads a Dask DataFrame, got a DataFrame"):
        aggregate(data, latest_partial, as_of=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="partitioned_by='group' does not say so"):
        aggregate(frame, latest_partial, as_of=1, partitioned_by="group")
    with pytest.raises(InvalidInputError, match=r"partitioned_by='nope' is not a column"):
        aggregate(frame, rows_partial, partitioned_by="nope")
    with pytest.raises(InvalidInputError, match="must return a cshealth Partial, got dict"):
        partials(frame, lambda data, **options: {})
    with pytest.raises(InvalidInputError, match="merge must be 'tree' or 'groupby'"):
        aggregate(frame, rows_partial, merge="sql")  # type: ignore[arg-type]
    for bad in (1, True, 2.0):
        with pytest.raises(InvalidInputError, match="`split_every` must be a whole number >= 2"):
            aggregate(frame, rows_partial, split_every=bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="unexpected keyword argument 'as_of'"):
        aggregate(frame, rows_partial, as_of=1)  # the job's own check, on the client


def test_a_partial_that_requires_nothing_ignores_a_stated_partitioning() -> None:
    data = answers(30, 5, seed=8)
    frame = dd.from_pandas(data, npartitions=3)
    merged = aggregate(frame, rows_partial, partitioned_by="group")
    assert merged.columns["rows"].tolist() == [30]


def test_without_dask_every_function_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask.dataframe", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'cshealth\[dask\]'"):
        aggregate(pd.DataFrame(), rows_partial)  # type: ignore[arg-type]
