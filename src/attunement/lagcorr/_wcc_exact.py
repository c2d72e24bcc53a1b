"""Paths of the windowed lagged cross-correlation that need more care than the fast one:
windows with missing values (masked sums over complete pairs) and the two-pass formula for
windows and cells whose rounding bound is too large (see ``_wcc_core``)."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from ._wcc_sums import (
    BLOCK_ELEMENTS,
    CHUNK_ELEMENTS,
    TOL,
    Layout,
    SeriesStats,
    rounding_factor,
    window_counts,
    window_sums,
)


def masked_cells(sx: SeriesStats, sy: SeriesStats, lay: Layout, sel: np.ndarray,
                 wsel: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """r over complete pairs at every lag for windows ``wsel`` of series ``sel`` (those with
    missing values): (len(sel), n_lags), and the cells whose rounding bound exceeds TOL."""
    lag, win = lay.lag, lay.win
    starts = lay.starts[wsel]
    lo, hi = int(starts.min()), int(starts.max()) + win
    r = np.empty((len(sel), lay.n_lags))
    unsure = np.empty(r.shape, dtype=bool)
    block = max(1, min(lag + 1, BLOCK_ELEMENTS // (len(sx.ok) * (hi - lo))))
    for sign, su, sv in ((1, sx, sy), (-1, sy, sx)):
        for a0 in range(0 if sign > 0 else 1, lag + 1, block):
            a1 = min(a0 + block, lag + 1)
            lags = lag + sign * np.arange(a0, a1)
            r[:, lags], unsure[:, lags] = _masked_block(
                su, sv, a0, a1, (lo, hi), win, sel, starts - lo
            )
    return r, unsure


def _masked_block(su, sv, a0, a1, bounds, win, sel, pos):
    lo, hi = bounds

    def lagged(arr):
        return sliding_window_view(arr[:, lo:], hi - lo, axis=-1)[:, a0:a1]

    def at(sums):
        return sums[sel, :, pos]

    ok_u, ok_v = su.ok[:, None, lo:hi], lagged(sv.ok)
    u, v = su.centred[:, None, lo:hi], lagged(sv.centred)
    both = ok_u & ok_v
    n = at(window_counts(both, win)).astype(float)
    differ = at(window_counts(both & (su.raw0[:, None, lo:hi] != lagged(sv.raw0)), win))
    sums = window_sums(np.stack([u * ok_v, v * ok_u, u * u * ok_v, v * v * ok_u, u * v]), win)
    t_u, t_v, q_u, q_v, p = (sums[i][sel, :, pos] for i in range(5))
    with np.errstate(divide="ignore", invalid="ignore"):
        ss_u, ss_v = q_u - t_u * t_u / n, q_v - t_v * t_v / n
        r = np.clip((p - t_u * t_v / n) / np.sqrt(ss_u * ss_v), -1.0, 1.0)
        bound = rounding_factor(win) * np.maximum(q_u / ss_u, q_v / ss_v)
        unsure = ~(bound < TOL * (1 - r * r)) & (differ >= 2)
    r[differ < 2] = np.nan
    return r, unsure


def exact_cells(x: np.ndarray, y: np.ndarray, cells: tuple, lay: Layout) -> np.ndarray:
    """r of single cells (series, window, lag index) by the two-pass formula over complete
    pairs, as R's ``cor``."""
    series, window, lag_index = cells
    out = np.empty(len(series))
    j = np.arange(lay.win)
    chunk = max(1, CHUNK_ELEMENTS // lay.win)
    for c0 in range(0, len(series), chunk):
        sl = slice(c0, c0 + chunk)
        s, t, k = series[sl, None], lay.starts[window[sl], None], lag_index[sl, None] - lay.lag
        out[sl] = pearson_rows(x[s, t + np.maximum(0, -k) + j], y[s, t + np.maximum(0, k) + j])
    return out


def pearson_rows(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Pearson r of each row pair over complete pairs (two-pass means), NaN by rMEA's rules."""
    ok = ~(np.isnan(xs) | np.isnan(ys))
    n = ok.sum(-1, keepdims=True)
    differ = (ok & (xs != ys)).sum(-1)
    const = np.zeros(len(xs), dtype=bool)
    dev = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for a in (xs, ys):
            m = np.where(ok, a, 0.0).sum(-1, keepdims=True) / n
            m += np.where(ok, a - m, 0.0).sum(-1, keepdims=True) / n
            const |= np.where(ok, a, np.inf).min(-1) == np.where(ok, a, -np.inf).max(-1)
            dev.append(np.where(ok, a - m, 0.0))
        dx, dy = dev
        r = (dx * dy).sum(-1) / np.sqrt((dx * dx).sum(-1) * (dy * dy).sum(-1))
    r = np.clip(r, -1.0, 1.0)
    r[(differ < 2) | const] = np.nan
    return r


def exact_windows(x: np.ndarray, y: np.ndarray, series: np.ndarray, window: np.ndarray,
                  sx: SeriesStats, sy: SeriesStats, lay: Layout) -> np.ndarray:
    """All lags of whole windows without missing values by the two-pass formula, each lag's
    windows centred on their own means: (len(series), n_lags)."""
    win, lag = lay.win, lay.lag
    out = np.empty((len(series), lay.n_lags))
    chunk = max(1, CHUNK_ELEMENTS // (win * (lag + 1)))
    j = np.arange(win + lag)
    for c0 in range(0, len(series), chunk):
        s, w = series[c0 : c0 + chunk], window[c0 : c0 + chunk]
        t = lay.starts[w]
        spans = [a[s[:, None], t[:, None] + j] for a in (x, y)]
        const = [st.const[s[:, None], t[:, None] + np.arange(lag + 1)] for st in (sx, sy)]
        out[c0 : c0 + chunk] = _span_r(*spans, *const, win)
    return out


def _span_r(xs, ys, const_x, const_y, win):
    lag = xs.shape[-1] - win
    out = np.empty((len(xs), 2 * lag + 1))
    for sign, u, v, const_u, const_v in ((1, xs, ys, const_x, const_y),
                                         (-1, ys, xs, const_y, const_x)):
        d_u = _deviations(u[:, :win])
        lagged = sliding_window_view(v, win, axis=-1)
        d_v = _deviations(lagged)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.einsum("cj,caj->ca", d_u, d_v) / np.sqrt(
                (d_u * d_u).sum(-1, keepdims=True) * np.einsum("caj,caj->ca", d_v, d_v))
        r = np.clip(r, -1.0, 1.0)
        differ = (u[:, None, :win] != lagged).sum(-1)
        r[(differ < 2) | const_v | const_u[:, :1]] = np.nan
        first = 0 if sign > 0 else 1
        out[:, lag + sign * np.arange(first, lag + 1)] = r[:, first:]
    return out


def _deviations(a: np.ndarray) -> np.ndarray:
    """``a`` minus its mean along the last axis, the mean refined by a second pass."""
    m = a.mean(-1, keepdims=True)
    m += (a - m).mean(-1, keepdims=True)
    return a - m
