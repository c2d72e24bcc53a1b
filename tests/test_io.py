"""Readers: MEA text files, tables, phase tables, folders, and their error messages."""

import numpy as np
import pandas as pd
import pytest

import attunement as att


# --------------------------------------------------------------------------- MEA
def test_bundled_applied_project_files(data_dir):
    sessions = att.read_mea(data_dir / "applied_project_mea", sampling_rate=25)
    assert [s.id for s in sessions] == ["MEA_video1000", "MEA_video101"]
    for s in sessions:
        raw = np.loadtxt(data_dir / "applied_project_mea" / f"{s.id}.txt")
        np.testing.assert_array_equal(s.pair()[0], raw[:, 0])
        np.testing.assert_array_equal(s.pair()[1], raw[:, 1])


def test_all_rmea_psychotherapy_files(shared_dir):
    """All 20 real rMEA psychotherapy files read as 15,000 samples at 25 Hz, nothing missing."""
    # 20 files of 15,000 samples at 25 Hz with a '"pat" "th"' header (PROVENANCE.txt).
    for group in ("normal", "dropout"):
        sessions = att.read_mea(shared_dir / "data/rmea_psychotherapy" / group, sampling_rate=25)
        assert len(sessions) == 10
        for s in sessions:
            assert s.n_samples == 15000 and s.duration_s == 600
            assert s.missing_fraction == 0


def test_all_applied_project_files(shared_dir):
    """All 51 real Applied Project MEA files read, one sample per line."""
    folder = shared_dir / "data/applied_project_mea/TxtFiles_cleaned"
    sessions = att.read_mea(folder, sampling_rate=25)
    assert len(sessions) == 51
    for s in sessions:
        # Rows 16812-28867 per file (PROVENANCE.txt); line count is the reference.
        n_lines = len((folder / f"{s.id}.txt").read_text().splitlines())
        assert s.n_samples == n_lines
        assert 16812 <= s.n_samples <= 28867


def test_mea_region_columns_are_summed(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text("1 2 3 4\n5 6 7 8\n")
    s = att.read_mea(f, 10, s1_col=[1, 2], s2_col=[3, 4])
    np.testing.assert_array_equal(s.pair()[0], [3, 11])
    np.testing.assert_array_equal(s.pair()[1], [7, 15])


def test_mea_na_and_header(tmp_path):
    f = tmp_path / "x.txt"
    f.write_text('"pat" "th"\n1 NA\n2 3\n')
    s = att.read_mea(f, 25)
    assert s.n_samples == 2 and np.isnan(s.pair()[1][0])


def test_mea_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt: no such file"):
        att.read_mea(tmp_path / "nope.txt", 25)
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    with pytest.raises(ValueError, match="empty.txt: the file is empty"):
        att.read_mea(empty, 25)
    bad = tmp_path / "bad.txt"
    bad.write_text("1 2\n3 x4\n")
    with pytest.raises(ValueError, match=r"bad.txt: non-numeric value 'x4' at line 2, column 2"):
        att.read_mea(bad, 25)
    good = tmp_path / "good.txt"
    good.write_text("1 2\n3 4\n")
    with pytest.raises(ValueError, match=r"s2_col=5 is not a column; the file has 2"):
        att.read_mea(good, 25, s2_col=5)
    with pytest.raises(ValueError, match="'sampling_rate'"):
        att.read_mea(good, 0)
    with pytest.raises(ValueError, match="'sampling_rate'"):
        att.read_mea(good, float("nan"))
    folder = tmp_path / "nothing"
    folder.mkdir()
    with pytest.raises(ValueError, match="nothing: no MEA text files found"):
        att.read_mea(folder, 25)


# ------------------------------------------------------------------------ tables
def test_wide_csv_with_time(tmp_path):
    f = tmp_path / "d.csv"
    pd.DataFrame(
        {
            "time_s": [0, 0.1, 0.2],
            "mother_smile": [1, 2, 3],
            "infant_smile": [3, 2, 1],
            "mother_gaze": [0, 1, 0],
            "infant_gaze": [1, 1, 0],
        }
    ).to_csv(f, index=False)
    s = att.read_table(f)
    assert s.sampling_rate == pytest.approx(10)
    assert s.partners == ("mother", "infant") and s.channels == ["smile", "gaze"]


def test_wide_tsv_without_time_needs_rate(tmp_path):
    f = tmp_path / "d.tsv"
    f.write_text("a_x\tb_x\n1\t2\n3\t4\n")
    with pytest.raises(ValueError, match=r"d.tsv: no time column .* give 'sampling_rate'"):
        att.read_table(f)
    assert att.read_table(f, sampling_rate=2).sampling_rate == 2


def test_partners_with_underscores(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("time,partner_1_hr,partner_2_hr\n0,1,2\n1,2,3\n")
    s = att.read_table(f, partners=("partner_1", "partner_2"))
    assert s.channels == ["hr"]


def test_explicit_column_mapping(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("t,A,B,junk\n0,1,2,x\n1,2,3,y\n")
    s = att.read_table(f, columns={"A": ("therapist", "motion"), "B": ("client", "motion")})
    assert s.partners == ("therapist", "client")
    with pytest.raises(ValueError, match=r"column\(s\) \['C'\] not found"):
        att.read_table(f, columns={"C": ("therapist", "motion")})


def test_long_table(tmp_path):
    f = tmp_path / "long.csv"
    rows = [(t / 4, p, "smile", t * (i + 1)) for t in range(4) for i, p in enumerate(["m", "i"])]
    pd.DataFrame(rows, columns=["time_s", "partner", "channel", "value"]).to_csv(f, index=False)
    s = att.read_table(f)
    assert s.sampling_rate == 4 and s.partners == ("m", "i")
    np.testing.assert_array_equal(s.pair("smile")[1], [0, 2, 4, 6])


def test_parquet_table(tmp_path):
    f = tmp_path / "d.parquet"
    pd.DataFrame({"a_x": [1.0, 2.0], "b_x": [3.0, 4.0]}).to_parquet(f)
    assert att.read_table(f, sampling_rate=1).n_samples == 2


def test_table_errors(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("time_s,a_x,b_x\n0,1,2\n1,oops,3\n")
    with pytest.raises(ValueError, match=r"d.csv: .*non-numeric value 'oops'"):
        att.read_table(f)
    g = tmp_path / "g.csv"
    g.write_text("time_s,a_x,b_x,c_x\n0,1,2,3\n1,1,2,3\n")
    with pytest.raises(ValueError, match="cannot tell the two partners"):
        att.read_table(g)
    h = tmp_path / "h.csv"
    h.write_text("time_s,a_x,b_x\n0,1,2\n0.5,1,2\n")
    with pytest.raises(
        ValueError, match=r"'sampling_rate' is 4 Hz but column 'time_s' is sampled at 2"
    ):
        att.read_table(h, sampling_rate=4)
    with pytest.raises(ValueError, match="no column 'clock'"):
        att.read_table(h, time_col="clock")


# ------------------------------------------------------------------------ phases
def test_phases_with_offsets(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("Label,Onset_s,Offset_s\nreunion,240,360\nplay,0,120\nstill-face,120,240\n")
    p = att.read_phases(f)
    assert p.label.tolist() == ["play", "still-face", "reunion"]
    assert p.duration_s.tolist() == [120, 120, 120]


def test_phases_errors(tmp_path):
    f = tmp_path / "p.csv"
    f.write_text("what,when\nplay,0\n")
    with pytest.raises(ValueError, match="p.csv: a phase table needs an onset column"):
        att.read_phases(f)
    g = tmp_path / "g.csv"
    g.write_text("label,onset,duration\nplay,zero,10\n")
    with pytest.raises(ValueError, match=r"g.csv: column 'onset_s' must hold finite numbers"):
        att.read_phases(g)


# ------------------------------------------------------------------------ folders
def test_read_folder_dispatch_and_sidecars(tmp_path):
    (tmp_path / "b.txt").write_text("1 2\n3 4\n")
    (tmp_path / "a.csv").write_text("time_s,x_m,y_m\n0,1,2\n0.04,3,4\n")
    (tmp_path / "a.phases.csv").write_text("label,onset,duration\nplay,0,0.08\n")
    (tmp_path / "a.truth_episodes.csv").write_text("onset_s\n1\n")
    (tmp_path / "notes.md").write_text("ignored")
    sessions = att.read(tmp_path, sampling_rate=25)
    assert [s.id for s in sessions] == ["a", "b"]
    assert sessions[0].phases.label.tolist() == ["play"]


def test_read_errors(tmp_path):
    (tmp_path / "b.txt").write_text("1 2\n3 4\n")
    with pytest.raises(ValueError, match="b.txt: MEA text files do not carry a sampling rate"):
        att.read(tmp_path)
    (tmp_path / "x.docx").write_text("Minutes of the meeting.\n")
    with pytest.raises(ValueError, match=r"x.docx: not a recording this package reads"):
        att.read(tmp_path / "x.docx")
    with pytest.raises(FileNotFoundError, match="missing: no such file or folder"):
        att.read(tmp_path / "missing")


def test_read_uses_rate_only_where_file_lacks_it(tmp_path):
    (tmp_path / "a.txt").write_text("1 2\n3 4\n5 6\n")
    (tmp_path / "b.csv").write_text("time_s,x_m,y_m\n0,1,2\n0.5,3,4\n1.0,3,4\n")
    a, b = att.read(tmp_path, sampling_rate=25)
    assert (a.sampling_rate, b.sampling_rate) == (25, 2)
