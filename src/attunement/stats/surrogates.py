"""Surrogate pairs: what a synchrony measure gives when the partners are not coupled.

Each generator returns ``(x_surr, y_surr)``, arrays of shape ``(n_surrogates, n_times)``,
and states the null hypothesis it encodes in :data:`NULLS`. Partner 1 is kept as recorded;
partner 2 is re-timed or replaced (only their relative timing matters to a pairwise measure).
Missing samples travel with their values (shift, segments, shuffle) or stay where they were
(IAAFT). Every generator takes ``seed``; the same seed gives the same surrogates.
"""

from __future__ import annotations

import math

import numpy as np

from .._check import check_option, check_positive, check_random_state
from ..nulls import shift_offsets as shift_offsets
from ..vocabulary import NULLS as VOCABULARY_NULLS
from ..vocabulary import SESSION_NULLS

#: Name -> null hypothesis of the session-level nulls (their names and texts are the
#: vocabulary's). Defaults must be calibrated nulls (SCIENCE.md): ``shift``.
NULLS = {k: VOCABULARY_NULLS[k] for k in SESSION_NULLS}


def circular_shift(x, y, n_surrogates: int, min_shift: int, seed=0):
    """Partner 2 circularly shifted by a uniform random offset in
    ``[min_shift, n - min_shift]`` samples (``min_shift`` at least the largest lag).

    Examples
    --------
    >>> xs, ys = circular_shift(np.arange(6.0), np.arange(6.0), 2, 2, seed=0)
    >>> xs.shape, sorted(ys[0]) == list(range(6))
    ((2, 6), True)
    """
    x, y = _pair(x, y)
    n = len(y)
    shifts = shift_offsets(n, min_shift, n_surrogates, check_random_state(seed))
    index = (np.arange(n)[None, :] - shifts[:, None]) % n
    return np.broadcast_to(x, (n_surrogates, n)), y[index]


def segment_shuffle(x, y, n_surrogates: int, segment: int, seed=0):
    """Partner 2 cut into segments of ``segment`` samples (the last one shorter when the
    length is not a multiple) put in a random order.

    Examples
    --------
    >>> _, ys = segment_shuffle(np.zeros(7), np.arange(7.0), 1, 3, seed=2)
    >>> sorted(ys[0].tolist()) == list(range(7))
    True
    """
    x, y = _pair(x, y)
    n, segment = len(y), int(segment)
    if not 1 <= segment < n:
        raise ValueError(
            f"Invalid value for 'segment_s': segments of {segment} samples do not cut a "
            f"series of {n} samples into at least 2 pieces."
        )
    starts = np.arange(0, n, segment)
    lengths = np.diff(np.r_[starts, n])
    rng = check_random_state(seed)
    out = np.empty((n_surrogates, n))
    for i, order in enumerate(rng.permuted(np.tile(np.arange(len(starts)), (n_surrogates, 1)),
                                           axis=1)):
        placed = np.cumsum(lengths[order]) - lengths[order]
        out[i] = y[np.arange(n) + np.repeat(starts[order] - placed, lengths[order])]
    return np.broadcast_to(x, (n_surrogates, n)), out


def data_shuffle(x, y, n_surrogates: int, seed=0):
    """Partner 2's samples in random order.

    Examples
    --------
    >>> _, ys = data_shuffle([1.0, 2, 3], [1.0, 2, 3], 4, seed=0)
    >>> ys.shape
    (4, 3)
    """
    x, y = _pair(x, y)
    rng = check_random_state(seed)
    return (np.broadcast_to(x, (n_surrogates, len(x))),
            rng.permuted(np.tile(y, (n_surrogates, 1)), axis=1))


def iaaft(x, y, n_surrogates: int, seed=0, max_iter: int = 100):
    """Partner 2 replaced by IAAFT surrogates (Schreiber & Schmitz 2000): same amplitude
    spectrum and same values, random phases; iterated until the ranks stop changing or
    ``max_iter``. Gaps are bridged linearly for the transform and missing again after.

    Examples
    --------
    >>> y = np.sin(np.arange(200) / 5) + np.random.default_rng(0).normal(size=200)
    >>> _, ys = iaaft(np.zeros(200), y, 3, seed=1)
    >>> bool(np.allclose(np.sort(ys, axis=1), np.sort(y)))
    True
    """
    x, y = _pair(x, y)
    missing = np.isnan(y)
    if missing.all():
        raise ValueError("Invalid input: partner 2 has no values to build IAAFT surrogates.")
    filled = _bridge(y, missing)
    values = np.sort(filled)
    amplitude = np.abs(np.fft.rfft(filled))
    rng = check_random_state(seed)
    surr = rng.permuted(np.tile(filled, (n_surrogates, 1)), axis=1)
    rows = np.arange(n_surrogates)[:, None]
    order = None
    for _ in range(max_iter):
        spectrum = np.fft.rfft(surr, axis=1)
        spectrum *= amplitude / np.maximum(np.abs(spectrum), np.finfo(float).tiny)
        new_order = np.argsort(np.fft.irfft(spectrum, n=len(y), axis=1), axis=1)
        surr[rows, new_order] = values  # same ranks, the original values
        if order is not None and np.array_equal(new_order, order):
            break
        order = new_order
    surr[:, missing] = np.nan
    return np.broadcast_to(x, (n_surrogates, len(x))), surr


def draw_pseudo_dyads(n_candidates: int, n_pseudo: int | None, seed=0) -> np.ndarray:
    """Which of ``n_candidates`` re-pairings of partners to use: ``n_pseudo`` of them drawn
    without replacement, in their own order (all of them when ``n_pseudo`` is None or at
    least their number). The one pseudo-dyad draw of the package.

    Examples
    --------
    >>> draw_pseudo_dyads(6, 3, seed=0).tolist() == sorted(set(draw_pseudo_dyads(6, 3).tolist()))
    True
    >>> draw_pseudo_dyads(4, None).tolist()
    [0, 1, 2, 3]
    """
    if n_pseudo is None or n_pseudo >= n_candidates:
        return np.arange(n_candidates)
    n_pseudo = _count(n_pseudo)
    return np.sort(check_random_state(seed).choice(n_candidates, n_pseudo, replace=False))


def same_recording(other, candidates) -> bool:
    """Whether ``other`` varies and equals one of ``candidates`` over its length (NaN equal to
    NaN): a duplicated recording, which would make a real dyad pass for a pseudo-dyad. A
    constant series (e.g. a silent voice channel) is never called a duplicate.

    Examples
    --------
    >>> same_recording(np.arange(3.0), [np.ones(4), np.arange(4.0)])
    True
    >>> same_recording(np.zeros(3), [np.zeros(3)])
    False
    """
    other = np.asarray(other, dtype=float)
    n = len(other)
    return bool(np.nanstd(other) > 0) and any(
        np.array_equal(np.asarray(c, dtype=float)[:n], other, equal_nan=True)
        for c in candidates)


def pseudo_dyad_pairs(x, y, pool, n_surrogates: int, seed=0):
    """This session's partners re-paired with the other sessions' (``pool``: (x, y) pairs
    or Sessions; roles kept): partner 1 with each other partner 2, each other partner 1
    with partner 2, ``n_surrogates`` of them (:func:`draw_pseudo_dyads`), each cut to the
    shorter length. A list of ``(x_batch, y_batch)`` arrays, one per length.

    Examples
    --------
    >>> pool = [(np.zeros(5), np.ones(5)), (np.zeros(4), np.ones(4))]
    >>> [xs.shape for xs, _ in pseudo_dyad_pairs(np.arange(6.0), np.arange(6.0), pool, 10)]
    [(2, 4), (2, 5)]
    """
    if not pool:
        raise ValueError(
            "Invalid value for 'pool': null='pseudo-dyads' needs other sessions (a list of "
            "(x, y) pairs or Sessions), got none."
        )
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    others = [p.pair() if hasattr(p, "pair") else tuple(np.asarray(a, float) for a in p)
              for p in pool]
    candidates = [(x, oy) for _, oy in others] + [(ox, y) for ox, _ in others]
    by_length: dict[int, list] = {}
    for i in draw_pseudo_dyads(len(candidates), n_surrogates, seed):
        a, b = candidates[i]
        n = min(len(a), len(b))
        by_length.setdefault(n, []).append((a[:n], b[:n]))
    return [(np.stack([a for a, _ in v]), np.stack([b for _, b in v]))
            for _, v in sorted(by_length.items())]


def make_surrogates(x, y, null: str, n_surrogates: int, sampling_rate: float, *,
                    max_lag_s: float, window_s: float | None = None,
                    segment_s: float | None = None, seed=0):
    """Dispatch to the generator of ``null`` (not pseudo-dyads, which need other sessions).

    ``shift`` shifts by at least ``max_lag_s`` (and at least 1 sample); ``segments`` uses
    ``segment_s`` (default: :func:`default_segment_s` of the duration, ``window_s`` and
    ``max_lag_s``).

    Examples
    --------
    >>> xs, ys = make_surrogates(np.arange(50.0), np.arange(50.0), "segments", 3, 1,
    ...                          max_lag_s=2, window_s=5, seed=0)
    >>> ys.shape, bool((np.sort(ys, axis=1) == np.arange(50.0)).all())
    ((3, 50), True)
    """
    check_option(null, "null", [k for k in NULLS if k != "pseudo-dyads"])
    n_surrogates = _count(n_surrogates)
    rate = check_positive(sampling_rate, "sampling_rate")
    if null == "shift":
        return circular_shift(x, y, n_surrogates, min_shift(max_lag_s, rate), seed)
    if null == "segments":
        if segment_s is None:
            segment_s = default_segment_s(len(np.asarray(y)) / rate, window_s or 0.0,
                                          max_lag_s)
        seg = check_positive(segment_s, "segment_s")
        return segment_shuffle(x, y, n_surrogates, max(1, round(seg * rate)), seed)
    if null == "iaaft":
        return iaaft(x, y, n_surrogates, seed)
    return data_shuffle(x, y, n_surrogates, seed)


def min_shift(max_lag_s: float, sampling_rate: float) -> int:
    """Smallest circular shift of the ``shift`` null in samples: the largest lag, rounded
    up (:func:`make_surrogates`; :func:`shift_offsets` makes it at least 1).

    Examples
    --------
    >>> min_shift(5, 25), min_shift(0.5, 5)
    (125, 3)
    """
    return math.ceil(max_lag_s * sampling_rate - 1e-9)


def default_segment_s(duration_s: float, window_s: float, max_lag_s: float) -> float:
    """Segment length of the segment shuffle: twice the window (and at least SUSY's twice
    the largest lag), but short enough for 5 segments.

    Calibration (independent AR(1) pairs, autocorrelation time 2-4 s, windows of 20 s, 200
    pairs; tests/test_stats.py): 10 s segments rejected 11-12 % at alpha = 0.05 (SCIENCE.md
    measured 17 %), segments of 30-75 s 5-7 %, and 3 segments per series 0 % (too few
    orders: many surrogates repeat the real pairing).

    Examples
    --------
    >>> default_segment_s(600, 30, 5), default_segment_s(180, 30, 5)
    (60, 36.0)
    """
    return min(max(2 * max_lag_s, 2 * window_s), duration_s / 5)


def _pair(x, y):
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if x.ndim != 1 or y.shape != x.shape:
        raise ValueError(
            f"Invalid input: expected two 1-D series of equal length, got shapes {x.shape} "
            f"and {y.shape}."
        )
    return x, y


def _count(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(
            f"Invalid value for 'n_surrogates': expected an integer >= 1, got {n!r}."
        )
    return int(n)


def _bridge(y, missing):
    if not missing.any():
        return y.copy()
    t = np.arange(len(y))
    return np.interp(t, t[~missing], y[~missing])
