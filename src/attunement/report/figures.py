"""Figures of a session and its results. Each ``plot_*`` takes data or result objects
(never computes a measure), draws on ``ax`` (or a new Axes) and returns the Axes.
"""

from __future__ import annotations

import numpy as np

from ..session import Session
from ._mpl import PARTNER_COLOURS, PHASE_COLOURS, new_axes


def shade_phases(ax, phases, label: bool = True) -> None:
    """Shade each phase of a phases table (``onset_s``, ``duration_s``, ``label``)."""
    if phases is None or len(phases) == 0:
        return
    labels = list(dict.fromkeys(phases["label"]))
    for row in phases.itertuples(index=False):
        colour = PHASE_COLOURS[labels.index(row.label) % len(PHASE_COLOURS)]
        ax.axvspan(row.onset_s, row.onset_s + row.duration_s, color=colour, zorder=0, lw=0)
        if label:
            ax.text(
                row.onset_s + row.duration_s / 2,
                1.0,
                str(row.label),
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=8,
                color="#444",
            )


def plot_signals(session: Session, channel: str | None = None, ax=None):
    """Both partners' series of one channel over time, phases shaded, gaps marked.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement import Session
    >>> s = Session.from_arrays(np.sin(np.arange(100) / 5), np.cos(np.arange(100) / 5), 10)
    >>> plot_signals(s).get_xlabel()
    'time (s)'
    """
    ax = new_axes(ax)
    channel = session.resolve_channel(channel)
    shade_phases(ax, session.phases)
    t = session.times
    for k, partner in enumerate(session.partners):
        x = session.signal(partner, channel)
        ax.plot(t, x, lw=0.6, color=PARTNER_COLOURS[k], label=partner, alpha=0.85)
        gaps = np.isnan(x)
        if gaps.any():
            ax.plot(
                t[gaps],
                np.full(gaps.sum(), k),
                "|",
                color="#888",
                ms=4,
                transform=ax.get_xaxis_transform(),
            )
    ax.set_xlabel("time (s)")
    ax.set_ylabel(channel)
    ax.set_xlim(t[0], t[-1])
    ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=2)
    return ax
