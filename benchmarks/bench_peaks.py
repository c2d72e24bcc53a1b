"""Peak picking: the surrogate rule (99 circular shifts per session) against the baseline
Boker et al. (2002) rule on the same WCC, and against the WCC itself, side by side.

One bundled MIT MEA session (12.5 min at 25 Hz), ``attune analyze`` defaults: windows of
30 s, lags +-5 s, step 1 s. Read the ratios, not the seconds (the machine is shared).
"""

from __future__ import annotations

import time
from pathlib import Path

import attunement as att

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "applied_project_mea"


def best_of(func, repeat: int = 2) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    session = att.read_mea(DATA / "MEA_video101.txt", 25)
    x, y = session.pair()
    params = dict(window_s=30, max_lag_s=5, step_s=1, fisher_z=True)
    res = att.wcc(x, y, 25, **params)
    t_wcc = best_of(lambda: att.wcc(x, y, 25, **params))
    t_boker = best_of(lambda: att.pick_peaks(res, method="boker2002"))
    t_surr = best_of(lambda: att.pick_peaks(res, x, y, 25), repeat=1)
    print(f"{res.n_windows} windows x {len(res.lags_s)} lags")
    print(f"wcc {t_wcc:.2f} s; boker2002 {t_boker:.2f} s; surrogate (99) {t_surr:.2f} s")
    print(f"surrogate / boker2002 = {t_surr / t_boker:.0f}x; surrogate / wcc = "
          f"{t_surr / t_wcc:.0f}x (99 surrogate WCCs + loess)")


if __name__ == "__main__":
    main()
