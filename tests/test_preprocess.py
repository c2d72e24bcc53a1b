"""Preprocessing: rMEA's smooth -> scale -> outlier chain, resampling, alignment.

References: rMEA 1.3.0's own outputs (../shared/reference/rmea, GPL data, not bundled);
``tests/reference/rmea_preprocess.R``, a base-R script of rMEA's documented chain that is
proven here to reproduce those outputs, and its output on the bundled MIT sample
(``tests/reference/rmea_preprocess_mit``), which runs on a clone.
"""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import attunement as att

REFERENCE = Path(__file__).parent / "reference"
# folder in tests/reference/rmea_preprocess_mit: (MEAsmooth window s, MEAoutlier SDs)
MIT_SETS = {"w0.5_sd10": (0.5, 10), "w0.46_sd3": (0.46, 3)}


def rmea_chain(session, window_s, threshold_sd):
    """Our MEAsmooth -> MEAscale('sd') -> MEAoutlier(sd * threshold_sd) chain."""
    return att.remove_outliers(att.scale(att.smooth(session, window_s), "sd"),
                               threshold_sd=threshold_sd)


def assert_pair_equals(session, ref):
    for got, want in zip(session.pair(), (ref.s1.to_numpy(float), ref.s2.to_numpy(float))):
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-9, equal_nan=True)


@pytest.mark.parametrize("name", sorted(MIT_SETS))
def test_rmea_chain_matches_r_reference_on_bundled_sample(data_dir, name):
    """Runs on a clone. Reference: tests/reference/rmea_preprocess.R (rMEA's documented
    MEAsmooth -> MEAscale('sd') -> MEAoutlier chain in base R, proven equal to rMEA 1.3.0
    by test_r_script_reproduces_rmea) on the MIT sample in tests/data, 25 Hz."""
    window_s, threshold_sd = MIT_SETS[name]
    sessions = att.read(data_dir / "applied_project_mea", sampling_rate=25)
    assert len(sessions) == 2
    for session in sessions:
        ref = pd.read_csv(REFERENCE / "rmea_preprocess_mit" / name
                          / f"{session.id}_preprocessed.csv.gz")
        out = rmea_chain(session, window_s, threshold_sd)
        assert_pair_equals(out, ref)
        removed = sum(out.meta["outliers_removed"].values())
        assert removed == ref.isna().to_numpy().sum() > 0


def test_r_script_reproduces_rmea(shared_dir, tmp_path):
    """tests/reference/rmea_preprocess.R gives rMEA 1.3.0's own preprocessed series (GPL
    sessions 200_01, 201_01, 202_01 in ../shared; needs Rscript)."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        pytest.skip("needs Rscript and ../shared: checks that tests/reference/rmea_preprocess.R "
                    "reproduces rMEA 1.3.0's MEAsmooth/MEAscale/MEAoutlier outputs")
    sids = ("200_01", "201_01", "202_01")
    inputs = [str(shared_dir / f"data/rmea_psychotherapy/normal/{sid}.txt") for sid in sids]
    subprocess.run([rscript, str(REFERENCE / "rmea_preprocess.R"), str(tmp_path), "1", "0.5",
                    "10", *inputs], check=True, capture_output=True)
    for sid in sids:
        got = pd.read_csv(tmp_path / f"{sid}_preprocessed.csv.gz").to_numpy(float)
        want = pd.read_csv(shared_dir / "reference/rmea/rmea_normal3_pipeline_l5w30i10"
                           / f"{sid}_preprocessed.csv").to_numpy(float)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-12, equal_nan=True)


@pytest.mark.parametrize("sid", ["200_01", "201_01", "202_01"])
def test_rmea_chain_matches_reference(shared_dir, sid):
    """Our chain equals rMEA 1.3.0 MEAsmooth(0.5) -> MEAscale("sd", removeNA=TRUE) ->
    MEAoutlier(sd * 10, "greater") on GPL sessions (../shared/reference/rmea/README.md)."""
    raw = att.read_mea(shared_dir / f"data/rmea_psychotherapy/normal/{sid}.txt", 25)
    ref = pd.read_csv(
        shared_dir / f"reference/rmea/rmea_normal3_pipeline_l5w30i10/{sid}_preprocessed.csv"
    )
    assert_pair_equals(rmea_chain(raw, 0.5, 10), ref)


def _sas_by_definition(x, n):
    # rMEA's sasFiltB written out literally: R's i1:i2 sequence, truncating indices,
    # NA outside the series -> 0.
    out = []
    for t in range(1, len(x) + 1):
        i1 = t - (n - 1) / 2
        i2 = t + (n - 1) / 2
        i1 = 1 if i1 < 1 else i1
        idx = np.floor(np.arange(i1, i2 + 1e-10, 1.0)).astype(int)
        vals = [x[i - 1] if i <= len(x) else np.nan for i in idx]
        res = np.sum(vals) / n
        out.append(0.0 if np.isnan(res) else res)
    out = np.array(out)
    out[np.isnan(x)] = np.nan
    return out


@pytest.mark.parametrize("window_s, rate", [(0.5, 25), (0.46, 25), (3, 1), (1, 59.94), (0.2, 10)])
def test_smooth_equals_rmea_definition(window_s, rate):
    rng = np.random.default_rng(0)
    x = rng.gamma(1.0, 100.0, size=200)
    x[[50, 51, 120]] = np.nan
    got = att.smooth(x, window_s, sampling_rate=rate)
    np.testing.assert_allclose(got, _sas_by_definition(x, window_s * rate), atol=1e-12)


def test_smooth_rejects_window_below_one_sample():
    with pytest.raises(ValueError, match="less than one sample"):
        att.smooth(np.ones(10), 0.01, sampling_rate=25)
    with pytest.raises(ValueError, match="'sampling_rate'"):
        att.smooth(np.ones(10), 0.5)


def test_scale_methods_and_errors():
    x = np.array([1.0, 2.0, np.nan, 4.0])
    np.testing.assert_allclose(att.scale(x, "sd"), x / np.nanstd(x, ddof=1))
    np.testing.assert_allclose(att.scale(x, 2.0, center=True), (x - np.nanmean(x)) / 2)
    with pytest.raises(ValueError, match="Allowed values are 'sd', 'mean', 'max', 'mad'"):
        att.scale(x, "zscore")


def test_outliers_pool_both_partners_and_count():
    s = att.Session.from_arrays([0, 1, 0, 1, 50.0], [0, 1, 0, 1, 0], sampling_rate=1)
    out = att.remove_outliers(s, threshold=10)
    assert np.isnan(out.pair()[0][-1])
    assert out.meta["outliers_removed"] == {"partner_1/signal": 1, "partner_2/signal": 0}
    with pytest.raises(ValueError, match="exactly one of"):
        att.remove_outliers(s, threshold_sd=3, threshold=10)


def test_resample_mean_and_linear():
    s = att.Session.from_arrays(np.arange(10.0), np.arange(10.0), sampling_rate=10)
    down = att.resample(s, 2)
    np.testing.assert_allclose(down.pair()[0], [2, 7])
    up = att.resample(s, 20, method="linear")
    np.testing.assert_allclose(up.pair()[0][:5], [0, 0.5, 1, 1.5, 2])
    with pytest.raises(ValueError, match="fewer than 2 samples"):
        att.resample(s, 0.5)


def test_align_streams_overlap_and_gaps():
    t1 = np.arange(0, 10, 0.25)
    t2 = np.arange(1, 12, 0.5)
    t2 = t2[(t2 < 5) | (t2 > 7)]  # a 2.5 s hole in partner 2
    s = att.align_streams(t1, t1 * 2, t2, t2 * 3, sampling_rate=4)
    assert s.times[0] == 1 and s.times[-1] <= 9.75
    x1, x2 = s.pair()
    np.testing.assert_allclose(x1, s.times * 2)
    hole = (s.times > 4.5) & (s.times < 7.5)  # between the samples bracketing the hole
    assert np.isnan(x2[hole]).all() and not np.isnan(x2[~hole]).any()
    with pytest.raises(ValueError, match="do not overlap in time"):
        att.align_streams([0, 1], [0, 1], [5, 6], [0, 1], sampling_rate=1)
