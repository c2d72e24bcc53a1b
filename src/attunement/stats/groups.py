"""Real dyads against pseudo-dyads (partners of different sessions re-paired), rMEA's
``shuffle`` generalised: is the synchrony of people who interacted higher than that of
people who never met, in the same setting? Reports both groups and Cohen's d.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats as sps

from .._check import check_option
from ..lagcorr.lagged import wcc_inputs
from .surrogates import draw_pseudo_dyads
from .testing import STATISTICS
from .wcc_null import batched_wcc


@dataclass
class GroupComparison:
    """A statistic for every real dyad and every pseudo-dyad.

    ``real_ids``: session ids; ``pseudo_ids``: ``(partner 1, partner 2)`` labels as
    ``'<session>:<role>'`` with role ``p1`` or ``p2``.
    """

    statistic: str
    real: np.ndarray
    pseudo: np.ndarray
    real_ids: list
    pseudo_ids: list
    params: dict = field(default_factory=dict)

    @property
    def cohens_d(self) -> float:
        return cohens_d(self.real, self.pseudo)

    def summary(self) -> dict:
        """Means, SDs and sizes of both groups, Cohen's d (pooled SD) and Welch's t-test."""
        real, pseudo = _finite(self.real), _finite(self.pseudo)
        t, p = (sps.ttest_ind(real, pseudo, equal_var=False) if min(len(real), len(pseudo)) > 1
                else (math.nan, math.nan))
        return {
            "statistic": self.statistic,
            "real_mean": _mean(real), "real_sd": _sd(real), "n_real": len(real),
            "pseudo_mean": _mean(pseudo), "pseudo_sd": _sd(pseudo), "n_pseudo": len(pseudo),
            "cohens_d": self.cohens_d, "welch_t": float(t), "p_value": float(p),
            **self.params,
        }

    def to_frame(self) -> pd.DataFrame:
        """Tidy rows: ``kind`` (real / pseudo), ``partner_1``, ``partner_2``, ``value``."""
        real = pd.DataFrame({"kind": "real", "partner_1": [f"{s}:p1" for s in self.real_ids],
                             "partner_2": [f"{s}:p2" for s in self.real_ids],
                             "value": self.real})
        pseudo = pd.DataFrame({"kind": "pseudo", "partner_1": [a for a, _ in self.pseudo_ids],
                               "partner_2": [b for _, b in self.pseudo_ids],
                               "value": self.pseudo})
        return pd.concat([real, pseudo], ignore_index=True)


def cohens_d(a, b) -> float:
    """Cohen's d: difference of means over the pooled SD (ddof 1), NaN values left out.

    Examples
    --------
    >>> cohens_d([2.0, 3.0, 4.0], [1.0, 2.0, 3.0])
    1.0
    """
    a, b = _finite(a), _finite(b)
    if len(a) < 2 or len(b) < 2:
        return math.nan
    pooled = ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b)
                                                                              - 2)
    return float((a.mean() - b.mean()) / math.sqrt(pooled)) if pooled > 0 else math.nan


def pseudo_dyad_labels(ids, keep_roles: bool = False) -> list[tuple[str, str]]:
    """Every re-pairing of partners across sessions, as rMEA's ``shuffle`` forms them: all
    pairs of the series ``[p1 of each session, p2 of each session]`` except the real ones;
    with ``keep_roles`` only partner 1 of one session with partner 2 of another.

    Examples
    --------
    >>> pseudo_dyad_labels(["a", "b"])
    [('a:p1', 'b:p1'), ('a:p1', 'b:p2'), ('b:p1', 'a:p2'), ('a:p2', 'b:p2')]
    >>> pseudo_dyad_labels(["a", "b"], keep_roles=True)
    [('a:p1', 'b:p2'), ('b:p1', 'a:p2')]
    """
    series = [f"{s}:p1" for s in ids] + [f"{s}:p2" for s in ids]
    pairs = []
    for a, b in itertools.combinations(series, 2):
        if a.rsplit(":", 1)[0] == b.rsplit(":", 1)[0]:
            continue  # the real dyad
        if keep_roles and not (a.endswith(":p1") and b.endswith(":p2")):
            continue
        pairs.append((a, b))
    return pairs


def compare_real_pseudo(
    sessions,
    sampling_rate: float | None = None,
    *,
    n_pseudo: int | None = None,
    keep_roles: bool = False,
    seed=None,
    channel: str | None = None,
    statistic: str = "grand_average",
    window_s: float = 60.0,
    max_lag_s: float = 5.0,
    step_s: float = 30.0,
    fisher_z: bool = False,
    absolute: bool = False,
) -> GroupComparison:
    """WCC synchrony of real dyads against pseudo-dyads (Ramseyer & Tschacher 2011; rMEA).

    Parameters
    ----------
    sessions : sequence of Session, or of (x, y) pairs with ``sampling_rate``
        At least two dyads.
    n_pseudo : int, optional
        Draw this many pseudo-dyads without replacement (rMEA ``shuffle(mea, size)``);
        default all of them.
    keep_roles : bool
        Pair only partner 1 of one session with partner 2 of another (rMEA pairs any two
        series of different sessions).
    seed : int or Generator
    statistic : one of :data:`~attunement.stats.testing.STATISTICS`
    window_s, max_lag_s, step_s, fisher_z, absolute
        As :func:`attunement.wcc`. Pseudo-dyads are cut to the shorter partner.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> dyads = []
    >>> for _ in range(4):
    ...     p1 = np.convolve(rng.normal(size=900), np.ones(5) / 5, "same")
    ...     dyads.append((p1, np.roll(p1, 3) + rng.normal(scale=0.5, size=900)))
    >>> res = compare_real_pseudo(dyads, 5, window_s=30, max_lag_s=2, step_s=10,
    ...                           fisher_z=True, absolute=True)
    >>> res.summary()["n_pseudo"], res.cohens_d > 2
    (24, True)
    """
    check_option(statistic, "statistic", STATISTICS)
    if len(sessions) < 2:
        raise ValueError(
            f"Invalid value for 'sessions': pseudo-dyads need at least 2 dyads, got "
            f"{len(sessions)}."
        )
    series, ids, rates = {}, [], set()
    for i, s in enumerate(sessions):
        a, b, rate, _ = (wcc_inputs(s, None, sampling_rate, channel) if hasattr(s, "pair")
                         else wcc_inputs(s[0], s[1], sampling_rate, channel))
        sid = str(getattr(s, "id", i))
        ids.append(sid)
        series[f"{sid}:p1"], series[f"{sid}:p2"] = a, b
        rates.add(rate)
    if len(ids) != len(set(ids)):
        raise ValueError(f"Invalid value for 'sessions': session ids repeat: {ids}.")
    if len(rates) > 1:
        raise ValueError(
            f"Invalid value for 'sessions': sampling rates differ ({sorted(rates)} Hz); "
            "resample them to one rate first."
        )
    rate = rates.pop()
    labels = pseudo_dyad_labels(ids, keep_roles)
    labels = [labels[i] for i in draw_pseudo_dyads(len(labels), n_pseudo, seed)]
    params = dict(window_s=window_s, max_lag_s=max_lag_s, step_s=step_s, fisher_z=fisher_z,
                  absolute=absolute)
    real = wcc_statistic_of_pairs([(series[f"{s}:p1"], series[f"{s}:p2"]) for s in ids],
                                  rate, params, statistic)
    pseudo = wcc_statistic_of_pairs([(series[a], series[b]) for a, b in labels], rate, params,
                                    statistic)
    return GroupComparison(statistic, real, pseudo, ids, labels,
                           params={**params, "keep_roles": keep_roles, "sampling_rate": rate})


def wcc_statistic_of_pairs(pairs, rate, params, statistic) -> np.ndarray:
    """The WCC summary ``statistic`` (one of ``STATISTICS``) of each ``(x, y)`` pair of
    arrays, computed in batches of one length, in the order given; ``params`` are the
    WCC's (``window_s``, ``max_lag_s``, ``step_s``, ``fisher_z``, ``absolute``)."""
    out = np.empty(len(pairs))
    lengths = np.array([min(len(a), len(b)) for a, b in pairs])
    for n in np.unique(lengths):
        idx = np.flatnonzero(lengths == n)
        xs = np.stack([pairs[i][0][:n] for i in idx])
        ys = np.stack([pairs[i][1][:n] for i in idx])
        out[idx] = batched_wcc([(xs, ys)], rate, params)[0][statistic]
    return out


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values)]


def _mean(values) -> float:
    return float(values.mean()) if len(values) else math.nan


def _sd(values) -> float:
    return float(values.std(ddof=1)) if len(values) > 1 else math.nan
