"""NPS trend partials: any split merged along any tree is the partial of all the responses.

Random responses (some unanswered, some after ``as_of`` or before ``start``, some of
weight 0) are split into random partitions, empty and one-row ones included, by row or,
for ``dedupe='latest'``, by contact. The partials merged along a random tree equal the
partial of all rows (dyadic weights: exactly), and their `finalize` equals `nps.trend`.
Every option of the key is refused when it differs; a contact spread over partitions
changes the merged result (the partial requires ``'contact_id'``); the subtraction of
tallies (`NPSTally.__sub__`) gives the rest of a population.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.nps import partial_helpers as h

from cshealth import InvalidInputError, nps
from cshealth._partial import PartialMismatchError
from cshealth.nps import NPSTally, NPSTrendPartial

owners = st.lists(st.integers(0, 50), min_size=1, max_size=40)


trend_options = st.fixed_dictionaries(
    {
        "period": st.sampled_from(["week", "month", "quarter", "year"]),
        "start": st.sampled_from([None, date(2024, 12, 1), date(2025, 3, 15)]),
        "timezone": st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"]),
        "dedupe": st.sampled_from([None, "latest", "none"]),
    }
)


@settings(max_examples=120)
@given(h.response_rows, h.layouts, trend_options, st.booleans())
def test_trend_partials_merge_to_the_whole_and_finalise_to_trend(
    rows, layout, options, weighted
) -> None:
    owner, k, seed = layout
    data = h.responses(rows, weighted=weighted)
    options |= {"as_of": h.AS_OF, "min_n": 0}
    parts = h.by_key(data["contact_id"].tolist(), owner, k)  # contacts kept together
    merged = h.tree(
        h.partials_of(lambda d, **kw: nps.trend_partial(d, **options, **kw), data, parts), seed
    )
    whole = nps.trend_partial(data, **options)
    h.assert_same_rows(merged, whole)  # dyadic weights: exact sums in any order
    assert merged.parts == tuple(sorted(f"p{i}" for i in range(k)))
    assert merged.finalize() == nps.trend(data, **options)


@settings(max_examples=60)
@given(h.response_rows, owners, st.integers(1, 5), st.integers(0, 1000))
def test_without_dedupe_any_split_by_row_is_exact(rows, owner, k, seed) -> None:
    data = h.responses(rows)
    options = {"as_of": h.AS_OF, "dedupe": "none", "min_n": 0}
    parts = h.split(len(rows), owner, k)
    merged = h.tree(
        h.partials_of(lambda d, **kw: nps.trend_partial(d, **options, **kw), data, parts), seed
    )
    assert merged.requires is None
    h.assert_same_rows(merged, nps.trend_partial(data, **options))
    assert merged.finalize() == nps.trend(data, **options)


@settings(max_examples=40)
@given(h.response_rows, owners, st.integers(0, 1000))
def test_weights_that_are_not_dyadic_merge_within_the_tolerance(rows, owner, seed) -> None:
    data = h.responses(rows, weighted=True)
    data["weight"] = data["weight"] * 1.1 + np.arange(len(rows)) / 7
    options = {"as_of": h.AS_OF, "dedupe": "none", "min_n": 0}
    parts = h.split(len(rows), owner, 4)
    merged = h.tree(
        h.partials_of(lambda d, **kw: nps.trend_partial(d, **options, **kw), data, parts), seed
    )
    h.assert_same_rows(merged, nps.trend_partial(data, **options), rel=h.REL)
    h.assert_close(merged.finalize(), nps.trend(data, **options))


@given(h.response_rows, h.response_rows, h.response_rows)
def test_merging_is_associative_commutative_with_an_identity(a, b, c) -> None:
    make = [
        nps.trend_partial(h.responses(r), as_of=h.AS_OF, start=date(2024, 12, 1)) for r in (a, b, c)
    ]
    h.assert_algebra(*make)


@given(h.response_rows)
def test_serial_forms_round_trip(rows) -> None:
    h.round_trips(nps.trend_partial(h.responses(rows, weighted=True), as_of=h.AS_OF, part="p3"))


def test_a_contact_spread_over_partitions_changes_the_merged_trend() -> None:
    rows = [(1, 10, 100, 1.0, None), (1, 0, 200, 1.0, None), (2, 9, 150, 1.0, None)]
    data = h.responses(rows)
    together = nps.trend_partial(data, as_of=h.AS_OF)
    spread = nps.trend_partial(h.take(data, [0]), as_of=h.AS_OF) + nps.trend_partial(
        h.take(data, [1, 2]), as_of=h.AS_OF
    )
    assert together.requires == spread.requires == "contact_id"
    assert together.finalize().n.tolist()[0] == 2  # contact 1's latest answer only
    assert spread.finalize().n.tolist()[0] == 3  # the guard: a partition cannot see it
    assert spread.finalize() != nps.trend(data, as_of=h.AS_OF)


@pytest.mark.parametrize(
    ("option", "other"),
    [
        ("as_of", date(2025, 8, 1)),
        ("period", "quarter"),
        ("timezone", "Europe/Berlin"),
        ("dedupe", "none"),
        ("survey_type", "transactional"),
        ("start", date(2025, 1, 1)),
        ("alpha", 0.01),
        ("confidence_level", 0.9),
        ("min_n", 5),
    ],
)
def test_partials_computed_with_another_option_are_refused(option, other) -> None:
    data = h.responses([(1, 10, 100, 1.0, None)], survey_type=None)
    base = nps.trend_partial(data, as_of=h.AS_OF)
    changed = nps.trend_partial(data, **{"as_of": h.AS_OF, option: other})
    with pytest.raises(PartialMismatchError, match=f"{option}: "):
        base.merge(changed)


def test_the_key_holds_the_instants_and_options_read() -> None:
    a = nps.trend_partial({"score": [], "submitted_at": []}, as_of=date(2025, 7, 1))
    b = nps.trend_partial(
        {"score": [], "submitted_at": []}, as_of=datetime(2025, 7, 1, tzinfo=timezone.utc)
    )
    assert a.key == b.key  # a date and its first instant: one as_of
    assert dict(a.key.options) == {
        "alpha": "0.05",
        "as_of": "2025-07-01T00:00:00.000000",
        "confidence_level": "0.95",
        "dedupe": "",
        "min_n": "30",
        "period": "month",
        "start": "",
        "survey_type": "",
        "timezone": "UTC",
    }
    assert len(a) == 0
    assert a == NPSTrendPartial.empty(a.key)


def test_the_same_partition_twice_is_refused() -> None:
    data = h.responses([(1, 10, 100, 1.0, None)])
    p = nps.trend_partial(data, as_of=h.AS_OF, part="file-7")
    with pytest.raises(PartialMismatchError, match="'file-7'"):
        p.merge(nps.trend_partial(data, as_of=h.AS_OF, part="file-7"))
    with pytest.raises(InvalidInputError, match="`part` names the partition"):
        nps.trend_partial(data, as_of=h.AS_OF, part=7)  # type: ignore[arg-type]


def test_requires_follows_the_dedupe_rule() -> None:
    empty = {"score": [], "submitted_at": []}
    assert nps.trend_partial(empty, as_of=h.AS_OF).requires == "contact_id"
    assert nps.trend_partial(empty, as_of=h.AS_OF, dedupe="none").requires is None
    transactional = nps.trend_partial(empty, as_of=h.AS_OF, survey_type="transactional")
    assert transactional.requires is None
    assert NPSTrendPartial.REQUIRES == "contact_id"


def test_partitions_of_other_kinds_or_types_alone() -> None:
    others = {"kind": ["csat"], "score": [4], "submitted_at": ["2025-02-01T00:00Z"]}
    assert len(nps.trend_partial(others, as_of=h.AS_OF)) == 0  # a partition: no error
    with pytest.raises(InvalidInputError, match="no responses of kind 'nps'"):
        nps.trend(others, as_of=h.AS_OF)  # the whole data: refused, as ever
    rel = nps.trend_partial(h.responses([(1, 9, 10, 1.0, None)]), as_of=h.AS_OF)
    tra = nps.trend_partial(
        h.responses([(2, 3, 10, 1.0, None)], survey_type="transactional"), as_of=h.AS_OF
    )
    with pytest.raises(InvalidInputError, match="never pooled"):
        (rel + tra).finalize()
    untyped = nps.trend_partial(
        h.responses([(2, 3, 10, 1.0, None)], survey_type=None), as_of=h.AS_OF
    )
    with pytest.raises(InvalidInputError, match="others do not say their survey type"):
        (rel + untyped).finalize()


def test_unanswered_surveys_before_the_first_answer_are_left_out() -> None:
    rows = [(1, None, -400, 1.0, None), (2, None, 30, 1.0, None), (3, 9, 100, 1.0, None)]
    data = h.responses(rows)
    early = nps.trend_partial(h.take(data, [0]), as_of=h.AS_OF)
    assert early.columns["unanswered"].tolist() == [1]  # December 2024, in its partition
    merged = early + nps.trend_partial(h.take(data, [1, 2]), as_of=h.AS_OF)
    got = merged.finalize()
    assert got == nps.trend(data, as_of=h.AS_OF)
    assert got.unanswered.tolist()[:1] == [1]
    assert len(got) == 6  # January..June 2025


# --- NPSTally.__sub__: the rest of a population ----------------------------------------------

tallies = st.lists(
    st.tuples(st.integers(0, 10), st.integers(1, 40).map(lambda q: q / 4)), max_size=30
)


@given(tallies, tallies)
def test_the_whole_minus_a_part_is_the_rest(part, rest) -> None:
    def tally(answers):
        return NPSTally.from_scores([s for s, _ in answers], weights=[w for _, w in answers])

    assert (tally(part) + tally(rest)) - tally(part) == tally(rest)
    assert tally(rest) - NPSTally() == tally(rest)
    unweighted = NPSTally.from_scores([s for s, _ in part + rest])
    assert unweighted - NPSTally.from_scores([s for s, _ in rest]) == NPSTally.from_scores(
        [s for s, _ in part]
    )


def test_rounding_residue_is_zero_and_anything_more_is_refused() -> None:
    a, b, c = (NPSTally.from_scores([3], weights=[w]) for w in (0.1, 0.2, 0.3))
    assert ((a + b) + c).detractor_weight != (a + (b + c)).detractor_weight
    assert ((a + b) + c) - (a + (b + c)) == NPSTally()  # 1e-16 left of no response: 0
    with pytest.raises(InvalidInputError, match="1 promoters from one of 0"):
        NPSTally.from_scores([3]) - NPSTally.from_scores([10])
    with pytest.raises(InvalidInputError, match=r"would be -0\.5"):
        NPSTally.from_scores([3, 3], weights=[1, 1]) - NPSTally.from_scores([3], weights=[2.5])
    with pytest.raises(InvalidInputError, match="left where no response is"):
        NPSTally.from_scores([3], weights=[2]) - NPSTally.from_scores([3], weights=[1])
    with pytest.raises(InvalidInputError, match="left with no weight"):
        NPSTally.from_scores([3, 3], weights=[1, 1e-12]) - NPSTally.from_scores(
            [3], weights=[1 + 1e-12]
        )
    assert NPSTally().__sub__(3) is NotImplemented  # type: ignore[operator]
