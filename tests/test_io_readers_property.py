"""Every new reader, fed arbitrary bytes, returns a result or raises an error naming the file.

Property tests (hypothesis): bytes drawn at random, and valid files with random bytes spliced
in, must give either a Session / annotation table or a ValueError whose message names the file
- never another exception type, a hang or a silent empty result.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attunement.io.annotations import read_annotations
from attunement.io.face_exports import read_face_export
from attunement.io.xdf import read_xdf
from attunement.session import Session

OPENFACE = (b"frame, face_id, timestamp, confidence, success, gaze_angle_x, pose_Rx, AU12_r, "
            b"AU12_c\n1, 0, 0.000, 0.98, 1, 0.1, 0.2, 1.5, 1\n2, 0, 0.033, 0.97, 1, 0.1, 0.2,"
            b" 1.7, 1\n3, 0, 0.067, 0.40, 0, 0.1, 0.2, 0.0, 0\n")
BORIS = (b"Subject\tBehavior\tBehavior type\tTime\nmother\tsmile\tSTART\t1.0\n"
         b"mother\tsmile\tSTOP\t2.5\ninfant\tcry\tPOINT\t3.0\n")
CSV = b"onset_s,offset_s,label,tier\n0,10,play,phase\n10,20,still-face,phase\n"
EAF = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ANNOTATION_DOCUMENT AUTHOR="" DATE="2020-01-01'
       b'T00:00:00+00:00" FORMAT="3.0" VERSION="3.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-'
       b'instance" xsi:noNamespaceSchemaLocation="http://www.mpi.nl/tools/elan/EAFv3.0.xsd">'
       b'<HEADER MEDIA_FILE="" TIME_UNITS='
       b'"milliseconds"/><TIME_ORDER><TIME_SLOT TIME_SLOT_ID="ts1" TIME_VALUE="0"/><TIME_SLOT '
       b'TIME_SLOT_ID="ts2" TIME_VALUE="1500"/></TIME_ORDER><TIER LINGUISTIC_TYPE_REF="lt" '
       b'TIER_ID="phase"><ANNOTATION><ALIGNABLE_ANNOTATION ANNOTATION_ID="a1" TIME_SLOT_REF1='
       b'"ts1" TIME_SLOT_REF2="ts2"><ANNOTATION_VALUE>play</ANNOTATION_VALUE>'
       b'</ALIGNABLE_ANNOTATION></ANNOTATION></TIER><LINGUISTIC_TYPE GRAPHIC_REFERENCES="false" '
       b'LINGUISTIC_TYPE_ID="lt" TIME_ALIGNABLE="true"/></ANNOTATION_DOCUMENT>\n')

SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _spliced(valid: bytes):
    return st.tuples(st.integers(0, len(valid)), st.integers(0, 40), st.binary(max_size=40)).map(
        lambda t: valid[: t[0]] + t[2] + valid[t[0] + t[1]:])


def _check(call, path, kinds):
    try:
        out = call(path)
    except ValueError as err:
        assert path.name in str(err), str(err)
        return
    assert isinstance(out, kinds)
    if isinstance(out, pd.DataFrame):
        assert len(out) > 0


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), _spliced(OPENFACE)))
def test_openface_reader_on_arbitrary_bytes(tmp_path, data):
    f = tmp_path / "face.csv"
    f.write_bytes(data)
    _check(lambda p: read_face_export([p, p], fps=30), f, Session)


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), _spliced(BORIS), _spliced(CSV)))
def test_annotation_tables_on_arbitrary_bytes(tmp_path, data):
    f = tmp_path / "codes.tsv"
    f.write_bytes(data)
    _check(read_annotations, f, pd.DataFrame)


@SETTINGS
@given(data=st.one_of(st.binary(max_size=300), _spliced(EAF)))
def test_elan_reader_on_arbitrary_bytes(tmp_path, data):
    f = tmp_path / "codes.eaf"
    f.write_bytes(data)
    _check(read_annotations, f, pd.DataFrame)


@SETTINGS
@given(data=st.binary(max_size=400))
def test_xdf_reader_on_arbitrary_bytes(tmp_path, data):
    f = tmp_path / "rec.xdf"
    f.write_bytes(b"XDF:" + data)
    _check(read_xdf, f, Session)
