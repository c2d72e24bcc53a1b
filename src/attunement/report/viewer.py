"""The interactive session viewer: one self-contained offline HTML page per session.

:func:`viewer_data` turns a :class:`~attunement.analysis.SessionAnalysis` into the page's
data (signals, synchrony heat maps, peak lags, episodes, phases); :func:`write_viewer`
renders ``viewer.html.j2`` around it. The data travel as JSON in a
``<script type="application/json">`` block (Jinja2's ``tojson`` escapes ``<``, ``>``, ``&``
and ``'``, so no user text can close the block); every user string shown by the page is
inserted as text, never as HTML.

Compact encodings keep a one-hour session at 30 Hz well under 10 MB: each signal is stored
as 16-bit integers over its own range (a step of range / 65 534, far below any measurement's
resolution; missing samples keep their own code), each heat map as 8-bit colour indices.
The page builds min/max envelopes for display and draws full resolution when zoomed in.
"""

from __future__ import annotations

import base64
import hashlib
import math
from pathlib import Path

import numpy as np
import pandas as pd

from ..io.writers import safe_name, write_text
from .html import render

#: The int16 code of a missing sample.
MISSING_CODE = -32768
#: At most this many lags and windows of a heat map travel to the page (averaged above).
MAX_HEATMAP_LAGS = 121
MAX_HEATMAP_WINDOWS = 4000


def encode_signal(values: np.ndarray) -> dict:
    """A signal as base64 int16 codes with ``offset`` and ``scale`` (value = offset + code * scale).

    Examples
    --------
    >>> enc = encode_signal(np.array([0.0, 1.0, np.nan, 0.5]))
    >>> codes = np.frombuffer(base64.b64decode(enc["data"]), dtype="<i2")
    >>> codes.tolist()
    [-32767, 32767, -32768, 0]
    >>> [round(float(enc["offset"] + c * enc["scale"]), 4) for c in codes[[0, 1, 3]]]
    [0.0, 1.0, 0.5]
    """
    x = np.asarray(values, dtype=float)
    finite = np.isfinite(x)
    lo, hi = (float(x[finite].min()), float(x[finite].max())) if finite.any() else (0.0, 0.0)
    offset, scale = (lo + hi) / 2, (hi - lo) / 65534 or 1.0
    codes = np.full(x.shape, MISSING_CODE, dtype="<i2")
    codes[finite] = np.rint((x[finite] - offset) / scale).astype("<i2")
    return {"offset": offset, "scale": scale, "data": base64.b64encode(codes).decode("ascii")}


def _heatmap(wcc) -> dict:
    """The WCC matrix as 8-bit indices into a diverging colour map, rows = windows."""
    values = np.asarray(wcc.values, dtype=float)
    lags = np.asarray(wcc.lags_s, dtype=float)
    window_s = float(wcc.params.get("window_s", 0.0))
    times = np.asarray(wcc.times_s, dtype=float) + window_s / 2
    lag_step = max(1, math.ceil(len(lags) / MAX_HEATMAP_LAGS))
    keep = np.arange(len(lags))
    keep = keep[(keep - int(np.argmin(np.abs(lags)))) % lag_step == 0]  # lag 0 stays
    values, lags = values[:, keep], lags[keep]
    t_step = max(1, math.ceil(len(times) / MAX_HEATMAP_WINDOWS))
    if t_step > 1:
        n = len(times) // t_step * t_step
        with np.errstate(all="ignore"):
            values = np.nanmean(values[:n].reshape(-1, t_step, values.shape[1]), axis=1)
        times = times[:n].reshape(-1, t_step).mean(axis=1)
    finite = np.isfinite(values)
    vmax = float(np.quantile(np.abs(values[finite]), 0.99)) if finite.any() else 1.0
    vmax = vmax or 1.0
    codes = np.full(values.shape, 255, dtype=np.uint8)
    codes[finite] = np.rint((np.clip(values[finite], -vmax, vmax) / vmax + 1) * 127).astype(
        np.uint8
    )
    return {
        "t0": float(times[0]) if len(times) else 0.0,
        "dt": float(np.median(np.diff(times))) if len(times) > 1 else 1.0,
        "n_windows": int(len(times)),
        "lags_s": [round(float(v), 4) for v in lags],
        "vmax": vmax,
        "fisher_z": bool(wcc.params.get("fisher_z", False)),
        "window_s": window_s,
        "data": base64.b64encode(codes.tobytes()).decode("ascii"),
    }


def _peaks(channel, window_s: float) -> dict:
    frame = channel.peaks.to_frame()
    return {
        "time_s": _floats(frame["time_s"].to_numpy(float) + window_s / 2),
        "lag_s": _floats(frame["lag_s"]),
    }


def _floats(values, digits: int = 4) -> list:
    """Rounded floats with NaN as null (JSON has no NaN)."""
    out = np.round(np.asarray(values, dtype=float), digits)
    return [None if not np.isfinite(v) else float(v) for v in out]


def _episodes(result) -> list[dict]:
    if result is None:
        return []
    table = result.episodes.sort_values("onset_s").reset_index(drop=True)
    rows = []
    for k, row in table.iterrows():
        repaired = row.get("repaired")
        rows.append(
            {
                "id": f"d{k}",
                "onset_s": round(float(row["onset_s"]), 3),
                "offset_s": round(float(row["offset_s"]), 3),
                "kind": str(row["kind"]),
                "repaired": bool(repaired) if not pd.isna(repaired) else None,
                "phase": None if pd.isna(row.get("phase")) else str(row.get("phase")),
            }
        )
    return rows


def _states(result) -> dict | None:
    if result is None or result.states is None or not len(result.states):
        return None
    st = result.states
    return {
        "time_s": _floats(st["time_s"], 3),
        "value": _floats(st["value"], 3),
        "threshold": _floats(st["threshold"], 3) if "threshold" in st else None,
        "step_s": float(result.step_s),
    }


def _phases(session) -> list[dict]:
    ph = session.phases
    return [
        {
            "onset_s": float(r.onset_s),
            "offset_s": float(r.onset_s + r.duration_s),
            "label": str(r.label),
        }
        for r in ph.itertuples()
    ]


def viewer_data(analysis, videos: list[dict] | None = None, video_offset_s: float = 0.0) -> dict:
    """Everything the viewer page shows, from a :class:`~attunement.analysis.SessionAnalysis`.

    Parameters
    ----------
    analysis : SessionAnalysis
        The analysed session (signals, per-channel WCC and peaks, episodes).
    videos : list of dict, optional
        From :func:`~attunement.report.viewer_video.prepare_video`: one split-screen video or
        one per partner (played in sync).
    video_offset_s : float
        Video time at session time 0 (the recording's clock starts this late in the video).

    Returns
    -------
    dict
        JSON-ready: ``session``, ``signals``, ``channels`` (heat map and peaks each),
        ``episodes``, ``states``, ``phases``, ``videos``, ``storage_key``.
    """
    s = analysis.session
    times = s.times  # evenly spaced at the sampling rate (Session guarantees it)
    analysed = [ch.channel for ch in analysis.channels]
    series = [
        {"partner": p, "channel": c, **encode_signal(s.signal(p, c))}
        for c in analysed
        for p in s.partners
    ]
    channels = []
    for ch in analysis.channels:
        heat = _heatmap(ch.wcc)
        peaks = _peaks(ch, heat["window_s"])
        channels.append({"name": ch.channel, "heatmap": heat, "peaks": peaks})
    episodes = _episodes(analysis.episodes)
    fingerprint = hashlib.sha256(repr((s.id, s.n_samples, episodes)).encode()).hexdigest()[:12]
    return {
        "session": {
            "id": str(s.id),
            "partners": [str(p) for p in s.partners],
            "duration_s": float(s.duration_s),
            "sampling_rate": float(s.sampling_rate),
            "t0": float(times[0]) if len(times) else 0.0,
            "n_samples": int(s.n_samples),
            "file_stem": safe_name(s.id),
        },
        "series": series,
        "channels": channels,
        "episodes": episodes,
        "states": _states(analysis.episodes),
        "phases": _phases(s),
        "videos": videos or [],
        "video_offset_s": float(video_offset_s),
        "storage_key": f"attunement-viewer:{s.id}:{fingerprint}",
    }


def write_viewer(
    analysis,
    path: str | Path,
    videos: list[str | Path] | None = None,
    video_offset_s: float = 0.0,
    report: str | None = None,
) -> Path:
    """Write the viewer page of ``analysis`` to ``path`` (atomically).

    ``videos``: one split-screen file or one per partner; a format the browser cannot play
    is converted beside the page (``<page stem>_video<k>.mp4``). ``report``: the relative
    link back to the session report, if any.
    """
    from .viewer_video import prepare_video

    path = Path(path)
    videos = list(videos or [])
    if len(videos) > 2:
        raise ValueError(
            f"videos: expected one split-screen video or one per partner, got {len(videos)}."
        )
    prepared = [
        prepare_video(v, path.parent, f"{path.stem}_video{k}") for k, v in enumerate(videos)
    ]
    data = viewer_data(analysis, prepared, video_offset_s)
    html = render("viewer.html.j2", data=data, session=data["session"], report=report)
    return write_text(html, path)
