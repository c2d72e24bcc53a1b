"""Negative control for the live detector on real recordings: the 20 rMEA psychotherapy
intake interviews (../shared/data/rmea_psychotherapy, 10 min at 25 Hz, motion energy) as real
dyads and 20 pseudo-dyads (partner 1 of session i with partner 2 of session i + 1: the same
signals, no interaction). Side by side, the offline detector on the same pairs.

Reported: ruptures per minute and attuned share of time, real vs pseudo (Mann-Whitney,
one-sided real > pseudo), and how many offline ruptures (after an attuned stretch) the live
detector reports within 5 s of their onset. Run by hand:
``.venv/bin/python benchmarks/live_pseudo_dyads.py [DATA_DIR]``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from scipy.stats import mannwhitneyu

from attunement import Session, read
from attunement.episodes import detect_episodes
from attunement.live.run import live_states

TOL_S = 5.0


def pairs(sessions):
    n = len(sessions)
    for i, s in enumerate(sessions):
        yield "real", s
        other = sessions[(i + 1) % n]
        m = min(s.n_samples, other.n_samples)
        x1 = s.signal(s.partners[0], "motion")[:m]
        x2 = other.signal(other.partners[1], "motion")[:m]
        yield "pseudo", Session.from_arrays(x1, x2, s.sampling_rate, partners=s.partners,
                                            channel="motion", id=f"{s.id}x{other.id}")


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else (
        Path(__file__).resolve().parents[2] / "shared" / "data" / "rmea_psychotherapy")
    sessions = read(sorted(root.glob("*/*.txt")), sampling_rate=25)
    rows = []
    for kind, s in pairs(sessions):
        ups = live_states(s, ["motion"])
        minutes = s.duration_s / 60
        live_r = [u.onset_s for u in ups if u.event == "rupture"]
        attuned = np.mean([u.attuned for u in ups])
        eps = detect_episodes(s, channel="motion").episodes
        off = eps[(eps.kind == "rupture") & (eps.kind.shift(1) == "attuned")].onset_s.to_numpy()
        off_attuned = eps[eps.kind == "attuned"].duration_s.sum() / s.duration_s
        matched = sum(bool(live_r) and np.min(np.abs(np.array(live_r) - o)) <= TOL_S
                      for o in off)
        rows.append(dict(kind=kind, session=s.id, live_per_min=len(live_r) / minutes,
                         live_attuned=float(attuned), offline_per_min=len(off) / minutes,
                         offline_attuned=float(off_attuned), offline_n=len(off),
                         live_n=len(live_r), matched=int(matched)))
    out = {}
    for col in ("live_per_min", "live_attuned", "offline_per_min", "offline_attuned"):
        real = [r[col] for r in rows if r["kind"] == "real"]
        pseudo = [r[col] for r in rows if r["kind"] == "pseudo"]
        out[col] = dict(real_mean=round(float(np.mean(real)), 3),
                        pseudo_mean=round(float(np.mean(pseudo)), 3),
                        p_real_gt_pseudo=float(mannwhitneyu(real, pseudo,
                                                            alternative="greater").pvalue))
    for kind in ("real", "pseudo"):
        sel = [r for r in rows if r["kind"] == kind]
        out[f"{kind}_agreement"] = dict(
            offline_ruptures=sum(r["offline_n"] for r in sel),
            live_ruptures=sum(r["live_n"] for r in sel),
            offline_matched_by_live=sum(r["matched"] for r in sel))
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
