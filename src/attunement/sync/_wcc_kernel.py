"""The compiled fast path of the windowed lagged cross-correlation (numba, optional).

One pass per series and sign computes r in every window without missing values at every
offset, fusing what ``_wcc_core.fast_block`` does in NumPy with temporaries: the lagged
products summed into units of ``g`` samples (g = gcd of window and step; 1 for irregular
layouts), the window sums of units as the suffix of one block of ``q = win // g`` units plus
the prefix of the next (every chain of additions stays inside the window, as in
``_wcc_sums.block_sums``, so the rounding bound of ``_wcc_core`` still holds), and the
scaling to Pearson r, written straight into the output. Only two blocks of units are held
(``2 q`` rows of offsets), so memory does not grow with the recording. The NaN rules that
need counts ("fewer than 2 differing values"), missing values and the rounding guard stay in
``_wcc_core``, shared with the NumPy path, which remains the reference and the fallback when
numba is not installed (``pip install attunement[fast]``).

numba is chosen over a C extension because it ships wheels for every platform NumPy does, so
users need no compiler, and LLVM vectorises the loops over offsets; compiled functions are
cached on disk (``cache=True``), so only the first call on a machine pays the compile time.
"""

from __future__ import annotations

import math

import numpy as np

try:  # the optional extra `fast`
    import numba
except ImportError:  # pragma: no cover - exercised where numba is absent
    numba = None

#: True when the compiled kernel can run.
AVAILABLE = numba is not None
#: Offsets per pass over a block of units (the two blocks of units stay in cache).
OFFSETS = 32


def _jit(func):
    return numba.njit(cache=True, nogil=True, error_model="numpy")(func) if AVAILABLE else func


@_jit
def _unit_sums(cu, cv, first_unit, n_rows, g, a0, nb, limit, dest):
    """``dest[j, b] = sum over t in unit first_unit + j of cu[t] * cv[t + a0 + b]``; rows
    at or past unit ``limit`` are zero."""
    for j in range(n_rows):
        unit = first_unit + j
        for b in range(nb):
            dest[j, b] = 0.0
        if unit >= limit:
            continue
        t0 = unit * g
        for t in range(t0, t0 + g):
            c = cu[t]
            base = t + a0
            for b in range(nb):
                dest[j, b] += c * cv[base + b]


@_jit
def _fill_series(cu, total_u, inv_u, cv, mean_v, inv_v, starts, fast, win, g, lag, sign,
                 out, cur, nxt, pre):
    """r of one series for one sign (offsets ``a``: lag index ``lag + sign * a``) into
    ``out`` (n_windows, n_lags); returns the largest |r| written."""
    q = win // g
    n_windows = starts.shape[0]
    limit = starts[n_windows - 1] // g + q  # units any window covers
    top = np.zeros(OFFSETS)  # largest |r| at each offset of a block
    first = 0 if sign > 0 else 1
    for a0 in range(first, lag + 1, OFFSETS):
        nb = min(OFFSETS, lag + 1 - a0)
        blk, i = -1, 0
        while i < n_windows:
            unit = starts[i] // g
            k_blk = unit // q
            if k_blk != blk:  # units of this block and the next: suffixes and prefixes
                if k_blk == blk + 1 and blk >= 0:
                    cur, nxt = nxt, cur
                else:
                    _unit_sums(cu, cv, k_blk * q, q, g, a0, nb, limit, cur)
                _unit_sums(cu, cv, (k_blk + 1) * q, q, g, a0, nb, limit, nxt)
                for j in range(q - 2, -1, -1):
                    for b in range(nb):
                        cur[j, b] += cur[j + 1, b]
                for b in range(nb):
                    pre[0, b] = 0.0
                for j in range(1, q):
                    for b in range(nb):
                        pre[j, b] = pre[j - 1, b] + nxt[j - 1, b]
                blk = k_blk
            if fast[i]:
                s = starts[i]
                k = unit - k_blk * q
                tu, iu = total_u[s], inv_u[s]
                row = out[i]
                if sign > 0:  # two loops, so that each vectorises over offsets
                    for b in range(nb):
                        a = a0 + b
                        r = (cur[k, b] + pre[k, b] - tu * mean_v[s + a]) * iu * inv_v[s + a]
                        row[lag + a] = r
                        if abs(r) > top[b]:
                            top[b] = abs(r)
                else:
                    for b in range(nb):
                        a = a0 + b
                        r = (cur[k, b] + pre[k, b] - tu * mean_v[s + a]) * iu * inv_v[s + a]
                        row[lag - a] = r
                        if abs(r) > top[b]:
                            top[b] = abs(r)
            i += 1
    return top.max()


@_jit
def _fill(cu, total_u, inv_u, cv, mean_v, inv_v, starts, fast, win, g, lag, sign, out, top):
    q = win // g
    nb = min(OFFSETS, lag + 1)
    cur = np.empty((q, nb))
    nxt = np.empty((q, nb))
    pre = np.empty((q, nb))
    for s in range(cu.shape[0]):
        got = _fill_series(cu[s], total_u[s], inv_u[s], cv[s], mean_v[s], inv_v[s], starts,
                           fast[s], win, g, lag, sign, out[s], cur, nxt, pre)
        if got > top[s]:
            top[s] = got


def fill_fast(su, sv, sign: int, lay, fast: np.ndarray, out: np.ndarray,
              top: np.ndarray) -> None:
    """r in the windows ``fast`` (S, n_windows) at every offset of ``sign`` into ``out``
    (S, n_windows, n_lags), not clipped; ``top`` (S,) raised to each series' largest |r|.

    ``su``, ``sv``: the two series' ``_wcc_sums.SeriesStats`` (partner 1 first for sign 1).
    """
    _fill(su.centred, su.total, su.inv_sd, sv.centred, sv.mean, sv.inv_sd,
          np.ascontiguousarray(lay.starts, dtype=np.int64), np.ascontiguousarray(fast),
          lay.win, lay.unit, lay.lag, sign, out, top)


@_jit
def _transform(values, fisher_z, absolute, cap):
    flat = values.reshape(-1)
    for i in range(flat.shape[0]):
        v = flat[i]
        if v != v:
            continue
        if fisher_z:
            if v >= 1.0:
                v = cap
            elif v <= -1.0:
                v = -cap
            else:
                v = min(cap, max(-cap, math.atanh(v)))
        flat[i] = abs(v) if absolute else v


def transform_inplace(values: np.ndarray, fisher_z: bool, absolute: bool, cap: float) -> None:
    """Fisher z capped at +-``cap`` and absolute value in place (C-contiguous ``values``);
    NaN stays NaN."""
    _transform(values, fisher_z, absolute, cap)
