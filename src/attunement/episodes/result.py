"""``EpisodeResult``: the episodes, states and summaries of one session."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .summary import summary_rows


@dataclass
class EpisodeResult:
    """Attunement episodes of one session.

    Attributes
    ----------
    episodes : DataFrame
        One row per episode: ``session, onset_s, offset_s, kind`` ('attuned', 'rupture' or
        'not_yet_attuned': out of step before any attuned state), ``duration_s``; rupture
        rows also ``repaired``, ``repair_latency_s``, ``long_unrepaired``,
        ``repair_initiator``, ``rupture_type``, ``withdrawal_score``,
        ``confrontation_score``; and ``phase``. Rupture types are screening aids for human
        coding, never diagnoses.
    states : DataFrame
        One row per window (or coded sample): ``time_s``, ``attuned``, ``missing``,
        ``value`` (synchrony in surrogate SDs above chance; 1/0 for coded matching),
        ``threshold``, ``p_attuned``, ``run_p_value`` (the attuned run's adjusted p-value:
        the larger of the session's against its surrogates and the run's against the
        surrogates' largest run, :func:`~attunement.episodes.gate_attuned`) and
        ``phase``.
    session : str
        Session id.
    partners : pair of str
        Partner 1 and partner 2.
    step_s : float
        Seconds each state row stands for.
    phases : DataFrame
        The session's phases (``onset_s, duration_s, label``), possibly empty.
    params : dict
        Every parameter used (recorded in the summary), the ``paradigm``, and the verdict
        ``detectable`` with its reason ``detectability`` (too short or too weakly coupled
        for episodes to be meaningful; :mod:`attunement.episodes.detectability`).
    series : object, optional
        The :class:`~attunement.episodes.SynchronySeries` segmented (None for coded states).
    fit : object, optional
        The :class:`~attunement.episodes.StateFit` (None for coded states).
    """

    episodes: pd.DataFrame
    states: pd.DataFrame
    session: str
    partners: tuple[str, str]
    step_s: float
    phases: pd.DataFrame = field(default_factory=pd.DataFrame)
    params: dict[str, Any] = field(default_factory=dict)
    series: Any = None
    fit: Any = None

    @property
    def ruptures(self) -> pd.DataFrame:
        """The rupture rows of :attr:`episodes`."""
        return self.episodes[self.episodes.kind == "rupture"].reset_index(drop=True)

    def summary_frame(self) -> pd.DataFrame:
        """One row for the session (``phase`` = 'all') and one per phase, with the
        parameters as columns.

        Columns: ``observed_s``, ``missing_fraction``, ``matched_proportion``,
        ``mean_synchrony``, ``n_ruptures``, ``n_repairs``, ``ruptures_per_min``,
        ``repairs_per_min``, ``n_long_unrepaired``, the repair-latency distribution
        (``repair_latency_{mean,median,q25,q75,max}_s``), ``longest_unrepaired_s`` with
        its ``_onset_s`` and ``_offset_s``; on the session row of a Still-Face session
        also ``still_face_effect``, ``reunion_effect`` (matched proportion minus play),
        their ``_synchrony`` versions and the within-still-face slopes per minute.
        """
        table = summary_rows(self.episodes, self.states, self.phases, self.session,
                             self.step_s)
        for key, value in self.params.items():
            table[key] = _flat(value)
        return table

    def summary(self) -> dict[str, Any]:
        """The whole-session row of :meth:`summary_frame` as a dict (no ``session`` or
        ``phase`` keys, no parameters)."""
        row = summary_rows(self.episodes, self.states, self.phases, self.session,
                           self.step_s).iloc[0].to_dict()
        for key in ("session", "phase"):
            row.pop(key)
        return {k: (v.item() if isinstance(v, np.generic) else v) for k, v in row.items()}

    def to_frame(self) -> pd.DataFrame:
        """The episodes table (a copy)."""
        return self.episodes.copy()


def _flat(value):
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return value
