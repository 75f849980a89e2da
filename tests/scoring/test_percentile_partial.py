"""Percentile transforms scored in two passes: a merged reference, then per partition."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cshealth import ConfigError, InvalidInputError, PartialMismatchError
from cshealth._partial import PartialKey
from cshealth.scoring import (
    PercentileReference,
    Scorecard,
    ScorecardSet,
    percentile_reference,
    score,
)


def _card(*, by: str | None = None, higher: bool = True, name: str = "ranked") -> Scorecard:
    return Scorecard.model_validate(
        {
            "name": name,
            "root": {
                "name": "overall",
                "children": [
                    {
                        "name": "logins",
                        "weight": 2,
                        "column": "logins",
                        "transform": {"kind": "percentile", "by": by, "higher_is_better": higher},
                    },
                    {
                        "name": "seats",
                        "weight": 1,
                        "column": "seats",
                        "transform": {"kind": "percentile", "higher_is_better": not higher},
                    },
                    {
                        "name": "nps",
                        "weight": 1,
                        "column": "nps",
                        "transform": {"kind": "linear", "worst": -100, "best": 100},
                    },
                ],
            },
        }
    )


def _rows(data: dict[str, list[object]], rows: list[int]) -> dict[str, list[object]]:
    return {name: [column[i] for i in rows] for name, column in data.items()}


def _frame(scores: object) -> dict[str, list[object]]:
    frame = scores.to_pandas()  # type: ignore[attr-defined]
    return {name: frame[name].tolist() for name in frame.columns}


values = st.one_of(
    st.none(), st.sampled_from([0.0, -0.0, 1.0, 2.5, 2.5, 7.0]), st.integers(-3, 3).map(float)
)


@st.composite
def accounts(draw: st.DrawFn) -> dict[str, list[object]]:
    n = draw(st.integers(0, 30))
    return {
        "account_id": [f"a{i}" for i in range(n)],
        "logins": draw(st.lists(values, min_size=n, max_size=n)),
        "seats": draw(st.lists(values, min_size=n, max_size=n)),
        "nps": draw(st.lists(values, min_size=n, max_size=n)),
        "segment": draw(st.lists(st.sampled_from(["smb", "ent", None]), min_size=n, max_size=n)),
    }


@settings(max_examples=60, deadline=None)
@given(
    accounts(),
    st.data(),
    st.sampled_from([None, "segment"]),
    st.booleans(),
)
def test_partitions_scored_against_the_merged_reference_equal_scoring_all(
    data: dict[str, list[object]], draw: st.DataObject, by: str | None, higher: bool
) -> None:
    card = _card(by=by, higher=higher)
    n = len(data["account_id"])
    labels = draw.draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    pieces = [[i for i in range(n) if labels[i] == p] for p in range(4)]
    refs = [
        percentile_reference(card, _rows(data, rows), part=str(p)) for p, rows in enumerate(pieces)
    ]
    order = draw.draw(st.permutations(range(4)))
    merged = refs[order[0]].merge(*(refs[i] for i in order[1:]))
    everything = percentile_reference(card, data)
    assert merged == PercentileReference(everything.key, everything.columns, merged.parts)
    assert merged.merge(PercentileReference.empty(merged.key)) == merged
    whole = _frame(score(card, data))
    parted: dict[str, list[object]] = {name: [] for name in whole}
    at = [i for rows in pieces for i in rows]
    for rows in pieces:
        if rows:
            for name, column in _frame(score(card, _rows(data, rows), reference=merged)).items():
                parted[name].extend(column)
    expected = {name: [column[i] for i in at] for name, column in whole.items()}
    for name in whole:
        assert [_same(x, y) for x, y in zip(parted[name], expected[name])] == [True] * len(at)
        assert len(parted[name]) == len(at)


def _same(x: object, y: object) -> bool:
    if isinstance(x, float) and isinstance(y, float) and np.isnan(x) and np.isnan(y):
        return True
    return bool(x == y) and type(x) is type(y)


LOGINS = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]


def _eight() -> dict[str, list[object]]:
    return {
        "account_id": [f"a{i}" for i in range(8)],
        "logins": LOGINS,
        "seats": [1.0] * 8,
        "nps": [0.0] * 8,
        "segment": ["smb"] * 4 + ["ent"] * 4,
    }


def test_without_the_reference_partitions_score_differently() -> None:
    card, data = _card(), _eight()
    whole = score(card, data).score.tolist()
    low = score(card, _rows(data, [0, 1, 2, 3])).score.tolist()
    high = score(card, _rows(data, [4, 5, 6, 7])).score.tolist()
    assert low + high != whole  # the trap: each half ranked on its own
    ref = percentile_reference(card, _rows(data, [0, 1, 2, 3]), part="0").merge(
        percentile_reference(card, _rows(data, [4, 5, 6, 7]), part="1")
    )
    parted = score(card, _rows(data, [0, 1, 2, 3]), reference=ref).score.tolist()
    parted += score(card, _rows(data, [4, 5, 6, 7]), reference=ref).score.tolist()
    assert parted == whole


def test_reference_counts_and_groups() -> None:
    data = _eight()
    data["logins"] = [1.0, 1.0, -0.0, 0.0, None, 2.0, 2.0, 2.0]
    data["segment"] = ["smb", "smb", "smb", None, "ent", "ent", "ent", "smb"]
    ref = percentile_reference(_card(by="segment"), data)
    rows = list(zip(*(ref.columns[n].tolist() for n in ("measure", "group", "value", "accounts"))))
    assert [r for r in rows if r[0] == "logins"] == [
        ("logins", "ent", 2.0, 2),
        ("logins", "smb", 0.0, 1),
        ("logins", "smb", 1.0, 2),
        ("logins", "smb", 2.0, 1),
    ]
    assert [r for r in rows if r[0] == "seats"] == [("seats", "", 1.0, 8)]
    assert ref.requires is None
    assert ref.key == PartialKey.of(
        "percentile_reference", scorecard=_card(by="segment").config_hash
    )


def test_a_card_without_percentiles_has_an_empty_reference() -> None:
    card = Scorecard.model_validate(
        {
            "name": "plain",
            "root": {
                "name": "overall",
                "children": [
                    {"name": "nps", "column": "nps", "transform": {"kind": "boolean"}},
                ],
            },
        }
    )
    data = {"account_id": ["a", "b"], "nps": [1.0, 0.0]}
    ref = percentile_reference(card, data, part="x")
    assert len(ref) == 0
    assert ref.parts == ("x",)
    assert score(card, data, reference=ref) == score(card, data)


def test_a_reference_of_another_scorecard_is_refused() -> None:
    data = _eight()
    ref = percentile_reference(_card(), data)
    other = _card(higher=False)
    with pytest.raises(PartialMismatchError, match="another scorecard: scorecard"):
        score(other, data, reference=ref)
    with pytest.raises(PartialMismatchError, match="computed differently"):
        ref.merge(percentile_reference(other, data))


def test_a_value_missing_from_the_reference_is_refused() -> None:
    data = _eight()
    ref = percentile_reference(_card(), _rows(data, [0, 1, 2, 3]))
    with pytest.raises(InvalidInputError, match=r"account 'a4'.* not in the percentile reference"):
        score(_card(), _rows(data, [4, 5]), reference=ref)
    # a group the reference never saw
    card = _card(by="segment")
    ref = percentile_reference(card, _rows(data, [0, 1, 2, 3]))
    with pytest.raises(InvalidInputError, match="not in the percentile reference"):
        score(card, _rows(data, [0, 1, 4]), reference=ref)


def test_bad_arguments_are_refused() -> None:
    data = _eight()
    card = _card()
    ref = percentile_reference(card, data)
    with pytest.raises(InvalidInputError, match="must be a PercentileReference"):
        score(card, data, reference="ref")  # type: ignore[arg-type]
    cards = ScorecardSet(name="set", segments=[], default=card)
    with pytest.raises(ConfigError, match="not a ScorecardSet"):
        score(cards, data, reference=ref)
    with pytest.raises(ConfigError, match="must be a Scorecard"):
        percentile_reference(cards, data)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError):
        percentile_reference(card, {"account_id": ["a", "a"], "logins": [1, 2]})
    with pytest.raises(PartialMismatchError, match="twice"):
        percentile_reference(card, data, part="p").merge(percentile_reference(card, data, part="p"))


def test_round_trips() -> None:
    pytest.importorskip("pyarrow")
    ref = percentile_reference(_card(by="segment"), _eight(), part="p0")
    again = pickle.loads(pickle.dumps(ref))
    assert again == ref
    assert not again.columns["accounts"].flags.writeable
    assert PercentileReference.from_dict(ref.to_dict()) == ref
    assert PercentileReference.from_arrow(ref.to_arrow()) == ref
    bad = ref.to_dict()
    bad["columns"]["accounts"][0] = -1  # type: ignore[index]
    with pytest.raises(InvalidInputError):
        PercentileReference.from_dict(bad)
    bad = ref.to_dict()
    bad["columns"]["value"][0] = float("nan")  # type: ignore[index]
    with pytest.raises(InvalidInputError, match=r"column 'value' .* holds no number at row 0"):
        PercentileReference.from_dict(bad)
