"""The columns every backtest metric reads: from a `Panel`, or from plain columns.

`as_panel_columns` is the one reader of what `evaluate`, `compare`, `calibrate` and
`thresholds` are given: a `Panel` (one row per observation of an account on a date, its
score, band, outcome and MRR), or a mapping of columns (or a data frame, or a list of row
mappings) with the columns ``account_id``, ``score`` and ``churned``, and optionally
``as_of``, ``band`` and ``mrr``. Plain columns are checked value by value, and a bad value
is reported with its row (counting from 1), its column and what is allowed.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import repeat
from typing import cast

import numpy as np

from cshealth._checks import float_array, shown
from cshealth._exceptions import InvalidInputError
from cshealth._types import BoolArray, DateArray, FloatArray, IdArray, IntArray, ObjectArray
from cshealth.io._read import column_array, column_length, named_columns, read_ids, row_columns

__all__ = ["PanelColumns", "as_panel_columns", "band_codes", "check_churned", "check_scores"]

#: The columns plain data must have, and those read when present.
NEEDED = ("account_id", "score", "churned")
OPTIONAL = ("as_of", "band", "mrr")
#: The attributes a panel has for the metrics.
_PANEL_ATTRIBUTES = ("account_ids", "as_of", "score", "band", "bands", "churned", "mrr")


@dataclass(frozen=True)
class PanelColumns:
    """What the backtest metrics read of a panel: one entry per observation.

    Attributes:
        account_ids: Each observation's account (``int64`` or text).
        as_of: Each observation's date (``datetime64[D]``); ``None`` when the data gave
            none (every observation is taken to be of one date).
        score: The health score (NaN: not scored; the metrics drop these and count them).
        band: The band label (``None`` without one).
        bands: The band labels, WORST FIRST (empty when there are no bands).
        churned: Whether the account churned within the horizon.
        mrr: The MRR on the observation date (NaN: unknown).
        horizon_days: The panel's horizon (``None`` for plain columns).
        config_hash: The hash of the scorecard behind the scores (``None`` when unknown).
        band_code: Each observation's band as its position in ``bands`` (-1: none), when
            already known (`band_positions` gives it either way).
    """

    account_ids: IdArray
    as_of: DateArray | None
    score: FloatArray
    band: ObjectArray
    bands: tuple[str, ...]
    churned: BoolArray
    mrr: FloatArray
    horizon_days: int | None = None
    config_hash: str | None = None
    band_code: IntArray | None = None

    def __len__(self) -> int:
        return len(self.score)

    def band_positions(self) -> IntArray:
        """Each observation's band as its position in ``bands``; -1 without one."""
        if self.band_code is not None:
            return self.band_code
        return band_codes(self.band, self.bands)

    def take(self, rows: IntArray | BoolArray) -> PanelColumns:
        """The observations at ``rows`` (positions or a mask), in that order."""
        return PanelColumns(
            account_ids=self.account_ids[rows],
            as_of=None if self.as_of is None else self.as_of[rows],
            score=self.score[rows],
            band=self.band[rows],
            bands=self.bands,
            churned=self.churned[rows],
            mrr=self.mrr[rows],
            horizon_days=self.horizon_days,
            config_hash=self.config_hash,
            band_code=None if self.band_code is None else self.band_code[rows],
        )


def as_panel_columns(data: object) -> PanelColumns:
    """The observations of a `Panel`, or of plain columns, as `PanelColumns`.

    Args:
        data: A `Panel`, or a mapping of columns, a data frame or a list of row mappings
            with ``account_id``, ``score`` (numbers, NaN for "not scored") and
            ``churned`` (``True``/``False`` or ``1``/``0``), and optionally ``as_of``
            (dates), ``band`` (labels, ``None`` for none) and ``mrr`` (numbers >= 0, NaN
            for unknown). Other columns are ignored.

    Returns:
        The columns. Bands of plain columns are ordered by their mean score, lowest
        (worst) first; a panel gives its own order.

    Raises:
        InvalidInputError: On data of another kind, a missing column, columns of unequal
            length, or a bad value (naming its row, column and value).

    Examples:
        >>> cols = as_panel_columns(
        ...     {"account_id": ["a", "b", "c"], "score": [30, 80, None], "churned": [1, 0, 0]}
        ... )
        >>> cols.score.tolist(), cols.churned.tolist(), cols.as_of is None
        ([30.0, 80.0, nan], [True, False, False], True)
        >>> as_panel_columns({"account_id": ["a"], "score": [30], "churned": ["yes"]})
        Traceback (most recent call last):
        ...
        cshealth.InvalidInputError: `churned` must hold True/False (or 1/0): row 1 is 'yes'
    """
    if all(hasattr(data, name) for name in _PANEL_ATTRIBUTES):
        return _from_panel(data)
    columns = named_columns(data)
    if columns is None and isinstance(data, Sequence) and not isinstance(data, (str, bytes)):
        rows = list(data)
        if rows and all(isinstance(row, Mapping) for row in rows):
            columns = dict(row_columns(cast("list[Mapping[object, object]]", rows)))
    if columns is None:
        msg = (
            "backtest data must be a Panel (from `backtest.panel`), or a mapping of columns, "
            f"a data frame or a list of rows with the columns {list(NEEDED)}; got "
            f"{type(data).__name__}"
        )
        raise InvalidInputError(msg)
    return _from_columns(columns)


def _from_panel(panel: object) -> PanelColumns:
    get = panel.__getattribute__
    return PanelColumns(
        account_ids=get("account_ids"),
        as_of=np.asarray(get("as_of")).astype("datetime64[D]"),
        score=np.asarray(get("score"), dtype=np.float64),
        band=np.asarray(get("band"), dtype=object),
        bands=tuple(get("bands")),
        churned=np.asarray(get("churned"), dtype=bool),
        mrr=np.asarray(get("mrr"), dtype=np.float64),
        horizon_days=getattr(panel, "horizon_days", None),
        config_hash=getattr(panel, "config_hash", None),
    )


def _from_columns(columns: Mapping[str, object]) -> PanelColumns:
    missing = [name for name in NEEDED if name not in columns]
    if missing:
        msg = (
            f"backtest data need the columns {list(NEEDED)} (and may have {list(OPTIONAL)}); "
            f"missing {missing}, got {sorted(columns)}"
        )
        raise InvalidInputError(msg)
    present = [name for name in (*NEEDED, *OPTIONAL) if name in columns]
    lengths = {name: column_length(name, columns[name]) for name in present}
    if len(set(lengths.values())) > 1:
        msg = f"the columns must all have one length, got {lengths}"
        raise InvalidInputError(msg)
    n = lengths["account_id"]
    score = check_scores(columns["score"], "score")
    band, codes, k = _labels(columns["band"] if "band" in columns else [None] * n)
    bands, position = _band_order(band, codes, k, score)
    return PanelColumns(
        account_ids=read_ids(columns["account_id"], name="account_id"),
        as_of=_days(columns["as_of"], "as_of") if "as_of" in columns else None,
        score=score,
        band=band,
        bands=bands,
        churned=check_churned(columns["churned"], "churned"),
        mrr=_mrr(columns["mrr"]) if "mrr" in columns else np.full(n, np.nan),
        band_code=position[codes],
    )


def _first_bad(bad: BoolArray, values: object) -> tuple[int, str]:
    """The first bad row (counting from 1) and its value, shown."""
    row = int(np.flatnonzero(bad)[0])
    return row + 1, shown(column_array(values)[row])


def check_scores(values: object, name: str) -> FloatArray:
    """Scores as ``float64``: numbers, NaN (or ``None``) for "not scored"; infinities refused.

    Raises:
        InvalidInputError: On values that are not numbers, or infinite ones (naming the row).

    Examples:
        >>> check_scores([10, None, 95.5], "score").tolist()
        [10.0, nan, 95.5]
    """
    scores = float_array(values, name)
    if scores.ndim != 1:
        msg = f"`{name}` must be one number per observation, got shape {scores.shape}"
        raise InvalidInputError(msg)
    infinite = np.isinf(scores)
    if infinite.any():
        row, value = _first_bad(infinite, values)
        msg = f"`{name}` must be finite numbers (NaN for not scored): row {row} is {value}"
        raise InvalidInputError(msg)
    return scores


def check_churned(values: object, name: str) -> BoolArray:
    """Outcomes as booleans: ``True``/``False`` or ``1``/``0``; nothing else, no gaps.

    Raises:
        InvalidInputError: On any other value (a missing one included), naming the row.

    Examples:
        >>> check_churned([1, 0, True], "churned").tolist()
        [True, False, True]
    """
    array = column_array(values)
    if array.ndim != 1:
        msg = f"`{name}` must be one outcome per observation, got shape {array.shape}"
        raise InvalidInputError(msg)
    if array.dtype.kind == "b":
        return array.astype(bool)
    if array.dtype.kind in "iuf":
        bad = ~np.isin(array, (0, 1))
    else:
        bad = np.array([not _is_flag(v) for v in array.tolist()], dtype=bool)
    if bad.any():
        row, value = _first_bad(bad, values)
        msg = f"`{name}` must hold True/False (or 1/0): row {row} is {value}"
        raise InvalidInputError(msg)
    return np.array([bool(v) for v in array.tolist()], dtype=bool)


def _is_flag(value: object) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return True
    if isinstance(value, (int, float, np.integer, np.floating)):
        return value in (0, 1)
    return False


def _labels(values: object) -> tuple[ObjectArray, IntArray, int]:
    """Band labels: text, or ``None`` (NaN too) for no band; checked once per distinct value.

    Returns:
        ``(labels, codes, k)``: the labels, a code ``0..k-1`` per distinct label (-1 for
        none).
    """
    array = column_array(values).astype(object)
    items = array.tolist()
    try:
        distinct = set(items)
    except TypeError:  # an unhashable cell (a list): never a label
        distinct = {v if _hashable(v) else _UNHASHABLE for v in items}
    wrong = {v for v in distinct if not (v is None or isinstance(v, str) or _nan(v))}
    if wrong:
        bad = np.fromiter(
            (not _hashable(v) or v in wrong for v in items), dtype=bool, count=len(items)
        )
        row, value = _first_bad(bad, values)
        msg = f"`band` must hold labels (text, or None for no band): row {row} is {value}"
        raise InvalidInputError(msg)
    labels = sorted(v for v in distinct if isinstance(v, str))
    lookup = {label: i for i, label in enumerate(labels)}
    codes = np.fromiter(map(lookup.get, items, repeat(-1)), dtype=np.int64, count=len(items))
    array[codes < 0] = None
    return array, codes, len(labels)


#: Stands for an unhashable cell among the distinct values of a column.
_UNHASHABLE = object()


def _hashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def _nan(value: object) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _first_rows(codes: IntArray, k: int) -> IntArray:
    """The first row of each of the ``k`` codes (codes below 0 are left out)."""
    firsts = np.full(k, len(codes), dtype=np.int64)
    present = np.flatnonzero(codes >= 0)
    np.minimum.at(firsts, codes[present], present)
    return firsts


def _band_order(
    band: ObjectArray, codes: IntArray, k: int, score: FloatArray
) -> tuple[tuple[str, ...], IntArray]:
    """The labels in order of their mean score, lowest first (ties by label).

    Returns:
        ``(bands, position)``: the labels in order, and the position of each code's label
        among them, with -1 last (for the code -1, no band).
    """
    labels = [str(v) for v in band[_first_rows(codes, k)].tolist()]
    rows = (codes >= 0) & ~np.isnan(score)
    sums = np.bincount(codes[rows], weights=score[rows], minlength=k)
    counts = np.bincount(codes[rows], minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.inf).tolist()
    order = sorted(range(k), key=lambda i: (means[i], labels[i]))
    position = np.full(k + 1, -1, dtype=np.int64)
    position[order] = np.arange(k)
    return tuple(labels[i] for i in order), position


def band_codes(band: ObjectArray, bands: tuple[str, ...]) -> IntArray:
    """Each observation's band as its position in ``bands`` (-1: none, or another label).

    Examples:
        >>> band_codes(np.array(["green", None, "red", "blue"], dtype=object), ("red", "green"))
        array([ 1, -1,  0, -1])
    """
    position = {label: i for i, label in enumerate(bands)}
    items = band.tolist()
    try:
        return np.fromiter(map(position.get, items, repeat(-1)), dtype=np.int64, count=len(items))
    except TypeError:  # an unhashable cell: no band of ``bands``
        found = (position.get(v, -1) if _hashable(v) else -1 for v in items)
        return np.fromiter(found, dtype=np.int64, count=len(items))


def _mrr(values: object) -> FloatArray:
    mrr = float_array(values, "mrr")
    bad = np.isinf(mrr) | (mrr < 0)
    if bad.any():
        row, value = _first_bad(bad, values)
        msg = f"`mrr` must be numbers >= 0 (NaN for unknown): row {row} is {value}"
        raise InvalidInputError(msg)
    return mrr


def _days(values: object, name: str) -> DateArray:
    """A column of dates: ``date`` objects, ``datetime64`` days or ISO text; no gaps, no times."""
    array = column_array(values)
    instants = None
    if array.dtype.kind in "MU":  # datetime64 or text: numpy reads them whole
        with contextlib.suppress(TypeError, ValueError, OverflowError):
            instants = np.asarray(array, dtype="datetime64[us]")  # else: one by one below
    if instants is None:
        instants = np.array([_one_day(v) for v in array.tolist()], dtype="datetime64[us]")
    days = instants.astype("datetime64[D]")
    bad = np.isnat(instants) | (days != instants)
    if bad.any():
        row, value = _first_bad(bad, values)
        msg = f"`{name}` must hold dates (YYYY-MM-DD, without a time): row {row} is {value}"
        raise InvalidInputError(msg)
    return days


def _one_day(value: object) -> object:
    """One cell as a day (for numpy's ``datetime64``); NaT when it is not a date."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, (str, np.datetime64)):
        try:
            return np.array(value, dtype="datetime64[us]")[()]
        except ValueError:
            pass
    return None
