"""Prosodic synchrony: pitch and loudness of two voices moving together, who leads, and
whether they converge over the session.

Partners seldom speak at once, so their F0 and intensity are compared through a
time-aligned moving average (TAMA; Kousidis et al. 2008, Interspeech; De Looze et al.
2014, Speech Commun 58:11): at every ``step_s`` each partner's mean over the voiced frames
within ``tama_window_s`` around it, missing (NaN) where the partner voiced less than
``min_voiced_s`` there. F0 is averaged in semitones re 100 Hz (pitch is heard on a log
scale), intensity in dB. The two series then go through the same windowed lagged
cross-correlation (:func:`attunement.wcc`) and peak picking (:func:`attunement.pick_peaks`:
positive lag, partner 1 leads) as movement, and through the same surrogate engine
(:func:`attunement.stats.surrogate_test` on :attr:`ProsodyResult.series`).
Convergence (De Looze et al. 2014) is the linear trend of the distance between the two
series over the session: a negative ``convergence_slope_per_min`` means the voices grow
closer (semitones or dB per minute, with its p-value).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._check import check_option, check_positive
from .._pairs import read_pair
from ..lagcorr.lagged import WCCResult, wcc
from ..lagcorr.peaks import PeakResult, pick_peaks

#: Prosodic features -> (Session channel, unit of the averaged series).
FEATURES = {"f0": ("f0_hz", "semitones re 100 Hz"), "intensity": ("intensity_db", "dB")}


@dataclass
class ProsodyResult:
    """Prosodic synchrony of one feature: the TAMA ``series`` (``time_s``, partner 1,
    partner 2), its ``wcc`` and ``peaks``, and the ``convergence`` of the two."""

    feature: str
    series: pd.DataFrame
    wcc: WCCResult
    peaks: PeakResult
    convergence: dict
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """``prosody_<feature>_`` + the WCC's and the peaks' summaries and convergence."""
        out = {**self.wcc.summary(), **self.peaks.summary(), **self.convergence}
        return {f"prosody_{self.feature}_{k}": v for k, v in out.items()}

    def to_frame(self) -> pd.DataFrame:
        """The peaks per window, tidy (``time_s, lag_s, r, p_value``), with the feature."""
        return self.peaks.to_frame().assign(feature=self.feature)


def tama(values, rate: float, tama_window_s: float = 4.0, step_s: float = 1.0,
         min_voiced_s: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    """Time-aligned moving average of a feature that is NaN where not voiced.

    Returns the times (window centres from 0, every ``step_s``) and the means.

    Examples
    --------
    >>> v = np.r_[np.full(100, 2.0), np.full(100, np.nan), np.full(100, 4.0)]
    >>> t, m = tama(v, 100, tama_window_s=1, step_s=1)
    >>> t.tolist(), m.tolist()
    ([0.0, 1.0, 2.0], [2.0, 2.0, 4.0])
    """
    a = np.asarray(values, dtype=float)
    rate = check_positive(rate, "sampling_rate")
    half = round(check_positive(tama_window_s, "tama_window_s") * rate / 2)
    step = check_positive(step_s, "step_s")
    ok = np.isfinite(a)
    csum = np.r_[0.0, np.cumsum(np.where(ok, a, 0.0))]
    ccount = np.r_[0, np.cumsum(ok)]
    centres = np.arange(0.0, a.size / rate, step)
    idx = np.round(centres * rate).astype(int)
    lo, hi = np.clip(idx - half, 0, a.size), np.clip(idx + half, 0, a.size)
    count = ccount[hi] - ccount[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (csum[hi] - csum[lo]) / count
    mean[count < max(1, round(min_voiced_s * rate))] = np.nan
    return centres, mean


def prosodic_synchrony(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    feature: str = "f0",
    tama_window_s: float = 4.0,
    step_s: float = 1.0,
    min_voiced_s: float = 0.2,
    window_s: float = 30.0,
    max_lag_s: float = 10.0,
    wcc_step_s: float = 5.0,
    n_surrogates: int = 99,
    seed=0,
) -> ProsodyResult:
    """Windowed lagged correlation of two voices' F0 or intensity, who leads, convergence.

    Parameters
    ----------
    x1, x2 : arrays (NaN where not voiced), or a Session in place of ``x1``
        A Session from :func:`attunement.extract_audio`: ``f0_hz`` or ``intensity_db``,
        kept only where its ``voice`` is 1.
    feature : {'f0', 'intensity'}
    tama_window_s, step_s, min_voiced_s : float
        The moving average: window, step and least voiced time per window (choices: 4 s
        every 1 s, shorter than De Looze et al.'s 20 s for conversations of minutes).
    window_s, max_lag_s, wcc_step_s : float
        The WCC's window, largest lag and increment on the averaged series (choices: turns
        last seconds, so lags of up to 10 s).
    n_surrogates, seed
        Of the peak picking's circular-shift surrogates.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> level = np.repeat(np.convolve(rng.normal(size=300), np.ones(8) / 8, "same"), 100)
    >>> f1 = 150 * 2 ** (level / 2)
    >>> f2 = 100 * 2 ** (np.r_[np.zeros(500), level[:-500]] / 2)  # 5 s later
    >>> on = np.tile(np.r_[np.ones(100), np.zeros(100)], 150) == 1
    >>> res = prosodic_synchrony(np.where(on, f1, np.nan), np.where(~on, f2, np.nan), 100)
    >>> float(np.nanmedian(res.peaks.lag_s))
    5.0
    """
    check_option(feature, "feature", FEATURES)
    channel, unit = FEATURES[feature]
    a, b, rate = _feature_pair(x1, x2, sampling_rate, channel)
    if feature == "f0":
        for name, v in (("x1", a), ("x2", b)):
            if (v[np.isfinite(v)] <= 0).any():
                raise ValueError(f"Invalid value for {name!r}: F0 must be > 0 Hz (NaN where "
                                 "not voiced).")
        a, b = 12 * np.log2(a / 100), 12 * np.log2(b / 100)
    t, s1 = tama(a, rate, tama_window_s, step_s, min_voiced_s)
    _, s2 = tama(b, rate, tama_window_s, step_s, min_voiced_s)
    srate = 1.0 / step_s
    res = wcc(s1, s2, srate, window_s=window_s, max_lag_s=max_lag_s, step_s=wcc_step_s)
    peaks = pick_peaks(res, s1, s2, srate, n_surrogates=n_surrogates, seed=seed)
    series = pd.DataFrame({"time_s": t, "partner_1": s1, "partner_2": s2})
    params = {"feature": feature, "unit": unit, "tama_window_s": float(tama_window_s),
              "step_s": float(step_s), "min_voiced_s": float(min_voiced_s),
              "window_s": float(window_s), "max_lag_s": float(max_lag_s),
              "wcc_step_s": float(wcc_step_s)}
    return ProsodyResult(feature, series, res, peaks, convergence(t, s1, s2), params)


def prosody_summary(x1, x2, sampling_rate, *, tama_window_s: float = 4.0, step_s: float = 1.0,
                    min_voiced_s: float = 0.2, window_s: float = 30.0, max_lag_s: float = 10.0,
                    wcc_step_s: float = 5.0, n_surrogates: int = 99) -> dict:
    """The registry's ``prosody`` measure, on the ``f0_hz`` channel (NaN where not voiced,
    as :func:`attunement.extract_audio` writes it): ``prosody_`` + the WCC's, the peaks'
    and the convergence summaries of :func:`prosodic_synchrony` (feature ``f0``).

    Examples
    --------
    >>> on = np.tile(np.r_[np.ones(100), np.zeros(100)], 150) == 1
    >>> f0 = np.where(on, 150.0, np.nan)
    >>> out = prosody_summary(f0, np.where(~on, 100.0, np.nan), 100, n_surrogates=9)
    >>> list(out)[0], out["prosody_both_present_share"]
    ('prosody_grand_average', 1.0)
    """
    res = prosodic_synchrony(x1, x2, sampling_rate, feature="f0", tama_window_s=tama_window_s,
                             step_s=step_s, min_voiced_s=min_voiced_s, window_s=window_s,
                             max_lag_s=max_lag_s, wcc_step_s=wcc_step_s,
                             n_surrogates=n_surrogates)
    out = {**res.wcc.summary(), **res.peaks.summary(), **res.convergence}
    return {f"prosody_{k}": float(v) for k, v in out.items() if not isinstance(v, str)}


def convergence(time_s, s1, s2) -> dict:
    """Linear trend of ``|s1 - s2|`` over time (per minute), its p-value, and the share of
    steps where both are present.

    Examples
    --------
    >>> t = np.arange(0.0, 120.0)
    >>> out = convergence(t, np.zeros(120), 4 - t / 60)  # 4 apart, closing 1 per minute
    >>> round(out["convergence_slope_per_min"], 6)
    -1.0
    """
    t = np.asarray(time_s, dtype=float)
    d = np.abs(np.asarray(s1, dtype=float) - np.asarray(s2, dtype=float))
    ok = np.isfinite(d)
    out = {"convergence_slope_per_min": np.nan, "convergence_p_value": np.nan,
           "both_present_share": float(ok.mean()) if ok.size else np.nan}
    if ok.sum() >= 3 and np.ptp(t[ok]) > 0:
        fit = stats.linregress(t[ok] / 60.0, d[ok])
        out["convergence_slope_per_min"] = float(fit.slope)
        out["convergence_p_value"] = float(fit.pvalue)
    return out


def _feature_pair(x1, x2, sampling_rate, channel):
    if hasattr(x1, "pair") and x2 is None:
        a, b = (np.asarray(v, dtype=float) for v in x1.pair(channel))
        v1, v2 = (np.asarray(v, dtype=float) for v in x1.pair("voice"))
        a, b = np.where(v1 == 1, a, np.nan), np.where(v2 == 1, b, np.nan)
        if sampling_rate is not None and float(sampling_rate) != x1.sampling_rate:
            raise ValueError(f"Invalid value for 'sampling_rate': session {x1.id!r} is "
                             f"sampled at {x1.sampling_rate:g} Hz, got {sampling_rate!r}.")
        return a, b, x1.sampling_rate
    a, b, rate = read_pair(x1, x2, sampling_rate, None)
    return a, b, rate
