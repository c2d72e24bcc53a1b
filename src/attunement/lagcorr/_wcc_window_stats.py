"""Window statistics of the WCC's series, compiled (numba; the ``fast`` extra): the level
:func:`_wcc_sums.centring` shifts each series by, which windows hold a single value, the window
sums of a series and of its squares at every position, by the same blocks as
``_wcc_sums.block_sums`` (a window's sum is the suffix of the block of ``win`` samples it
starts in plus the prefix of the next, so every chain of additions stays inside the window
and the rounding bound of ``_wcc_core`` holds), and from them the totals, means, inverse
root sums of squares and rounding growth that ``_wcc_sums.series_stats`` computes with NumPy
(the reference), in one pass without temporaries.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import ensure_compiled, jit


@jit()
def _constant(x, win, const):
    """``const[p]``: no two neighbours differ in ``x[p : p + win]`` (NaN differs from
    everything, itself included, as with ``!=``)."""
    changes = 0
    for t in range(1, win):
        changes += x[t] != x[t - 1]
    for p in range(const.shape[0]):
        if p > 0:
            changes += (x[p + win - 1] != x[p + win - 2]) - (x[p] != x[p - 1])
        const[p] = changes == 0


@jit()
def _stats(c, x, win, const, total, mean, inv_sd, cond, suffix):
    m = total.shape[1]
    for s in range(c.shape[0]):
        row = c[s]
        _constant(x[s], win, const[s])
        for b0 in range(0, m, win):
            acc, acc2 = 0.0, 0.0
            for k in range(win - 1, -1, -1):  # suffix sums of the block from b0
                v = row[b0 + k] if b0 + k < row.shape[0] else 0.0
                acc += v
                acc2 += v * v
                suffix[k, 0], suffix[k, 1] = acc, acc2
            run, run2 = 0.0, 0.0  # prefix sums of the next block
            for k in range(min(win, m - b0)):
                p = b0 + k
                s1, s2 = suffix[k, 0] + run, suffix[k, 1] + run2
                v = row[b0 + win + k] if b0 + win + k < row.shape[0] else 0.0
                run += v
                run2 += v * v
                ss = s2 - s1 * (s1 / win)
                total[s, p], mean[s, p] = s1, s1 / win
                if const[s, p]:  # a single value: NaN, nothing to recompute
                    inv_sd[s, p], cond[s, p] = np.nan, 1.0
                elif ss > 0:
                    inv_sd[s, p], cond[s, p] = 1.0 / math.sqrt(ss), s2 / ss
                else:  # cancellation ate the variance: recompute exactly
                    inv_sd[s, p], cond[s, p] = np.nan, np.inf


def window_stats(centred: np.ndarray, x: np.ndarray, win: int) -> tuple:
    """(const, total, mean, inv_sd, cond), each (S, n - win + 1), of the windows of ``win``
    samples of each row of ``centred`` (``const``: the windows of the raw ``x`` that hold a
    single value)."""
    ensure_compiled()
    centred = np.ascontiguousarray(centred)
    shape = (centred.shape[0], centred.shape[1] - win + 1)
    const = np.empty(shape, dtype=bool)
    total, mean, inv_sd, cond = (np.empty(shape) for _ in range(4))
    _stats(centred, np.ascontiguousarray(x), win, const, total, mean, inv_sd, cond,
           np.empty((win, 2)))
    return const, total, mean, inv_sd, cond


@jit()
def _shift(z, ok, m, var, reach, out):
    n_all = m.shape[1]
    edges, step = np.empty(2 * n_all), np.empty(2 * n_all)
    for s in range(z.shape[0]):
        radius = np.empty(n_all)
        for c in range(n_all):
            radius[c] = reach * math.sqrt(var[s, c]) if var[s, c] > 0 else np.nan
            lo, hi = m[s, c] - radius[c], m[s, c] + radius[c]
            edges[c], step[c] = (lo, 1.0) if lo == lo else (np.inf, 0.0)
            edges[n_all + c], step[n_all + c] = (hi, -1.0) if hi == hi else (np.inf, 0.0)
        order = np.argsort(-step, kind="mergesort")  # by edge, openings before closings
        order = order[np.argsort(edges[order], kind="mergesort")]
        cover, best, best_cover = 0.0, 0, -np.inf
        for i in range(2 * n_all):
            cover += step[order[i]]
            if cover > best_cover:
                best, best_cover = i, cover
        level = (edges[order[best]] + edges[order[min(best + 1, 2 * n_all - 1)]]) / 2
        at_zero = 0
        for c in range(n_all):
            at_zero += abs(m[s, c]) <= radius[c]
        if at_zero >= best_cover or not math.isfinite(level):
            level = 0.0
        for t in range(z.shape[1]):
            out[s, t] = z[s, t] - level if ok[s, t] else 0.0


def shift_to_level(z: np.ndarray, ok: np.ndarray, m: np.ndarray, var: np.ndarray,
                   reach: float) -> np.ndarray:
    """The last step of ``_wcc_sums.centring``, compiled: each row of ``z`` less the level
    most chunks' means (``m``, variances ``var``) lie within ``reach`` SDs of (0 where as
    many lie near 0 or none is finite), 0 where missing; the same operations, so the same
    values."""
    ensure_compiled()
    out = np.empty(z.shape)
    _shift(z, np.ascontiguousarray(ok), np.ascontiguousarray(m), np.ascontiguousarray(var),
           reach, out)
    return out
