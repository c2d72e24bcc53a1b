"""Beats to an evenly sampled heart rate, HRV in windows, and beats from device intervals."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd

from .._check import check_positive, soft_import
from .process import IBI_RANGE_MS, MAX_CHANGE, Beats, check_intervals
from .segments import gap_table, runs


def heart_rate(
    beats: Beats,
    sampling_rate: float,
    start_s: float | None = None,
    stop_s: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Instantaneous heart rate (bpm) on an even grid at ``sampling_rate``.

    Each valid interval's rate (60000 / IBI) is placed at the interval's midpoint and
    interpolated linearly between adjacent valid intervals (held constant out to the
    beats that bound a run). Time not covered by a run of valid intervals (gaps,
    implausible intervals) is NaN, never bridged.

    Parameters
    ----------
    beats : Beats
        From :func:`process_ecg`, :func:`process_ppg` or :func:`beats_from_intervals`.
    sampling_rate : float
        Output rate in Hz; Feldman et al. (2011) couple heart rhythms at >= 4 Hz.
    start_s, stop_s : float, optional
        Grid from ``start_s`` (included) to ``stop_s`` (excluded); default: the recording.

    Returns
    -------
    times_s, hr_bpm : ndarray

    Examples
    --------
    >>> b = beats_from_intervals([1000, 1000, np.nan, 500, 500], start_s=0.0)
    >>> t, hr = heart_rate(b, sampling_rate=2)
    >>> t.tolist(), hr.tolist()
    ([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0], [60.0, 60.0, 60.0, 60.0, 60.0, nan, 120.0])
    """
    sr = check_positive(sampling_rate, "sampling_rate")
    start = beats.start_s if start_s is None else float(start_s)
    stop = beats.start_s + beats.duration_s if stop_s is None else float(stop_s)
    if stop <= start:
        raise ValueError(f"Invalid value for 'stop_s': {stop:g} s is not after start_s "
                         f"{start:g} s.")
    times = start + np.arange(int(math.floor((stop - start) * sr + 1e-9))) / sr
    hr = np.full(len(times), np.nan)
    rate = beats.hr_bpm
    mids = beats.peaks_s - beats.ibi_ms / 2000.0
    for a, b in runs(beats.valid):
        knots_t = np.concatenate([[beats.peaks_s[a - 1]], mids[a:b], [beats.peaks_s[b - 1]]])
        knots_y = np.concatenate([[rate[a]], rate[a:b], [rate[b - 1]]])
        inside = (times >= knots_t[0]) & (times <= knots_t[-1])
        hr[inside] = np.interp(times[inside], knots_t, knots_y)
    return times, hr


def beats_from_intervals(
    ibi_ms,
    start_s: float,
    ibi_range_ms: tuple[float, float] = IBI_RANGE_MS,
    max_change: float = MAX_CHANGE,
    kind: str = "device",
) -> Beats:
    """Beats from a device's beat-to-beat intervals (e.g. a chest strap's RR export).

    The first beat is at ``start_s``; each later beat follows after its interval. NaN
    intervals mark lost beats: the clock runs on by the median interval and the beats
    around the loss are not valid, so no rate bridges it. Intervals are checked as in
    :func:`process_ecg` (:func:`check_intervals`).

    Examples
    --------
    >>> b = beats_from_intervals([1000, 1000, 3000, 1000], start_s=10.0)
    >>> b.peaks_s.tolist(), b.valid.tolist()
    ([10.0, 11.0, 12.0, 15.0, 16.0], [False, True, True, False, True])
    """
    ibi = np.asarray(ibi_ms, dtype=float)
    if ibi.ndim != 1 or len(ibi) < 1:
        raise ValueError(f"Invalid value for 'ibi_ms': expected a 1-D array of intervals, got "
                         f"shape {ibi.shape}.")
    step = np.where(np.isnan(ibi), np.nanmedian(ibi), ibi)
    peaks = start_s + np.concatenate([[0.0], np.cumsum(step) / 1000.0])
    ibi_all = np.concatenate([[np.nan], ibi])
    valid, artefacts = check_intervals(ibi_all, ibi_range_ms, max_change)
    lost = np.isnan(ibi_all[1:])
    gaps = gap_table((peaks[i], step[i] / 1000.0, "lost_beat") for i in np.flatnonzero(lost))
    return Beats(kind, peaks, ibi_all, valid, gaps, artefacts, np.nan, float(start_s),
                 float(peaks[-1] - start_s), np.empty(0))


def hrv_windows(
    beats: Beats,
    window_s: float = 60.0,
    step_s: float | None = None,
    min_coverage: float = 0.5,
) -> pd.DataFrame:
    """Time-domain HRV (``nk.hrv_time``) in consecutive windows.

    Only valid intervals enter; NeuroKit2 keeps successive differences only between
    intervals that follow each other, so RMSSD never spans a gap.

    Parameters
    ----------
    beats : Beats
    window_s : float
        Window length (choice: 60 s; ultra-short RMSSD from 10-60 s tracks the 5 min
        value, Munoz et al. 2015, PLoS ONE 10:e0138921).
    step_s : float, optional
        Window step; default ``window_s`` (no overlap).
    min_coverage : float
        Windows where valid intervals cover less than this fraction give NaN indices
        (they are kept, with their ``coverage``).

    Returns
    -------
    DataFrame
        ``onset_s``, ``duration_s``, ``n_ibi``, ``coverage``, ``mean_hr_bpm``,
        ``mean_ibi_ms``, ``sdnn_ms``, ``rmssd_ms``, ``pnn50_percent``.

    Examples
    --------
    >>> b = beats_from_intervals([800, 820] * 40, start_s=0.0)
    >>> hrv_windows(b, window_s=30)[["onset_s", "rmssd_ms"]].round(1)
       onset_s  rmssd_ms
    0      0.0      20.0
    1     30.0      20.0
    """
    nk = soft_import("neurokit2", "Physiology processing")
    window_s = check_positive(window_s, "window_s")
    step_s = window_s if step_s is None else check_positive(step_s, "step_s")
    n = int(math.floor((beats.duration_s - window_s) / step_s + 1e-9)) + 1
    if n < 1:
        raise ValueError(f"Invalid value for 'window_s': {window_s:g} s is longer than the "
                         f"recording ({beats.duration_s:g} s).")
    t, ibi = beats.peaks_s[beats.valid], beats.ibi_ms[beats.valid]
    rows = []
    for k in range(n):
        onset = beats.start_s + k * step_s
        inside = (t >= onset) & (t < onset + window_s)
        coverage = float(ibi[inside].sum() / 1000.0 / window_s)
        row = {"onset_s": onset, "duration_s": window_s, "n_ibi": int(inside.sum()),
               "coverage": coverage, "mean_hr_bpm": np.nan, "mean_ibi_ms": np.nan,
               "sdnn_ms": np.nan, "rmssd_ms": np.nan, "pnn50_percent": np.nan}
        if coverage >= min_coverage and inside.sum() >= 3:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                h = nk.hrv_time({"RRI": ibi[inside], "RRI_Time": t[inside]}).iloc[0]
            row.update(mean_hr_bpm=float(np.mean(60000.0 / ibi[inside])),
                       mean_ibi_ms=float(h["HRV_MeanNN"]), sdnn_ms=float(h["HRV_SDNN"]),
                       rmssd_ms=float(h["HRV_RMSSD"]), pnn50_percent=float(h["HRV_pNN50"]))
        rows.append(row)
    return pd.DataFrame(rows)
