"""Raw skin conductance of one partner to its level (tonic) and responses, with NeuroKit2's
``eda_process`` run on each recorded stretch between gaps."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import soft_import
from .process import _check_signal, _split
from .segments import gap_table


@dataclass
class Electrodermal:
    """Skin conductance of one partner: level (tonic), phasic part and responses.

    Attributes
    ----------
    clean, scl_us, phasic_us : ndarray
        Cleaned signal, tonic skin conductance level and phasic component (microsiemens;
        NaN in gaps), one value per raw sample.
    scr : DataFrame
        One row per skin conductance response: ``onset_s``, ``peak_s``, ``amplitude_us``,
        ``rise_time_s``.
    gaps : DataFrame
        ``onset_s``, ``duration_s``, ``reason``.
    sampling_rate, start_s, duration_s : float
    """

    clean: np.ndarray = field(repr=False)
    scl_us: np.ndarray = field(repr=False)
    phasic_us: np.ndarray = field(repr=False)
    scr: pd.DataFrame
    gaps: pd.DataFrame
    sampling_rate: float
    start_s: float
    duration_s: float

    def summary(self) -> dict:
        """Mean SCL, number and rate of SCRs, mean amplitude, gaps."""
        gap_s = float(self.gaps["duration_s"].sum())
        recorded_min = (self.duration_s - gap_s) / 60.0
        return {
            "kind": "eda",
            "mean_scl_us": float(np.nanmean(self.scl_us)),
            "n_scr": int(len(self.scr)),
            "scr_per_min": len(self.scr) / recorded_min if recorded_min > 0 else np.nan,
            "mean_scr_amplitude_us": float(self.scr["amplitude_us"].mean())
            if len(self.scr) else np.nan,
            "duration_s": self.duration_s,
            "gap_s": gap_s,
            "gap_fraction": gap_s / self.duration_s,
            "n_gaps": int(len(self.gaps)),
        }

    def to_frame(self) -> pd.DataFrame:
        """Per sample: ``time_s``, ``eda_clean_us``, ``scl_us``, ``phasic_us``."""
        t = self.start_s + np.arange(len(self.clean)) / self.sampling_rate
        return pd.DataFrame({"time_s": t, "eda_clean_us": self.clean, "scl_us": self.scl_us,
                             "phasic_us": self.phasic_us})


def process_eda(
    eda,
    sampling_rate: float,
    start_s: float = 0.0,
    method: str = "neurokit",
    min_segment_s: float = 10.0,
) -> Electrodermal:
    """Skin conductance level and responses with ``nk.eda_process``, per recorded stretch.

    Parameters
    ----------
    eda : array of shape (n_times,)
        Skin conductance in microsiemens; NaN marks missing samples.
    sampling_rate : float
        Hz; at least 4 (:data:`MIN_SAMPLING_RATE`).
    start_s, min_segment_s : float
        As :func:`process_ecg`.
    method : str
        NeuroKit2's ``eda_process`` method.

    Examples
    --------
    >>> import neurokit2 as nk
    >>> eda = nk.eda_simulate(duration=60, sampling_rate=10, scr_number=3, random_state=0)
    >>> process_eda(eda, sampling_rate=10).summary()["n_scr"]
    3
    """
    nk = soft_import("neurokit2", "Physiology processing")
    x, sr = _check_signal(eda, sampling_rate, "eda")
    bounds, gaps = _split(x, sr, start_s, min_segment_s, "eda")
    out = {k: np.full(len(x), np.nan) for k in ("EDA_Clean", "EDA_Tonic", "EDA_Phasic")}
    scr = []
    for i0, i1 in bounds:
        signals, info = nk.eda_process(x[i0:i1], sampling_rate=sr, method=method)
        for k in out:
            out[k][i0:i1] = signals[k].to_numpy()
        peaks = np.asarray(info["SCR_Peaks"], dtype=int)
        onsets = np.asarray(info["SCR_Onsets"], dtype=float)
        scr.append(pd.DataFrame({
            "onset_s": start_s + (i0 + onsets) / sr,
            "peak_s": start_s + (i0 + peaks) / sr,
            "amplitude_us": np.asarray(info["SCR_Amplitude"], dtype=float),
            "rise_time_s": np.asarray(info["SCR_RiseTime"], dtype=float),
        }))
    scr_table = (pd.concat(scr, ignore_index=True) if scr else
                 pd.DataFrame(columns=["onset_s", "peak_s", "amplitude_us", "rise_time_s"]))
    return Electrodermal(out["EDA_Clean"], out["EDA_Tonic"], out["EDA_Phasic"], scr_table,
                         gap_table(gaps), sr, float(start_s), len(x) / sr)
