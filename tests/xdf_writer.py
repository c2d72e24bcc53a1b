"""A minimal XDF writer for tests (pyxdf reads XDF but writes none).

Follows the XDF 1.0 specification (github.com/sccn/xdf/wiki/Specifications): the magic
``XDF:``, then chunks of [NumLengthBytes][Length][Tag uint16][content], little-endian: FileHeader
(tag 1, XML), StreamHeader (2: StreamID uint32 + XML <info>), Samples (3: StreamID, a
variable-length sample count, then per sample a time-stamp byte count 8 and a float64 time stamp
and the values: float32, or for strings a variable-length byte count and UTF-8 bytes),
ClockOffset (4: StreamID, CollectionTime float64, OffsetValue float64) and StreamFooter (6).
"""

from __future__ import annotations

import struct
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np


def _varlen(n: int) -> bytes:
    if n < 256:
        return struct.pack("<BB", 1, n)
    if n < 2**32:
        return struct.pack("<BI", 4, n)
    return struct.pack("<BQ", 8, n)


def _chunk(tag: int, content: bytes) -> bytes:
    return _varlen(len(content) + 2) + struct.pack("<H", tag) + content


def write_xdf(path: Path, streams: list[dict]) -> Path:
    """streams: dicts with name, type, srate, stamps (n,), values (n, c) or list of str,
    optional labels and clock_offsets [(collection_time, offset_value), ...]."""
    out = bytearray(b"XDF:")
    out += _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
    for sid, s in enumerate(streams, start=1):
        strings = isinstance(s["values"], list)
        n_ch = 1 if strings else np.asarray(s["values"]).shape[1]
        labels = "".join(f"<channel><label>{escape(x)}</label></channel>"
                         for x in s.get("labels", []))
        xml = (f'<?xml version="1.0"?><info><name>{escape(s["name"])}</name>'
               f'<type>{escape(s["type"])}</type><channel_count>{n_ch}</channel_count>'
               f'<nominal_srate>{s["srate"]}</nominal_srate><channel_format>'
               f'{"string" if strings else "float32"}</channel_format><created_at>0</created_at>'
               f"<desc><channels>{labels}</channels></desc></info>")
        out += _chunk(2, struct.pack("<I", sid) + xml.encode())
    for sid, s in enumerate(streams, start=1):
        body = bytearray(struct.pack("<I", sid)) + _varlen(len(s["stamps"]))
        for k, t in enumerate(s["stamps"]):
            body += struct.pack("<Bd", 8, float(t))
            if isinstance(s["values"], list):
                text = s["values"][k].encode()
                body += _varlen(len(text)) + text
            else:
                body += np.asarray(s["values"][k], dtype="<f4").tobytes()
        out += _chunk(3, bytes(body))
        # LSL records clock offsets for every stream; 0 s where the test sets none
        default = [(float(s["stamps"][0]), 0.0), (float(s["stamps"][-1]), 0.0)]
        for when, value in s.get("clock_offsets", default):
            out += _chunk(4, struct.pack("<Idd", sid, when, value))
    for sid, s in enumerate(streams, start=1):
        xml = (f'<?xml version="1.0"?><info><first_timestamp>{s["stamps"][0]}</first_timestamp>'
               f'<last_timestamp>{s["stamps"][-1]}</last_timestamp><sample_count>'
               f'{len(s["stamps"])}</sample_count></info>')
        out += _chunk(6, struct.pack("<I", sid) + xml.encode())
    path.write_bytes(bytes(out))
    return path
