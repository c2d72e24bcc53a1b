"""Figures of inter-brain synchrony. Each ``plot_*`` takes a result object, draws, returns
the Axes; each ``write_*`` draws the figures ``attune brain`` saves and writes them as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..io.writers import write_figure
from ._mpl import new_axes, pyplot


def plot_interbrain(result, mode: str | None = None, band: str | None = None, ax=None):
    """Inter-brain connectivity matrix: participant 1's channels (rows) x participant 2's.

    Parameters
    ----------
    result : InterBrainResult or InterBrainTest
        Per-epoch results are shown averaged over epochs; for a test, channel pairs that are
        significant after correction are outlined.
    mode, band : str, optional
        Which matrix; default the first mode and band.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement import interbrain
    >>> r = interbrain(np.ones((1, 2, 200)), np.ones((1, 3, 200)), "plv", {"alpha": (8, 12)},
    ...                sampling_rate=100, pair_by="position")
    >>> plot_interbrain(r).get_title()
    'plv, alpha (8-12 Hz)'
    """
    modes, bands = list(result.modes), list(result.bands)
    mode = modes[0] if mode is None else mode
    band = bands[0] if band is None else band
    for name, value, allowed in (("mode", mode, modes), ("band", band, bands)):
        if value not in allowed:
            raise ValueError(f"'{name}': expected one of {allowed}, got {value!r}.")
    m, b = modes.index(mode), bands.index(band)
    significant = None
    if hasattr(result, "observed"):
        matrix = result.observed[m, b]
        significant = result.p_corrected[m, b] <= result.alpha
    else:
        matrix = result.values[m, b]
        if not result.epochs_average:
            matrix = np.nanmean(matrix, axis=0)
    ax = new_axes(ax, figsize=(6.0, 5.0))
    image = ax.imshow(matrix, cmap="viridis", aspect="auto", interpolation="nearest")
    ax.figure.colorbar(image, ax=ax, label=mode)
    if significant is not None and significant.any():
        rows, cols = np.nonzero(significant)
        ax.scatter(
            cols,
            rows,
            marker="s",
            s=30,
            facecolors="none",
            edgecolors="#d1495b",
            linewidths=1.2,
            label=f"p_corrected <= {result.alpha:g}",
        )
        ax.legend(loc="upper right", fontsize=7, frameon=False)
    ticks_1, ticks_2 = list(result.channels_1), list(result.channels_2)
    ax.set_yticks(range(len(ticks_1)), ticks_1, fontsize=6)
    ax.set_xticks(range(len(ticks_2)), ticks_2, fontsize=6, rotation=90)
    ax.set_ylabel("participant 1")
    ax.set_xlabel("participant 2")
    lo, hi = result.bands[band]
    ax.set_title(f"{mode}, {band} ({lo:g}-{hi:g} Hz)")
    return ax


def plot_interbrain_wtc(result, pair: int | str = 0, ax=None):
    """Wavelet transform coherence of one channel pair over time and period, cone shaded.

    ``pair``: index into the result's pairs, or participant 1's channel name.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement import interbrain_wtc
    >>> rng = np.random.default_rng(0)
    >>> r = interbrain_wtc(rng.normal(size=(1, 1200)), rng.normal(size=(1, 1200)),
    ...                    sampling_rate=5)
    >>> plot_interbrain_wtc(r).get_ylabel()
    'period (s)'
    """
    if result.wtc is None:
        raise ValueError("the result holds no WTC maps; compute it with keep_maps=True.")
    if isinstance(pair, str):
        if pair not in result.channels_1:
            raise ValueError(f"'pair': expected one of {list(result.channels_1)}, got {pair!r}.")
        pair = list(result.channels_1).index(pair)
    ax = new_axes(ax, figsize=(9.0, 3.5))
    extent = (result.times_s[0], result.times_s[-1], result.periods_s[0], result.periods_s[-1])
    image = ax.imshow(
        result.wtc[pair],
        origin="lower",
        aspect="auto",
        extent=extent,
        vmin=0,
        vmax=1,
        cmap="viridis",
        interpolation="nearest",
    )
    ax.figure.colorbar(image, ax=ax, label="coherence")
    ax.imshow(
        np.where(result.valid, np.nan, 1.0),
        origin="lower",
        aspect="auto",
        extent=extent,
        cmap="Greys",
        vmin=0,
        vmax=2,
        alpha=0.6,
        interpolation="nearest",
    )
    ax.set_xlabel("time (s)")
    ax.set_ylabel("period (s)")
    ax.set_title(
        f"{result.channels_1[pair]} x {result.channels_2[pair]}: "
        f"mean {result.coherence[pair]:.2f} outside the cone of influence"
    )
    return ax


def write_interbrain_figures(result, stem: str | Path) -> list[Path]:
    """One connectivity matrix per mode and band of an :class:`~attunement.InterBrainResult`
    or :class:`~attunement.InterBrainTest`, written as ``<stem>_<mode>_<band>.png``."""
    stem, plt, written = Path(stem), pyplot(), []
    for m in result.modes:
        for b in result.bands:
            ax = plot_interbrain(result, m, b)
            path = stem.with_name(f"{stem.name}_{m}_{b}.png")
            write_figure(ax.figure, path)
            plt.close(ax.figure)
            written.append(path)
    return written


def write_wtc_figure(result, path: str | Path) -> Path:
    """The WTC map of the most coherent usable channel pair of an
    :class:`~attunement.InterBrainWTC`, written as PNG to ``path``."""
    best = int(np.nanargmax(np.where(result.bad, -np.inf, result.coherence)))
    ax = plot_interbrain_wtc(result, best)
    write_figure(ax.figure, path)
    pyplot().close(ax.figure)
    return Path(path)
