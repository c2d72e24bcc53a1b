"""The HTML report of one analysed session (see SCIENCE.md: what a report owes a researcher)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..io.writers import write_text
from ..provenance import version_rows
from . import figures
from ._mpl import to_data_uri
from .html import render
from .vocal_figures import plot_vocal_timeline

NULL_DESCRIPTIONS = {
    "shift": "one partner circularly shifted by at least the largest lag: keeps each series "
    "whole, breaks their alignment",
    "segments": "each partner's series cut into segments and shuffled: keeps short-range "
    "structure, breaks the alignment",
    "iaaft": "iterative amplitude-adjusted Fourier surrogates: keep each series' spectrum and "
    "value distribution",
    "pseudo-dyads": "partners re-paired across sessions",
    "shuffle": "samples shuffled: no time structure (not calibrated for autocorrelated data)",
}


def _fig(ax) -> str:
    return to_data_uri(ax.figure)


def session_context(analysis) -> dict:
    """Everything the session template shows, from a :class:`SessionAnalysis`."""
    s = analysis.session
    cfg = analysis.config
    analysed = [ch.channel for ch in analysis.channels]
    missing = s.missing_report()
    missing = missing[missing["channel"].isin(analysed)][
        ["partner", "channel", "n_missing", "missing_fraction", "longest_gap_s"]
    ]
    quality = {
        "missing": missing,
        "outliers": ", ".join(f"{k}: {v}" for k, v in s.meta.get("outliers_removed", {}).items()),
        "artefact_windows": _artefact_note(analysis),
        "signals_fig": _fig(figures.plot_signals(s, analysis.channels[0].channel))
        if analysis.channels
        else None,
    }
    channels, rows = [], []
    for ch in analysis.channels:
        summ = ch.summary()
        rows.append(
            {
                "channel": ch.channel,
                "grand_average": summ.get("grand_average"),
                "surrogate_mean": summ.get("surrogate_mean"),
                "surrogate_sd": summ.get("surrogate_sd"),
                "effect_size": summ.get("effect_size"),
                "p_value": summ.get("p_value"),
                "n_windows": summ.get("n_windows"),
            }
        )
        channels.append(
            {
                "name": ch.channel,
                "null_fig": _fig(figures.plot_null_distribution(ch.test)) if ch.test else None,
                "heatmap_fig": _fig(figures.plot_wcc_heatmap(ch.wcc)),
                "peaks_fig": _fig(figures.plot_peak_lags(ch.peaks.to_frame(), s.partners)),
                "peak_lag_mean": summ["peak_lag_mean_s"],
                "peak_lag_sd": summ["peak_lag_sd_s"],
                "peak_r_mean": summ["peak_r_mean"],
                "peak_r_sd": summ["peak_r_sd"],
                "leads": (summ["p1_leads_share"], summ["p2_leads_share"]),
                "leads_n": (summ["p1_leads_n"], summ["p2_leads_n"]),
                "n_peaks": summ["n_peaks"],
                "n_no_leader": summ.get("n_no_leader"),
                "n_peak_windows": summ["n_peak_windows"],
                "peak_method": summ["peak_method"],
                "peak_alpha": ch.peaks.params.get("alpha"),
                "leader_text": ch.peaks.leader_text(s.partners),
                "contingency": _contingency_table(ch, s.partners),
                "vocal_fig": _fig(plot_vocal_timeline(ch.vocal, ch.vocal_markers))
                if ch.vocal is not None else None,
            }
        )
    return {
        "session": {
            "id": s.id,
            "partners": s.partners,
            "duration_s": s.duration_s,
            "sampling_rate": s.sampling_rate,
            "channels": s.channels,
        },
        "quality": quality,
        "null": {
            "n": cfg.surrogates.n_surrogates,
            "name": cfg.surrogates.null,
            "description": NULL_DESCRIPTIONS[cfg.surrogates.null],
        },
        "synchrony": {"table": pd.DataFrame(rows), "physio": _physio_table(analysis)},
        "channels": channels,
        "episodes": _episode_context(analysis),
        "notes": analysis.notes,
        "phases": _phase_context(analysis),
        "params": {
            **cfg.flat(),
            **{f"session.meta.{k}": v for k, v in s.meta.items() if k not in ("outliers_removed",)},
            **version_rows(),
        },
    }


def _contingency_table(channel, partners) -> pd.DataFrame | None:
    if channel.contingency is None:
        return None
    table = channel.contingency.to_frame()
    names = {"1": partners[0], "2": partners[1]}
    table["direction"] = [
        f"{names[d[0]]} → {names[d[-1]]}" if d[0] != d[-1] else f"{names[d[0]]} (own past)"
        for d in table["direction"]
    ]
    table["flag"] = table["flag"].fillna("no band set")
    return table[["kind", "direction", "coefficient", "se", "p_value", "flag"]]


def _physio_table(analysis) -> pd.DataFrame | None:
    if analysis.physio is None:
        return None
    cols = ["measure", "value", "null", "null_mean", "effect_size", "p_value", "n_used"]
    return analysis.physio[[c for c in cols if c in analysis.physio.columns]]


def _artefact_note(analysis) -> str:
    notes = []
    for ch in analysis.channels:
        values = np.asarray(ch.wcc.values, dtype=float)
        r = np.tanh(np.abs(values)) if ch.wcc.params.get("fisher_z") else np.abs(values)
        n = int((np.abs(np.nan_to_num(r)) > 0.95).any(axis=1).sum()) if values.size else 0
        if n:
            notes.append(
                f"{ch.channel}: {n} window(s) with |r| > 0.95 — implausibly high "
                "synchrony often means a shared artefact (camera shake, light change)."
            )
    return " ".join(notes)


def time_scale_note(config, params: dict) -> str:
    """Whether the preset was chosen or the default, and the windows actually used.

    Examples
    --------
    >>> from attunement.config import load_config
    >>> note = time_scale_note(load_config().episodes, dict(window_s=4, step_s=0.5, max_lag_s=2))
    >>> note.split(";")[0], note.split(": ")[1]
    ('the default', '4 s windows moved by 0.5 s, lags to 2 s')
    """
    how = ("chosen in the configuration's [episodes] paradigm or with --paradigm"
           if "paradigm" in config.model_fields_set else
           "the default; choose another with --paradigm or [episodes] paradigm")
    used = [f"{params.get(k, float('nan')):g}" for k in ("window_s", "step_s", "max_lag_s")]
    return f"{how}: {used[0]} s windows moved by {used[1]} s, lags to {used[2]} s"


def _episode_context(analysis) -> dict:
    ep = analysis.episodes
    if ep is None:
        reason = "; ".join(analysis.notes) or "Episodes were not computed."
        return {"available": False, "reason": reason, "paradigm": None}
    from ..episodes import get_paradigm

    name = ep.params.get("paradigm")
    scale = {
        "paradigm": name,
        "paradigm_why": get_paradigm(name).why if name else "",
        "paradigm_source": time_scale_note(analysis.config.episodes, ep.params),
        "session_p_value": ep.params.get("session_p_value"),
    }
    if not ep.params.get("detectable", True):
        reason = (f"Episodes are not drawn for this session: {ep.params.get('detectability')}. "
                  "Its attuned share and ruptures would not be meaningful.")
        return {"available": False, "reason": reason, **scale}
    summary = ep.summary()
    table = ep.episodes
    ruptures = table[table["kind"] == "rupture"].drop(columns=["session"], errors="ignore")
    start = summary.get("longest_unrepaired_onset_s", np.nan)
    at = f"at {start:.0f} s" if isinstance(start, float) and np.isfinite(start) else "–"
    return {
        "available": True,
        **scale,
        "kpis": {
            "matched_proportion": summary.get("matched_proportion"),
            "ruptures_per_min": summary.get("ruptures_per_min"),
            "repairs_per_min": summary.get("repairs_per_min"),
            "median_repair_latency_s": summary.get("repair_latency_median_s"),
            "longest_unrepaired_s": summary.get("longest_unrepaired_s"),
            "longest_unrepaired_at": at,
        },
        "timeline_fig": _fig(figures.plot_timeline(ep.states, table, analysis.session.phases)),
        "latency_fig": _fig(figures.plot_repair_latencies(table)),
        "ruptures": ruptures,
    }


def _phase_context(analysis) -> dict:
    phases = analysis.session.phases
    per_phase = effects = None
    ep = analysis.episodes
    if ep is not None and len(phases):
        frame = ep.summary_frame()
        shown = [
            "phase",
            "observed_s",
            "matched_proportion",
            "mean_synchrony",
            "n_ruptures",
            "ruptures_per_min",
            "repairs_per_min",
            "repair_latency_median_s",
        ]
        per_phase = frame.loc[frame["phase"] != "all", [c for c in shown if c in frame]]
        row = ep.summary()
        found = {k: v for k, v in row.items() if k.startswith(("still_face", "reunion"))}
        if found:
            effects = pd.DataFrame({"measure": list(found), "value": list(found.values())})
    return {"table": phases if len(phases) else None, "per_phase": per_phase, "effects": effects}


def write_session_report(analysis, path: str | Path, viewer: str | None = None) -> Path:
    """Write the self-contained HTML report of ``analysis`` to ``path`` (atomically);
    ``viewer`` is the relative link to the session's viewer page, if any."""
    html = render("session.html.j2", viewer=viewer, **session_context(analysis))
    return write_text(html, path)
