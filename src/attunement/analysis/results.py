"""The results of one session's analysis and their tidy tables.

:class:`SessionAnalysis` holds every result object (for figures and the HTML report);
:meth:`SessionAnalysis.tables` gives the tidy tables that ``attune analyze`` and
``attune sync`` write and a cohort store collects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..config import AnalysisConfig
from ..io.quality import channel_reasons
from ..provenance import version_rows, versions_text
from ..session import Session

#: Columns first in summary.csv, in this order (the WCC's only when it runs).
FIRST = ["session", "channel", "grand_average", "lag_zero_mean", "best_lag_s", "n_windows",
         "missing_fraction"]


@dataclass
class ChannelAnalysis:
    """The results of one channel: the WCC (when configured), its peaks and surrogate
    test, the contingency result, and every measure's summary columns.

    ``measures`` maps each measure other than the WCC to its columns in summary.csv:
    the measure's summary (``<measure>_<column>``), its parameters
    (``<measure>_param_<key>``) and, with surrogates, its headline test
    (``<measure>_statistic``, ``_p_value``, ...).
    """

    channel: str
    wcc: Any | None = None
    peaks: Any | None = None
    test: Any | None = None
    contingency: Any | None = None
    #: The voice channel's vocal states (0.25 s base) and rupture markers, with ``vocal``.
    vocal: Any | None = None
    vocal_markers: pd.DataFrame | None = None
    measures: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: The columns that record the run's settings (preprocessing, seed, sampling rate).
    settings: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """One row of summary.csv without the session: every measure's columns."""
        row: dict[str, Any] = {"channel": self.channel}
        if self.wcc is not None:
            row.update(self.wcc.summary())
            row.update(self.peaks.summary())
            alpha = self.peaks.params.get("alpha")
            row["peak_alpha"] = alpha if alpha is not None else math.nan
        row.update(self.settings)
        if self.test is not None:
            row.update({k: v for k, v in self.test.summary().items() if k not in row})
        for name, cols in self.measures.items():
            row.update({k: v for k, v in cols.items() if k.startswith(f"{name}_") or k not in row})
        return row


@dataclass
class SessionAnalysis:
    """Everything computed for one session (``session`` is the preprocessed one)."""

    session: Session
    config: AnalysisConfig
    channels: list[ChannelAnalysis]
    episodes: Any | None = None
    physio: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def summary_frame(self) -> pd.DataFrame:
        """One row per channel: the measures' summaries, surrogate tests and parameters."""
        params = {k: v for k, v in self.config.flat().items() if not k.startswith("measures")}
        rows = []
        for ch in self.channels:
            row = {"session": self.session.id, **ch.summary()}
            row["reason"] = "; ".join(channel_reasons(self.session, ch.channel)) or pd.NA
            if self.episodes is not None and ch.channel == self.episodes_channel:
                row.update(_prefixed(self.episodes.summary(), "episodes_"))
            row.update(params)
            row["versions"] = versions_text()
            rows.append(row)
        frame = pd.DataFrame(rows)
        first = [c for c in FIRST if c in frame.columns]
        return frame[first + [c for c in frame.columns if c not in first]]

    @property
    def episodes_channel(self) -> str | None:
        """Episode summaries go on the first channel's row (episodes combine all channels)."""
        return self.channels[0].channel if self.channels else None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy tables: summary, wcc, peaks, surrogates, contingency, vocal events and
        markers, episodes, missing, parameters (those of measures that ran)."""
        sid = self.session.id
        record = {**self.config.flat(), **version_rows()}
        out = {
            "summary": self.summary_frame(),
            "missing": self.session.missing_report(),
            "parameters": pd.DataFrame(
                {
                    "session": sid,
                    "parameter": list(record),
                    "value": [str(v) for v in record.values()],
                }
            ),
        }
        parts: dict[str, list[pd.DataFrame]] = {}
        for ch in self.channels:
            for table, result in (("wcc", ch.wcc), ("peaks", ch.peaks),
                                  ("surrogates", ch.test), ("contingency", ch.contingency)):
                if result is not None:
                    frame = result.to_frame().assign(session=sid, channel=ch.channel)
                    parts.setdefault(table, []).append(frame)
            if ch.vocal is not None:
                parts.setdefault("vocal_events", []).append(
                    ch.vocal.to_frame().assign(session=sid, channel=ch.channel))
                parts.setdefault("vocal_markers", []).append(
                    ch.vocal_markers.assign(session=sid, channel=ch.channel))
        for table, frames in parts.items():
            out[table] = _front(pd.concat(frames, ignore_index=True))
        if self.physio is not None:
            out["physio_linkage"] = self.physio
        if self.episodes is not None:
            out["episodes"] = self.episodes.episodes.assign(session=sid)
            out["episode_summary"] = self.episodes.summary_frame().assign(session=sid)
        return out

    def wide_wcc(self) -> pd.DataFrame | None:
        """One row per window and channel: ``channel``, ``window_start_s``, one column per
        lag (None when the WCC was not configured)."""
        frames = [ch.wcc.to_wide().assign(channel=ch.channel)
                  for ch in self.channels if ch.wcc is not None]
        if not frames:
            return None
        wide = pd.concat(frames, ignore_index=True)
        return wide[["channel"] + [c for c in wide.columns if c != "channel"]]


def _prefixed(values: dict, prefix: str) -> dict:
    return {f"{prefix}{k}": v for k, v in values.items() if k != "session"}


def _front(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["session", "channel"]
    return frame[cols + [c for c in frame.columns if c not in cols]]
