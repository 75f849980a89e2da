"""Integer ids end to end: every area keeps them, and agrees with the same data as text.

The reference is the library itself on a deliberately different input: the sample data
with its text ids (``A-00001``) against the same rows with whole-number ids
(``1``). Every number must be the same, account for account; only the type of the ids
changes, and whole numbers come back as ``int64`` in numeric order. The reproductions of
issue 13 (§1) are here too: each once gave a silent wrong answer.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timezone
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from cshealth import (
    InvalidInputError,
    MeasureTable,
    adoption,
    join_measures,
    nps,
    retention,
    scoring,
    support,
)
from cshealth.datasets import SampleData, sample
from cshealth.io import Table

ID_COLUMNS = ("id", "account_id", "user_id", "contact_id", "parent_id")


@cache
def data() -> SampleData:
    return sample(seed=3, n_accounts=60)


def numbered(table: Table) -> dict[str, Any]:
    """The table's columns with every text id ``X-00017`` as the whole number ``17``.

    The sample's ids are zero-padded, so their text order is their numeric order.
    """
    out: dict[str, Any] = {}
    for name in table.columns:
        column = table[name]
        if name in ID_COLUMNS:
            out[name] = np.array(
                [None if v is None else int(v.split("-")[-1]) for v in column], dtype=object
            )
            if not any(v is None for v in out[name]):
                out[name] = out[name].astype(np.int64)
        else:
            out[name] = column
    return out


def as_number(account: object) -> int:
    return int(str(account).split("-")[-1])


def same_measures(text: MeasureTable, ints: MeasureTable) -> None:
    assert ints.account_ids.dtype == np.int64
    assert ints.account_ids.tolist() == [as_number(a) for a in text.account_ids.tolist()]
    assert ints.measures == text.measures
    assert ints.not_measured == text.not_measured
    for name in text.measures:
        a, b = text[name], ints[name]
        if a.dtype.kind in "fM":
            np.testing.assert_array_equal(a, b)
        else:
            assert a.tolist() == b.tolist(), name


AS_OF = date(2025, 12, 1)


def test_nps_per_account() -> None:
    responses = data().survey_responses
    text = nps.account_scores(responses, as_of=AS_OF, survey_type="relationship")
    ints = nps.account_scores(numbered(responses), as_of=AS_OF, survey_type="relationship")
    same_measures(text.to_measures(), ints.to_measures())


def test_support_per_account_with_seats() -> None:
    tickets, accounts = data().tickets, data().accounts
    pairs = zip(accounts["id"].tolist(), accounts["seats"].tolist())
    seats = {a: s for a, s in pairs if not math.isnan(s)}
    text = support.account_metrics(tickets, as_of=AS_OF, seats=seats)
    ints = support.account_metrics(
        numbered(tickets), as_of=AS_OF, seats={as_number(a): s for a, s in seats.items()}
    )
    same_measures(text, ints)
    assert not np.isnan(ints["tickets_per_seat"]).all()


def test_adoption_per_account() -> None:
    usage, events, accounts = data().usage, data().usage_events, data().accounts
    text = adoption.account_metrics(usage, as_of=AS_OF, events=events, accounts=accounts)
    ints = adoption.account_metrics(
        numbered(usage), as_of=AS_OF, events=numbered(events), accounts=numbered(accounts)
    )
    same_measures(text, ints)
    active = adoption.active_users(numbered(events), as_of=AS_OF)
    assert active.account_ids.dtype == np.int64
    assert active.account_ids.tolist() == sorted(active.account_ids.tolist())


def test_retention_numbers() -> None:
    changes = data().revenue_changes
    start, end = date(2025, 1, 1), date(2025, 12, 1)
    text = retention.revenue_retention(changes, base_on=start, compare_on=end)
    ints = retention.revenue_retention(numbered(changes), base_on=start, compare_on=end)
    assert ints.to_dict() == text.to_dict()
    moves = retention.mrr_movements(changes, start=start, end=end, period="month")
    moves_ints = retention.mrr_movements(numbered(changes), start=start, end=end, period="month")
    assert moves_ints.format() == moves.format()
    classified = moves_ints.classified
    assert classified["account_id"].dtype == np.int64


def test_joined_measures_and_scores() -> None:
    responses, tickets = data().survey_responses, data().tickets
    joined = join_measures(
        nps.account_scores(
            numbered(responses), as_of=AS_OF, survey_type="relationship"
        ).to_measures(),
        support.account_metrics(numbered(tickets), as_of=AS_OF),
    )
    assert joined.account_ids.dtype == np.int64
    card = scoring.Scorecard.model_validate(
        {
            "name": "ints",
            "root": {
                "name": "overall",
                "children": [
                    {
                        "name": "nps",
                        "column": "nps",
                        "transform": {"kind": "linear", "worst": -100, "best": 100},
                    },
                    {
                        "name": "tickets",
                        "column": "tickets",
                        "transform": {"kind": "linear", "worst": 20, "best": 0},
                    },
                ],
            },
        }
    )
    ints = scoring.score(card, joined, as_of=AS_OF)
    text_joined = join_measures(
        nps.account_scores(responses, as_of=AS_OF, survey_type="relationship").to_measures(),
        support.account_metrics(tickets, as_of=AS_OF),
    )
    text = scoring.score(card, text_joined, as_of=AS_OF)
    assert ints.account_ids.tolist() == [as_number(a) for a in text.account_ids.tolist()]
    np.testing.assert_array_equal(ints.score, text.score)
    first = int(ints.account_ids[0])
    assert ints.explain(first).score == text.explain(text.account_ids[0]).score


def test_sources_keyed_by_different_kinds_of_id_are_refused() -> None:
    text = MeasureTable(["1", "2"], {"a": [1, 2]}, source="one")
    ints = MeasureTable([1, 2], {"b": [1, 2]}, source="two")
    with pytest.raises(InvalidInputError, match=r"one: text; two: whole numbers"):
        join_measures(text, ints)
    with pytest.raises(InvalidInputError, match=r"`accounts`: text; two: whole numbers"):
        join_measures(ints, accounts=["1", "2"])


# --- the reproductions of issue 13, §1 ------------------------------------------------------


def test_breakdown_by_an_integer_keyed_mapping_makes_both_groups() -> None:
    res = nps.breakdown(
        {"account_id": [1, 1, 2, 2], "score": [10, 9, 0, 3]}, by={1: "ent", 2: "smb"}, min_n=0
    )
    rows = {label: (group.n, group.score) for label, group in res.items()}
    assert rows == {"ent": (2, 100.0), "smb": (2, -100.0)}
    with pytest.raises(InvalidInputError, match=r"`by` is keyed by text \('1', '2'\)"):
        nps.breakdown(
            {"account_id": [1, 1, 2, 2], "score": [10, 9, 0, 3]},
            by={"1": "ent", "2": "smb"},
            min_n=0,
        )


def test_revenue_weighted_with_integer_ids() -> None:
    r = {
        "account_id": [1, 2],
        "score": [10, 3],
        "submitted_at": np.array(["2025-01-10", "2025-02-10"], "datetime64[us]"),
    }
    a = nps.account_scores(r, as_of=date(2025, 4, 1), survey_type=None)
    assert a.account_ids.tolist() == [1, 2]
    weighted = a.revenue_weighted({1: 100.0, 2: 50.0})
    assert weighted.score == pytest.approx((100 * 100 - 50 * 100) / 150)  # NPS_R, by hand
    assert weighted.n == 2
    with pytest.raises(InvalidInputError, match=r"`revenue` is keyed by text"):
        a.revenue_weighted({"1": 100.0, "2": 50.0})


def test_seats_keyed_by_integer_ids() -> None:
    t = {
        "id": ["T1"],
        "account_id": [7],
        "channel": ["email"],
        "created_at": np.array(["2025-03-01T10:00"], "datetime64[us]"),
    }
    m = support.account_metrics(t, as_of=date(2025, 4, 1), seats={7: 10})
    assert m.account_ids.tolist() == [7]
    assert m["tickets_per_seat"].tolist() == [0.1]
    with pytest.raises(InvalidInputError, match=r"`seats` is keyed by text \('7'\)"):
        support.account_metrics(t, as_of=date(2025, 4, 1), seats={"7": 10})


def test_migration_waves_of_two_kinds_of_id() -> None:
    with pytest.raises(InvalidInputError, match=r"`wave1`: whole numbers; `wave2`: text"):
        nps.migration({1: 9}, {"1": 3})
    assert nps.migration({1: 9}, {1: 3}, min_n=0).matched == 1


def one_measure_card() -> scoring.Scorecard:
    """A scorecard of one measure ``x``: 0 is worst, 10 best."""
    x = {"name": "x", "column": "x", "transform": {"kind": "linear", "worst": 0, "best": 10}}
    return scoring.Scorecard.model_validate(
        {"name": "one", "root": {"name": "overall", "children": [x]}}
    )


def test_score_accepts_integer_ids_from_frames() -> None:
    card = one_measure_card()
    frame = pd.DataFrame({"account_id": [30, 4, 200], "x": [5.0, 10.0, 0.0]})
    res = scoring.score(card, frame, as_of=datetime(2025, 1, 1, tzinfo=timezone.utc))
    assert res.account_ids.dtype == np.int64
    assert dict(zip(res.account_ids.tolist(), res.score.tolist())) == {30: 50.0, 4: 100.0, 200: 0.0}
    assert res.explain(4).score == 100.0


def test_overrides_keyed_by_the_other_kind_are_refused() -> None:
    card = one_measure_card()
    override = scoring.Override(account_id="30", scope="overall", value=0, reason="r", author="a")
    with pytest.raises(InvalidInputError, match=r"overrides' `account_id`: text; the data's"):
        scoring.score(card, {"account_id": [30], "x": [5.0]}, as_of=AS_OF, overrides=[override])
