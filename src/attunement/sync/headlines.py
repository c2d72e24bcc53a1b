"""The headline statistic of each measure: the one tested against surrogates, the
direction of the test and why (the one place where this is decided), and the fast
function that computes it on surrogate pairs (:func:`headline_function`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .recurrence import recurrence_profile

#: The session-level surrogate nulls (every measure of two series takes each of them).
PAIR_NULLS = ("shift", "segments", "iaaft", "shuffle", "pseudo-dyads")

@dataclass(frozen=True)
class Headline:
    """The statistic of a measure tested against surrogates.

    ``column`` is the summary column, or the start of its name (the first column that
    starts with it: the first band's coherence); ``alternative`` is the direction of the
    test (see :func:`attunement.stats.permutation_p`); ``nulls`` the surrogate nulls the
    measure can be tested against (:func:`attunement.stats.surrogate_test`).
    """

    column: str
    alternative: str
    reason: str
    nulls: tuple[str, ...] = PAIR_NULLS


#: Measure -> its headline statistic, the direction of the test and why.
HEADLINES: dict[str, Headline] = {
    "wcc": Headline("wcc_grand_average", "greater",
                    "mean over windows and lags (rMEA, SUSY), the same as attune sync's "
                    "own WCC test"),
    "phase": Headline("phase_plv", "greater",
                      "the whole-session phase-locking value (Lachaux et al. 1999); the "
                      "windowed mean carries a small-window bias"),
    "coherence": Headline("coherence_mean_", "greater",
                          "mean coherence in the first band (all frequencies by default)"),
    "wavelet_coherence": Headline("wavelet_coherence_mean_", "greater",
                                  "mean coherence outside the cone, first band"),
    "crqa": Headline("crqa_zero_lag_recurrence_rate", "greater",
                     "recurrence on the line of synchrony: the whole-matrix measures "
                     "do not see alignment (the recurrence rate is the same for any "
                     "re-ordering of partner 2, determinism changes only at the seams of "
                     "a shift), so they cannot test coupling"),
    "crqa_windows": Headline("crqa_windows_mean_recurrence_rate", "greater",
                             "recurrence of co-occurring windows, which time-shifts break"),
    "drp": Headline("drp_peak_recurrence_rate", "greater",
                    "highest recurrence within +-max_lag_s (Richardson & Dale 2005)"),
    "dtw": Headline("dtw_normalized_distance", "less",
                    "a distance: more alike is smaller"),
    "granger": Headline("granger_gc_net", "two-sided",
                        "who leads, 1to2 minus 2to1 (the F tests already give each "
                        "direction); surrogates keep the real pair's lag order, as "
                        "MVGC's permutation tests (Barnett & Seth 2014)"),
    "transfer_entropy": Headline("transfer_entropy_net_nats", "two-sided",
                                 "who leads, 1to2 minus 2to1"),
    "contingency": Headline("contingency_interactive_max_abs", "greater",
                            "either partner's interactive contingency, either sign; the "
                            "maximum over both directions keeps one test"),
    "group": Headline("group_cluster_phase_rho", "greater",
                      "cluster-phase synchrony (Richardson et al. 2012)"),
    "mdrqa": Headline("mdrqa_recurrence_rate", "greater",
                      "how often the joint state recurs at a fixed radius"),
    "physio": Headline("physio_hr_interval_r", "greater",
                       "correlation of 15-s heart-rate means (Tschacher & Meier 2020); "
                       "attune physio's own test shifts by at least 30 s"),
    "vocal": Headline("vocal_interactive_max_abs", "greater",
                      "either partner's interactive contingency of switching pauses (Jaffe "
                      "et al. 2001), either sign, as for contingency"),
    "prosody": Headline("prosody_grand_average", "greater",
                        "mean lagged correlation of the partners' averaged F0, as wcc"),
}


def headline_column(name: str, summary: dict) -> str:
    """The column of ``summary`` that :data:`HEADLINES` names for measure ``name``.

    Examples
    --------
    >>> headline_column("coherence", {"coherence_mean_slow": 0.4, "coherence_peak_hz_slow": 1})
    'coherence_mean_slow'
    """
    start = HEADLINES[name].column
    if start in summary:
        return start
    for key in summary:
        if key.startswith(start):
            return key
    raise ValueError(f"Invalid summary for measure {name!r}: expected a column starting "
                     f"with {start!r}, got {sorted(summary)}.")


def headline_function(name: str, observed: dict, **params) -> Callable[..., dict]:
    """``f(x1, x2, sampling_rate) -> {column: value}`` of the headline statistic, for
    :func:`attunement.stats.surrogate_test`; ``observed`` is the real pair's summary.

    ``granger`` keeps the real pair's lag order (unless ``lag_s`` is given); ``crqa``
    computes only the diagonals next to the line of synchrony. Both give the real pair's
    value exactly, at a fraction of the cost.

    Examples
    --------
    >>> import numpy as np
    >>> from attunement.sync.registry import measure_summary
    >>> x = np.random.default_rng(0).normal(size=(2, 600))
    >>> observed = measure_summary("dtw", x[0], x[0] + x[1], 10)
    >>> f = headline_function("dtw", observed)
    >>> f(x[0], x[0] + x[1], 10) == {"dtw_normalized_distance":
    ...                              observed["dtw_normalized_distance"]}
    True
    """
    from .registry import MEASURES, check_params

    column = headline_column(name, observed)
    check_params(name, params)
    if name == "granger" and params.get("lag_s") is None:
        params = {**params, "lag_s": observed["granger_lag_s"]}
    if name == "crqa":
        return _crqa_line_of_synchrony(column, params)

    def headline(x1, x2, sampling_rate) -> dict:
        return {column: MEASURES[name](x1, x2, sampling_rate, **params)[column]}

    return headline


def _crqa_line_of_synchrony(column: str, params: dict) -> Callable[..., dict]:
    shared = {k: v for k, v in params.items()
              if k not in ("theiler_s", "min_diagonal_line", "min_vertical_line")}

    def headline(x1, x2, sampling_rate) -> dict:
        if round(params.get("theiler_s", 0.0) * sampling_rate) > 0:
            return {column: math.nan}
        res = recurrence_profile(x1, x2, sampling_rate, max_lag_s=1 / sampling_rate,
                                 **shared)
        return {column: res.zero_lag_recurrence_rate}

    return headline
