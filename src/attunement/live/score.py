"""The episode detector's synchrony score, run forward: computed causally as samples arrive.

Offline, :func:`attunement.episodes.synchrony_series` pre-whitens each partner with an AR
model of the whole session, scores each window's lag-weighted Fisher z against circular-shift
surrogates (shifts of at least ``min(30 s, a quarter of the session)``) and weights lags by the
session's mean profile. Live, the same statistic on the session so far, so that the live score
converges to the offline one as the session grows:

- the AR model is fitted (Yule-Walker, as offline) on the first ``calibration_s`` seconds, and
  fitted again on every sample so far each time the session has doubled (20, 40, 80 s ...,
  last at ``last_refit_s``, 10 min); a refit runs in a worker thread, off the update path,
  and is swapped in ``refit_lag_s`` (2 s) of samples after it started, whatever the machine's
  speed, so the same samples give the same scores: the samples up to the refit's start are
  whitened as offline's pre-whitening of them, the few after it with the same model, and the
  current window is summed again from them;
- the surrogates are partner 2 read late (a shift against partner 1 that needs no future),
  from :class:`~attunement.live.rolling.RollingWCC`; at each fit the delays are spread over
  the distances the offline shifts of a session of that length would take, ``[lo, T - lo]``
  with ``lo`` = a quarter of the time so far, at least ``first_shift_s`` and at most
  ``min_shift_s`` (30 s, as offline), as far as the past already holds them;
- the lag weights and the pooled surrogate SD use the windows seen so far.

What live cannot know: the windows already reported keep the score they had (an early window
is scored with a 10 s model, few windows' weights and near delays), and the offline
session-level gate (the session's mean synchrony against its surrogates, which needs the
whole session; live has a gate calibrated on pseudo-dyads instead,
:data:`~attunement.live.state.GATE`). Measured on the 20 rMEA intakes (whole 10 min
sessions): the live score follows the offline one at median r = 0.70 (0.54-0.83), 0.83 over
the second half of each session; on their first 5 min 0.68, against 0.51 with one 10 s fit
and delays of 10-20 s (benchmarks/README.md).
"""

from __future__ import annotations

import math
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np

from .._check import check_positive
from ..episodes.synchrony import ar_residuals, fit_ar
from .rolling import RollingWCC

# refits of every live channel: two at a time (a stream's channels double together)
_WORKERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="attunement-refit")


def _fit(raw: np.ndarray, order: int) -> tuple[list, list]:
    """Per partner, the AR model of ``raw`` (samples, 2) and its residuals (a worker's job)."""
    model = [fit_ar(raw[:, k], order) for k in (0, 1)]
    return model, [ar_residuals(raw[:, k], model[k], order) for k in (0, 1)]


class OnlineScore:
    """Synchrony score of one channel (surrogate SDs above chance), one sample at a time.

    Parameters
    ----------
    sampling_rate : float
        Samples per second of the channel.
    window_s, max_lag_s, step_s, prewhiten_s, n_gate_surrogates
        As in :func:`attunement.episodes.synchrony_series` (4 s, 2 s, 0.5 s, 1 s, 19).
    min_shift_s : float
        Largest smallest delay (30 s, as offline's ``min_shift_s``).
    first_shift_s : float
        Smallest delay early in a session, while a quarter of it is shorter (10 s, choice:
        beyond the window and its lags); the first delays, used until the first refit, are
        spread over ``[first_shift_s, 2 * first_shift_s)``.
    calibration_s : float
        Seconds used for the first fit of the pre-whitening AR model (10 s, choice).
    refit_factor : float or None
        The model is fitted again whenever the session has grown by this factor since the
        last fit (2, choice: a fit costs a pass over the session so far, so doubling keeps
        the total cost linear and the fits few; None: never, one 10 s fit and fixed delays).
    refit_lag_s : float
        A refit runs in a worker thread and its model is used from this many seconds of
        samples after its start on (2 s, choice: a refit of 10 min at 250 Hz took 0.04-0.23 s,
        up to 2.3 s at low priority on a loaded machine; if it is not done then, the update
        waits for it).
    last_refit_s : float or None
        No refit starts after this much session; the last one starts there (600 s, choice:
        bounds a refit's cost, and the model then describes 10 min; None: no bound).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=900)
    >>> b = np.r_[np.zeros(10), a[:-10]] + rng.normal(size=900)  # follows 1 s later
    >>> live = OnlineScore(10)
    >>> rows = [r for x, y in zip(a, b) for r in live.push(x, y)]
    >>> len(rows), bool(np.nanmean([r[1] for r in rows[-60:]]) > 2)
    (169, True)
    """

    def __init__(self, sampling_rate: float, *, window_s: float = 4.0, max_lag_s: float = 2.0,
                 step_s: float = 0.5, prewhiten_s: float | None = 1.0, n_gate_surrogates: int = 19,
                 min_shift_s: float = 30.0, first_shift_s: float = 10.0,
                 calibration_s: float = 10.0, refit_factor: float | None = 2.0,
                 refit_lag_s: float = 2.0, last_refit_s: float | None = 600.0):
        fs = check_positive(sampling_rate, "sampling_rate")
        if int(n_gate_surrogates) < 2:
            raise ValueError(
                "Invalid value for 'n_gate_surrogates': expected an integer >= 2, got "
                f"{n_gate_surrogates!r}."
            )
        self.fs = fs
        self.n_null = int(n_gate_surrogates)
        self.min_shift_s = check_positive(min_shift_s, "min_shift_s")
        self.first_shift_s = min(check_positive(first_shift_s, "first_shift_s"), self.min_shift_s)
        self.roll = RollingWCC(fs, window_s=window_s, max_lag_s=max_lag_s, step_s=step_s,
                               delays_s=self.delays_at(0.0), fisher_z=True)
        self.centre_s = (window_s + max_lag_s) / 2
        self.order = 0 if prewhiten_s is None else max(
            1, int(round(check_positive(prewhiten_s, "prewhiten_s") * fs)))
        self.n_calibration = max(int(round(check_positive(calibration_s, "calibration_s") * fs)),
                                 3 * self.order)
        if refit_factor is not None and not float(refit_factor) > 1:
            raise ValueError(f"Invalid value for 'refit_factor': expected a number > 1 or None, "
                             f"got {refit_factor!r}.")
        self.refit_factor = None if refit_factor is None else float(refit_factor)
        self.refit_lag = max(1, int(round(check_positive(refit_lag_s, "refit_lag_s") * fs)))
        self.last_refit = math.inf if last_refit_s is None else int(round(
            check_positive(last_refit_s, "last_refit_s") * fs))
        self._next_refit = math.inf
        self._refit: tuple[int, Future] | None = None  # (start, the worker's fit)
        self._raw = np.full((1024, 2), np.nan)
        self._n = 0
        self._ar = None  # per partner: (mean, coefficients)
        self._past: deque = deque(maxlen=self.order + 1)
        n_series, n_lags = self.roll.n_series, len(self.roll.lags)
        self._z_sum = np.zeros((n_series, n_lags))
        self._z_count = np.zeros((n_series, n_lags))
        # at least half the surrogates finite: offline scores a window on whichever shifts are
        # finite; requiring all of them left 83 % of one rMEA intake (206_01) unscored live
        # (19 % offline): a delay that reads a stretch of missing data drops out
        self.min_null = max(2, math.ceil(self.n_null / 2))
        self._var_sum = 0.0
        self._var_count = 0

    def delays_at(self, elapsed_s: float) -> np.ndarray:
        """The surrogate delays (s) used from ``elapsed_s`` on: evenly spread over
        ``[lo, hi)``, ``lo`` = a quarter of the elapsed time within ``[first_shift_s,
        min_shift_s]`` and ``hi`` = the elapsed time less ``lo`` (at least ``2 lo``), as offline
        shifts a session of that length by ``[min(min_shift_s, n / 4), n - that]``."""
        lo = min(max(elapsed_s / 4, self.first_shift_s), self.min_shift_s)
        hi = max(elapsed_s - lo, 2 * lo)
        return lo + (hi - lo) * np.arange(self.n_null) / self.n_null

    def push(self, x: float, y: float) -> list[tuple[float, float, np.ndarray]]:
        """Add one sample per partner; return the windows it completes.

        Returns
        -------
        list of (time_s, score, lag_z)
            Window centre (s from the first sample, as offline), score, and the real pair's
            Fisher z per lag. Empty while calibrating; then all windows up to now.
        """
        if self._n == len(self._raw):
            self._raw = np.r_[self._raw, np.full_like(self._raw, np.nan)]
        self._raw[self._n] = (float(x), float(y))
        self._n += 1
        if self._ar is not None:
            out = self._feed(float(x), float(y))
            if self._refit is not None:
                if self._n >= self._refit[0] + self.refit_lag:
                    self._swap()
            elif self._n >= self._next_refit:
                self._start_refit()
            return out
        if self._n < self.n_calibration:
            return []
        raw = self._raw[: self._n]
        self._ar = [fit_ar(raw[:, k], self.order) for k in (0, 1)]
        self._plan_refit()
        return [w for a, b in raw for w in self._feed(a, b)]

    def _plan_refit(self) -> None:
        if self.refit_factor is None or self._n >= self.last_refit:
            self._next_refit = math.inf
        else:
            self._next_refit = min(self._n * self.refit_factor, self.last_refit)

    def _start_refit(self) -> None:
        """Fit the AR model again on every sample so far, in a worker thread (the rows read
        are never written again: later samples go after them or into a new array)."""
        self._refit = (self._n, _WORKERS.submit(_fit, self._raw[: self._n], self.order))
        self._plan_refit()

    def _swap(self) -> None:
        """Use the refitted model: the samples up to the refit's start whitened by it
        (offline's pre-whitening of them), those since with the same model, the delays spread
        over the time the model describes."""
        start, future = self._refit
        self._refit = None
        self._ar, white = future.result()
        tail = self._raw[start - self.order: self._n]
        white = [np.r_[white[k], ar_residuals(tail[:, k], self._ar[k], self.order)[self.order:]]
                 for k in (0, 1)]
        self.roll.rewrite(*white, delays_s=self.delays_at(start / self.fs))

    def _feed(self, x: float, y: float) -> list:
        self._past.append((x, y))
        out = self.roll.push(self._whiten(0), self._whiten(1))
        if out is None:
            return []
        start, z = out
        return [(start + self.centre_s, self._score(z), z[0])]

    def _whiten(self, k: int) -> float:
        mean, coef = self._ar[k]
        value = self._past[-1][k]
        if coef is None:
            return value
        if len(self._past) <= self.order:
            return np.nan
        past = np.array([self._past[-1 - j][k] for j in range(1, self.order + 1)])
        return float(value - mean - coef @ (past - mean))

    def _score(self, z: np.ndarray) -> float:
        ok = np.isfinite(z)
        self._z_sum += np.where(ok, z, 0.0)
        self._z_count += ok
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = self._z_sum / self._z_count
        base = np.nanmean(mean[1:], axis=0) if np.isfinite(mean[1:]).any() else 0.0
        weights = np.clip(np.nan_to_num(mean - np.nan_to_num(base)), 0.0, None)
        total = weights.sum(1, keepdims=True)
        weights = np.where(total > 0, weights / np.where(total > 0, total, 1.0),
                           1.0 / z.shape[1])
        with np.errstate(invalid="ignore", divide="ignore"):
            value = (np.where(ok, z, 0.0) * weights).sum(1) / (ok * weights).sum(1)
        value[~ok.any(1)] = np.nan
        null = value[1:][np.isfinite(value[1:])]
        if null.size < self.min_null or not np.isfinite(value[0]):
            return np.nan
        var = float(null.var(ddof=1))
        self._var_sum += var
        self._var_count += 1
        # shrink the window's SD towards the pooled one, as offline
        sd = np.sqrt(0.5 * var + 0.5 * self._var_sum / self._var_count)
        return float((value[0] - null.mean()) / sd) if sd > 0 else np.nan

