"""The windowed lagged cross-correlation of one pair under many circular shifts of partner 2,
all shifts together (compiled: numba, the extra 'fast').

Partner 2 shifted by ``s`` samples (``y_s[t] = y[(t - s) mod n]``, as
:func:`attunement.stats.surrogates.circular_shift`) pairs, in window ``i`` at lag ``k``, x
from ``p = starts[i] + max(0, -k)`` with y from ``(p + d) mod n``, ``d = (k - s) mod n``:
every cell is a window sum of one circular diagonal ``x[t] * y[(t + d) mod n]``. Shifts
closer than the lag range share diagonals, so each diagonal that a block of shifts needs is
formed once: its products, summed within blocks of one window length by a forward and a
backward scan (a window is the suffix of one block plus the prefix of the next, every chain
of additions inside the window, as ``_wcc_sums.block_sums``), with the counts of differing
raw values alongside (rMEA's "2 differing values" rule). The window statistics of x and of
circular y are computed once for every shift. Each cell is then scaled to Pearson r, held
to the rounding bound of ``_wcc_core`` (the same ``TOL``: cells beyond it or near |r| = 1
are recomputed by the two-pass formula, ``_wcc_kernel._pearson_complete``), transformed
(Fisher z, absolute value) and either written out or summed into the surrogate test's
statistics, with no temporaries. Blocks of shifts run on numba's threads.

Series with missing values are not handled here (:func:`supported`); callers then use
``lagged_r`` on the shifted pairs.
"""

from __future__ import annotations

import numpy as np

from . import _wcc_kernel
from ._wcc_kernel import jit
from ._wcc_sums import TOL, Layout, rounding_factor, series_stats

#: Most shifts per block: a block's diagonals are formed once for all its shifts.
BLOCK_SHIFTS = 256
prange = range  # numba.prange once compiled (:func:`_compile`)


def supported(x: np.ndarray, y: np.ndarray) -> bool:
    """True when the compiled shift path can compute this pair: numba installed and no
    missing value in either series."""
    return _wcc_kernel.AVAILABLE and bool(np.isfinite(x).all() and np.isfinite(y).all())


@jit()
def _diagonal(cx, cy2, x, y2, d, win, prod, suf, pre):
    """Products ``cx[t] * cy2[t + d]`` and differing raw values, summed within blocks of
    ``win`` samples: ``suf[t]`` from t to its block's end, ``pre[t]`` from its block's
    start to t - 1 (0 at a block's start; ``pre[m]`` closes the last block), as (sum,
    count) pairs; the window from p is ``suf[p] + pre[p + win]``."""
    m = prod.shape[0]
    for t in range(m):
        prod[t] = cx[t] * cy2[t + d]
    for b0 in range(0, m, win):
        b1 = min(b0 + win, m)
        run, count = 0.0, 0.0
        for t in range(b0, b1):
            pre[t, 0] = run
            pre[t, 1] = count
            run += prod[t]
            count += x[t] != y2[t + d]
        pre[b1, 0] = run if b1 % win else 0.0
        pre[b1, 1] = count if b1 % win else 0.0
        run, count = 0.0, 0.0
        for t in range(b1 - 1, b0 - 1, -1):
            run += prod[t]
            count += x[t] != y2[t + d]
            suf[t, 0] = run
            suf[t, 1] = count


@jit()
def _cell(total, count, xs, ys, x, y2, p, q, win, fisher_z, absolute, cap):
    """One cell from its window sum of products and count of differing pairs: r with
    rMEA's NaN rules, recomputed by the two-pass formula where the rounding bound is not
    met (``xs``, ``ys``: window total or mean, 1 / root sum of squares, and 1 less the
    bound's share of TOL), then transformed."""
    if count < 2.0:
        return np.nan
    r = (total - xs[0] * ys[0]) * xs[1] * ys[1]
    limit = min(xs[2], ys[2])
    if not limit > 0.0 or r * r > limit:
        r = _wcc_kernel._pearson_complete(x, y2, p, q, win)
    return _wcc_kernel._value(r, fisher_z, absolute, cap)


@jit(parallel=True)
def _shift_blocks(cx, cy2, x, y2, xs, ys, starts, win, lag, shifts, bounds, fisher_z,
                  absolute, cap, full, out, stats, windows):
    n = y2.shape[0] // 2
    m = starts[-1] + win + lag
    n_windows = starts.shape[0]
    for block in prange(bounds.shape[0] - 1):
        b0, b1 = bounds[block], bounds[block + 1]
        need = np.zeros(n, np.bool_)
        for b in range(b0, b1):
            for k in range(-lag, lag + 1):
                need[(k - shifts[b]) % n] = True
        prod, suf, pre = np.empty(m), np.empty((m, 2)), np.empty((m + 1, 2))
        acc = np.zeros((0 if full else b1 - b0, n_windows, 6))
        for d in range(n):
            if not need[d]:
                continue
            _diagonal(cx, cy2, x, y2, d, win, prod, suf, pre)
            for b in range(b0, b1):
                k = (d + shifts[b] + lag) % n - lag
                if k > lag:
                    continue
                a = max(0, -k)
                g = 0 if k < 0 else (1 if k == 0 else 2)
                for w in range(n_windows):
                    p = starts[w] + a
                    q = p + d if p + d < n else p + d - n
                    v = _cell(suf[p, 0] + pre[p + win, 0], suf[p, 1] + pre[p + win, 1],
                              xs[p], ys[q], x, y2, p, q, win, fisher_z, absolute, cap)
                    if full:
                        out[b, w, k + lag] = v
                    elif v == v:
                        acc[b - b0, w, g] += v
                        acc[b - b0, w, 3 + g] += 1.0
        if not full:
            _finish(acc, b0, stats, windows)


@jit()
def _finish(acc, b0, stats, windows):
    """Per shift, the surrogate test's statistics from the window sums and counts of
    negative, zero and positive lags (as ``stats.testing.wcc_statistics``)."""
    for i in range(acc.shape[0]):
        total, count, mid, n_mid, p1, n_p1, p2, n_p2 = 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0
        for w in range(acc.shape[1]):
            s = acc[i, w, 0] + acc[i, w, 1] + acc[i, w, 2]
            c = acc[i, w, 3] + acc[i, w, 4] + acc[i, w, 5]
            windows[b0 + i, w] = s / c if c > 0 else np.nan
            total += s
            count += c
            mid += acc[i, w, 1]
            n_mid += acc[i, w, 4]
            if acc[i, w, 5] > 0:
                p1 += acc[i, w, 2] / acc[i, w, 5]
                n_p1 += 1.0
            if acc[i, w, 3] > 0:
                p2 += acc[i, w, 0] / acc[i, w, 3]
                n_p2 += 1.0
        for j, (num, den) in enumerate(((total, count), (mid, n_mid), (p1, n_p1),
                                        (p2, n_p2))):
            stats[b0 + i, j] = num / den if den > 0 else np.nan


def _compile() -> None:
    import numba

    globals()["prange"] = numba.prange
    _wcc_kernel.ensure_compiled()


def _run(x, y, shifts, lay: Layout, fisher_z: bool, absolute: bool, cap: float, full: bool):
    """The shift kernel on shifts in increasing order; results in the order given."""
    _compile()
    x = np.ascontiguousarray(x, dtype=float)
    y = np.ascontiguousarray(y, dtype=float)
    n, win = len(x), lay.win
    shifts = np.asarray(shifts, dtype=np.int64) % n
    order = np.argsort(shifts, kind="stable")
    ordered = np.ascontiguousarray(shifts[order])
    sx = series_stats(x[None], win)
    sy = series_stats(np.concatenate([y, y[: win - 1]])[None], win)
    factor = rounding_factor(win) / TOL
    xs = np.stack([sx.total[0], sx.inv_sd[0], 1.0 - factor * sx.cond[0]], axis=1)
    ys = np.stack([sy.mean[0], sy.inv_sd[0], 1.0 - factor * sy.cond[0]], axis=1)
    cy2 = np.tile(sy.centred[0, :n], 2)
    y2 = np.tile(y, 2)
    n_threads = _threads()
    size = max(1, min(BLOCK_SHIFTS, -(-len(shifts) // (2 * n_threads))))
    bounds = np.r_[np.arange(0, len(shifts), size), len(shifts)].astype(np.int64)
    shape = (len(shifts), lay.n_windows)
    out = np.empty((*shape, lay.n_lags) if full else (0, 0, 0))
    stats, windows = np.empty((0 if full else len(shifts), 4)), np.empty(
        (0, 0) if full else shape)
    _shift_blocks(sx.centred[0], cy2, x, y2, xs, ys,
                  np.ascontiguousarray(lay.starts, dtype=np.int64), win, lay.lag, ordered,
                  bounds, bool(fisher_z), bool(absolute), float(cap), full, out, stats,
                  windows)
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return (out[back],) if full else (stats[back], windows[back])


def _threads() -> int:
    import numba

    return int(numba.get_num_threads())


def shifted_r(x, y, shifts, lay: Layout, fisher_z: bool, absolute: bool, cap: float
              ) -> np.ndarray:
    """Values of every window and lag of x against y circularly shifted by each of
    ``shifts`` (S, n_windows, n_lags): row i equals ``lagged_r(x, roll(y, shifts[i]))``
    transformed, to the rounding bound (complete series only: :func:`supported`)."""
    return _run(x, y, shifts, lay, fisher_z, absolute, cap, True)[0]


def shifted_statistics(x, y, shifts, lay: Layout, fisher_z: bool, absolute: bool,
                       cap: float) -> tuple[np.ndarray, np.ndarray]:
    """The surrogate test's WCC statistics of each shift, (S, 4) in the order grand
    average, lag-zero mean, partner 1 leads, partner 2 leads, and each window's mean over
    lags (S, n_windows), without the cells ever being stored."""
    return _run(x, y, shifts, lay, fisher_z, absolute, cap, False)


