"""Every report, summary table, Parquet file and store records the versions that computed it.

Reference: the installed distributions' own metadata (``importlib.metadata``), read here
independently of :mod:`attunement.provenance`.
"""

import json
from importlib.metadata import version

import pandas as pd
import pyarrow.parquet as pq
from typer.testing import CliRunner

from attunement.cli import app
from attunement.cohort import Store


def _run(args):
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result


def test_analyze_records_versions_in_summary_parquet_and_report(tmp_path, data_dir):
    out = tmp_path / "out"
    _run(["-q", "analyze", str(data_dir / "applied_project_mea" / "MEA_video101.txt"),
          "--sampling-rate", "25", "--window", "30", "--step", "30", "--lag", "2",
          "--n-surrogates", "0", "--out", str(out)])
    summary = pd.read_csv(out / "summary.csv")
    text = summary.versions.iloc[0]
    for name in ("attunement", "numpy", "pandas", "scipy"):
        assert f"{name} {version(name)}" in text
    params = pd.read_parquet(out / "parameters_MEA_video101.parquet")
    record = dict(zip(params.parameter, params.value, strict=True))
    assert record["version.numpy"] == version("numpy")
    meta = pq.read_schema(out / "wcc_MEA_video101.parquet").metadata
    assert json.loads(meta[b"attunement.versions"])["pandas"] == version("pandas")
    html = (out / "report_MEA_video101.html").read_text()
    assert f"version.scipy</th><td>{version('scipy')}" in html


def test_sync_summary_records_versions(tmp_path, data_dir):
    out = tmp_path / "sync"
    _run(["-q", "sync", str(data_dir / "applied_project_mea" / "MEA_video101.txt"),
          "--sampling-rate", "25", "--window", "30", "--step", "30", "--lag", "2",
          "--out", str(out)])
    assert f"attunement {version('attunement')}" in pd.read_csv(out / "summary.csv").versions[0]


def test_store_records_versions(tmp_path):
    store = Store(tmp_path / "store")
    store.save("s1", {"summary": pd.DataFrame({"session": ["s1"], "r": [0.5]})}, "h1", "x")
    record = store.done_record("s1")
    assert record["versions"]["numpy"] == version("numpy")
    assert record["versions"]["attunement"] == version("attunement")
