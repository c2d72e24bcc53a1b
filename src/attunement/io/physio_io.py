"""Physiology exports with per-sample timestamps, read as Sessions on one clock.

Two partners' devices each write their own file; the timestamps (e.g. Unix seconds from
the phone that received both streams) are the shared clock. Both streams are interpolated
linearly onto one grid over the time both were recording
(:func:`attunement.align_streams`), so a device whose clock runs slightly fast or slow
against the shared one (Movesense "200 Hz" runs at about 199 Hz by the phone's clock)
leaves no holes; where a device lost samples (a step over two sample periods) the
result is NaN and counted, never bridged.

Movesense (https://www.movesense.com) exports, as in the tutorial data of
lenaadel/tutorial_dyadic_movesense: one folder per sensor holding ``ECG-<stamp>.csv``
(a title line, then ``Timestamp,Sample``) and ``HR-<stamp>.csv`` (a title line, then
``Average,RRData``: the device's heart rate in bpm and RR interval in ms per beat, no
timestamps), and beside them ``Annotations-<stamp>.csv`` (``Timestamp,Type,Content``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_positive
from ..clock import align_streams
from ..session import Session
from ._files import check_file


def read_stamped_csv(path: str | Path, time_col: str, value_col: str):
    """Times and values from a CSV whose header row may follow title lines.

    Returns ``(times, values)`` as float arrays, sorted by time.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "ECG.csv"
    >>> _ = f.write_text("  ECG  title\\nTimestamp,Sample\\n10.0,1\\n10.005,-3\\n")
    >>> read_stamped_csv(f, "Timestamp", "Sample")
    (array([10.   , 10.005]), array([ 1., -3.]))
    """
    path = check_file(path)
    header = _header_row(path, [time_col, value_col])
    table = pd.read_csv(path, skiprows=header)
    times = pd.to_numeric(table[time_col], errors="coerce").to_numpy(dtype=float)
    values = pd.to_numeric(table[value_col], errors="coerce").to_numpy(dtype=float)
    if np.isnan(times).any():
        row = int(np.flatnonzero(np.isnan(times))[0])
        raise ValueError(f"{path}: column {time_col!r} must hold numbers (seconds); row {row} "
                         f"has {table[time_col].iloc[row]!r}.")
    if len(times) < 2:
        raise ValueError(f"{path}: expected at least 2 samples, got {len(times)}.")
    order = np.argsort(times, kind="stable")
    return times[order], values[order]


def read_physio_pair(
    paths: Sequence[str | Path],
    time_col: str,
    value_col: str,
    channel: str,
    sampling_rate: float | None = None,
    partners: Sequence[str] = ("partner_1", "partner_2"),
    clock_offsets_s: Sequence[float] = (0.0, 0.0),
    id: str = "session",
) -> Session:
    """Two partners' timestamped files (one channel each) as one Session.

    Parameters
    ----------
    paths : pair of paths
        Partner 1's and partner 2's files.
    time_col, value_col : str
        Timestamp column (seconds, e.g. Unix time) and signal column.
    channel : str
        Channel name in the Session (e.g. ``'ecg'``).
    sampling_rate : float, optional
        Hz. When omitted it is read from the median timestamp step (both files must
        agree within 1 %); when given, the files must match it.
    partners : pair of str
    clock_offsets_s : pair of float
        Seconds added to each file's timestamps before aligning (a known offset between
        two devices' clocks); zero when both share one clock.
    id : str

    Returns
    -------
    Session
        Time 0 is the first moment both recorded; ``meta['clock']`` holds each partner's
        first and last timestamp, effective rate by the shared clock, the seconds trimmed
        to the overlap and the samples missing.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a.csv").write_text("t,v\\n" + "".join(f"{i/4},{i}\\n" for i in range(8)))
    >>> _ = (d / "b.csv").write_text("t,v\\n" + "".join(f"{i/4 + 0.5},{i}\\n" for i in range(8)))
    >>> s = read_physio_pair([d / "a.csv", d / "b.csv"], "t", "v", channel="ecg")
    >>> s.sampling_rate, s.signal("partner_2", "ecg").tolist()
    (4.0, [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    """
    if len(paths) != 2 or len(partners) != 2 or len(clock_offsets_s) != 2:
        raise ValueError("read_physio_pair: expected two paths, two partners and two "
                         f"clock offsets, got {len(paths)}, {len(partners)} and "
                         f"{len(clock_offsets_s)}.")
    streams = []
    for path, offset in zip(paths, clock_offsets_s, strict=True):
        t, x = read_stamped_csv(path, time_col, value_col)
        streams.append((Path(path), t + float(offset), x))
    sr = _common_rate(streams, sampling_rate)
    start = max(t[0] for _, t, _ in streams)
    stop = min(t[-1] for _, t, _ in streams)
    if stop <= start:
        spans = "; ".join(f"{p} covers {t[0]:.3f}-{t[-1]:.3f} s" for p, t, _ in streams)
        raise ValueError(f"the two recordings do not overlap in time: {spans}.")
    (_, t1, x1), (_, t2, x2) = streams
    session = align_streams(t1 - start, x1, t2 - start, x2, sr, partners=tuple(partners),
                            channel=channel, max_gap_s=2.0 / sr, id=id)
    clock = {}
    for partner, (path, t, _), offset in zip(partners, streams, clock_offsets_s, strict=True):
        steps = np.diff(t)
        run = steps[steps <= 2.0 / sr]
        clock[str(partner)] = {
            "file": path.name, "first_s": float(t[0]), "last_s": float(t[-1]),
            "offset_s": float(offset), "effective_rate_hz": float(1.0 / np.mean(run)),
            "trimmed_start_s": float(start - t[0]), "trimmed_end_s": float(t[-1] - stop),
            "samples_missing": int(np.isnan(session.signal(str(partner), channel)).sum()),
        }
    return session.replace(meta={"clock": clock, "start_clock_s": float(start)})


def read_movesense(
    folder: str | Path,
    partners: Sequence[str] | None = None,
    sensors: Sequence[str] | None = None,
    id: str | None = None,
) -> Session:
    """A Movesense dyad folder (two sensor folders with ``ECG-*.csv``) as one ECG Session.

    Parameters
    ----------
    folder : path
        Holds one sub-folder per sensor and optionally ``Annotations-<stamp>.csv``.
    partners : pair of str, optional
        Role names in the order of ``sensors``; default the sensor ids.
    sensors : pair of str, optional
        Which two sensor folders (needed when there are more than two).
    id : str, optional
        Session id; default the folder name.

    Returns
    -------
    Session
        Channel ``'ecg'`` at the files' rate; phases from the annotations (e.g.
        ``recording_paused``), on the Session's clock; ``meta['sensors']`` and
        ``meta['clock']``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for k, sensor in enumerate(["111", "222"]):
    ...     (root / sensor).mkdir()
    ...     rows = "".join(f"{100 + k * 0.01 + i / 200},{i % 7}\\n" for i in range(400))
    ...     _ = (root / sensor / "ECG-X.csv").write_text("ECG title\\nTimestamp,Sample\\n" + rows)
    >>> read_movesense(root, partners=["experimenter", "subject"]).partners
    ('experimenter', 'subject')
    """
    folder, chosen = _sensor_folders(folder, sensors)
    partners = list(partners) if partners is not None else chosen
    ecg_files = [_one_file(folder / s, "ECG-*.csv") for s in chosen]
    session = read_physio_pair(ecg_files, "Timestamp", "Sample", channel="ecg",
                               partners=partners, id=id or folder.name)
    stamp = _stamp(ecg_files[0])
    notes = sorted(folder.glob(f"Annotations-{stamp}.csv")) or sorted(
        folder.glob("Annotations-*.csv"))
    phases = (read_movesense_annotations(notes[0], session.meta["start_clock_s"])
              if notes else None)
    meta = {**session.meta, "source": "movesense",
            "sensors": dict(zip(partners, chosen, strict=True)), "stamp": stamp}
    return session.replace(phases=phases, meta=meta)


def read_movesense_intervals(
    folder: str | Path,
    partners: Sequence[str] | None = None,
    sensors: Sequence[str] | None = None,
) -> dict[str, pd.DataFrame]:
    """The devices' own beat-to-beat export (``HR-*.csv``) per partner.

    Returns ``{partner: DataFrame}`` with ``hr_bpm`` (the device's running average) and
    ``ibi_ms`` (its RR interval), one row per beat; the file has no timestamps.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for sensor in ["111", "222"]:
    ...     (root / sensor).mkdir()
    ...     _ = (root / sensor / "ECG-X.csv").write_text("Timestamp,Sample\\n0,1\\n0.005,2\\n")
    ...     _ = (root / sensor / "HR-X.csv").write_text("HR title\\nAverage,RRData\\n75,800\\n")
    >>> read_movesense_intervals(root, partners=["a", "b"])["b"]
       hr_bpm  ibi_ms
    0      75     800
    """
    folder, chosen = _sensor_folders(folder, sensors)
    partners = list(partners) if partners is not None else chosen
    out = {}
    for partner, sensor in zip(partners, chosen, strict=True):
        path = _one_file(folder / sensor, "HR-*.csv")
        table = pd.read_csv(path, skiprows=_header_row(path, ["Average", "RRData"]))
        out[partner] = pd.DataFrame({
            "hr_bpm": pd.to_numeric(table["Average"], errors="coerce"),
            "ibi_ms": pd.to_numeric(table["RRData"], errors="coerce"),
        })
    return out


def read_movesense_annotations(path: str | Path, zero_s: float) -> pd.DataFrame:
    """Annotation events as a phases table on a clock whose 0 is ``zero_s``.

    ``<Name>Start``/``<Name>Stop`` pairs become phase ``name`` (snake case),
    ``RecordingPause``/``RecordingResume`` become ``recording_paused``; unpaired events
    are phases of duration 0.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "Annotations-X.csv"
    >>> _ = f.write_text("Timestamp,Type,Content\\n10,RecordingStart,\\n12,RecordingPause,\\n"
    ...                  "15,RecordingResume,\\n30,RecordingStop,\\n")
    >>> read_movesense_annotations(f, zero_s=10)
       onset_s  duration_s             label
    0      0.0        20.0         recording
    1      2.0         3.0  recording_paused
    """
    path = check_file(path)
    table = pd.read_csv(path, skiprows=_header_row(path, ["Timestamp", "Type"]))
    rows, open_ = [], {}
    for t, kind in zip(table["Timestamp"].astype(float), table["Type"].astype(str),
                       strict=True):
        name, edge = _event_parts(kind)
        if edge == "start":
            open_[name] = t
        elif edge == "stop" and name in open_:
            begin = open_.pop(name)
            rows.append((begin - zero_s, t - begin, name))
        else:
            rows.append((t - zero_s, 0.0, _snake(kind)))
    rows += [(t - zero_s, 0.0, f"{name}_start") for name, t in open_.items()]
    return pd.DataFrame(rows, columns=["onset_s", "duration_s", "label"]).sort_values(
        "onset_s", kind="stable").reset_index(drop=True)


_EDGES = {"Start": "start", "Stop": "stop", "Pause": "start", "Resume": "stop"}


def _event_parts(kind: str) -> tuple[str, str | None]:
    for suffix, edge in _EDGES.items():
        if kind.endswith(suffix) and len(kind) > len(suffix):
            name = _snake(kind[: -len(suffix)])
            return (f"{name}_paused" if suffix in ("Pause", "Resume") else name), edge
    return _snake(kind), None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _header_row(path: Path, names: Sequence[str], max_lines: int = 20) -> int:
    """Number of lines before the header row that names all of ``names``."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for k, line in enumerate(fh):
            cells = [c.strip() for c in line.split(",")]
            if all(n in cells for n in names):
                return k
            if k >= max_lines:
                break
    raise ValueError(f"{path}: no header row with columns {list(names)} in its first "
                     f"{max_lines} lines.")


def _common_rate(streams, sampling_rate) -> float:
    rates = [1.0 / float(np.median(np.diff(t))) for _, t, _ in streams]
    if sampling_rate is not None:
        sr = check_positive(sampling_rate, "sampling_rate")
        for (path, _, _), rate in zip(streams, rates, strict=True):
            if abs(rate - sr) > 0.01 * sr:
                raise ValueError(f"{path}: timestamps step at {rate:.4g} Hz, but "
                                 f"sampling_rate is {sr:g} Hz.")
        return sr
    if abs(rates[0] - rates[1]) > 0.01 * max(rates):
        raise ValueError(f"{streams[0][0]} and {streams[1][0]} step at different rates "
                         f"({rates[0]:.4g} and {rates[1]:.4g} Hz); give 'sampling_rate' or "
                         "resample first.")
    rate = float(np.mean(rates))
    # a nominal integer rate seen through a slightly fast or slow clock
    return float(round(rate)) if abs(rate - round(rate)) < 5e-4 * rate else round(rate, 6)


def _sensor_folders(folder, sensors):
    folder = Path(folder)
    if not folder.is_dir():
        raise ValueError(f"{folder}: expected a Movesense folder with one folder per sensor.")
    found = sorted(p.name for p in folder.iterdir() if p.is_dir() and any(p.glob("ECG-*.csv")))
    if sensors is not None:
        missing = [s for s in sensors if s not in found]
        if len(sensors) != 2 or missing:
            raise ValueError(f"{folder}: 'sensors' must name two of the sensor folders "
                             f"{found}, got {list(sensors)}.")
        return folder, list(sensors)
    if len(found) != 2:
        raise ValueError(f"{folder}: expected two sensor folders holding ECG-*.csv, found "
                         f"{found}; choose two with 'sensors'.")
    return folder, found


def _one_file(folder: Path, pattern: str) -> Path:
    files = sorted(folder.glob(pattern))
    if len(files) != 1:
        raise ValueError(f"{folder}: expected one file matching {pattern!r}, found "
                         f"{[f.name for f in files]}.")
    return files[0]


def _stamp(path: Path) -> str:
    return path.stem.split("-", 1)[1] if "-" in path.stem else ""
