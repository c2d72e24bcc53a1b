"""Layout, window sums, gathers and per-series statistics for the windowed lagged
cross-correlation (see ``_wcc_core`` for the algorithm)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import _wcc_window_stats
from .window import samples

EPS = float(np.finfo(float).eps)
#: Largest accepted bound on the rounding error of one r; cells above it are recomputed.
TOL = 1e-10
#: Elements per block of lagged products of the masked path (2 MB of float64).
BLOCK_ELEMENTS = 1 << 18
#: Elements per chunk of the two-pass path.
CHUNK_ELEMENTS = 1 << 20
#: Cells per chunk of windows on the unit-step scan (512 kB of float64, cache-resident).
CHUNK_CELLS = 1 << 16
#: Longest block scanned position by position (longer blocks use np.cumsum).
SCAN_MAX = 64
#: Longest sub-block of the unit-step scan (:func:`scan_sums`).
SUB_BLOCK = 30
#: Elements per block of lagged products on the unit-step scan (4 MB of float64).
SCAN_ELEMENTS = 1 << 19


@dataclass(frozen=True)
class Layout:
    """Windows in samples: length ``win``, maximum lag ``lag``, ``starts``, the regular
    ``step`` (0 when starts are irregular) and the ``unit`` every start and end is a
    multiple of."""

    n: int
    win: int
    lag: int
    starts: np.ndarray
    step: int
    unit: int

    @property
    def n_windows(self) -> int:
        return len(self.starts)

    @property
    def n_lags(self) -> int:
        return 2 * self.lag + 1


def make_layout(
    n: int, sampling_rate: float, window_s: float, max_lag_s: float, step_s: float
) -> Layout:
    """rMEA's window layout, generalised to fractional sample counts (nearest sample).

    Window i starts at sample ``round(i * step_s * sampling_rate)``, so start times stay on
    the step grid without drift; there are as many windows as fit ``window + lag`` samples.
    """
    win, lag = samples(window_s * sampling_rate), samples(max_lag_s * sampling_rate)
    step_f = step_s * sampling_rate
    for name, value, got, low in (
        ("window_s", window_s, win, 2),
        ("step_s", step_s, samples(step_f), 1),
    ):
        if got < low:
            raise ValueError(
                f"Invalid value for {name!r}: {value} s is {got} sample(s) at "
                f"{sampling_rate:g} Hz; expected at least {low}."
            )
    room = n - win - lag
    if room < 0:
        raise ValueError(
            f"Invalid windows: window_s + max_lag_s = {window_s} + {max_lag_s} s needs "
            f"{win + lag} samples, but the recording has {n} ({n / sampling_rate:g} s)."
        )
    step = samples(step_f)
    if abs(step_f - step) < 1e-9 * max(1.0, step_f):
        starts = np.arange(room // step + 1, dtype=np.int64) * step
        return Layout(n, win, lag, starts, step, math.gcd(win, step))
    i = np.arange(int(room / step_f) + 2)
    starts = np.floor(i * step_f + 0.5 + 1e-9).astype(np.int64)
    return Layout(n, win, lag, np.unique(starts[starts <= room]), 0, 1)


# ------------------------------------------------------------------ window sums
def window_sums(values: np.ndarray, length: int) -> np.ndarray:
    """Sums over every run of ``length`` consecutive elements along the last axis.

    The axis is cut into blocks of ``length``; a run starting in block b is the suffix sum
    of block b from its start plus the prefix sum of block b + 1 up to its end, so every
    chain of additions stays inside the run and rounding scales with the run's own size.
    """
    return run_sums(values[..., None], length)[..., 0]


def run_sums(values: np.ndarray, length: int) -> np.ndarray:
    """:func:`window_sums` of the rows of ``values`` (*lead, m, width): (*lead, m - length +
    1, width)."""
    *lead, m, width = values.shape
    blocks = zero_blocks((*lead,), m, length, width)
    as_series(blocks)[..., :m, :] = values
    return block_sums(blocks, m)


def zero_blocks(lead: tuple, m: int, length: int, width: int) -> np.ndarray:
    """Zeros (*lead, m // length + 1, length, width): ``m`` rows of ``width`` in blocks."""
    return np.zeros((*lead, m // length + 1, length, width))


def as_series(blocks: np.ndarray) -> np.ndarray:
    """The rows of ``blocks`` in series order: (*lead, n_blocks * length, width), a view."""
    *lead, n_blocks, length, width = blocks.shape
    return blocks.reshape(*lead, n_blocks * length, width)


def block_sums(blocks: np.ndarray, m: int) -> np.ndarray:
    """Sums of every run of ``length`` rows among the first ``m`` rows held in ``blocks``
    (*lead, n_blocks, length, width) -> (*lead, m - length + 1, width).

    Short blocks are scanned position by position with vector additions across blocks and
    width (``np.cumsum`` is latency-bound on short rows); long ones use ``np.cumsum``.
    """
    *lead, n_blocks, length, width = blocks.shape
    out = np.empty((*lead, n_blocks - 1, length, width))
    if length <= SCAN_MAX and blocks[..., 0, :].size >= 64:
        out[..., -1, :] = blocks[..., :-1, -1, :]
        for j in range(length - 2, -1, -1):
            np.add(out[..., j + 1, :], blocks[..., :-1, j, :], out=out[..., j, :])
        head = np.zeros_like(out[..., 0, :])
        for j in range(1, length):
            head += blocks[..., 1:, j - 1, :]
            out[..., j, :] += head
    else:
        np.cumsum(blocks[..., :-1, ::-1, :], axis=-2, out=out[..., ::-1, :])
        out[..., 1:, :] += np.cumsum(blocks[..., 1:, :-1, :], axis=-2)
    return as_series(out)[..., : m - length + 1, :]


def sub_block(win: int) -> int:
    """Sub-block length for :func:`scan_sums`: the largest divisor of ``win`` from half of
    ``min(SUB_BLOCK, sqrt(win))`` up to it, else that bound itself (at least 1)."""
    top = max(1, min(SUB_BLOCK, math.isqrt(win)))
    return next((d for d in range(top, (top - 1) // 2, -1) if win % d == 0), top)


def scan_sums(z: np.ndarray, scratch: np.ndarray, win: int) -> np.ndarray:
    """Sums over every run of ``win`` samples of the products ``z`` (*lead, m, n_sub,
    width), sample ``t = s * m + i`` held at ``z[..., i, s, :]`` and zero past the data: the
    sum of the run from t at the same place (``z`` overwritten; ``scratch``: an array like
    ``z``). Runs that end past the data hold garbage.

    A run from ``t = s * m + i`` is the suffix of sub-block s from i, the totals of the
    ``q - 1`` sub-blocks that follow (``q = win // m``; one more when ``i >= m - win % m``)
    and the prefix of the sub-block it ends in. Prefixes and suffixes are scanned position
    by position, each step one vector addition across sub-blocks and width, and every chain
    of additions stays inside the run.
    """
    *lead, m, n_sub, width = z.shape
    q, rest = divmod(win, m)
    prefix = scratch  # sums within each sub-block up to, not including, each position
    prefix[..., 0, :, :] = 0.0
    for i in range(1, m):
        np.add(prefix[..., i - 1, :, :], z[..., i - 1, :, :], out=prefix[..., i, :, :])
    totals = np.zeros((*lead, n_sub + q, width))
    np.add(prefix[..., -1, :, :], z[..., -1, :, :], out=totals[..., :n_sub, :])
    if q > 1:
        z[..., -1, :, :] += run_sums(totals[..., 1:, :], q - 1)[..., :n_sub, :]
    for i in range(m - 2, -1, -1):  # suffix sums, whole sub-blocks included
        z[..., i, :, :] += z[..., i + 1, :, :]
    if rest:  # runs from i >= m - rest end in sub-block s + q + 1
        z[..., m - rest :, :, :] += totals[..., None, q : q + n_sub, :]
        z[..., m - rest :, : n_sub - q - 1, :] += prefix[..., :rest, q + 1 :, :]
    z[..., : m - rest, : n_sub - q, :] += prefix[..., rest:, q:, :]
    return z


def window_counts(flags: np.ndarray, length: int) -> np.ndarray:
    """Exact counts of ``flags`` over every run of ``length`` along the last axis."""
    c = np.zeros((*flags.shape[:-1], flags.shape[-1] + 1), dtype=np.int32)
    np.cumsum(flags, axis=-1, dtype=np.int32, out=c[..., 1:])
    return c[..., length:] - c[..., :-length]


# ------------------------------------------------------------------ gathers
def at_starts(arr: np.ndarray, lay: Layout, unit: int = 1, axis: int = -1) -> np.ndarray:
    """``arr[starts // unit]`` along ``axis`` (a strided view for regular layouts)."""
    index = [slice(None)] * arr.ndim
    if lay.step:
        step = lay.step // unit
        index[axis] = slice(0, (lay.n_windows - 1) * step + 1, step)
    else:
        index[axis] = lay.starts // unit
    return arr[tuple(index)]


def at_offsets(arr: np.ndarray, a0: int, a1: int, lay: Layout,
               w: slice = slice(None)) -> np.ndarray:
    """``arr[:, starts[w] + a]`` for ``a0 <= a < a1``: shape (S, n_windows[w], a1 - a0)."""
    if lay.step:
        arr = np.ascontiguousarray(arr)
        s0, s1 = arr.strides
        shape = (arr.shape[0], lay.n_windows, a1 - a0)
        return as_strided(arr[:, a0:], shape, (s0, s1 * lay.step, s1), writeable=False)[:, w]
    return arr[:, lay.starts[w, None] + np.arange(a0, a1)[None, :]]


# ------------------------------------------------------------------ per-series statistics
@dataclass
class SeriesStats:
    """Statistics of a batch of series (S, n) for the window at every position p (the
    ``win`` samples from p), on the series standardised and shifted by :func:`centring`."""

    centred: np.ndarray  # standardised series, 0 where missing
    raw0: np.ndarray  # raw series, 0 where missing
    ok: np.ndarray  # not missing
    const: np.ndarray  # window holds a single value
    total: np.ndarray  # window sum of `centred`
    mean: np.ndarray  # window mean of `centred`
    inv_sd: np.ndarray  # 1 / sqrt(sum of squares about the mean); NaN when constant
    cond: np.ndarray  # rounding growth: sum of squares about 0 / about the mean

    def split(self, n: int) -> tuple[SeriesStats, SeriesStats]:
        """The first ``n`` rows and the rest, as two SeriesStats."""
        fields = vars(self).items()
        return (SeriesStats(**{k: v[:n] for k, v in fields}),
                SeriesStats(**{k: v[n:] for k, v in fields}))


def series_stats(x: np.ndarray, win: int, compiled: bool = False) -> SeriesStats:
    """Window sums, inverse root sums of squares and rounding growth of each row of ``x``
    (``compiled``: the window statistics by ``_wcc_window_stats``, numba)."""
    ok = ~np.isnan(x)
    raw0 = np.where(ok, x, 0.0)
    centred = centring(raw0, ok, win, compiled)
    if compiled:
        return SeriesStats(centred, raw0, ok, *_wcc_window_stats.window_stats(centred, x, win))
    const = window_counts(x[:, 1:] != x[:, :-1], win - 1) == 0
    sums = window_sums(np.stack([centred, centred * centred]), win)
    total, mean = sums[0], sums[0] / win
    ss = sums[1] - total * mean
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_sd = 1.0 / np.sqrt(ss)
        cond = sums[1] / ss
    cond[~(ss > 0)] = np.inf  # cancellation ate the variance: recompute exactly
    inv_sd[~(ss > 0) | const] = np.nan
    cond[const] = 1.0  # a single value: NaN, nothing to recompute
    return SeriesStats(centred, raw0, ok, const, total, mean, inv_sd, cond)


def centring(raw0: np.ndarray, ok: np.ndarray, win: int, compiled: bool = False
              ) -> np.ndarray:
    """Each row standardised, minus the level most windows' means lie near in units of their
    own SD (so quiet stretches, whose rounding growth ``1 + mean^2 / var`` would otherwise
    explode, sit near 0). Window statistics are estimated on half-overlapping chunks
    (``compiled``: the level found by ``_wcc_window_stats``, numba)."""
    count = np.maximum(ok.sum(-1, keepdims=True), 1)
    mu = raw0.sum(-1, keepdims=True) / count
    sd = np.sqrt((np.where(ok, raw0 - mu, 0.0) ** 2).sum(-1, keepdims=True) / count)
    sd[~(sd > 0)] = 1.0
    z = np.where(ok, (raw0 - mu) / sd, 0.0)
    n_chunks = z.shape[-1] // win
    if n_chunks < 2:
        return z
    half = win // 2
    chunks = np.concatenate(
        [z[:, : n_chunks * win].reshape(len(z), n_chunks, win),
         z[:, half : half + (n_chunks - 1) * win].reshape(len(z), n_chunks - 1, win)], axis=1)
    m, var = chunks.mean(-1), chunks.var(-1)
    reach = math.sqrt(TOL / rounding_factor(win)) / 4
    if compiled:  # the rest in _wcc_window_stats, the same operations
        return _wcc_window_stats.shift_to_level(z, ok, m, var, reach)
    with np.errstate(invalid="ignore"):
        radius = reach * np.sqrt(np.where(var > 0, var, np.nan))
    edges = np.concatenate([m - radius, m + radius], axis=-1)
    step = np.concatenate([np.ones_like(m), -np.ones_like(m)], axis=-1)
    step[np.isnan(edges)] = 0
    edges[np.isnan(edges)] = np.inf
    order = np.lexsort((-step, edges), axis=-1)
    edges = np.take_along_axis(edges, order, -1)
    cover = np.cumsum(np.take_along_axis(step, order, -1), axis=-1)
    rows = np.arange(len(z))
    best = cover.argmax(-1)
    level = (edges[rows, best] + edges[rows, np.minimum(best + 1, edges.shape[-1] - 1)]) / 2
    at_zero = (np.abs(m) <= radius).sum(-1)
    level[(at_zero >= cover[rows, best]) | ~np.isfinite(level)] = 0.0
    return np.where(ok, z - level[:, None], 0.0)


def rounding_factor(win: int) -> float:
    """Bound on the rounding error of r per unit of rounding growth: chains of up to
    ``win`` additions (random-walk growth), 2 for the two series, a margin of 4."""
    return 8.0 * EPS * math.sqrt(win)


def running_max(a: np.ndarray, k: int) -> np.ndarray:
    """Max of every run of ``k`` along the last axis, by doubling (O(n log k))."""
    out, span = a, 1
    while 2 * span <= k:
        out = np.maximum(out[..., :-span], out[..., span:])
        span *= 2
    n = a.shape[-1] - k + 1
    return np.maximum(out[..., :n], out[..., k - span : k - span + n])
