"""The compiled recurrence counter (numba): rows of the recurrence matrix in diagonal
coordinates, tiles of :data:`ROW_TILE` rows by :data:`ROW_CHUNK` diagonals, bands of diagonals
on numba's threads. :func:`attunement.sync._rqa_engine.recurrence_counts` calls it; the NumPy
engine there is the reference it must equal."""

from __future__ import annotations

import numpy as np

from .._jit import jit

prange = range  # numba.prange once compiled (_rqa_engine._compile)

#: Cells of a row computed at once (its buffers stay in the L1 cache, where whole rows of a
#: long series streamed through memory).
ROW_CHUNK = 2048
#: Rows of a tile: each chunk of diagonals' open runs stay in cache across them.
ROW_TILE = 64


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
def counts(xs, ys, n, dimension, delay, threshold, metric, edges, theiler, diag_hist,
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
def counts_serial(xs, ys, n, dimension, delay, threshold, metric, edges, theiler, diag_hist,
                   vert_hist, profile):
    """:func:`counts` with one band on the calling thread (:data:`MIN_CELLS_PER_THREAD`)."""
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
