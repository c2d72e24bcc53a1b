"""The cohort report: groups compared and change across sessions, as one HTML page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..io.writers import write_text
from ..report._mpl import new_axes, to_data_uri
from ..report.html import render
from .longitudinal import compare_groups, dyad_trends
from .store import Store


def cohort_table(store: Store, measure: str = "grand_average") -> pd.DataFrame:
    """One row per finished session: its summary joined to the project metadata."""
    summary = store.table("summary")
    meta_file = store.path / "metadata.parquet"
    if meta_file.is_file():
        meta = pd.read_parquet(meta_file)
        summary = summary.merge(meta, on="session", how="left", suffixes=("", "_meta"))
    if measure not in summary.columns:
        raise ValueError(f"{store.path}: no column {measure!r} in the summary table.")
    return summary


def plot_groups(frame: pd.DataFrame, measure: str, group: str = "group", ax=None):
    """Each session's value of ``measure`` by group, with group means."""
    ax = new_axes(ax, figsize=(5.0, 3.2))
    levels = sorted(frame[group].dropna().unique())
    rng = np.random.default_rng(0)  # jitter only, for legibility
    for k, level in enumerate(levels):
        y = frame.loc[frame[group] == level, measure].to_numpy(float)
        ax.scatter(k + rng.uniform(-0.12, 0.12, len(y)), y, s=18, alpha=0.8)
        ax.hlines(np.nanmean(y), k - 0.25, k + 0.25, color="k", lw=2)
    ax.set_xticks(range(len(levels)), [str(v) for v in levels])
    ax.set_xlabel(group)
    ax.set_ylabel(measure)
    return ax


def plot_trajectories(
    frame: pd.DataFrame, measure: str, dyad: str = "dyad", order: str = "session_number", ax=None
):
    """Each dyad's measure across its sessions."""
    ax = new_axes(ax, figsize=(6.0, 3.2))
    for name, g in frame.groupby(dyad, sort=True):
        g = g.sort_values(order)
        ax.plot(g[order], g[measure], marker="o", ms=3, lw=1, label=str(name))
    ax.set_xlabel(order)
    ax.set_ylabel(measure)
    if frame[dyad].nunique() <= 10:
        ax.legend(fontsize=7, frameon=False)
    return ax


def write_cohort_report(
    store: Store, path: str | Path, measure: str = "grand_average", title: str = "cohort"
) -> Path:
    """Write ``cohort.html``: the sessions, group comparison and trends where metadata allow."""
    frame = cohort_table(store, measure)
    comparison = trends = None
    group_fig = trend_fig = None
    if "group" in frame.columns and frame["group"].nunique() >= 2:
        comparison = compare_groups(frame, measure)
        group_fig = to_data_uri(plot_groups(frame, measure).figure)
    if {"dyad", "session_number"} <= set(frame.columns) and frame.groupby("dyad").size().max() > 2:
        trends = dyad_trends(frame, measure)
        trend_fig = to_data_uri(plot_trajectories(frame, measure).figure)
    pseudo_file = store.path / "cohort" / "pseudo_dyads.parquet"
    pseudo = None
    if pseudo_file.is_file():
        from .pseudo import real_vs_pseudo

        pseudo = real_vs_pseudo(pd.read_parquet(pseudo_file))
    shown = [
        c
        for c in ("session", "group", "dyad", "session_number", measure, "p_value", "effect_size")
        if c in frame.columns
    ]
    html = render(
        "cohort.html.j2",
        title=title,
        measure=measure,
        sessions=frame[shown],
        comparison=comparison,
        group_fig=group_fig,
        trends=trends,
        trend_fig=trend_fig,
        failures=store.failures(),
        pseudo=pseudo,
    )
    return write_text(html, path)
