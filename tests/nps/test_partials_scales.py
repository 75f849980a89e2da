"""CSAT and CES partials: histograms per scale point, merged along any tree, are the whole.

Random answers (some unanswered, some of weight 0, on a declared scale or the default)
split by row; the merged histogram equals the histogram of all answers (dyadic weights:
exactly) and finalises to `nps.csat` / `nps.ces` itself. Options of the key are refused
when they differ; answers on two scales or of two survey types are refused at the end;
the weights' unit does not matter (the normalisation by the largest weight cancels).
"""

from __future__ import annotations

from functools import partial

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.nps import partial_helpers as h

from cshealth import InvalidInputError, SmallSampleWarning, nps
from cshealth._partial import PartialMismatchError
from cshealth.nps import CESPartial, CSATPartial

#: Answers: (score on 0..10 or None, dyadic weight).
answer_rows = st.lists(
    st.tuples(
        st.one_of(st.integers(0, 10), st.integers(0, 10), st.none()),
        st.sampled_from([0.25, 0.5, 1.0, 1.0, 3.75, 0.0]),
    ),
    max_size=40,
)
scales = st.sampled_from([(1, 5), (0, 10), (1, 7), (1, 2)])


def answers(rows, kind, scale, *, weighted, declared=True):
    low, high = scale
    scores = [None if s is None else low + s % (high - low + 1) for s, _ in rows]
    columns = {
        "kind": np.full(len(rows), kind, dtype=object),
        "score": np.array(scores, dtype=object),
        "survey_type": np.full(len(rows), "transactional", dtype=object),
    }
    if declared:
        columns["scale_min"] = np.full(len(rows), low)
        columns["scale_max"] = np.full(len(rows), high)
    if weighted:
        columns["weight"] = np.array([w for _, w in rows])
    return columns


csat_options = st.fixed_dictionaries(
    {"method": st.sampled_from(["top_box", "mean_index"]), "min_n": st.just(0)}
)
ces_options = st.fixed_dictionaries(
    {
        "method": st.sampled_from(["mean", "pct_easy"]),
        "higher_is_easier": st.booleans(),
        "min_n": st.just(0),
    }
)


@settings(max_examples=100)
@given(answer_rows, h.layouts, scales, csat_options, st.booleans())
def test_csat_partials_merge_to_the_whole_and_finalise_to_csat(
    rows, layout, scale, options, weighted
) -> None:
    owner, k, seed = layout
    data = answers(rows, "csat", scale, weighted=weighted)
    parts = h.split(len(rows), owner, k)
    merged = h.tree(
        h.partials_of(lambda d, **kw: nps.csat_partial(d, **options, **kw), data, parts), seed
    )
    assert merged.requires is None
    h.assert_same_rows(merged, nps.csat_partial(data, **options))
    assert merged.finalize() == nps.csat(data, **options)


@settings(max_examples=100)
@given(answer_rows, h.layouts, scales, ces_options, st.booleans())
def test_ces_partials_merge_to_the_whole_and_finalise_to_ces(
    rows, layout, scale, options, weighted
) -> None:
    owner, k, seed = layout
    data = answers(rows, "ces", scale, weighted=weighted)
    parts = h.split(len(rows), owner, k)
    merged = h.tree(
        h.partials_of(lambda d, **kw: nps.ces_partial(d, **options, **kw), data, parts), seed
    )
    h.assert_same_rows(merged, nps.ces_partial(data, **options))
    assert merged.finalize() == nps.ces(data, **options)


@settings(max_examples=40)
@given(answer_rows, h.layouts)
def test_weights_that_are_not_dyadic_merge_within_the_tolerance(rows, layout) -> None:
    owner, k, seed = layout
    data = answers(rows, "csat", (1, 5), weighted=True)
    data["weight"] = data["weight"] * 1.1 + np.arange(len(rows)) / 7
    parts = h.split(len(rows), owner, k)
    for make, whole in ((nps.csat_partial, nps.csat), (nps.ces_partial, nps.ces)):
        data["kind"][:] = "csat" if make is nps.csat_partial else "ces"
        merged = h.tree(h.partials_of(partial(make, min_n=0), data, parts), seed)
        h.assert_same_rows(merged, make(data, min_n=0), rel=h.REL)
        h.assert_close(merged.finalize(), whole(data, min_n=0))


@given(answer_rows, st.sampled_from([1e-3, 1.0, 2.0**40, 3e50]))
def test_the_unit_of_the_weights_does_not_matter(rows, unit) -> None:
    data = answers(rows, "csat", (1, 5), weighted=True)
    scaled = dict(data, weight=data["weight"] * unit)
    h.assert_close(nps.csat_partial(scaled, min_n=0).finalize(), nps.csat(data, min_n=0))


@given(answer_rows, answer_rows, answer_rows)
def test_merging_is_associative_commutative_with_an_identity(a, b, c) -> None:
    h.assert_algebra(
        *(nps.csat_partial(answers(r, "csat", (1, 5), weighted=True)) for r in (a, b, c))
    )
    h.assert_algebra(
        *(nps.ces_partial(answers(r, "ces", (1, 7), weighted=False)) for r in (a, b, c))
    )
    h.round_trips(nps.csat_partial(answers(a, "csat", (0, 10), weighted=True), part="p0"))
    h.round_trips(nps.ces_partial(answers(b, "ces", (1, 7), weighted=True), part="p0"))


@pytest.mark.parametrize(
    ("make", "option", "other"),
    [
        (nps.csat_partial, "scale", (1, 5)),
        (nps.csat_partial, "positive", [5]),
        (nps.csat_partial, "method", "mean_index"),
        (nps.csat_partial, "survey_type", "transactional"),
        (nps.csat_partial, "min_n", 0),
        (nps.ces_partial, "scale", (1, 7)),
        (nps.ces_partial, "higher_is_easier", False),
        (nps.ces_partial, "method", "pct_easy"),
        (nps.ces_partial, "survey_type", "transactional"),
        (nps.ces_partial, "min_n", 0),
    ],
)
def test_partials_with_another_option_are_refused(make, option, other) -> None:
    with pytest.raises(PartialMismatchError, match=f"{option}: "):
        make([]).merge(make([], **{option: other}))


def test_the_scale_is_read_from_the_answers_at_the_end() -> None:
    def part(rows, scale):
        return nps.csat_partial(answers(rows, "csat", scale, weighted=False), positive=[9, 10])

    full = part([(9, 1.0), (3, 1.0), (None, 1.0)], (0, 10))
    assert full.columns["scale_max"].tolist() == [0, 10, 10]  # the unanswered: scale 0..0
    assert full.columns["score"].tolist() == [0, 3, 9]
    assert full.columns["unanswered"].tolist() == [1, 0, 0]
    aside = part([(None, 1.0)], (1, 5))  # no answer: it reads as the default scale
    merged = full.merge(part([], (0, 10)), aside)
    assert merged == part([(9, 1.0), (3, 1.0), (None, 1.0), (None, 1.0)], (0, 10))
    with pytest.warns(SmallSampleWarning):
        got = merged.finalize()
    assert (got.scale, got.positive, got.unanswered) == ((0, 10), 1, 2)
    five = nps.csat_partial(answers([(4, 1.0)], "csat", (1, 5), weighted=False), positive=[9, 10])
    with pytest.raises(
        InvalidInputError, match=r"CSAT answers on different scales \(2 on 0\.\.10, 1 on 1\.\.5\)"
    ):
        (full + five).finalize()
    with pytest.raises(InvalidInputError, match="`positive` must be a non-empty set"):
        nps.csat_partial(
            answers([(1, 1.0)], "csat", (1, 5), weighted=False), positive=[9, 10]
        ).finalize()
    with pytest.raises(InvalidInputError, match="`positive` must be a non-empty set"):
        nps.csat_partial([4], positive=[4.5])
    with pytest.raises(InvalidInputError, match="`positive` must be a non-empty set"):
        nps.csat_partial([4], positive=[])
    with pytest.raises(InvalidInputError, match="`positive` must be a non-empty set"):
        nps.csat_partial([4], positive=5)  # type: ignore[arg-type]
    assert nps.csat_partial([], scale=(1, 10), min_n=0).finalize().scale == (1, 10)
    assert nps.ces_partial([], min_n=0).finalize().scale == (1, 7)


def test_partials_refuse_what_a_partition_cannot_know() -> None:
    extreme = answers([(4, 1.0)], "csat", (1, 5), weighted=True)
    extreme["weight"] = np.array([1e-150])
    with pytest.raises(InvalidInputError, match="divide every weight by one common constant"):
        nps.csat_partial(extreme)
    assert nps.csat(extreme, min_n=0).score == 100.0  # the whole rescales by its largest
    rel = nps.csat_partial(
        dict(
            answers([(4, 1.0)], "csat", (1, 5), weighted=False),
            survey_type=np.array(["relationship"], dtype=object),
        )
    )
    tra = nps.csat_partial(answers([(4, 1.0)], "csat", (1, 5), weighted=False))
    with pytest.raises(InvalidInputError, match="never pooled"):
        (rel + tra).finalize()
    others = {"kind": ["nps"], "score": [4]}
    assert len(nps.csat_partial(others)) == len(nps.ces_partial(others)) == 0
    with pytest.raises(InvalidInputError, match="no responses of kind 'csat'"):
        nps.csat(others)
    assert CSATPartial.REQUIRES is CESPartial.REQUIRES is None
    with pytest.warns(SmallSampleWarning) as caught:
        nps.ces_partial([7, 6]).finalize()
    assert caught[0].filename == __file__
