"""Score bands: labelled intervals covering 0..100, with explicit closure.

A scorecard's bands are stored sorted from the lowest score up. With ``lower_inclusive``
closure every band is ``[min, max)`` except the last, which is ``[min, 100]``; with
``upper_inclusive`` every band is ``(min, max]`` except the first, which is ``[0, max]``.
Gainsight and ChurnZero disagree on this, so the choice is part of the configuration.
A scorecard's set of bands covers 0..100 without gap or overlap, with at most
`MAX_BANDS` bands (`_band_problem` says what is wrong with one).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Literal

import numpy as np
from pydantic import Field

from cshealth._types import FloatArray, IntArray, ObjectArray
from cshealth.scoring._base import ScoringConfig

__all__ = ["MAX_BANDS", "Band", "Closure", "assign_bands", "band_labels", "band_top"]

#: Which end of each interval is inside it (bands and ``thresholds`` transforms).
Closure = Literal["lower_inclusive", "upper_inclusive"]


class Band(ScoringConfig):
    """One labelled score interval, such as ``red`` for scores from 0 to 40.

    Attributes:
        label: The band's name (``"red"``, ``"B"``, ...).
        min: The lowest score of the band (0..100).
        max: The highest score of the band (0..100), above ``min``.

    Examples:
        >>> Band(label="red", min=0, max=40)
        Band(label='red', min=0.0, max=40.0)
    """

    label: str = Field(min_length=1)
    min: float = Field(ge=0, le=100, allow_inf_nan=False)
    max: float = Field(ge=0, le=100, allow_inf_nan=False)


def assign_bands(bands: Sequence[Band], closure: Closure, scores: FloatArray) -> IntArray:
    """The index of each score's band in ``bands`` (sorted, contiguous), -1 where NaN.

    Examples:
        >>> bands = [Band(label="red", min=0, max=40), Band(label="green", min=40, max=100)]
        >>> assign_bands(bands, "lower_inclusive", np.array([0.0, 40.0, 100.0, np.nan]))
        array([ 0,  1,  1, -1])
        >>> assign_bands(bands, "upper_inclusive", np.array([0.0, 40.0, 100.0]))
        array([0, 0, 1])
    """
    inner = np.array([band.max for band in bands[:-1]], dtype=np.float64)
    side: Literal["left", "right"] = "right" if closure == "lower_inclusive" else "left"
    index = np.searchsorted(inner, scores, side=side).astype(np.int64)
    index[np.isnan(scores)] = -1
    return index


def band_labels(bands: Sequence[Band], index: IntArray) -> ObjectArray:
    """Band labels for band indices from `assign_bands` (``None`` for -1).

    Examples:
        >>> bands = [Band(label="red", min=0, max=40), Band(label="green", min=40, max=100)]
        >>> band_labels(bands, np.array([1, -1, 0])).tolist()
        ['green', None, 'red']
    """
    labels = np.array([*(band.label for band in bands), None], dtype=object)
    out: ObjectArray = labels[index]  # -1 picks the trailing None
    return out


def band_top(bands: Sequence[Band], closure: Closure, index: IntArray) -> FloatArray:
    """The highest score inside each band ``index`` (the cap a ``weakest_link`` applies).

    With ``lower_inclusive`` closure a band other than the last stops just below its
    ``max`` (the largest float under it); otherwise the top is ``max`` itself.

    Examples:
        >>> bands = [Band(label="red", min=0, max=40), Band(label="green", min=40, max=100)]
        >>> top = band_top(bands, "lower_inclusive", np.array([0, 1]))
        >>> bool(top[0] < 40.0), float(top[1])
        (True, 100.0)
    """
    tops = np.array([band.max for band in bands], dtype=np.float64)
    if closure == "lower_inclusive":
        tops[:-1] = np.nextafter(tops[:-1], -np.inf)
    out: FloatArray = tops[index]
    return out


#: The most bands a scorecard may have.
MAX_BANDS = 12

_DEFAULT_BANDS = (
    Band(label="red", min=0, max=40),
    Band(label="yellow", min=40, max=70),
    Band(label="green", min=70, max=100),
)


def _band_problem(bands: tuple[Band, ...]) -> str:
    if not bands:
        return "give at least one band"
    if len(bands) > MAX_BANDS:
        return f"at most {MAX_BANDS} bands, got {len(bands)}"
    labels = [band.label for band in bands]
    repeated = sorted({label for label in labels if labels.count(label) > 1})
    if repeated:
        return f"band labels must be unique, {repeated} repeat"
    for band in bands:
        if band.max <= band.min:
            return f"band {band.label!r} is empty: max {band.max:g} is not above min {band.min:g}"
    if bands[0].min != 0:
        return f"the bands start at {bands[0].min:g}, not at 0"
    for low, high in itertools.pairwise(bands):
        if high.min > low.max:
            return (
                f"gap between {low.label!r} (to {low.max:g}) and {high.label!r} (from {high.min:g})"
            )
        if high.min < low.max:
            return f"{low.label!r} (to {low.max:g}) overlaps {high.label!r} (from {high.min:g})"
    if bands[-1].max != 100:
        return f"the bands end at {bands[-1].max:g}, not at 100"
    return ""
