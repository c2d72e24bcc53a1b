"""The WCC's window checks: a window too short for its rate, a lag as long as the window.

Each raises an error naming the parameter (``options`` gives the caller's names for
``window_s`` and ``max_lag_s``) and, with ``where``, the file.
"""

from __future__ import annotations

import math

import numpy as np

#: Fewest samples a correlation window may hold: fewer give correlations that are mostly
#: noise (a 2-sample correlation is always +-1). A choice, not a published value.
MIN_WINDOW_SAMPLES = 10


def check_window(sampling_rate: float, window_s: float, max_lag_s: float,
                 where: str = "", options: tuple[str, str] = ("window_s", "max_lag_s"),
                 minimum: int = MIN_WINDOW_SAMPLES) -> None:
    """Refuse a window of fewer than ``minimum`` samples at the data's rate (default
    :data:`MIN_WINDOW_SAMPLES`; never below 2, the fewest a correlation needs), and a lag
    as long as the window.

    Examples
    --------
    >>> check_window(0.025, 60, 5, "d.csv: ")
    Traceback (most recent call last):
    ...
    ValueError: d.csv: Invalid value for 'window_s': 60 s holds 2 samples at 0.025 Hz; ...
    """
    if int(minimum) < 2:
        raise ValueError(f"Invalid value for 'min_window_samples': {minimum}; expected at "
                         "least 2 (a correlation needs two samples).")
    n = int(np.floor(window_s * sampling_rate + 0.5))
    if n < minimum:
        raise ValueError(
            f"{where}Invalid value for {options[0]!r}: {window_s:g} s holds {n} samples at "
            f"{sampling_rate:g} Hz; expected at least {minimum} (a longer window, "
            "or check the sampling rate and the time column's unit)."
        )
    if max_lag_s >= window_s:
        raise ValueError(
            f"{where}Invalid value for {options[1]!r}: {max_lag_s:g} s is as long as the "
            f"window ({window_s:g} s); expected a lag shorter than the window (rMEA: lags "
            "of 5 s in 60 s windows)."
        )


def samples(value: float) -> int:
    """Nearest whole number of samples to ``value`` (seconds times rate), halves rounding
    up, as the WCC's layout rounds windows, steps and lags.

    Examples
    --------
    >>> samples(2.5), samples(2.4999), samples(60 * 25.0)
    (3, 2, 1500)
    """
    return int(math.floor(value + 0.5 + 1e-9))
