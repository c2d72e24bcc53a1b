"""Write the simulated data sets of the mixed-model parity tests (inputs of lmm.R).

Run from the repository root: ``python tests/reference/lmm_data.py``; then
``Rscript tests/reference/lmm.R`` writes lme4/lmerTest/emmeans' results beside them.
Seeds are fixed, so the CSVs are reproducible.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def conditions(seed: int = 1) -> pd.DataFrame:
    """14 dyads x 3 within-dyad conditions x 2 partners with a rating ``cq`` each; rows
    missing at random (unbalanced)."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(14):
        level = rng.normal(0, 0.08)
        cq = rng.normal(3.5, 1.0, 2)
        for c, shift in zip(["240p", "480p", "1080p"], [0.0, 0.03, 0.07], strict=True):
            for p in range(2):
                y = 0.3 + level + shift + 0.02 * cq[p] + 0.01 * shift * cq[p] * 10
                rows.append({"dyad": f"d{d:02d}", "participant": f"d{d:02d}p{p}",
                             "condition": c, "cq": round(cq[p], 3),
                             "grand_average": y + rng.normal(0, 0.05)})
    frame = pd.DataFrame(rows)
    return frame.drop(index=rng.choice(len(frame), 7, replace=False)).reset_index(drop=True)


def slopes(seed: int = 2) -> pd.DataFrame:
    """16 dyads in two arms, 4-9 sessions each, a random intercept and slope of time."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(16):
        group = "treatment" if d % 2 else "control"
        a, b = rng.normal(0, 0.1), rng.normal(0, 0.02)
        for s in range(1, rng.integers(4, 10) + 1):
            y = 0.4 + a + (0.01 + b + 0.015 * (group == "treatment")) * s
            rows.append({"dyad": f"d{d:02d}", "group": group, "session_number": s,
                         "grand_average": y + rng.normal(0, 0.04)})
    return pd.DataFrame(rows)


def crossed(seed: int = 3) -> pd.DataFrame:
    """20 dyads x 6 therapists, crossed: each dyad seen by 3 therapists, twice each."""
    rng = np.random.default_rng(seed)
    dyad_effect, therapist_effect = rng.normal(0, 0.1, 20), rng.normal(0, 0.06, 6)
    rows = []
    for d in range(20):
        for t in rng.choice(6, 3, replace=False):
            for task in ("play", "talk"):
                x = rng.normal(0, 1)
                y = (0.5 + dyad_effect[d] + therapist_effect[t] + 0.05 * (task == "talk")
                     + 0.02 * x)
                rows.append({"dyad": f"d{d:02d}", "therapist": f"t{t}", "task": task,
                             "x": round(x, 4), "grand_average": y + rng.normal(0, 0.05)})
    return pd.DataFrame(rows)


if __name__ == "__main__":
    for name, make in (("conditions", conditions), ("slopes", slopes), ("crossed", crossed)):
        make().to_csv(HERE / f"lmm_{name}.csv", index=False, float_format="%.10g")
