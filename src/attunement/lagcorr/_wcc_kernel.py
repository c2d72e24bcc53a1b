"""The compiled fast path of the windowed lagged cross-correlation (numba, optional).

One pass per series, both signs block by block, computes r in every window without missing
values at every offset, fusing what ``_wcc_core.fast_block`` does in NumPy with temporaries:
the lagged products summed into units of ``g`` samples (g = gcd of window and step; 1 for
irregular layouts), the window sums of units as the suffix of one block of ``q = win // g``
units plus the prefix of the next (every chain of additions stays inside the window, as in
``_wcc_sums.block_sums``, so the rounding bound of ``_wcc_core`` still holds), and the
scaling to Pearson r, written straight into the output. Only two blocks of units are held
(``2 q`` rows of offsets), so memory does not grow with the recording. The screens of the
"fewer than 2 differing values" rule (``_wcc_screen``) and the window statistics
(``_wcc_window_stats``) and windows with missing values (``_wcc_masked``) are compiled too;
the exact recounts and the rounding guard stay in ``_wcc_core``, shared with the NumPy path,
the reference and the fallback when numba is not installed (``pip install attunement[fast]``).

numba is chosen over a C extension because it ships wheels for every platform NumPy does, so
users need no compiler, and LLVM vectorises the loops over offsets; compiled functions are
cached on disk (``cache=True``), so only the first call on a machine pays the compile time;
numba itself is imported at the first call, not with attunement.
"""

from __future__ import annotations

import math

import numpy as np

from .._jit import AVAILABLE as AVAILABLE
from .._jit import ensure_compiled as ensure_compiled
from .._jit import jit

#: Reductions free to reassociate (so that they vectorise); NaN and infinities keep their
#: IEEE meaning.
SUMS = frozenset({"reassoc", "contract", "nsz"})


#: Most offsets per pass over the windows: each pass writes its part of every output row,
#: so fewer passes over a large output save memory traffic; the prefix sums of one block of
#: units (window length x offsets) should still fit the cache.
OFFSETS = 256


@jit()
def _unit(cu, cv, t0, g, a0, nb, part):
    """``part[b] = sum over t0 <= t < t0 + g of cu[t] * cv[t + a0 + b]``."""
    for b in range(nb):
        part[b] = 0.0
    t = t0
    while t + 4 <= t0 + g:  # 4 samples per pass: a quarter of the loads and stores of part
        c0, c1, c2, c3 = cu[t], cu[t + 1], cu[t + 2], cu[t + 3]
        v = cv[t + a0 : t + a0 + nb + 3]  # slices: indices known >= 0, so loops vectorise
        for b in range(nb):
            part[b] += (c0 * v[b] + c1 * v[b + 1]) + (c2 * v[b + 2] + c3 * v[b + 3])
        t += 4
    for r in range(t0 + g - g % 4, t0 + g):
        c = cu[r]
        v = cv[r + a0 : r + a0 + nb]
        for b in range(nb):
            part[b] += c * v[b]


@jit()
def _add(part, nb, acc):
    """``acc[b] += part[b]`` for ``b < nb``."""
    for b in range(nb):
        acc[b] += part[b]


@jit()
def _copy(acc, nb, dst):
    for b in range(nb):
        dst[b] = acc[b]


@jit()
def _add_products(c, cv, t, nb, acc):
    """``acc[b] += c * cv[t + b]`` for ``b < nb`` (a unit of one sample, fused)."""
    v = cv[t : t + nb]
    for b in range(nb):
        acc[b] += c * v[b]


@jit()
def _cells(row, acc, pre_k, tu, iu, mean_v, inv_v, s, a0, nb, lag, sign, top):
    """r of one window at offsets ``a0 + b`` from its window sums ``acc + pre_k``."""
    mv, iv = mean_v[s + a0 : s + a0 + nb], inv_v[s + a0 : s + a0 + nb]
    if sign > 0:  # two loops, so that each vectorises over offsets
        dst = row[lag + a0 : lag + a0 + nb]
        for b in range(nb):
            r = (acc[b] + pre_k[b] - tu * mv[b]) * iu * iv[b]
            dst[b] = r
            top[b] = max(top[b], abs(r))
    else:
        dst = row[lag - a0 - nb + 1 : lag - a0 + 1]  # offset a0 + b at dst[nb - 1 - b]
        for b in range(nb):
            r = (acc[b] + pre_k[b] - tu * mv[b]) * iu * iv[b]
            dst[nb - 1 - b] = r
            top[b] = max(top[b], abs(r))


@jit()
def _fill_block(cu, total_u, inv_u, cv, mean_v, inv_v, starts, fast, i, end, q, g, a0, nb,
                lag, sign, out, pre, units, kept, acc, part, top):
    """r of the windows ``i <= w < end`` (all starting in one block of ``q`` units) at the
    offsets ``a0 <= a < a0 + nb`` of ``sign`` (lag index ``lag + sign * a``).

    A backward pass over the block's units keeps the suffix sum (``acc``) of each unit a
    window starts at (in ``pre``), then a forward pass over the windows adds the prefix sums
    of the next block and writes r. With ``g > 1`` the next block's unit sums are kept in
    ``units`` for that block's own turn (``kept``: that block and how many units); with a
    unit of one sample a product costs less than keeping it, so it is added straight in."""
    blk = starts[i] // g // q
    keep = g > 1
    kept_blk, n_kept = kept[0], kept[1]
    k_low = starts[i] // g - blk * q
    for b in range(nb):
        acc[b] = 0.0
    w = end - 1
    for j in range(q - 1, k_low - 1, -1):  # suffix sums of this block
        t = (blk * q + j) * g
        if blk == kept_blk and j < n_kept:
            _add(units[j], nb, acc)
        elif keep:
            _unit(cu, cv, t, g, a0, nb, part)
            _add(part, nb, acc)
        else:
            _add_products(cu[t], cv, t + a0, nb, acc)
        if w >= i and starts[w] // g - blk * q == j:  # a window starts here
            _copy(acc, nb, pre[j])
            w -= 1
    nxt = (blk + 1) * q
    run = part  # prefix sums of the next block, added to each window's suffix
    for b in range(nb):
        run[b] = 0.0
    k = 0
    for w in range(i, end):
        kw = starts[w] // g - blk * q
        while k < kw:
            t = (nxt + k) * g
            if keep:
                _unit(cu, cv, t, g, a0, nb, units[k])
                _add(units[k], nb, run)
            else:
                _add_products(cu[t], cv, t + a0, nb, run)
            k += 1
        if fast[w]:
            s = starts[w]
            _cells(out[w], pre[kw], run, total_u[s], inv_u[s], mean_v, inv_v, s, a0, nb,
                   lag, sign, top)
    kept[0], kept[1] = (blk + 1, k) if keep else (-1, 0)


@jit()
def _suffix(cu, cv, starts, i, end, base, q, a0, nb, pre, acc):
    """``pre[j]``: the suffix sums from sample ``base + j`` of the block (a unit of one
    sample) for each window ``i <= w < end`` starting there, offsets ``a0 + b``."""
    for b in range(nb):
        acc[b] = 0.0
    w = end - 1
    for j in range(q - 1, starts[i] - base - 1, -1):
        _add_products(cu[base + j], cv, base + j + a0, nb, acc)
        if w >= i and starts[w] - base == j:
            _copy(acc, nb, pre[j])
            w -= 1


@jit()
def _fill_pair(cx, tx, ix, mx, cy, ty, iy, my, starts, fast, i, end, q, a0, nb, lo, n_lo,
               lag, out, pre, acc, run, top):
    """:func:`_fill_block` of both signs at once with a unit of one sample: the suffix sums
    of each sign, then window by window both halves of its output row, so each row is
    written once (``lo``, ``n_lo``: the offsets of sign -1; ``pre``, ``run``: one per
    sign)."""
    base = starts[i] // q * q
    _suffix(cx, cy, starts, i, end, base, q, a0, nb, pre[0], acc)
    _suffix(cy, cx, starts, i, end, base, q, lo, n_lo, pre[1], acc)
    run[:] = 0.0
    k, nxt = 0, base + q
    for w in range(i, end):
        kw = starts[w] - base
        while k < kw:
            t = nxt + k
            _add_products(cx[t], cy, t + a0, nb, run[0])
            _add_products(cy[t], cx, t + lo, n_lo, run[1])
            k += 1
        if fast[w]:
            s = starts[w]
            _cells(out[w], pre[0, kw], run[0], tx[s], ix[s], my, iy, s, a0, nb, lag, 1, top)
            _cells(out[w], pre[1, kw], run[1], ty[s], iy[s], mx, ix, s, lo, n_lo, lag, -1,
                   top)


@jit()
def _fill(cx, tx, ix, mx, cy, ty, iy, my, starts, fast, win, g, lag, out, top):
    """Both signs of every series, block of windows by block (with a unit of one sample,
    window by window), so that each output row is written while in cache (two passes over
    the output, one per sign, doubled its memory traffic); offsets in passes of
    :data:`OFFSETS`."""
    q, width = win // g, min(OFFSETS, lag + 1)
    pre, units = np.empty((2, q, width)), np.empty((2, q if g > 1 else 0, width))
    run = np.empty((2, width))
    acc, part, block_top = np.empty(width), np.empty(width), np.empty(width)
    kept = np.empty((2, 2), dtype=np.int64)
    n_windows = starts.shape[0]
    for s in range(cx.shape[0]):
        block_top[:] = 0.0
        for a0 in range(0, lag + 1, width):
            nb = min(width, lag + 1 - a0)
            kept[:, 0], kept[:, 1] = -1, 0
            i = 0
            while i < n_windows:
                end = i
                while end < n_windows and starts[end] // g // q == starts[i] // g // q:
                    end += 1
                lo = max(a0, 1)  # offset 0 belongs to sign 1
                if g == 1:
                    _fill_pair(cx[s], tx[s], ix[s], mx[s], cy[s], ty[s], iy[s], my[s],
                               starts, fast[s], i, end, q, a0, nb, lo, a0 + nb - lo, lag,
                               out[s], pre, acc, run, block_top)
                    i = end
                    continue
                _fill_block(cx[s], tx[s], ix[s], cy[s], my[s], iy[s], starts, fast[s], i,
                            end, q, g, a0, nb, lag, 1, out[s], pre[0], units[0], kept[0],
                            acc, part, block_top)
                if a0 + nb > lo:
                    _fill_block(cy[s], ty[s], iy[s], cx[s], mx[s], ix[s], starts, fast[s],
                                i, end, q, g, lo, a0 + nb - lo, lag, -1, out[s], pre[0],
                                units[1], kept[1], acc, part, block_top)
                i = end
        top[s] = max(top[s], block_top.max())


def fill_fast(sx, sy, lay, fast: np.ndarray, out: np.ndarray, top: np.ndarray) -> None:
    """r in the windows ``fast`` (S, n_windows) at every lag into ``out`` (S, n_windows,
    n_lags), not clipped; ``top`` (S,) raised to each series' largest |r|.

    ``sx``, ``sy``: the two partners' ``_wcc_sums.SeriesStats``.
    """
    ensure_compiled()
    _fill(sx.centred, sx.total, sx.inv_sd, sx.mean, sy.centred, sy.total, sy.inv_sd,
          sy.mean, np.ascontiguousarray(lay.starts, dtype=np.int64),
          np.ascontiguousarray(fast), lay.win, lay.unit, lay.lag, out, top)


@jit(SUMS)
def _pearson(x, y, i, j, win):
    """r of ``x[i : i + win]`` and ``y[j : j + win]`` over complete pairs by the corrected
    two-pass formula (deviations from the first-pass means, less their mean's share), NaN by
    rMEA's rules, clipped to [-1, 1]; the compiled twin of ``_wcc_exact.pearson_rows``."""
    xs, ys = x[i : i + win], y[j : j + win]  # slices: indices known >= 0 (vectorised)
    n, differ, sx, sy = 0, 0, 0.0, 0.0
    lo_x, hi_x, lo_y, hi_y = np.inf, -np.inf, np.inf, -np.inf
    for t in range(win):
        a, b = xs[t], ys[t]
        if a == a and b == b:
            n += 1
            sx += a
            sy += b
            differ += a != b
            lo_x, hi_x = min(lo_x, a), max(hi_x, a)
            lo_y, hi_y = min(lo_y, b), max(hi_y, b)
    if differ < 2 or lo_x == hi_x or lo_y == hi_y:
        return np.nan
    mx, my = sx / n, sy / n
    cx, cy, sxy, sxx, syy = 0.0, 0.0, 0.0, 0.0, 0.0
    for t in range(win):
        a, b = xs[t], ys[t]
        if a == a and b == b:
            dx, dy = a - mx, b - my
            cx += dx
            cy += dy
            sxy += dx * dy
            sxx += dx * dx
            syy += dy * dy
    sxy -= cx * cy / n
    sxx -= cx * cx / n
    syy -= cy * cy / n
    return min(1.0, max(-1.0, sxy / math.sqrt(sxx * syy)))


@jit()
def _exact(x, y, series, window, lag_index, starts, win, lag, out):
    for c in range(series.shape[0]):
        s, t, k = series[c], starts[window[c]], lag_index[c] - lag
        out[c] = _pearson(x[s], y[s], t + max(0, -k), t + max(0, k), win)


def exact_cells(x: np.ndarray, y: np.ndarray, cells: tuple, lay) -> np.ndarray:
    """r of single cells (series, window, lag index) by the two-pass formula over complete
    pairs, as R's ``cor`` (``_wcc_exact.exact_cells``, compiled)."""
    ensure_compiled()
    series, window, lag_index = (np.ascontiguousarray(c, dtype=np.int64) for c in cells)
    out = np.empty(len(series))
    _exact(x, y, series, window, lag_index, np.ascontiguousarray(lay.starts, np.int64),
           lay.win, lay.lag, out)
    return out


@jit(True)
def _pearson_complete(x, y, i, j, win):
    """:func:`_pearson` of spans without missing values (no test for NaN, so every loop
    vectorises)."""
    xs, ys = x[i : i + win], y[j : j + win]  # slices: indices known >= 0 (vectorised)
    sx, sy, differ = 0.0, 0.0, 0
    lo_x, hi_x, lo_y, hi_y = xs[0], xs[0], ys[0], ys[0]
    for t in range(win):
        a, b = xs[t], ys[t]
        sx += a
        sy += b
        differ += a != b
        lo_x, hi_x = min(lo_x, a), max(hi_x, a)
        lo_y, hi_y = min(lo_y, b), max(hi_y, b)
    if differ < 2 or lo_x == hi_x or lo_y == hi_y:
        return np.nan
    mx, my = sx / win, sy / win
    cx, cy, sxy, sxx, syy = 0.0, 0.0, 0.0, 0.0, 0.0
    for t in range(win):
        dx, dy = xs[t] - mx, ys[t] - my
        cx += dx
        cy += dy
        sxy += dx * dy
        sxx += dx * dx
        syy += dy * dy
    sxy -= cx * cy / win
    sxx -= cx * cx / win
    syy -= cy * cy / win
    return min(1.0, max(-1.0, sxy / math.sqrt(sxx * syy)))


@jit()
def _exact_windows(x, y, series, window, starts, win, lag, out):
    for c in range(series.shape[0]):
        s, t = series[c], starts[window[c]]
        for li in range(2 * lag + 1):
            k = li - lag
            out[c, li] = _pearson_complete(x[s], y[s], t + max(0, -k), t + max(0, k), win)


def exact_windows(x: np.ndarray, y: np.ndarray, series: np.ndarray, window: np.ndarray,
                  lay) -> np.ndarray:
    """Every lag of whole windows without missing values by the two-pass formula:
    (len(series), n_lags) (``_wcc_exact.exact_windows``, compiled)."""
    ensure_compiled()
    out = np.empty((len(series), lay.n_lags))
    _exact_windows(x, y, np.ascontiguousarray(series, np.int64),
                   np.ascontiguousarray(window, np.int64),
                   np.ascontiguousarray(lay.starts, np.int64), lay.win, lay.lag, out)
    return out


#: atanh(i / 256) for i <= 240, the table of :func:`_atanh`.
ATANH_TABLE = np.array([math.atanh(i / 256) for i in range(241)])


@jit()
def _atanh(v):
    """atanh within 2 ulp of ``math.atanh`` (tests/test_lagcorr_shifts.py) in a fraction of
    its time: below |v| = 0.9375, the table's ``atanh(a0)`` (``a0``: |v| rounded down to
    1/256) plus ``atanh(u)``, ``u = (|v| - a0) / (1 - |v| a0)`` (|u| < 0.032), by its series
    to u^13; the library function elsewhere and for NaN."""
    a = abs(v)
    if not a < 0.9375:
        return math.atanh(v)
    i = int(a * 256.0)
    a0 = i / 256.0
    u = (a - a0) / (1.0 - a * a0)
    u2 = u * u
    z = ATANH_TABLE[i] + (u + u * u2 * (1 / 3 + u2 * (1 / 5 + u2 * (1 / 7 + u2 * (
        1 / 9 + u2 * (1 / 11 + u2 / 13))))))
    return z if v >= 0.0 else -z


@jit()
def _value(v, fisher_z, absolute, cap):
    """Fisher z of ``v`` capped at +-``cap`` and its absolute value, as asked; NaN stays
    NaN."""
    if v != v:
        return v
    if fisher_z:
        if v >= 1.0:
            v = cap
        elif v <= -1.0:
            v = -cap
        else:
            v = min(cap, max(-cap, _atanh(v)))
    return abs(v) if absolute else v


@jit()
def _transform(values, fisher_z, absolute, cap):
    flat = values.reshape(-1)
    for i in range(flat.shape[0]):
        flat[i] = _value(flat[i], fisher_z, absolute, cap)


def transform_inplace(values: np.ndarray, fisher_z: bool, absolute: bool, cap: float) -> None:
    """Fisher z capped at +-``cap`` and absolute value in place (C-contiguous ``values``);
    NaN stays NaN."""
    ensure_compiled()
    _transform(values, fisher_z, absolute, cap)
