"""The benchmarks' machine-readable history: every run appends its figures to
``benchmarks/results/<benchmark>.csv`` (one row per figure: date, commit, machine, load,
case, metric, value, unit), which ``plot_history.py`` draws so that a regression is seen."""

from __future__ import annotations

import csv
import datetime as dt
import os
import platform
import subprocess
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
COLUMNS = ("date", "commit", "machine", "load", "benchmark", "case", "metric", "value", "unit")


def commit() -> str:
    """Short hash of the checked-out commit ('+' when the tree has changes), or 'unknown'."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, check=True, cwd=RESULTS.parent).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, cwd=RESULTS.parent).stdout
        return head + ("+" if dirty.strip() else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine() -> str:
    """CPU model, core count and OS, e.g. 'Intel(R) Xeon(R) Processor, 2 cores, Linux'."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores, {platform.system()}"


def append(benchmark: str, rows: list[tuple]) -> Path:
    """Append ``rows`` of (case, metric, value, unit) to ``results/<benchmark>.csv``."""
    path = RESULTS / f"{benchmark}.csv"
    RESULTS.mkdir(exist_ok=True)
    new = not path.exists()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    load = f"{os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else ""
    head = (stamp, commit(), machine(), load, benchmark)
    with path.open("a", newline="") as f:
        out = csv.writer(f)
        if new:
            out.writerow(COLUMNS)
        for case, metric, value, unit in rows:
            out.writerow((*head, case, metric, f"{value:.6g}", unit))
    return path
