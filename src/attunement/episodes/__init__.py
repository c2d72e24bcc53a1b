"""Attunement episodes: attuned and non-attuned states, ruptures, repairs, still-face effects.

:func:`detect_episodes` segments a session's time-resolved synchrony; :func:`match_states`
does the same from coded categorical states (Tronick-style matching). Both return an
:class:`EpisodeResult`. Modules: :mod:`.synchrony` (the scored series), :mod:`.segment`
(the two-state HMM), :mod:`.table` (episodes), :mod:`.rupture_types`, :mod:`.summary`,
:mod:`.categorical`, :mod:`.validate` (scoring against simulator truth).
"""

from .categorical import SPAFF_CLASSES, SPAFF_RUPTURE_CODES, match_states, read_codes
from .detect import detect_episodes
from .result import EpisodeResult
from .rupture_types import channel_roles, type_ruptures
from .segment import StateFit, segment_states
from .synchrony import SynchronySeries, combine_series, synchrony_series
from .validate import TruthScore, score_against_truth

__all__ = [
    "SPAFF_CLASSES",
    "SPAFF_RUPTURE_CODES",
    "EpisodeResult",
    "StateFit",
    "SynchronySeries",
    "TruthScore",
    "channel_roles",
    "combine_series",
    "detect_episodes",
    "match_states",
    "read_codes",
    "score_against_truth",
    "segment_states",
    "synchrony_series",
    "type_ruptures",
]
