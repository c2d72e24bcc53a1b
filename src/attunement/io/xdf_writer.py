"""Write XDF files (Extensible Data Format, what LabRecorder writes), which pyxdf reads.

Written from the XDF 1.0 specification (github.com/sccn/xdf/wiki/Specifications): the magic
``XDF:``, then chunks ``[NumLengthBytes][Length][Tag uint16][content]``, little-endian:

- FileHeader (tag 1): XML ``<info><version>1.0</version></info>``;
- StreamHeader (tag 2): StreamID uint32, then the stream's XML ``<info>`` (name, type,
  channel_count, nominal_srate, channel_format, created_at, desc/channels/channel/label);
- Samples (tag 3): StreamID, a variable-length sample count, then per sample a time-stamp
  byte count (8) and a float64 time stamp, then the values (``float32``, ``double64`` or
  ``int32``; strings as a variable-length byte count and UTF-8 bytes);
- ClockOffset (tag 4): StreamID, CollectionTime float64, OffsetValue float64;
- StreamFooter (tag 6): StreamID, XML first/last time stamp and sample count.

Variable-length numbers are one byte giving their width (1, 4 or 8) and then the number.
pyxdf (the reference reader) reads these files back (tests/test_io_xdf_writer.py).
"""

from __future__ import annotations

import struct
from collections.abc import Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

#: Numeric channel formats written, with their little-endian NumPy types.
FORMATS = {"float32": "<f4", "double64": "<f8", "int32": "<i4"}
#: Samples per Samples chunk (LabRecorder writes many small chunks too).
CHUNK_SAMPLES = 4096


def _varlen(n: int) -> bytes:
    if n < 256:
        return struct.pack("<BB", 1, n)
    if n < 2**32:
        return struct.pack("<BI", 4, n)
    return struct.pack("<BQ", 8, n)


def _chunk(tag: int, content: bytes) -> bytes:
    return _varlen(len(content) + 2) + struct.pack("<H", tag) + content


def write_xdf(path: str | Path, streams: Sequence[Mapping]) -> Path:
    """Write streams with their time stamps as an XDF 1.0 file.

    Parameters
    ----------
    path : str or Path
        The ``.xdf`` file to write (overwritten).
    streams : sequence of mapping
        One per stream: ``name``, ``type``, ``sampling_rate`` (nominal, Hz; 0 for an
        irregular stream such as markers), ``stamps`` (n,) in seconds, ``values`` (n, c)
        numbers or a list of n strings; optional ``labels`` (c channel names),
        ``channel_format`` (``"double64"`` by default for numbers; ``"float32"``,
        ``"int32"``), ``clock_offsets`` [(collection_time, offset_value), ...] (default:
        offset 0 at the first and last stamp, a stream already on the recording clock) and
        ``desc`` (a mapping of extra text fields for the stream's ``<desc>``).

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile, pathlib, pyxdf
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "two.xdf"
    >>> _ = write_xdf(path, [dict(name="a", type="Motion", sampling_rate=10,
    ...                           stamps=np.arange(3) / 10, values=np.ones((3, 1)),
    ...                           labels=["motion"]),
    ...                      dict(name="events", type="Markers", sampling_rate=0,
    ...                           stamps=np.array([0.1]), values=["rupture"])])
    >>> data, _ = pyxdf.load_xdf(str(path), dejitter_timestamps=False)
    >>> sorted((s["info"]["name"][0], len(s["time_stamps"])) for s in data)
    [('a', 3), ('events', 1)]
    """
    path = Path(path)
    checked = [_check(s, i) for i, s in enumerate(streams)]
    out = bytearray(b"XDF:")
    out += _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
    for sid, s in enumerate(checked, start=1):
        out += _chunk(2, struct.pack("<I", sid) + _header(s).encode())
    for sid, s in enumerate(checked, start=1):
        for start in range(0, len(s["stamps"]), CHUNK_SAMPLES):
            out += _chunk(3, _samples(sid, s, slice(start, start + CHUNK_SAMPLES)))
        default = [(float(s["stamps"][0]), 0.0), (float(s["stamps"][-1]), 0.0)] \
            if len(s["stamps"]) else []
        for when, value in s.get("clock_offsets", default):
            out += _chunk(4, struct.pack("<Idd", sid, float(when), float(value)))
    for sid, s in enumerate(checked, start=1):
        stamps = s["stamps"]
        first, last = (stamps[0], stamps[-1]) if len(stamps) else (0.0, 0.0)
        xml = (f'<?xml version="1.0"?><info><first_timestamp>{first!r}</first_timestamp>'
               f"<last_timestamp>{last!r}</last_timestamp><sample_count>{len(stamps)}"
               "</sample_count></info>")
        out += _chunk(6, struct.pack("<I", sid) + xml.encode())
    path.write_bytes(bytes(out))
    return path


def _check(stream: Mapping, i: int) -> dict:
    s = dict(stream)
    where = f"write_xdf: streams[{i}]"
    for key in ("name", "type", "sampling_rate", "stamps", "values"):
        if key not in s:
            raise ValueError(f"{where}: expected a {key!r} entry, got keys {sorted(s)}.")
    s["stamps"] = np.asarray(s["stamps"], dtype=float).ravel()
    n = len(s["stamps"])
    if isinstance(s["values"], list | tuple) and all(isinstance(v, str) for v in s["values"]):
        s["channel_format"], s["n_channels"] = "string", 1
        s["values"] = list(s["values"])
    else:
        fmt = s.get("channel_format", "double64")
        if fmt not in FORMATS:
            raise ValueError(f"{where}.channel_format: expected one of {list(FORMATS)} or "
                             f"string values, got {fmt!r}.")
        values = np.asarray(s["values"], dtype=float)
        values = values.reshape(n, -1) if values.ndim == 1 else values
        s["channel_format"], s["values"], s["n_channels"] = fmt, values, values.shape[1]
    if len(s["values"]) != n:
        raise ValueError(f"{where}: {n} time stamps but {len(s['values'])} samples.")
    labels = s.get("labels")
    if labels is not None and len(labels) != s["n_channels"]:
        raise ValueError(f"{where}.labels: expected {s['n_channels']} channel names, got "
                         f"{len(labels)}.")
    if float(s["sampling_rate"]) < 0:
        raise ValueError(f"{where}.sampling_rate: expected >= 0 (0: irregular), got "
                         f"{s['sampling_rate']!r}.")
    return s


def _header(s: dict) -> str:
    labels = "".join(f"<channel><label>{escape(str(x))}</label></channel>"
                     for x in s.get("labels") or [])
    extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in (s.get("desc") or {}).items()
                    if str(k).isidentifier())
    return (f'<?xml version="1.0"?><info><name>{escape(str(s["name"]))}</name>'
            f'<type>{escape(str(s["type"]))}</type>'
            f'<channel_count>{s["n_channels"]}</channel_count>'
            f'<nominal_srate>{float(s["sampling_rate"])!r}</nominal_srate>'
            f'<channel_format>{s["channel_format"]}</channel_format><created_at>0</created_at>'
            f"<desc><channels>{labels}</channels>{extra}</desc></info>")


def _samples(sid: int, s: dict, part: slice) -> bytes:
    stamps = s["stamps"][part]
    head = struct.pack("<I", sid) + _varlen(len(stamps))
    if s["channel_format"] == "string":
        body = bytearray()
        for t, text in zip(stamps, s["values"][part], strict=True):
            raw = text.encode()
            body += struct.pack("<Bd", 8, float(t)) + _varlen(len(raw)) + raw
        return head + bytes(body)
    values = s["values"][part]
    rows = np.zeros(len(stamps), dtype=np.dtype([
        ("n", "u1"), ("t", "<f8"), ("v", FORMATS[s["channel_format"]], (s["n_channels"],))]))
    rows["n"], rows["t"], rows["v"] = 8, stamps, values
    return head + rows.tobytes()
