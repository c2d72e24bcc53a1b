"""Power of the gate's session test against its time scale and statistic, on real dyads.

Usage: ``python docs/validation/session_statistic.py rmea|applied [--sessions N]
[--config NAME ...] [--out FILE]``. Needs ``../shared/data``. For every real dyad and two
pseudo-dyads per session (:func:`attunement.episodes.pseudo.pseudo_pairs`), each
configuration's permutation p of the session against 99 circular shifts of partner 2, for
five session statistics:

- ``gate``: the detector's own (mean over windows of the profile-weighted, surrogate-
  standardised score; :func:`~attunement.episodes.synchrony_series` and
  :func:`~attunement.episodes.gate.session_p_value`);
- ``band1``: mean Fisher z over windows and lags within 1 s;
- ``peak``: the largest lag of the session's mean lag profile;
- ``wmax``: the mean over windows of each window's largest z;
- ``absband``: mean |z| over windows and lags within 1 s.

Prints the share of real and of pseudo pairs with p <= .05 (power and false-positive rate).
Figures: docs/episodes.md ("Why the therapy preset loses power").
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

import attunement as att
from attunement.episodes import synchrony_series
from attunement.episodes.gate import session_p_value
from attunement.episodes.pseudo import pseudo_pairs, pseudo_session
from attunement.episodes.synchrony import prewhiten
from attunement.lagcorr.shifts import wcc_shifts
from attunement.nulls import shift_offsets

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
RMEA = DATA / "rmea_psychotherapy"
FOLDERS = {"rmea": [RMEA / "normal", RMEA / "dropout"],
           "applied": [DATA / "applied_project_mea" / "TxtFiles_cleaned"]}
#: name: (window_s, max_lag_s, step_s, prewhiten_s); min shift 60 s throughout.
CONFIGS = {"w30_lag5": (30, 5, 5, 1.0), "w30_lag2": (30, 2, 5, 1.0),
           "w30_lag5_raw": (30, 5, 5, None), "w30_lag1": (30, 1, 5, 1.0),
           "w10_lag2": (10, 2, 2, 1.0), "w10_lag5": (10, 5, 2, 1.0), "w4_lag2": (4, 2, 2, 1.0)}
RATE, MIN_SHIFT_S, N_SHIFTS = 25.0, 60.0, 99


def p_values(x1, x2, window_s, max_lag_s, step_s, prewhiten_s, seed=0) -> dict:
    gate = synchrony_series(x1, x2, RATE, window_s=window_s, max_lag_s=max_lag_s,
                            step_s=step_s, prewhiten_s=prewhiten_s, min_shift_s=MIN_SHIFT_S,
                            n_gate_surrogates=N_SHIFTS, seed=seed)
    out = {"gate": session_p_value(gate.score, gate.null_score)}
    a, b = np.asarray(x1, float), np.asarray(x2, float)
    if prewhiten_s is not None:
        order = int(round(prewhiten_s * RATE))
        a, b = prewhiten(a, order)[order:], prewhiten(b, order)[order:]
    shifts = shift_offsets(len(b), min(MIN_SHIFT_S * RATE, len(b) // 4), N_SHIFTS,
                           np.random.default_rng(seed))
    z = wcc_shifts(a, b, RATE, np.r_[0, shifts], window_s=window_s, max_lag_s=max_lag_s,
                   step_s=step_s, fisher_z=True)
    lags = (np.arange(z.shape[2]) - z.shape[2] // 2) / RATE
    band = np.abs(lags) <= 1.0 + 1e-9
    filled = np.where(np.isfinite(z), z, -np.inf)
    stats = {"band1": np.nanmean(z[..., band], (1, 2)),
             "peak": np.nanmax(np.nanmean(z, 1), 1),
             "wmax": np.nanmean(np.where(np.isfinite(filled.max(2)), filled.max(2), np.nan), 1),
             "absband": np.nanmean(np.abs(z[..., band]), (1, 2))}
    for name, s in stats.items():
        out[name] = float((1 + np.sum(s[1:] >= s[0])) / len(s))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", choices=list(FOLDERS))
    parser.add_argument("--sessions", type=int, default=None, help="the first N sessions")
    parser.add_argument("--config", action="append", choices=list(CONFIGS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    sessions = []
    for folder in FOLDERS[args.data]:
        found = att.read_mea(folder, sampling_rate=RATE)
        sessions += found if isinstance(found, list) else [found]
    sessions = sessions[:args.sessions]
    by_id = {s.id: s for s in sessions}
    rows = []
    for a, b in pseudo_pairs(list(by_id), 2):
        x1, x2 = pseudo_session(by_id[a], by_id[b]).pair()
        for name in args.config or ["w30_lag5", "w4_lag2"]:
            for stat, p in p_values(x1, x2, *CONFIGS[name]).items():
                rows.append(dict(session_1=a, session_2=b, kind="real" if a == b else "pseudo",
                                 config=name, statistic=stat, p_value=p))
    table = pd.DataFrame(rows)
    if args.out is not None:
        table.to_csv(args.out, index=False)
    share = (table.assign(significant=table.p_value <= 0.05)
             .groupby(["config", "statistic", "kind"]).significant.agg(["sum", "count"]))
    print(share.unstack().to_string())


if __name__ == "__main__":
    main()
