"""Tests of `scoring.attribute_change`: worked examples and the exact-sum property."""

from __future__ import annotations

import json
import pickle
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cshealth import scoring
from cshealth._exceptions import AccountNotFoundError, InvalidInputError
from cshealth.scoring import Override, Scorecard, attribute_change


def _card(**changes: object) -> Scorecard:
    """logins (weight 3, 0..20) and nps (weight 1, -100..100) under one root."""
    root: dict[str, object] = {
        "name": "all",
        "aggregate": changes.pop("aggregate", "weighted_mean"),
        "children": [
            {
                "name": "logins",
                "weight": changes.pop("logins_weight", 3),
                "column": "logins",
                "transform": {"kind": "linear", "worst": 0, "best": 20},
            },
            {
                "name": "nps",
                "weight": 1,
                "column": "nps",
                "transform": {"kind": "linear", "worst": -100, "best": 100},
            },
        ],
    }
    return Scorecard.model_validate({"name": "mini", "root": root, **changes})


def _parts_sum(change: scoring.ScoreChange) -> np.ndarray:
    total = change.config_effect + change.override_effect + change.missing_effect
    for effect in change.input_effects.values():
        total = total + effect
    return total


def test_inputs_only_linear_card_gives_weight_times_score_change() -> None:
    # logins 10 -> 14: score 50 -> 70, weight 3/4: +15; nps 0 -> 50: score 50 -> 75,
    # weight 1/4: +6.25. Total 21.25 = 71.25 - 50.
    before = {"account_id": ["a"], "logins": [10.0], "nps": [0.0]}
    after = {"account_id": ["a"], "logins": [14.0], "nps": [50.0]}
    change = attribute_change(_card(), before, _card(), after)
    assert change.change.tolist() == [21.25]
    assert change.input_effects["logins"][0] == pytest.approx(15.0)
    assert change.input_effects["nps"][0] == pytest.approx(6.25)
    assert change.config_effect[0] == 0.0
    assert change.missing_effect[0] == 0.0
    assert change.drivers("a") == [
        ("input: logins", pytest.approx(15.0)),
        ("input: nps", pytest.approx(6.25)),
    ]


def test_measure_disappearing_is_a_missing_data_effect() -> None:
    # t0: logins 50 (w 3/4), nps 100 (w 1/4): 62.5. t1: nps missing, logins alone 50.
    before = {"account_id": ["a"], "logins": [10.0], "nps": [100.0]}
    after = {"account_id": ["a"], "logins": [10.0], "nps": [None]}
    change = attribute_change(_card(), before, _card(), after)
    assert change.change[0] == pytest.approx(-12.5)
    assert change.missing_effect[0] == pytest.approx(-12.5)
    assert change.became_missing["nps"].tolist() == [True]
    assert change.became_present["nps"].tolist() == [False]
    assert change.input_effects["nps"][0] == 0.0


def test_configuration_change_is_measured_on_the_old_data() -> None:
    # Same data (logins 50, nps 100). Old weights 3:1 -> 62.5; new weights 1:1 -> 75.
    data = {"account_id": ["a"], "logins": [10.0], "nps": [100.0]}
    change = attribute_change(_card(), data, _card(logins_weight=1), data)
    assert change.config_effect[0] == pytest.approx(12.5)
    assert change.change[0] == pytest.approx(12.5)
    assert change.config_hash_t0 != change.config_hash_t1


def test_new_measure_absent_from_old_data_counts_as_missing_there() -> None:
    old = Scorecard.model_validate(
        {
            "name": "old",
            "root": {
                "name": "all",
                "children": [
                    {
                        "name": "logins",
                        "column": "logins",
                        "transform": {"kind": "linear", "worst": 0, "best": 20},
                    }
                ],
            },
        }
    )
    before = {"account_id": ["a"], "logins": [10.0]}
    after = {"account_id": ["a"], "logins": [10.0], "nps": [100.0]}
    change = attribute_change(old, before, _card(), after)
    # old 50; new card on old data: nps absent -> logins alone 50 (config 0);
    # nps appears at 100: 3/4 * 50 + 1/4 * 100 = 62.5 (missing data +12.5)
    assert change.config_effect[0] == pytest.approx(0.0)
    assert change.missing_effect[0] == pytest.approx(12.5)


def test_override_expiring_is_an_override_effect() -> None:
    data = {"account_id": ["a"], "logins": [10.0], "nps": [100.0]}
    pin = Override(
        account_id="a",
        scope="overall",
        value=20,
        reason="escalation",
        author="kim",
        expires_on=date(2026, 2, 1),
    )
    change = attribute_change(
        _card(),
        data,
        _card(),
        data,
        as_of_t0=date(2026, 1, 15),
        as_of_t1=date(2026, 2, 15),
        overrides_t0=[pin],
        overrides_t1=[pin],
    )
    # pinned at 20, then back to the computed 62.5
    assert change.score_t0[0] == 20.0
    assert change.override_effect[0] == pytest.approx(42.5)
    assert _parts_sum(change)[0] == pytest.approx(42.5)


def test_min_aggregate_effects_average_two_orders() -> None:
    # min(logins, nps): t0 logins 30 (raw 6), nps 50 (raw 0) -> 30.
    # t1 logins 60 (raw 12), nps 40 (raw -20) -> 40.
    # Tree order: logins first: min(60, 50) = 50 (+20), then nps: 40 (-10).
    # Reverse: nps first: min(30, 40) = 30 (0), then logins: 40 (+10).
    # Means: logins +15, nps -5; total +10.
    card = _card(aggregate="min")
    before = {"account_id": ["a"], "logins": [6.0], "nps": [0.0]}
    after = {"account_id": ["a"], "logins": [12.0], "nps": [-20.0]}
    change = attribute_change(card, before, card, after)
    assert change.input_effects["logins"][0] == pytest.approx(15.0)
    assert change.input_effects["nps"][0] == pytest.approx(-5.0)
    assert change.change[0] == pytest.approx(10.0)


def test_accounts_in_one_data_set_only_are_listed_and_not_compared() -> None:
    before = {"account_id": ["a", "gone"], "logins": [10.0, 1.0], "nps": [0.0, 0.0]}
    after = {"account_id": ["new", "a"], "logins": [5.0, 12.0], "nps": [0.0, 0.0]}
    change = attribute_change(_card(), before, _card(), after)
    assert change.account_ids.tolist() == ["a"]
    assert change.not_compared == ("gone", "new")
    assert "1 up" in repr(change)


def test_insufficient_data_makes_every_part_nan() -> None:
    card = _card(min_coverage=0.5)
    before = {"account_id": ["a"], "logins": [None], "nps": [0.0]}  # coverage 1/4
    after = {"account_id": ["a"], "logins": [10.0], "nps": [0.0]}
    change = attribute_change(card, before, card, after)
    assert np.isnan(change.change[0])
    assert np.isnan(change.config_effect[0])
    assert np.isnan(change.missing_effect[0])
    assert np.isnan(change.input_effects["logins"][0])
    record = change.to_records()[0]
    assert record["change"] is None
    json.dumps(change.to_dict())


def test_movers_and_drivers_errors() -> None:
    before = {"account_id": ["a", "b", "c"], "logins": [10.0, 10.0, 10.0], "nps": [0.0] * 3}
    after = {"account_id": ["a", "b", "c"], "logins": [2.0, 18.0, 10.0], "nps": [0.0] * 3}
    change = attribute_change(_card(), before, _card(), after)
    assert change.movers(direction="down") == ["a"]
    assert change.movers(direction="up") == ["b"]
    assert change.movers() == ["a", "b"]
    assert change.drivers("c") == []
    with pytest.raises(AccountNotFoundError, match="no account 'zzz' among the 3 accounts"):
        change.drivers("zzz")
    refused = r"`direction` must be one of \{'down', 'up', 'both'\}, got 'sideways'"
    with pytest.raises(InvalidInputError, match=refused):
        change.movers(direction="sideways")  # type: ignore[arg-type]
    assert change.movers(1) == ["a"]
    assert change.movers(0) == []
    for bad in (-1, 2.0, True):
        with pytest.raises(InvalidInputError, match=r"`n` must be a whole number >= 0"):
            change.movers(bad)  # type: ignore[arg-type]


def test_a_bad_as_of_is_named_by_its_parameter() -> None:
    data = {"account_id": ["a"], "logins": [1.0], "nps": [0.0]}
    for name in ("as_of_t0", "as_of_t1"):
        with pytest.raises(InvalidInputError, match=rf"^`{name}` must be a date or an aware"):
            attribute_change(_card(), data, _card(), data, **{name: 20250101})


def test_bad_data_is_reported_as_for_score() -> None:
    with pytest.raises(InvalidInputError, match="no column 'nps'"):
        attribute_change(_card(), {"account_id": ["a"], "logins": [1.0]}, _card(), {})


_raw = st.one_of(st.none(), st.floats(-30, 30, allow_nan=False))


@given(
    aggregate=st.sampled_from(["weighted_mean", "min", "points", "weakest_link"]),
    missing=st.sampled_from(["renormalize", "fixed", "neutral"]),
    rows=st.lists(st.tuples(_raw, _raw, _raw, _raw), min_size=1, max_size=8),
    weight=st.integers(0, 5),
)
def test_parts_add_up_to_the_change(
    aggregate: str, missing: str, rows: list[tuple[float | None, ...]], weight: int
) -> None:
    old = _card(aggregate=aggregate, missing=missing)
    new = _card(aggregate="weighted_mean", logins_weight=weight or 1, missing="renormalize")
    ids = [f"a{i}" for i in range(len(rows))]
    before = {"account_id": ids, "logins": [r[0] for r in rows], "nps": [r[1] for r in rows]}
    after = {"account_id": ids, "logins": [r[2] for r in rows], "nps": [r[3] for r in rows]}
    for card_t1 in (old, new):
        change = attribute_change(old, before, card_t1, after)
        expected = scoring.score(card_t1, after).score - scoring.score(old, before).score
        np.testing.assert_allclose(change.change, expected, atol=1e-9)
        defined = ~np.isnan(change.change)
        np.testing.assert_allclose(_parts_sum(change)[defined], change.change[defined], atol=1e-9)
        assert np.isnan(_parts_sum(change)[~defined]).all()


def test_step_without_a_score_merges_into_the_step_before() -> None:
    # The new scorecard reads only nps, which the old data lacks: the new card has no
    # score on the old data, so the configuration step merges with the missing-data step.
    nps_only = Scorecard.model_validate(
        {
            "name": "nps only",
            "root": {
                "name": "all",
                "children": [
                    {
                        "name": "nps",
                        "column": "nps",
                        "transform": {"kind": "linear", "worst": -100, "best": 100},
                    }
                ],
            },
        }
    )
    before = {"account_id": ["a"], "logins": [10.0], "nps": [None]}
    after = {"account_id": ["a"], "nps": [60.0]}
    change = attribute_change(_card(), before, nps_only, after)
    # old 50 (logins alone); new 80 (nps 60 scores 80)
    assert change.change[0] == pytest.approx(30.0)
    assert change.config_effect[0] == pytest.approx(30.0)
    assert change.missing_effect[0] == 0.0


# --- the result shape (issue 14) -------------------------------------------------------------

_BEFORE = {"account_id": ["a", "b", "c"], "logins": [10.0, 10.0, None], "nps": [0.0, 50.0, 0.0]}
_AFTER = {"account_id": ["c", "b", "a"], "logins": [4.0, 18.0, 2.0], "nps": [0.0, None, 0.0]}


def test_score_changes_compare_by_value() -> None:
    change = attribute_change(_card(), _BEFORE, _card(), _AFTER)
    assert change == attribute_change(_card(), _BEFORE, _card(), _AFTER)
    assert change == pickle.loads(pickle.dumps(change))
    assert change != attribute_change(_card(), _BEFORE, _card(logins_weight=1), _AFTER)
    with pytest.raises(ValueError, match="read-only"):
        change.input_effects["logins"][0] = 1.0


def test_score_change_rows_pandas_and_lookup() -> None:
    change = attribute_change(_card(), _BEFORE, _card(), _AFTER)
    frame = change.to_pandas()
    assert list(frame.columns) == [
        "account_id",
        "score_t0",
        "score_t1",
        "change",
        "config_effect",
        "override_effect",
        "missing_effect",
    ]
    assert len(frame) == len(change) == 3
    assert frame["account_id"].tolist() == ["c", "b", "a"]  # the later data's order
    for name in ("score_t0", "change", "missing_effect"):
        np.testing.assert_array_equal(frame[name].to_numpy(), getattr(change, name))
    assert change.row("a") == 2
    # b: logins 10 -> 18 (50 -> 90 points, +40), nps 50 (75 points, weight 1/4) gone
    assert change.drivers("b") == [("input: logins", 40.0), ("missing data", -6.25)]
    assert change.input_effects["logins"][change.row("b")] == 40.0
    with pytest.raises(AccountNotFoundError, match="no account 'd' among the 3 accounts"):
        change.row("d")


def test_score_change_to_dict_is_strict_json_of_the_fields() -> None:
    thin = _card(min_coverage=0.5)  # c has no logins at t0: coverage 1/4, no score
    change = attribute_change(thin, _BEFORE, thin, _AFTER)
    data = change.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["account_ids"] == ["c", "b", "a"]
    assert data["score_t0"] == [None, 56.25, 50.0]
    assert data["change"] == [None, 33.75, -30.0]
    assert data["input_effects"] == {"logins": [None, 40.0, -30.0], "nps": [None, 0.0, 0.0]}
    assert data["became_missing"]["nps"] == [False, True, False]
    assert data["became_present"]["logins"] == [True, False, False]
    assert data["not_compared"] == []
    assert [r["input_effects"]["logins"] for r in change.to_records()] == [None, 40.0, -30.0]
