"""Property-based tests (hypothesis) of every reader and of the CLI on arbitrary bytes and
small tables (issue 19): the outcome is a Session or an error naming the file, never a
traceback. The examples run per test are set by ``EXAMPLES`` (``--hypothesis-show-
statistics`` prints them)."""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import attunement as att
from attunement.cli import app
from attunement.session import Session

EXAMPLES = 150
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
SUFFIXES = st.sampled_from(["csv", "txt", "tsv", "parquet", "dat", ""])
runner = CliRunner()

# Bytes that look like the files the readers meet: numbers, separators, quotes, NA,
# line ends, a header word, and anything else.
TOKENS = st.sampled_from([b"1", b"-2.5", b"0", b"NA", b"inf", b"nan", b"1e400", b",", b";",
                          b"\t", b" ", b"\n", b"\r\n", b'"', b'"pat"', b"time_s", b"time_ms",
                          b"m_x", b"i_x", b"a_b", b"\xef\xbb\xbf", b"\xe9", b"\x00", b"PAR1"])
CONTENT = st.one_of(st.binary(max_size=200),
                    st.lists(TOKENS, max_size=60).map(b"".join))


def _file(content: bytes, suffix: str) -> Path:
    folder = Path(tempfile.mkdtemp())
    path = folder / (f"in.{suffix}" if suffix else "in")
    path.write_bytes(content)
    return path


def _check(outcome, path: Path) -> None:
    if isinstance(outcome, BaseException):
        assert isinstance(outcome, (ValueError, FileNotFoundError)), repr(outcome)
        assert str(path) in str(outcome), f"{outcome!r} does not name {path}"
    else:
        assert all(isinstance(s, Session) for s in outcome)


def _run(func, path):
    try:
        out = func(path)
    except Exception as err:  # the property: which errors, and that they name the file
        return err
    return out if isinstance(out, list) else [out]


@SETTINGS
@given(content=CONTENT, suffix=SUFFIXES)
def test_read_on_arbitrary_bytes(content, suffix):
    path = _file(content, suffix)
    _check(_run(lambda p: att.read(p, sampling_rate=10), path), path)


@SETTINGS
@given(content=CONTENT, suffix=SUFFIXES)
def test_read_table_and_read_mea_on_arbitrary_bytes(content, suffix):
    path = _file(content, suffix)
    _check(_run(lambda p: att.read_table(p, sampling_rate=10), path), path)
    _check(_run(lambda p: att.read_mea(p, sampling_rate=10), path), path)


NAMES = st.sampled_from(["time_s", "time", "Time (ms)", "m_x", "i_x", "m_y", "i_y", "pat",
                         "th", "a b", "x", "", "m_", "_x", "séance_母子"])
CELLS = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32),
                  st.integers(-5, 5), st.sampled_from(["", "NA", "x", "1,5"]))


@st.composite
def tables(draw):
    columns = draw(st.lists(NAMES, min_size=1, max_size=5))
    n = draw(st.integers(0, 6))
    rows = [[draw(CELLS) for _ in columns] for _ in range(n)]
    return pd.DataFrame(rows, columns=columns)


@st.composite
def plausible_tables(draw):
    """Tables close to valid ones: known column sets, numeric cells, a time column that
    may be irregular, in ms, repeated or too short."""
    columns = draw(st.sampled_from([["time_s", "m_x", "i_x"], ["m_x", "i_x"], ["pat", "th"],
                                    ["Time (ms)", "m_x", "i_x", "m_y", "i_y"],
                                    ["time", "m_x", "i_y"]]))
    n = draw(st.integers(0, 12))
    step = draw(st.sampled_from([0.1, 40.0, 0.0, -0.1]))
    jitter = draw(st.sampled_from([0.0, 0.003, 0.05]))
    values = draw(st.lists(st.floats(allow_nan=True, allow_infinity=True, width=32),
                           min_size=n * len(columns), max_size=n * len(columns)))
    frame = pd.DataFrame(np.asarray(values, float).reshape(n, len(columns)), columns=columns)
    if "time" in columns[0].lower():
        frame[columns[0]] = np.arange(n) * step + jitter * (np.arange(n) % 2)
    return frame


@SETTINGS
@given(table=st.one_of(tables(), plausible_tables()),
       how=st.sampled_from(["csv", "tsv", "parquet", "mea"]))
def test_read_on_small_tables(table, how):
    suffix = {"mea": "txt"}.get(how, how)
    path = _file(b"", suffix)
    if how == "parquet":
        table.columns = [f"{c}.{k}" if list(table.columns).count(c) > 1 else c
                         for k, c in enumerate(table.columns)]
        table.astype(str).to_parquet(path)
    elif how == "mea":
        np.savetxt(path, np.asarray(table.apply(pd.to_numeric, errors="coerce"), float),
                   header=" ".join(f'"{c}"' for c in table.columns), comments="")
    else:
        table.to_csv(path, sep="\t" if how == "tsv" else ",", index=False)
    _check(_run(lambda p: att.read(p, sampling_rate=10), path), path)


@settings(max_examples=EXAMPLES // 3, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(content=CONTENT, suffix=SUFFIXES)
def test_cli_on_arbitrary_bytes(content, suffix):
    path = _file(content, suffix)
    result = runner.invoke(app, ["info", str(path), "--sampling-rate", "10", "--json"])
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        repr(result.exception))
    if result.exit_code == 1:
        assert path.name in result.output
