"""A condition-comparison study from raw files to the models table (docs/condition_study.md).

Design (as in video-resolution or task studies): 12 dyads, each recorded in 3 within-dyad
conditions ("low", "mid", "high" coupling of the simulated partners, the reference
first), each partner rating the interaction afterwards (a participant-level covariate,
``rating``). Run from the repository root:

    python docs/condition_study.py OUT_DIR

It writes the raw session files, the metadata (one row per participant) and the project
file into OUT_DIR, then runs ``attune batch`` and ``attune query`` on them.
"""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from attunement.simulate import simulate_dyad
from attunement.simulate.styles import STYLES

#: Baseline coupling of each condition (both directions); each dyad adds its own offset.
COUPLING = {"low": 0.15, "mid": 0.3, "high": 0.45}

PROJECT = """\
[project]
name = "condition study (simulated)"

[sessions]
paths = ["sessions/*.parquet"]
metadata = "participants.csv"

[analysis.sync]
window_s = 10
max_lag_s = 2
step_s = 5

[analysis.surrogates]
n_surrogates = 0

[[models]]
name = "condition"
formula = "grand_average ~ condition + (1 | dyad)"
levels = { condition = ["low", "mid", "high"] }
channel = "movement"

[[models]]
name = "condition_by_rating"
formula = "grand_average ~ condition * rating + (1 | dyad)"
levels = { condition = ["low", "mid", "high"] }
channel = "movement"
"""


def write_study(out: Path, n_dyads: int = 12, duration_s: float = 120.0, seed: int = 0) -> None:
    """Simulate the sessions and write them, the metadata and the project file."""
    rng = np.random.default_rng(seed)
    (out / "sessions").mkdir(parents=True, exist_ok=True)
    rows = []
    for d in range(n_dyads):
        offset = rng.normal(0, 0.05)  # the dyad's own coupling, the same in each condition
        for condition, k in COUPLING.items():
            session = f"dyad{d:02d}_{condition}"
            style = dataclasses.replace(STYLES["sensitive"], k_12=k + offset, k_21=k + offset)
            sim = simulate_dyad(style, duration_s=duration_s, sampling_rate=10.0,
                                seed=int(rng.integers(2**31)), id=session)
            sim.write(out / "sessions" / f"{session}.parquet", force=True)
            for partner in ("caregiver", "infant"):
                rating = 4 + 4 * (k + offset) + rng.normal(0, 0.5)  # felt closeness, 1-7
                rows.append({"session": session, "participant": f"dyad{d:02d}_{partner}",
                             "dyad": f"dyad{d:02d}", "condition": condition,
                             "rating": round(float(rating), 2)})
    pd.DataFrame(rows).to_csv(out / "participants.csv", index=False)
    (out / "project.toml").write_text(PROJECT)


def main(out: str) -> None:
    out = Path(out)
    write_study(out)
    attune = [sys.executable, "-m", "attunement.cli"]
    subprocess.run([*attune, "batch", str(out / "project.toml"), "--out", str(out / "store"),
                    "--workers", "2"], check=True)
    for sql in ("SELECT * FROM models", "SELECT * FROM model_anova",
                "SELECT * FROM model_means", "SELECT model, n_obs, groups, sigma, icc, "
                "r2_marginal, r2_conditional FROM model_fit"):
        subprocess.run([*attune, "query", str(out / "store"), sql], check=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "condition_study")
