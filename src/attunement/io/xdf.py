"""XDF recordings (Lab Streaming Layer) read as one aligned Session, with pyxdf.

An XDF file holds one stream per device: a partner's EEG headband, heart-rate belt or
webcam features, each with its own time stamps. pyxdf puts every stream on the recording
computer's clock from the clock offsets LSL measured (``synchronize_clocks``) and removes
time-stamp jitter (``dejitter_timestamps``). Here the chosen streams are assigned to the two
partners (by stream name, or a mapping), their channels named from the stream's channel
labels (else ``<type>_<k>``), and all are interpolated onto one grid over the time every
stream was recording; a gap in a stream longer than two of its sample intervals is missing,
not bridged.

Some recorders stamp samples at a rate far from the declared one (the Hybrid Harmony
files stamp 256 Hz Muse EEG at about 923 samples/s). ``timing='stamps'`` trusts the time
stamps; ``timing='nominal'`` places sample k at ``first_stamp + k / nominal_srate``. Either
way the effective and nominal rates are logged and kept in ``meta['xdf']``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._check import check_option, check_positive
from .._log import logger
from ..session import Session
from ._files import check_file
from ._grid import onto_grid

#: Declared and time-stamped rates differing by more than this fraction are reported.
RATE_MISMATCH = 0.05


def read_xdf(
    path: str | Path,
    *,
    streams: Mapping[str, str] | None = None,
    partners: Sequence[str] | None = None,
    stream_type: str | None = None,
    sampling_rate: float | None = None,
    timing: str = "stamps",
    id: str | None = None,
) -> Session:
    """Read two partners' streams from an XDF file into one Session on a common clock.

    Parameters
    ----------
    path : str or Path
        The ``.xdf`` file.
    streams : mapping, optional
        ``{stream_name: partner}``; several streams may belong to one partner (their
        channels are merged). Default: the streams that name their partner in
        ``desc/partner`` (``attune live`` recordings), else the two numeric streams of
        ``stream_type``, partners named by ``partners`` in the file's order, else by the
        stream names.
    partners : pair of str, optional
        Role names, partner 1 first.
    stream_type : str, optional
        LSL stream type to choose when ``streams`` is not given (``'EEG'``, ...); needed
        when the file has streams of several types.
    sampling_rate : float, optional
        Rate of the common grid (Hz); default the highest nominal rate of the chosen streams.
    timing : {'stamps', 'nominal'}
        Trust the (synchronised, dejittered) time stamps, or the declared rate.
    id : str, optional
        Session id; default the file name without extension.

    Examples
    --------
    >>> read_xdf("missing.xdf")
    Traceback (most recent call last):
    ...
    FileNotFoundError: missing.xdf: no such file.
    """
    path = check_file(path)
    check_option(timing, "timing", ["stamps", "nominal"])
    numeric, skipped = _load_numeric(path)
    chosen = _choose(numeric, path, streams, partners, stream_type)
    series, report = [], {}
    for stream, partner in chosen:
        info = stream["info"]
        name = info["name"][0]
        nominal = float(info["nominal_srate"][0])
        stamps = np.asarray(stream["time_stamps"], dtype=float)
        values = np.asarray(stream["time_series"], dtype=float).reshape(len(stamps), -1)
        effective = float(info.get("effective_srate") or 0.0)
        if timing == "nominal":
            stamps = stamps[0] + np.arange(len(stamps)) / nominal
        series.append((partner, _channel_names(info, values.shape[1]), stamps, values, nominal))
        report[name] = {"partner": partner, "n_samples": len(stamps), "nominal_srate": nominal,
                        "effective_srate": effective}
        if nominal > 0 and abs(effective - nominal) > RATE_MISMATCH * nominal:
            logger.warning("%s: stream %r declares %g Hz but its time stamps run at %.4g "
                           "samples/s; timing=%r used", path.name, name, nominal, effective,
                           timing)
    rate = check_positive(sampling_rate or max(s[4] for s in series), "sampling_rate")
    start = max(s[2][0] for s in series)
    stop = min(s[2][-1] for s in series)
    if stop <= start:
        raise ValueError(f"{path}: the chosen streams do not overlap in time.")
    grid = start + np.arange(int(np.floor((stop - start) * rate + 1e-9)) + 1) / rate
    columns: dict[tuple[str, str], np.ndarray] = {}
    for partner, names, stamps, values, _ in series:
        gap = 2 * float(np.median(np.diff(stamps)))
        on_grid = onto_grid(stamps, values, grid, gap)
        for k, channel in enumerate(names):
            if (partner, channel) in columns:
                raise ValueError(f"{path}: partner {partner!r} gets channel {channel!r} from two "
                                 "streams; map the streams to different partners.")
            columns[(partner, channel)] = on_grid[:, k]
    signals = pd.DataFrame(columns, index=grid)
    dropped = sorted([n for n in numeric if n not in report] + skipped)
    logger.info("%s: took stream(s) %s onto a %g Hz grid (%.1f s shared); dropped %s",
                path.name, sorted(report), rate, stop - start, dropped or "none")
    order = [p for p in dict.fromkeys(p for _, p in chosen)]
    return Session(signals, rate, partners=order, id=id or path.stem,
                   meta={"source": str(path), "xdf": report, "timing": timing,
                         "dropped_streams": dropped})


def _load_numeric(path: Path) -> tuple[dict[str, dict], list[str]]:
    import pyxdf

    try:
        loaded, _ = pyxdf.load_xdf(str(path), synchronize_clocks=True,
                                   dejitter_timestamps=True, handle_clock_resets=True)
    except Exception as err:  # pyxdf raises many types for a broken file
        raise ValueError(f"{path}: not a readable XDF file ({type(err).__name__}: {err}).") \
            from None
    numeric, skipped = {}, []
    for stream in loaded:
        info = stream["info"]
        name = info["name"][0]
        fmt = info["channel_format"][0]
        if fmt == "string" or len(stream["time_stamps"]) < 2:
            logger.info("%s: stream %r (%s, %d samples) is not a numeric signal; dropped",
                        path.name, name, fmt, len(stream["time_stamps"]))
            skipped.append(name)
            continue
        if name in numeric:
            raise ValueError(f"{path}: two streams are named {name!r}; they cannot be told apart.")
        numeric[name] = stream
    if not numeric:
        raise ValueError(f"{path}: no numeric stream with at least two samples (streams read: "
                         f"{skipped or 'none'}).")
    return numeric, skipped


def _choose(numeric, path, streams, partners, stream_type) -> list[tuple[dict, str]]:
    declared = {n: p for n, s in numeric.items() if (p := _declared_partner(s))}
    if streams is None and declared:  # streams recorded by attune live name their partner
        streams = declared
    if streams is not None:
        missing = [s for s in streams if s not in numeric]
        if missing:
            raise ValueError(f"streams: no numeric stream named {missing} in {path}; streams "
                             f"are {sorted(numeric)}.")
        if len(set(streams.values())) != 2:
            raise ValueError(f"streams: expected streams of exactly two partners, got "
                             f"{sorted(set(streams.values()))}.")
        return [(numeric[s], str(p)) for s, p in streams.items()]
    types = sorted({s["info"]["type"][0] for s in numeric.values()})
    if stream_type is None and len(types) > 1:
        raise ValueError(f"{path}: streams of several types {types}; choose one with "
                         "'stream_type', or map streams to partners with 'streams'.")
    wanted = stream_type or types[0]
    found = [n for n, s in numeric.items() if s["info"]["type"][0] == wanted]
    if len(found) != 2:
        raise ValueError(f"{path}: found {len(found)} stream(s) of type {wanted!r} {found}; "
                         "expected two, or map streams to partners with 'streams'.")
    names = list(partners) if partners is not None else [_label(n) for n in found]
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(f"partners: expected two different role names, got {names}.")
    return [(numeric[n], p) for n, p in zip(found, names)]


def _declared_partner(stream: dict) -> str | None:
    """The partner a stream names in ``desc/partner`` (``attune live`` writes it), or None."""
    try:
        value = stream["info"]["desc"][0]["partner"][0]
    except (KeyError, IndexError, TypeError):
        return None
    return str(value) if value else None


def _label(stream_name: str) -> str:
    """A partner name from a stream name: ``'Blue-Muse-2265: EEG'`` -> ``'Blue-Muse-2265'``."""
    return stream_name.split(":")[0].strip() or stream_name


def _channel_names(info: dict, n: int) -> list[str]:
    try:
        labels = [c["label"][0] for c in info["desc"][0]["channels"][0]["channel"]]
    except (KeyError, IndexError, TypeError):
        labels = []
    if len(labels) == n and all(labels) and len(set(labels)) == n:
        return [str(x) for x in labels]
    kind = re.sub(r"\W+", "_", info["type"][0].lower()).strip("_") or "channel"
    return [f"{kind}_{k + 1}" for k in range(n)]
