"""Writing what the pipeline returned into ``--out``: the files of ``attune analyze``.

Each session's tables and pages are written as soon as it finishes (summary.csv and
the episode tables are rewritten after every session, so finished results survive a
later failure); a failed session is warned about and the rest go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ._term import info, warn

#: Tables written into summary.csv, episodes.csv and episode_summary.csv instead of
#: one file per session (and the WCC, written wide).
COMBINED = ("summary", "episodes", "episode_summary", "wcc")


@dataclass
class Written:
    """What :func:`write_analyses` wrote: report links and failures, by session."""

    out: Path
    analysed: list[str] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    summaries: list[pd.DataFrame] = field(default_factory=list)

    def write_index(self) -> None:
        """index.html comparing the sessions."""
        from ..io.writers import write_text
        from ..report.index_report import index_html

        summary = pd.concat(self.summaries, ignore_index=True)
        write_text(index_html(summary, self.links), self.out / "index.html")


def write_analyses(results: Iterable, out: Path, videos: list[Path],
                   advance: Callable[[], None]) -> Written:
    """Write every ``(session, analysis or error)`` of
    :func:`attunement.analyze_sessions`: tables, viewer and report pages, summary.csv,
    the episode tables and, across sessions, group.csv and pseudo_dyads.csv."""
    from ..analysis import group_tables
    from ..io.writers import safe_name, write_csv, write_parquet, write_summary
    from ..report.session_report import write_session_report
    from ..report.viewer import write_viewer

    written = Written(out)
    episodes, episode_summaries, analyses = [], [], []
    for session, analysis in results:
        name = safe_name(session.id)
        try:
            if isinstance(analysis, Exception):
                raise analysis
            tables = analysis.tables()
            for table, frame in tables.items():
                if table not in COMBINED:
                    write_parquet(frame, out / f"{table}_{name}.parquet")
            wide = analysis.wide_wcc()
            info(f"{session.id}: tables" + (" and report" if wide is not None else ""))
            if wide is not None:
                write_parquet(wide, out / f"wcc_{name}.parquet")
                own = [p for p in videos if safe_name(p.stem) == name]
                write_viewer(analysis, out / f"viewer_{name}.html", own,
                             report=f"report_{name}.html")
                write_session_report(analysis, out / f"report_{name}.html",
                                     f"viewer_{name}.html")
        except (ValueError, FloatingPointError) as err:  # one bad session never stops the rest
            written.failed[session.id] = str(err)
            warn(f"{session.id}: {err}")
            advance()
            continue
        analyses.append(analysis)
        written.analysed.append(session.id)
        written.summaries.append(tables["summary"])
        episodes.append(tables.get("episodes"))
        episode_summaries.append(tables.get("episode_summary"))
        if wide is not None:
            written.links[session.id] = f"report_{name}.html"
        for ch in analysis.channels:
            if ch.peaks is not None:
                info(f"{session.id} [{ch.channel}]: {ch.peaks.leader_text(session.partners)}")
        write_summary(pd.concat(written.summaries, ignore_index=True), out / "summary.csv")
        _write_concat(episodes, out / "episodes.csv", write_csv)
        _write_concat(episode_summaries, out / "episode_summary.csv", write_summary)
        advance()
    for table, frame in group_tables(analyses).items():
        write_csv(frame, out / f"{table}.csv")
    return written


def _write_concat(frames, path, writer) -> None:
    frames = [f for f in frames if f is not None]
    if frames:
        writer(pd.concat(frames, ignore_index=True), path)
