"""Values that used to give a silent result (issue 19): each is now a named error, or a
named warning plus a ``reason`` in the table. References: the inputs written here (closed
form: a constant or all-missing series has no correlation; 40 ms steps are 25 Hz)."""

import logging

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import attunement as att
from attunement.cli import app
from attunement.cohort import load_project
from attunement.config import load_config

runner = CliRunner()


def _table(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return path


def _wide(path, n=300, rate=10, time="time_s", scale=1.0, b=None, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / rate * scale
    a = rng.normal(size=n).round(4)
    b = rng.normal(size=n).round(4) if b is None else b
    return _table(path, f"{time},m_x,i_x", zip(np.round(t, 6), a, b, strict=True))


def test_inf_is_missing_and_counted(tmp_path, caplog):
    f = _table(tmp_path / "d.csv", "time_s,m_x,i_x", [(0, 1, 2), (1, "inf", 3), (2, 3, "-inf"),
                                                       (3, 4, 5)])
    with caplog.at_level(logging.WARNING, logger="attunement"):
        s = att.read(f)[0]
    assert s.missing_report().n_missing.tolist() == [1, 1]
    assert "1 infinite value(s) read as missing" in caplog.text
    mea = tmp_path / "m.txt"
    mea.write_text("1 2\nInf 3\n4 5\n")
    assert att.read(mea, sampling_rate=1)[0].missing_report().n_missing.tolist() == [1, 0]


@pytest.mark.parametrize("values, reason", [
    (np.full(300, np.nan), "i x all missing"),
    (np.full(300, 3.0), r"i x constant \(every value 3\)"),
])
def test_a_partner_with_nothing_to_correlate_has_a_reason(tmp_path, values, reason):
    (tmp_path / "in").mkdir()
    _wide(tmp_path / "in" / "d.csv", b=values)
    out = tmp_path / "out"
    result = runner.invoke(app, ["sync", str(tmp_path / "in"), "--out", str(out),
                                 "--window", "4", "--lag", "1", "--step", "2"])
    assert result.exit_code == 0, result.output
    assert "its measures are empty" in " ".join(result.output.split())
    row = pd.read_csv(out / "summary.csv").iloc[0]
    assert pd.Series([row.reason]).str.match(reason).all()
    assert np.isnan(row.grand_average)


def test_episode_summary_names_why_a_session_has_no_episodes(tmp_path):
    # Closed form: a constant or all-missing partner has no correlation; 30 samples at
    # 10 Hz cannot hold a 4 s window + 2 s lags + 1 s pre-whitening (70 samples).
    (tmp_path / "in").mkdir()
    _wide(tmp_path / "in" / "ok.csv", n=1200)
    _wide(tmp_path / "in" / "const.csv", n=1200, b=np.full(1200, 3.0))
    _wide(tmp_path / "in" / "miss.csv", n=1200, b=np.full(1200, np.nan))
    _wide(tmp_path / "in" / "short.csv", n=30)
    out = tmp_path / "out"
    result = runner.invoke(app, ["episodes", str(tmp_path / "in"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "session 'short': too few samples" in " ".join(result.output.split())
    table = pd.read_csv(out / "episode_summary.csv").query("phase == 'all'").set_index(
        "session")
    reasons = table.reason.astype("string")
    assert pd.isna(reasons["ok"]) and np.isfinite(table.mean_synchrony["ok"])
    assert reasons["const"] == "i x constant (every value 3)"
    assert reasons["miss"] == "i x all missing"
    assert pd.Series([reasons["short"]]).str.match(
        r"too few samples \(30 at 10 Hz; a 4 s window with lags of 2 s after 1 s of "
        r"pre-whitening needs 70\)").all()
    assert table.loc[["const", "miss", "short"], "mean_synchrony"].isna().all()
    assert set(pd.read_csv(out / "episodes.csv").session) == {"ok"}


def test_window_of_fewer_than_ten_samples_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    _wide(tmp_path / "in" / "d.csv", rate=2)
    result = runner.invoke(app, ["sync", str(tmp_path / "in"), "--out", str(tmp_path / "o"),
                                 "--window", "4", "--lag", "1", "--step", "2"])
    assert result.exit_code == 1
    assert ("Invalid value for 'sync.window_s' (--window): 4 s holds 8 samples at 2 Hz; "
            "expected at least 10") \
        in " ".join(result.output.split())


def test_lag_as_long_as_the_window_is_refused(tmp_path):
    (tmp_path / "in").mkdir()
    _wide(tmp_path / "in" / "d.csv")
    result = runner.invoke(app, ["sync", str(tmp_path / "in"), "--out", str(tmp_path / "o"),
                                 "--window", "4", "--lag", "4", "--step", "2"])
    assert result.exit_code == 1
    assert "'max_lag_s' (--lag) (4 s) must be shorter than 'window_s' (--window)" in " ".join(
        result.output.split())
    with pytest.raises(ValueError, match=r"'max_lag_s' \(10 s\) must be shorter than 'window_s'"):
        load_config(sync={"window_s": 10, "max_lag_s": 10})


def test_wcc_api_refuses_a_short_window_and_a_lag_as_long_as_the_window():
    # Closed form: 4 s at 2 Hz is 8 samples (< 10); a 4 s lag fills a 4 s window.
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(2, 300))
    with pytest.raises(ValueError, match=r"Invalid value for 'window_s': 4 s holds 8 samples "
                                         r"at 2 Hz; expected at least 10"):
        att.wcc(x, y, 2, window_s=4, max_lag_s=1, step_s=2)
    with pytest.raises(ValueError, match=r"Invalid value for 'max_lag_s': 4 s is as long as "
                                         r"the window \(4 s\)"):
        att.wcc(x, y, 10, window_s=4, max_lag_s=4, step_s=2)
    session = att.Session.from_arrays(x, y, sampling_rate=2, channel="x")
    with pytest.raises(ValueError, match="'window_s': 4 s holds 8 samples"):
        att.wcc(session, window_s=4, max_lag_s=1, step_s=2)
    # The documented way to reproduce a reference on tiny windows; never below 2 samples.
    res = att.wcc(x, y, 2, window_s=4, max_lag_s=1, step_s=2, min_window_samples=8)
    assert res.values.shape[1] == 5
    with pytest.raises(ValueError, match=r"'min_window_samples': 1; expected at least 2"):
        att.wcc(x, y, 2, window_s=4, max_lag_s=1, step_s=2, min_window_samples=1)


def test_milliseconds_labelled_seconds_are_refused(tmp_path):
    f = _wide(tmp_path / "d.csv", rate=25, scale=1000)  # 0, 40, 80, ... in a time_s column
    with pytest.raises(ValueError, match=r"d.csv: column 'time_s' steps by 40 s .* 0.025 Hz, "
                                         r"implausible .* name the column 'time_ms'"):
        att.read(f)
    assert att.read(f, time_unit="ms")[0].sampling_rate == pytest.approx(25)
    g = _wide(tmp_path / "g.csv", rate=25, scale=1000, time="time_ms")
    assert att.read(g)[0].sampling_rate == pytest.approx(25)


def test_no_shared_channel_is_an_error(tmp_path):
    f = _table(tmp_path / "d.csv", "time_s,m_smile,i_gaze", [(0, 1, 2), (1, 2, 3), (2, 3, 1)])
    with pytest.raises(ValueError, match=r"d.csv: the partners share no channel \(m has "
                                         r"\['smile'\], i has \['gaze'\]\)"):
        att.read(f)
    result = runner.invoke(app, ["info", str(f)])
    assert result.exit_code == 1 and "share no channel" in result.output


def test_metadata_rows_missing_for_some_sessions(tmp_path):
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text("1 2\n3 4\n5 7\n")
    (tmp_path / "meta.csv").write_text("session,group\na,x\n")
    (tmp_path / "p.toml").write_text('[sessions]\npaths = ["*.txt"]\nmetadata = "meta.csv"\n')
    with pytest.raises(ValueError, match=r"meta.csv: no row for 2 session\(s\) of the project: "
                                         r"\['b', 'c'\]"):
        load_project(tmp_path / "p.toml")
    (tmp_path / "meta.csv").write_text("session,group\na,x\nb,y\nc,x\nc,y\n")
    with pytest.raises(ValueError, match=r"sessions \['c'\] have several rows"):
        load_project(tmp_path / "p.toml")


def test_sync_without_seed_gives_the_same_p_values_and_records_seed_0(tmp_path):
    (tmp_path / "in").mkdir()
    for k in range(2):
        _wide(tmp_path / "in" / f"d{k}.csv", seed=k)
    args = ["sync", str(tmp_path / "in"), "--window", "4", "--lag", "1", "--step", "2",
            "--surrogates", "19", "--measure", "wcc,dtw"]
    frames = []
    for run in ("a", "b"):
        result = runner.invoke(app, [*args, "--out", str(tmp_path / run)])
        assert result.exit_code == 0, result.output
        frames.append(pd.read_csv(tmp_path / run / "summary.csv"))
    pd.testing.assert_frame_equal(*frames)
    assert (frames[0].seed == 0).all() and frames[0].p_value.notna().all()
    group = [pd.read_csv(tmp_path / run / "group.csv") for run in ("a", "b")]
    pd.testing.assert_frame_equal(*group)
    assert (group[0].seed == 0).all()
