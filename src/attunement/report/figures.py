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


def plot_wcc_heatmap(result, ax=None, cmap: str = "RdBu_r"):
    """Time (x) by lag (y) heat map of a windowed cross-correlation result.

    Takes the result of :func:`attunement.wcc`; windows are drawn at their start times.
    """
    ax = new_axes(ax, figsize=(9.0, 3.2))
    values = np.asarray(result.values, dtype=float)
    times = np.asarray(result.times_s, dtype=float)
    lags = np.asarray(result.lags_s, dtype=float)
    finite = values[np.isfinite(values)]
    limit = float(np.nanpercentile(np.abs(finite), 99)) if finite.size else 1.0
    step = times[1] - times[0] if len(times) > 1 else 1.0
    mesh = ax.pcolormesh(
        np.r_[times, times[-1] + step],
        _edges(lags),
        values.T,
        cmap=cmap,
        vmin=-limit if values[np.isfinite(values)].min(initial=0) < 0 else 0,
        vmax=limit,
        shading="flat",
        rasterized=True,
    )
    ax.axhline(0, color="k", lw=0.5, alpha=0.5)
    ax.set_xlabel("window start (s)")
    ax.set_ylabel("lag (s)")
    ax.figure.colorbar(
        mesh, ax=ax, label="Fisher z" if result.params.get("fisher_z") else "r", pad=0.01
    )
    return ax


def _edges(centres: np.ndarray) -> np.ndarray:
    if len(centres) == 1:
        return np.array([centres[0] - 0.5, centres[0] + 0.5])
    mid = (centres[1:] + centres[:-1]) / 2
    return np.r_[centres[0] - (mid[0] - centres[0]), mid, centres[-1] + (centres[-1] - mid[-1])]


def plot_peak_lags(peaks, partners=("partner 1", "partner 2"), ax=None):
    """Peak lag per window over time (a peaks table: ``time_s``, ``lag_s``, ``r``).

    Points above zero: partner 1 leads (partner 2 follows); grey: a peak but no clear leader
    (a ``leader`` column of 0). Windows without a (clear) peak are not drawn; the title
    counts them.
    """
    ax = new_axes(ax, figsize=(9.0, 2.6))
    ok = peaks.dropna(subset=["lag_s"])
    unclear = (ok["leader"] == 0).to_numpy() if "leader" in ok else np.zeros(len(ok), bool)
    ax.set_title(f"{len(ok)} of {len(peaks)} windows with a peak, {int(unclear.sum())} of them "
                 "without a clear leader (grey)", fontsize=9, loc="right")
    colours = np.where(unclear, "0.6",
                       np.where(ok["lag_s"] > 0, PARTNER_COLOURS[0], PARTNER_COLOURS[1]))
    ax.scatter(ok["time_s"], ok["lag_s"], s=6, c=colours, alpha=0.8, lw=0)
    ax.axhline(0, color="k", lw=0.6)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("peak lag (s)")
    for k, (y, va) in enumerate(((0.97, "top"), (0.03, "bottom"))):
        ax.text(0.005, y, f"{partners[k]} leads", transform=ax.transAxes, va=va, fontsize=8,
                color=PARTNER_COLOURS[k])
    return ax


def plot_null_distribution(test, ax=None, label: str = "grand average"):
    """A surrogate test's null distribution with the observed value marked."""
    ax = new_axes(ax, figsize=(5.0, 2.6))
    null = np.asarray(test.null, dtype=float)
    null = null[np.isfinite(null)]
    ax.hist(null, bins=min(40, max(10, len(null) // 10)), color="#9aa5b1", edgecolor="white")
    ax.axvline(test.observed, color=PARTNER_COLOURS[1], lw=2, label="observed")
    ax.set_xlabel(label)
    ax.set_ylabel("surrogates")
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_timeline(states, episodes, phases=None, ax=None):
    """Synchrony over time with attuned stretches, ruptures and phase bands.

    ``states``: ``time_s``, ``value`` (and ``threshold``); ``episodes``: ``onset_s``,
    ``offset_s``, ``kind`` ('attuned' / 'rupture' / 'not_yet_attuned', grey) and
    ``repaired``.
    """
    ax = new_axes(ax, figsize=(9.0, 2.8))
    shade_phases(ax, phases)
    for row in episodes.itertuples(index=False):
        if row.kind == "attuned":
            ax.axvspan(row.onset_s, row.offset_s, ymin=0, ymax=0.06, color="#3a9d5d", lw=0)
        elif row.kind == "not_yet_attuned":
            ax.axvspan(row.onset_s, row.offset_s, ymin=0, ymax=0.06, color="#b8b8b8", lw=0)
        elif row.kind == "rupture":
            hatch = None if bool(getattr(row, "repaired", True)) else "///"
            ax.axvspan(row.onset_s, row.offset_s, color="#d1495b", alpha=0.25, lw=0, hatch=hatch)
    ax.plot(states["time_s"], states["value"], color="#1d2430", lw=0.8, label="synchrony")
    if "threshold" in states:
        ax.plot(
            states["time_s"], states["threshold"], color="#888", lw=0.8, ls="--", label="threshold"
        )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("synchrony")
    ax.legend(frameon=False, fontsize=8, loc="upper right", ncols=2)
    return ax


def plot_repair_latencies(episodes, ax=None):
    """Histogram of repair latencies of the repaired ruptures."""
    ax = new_axes(ax, figsize=(5.0, 2.6))
    lat = episodes.loc[episodes["kind"] == "rupture", "repair_latency_s"].dropna()
    if len(lat):
        ax.hist(lat, bins=min(20, max(5, len(lat))), color="#d1495b", edgecolor="white")
    else:
        ax.text(0.5, 0.5, "no repaired ruptures", ha="center", va="center", transform=ax.transAxes)
    ax.set_xlabel("repair latency (s)")
    ax.set_ylabel("ruptures")
    return ax
