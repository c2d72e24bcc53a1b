"""Live ruptures on real recordings, with pseudo-dyads as the negative control, and the live
detector's gate calibrated on pseudo-dyads (real data without a relationship).

Data: the 20 rMEA psychotherapy intake interviews (../shared/data/rmea_psychotherapy, 10 min
at 25 Hz, motion energy). Pairs:

- ``real``: each session as recorded;
- ``pseudo``: partner 1 of session i with partner 2 of session i + 1 (evaluation);
- ``calib``: partner 1 of session i with partner 2 of session i + 2, i + 3 and i + 4
  (calibration only: the live gate's threshold is the (1 - alpha) quantile of the largest
  live run statistic, :attr:`ForwardState.max_run_statistic`, on these 60 pairs; neither
  the real sessions nor the evaluation pairs are used).

Each pair is its first 5 min (``DURATION_S``; the machine is shared) or, with ``--full``,
the whole interview (10 min).

Steps: ``scores`` computes, once per pair, the live synchrony score
(:class:`attunement.live.OnlineScore`, sample by sample) and, for real pairs, the
offline detector (:func:`attunement.detect_episodes`), cached as .npz/.json in CACHE (slow:
~20 s a pair per core); ``report`` runs the forward filter (:class:`attunement.live.ForwardState`)
on the cached scores, calibrates the gate and prints the figures: ruptures per minute and
attuned share of time, real vs pseudo (Mann-Whitney, one-sided real > pseudo), and live vs
offline agreement (offline ruptures after an attuned stretch reported live within 5 s of
their onset; live ruptures with an offline rupture within 5 s).

Run by hand: ``nice .venv/bin/python benchmarks/live_pseudo_dyads.py scores CACHE [PART/N]``
(then ``report CACHE``).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
from scipy.stats import mannwhitneyu

from attunement import Session, read
from attunement.episodes import detect_episodes
from attunement.live import ForwardState, OnlineScore

TOL_S = 5.0
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "rmea_psychotherapy"
OFFSETS = {"pseudo": (1,), "calib": (2, 3, 4)}
#: Seconds of each interview used (the first 5 min: the machine is shared; a choice).
DURATION_S = 300.0


def pairs(sessions, duration_s: float = DURATION_S):
    """(kind, Session) for every real, pseudo and calibration pair."""
    n = len(sessions)
    sessions = [s.crop(0, duration_s) for s in sessions]
    for i, s in enumerate(sessions):
        yield "real", s
        for kind, offsets in OFFSETS.items():
            for off in offsets:
                other = sessions[(i + off) % n]
                m = min(s.n_samples, other.n_samples)  # both cropped to duration_s
                x1 = s.signal(s.partners[0], "motion")[:m]
                x2 = other.signal(other.partners[1], "motion")[:m]
                yield kind, Session.from_arrays(x1, x2, s.sampling_rate, partners=s.partners,
                                                channel="motion", id=f"{s.id}x{other.id}")


def live_scores(session: Session) -> np.ndarray:
    """(time_s, score) of every live window, as ``attune live`` computes them."""
    scorer = OnlineScore(session.sampling_rate)
    x1, x2 = session.pair("motion")
    rows = [(t, s) for a, b in zip(x1, x2) for t, s, _ in scorer.push(a, b)]
    return np.array(rows, dtype=float).reshape(-1, 2)


def compute(cache: Path, part: int = 0, n_parts: int = 1,
            duration_s: float = DURATION_S) -> None:
    cache.mkdir(parents=True, exist_ok=True)
    sessions = read(sorted(DATA.glob("*/*.txt")), sampling_rate=25)
    for k, (kind, s) in enumerate(pairs(sessions, duration_s)):
        if k % n_parts != part:
            continue
        off_file = cache / f"offline_{s.id}.json"
        if kind == "real" and not off_file.exists():  # the offline detector, for agreement
            res = detect_episodes(s, channel="motion")
            eps = res.episodes
            after = eps[(eps.kind == "rupture") & (eps.kind.shift(1) == "attuned")]
            off_file.write_text(json.dumps(dict(
                ruptures=after.onset_s.tolist(),
                attuned=float(eps[eps.kind == "attuned"].duration_s.sum() / s.duration_s),
                times_s=res.states.time_s.tolist(),
                score=[None if not np.isfinite(v) else float(v) for v in res.states.value])))
        if not (cache / f"{kind}_{s.id}.npz").exists():
            np.savez(cache / f"{kind}_{s.id}.npz", scores=live_scores(s),
                     duration_s=s.duration_s)
        print(kind, s.id, flush=True)


def load(cache: Path) -> list[dict]:
    rows = []
    for f in sorted(cache.glob("*.npz")):
        z = np.load(f)
        kind, sid = f.stem.split("_", 1)
        off = cache / f"offline_{sid}.json"
        rows.append(dict(kind=kind, session=sid, scores=z["scores"],
                         duration_s=float(z["duration_s"]),
                         offline=json.loads(off.read_text()) if kind == "real" else {}))
    return rows


def run_filter(scores: np.ndarray, **state_params) -> list:
    state = ForwardState(**state_params)
    return [state.update(t, s) for t, s in scores]


def _follow(live: np.ndarray, offline: dict, after_s: float = 0.0) -> float:
    """Pearson r of the live and offline scores at the windows both have (centred after
    ``after_s``)."""
    off = dict(zip(np.round(offline["times_s"], 3),
                   np.array(offline["score"], dtype=float)))
    both = np.array([(off[round(t, 3)], v) for t, v in live
                     if round(t, 3) in off and t > after_s])
    ok = np.isfinite(both).all(1) if both.size else np.zeros(0, bool)
    return float(np.corrcoef(both[ok].T)[0, 1]) if ok.sum() > 2 else np.nan


def report(cache: Path, alpha: float = 0.05, state_params: dict | None = None) -> dict:
    rows = load(cache)
    params = dict(state_params or {})
    calib = [r for r in rows if r["kind"] == "calib"]
    # the gate's null: each calibration pair's largest live run statistic
    null_max = []
    for r in calib:
        state = ForwardState(**params, gate=math.inf)
        for t, s in r["scores"]:
            state.update(t, s)
        null_max.append(state.max_run_statistic)
    gate = float(np.quantile(null_max, 1 - alpha)) if calib else None
    largest = {}
    for r in rows:
        if r["kind"] in ("real", "pseudo"):
            state = ForwardState(**params, gate=math.inf)
            for t, s in r["scores"]:
                state.update(t, s)
            largest.setdefault(r["kind"], []).append(state.max_run_statistic)
    real_offline = [r["offline"] for r in rows if r["kind"] == "real"]
    # how closely the live score follows the offline one, window by window, on real pairs
    follow = [_follow(r["scores"], r["offline"]) for r in rows
              if r["kind"] == "real" and "score" in r["offline"]]
    # ...over each session's second half: the live score converges as the session grows
    late = [_follow(r["scores"], r["offline"], r["duration_s"] / 2) for r in rows
            if r["kind"] == "real" and "score" in r["offline"]]
    out = dict(n_calibration_pairs=len(calib), gate_alpha=alpha, gate=gate,
               live_vs_offline_score_r=dict(median=round(float(np.median(follow)), 3),
                                            min=round(float(np.min(follow)), 3),
                                            max=round(float(np.max(follow)), 3))
               if follow else None,
               live_vs_offline_score_r_second_half=round(float(np.median(late)), 3)
               if late else None,
               offline_real_per_min=round(float(np.mean([
                   len(r["offline"]["ruptures"]) / r["duration_s"] * 60 for r in rows
                   if r["kind"] == "real"])), 3)
               if real_offline else None,
               offline_real_attuned=round(float(np.mean([o["attuned"] for o in real_offline])), 3)
               if real_offline else None,
               calibration_null_max=sorted(round(float(v), 2) for v in null_max),
               largest_run_statistic={k: sorted(round(float(v), 2) for v in vals)
                                      for k, vals in largest.items()},
               p_largest_real_gt_pseudo=round(float(mannwhitneyu(
                   largest["real"], largest["pseudo"], alternative="greater").pvalue), 4))
    table = []
    for r in (r for r in rows if r["kind"] in ("real", "pseudo")):
        for name, g in (("ungated", None), ("gated", gate)):
            ups = run_filter(r["scores"], **params, gate=g)
            minutes = r["duration_s"] / 60
            live = [u.onset_s for u in ups if u.event == "rupture"]
            off = np.array(r["offline"].get("ruptures", []))
            seen = sum(bool(live) and np.min(np.abs(np.array(live) - o)) <= TOL_S for o in off)
            true = sum(off.size > 0 and np.min(np.abs(off - t)) <= TOL_S for t in live)
            table.append(dict(kind=r["kind"], variant=name, live_per_min=len(live) / minutes,
                              live_attuned=float(np.mean([u.attuned for u in ups])),
                              offline_n=int(off.size),
                              live_n=len(live), offline_seen_live=int(seen),
                              live_confirmed_offline=int(true)))
    for name in ("ungated", "gated"):
        sel = [t for t in table if t["variant"] == name]
        res = {}
        for col in ("live_per_min", "live_attuned"):
            real = [t[col] for t in sel if t["kind"] == "real"]
            pseudo = [t[col] for t in sel if t["kind"] == "pseudo"]
            p = mannwhitneyu(real, pseudo, alternative="greater").pvalue
            res[col] = dict(real_mean=round(float(np.mean(real)), 3),
                            pseudo_mean=round(float(np.mean(pseudo)), 3),
                            p_real_gt_pseudo=round(float(p), 4))
        for kind in ("real", "pseudo"):
            k = [t for t in sel if t["kind"] == kind]
            res[f"{kind}_sessions_with_live_rupture"] = sum(t["live_n"] > 0 for t in k)
            res[f"{kind}_sessions_with_live_attunement"] = sum(t["live_attuned"] > 0 for t in k)
        real = [t for t in sel if t["kind"] == "real"]
        res["agreement_on_real"] = dict(
            offline_ruptures=sum(t["offline_n"] for t in real),
            live_ruptures=sum(t["live_n"] for t in real),
            offline_seen_live=sum(t["offline_seen_live"] for t in real),
            live_confirmed_offline=sum(t["live_confirmed_offline"] for t in real))
        out[name] = res
    return out


def main() -> None:
    step, cache = sys.argv[1], Path(sys.argv[2])
    args = sys.argv[3:]
    duration = math.inf if "--full" in args else DURATION_S
    args = [a for a in args if a != "--full"]
    if step == "scores":
        part, n = (int(v) for v in (args[0] if args else "0/1").split("/"))
        compute(cache, part, n, duration)
    else:
        print(json.dumps(report(cache), indent=2))


if __name__ == "__main__":
    main()
