"""Who leads: leader accuracy of peak picking on synthetic dyads and the clear-peak rate on
real dyads against pseudo-dyads (issue 20, point 1). Prints the tables of the issue note.

Run: ``.venv/bin/python docs/validation/peak_picking.py [DATA]`` with DATA the folder of the
rMEA intake sessions (default ../shared/data/rmea_psychotherapy). Several minutes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.ndimage import gaussian_filter1d

import attunement as att


def lead_dyad(lead_s, coupling, rate, leader=1, duration_s=300, seed=0):
    """As tests/test_sync_peaks.py: band-limited noise (Gaussian filter, SD 0.3 s); the
    follower repeats the leader ``lead_s`` later with weight ``coupling`` plus noise."""
    rng = np.random.default_rng(seed)
    n, d = int(duration_s * rate), int(round(lead_s * rate))

    def band():
        z = gaussian_filter1d(rng.normal(size=n + d), 0.3 * rate)
        return z / z.std()

    source, noise = band(), band()
    follower = coupling * source[:n] + np.sqrt(1 - coupling**2) * noise[d:]
    return (source[d:], follower) if leader == 1 else (follower, source[d:])


def grid() -> pd.DataFrame:
    rows = []
    for rate in (10, 25):
        for lead in (0.2, 0.5, 1.0, 2.0, 3.0):
            for coupling in (0.3, 0.6, 0.9):
                for leader in (1, 2):
                    window, duration = (60, 600) if coupling < 0.5 else (30, 300)
                    x, y = lead_dyad(lead, coupling, rate, leader, duration,
                                     seed=int(10 * lead) + rate + leader)
                    res = att.wcc(x, y, rate, window_s=window, max_lag_s=5, step_s=window / 4)
                    truth = lead if leader == 1 else -lead
                    for method in ("surrogate", "boker2002"):
                        pk = (att.pick_peaks(res, x, y, rate) if method == "surrogate"
                              else att.pick_peaks(res, method="boker2002"))
                        lag = pk.lag_s[~np.isnan(pk.lag_s)]
                        rows.append({
                            "method": method, "rate_hz": rate, "lead_s": lead,
                            "coupling": coupling, "leader": leader, "window_s": window,
                            "n_windows": len(pk.lag_s), "n_peaks": len(lag),
                            "leader_right": float(np.mean(np.sign(lag) == np.sign(truth)))
                            if len(lag) else np.nan,
                            "median_lag_error_s": float(abs(np.median(lag) - truth))
                            if len(lag) else np.nan})
    return pd.DataFrame(rows)


def real_vs_pseudo(folder: Path, window_s: float = 60.0) -> pd.DataFrame:
    """Clear-peak share of windows in real dyads and in pseudo-dyads (partner 1 of session
    i with partner 2 of sessions i + 1 and i + 2)."""
    files = sorted(folder.glob("*/*.txt")) or sorted(folder.glob("*.txt"))
    sessions = [att.read_mea(f, sampling_rate=25) for f in files]
    params = dict(window_s=window_s, max_lag_s=5, step_s=window_s / 2)

    def count(kind, x, y):
        n = min(len(x), len(y))
        res = att.wcc(x[:n], y[:n], 25, **params)
        s = att.pick_peaks(res, x[:n], y[:n], 25).summary()
        return {"kind": kind, "n_peaks": s["n_peaks"], "n_windows": s["n_peak_windows"]}

    rows = [count("real", *s.pair()) for s in sessions]
    k = len(sessions)
    rows += [count("pseudo", sessions[i].pair()[0], sessions[(i + j) % k].pair()[1])
             for i in range(k) for j in (1, 2)]
    return pd.DataFrame(rows).assign(window_s=window_s)


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    g = grid()
    print(g.pivot_table(index=["rate_hz", "lead_s", "coupling"], columns=["method", "leader"],
                        values="leader_right").round(2))
    print(g.groupby("method")[["leader_right", "median_lag_error_s"]].describe().T.round(3))
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/rmea_psychotherapy")
    if data.is_dir():
        for window in (60.0, 30.0):
            t = real_vs_pseudo(data, window).groupby("kind")[["n_peaks", "n_windows"]].sum()
            print(window, (t.n_peaks / t.n_windows).round(4).to_dict(), t.to_dict())
