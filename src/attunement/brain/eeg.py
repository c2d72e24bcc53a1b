"""Inter-brain synchrony between two participants' EEG (hyperscanning).

:func:`interbrain` takes two MNE ``Epochs`` or ``Raw`` objects (or plain arrays with a
``sampling_rate``), computes band-limited analytic signals as HyPyP does
(:func:`~attunement.brain.signal.band_analytic`) and the inter-brain measures
(:mod:`~attunement.brain.measures`), and returns an :class:`InterBrainResult`.
Continuous recordings are filtered whole and then cut into (sliding) windows.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_positive
from .._log import logger
from ..mne_data import MneData, check_pair, is_mne, mne_arrays
from .measures import check_modes, interbrain_matrix
from .signal import band_analytic, check_bands

PARTNERS = ("participant_1", "participant_2")


@dataclass(frozen=True)
class InterBrainResult:
    """Inter-brain synchrony matrices.

    Attributes
    ----------
    values : ndarray
        (n_modes, n_bands, n_channels_1, n_channels_2) averaged over epochs, or
        (n_modes, n_bands, n_epochs, n_channels_1, n_channels_2) per epoch. Rows are
        participant 1's channels, columns participant 2's.
    modes, bands, channels_1, channels_2
        Labels of the axes (``bands`` maps each name to (fmin, fmax) in Hz).
    sampling_rate : float
        Hz.
    n_epochs : int
        Epochs (or windows) that entered the values.
    epoch_s : float
        Length of each epoch or window in seconds.
    epochs_average : bool
        Whether ``values`` is averaged over epochs (NaN-aware, as HyPyP).
    onsets_s : ndarray or None
        Onset of each window (continuous input), else None.
    n_dropped : int
        Windows left out because they overlap a 'BAD' annotation.
    """

    values: np.ndarray
    modes: tuple[str, ...]
    bands: dict[str, tuple[float, float]]
    channels_1: tuple[str, ...]
    channels_2: tuple[str, ...]
    sampling_rate: float
    n_epochs: int
    epoch_s: float
    epochs_average: bool = True
    onsets_s: np.ndarray | None = None
    n_dropped: int = 0
    partners: tuple[str, str] = PARTNERS
    params: dict = field(default_factory=dict)

    def matrix(self, mode: str, band: str) -> np.ndarray:
        """The (n_channels_1, n_channels_2) matrix (or (n_epochs, ...)) of one mode and band.

        Examples
        --------
        >>> r = interbrain(np.ones((1, 1, 200)), np.ones((1, 1, 200)), ["plv"], {"a": (8, 12)},
        ...                sampling_rate=100)
        >>> r.matrix("plv", "a").shape
        (1, 1)
        """
        if mode not in self.modes:
            raise ValueError(f"'mode': expected one of {list(self.modes)}, got {mode!r}.")
        if band not in self.bands:
            raise ValueError(f"'band': expected one of {list(self.bands)}, got {band!r}.")
        return self.values[self.modes.index(mode), list(self.bands).index(band)]

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: ``mode, band, [epoch, onset_s,] channel_1, channel_2, value``.

        Examples
        --------
        >>> r = interbrain(np.ones((1, 2, 200)), np.ones((1, 2, 200)), "plv", {"a": (8, 12)},
        ...                sampling_rate=100)
        >>> list(r.to_frame().columns), len(r.to_frame())
        (['mode', 'band', 'channel_1', 'channel_2', 'value'], 4)
        """
        axes = [list(self.modes), list(self.bands)]
        names = ["mode", "band"]
        if not self.epochs_average:
            axes.append(list(range(self.n_epochs)))
            names.append("epoch")
        axes += [list(self.channels_1), list(self.channels_2)]
        names += ["channel_1", "channel_2"]
        index = pd.MultiIndex.from_product(axes, names=names)
        frame = pd.DataFrame({"value": self.values.ravel()}, index=index).reset_index()
        if not self.epochs_average:
            onsets = self.onsets_s if self.onsets_s is not None else np.full(self.n_epochs, np.nan)
            frame.insert(3, "onset_s", np.asarray(onsets)[frame["epoch"].to_numpy()])
        return frame


@dataclass(frozen=True)
class Prepared:
    """Both participants' analytic signals, (n_bands, n_epochs, n_channels, n_times)."""

    z1: np.ndarray
    z2: np.ndarray
    channels_1: tuple[str, ...]
    channels_2: tuple[str, ...]
    sampling_rate: float
    bands: dict[str, tuple[float, float]]
    onsets_s: np.ndarray | None
    n_dropped: int


def nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    """Mean over ``axis`` ignoring NaN (HyPyP's epoch average), NaN where all are NaN, quietly.

    Without NaN this is the plain mean (the same sum / count as ``np.nanmean``), which avoids
    ``np.nanmean``'s full-size copy of ``values``.
    """
    total = np.sum(values, axis=axis)
    if not np.isnan(total).any():
        return total / values.shape[axis]
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Mean of empty slice")
        return np.nanmean(values, axis=axis)


def as_data(obj, sampling_rate: float | None, label: str, picks="data") -> MneData:
    """An MNE object or an array (epochs x channels x times, or channels x times) as MneData."""
    if is_mne(obj):
        if sampling_rate is not None and float(sampling_rate) != float(obj.info["sfreq"]):
            raise ValueError(
                f"{label}: 'sampling_rate' ({sampling_rate:g} Hz) disagrees with the recording's "
                f"own ({obj.info['sfreq']:g} Hz); leave it out for MNE objects."
            )
        return mne_arrays(obj, picks=picks)
    data = np.asarray(obj, dtype=float)
    if data.ndim not in (2, 3) or data.shape[-1] < 2:
        raise ValueError(
            f"{label}: expected an MNE Raw/Epochs object or an array of shape (n_epochs, "
            f"n_channels, n_times) or (n_channels, n_times), got shape {data.shape}."
        )
    if sampling_rate is None:
        raise ValueError(f"{label}: arrays need 'sampling_rate' (Hz); MNE objects carry it.")
    rate = check_positive(sampling_rate, "sampling_rate")
    channels = tuple(f"ch{i + 1}" for i in range(data.shape[-2]))
    return MneData(data, channels, rate, continuous=data.ndim == 2)


def _windows(n_times: int, rate: float, window_s: float | None, step_s: float | None):
    """Start samples and length of the windows that cut a continuous recording."""
    if window_s is None:
        if step_s is not None:
            raise ValueError("'step_s' needs 'window_s'.")
        return np.array([0]), n_times
    width = int(round(check_positive(window_s, "window_s") * rate))
    step = width if step_s is None else int(round(check_positive(step_s, "step_s") * rate))
    if width < 2 or width > n_times:
        raise ValueError(
            f"'window_s': expected between {2 / rate:g} s and the recording's {n_times / rate:g} s,"
            f" got {window_s!r}."
        )
    if step < 1:
        raise ValueError(
            f"'step_s': expected at least one sample ({1 / rate:g} s), got {step_s!r}."
        )
    return np.arange(0, n_times - width + 1, step), width


def _analytic_both(d1: MneData, d2: MneData, rate: float, bands) -> tuple[np.ndarray, np.ndarray]:
    """Both participants' analytic signals from one filtering pass (channels stacked)."""
    n1 = d1.data.shape[-2]
    z = band_analytic(np.concatenate([d1.data, d2.data], axis=-2), rate, bands)
    return z[..., :n1, :], z[..., n1:, :]


def prepare(p1, p2, bands=None, *, sampling_rate=None, pair_by="name", window_s=None,
            step_s=None, picks="data", labels=("participant 1", "participant 2")) -> Prepared:
    """Validate and pair both participants' data and compute their analytic signals."""
    d1, d2 = check_pair(
        as_data(p1, sampling_rate, labels[0], picks),
        as_data(p2, sampling_rate, labels[1], picks),
        pair_by,
        labels,
    )
    rate = d1.sampling_rate
    bands = check_bands(bands, rate)
    for d, label in zip((d1, d2), labels, strict=True):
        if not np.isfinite(d.data).all():
            raise ValueError(f"{label}: the data hold NaN or infinite values.")
    if not d1.continuous:
        if window_s is not None or step_s is not None:
            raise ValueError("'window_s'/'step_s' apply to continuous recordings, not to epochs.")
        z1, z2 = _analytic_both(d1, d2, rate, bands)
        return Prepared(z1, z2, d1.channels, d2.channels, rate, bands, None, 0)
    starts, width = _windows(d1.data.shape[-1], rate, window_s, step_s)
    bad = np.zeros(d1.data.shape[-1], dtype=bool)
    for d in (d1, d2):
        if d.bad_samples is not None:
            bad |= d.bad_samples
    bad_count = np.concatenate([[0], np.cumsum(bad)])
    keep = bad_count[starts + width] == bad_count[starts]
    if not keep.any():
        raise ValueError("every window overlaps a 'BAD' annotation; no data left to analyse.")
    if not keep.all():
        logger.warning("%d of %d windows overlap 'BAD' annotations and are left out.",
                       int((~keep).sum()), len(keep))
    index = starts[keep][:, None] + np.arange(width)
    z1, z2 = (z[..., index].swapaxes(1, 2) for z in _analytic_both(d1, d2, rate, bands))
    return Prepared(z1, z2, d1.channels, d2.channels, rate, bands, starts[keep] / rate,
                    int((~keep).sum()))


def interbrain(
    x1,
    x2,
    modes: str | Sequence[str] = "plv",
    bands: Mapping[str, Sequence[float]] | Sequence[str] | str | None = None,
    *,
    sampling_rate: float | None = None,
    epochs_average: bool = True,
    pair_by: str = "name",
    window_s: float | None = None,
    step_s: float | None = None,
    picks="data",
    n_jobs: int | None = None,
) -> InterBrainResult:
    """Inter-brain synchrony between two participants, per band and channel pair.

    Parameters
    ----------
    x1, x2 : mne.Epochs, mne.io.Raw or ndarray
        Participant 1's and participant 2's recordings: MNE objects (data channels, bad
        channels excluded; see :func:`~attunement.read_hyperscanning`), or arrays of shape
        (n_epochs, n_channels, n_times) or, continuous, (n_channels, n_times).
    modes : str or list of str
        Measures, HyPyP's names: ``plv``, ``ccorr``, ``accorr``, ``coh``, ``imaginary_coh``,
        ``pli``, ``wpli``, ``envelope_corr``, ``pow_corr``
        (:data:`~attunement.brain.measures.MODES`); a comma-separated string works too.
    bands : mapping, list of names or None
        ``{name: (fmin, fmax)}`` in Hz, or names from
        :data:`~attunement.brain.signal.EEG_BANDS` (the default, all five adult bands).
    sampling_rate : float, optional
        Hz; required for arrays, taken from MNE objects.
    epochs_average : bool
        Average over epochs (NaN-aware, as HyPyP) or keep one matrix per epoch or window.
    pair_by : {'name', 'position'}
        'name' pairs channels by name (both participants must have the same names);
        'position' keeps each participant's own order, and channel counts may differ.
    window_s, step_s : float, optional
        Continuous recordings only: cut into windows of ``window_s`` seconds every ``step_s``
        (default: ``window_s``, no overlap), after band-pass filtering the whole recording.
        Without ``window_s`` the whole recording is one window.
    picks : str or list
        MNE channel selection (default ``'data'``).
    n_jobs : int or None
        Threads for the synchrony matrices (joblib's convention: -1 is every CPU). They pay off
        for PLI, wPLI and ACCorr; the matrix-product measures are limited by memory bandwidth.

    Returns
    -------
    InterBrainResult

    Notes
    -----
    Epochs are filtered one by one, as in HyPyP 0.6.2 ``compute_freq_bands`` + ``compute_sync``;
    the values equal HyPyP's inter-brain block (rows participant 1, columns participant 2).
    Short epochs inflate synchrony estimates (Zimmermann et al. 2024) and shared stimulation
    produces spurious synchrony (Burgess 2013): test against pseudo-pairs
    (:func:`~attunement.interbrain_test`).

    Examples
    --------
    >>> t = np.arange(2000) / 200
    >>> x = np.sin(2 * np.pi * 10 * t)
    >>> x1 = np.stack([[x, np.random.default_rng(1).normal(size=2000)]] * 3)
    >>> x2 = np.stack([[np.sin(2 * np.pi * 10 * t - 1), x]] * 3)
    >>> r = interbrain(x1, x2, "plv", {"alpha": (8, 12)}, sampling_rate=200)
    >>> r.matrix("plv", "alpha").round(2)[0]
    array([1., 1.])
    """
    modes = check_modes(modes)
    prep = prepare(x1, x2, bands, sampling_rate=sampling_rate, pair_by=pair_by,
                   window_s=window_s, step_s=step_s, picks=picks)
    values = interbrain_matrix(prep.z1, prep.z2, modes, n_jobs=n_jobs)
    n_epochs = values.shape[2]
    if epochs_average:
        values = nanmean(values, axis=2)
    return InterBrainResult(
        values=values,
        modes=modes,
        bands=prep.bands,
        channels_1=prep.channels_1,
        channels_2=prep.channels_2,
        sampling_rate=prep.sampling_rate,
        n_epochs=n_epochs,
        epoch_s=prep.z1.shape[-1] / prep.sampling_rate,
        epochs_average=epochs_average,
        onsets_s=prep.onsets_s,
        n_dropped=prep.n_dropped,
        params={"pair_by": pair_by, "window_s": window_s, "step_s": step_s},
    )
