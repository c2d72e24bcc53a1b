"""The ``Session``: one recording of two partners on a common clock.

Every reader returns a Session and every measure accepts one. The signals are a
table indexed by time in seconds (``time_s``) with one column per
``(partner, channel)``. Missing values (NaN) are allowed; they are counted and
reported (:meth:`Session.missing_report`), never silently filled.
"""

from .model import Session
from .parquet import META_KEY, session_from_parquet_header, write_session_parquet
from .phases import PHASE_COLUMNS, empty_phases, validate_phases

__all__ = [
    "META_KEY",
    "PHASE_COLUMNS",
    "Session",
    "empty_phases",
    "session_from_parquet_header",
    "validate_phases",
    "write_session_parquet",
]
