"""Autonomic physiology: raw ECG / PPG / EDA to beats, heart rate and skin conductance
(through NeuroKit2), and physiological linkage between two partners.

NeuroKit2 is the optional extra ``attunement[physio]``; it is imported only when a
function that needs it runs.
"""

from .agreement import IntervalAgreement, compare_intervals
from .coupling import EpisodeCoupling, coupling_by_episode, hr_coupling, synchrony_episodes
from .dyad import PhysioResult, process_session
from .eda import Electrodermal, process_eda
from .linkage import (
    ActorPartnerResult,
    LinkageResult,
    actor_partner,
    interval_correlation,
    interval_means,
    partner_effect_test,
    slope_concordance,
)
from .plot import plot_heart_rate, plot_interval_agreement, plot_null
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
from .summary import linkage_summary, physio_linkage

__all__ = [
    "IBI_RANGE_MS",
    "MAX_CHANGE",
    "MIN_SAMPLING_RATE",
    "ActorPartnerResult",
    "Beats",
    "EpisodeCoupling",
    "Electrodermal",
    "IntervalAgreement",
    "LinkageResult",
    "PhysioResult",
    "actor_partner",
    "beats_from_intervals",
    "check_intervals",
    "compare_intervals",
    "coupling_by_episode",
    "heart_rate",
    "hr_coupling",
    "hrv_windows",
    "interval_correlation",
    "interval_means",
    "linkage_summary",
    "partner_effect_test",
    "physio_linkage",
    "plot_heart_rate",
    "plot_interval_agreement",
    "plot_null",
    "process_ecg",
    "process_eda",
    "process_ppg",
    "process_session",
    "slope_concordance",
    "synchrony_episodes",
]
