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

from .._jit import AVAILABLE, ensure_compiled, jit

prange = range  # numba.prange once compiled (:func:`_compile`)

#: Cells per block: a few buffers of 1M cells (4-8 MB each) whatever the series length.
BLOCK_CELLS = 1 << 20
#: Cells of a row computed at once by the compiled engine (its buffers stay in the L1
#: cache, where whole rows of a long series streamed through memory).
ROW_CHUNK = 2048
#: Rows of a tile of the compiled engine: each chunk of diagonals' open runs stay in cache
#: across them.
ROW_TILE = 64
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

    globals()["prange"] = numba.prange
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
        kernel = _counts if len(edges) > 2 else _counts_serial
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



@jit()
def _row(xs, ys, i, j0, j1, dimension, delay, threshold, metric, theiler, dist, part, rec):
    """``rec[j - j0]``: is cell (i, j) recurrent, for ``j0 <= j <= j1``. ``xs`` and ``ys``
    are (n_channels, n_samples): each channel's samples are contiguous, so the loops over j
    vectorise (3.5x the (n_samples, n_channels) layout). Distances are summed over channels,
    then delays, in the NumPy engine's order; the metric's branch sits outside the loops."""
    width = j1 - j0 + 1
    for m in range(dimension):
        for ch in range(xs.shape[0]):
            a = xs[ch, i + m * delay]
            col = ys[ch, j0 + m * delay:j0 + m * delay + width]
            if ch == 0 and metric == 0:
                for w in range(width):
                    part[w] = (a - col[w]) * (a - col[w])
            elif ch == 0:
                for w in range(width):
                    part[w] = abs(a - col[w])
            elif metric == 0:
                for w in range(width):
                    part[w] += (a - col[w]) * (a - col[w])
            elif metric == 1:
                for w in range(width):
                    part[w] = max(part[w], abs(a - col[w]))
            else:
                for w in range(width):
                    part[w] += abs(a - col[w])
        if m == 0:
            for w in range(width):
                dist[w] = part[w]
        elif metric == 1:
            for w in range(width):
                dist[w] = max(dist[w], part[w])
        else:
            for w in range(width):
                dist[w] += part[w]
    for w in range(width):
        rec[w] = dist[w] < threshold
    if theiler > 0:  # |j - i| < theiler: not recurrent
        for j in range(max(j0, i - theiler + 1), min(j1, i + theiler - 1) + 1):
            rec[j - j0] = False


@jit(parallel=True)
def _counts(xs, ys, n, dimension, delay, threshold, metric, edges, theiler, diag_hist,
            vert_hist, profile):
    """The recurrent cells and their lines, each band of diagonals ``edges[b] <= k <
    edges[b + 1]`` on a thread of its own (:func:`_band`), then each row's vertical runs
    joined across bands; returns the number of recurrent cells."""
    ends, diag, vert = _parts(edges.shape[0] - 1, n, diag_hist, vert_hist)
    for b in prange(edges.shape[0] - 1):
        _band(xs, ys, n, dimension, delay, threshold, metric, edges[b], edges[b + 1] - 1,
              theiler, diag[b], vert[b], profile[edges[b] - edges[0]:edges[b + 1] - edges[0]],
              ends[b])
    return _join(ends, diag, vert, diag_hist, vert_hist, profile)


@jit()
def _counts_serial(xs, ys, n, dimension, delay, threshold, metric, edges, theiler, diag_hist,
                   vert_hist, profile):
    """:func:`_counts` with one band on the calling thread (:data:`MIN_CELLS_PER_THREAD`)."""
    ends, diag, vert = _parts(1, n, diag_hist, vert_hist)
    _band(xs, ys, n, dimension, delay, threshold, metric, edges[0], edges[-1] - 1, theiler,
          diag[0], vert[0], profile, ends[0])
    return _join(ends, diag, vert, diag_hist, vert_hist, profile)


@jit()
def _parts(n_bands, n, diag_hist, vert_hist):  # each band's row ends and histograms
    return (np.zeros((n_bands, n, 3), dtype=np.int64),
            np.zeros((n_bands, diag_hist.shape[0]), dtype=np.int64),
            np.zeros((n_bands, vert_hist.shape[0]), dtype=np.int64))


@jit()
def _join(ends, diag, vert, diag_hist, vert_hist, profile):
    """Sum the bands' histograms, join each row's vertical runs through the bands."""
    n_bands, n = ends.shape[0], ends.shape[1]
    for b in range(n_bands):
        diag_hist += diag[b]
        vert_hist += vert[b]
    for i in range(n):
        run = 0
        for b in range(n_bands):
            lead, whole, tail = ends[b, i, 0], ends[b, i, 1], ends[b, i, 2]
            run += lead
            if not whole:
                if run:
                    vert_hist[run] += 1
                run = tail
        if run:
            vert_hist[run] += 1
    return profile.sum()


@jit()
def _band(xs, ys, n, dimension, delay, threshold, metric, k_min, k_max, theiler, diag_hist,
          vert_hist, profile, ends):
    """Diagonals ``k_min..k_max`` in tiles of :data:`ROW_TILE` rows by :data:`ROW_CHUNK`
    diagonals, rows in order within each chunk: the recurrent cells of a row's part
    (:func:`_row`), its vertical runs (along the row, carried across chunks) and each
    diagonal's open run (carried to the next row, in cache for the whole tile); a
    diagonal's cells join its profile when its run ends. A row's runs that touch the band's
    edges are left to the caller: ``ends[i]`` = (the run from the band's first cell, whether
    it fills the band, the run open at its last cell)."""
    carry = np.zeros(k_max - k_min + 1, dtype=np.int64)
    width = min(ROW_CHUNK, k_max - k_min + 1)
    rec = np.zeros(width, dtype=np.bool_)
    dist = np.zeros(width, dtype=xs.dtype)
    part = np.zeros(width, dtype=xs.dtype)
    runs = np.zeros(ROW_TILE, dtype=np.int64)
    leads = np.zeros(ROW_TILE, dtype=np.int64)
    broken = np.zeros(ROW_TILE, dtype=np.bool_)
    for i0 in range(0, n, ROW_TILE):
        i1 = min(i0 + ROW_TILE, n)
        runs[:] = 0
        broken[:] = False
        for ck0 in range(max(k_min, -(i1 - 1)), min(k_max, n - 1 - i0) + 1, width):
            ck1 = min(ck0 + width - 1, k_max)
            for i in range(i0, i1):
                j0, j1 = max(0, i + ck0), min(n - 1, i + ck1)
                if j1 < j0:
                    continue
                _row(xs, ys, i, j0, j1, dimension, delay, threshold, metric, theiler, dist,
                     part, rec)
                k0, run, t = j0 - i - k_min, runs[i - i0], i - i0
                for w in range(j1 - j0 + 1):  # few branches: a third of cells may recur
                    r = rec[w]
                    c = carry[k0 + w]
                    if c and not r:
                        diag_hist[c] += 1
                        profile[k0 + w] += c
                    if not r:
                        if not broken[t]:
                            leads[t], broken[t] = run, True
                        elif run:
                            vert_hist[run] += 1
                    carry[k0 + w] = c + 1 if r else 0
                    run = run + 1 if r else 0
                runs[t] = run
        for t in range(i1 - i0):
            if broken[t]:
                ends[i0 + t, 0], ends[i0 + t, 1], ends[i0 + t, 2] = leads[t], 0, runs[t]
            else:
                ends[i0 + t, 0], ends[i0 + t, 1], ends[i0 + t, 2] = runs[t], 1, 0
    for kk in range(carry.shape[0]):  # diagonals still open at their last row
        if carry[kk]:
            diag_hist[carry[kk]] += 1
            profile[kk] += carry[kk]
