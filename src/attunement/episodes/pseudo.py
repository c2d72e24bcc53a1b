"""The negative control of the episode detector: pseudo-dyads made from real sessions.

A pseudo-dyad pairs partner 1 of one session with partner 2 of another (rMEA ``shuffle``;
Ramseyer & Tschacher 2011): the same real signals, with their own rhythms and
non-stationarity, but no interaction. Every attuned stretch or rupture found there is
false, so the episode rates of pseudo-dyads are the detector's false-positive rates on real
data, and real dyads must be attuned more than their pseudo-dyads (SCIENCE.md: each real
dyad against the mean of its pseudo-dyads, paired t test; and real against pseudo,
Mann-Whitney U).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..session import Session
from ..stats.surrogates import same_recording
from .detect import detect_episodes

#: Columns of :func:`episode_rates`.
RATE_COLUMNS = ["session_1", "session_2", "kind", "observed_s", "matched_proportion",
                "n_ruptures", "ruptures_per_min", "session_p_value", "separation",
                "detectable"]


def pseudo_pairs(ids: Sequence[str], per_session: int = 2) -> list[tuple[str, str]]:
    """``(session of partner 1, session of partner 2)``: each real dyad, then
    ``per_session`` pseudo-dyads per session (partner 1 of session i with partner 2 of
    sessions i+1, i+2, ... cyclically; so each partner serves equally often).

    Examples
    --------
    >>> pseudo_pairs(["a", "b", "c"], 1)
    [('a', 'a'), ('b', 'b'), ('c', 'c'), ('a', 'b'), ('b', 'c'), ('c', 'a')]
    """
    ids = list(ids)
    if len(ids) < 2:
        raise ValueError(f"Invalid value for 'sessions': pseudo-dyads need at least 2, got "
                         f"{len(ids)}.")
    if not 1 <= per_session < len(ids):
        raise ValueError(f"Invalid value for 'per_session': expected 1 to {len(ids) - 1} with "
                         f"{len(ids)} sessions, got {per_session!r}.")
    pairs = [(s, s) for s in ids]
    pairs += [(ids[i], ids[(i + k) % len(ids)]) for k in range(1, per_session + 1)
              for i in range(len(ids))]
    return pairs


def pseudo_session(a: Session, b: Session, channel: str | None = None) -> Session:
    """Partner 1 of ``a`` with partner 2 of ``b`` on one channel, cut to the shorter one.

    A ``ValueError`` when ``b``'s partner 2 varies and equals a partner of ``a`` over that
    length: a duplicated recording (applied_project_mea's MEA_video112 begins with all of
    MEA_video111) would make a real dyad pass for a pseudo-dyad.

    Examples
    --------
    >>> a = Session.from_arrays(np.arange(5.0) * 2, np.ones(5), 1, id="a")
    >>> b = Session.from_arrays(np.zeros(4), np.arange(4.0), 1, id="b")
    >>> pseudo_session(a, b).pair()[1].tolist()
    [0.0, 1.0, 2.0, 3.0]
    """
    if a.sampling_rate != b.sampling_rate:
        raise ValueError(
            f"sessions {a.id!r} and {b.id!r}: sampling rates differ ({a.sampling_rate:g} and "
            f"{b.sampling_rate:g} Hz); pseudo-dyads need one rate."
        )
    name_a, name_b = a.resolve_channel(channel), b.resolve_channel(channel)
    x1 = a.signal(a.partners[0], name_a)
    x2 = b.signal(b.partners[1], name_b)
    n = min(len(x1), len(x2))
    if a.id != b.id and same_recording(x2[:n], [a.signal(p, name_a) for p in a.partners]):
        raise ValueError(
            f"sessions {a.id!r} and {b.id!r}: partner 2 of {b.id!r} is a recording of "
            f"{a.id!r} (equal over the first {n} samples), so their pseudo-dyad is not one; "
            "leave the duplicate session out."
        )
    sid = a.id if a.id == b.id else f"{a.id}~{b.id}"
    return Session.from_arrays(x1[:n], x2[:n], a.sampling_rate, partners=a.partners,
                               channel=name_a, id=sid)


def episode_rates(
    sessions: Sequence[Session],
    *,
    per_session: int = 2,
    channel: str | None = None,
    **detect_kw,
) -> pd.DataFrame:
    """Episode rates of every real dyad and ``per_session`` pseudo-dyads per session.

    Every pair is cut to its shorter partner, and ``detect_episodes`` runs with
    ``detect_kw`` (e.g. ``paradigm=``, ``seed=``). One row per pair: :data:`RATE_COLUMNS`.
    """
    by_id = {s.id: s for s in sessions}
    pairs = [(a, b, pseudo_session(by_id[a], by_id[b], channel))  # checked before any run
             for a, b in pseudo_pairs(list(by_id), per_session)]
    rows = []
    for a, b, pair in pairs:
        res = detect_episodes(pair, **detect_kw)
        row = res.summary()
        rows.append({"session_1": a, "session_2": b, "kind": "real" if a == b else "pseudo",
                     "observed_s": row["observed_s"],
                     "matched_proportion": row["matched_proportion"],
                     "n_ruptures": row["n_ruptures"], "ruptures_per_min": row["ruptures_per_min"],
                     "session_p_value": res.params["session_p_value"],
                     "separation": res.params["separation"],
                     "detectable": res.params["detectable"]})
    return pd.DataFrame(rows, columns=RATE_COLUMNS)


def compare_rates(rates: pd.DataFrame) -> pd.DataFrame:
    """Real against pseudo-dyads: pooled rates, and two tests of attuned time.

    One row: ``n_real``, ``n_pseudo``; for each of ``matched_proportion`` and
    ``ruptures_per_min`` the real and pseudo means (pseudo rates pooled over time:
    total ruptures / total minutes); ``mannwhitney_u`` and ``mannwhitney_p`` (real > pseudo,
    one-sided, over dyads); ``paired_t``, ``paired_df`` and ``paired_p`` (each real dyad
    against the mean of the pseudo-dyads its partner 1 is in, one-sided); ``real_attuned``,
    ``pseudo_attuned`` and ``fisher_p``: how many pairs hold any attuned state, and Fisher's
    exact test that real pairs do so more often (one-sided); ``sign_more``, ``sign_fewer``
    and ``sign_p``: the same paired by real session (sessions whose real dyad is attuned
    and its pseudo-dyads less often, or the reverse; exact sign test, one-sided, ties left
    out). The shares are mostly 0 (the gate tests the session first), so Mann-Whitney U on
    them is mostly ties; whether a pair is attuned at all is the outcome the gate decides.
    Pseudo-dyads reuse partners, so no test here treats pairs as fully independent draws:
    read the p-values as descriptive.

    Examples
    --------
    >>> rates = pd.DataFrame({"session_1": ["a", "b", "a", "b"], "session_2": ["a", "b", "b", "a"],
    ...     "kind": ["real", "real", "pseudo", "pseudo"], "observed_s": 60.0,
    ...     "matched_proportion": [0.5, 0.4, 0.0, 0.1], "n_ruptures": [2, 1, 0, 0],
    ...     "ruptures_per_min": [2.0, 1.0, 0.0, 0.0]})
    >>> row = compare_rates(rates).iloc[0]
    >>> float(row.pseudo_matched_proportion), float(row.pseudo_ruptures_per_min)
    (0.05, 0.0)
    >>> int(row.real_attuned), int(row.pseudo_attuned), round(float(row.fisher_p), 2)
    (2, 1, 0.5)
    >>> int(row.sign_more), int(row.sign_fewer), float(row.sign_p)
    (1, 0, 0.5)
    """
    real = rates[rates.kind == "real"]
    pseudo = rates[rates.kind == "pseudo"]
    out = {"n_real": len(real), "n_pseudo": len(pseudo)}
    for name, part in (("real", real), ("pseudo", pseudo)):
        minutes = part.observed_s.sum() / 60
        out[f"{name}_matched_proportion"] = float(
            (part.matched_proportion * part.observed_s).sum() / part.observed_s.sum())
        out[f"{name}_ruptures_per_min"] = float(part.n_ruptures.sum() / minutes)
    u = stats.mannwhitneyu(real.matched_proportion, pseudo.matched_proportion,
                           alternative="greater")
    out.update(mannwhitney_u=float(u.statistic), mannwhitney_p=float(u.pvalue))
    hit = (real.matched_proportion > 0).sum(), (pseudo.matched_proportion > 0).sum()
    table = [[hit[0], len(real) - hit[0]], [hit[1], len(pseudo) - hit[1]]]
    out.update(real_attuned=int(hit[0]), pseudo_attuned=int(hit[1]),
               fisher_p=float(stats.fisher_exact(table, alternative="greater").pvalue))
    own = pseudo.groupby("session_1").matched_proportion.mean()
    paired = real.set_index("session_1").matched_proportion.align(own, join="inner")
    if len(paired[0]) >= 2:
        t = stats.ttest_rel(paired[0], paired[1], alternative="greater")
        out.update(paired_t=float(t.statistic), paired_df=len(paired[0]) - 1,
                   paired_p=float(t.pvalue))
    else:
        out.update(paired_t=np.nan, paired_df=np.nan, paired_p=np.nan)
    # paired by real session, attuned or not: the real dyad against its own pseudo-dyads
    own_any = (pseudo.matched_proportion > 0).groupby(pseudo.session_1).mean()
    real_any, own_any = (real.set_index("session_1").matched_proportion > 0).align(
        own_any, join="inner")
    diff = real_any.astype(float) - own_any
    more, fewer = int((diff > 0).sum()), int((diff < 0).sum())
    out.update(sign_more=more, sign_fewer=fewer,
               sign_p=float(stats.binomtest(more, more + fewer, alternative="greater").pvalue)
               if more + fewer else np.nan)
    return pd.DataFrame([out])
