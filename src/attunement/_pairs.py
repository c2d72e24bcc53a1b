"""Input handling shared by the pairwise and group measures.

Every measure takes two arrays and a ``sampling_rate``, or a :class:`~attunement.Session`
in place of the first array (then ``x2`` stays None and ``channel`` picks the signal).
"""

from __future__ import annotations

import numpy as np

from ._check import check_positive
from .session import Session


def as_pair(
    x1,
    x2=None,
    sampling_rate=None,
    channel: str | None = None,
    *,
    min_samples: int = 3,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Return two finite 1-D float arrays of equal length and the sampling rate.

    Examples
    --------
    >>> a, b, sr = as_pair([1, 2, 3], [3, 2, 1], 10)
    >>> sr
    10.0
    """
    a1, a2, sr = read_pair(x1, x2, sampling_rate, channel)
    for name, a in (("x1", a1), ("x2", a2)):
        check_finite(a, name)
    if a1.shape[0] < min_samples:
        raise ValueError(
            f"Invalid input: expected at least {min_samples} samples, got {a1.shape[0]}."
        )
    return a1, a2, sr


def read_pair(
    x1,
    x2,
    sampling_rate,
    channel: str | None,
    *,
    names: tuple[str, str] = ("x1", "x2"),
    series=None,
) -> tuple[np.ndarray, np.ndarray, float]:
    """Two equal-length 1-D float arrays and the rate, from two arrays or a Session.

    The arrays are read by ``series(values, name)`` (default :func:`as_series`); NaN and
    infinite values are left for the caller to judge. ``names`` are the argument names
    used in the messages.

    Examples
    --------
    >>> a, b, sr = read_pair([1, np.nan, 3], [3, 2, 1], 10, None)
    >>> sr, int(np.isnan(a).sum())
    (10.0, 1)
    """
    n1, n2 = names
    if isinstance(x1, Session):
        if x2 is not None:
            raise ValueError(
                f"Invalid value for {n2!r}: expected None when {n1!r} is a Session "
                f"(the pair comes from the session), got {type(x2).__name__}."
            )
        if sampling_rate is not None and float(sampling_rate) != x1.sampling_rate:
            raise ValueError(
                f"Invalid value for 'sampling_rate': session {x1.id!r} is sampled at "
                f"{x1.sampling_rate:g} Hz, got {sampling_rate!r}; leave it None."
            )
        a1, a2 = x1.pair(channel)
        sampling_rate = x1.sampling_rate
    else:
        if x2 is None:
            raise ValueError(
                f"Invalid value for {n2!r}: expected an array like {n1!r}, got None."
            )
        if sampling_rate is None:
            raise ValueError(
                "Invalid value for 'sampling_rate': expected a number of samples per second "
                "(Hz) with plain arrays, got None."
            )
        read = as_series if series is None else series
        a1, a2 = read(x1, n1), read(x2, n2)
    sr = check_positive(sampling_rate, "sampling_rate")
    if a1.shape[0] != a2.shape[0]:
        raise ValueError(
            f"Invalid input: {n1!r} has {a1.shape[0]} samples and {n2!r} has {a2.shape[0]}; "
            "expected equal lengths (align them with attunement.align_streams)."
        )
    return a1, a2, sr


def as_series(x, name: str) -> np.ndarray:
    """One signal as a 1-D float array."""
    a = np.asarray(x, dtype=float)
    if a.ndim != 1:
        raise ValueError(
            f"Invalid value for {name!r}: expected a 1-D array (n_times,), got shape {a.shape}."
        )
    return a


def check_finite(a: np.ndarray, name: str) -> None:
    """Raise naming ``name`` and the count when ``a`` holds NaN or infinite values."""
    bad = ~np.isfinite(a)
    if bad.any():
        first = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"Invalid value for {name!r}: {int(bad.sum())} missing or infinite value(s) "
            f"(first at sample {first}); fill or crop gaps first."
        )


def to_samples(value_s: float, sampling_rate: float, name: str, *, minimum: int = 1) -> int:
    """Convert a duration in seconds to a whole number of samples (nearest).

    Examples
    --------
    >>> to_samples(0.2, 25, "delay_s")
    5
    """
    value = check_positive(value_s, name, allow_zero=minimum == 0)
    n = int(round(value * sampling_rate))
    if n < minimum:
        raise ValueError(
            f"Invalid value for {name!r}: {value_s} s is {value * sampling_rate:g} samples at "
            f"{sampling_rate:g} Hz; expected at least {minimum} sample(s)."
        )
    return n


def window_samples(window_s: float, step_s: float | None, sampling_rate: float,
                   n_samples: int) -> tuple[int, int]:
    """Window width (at least 2 samples) and step in samples; ``step_s`` None is half a window.

    Examples
    --------
    >>> window_samples(2.0, None, 10, 100)
    (20, 10)
    """
    width = to_samples(window_s, sampling_rate, "window_s", minimum=2)
    step = to_samples(window_s / 2 if step_s is None else step_s, sampling_rate, "step_s")
    if width > n_samples:
        raise ValueError(
            f"Invalid value for 'window_s': {window_s} s is longer than the series "
            f"({n_samples / sampling_rate:g} s)."
        )
    return width, step


def check_int(value, name: str, minimum: int) -> int:
    """Return ``value`` as an int >= ``minimum`` or raise naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(
            f"Invalid value for {name!r}: expected an integer >= {minimum}, got {value!r}."
        )
    return int(value)


def zscore(a: np.ndarray, name: str) -> np.ndarray:
    """Standardise with the population SD (ddof=0); a constant signal is an error."""
    sd = a.std(axis=0)
    if np.any(sd == 0):
        raise ValueError(
            f"Invalid value for {name!r}: the signal is constant, so it cannot be z-scored."
        )
    return (a - a.mean(axis=0)) / sd
