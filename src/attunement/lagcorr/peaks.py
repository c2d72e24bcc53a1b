"""Peak picking in a windowed cross-correlation: which lag, in each window, the two partners
are coupled at (and so who leads).

Each window's row (the correlation as a function of lag) is smoothed by loess (Boker et al.
2002, Psych Methods 7:338). Two rules pick the peak, named in :data:`PEAK_METHODS`:

- ``"surrogate"`` (default): the largest local maximum over the whole lag range, kept only if
  it stands out from that window's noise: its smoothed height must exceed the same statistic
  (largest smoothed local maximum) in the same window of circular-shift surrogates (partner 2
  shifted in time: each partner's autocorrelation kept, the alignment broken), with a
  permutation p-value ``<= alpha``. Under no coupling a window therefore shows a peak with
  probability ``alpha``; a window without a clear peak has no peak and no leader (NaN).
  Measured (docs/validation/peak_picking.py, three seeds pooled per cell): the peak lag's
  sign right in >= 80 % of the windows with a peak in 59 of 60 synthetic cells (leads 0.2-3
  s, r .3-.9, 10/25 Hz, either leader; Boker's rule 28), median lag error within 0.1 s in 59
  (mean 0.011 s); clear peaks in 6.3-6.9 % of the windows of 40 pseudo-dyads of real rMEA
  sessions (alpha .05).
  A window with a clear peak names a leader (the side of the peak lag) only where the peak
  lag is resolvably different from zero: the smoothed peak exceeds the smoothed value at lag
  zero, or the slope of the smoothed row at lag zero points towards the peak, beyond that
  difference's noise in the same window (z tests, Bonferroni at ``alpha``; the noise from
  the surrogates, carried to the observed correlations: :mod:`~attunement.lagcorr.leader`);
  otherwise the window has a peak and "no clear leader" (simultaneous or unresolved),
  counted as ``n_no_leader``. Measured (docs/who_leads.md): named leaders right in >= 80 %
  of the windows naming one in 60/60 cells of that grid (lowest .90) and in 180/180 cells
  of a fresh grid (four generators, real motion energy included, 10/30/50 Hz; 99.7 % of
  12782 named leaders right); leaders named in 4.6-5.1 % of the windows of rMEA
  pseudo-dyads and 2.3 % of 690 peaked windows under simultaneous coupling. Conservative at
  short leads: at 0.2 s the leader is named in .30-.66 of the peaked windows of the fresh
  grid.
- ``"boker2002"``: the local maximum nearest zero lag (Boker et al. 2002), in every window
  that has one. It picks ripples near zero when the true lag is beyond about 1 s
  (SCIENCE.md; tests/test_sync_peaks.py). Its leader is the sign of the peak lag.

The summaries are those of Moulder et al. (2018, Psych Methods 23:757): mean and SD of peak r
and of peak lag, over the windows with a peak, with the count of windows with and without one.

The loess is computed directly (R's ``loess(surface = "direct")``): at each lag a weighted
polynomial fit over the ``span`` fraction of nearest lags, tricube weights. Lags where the
row is missing get no weight, so a window with gaps is smoothed from what it has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._check import check_option, check_positive, check_random_state
from ._wcc_core import lagged_r, make_layout
from .lagged import WCCResult, transform, wcc_inputs
from .leader import coupled_spread, leader_p_values, slope_lags
from .loess import loess_rows
from .shifts import shifts_supported, wcc_shifts

#: Name -> rule; the names are those of the API, ``attune.toml`` (``peaks.method``) and the CLI.
PEAK_METHODS = {
    "surrogate": "largest smoothed local maximum over the lag range, kept where it exceeds the "
    "window's circular-shift surrogates (p <= alpha), its side the leader where it also "
    "exceeds lag zero, or the row's slope at lag zero points to it, beyond the window's "
    "noise; otherwise no peak and no leader",
    "boker2002": "local maximum nearest zero lag after loess (Boker et al. 2002), in every "
    "window that has one",
}

#: Cells of surrogate WCCs computed at once (memory bound of the null).
_BATCH_CELLS = 1 << 21


@dataclass
class PeakResult:
    """One peak per window: ``time_s`` (window start), ``lag_s`` and ``r`` (the WCC value at
    the peak: r, or Fisher z if the WCC was transformed); NaN where the window has no
    (clear) peak. ``p_value``: the window's surrogate p-value of its largest peak (method
    ``"surrogate"``; NaN for ``"boker2002"``). ``leader_p``: the p-value of the peak's
    side leading (:func:`leader_p_values`; method ``"surrogate"``, windows with a clear
    peak). Positive ``lag_s``: partner 2 follows partner 1 (partner 1 leads).
    :attr:`leader` says who leads per window."""

    time_s: np.ndarray
    lag_s: np.ndarray
    r: np.ndarray
    p_value: np.ndarray | None = None
    params: dict = field(default_factory=dict)
    leader_p: np.ndarray | None = None

    def __post_init__(self):
        for name in ("p_value", "leader_p"):
            if getattr(self, name) is None:
                setattr(self, name, np.full(len(self.time_s), np.nan))

    @property
    def leader(self) -> np.ndarray:
        """Per window: 1 (partner 1 leads), 2 (partner 2 leads), 0 (a peak but no clear
        leader: simultaneous or unresolved), NaN (no peak). Method ``"surrogate"``: a leader
        where ``leader_p <= alpha``; ``"boker2002"``: the sign of the peak lag."""
        alpha = self.params.get("alpha")
        side = np.where(self.lag_s > 0, 1.0, np.where(self.lag_s < 0, 2.0, 0.0))
        if self.params.get("method") == "surrogate" and alpha is not None:
            with np.errstate(invalid="ignore"):
                side = np.where(self.leader_p <= alpha, side, 0.0)
        return np.where(np.isnan(self.lag_s), np.nan, side)

    def to_frame(self) -> pd.DataFrame:
        """Tidy rows: ``time_s``, ``lag_s``, ``r``, ``p_value``, ``leader_p``, ``leader``."""
        return pd.DataFrame({"time_s": self.time_s, "lag_s": self.lag_s, "r": self.r,
                             "p_value": self.p_value, "leader_p": self.leader_p,
                             "leader": self.leader})

    def summary(self) -> dict:
        """Moulder et al. (2018): mean and SD (ddof 1) of peak r and of peak lag over the
        windows with a peak; the counts of windows, of windows with a peak and without one;
        and who leads, from the windows with a peak only (counts and shares of the windows
        with a peak; ``n_no_leader``: those with a peak but no clear leader)."""
        found = ~np.isnan(self.lag_s)
        r, lag, lead = self.r[found], self.lag_s[found], self.leader[found]
        return {
            "peak_method": self.params.get("method", "boker2002"),
            "peak_r_mean": _mean(r),
            "peak_r_sd": float(np.std(r, ddof=1)) if len(r) > 1 else math.nan,
            "peak_lag_mean_s": _mean(lag),
            "peak_lag_median_s": float(np.median(lag)) if len(lag) else math.nan,
            "peak_lag_sd_s": float(np.std(lag, ddof=1)) if len(lag) > 1 else math.nan,
            "n_peak_windows": len(self.lag_s),
            "n_peaks": int(found.sum()),
            "n_no_peak": int((~found).sum()),
            "p1_leads_n": int((lead == 1).sum()),
            "p2_leads_n": int((lead == 2).sum()),
            "n_no_leader": int((lead == 0).sum()),
            "p1_leads_share": _mean(lead == 1),
            "p2_leads_share": _mean(lead == 2),
        }

    def leader_text(self, partners=("partner 1", "partner 2")) -> str:
        """Who leads in words, from the windows with a peak only, with their count.

        Examples
        --------
        >>> res = PeakResult(np.arange(5.0), np.array([1.0, 0.5, np.nan, -0.2, 0.1]),
        ...                  np.ones(5), leader_p=np.array([.01, .02, np.nan, .03, .4]),
        ...                  params={"method": "surrogate", "alpha": 0.05})
        >>> print(res.leader_text(("mother", "infant")))  # doctest: +NORMALIZE_WHITESPACE
        mother leads in 2 of 4 windows with a clear peak (50 %), infant in 1 (25 %), no clear
        leader in 1 (simultaneous or unresolved); 1 of 5 windows without a peak
        """
        s = self.summary()
        kind = "clear peak" if s["peak_method"] == "surrogate" else "peak"
        if s["n_peaks"] == 0:
            return f"no window of {s['n_peak_windows']} has a {kind}: who leads cannot be said"
        p1, p2 = (f"{100 * s[k]:.0f} %" for k in ("p1_leads_share", "p2_leads_share"))
        return (f"{partners[0]} leads in {s['p1_leads_n']} of {s['n_peaks']} windows with a "
                f"{kind} ({p1}), {partners[1]} in {s['p2_leads_n']} ({p2}), no clear leader "
                f"in {s['n_no_leader']} (simultaneous or unresolved); "
                f"{s['n_no_peak']} of {s['n_peak_windows']} windows without a peak")

def pick_peaks(
    result: WCCResult,
    x=None,
    y=None,
    sampling_rate: float | None = None,
    *,
    channel: str | None = None,
    method: str = "surrogate",
    alpha: float = 0.05,
    n_peak_surrogates: int = 99,
    seed=0,
    span: float = 0.25,
    search_s: float | None = None,
    degree: int = 2,
) -> PeakResult:
    """The peak of every window of a windowed cross-correlation.

    Parameters
    ----------
    result : WCCResult
        From :func:`attunement.wcc`.
    x, y, sampling_rate, channel
        The pair the WCC was computed from (as for :func:`attunement.wcc`; a Session in
        place of ``x``); needed by ``method="surrogate"``.
    method : {'surrogate', 'boker2002'}
        The rule (:data:`PEAK_METHODS`). ``"surrogate"`` (default) gives a window a peak
        only when its largest smoothed local maximum beats the window's surrogates.
    alpha : float
        Surrogate p-value at or below which a peak is clear: the share of windows with a
        peak when the partners are not coupled (a choice; 0.05 as the surrogate tests);
        also the level of the leader test (peak lag against zero, ``leader_p``).
    n_peak_surrogates : int
        Circular-shift surrogates per session for the per-window threshold (99: p-values in
        steps of 0.01); a name of its own, as it is not a session's surrogate test.
    seed : int or Generator
        Seed of the surrogates; the same seed gives the same peaks.
    span : float
        Fraction of the lags in each local fit; 0.25 as Boker et al. (2002).
    search_s : float, optional
        Only peaks with ``|lag| <= search_s`` count; default the whole lag range.
    degree : {1, 2}
        Degree of the local polynomials (2 is R's loess default).

    Examples
    --------
    >>> from attunement import wcc
    >>> rng = np.random.default_rng(1)
    >>> p1 = np.convolve(rng.normal(size=2100), np.ones(15) / 15, "same")
    >>> p2 = np.r_[np.zeros(8), p1[:-8]] + 0.05 * rng.normal(size=2100)  # 0.8 s later
    >>> res = wcc(p1, p2, 10, window_s=20, max_lag_s=3, step_s=20)
    >>> peaks = pick_peaks(res, p1, p2, 10)
    >>> float(np.median(peaks.lag_s)), peaks.summary()["n_peaks"]
    (0.8, 10)
    >>> float(np.median(pick_peaks(res, method="boker2002").lag_s))
    0.8
    """
    if not isinstance(result, WCCResult):
        raise ValueError(
            f"Invalid value for 'result': expected a WCCResult from attunement.wcc, got "
            f"{type(result).__name__}."
        )
    check_option(method, "method", PEAK_METHODS)
    span = check_positive(span, "span")
    check_option(degree, "degree", [1, 2])
    lags = np.asarray(result.lags_s, dtype=float)
    limit = math.inf if search_s is None else check_positive(search_s, "search_s", allow_zero=True)
    smoothed = loess_rows(result.values, lags, span, degree)
    peak = _local_maxima(smoothed, lags, limit)
    rows = np.arange(len(smoothed))
    params = {"method": method, "span": span, "search_s": search_s, "degree": degree}
    p_value = leader_p = None
    if method == "boker2002":
        distance = np.where(peak, np.abs(lags), math.inf)
        nearest = distance == distance.min(axis=1, keepdims=True)
        best = np.where(nearest & peak, smoothed, -math.inf).argmax(axis=1)
        found = peak[rows, best]
    else:
        alpha = check_positive(alpha, "alpha")
        if alpha >= 1:
            raise ValueError(f"Invalid value for 'alpha': expected 0 < alpha < 1, got {alpha}.")
        best = np.where(peak, smoothed, -math.inf).argmax(axis=1)
        height = np.where(peak[rows, best], smoothed[rows, best], np.nan)
        zero = np.full(len(smoothed), int(np.argmin(np.abs(lags))))
        contrasts = [(best, zero), slope_lags(lags, len(smoothed))]
        null, spreads = _window_null(result, x, y, sampling_rate, channel, n_peak_surrogates,
                                     seed, (span, degree, limit), contrasts=contrasts)
        p_value = _window_p(height, null)
        found = p_value <= alpha
        follower = _partner_2(x, y, sampling_rate, channel)
        spreads = [coupled_spread(sd, result.values, hi, follower, result.params, lo)
                   for sd, (hi, lo) in zip(spreads, contrasts)]
        leader_p = np.where(found, leader_p_values(smoothed, lags, best, *spreads), np.nan)
        params.update(alpha=alpha, n_peak_surrogates=len(null), null="shift",
                      seed=int(seed) if isinstance(seed, (int, np.integer)) else None)
    return PeakResult(
        time_s=np.asarray(result.times_s, dtype=float).copy(),
        lag_s=np.where(found, lags[best], np.nan),
        r=np.where(found, result.values[rows, best], np.nan),
        p_value=p_value,
        leader_p=leader_p,
        params=params,
    )


def _local_maxima(smoothed: np.ndarray, lags: np.ndarray, limit: float) -> np.ndarray:
    """Interior local maxima within ``|lag| <= limit`` (steps below rounding do not count)."""
    with np.errstate(invalid="ignore"):
        tol = 1e-10 * np.nanmax(np.abs(smoothed), axis=-1, initial=0.0)[..., None]
        left = smoothed[..., 1:-1] - smoothed[..., :-2] > tol
        right = smoothed[..., 1:-1] - smoothed[..., 2:] >= -tol
    peak = np.zeros(smoothed.shape, dtype=bool)
    peak[..., 1:-1] = left & right
    return peak & (np.abs(lags) <= limit + 1e-9)


def _window_null(result, x, y, sampling_rate, channel, n_peak_surrogates, seed, smoothing,
                 contrasts=None):
    """Per surrogate and window (n_peak_surrogates, n_windows): the largest smoothed local
    maximum of circular-shift surrogates' WCC, with the real WCC's parameters. Partner 2
    is shifted by at least a window plus twice the largest lag where the series allows
    (so no surrogate window sees the real alignment), and never by less than the lag.

    With ``contrasts`` (pairs ``(hi, lo)`` of lag indices per window) also the window's noise
    of each (len(contrasts), n_windows): the SD over surrogates of ``smoothed[hi] -
    smoothed[lo]`` (for :func:`leader_p_values`: the peak against lag zero, and the lags
    either side of zero, :func:`slope_lags`)."""
    from ..nulls import shift_offsets

    if x is None:
        raise ValueError(
            "Invalid value for 'x': method='surrogate' needs the pair the WCC was computed "
            "from (pick_peaks(result, x, y, sampling_rate)); or use method='boker2002'."
        )
    p = result.params
    missing = [k for k in ("window_s", "max_lag_s", "step_s") if k not in p]
    if missing:
        raise ValueError(f"Invalid value for 'result': its params lack {missing}; compute it "
                         "with attunement.wcc.")
    a, b, rate, _ = wcc_inputs(x, y, sampling_rate, channel)
    lay = make_layout(len(a), rate, p["window_s"], p["max_lag_s"], p["step_s"])
    if lay.n_windows != result.n_windows or lay.n_lags != len(result.lags_s):
        raise ValueError(
            f"Invalid value for 'x': the pair gives {lay.n_windows} windows x {lay.n_lags} "
            f"lags, the result has {result.values.shape}; pass the pair the WCC came from."
        )
    n = int(n_peak_surrogates)
    if n < 1 or n != n_peak_surrogates:
        raise ValueError(f"Invalid value for 'n_peak_surrogates': expected an integer >= 1, "
                         f"got {n_peak_surrogates!r}.")
    low = math.ceil(p["max_lag_s"] * rate - 1e-9)
    wide = math.ceil((p["window_s"] + 2 * p["max_lag_s"]) * rate)
    shifts = shift_offsets(len(a), max(low, min(wide, len(a) // 2)), n,
                           check_random_state(seed))  # as circular_shift draws them
    together = shifts_supported(a, b)  # all shifts of a batch at once
    kw = {k: p[k] for k in ("window_s", "max_lag_s", "step_s")}
    fisher_z, absolute = bool(p.get("fisher_z")), bool(p.get("absolute"))
    span, degree, limit = smoothing
    lags = np.asarray(result.lags_s, dtype=float)
    null = np.empty((n, lay.n_windows))
    moments = np.zeros((len(contrasts or ()), 3, lay.n_windows))  # count, sum, squares
    batch = max(1, _BATCH_CELLS // (lay.n_windows * lay.n_lags))
    for b0 in range(0, n, batch):
        part = shifts[b0 : b0 + batch]
        if together:
            values = wcc_shifts(a, b, rate, part, fisher_z=fisher_z, absolute=absolute, **kw)
        else:
            ys = np.stack([np.roll(b, s) for s in part])
            values = transform(lagged_r(np.broadcast_to(a, ys.shape), ys, lay), fisher_z,
                               absolute)
        smoothed = loess_rows(values.reshape(-1, lay.n_lags), lags, span, degree)
        smoothed = smoothed.reshape(values.shape)
        peak = _local_maxima(smoothed, lags, limit)
        top = np.where(peak, smoothed, -math.inf).max(axis=-1)
        null[b0 : b0 + batch] = np.where(np.isnan(smoothed).all(axis=-1), np.nan, top)
        cols = np.arange(lay.n_windows)
        for k, (hi, lo) in enumerate(contrasts or ()):
            diff = smoothed[:, cols, hi] - smoothed[:, cols, lo]
            ok = ~np.isnan(diff)
            diff = np.where(ok, diff, 0.0)
            moments[k] += np.stack([ok.sum(0), diff.sum(0), (diff**2).sum(0)])
    if contrasts is None:
        return null
    count, total, squares = moments.transpose(1, 0, 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        var = (squares - total**2 / count) / (count - 1)
    return null, np.sqrt(np.where(count > 1, np.clip(var, 0, None), np.nan))


def _partner_2(x, y, sampling_rate, channel) -> np.ndarray:
    return wcc_inputs(x, y, sampling_rate, channel)[1]


def _window_p(height: np.ndarray, null: np.ndarray) -> np.ndarray:
    """Permutation p-value per window, ``(1 + #null >= height) / (1 + #null)`` over the
    surrogates whose window could be computed (one without a local maximum, ``-inf``,
    counts as below; a missing one, NaN, not at all); NaN where the real window has no
    local maximum."""
    with np.errstate(invalid="ignore"):
        above = (null >= height[None, :]).sum(axis=0)
    p = (1.0 + above) / (1.0 + (~np.isnan(null)).sum(axis=0))
    return np.where(np.isnan(height), np.nan, p)


def _mean(values) -> float:
    values = np.asarray(values, dtype=float)
    return float(values.mean()) if len(values) else math.nan
