"""Dynamic time warping between two partners, with a Sakoe-Chiba window.

The warping path aligns partner 1's sample ``i`` with partner 2's sample ``j``; its
cumulative cost uses the ``symmetric2`` step pattern (diagonal steps count twice), the
default of R's ``dtw`` and dtw-python (Giorgino 2009, J Stat Softw 31:7), so the
normalised distance is the cumulative cost over ``n1 + n2``. The window constraint
keeps ``|j - i| <= window`` (Sakoe & Chiba 1978, IEEE Trans ASSP 26:43). Along the path,
``lag_s = (j - i) / sampling_rate`` is positive where partner 2 shows what partner 1
showed earlier (partner 1 leads).

Only the band of the window is stored (``n x (2 window + 1)``), and each row is filled
with a running minimum, so long sessions need neither ``n x n`` memory nor a Python
loop per cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_option
from .._pairs import as_pair, to_samples, zscore

NORMALIZATIONS = {"zscore": "mean 0, population SD 1", "none": "as given"}


@dataclass
class DTWResult:
    """Distance and warping path (``path_1``, ``path_2`` sample indices; ``lag_s``)."""

    distance: float
    normalized_distance: float
    path_1: np.ndarray = field(repr=False)
    path_2: np.ndarray = field(repr=False)
    lag_s: np.ndarray = field(repr=False)
    sampling_rate: float
    params: dict = field(default_factory=dict)

    def summary(self) -> dict:
        """Normalised distance, mean and median lag along the path, share of lead."""
        return {
            "dtw_distance": self.distance,
            "dtw_normalized_distance": self.normalized_distance,
            "dtw_mean_lag_s": float(self.lag_s.mean()),
            "dtw_median_lag_s": float(np.median(self.lag_s)),
            "dtw_partner1_leads_proportion": float(np.mean(self.lag_s > 0)),
            "dtw_partner2_leads_proportion": float(np.mean(self.lag_s < 0)),
        }

    def to_frame(self) -> pd.DataFrame:
        """The path: ``time_1_s``, ``time_2_s``, ``lag_s``."""
        return pd.DataFrame({"time_1_s": self.path_1 / self.sampling_rate,
                             "time_2_s": self.path_2 / self.sampling_rate,
                             "lag_s": self.lag_s})


def _accumulate(a1: np.ndarray, a2: np.ndarray, w: int) -> np.ndarray:
    """Cumulative symmetric2 cost in band coordinates ``D[i, j - i + w]``.

    Within a row, ``D_j = min(B_j, D_{j-1} + c_j)`` with ``B_j`` the best step from the
    row above; unrolled, ``D_j = C_j + min_{m <= j}(B_m - C_m)`` with ``C`` the running
    sum of costs, a cumulative minimum.
    """
    n = a1.size
    width = 2 * w + 1
    acc = np.full((n, width), np.inf)
    padded = np.concatenate([np.full(w, np.nan), a2, np.full(w, np.nan)])
    for i in range(n):
        cost = np.abs(a1[i] - padded[i : i + width])  # cell (i, i + k - w) in column k
        valid = ~np.isnan(cost)
        cost[~valid] = np.inf
        if i == 0:
            from_above = np.full(width, np.inf)
            from_above[w] = cost[w]  # the start cell counts its cost once
        else:
            prev = acc[i - 1]
            # (i-1, j-1) sits in the same column, (i-1, j) in column k + 1
            from_above = np.minimum(prev + 2 * cost, np.r_[prev[1:], np.inf] + cost)
        running = np.cumsum(np.where(valid, cost, 0.0))
        row = running + np.minimum.accumulate(from_above - running)
        row[~valid] = np.inf
        acc[i] = row
    return acc


def _backtrack(acc: np.ndarray, a1: np.ndarray, a2: np.ndarray, w: int):
    i, k = acc.shape[0] - 1, w  # end cell (n-1, n-1)
    path = [(i, i)]
    while i > 0 or k != w:
        j = i + k - w
        cost = abs(a1[i] - a2[j])
        steps = []
        if i > 0 and j > 0:
            steps.append((acc[i - 1, k] + 2 * cost, i - 1, k))
        if i > 0 and k + 1 < acc.shape[1]:
            steps.append((acc[i - 1, k + 1] + cost, i - 1, k + 1))
        if j > 0 and k > 0:
            steps.append((acc[i, k - 1] + cost, i, k - 1))
        _, i, k = min(steps, key=lambda s: abs(s[0] - acc[i, k]))
        path.append((i, i + k - w))
    return np.array(path[::-1]).T


def dtw(
    x1,
    x2=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    window_s: float = 5.0,
    normalize: str = "zscore",
) -> DTWResult:
    """DTW distance and warping path between two partners' series.

    Parameters
    ----------
    window_s : float
        Sakoe-Chiba window: the largest lag the path may take (choice: 5 s, the lag range
        rMEA's documentation calls common).
    normalize : {'zscore', 'none'}
        Scaling of each series first (choice: z-score, so the distance does not reflect
        the partners' different amplitudes).

    Examples
    --------
    >>> t = np.arange(400) / 10
    >>> res = dtw(np.sin(t), np.sin(t - 1.0), 10, window_s=3)
    >>> round(res.summary()["dtw_median_lag_s"], 1)
    1.0
    """
    a1, a2, sr = as_pair(x1, x2, sampling_rate, channel)
    check_option(normalize, "normalize", NORMALIZATIONS)
    w = to_samples(window_s, sr, "window_s")
    w = min(w, a1.size - 1)
    if normalize == "zscore":
        a1, a2 = zscore(a1, "x1"), zscore(a2, "x2")
    acc = _accumulate(a1, a2, w)
    distance = float(acc[-1, w])
    p1, p2 = _backtrack(acc, a1, a2, w)
    return DTWResult(distance, distance / (2 * a1.size), p1, p2, (p2 - p1) / sr, sr,
                     {"window_s": w / sr, "normalize": normalize})
