"""Figures of processed physiology and linkage. They take result objects and compute
nothing; matplotlib is imported when one is drawn."""

from __future__ import annotations

import numpy as np

from ..linkage.measures import LinkageResult
from ..physio.agreement import IntervalAgreement
from ..physio.dyad import PhysioResult


def _axes(ax, figsize=(8, 3)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, layout="constrained")[1]


def plot_heart_rate(result: PhysioResult, ax=None):
    """Both partners' heart rate (or SCL) over time, gaps shaded, phases marked.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from attunement import Session
    >>> from attunement.physio import process_session
    >>> import neurokit2 as nk
    >>> e = nk.ecg_simulate(duration=30, sampling_rate=200, heart_rate=80, random_state=0)
    >>> ax = plot_heart_rate(process_session(Session.from_arrays(e, e, 200), "ecg"))
    >>> ax.get_ylabel()
    'hr_bpm'
    """
    ax = _axes(ax)
    s = result.session
    channel = s.channels[0]
    for k, partner in enumerate(s.partners):
        ax.plot(s.times, s.signal(partner, channel), lw=0.8, color=f"C{k}", label=partner)
        for gap in result.partners[partner].gaps.itertuples():
            ax.axvspan(gap.onset_s, gap.onset_s + gap.duration_s, color=f"C{k}", alpha=0.12,
                       lw=0)
    for phase in s.phases.itertuples():
        ax.axvline(phase.onset_s, color="0.4", lw=0.6, ls=":")
        ax.annotate(phase.label, (phase.onset_s, 1), xycoords=("data", "axes fraction"),
                    fontsize=7, va="top", rotation=90, color="0.3")
    ax.set_xlabel("time_s")
    ax.set_ylabel(channel)
    ax.legend(loc="lower right", fontsize=8)
    return ax


def plot_interval_agreement(agreement: IntervalAgreement, ax=None, title: str = ""):
    """Bland-Altman plot of our intervals against the reference's.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from attunement.physio import beats_from_intervals, compare_intervals
    >>> ref = 800 + np.random.default_rng(0).normal(0, 30, 100)
    >>> ax = plot_interval_agreement(compare_intervals(beats_from_intervals(ref, 0.0), ref))
    >>> ax.get_xlabel()
    'mean of the two (ms)'
    """
    ax = _axes(ax, (4.5, 3.5))
    s = agreement.summary()
    mean = (agreement.ibi_ms + agreement.reference_ibi_ms) / 2
    ax.scatter(mean, agreement.ibi_ms - agreement.reference_ibi_ms, s=4, alpha=0.5)
    for y, ls in ((s["bias_ms"], "-"), (s["loa_low_ms"], "--"), (s["loa_high_ms"], "--")):
        ax.axhline(y, color="C3", lw=0.8, ls=ls)
    ax.set_xlabel("mean of the two (ms)")
    ax.set_ylabel("ours - reference (ms)")
    ax.set_title(title or f"n = {s['n_matched']}, bias {s['bias_ms']:.1f} ms, "
                 f"median |d| {s['median_abs_diff_ms']:.0f} ms", fontsize=9)
    return ax


def plot_null(result: LinkageResult, ax=None):
    """The surrogate distribution of a linkage measure with the real value.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from attunement.linkage import interval_correlation
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=2400)
    >>> ax = plot_null(interval_correlation(x, x + rng.normal(size=2400), 4,
    ...                                     n_surrogates=49, seed=0))
    >>> ax.get_xlabel()
    'hr_interval_r'
    """
    ax = _axes(ax, (4.5, 3))
    finite = result.null_values[np.isfinite(result.null_values)]
    ax.hist(finite, bins=30, color="0.7")
    ax.axvline(result.value, color="C3", lw=1.5)
    ax.set_xlabel(result.measure)
    ax.set_ylabel("surrogates")
    ax.set_title(f"{result.null}: p = {result.p_value:.3g}, effect {result.effect_size:.2f}",
                 fontsize=9)
    return ax
