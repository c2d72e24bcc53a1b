"""What a file holds, decided from its bytes rather than its name.

Each sniffer looks at the first bytes of a file and says whether its reader can read
it. :data:`attunement.io.dispatch.SNIFFERS` lists them in order; a reader for a new
format adds one entry there.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

#: Bytes looked at to decide a file's kind.
HEAD_BYTES = 64 * 1024
#: Delimiters tried for a delimited table, in order of preference.
DELIMITERS = ",\t;|"
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^(NA|NaN|nan|-?[Ii]nf)$")


def head_bytes(path: Path, size: int = HEAD_BYTES) -> bytes:
    with path.open("rb") as fh:
        return fh.read(size)


def decode(data: bytes, path: Path, partial: bool = False) -> str:
    """``data`` as UTF-8 text (a BOM dropped), or an error naming the file, the byte
    offset and what was expected.

    ``partial``: ``data`` is the head of a longer file, so a character cut at the end
    is not an error.

    Examples
    --------
    >>> decode("séance".encode("latin-1"), Path("x.csv"))
    Traceback (most recent call last):
    ...
    ValueError: x.csv: not UTF-8 text: byte 0xe9 at offset 1 ...
    """
    nul = data.find(b"\x00")
    if nul >= 0:
        raise ValueError(
            f"{path}: binary content (a NUL byte at offset {nul}); expected a UTF-8 text "
            "table, an MEA text file or Parquet."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        if partial and err.start >= len(data) - 3 and err.reason == "unexpected end of data":
            return data[: err.start].decode("utf-8-sig")
        raise ValueError(
            f"{path}: not UTF-8 text: byte 0x{data[err.start]:02x} at offset {err.start} "
            f"({err.reason}); save the file as UTF-8 (it may be Latin-1 or Windows-1252 "
            "text, or not a text file)."
        ) from None


def read_text(path: Path) -> str:
    """The whole file as UTF-8 text (see :func:`decode`)."""
    return decode(path.read_bytes(), path)


def is_parquet(head: bytes) -> bool:
    return head[:4] == b"PAR1"


def _data_lines(text: str, limit: int = 50) -> list[str]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return lines[:limit]


def is_number(token: str) -> bool:
    """Whether ``token`` is a number or a missing-value word (NA, NaN, Inf).

    Examples
    --------
    >>> [is_number(t) for t in ("1.5e3", "NA", "-Inf", '"1"', "x")]
    [True, True, True, False, False]
    """
    return bool(_NUMBER.match(token))


def mea_layout(text: str) -> bool:
    """Whether ``text`` looks like MEA / R ``write.table`` output: whitespace-separated
    numbers (NA for missing), at least two per row, after an optional header line of
    names (quoted or not). Row names, as ``write.table`` writes by default, are allowed.
    """
    lines = _data_lines(text)
    if not lines or any(d in lines[0] for d in ",;|\t"):
        return False
    rows = [ln.split() for ln in lines]
    if not all(is_number(t) for t in rows[0]):
        rows = rows[1:]
    if not rows:
        return False
    width = len(rows[0])
    for row in rows:
        cells = row[1:] if row and _quoted_int(row[0]) else row
        if len(cells) < 2 or len(row) != width or not all(is_number(t) for t in cells):
            return False
    return True


def _quoted_int(token: str) -> bool:
    return len(token) > 2 and token[0] == token[-1] == '"' and token[1:-1].isdigit()


def table_delimiter(text: str) -> str | None:
    """The delimiter of a delimited table (``,``, tab, ``;`` or ``|``), or None when
    ``text`` does not look like a table of at least two columns with the same number
    of fields on every row.

    Examples
    --------
    >>> table_delimiter("time;a_x;b_x\\n0;1,5;2\\n"), table_delimiter("Some prose, here.\\n")
    (';', None)
    """
    lines = _data_lines(text)
    if len(lines) < 2:
        return None
    for delim in DELIMITERS:
        widths = {len(row) for row in csv.reader(lines[:-1] if len(lines) > 2 else lines,
                                                 delimiter=delim)}
        if len(widths) == 1 and widths.pop() >= 2:
            return delim
    return None


def mea_problem(text: str) -> str | None:
    """Why numeric whitespace-separated text is not MEA: the first row of another width
    (1-based line number), or None when the text is not that kind of file.

    Examples
    --------
    >>> mea_problem('"pat" "th"\\n1 2\\n3\\n')
    'line 3 has 1 value(s), line 2 has 2'
    """
    lines = text.splitlines()
    rows = [(k + 1, ln.split()) for k, ln in enumerate(lines) if ln.strip()]
    if rows and not all(is_number(t) for t in rows[0][1]):
        rows = rows[1:]
    if len(rows) < 2 or not all(is_number(t) for _, row in rows for t in row):
        return None
    first_line, first = rows[0]
    for line, row in rows[1:]:
        if len(row) != len(first):
            return (f"line {line} has {len(row)} value(s), line {first_line} has "
                    f"{len(first)}")
    return None
