"""The bootstrap clustered by account, vectorised: every replicate in a few matrix products.

A panel observes each account on many dates, and an account's observations are not
independent (a healthy account is healthy on every date). The bootstrap therefore draws
ACCOUNTS, with replacement, and takes all the observations of each account drawn: a
replicate is a vector of multinomial counts, how many times each account was drawn. The
metrics (AUC, average precision, lift) need only the counts per *cell* (a score level and
an outcome), so a replicate's cell counts are its account counts times the accounts'
profile matrix (account x cell). No loop per replicate:

* `profiles` groups the accounts whose observations fall in the same cells (one account
  per date, with a coarse score, has at most as many profiles as cells); a group of ``m``
  of the ``C`` accounts is drawn as one category of probability ``m / C`` (the sum of
  multinomial counts over a group is a multinomial count of the group). When grouping
  does not pay, each account is its own profile;
* `resample` draws the counts of a block of replicates at once, as one multinomial matrix
  (``numpy.random.Generator.multinomial`` over few profiles; ``C`` uniform draws per
  replicate and one ``bincount`` over many), multiplies it by the profile matrix (dense
  BLAS when the cells are few or the matrix dense; ``scipy.sparse`` otherwise), and hands
  the cell counts to the statistic; blocks are sized to hold at most about 200 MB, and no
  array of a block more than 16 MB (so that blocks reuse one another's memory). Counts are
  whole numbers, so the products are exact: in ``float32`` when no cell count can reach
  ``2**24``, in ``float64`` otherwise.

`percentile_interval` is the percentile interval of the replicates (Efron's; the BCa
correction is not applied). A replicate in which a statistic is undefined (no churner
drawn) is left out of that statistic's interval; when more than half are, the interval
is NaN.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Union

import numpy as np
from numpy.typing import NDArray

from cshealth._stats import check_confidence_level
from cshealth._types import BoolArray, FloatArray, IntArray

if TYPE_CHECKING:
    from scipy import sparse

__all__ = ["MEMORY", "Profiles", "percentile_interval", "profiles", "resample"]

#: About how many bytes one block of replicates may hold.
MEMORY = 200 * 2**20
#: About the most bytes one array of a block may hold: kept below the size from which
#: the allocator maps fresh pages for every block (their page faults cost as much as the
#: draws themselves), so that the blocks reuse one another's memory.
_ARRAY_BYTES = 16 * 2**20
#: Group the accounts by profile when there are fewer than one profile per this many.
_GROUPING_PAYS = 8
#: Use a dense profile matrix when at least this share of its cells are filled, or the
#: cells are this few.
_DENSE_SHARE, _DENSE_CELLS = 0.25, 64
#: Counts are exact in float32 below this.
_FLOAT32_EXACT = 2**24

Matrix = Union[FloatArray, "sparse.csr_array"]


@dataclass(frozen=True)
class Profiles:
    """The clusters (accounts) by the cells their observations fall in.

    Attributes:
        matrix: Profile x cell: how many observations of a cluster with that profile fall
            in each cell (dense, or ``scipy.sparse`` CSR).
        multiplicity: How many clusters have each profile (``None``: each cluster is its
            own profile, in cluster order).
        clusters: The number of clusters ``C`` (each replicate draws ``C``).
        cells: The number of cells.
        biggest: The most observations of one cluster.
    """

    matrix: Matrix
    multiplicity: FloatArray | None
    clusters: int
    cells: int
    biggest: int

    @property
    def count(self) -> int:
        """The number of profiles (rows of `matrix`)."""
        return int(self.matrix.shape[0])


def profiles(cells: IntArray, n_cells: int, clusters: IntArray | None = None) -> Profiles:
    """The profile matrix of the clusters: which cells each cluster's observations fill.

    Args:
        cells: Per observation, its cell (``(n,)``), or its cells (``(n, m)``: an
            observation counted in ``m`` cells, such as its level under two scores).
        n_cells: The number of cells.
        clusters: Per observation, its cluster ``0..C-1`` (every code used); ``None``:
            each observation is its own cluster (the plain bootstrap).

    Examples:
        A hundred accounts observed once, 30 in cell 0 and 70 in cell 1: two profiles.

        >>> p = profiles(np.repeat([0, 1], [30, 70]), 2)
        >>> p.count, sorted(p.multiplicity.tolist()), p.clusters
        (2, [30.0, 70.0], 100)

        Forty accounts observed on two dates, each in cells 0 then 1, or 1 then 1:

        >>> cells = np.tile([0, 1, 1, 1], 20)
        >>> p = profiles(cells, 2, np.repeat(np.arange(40), 2))
        >>> p.matrix.tolist(), p.multiplicity.tolist()
        ([[1.0, 1.0], [0.0, 2.0]], [20.0, 20.0])
    """
    from scipy import sparse  # noqa: PLC0415 - on first use: `import cshealth` stays light

    table = cells[:, None] if cells.ndim == 1 else cells
    n = len(table)
    owner = np.arange(n, dtype=np.int64) if clusters is None else clusters
    c = int(owner.max()) + 1 if n else 0
    biggest = int(np.bincount(owner).max()) if n else 0
    m = table.shape[1]
    if biggest == 1 and m == 1:  # one observation per cluster: a profile is a cell
        return _cells_only(table[:, 0], n_cells, c)
    by_cluster = sparse.coo_array(
        (np.ones(n * m), (np.repeat(owner, m), table.reshape(-1))), shape=(c, n_cells)
    ).tocsr()
    by_cluster.sum_duplicates()  # canonical: one entry per cell, cells sorted
    by_cluster.sort_indices()
    group, first = _candidate_groups(table, owner, c)
    if len(first) * _GROUPING_PAYS >= c:  # grouping does not pay: each cluster its own
        return Profiles(_densified(by_cluster), None, c, n_cells, biggest)
    group, first = _checked_groups(by_cluster, group, first)
    multiplicity = np.bincount(group).astype(np.float64)
    return Profiles(_densified(by_cluster[first]), multiplicity, c, n_cells, biggest)


def _cells_only(cells: IntArray, n_cells: int, c: int) -> Profiles:
    """The profiles of clusters of one observation each: the cells that hold any."""
    from scipy import sparse  # noqa: PLC0415 - on first use: `import cshealth` stays light

    sizes = np.bincount(cells, minlength=n_cells)
    used = np.flatnonzero(sizes)
    if len(used) * _GROUPING_PAYS >= c:  # about as many cells as clusters: each its own
        matrix = sparse.csr_array((np.ones(c), (np.arange(c), cells)), shape=(c, n_cells))
        return Profiles(_densified(matrix), None, c, n_cells, 1)
    rows = np.zeros((len(used), n_cells))
    rows[np.arange(len(used)), used] = 1.0
    return Profiles(rows, sizes[used].astype(np.float64), c, n_cells, 1)


def _candidate_groups(table: IntArray, owner: IntArray, c: int) -> tuple[IntArray, IntArray]:
    """Clusters grouped by a hash of their cells (`_checked_groups` checks them).

    Each observation's cells are hashed to a 32-bit whole number; a cluster's sum of
    them (exact in ``float64``) is the same for the same multiset of cells.

    Returns:
        ``(group, first)``: each cluster's group, and each group's first cluster.
    """
    mixed = np.zeros(len(table), dtype=np.uint64)
    for j in range(table.shape[1]):
        mixed = _mix(mixed + table[:, j].astype(np.uint64))
    hashed = (mixed >> np.uint64(32)).astype(np.float64)
    sums = np.bincount(owner, weights=hashed, minlength=c)
    _, first, group = np.unique(sums, return_index=True, return_inverse=True)
    return group.reshape(-1).astype(np.int64), first.astype(np.int64)


def _mix(z: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """SplitMix64's finaliser: every bit of the input stirs every bit of the output."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    out: NDArray[np.uint64] = z ^ (z >> np.uint64(31))
    return out


def _checked_groups(
    matrix: sparse.csr_array, group: IntArray, first: IntArray
) -> tuple[IntArray, IntArray]:
    """The groups, with each cluster whose row differs from its group's first on its own."""
    c = len(group)
    same = _rows_equal(matrix, np.arange(c), first[group])
    if same.all():
        return group, first
    apart = np.flatnonzero(~same)
    group = group.copy()
    group[apart] = len(first) + np.arange(len(apart))
    return group, np.concatenate((first, apart))


def _rows_equal(matrix: sparse.csr_array, a: IntArray, b: IntArray) -> BoolArray:
    """Whether rows ``a[i]`` and ``b[i]`` of a canonical CSR matrix are equal, for each ``i``."""
    indptr, indices, data = matrix.indptr, matrix.indices, matrix.data
    sizes = np.diff(indptr)
    same = sizes[a] == sizes[b]
    lengths = sizes[a[same]]
    offsets = np.arange(int(lengths.sum())) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    at_a = np.repeat(indptr[a[same]], lengths) + offsets
    at_b = np.repeat(indptr[b[same]], lengths) + offsets
    differs = (indices[at_a] != indices[at_b]) | (data[at_a] != data[at_b])
    owner = np.repeat(np.arange(len(lengths)), lengths)
    same[same] = np.bincount(owner, weights=differs, minlength=len(lengths)) == 0
    out: BoolArray = same
    return out


def _densified(matrix: sparse.csr_array) -> Matrix:
    """The matrix dense when its cells are few or it is dense enough; sparse otherwise."""
    rows, cells = matrix.shape
    if cells <= _DENSE_CELLS or matrix.nnz >= _DENSE_SHARE * rows * cells:
        dense: FloatArray = matrix.toarray()
        return dense
    return matrix


def resample(
    prof: Profiles,
    statistic: Callable[[FloatArray], FloatArray],
    *,
    n_resamples: int,
    rng: np.random.Generator,
    memory: int = MEMORY,
) -> FloatArray:
    """The statistic on ``n_resamples`` clustered bootstrap replicates.

    Args:
        prof: The clusters' profiles (`profiles`).
        statistic: Maps the cell counts of a block of replicates, ``(r, cells)``
            ``float64``, to their statistics, ``(r, S)``.
        n_resamples: The number of replicates ``R``.
        rng: The random generator (the draws depend on it alone).
        memory: About how many bytes a block of replicates may hold.

    Returns:
        ``(R, S)``: the statistics of each replicate.

    Examples:
        >>> p = profiles(np.array([0, 1, 1, 1]), 2)  # four observations, one in cell 0
        >>> share = lambda counts: counts[:, :1] / counts.sum(axis=1, keepdims=True)
        >>> reps = resample(p, share, n_resamples=1000, rng=np.random.default_rng(1))
        >>> reps.shape, round(float(reps.mean()), 2)
        ((1000, 1), 0.25)
    """
    if prof.clusters == 0:
        return np.asarray(statistic(np.zeros((n_resamples, prof.cells))), dtype=np.float64)
    exact32 = prof.clusters * prof.biggest < _FLOAT32_EXACT
    dtype = np.float32 if exact32 else np.float64
    multiplicity = prof.multiplicity
    per = prof.count * (4 if exact32 else 8) + prof.cells * 8 * 8
    per += prof.clusters * 16 if multiplicity is None else prof.count * 8
    widest = 8 * max(prof.clusters if multiplicity is None else prof.count, prof.cells)
    block = int(min(max(min(memory // per, _ARRAY_BYTES // widest), 1), n_resamples))
    matrix = prof.matrix.astype(dtype)
    parts = []
    for start in range(0, n_resamples, block):
        r = min(block, n_resamples - start)
        if multiplicity is None:
            counts = _cluster_counts(prof.clusters, r, rng)
        else:
            counts = rng.multinomial(prof.clusters, multiplicity / prof.clusters, size=r)
        cell = np.asarray(counts.astype(dtype) @ matrix, dtype=np.float64)
        parts.append(np.asarray(statistic(cell), dtype=np.float64).reshape(r, -1))
    return np.concatenate(parts)


def _cluster_counts(c: int, r: int, rng: np.random.Generator) -> IntArray:
    """``(r, c)`` multinomial counts: ``c`` uniform draws of a cluster per replicate."""
    drawn = rng.integers(0, c, size=(r, c))
    drawn += np.arange(r, dtype=np.int64)[:, None] * c  # one bincount for the whole block
    counts: IntArray = np.bincount(drawn.reshape(-1), minlength=r * c).reshape(r, c)
    return counts


def percentile_interval(
    replicates: FloatArray, confidence_level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """The percentile interval of each column of ``replicates`` (``(R, S)``).

    NaN replicates (a statistic undefined in that replicate) are left out; a column with
    more than half of them NaN gets a NaN interval.

    Examples:
        >>> low, high = percentile_interval(np.arange(101.0)[:, None], 0.9)
        >>> low.tolist(), high.tolist()
        ([5.0], [95.0])
    """
    level = check_confidence_level(confidence_level)
    reps = replicates.reshape(len(replicates), -1)
    tail = (1.0 - level) / 2.0
    defined = (~np.isnan(reps)).sum(axis=0)
    enough = defined * 2 > len(reps)
    low = np.full(reps.shape[1], np.nan)
    high = np.full(reps.shape[1], np.nan)
    if enough.any():
        quantiles = np.nanquantile(reps[:, enough], [tail, 1.0 - tail], axis=0)
        low[enough], high[enough] = quantiles[0], quantiles[1]
    return low, high
