"""Episode rates of real dyads and their pseudo-dyads: the detector's negative control.

Usage: ``python benchmarks/episodes_pseudo_dyads.py [FOLDER ...] [--sampling-rate 25]
[--paradigm NAME ...]``; default the 20 rMEA intake interviews in
``../shared/data/rmea_psychotherapy/{normal,dropout}`` at 25 Hz, with both paradigms.
Prints pooled rates (real vs pseudo), the two tests of attuned time, and the detector's
result for session 101_01.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

import attunement as att
from attunement.episodes import detect_episodes
from attunement.episodes.pseudo import compare_rates, episode_rates

ROOT = Path(__file__).resolve().parents[1]
RMEA = ROOT.parent / "shared" / "data" / "rmea_psychotherapy"


def show(rates: pd.DataFrame, out: Path | None, name: str, title: str, t0: float) -> None:
    """Write ``rates_<name>.csv`` into ``out`` (if given); print the title and the pooled
    real-vs-pseudo comparison."""
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        rates.to_csv(out / f"rates_{name}.csv", index=False)
    print(f"\n== {title}, {time.perf_counter() - t0:.0f} s")
    print(compare_rates(rates).T.to_string(header=False))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folders", nargs="*", type=Path,
                        default=[RMEA / "normal", RMEA / "dropout"])
    parser.add_argument("--sampling-rate", type=float, default=25.0)
    parser.add_argument("--paradigm", action="append",
                        default=None, help="repeatable; default both presets")
    parser.add_argument("--out", type=Path, default=None,
                        help="folder for the per-pair rates (rates_<paradigm>.csv)")
    args = parser.parse_args()
    sessions = []
    for folder in args.folders:
        found = att.read_mea(folder, sampling_rate=args.sampling_rate)
        sessions += found if isinstance(found, list) else [found]
    pd.set_option("display.width", 160)
    for paradigm in args.paradigm or list(att.episodes.PARADIGMS):
        t0 = time.perf_counter()
        rates = episode_rates(sessions, paradigm=paradigm)
        show(rates, args.out, paradigm, f"{paradigm}: {len(sessions)} sessions", t0)
        print("detectable (real, pseudo):",
              rates.groupby("kind").detectable.mean().round(2).to_dict())
        null = rates[rates.session_p_value > 0.05]
        print(f"pairs whose overall synchrony does not exceed the surrogates (p > .05): "
              f"{len(null)}, attuned share mean {null.matched_proportion.mean():.3f}, max "
              f"{null.matched_proportion.max():.3f}; the others: mean "
              f"{rates[rates.session_p_value <= 0.05].matched_proportion.mean():.3f}")
        one = [s for s in sessions if s.id.startswith("101_01")]
        if one:
            res = detect_episodes(one[0], paradigm=paradigm)
            print("101_01:", res.params["detectability"],
                  f"session p = {res.params['session_p_value']:.3f}")
            cols = ["onset_s", "offset_s", "kind", "repaired", "long_unrepaired",
                    "repair_initiator"]
            print(res.episodes[cols].to_string())
            print({k: round(v, 3) if isinstance(v, float) else v for k, v in
                   res.summary().items() if k in ("matched_proportion", "ruptures_per_min",
                                                   "n_ruptures", "observed_s")})


if __name__ == "__main__":
    main()
