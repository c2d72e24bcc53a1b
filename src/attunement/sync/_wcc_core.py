"""Numerics of the windowed lagged cross-correlation, with rMEA's semantics, vectorised.

Layout (rMEA ``MEAccf``): window ``i`` spans the ``win + lag`` samples from ``starts[i]``; at
lag ``k >= 0`` the first ``win`` samples of x pair with y ``k`` samples later, at ``k < 0`` the
roles swap. Pearson r over the complete pairs; NaN where more than half of either series is
missing in the span, where fewer than 2 complete pairs differ (x != y), or where a series is
constant.

Algorithm. Pairs at offset ``a`` are ``(u[t], v[t + a])``, with ``(u, v) = (x, y)`` for lag
``a`` and ``(y, x)`` for lag ``-a``. Each series is standardised and shifted to the level most
windows sit near (``_wcc_sums.centring``), which keeps quiet stretches free of cancellation.
For a block of offsets the lagged products are summed into units of ``g`` samples (g = gcd of
window and step; a matrix product over a Hankel view when g > 1), then summed over windows as
a suffix sum of one block plus a prefix sum of the next, so every chain of additions stays
inside the window and rounding scales with the window's own magnitude, never the recording's.
A per-window bound on the rounding error of r follows from the window sums; windows and cells
whose bound exceeds :data:`TOL` are recomputed by the two-pass formula, as are cells where the
"2 differing values" rule may apply (screened per unit) and, through masked sums, windows
with missing values. No Python loop runs over windows or single lags.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from ._wcc_exact import exact_cells, exact_windows, masked_cells
from ._wcc_sums import (
    BLOCK_ELEMENTS,
    EPS,
    TOL,
    Layout,
    SeriesStats,
    as_series,
    at_offsets,
    at_starts,
    block_sums,
    make_layout,
    rounding_factor,
    running_max,
    series_stats,
    window_counts,
    zero_blocks,
)

__all__ = ["Layout", "lagged_r", "make_layout"]


# ------------------------------------------------------------------ the fast path
def lagged_sums(su: SeriesStats, sv: SeriesStats, a0: int, a1: int, lay: Layout,
                buf: np.ndarray) -> np.ndarray:
    """Window sums of ``u[t] * v[t + a]`` for ``a0 <= a < a1``, the lagged products held in
    ``buf`` (see :func:`product_buffer`): (S, a1 - a0, n_windows) with a unit of one sample,
    else (S, n_windows, a1 - a0)."""
    g, n_pairs, b = lay.unit, int(lay.starts[-1]) + lay.win, a1 - a0
    if g == 1:
        lagged = sliding_window_view(sv.centred, n_pairs, axis=-1)[:, a0:a1]
        z = buf[:, :b]
        np.multiply(su.centred[:, None, :n_pairs], lagged, out=as_series(z)[..., :n_pairs, 0])
        return at_starts(block_sums(z, n_pairs)[..., 0], lay)
    n_units = n_pairs // g
    u = su.centred[:, :n_pairs].reshape(-1, n_units, 1, g)
    v = np.ascontiguousarray(sv.centred[:, a0:])
    s0, s1 = v.strides
    hankel = as_strided(v, (len(v), n_units, g, b), (s0, s1 * g, s1, s1), writeable=False)
    z = buf[..., :b]
    np.matmul(u, hankel, out=as_series(z)[:, :n_units, None, :])
    return at_starts(block_sums(z, n_units), lay, g, axis=1)


def product_buffer(n_series: int, block: int, lay: Layout) -> np.ndarray:
    """Zeroed blocks for the lagged products of one block of offsets."""
    n_pairs, g = int(lay.starts[-1]) + lay.win, lay.unit
    if g == 1:
        return zero_blocks((n_series, block), n_pairs, lay.win, 1)
    return zero_blocks((n_series,), n_pairs // g, lay.win // g, block)


def fast_block(su, sv, a0: int, a1: int, lay: Layout, screen, buf):
    """r at offsets ``a0 <= a < a1`` in windows without missing values (S, n_windows, B),
    the largest |r| of each window, and the cells where rMEA's "2 differing values" rule may
    apply (None when applied exactly, with a unit of one sample).

    r is not clipped to [-1, 1]: cells near |r| = 1 go to the exact path anyway.
    """
    g, n_pairs = lay.unit, int(lay.starts[-1]) + lay.win
    r = lagged_sums(su, sv, a0, a1, lay, buf)
    mean_v, inv_v = at_offsets(sv.mean, a0, a1, lay), at_offsets(sv.inv_sd, a0, a1, lay)
    total_u, inv_u = at_starts(su.total, lay)[:, :, None], at_starts(su.inv_sd, lay)[:, :, None]
    if g == 1:  # r is (S, B, n_windows)
        mean_v, inv_v = mean_v.swapaxes(1, 2), inv_v.swapaxes(1, 2)
        total_u, inv_u = total_u.swapaxes(1, 2), inv_u.swapaxes(1, 2)
    r -= total_u * mean_v
    r *= inv_u
    r *= inv_v
    if g == 1:
        lagged = sliding_window_view(sv.raw0, n_pairs, axis=-1)[:, a0:a1]
        differ = su.raw0[:, None, :n_pairs] != lagged
        r[at_starts(window_counts(differ, lay.win), lay) < 2] = np.nan
        r = r.swapaxes(1, 2)
        return r, np.fmax.reduce(np.abs(r), axis=2), None
    cu, cv, tol = screen
    s0, s1 = cv.strides
    n_units = n_pairs // g
    cv_lagged = as_strided(cv[:, a0:], (len(cv), a1 - a0, n_units), (s0, s1, s1 * g),
                           writeable=False)
    differ = np.abs(cu[:, None, :n_units] - cv_lagged) > tol
    maybe = at_starts(window_counts(differ, lay.win // g), lay, g) <= 1
    return r, np.fmax.reduce(np.abs(r), axis=2), maybe.swapaxes(1, 2)


def rule_screen(su: SeriesStats, sv: SeriesStats, g: int):
    """Sums of ``g`` raw values (u on the unit grid, v from every sample) and the tolerance
    within which two sums may hide identical values (rMEA's "2 differing values" rule)."""
    def sums(a):
        c = np.zeros((len(a), a.shape[-1] + 1))
        np.cumsum(a, axis=-1, out=c[:, 1:])
        return c[:, g:] - c[:, :-g]

    size = su.raw0.shape[-1] * (np.abs(su.raw0).sum() + np.abs(sv.raw0).sum())
    return sums(su.raw0)[:, ::g], sums(sv.raw0), 2 * EPS * size  # bounds cumsum rounding


# ------------------------------------------------------------------ all together
def lagged_r(x: np.ndarray, y: np.ndarray, lay: Layout) -> np.ndarray:
    """Pearson r of rows of ``x`` and ``y`` (S, n) in every window at every lag:
    (S, n_windows, n_lags), clipped to [-1, 1], NaN by rMEA's rules."""
    x = np.ascontiguousarray(np.atleast_2d(np.asarray(x, dtype=float)))
    y = np.ascontiguousarray(np.atleast_2d(np.asarray(y, dtype=float)))
    n_series, lag, g = len(x), lay.lag, lay.unit
    out = np.empty((n_series, lay.n_windows, lay.n_lags))
    sx, sy = series_stats(np.concatenate([x, y]), lay.win).split(n_series)
    span = lay.win + lag
    miss_x = at_starts(window_counts(~sx.ok, span), lay)
    miss_y = at_starts(window_counts(~sy.ok, span), lay)
    all_na = np.maximum(miss_x, miss_y) > span / 2
    masked = (miss_x + miss_y > 0) & ~all_na
    fast = ~(all_na | masked)
    redo: list[tuple[np.ndarray, ...]] = []
    peak = np.zeros((n_series, lay.n_windows))
    n_pairs = int(lay.starts[-1]) + lay.win
    block = lag + 1 if g > 1 else max(1, min(lag + 1, BLOCK_ELEMENTS // (n_series * n_pairs)))
    buf = product_buffer(n_series, block, lay)
    for sign, su, sv in ((1, sx, sy), (-1, sy, sx)):
        screen = rule_screen(su, sv, g) if g > 1 else None
        for a0 in range(0 if sign > 0 else 1, lag + 1, block):
            a1 = min(a0 + block, lag + 1)
            lags = lag + sign * np.arange(a0, a1)
            stop = lag + sign * a1 if lag + sign * a1 >= 0 else None
            out[:, :, lag + sign * a0 : stop : sign], top, maybe = fast_block(
                su, sv, a0, a1, lay, screen, buf)
            np.fmax(peak, top, out=peak)
            if maybe is not None:
                s_i, w_i, b_i = np.nonzero(maybe & fast[:, :, None])
                redo.append((s_i, w_i, lags[b_i]))
    sel, wsel = np.nonzero(masked)
    if len(sel):
        out[sel, wsel], unsure = masked_cells(sx, sy, lay, sel, wsel)
        i, k = np.nonzero(unsure)
        redo.append((sel[i], wsel[i], k))
    whole, near_one = _rounding(out, peak, sx, sy, lay, fast)
    if len(whole[0]):
        out[whole] = exact_windows(x, y, *whole, sx, sy, lay)
    cells = _unique_cells(redo + [near_one], out.shape)
    if len(cells[0]):
        out[cells] = exact_cells(x, y, cells, lay)
    out[all_na] = np.nan
    return out


def _rounding(out, peak, sx, sy, lay, fast):
    """Fast-path windows whose rounding bound exceeds TOL, and cells near |r| = 1 where
    Fisher's z magnifies the error by 1 / (1 - r^2)."""
    worst = [at_starts(running_max(st.cond, lay.lag + 1), lay) for st in (sx, sy)]
    bound = rounding_factor(lay.win) * np.maximum(*worst)
    whole = fast & ~(bound < TOL)
    with np.errstate(divide="ignore"):
        limit = np.sqrt(np.clip(1 - bound / TOL, 0, 1))
    s_i, w_i = np.nonzero(fast & ~whole & (peak > limit))
    k_i = [np.flatnonzero(np.abs(out[s, w]) > limit[s, w]) for s, w in zip(s_i, w_i)]
    near_one = (np.repeat(s_i, [len(k) for k in k_i]), np.repeat(w_i, [len(k) for k in k_i]),
                np.concatenate(k_i) if k_i else np.zeros(0, dtype=np.int64))
    return np.nonzero(whole), near_one


def _unique_cells(cells, shape):
    flat = np.unique(np.concatenate([np.ravel_multi_index(c, shape) for c in cells]))
    return np.unravel_index(flat, shape)
