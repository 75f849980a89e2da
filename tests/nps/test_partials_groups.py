"""NPS breakdown and migration partials: any split merged along any tree is the whole.

Breakdown: random responses (groups by a column or an account mapping, some without a
group, unanswered, of weight 0, outside the window) split by row; the merged partial
equals the partial of all rows and finalises to `nps.breakdown`. Migration: two waves
split by respondent (both waves of a respondent in one partition); the merged partial
finalises to `nps.migration`, and a respondent spread over partitions changes it.
"""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.nps import partial_helpers as h

from cshealth import InvalidInputError, SmallSampleWarning, nps
from cshealth._partial import PartialMismatchError
from cshealth.nps import NPSBreakdownPartial, NPSMigrationPartial

breakdown_options = st.fixed_dictionaries(
    {
        "by": st.sampled_from(["touchpoint", {"acct0": "smb", "acct1": "ent"}]),
        "start": st.sampled_from([None, date(2025, 1, 10)]),
        "end": st.sampled_from([None, date(2025, 5, 1)]),
        "correction": st.sampled_from(["holm", "none"]),
    }
)


@settings(max_examples=120)
@given(h.response_rows, h.layouts, breakdown_options, st.booleans())
def test_breakdown_partials_merge_to_the_whole_and_finalise_to_breakdown(
    rows, layout, options, weighted
) -> None:
    owner, k, seed = layout
    data = h.responses(rows, weighted=weighted)
    options |= {"min_n": 3}
    parts = h.split(len(rows), owner, k)
    merged = h.tree(
        h.partials_of(lambda d, **kw: nps.breakdown_partial(d, **options, **kw), data, parts), seed
    )
    assert merged.requires is None
    h.assert_same_rows(merged, nps.breakdown_partial(data, **options))
    assert merged.finalize() == nps.breakdown(data, **options)


@settings(max_examples=40)
@given(h.response_rows, h.layouts)
def test_breakdown_weights_that_are_not_dyadic_merge_within_the_tolerance(rows, layout) -> None:
    owner, k, seed = layout
    data = h.responses(rows, weighted=True)
    data["weight"] = data["weight"] * 1.1 + np.arange(len(rows)) / 7
    parts = h.split(len(rows), owner, k)
    merged = h.tree(
        h.partials_of(lambda d, **kw: nps.breakdown_partial(d, by="touchpoint", **kw), data, parts),
        seed,
    )
    h.assert_same_rows(merged, nps.breakdown_partial(data, by="touchpoint"), rel=h.REL)
    h.assert_close(merged.finalize(), nps.breakdown(data, by="touchpoint"))


@given(h.response_rows, h.response_rows, h.response_rows)
def test_breakdown_merging_is_associative_commutative_with_an_identity(a, b, c) -> None:
    h.assert_algebra(*(nps.breakdown_partial(h.responses(r), by="touchpoint") for r in (a, b, c)))


@given(h.response_rows)
def test_breakdown_serial_forms_round_trip(rows) -> None:
    data = h.responses(rows, weighted=True)
    h.round_trips(nps.breakdown_partial(data, by="touchpoint", part="p1"))


@pytest.mark.parametrize(
    ("option", "other"),
    [
        ("by", "account_id"),
        ("survey_type", "relationship"),
        ("start", date(2025, 1, 1)),
        ("end", date(2025, 1, 1)),
        ("correction", "none"),
        ("alpha", 0.01),
        ("min_n", 5),
    ],
)
def test_breakdown_partials_with_another_option_are_refused(option, other) -> None:
    data = h.responses([(1, 10, 100, 1.0, "web")], survey_type=None)
    base = nps.breakdown_partial(data, by="touchpoint")
    changed = nps.breakdown_partial(data, **{"by": "touchpoint", option: other})
    with pytest.raises(PartialMismatchError, match=f"{option}: "):
        base.merge(changed)


def test_breakdown_rows_and_their_checks() -> None:
    data = h.responses([(1, 10, 100, 1.0, "web"), (2, None, 100, 1.0, "phone")])
    p = nps.breakdown_partial(data, by="touchpoint")
    assert p.columns["group"].tolist() == ["", "phone", "web"]  # all, then each label
    assert p.columns["level"].tolist() == [0, 1, 1]
    assert p.columns["unanswered"].tolist() == [0, 1, 0]  # a label with no answer yet
    assert p.finalize().overall.unanswered == 1
    assert p.finalize().labels == ["web"]
    altered = p.to_dict()
    altered["columns"]["promoters"][0] = 2  # type: ignore[index]
    with pytest.raises(InvalidInputError, match="counts 2 responses in all but 1"):
        NPSBreakdownPartial.from_dict(altered).finalize()
    extreme = dict(data, weight=np.array([1e200, 1e200]))
    with pytest.raises(InvalidInputError, match=r"outside 1e-100\.\.1e100"):
        nps.breakdown_partial(extreme, by="touchpoint")
    assert nps.breakdown(extreme, by="touchpoint").overall.n == 1  # the whole rescales
    others = {"kind": ["csat"], "score": [4], "touchpoint": ["web"]}
    assert len(nps.breakdown_partial(others, by="touchpoint")) == 0
    typed = nps.breakdown_partial(
        h.responses([(3, 9, 1, 1.0, "web")], survey_type="transactional"), by="touchpoint"
    )
    with pytest.raises(InvalidInputError, match="never pooled"):
        (p + typed).finalize()


# --- migration --------------------------------------------------------------------------------

#: Answers of one wave: (respondent or None, score, hours after T0).
wave_rows = st.lists(
    st.tuples(st.one_of(st.integers(0, 9), st.none()), st.integers(0, 10), st.integers(0, 50)),
    max_size=25,
)


def wave(rows):
    return {
        "contact_id": np.array([r[0] for r in rows], dtype=object),
        "score": np.array([r[1] for r in rows], dtype=np.int64),
        "submitted_at": h.T0 + np.array([r[2] for r in rows], dtype=np.int64) * h.HOUR,
    }


def split_waves(first, second, owner, k):
    """Both waves split by respondent: a respondent's answers in one partition; no id: any."""

    def home(i, who):
        return owner[who % len(owner)] % k if who is not None else owner[i % len(owner)] % k

    return [
        (
            h.take(first, [i for i, r in enumerate(first["contact_id"]) if home(i, r) == j]),
            h.take(second, [i for i, r in enumerate(second["contact_id"]) if home(i, r) == j]),
        )
        for j in range(k)
    ]


@settings(max_examples=120)
@given(wave_rows, wave_rows, h.layouts)
def test_migration_partials_merge_to_the_whole_and_finalise_to_migration(a, b, layout) -> None:
    owner, k, seed = layout
    first, second = wave(a), wave(b)
    parts = [
        nps.migration_partial(x, y, min_n=0, part=f"p{i}")
        for i, (x, y) in enumerate(split_waves(first, second, owner, k))
    ]
    merged = h.tree(parts, seed)
    h.assert_same_rows(merged, nps.migration_partial(first, second, min_n=0))
    assert merged.finalize() == nps.migration(first, second, min_n=0)


@given(wave_rows, wave_rows, wave_rows)
def test_migration_merging_is_associative_commutative_with_an_identity(a, b, c) -> None:
    h.assert_algebra(*(nps.migration_partial(wave(r), wave(r[::-1])) for r in (a, b, c)))
    h.round_trips(nps.migration_partial(wave(a), wave(b), part="p2"))


def test_a_respondent_spread_over_partitions_changes_the_merged_migration() -> None:
    first, second = {"ann": 9, "bob": 3}, {"ann": 10, "bob": 8}
    together = nps.migration_partial(first, second, min_n=0)
    spread = nps.migration_partial({"ann": 9}, {"bob": 8}, min_n=0) + nps.migration_partial(
        {"bob": 3}, {"ann": 10}, min_n=0
    )
    assert spread.requires == NPSMigrationPartial.REQUIRES == "contact_id"
    assert together.finalize().matched == 2
    assert spread.finalize().matched == 0  # the guard: ann and bob look new and gone
    assert (spread.finalize().entrants, spread.finalize().leavers) == (2, 2)


def test_migration_keys_types_and_warnings() -> None:
    base = nps.migration_partial({"a": 9}, {"a": 10})
    for option, other in (("respondent", "email"), ("min_n", 5)):
        with pytest.raises(PartialMismatchError, match=f"{option}: "):
            base.merge(nps.migration_partial({"a": 9}, {"a": 10}, **{option: other}))
    with pytest.warns(SmallSampleWarning, match="1 matched respondents") as caught:
        base.finalize()
    assert caught[0].filename == __file__
    with pytest.warns(SmallSampleWarning) as caught:
        nps.migration({"a": 9}, {"a": 10})
    assert caught[0].filename == __file__
    rel = {"contact_id": ["a"], "score": [9], "survey_type": ["relationship"]}
    tra = {"contact_id": ["b"], "score": [9], "survey_type": ["transactional"]}
    one = nps.migration_partial(rel, {"x": 9}, min_n=0)  # a mapping wave says no type
    assert one.finalize().survey_type == "relationship"
    with pytest.raises(InvalidInputError, match="never pooled"):
        (one + nps.migration_partial(tra, {"y": 9}, min_n=0)).finalize()
    with pytest.raises(InvalidInputError, match="`wave1` holds relationship"):
        (one + nps.migration_partial({"z": 9}, tra, min_n=0)).finalize()
    others = {"kind": ["csat"], "contact_id": ["a"], "score": [4]}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(nps.migration_partial(others, others, min_n=0)) == 0
