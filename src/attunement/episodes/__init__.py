"""Attunement episodes: attuned and non-attuned states, ruptures, repairs, still-face effects.

:func:`detect_episodes` segments a session's time-resolved synchrony; :func:`match_states`
does the same from coded categorical states (Tronick-style matching). Both return an
:class:`EpisodeResult`. Modules: :mod:`.synchrony` (the scored series), :mod:`.segment`
(the two-state HMM), :mod:`.gate` (attuned only beyond the surrogates),
:mod:`.paradigms` (time-scale presets), :mod:`.detectability`, :mod:`.table` (episodes),
:mod:`.rupture_types`, :mod:`.summary`, :mod:`.categorical`, :mod:`.pseudo` (the pseudo-dyad
control), :mod:`.validate` (scoring against simulator truth).
"""

from .categorical import SPAFF_CLASSES, SPAFF_RUPTURE_CODES, match_states
from .detect import detect_episodes
from .detectability import detectability
from .gate import gate_attuned
from .paradigms import PARADIGMS, Paradigm, get_paradigm
from .result import EpisodeResult
from .rupture_types import channel_roles, type_ruptures
from .segment import StateFit, segment_states
from .synchrony import SynchronySeries, combine_series, synchrony_series
from .validate import TruthScore, score_against_truth

__all__ = [
    "SPAFF_CLASSES",
    "SPAFF_RUPTURE_CODES",
    "EpisodeResult",
    "PARADIGMS",
    "Paradigm",
    "StateFit",
    "SynchronySeries",
    "TruthScore",
    "channel_roles",
    "combine_series",
    "detect_episodes",
    "detectability",
    "gate_attuned",
    "get_paradigm",
    "match_states",
    "score_against_truth",
    "segment_states",
    "synchrony_series",
    "type_ruptures",
]
