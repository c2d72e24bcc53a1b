"""Face-analysis exports (OpenFace 2.x, py-feat Fex CSV) read as Sessions.

Channels are named by meaning, with the names ``attune extract`` gives
(:func:`attunement.extract.face_channels`), so both routes feed the same analysis:
``face_present``, ``smile`` (AU12), ``au01_brow_inner_up``, ``au04_brow_down``,
``au06_cheek_squint``, ``au26_jaw_open``, the other action units as
``auNN_<facs_name>``, ``head_pitch_deg``/``head_yaw_deg``/``head_roll_deg``,
``gaze_x``/``gaze_y`` and, from py-feat, ``affect_<emotion>``, ``valence``, ``arousal``.
Units differ by tool: OpenFace AU intensities run 0-5, py-feat's 0-1; OpenFace gaze
angles are radians, ``attune extract``'s gaze is a unitless proxy (``meta['units']``).

Frames where the tracker failed (OpenFace ``success == 0``) or its confidence is
below ``min_confidence`` become missing values (NaN) in every channel except
``face_present`` (0 there); they are counted in ``meta['face_export']`` and logged.

OpenFace 3.0 (CMU MultiComp Lab, 2025) writes no file of its own: its demo prints the
model's tensors, so there is no published format to read. Files that OpenFace 3 wrappers write
in OpenFace 2's column names are read as OpenFace 2, but check their ``AUnn_r`` numbering:
OpenFace 3's 8-output AU head is not in FACS order.

Formats: OpenFace 2.x ``FeatureExtraction``/``FaceLandmarkVidMulti`` CSV as documented
in the OpenFace wiki "Output Format" page (github.com/TadasBaltrusaitis/OpenFace/wiki/
Output-Format): ``frame, face_id, timestamp, confidence, success, gaze_angle_x/y,
pose_Rx/Ry/Rz`` (radians), ``AUnn_r`` (intensity 0-5), ``AUnn_c`` (presence 0/1), header
names possibly padded with spaces. py-feat's ``Fex.to_csv`` (github.com/cosanlab/py-feat):
``FaceScore``, ``Pitch/Roll/Yaw``, ``AUnn``, ``Neutral..Anger``, ``valence``, ``arousal``,
``gaze_pitch``/``gaze_yaw``, ``frame`` (video frame number; time needs the video's fps).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_positive
from .._log import logger
from ..session import Session
from ._files import check_file
from ._grid import onto_grid

#: FACS action units by number -> channel name (extract's stand-in names where it has one).
AU_CHANNELS = {
    1: "au01_brow_inner_up", 2: "au02_outer_brow_raiser", 4: "au04_brow_down",
    5: "au05_upper_lid_raiser", 6: "au06_cheek_squint", 7: "au07_lid_tightener",
    9: "au09_nose_wrinkler", 10: "au10_upper_lip_raiser", 11: "au11_nasolabial_deepener",
    12: "smile", 14: "au14_dimpler", 15: "au15_lip_corner_depressor", 17: "au17_chin_raiser",
    20: "au20_lip_stretcher", 23: "au23_lip_tightener", 24: "au24_lip_pressor",
    25: "au25_lips_part", 26: "au26_jaw_open", 28: "au28_lip_suck", 43: "au43_eyes_closed",
    45: "au45_blink",
}
#: py-feat emotion columns -> extract's affect channel names (extract says 'angry').
_PYFEAT_AFFECT = {"Neutral": "neutral", "Happy": "happy", "Sad": "sad", "Surprise": "surprise",
                  "Fear": "fear", "Disgust": "disgust", "Anger": "angry"}
#: Tool column -> (channel, factor): radians to degrees for head pose.
_OPENFACE_MISC = {"pose_Rx": ("head_pitch_deg", np.degrees(1.0)),
                  "pose_Ry": ("head_yaw_deg", np.degrees(1.0)),
                  "pose_Rz": ("head_roll_deg", np.degrees(1.0)),
                  "gaze_angle_x": ("gaze_x", 1.0), "gaze_angle_y": ("gaze_y", 1.0)}
_PYFEAT_MISC = {"Pitch": ("head_pitch_deg", np.degrees(1.0)),
                "Yaw": ("head_yaw_deg", np.degrees(1.0)),
                "Roll": ("head_roll_deg", np.degrees(1.0)),
                "gaze_yaw": ("gaze_x", 1.0), "gaze_pitch": ("gaze_y", 1.0),
                "valence": ("valence", 1.0), "arousal": ("arousal", 1.0)}
#: Options of :func:`read_face_export` that :func:`attunement.read` passes on.
FACE_OPTIONS = ("partners", "face_ids", "min_confidence", "resample_hz")
#: Largest deviation of a frame's time from a constant frame rate, as a fraction of the frame
#: interval, before a file counts as variable-frame-rate (and needs ``resample_hz``).
VFR_TOLERANCE = 0.25


def sniff_face_export(path: str | Path) -> str | None:
    """``'openface'``, ``'pyfeat'`` or None, from a CSV file's header line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "of.csv"
    >>> _ = f.write_text("frame, face_id, timestamp, confidence, success, AU12_r\\n")
    >>> sniff_face_export(f)
    'openface'
    """
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            header = {c.strip() for c in fh.readline().split(",")}
    except OSError:
        return None
    if {"timestamp", "confidence", "success"} <= header:
        return "openface"
    if "FaceScore" in header and any(re.fullmatch(r"AU\d\d", c) for c in header):
        return "pyfeat"
    return None


def read_face_export(
    paths: str | Path | Sequence[str | Path],
    *,
    partners: Sequence[str] | None = None,
    face_ids: Mapping[int, str] | Sequence[int] | None = None,
    min_confidence: float = 0.8,
    fps: float | None = None,
    resample_hz: float | None = None,
    id: str | None = None,
) -> Session:
    """Read one partner's face export per file (two files), or one file with two faces.

    Parameters
    ----------
    paths : path or pair of paths
        Two files (partner 1, partner 2), or one OpenFace file holding two ``face_id``s.
    partners : pair of str, optional
        Role names; default ``('partner_1', 'partner_2')``.
    face_ids : mapping or pair, optional
        One file with several faces: ``{face_id: partner}``, or ``[id_1, id_2]`` in partner
        order. Default: the two faces ordered by horizontal position (left = partner 1),
        from the mean landmark ``x_*`` or ``pose_Tx``.
    min_confidence : float
        Frames with a confidence (OpenFace ``confidence``, py-feat ``FaceScore``) below this
        are missing. 0.8 is a choice, stricter than OpenFace's own ``success`` flag (which
        is always applied); lower it for infants' faces, which track worse.
    fps : float, optional
        The video's frame rate. Needed for py-feat (its Fex has frame numbers, no times);
        for OpenFace, estimated from the timestamps when not given (they are rounded to
        1 ms, so short files give a rate a little off).
    resample_hz : float, optional
        Interpolate every channel onto a grid at this rate (needed for variable frame
        rates; linear between valid frames, never across a missing one).
    id : str, optional
        Session id; default the first file's name without extension.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> rows = "".join(f"{k + 1}, {k / 30:.3f}, 0.98, 1, {k % 3}\\n" for k in range(6))
    >>> for name in ("mother", "infant"):
    ...     _ = (d / f"{name}.csv").write_text("frame, timestamp, confidence, success, AU12_r\\n"
    ...                                        + rows)
    >>> s = read_face_export([d / "mother.csv", d / "infant.csv"], partners=("mother", "infant"),
    ...                      fps=30)
    >>> s.channels, s.sampling_rate, s.signal("infant", "smile").tolist()
    (['face_present', 'smile'], 30.0, [0.0, 1.0, 2.0, 0.0, 1.0, 2.0])
    """
    files = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    partners = tuple(partners or ("partner_1", "partner_2"))
    if len(partners) != 2:
        raise ValueError(f"partners: expected two role names, got {list(partners)}.")
    min_confidence = float(min_confidence)
    if not 0 <= min_confidence <= 1:
        raise ValueError(f"min_confidence: expected a number in [0, 1], got {min_confidence}.")
    if len(files) == 2:
        faces = [_one_face(_load(f, fps), f, None) for f in files]
    elif len(files) == 1:
        table = _load(files[0], fps)
        ids = _face_order(table, files[0], face_ids, partners)
        faces = [_one_face(table, files[0], i) for i in ids]
    else:
        raise ValueError(f"paths: expected one file (two faces) or two files, got {len(files)}.")
    report = {}
    frames, frame_numbers = [], []
    for partner, (face, path) in zip(partners, zip(faces, files * (3 - len(files)))):
        channels, numbers, counts = _channels(face, path, min_confidence)
        report[partner] = counts | {"file": path.name}
        logger.info("%s (%s): took %d frames and %d channels; %d frame(s) with success == 0, "
                    "%d under confidence %g set missing; dropped columns: %s", path.name,
                    partner, counts["n_frames"], channels.shape[1] - 1, counts["n_failed"],
                    counts["n_low_confidence"], min_confidence, counts["dropped"])
        frames.append(channels)
        frame_numbers.append(numbers)
    signals, rate = _common_grid(frames, frame_numbers, files, resample_hz, fps)
    signals.columns = pd.MultiIndex.from_tuples(
        [(p, c) for p, f in zip(partners, frames) for c in f.columns if c != "time_s"])
    units = {"head_*_deg": "degrees", "gaze_*": "radians (OpenFace, py-feat)",
             "au*": "OpenFace intensity 0-5 (AUnn_r), py-feat 0-1"}
    return Session(signals, rate, partners=partners, id=id or files[0].stem,
                   meta={"source": [str(f) for f in files], "face_export": report,
                         "units": units, "min_confidence": min_confidence})


def _load(path: Path, fps: float | None) -> pd.DataFrame:
    path = check_file(path)
    kind = sniff_face_export(path)
    if kind is None:
        raise ValueError(f"{path}: not an OpenFace CSV (needs timestamp, confidence, success "
                         "columns) nor a py-feat Fex CSV (needs FaceScore and AUnn columns).")
    try:
        table = pd.read_csv(path, skipinitialspace=True, low_memory=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise ValueError(f"{path}: not a readable CSV ({err}).") from None
    table.columns = [str(c).strip() for c in table.columns]
    table = table.copy()  # one block, so the columns added below do not fragment it
    if table.empty:
        raise ValueError(f"{path}: the file has a header but no frames.")
    table.attrs["kind"] = kind
    if kind == "pyfeat":
        if fps is None:
            raise ValueError(f"{path}: a py-feat Fex table has frame numbers but no times; give "
                             "'fps' (the video's frame rate).")
        table["timestamp"] = _numeric(table, "frame", path) / check_positive(fps, "fps")
        table["success"] = table["FaceScore"].notna().astype(float)
        table["confidence"] = table["FaceScore"]
    for col in ("timestamp", "confidence", "success"):
        table[col] = _numeric(table, col, path)
    if "frame" not in table.columns:
        table["frame"] = np.arange(len(table))
    for col in ("timestamp", "frame"):
        values = _numeric(table, col, path).to_numpy(dtype=float, na_value=np.nan)
        if not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise ValueError(f"{path}: column {col!r} row {row} is missing or not finite; "
                             "every frame needs its number and time.")
    return table


def _numeric(table: pd.DataFrame, col: str, path: Path) -> pd.Series:
    values = pd.to_numeric(table[col], errors="coerce")
    bad = values.isna() & table[col].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"{path}: column {col!r} row {row} is not a number: "
                         f"{table[col].iloc[row]!r}.")
    return values


def _face_order(table, path, face_ids, partners) -> list[int | None]:
    if "face_id" not in table.columns:
        raise ValueError(f"{path}: one file holds one face (no 'face_id' column); give two "
                         "files, one per partner.")
    found = sorted(pd.unique(_numeric(table, "face_id", path).dropna()).tolist())
    if isinstance(face_ids, Mapping):
        by_partner = {str(p): int(i) for i, p in face_ids.items()}
        if sorted(by_partner) != sorted(partners):
            raise ValueError(f"face_ids: expected one face_id for each of {list(partners)}, "
                             f"got {dict(face_ids)}.")
        ids = [by_partner[p] for p in partners]
    elif face_ids is not None:
        ids = [int(i) for i in face_ids]
    else:
        if len(found) != 2:
            raise ValueError(f"{path}: found face_id(s) {found}; expected two, or choose two "
                             "with 'face_ids'.")
        xs = [c for c in table.columns if re.fullmatch(r"x_\d+", c)] or ["pose_Tx"]
        if not set(xs) <= set(table.columns):
            return found
        pos = table.groupby("face_id")[xs].mean().mean(axis=1)
        return sorted(found, key=lambda i: pos.get(i, np.inf))
    if len(ids) != 2 or ids[0] == ids[1] or not set(ids) <= set(found):
        raise ValueError(f"face_ids: expected two of the file's face_ids {found}, got {ids}.")
    return ids


def _one_face(table: pd.DataFrame, path: Path, face_id) -> pd.DataFrame:
    if face_id is not None:
        table = table[table["face_id"] == face_id]
    elif "face_id" in table.columns and table["face_id"].nunique() > 1:
        raise ValueError(f"{path}: holds several faces {sorted(table['face_id'].unique())}; "
                         "read it alone with 'face_ids' to choose.")
    return table.reset_index(drop=True)


def _channels(table: pd.DataFrame, path: Path, min_confidence: float):
    """Channels by meaning, invalid frames set missing, and what was counted and dropped."""
    if table.attrs.get("kind", "openface") == "pyfeat":
        misc, au_re = _PYFEAT_MISC, r"AU(\d\d)"
        extra = {c: f"affect_{n}" for c, n in _PYFEAT_AFFECT.items() if c in table.columns}
    else:
        misc, au_re, extra = _OPENFACE_MISC, r"AU(\d\d)_r", {}
    out = {"time_s": table["timestamp"].to_numpy(dtype=float)}
    failed = ~(table["success"] == 1).to_numpy()
    low = ~failed & ~(table["confidence"] >= min_confidence).to_numpy()
    valid = ~(failed | low)
    out["face_present"] = valid.astype(float)
    used = {"frame", "face_id", "timestamp", "confidence", "success", "FaceScore"}
    columns = [(c, *misc[c]) for c in misc if c in table.columns]
    for col in table.columns:
        m = re.fullmatch(au_re, col) or re.fullmatch(r"AU(\d\d)_c", col)
        if m and int(m.group(1)) in AU_CHANNELS:
            name = AU_CHANNELS[int(m.group(1))]
            columns.append((col, name + ("_present" if col.endswith("_c") else ""), 1.0))
    columns += [(c, n, 1.0) for c, n in extra.items()]
    for col, name, factor in columns:
        values = _numeric(table, col, path).to_numpy(dtype=float) * factor
        out[name] = np.where(valid, values, np.nan)
        used.add(col)
    if len(out) == 2:
        raise ValueError(f"{path}: no action-unit, head-pose or gaze columns found.")
    dropped = [c for c in table.columns if c not in used]
    frame = pd.DataFrame(out)
    numbers = _numeric(table, "frame", path).to_numpy(dtype=float)
    counts = {"n_frames": int(len(table)), "n_failed": int(failed.sum()),
              "n_low_confidence": int(low.sum()), "dropped": _summarise(dropped)}
    return frame, numbers, counts


def _summarise(columns: list[str]) -> str:
    """Column names grouped by their prefix: ``x_* (68), AU01_c``."""
    groups: dict[str, int] = {}
    for c in columns:
        key = re.sub(r"_?\d+$", "_*", c) if re.search(r"\d+$", c) else c
        groups[key] = groups.get(key, 0) + 1
    return ", ".join(k if n == 1 else f"{k} ({n})" for k, n in groups.items()) or "none"


def _common_grid(frames, frame_numbers, files, resample_hz, fps):
    """Both partners' frames on one evenly spaced time grid, with the grid's rate."""
    if resample_hz is not None:
        rate = check_positive(resample_hz, "resample_hz")
        start = min(f["time_s"].iloc[0] for f in frames)
        stop = max(f["time_s"].iloc[-1] for f in frames)
        grid = start + np.arange(int(np.floor((stop - start) * rate + 1e-9)) + 1) / rate
        parts = []
        for f in frames:
            t = f["time_s"].to_numpy()
            values = f.drop(columns="time_s")
            gap = 2 * float(np.median(np.diff(t)))  # a dropped frame is missing, not bridged
            parts.append(pd.DataFrame(onto_grid(t, values.to_numpy(), grid, gap),
                                      columns=values.columns))
        return pd.concat(parts, axis=1).set_axis(grid, axis=0), rate
    periods = []
    for f, frame, path in zip(frames, frame_numbers, files * (3 - len(files))):
        t = f["time_s"].to_numpy()
        if len(t) < 2 or np.any(np.diff(t) <= 0):
            raise ValueError(f"{path}: timestamps must increase over at least two frames.")
        if np.any(np.diff(frame) <= 0):
            raise ValueError(f"{path}: column 'frame' must increase.")
        every = float(np.min(np.diff(frame)))  # every n-th frame analysed (py-feat skip_frames)
        k = (frame - frame[0]) / every
        if fps is not None:
            period = every / check_positive(fps, "fps")
        else:  # timestamps are rounded to 1 ms: fit them against the frame numbers
            period = float(np.polyfit(k, t, 1)[0])
        if np.max(np.abs(t - t[0] - k * period)) > VFR_TOLERANCE * period:
            if fps is not None:
                raise ValueError(f"{path}: the timestamps do not follow the frame numbers at "
                                 f"fps = {fps:g} ('sampling_rate'); give the video's frame "
                                 "rate, or none for OpenFace files (they carry their times).")
            raise ValueError(f"{path}: frames are not evenly spaced (variable frame rate); "
                             "give 'resample_hz' (e.g. 30) to interpolate onto a grid.")
        periods.append(period)
    if abs(periods[0] - periods[1]) > 1e-3 * periods[0]:
        raise ValueError(f"the partners' files run at {1 / periods[0]:g} and {1 / periods[1]:g} "
                         "frames/s; give 'resample_hz' to put both on one grid.")
    period = periods[0]
    start = min(f["time_s"].iloc[0] for f in frames)
    parts = []
    for f in frames:
        k = np.round((f["time_s"].to_numpy() - start) / period).astype(int)
        parts.append(f.drop(columns="time_s").set_axis(k, axis=0))
    joined = pd.concat(parts, axis=1)  # frames absent from one file become NaN rows there
    n = int(joined.index.max()) + 1
    joined = joined.reindex(np.arange(n))
    return joined.set_axis(start + np.arange(n) * period, axis=0), 1.0 / period


def read_face_exports(files: Sequence[str | Path], **options) -> list[Session]:
    """Sessions from several face exports: a file with two faces alone, others in pairs.

    Files are taken in the order given (a folder's sorted order): an OpenFace file holding
    two ``face_id``s is one session; the other files pair up consecutively (partner 1,
    partner 2), as ``attune brain`` pairs its recordings. ``options`` go to
    :func:`read_face_export`.
    """
    sessions, single = [], []
    for f in map(Path, files):
        if _n_faces(f) > 1:
            sessions.append(read_face_export(f, **options))
        else:
            single.append(f)
    if len(single) % 2:
        raise ValueError(f"{single[-1]}: face exports of one face pair up, one file per "
                         f"partner; this one has no partner file ({len(single)} single-face "
                         "file(s) given).")
    for a, b in zip(single[::2], single[1::2]):
        sessions.append(read_face_export([a, b], id=f"{a.stem}__{b.stem}", **options))
    return sessions


def _n_faces(path: Path) -> int:
    if sniff_face_export(path) != "openface":
        return 1
    try:
        ids = pd.read_csv(path, skipinitialspace=True, usecols=lambda c: c.strip() == "face_id")
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError):
        return 1  # read_face_export names the problem
    return int(ids.iloc[:, 0].nunique()) if ids.shape[1] else 1
