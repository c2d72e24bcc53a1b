"""Raw ECG / PPG of one partner to beats, with the artefact and gap accounts.

The signal processing is NeuroKit2's (cleaning, R-peak and pulse-peak detection with
its Kubios artefact correction); this module and :mod:`.eda` only
splits a recording at its gaps, runs NeuroKit2 on each recorded stretch and keeps the
accounts: what was missing, what was corrected, which intervals are implausible.

Missing samples are NaN. Each stretch between gaps is processed on its own, so no
inter-beat interval spans a gap; stretches shorter than ``min_segment_s`` are reported
as gaps, never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_positive, soft_import
from .._log import logger
from .segments import gap_table, segment_bounds

#: Lowest sampling rate accepted per signal kind (choice). ECG: R-peak timing error is
#: up to half a sample, 5 ms at 100 Hz; lower rates distort HRV (Task Force 1996,
#: Circulation 93:1043, recommends 250-500 Hz). PPG: NeuroKit2's Elgendi band-pass
#: reaches 8 Hz. EDA: 4 Hz is the Empatica E4 rate; SCR rise times are 1-3 s.
MIN_SAMPLING_RATE = {"ecg": 100.0, "ppg": 25.0, "eda": 4.0}

#: Plausible inter-beat intervals in ms (choice): 30-250 bpm, wide enough for infants.
IBI_RANGE_MS = (240.0, 2000.0)

#: Largest change of an interval from its neighbours' median, as a fraction (published:
#: the 20 % criterion of Malik et al. 1989, Eur Heart J 10:1060, for non-normal beats).
MAX_CHANGE = 0.2

_FIXPEAKS_KINDS = ("ectopic", "missed", "extra", "longshort")


@dataclass
class Beats:
    """Beats of one partner's ECG or PPG, with the artefact and gap accounts.

    Attributes
    ----------
    kind : str
        ``'ecg'`` or ``'ppg'``.
    peaks_s : ndarray
        Beat times (R-peaks or pulse peaks) in seconds on the recording's clock.
    ibi_ms : ndarray
        Inter-beat interval ending at each beat (ms); NaN for the first beat of a stretch.
    valid : ndarray of bool
        Whether each interval exists, lies within ``ibi_range_ms`` and changes less than
        ``max_change`` from its neighbours (:func:`check_intervals`).
    gaps : DataFrame
        ``onset_s``, ``duration_s``, ``reason`` of every stretch without beats.
    artefacts : dict
        Beats NeuroKit2's Kubios correction flagged (``ectopic``, ``missed``, ``extra``,
        ``longshort``), ``corrected`` (beats moved, added or removed),
        ``out_of_range`` (intervals outside ``ibi_range_ms``) and ``abrupt`` (intervals
        too far from their neighbours).
    sampling_rate, start_s, duration_s : float
        Raw signal's rate (Hz), first sample time and length (s).
    clean : ndarray
        The cleaned signal (NaN in gaps), for plotting.
    """

    kind: str
    peaks_s: np.ndarray
    ibi_ms: np.ndarray
    valid: np.ndarray
    gaps: pd.DataFrame
    artefacts: dict
    sampling_rate: float
    start_s: float
    duration_s: float
    clean: np.ndarray = field(repr=False)

    @property
    def hr_bpm(self) -> np.ndarray:
        """Beat-to-beat heart rate (60000 / IBI), NaN where the interval is not valid."""
        return np.where(self.valid, 60000.0 / self.ibi_ms, np.nan)

    def summary(self) -> dict:
        """Counts and means over valid intervals: beats, heart rate, IBI, gaps, artefacts."""
        ibi = self.ibi_ms[self.valid]
        gap_s = float(self.gaps["duration_s"].sum())
        return {
            "kind": self.kind,
            "n_beats": int(len(self.peaks_s)),
            "n_valid_ibi": int(self.valid.sum()),
            "mean_hr_bpm": float(np.mean(60000.0 / ibi)) if len(ibi) else np.nan,
            "mean_ibi_ms": float(np.mean(ibi)) if len(ibi) else np.nan,
            "sdnn_ms": float(np.std(ibi, ddof=1)) if len(ibi) > 1 else np.nan,
            "duration_s": self.duration_s,
            "gap_s": gap_s,
            "gap_fraction": gap_s / self.duration_s,
            "n_gaps": int(len(self.gaps)),
            **{f"n_{k}": int(v) for k, v in self.artefacts.items()},
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per beat: ``beat_s``, ``ibi_ms``, ``hr_bpm``, ``valid``.

        Examples
        --------
        >>> b = process_ecg(_demo_ecg(), sampling_rate=200)
        >>> list(b.to_frame().columns)
        ['beat_s', 'ibi_ms', 'hr_bpm', 'valid']
        """
        return pd.DataFrame(
            {"beat_s": self.peaks_s, "ibi_ms": self.ibi_ms, "hr_bpm": self.hr_bpm,
             "valid": self.valid}
        )


def process_ecg(
    ecg,
    sampling_rate: float,
    start_s: float = 0.0,
    method: str = "neurokit",
    ibi_range_ms: tuple[float, float] = IBI_RANGE_MS,
    max_change: float = MAX_CHANGE,
    min_segment_s: float = 10.0,
    correct_artifacts: bool = True,
) -> Beats:
    """Clean an ECG and find its R-peaks with NeuroKit2; intervals per recorded stretch.

    Runs the steps of ``nk.ecg_process`` that heart rate needs, ``nk.ecg_clean`` then
    ``nk.ecg_peaks(correct_artifacts=True)`` (Kubios artefact correction, Lipponen &
    Tarvainen 2019), without its P/T-wave delineation (about 75x slower, unused here).

    Parameters
    ----------
    ecg : array of shape (n_times,)
        Raw ECG; NaN marks missing samples (gaps are not bridged).
    sampling_rate : float
        Hz; at least 100 (:data:`MIN_SAMPLING_RATE`).
    start_s : float
        Time of the first sample, seconds.
    method : str
        NeuroKit2's cleaning and peak method (``'neurokit'``, ``'pantompkins1985'``, ...).
    ibi_range_ms : (float, float)
        Plausible intervals; others are kept but marked not valid and counted.
    max_change : float
        Intervals further than this fraction from the median of their five neighbours are
        marked not valid (abrupt; :func:`check_intervals`). A stretch where most
        intervals fail is no ECG (noise, a loose electrode): it becomes a gap,
        ``'unreadable'``.
    min_segment_s : float
        Recorded stretches shorter than this are reported as gaps (choice: 10 s).
    correct_artifacts : bool
        NeuroKit2's Kubios correction of ectopic, missed and extra beats. Without it an
        ectopic beat stays as a short-long pair of intervals, which ``max_change`` then
        marks not valid.

    Returns
    -------
    Beats

    Examples
    --------
    >>> b = process_ecg(_demo_ecg(), sampling_rate=200)
    >>> round(b.summary()["mean_hr_bpm"])
    75
    """
    return _process_cardiac("ecg", ecg, sampling_rate, start_s, method, ibi_range_ms,
                            max_change, min_segment_s, correct_artifacts)


def process_ppg(
    ppg,
    sampling_rate: float,
    start_s: float = 0.0,
    method: str = "elgendi",
    ibi_range_ms: tuple[float, float] = IBI_RANGE_MS,
    max_change: float = MAX_CHANGE,
    min_segment_s: float = 10.0,
    correct_artifacts: bool = True,
) -> Beats:
    """Clean a PPG and find its pulse peaks with NeuroKit2 (as ``nk.ppg_process``).

    ``nk.ppg_clean`` then ``nk.ppg_peaks(correct_artifacts=True)``; parameters as
    :func:`process_ecg`, with at least 25 Hz.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> ppg = nk.ppg_simulate(duration=30, sampling_rate=50, heart_rate=70, random_state=0)
    >>> abs(process_ppg(ppg, sampling_rate=50).summary()["mean_hr_bpm"] - 70) < 2
    True
    """
    return _process_cardiac("ppg", ppg, sampling_rate, start_s, method, ibi_range_ms,
                            max_change, min_segment_s, correct_artifacts)


def _process_cardiac(kind, x, sampling_rate, start_s, method, ibi_range_ms, max_change,
                     min_segment_s, correct_artifacts):
    nk = soft_import("neurokit2", "Physiology processing")
    x, sr = _check_signal(x, sampling_rate, kind)
    lo, hi = _check_range(ibi_range_ms)
    max_change = check_positive(max_change, "max_change")
    bounds, gaps = _split(x, sr, start_s, min_segment_s, kind)
    clean = np.full(len(x), np.nan)
    peaks, ibi, valid = [], [], []
    counts = dict.fromkeys((*_FIXPEAKS_KINDS, "corrected", "out_of_range", "abrupt"), 0)
    for i0, i1 in bounds:
        seg_clean, idx, info = _find_peaks(nk, kind, x[i0:i1], sr, method, correct_artifacts)
        clean[i0:i1] = seg_clean
        seg_ibi = np.concatenate([[np.nan], np.diff(idx) * 1000.0 / sr])
        ok, why = check_intervals(seg_ibi, (lo, hi), max_change)
        if ok.sum() < 0.5 * (len(idx) - 1) or len(idx) < 3:
            gaps.append((start_s + i0 / sr, (i1 - i0) / sr,
                         "no_beats" if len(idx) < 3 else "unreadable"))
            continue
        for k in _FIXPEAKS_KINDS:
            counts[k] += len(info.get(f"{kind.upper()}_fixpeaks_{k}", []))
        raw = np.asarray(info.get(f"{kind.upper()}_R_Peaks_Uncorrected"
                                  if kind == "ecg" else "PPG_Peaks_Uncorrected", idx))
        counts["corrected"] += len(np.setxor1d(raw, idx))
        for k in ("out_of_range", "abrupt"):
            counts[k] += why[k]
        peaks.append(start_s + (i0 + idx) / sr)
        ibi.append(seg_ibi)
        valid.append(ok)
    if not peaks:
        raise ValueError(
            f"{kind.upper()}: no beats found in {len(x) / sr:g} s at {sr:g} Hz: no recorded "
            f"stretch where most inter-beat intervals lie within {lo:g}-{hi:g} ms and change "
            f"by less than {max_change:.0%} from beat to beat; check the channel, its "
            "polarity and the sampling rate."
        )
    if counts["out_of_range"] or counts["abrupt"]:
        logger.info("%s: %d interval(s) outside %g-%g ms and %d abrupt ones marked not valid",
                    kind.upper(), counts["out_of_range"], lo, hi, counts["abrupt"])
    return Beats(kind, np.concatenate(peaks), np.concatenate(ibi), np.concatenate(valid),
                 gap_table(gaps), counts, sr, float(start_s), len(x) / sr, clean)


def check_intervals(ibi_ms, ibi_range_ms=IBI_RANGE_MS, max_change: float = MAX_CHANGE):
    """Which intervals are plausible: within ``ibi_range_ms`` and within ``max_change``
    (a fraction) of the median of the five intervals around them.

    Returns ``(valid, counts)`` with counts of ``out_of_range`` and ``abrupt`` intervals.

    Examples
    --------
    >>> valid, counts = check_intervals(np.array([np.nan, 800, 810, 400, 820, 805, 3000]))
    >>> valid.tolist(), counts
    ([False, True, True, False, True, True, False], {'out_of_range': 1, 'abrupt': 1})
    """
    ibi = np.asarray(ibi_ms, dtype=float)
    lo, hi = _check_range(ibi_range_ms)
    with np.errstate(invalid="ignore"):
        in_range = (ibi >= lo) & (ibi <= hi)
    local = pd.Series(np.where(in_range, ibi, np.nan)).rolling(
        5, center=True, min_periods=1).median().to_numpy()
    with np.errstate(invalid="ignore"):
        steady = np.abs(ibi - local) <= max_change * local
    counts = {"out_of_range": int((~np.isnan(ibi) & ~in_range).sum()),
              "abrupt": int((in_range & ~steady).sum())}
    return in_range & steady, counts


def _find_peaks(nk, kind, segment, sr, method, correct):
    """NeuroKit2's cleaning and peak detection on one stretch without gaps."""
    try:
        if kind == "ecg":
            clean = nk.ecg_clean(segment, sampling_rate=sr, method=method)
            _, info = nk.ecg_peaks(clean, sampling_rate=sr, method=method,
                                   correct_artifacts=correct)
            idx = info["ECG_R_Peaks"]
        else:
            clean = nk.ppg_clean(segment, sampling_rate=sr, method=method)
            _, info = nk.ppg_peaks(clean, sampling_rate=sr, method=method,
                                   correct_artifacts=correct)
            idx = info["PPG_Peaks"]
    except (ValueError, TypeError, IndexError) as err:  # NeuroKit2 on flat or tiny input
        logger.info("%s: NeuroKit2 found no peaks in a %g s stretch (%s)",
                    kind.upper(), len(segment) / sr, err)
        return np.full(len(segment), np.nan), np.empty(0, dtype=int), {}
    return np.asarray(clean, dtype=float), np.unique(np.asarray(idx, dtype=int)), info


def _check_signal(x, sampling_rate, kind):
    sr = check_positive(sampling_rate, "sampling_rate")
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"{kind.upper()}: expected a 1-D signal, got shape {x.shape}.")
    if sr < MIN_SAMPLING_RATE[kind]:
        raise ValueError(
            f"Invalid value for 'sampling_rate': {kind.upper()} processing needs at least "
            f"{MIN_SAMPLING_RATE[kind]:g} Hz, got {sr:g} Hz."
        )
    return x, sr


def _check_range(ibi_range_ms):
    try:
        lo, hi = (float(v) for v in ibi_range_ms)
    except (TypeError, ValueError):
        raise ValueError(
            f"Invalid value for 'ibi_range_ms': expected (low, high) in ms, got {ibi_range_ms!r}."
        ) from None
    if not 0 <= lo < hi:
        raise ValueError(
            f"Invalid value for 'ibi_range_ms': expected 0 <= low < high, got {ibi_range_ms!r}."
        )
    return lo, hi


def _split(x, sr, start_s, min_segment_s, kind):
    min_segment_s = check_positive(min_segment_s, "min_segment_s")
    bounds, gaps = segment_bounds(np.isnan(x), round(min_segment_s * sr))
    gaps = [(start_s + i0 / sr, (i1 - i0) / sr, why) for i0, i1, why in gaps]
    if not bounds:
        raise ValueError(
            f"{kind.upper()}: no recorded stretch of at least {min_segment_s:g} s without "
            f"missing samples ({int(np.isnan(x).sum())} of {len(x)} samples missing)."
        )
    return bounds, gaps


def _demo_ecg():
    """A seeded 30 s simulated ECG at 200 Hz and 75 bpm, for the examples."""
    nk = soft_import("neurokit2", "Physiology processing")
    return nk.ecg_simulate(duration=30, sampling_rate=200, heart_rate=75, random_state=0)

