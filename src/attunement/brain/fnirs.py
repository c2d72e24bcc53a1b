"""Wavelet transform coherence between two participants' fNIRS (HbO/HbR) channels.

Inter-brain coherence in fNIRS hyperscanning is usually read from wavelet transform coherence
(WTC; Grinsted et al. 2004) in a band of periods of about 10-20 s (e.g. Cui et al. 2012,
NeuroImage 59:2430). Cells inside the cone of influence are left out of every average, and a
band with no cell outside it is an error that names the length needed (HyPyP returns NaN).
Channels marked bad, flat or holding NaN give NaN coherence and are flagged, never dropped.

Nulls: ``shift`` pairs participant 1 with participant 2's own recording shifted in time by
at least ``min_shift_s`` (a within-dyad pseudo-pair: same person, not the same moment; the
shift is applied to participant 2's wavelet transform, whose edges stay masked), and
``pseudo-dyads`` pairs participant 1 of each dyad with participant 2 of another (Burgess 2013).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_option, check_positive, check_random_state
from ..nulls import shift_offsets
from ..sync.wavelet import (
    DJ,
    OMEGA0,
    coi_valid,
)
from .fnirs_wavelet import PAIRINGS, _coherence, _transform, _Transformed
from .pvalues import ALTERNATIVES, compare_to_null, derangements
from .stats import _as_dyads

__all__ = ["FNIRS_NULLS", "PAIRINGS", "InterBrainWTC", "InterBrainWTCTest", "interbrain_wtc",
           "interbrain_wtc_test"]

FNIRS_NULLS = ("shift", "pseudo-dyads")


@dataclass(frozen=True)
class InterBrainWTC:
    """Wavelet transform coherence per channel pair, averaged over a band of periods.

    ``coherence`` (n_pairs,) is the mean WTC over the band's cells outside the cone of
    influence; ``wtc`` (n_pairs, n_periods, n_times) the maps (NaN for bad pairs) and ``valid``
    (n_periods, n_times) the cells outside the cone.
    """

    coherence: np.ndarray
    channels_1: tuple[str, ...]
    channels_2: tuple[str, ...]
    bad: np.ndarray
    periods_s: np.ndarray
    times_s: np.ndarray
    valid: np.ndarray
    wtc: np.ndarray | None
    band_s: tuple[float, float]
    sampling_rate: float
    params: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per channel pair: ``channel_1, channel_2, coherence, valid_fraction, bad``."""
        return pd.DataFrame({
            "channel_1": self.channels_1, "channel_2": self.channels_2,
            "coherence": self.coherence, "valid_fraction": float(self.valid.mean()),
            "bad": self.bad, "period_min_s": self.band_s[0], "period_max_s": self.band_s[1],
        })


def interbrain_wtc(
    x1, x2, *, sampling_rate: float | None = None, periods_s: Sequence[float] = (10.0, 20.0),
    pairs: str = "matched", picks: Sequence[str] = ("hbo", "hbr"), dj: float = DJ,
    omega0: float = OMEGA0, keep_maps: bool = True,
) -> InterBrainWTC:
    """Wavelet transform coherence between two participants' channels.

    Parameters
    ----------
    x1, x2 : mne.io.Raw or ndarray (n_channels, n_times)
        Continuous recordings on a common clock; fNIRS as HbO/HbR
        (:func:`~attunement.to_haemoglobin`). Arrays need ``sampling_rate``.
    periods_s : (shortest, longest)
        Band of Fourier periods in seconds (default 10-20 s).
    pairs : {'matched', 'all'}
        'matched': each channel with the same-named channel of the other participant;
        'all': every pair of channels of the same type (HbO with HbO, HbR with HbR).
    picks : channel types (MNE objects only)
    dj, omega0 : scale step in octaves and Morlet centre frequency (1/12 and 6, Grinsted 2004).
    keep_maps : keep the WTC maps (for figures).

    Returns
    -------
    InterBrainWTC

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(2400) / 5
    >>> common = np.sin(2 * np.pi * t / 15)
    >>> x1 = np.stack([common + rng.normal(size=2400), rng.normal(size=2400)])
    >>> x2 = np.stack([common + rng.normal(size=2400), rng.normal(size=2400)])
    >>> interbrain_wtc(x1, x2, sampling_rate=5).coherence.round(1).tolist()
    [0.9, 0.3]
    """
    tr = _transform(x1, x2, sampling_rate=sampling_rate, periods_s=periods_s, pairs=pairs,
                    picks=tuple(picks), dj=dj, omega0=omega0,
                    labels=("participant 1", "participant 2"))
    coherence, maps, band_valid = _coherence(tr, keep_maps=keep_maps, dj=dj, omega0=omega0)
    return InterBrainWTC(
        coherence=coherence,
        channels_1=tuple(tr.channels_1[i] for i in tr.pairs[:, 0]),
        channels_2=tuple(tr.channels_2[j] for j in tr.pairs[:, 1]),
        bad=tr.bad, periods_s=tr.periods[tr.in_band],
        times_s=np.arange(tr.w1.shape[-1]) / tr.sampling_rate, valid=band_valid, wtc=maps,
        band_s=(float(periods_s[0]), float(periods_s[1])), sampling_rate=tr.sampling_rate,
        params={"pairs": pairs, "dj": dj, "omega0": omega0},
    )


@dataclass(frozen=True)
class InterBrainWTCTest:
    """Per-pair coherence against a surrogate null; ``p_global`` tests the mean over pairs."""

    observed: np.ndarray
    null: np.ndarray
    p_value: np.ndarray
    p_corrected: np.ndarray
    p_global: float
    channels_1: tuple[str, ...]
    channels_2: tuple[str, ...]
    null_name: str
    correction: str
    alternative: str
    alpha: float
    n_dyads: int
    band_s: tuple[float, float]
    params: dict = field(default_factory=dict)

    def to_frame(self) -> pd.DataFrame:
        """One row per channel pair: coherence, null, effect size, p-values."""
        null_mean = self.null.mean(0)
        frame = pd.DataFrame({
            "channel_1": self.channels_1, "channel_2": self.channels_2,
            "value": self.observed, "null_mean": null_mean,
            "null_sd": self.null.std(0, ddof=1), "effect_size": self.observed - null_mean,
            "p_value": self.p_value, "p_corrected": self.p_corrected,
            "significant": self.p_corrected <= self.alpha,
        })
        return self._annotate(frame)

    def summary(self) -> pd.DataFrame:
        """One row: mean coherence over usable pairs against the null of that mean."""
        null = np.nanmean(self.null, axis=1)
        value = float(np.nanmean(self.observed))
        return self._annotate(pd.DataFrame([{
            "mode": "wtc", "value": value, "null_mean": float(null.mean()),
            "null_sd": float(null.std(ddof=1)), "effect_size": value - float(null.mean()),
            "p_value": float(self.p_global), "n_pairs": int(np.isfinite(self.observed).sum()),
            "n_significant_pairs": int(np.sum(self.p_corrected <= self.alpha)),
        }]))

    def _annotate(self, frame):
        frame["period_min_s"], frame["period_max_s"] = self.band_s
        frame["null"] = self.null_name
        frame["correction"] = self.correction
        frame["alternative"] = self.alternative
        frame["n_surrogates"] = self.null.shape[0]
        frame["n_dyads"] = self.n_dyads
        return frame


def interbrain_wtc_test(
    dyads, *, null: str = "shift", n_surrogates: int = 500,
    min_shift_s: float | None = None, periods_s: Sequence[float] = (10.0, 20.0),
    pairs: str = "matched", picks: Sequence[str] = ("hbo", "hbr"), correction: str = "fdr",
    alternative: str = "greater", alpha: float = 0.05, sampling_rate: float | None = None,
    dj: float = DJ, omega0: float = OMEGA0, seed=0,
    on_progress: Callable[[int, int], None] | None = None,
) -> InterBrainWTCTest:
    """Wavelet coherence of one or several dyads against time-shifted or pseudo-pair nulls.

    Parameters
    ----------
    dyads : (p1, p2) or list of (p1, p2)
        As :func:`interbrain_wtc`; the statistic is the mean over dyads per channel pair.
    null : {'shift', 'pseudo-dyads'}
        'shift': participant 2 shifted (circularly, in the wavelet domain) by a random
        amount between ``min_shift_s`` and the length minus ``min_shift_s``;
        'pseudo-dyads' (Burgess 2013): participant 2 of another dyad (needs >= 2 dyads, same
        channels; recordings cropped to the shorter one).
    min_shift_s : float, optional
        Default: twice the longest period.
    correction : {'fdr', 'max', 'none'}
        Over channel pairs.
    seed : int, Generator or None

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> t = np.arange(2400) / 5
    >>> common = np.sin(2 * np.pi * t / 15 + np.cumsum(rng.normal(0, 0.05, 2400)))
    >>> x1 = (common + rng.normal(size=2400))[None]
    >>> x2 = (common + rng.normal(size=2400))[None]
    >>> res = interbrain_wtc_test((x1, x2), n_surrogates=19, sampling_rate=5, seed=0)
    >>> float(res.p_global)
    0.05
    """
    check_option(null, "null", FNIRS_NULLS)
    check_option(alternative, "alternative", ALTERNATIVES)
    check_option(correction, "correction", ("fdr", "max", "none"))
    dyads = _as_dyads(dyads)
    n_surrogates = int(n_surrogates)
    if n_surrogates < 1:
        raise ValueError(f"'n_surrogates': expected an integer >= 1, got {n_surrogates!r}.")
    trs = [
        _transform(a, b, sampling_rate=sampling_rate, periods_s=periods_s, pairs=pairs,
                   picks=tuple(picks), dj=dj, omega0=omega0,
                   labels=(f"dyad {k + 1} participant 1", f"dyad {k + 1} participant 2"))
        for k, (a, b) in enumerate(dyads)
    ]
    rng = check_random_state(seed)
    kw = {"dj": dj, "omega0": omega0}
    if null == "shift":
        observed, surrogates = _shift_null(trs, n_surrogates, min_shift_s, periods_s, rng,
                                                on_progress, kw)
    else:
        observed, surrogates = _pseudo_dyads_null(trs, n_surrogates, rng, on_progress, kw)
    res = compare_to_null(observed, surrogates, correction=correction, alternative=alternative)
    first = trs[0]
    return InterBrainWTCTest(
        observed=observed, null=surrogates, p_value=res.p_value, p_corrected=res.p_corrected,
        p_global=float(res.p_global),
        channels_1=tuple(first.channels_1[i] for i in first.pairs[:, 0]),
        channels_2=tuple(first.channels_2[j] for j in first.pairs[:, 1]), null_name=null,
        correction=correction, alternative=alternative, alpha=float(alpha), n_dyads=len(trs),
        band_s=(float(periods_s[0]), float(periods_s[1])),
        params={"seed": seed, "min_shift_s": min_shift_s, "pairs": pairs},
    )


def _shift_null(trs, n_surrogates, min_shift_s, periods_s, rng, on_progress, kw):
    observed = np.mean([_coherence(tr, **kw)[0] for tr in trs], axis=0)
    min_shift_s = 2 * float(periods_s[1]) if min_shift_s is None else min_shift_s
    shifts = []
    for k, tr in enumerate(trs, start=1):
        n = tr.w1.shape[-1]
        lo = int(np.ceil(check_positive(min_shift_s, "min_shift_s") * tr.sampling_rate))
        if n - 2 * lo < 1:
            raise ValueError(f"dyad {k}: 'min_shift_s' ({min_shift_s:g} s) leaves no shift in a "
                             f"recording of {n / tr.sampling_rate:g} s; choose a smaller one.")
        shifts.append(shift_offsets(n, lo, n_surrogates, rng, "'min_shift_s'"))
    null = np.empty((n_surrogates, len(observed)))
    for s in range(n_surrogates):
        null[s] = np.mean([_coherence(tr, int(sh[s]), **kw)[0] for tr, sh in zip(trs, shifts,
                                                                                   strict=True)],
                          axis=0)
        if on_progress:
            on_progress(s + 1, n_surrogates)
    return observed, null


def _cropped(tr: _Transformed, other: _Transformed, n: int) -> _Transformed:
    valid = tr.valid[:, :n] & other.valid[:, :n] & coi_valid(n, tr.sampling_rate, tr.periods)
    return _Transformed(tr.w1[..., :n], other.w2[..., :n], tr.s1[..., :n], other.s2[..., :n],
                        valid, tr.pairs, tr.channels_1, other.channels_2, tr.bad | other.bad,
                        tr.periods, tr.in_band, tr.sampling_rate)


def _pseudo_dyads_null(trs, n_surrogates, rng, on_progress, kw):
    n = len(trs)
    if n < 2:
        raise ValueError("null='pseudo-dyads' needs at least 2 dyads; pass several dyads or use "
                         "null='shift'.")
    first = trs[0]
    for k, tr in enumerate(trs[1:], start=2):
        if (tr.channels_1, tr.channels_2) != (first.channels_1, first.channels_2) or \
                tr.sampling_rate != first.sampling_rate:
            raise ValueError(f"dyad {k}: channels or sampling rate differ from dyad 1's; "
                             "pseudo-pairs need the same montage and rate.")
    cross = {}
    for k, (d, e) in enumerate([(d, e) for d in range(n) for e in range(n)]):
        length = min(trs[d].w1.shape[-1], trs[e].w2.shape[-1])
        cross[d, e] = _coherence(_cropped(trs[d], trs[e], length), **kw)[0]
        if on_progress:
            on_progress(k + 1, n * n)
    perms = derangements(n, n_surrogates, rng)
    observed = np.mean([cross[d, d] for d in range(n)], axis=0)
    null = np.stack([np.mean([cross[d, p[d]] for d in range(n)], axis=0) for p in perms])
    return observed, null
