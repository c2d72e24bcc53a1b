"""The windowed cross-correlation's fast path through the surrogate engine.

Every surrogate pair of a batch goes through the WCC kernel at once
(:func:`attunement.lagcorr._wcc_core.lagged_r`), and the summaries :data:`STATISTICS` and the
per-window means come out for all of them; :func:`wcc_surrogate_test` is registered in
:data:`attunement.stats.engine.FAST_PATHS` for every ``('wcc', null)``, and
:func:`wcc_shift_test` for ``('wcc', 'shift')``: circular shifts of series without missing
values through the shift kernel, all shifts together (:mod:`attunement.lagcorr.shifts`).
"""

from __future__ import annotations

import numpy as np

from ..lagcorr import lagged_r, make_layout
from ..lagcorr.lagged import transform, wcc
from ..lagcorr.shifts import shifts_supported, wcc_shift_statistics
from .testing import STATISTICS, SurrogateTest

#: Cells per batch of surrogates (1 MB of float64): batching saves per-call overhead on short
#: series; a batch larger than the cache costs more than it saves (benchmarks/).
BATCH_ELEMENTS = 1 << 17


def wcc_surrogate_test(x1, x2, sampling_rate, params: dict, draw) -> SurrogateTest:
    """The WCC summaries of the real pair against those of ``draw``'s surrogate pairs
    (``params``: :func:`attunement.wcc`'s keywords, all given), with per-window
    distributions when all pairs have the real pair's length.

    Examples
    --------
    >>> from attunement.stats.engine import NullDraw
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=600)
    >>> params = dict(window_s=20, max_lag_s=2, step_s=10, fisher_z=False, absolute=False)
    >>> test = wcc_surrogate_test(x, x + rng.normal(size=600), 10, params,
    ...                           NullDraw("shift", 19, min_shift_s=2, seed=0))
    >>> test.statistic, test.p_value
    ('grand_average', 0.05)
    """
    observed = wcc(x1, x2, sampling_rate, **params)
    obs_stats = observed.summary()
    pairs = draw.pairs(x1, x2, sampling_rate)
    stats, windows = batched_wcc(pairs, sampling_rate, params)
    same_length = all(xs.shape[1] == len(x1) for xs, _ in pairs)
    return SurrogateTest(
        statistic=STATISTICS[0], observed=obs_stats[STATISTICS[0]], null=stats[STATISTICS[0]],
        null_name=draw.null, alternative="greater",
        others={k: (obs_stats[k], stats[k]) for k in STATISTICS[1:]},
        window_times_s=observed.times_s if same_length else None,
        window_observed=observed.all_lags if same_length else None,
        window_null=windows if same_length else None,
    )


def wcc_shift_test(x1, x2, sampling_rate, params: dict, draw) -> SurrogateTest:
    """:func:`wcc_surrogate_test` for ``null='shift'``, with the shifts ``draw`` draws
    (:meth:`~attunement.stats.engine.NullDraw.shift_offsets`, the same as its pairs) run
    through the shift kernel; series with missing values take the batched path.

    Examples
    --------
    >>> from attunement.stats.engine import NullDraw
    >>> x, e = np.random.default_rng(0).normal(size=(2, 600))
    >>> params = dict(window_s=20, max_lag_s=2, step_s=10, fisher_z=False, absolute=False)
    >>> fast = wcc_shift_test(x, x + e, 10, params, NullDraw("shift", 9, min_shift_s=2))
    >>> batched = wcc_surrogate_test(x, x + e, 10, params, NullDraw("shift", 9, min_shift_s=2))
    >>> bool(np.allclose(fast.null, batched.null, atol=1e-10))
    True
    """
    if not shifts_supported(x1, x2):
        return wcc_surrogate_test(x1, x2, sampling_rate, params, draw)
    observed = wcc(x1, x2, sampling_rate, **params)
    obs_stats = observed.summary()
    keys = ("window_s", "max_lag_s", "step_s", "fisher_z", "absolute")
    got = wcc_shift_statistics(x1, x2, sampling_rate, draw.shift_offsets(len(x2), sampling_rate),
                               **{k: params[k] for k in keys})
    return SurrogateTest(
        statistic=STATISTICS[0], observed=obs_stats[STATISTICS[0]], null=got[STATISTICS[0]],
        null_name=draw.null, alternative="greater",
        others={k: (obs_stats[k], got[k]) for k in STATISTICS[1:]},
        window_times_s=observed.times_s, window_observed=observed.all_lags,
        window_null=got["all_lags"],
    )


def wcc_statistics(values: np.ndarray, lags_s: np.ndarray) -> dict:
    """The WCC summaries :data:`STATISTICS` of a batch (S, n_windows, n_lags), and the mean
    over lags of each window (``all_lags``); lags run from -L to L.

    Examples
    --------
    >>> values = np.array([[[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]]])
    >>> out = wcc_statistics(values, np.array([-1.0, 0.0, 1.0]))
    >>> round(float(out["grand_average"][0]), 3), round(float(out["p1_leads_mean"][0]), 3)
    (0.3, 0.4)
    """
    zero = len(lags_s) // 2
    ok = ~np.isnan(values)
    filled = np.where(ok, values, 0.0)
    parts = [(filled[..., sl].sum(-1), ok[..., sl].sum(-1))
             for sl in (slice(0, zero), slice(zero, zero + 1), slice(zero + 1, None))]
    (neg, n_neg), (mid, n_mid), (pos, n_pos) = parts
    with np.errstate(invalid="ignore", divide="ignore"):
        all_lags = (neg + mid + pos) / (n_neg + n_mid + n_pos)
        return {
            "grand_average": (neg + mid + pos).sum(1) / (n_neg + n_mid + n_pos).sum(1),
            "lag_zero_mean": mid.sum(1) / n_mid.sum(1),
            "p1_leads_mean": _row_mean(pos / n_pos),
            "p2_leads_mean": _row_mean(neg / n_neg),
            "all_lags": all_lags,
        }


def batched_wcc(pairs, rate: float, params: dict):
    """WCC summaries of every pair of the batches ``pairs`` (a list of ``(xs, ys)`` arrays of
    shape (S, n_times)), batch by batch; per-window means when all pairs have one length.

    Examples
    --------
    >>> x, noise = np.random.default_rng(1).normal(size=(2, 3, 300))
    >>> params = dict(window_s=10, max_lag_s=1, step_s=5, fisher_z=False, absolute=False)
    >>> stats, windows = batched_wcc([(x, x + noise)], 10, params)
    >>> bool((stats["lag_zero_mean"] > 0.6).all()), windows.shape
    (True, (3, 4))
    """
    stats = {k: [] for k in STATISTICS}
    windows = []
    for xs, ys in pairs:
        lay = make_layout(xs.shape[1], rate, params["window_s"], params["max_lag_s"],
                          params["step_s"])
        lags = np.arange(-lay.lag, lay.lag + 1) / rate
        batch = max(1, BATCH_ELEMENTS // (lay.n_windows * lay.n_lags + xs.shape[1]))
        for b0 in range(0, len(xs), batch):
            r = lagged_r(xs[b0 : b0 + batch], ys[b0 : b0 + batch], lay)
            got = wcc_statistics(transform(r, params["fisher_z"], params["absolute"]), lags)
            for k in STATISTICS:
                stats[k].append(got[k])
            windows.append(got["all_lags"])
    same = len({w.shape[1] for w in windows}) == 1
    return ({k: np.concatenate(v) for k, v in stats.items()},
            np.concatenate(windows) if same else None)


def _row_mean(per_window: np.ndarray) -> np.ndarray:
    """Mean over windows of a per-window series, missing windows left out (rMEA)."""
    ok = ~np.isnan(per_window)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok, per_window, 0.0).sum(1) / ok.sum(1)
