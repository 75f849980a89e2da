"""`cshealth.dask.per_account`: per-account functions on co-partitioned tables.

The health scores of the sample data, computed on Dask tables split every which way,
equal the scores computed on one machine, account by account and bit for bit.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from functools import partial

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from cshealth import InvalidInputError, datasets, scoring, support  # noqa: E402
from cshealth.dask import per_account  # noqa: E402

#: The tables `scoring.default_inputs` reads, by its keywords, and the sample's names.
TABLES = {
    "accounts": "accounts",
    "usage": "usage",
    "events": "usage_events",
    "tickets": "tickets",
    "survey_responses": "survey_responses",
    "milestones": "milestones",
}


@pytest.fixture(autouse=True)
def synchronous() -> Iterator[None]:
    with dask.config.set(scheduler="synchronous"):
        yield


@pytest.fixture(scope="module")
def sample() -> datasets.SampleData:
    return datasets.sample(n_accounts=300)


def plain(table: object) -> pd.DataFrame:
    """A sample table as pandas, its read-only mappings (traits, feature counts) as dicts."""
    frame = table.to_pandas()  # type: ignore[attr-defined]
    for name in frame.columns:
        if frame[name].dtype == object:
            frame[name] = [
                dict(v) if isinstance(v, types.MappingProxyType) else v for v in frame[name]
            ]
    return frame


def health(as_of: object, **tables: object) -> scoring.HealthScores:
    card = scoring.default_scorecard()
    return scoring.score(card, scoring.default_inputs(**tables, as_of=as_of), as_of=as_of)


def by_account(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("account_id").reset_index(drop=True)


@pytest.mark.parametrize(("npartitions", "split"), [(None, 4), (7, 3), (1, 5)])
def test_scores_per_account_equal_the_single_machine_scores(
    sample: datasets.SampleData, npartitions: int | None, split: int
) -> None:
    frames = {name: plain(getattr(sample, table)) for name, table in TABLES.items()}
    single = by_account(health(sample.as_of, **frames).to_pandas())
    # each table split in its own way: by row ranges, an account's rows over partitions
    tables = {
        name: dd.from_pandas(frame.sample(frac=1, random_state=i), npartitions=split + i % 2)
        for i, (name, frame) in enumerate(frames.items())
    }
    tables["accounts"] = frames["accounts"]  # a pandas table is taken as it is
    rows = per_account(
        tables, partial(health, sample.as_of), on={"accounts": "id"}, npartitions=npartitions
    )
    assert len(single) > 200
    pd.testing.assert_frame_equal(by_account(rows), single)


def test_each_call_sees_whole_accounts_and_ids_meet_across_types() -> None:
    left = pd.DataFrame({"account_id": [1, 2, 3, 1, 2, 3, 4], "x": range(7)})
    right = pd.DataFrame({"account": ["1", "2", "3", "3", "5"], "y": range(5)})

    def pieces(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
        ids = sorted({*map(str, left["account_id"]), *right["account"]})
        return pd.DataFrame(
            {
                "account_id": ids,
                "left": [int((left["account_id"].astype(str) == i).sum()) for i in ids],
                "right": [int((right["account"] == i).sum()) for i in ids],
            }
        )

    rows = per_account(
        {
            "left": dd.from_pandas(left, npartitions=3),
            "right": dd.from_pandas(right, npartitions=2),
        },
        pieces,
        on={"right": "account"},
        npartitions=4,
    )
    assert by_account(rows).to_dict("list") == {
        "account_id": ["1", "2", "3", "4", "5"],
        "left": [2, 2, 2, 1, 0],
        "right": [1, 1, 2, 0, 1],
    }


def test_rows_keep_their_order_within_an_account() -> None:
    rows = pd.DataFrame({"account_id": ["a", "b"] * 50, "n": np.arange(100)})

    def orders(data: pd.DataFrame) -> pd.DataFrame:
        return data.groupby("account_id", as_index=False)["n"].agg(list)

    done = per_account({"data": dd.from_pandas(rows, npartitions=5)}, orders, npartitions=3)
    assert by_account(done)["n"].tolist() == [list(range(0, 100, 2)), list(range(1, 100, 2))]


def test_no_rows_at_all_give_the_functions_answer_to_empty_tables() -> None:
    tickets = pd.DataFrame(
        {"id": ["t1"], "account_id": ["a"], "created_at": pd.to_datetime(["2025-01-02"])}
    ).iloc[:0]
    metrics = partial(support.account_metrics, as_of="2025-02-01")
    rows = per_account({"tickets": dd.from_pandas(tickets, npartitions=2)}, metrics)
    assert len(rows) == 0
    assert "tickets" in rows.columns


def test_bad_calls_are_refused() -> None:
    frame = dd.from_pandas(pd.DataFrame({"account_id": ["a"], "x": [1]}), npartitions=1)
    with pytest.raises(InvalidInputError, match="needs at least one table"):
        per_account({}, pd.DataFrame)
    with pytest.raises(InvalidInputError, match="table 'a' must be a Dask or pandas DataFrame"):
        per_account({"a": [1, 2]}, lambda a: pd.DataFrame())  # type: ignore[dict-item]
    with pytest.raises(InvalidInputError, match=r"table 'a' has no account column 'id'.*on="):
        per_account({"a": frame}, lambda a: pd.DataFrame(), on="id")
    for bad in (0, True, 2.5):
        with pytest.raises(InvalidInputError, match="`npartitions` must be a whole number >= 1"):
            per_account({"a": frame}, lambda a: a, npartitions=bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="fn must return a pandas DataFrame or a result"):
        per_account({"a": frame}, lambda a: len(a.columns))  # type: ignore[arg-type,return-value]
