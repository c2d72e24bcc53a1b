"""Figures of the voice: the vocal timeline (states, turns, rupture markers) and the
partners' averaged pitch. They take result objects and compute nothing; matplotlib is
imported when one is drawn."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sync.prosody import ProsodyResult
from ..sync.vocal_states import VocalStates

#: State -> colour of the vocal timeline (turns are drawn as a thin bar under each row).
STATE_COLOURS = {"vocalization": "#1b9e77", "pause": "#d9d9d9",
                 "switching_pause": "#7570b3", "simultaneous_speech": "#d95f02"}
MARKER_SYMBOLS = {"long_switching_pause": "v", "minimal_response": "o", "overlap": "x"}


def _axes(ax, figsize=(10, 2.6)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, layout="constrained")[1]


def plot_vocal_timeline(states: VocalStates, markers: pd.DataFrame | None = None, ax=None):
    """Each partner's vocal states as a row of coloured spans (Jaffe & Feldstein's
    vocalization, pause, switching pause, simultaneous speech), the turns as a thin bar
    under the row, and the rupture markers (``vocal_markers``) as symbols above it.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from attunement.sync.vocal_states import vocal_states
    >>> a = np.r_[np.ones(20), np.zeros(30)]
    >>> b = np.r_[np.zeros(30), np.ones(20)]
    >>> ax = plot_vocal_timeline(vocal_states(a, b, 10))
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['1', '2']
    """
    ax = _axes(ax)
    ev = states.events
    rows = {p: len(states.partners) - 1 - k for k, p in enumerate(states.partners)}
    for partner, y in rows.items():
        own = ev[ev.partner == partner]
        for state, colour in STATE_COLOURS.items():
            spans = own[own.state == state]
            ax.broken_barh(list(zip(spans.onset_s, spans.duration_s)), (y + 0.15, 0.6),
                           facecolors=colour, label=state if y == 0 else None)
        turns = own[own.state == "turn"]
        ax.broken_barh(list(zip(turns.onset_s, turns.duration_s)), (y + 0.02, 0.08),
                       facecolors="black")
    if markers is not None and len(markers):
        for marker, symbol in MARKER_SYMBOLS.items():
            mk = markers[markers.marker == marker]
            if len(mk):
                ax.scatter(mk.onset_s, [rows[p] + 0.88 for p in mk.partner], marker=symbol,
                           color="crimson", zorder=3, label=marker.replace("_", " "))
    ax.set_yticks([y + 0.45 for y in rows.values()], [str(p) for p in rows])
    ax.set_ylim(-0.05, len(rows) + 0.05)
    ax.set_xlim(0, states.codes.shape[1] / states.sampling_rate)
    ax.set_xlabel("time (s)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize="small", frameon=False)
    ax.set_title("vocal timeline (turns: black bar)")
    return ax


def plot_prosody(result: ProsodyResult, partners=("partner 1", "partner 2"), ax=None):
    """Both partners' averaged F0 (semitones re 100 Hz) or intensity (dB) over time.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from attunement.sync.prosody import prosodic_synchrony
    >>> on = np.tile(np.r_[np.ones(100), np.zeros(100)], 150) == 1
    >>> t = np.arange(on.size) / 100
    >>> f1, f2 = 150 * 2 ** np.sin(t / 20), 100 * 2 ** np.sin((t - 3) / 20)
    >>> res = prosodic_synchrony(np.where(on, f1, np.nan), np.where(~on, f2, np.nan), 100,
    ...                          n_surrogates=9)
    >>> plot_prosody(res).get_ylabel()
    'semitones re 100 Hz'
    """
    ax = _axes(ax)
    s = result.series
    for k, column in enumerate(("partner_1", "partner_2")):
        ax.plot(s.time_s, s[column], lw=1.0, color=f"C{k}", label=partners[k])
    ax.set_xlabel("time (s)")
    ax.set_ylabel(result.params["unit"])
    lags = result.peaks.lag_s
    lead = np.nanmedian(lags) if np.isfinite(lags).any() else np.nan
    ax.set_title(f"prosody ({result.feature}): median peak lag {lead:.1f} s "
                 "(positive: partner 1 leads)")
    ax.legend(fontsize="small", frameon=False)
    return ax
