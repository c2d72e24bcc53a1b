"""Draw the benchmarks' history (``results/*.csv``, written by ``_history.append``) as one
panel per benchmark: every ratio (``unit == 'x'``) over time, one line per case and metric,
so that a regression shows as a drop. Writes ``results/history.png``.

Run: ``.venv/bin/python benchmarks/plot_history.py``
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from _history import COLUMNS, RESULTS  # noqa: E402


def load(folder: Path = RESULTS) -> pd.DataFrame:
    """Every history file (those with the history's columns), stacked."""
    frames = []
    for path in sorted(folder.glob("*.csv")):
        frame = pd.read_csv(path)
        if list(frame.columns) == list(COLUMNS):
            frames.append(frame)
    if not frames:
        raise SystemExit(f"No benchmark history in {folder}: run a benchmark first.")
    data = pd.concat(frames, ignore_index=True)
    data["date"] = pd.to_datetime(data["date"])
    return data


def main() -> None:
    data = load()
    ratios = data[data["unit"] == "x"]
    names = sorted(ratios["benchmark"].unique())
    fig, axes = plt.subplots(len(names), 1, figsize=(8, 3 * len(names)), squeeze=False)
    for ax, name in zip(axes[:, 0], names):
        part = ratios[ratios["benchmark"] == name]
        for (case, metric), line in part.groupby(["case", "metric"]):
            ax.plot(line["date"], line["value"], marker="o", label=f"{case}: {metric}")
        ax.set_yscale("log")
        ax.set_title(name)
        ax.set_ylabel("ratio (x)")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.legend(fontsize=6, loc="best")
    fig.autofmt_xdate()
    fig.tight_layout()
    out = RESULTS / "history.png"
    fig.savefig(out, dpi=100)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
