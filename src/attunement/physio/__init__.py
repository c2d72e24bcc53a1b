"""Autonomic physiology: raw ECG / PPG / EDA to beats, heart rate and skin conductance
(through NeuroKit2), upstream of Session. The linkage measures between two partners are in
:mod:`attunement.linkage`, the figures in :mod:`attunement.report.physio_figures`.

NeuroKit2 is the optional extra ``attunement[physio]``; it is imported only when a
function that needs it runs.
"""

from .agreement import IntervalAgreement, compare_intervals
from .dyad import PhysioResult, process_session
from .eda import Electrodermal, process_eda
from .process import (
    IBI_RANGE_MS,
    MAX_CHANGE,
    MIN_SAMPLING_RATE,
    Beats,
    check_intervals,
    process_ecg,
    process_ppg,
)
from .rate import beats_from_intervals, heart_rate, hrv_windows

__all__ = [
    "IBI_RANGE_MS",
    "MAX_CHANGE",
    "MIN_SAMPLING_RATE",
    "Beats",
    "Electrodermal",
    "IntervalAgreement",
    "PhysioResult",
    "beats_from_intervals",
    "check_intervals",
    "compare_intervals",
    "heart_rate",
    "hrv_windows",
    "process_ecg",
    "process_eda",
    "process_ppg",
    "process_session",
]
