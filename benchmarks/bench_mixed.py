"""Mixed models: the lme4-equal engine (:func:`attunement.lmer`) against statsmodels'
``MixedLM`` (the fitter the growth model used before), on the same random-intercept and
random-slope models, side by side.

Run by hand: ``.venv/bin/python benchmarks/bench_mixed.py [--dyads 40] [--repeats 3]``.
The engine's time includes lmerTest's Satterthwaite df (numerical derivatives);
statsmodels' gives Wald z tests only. Reported: median wall time of each and the ratio,
and the largest difference of the fixed effects (REML optima of both).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from attunement import lmer


def simulate(n_dyads: int, n_sessions: int = 12, seed: int = 0) -> pd.DataFrame:
    """A growth design: random intercept and slope of session per dyad, two arms."""
    rng = np.random.default_rng(seed)
    d = np.repeat(np.arange(n_dyads), n_sessions)
    s = np.tile(np.arange(1, n_sessions + 1), n_dyads)
    a, b = rng.normal(0, 0.05, n_dyads), rng.normal(0, 0.005, n_dyads)
    group = np.where(d % 2, "treated", "control")
    y = 0.2 + a[d] + (0.01 + b[d] + 0.005 * (group == "treated")) * s
    return pd.DataFrame({"dyad": [f"d{i:03d}" for i in d], "session_number": s,
                         "group": group, "y": y + rng.normal(0, 0.04, len(d))})


def median_time(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dyads", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import statsmodels.formula.api as smf

    frame = simulate(args.dyads)
    for label, formula, re_formula in [
        ("(1 | dyad)", "y ~ session_number * group + (1 | dyad)", None),
        ("(1 + session_number | dyad)",
         "y ~ session_number * group + (1 + session_number | dyad)", "~session_number"),
    ]:
        ours_s, ours = median_time(lambda f=formula: lmer(frame, f), args.repeats)

        def baseline(re=re_formula):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                return smf.mixedlm("y ~ session_number * group", frame, groups=frame["dyad"],
                                   re_formula=re).fit(reml=True)

        base_s, base = median_time(baseline, args.repeats)
        mine = ours.coefficients.set_index("term").estimate
        diff = np.max(np.abs(mine[base.fe_params.index].to_numpy() - base.fe_params.to_numpy()))
        print(f"{label:30s} {len(frame)} rows: engine {ours_s:6.2f} s, statsmodels "
              f"{base_s:6.2f} s ({base_s / ours_s:4.2f}x); max |estimate difference| "
              f"{diff:.1e}")


if __name__ == "__main__":
    main()
