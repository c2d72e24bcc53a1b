"""``attune info`` and the CLI contract (version, exit codes, messages)."""

import json

from typer.testing import CliRunner

import attunement
from attunement.cli import app

runner = CliRunner()


def test_version():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and attunement.__version__ in result.output


def test_info_json_on_bundled_sample(data_dir):
    result = runner.invoke(
        app, ["info", str(data_dir / "applied_project_mea"), "--sampling-rate", "25", "--json"]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert [r["session"] for r in rows] == ["MEA_video1000", "MEA_video101"]
    assert rows[0]["sampling_rate_hz"] == 25 and rows[0]["missing_percent"] == 0


def test_info_table(data_dir):
    result = runner.invoke(
        app, ["info", str(data_dir / "applied_project_mea"), "--sampling-rate", "25"]
    )
    assert result.exit_code == 0 and "MEA_video101" in result.stdout


def test_info_user_error_exit_1(tmp_path):
    result = runner.invoke(app, ["info", str(tmp_path / "missing.csv")])
    assert result.exit_code == 1
    assert "missing.csv: no such file or folder" in result.stderr


def test_info_needs_rate_for_mea(data_dir):
    result = runner.invoke(app, ["info", str(data_dir / "applied_project_mea")])
    assert result.exit_code == 1 and "--sampling-rate" in result.stderr


def test_usage_error_exit_2():
    result = runner.invoke(app, ["info", "--no-such-option"])
    assert result.exit_code == 2


def test_verbosity_flags_anywhere(monkeypatch, data_dir, capsys):
    import pytest

    from attunement.cli import main

    folder = str(data_dir / "applied_project_mea")
    monkeypatch.setattr("sys.argv", ["attune", "info", folder, "--sampling-rate", "25",
                                     "--json", "-q"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 0
    assert '"session": "MEA_video101"' in capsys.readouterr().out
