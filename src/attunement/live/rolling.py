"""Rolling windowed lagged cross-correlation, updated sample by sample.

The same windows and the same rules as :func:`attunement.wcc` (rMEA ``MEAccf`` semantics:
window ``i`` starts at sample ``round(i * step_s * sampling_rate)`` and spans ``window_s +
max_lag_s``; at lag ``k >= 0`` partner 1's first ``window_s`` pair with partner 2 ``k``
later; Pearson r over complete pairs; NaN where more than half of either series' span is
missing, where fewer than 2 complete pairs differ, or where a series is constant), computed
from running sums: when a window on the step grid completes, the products of the pairs that
entered every lag's window since the last one are added and those of the pairs that left are
subtracted (one step of samples against sliding views of the partner, as matrix products),
so an update costs one step's pairs, never a recomputation of the window; the sums of a block
that entered are kept until it leaves (when the window is a whole number of steps), so each
block's pairs are summed once. Partner 2 may also
be read with fixed delays (``delays_s``): each delayed copy is a causal stand-in for the
offline circular-shift surrogates.

Each series is shifted by its first finite value before its sums are taken, which keeps the
running sums of squares free of cancellation when a signal sits far from zero.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._check import check_positive
from ..lagcorr.lagged import transform
from ..lagcorr.window import samples

_EPS = float(np.finfo(float).eps)


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
        self._prev = None  # start of the last window on the grid
        self._entered: dict = {}  # (m0, m1) -> the sums of a block in the window, to subtract
        self._next = 0  # index of the next window on the step grid
        self._pos = self.lags >= 0
        self._abs = np.abs(self.lags)
        # load the compiled transform now, not at the first window: its first call imports
        # and compiles (seconds), which stalled a live run and overflowed the inlets
        transform(np.zeros((1, n_lags)), self.fisher_z, False)

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
        if s != samples(self._next * self.step_f):
            return None
        self._next += 1
        # the window at s from the one before: add the pairs that entered, drop those that left
        prev = self._prev
        if prev is None:
            self._enter_window(0)
        else:
            block = self._block(prev + self.win, s + self.win)
            self._sums += block
            self._entered[(prev + self.win, s + self.win)] = block
            left = self._entered.pop((prev, s), None)
            self._sums -= self._block(prev, s) if left is None else left
            for key in [k for k in self._entered if k[0] < s]:  # off the step grid
                del self._entered[key]
        self._prev = s
        return s / self.sampling_rate, self._values(s)

    def rewrite(self, x, y, delays_s=None) -> None:
        """Replace every sample received so far (``x``, ``y``: as many as were pushed) and,
        optionally, the delays (as many as before); the current window's sums are taken
        again from them, so later windows are as if these samples had been pushed.

        What the live score calls when it fits its pre-whitening model again: the samples
        so far, whitened by the new model, as offline.
        """
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        if x.shape != (self._n,) or y.shape != (self._n,):
            raise ValueError(
                f"Invalid input: expected {self._n} samples of each partner (as pushed), got "
                f"{x.shape} and {y.shape}."
            )
        if delays_s is not None:
            delays = np.r_[0, [samples(check_positive(d, "delays_s") * self.sampling_rate)
                               for d in delays_s]].astype(np.int64)
            if delays.shape != self.delays.shape:
                raise ValueError(
                    f"Invalid value for 'delays_s': expected {len(self.delays) - 1} delays "
                    f"(as before), got {len(delays) - 1}."
                )
            self.delays = delays
        self._pad = int(self.delays.max())
        size = max(1024, 2 * self._n) + self._pad
        self._x, self._y = np.full(size, np.nan), np.full(size, np.nan)
        self._x[self._pad: self._pad + self._n] = x
        self._y[self._pad: self._pad + self._n] = y
        finite = [v[np.isfinite(v)] for v in (x, y)]
        self._ref = [f[0] if f.size else np.nan for f in finite]
        self._sums = np.zeros_like(self._sums)
        self._entered.clear()
        if self._prev is not None:
            self._enter_window(self._prev)

    def _enter_window(self, s: int) -> None:
        """Add the window at ``s`` block by block, cut where later windows start (each block
        kept until it leaves; one block of the whole window stalled a live run 0.9-2 s at
        250 Hz with 19 delays, in its temporaries)."""
        edges, i = [s], self._next
        while (g := samples(i * self.step_f)) < s + self.win:
            edges.append(g)
            i += 1
        edges.append(s + self.win)
        for m0, m1 in zip(edges[:-1], edges[1:]):
            block = self._block(m0, m1)
            self._sums += block
            self._entered[(m0, m1)] = block

    def _store(self, t: int, x: float, y: float) -> None:
        i = t + self._pad
        if i >= len(self._x):
            self._x = np.r_[self._x, np.full(len(self._x), np.nan)]
            self._y = np.r_[self._y, np.full(len(self._y), np.nan)]
        for k, v in ((0, x), (1, y)):
            if np.isnan(self._ref[k]) and np.isfinite(v):
                self._ref[k] = v
        self._x[i], self._y[i] = x, y

    def _block(self, m0: int, m1: int) -> np.ndarray:
        """Sums over pair positions ``m0 <= m < m1`` for every (series, lag): (7, series,
        lags), as products of the block with sliding views of the partner (BLAS)."""
        out = np.zeros_like(self._sums)
        if m1 <= m0:
            return out
        L, pad = self.lag, self._pad
        x = self._x[pad + m0: pad + m1 + L]
        rows = pad + m0 - self.delays[:, None] + np.arange(m1 - m0 + L)
        y = self._y[rows]  # (series, block + lag): partner 2 as each series reads it
        nb = m1 - m0
        # lags >= 0: p = x[m], q = y_j[m + a];  lags < 0: p = y_j[m], q = x[m + |a|]
        pos = self._sums_of(x[None, :nb], y, self._ref[0], self._ref[1])
        neg = self._sums_of(y[:, :nb], np.broadcast_to(x, y.shape), self._ref[1], self._ref[0])
        out[:, :, L:] = pos
        out[:, :, :L] = neg[:, :, 1:][:, :, ::-1]
        return out

    def _sums_of(self, p, q, ref_p, ref_q) -> np.ndarray:
        """Sums over the block of p[m] with q[m + k], k = 0..lag: (7, series, lag + 1)."""
        nb = p.shape[-1]
        ok_p = np.isfinite(p)
        pc = np.where(ok_p, p - ref_p, 0.0)
        a = np.stack([ok_p.astype(float), pc, pc * pc], axis=-2)  # (.., 3, block)
        a = np.broadcast_to(a, (q.shape[0], 3, nb))
        ok_q = np.isfinite(q)
        qc = np.where(ok_q, q - ref_q, 0.0)
        view = lambda v: sliding_window_view(v, self.lag + 1, axis=-1)[:, :nb]  # noqa: E731
        equal = (np.broadcast_to(p, (q.shape[0], nb))[:, :, None] == view(q)).sum(axis=1)
        if ok_p.all() and ok_q.all():
            # no missing sample: every pair is complete, so only sum pq needs the pairs; the
            # other sums are the block's own, or running sums of the partner over each lag
            shape = (q.shape[0], self.lag + 1)
            def run(v):  # sum of v[m + k] over the block, for every lag k
                c = np.cumsum(np.pad(v, ((0, 0), (1, 0))), axis=-1)
                return c[:, nb:] - c[:, : self.lag + 1]

            pc_b = np.broadcast_to(pc, (q.shape[0], nb))
            spq = (pc_b[:, None, :] @ view(qc))[:, 0]
            count = np.full(shape, float(nb))
            return np.stack([count, np.broadcast_to(pc_b.sum(-1)[:, None], shape), run(qc),
                             np.broadcast_to((pc_b * pc_b).sum(-1)[:, None], shape),
                             run(qc * qc), spq, count - equal])
        ok_v, q_v = view(ok_q.astype(float)), view(qc)
        with_ok = a @ ok_v  # count, sum p, sum pp over complete pairs
        with_q = a[:, :2] @ q_v  # sum q, sum pq
        sqq = a[:, 0][:, None, :] @ view(qc * qc)
        return np.stack([with_ok[:, 0], with_ok[:, 1], with_q[:, 0], with_ok[:, 2],
                         sqq[:, 0], with_q[:, 1], with_ok[:, 0] - equal])

    def _y_at(self, index) -> np.ndarray:
        """Partner 2 as each series reads it: y[index - delay] (NaN before the start)."""
        return self._y[self._pad + index - self.delays[:, None]]

    def _values(self, s: int) -> np.ndarray:
        n, sp, sq, spp, sqq, spq, differ = self._sums
        n = np.round(n)
        with np.errstate(invalid="ignore", divide="ignore"):
            vp = spp - sp * sp / n
            vq = sqq - sq * sq / n
            r = (spq - sp * sq / n) / np.sqrt(vp * vq)
        # a constant series leaves only rounding in its centred sum of squares
        tiny = 64 * _EPS * np.maximum(n, 1)
        bad = (n < 2) | (np.round(differ) < 2) | (vp <= tiny * spp) | (vq <= tiny * sqq)
        r = np.clip(r, -1.0, 1.0)
        r[bad] = np.nan
        span = np.arange(s, s + self.span)
        miss_x = np.isnan(self._x[self._pad + span]).sum()
        miss_y = np.isnan(self._y_at(span)).sum(axis=1)
        r[np.maximum(miss_x, miss_y) > self.span / 2] = np.nan
        return transform(r, self.fisher_z, False)
