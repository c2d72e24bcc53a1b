"""Pseudo-dyads across a cohort: partners re-paired across sessions (rMEA ``shuffle``;
Ramseyer & Tschacher 2011), computed in chunks on the batch's executor.

The null: two people who never met move in step only by chance. Each task reads the
sessions its chunk needs, preprocesses them as the analysis does and returns the WCC
statistic of each (pseudo or real) pair, cut to the shorter series.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..stats.groups import GroupComparison, X, pseudo_dyad_labels, wcc_statistic_of_pairs
from ..stats.surrogates import draw_pseudo_dyads, same_recording
from .executors import run_tasks
from .project import Project


def pair_statistics(
    pairs: list[tuple[str, str, str, str]], paths: dict[str, str], settings: dict, channel: str
) -> pd.DataFrame:
    """The statistic of each ``(session_a, 'x1'|'x2', session_b, 'x1'|'x2')`` pair; the
    ``partner_1`` and ``partner_2`` columns name each partner as their session does."""
    from ..analysis import preprocess_session, read_one

    config = AnalysisConfig.model_validate(settings)
    needed = sorted({p[0] for p in pairs} | {p[2] for p in pairs})
    series, names = {}, {}
    for sid in needed:
        session = preprocess_session(read_one(paths[sid], config), config)
        series[sid] = dict(zip(X, session.pair(channel)))
        names[sid] = dict(zip(X, session.partners))
        rate = session.sampling_rate
    for a, pa, b, pb in pairs:  # a duplicated recording would pass a real dyad for a pseudo one
        n = min(len(series[a][pa]), len(series[b][pb]))
        if a != b and same_recording(series[b][pb][:n], [series[a][q] for q in X]):
            raise ValueError(
                f"sessions {a!r} and {b!r} hold the same recording of a partner (equal over "
                f"the first {n} samples): their pseudo-dyad is not one; leave the duplicate "
                "session out of the project."
            )
    params = config.sync.wcc_params()
    values = wcc_statistic_of_pairs(
        [(series[a][pa], series[b][pb]) for a, pa, b, pb in pairs], rate, params, "grand_average"
    )
    named = [(a, names[a][pa], b, names[b][pb]) for a, pa, b, pb in pairs]
    frame = pd.DataFrame(named, columns=["session_1", "partner_1", "session_2", "partner_2"])
    frame["kind"] = np.where(frame.session_1 == frame.session_2, "real", "pseudo")
    frame["grand_average"] = values
    rates = [_episode_rates(series[a][pa], series[b][pb], rate, channel, config)
             for a, pa, b, pb in pairs]
    return pd.concat([frame, pd.DataFrame(rates, index=frame.index)], axis=1)


def _episode_rates(x1, x2, rate, channel, config) -> dict:
    """The episode detector on one (pseudo or real) pair: its false-positive rates when the
    pair never met (the detector's negative control, attunement.episodes.pseudo)."""
    from ..episodes import detect_episodes
    from ..session import Session

    n = min(len(x1), len(x2))
    pair = Session.from_arrays(x1[:n], x2[:n], rate, channel=channel)
    try:
        res = detect_episodes(pair, paradigm=config.episodes.paradigm,
                              long_unrepaired_s=config.episodes.long_unrepaired_s,
                              seed=config.surrogates.seed)
    except ValueError as err:
        return {"episodes_note": str(err)}
    row = res.summary()
    return {"observed_s": row["observed_s"], "matched_proportion": row["matched_proportion"],
            "n_ruptures": row["n_ruptures"], "ruptures_per_min": row["ruptures_per_min"],
            "paradigm": config.episodes.paradigm}


def pseudo_dyads(
    project: Project,
    channel: str | None = None,
    n_pseudo: int | None = 200,
    seed=0,
    keep_roles: bool = False,
    executor: str = "local",
    workers: int | None = None,
    scheduler: str = "local",
    chunk: int = 25,
) -> pd.DataFrame:
    """Real dyads and pseudo-dyads of the cohort, their WCC grand averages, one row each.

    ``n_pseudo`` pseudo-dyads are drawn without replacement (``None``: all of them), with
    ``seed``. Rows: ``session_1, partner_1, session_2, partner_2, kind, grand_average``,
    and the episode detector's rates on the pair (the project's ``[episodes]`` settings):
    ``observed_s, matched_proportion, n_ruptures, ruptures_per_min, paradigm``; attuned
    time and ruptures of pseudo-dyads are false positives. ``channel`` defaults to the
    first configured channel, else the first session's only one.
    """
    channel = channel or default_channel(project)
    ids = [f.stem for f in project.files]
    if len(ids) < 2:
        raise ValueError("pseudo-dyads need at least 2 sessions in the project.")
    labels = pseudo_dyad_labels(ids, keep_roles)
    labels = [labels[i] for i in draw_pseudo_dyads(len(labels), n_pseudo, seed)]
    pairs = [(s, X[0], s, X[1]) for s in ids]
    pairs += [(*a.rsplit(":", 1), *b.rsplit(":", 1)) for a, b in labels]
    paths = {f.stem: str(f) for f in project.files}
    settings = project.analysis.model_dump(mode="json")
    tasks = [
        (k, (pairs[k : k + chunk], paths, settings, channel)) for k in range(0, len(pairs), chunk)
    ]
    parts = dict(
        (k, get()) for k, get in run_tasks(pair_statistics, tasks, executor, workers, scheduler)
    )
    return pd.concat([parts[k] for k in sorted(parts)], ignore_index=True)


def episode_rates_vs_pseudo(frame: pd.DataFrame) -> pd.DataFrame | None:
    """Attuned time and ruptures per minute, real against pseudo-dyads (with the tests of
    :func:`attunement.episodes.pseudo.compare_rates`); None without episode columns."""
    if "matched_proportion" not in frame or frame.matched_proportion.isna().all():
        return None
    from ..episodes.pseudo import compare_rates

    return compare_rates(frame.dropna(subset=["matched_proportion"]))


def real_vs_pseudo(frame: pd.DataFrame) -> pd.DataFrame:
    """One row: real and pseudo means and SDs, Cohen's d (real minus pseudo, pooled SD) and
    Welch's t-test, as :class:`attunement.stats.GroupComparison` reports them."""
    real = frame.loc[frame.kind == "real", "grand_average"].to_numpy(float)
    pseudo = frame.loc[frame.kind == "pseudo", "grand_average"].to_numpy(float)
    ids = frame.loc[frame.kind == "real", "session_1"].tolist()
    labels = list(
        zip(
            frame.loc[frame.kind == "pseudo", "session_1"],
            frame.loc[frame.kind == "pseudo", "session_2"],
        )
    )
    return pd.DataFrame([GroupComparison("grand_average", real, pseudo, ids, labels).summary()])


def real_vs_own_pseudo(frame: pd.DataFrame, measure: str = "grand_average"):
    """Each real dyad against the mean of its own pseudo-dyads, over dyads: a paired t test.

    A real session's own pseudo-dyads are those that re-pair one of its partners (the
    rows of ``frame`` with ``kind == "pseudo"`` naming the session as ``session_1`` or
    ``session_2``); the difference real minus their mean is tested over the dyads that
    have any (scipy's ``ttest_rel``), as published pipelines do (e.g. Ramseyer &
    Tschacher 2011; rMEA). Returns ``(summary, per_dyad)``: one row ``n_dyads,
    mean_real, mean_pseudo, mean_difference, t, df, p_value, effect_size`` (Cohen's d_z:
    mean difference over the differences' SD), and one row per dyad ``session, real,
    pseudo_mean, n_pseudo, difference``.

    Examples
    --------
    >>> f = pd.DataFrame({"session_1": ["a", "b", "c", "a", "b", "c"],
    ...                   "session_2": ["a", "b", "c", "b", "c", "a"],
    ...                   "kind": ["real"] * 3 + ["pseudo"] * 3,
    ...                   "grand_average": [0.5, 0.6, 0.55, 0.3, 0.2, 0.25]})
    >>> summary, per_dyad = real_vs_own_pseudo(f)
    >>> per_dyad.pseudo_mean.round(3).tolist()
    [0.275, 0.25, 0.225]
    >>> int(summary.n_dyads[0]), int(summary.df[0])
    (3, 2)
    """
    from scipy import stats

    if measure not in frame.columns:
        raise ValueError(f"real_vs_own_pseudo: no column {measure!r} in the pseudo-dyad table; "
                         f"its columns are {list(frame.columns)}.")
    real = frame[frame.kind == "real"].set_index("session_1")[measure]
    pseudo = frame[frame.kind == "pseudo"]
    rows = []
    for session, value in real.items():
        own = pseudo.loc[(pseudo.session_1 == session) | (pseudo.session_2 == session), measure]
        if len(own):
            rows.append({"session": session, "real": float(value),
                         "pseudo_mean": float(own.mean()), "n_pseudo": int(len(own))})
    per_dyad = pd.DataFrame(rows, columns=["session", "real", "pseudo_mean", "n_pseudo"])
    per_dyad["difference"] = per_dyad.real - per_dyad.pseudo_mean
    n = len(per_dyad)
    if n < 2:
        test = {"t": np.nan, "p_value": np.nan, "effect_size": np.nan}
    else:
        result = stats.ttest_rel(per_dyad.real, per_dyad.pseudo_mean)
        sd = per_dyad.difference.std(ddof=1)
        test = {"t": float(result.statistic), "p_value": float(result.pvalue),
                "effect_size": float(per_dyad.difference.mean() / sd) if sd > 0 else np.nan}
    summary = pd.DataFrame([{
        "n_dyads": n, "mean_real": per_dyad.real.mean(), "mean_pseudo": per_dyad.pseudo_mean.mean(),
        "mean_difference": per_dyad.difference.mean(), "t": test["t"], "df": n - 1,
        "p_value": test["p_value"], "effect_size": test["effect_size"],
    }])
    return summary, per_dyad


def default_channel(project: Project) -> str:
    """The first of the project's ``read.channels``, else the first session's only shared
    channel (a session with several raises, naming them)."""
    from ..analysis import read_one

    wanted = project.analysis.read.channels
    if wanted:
        return wanted[0]
    return read_one(project.files[0], project.analysis).resolve_channel(None)
