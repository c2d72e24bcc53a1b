"""Readers decide by content, not by name (issue 19): R ``write.table`` text under any
name, sniffed delimiters and quoting, partner names from the header, folders with
non-data files, subfolders, time columns by name and unit, irregular clocks, encodings.
References: the numbers written into each file here; np.loadtxt for the real rMEA files."""

import logging
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

import attunement as att
from attunement.cli import app

runner = CliRunner()


def test_r_write_table_output_is_mea_under_any_name(tmp_path):
    body = b'"pat" "th"\r\n46 38\r\n14 NA\r\n7 9\r\n'
    for name in ("dyad.csv", "dyad2.txt", "dyad3.dat", "dyad4"):
        (tmp_path / name).write_bytes(body)
    sessions = att.read(sorted(tmp_path.iterdir()), sampling_rate=25)
    for s in sessions:
        assert s.partners == ("pat", "th") and s.meta["format"] == "mea"
        np.testing.assert_array_equal(s.pair()[0], [46, 14, 7])
        assert s.missing_report().n_missing.tolist() == [0, 1]


def test_row_names_and_partner_names_from_the_cli(tmp_path):
    f = tmp_path / "r.csv"
    f.write_text('"pat" "th"\n"1" 46 38\n"2" 14 29\n"3" 1 2\n')  # write.table(row.names=TRUE)
    s = att.read(f, sampling_rate=25)[0]
    np.testing.assert_array_equal(s.pair()[1], [38, 29, 2])
    result = runner.invoke(app, ["info", str(f), "--sampling-rate", "25", "--partners",
                                 "patient,therapist", "--json"])
    assert result.exit_code == 0, result.output
    assert '"patient"' in result.output and '"therapist"' in result.output
    bad = runner.invoke(app, ["info", str(f), "--sampling-rate", "25", "--partners", "solo"])
    assert bad.exit_code == 1 and "Invalid value for '--partners'" in bad.output


@pytest.mark.parametrize("text", [
    "time_s;m_x;i_x\n0;1;2\n0.5;3;4\n1;5;6\n",
    "time_s\tm_x\ti_x\n0\t1\t2\n0.5\t3\t4\n1\t5\t6\n",
    '"time_s","m_x","i_x"\r\n"0","1","2"\r\n"0.5","3","4"\r\n"1","5","6"\r\n',
    "time_s|m_x|i_x\n0|1|2\n0.5|3|4\n1|5|6\n",
    "\ufefftime_s,m_x,i_x\n0,1,2\n0.5,3,4\n1,5,6\n",
])
def test_delimiter_and_quoting_are_sniffed(tmp_path, text):
    f = tmp_path / "d.txt"
    f.write_text(text, encoding="utf-8")
    s = att.read(f)[0]
    assert s.sampling_rate == 2 and s.partners == ("m", "i")
    np.testing.assert_array_equal(s.pair("x")[1], [2, 4, 6])


@pytest.mark.parametrize("column, factor", [
    ("time", 1), ("Time", 1), ("time_s", 1), ("timestamp", 1), ("t", 1),
    ("time_ms", 1000), ("Time (ms)", 1000), ("TIME_MS", 1000), ("time [s]", 1),
])
def test_time_columns_by_name_and_unit(tmp_path, column, factor):
    f = tmp_path / "d.csv"
    rows = "\n".join(f"{k * 0.04 * factor:g},{k},{-k}" for k in range(5))
    f.write_text(f"{column},m_x,i_x\n{rows}\n")
    s = att.read(f)[0]
    assert s.sampling_rate == pytest.approx(25) and s.times[1] == pytest.approx(0.04)


def test_irregular_clock_needs_resample_and_keeps_gaps_missing(tmp_path, caplog):
    t = np.r_[np.arange(0, 5, 0.1), np.arange(8, 10, 0.1)]
    t = t + np.random.default_rng(0).uniform(-0.003, 0.003, len(t))
    f = tmp_path / "d.csv"
    f.write_text("time,m_x,i_x\n" + "\n".join(f"{x:.4f},{x:.4f},{2 * x:.4f}" for x in t))
    with pytest.raises(ValueError, match=r"d.csv: column 'time' is not a regular clock .* "
                                         r"\('resample', in Hz\)"):
        att.read(f)
    with caplog.at_level(logging.WARNING, logger="attunement"):
        s = att.read(f, resample=10)[0]
    assert s.sampling_rate == 10 and "1 gap(s) longer than" in caplog.text
    x = s.pair("x")[0]
    gap = (s.times > t[49]) & (s.times < t[50])  # between the last sample before, first after
    assert np.isnan(x[gap]).all() and not np.isnan(x[~gap]).any()
    # Interpolated values follow the line they sample (x = time): a closed form.
    np.testing.assert_allclose(x[~gap], s.times[~gap], atol=0.01)
    cli = runner.invoke(app, ["info", str(f), "--resample", "10", "--json"])
    assert cli.exit_code == 0, cli.output


def test_folders_skip_non_data_files_and_read_subfolders(tmp_path, caplog):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "s1.txt").write_text("1 2\n3 4\n5 6\n")
    (tmp_path / "s0.csv").write_text("time_s,m_x,i_x\n0,1,2\n1,3,4\n")
    (tmp_path / "PROVENANCE.txt").write_text("Source: a repository.\nLicence: MIT.\n")
    (tmp_path / "README.md").write_text("# Data\n\nTwo dyads, recorded in 2020.\n")
    (tmp_path / "LICENSE").write_text("Permission is hereby granted, free of charge\n")
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with caplog.at_level(logging.WARNING, logger="attunement"):
        sessions = att.read(tmp_path, sampling_rate=25)
    assert [s.id for s in sessions] == ["s0"]
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert len(skipped) == 1
    assert "skipped 4 file(s) that are not recordings: LICENSE, PROVENANCE.txt, README.md, " \
        "logo.png" in skipped[0]
    assert [s.id for s in att.read(tmp_path, sampling_rate=25, recursive=True)] == ["s1", "s0"]
    result = runner.invoke(app, ["info", str(tmp_path), "--sampling-rate", "25",
                                 "--recursive", "--json"])
    assert result.exit_code == 0 and '"s1"' in result.output
    (tmp_path / "s0.csv").unlink()
    with pytest.raises(ValueError, match=r"no data files found \(subfolders \['a'\]: read them"):
        att.read(tmp_path, sampling_rate=25)


def test_channels_option_keeps_the_named_channels(tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("time_s,m_x,i_x,m_y,i_y\n0,1,2,3,4\n1,3,4,5,6\n")
    assert att.read(f, channels=["y"])[0].channels == ["y"]
    with pytest.raises(ValueError, match=r"d.csv: channel\(s\) \['z'\] not recorded for both"):
        att.read(f, channels=["z"])
    result = runner.invoke(app, ["info", str(f), "--channels", "y", "--json"])
    assert result.exit_code == 0 and '"x"' not in result.output


def test_encoding_errors_name_the_file_and_offset(tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("time_s,m_é,i_é\n0,1,2\n1,3,4\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin.csv: not UTF-8 text: byte 0xe9 at offset 9"):
        att.read(latin)
    binary = tmp_path / "video.csv"
    binary.write_bytes(b"\x1aE\xdf\xa3\x00\x00\x01")
    with pytest.raises(ValueError, match=r"video.csv: binary content \(a NUL byte at offset 4\)"):
        att.read(binary)
    result = runner.invoke(app, ["info", str(latin)])
    assert result.exit_code == 1 and "latin.csv: not UTF-8 text" in result.output
    assert "Traceback" not in result.output


def test_real_rmea_file_renamed_csv(shared_dir, tmp_path):
    src = shared_dir / "data/rmea_psychotherapy/normal"
    first = sorted(src.glob("*.txt"))[0]
    copy = tmp_path / f"{first.stem}.csv"
    shutil.copy(first, copy)
    s = att.read(copy, sampling_rate=25)[0]
    raw = np.loadtxt(first, skiprows=1)
    assert s.partners == ("pat", "th") and s.n_samples == len(raw) == 15000
    np.testing.assert_array_equal(np.c_[s.pair()], raw)


def test_real_folders_with_provenance_files(shared_dir):
    folder = shared_dir / "data/rmea_psychotherapy"
    sessions = att.read(folder, sampling_rate=25, recursive=True)
    assert len(sessions) == 20  # 10 normal + 10 dropout (PROVENANCE.txt)
    assert {s.partners for s in sessions} == {("pat", "th")}


def test_ragged_mea_text_names_the_line(tmp_path):
    f = tmp_path / "rag.csv"
    f.write_text('"pat" "th"\n1 2\n3\n4 5\n')
    with pytest.raises(ValueError, match=r"rag.csv: not a recording this package reads "
                                         r"\(whitespace-separated numbers, but line 3 has 1 "
                                         r"value\(s\), line 2 has 2\)"):
        att.read(f, sampling_rate=25)
