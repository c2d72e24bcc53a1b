"""One registry measure of one channel: its summary, parameters and surrogate test.

Every measure of :data:`attunement.sync.registry.MEASURES` other than the WCC (whose
result objects the report draws) runs here: its summary columns, its parameters as
``<measure>_param_<key>`` and, with surrogates, its headline statistic
(:data:`~attunement.sync.registry.HEADLINES`) tested on the same surrogate pairs as the
WCC (the same seed gives the same pairs).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from .._log import logger
from ..config import AnalysisConfig
from ..stats import default_segment_s, surrogate_test
from ..sync.registry import HEADLINES, MEASURES, headline_function, measure_parameters

#: A surrogate test expected to run longer than this (s) is announced (a warning).
SLOW_TEST_S = 60.0


def measure_columns(name: str, pair: tuple, config: AnalysisConfig,
                    pool: Sequence | None, where: str) -> dict[str, Any]:
    """The summary.csv columns of measure ``name`` on ``pair`` (``x1, x2, sampling_rate``).

    ``pool`` holds the other sessions' pairs of the channel (the pseudo-dyad null);
    errors name ``where`` (session and channel) and the measure.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.config import load_config
    >>> t = np.arange(600) / 10
    >>> cfg = load_config(surrogates={"n": 0})
    >>> cols = measure_columns("phase", (np.sin(t), np.sin(t - 0.5), 10), cfg, None, "demo")
    >>> cols["phase_plv"] > 0.99, cols["phase_param_window_s"]
    (True, 30.0)
    """
    params = config.measure_params(name)
    try:
        summary = MEASURES[name](*pair, **params)
        cols = {**summary, **{f"{name}_param_{k}": _cell(v) for k, v in
                              {**measure_parameters(name), **params}.items()}}
        if config.surrogates.n and (config.surrogates.null != "pseudo-dyads" or pool):
            cols.update(_measure_test(name, pair, summary, params, config, pool, where))
    except ValueError as err:
        raise ValueError(f"{where}, measure {name!r}: {err}") from None
    return cols


def _measure_test(name, pair, summary, params, config: AnalysisConfig, pool, where) -> dict:
    """The headline statistic against the configured null, and the columns that define
    the null (a shift of at least ``sync.max_lag_s``; segments of ``segment_s``, default
    two windows)."""
    nul, wcc_params = config.surrogates, config.sync.wcc_params()
    func = _Timed(headline_function(name, summary, **params), nul.n,
                  f"{where}, measure {name!r}")
    lag, window = wcc_params["max_lag_s"], wcc_params["window_s"]
    segment_s = nul.segment_s
    if nul.null == "segments" and segment_s is None:
        segment_s = default_segment_s(len(pair[0]) / pair[2], window, lag)
    test = surrogate_test(*pair, measure=func, null=nul.null, n_surrogates=nul.n,
                          seed=nul.seed, min_shift_s=lag, segment_s=segment_s, pool=pool,
                          alternative=HEADLINES[name].alternative)
    cols = {"statistic": test.statistic, "alternative": test.alternative,
            "surrogate_mean": test.surrogate_mean, "surrogate_sd": test.surrogate_sd,
            "effect_size": test.effect_size, "p_value": test.p_value}
    shared = {"null": nul.null, "n_surrogates": len(test.null), "seed": nul.seed,
              "segment_s": nul.segment_s, "window_s": wcc_params["window_s"],
              "max_lag_s": wcc_params["max_lag_s"]}
    return {**shared, **{f"{name}_{k}": v for k, v in cols.items()}}


class _Timed:
    """A headline function that, on its first call (the real pair), announces a surrogate
    test expected to run longer than :data:`SLOW_TEST_S`; the number of surrogates is
    never lowered."""

    def __init__(self, func: Callable, n_surrogates: int, label: str):
        self.func, self.n_surrogates, self.label, self.timed = func, n_surrogates, label, False

    def __call__(self, x1, x2, sampling_rate) -> dict:
        start = time.perf_counter()
        value = self.func(x1, x2, sampling_rate)
        if not self.timed:
            self.timed = True
            each = time.perf_counter() - start
            if each * self.n_surrogates > SLOW_TEST_S:
                logger.warning("%s: %d surrogates will take about %.0f min (%.2f s each).",
                               self.label, self.n_surrogates, each * self.n_surrogates / 60,
                               each)
        return value


def _cell(value):
    """A parameter as one table cell: tuples and mappings as their text."""
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)
