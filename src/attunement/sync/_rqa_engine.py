"""Blocked recurrence counting: line-length histograms without an N x N matrix.

The recurrence matrix ``R[i, j]`` (``i`` indexes the first series' embedded vectors,
``j`` the second's) is visited in blocks of rows, each held in *diagonal coordinates*
``(i, k = j - i)``. In that layout a diagonal line of ``R`` runs down a column and a
vertical line (PyRQA's orientation: fixed ``i``, consecutive ``j``) runs along a row, so
both are found with the same run-length pass. Diagonal runs that cross a block border are
carried over per diagonal. Memory is ``O(block_rows x N)``; any contiguous band of
diagonals ``k_min <= k <= k_max`` can be analysed at ``O(N x band)`` cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._jit import AVAILABLE, ensure_compiled
from . import _rqa_kernel

#: Cells per block: a few buffers of 1M cells (4-8 MB each) whatever the series length.
BLOCK_CELLS = 1 << 20
#: The engines: compiled row by row (numba, extra 'fast'), or NumPy blocks (the reference).
ENGINES = ("numba", "numpy")
#: The engine used when none is named: numba where installed.
ENGINE = "numba" if AVAILABLE else "numpy"


@dataclass
class RecurrenceCounts:
    """Everything the RQA measures are computed from.

    ``diagonal[l]`` and ``vertical[l]`` count lines of exactly ``l`` recurrent cells;
    ``profile[k - k_min]`` counts recurrent cells on diagonal ``k``.
    """

    n_vectors: int
    n_recurrent: int
    diagonal: np.ndarray
    vertical: np.ndarray
    profile: np.ndarray
    k_min: int
    k_max: int


def embed_length(n_samples: int, dimension: int, delay: int) -> int:
    """Number of delay vectors of a series of ``n_samples`` samples."""
    return n_samples - (dimension - 1) * delay


def band_edges(n: int, k_min: int, k_max: int, n_bands: int) -> np.ndarray:
    """Edges of ``n_bands`` contiguous bands of diagonals ``k_min..k_max`` holding about
    equal numbers of cells (diagonal k has ``n - |k|``), at least one diagonal each."""
    k = np.arange(k_min, k_max + 1)
    cells = np.cumsum(n - np.abs(k))
    n_bands = max(1, min(n_bands, len(k)))
    cuts = np.searchsorted(cells, cells[-1] * np.arange(1, n_bands) / n_bands) + 1
    return np.unique(np.r_[0, cuts, len(k)]).astype(np.int64) + k_min


def _compile() -> None:
    import numba

    _rqa_kernel.prange = numba.prange
    ensure_compiled()


#: Below this many cells per thread, one band on the calling thread: waking numba's threads
#: for small matrices cost 16x the work (windowed CRQA surrogates: 24.7 s vs 1.5 s).
MIN_CELLS_PER_THREAD = 4_000_000


def _bands(n: int, n_diagonals: int) -> int:
    """How many bands of diagonals to run on numba's threads for ``n`` rows."""
    import numba

    return max(1, min(numba.get_num_threads(), (n * n_diagonals) // MIN_CELLS_PER_THREAD))


def _elementwise(metric: str, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    np.subtract(a, b, out=out)
    if metric == "euclidean":
        np.square(out, out=out)
    else:
        np.abs(out, out=out)


def _combine(metric: str, acc: np.ndarray, part: np.ndarray) -> None:
    if metric == "maximum":
        np.maximum(acc, part, out=acc)
    else:
        np.add(acc, part, out=acc)


def _runs(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) of each run of True in a zero-padded flat bool array."""
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    return change[0::2], change[1::2]


def recurrence_counts(
    x: np.ndarray,
    y: np.ndarray,
    *,
    dimension: int,
    delay: int,
    radius: float,
    metric: str = "euclidean",
    k_min: int | None = None,
    k_max: int | None = None,
    theiler: int = 0,
    dtype: type = np.float64,
    block_cells: int = BLOCK_CELLS,
    engine: str | None = None,
) -> RecurrenceCounts:
    """Count recurrences of ``x`` (n_samples, n_channels) against ``y`` (same shape).

    A cell is recurrent when the distance between the two delay vectors is strictly
    below ``radius`` (PyRQA's ``FixedRadius``); Euclidean distances are compared as
    squared sums against ``radius ** 2``, summed over channels then delays in the
    order PyRQA's kernels use. Cells with ``|j - i| < theiler`` count as not recurrent.
    ``engine``: one of :data:`ENGINES` (default :data:`ENGINE`); both give the same counts.
    """
    engine = ENGINE if engine is None else engine
    if engine not in ENGINES or (engine == "numba" and not AVAILABLE):
        raise ValueError(
            f"Invalid value for 'engine': allowed values are {ENGINES} (numba needs the extra "
            f"'fast': pip install attunement[fast]), but got {engine!r}."
        )
    xs = np.ascontiguousarray(x, dtype=dtype)
    ys = np.ascontiguousarray(y, dtype=dtype)
    n = embed_length(xs.shape[0], dimension, delay)
    k_min = -(n - 1) if k_min is None else max(k_min, -(n - 1))
    k_max = n - 1 if k_max is None else min(k_max, n - 1)
    threshold = dtype(radius) * dtype(radius) if metric == "euclidean" else dtype(radius)
    if engine == "numba":
        _compile()
        diag_hist = np.zeros(n + 2, dtype=np.int64)
        vert_hist = np.zeros(n + 2, dtype=np.int64)
        profile = np.zeros(k_max - k_min + 1, dtype=np.int64)
        edges = band_edges(n, k_min, k_max, _bands(n, k_max - k_min + 1))
        kernel = _rqa_kernel.counts if len(edges) > 2 else _rqa_kernel.counts_serial
        n_recurrent = kernel(np.ascontiguousarray(xs.T), np.ascontiguousarray(ys.T), n,
                             dimension, delay, threshold,
                             {"euclidean": 0, "maximum": 1}.get(metric, 2), edges, theiler,
                             diag_hist, vert_hist, profile)
        return RecurrenceCounts(n, int(n_recurrent), diag_hist, vert_hist, profile, k_min,
                                k_max)
    span = (dimension - 1) * delay
    # rows of one block: enough to amortise the (dimension - 1) * delay extra rows
    width_max = min(n, k_max - k_min + 1) + 1
    rows = int(max(4 * span + 8, block_cells // width_max))
    rows = min(rows, n)
    pad = rows + span + 2
    ypad = np.zeros((ys.shape[0] + 2 * pad, ys.shape[1]), dtype=dtype)
    ypad[pad : pad + ys.shape[0]] = ys

    n_lines = n + 2
    diag_hist = np.zeros(n_lines, dtype=np.int64)
    vert_hist = np.zeros(n_lines, dtype=np.int64)
    profile = np.zeros(k_max - k_min + 1, dtype=np.int64)
    carry = np.zeros(k_max - k_min + 1, dtype=np.int64)
    n_recurrent = 0

    for i0 in range(0, n, rows):
        i1 = min(i0 + rows, n)
        b = i1 - i0
        lo = max(k_min, -(i1 - 1))
        hi = min(k_max, n - 1 - i0)
        if hi < lo:
            continue
        width = hi - lo + 1
        dist = _block_distances(xs, ypad, i0, b, lo, width, pad, delay, dimension, metric, dtype)
        vbuf = np.zeros((b, width + 2), dtype=bool)
        rec = vbuf[:, 1:-1]
        np.less(dist, threshold, out=rec)
        del dist
        _mask_outside(rec, i0, lo, n)
        if theiler > 0:
            rec[:, max(0, -theiler + 1 - lo) : max(0, min(width, theiler - lo))] = False
        col_counts = rec.sum(axis=0)
        profile[lo - k_min : hi - k_min + 1] += col_counts
        n_recurrent += int(col_counts.sum())

        start, stop = _runs(vbuf.ravel())
        vert_hist += np.bincount(stop - start, minlength=n_lines)[:n_lines]

        tbuf = np.zeros((width, b + 2), dtype=bool)
        tbuf[:, 1:-1] = rec.T
        del vbuf, rec
        _diagonal_runs(tbuf, b, carry[lo - k_min : hi - k_min + 1], diag_hist, n_lines)
        # the diagonal whose last row was i1 - 1 ends here: flush its open run
        k_end = n - i1
        if k_min <= k_end <= k_max and carry[k_end - k_min]:
            diag_hist[carry[k_end - k_min]] += 1
            carry[k_end - k_min] = 0
    diag_hist += np.bincount(carry[carry > 0], minlength=n_lines)[:n_lines]
    return RecurrenceCounts(n, n_recurrent, diag_hist, vert_hist, profile, k_min, k_max)


def _block_distances(xs, ypad, i0, b, lo, width, pad, delay, dimension, metric, dtype):
    """Distances for rows ``i0 .. i0 + b - 1`` and diagonals ``lo .. lo + width - 1``."""
    span = (dimension - 1) * delay
    n_rows = b + span
    elem = np.empty((n_rows, width), dtype=dtype)
    acc = None
    for ch in range(xs.shape[1]):
        view = sliding_window_view(ypad[:, ch], width)
        first = pad + i0 + lo
        part = elem if acc is None else np.empty_like(elem)
        _elementwise(metric, xs[i0 : i0 + n_rows, ch, None], view[first : first + n_rows], part)
        if acc is None:
            acc = part
        else:
            _combine(metric, acc, part)
    dist = acc[:b].copy()
    for d in range(1, dimension):
        _combine(metric, dist, acc[d * delay : d * delay + b])
    return dist


def _mask_outside(rec: np.ndarray, i0: int, lo: int, n: int) -> None:
    """Clear cells whose column index ``j = i + k`` falls outside ``0 .. n - 1``."""
    width = rec.shape[1]
    for r in range(rec.shape[0]):
        i = i0 + r
        first = -i - lo  # column of j = 0
        last = n - 1 - i - lo  # column of j = n - 1
        if first > 0:
            rec[r, :first] = False
        if last < width - 1:
            rec[r, max(last + 1, 0) :] = False


def _diagonal_runs(tbuf, b, carry, hist, n_lines) -> None:
    """Add this block's diagonal runs to ``hist``, joining them with ``carry``."""
    stride = b + 2
    start, stop = _runs(tbuf.ravel())
    col = start // stride
    at_top = start % stride == 1
    at_bottom = stop % stride == b + 1
    lengths = stop - start
    old = carry.copy()
    ended = (old > 0) & ~tbuf[:, 1]
    hist += np.bincount(old[ended], minlength=n_lines)[:n_lines]
    lengths[at_top] += old[col[at_top]]
    carry[:] = 0
    carry[col[at_bottom]] = lengths[at_bottom]
    done = ~at_bottom
    hist += np.bincount(lengths[done], minlength=n_lines)[:n_lines]
