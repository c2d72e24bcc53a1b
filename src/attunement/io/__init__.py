"""Readers that turn recordings into :class:`~attunement.Session` objects."""

from .dispatch import read, session_files
from .mea import read_mea
from .phases import read_phases
from .tables import read_table

__all__ = ["read", "read_mea", "read_phases", "read_table", "session_files"]
