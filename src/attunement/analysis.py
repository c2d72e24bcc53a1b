"""One session, end to end: preprocess, measure, test against surrogates, find episodes.

:func:`analyze` returns a :class:`SessionAnalysis` holding every result object (for
figures and the HTML report) and :meth:`SessionAnalysis.tables` giving the tidy
tables that ``attune analyze`` writes and a cohort store collects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._log import logger
from .config import AnalysisConfig, load_config
from .io import read
from .io.quality import channel_reasons
from .lagcorr.window import check_window
from .preprocess import remove_outliers, scale, smooth
from .provenance import version_rows, versions_text
from .session import Session


@dataclass
class ChannelAnalysis:
    """The synchrony results of one channel: the WCC, its peaks and the surrogate test."""

    channel: str
    wcc: Any
    peaks: Any
    test: Any | None = None
    contingency: Any | None = None

    def summary(self) -> dict[str, Any]:
        row = {"channel": self.channel, **self.wcc.summary(), **self.peaks.summary()}
        if self.test is not None:
            row.update(self.test.summary())
        if self.contingency is not None:
            row.update(self.contingency.summary())
        return row


@dataclass
class SessionAnalysis:
    """Everything computed for one session."""

    session: Session
    config: AnalysisConfig
    channels: list[ChannelAnalysis]
    episodes: Any | None = None
    physio: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)

    def summary_frame(self) -> pd.DataFrame:
        """One row per channel: the synchrony summaries, surrogate test and parameters."""
        rows = []
        for ch in self.channels:
            row = {"session": self.session.id, **ch.summary()}
            row["reason"] = "; ".join(channel_reasons(self.session, ch.channel)) or pd.NA
            if self.episodes is not None and ch.channel == self.episodes_channel:
                row.update(_prefixed(self.episodes.summary(), "episodes_"))
            row.update(self.config.flat())
            row["versions"] = versions_text()
            rows.append(row)
        return pd.DataFrame(rows)

    @property
    def episodes_channel(self) -> str | None:
        """Episode summaries go on the first channel's row (episodes combine all channels)."""
        return self.channels[0].channel if self.channels else None

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tidy tables: summary, wcc, peaks, surrogates, episodes, missing, parameters."""
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
        wcc_rows, peak_rows, null_rows, cont_rows = [], [], [], []
        for ch in self.channels:
            frame = ch.wcc.to_frame()
            wcc_rows.append(frame.assign(session=sid, channel=ch.channel))
            peak_rows.append(ch.peaks.to_frame().assign(session=sid, channel=ch.channel))
            if ch.test is not None:
                null_rows.append(ch.test.to_frame().assign(session=sid, channel=ch.channel))
            if ch.contingency is not None:
                cont_rows.append(ch.contingency.to_frame().assign(session=sid, channel=ch.channel))
        out["wcc"] = _front(pd.concat(wcc_rows, ignore_index=True))
        out["peaks"] = _front(pd.concat(peak_rows, ignore_index=True))
        if null_rows:
            out["surrogates"] = _front(pd.concat(null_rows, ignore_index=True))
        if cont_rows:
            out["contingency"] = _front(pd.concat(cont_rows, ignore_index=True))
        if self.physio is not None:
            out["physio_linkage"] = self.physio
        if self.episodes is not None:
            out["episodes"] = self.episodes.episodes.assign(session=sid)
            out["episode_summary"] = self.episodes.summary_frame().assign(session=sid)
        return out


def preprocess_session(session: Session, config: AnalysisConfig) -> Session:
    """Apply the configured rMEA-style steps: smooth, then scale, then outliers."""
    pre = config.preprocess
    if pre.smooth_s is not None:
        session = smooth(session, pre.smooth_s)
    if pre.scale is not None:
        session = scale(session, pre.scale)
    if pre.outliers_sd is not None:
        session = remove_outliers(session, threshold_sd=pre.outliers_sd)
    return session


def analyze(
    session: Session, config: AnalysisConfig | None = None, progress=None
) -> SessionAnalysis:
    """Analyse one session with ``config`` (defaults: :class:`AnalysisConfig`).

    ``progress``, if given, is called as ``progress(done, total, step)`` after each step
    (each channel's measures and surrogates, the episodes, the heart-rate linkage).
    """
    from .lagcorr.lagged import wcc
    from .lagcorr.peaks import pick_peaks

    config = config or AnalysisConfig()
    session = preprocess_session(session, config)
    channels = _channels(session, config.read.channels)
    sync, nul = config.sync, config.surrogates
    check_window(session.sampling_rate, sync.window_s, sync.max_lag_s,
                 f"session {session.id!r}: ", ("sync.window_s", "sync.max_lag_s"))
    results, notes = [], []
    for channel in channels:
        reasons = channel_reasons(session, channel)
        if reasons:
            notes.append(f"Channel {channel!r}: {'; '.join(reasons)}; its measures are empty.")
            logger.warning("session %s: %s", session.id, notes[-1])
    total = len(channels) + 2

    def step(done: int, label: str) -> None:
        if progress is not None:
            progress(done, total, label)

    if nul.n > 0 and nul.null == "pseudo-dyads":
        notes.append(
            "Pseudo-dyads need other sessions: no per-session surrogate test was run "
            "(use attune batch --pseudo-dyads, or another null)."
        )
        logger.warning("session %s: %s", session.id, notes[-1])
    for k, channel in enumerate(channels):
        x1, x2 = session.pair(channel)
        params = sync.wcc_params()
        result = wcc(x1, x2, session.sampling_rate, **params)
        peaks = pick_peaks(result, x1, x2, session.sampling_rate, method=config.peaks.method,
                           alpha=config.peaks.alpha, n_surrogates=config.peaks.n_surrogates,
                           seed=nul.seed)
        test = None
        if nul.n > 0 and nul.null != "pseudo-dyads":
            from .stats import surrogate_test

            test = surrogate_test(
                x1,
                x2,
                session.sampling_rate,
                null=nul.null,
                n_surrogates=nul.n,
                seed=nul.seed,
                params=params,
            )
        cont = _contingency(x1, x2, session, config, notes)
        results.append(ChannelAnalysis(channel, result, peaks, test, cont))
        step(k + 1, f"{channel}: synchrony and {nul.n} surrogates")
    analysis = SessionAnalysis(session, config, results, notes=notes)
    analysis.episodes = _episodes(session, config, channels, analysis)
    step(len(channels) + 1, "episodes")
    analysis.physio = _physio(session, config, analysis)
    step(total, "heart-rate linkage")
    return analysis


def _physio(session, config, analysis) -> pd.DataFrame | None:
    """Heart-rate linkage (Palumbo et al. 2017 families), inside vs outside the attuned
    episodes (Feldman et al. 2011), when the session records the configured channel."""
    phys = config.physio
    if not phys.enabled or phys.channel not in session.channels or config.surrogates.n == 0:
        return None
    from .linkage import physio_linkage

    episodes = None
    if analysis.episodes is not None:
        attuned = analysis.episodes.episodes.query("kind == 'attuned'")
        episodes = attuned.assign(duration_s=attuned.offset_s - attuned.onset_s)
    try:
        return physio_linkage(
            session,
            channel=phys.channel,
            n_surrogates=config.surrogates.n,
            seed=config.surrogates.seed,
            episodes=episodes,
        )
    except ValueError as err:
        analysis.notes.append(f"Heart-rate linkage not computed: {err}")
        return None


def _contingency(x1, x2, session, config, notes):
    """Beebe & Jaffe contingency; sessions with gaps are skipped with a note (the
    regression needs complete series)."""
    from .sync.contingency import contingency

    c = config.contingency
    try:
        return contingency(
            x1, x2, session.sampling_rate, base_s=c.base_s, band=c.band, self_band=c.self_band
        )
    except ValueError as err:
        notes.append(f"Contingency not computed: {err}")
        return None


def _episodes(session, config, channels, analysis):
    if not channels:
        return None
    try:
        from .episodes import detect_episodes
    except ImportError:  # pragma: no cover - until the episodes module lands
        analysis.notes.append("Episode detection is not available in this version.")
        return None
    try:
        return detect_episodes(
            session,
            channel=channels,
            paradigm=config.episodes.paradigm,
            long_unrepaired_s=config.episodes.long_unrepaired_s,
            seed=config.surrogates.seed,
        )
    except ValueError as err:
        analysis.notes.append(f"Episodes not computed: {err}")
        logger.warning("session %s: episodes not computed: %s", session.id, err)
        return None


def read_one(path: str | Path, config: AnalysisConfig) -> Session:
    """Read the one session in ``path`` with the ``read`` settings of ``config``."""
    r = config.read
    sessions = read(path, sampling_rate=r.sampling_rate, partners=r.partners,
                    resample=r.resample_hz, time_unit=r.time_unit)
    if len(sessions) != 1:
        raise ValueError(f"{path}: expected one session, got {len(sessions)}.")
    return sessions[0]


def analyze_file(path: str | Path, settings: dict | None = None) -> dict[str, pd.DataFrame]:
    """Read one recording and return its tables (the worker of ``attune batch``)."""
    config = AnalysisConfig.model_validate(settings or {}) if settings else load_config()
    return analyze(read_one(path, config), config).tables()


def _channels(session: Session, wanted: list[str] | None) -> list[str]:
    """The configured channels this session records for both partners (all if none set)."""
    if wanted is None:
        return session.channels
    present = [c for c in wanted if c in session.channels]
    if not present:
        raise ValueError(
            f"session {session.id!r}: none of the configured channels {wanted} is recorded "
            f"for both partners; it has {session.channels}."
        )
    return present


def _prefixed(values: dict, prefix: str) -> dict:
    return {f"{prefix}{k}": v for k, v in values.items() if k != "session"}


def _front(frame: pd.DataFrame) -> pd.DataFrame:
    cols = ["session", "channel"]
    return frame[cols + [c for c in frame.columns if c not in cols]]
