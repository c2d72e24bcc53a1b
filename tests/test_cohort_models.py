"""The project's ``[[models]]``: validated in the project file, fitted over the store, saved
as the ``models`` / ``model_fit`` / ``model_anova`` / ``model_means`` tables and shown on
the cohort page.

Reference: R's lme4/lmerTest/emmeans results on the same data (tests/reference/lmm.R, case
``conditions_reml``, lmer run to convergence), here reached through the project file, the
metadata (one row per participant) and the store.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from attunement.cohort import Store, load_project
from attunement.report.cohort_report import write_cohort_report

REF = Path(__file__).parent / "reference"

PROJECT = """
[sessions]
paths = ["data/*.txt"]
metadata = "meta.csv"

[[models]]
name = "interaction"
formula = "partner_sync ~ condition * cq + (1 | dyad)"
levels = { condition = ["240p", "480p", "1080p"] }

[[models]]
name = "session_level"
formula = "grand_average ~ condition + (1 | dyad)"
levels = { condition = ["240p", "480p", "1080p"] }

[[models]]
name = "missing"
formula = "grand_average ~ bdi + (1 | dyad)"
"""


@pytest.fixture
def study(tmp_path):
    """42 sessions (14 dyads x 3 conditions), metadata with a row per participant carrying
    a rating ``cq`` and a participant-level measure (the R case's data)."""
    rows = pd.read_csv(REF / "lmm_conditions.csv").rename(columns={"grand_average":
                                                                    "partner_sync"})
    rows.insert(0, "session", rows.dyad + "_" + rows.condition)
    (tmp_path / "data").mkdir()
    store = Store(tmp_path / "store")
    rng = np.random.default_rng(0)
    for sid in rows.session.unique():
        (tmp_path / "data" / f"{sid}.txt").write_text("1 2\n3 4\n")
        summary = pd.DataFrame({"session": [sid], "grand_average": [rng.normal(0.3, 0.05)]})
        store.save(sid, {"summary": summary}, "h", "x")
    rows.to_csv(tmp_path / "meta.csv", index=False)
    (tmp_path / "project.toml").write_text(PROJECT)
    project = load_project(tmp_path / "project.toml")
    store.write_metadata(project.metadata)
    return tmp_path, project, store


def test_models_table_equals_lmertest_through_the_store(study):
    tmp_path, project, store = study
    html = write_cohort_report(store, tmp_path / "cohort.html", model=project.spec.mixed_model,
                               models=project.spec.models).read_text()
    store.write_database()
    ours = store.query("SELECT * FROM models WHERE model = 'interaction'")
    theirs = pd.read_csv(REF / "lmm_coef_r.csv")
    theirs = theirs[(theirs.case == "conditions_reml") & (theirs.control == "tight")]
    assert list(ours.columns) == ["model", "term", "estimate", "se", "df", "t", "p_value",
                                  "ci_low", "ci_high"]
    np.testing.assert_allclose(ours.estimate, theirs.estimate, atol=1e-6)
    np.testing.assert_allclose(ours.se, theirs.se, rtol=1e-5)
    np.testing.assert_allclose(ours.df, theirs.df, atol=1e-3)
    np.testing.assert_allclose(ours.p_value, theirs.p_value, atol=1e-4)
    fit = store.query("SELECT * FROM model_fit ORDER BY model").set_index("model")
    r_fit = pd.read_csv(REF / "lmm_fit_r.csv")
    r_fit = r_fit[(r_fit.case == "conditions_reml") & (r_fit.control == "tight")].iloc[0]
    assert fit.loc["interaction", "n_obs"] == 77
    assert fit.loc["interaction", "groups"] == "dyad: 14"
    assert fit.loc["interaction", "reml_criterion"] == pytest.approx(r_fit.criterion, abs=1e-6)
    assert 0 < fit.loc["interaction", "r2_marginal"] < fit.loc["interaction", "r2_conditional"]
    # a model over columns the data lack is not fitted, and says so; the others are
    assert fit.loc["missing", "notes"].startswith("Not fitted: model 'missing': no column 'bdi'")
    means = store.query("SELECT * FROM model_means WHERE model = 'interaction'")
    r_means = pd.read_csv(REF / "lmm_emmeans_r.csv")
    r_means = r_means[(r_means.case == "conditions_reml") & (r_means.control == "tight")]
    np.testing.assert_allclose(means.estimate, r_means.estimate, atol=1e-6)
    anova = store.query("SELECT * FROM model_anova WHERE model = 'interaction'")
    assert anova.term.tolist() == ["condition", "cq", "condition:cq"]
    # the page shows each model with its estimated means, and no empty growth-model box
    assert "Model interaction" in html and "Model session_level" in html
    assert "Estimated marginal means" in html
    assert "Mixed model over sessions" not in html
    assert "no column &#39;bdi&#39;" in html


def test_session_measures_are_carried_to_each_participant_row(study):
    # Reference: the summary table itself: every participant row of a session carries the
    # session's value, and the session-level model sees both rows.
    tmp_path, project, store = study
    from attunement.cohort.models import model_frame

    frame = model_frame(store)
    summary = store.table("summary").set_index("session").grand_average
    assert len(frame) == 77
    np.testing.assert_array_equal(frame.grand_average, summary.loc[frame.session].to_numpy())


def test_bad_models_are_refused_when_the_project_is_loaded(study):
    tmp_path, _, _ = study
    for formula, message in [
        ("partner_sync ~ condition + (1 | dyad/participant)", "the random term"),
        ("partner_sync ~ log(cq) + (1 | dyad)", "the formula calls 'log'"),
        ("partner_sync ~ condition", "no random term"),
    ]:
        (tmp_path / "bad.toml").write_text(
            f'[sessions]\npaths = ["data/*.txt"]\n[[models]]\nname = "m1"\n'
            f'formula = "{formula}"\n')
        with pytest.raises(ValueError, match=rf"bad.toml: models\[0\].formula: .*model 'm1': "
                                             rf"{message}"):
            load_project(tmp_path / "bad.toml")
    (tmp_path / "bad.toml").write_text(
        '[sessions]\npaths = ["data/*.txt"]\n[[models]]\nname = "m"\nformula = "y ~ (1|d)"\n'
        '[[models]]\nname = "m"\nformula = "y ~ (1|d)"\n')
    with pytest.raises(ValueError, match=r"models: .*repeated: \['m'\]"):
        load_project(tmp_path / "bad.toml")


def test_several_rows_per_session_need_a_participant_column(study):
    tmp_path, _, _ = study
    meta = pd.read_csv(tmp_path / "meta.csv")
    meta.drop(columns="participant").to_csv(tmp_path / "meta.csv", index=False)
    with pytest.raises(ValueError, match="meta.csv: sessions .* several rows; .* 'participant'"):
        load_project(tmp_path / "project.toml")
    pd.concat([meta, meta.iloc[:1]]).to_csv(tmp_path / "meta.csv", index=False)
    with pytest.raises(ValueError, match="participant 'd00p0' has more than one row"):
        load_project(tmp_path / "project.toml")


RMEA_PROJECT = """
[project]
name = "rMEA intakes: continued vs dropped out"
[sessions]
paths = ["halves/*.txt"]
metadata = "meta.csv"
[analysis.read]
sampling_rate = 25
[analysis.sync]
window_s = 30
max_lag_s = 3
step_s = 10
[analysis.surrogates]
n_surrogates = 0
[[models]]
name = "dropout"
formula = "grand_average ~ outcome + part + (1 | dyad)"
levels = { outcome = ["continued", "dropped_out"], part = ["first", "second"] }
"""


@pytest.mark.slow
def test_rmea_continued_vs_dropped_out_is_a_model_in_the_store(shared_dir, tmp_path):
    # Real data: the 20 rMEA intake interviews (10 continued therapy, 10 dropped out), each
    # cut into its first and second 5 minutes (two sessions per dyad), through the project
    # file and the batch into the store's models table. Reference: with every dyad seen
    # twice (a balanced design) and a random intercept per dyad, the outcome's t test is
    # exactly Student's two-sample t test on the dyads' mean synchrony (scipy), df =
    # n_dyads - 2 = 18 (unless the between-dyad variance is at zero).
    from scipy import stats

    from attunement.cohort import run_batch

    (tmp_path / "halves").mkdir()
    rows = []
    for folder, outcome in (("normal", "continued"), ("dropout", "dropped_out")):
        for path in sorted((shared_dir / "data/rmea_psychotherapy" / folder).glob("*.txt")):
            lines = path.read_text().splitlines()
            header, body = lines[0], lines[1:]
            half = len(body) // 2
            for part, chunk in (("first", body[:half]), ("second", body[half:])):
                sid = f"{path.stem}_{part}"
                (tmp_path / "halves" / f"{sid}.txt").write_text("\n".join([header, *chunk]) + "\n")
                rows.append({"session": sid, "dyad": path.stem, "outcome": outcome, "part": part})
    pd.DataFrame(rows).to_csv(tmp_path / "meta.csv", index=False)
    (tmp_path / "project.toml").write_text(RMEA_PROJECT)
    project = load_project(tmp_path / "project.toml")
    store = Store(tmp_path / "store")
    assert not run_batch(project, store, workers=2).failed
    store.write_metadata(project.metadata)
    write_cohort_report(store, tmp_path / "cohort.html", models=project.spec.models)
    store.write_database()
    table = store.query("SELECT * FROM models").set_index("term")
    fit = store.query("SELECT * FROM model_fit").iloc[0]
    assert fit.n_obs == 40 and fit.groups == "dyad: 20" and not fit.singular
    summary = store.query("SELECT s.session, s.grand_average, m.dyad, m.outcome FROM summary s "
                          "JOIN metadata m USING (session)")
    means = summary.groupby(["dyad", "outcome"]).grand_average.mean().reset_index()
    ref = stats.ttest_ind(means.grand_average[means.outcome == "dropped_out"],
                          means.grand_average[means.outcome == "continued"])
    row = table.loc["outcome[T.dropped_out]"]
    assert row.t == pytest.approx(ref.statistic, rel=1e-5)
    assert row.df == pytest.approx(18, abs=1e-3)
    assert row.p_value == pytest.approx(ref.pvalue, abs=1e-5)


def test_sessions_with_several_channels_need_the_model_to_name_one(tmp_path):
    # Reference: the R case's data again (tests/reference/lmm.R, conditions_reml): with two
    # channels per session in the summary, a model must name one, and then equals R.
    from attunement.cohort.models import fit_models
    from attunement.cohort.project import ModelSpec

    rows = pd.read_csv(REF / "lmm_conditions.csv")
    rows.insert(0, "session", [f"s{k}" for k in range(len(rows))])
    store = Store(tmp_path / "store")
    for row in rows.itertuples():
        summary = pd.DataFrame({"session": [row.session] * 2,
                                "channel": ["movement", "affect"],
                                "grand_average": [row.grand_average, 0.0]})
        store.save(row.session, {"summary": summary}, "h", "x")
    store.write_metadata(rows.drop(columns="grand_average"))
    formula = "grand_average ~ condition * cq + (1 | dyad)"
    levels = {"condition": ["240p", "480p", "1080p"]}
    specs = [ModelSpec(name="any", formula=formula, levels=levels),
             ModelSpec(name="moves", formula=formula, levels=levels, channel="movement"),
             ModelSpec(name="typo", formula=formula, levels=levels, channel="motion")]
    fitted = fit_models(store, specs)
    assert "several channels ['affect', 'movement']; name one" in fitted.errors["any"]
    assert "channel = 'motion' is not in the summary" in fitted.errors["typo"]
    theirs = pd.read_csv(REF / "lmm_coef_r.csv")
    theirs = theirs[(theirs.case == "conditions_reml") & (theirs.control == "tight")]
    np.testing.assert_allclose(fitted.fits["moves"].coefficients.estimate, theirs.estimate,
                               atol=1e-6)
