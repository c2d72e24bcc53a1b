"""``index.html``: several analysed sessions side by side."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._mpl import PARTNER_COLOURS, new_axes, to_data_uri
from .html import render

SHOWN = (
    "session",
    "channel",
    "grand_average",
    "surrogate_mean",
    "effect_size",
    "p_value",
    "peak_lag_mean_s",
    "n_peaks",
    "episodes_matched_proportion",
    "episodes_ruptures_per_min",
    "missing_fraction",
)


def plot_session_comparison(summary: pd.DataFrame, ax=None):
    """Each session's grand average beside its surrogate mean."""
    ax = new_axes(ax, figsize=(8.0, 0.35 * len(summary) + 1.2))
    y = np.arange(len(summary))
    labels = [f"{s} · {c}" for s, c in zip(summary["session"], summary["channel"])]
    ax.barh(y, summary["grand_average"], color=PARTNER_COLOURS[0], label="observed")
    if "surrogate_mean" in summary:
        ax.scatter(
            summary["surrogate_mean"],
            y,
            color="k",
            marker="|",
            s=200,
            zorder=3,
            label="surrogate mean",
        )
    ax.set_yticks(y, labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("grand average")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    return ax


def index_html(summary: pd.DataFrame, links: dict[str, str]) -> str:
    """Render the index page for the sessions in ``summary`` (one row per session/channel)."""
    cols = [c for c in SHOWN if c in summary.columns]
    # after n_peaks: who leads, under the sessions' partner names (caregiver_leads_share)
    leads = [c for c in summary.columns if c.endswith("_leads_share")]
    at = cols.index("n_peaks") + 1 if "n_peaks" in cols else len(cols)
    shown = summary[cols[:at] + leads + cols[at:]]
    fig = to_data_uri(plot_session_comparison(summary).figure)
    return render(
        "index.html.j2", sessions=list(links), summary=shown, links=links, comparison_fig=fig
    )
