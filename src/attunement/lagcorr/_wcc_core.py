"""Numerics of the windowed lagged cross-correlation, with rMEA's semantics, vectorised.

Layout (rMEA ``MEAccf``): window ``i`` spans the ``win + lag`` samples from ``starts[i]``; at
lag ``k >= 0`` the first ``win`` samples of x pair with y ``k`` samples later, at ``k < 0`` the
roles swap. Pearson r over the complete pairs; NaN where more than half of either series is
missing in the span, where fewer than 2 complete pairs differ (x != y), or where a series is
constant.

Algorithm. Pairs at offset ``a`` are ``(u[t], v[t + a])``, with ``(u, v) = (x, y)`` for lag
``a`` and ``(y, x)`` for lag ``-a``. Each series is standardised and shifted to the level most
windows sit near (``_wcc_sums.centring``), which keeps quiet stretches free of cancellation.
The lagged products of a block of offsets are summed over every window so that each chain of
additions stays inside the window and rounding scales with the window's own magnitude, never
the recording's. With a unit of ``g > 1`` samples (g = gcd of window and step) they are
summed into units (a matrix product over a Hankel view), then over windows as a suffix sum of
one block of units plus a prefix sum of the next. With a unit of one sample they are cut into
sub-blocks of about sqrt(window) samples (at most 30), laid out position by position, so that
prefix and suffix sums within sub-blocks are scans of vector additions across sub-blocks and
offsets (``np.cumsum`` is latency-bound); a window is the suffix of the sub-block it starts
in, the totals of the whole sub-blocks inside it and the prefix of the one it ends in
(``_wcc_sums.scan_sums``), then scaled to r chunk by chunk of windows while in cache.
A per-window bound on the rounding error of r follows from the window sums; windows and cells
whose bound exceeds :data:`TOL` are recomputed by the two-pass formula, as are cells where the
"2 differing values" rule may apply (screened per unit or sub-block, then counted exactly
per offset with a unit of one sample) and, through masked sums (compiled in ``_wcc_masked``),
windows with missing values.
No Python loop runs over single windows or lags.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from . import _wcc_kernel, _wcc_masked, _wcc_screen
from ._wcc_exact import exact_cells, exact_windows, masked_cells
from ._wcc_sums import (
    CHUNK_CELLS,
    CHUNK_ELEMENTS,
    EPS,
    SCAN_ELEMENTS,
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
    scan_sums,
    series_stats,
    sub_block,
    window_counts,
    zero_blocks,
)

__all__ = ["ENGINES", "Layout", "lagged_r", "make_layout"]

#: The fast path's engines: the compiled kernel (``_wcc_kernel``, needs numba: the extra
#: ``fast``) and the NumPy reference below.
ENGINES = ("numba", "numpy")
#: The engine used when none is named: numba where installed.
ENGINE = "numba" if _wcc_kernel.AVAILABLE else "numpy"


# ------------------------------------------------------------------ the fast path
def fast_block(su, sv, a0: int, a1: int, lay: Layout, screen, buf, dest: np.ndarray):
    """r at offsets ``a0 <= a < a1`` in windows without missing values, written to ``dest``
    (S, n_windows, a1 - a0); returns the cells where rMEA's "2 differing values" rule may apply
    (None when applied here, with a unit of one sample) and each series' largest |r|.

    r is not clipped to [-1, 1]: cells near |r| = 1 go to the exact path anyway.
    """
    if lay.unit > 1:
        r = unit_sums(su, sv, a0, a1, lay, buf)
        normalise(r, su, sv, a0, a1, lay)
        dest[...] = r
        return differ_rule(dest, su, sv, a0, a1, lay, screen), abs_max(r)
    sums = sample_sums(su, sv, a0, a1, lay, buf)
    top = np.zeros(len(dest))
    chunk = max(1, CHUNK_CELLS // (len(dest) * (a1 - a0)))
    for w0 in range(0, lay.n_windows, chunk):  # chunks of windows stay in cache
        w = slice(w0, w0 + chunk)
        r = gather(sums, lay.starts[w])
        normalise(r, su, sv, a0, a1, lay, w)
        np.fmax(top, abs_max(r), out=top)
        dest[:, w] = r
    return differ_rule(dest, su, sv, a0, a1, lay, screen), top


def differ_rule(dest, su, sv, a0: int, a1: int, lay: Layout, screen):
    """rMEA's "2 differing values" rule on ``dest`` (S, n_windows, a1 - a0): the cells
    where it may apply with a unit of ``g > 1`` samples (to recount exactly), else NaN set
    here and None."""
    maybe = few_differ(screen, a0, a1, lay)
    if lay.unit > 1:
        return maybe
    nan_where_few_differ(dest, su, sv, a0, maybe, lay)
    return None


def unit_sums(su: SeriesStats, sv: SeriesStats, a0: int, a1: int, lay: Layout,
              buf: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Window sums of ``u[t] * v[t + a]`` for ``a0 <= a < a1`` with a unit of ``g > 1``
    samples: (S, n_windows, a1 - a0), a view of ``buf`` (see :func:`product_buffer`)."""
    g, n_pairs, b = lay.unit, int(lay.starts[-1]) + lay.win, a1 - a0
    z = buf[0][..., :b]
    n_units = n_pairs // g
    u = su.centred[:, :n_pairs].reshape(-1, n_units, 1, g)
    v = np.ascontiguousarray(sv.centred[:, a0:])
    s0, s1 = v.strides
    hankel = as_strided(v, (len(v), n_units, g, b), (s0, s1 * g, s1, s1), writeable=False)
    np.matmul(u, hankel, out=as_series(z)[:, :n_units, None, :])
    return at_starts(block_sums(z, n_units), lay, g, axis=1)


def sample_sums(su: SeriesStats, sv: SeriesStats, a0: int, a1: int, lay: Layout,
                buf: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Window sums of ``u[t] * v[t + a]`` for ``a0 <= a < a1`` from every sample t, with a
    unit of one sample: (S, m, n_sub, a1 - a0) laid out as by :func:`polyphase`, a view of
    ``buf`` (see :func:`product_buffer`)."""
    z, scratch = (part[..., : a1 - a0] for part in buf)
    m, n_sub = z.shape[1:3]
    u = polyphase(su.centred, int(lay.starts[-1]) + lay.win, m, n_sub)
    v = polyphase(sv.centred, lay.n, m, n_sub, a0, a1 - a0)
    np.multiply(u, v, out=z)
    return scan_sums(z, scratch, lay.win)


def product_buffer(n_series: int, block: int, lay: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Space for the lagged products of one block of offsets: zeroed blocks of units by
    windows (unit > 1, no scratch), else sub-blocks of :func:`sub_block` samples by
    position (see :func:`polyphase`) and scratch space of the same shape."""
    n_pairs, g = int(lay.starts[-1]) + lay.win, lay.unit
    if g > 1:
        return zero_blocks((n_series,), n_pairs // g, lay.win // g, block), np.empty(0)
    m = sub_block(lay.win)
    z = np.empty((n_series, m, n_pairs // m + 1, block))
    return z, np.empty_like(z)


def polyphase(a: np.ndarray, length: int, m: int, n_sub: int, offset: int = 0,
              width: int = 1) -> np.ndarray:
    """``a[:, t + offset + j]`` at [:, i, s, j] with ``t = s * m + i``: (S, m, n_sub, width),
    a strided view of a copy of ``a[:, :length]`` zero-padded to every index."""
    pad = np.zeros((len(a), m * n_sub + offset + width))
    keep = min(length, pad.shape[1])
    pad[:, :keep] = a[:, :keep]
    s0, s1 = pad.strides
    return as_strided(pad[:, offset:], (len(a), m, n_sub, width), (s0, s1, s1 * m, s1),
                      writeable=False)


def gather(a: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Samples ``t`` of ``a`` laid out as by :func:`polyphase`: (S, len(t), width)."""
    m = a.shape[1]
    return a[:, t % m, t // m]


def normalise(r: np.ndarray, su: SeriesStats, sv: SeriesStats, a0: int, a1: int,
              lay: Layout, w: slice = slice(None)) -> None:
    """Window sums of products (S, windows ``w``, a1 - a0) to Pearson r, in place."""
    r -= at_starts(su.total, lay)[:, w, None] * at_offsets(sv.mean, a0, a1, lay, w)
    r *= at_starts(su.inv_sd, lay)[:, w, None]
    r *= at_offsets(sv.inv_sd, a0, a1, lay, w)


def abs_max(r: np.ndarray) -> np.ndarray:
    """Largest |r| of each series (NaN ignored; NaN if all are)."""
    return np.fmax.reduce(np.abs(r).reshape(len(r), -1), axis=1)


def rule_screens(sx: SeriesStats, sy: SeriesStats, g: int):
    """For each sign (x then y first): sums of ``g`` raw values (u on the unit grid, v from
    every sample), the tolerance within which two sums may hide identical values (rMEA's
    "2 differing values" rule) and ``g``."""
    def sums(a):
        c = np.zeros((len(a), a.shape[-1] + 1))
        np.cumsum(a, axis=-1, out=c[:, 1:])
        return c[:, g:] - c[:, :-g]

    size = sx.raw0.shape[-1] * (np.abs(sx.raw0).sum() + np.abs(sy.raw0).sum())
    tol = 2 * EPS * size  # bounds cumsum rounding
    cx, cy = sums(sx.raw0), sums(sy.raw0)
    return (cx[:, ::g], cy, tol, g), (cy[:, ::g], cx, tol, g)


def few_differ(screen, a0: int, a1: int, lay: Layout) -> np.ndarray:
    """Where fewer than 2 pairs may differ, screened by units of ``g`` samples (S,
    n_windows, B); with a unit of one sample (g: the scan's sub-blocks, those wholly inside
    a window), the (series, offset) rows (S, B) where any window may."""
    cu, cv, tol, g = screen
    n_units = (int(lay.starts[-1]) + lay.win) // g
    s0, s1 = cv.strides
    cv_lagged = as_strided(cv[:, a0:], (len(cv), a1 - a0, n_units), (s0, s1, s1 * g),
                           writeable=False)
    differ = np.abs(cu[:, None, :n_units] - cv_lagged) > tol
    if lay.unit > 1:
        return (at_starts(window_counts(differ, lay.win // g), lay, g) <= 1).swapaxes(1, 2)
    inside = lay.win // g - 1  # whole sub-blocks after the one a window starts in
    counts = window_counts(differ[..., 1:], inside)
    return (counts[..., lay.starts[0] // g : lay.starts[-1] // g + 1] <= 1).any(axis=-1)


def nan_where_few_differ(r: np.ndarray, su: SeriesStats, sv: SeriesStats, a0: int,
                         rows: np.ndarray, lay: Layout) -> None:
    """NaN in ``r`` (S, n_windows, B) where fewer than 2 pairs differ, counted exactly for
    the (series, offset) ``rows`` (S, B) flagged by the screen."""
    s_i, b_i = np.nonzero(rows)
    if not len(s_i):
        return
    n_pairs = int(lay.starts[-1]) + lay.win
    lagged = sliding_window_view(sv.raw0, n_pairs, axis=-1)
    differ = su.raw0[s_i, :n_pairs] != lagged[s_i, a0 + b_i]
    few = at_starts(window_counts(differ, lay.win), lay) < 2
    values = r[s_i, :, b_i]
    values[few] = np.nan
    r[s_i, :, b_i] = values


# ------------------------------------------------------------------ all together
def lagged_r(x: np.ndarray, y: np.ndarray, lay: Layout, engine: str | None = None
             ) -> np.ndarray:
    """Pearson r of rows of ``x`` and ``y`` (S, n) in every window at every lag:
    (S, n_windows, n_lags), clipped to [-1, 1], NaN by rMEA's rules; the fast path by
    ``engine`` (one of :data:`ENGINES`; default :data:`ENGINE`)."""
    engine = ENGINE if engine is None else engine
    if engine not in ENGINES or (engine == "numba" and not _wcc_kernel.AVAILABLE):
        raise ValueError(
            f"Invalid value for 'engine': allowed values are {ENGINES} (numba needs the extra "
            f"'fast': pip install attunement[fast]), but got {engine!r}."
        )
    x = np.ascontiguousarray(np.atleast_2d(np.asarray(x, dtype=float)))
    y = np.ascontiguousarray(np.atleast_2d(np.asarray(y, dtype=float)))
    n_series, lag, g = len(x), lay.lag, lay.unit
    out = np.empty((n_series, lay.n_windows, lay.n_lags))
    sx, sy = series_stats(np.concatenate([x, y]), lay.win,
                          compiled=engine == "numba").split(n_series)
    span = lay.win + lag
    if sx.ok.all() and sy.ok.all():  # nothing missing: no counts to make
        miss_x = miss_y = np.zeros((n_series, lay.n_windows), dtype=np.int32)
    else:
        miss_x = at_starts(window_counts(~sx.ok, span), lay)
        miss_y = at_starts(window_counts(~sy.ok, span), lay)
    all_na = np.maximum(miss_x, miss_y) > span / 2
    masked = (miss_x + miss_y > 0) & ~all_na
    fast = ~(all_na | masked)
    redo: list[tuple[np.ndarray, ...]] = []
    top = np.zeros(n_series)  # largest |r| of the fast path
    n_pairs = int(lay.starts[-1]) + lay.win
    block = lag + 1 if g > 1 else block_size(lag + 1, SCAN_ELEMENTS // (n_series * n_pairs))
    buf = product_buffer(n_series, block, lay) if engine == "numpy" else None
    if engine == "numba":
        _wcc_kernel.fill_fast(sx, sy, lay, fast, out, top)
    screens = rule_screens(sx, sy, g if g > 1 else sub_block(lay.win))
    for sign, su, sv, screen in ((1, sx, sy, screens[0]), (-1, sy, sx, screens[1])):
        for a0 in range(0 if sign > 0 else 1, lag + 1, block):
            a1 = min(a0 + block, lag + 1)
            lags = lag + sign * np.arange(a0, a1)
            stop = lag + sign * a1 if lag + sign * a1 >= 0 else None
            dest = out[:, :, lag + sign * a0 : stop : sign]
            if engine == "numba" and g > 1:  # the screen compiled, cells straight out
                s_i, w_i, b_i = _wcc_screen.few_differ_cells(screen, a0, a1, lay, fast)
                redo.append((s_i, w_i, lags[b_i]))
                continue
            if engine == "numba":  # a unit of one sample: rows screened compiled
                rows = _wcc_screen.few_differ_rows(screen, a0, a1, lay)
                nan_where_few_differ(dest, su, sv, a0, rows, lay)
                continue
            maybe, block_top = fast_block(su, sv, a0, a1, lay, screen, buf, dest)
            np.fmax(top, block_top, out=top)
            if maybe is not None:
                s_i, w_i, b_i = np.nonzero(maybe & fast[:, :, None])
                redo.append((s_i, w_i, lags[b_i]))
    sel, wsel = np.nonzero(masked)
    if len(sel):
        masked_path = _wcc_masked.masked_cells if engine == "numba" else masked_cells
        out[sel, wsel], unsure = masked_path(sx, sy, lay, sel, wsel)
        i, k = np.nonzero(unsure)
        redo.append((sel[i], wsel[i], k))
    whole, near_one = _rounding(out, top, sx, sy, lay, fast)
    compiled = engine == "numba"
    if len(whole[0]):
        out[whole] = (_wcc_kernel.exact_windows(x, y, *whole, lay) if compiled
                      else exact_windows(x, y, *whole, sx, sy, lay))
    cells = _unique_cells(redo + near_one, out.shape)
    if len(cells[0]):
        out[cells] = (_wcc_kernel.exact_cells if compiled else exact_cells)(x, y, cells, lay)
    out[all_na] = np.nan
    return out


def block_size(n: int, most: int) -> int:
    """Offsets per block: ``n`` split into equal blocks of at most ``most`` (at least 1)."""
    n_blocks = -(-n // max(1, most))
    return -(-n // n_blocks)


def _rounding(out, top, sx, sy, lay, fast):
    """Fast-path windows whose rounding bound exceeds TOL, and cells near |r| = 1 where
    Fisher's z magnifies the error by 1 / (1 - r^2) (index tuples, one per chunk of the
    windows whose limit is below their series' largest |r|)."""
    worst = [at_starts(running_max(st.cond, lay.lag + 1), lay) for st in (sx, sy)]
    bound = rounding_factor(lay.win) * np.maximum(*worst)
    whole = fast & ~(bound < TOL)
    with np.errstate(divide="ignore"):
        limit = np.sqrt(np.clip(1 - bound / TOL, 0, 1))
    s_i, w_i = np.nonzero(fast & ~whole & (limit < top[:, None]))
    near_one = []
    chunk = max(1, CHUNK_ELEMENTS // lay.n_lags)
    for c0 in range(0, len(s_i), chunk):  # the windows that may hold such cells
        s, w = s_i[c0 : c0 + chunk], w_i[c0 : c0 + chunk]
        c, k = np.nonzero(np.abs(out[s, w]) > limit[s, w, None])
        near_one.append((s[c], w[c], k))
    return np.nonzero(whole), near_one


def _unique_cells(cells, shape):
    flat = [np.ravel_multi_index(c, shape) for c in cells]
    return np.unravel_index(np.unique(np.concatenate(flat)) if flat else np.zeros(0, int), shape)
