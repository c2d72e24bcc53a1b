"""Raw physiology of one session end to end (``attune physio``): beats or skin
conductance per partner (NeuroKit2), the artefact and gap accounts, HRV windows, the
agreement with a sensor's own intervals, and physiological linkage with surrogates.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from .._log import logger
from ..linkage import physio_linkage
from ..physio import Beats, PhysioResult, compare_intervals, hrv_windows, process_session
from ..session import Session

#: Step lines (processing, linkage) go here, at INFO.
steps = logger.getChild("progress")


@dataclass
class PhysioAnalysis:
    """One session's physiology: the processed result, the quality and linkage tables."""

    session_id: str
    result: PhysioResult
    quality: pd.DataFrame
    linkage: pd.DataFrame
    params: dict[str, Any]

    def hrv(self) -> pd.DataFrame | None:
        """HRV in 60 s windows per partner (ECG/PPG only)."""
        frames = [hrv_windows(b).assign(partner=p) for p, b in self.result.partners.items()
                  if isinstance(b, Beats)]
        return pd.concat(frames, ignore_index=True) if frames else None

    def summary(self) -> dict[str, Any]:
        """One row of summary.csv: each partner's means and counts, every linkage measure
        with its p-value and effect size, and the parameters."""
        row: dict[str, Any] = {"session": self.session_id}
        for k, q in enumerate(self.quality.to_dict("records"), start=1):
            row[f"partner_{k}"] = q["partner"]
            for col in ("mean_hr_bpm", "mean_scl_us", "n_beats", "n_scr", "gap_fraction"):
                if col in q:
                    row[f"partner_{k}_{col}"] = q[col]
        for rec in self.linkage.to_dict("records"):
            name = rec["measure"]
            if rec["measure"] == "hr_interval_r":
                name = f"{name}_{rec['null']}"
            row[name] = rec["value"]
            row[f"{name}_p_value"] = rec["p_value"]
            row[f"{name}_effect_size"] = rec["effect_size"]
            if name == "hr_peak_r":
                row["hr_peak_lag_s"] = rec["lag_s"]
        return {**row, **self.params}


def analyze_physio(session: Session, kind: str = "ecg", *, channel: str | None = None,
                   rate_hz: float = 4.0, n_surrogates: int = 500, seed: int = 0,
                   behaviour: str | None = None, episodes: str | None = None,
                   device_folder: str | Path | None = None,
                   partners: list[str] | None = None) -> PhysioAnalysis:
    """Process both partners' raw ``kind`` channel and measure their linkage.

    Parameters
    ----------
    session : Session
        Raw signals of both partners on one clock.
    kind : {'ecg', 'ppg', 'eda'}
    channel : str, optional
        The raw channel (default: ``kind``).
    rate_hz : float
        Hz of the output heart rate or skin conductance (>= 4 Hz, Feldman et al. 2011).
    n_surrogates, seed
        Of the linkage's surrogate tests (:func:`attunement.physio_linkage`).
    behaviour : str, optional
        Behaviour channel whose synchrony episodes split the coupling into inside and
        outside (Feldman et al. 2011).
    episodes : str, optional
        Phase label of coded behavioural-synchrony episodes, for the same comparison.
    device_folder : path, optional
        A Movesense dyad folder: with ECG, our intervals are compared with the sensors'
        own (``HR-*.csv``); without that export a warning says so.
    partners : list of str, optional
        The partners' names in the device folder.
    """
    steps.info("%s: %s to %s", session.id, kind,
               "beats and heart rate" if kind in ("ecg", "ppg") else "skin conductance")
    res = process_session(session, kind, channel=channel, sampling_rate=rate_hz)
    channel_out = "hr_bpm" if kind in ("ecg", "ppg") else "scl_us"
    steps.info("%s: %s linkage against %d surrogates", session.id, channel_out, n_surrogates)
    link = physio_linkage(res.session, channel=channel_out, n_surrogates=n_surrogates,
                          seed=seed, behaviour_channel=behaviour,
                          episodes=_episodes(res.session, episodes))
    quality = res.to_frame()
    if device_folder is not None and kind == "ecg":
        quality = _device_agreement(res, device_folder, partners, quality)
    params = {"kind": kind, "rate_hz": rate_hz, "n_surrogates": n_surrogates, "seed": seed,
              "behaviour": behaviour, "episodes": episodes}
    return PhysioAnalysis(session.id, res, quality, link, params)


def _device_agreement(res, folder, partners, quality):
    """Add the sensors' own beat-to-beat intervals and our agreement with them."""
    from ..io.physio_io import read_movesense_intervals

    try:
        device = read_movesense_intervals(folder, partners=partners)
    except ValueError as err:  # no HR-*.csv export: nothing to compare with
        logger.warning("%s: no device beat-to-beat intervals compared (%s)", folder, err)
        return quality
    rows = []
    for partner, beats in res.partners.items():
        ref = device[partner]["ibi_ms"].to_numpy()
        agree = compare_intervals(beats, ref).summary()
        rows.append({"partner": partner, "device_n_beats": len(ref),
                     "device_mean_hr_bpm": float((60000.0 / ref).mean()),
                     **{f"agreement_{k}": v for k, v in agree.items()}})
    return quality.merge(pd.DataFrame(rows), on="partner", how="left")


def _episodes(session, label):
    if label is None:
        return None
    chosen = session.phases[session.phases.label == label]
    if chosen.empty:
        raise ValueError(f"session {session.id!r}: episodes {label!r} names no phase; its "
                         f"phase labels are {sorted(set(session.phases.label))}.")
    return chosen
