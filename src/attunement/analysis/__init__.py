"""The one pipeline: a session end to end from a configuration.

:func:`analyze` (one session) and :func:`analyze_sessions` (many, each preprocessed
once) run the measures that :class:`~attunement.config.AnalysisConfig` names, their
surrogate tests, the episodes and the heart-rate linkage; ``attune analyze``,
``attune sync`` and ``attune batch`` call them. :mod:`.results` holds the result
objects and their tables, :mod:`.measures` one registry measure with its test,
:mod:`.group` real dyads against pseudo-dyads across sessions.
"""

from .group import group_tables
from .pipeline import (
    VIDEO_SUFFIXES,
    analyze,
    analyze_file,
    analyze_sessions,
    input_files,
    preprocess_session,
    read_one,
    read_sessions,
)
from .results import FIRST, ChannelAnalysis, SessionAnalysis

__all__ = [
    "FIRST",
    "VIDEO_SUFFIXES",
    "ChannelAnalysis",
    "SessionAnalysis",
    "analyze",
    "analyze_file",
    "analyze_sessions",
    "group_tables",
    "input_files",
    "preprocess_session",
    "read_one",
    "read_sessions",
]
