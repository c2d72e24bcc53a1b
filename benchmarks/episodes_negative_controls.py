"""The pseudo-dyad control of the episode detector on real dyadic data beyond rMEA.

Usage: ``python benchmarks/episodes_negative_controls.py [--only applied|family]
[--per-session 2] [--paradigm NAME] [--sessions N] [--out DIR]``. Needs ``../shared/data``
(never copied into the repo).

- ``applied``: applied_project_mea (MIT; 51 dyads of adults in a decision task, Motion
  Energy Analysis, 25 Hz as the authors' scripts): each real dyad and ``--per-session``
  pseudo-dyads per session (partner 1 of one session with partner 2 of another).
- ``family``: syncpy's F1044N family-therapy session (mother, therapist, patient; motion
  history at 25 fps, 21.7 min; the father's column is empty). One session gives no
  pseudo-dyads across sessions, so each pair is cut in halves: the two real halves, and
  the two half-swaps (first half of one person with the second half of the other; no
  interaction, the same people and setting).

Both are adult movement synchrony, so the ``psychotherapy-movement`` preset. The other
folders of ../shared/data give no pair of continuous signals fit for it: the syncpy
two-person sample lasts 240 s (the preset needs 360 s, two cycles), crqa's hand movement
is one dyad of unstated rate, the ECG and fNIRS folders hold one dyad each of physiology
(no preset is made for them), and the rest are codes or one person. Prints the pooled
rates of real and pseudo pairs and the tests of :func:`compare_rates`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from episodes_pseudo_dyads import show

import attunement as att
from attunement.episodes.pseudo import episode_rates

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
APPLIED = DATA / "applied_project_mea" / "TxtFiles_cleaned"
FAMILY = DATA / "syncpy_samples" / "F1044N.VOB.slideddata.csv"
PARADIGM = "psychotherapy-movement"


def applied(per_session: int, paradigm: str = PARADIGM, n: int | None = None) -> pd.DataFrame:
    sessions = distinct(att.read_mea(APPLIED, sampling_rate=25))[:n]
    return episode_rates(sessions, per_session=per_session, paradigm=paradigm)


def distinct(sessions: list) -> list:
    """Leave out a session that begins with all of another (both partners equal over the
    shorter one): MEA_video112 holds all of MEA_video111, then 408 s more."""
    drop = set()
    for i, a in enumerate(sessions):
        for b in sessions[i + 1:]:
            n = min(a.n_samples, b.n_samples)
            if all(np.array_equal(x[:n], y[:n], equal_nan=True)
                   for x, y in zip(a.pair(), b.pair())):
                drop.add(a.id if a.n_samples > b.n_samples else b.id)
    if drop:
        print(f"left out (duplicated recordings): {sorted(drop)}")
    return [s for s in sessions if s.id not in drop]


def family(paradigm: str = PARADIGM) -> pd.DataFrame:
    table = pd.read_csv(FAMILY)
    people = {"mother": "slidedMother", "therapist": "slidedTherapist",
              "patient": "slidedPatient"}
    names = list(people)
    out = []
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            x1, x2 = (table[people[p]].to_numpy(float) for p in (a, b))
            half = len(x1) // 2
            halves = [att.Session.from_arrays(x1[k * half:(k + 1) * half],
                                              x2[k * half:(k + 1) * half], 25,
                                              partners=(a, b), channel="motion",
                                              id=f"{a}-{b}-{k + 1}")
                      for k in range(2)]
            out.append(episode_rates(halves, per_session=1, paradigm=paradigm))
    return pd.concat(out, ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["applied", "family"], action="append")
    parser.add_argument("--per-session", type=int, default=2)
    parser.add_argument("--paradigm", default=PARADIGM, choices=list(att.episodes.PARADIGMS))
    parser.add_argument("--sessions", type=int, default=None,
                        help="applied: the first N distinct sessions")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    pd.set_option("display.width", 160)
    for name in args.only or ["family", "applied"]:
        t0 = time.perf_counter()
        rates = (applied(args.per_session, args.paradigm, args.sessions) if name == "applied"
                 else family(args.paradigm))
        show(rates, args.out, f"{name}_{args.paradigm}",
             f"{name} ({args.paradigm}): {len(rates)} pairs", t0)
        for kind, part in rates.groupby("kind"):
            print(f"{kind}: session p <= .05 in {int((part.session_p_value <= .05).sum())} of "
                  f"{len(part)}; detectable {int(part.detectable.sum())}; attuned share "
                  f"where p > .05: max {part[part.session_p_value > .05].matched_proportion.max()}")
        print("separation quantiles (pseudo):",
              np.round(rates[rates.kind == "pseudo"].separation.quantile([.5, .9, 1]).values, 2))


if __name__ == "__main__":
    main()
