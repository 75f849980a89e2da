"""`cshealth.dask.health_scores`: percentile transforms scored in two passes on Dask.

The scores of a frame split into partitions equal `scoring.score` on the whole frame, bit
for bit, where scoring each partition on its own ranks accounts within it only.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")

from cshealth import ConfigError, InvalidInputError, scoring  # noqa: E402
from cshealth.dask import health_scores  # noqa: E402


@pytest.fixture(autouse=True)
def synchronous() -> Iterator[None]:
    with dask.config.set(scheduler="synchronous"):
        yield


def _card(percentile: bool = True) -> scoring.Scorecard:
    logins = {"kind": "percentile", "by": "segment"} if percentile else {"kind": "boolean"}
    seats = {"kind": "percentile", "higher_is_better": False} if percentile else logins
    return scoring.Scorecard.model_validate(
        {
            "name": "ranked",
            "root": {
                "name": "overall",
                "children": [
                    {"name": "logins", "weight": 2, "column": "logins", "transform": logins},
                    {
                        "name": "seats",
                        "column": "seats",
                        "transform": seats,
                    },
                    {
                        "name": "nps",
                        "column": "nps",
                        "transform": {"kind": "linear", "worst": -100, "best": 100},
                    },
                ],
            },
        }
    )


def _accounts(n: int = 400, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logins = rng.integers(0, 12, n).astype(float)
    logins[rng.random(n) < 0.1] = np.nan
    return pd.DataFrame(
        {
            "account_id": [f"acc{i}" for i in range(n)],
            "logins": logins,
            "seats": rng.integers(0, 2, n).astype(float),
            "nps": rng.integers(-100, 101, n).astype(float),
            "segment": rng.choice(["smb", "mid", "ent"], n),
        }
    )


@pytest.mark.parametrize("npartitions", [1, 3, 7])
def test_health_scores_equal_the_single_machine_scores(npartitions: int) -> None:
    accounts = _accounts()
    card = _card()
    expected = scoring.score(card, accounts).to_pandas()
    rows = health_scores(dd.from_pandas(accounts, npartitions=npartitions), card)
    pd.testing.assert_frame_equal(rows, expected)
    naive = pd.concat(
        [
            scoring.score(card, part.compute()).to_pandas()
            for part in dd.from_pandas(accounts, npartitions=7).partitions
        ],
        ignore_index=True,
    )
    assert not naive["score"].equals(expected["score"])  # the trap health_scores avoids


def test_a_card_without_percentiles_is_scored_in_one_pass() -> None:
    accounts = _accounts(50)
    card = _card(percentile=False)
    accounts["logins"] = (accounts["logins"] > 5).astype(float)
    accounts["seats"] = (accounts["seats"] > 0).astype(float)
    rows = health_scores(dd.from_pandas(accounts, npartitions=3), card, as_of="2025-01-01")
    pd.testing.assert_frame_equal(rows, scoring.score(card, accounts).to_pandas())


def test_empty_partitions_and_an_empty_frame() -> None:
    accounts = _accounts(20)
    frame = dd.from_pandas(accounts, npartitions=4)
    empty = frame[frame["nps"] > 1000]
    rows = health_scores(empty, _card())
    assert len(rows) == 0
    assert list(rows.columns) == list(scoring.score(_card(), accounts).to_pandas().columns)
    some = frame[frame["account_id"].isin(["acc1", "acc2", "acc3"])]
    pd.testing.assert_frame_equal(
        health_scores(some, _card()),
        scoring.score(_card(), accounts.iloc[1:4]).to_pandas(),
    )


def test_bad_arguments_are_refused() -> None:
    accounts = _accounts(10)
    with pytest.raises(InvalidInputError, match="reads a Dask DataFrame"):
        health_scores(accounts, _card())  # type: ignore[arg-type]
    cards = scoring.ScorecardSet(name="set", segments=[], default=_card())
    with pytest.raises(ConfigError, match="must be a Scorecard"):
        health_scores(dd.from_pandas(accounts, npartitions=2), cards)  # type: ignore[arg-type]
