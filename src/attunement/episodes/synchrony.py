"""The time-resolved synchrony series that the segmentation reads, scored against surrogates.

Per channel: both partners' series are pre-whitened (an AR model of each series' own past is
removed, Box-Jenkins style, so that the slow autocorrelation of affect does not swamp a short
window; SCIENCE.md: "autocorrelation inflates r: offer pre-whitening"), then
:func:`attunement.wcc` (rMEA semantics) gives Fisher z per window and lag. Each window's value
is a lag-weighted mean of z, weighting each lag by how far the session's mean z at that lag
exceeds the surrogate mean (a matched filter for the dyad's own lag profile, so a 1 s
response lag counts and the many empty lags do not dilute it). The same statistic, weights
fitted the same way, is computed on circular-shift surrogates (partner 2 shifted against
partner 1; calibrated where segment shuffling is not, SCIENCE.md), and each window's value is
expressed in surrogate SDs above the surrogate mean: the ``score`` the segmentation reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.linalg import solve_toeplitz
from scipy.signal import lfilter

from .._check import check_positive, check_random_state
from .._pairs import as_series
from ..lagcorr.lagged import wcc, wcc_batch
from ..lagcorr.shifts import shifts_supported, wcc_shifts
from ..nulls import shift_offsets


@dataclass
class SynchronySeries:
    """A synchrony series on window centres, with its surrogate null.

    Attributes
    ----------
    times_s : ndarray
        Window centres (s): window start + (``window_s`` + ``max_lag_s``) / 2, the middle
        of the span the rMEA window reads.
    value : ndarray
        The lag-weighted Fisher z of the real pair, per window.
    null_mean, null_sd : ndarray
        Mean and SD of the same statistic over the surrogates, per window.
    score : ndarray
        ``(value - null_mean) / null_sd``: evidence of synchrony above chance, in surrogate
        SDs (NaN where the window is missing).
    lag_z : ndarray, shape (n_windows, n_lags)
        Fisher z of the real pair.
    lags_s : ndarray
        The lags (s); positive: partner 2 follows partner 1 (rMEA).
    channels : list of str
        The channel(s) combined into this series.
    params : dict
        Every parameter used.
    null_score : ndarray, shape (n_gate_surrogates, n_windows)
        Each surrogate's statistic in the same units as ``score``, against the other
        surrogates (leave-one-out): the null that gates attuned states
        (:func:`~attunement.episodes.gate_attuned`).
    follow_score : ndarray, shape (n_windows, 2)
        Evidence that partner 2 follows partner 1 (column 0: the largest z over positive
        lags) and that partner 1 follows partner 2 (column 1: negative lags), each in
        surrogate SDs above the surrogates' same statistic (who moves towards whom at a
        repair).
    """

    times_s: np.ndarray
    value: np.ndarray
    null_mean: np.ndarray
    null_sd: np.ndarray
    score: np.ndarray
    lag_z: np.ndarray
    lags_s: np.ndarray
    channels: list[str] = field(default_factory=list)
    params: dict = field(default_factory=dict)
    null_score: np.ndarray | None = None
    follow_score: np.ndarray | None = None

    @property
    def best_lag_s(self) -> np.ndarray:
        """Lag of each window's largest z (NaN for an all-missing window)."""
        filled = np.where(np.isnan(self.lag_z), -np.inf, self.lag_z)
        best = self.lags_s[filled.argmax(axis=1)].astype(float)
        best[np.isnan(self.lag_z).all(axis=1)] = np.nan
        return best

    def to_frame(self) -> pd.DataFrame:
        """One row per window: ``time_s``, ``value``, ``null_mean``, ``null_sd``, ``score``,
        ``best_lag_s``."""
        return pd.DataFrame(
            {
                "time_s": self.times_s,
                "value": self.value,
                "null_mean": self.null_mean,
                "null_sd": self.null_sd,
                "score": self.score,
                "best_lag_s": self.best_lag_s,
            }
        )


def synchrony_series(
    x1,
    x2,
    sampling_rate: float,
    *,
    window_s: float = 4.0,
    max_lag_s: float = 2.0,
    step_s: float = 0.5,
    prewhiten_s: float | None = 1.0,
    n_gate_surrogates: int = 99,
    min_shift_s: float = 30.0,
    channel: str = "signal",
    seed: int | np.random.Generator = 0,
) -> SynchronySeries:
    """Time-resolved synchrony of one channel, scored against circular-shift surrogates.

    Parameters
    ----------
    x1, x2 : array of shape (n_times,)
        Partner 1 and partner 2; NaN marks missing samples.
    sampling_rate : float
        Samples per second.
    window_s : float
        WCC window (4 s, choice: a few seconds, as affect attunement is coded on a 1 s base,
        Beebe et al. 2010, while one window must hold several 1 s response cycles). A
        window blurs onsets by up to ``(window_s + max_lag_s) / 2`` either side.
    max_lag_s : float
        Largest lag (2 s, choice: twice the 1 s behavioural response lag; heart rhythms
        couple within 1 s, Feldman et al. 2011).
    step_s : float
        Window increment (0.5 s, choice: half the 1 s coding base, for onsets to the second).
    prewhiten_s : float or None
        Order of the AR model removed from each series, in seconds of past (1 s, choice:
        longer than the sub-second memory of the innovations). None: no pre-whitening.
    n_gate_surrogates : int
        Circular shifts of partner 2 (99, as :func:`detect_episodes`: the session test
        resolves p in steps of 0.01); a name of its own, as this gate is not a session's
        surrogate test (``n_surrogates``).
    min_shift_s : float
        Smallest shift (30 s, choice: far beyond the window and the lags), capped at a
        quarter of the recording for short ones
        (:func:`attunement.stats.surrogates.circular_shift`).
    channel : str
        Name recorded in the result.
    seed : int, Generator or None
        Draws the shifts; the same seed gives the same series.

    Returns
    -------
    SynchronySeries

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=1200)
    >>> b = np.r_[np.zeros(10), a[:-10]] + rng.normal(size=1200)  # follows 1 s later
    >>> s = synchrony_series(a, b, 10, seed=1)
    >>> s.score.shape, bool(np.nanmean(s.score) > 2)
    ((227,), True)
    """
    fs = check_positive(sampling_rate, "sampling_rate")
    a, b = as_series(x1, "x1"), as_series(x2, "x2")
    if len(a) != len(b):
        raise ValueError(
            f"Invalid input: 'x1' has {len(a)} samples and 'x2' has {len(b)}; expected equal "
            "lengths."
        )
    n_gate = int(n_gate_surrogates)
    if n_gate < 2:
        raise ValueError(
            "Invalid value for 'n_gate_surrogates': expected an integer >= 2, got "
            f"{n_gate_surrogates!r}."
        )
    start = 0
    if prewhiten_s is not None:
        order = max(1, int(round(check_positive(prewhiten_s, "prewhiten_s") * fs)))
        a, b = prewhiten(a, order), prewhiten(b, order)
        # the AR warm-up is NaN by construction: start after it (the same for every channel),
        # so that the WCC takes its fast path where the data have no gaps
        if len(a) > 2 * order:
            start = order
            a, b = a[order:], b[order:]
    min_shift = min(check_positive(min_shift_s, "min_shift_s") * fs, len(b) // 4)
    shifts = shift_offsets(len(b), min_shift, n_gate, check_random_state(seed))
    kw = dict(window_s=window_s, max_lag_s=max_lag_s, step_s=step_s, fisher_z=True)
    real = wcc(a, b, fs, **kw)
    if shifts_supported(a, b):  # the real pair (shift 0) and its shifts at once
        z = wcc_shifts(a, b, fs, np.r_[0, shifts], **kw)
    else:
        shifted = np.stack([np.roll(b, s) for s in shifts])  # as circular_shift
        z = wcc_batch(np.broadcast_to(a, (n_gate + 1, len(a))), np.vstack([b, shifted]), fs,
                      **kw)
    value = _profile_weighted(z)
    score, null_mean, null_sd, null_score = _standardise(value)
    lags = real.lags_s
    follow = np.stack([_standardise(_nanmax(z[..., side], 2))[0]
                       for side in (lags > 0, lags < 0)], axis=1)
    params = dict(
        window_s=float(window_s), max_lag_s=float(max_lag_s), step_s=float(step_s),
        prewhiten_s=None if prewhiten_s is None else float(prewhiten_s),
        n_gate_surrogates=n_gate, min_shift_s=float(min_shift_s), null="shift",
        sampling_rate=fs,
    )
    return SynchronySeries(
        times_s=real.times_s + start / fs + (window_s + max_lag_s) / 2,
        value=value[0],
        null_mean=null_mean,
        null_sd=null_sd,
        score=score,
        lag_z=real.values,
        lags_s=real.lags_s,
        channels=[channel],
        params=params,
        null_score=null_score,
        follow_score=follow,
    )


def _standardise(value: np.ndarray):
    """Real (row 0) and surrogate rows in surrogate SDs above the surrogate mean.

    Each window's SD is shrunk halfway towards the pooled one (19 surrogates give a noisy
    SD); each surrogate is scored against the others (leave-one-out), so that the null
    scores are as spread as the real one would be under the null.
    """
    null = value[1:]
    n = np.isfinite(null).sum(0)
    null_mean = _nanmean(null, 0)
    var = _nanvar(null, 0)
    null_sd = np.sqrt(0.5 * var + 0.5 * np.nanmean(var))
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (value[0] - null_mean) / null_sd
        loo_mean = (null_mean * n - null) / (n - 1)
        null_score = (null - loo_mean) / null_sd * (np.sqrt((n + 1) * (n - 1)) / n)
    return score, null_mean, null_sd, null_score


def _nanmax(a: np.ndarray, axis) -> np.ndarray:
    if a.shape[axis] == 0:
        return np.full(a.shape[:axis] + a.shape[axis + 1:], np.nan)
    out = np.where(np.isfinite(a), a, -np.inf).max(axis=axis)
    return np.where(np.isfinite(out), out, np.nan)


def combine_series(series: Sequence[SynchronySeries]) -> SynchronySeries:
    """Combine channels' series into one: scores by Stouffer's sum / sqrt(n), z by sum.

    Channels must share the window times (same rate and window parameters).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 600))
    >>> one = synchrony_series(a, b, 10, channel="smile", seed=0)
    >>> two = combine_series([one, one])
    >>> two.channels, bool(np.allclose(two.score, one.score * np.sqrt(2), equal_nan=True))
    (['smile', 'smile'], True)
    """
    series = list(series)
    if not series:
        raise ValueError("Invalid value for 'series': expected at least one, got none.")
    first = series[0]
    if len(series) == 1:
        return first
    for s in series[1:]:
        if s.times_s.shape != first.times_s.shape or not np.allclose(s.times_s, first.times_s):
            raise ValueError(
                f"Invalid value for 'series': channel {s.channels} has other window times than "
                f"{first.channels}; compute them with the same rate and window parameters."
            )
    score = _stouffer(np.stack([s.score for s in series]))
    null_score = follow = None
    if all(s.null_score is not None for s in series):
        k = min(s.null_score.shape[0] for s in series)
        null_score = _stouffer(np.stack([s.null_score[:k] for s in series]))
        follow = _stouffer(np.stack([s.follow_score for s in series]))
    lag_z = np.nansum(np.stack([s.lag_z for s in series]), 0)
    lag_z[np.isnan(np.stack([s.lag_z for s in series])).all(0)] = np.nan
    return SynchronySeries(
        times_s=first.times_s,
        value=_nanmean(np.stack([s.value for s in series]), 0),
        null_mean=_nanmean(np.stack([s.null_mean for s in series]), 0),
        null_sd=_nanmean(np.stack([s.null_sd for s in series]), 0),
        score=score,
        lag_z=lag_z,
        lags_s=first.lags_s,
        channels=[c for s in series for c in s.channels],
        params=dict(first.params, combined="stouffer"),
        null_score=null_score,
        follow_score=follow,
    )


def _stouffer(scores: np.ndarray) -> np.ndarray:
    """Sum over the first axis / sqrt(number of finite values); NaN where none is."""
    count = np.isfinite(scores).sum(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, np.nansum(scores, 0) / np.sqrt(count), np.nan)


def prewhiten(x: np.ndarray, order: int) -> np.ndarray:
    """Residuals of an AR(``order``) model of ``x`` fitted by Yule-Walker (NaN-aware).

    Samples within ``order`` of the start or of a missing sample are NaN; a constant series
    comes back unchanged.

    Examples
    --------
    >>> from scipy.signal import lfilter
    >>> e = np.random.default_rng(0).normal(size=5000)
    >>> x = lfilter([1], [1, -0.9], e)
    >>> r = prewhiten(x, 1)
    >>> round(float(np.corrcoef(r[1:-1], r[2:])[0, 1]), 1)
    0.0
    """
    x = np.asarray(x, dtype=float)
    return ar_residuals(x, fit_ar(x, order), order)


def fit_ar(x: np.ndarray, order: int) -> tuple[float, np.ndarray | None]:
    """``(mean, coefficients)`` of an AR(``order``) model of ``x`` by Yule-Walker over the
    finite samples; ``(0.0, None)`` when ``order`` is 0, fewer than ``3 * order`` samples are
    finite or ``x`` is constant (:func:`prewhiten` = :func:`ar_residuals` of this model).

    Examples
    --------
    >>> e = np.random.default_rng(0).normal(size=5000)
    >>> mean, coef = fit_ar(lfilter([1], [1, -0.9], e), 1)
    >>> round(float(coef[0]), 1)
    0.9
    """
    x = np.asarray(x, dtype=float)
    ok = np.isfinite(x)
    if not order or ok.sum() < 3 * order or np.nanstd(x) == 0:
        return 0.0, None
    mean = float(np.nanmean(x))
    xc = np.where(ok, x - mean, 0.0)
    n = len(x)
    pairs = np.array([np.dot(ok[: n - k], ok[k:]) for k in range(order + 1)], dtype=float)
    acov = np.array([np.dot(xc[: n - k], xc[k:]) for k in range(order + 1)]) / np.maximum(pairs, 1)
    return mean, solve_toeplitz(acov[:-1], acov[1:])


def ar_residuals(x: np.ndarray, model: tuple[float, np.ndarray | None], order: int) -> np.ndarray:
    """``x`` less the prediction of ``model`` (:func:`fit_ar`) from its past: NaN within
    ``order`` samples of the start or of a missing sample; ``x`` itself without a model.

    Examples
    --------
    >>> x = np.array([1.0, 2.0, 4.0, 8.0])
    >>> ar_residuals(x, (0.0, np.array([2.0])), 1)
    array([nan,  0.,  0.,  0.])
    """
    x = np.asarray(x, dtype=float)
    mean, coef = model
    if coef is None:
        return x.copy()
    ok = np.isfinite(x)
    out = lfilter(np.r_[1.0, -coef], [1.0], np.where(ok, x - mean, 0.0))
    bad = lfilter(np.ones(order + 1), [1.0], (~ok).astype(float)) > 0
    bad[:order] = True
    out[bad] = np.nan
    return out


def _profile_weighted(z: np.ndarray) -> np.ndarray:
    """Each series' windows averaged over lags with weights from its own mean excess profile.

    ``z``: (n_series, n_windows, n_lags), series 0 real, the rest surrogates. Fitting each
    surrogate's weights the same way keeps the null calibrated for the fitting itself.
    """
    base = _nanmean(z[1:], (0, 1))
    profile = _nanmean(z, 1) - base
    weights = np.clip(np.nan_to_num(profile), 0.0, None)
    total = weights.sum(1, keepdims=True)
    weights = np.where(total > 0, weights / np.where(total > 0, total, 1.0), 1.0 / z.shape[2])
    present = np.isfinite(z)
    num = np.where(present, z, 0.0) @ weights[:, :, None]
    den = present.astype(float) @ weights[:, :, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (num / den)[..., 0]
    out[~present.any(2)] = np.nan
    return out


def _nanmean(a: np.ndarray, axis) -> np.ndarray:
    ok = np.isfinite(a)
    count = ok.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, a, 0.0).sum(axis=axis) / count


def _nanvar(a: np.ndarray, axis) -> np.ndarray:
    ok = np.isfinite(a)
    count = ok.sum(axis=axis)
    mean = _nanmean(a, axis)
    dev = np.where(ok, a - np.expand_dims(mean, axis), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (dev**2).sum(axis=axis) / (count - 1)
