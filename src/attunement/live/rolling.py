"""Rolling windowed lagged cross-correlation, updated sample by sample.

The same windows and the same rules as :func:`attunement.wcc` (rMEA ``MEAccf`` semantics:
window ``i`` starts at sample ``round(i * step_s * sampling_rate)`` and spans ``window_s +
max_lag_s``; at lag ``k >= 0`` partner 1's first ``window_s`` pair with partner 2 ``k``
later; Pearson r over complete pairs; NaN where more than half of either series' span is
missing, where fewer than 2 complete pairs differ, or where a series is constant), computed
from running sums: each new sample adds the products of the pair that enters every lag's
window and subtracts the pair that leaves it, so an update costs one row of lags, never a
recomputation of the window. Partner 2 may also be read with fixed delays (``delays_s``):
each delayed copy is a causal stand-in for the offline circular-shift surrogates.

Each series is shifted by its first finite value before its sums are taken, which keeps the
running sums of squares free of cancellation when a signal sits far from zero.
"""

from __future__ import annotations

import numpy as np

from .._check import check_positive
from ..sync._wcc_sums import EPS, samples
from ..sync.lagged import transform


class RollingWCC:
    """Windowed lagged cross-correlation of one pair of channels, one sample at a time.

    Parameters
    ----------
    sampling_rate : float
        Samples per second of both partners' channel.
    window_s, max_lag_s, step_s : float
        As in :func:`attunement.wcc` (the defaults are the episode detector's: 4 s, 2 s,
        0.5 s, see :func:`attunement.episodes.synchrony_series`).
    delays_s : sequence of float
        Partner 2 is also read this many seconds late, one series per delay (default none).
    fisher_z : bool
        Fisher z capped at +-10 instead of r.

    Examples
    --------
    >>> from attunement import wcc
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.normal(size=(2, 300))
    >>> roll = RollingWCC(10, window_s=4, max_lag_s=2, step_s=0.5)
    >>> out = [roll.push(a, b) for a, b in zip(x, y)]
    >>> rows = np.array([o[1][0] for o in out if o is not None])
    >>> bool(np.allclose(rows, wcc(x, y, 10, window_s=4, max_lag_s=2, step_s=0.5).values,
    ...                  atol=1e-12))
    True
    """

    def __init__(self, sampling_rate: float, *, window_s: float = 4.0, max_lag_s: float = 2.0,
                 step_s: float = 0.5, delays_s=(), fisher_z: bool = False):
        fs = check_positive(sampling_rate, "sampling_rate")
        self.sampling_rate = fs
        self.win = samples(check_positive(window_s, "window_s") * fs)
        self.lag = samples(check_positive(max_lag_s, "max_lag_s", allow_zero=True) * fs)
        self.step_f = check_positive(step_s, "step_s") * fs
        if self.win < 2 or samples(self.step_f) < 1:
            raise ValueError(
                f"Invalid windows: window_s={window_s} s and step_s={step_s} s at {fs:g} Hz give "
                f"{self.win} and {samples(self.step_f)} samples; expected at least 2 and 1."
            )
        self.delays = np.r_[0, [samples(check_positive(d, "delays_s") * fs) for d in delays_s]]
        self.delays = self.delays.astype(np.int64)
        self.fisher_z = bool(fisher_z)
        self.lags = np.arange(-self.lag, self.lag + 1)
        self.lags_s = self.lags / fs
        self.span = self.win + self.lag
        self._pad = int(self.delays.max())
        n_series, n_lags = len(self.delays), len(self.lags)
        self._x = np.full(1024 + self._pad, np.nan)
        self._y = np.full(1024 + self._pad, np.nan)
        self._n = 0  # samples received
        self._ref = [np.nan, np.nan]
        shape = (7, n_series, n_lags)  # count, sum p, sum q, sum pp, sum qq, sum pq, differ
        self._sums = np.zeros(shape)
        self._miss_x = 0
        self._miss_y = np.zeros(n_series, dtype=np.int64)
        self._next = 0  # index of the next window on the step grid
        self._pos = self.lags >= 0
        self._abs = np.abs(self.lags)

    @property
    def n_series(self) -> int:
        """1 + the number of delayed copies of partner 2."""
        return len(self.delays)

    def push(self, x: float, y: float):
        """Add one sample of each partner (NaN: missing).

        Returns
        -------
        None, or (start_s, values)
            When a window on the step grid is complete: its start time (s, from the first
            sample) and its values, shape ``(n_series, n_lags)``.
        """
        t = self._n
        self._store(t, float(x), float(y))
        self._n = t + 1
        s = t + 1 - self.span  # start of the span that ends with this sample
        if s < 0:
            return None
        if s == 0:  # the first span: every pair and sample in it
            for m in range(self.win):
                self._add(m, +1.0)
            for i in range(self.span):
                self._count_missing(i, +1)
        else:
            self._add(s + self.win - 1, +1.0)
            self._add(s - 1, -1.0)
            self._count_missing(t, +1)
            self._count_missing(s - 1, -1)
        if s != samples(self._next * self.step_f):
            return None
        self._next += 1
        return s / self.sampling_rate, self._values()

    def _store(self, t: int, x: float, y: float) -> None:
        i = t + self._pad
        if i >= len(self._x):
            self._x = np.r_[self._x, np.full(len(self._x), np.nan)]
            self._y = np.r_[self._y, np.full(len(self._y), np.nan)]
        for k, v in ((0, x), (1, y)):
            if np.isnan(self._ref[k]) and np.isfinite(v):
                self._ref[k] = v
        self._x[i], self._y[i] = x, y

    def _y_at(self, index) -> np.ndarray:
        """Partner 2 as each series reads it: y[index - delay] (NaN before the start)."""
        return self._y[self._pad + index - self.delays[:, None]]

    def _pairs(self, m: int):
        """The pair at position ``m`` of every (series, lag): p = first, q = second."""
        x = self._x[self._pad + m + np.where(self._pos, 0, self._abs)]
        y = self._y_at(m + np.where(self._pos, self._abs, 0))
        p = np.where(self._pos, x, y)
        q = np.where(self._pos, y, x)
        return p, q

    def _add(self, m: int, sign: float) -> None:
        p, q = self._pairs(m)
        ok = np.isfinite(p) & np.isfinite(q)
        pc = np.where(ok, p - np.where(self._pos, self._ref[0], self._ref[1]), 0.0)
        qc = np.where(ok, q - np.where(self._pos, self._ref[1], self._ref[0]), 0.0)
        self._sums += sign * np.stack([ok, pc, qc, pc * pc, qc * qc, pc * qc, ok & (p != q)])

    def _count_missing(self, i: int, sign: int) -> None:
        self._miss_x += sign * int(np.isnan(self._x[self._pad + i]))
        self._miss_y += sign * np.isnan(self._y_at(np.array([i]))[:, 0]).astype(np.int64)

    def _values(self) -> np.ndarray:
        n, sp, sq, spp, sqq, spq, differ = self._sums
        n = np.round(n)
        with np.errstate(invalid="ignore", divide="ignore"):
            vp = spp - sp * sp / n
            vq = sqq - sq * sq / n
            r = (spq - sp * sq / n) / np.sqrt(vp * vq)
        # a constant series leaves only rounding in its centred sum of squares
        tiny = 64 * EPS * np.maximum(n, 1)
        bad = (n < 2) | (np.round(differ) < 2) | (vp <= tiny * spp) | (vq <= tiny * sqq)
        r = np.clip(r, -1.0, 1.0)
        r[bad] = np.nan
        r[np.maximum(self._miss_x, self._miss_y) > self.span / 2] = np.nan
        return transform(r, self.fisher_z, False)
