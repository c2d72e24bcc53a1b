"""The wavelet side of fNIRS inter-brain coherence: each participant's channels checked and
transformed once, and the coherence of each channel pair in a band of periods outside the
cone of influence (optionally with participant 2 shifted in time, for the shift null).
:mod:`attunement.brain.fnirs` builds the measure and its test on these.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._check import check_option, check_positive
from .._log import logger
from ..mne_data import MneData, check_pair, is_mne, mne_arrays
from ..sync.wavelet import (
    DJ,
    OMEGA0,
    auto_spectrum,
    coi_valid,
    fourier_factor,
    morlet_cwt,
    period_grid,
    wtc,
)

PAIRINGS = ("matched", "all")
#: Wavelet cells per block of channel pairs (complex128: 16 MiB).
PAIR_BLOCK_CELLS = 2**20


@dataclass(frozen=True)
class _Transformed:
    w1: np.ndarray
    w2: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    valid: np.ndarray
    pairs: np.ndarray
    channels_1: tuple[str, ...]
    channels_2: tuple[str, ...]
    bad: np.ndarray
    periods: np.ndarray
    in_band: np.ndarray
    sampling_rate: float


def _fnirs_data(obj, sampling_rate, label, picks) -> MneData:
    if is_mne(obj):
        types = set(obj.get_channel_types())
        if picks == ("hbo", "hbr") and not types & {"hbo", "hbr"}:
            raise ValueError(
                f"{label}: no HbO/HbR channels (got {sorted(types)}); convert light intensity "
                "with attunement.to_haemoglobin(raw) first."
            )
        return mne_arrays(obj, picks=list(picks), exclude=())
    data = np.asarray(obj, dtype=float)
    if data.ndim != 2:
        raise ValueError(f"{label}: expected an MNE Raw or an array (n_channels, n_times), "
                         f"got shape {data.shape}.")
    if sampling_rate is None:
        raise ValueError(f"{label}: arrays need 'sampling_rate' (Hz); MNE objects carry it.")
    rate = check_positive(sampling_rate, "sampling_rate")
    return MneData(data, tuple(f"ch{i + 1}" for i in range(len(data))), rate, continuous=True)


def _pairs(d1: MneData, d2: MneData, pairs: str) -> np.ndarray:
    if pairs == "matched":
        return np.column_stack([np.arange(len(d1.channels))] * 2)
    t1 = d1.channel_types or ("",) * len(d1.channels)
    t2 = d2.channel_types or ("",) * len(d2.channels)
    return np.array([(i, j) for i in range(len(t1)) for j in range(len(t2)) if t1[i] == t2[j]])


def _unusable(d: MneData) -> np.ndarray:
    finite = np.isfinite(d.data).all(-1)
    flat = np.zeros(len(d.channels), dtype=bool)
    flat[finite] = np.ptp(d.data[finite], axis=-1) == 0
    return ~finite | flat | np.isin(d.channels, d.bads)


def _transform(p1, p2, *, sampling_rate, periods_s, pairs, picks, dj, omega0, labels):
    check_option(pairs, "pairs", PAIRINGS)
    d1, d2 = (_fnirs_data(p, sampling_rate, lab, picks) for p, lab in zip((p1, p2), labels,
                                                                           strict=True))
    d1, d2 = check_pair(d1, d2, "name" if pairs == "matched" else "position", labels)
    if not d1.continuous:
        raise ValueError("wavelet coherence needs continuous recordings (Raw), not epochs.")
    rate, n = d1.sampling_rate, d1.data.shape[-1]
    periods, in_band = period_grid(periods_s, dj)
    valid = coi_valid(n, rate, periods, omega0)
    reachable = valid[in_band].any(axis=1)
    if not reachable.any():
        need = 2 * np.sqrt(2) * periods[in_band][0] / fourier_factor(omega0)
        raise ValueError(
            f"the cone of influence covers every cell for periods {periods_s[0]:g}-"
            f"{periods_s[1]:g} s in a recording of {n / rate:g} s; at least {need:.1f} s is "
            "needed (or choose shorter periods)."
        )
    if not reachable.all():
        logger.warning("periods above %.3g s lie wholly inside the cone of influence of a %g s "
                       "recording; the band average covers %.3g-%.3g s only.",
                       periods[in_band][reachable][-1], n / rate, periods[in_band][0],
                       periods[in_band][reachable][-1])
    idx = _pairs(d1, d2, pairs)
    bad1, bad2 = _unusable(d1), _unusable(d2)
    bad = bad1[idx[:, 0]] | bad2[idx[:, 1]]
    for d, b, lab in ((d1, bad1, labels[0]), (d2, bad2, labels[1])):
        if b.any():
            logger.warning("%s: %d channel(s) bad, flat or not finite give NaN coherence: %s",
                           lab, int(b.sum()), ", ".join(np.asarray(d.channels)[b]))
    w1, w2 = (morlet_cwt(np.nan_to_num(d.data), rate, periods, omega0) for d in (d1, d2))
    s1, s2 = (auto_spectrum(w, rate, periods, dj, omega0) for w in (w1, w2))
    return _Transformed(w1, w2, s1, s2, valid, idx, d1.channels, d2.channels, bad, periods,
                        in_band, rate)


def _coherence(tr: _Transformed, shift: int = 0, keep_maps: bool = False, dj=DJ, omega0=OMEGA0):
    """Mean WTC over band cells outside the cone of influence, per pair (NaN for bad pairs).

    ``shift`` rotates participant 2's transform (and its cone) in time by that many samples.
    """
    valid = tr.valid & np.roll(tr.valid, shift, axis=-1) if shift else tr.valid
    band_valid = valid[tr.in_band]
    good = np.flatnonzero(~tr.bad)
    step = max(1, PAIR_BLOCK_CELLS // (tr.w1.shape[-2] * tr.w1.shape[-1]))
    out = np.full(len(tr.pairs), np.nan)
    maps = np.full((len(tr.pairs), int(tr.in_band.sum()), tr.w1.shape[-1]), np.nan) \
        if keep_maps else None
    for start in range(0, len(good), step):
        rows = good[start : start + step]
        i, j = tr.pairs[rows].T
        w2, s2 = tr.w2[j], tr.s2[j]
        if shift:
            w2, s2 = np.roll(w2, shift, axis=-1), np.roll(s2, shift, axis=-1)
        c = wtc(tr.w1[i], w2, tr.s1[i], s2, tr.sampling_rate, tr.periods, dj, omega0)
        c = c[:, tr.in_band]
        out[rows] = c[:, band_valid].mean(-1)
        if keep_maps:
            maps[rows] = c
    return out, maps, band_valid
