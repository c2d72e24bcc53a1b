"""Window statistics of the WCC's series, compiled (numba; the ``fast`` extra): the window
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
def _stats(c, const, win, total, mean, inv_sd, cond, suffix):
    m = total.shape[1]
    for s in range(c.shape[0]):
        row = c[s]
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


def window_stats(centred: np.ndarray, const: np.ndarray, win: int) -> tuple:
    """(total, mean, inv_sd, cond), each (S, n - win + 1), of the windows of ``win`` samples
    of each row of ``centred`` (``const``: the windows that hold a single value)."""
    ensure_compiled()
    centred = np.ascontiguousarray(centred)
    shape = (centred.shape[0], centred.shape[1] - win + 1)
    total, mean, inv_sd, cond = (np.empty(shape) for _ in range(4))
    _stats(centred, np.ascontiguousarray(const), win, total, mean, inv_sd, cond,
           np.empty((win, 2)))
    return total, mean, inv_sd, cond
