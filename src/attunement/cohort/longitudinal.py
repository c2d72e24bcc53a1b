"""Change across sessions and differences between groups of dyads.

Inputs are tidy tables with one row per session (the store's ``summary`` joined to
the project's metadata): a measure column, and ``dyad``, ``session_number``,
``group`` or outcome columns as the question needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from .._check import check_random_state


def _require(frame: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{what} needs column(s) {missing}; the table has {list(frame.columns)} "
            "(add them to the project's metadata CSV)."
        )


def compare_groups(frame: pd.DataFrame, measure: str, group: str = "group") -> pd.DataFrame:
    """Compare a session measure between groups (e.g. continued vs dropped out).

    Two groups: Welch's t-test, the Mann-Whitney U test and Cohen's d (pooled SD,
    first group minus second, groups in sorted order). More groups: one-way ANOVA
    and Kruskal-Wallis.

    Examples
    --------
    >>> f = pd.DataFrame({"group": ["a"] * 4 + ["b"] * 4, "r": [1, 2, 3, 4, 2, 3, 4, 5.0]})
    >>> compare_groups(f, "r")[["group_1", "group_2", "mean_1", "mean_2", "effect_size"]]
      group_1 group_2  mean_1  mean_2  effect_size
    0       a       b     2.5     3.5    -0.774597
    """
    _require(frame, [measure, group], "compare_groups")
    data = frame[[group, measure]].dropna()
    levels = sorted(data[group].unique())
    samples = [data.loc[data[group] == g, measure].to_numpy(float) for g in levels]
    if len(levels) < 2 or min(len(s) for s in samples) < 2:
        raise ValueError(
            f"compare_groups: need at least two groups with two sessions each in {group!r}; "
            f"got {dict(zip(levels, map(len, samples)))}."
        )
    if len(levels) == 2:
        a, b = samples
        pooled = np.sqrt(
            ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2)
        )
        t = stats.ttest_ind(a, b, equal_var=False)
        u = stats.mannwhitneyu(a, b, alternative="two-sided")
        return pd.DataFrame(
            [
                {
                    "measure": measure,
                    "group_1": levels[0],
                    "group_2": levels[1],
                    "n_1": len(a),
                    "n_2": len(b),
                    "mean_1": a.mean(),
                    "mean_2": b.mean(),
                    "sd_1": a.std(ddof=1),
                    "sd_2": b.std(ddof=1),
                    "effect_size": (a.mean() - b.mean()) / pooled if pooled > 0 else np.nan,
                    "t": t.statistic,
                    "p_value": t.pvalue,
                    "p_value_mannwhitney": u.pvalue,
                }
            ]
        )
    f = stats.f_oneway(*samples)
    k = stats.kruskal(*samples)
    return pd.DataFrame(
        [
            {
                "measure": measure,
                "groups": ", ".join(map(str, levels)),
                "n": sum(map(len, samples)),
                "F": f.statistic,
                "p_value": f.pvalue,
                "p_value_kruskal": k.pvalue,
            }
        ]
    )


def dyad_trends(
    frame: pd.DataFrame, measure: str, dyad: str = "dyad", order: str = "session_number"
) -> pd.DataFrame:
    """Linear trend of a measure over each dyad's sessions (slope per session).

    Examples
    --------
    >>> f = pd.DataFrame({"dyad": ["d1"] * 4, "session_number": [1, 2, 3, 4],
    ...                   "r": [0.1, 0.2, 0.3, 0.4]})
    >>> dyad_trends(f, "r")[["dyad", "n_sessions", "slope"]].round(3)
      dyad  n_sessions  slope
    0   d1           4    0.1
    """
    _require(frame, [measure, dyad, order], "dyad_trends")
    rows = []
    for name, g in frame.dropna(subset=[measure, order]).groupby(dyad, sort=True):
        g = g.sort_values(order)
        row = {
            "dyad": name,
            "n_sessions": len(g),
            "slope": np.nan,
            "intercept": np.nan,
            "r": np.nan,
            "p_value": np.nan,
        }
        if len(g) >= 3 and g[order].nunique() > 1:
            fit = stats.linregress(g[order].to_numpy(float), g[measure].to_numpy(float))
            row.update(slope=fit.slope, intercept=fit.intercept, r=fit.rvalue, p_value=fit.pvalue)
        rows.append(row)
    return pd.DataFrame(rows)


def change_point(values, n_permutations: int = 999, seed=0) -> dict:
    """The single most likely change in mean of a series of sessions.

    The split minimising the within-segment sum of squares; its p-value is the share
    of permuted series (+1 corrected) whose best split reduces the sum of squares as much.

    Examples
    --------
    >>> cp = change_point([1, 1.1, 0.9, 1, 3, 3.1, 2.9, 3], seed=0)
    >>> cp["index"], cp["mean_before"], cp["mean_after"], cp["p_value"] < 0.05
    (4, 1.0, 3.0, True)
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1 or len(x) < 4 or np.isnan(x).any():
        raise ValueError("change_point: expected at least 4 sessions with no missing values.")
    rng = check_random_state(seed)

    def best(series):
        gains = [
            np.var(series) * len(series)
            - np.var(series[:k]) * k
            - np.var(series[k:]) * (len(series) - k)
            for k in range(2, len(series) - 1)
        ]
        k = int(np.argmax(gains))
        return k + 2, gains[k]

    k, gain = best(x)
    null = np.array([best(rng.permutation(x))[1] for _ in range(n_permutations)])
    return {
        "index": k,
        "mean_before": float(x[:k].mean()),
        "mean_after": float(x[k:].mean()),
        "p_value": float((np.sum(null >= gain - 1e-12) + 1) / (n_permutations + 1)),
    }
