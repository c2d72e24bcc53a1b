"""Who leads, on a grid that the rule was not developed on (issue 20, point 1): other
generators, sampling rates, window lengths and seeds than docs/validation/peak_picking.py,
and the false-leader rate on pseudo-dyads of real sessions.

Run: ``nice .venv/bin/python docs/validation/peak_leader_grid.py [DATA] [--jobs 2]
[--out DIR]`` with DATA the rMEA folder (default ../shared/data/rmea_psychotherapy; its
sessions give the ``motion`` generator and the pseudo-dyads; without it both are skipped).
About 15 minutes on two free cores (two seeds).

Generators (the follower repeats the leader's signal ``lead_s`` later with weight
``coupling`` plus independent noise of the same kind, so r at the planted lag = coupling):

- ``band``: Gaussian-filtered white noise (SD 0.3 s), as the old grid, new seeds;
- ``ar2``: an AR(2) oscillation (period 3 s, pole radius exp(-dt / 1 s)): quasi-periodic,
  so the cross-correlation has side peaks at the lead +- 3 s;
- ``pink``: 1/f noise (amplitude ~ f^-1/2 above 1/300 Hz): slow drifts within windows;
- ``motion``: real motion energy (rMEA patient channel of session i, standardised,
  resampled) with the therapist channel of another session as the follower's noise.

Reference: the planted lag (sign = who leads). Per cell: windows, windows with a clear peak,
named leaders (peak lag resolved from zero in the window's noise), right leaders, the old
rule's right share (sign of the peak lag), median peak lag error, and Boker 2002's right
share. Pseudo-dyads (partner 1 of session i, partner 2 of sessions i + 1 and i + 2): the
share of windows that name a leader, nominally at most alpha (.05).
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter1d
from scipy.signal import lfilter, resample_poly

import attunement as att

GENERATORS = ("band", "ar2", "pink", "motion")
RATES = (10, 30, 50)
LEADS = (0.2, 0.4, 0.8, 1.5, 3.0)
#: coupling -> (window s, session s): windows other than the old grid's 30 / 60 s
COUPLINGS = {0.3: (90, 540), 0.6: (45, 300), 0.9: (20, 200)}
SEED0 = 7000  # the old grid used seeds below 3000


def noise(kind: str, n: int, rate: float, rng, motion=None) -> np.ndarray:
    """One unit-variance series of ``n`` samples of the generator ``kind``."""
    if kind == "band":
        z = gaussian_filter1d(rng.normal(size=n), 0.3 * rate)
    elif kind == "ar2":
        radius, omega = np.exp(-1 / rate), 2 * np.pi / (3.0 * rate)
        z = lfilter([1.0], [1.0, -2 * radius * np.cos(omega), radius**2],
                    rng.normal(size=n + 10 * int(rate)))[10 * int(rate):]
    elif kind == "pink":
        f = np.fft.rfftfreq(n, 1 / rate)
        amp = np.where(f > 0, np.maximum(f, 1 / 300) ** -0.5, 0.0)
        z = np.fft.irfft(amp * (rng.normal(size=len(f)) + 1j * rng.normal(size=len(f))), n)
    else:  # a random stretch of a random real series
        series = motion[rng.integers(len(motion))]
        start = rng.integers(0, len(series) - n)
        z = series[start : start + n]
    return (z - z.mean()) / z.std()


def planted(kind, lead_s, coupling, rate, leader, duration_s, seed, motion=None):
    """(partner 1, partner 2): the follower = coupling x leader's signal ``lead_s`` later
    + sqrt(1 - coupling^2) x independent noise of the same generator."""
    rng = np.random.default_rng(seed)
    n, d = int(duration_s * rate), int(round(lead_s * rate))
    source = noise(kind, n + d, rate, rng, motion)
    follower = coupling * source[:n] + np.sqrt(1 - coupling**2) * noise(kind, n, rate, rng,
                                                                           motion)
    return (source[d:], follower) if leader == 1 else (follower, source[d:])


@cache
def motion_series(folder: Path, rate: int) -> dict[str, list[np.ndarray]]:
    """Patient and therapist motion energy of every rMEA session at ``rate``."""
    files = sorted(folder.glob("*/*.txt")) or sorted(folder.glob("*.txt"))
    out = {"p1": [], "p2": []}
    for f in files:
        pair = att.read_mea(f, sampling_rate=25).pair()
        for key, v in zip(("p1", "p2"), pair):
            v = np.nan_to_num(np.asarray(v, dtype=float))
            g = np.gcd(rate, 25)
            out[key].append(resample_poly(v, rate // g, 25 // g))
    return out


def cell(args) -> dict:
    kind, rate, lead, coupling, leader, seed, data = args
    window, duration = COUPLINGS[coupling]
    src = None
    if kind == "motion":
        motion = motion_series(data, rate)
        src = motion["p1"] + motion["p2"]
    x, y = planted(kind, lead, coupling, rate, leader, duration, seed, src)
    res = att.wcc(x, y, rate, window_s=window, max_lag_s=5, step_s=window / 4)
    pk = att.pick_peaks(res, x, y, rate, seed=seed)
    boker = att.pick_peaks(res, method="boker2002").lag_s
    truth = lead if leader == 1 else -lead
    found = ~np.isnan(pk.lag_s)
    who = pk.leader[found]
    blag = boker[~np.isnan(boker)]
    return {"generator": kind, "rate_hz": rate, "lead_s": lead, "coupling": coupling,
            "leader": leader, "seed": seed, "window_s": window, "n_windows": len(pk.lag_s),
            "n_peaks": int(found.sum()), "n_named": int((who > 0).sum()),
            "n_right": int((who == leader).sum()),
            "n_sign_right": int(np.sum(np.sign(pk.lag_s[found]) == np.sign(truth))),
            "lag_errors": list(pk.lag_s[found] - truth),
            "boker_right": float(np.mean(np.sign(blag) == np.sign(truth))) if len(blag)
            else np.nan}


def pseudo(args) -> dict:
    """Leader counts of one real or pseudo pair at 25 Hz."""
    kind, x, y, window = args
    n = min(len(x), len(y))
    x, y = x[:n], y[:n]
    res = att.wcc(x, y, 25, window_s=window, max_lag_s=5, step_s=window / 2)
    s = att.pick_peaks(res, x, y, 25).summary()
    return {"kind": kind, "window_s": window, "n_windows": s["n_peak_windows"],
            "n_peaks": s["n_peaks"], "n_named": s["p1_leads_n"] + s["p2_leads_n"]}


def summarise(g: pd.DataFrame, keys) -> pd.DataFrame:
    out = g.groupby(keys).agg(n_windows=("n_windows", "sum"), n_peaks=("n_peaks", "sum"),
                              n_named=("n_named", "sum"), n_right=("n_right", "sum"),
                              n_sign_right=("n_sign_right", "sum"),
                              boker_right=("boker_right", "mean"),
                              errors=("lag_errors", lambda e: sum(e, [])))
    out["peak_share"] = out.n_peaks / out.n_windows
    out["named_share"] = out.n_named / out.n_peaks
    out["named_right"] = out.n_right / out.n_named  # accuracy of the named leaders
    out["right_of_peaks"] = out.n_right / out.n_peaks
    out["wrong_of_peaks"] = (out.n_named - out.n_right) / out.n_peaks
    out["sign_right"] = out.n_sign_right / out.n_peaks  # the old rule
    out["median_lag_error_s"] = out.errors.map(lambda e: abs(float(np.median(e)))
                                               if e else np.nan)
    return out.drop(columns="errors").reset_index()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", nargs="?", type=Path,
                        default=Path("../shared/data/rmea_psychotherapy"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seeds", type=int, default=2, help="sessions per cell and leader")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    have_data = args.data.is_dir()
    tasks, k = [], 0
    for kind in GENERATORS if have_data else GENERATORS[:3]:
        for rate in RATES:
            for lead in LEADS:
                for coupling in COUPLINGS:
                    for leader, _ in np.ndindex(2, args.seeds):
                        leader, k = leader + 1, k + 1
                        tasks.append((kind, rate, lead, coupling, leader, SEED0 + k,
                                      args.data.resolve()))
    with ProcessPoolExecutor(args.jobs) as pool:
        g = pd.DataFrame(pool.map(cell, tasks, chunksize=4))
    pd.set_option("display.width", 200)
    cells = summarise(g, ["generator", "rate_hz", "lead_s", "coupling"])
    cols = ["peak_share", "named_share", "named_right", "wrong_of_peaks", "sign_right",
            "boker_right", "median_lag_error_s"]
    print(cells.round(3).to_string())
    print("\nper generator (cells pooled over rates, leads, couplings, leaders):")
    by_gen = summarise(g, ["generator"])[["generator", *cols]].round(3)
    print(by_gen.to_string())
    print("\nper generator x coupling:")
    print(summarise(g, ["generator", "coupling"])[["generator", "coupling", *cols]]
          .round(3).to_string())
    ok_named = (cells.named_right >= 0.8) | (cells.n_named == 0)
    print(f"\ncells with named leaders right >= .8: {ok_named.sum()}/{len(cells)}; "
          f"old rule (sign) right >= .8: {(cells.sign_right >= 0.8).sum()}/{len(cells)}; "
          f"median lag error <= 0.1 s: {(cells.median_lag_error_s <= 0.1 + 1e-9).sum()}/"
          f"{len(cells)}")
    print("misses:\n", cells[~ok_named].round(3).to_string())
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        cells.to_csv(args.out / "leader_grid_cells.csv", index=False)
    if have_data:
        files = sorted(args.data.glob("*/*.txt")) or sorted(args.data.glob("*.txt"))
        pairs = [att.read_mea(f, sampling_rate=25).pair() for f in files]
        m = len(pairs)
        jobs = []
        for window in (60.0, 30.0):
            jobs += [("real", *p, window) for p in pairs]
            jobs += [("pseudo", pairs[i][0], pairs[(i + j) % m][1], window)
                     for i in range(m) for j in (1, 2)]
        with ProcessPoolExecutor(args.jobs) as pool:
            t = pd.DataFrame(pool.map(pseudo, jobs))
        t = t.groupby(["window_s", "kind"])[["n_windows", "n_peaks", "n_named"]].sum()
        t["peak_share"] = t.n_peaks / t.n_windows
        t["leader_share"] = t.n_named / t.n_windows  # false leaders in the pseudo rows
        print("\nreal vs pseudo-dyads (25 Hz, rMEA):\n", t.round(4).to_string())
        if args.out:
            t.to_csv(args.out / "leader_pseudo.csv")


if __name__ == "__main__":
    main()
