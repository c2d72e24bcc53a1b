"""Heart-rate coupling by windowed lagged cross-correlation, over the session and inside
vs outside behavioural-synchrony episodes (Feldman et al. 2011, Infant Behav Dev 34:569).

The cross-correlation is the project's :func:`attunement.lagcorr.lagged.wcc` (positive lag:
partner 2 follows partner 1). Each window's coupling is its peak r over the lags searched;
Feldman et al. found mother and infant heart rhythms coupled within lags under 1 s, so
lags are searched to at least +-1 s on heart rate sampled at >= 4 Hz.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_positive, check_random_state
from ..lagcorr.lagged import WCCResult, wcc
from ..nulls import shift_offsets
from ..physio.segments import runs
from ..session import validate_phases
from .measures import LinkageResult, _result

#: Feldman et al. (2011): heart-rate coupling at >= 4 Hz, lags to at least +-1 s.
MIN_HR_RATE_HZ = 4.0
MIN_LAG_S = 1.0


def _check_feldman(sampling_rate, max_lag_s):
    sr = check_positive(sampling_rate, "sampling_rate")
    if sr < MIN_HR_RATE_HZ:
        raise ValueError(f"Invalid value for 'sampling_rate': heart-rate coupling needs at "
                         f"least {MIN_HR_RATE_HZ:g} Hz (Feldman et al. 2011), got {sr:g} Hz; "
                         "resample the heart rate with attunement.heart_rate.")
    if check_positive(max_lag_s, "max_lag_s") < MIN_LAG_S:
        raise ValueError(f"Invalid value for 'max_lag_s': heart rhythms couple at lags up to "
                         f"1 s (Feldman et al. 2011); search at least {MIN_LAG_S:g} s, got "
                         f"{max_lag_s:g} s.")
    return sr


def _peaks(res: WCCResult) -> tuple[np.ndarray, np.ndarray]:
    """Each window's largest r and its lag (NaN for an all-missing window)."""
    empty = np.isnan(res.values).all(axis=1)
    peak = np.where(np.isnan(res.values), -np.inf, res.values).max(axis=1)
    return np.where(empty, np.nan, peak), res.best_lag_s


def hr_coupling(
    x1, x2, sampling_rate: float, window_s: float = 30.0, max_lag_s: float = 3.0,
    step_s: float = 15.0, n_surrogates: int = 500, min_shift_s: float = 30.0, seed=None,
) -> LinkageResult:
    """Mean peak cross-correlation of heart rate over windows, against circular shifts.

    Parameters
    ----------
    x1, x2 : array of shape (n_times,)
        Heart rate (NaN in gaps) on one clock, e.g. from :func:`heart_rate`.
    sampling_rate : float
        At least 4 Hz.
    window_s, max_lag_s, step_s : float
        WCC windows (choice: 30 s every 15 s) and lags searched (choice: +-3 s, at least
        the +-1 s of Feldman et al. 2011).
    n_surrogates, min_shift_s, seed
        Partner 2 shifted circularly by at least ``min_shift_s``.

    Returns
    -------
    LinkageResult
        ``measure='hr_peak_r'``; ``params['lag_s']`` is the lag where the mean over
        windows peaks; ``series`` has ``window_start_s``, ``peak_r``, ``peak_lag_s``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> lead = np.convolve(rng.normal(size=2410), np.ones(8) / 8, "same")
    >>> follow = lead[:2400] + 0.1 * rng.normal(size=2400)  # 2 samples = 0.5 s later
    >>> res = hr_coupling(lead[2:2402], follow, 4, n_surrogates=49, seed=0)
    >>> res.params["lag_s"], res.p_value
    (0.5, 0.02)
    """
    sr = _check_feldman(sampling_rate, max_lag_s)
    params = {"window_s": window_s, "max_lag_s": max_lag_s, "step_s": step_s}
    res = wcc(x1, x2, sr, **params)
    peak, lag = _peaks(res)

    def stat(b):
        return float(np.nanmean(_peaks(wcc(x1, b, sr, **params))[0]))

    rng = check_random_state(seed)
    x2 = np.asarray(x2, dtype=float)
    shifts = shift_offsets(len(x2), int(round(min_shift_s * sr)), n_surrogates, rng,
                           "'min_shift_s'")
    surr = [stat(np.roll(x2, k)) for k in shifts]
    series = pd.DataFrame({"window_start_s": res.times_s, "peak_r": peak, "peak_lag_s": lag})
    best = float(res.summary()["best_lag_s"])
    return _result("hr_peak_r", float(np.nanmean(peak)), "shift", surr,
                   int(np.isfinite(peak).sum()), {**params, "lag_s": best}, series)


@dataclass
class EpisodeCoupling:
    """Heart-rate coupling inside vs outside behavioural-synchrony episodes.

    ``difference`` is the mean peak r of windows inside minus outside; its null shifts
    the episodes circularly (keeping their number and lengths), so ``p_value`` asks
    whether coupling is stronger inside than wherever episodes of that shape fall.
    """

    inside: float
    outside: float
    n_inside: int
    n_outside: int
    test: LinkageResult
    windows: pd.DataFrame = field(repr=False)

    @property
    def difference(self) -> float:
        return self.inside - self.outside

    def to_frame(self) -> pd.DataFrame:
        """One row: the test's columns plus ``inside``, ``outside`` and window counts."""
        return self.test.to_frame().assign(inside=self.inside, outside=self.outside,
                                           n_inside=self.n_inside, n_outside=self.n_outside)


def coupling_by_episode(
    x1, x2, sampling_rate: float, episodes: pd.DataFrame, start_s: float = 0.0,
    window_s: float = 10.0, max_lag_s: float = 3.0, step_s: float = 5.0,
    min_inside: float = 0.5, n_surrogates: int = 500, min_shift_s: float = 30.0, seed=None,
) -> EpisodeCoupling:
    """Compare heart-rate coupling inside and outside behavioural-synchrony episodes.

    Parameters
    ----------
    x1, x2, sampling_rate
        Heart rate on one clock whose first sample is at ``start_s``.
    episodes : DataFrame
        ``onset_s`` and ``duration_s`` of behavioural-synchrony episodes (a phases table;
        e.g. from :func:`synchrony_episodes` or coded by hand).
    window_s, max_lag_s, step_s : float
        WCC windows (choice: 10 s every 5 s, short enough to fall inside episodes) and
        lags (choice: +-3 s; at least +-1 s, Feldman et al. 2011).
    min_inside : float
        A window counts as inside when at least this share of it lies in episodes.
    n_surrogates, min_shift_s, seed
        The episode mask is shifted circularly by at least ``min_shift_s``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> lead, follow = np.convolve(rng.normal(size=(2, 2400)).ravel(), np.ones(8) / 8,
    ...                            "same").reshape(2, 2400)
    >>> eps = pd.DataFrame({"onset_s": [0, 150, 330, 500], "duration_s": [60, 50, 90, 40]})
    >>> t = np.arange(2400) / 4
    >>> inside = np.any([(t >= a) & (t < a + d) for a, d in eps.to_numpy()], axis=0)
    >>> follow[inside] = lead[inside] + 0.1 * rng.normal(size=inside.sum())
    >>> res = coupling_by_episode(lead, follow, 4, eps, n_surrogates=49, seed=0)
    >>> round(res.inside, 1), round(res.outside, 1), res.test.p_value
    (0.9, 0.5, 0.02)
    """
    sr = _check_feldman(sampling_rate, max_lag_s)
    episodes = validate_phases(episodes.assign(label=episodes.get("label", "episode")),
                               "episodes")
    n = len(np.asarray(x1))
    t = start_s + np.arange(n) / sr
    mask = np.zeros(n, dtype=bool)
    for ep in episodes.itertuples():
        mask |= (t >= ep.onset_s) & (t < ep.onset_s + ep.duration_s)
    params = {"window_s": window_s, "max_lag_s": max_lag_s, "step_s": step_s}
    res = wcc(x1, x2, sr, **params)
    peak, lag = _peaks(res)
    win = int(round(window_s * sr))
    starts = np.rint(res.times_s * sr).astype(int)

    def split(m):
        share = np.array([m[s:s + win].mean() for s in starts])
        return share >= min_inside

    inside = split(mask)
    ok = np.isfinite(peak)
    if not (inside & ok).any() or not (~inside & ok).any():
        raise ValueError(f"coupling_by_episode: {int((inside & ok).sum())} window(s) inside "
                         f"and {int((~inside & ok).sum())} outside the episodes; need both. "
                         "Shorten 'window_s' or check the episodes' times.")

    def stat(m):
        ins = split(m)
        return float(np.mean(peak[ins & ok]) - np.mean(peak[~ins & ok])) \
            if (ins & ok).any() and (~ins & ok).any() else np.nan

    rng = check_random_state(seed)
    shifts = shift_offsets(n, int(round(min_shift_s * sr)), n_surrogates, rng, "'min_shift_s'")
    test = _result("hr_peak_r_inside_minus_outside", stat(mask), "shift",
                   [stat(np.roll(mask, k)) for k in shifts], int(ok.sum()),
                   {**params, "min_inside": min_inside})
    windows = pd.DataFrame({"window_start_s": start_s + res.times_s, "peak_r": peak,
                            "peak_lag_s": lag, "inside": inside})
    return EpisodeCoupling(float(np.mean(peak[inside & ok])), float(np.mean(peak[~inside & ok])),
                           int((inside & ok).sum()), int((~inside & ok).sum()), test, windows)


def synchrony_episodes(
    b1, b2, sampling_rate: float, threshold_r: float = 0.5, window_s: float = 10.0,
    max_lag_s: float = 2.0, step_s: float = 1.0, start_s: float = 0.0,
) -> pd.DataFrame:
    """Behavioural-synchrony episodes: where the partners' behaviour channel correlates.

    Windows whose peak lagged r (:func:`attunement.lagcorr.lagged.wcc`) reaches
    ``threshold_r`` are marked, and overlapping marked windows merge into one episode.
    Every value is a choice (Feldman 2007 codes synchrony by hand on a 1 s base; this is
    a stand-in where no coding exists). The peak over lags of short windows exceeds a
    fixed ``threshold_r`` by chance more often: check the episodes against surrogates.

    Returns
    -------
    DataFrame
        ``onset_s``, ``duration_s``, ``label`` (``'synchrony'``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> a, b = rng.normal(size=(2, 1200))
    >>> b[400:800] = a[400:800] + 0.2 * rng.normal(size=400)
    >>> synchrony_episodes(a, b, 10, step_s=5)
       onset_s  duration_s      label
    0     40.0        45.0  synchrony
    """
    sr = check_positive(sampling_rate, "sampling_rate")
    res = wcc(b1, b2, sr, window_s=window_s, max_lag_s=max_lag_s, step_s=step_s)
    peak = _peaks(res)[0]
    n = len(np.asarray(b1))
    marked = np.zeros(n, dtype=bool)
    win = int(round(window_s * sr))
    for s in np.rint(res.times_s[peak >= threshold_r] * sr).astype(int):
        marked[s:s + win] = True
    rows = [(start_s + a / sr, (b - a) / sr, "synchrony") for a, b in runs(marked)]
    return pd.DataFrame(rows, columns=["onset_s", "duration_s", "label"])
