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


#: Diagonals formed together: four independent chains of additions hide the latency of
#: each (one vector of four lanes per sample).
LANES = 4


@jit()
def _diagonals(cx, cy2, d, win, suf, pre):
    """Products ``cx[t] * cy2[t + d + j]`` for the lanes ``j < LANES``, summed within blocks
    of ``win`` samples: ``suf[t, j]`` from t to its block's end, ``pre[t, j]`` from its
    block's start to t - 1 (0 at a block's start; ``pre[m]`` closes the last block); the
    window from p is ``suf[p] + pre[p + win]``."""
    m = suf.shape[0]
    for b0 in range(0, m, win):
        b1 = min(b0 + win, m)
        r0, r1, r2, r3 = 0.0, 0.0, 0.0, 0.0
        for t in range(b0, b1):
            pre[t, 0], pre[t, 1], pre[t, 2], pre[t, 3] = r0, r1, r2, r3
            c, i = cx[t], t + d
            r0 += c * cy2[i]
            r1 += c * cy2[i + 1]
            r2 += c * cy2[i + 2]
            r3 += c * cy2[i + 3]
        last = b1 % win != 0
        pre[b1, 0], pre[b1, 1] = (r0, r1) if last else (0.0, 0.0)
        pre[b1, 2], pre[b1, 3] = (r2, r3) if last else (0.0, 0.0)
        r0, r1, r2, r3 = 0.0, 0.0, 0.0, 0.0
        for t in range(b1 - 1, b0 - 1, -1):
            c, i = cx[t], t + d
            r0 += c * cy2[i]
            r1 += c * cy2[i + 1]
            r2 += c * cy2[i + 2]
            r3 += c * cy2[i + 3]
            suf[t, 0], suf[t, 1], suf[t, 2], suf[t, 3] = r0, r1, r2, r3


@jit()
def _equal_pairs(x, y2, d, m, csuf, cpre, win):
    """Counts of pairs ``x[t] == y2[t + d + j]`` within blocks as ``_diagonals`` sums
    (``csuf``, ``cpre``), when some window of a lane may hold fewer than 2 differing pairs:
    a window lies in two adjacent blocks, so none can where every two adjacent blocks hold
    at most ``win - 2`` equal pairs; returns whether it counted."""
    worst, previous = 0, np.zeros(LANES, np.int64)
    for b0 in range(0, m, win):
        e0, e1, e2, e3 = 0, 0, 0, 0
        for t in range(b0, min(b0 + win, m)):
            v, i = x[t], t + d
            e0 += v == y2[i]
            e1 += v == y2[i + 1]
            e2 += v == y2[i + 2]
            e3 += v == y2[i + 3]
        for j, e in enumerate((e0, e1, e2, e3)):
            worst = max(worst, previous[j] + e)
            previous[j] = e
    if worst <= win - 2:
        return False
    for j in range(LANES):
        for b0 in range(0, m, win):
            b1 = min(b0 + win, m)
            run = 0
            for t in range(b0, b1):
                cpre[t, j] = run
                run += x[t] == y2[t + d + j]
            cpre[b1, j] = run if b1 % win else 0
            run = 0
            for t in range(b1 - 1, b0 - 1, -1):
                run += x[t] == y2[t + d + j]
                csuf[t, j] = run
    return True


@jit()
def _lag_cells(k, d, j, counted, suf, pre, csuf, cpre, xs, ys, x, y2, starts, win, fisher_z,
               absolute, cap, dest):
    """Every window's value at lag ``k`` on diagonal ``d`` (lane ``j``) into ``dest``: r
    from the window sums with rMEA's NaN rules (a constant side; fewer than 2 pairs differ,
    when ``counted``), recomputed by the two-pass formula where the rounding bound is not
    met (``xs``, ``ys``: window total or mean, 1 / root sum of squares, and 1 less the
    bound's share of TOL), then transformed."""
    n = x.shape[0]
    a = max(0, -k)
    for w in range(starts.shape[0]):
        p = starts[w] + a
        q = p + d if p + d < n else p + d - n
        e = p + win
        if counted and win - csuf[p, j] - cpre[e, j] < 2:
            dest[w] = np.nan
            continue
        r = (suf[p, j] + pre[e, j] - xs[p, 0] * ys[q, 0]) * xs[p, 1] * ys[q, 1]
        limit = min(xs[p, 2], ys[q, 2])
        if not limit > 0.0 or r * r > limit:
            r = _wcc_kernel._pearson_complete(x, y2, p, q, win)
        if fisher_z and r == r:
            r = (cap if r >= 1.0 else -cap if r <= -1.0
                 else min(cap, max(-cap, _wcc_kernel._atanh(r))))
        dest[w] = abs(r) if absolute else r


@jit(parallel=True)
def _shift_blocks(cx, cy2, x, y2, xs, ys, starts, win, lag, shifts, bounds, fisher_z,
                  absolute, cap, full, out, stats, windows):
    n = x.shape[0]
    m = starts[-1] + win + lag
    n_windows = starts.shape[0]
    for block in prange(bounds.shape[0] - 1):
        b0, b1 = bounds[block], bounds[block + 1]
        need = np.zeros(n + LANES, np.bool_)
        for b in range(b0, b1):
            for k in range(-lag, lag + 1):
                need[(k - shifts[b]) % n] = True
        suf, pre = np.empty((m, LANES)), np.empty((m + 1, LANES))
        csuf, cpre = np.zeros((m, LANES), np.int64), np.zeros((m + 1, LANES), np.int64)
        acc = np.zeros((0 if full else b1 - b0, n_windows, 6))
        row = np.empty(n_windows)
        for d0 in range(0, n, LANES):
            if not need[d0:d0 + LANES].any():
                continue
            _diagonals(cx, cy2, d0, win, suf, pre)
            counted = _equal_pairs(x, y2, d0, m, csuf, cpre, win)
            for j in range(min(LANES, n - d0)):
                d = d0 + j
                if not need[d]:
                    continue
                for b in range(b0, b1):
                    k = (d + shifts[b] + lag) % n - lag
                    if k > lag:
                        continue
                    dest = out[b, :, k + lag] if full else row
                    _lag_cells(k, d, j, counted, suf, pre, csuf, cpre, xs, ys, x, y2, starts,
                               win, fisher_z, absolute, cap, dest)
                    if not full:
                        g = 0 if k < 0 else (1 if k == 0 else 2)
                        for w in range(n_windows):
                            if row[w] == row[w]:
                                acc[b - b0, w, g] += row[w]
                                acc[b - b0, w, 3 + g] += 1.0
        if not full:
            _finish(acc, b0, stats, windows)


@jit()
def _finish(acc, b0, stats, windows):
    """Per shift, the surrogate test's statistics from the window sums and counts of
    negative, zero and positive lags (as ``stats.wcc_null.wcc_statistics``)."""
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
    cy2 = np.tile(sy.centred[0, :n], 3)[: 2 * n + LANES]  # lanes read past 2 n
    y2 = np.tile(y, 3)[: 2 * n + LANES]
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


