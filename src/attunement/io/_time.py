"""Time columns of tables: found by their common names, converted to seconds, checked for
a plausible rate and, when asked, put on a regular clock."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_option, check_positive
from .._log import logger

#: Names of a time column (any case), with an optional unit: ``time``, ``Time``,
#: ``time_s``, ``time_ms``, ``Time (ms)``, ``timestamp``, ``seconds``, ``t``.
TIME_PATTERN = re.compile(
    r"^\s*(?P<name>time|t|timestamp|seconds|secs?|ms|milliseconds)"
    r"(?:[\s_]*[\[(]?\s*(?P<unit>s|sec|secs|seconds|ms|msec|millis|milliseconds)\s*[\])]?)?\s*$",
    re.IGNORECASE,
)
UNITS = {"s": 1.0, "ms": 1e-3}
#: Below this rate (Hz, one sample per 10 s) a continuous signal is implausible: most
#: often times in milliseconds read as seconds.
MIN_RATE_HZ = 0.1
#: Steps may differ from the median by this fraction and still count as a regular clock.
JITTER = 1e-3


def find_time_column(columns) -> tuple[str | None, str]:
    """The first column named like a time column, and its unit (``'s'`` or ``'ms'``).

    Examples
    --------
    >>> find_time_column(["Time (ms)", "a_x"]), find_time_column(["timestamp", "a_x"])
    (('Time (ms)', 'ms'), ('timestamp', 's'))
    >>> find_time_column(["a_x", "b_x"])
    (None, 's')
    """
    for col in columns:
        m = TIME_PATTERN.match(str(col))
        if m:
            return col, unit_of(m)
    return None, "s"


def unit_of(match: re.Match) -> str:
    word = (match["unit"] or match["name"]).lower()
    return "ms" if word in ("ms", "msec", "millis", "milliseconds") else "s"


def column_unit(name: str) -> str:
    """The unit a time column's name says (seconds when it says none)."""
    m = TIME_PATTERN.match(str(name))
    return unit_of(m) if m else "s"


def times_in_seconds(values, path: Path, column: str, unit: str) -> np.ndarray:
    """The time column as float seconds; an error names the first row that is not a
    finite number or does not increase."""
    check_option(unit, "time_unit", ["auto", *UNITS])
    if unit == "auto":
        unit = column_unit(column)
    raw = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(raw)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{path}: column {column!r} row {row} is not a finite number "
                         f"({pd.Series(values).iloc[row]!r}); expected times in {unit}.")
    times = raw * UNITS[unit]
    step = np.diff(times)
    if np.any(step <= 0):
        row = int(np.flatnonzero(step <= 0)[0]) + 1
        raise ValueError(f"{path}: column {column!r} does not increase at row {row} "
                         f"({raw[row]:g} after {raw[row - 1]:g}).")
    return times


def step_rate(times: np.ndarray) -> float:
    """The rate (Hz) of the median step, to 12 significant digits: time stamps summed in
    floating point (0.04 s steps giving 25.000000000000533 Hz) leave no noise in the rate,
    nor in the lags and times derived from it.

    Examples
    --------
    >>> step_rate(np.cumsum(np.full(1000, 0.04)))
    25.0
    """
    return float(f"{1.0 / float(np.median(np.diff(times))):.12g}")


def inferred_rate(times: np.ndarray, path: Path, column: str, unit: str) -> float:
    """The rate (Hz) of the median step, refused when implausibly slow for a signal."""
    if len(times) < 2:
        raise ValueError(f"{path}: at least two rows are needed to infer the sampling rate.")
    rate = step_rate(times)
    if rate < MIN_RATE_HZ and unit == "auto":
        raise ValueError(
            f"{path}: column {column!r} steps by {1 / rate:g} s (median), a rate of "
            f"{rate:g} Hz, implausible for a continuous signal (expected >= {MIN_RATE_HZ:g} "
            "Hz). If the times are in milliseconds, name the column 'time_ms' or give "
            "time_unit='ms'; if they really are seconds, give "
            "time_unit='s'."
        )
    return rate


def irregular(times: np.ndarray, rate: float) -> bool:
    """Whether the steps differ from ``1 / rate`` by more than :data:`JITTER`."""
    period = 1.0 / rate
    return bool(np.max(np.abs(np.diff(times) - period)) > JITTER * period)


def regular_grid(times: np.ndarray, values: pd.DataFrame, rate: float, path: Path,
                 max_gap_s: float | None = None) -> pd.DataFrame:
    """``values`` (rows at ``times``) linearly interpolated onto a clock at ``rate`` Hz.

    Where the original samples around a grid point are more than ``max_gap_s`` apart
    (default: 2 median steps) the result stays missing; the gaps are logged and counted
    in the returned frame's ``attrs['gaps']``.

    Examples
    --------
    >>> t = np.array([0.0, 0.101, 0.199, 0.3, 1.0, 1.1])
    >>> v = pd.DataFrame({"x": [0.0, 1, 2, 3, 10, 11]})
    >>> out = regular_grid(t, v, 10, Path("d.csv"))
    >>> out.x.round(2).tolist()[:5], int(out.x.isna().sum()), out.attrs["gaps"]
    ([0.0, 0.99, 2.01, 3.0, nan], 6, 1)
    """
    rate = check_positive(rate, "resample")
    step = float(np.median(np.diff(times)))
    gap = max_gap_s if max_gap_s is not None else 2 * step
    n = int(np.floor((times[-1] - times[0]) * rate + 1e-9)) + 1
    if n < 2:
        raise ValueError(f"{path}: resample={rate:g} Hz leaves fewer than 2 samples of a "
                         f"{times[-1] - times[0]:g} s recording.")
    grid = times[0] + np.arange(n) / rate
    idx = np.clip(np.searchsorted(times, grid, side="right"), 1, len(times) - 1)
    on_sample = np.isclose(times[idx - 1], grid) | np.isclose(times[idx], grid)
    in_gap = (times[idx] - times[idx - 1] > gap) & ~on_sample
    out = {}
    for col in values.columns:
        x = values[col].to_numpy(dtype=float)
        ok = ~np.isnan(x)
        y = np.interp(grid, times[ok], x[ok]) if ok.sum() >= 1 else np.full(n, np.nan)
        left, right = x[idx - 1], x[idx]
        y[in_gap | (np.isnan(left) & ~np.isclose(times[idx], grid))
          | (np.isnan(right) & ~np.isclose(times[idx - 1], grid))] = np.nan
        out[col] = y
    frame = pd.DataFrame(out, columns=values.columns)
    frame.index = grid
    starts = np.flatnonzero(np.diff(np.r_[0, in_gap.astype(int)]) == 1)
    frame.attrs["gaps"] = int(len(starts))
    if len(starts):
        longest = float(np.max(np.diff(times)))
        logger.warning("%s: resampled to %g Hz; %d gap(s) longer than %g s left missing "
                       "(%d samples; longest gap %g s).", path, rate, len(starts), gap,
                       int(in_gap.sum()), longest)
    return frame
