"""Agreement of detected beats with a reference series of inter-beat intervals.

Devices often export their own beat-to-beat (RR) intervals without timestamps. To
compare, each chunk of consecutive valid intervals found in the raw signal is matched
to the stretch of the reference it fits best (least median absolute difference over
every offset); chunks that fit nowhere within ``tolerance_ms`` are counted unmatched.
The statistics are those of a Bland-Altman comparison (Bland & Altman 1986, Lancet
1:307): bias, SD of the differences, 95 % limits of agreement.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .._check import check_positive
from .process import Beats
from .segments import runs


@dataclass
class IntervalAgreement:
    """Beat-by-beat agreement of our intervals with a reference.

    Attributes
    ----------
    ibi_ms, reference_ibi_ms : ndarray
        The matched pairs (ms).
    beat_s : ndarray
        Time of each matched beat (s).
    n_chunks, n_chunks_matched : int
        Chunks of our valid intervals tried, and matched to the reference.
    n_valid, n_reference : int
        Our valid intervals, and the reference's intervals.
    tolerance_ms : float
    """

    ibi_ms: np.ndarray
    reference_ibi_ms: np.ndarray
    beat_s: np.ndarray
    n_chunks: int
    n_chunks_matched: int
    n_valid: int
    n_reference: int
    tolerance_ms: float

    def summary(self) -> dict:
        """Bias, SD, limits of agreement, MAE, r and mean heart rates over matched beats."""
        d = self.ibi_ms - self.reference_ibi_ms
        n = len(d)
        sd = float(np.std(d, ddof=1)) if n > 1 else np.nan
        bias = float(np.mean(d)) if n else np.nan
        return {
            "n_matched": n,
            "matched_fraction": n / self.n_valid if self.n_valid else np.nan,
            "n_chunks": self.n_chunks,
            "n_chunks_matched": self.n_chunks_matched,
            "bias_ms": bias,
            "sd_diff_ms": sd,
            "loa_low_ms": bias - 1.96 * sd,
            "loa_high_ms": bias + 1.96 * sd,
            "mae_ms": float(np.mean(np.abs(d))) if n else np.nan,
            "median_abs_diff_ms": float(np.median(np.abs(d))) if n else np.nan,
            "within_tolerance_fraction": float(np.mean(np.abs(d) <= self.tolerance_ms))
            if n else np.nan,
            "r": float(np.corrcoef(self.ibi_ms, self.reference_ibi_ms)[0, 1])
            if n > 2 else np.nan,
            "matched_mean_hr_bpm": float(np.mean(60000.0 / self.ibi_ms)) if n else np.nan,
            "matched_reference_mean_hr_bpm": float(np.mean(60000.0 / self.reference_ibi_ms))
            if n else np.nan,
            "tolerance_ms": self.tolerance_ms,
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per matched beat: ``beat_s``, ``ibi_ms``, ``reference_ibi_ms``,
        ``diff_ms``."""
        return pd.DataFrame({"beat_s": self.beat_s, "ibi_ms": self.ibi_ms,
                             "reference_ibi_ms": self.reference_ibi_ms,
                             "diff_ms": self.ibi_ms - self.reference_ibi_ms})


def compare_intervals(
    beats: Beats,
    reference_ibi_ms,
    chunk_beats: int = 30,
    tolerance_ms: float = 20.0,
) -> IntervalAgreement:
    """Match our valid intervals to a reference interval series and compare them.

    Parameters
    ----------
    beats : Beats
        From :func:`process_ecg` (or :func:`process_ppg`).
    reference_ibi_ms : array
        The reference's intervals in ms, in order (e.g. the device's RR export).
    chunk_beats : int
        Consecutive valid intervals matched as one chunk (choice: 30, long enough for
        the pattern of beat-to-beat variation to fix the offset).
    tolerance_ms : float
        A chunk matches where the median absolute difference is at most this
        (choice: 20 ms, several device resolution steps).

    Examples
    --------
    >>> from attunement.physio import beats_from_intervals
    >>> rng = np.random.default_rng(0)
    >>> ref = 800 + rng.normal(0, 30, 200).round()
    >>> ours = beats_from_intervals(ref[50:150] + 2, start_s=0.0)
    >>> s = compare_intervals(ours, ref).summary()
    >>> s["n_matched"], round(s["bias_ms"], 1)
    (90, 2.0)
    """
    chunk_beats = int(check_positive(chunk_beats, "chunk_beats"))
    tolerance_ms = check_positive(tolerance_ms, "tolerance_ms")
    ref = np.asarray(reference_ibi_ms, dtype=float)
    if ref.ndim != 1 or len(ref) < chunk_beats:
        raise ValueError(f"Invalid value for 'reference_ibi_ms': expected at least "
                         f"{chunk_beats} intervals, got shape {ref.shape}.")
    windows = np.lib.stride_tricks.sliding_window_view(ref, chunk_beats)
    ours, theirs, when = [], [], []
    n_chunks = n_matched = 0
    for a, b in runs(beats.valid):
        for c in range(a, b - chunk_beats + 1, chunk_beats):
            n_chunks += 1
            chunk = beats.ibi_ms[c:c + chunk_beats]
            cost = np.nanmedian(np.abs(windows - chunk), axis=1)
            best = int(np.nanargmin(cost))
            if cost[best] <= tolerance_ms:
                n_matched += 1
                ours.append(chunk)
                theirs.append(windows[best])
                when.append(beats.peaks_s[c:c + chunk_beats])
    ours, theirs, when = (np.concatenate([np.empty(0), *p]) for p in (ours, theirs, when))
    return IntervalAgreement(ours, theirs, when, n_chunks, n_matched,
                             int(beats.valid.sum()), len(ref), tolerance_ms)
