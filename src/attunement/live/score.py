"""The episode detector's synchrony score, computed causally as samples arrive.

Offline, :func:`attunement.episodes.synchrony_series` pre-whitens each partner with an AR
model of the whole session, scores each window's lag-weighted Fisher z against circular-shift
surrogates and weights lags by the session's mean profile. Live, every piece is causal and
otherwise the same statistic:

- the AR model is fitted (Yule-Walker, as offline) on the first ``calibration_s`` seconds, then
  applied to each new sample; the calibration samples are replayed through it, so windows
  from the start are scored (once, with the calibration's delay); optionally it is fitted
  again, once, on the first ``refit_s`` seconds (10 s of a session describe its dynamics
  poorly: on the rMEA intakes the live score followed the offline one at median r = 0.49
  with the 10 s fit, 0.55 refitted at 60 s; benchmarks/README.md);
- the surrogates are partner 2 read ``delays_s`` late (a shift against partner 1 that needs
  no future), from :class:`~attunement.live.rolling.RollingWCC`;
- the lag weights use the mean profile of the windows seen so far.
"""

from __future__ import annotations

from collections import deque

import numpy as np
from scipy.linalg import solve_toeplitz

from .._check import check_positive
from .rolling import RollingWCC


class OnlineScore:
    """Synchrony score of one channel (surrogate SDs above chance), one sample at a time.

    Parameters
    ----------
    sampling_rate : float
        Samples per second of the channel.
    window_s, max_lag_s, step_s, prewhiten_s, n_surrogates
        As in :func:`attunement.episodes.synchrony_series` (4 s, 2 s, 0.5 s, 1 s, 19).
    min_shift_s : float
        Smallest surrogate delay (10 s, choice: beyond the window and lags while the
        surrogates start early in a session; offline uses 30 s circular shifts). Delays are
        spread evenly over ``[min_shift_s, 2 * min_shift_s)``.
    calibration_s : float
        Seconds used to fit the pre-whitening AR model (10 s, choice).
    refit_s : float or None
        Seconds after which the AR model is fitted again on all samples so far (None, the
        default: never; 60 s separated real from pseudo-dyads better on the rMEA intakes but
        moved a simulated rupture's onset 6.5 s from the offline one, beyond the 5 s the
        tests allow; the gate, :data:`~attunement.live.state.GATE`, is calibrated without).
        Windows after it use the new model.

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
                 step_s: float = 0.5, prewhiten_s: float | None = 1.0, n_surrogates: int = 19,
                 min_shift_s: float = 10.0, calibration_s: float = 10.0,
                 refit_s: float | None = None):
        fs = check_positive(sampling_rate, "sampling_rate")
        if int(n_surrogates) < 2:
            raise ValueError(
                f"Invalid value for 'n_surrogates': expected an integer >= 2, got {n_surrogates!r}."
            )
        shift = check_positive(min_shift_s, "min_shift_s")
        delays = shift * (1 + np.arange(int(n_surrogates)) / int(n_surrogates))
        self.roll = RollingWCC(fs, window_s=window_s, max_lag_s=max_lag_s, step_s=step_s,
                               delays_s=delays, fisher_z=True)
        self.centre_s = (window_s + max_lag_s) / 2
        self.order = 0 if prewhiten_s is None else max(
            1, int(round(check_positive(prewhiten_s, "prewhiten_s") * fs)))
        self.n_calibration = max(int(round(check_positive(calibration_s, "calibration_s") * fs)),
                                 3 * self.order)
        self.n_refit = None if refit_s is None else max(
            int(round(check_positive(refit_s, "refit_s") * fs)), self.n_calibration + 1)
        self._history: list[tuple[float, float]] = []  # raw samples until the refit
        self._raw: list[tuple[float, float]] = []
        self._ar = None  # per partner: (mean, coefficients)
        self._past: deque = deque(maxlen=self.order + 1)
        n_series, n_lags = self.roll.n_series, len(self.roll.lags)
        self._z_sum = np.zeros((n_series, n_lags))
        self._z_count = np.zeros((n_series, n_lags))
        self.min_null = int(n_surrogates)  # every surrogate, as offline
        self._var_sum = 0.0
        self._var_count = 0

    def push(self, x: float, y: float) -> list[tuple[float, float, np.ndarray]]:
        """Add one sample per partner; return the windows it completes.

        Returns
        -------
        list of (time_s, score, lag_z)
            Window centre (s from the first sample, as offline), score, and the real pair's
            Fisher z per lag. Empty while calibrating; then all windows up to now.
        """
        if self.n_refit is not None and len(self._history) < self.n_refit:
            self._history.append((float(x), float(y)))
            if len(self._history) == self.n_refit and self._ar is not None:
                hist = np.array(self._history)
                self._ar = [_ar_model(hist[:, k], self.order) for k in (0, 1)]
                self._history = []
                self.n_refit = None
        if self._ar is not None:
            return self._feed(float(x), float(y))
        self._raw.append((float(x), float(y)))
        if len(self._raw) < self.n_calibration:
            return []
        raw = np.array(self._raw)
        self._ar = [_ar_model(raw[:, k], self.order) for k in (0, 1)]
        self._raw = []
        return [w for a, b in raw for w in self._feed(a, b)]

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


def _ar_model(x: np.ndarray, order: int):
    """(mean, AR coefficients by Yule-Walker) of the finite samples; None when too few or
    constant, as :func:`attunement.episodes.synchrony.prewhiten` leaves such series as they
    are."""
    ok = np.isfinite(x)
    if not order or ok.sum() < 3 * order or np.nanstd(x) == 0:
        return (0.0, None)
    mean = float(np.nanmean(x))
    xc = np.where(ok, x - mean, 0.0)
    n = len(x)
    pairs = np.array([np.dot(ok[: n - k], ok[k:]) for k in range(order + 1)], dtype=float)
    acov = np.array([np.dot(xc[: n - k], xc[k:]) for k in range(order + 1)]) / np.maximum(pairs, 1)
    return mean, solve_toeplitz(acov[:-1], acov[1:])
