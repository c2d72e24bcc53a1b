"""Agreement with coding (issue 20, point 6): the episode detector against the simulator's
true states; the Paxton dyads' coded matching (same SPAFF class, second by second, as runs)
against ``match_states`` episodes (min_episode_s 0, 3, 5); and coded matching against the
WCC episode detector run on the same codes as valence series. Prints the note's figures.

Run: ``.venv/bin/python docs/validation/agreement.py [PAXTON_FOLDER]`` (default
../shared/data/paxton_emotion_codes). A few minutes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

import attunement as att
from attunement.episodes import detect_episodes
from attunement.episodes.categorical import SPAFF_CLASSES
from attunement.stats.agreement import agreement

CHANNELS = ["movement", "positive_affect", "negative_affect", "hr_bpm"]
MEASURES = ["cohen_kappa", "krippendorff_alpha", "percent_agreement", "precision", "recall",
            "f1", "mean_onset_diff_s"]


def truth_states(sim) -> pd.DataFrame:
    """The simulator's true course as a coding: runs of ``coupling.attuned`` (attuned) and
    of its absence (rupture)."""
    c = sim.coupling
    flag = c.attuned.to_numpy(bool)
    cut = np.flatnonzero(np.diff(flag.astype(int))) + 1
    starts, ends = np.r_[0, cut], np.r_[cut, len(flag)]
    t = c.time_s.to_numpy(float)
    dt = t[1] - t[0]
    return pd.DataFrame({"onset_s": t[starts], "offset_s": t[ends - 1] + dt,
                         "label": np.where(flag[starts], "attuned", "rupture")})


def as_coding(episodes: pd.DataFrame) -> pd.DataFrame:
    return episodes[["onset_s", "offset_s", "kind"]].rename(columns={"kind": "label"})


def simulated(duration_s: float = 600.0) -> pd.DataFrame:
    rows = []
    for style in ("sensitive", "intrusive", "withdrawn"):
        for seed in range(3):
            sim = att.simulate_dyad(style, duration_s=duration_s, sampling_rate=10, seed=seed)
            found = as_coding(detect_episodes(sim.session, channel=CHANNELS).episodes)
            t = agreement(truth_states(sim), found, duration_s=duration_s, tolerance_s=3)
            rows.append(t.assign(style=style, seed=seed))
    return pd.concat(rows, ignore_index=True)


def paxton(folder: Path) -> pd.DataFrame:
    valence = {"positive": 1.0, "neutral": 0.0, "negative": -1.0}
    rows = []
    for name in ("high-satisfaction-dyad", "low-satisfaction-dyad"):
        codes = att.read_codes(folder / f"{name}.csv")
        coded = as_coding(att.match_states(codes).episodes)
        t = codes.time_s.to_numpy(float)
        grid = np.arange(t.min(), t.max() + 1)
        series = [pd.Series([valence.get(SPAFF_CLASSES.get(str(v).lower(), ""), np.nan)
                             for v in codes[c]], index=t).reindex(grid).to_numpy()
                  for c in codes.columns if c != "time_s"]
        session = att.Session.from_arrays(*series, 1.0, channel="valence", id=name)
        det = detect_episodes(session, channel="valence", window_s=10, step_s=1,
                              max_lag_s=2, prewhiten_s=None)
        tab = agreement(coded, as_coding(det.episodes), duration_s=float(grid[-1] + 1))
        rows.append(tab.assign(dyad=name, n_coded=len(coded), n_detected=len(det.episodes)))
    return pd.concat(rows, ignore_index=True)


def paxton_coded(folder: Path) -> pd.DataFrame:
    """The coders' matching (runs of same / different class) against match_states."""
    rows = []
    for name in ("high-satisfaction-dyad", "low-satisfaction-dyad"):
        codes = att.read_codes(folder / f"{name}.csv")
        cls = [codes[c].map(lambda v: SPAFF_CLASSES.get(str(v).lower()) if pd.notna(v)
                            else None).to_numpy() for c in codes.columns if c != "time_s"]
        t = codes.time_s.to_numpy(float)
        lab = np.where(cls[0] == cls[1], "attuned", "rupture")
        start = np.flatnonzero(np.r_[True, (lab[1:] != lab[:-1]) | (np.diff(t) > 1)])
        end = np.r_[start[1:], len(t)]
        coded = pd.DataFrame({"onset_s": t[start], "offset_s": t[end - 1] + 1,
                              "label": lab[start]})
        for merge in (0.0, 3.0, 5.0):
            ep = as_coding(att.match_states(codes, min_episode_s=merge).episodes)
            tab = agreement(coded, ep, duration_s=float(t.max() + 1))
            rows.append(tab.assign(dyad=name, min_episode_s=merge))
    return pd.concat(rows, ignore_index=True)


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    sim = simulated()
    print(sim[sim.measure.isin(MEASURES)].pivot_table(
        index=["style", "label"], columns="measure", values="value").round(3))
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(
        "../shared/data/paxton_emotion_codes")
    if folder.is_dir():
        cod = paxton_coded(folder)
        print(cod[cod.measure.isin(MEASURES)].pivot_table(
            index=["dyad", "min_episode_s", "label"], columns="measure", values="value").round(3))
        pax = paxton(folder)
        print(pax[pax.measure.isin(MEASURES)].pivot_table(
            index=["dyad", "label"], columns="measure", values="value").round(3))
        print(pax.groupby("dyad")[["n_coded", "n_detected"]].first())
