"""Detectability of ruptures: precision and recall against coupling strength and length.

Makes ``docs/episodes_detectability.png`` and prints the grid. Run by hand:
``.venv/bin/python benchmarks/episodes_detectability.py [--seeds 4] [--rate 10]``.

The simulator's sensitive style with both couplings set to ``k`` (0.1 to 0.6; the preset
is 0.5, the withdrawn style 0.15) and attuned stretches of 60 s on average (preset 120 s, so
that short sessions hold ruptures to score), sessions of 2, 4 and 8 minutes, fresh seeds (41 on; the
defaults were set on seeds 1-3), the default paradigm (infant-face-to-face) and the
behavioural and autonomic channels. Hit: detected onset within 3 s of a true onset, one to
one (``score_against_truth``); precision and recall pooled over seeds per cell. Also the
share of sessions that ``detect_episodes`` calls detectable, which the report uses to say
when a session is too short or too weakly coupled for episodes to be meaningful.

``--paradigm psychotherapy-movement`` runs the same grid on the psychotherapy time scale
(``THERAPY_STYLE``: states lasting minutes; 20-min sessions; movement alone, as MEA; hits
within the window's blur, (30 s + 5 s) / 2 = 17.5 s) and prints it, to check the
detectability threshold on that paradigm.
"""

from __future__ import annotations

import argparse
import dataclasses
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from attunement import STYLES, detect_episodes, simulate_dyad
from attunement.episodes import get_paradigm, score_against_truth

CHANNELS = ["movement", "positive_affect", "negative_affect", "hr_bpm"]
COUPLINGS = (0.1, 0.15, 0.25, 0.4, 0.6)
DURATIONS_S = (120, 240, 480)
ATTUNED_S = 60.0  # mean attuned stretch (preset 120 s): more ruptures per short session
OUT = Path(__file__).resolve().parents[1] / "docs" / "episodes_detectability.png"


#: The psychotherapy time scale (``--paradigm psychotherapy-movement``): states lasting
#: minutes (attuned 4 min on average, at least 2; ruptures 1-4 min, breakdowns 3-6 min),
#: 20-min sessions, movement alone (as MEA), hits within the window's blur.
THERAPY_STYLE = dict(attuned_s=240.0, min_gap_s=120.0, min_rupture_s=60.0,
                     repair_latency_s=90.0, max_repair_s=240.0, breakdown_s=(180.0, 360.0),
                     long_unrepaired_s=60.0)


def grid(seeds: int, rate: float, paradigm: str = "infant-face-to-face",
         couplings=COUPLINGS, durations=DURATIONS_S) -> pd.DataFrame:
    rows = []
    therapy = paradigm == "psychotherapy-movement"
    preset = get_paradigm(paradigm)
    tolerance = (preset.window_s + preset.max_lag_s) / 2 if therapy else 3.0
    channels = ["movement"] if therapy else CHANNELS
    for k in couplings:
        extra = THERAPY_STYLE if therapy else dict(attuned_s=ATTUNED_S)
        style = dataclasses.replace(STYLES["sensitive"], name=f"k={k:g}", k_12=k, k_21=k,
                                    **extra)
        for duration in durations:
            found = true = hits = detectable = 0
            separation = []
            for seed in range(41, 41 + seeds):
                sim = simulate_dyad(style, duration_s=duration, sampling_rate=rate, seed=seed)
                res = detect_episodes(sim.session, channel=channels, paradigm=paradigm)
                with np.errstate(invalid="ignore"), warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # no attuned truth
                    score = score_against_truth(sim, res, tolerance_s=tolerance)
                found, true = found + score.n_detected, true + score.n_true
                hits += len(score.hits)
                detectable += bool(res.params["detectable"])
                separation.append(res.params["separation"])
            rows.append({"coupling": k, "duration_s": duration, "n_true": true,
                         "n_detected": found, "hits": hits,
                         "precision": hits / found if found else np.nan,
                         "recall": hits / true if true else np.nan,
                         "detectable_share": detectable / seeds,
                         "separation": float(np.mean(separation))})
            print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def plot(table: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharex=True)
    for ax, col in zip(axes, ("precision", "recall", "detectable_share")):
        for duration, part in table.groupby("duration_s"):
            ax.plot(part.coupling, part[col], marker="o", label=f"{duration / 60:g} min")
        ax.axhline(0.8, color="#888", lw=0.8, ls="--")
        ax.set_ylim(-0.03, 1.03)
        ax.set_xlabel("coupling k (both directions)")
        ax.set_title(col.replace("_", " "))
    axes[0].legend(frameon=False, title="session")
    fig.suptitle("Rupture onsets on the simulator (sensitive style, default paradigm, "
                 "hit within 3 s)", fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--paradigm", default="infant-face-to-face",
                        help="psychotherapy-movement: the therapy time scale (THERAPY_STYLE, "
                        "20-min sessions, movement alone; no figure)")
    args = parser.parse_args()
    if args.paradigm == "psychotherapy-movement":
        table = grid(args.seeds, args.rate, args.paradigm, (0.15, 0.25, 0.4, 0.6), (1200,))
        print(table.round(2).to_string(index=False))
        return
    table = grid(args.seeds, args.rate)
    print(table.round(2).to_string(index=False))
    plot(table, OUT)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
