"""The growth model on the cohort report: ``measure ~ 1 + time + terms + (1 | dyad)``.

References, test by test: the data-generating slope of a seeded simulation; ordinary
least squares within dyads (in a balanced design where every dyad has the same session
numbers, the mixed model's fixed slope equals the pooled within-dyad OLS slope exactly,
and its SE is sqrt(residual variance / (n_dyads * Sxx))); statsmodels' formula interface
(patsy builds the design there, we build it here); and algebra (weekly dates are
7 * (session - 1) days, so the per-day slope is the per-session slope / 7).
"""

import warnings

import numpy as np
import pandas as pd
import pytest

from attunement.cohort import Store, load_project
from attunement.cohort.longitudinal import dyad_trends, growth_model
from attunement.cohort.report import cohort_model, write_cohort_report

pytest.importorskip("statsmodels")

TRUE_SLOPE = 0.01  # change in synchrony per session


def simulate(n_dyads=15, n_sessions=12, slope=TRUE_SLOPE, seed=7, dyad_sd=0.05, noise_sd=0.04):
    """One row per session: 0.2 + slope * session + dyad intercept + noise (seeded)."""
    rng = np.random.default_rng(seed)
    d = np.repeat(np.arange(n_dyads), n_sessions)
    s = np.tile(np.arange(1, n_sessions + 1), n_dyads)
    frame = pd.DataFrame(
        {
            "session": [f"d{i}s{j}" for i, j in zip(d, s)],
            "dyad": [f"d{i:02d}" for i in d],
            "session_number": s,
        }
    )
    frame["grand_average"] = (
        0.2 + slope * s + rng.normal(0, dyad_sd, n_dyads)[d] + rng.normal(0, noise_sd, len(d))
    )
    return frame


def _store(tmp_path, frame, meta_columns):
    """A store holding ``frame`` as per-session summaries plus the metadata columns."""
    store = Store(tmp_path / "store")
    for row in frame.itertuples(index=False):
        summary = pd.DataFrame({"session": [row.session], "grand_average": [row.grand_average]})
        store.save(row.session, {"summary": summary}, "h", "x")
    store.write_metadata(frame[["session", *meta_columns]])
    return store


def _row(result, term):
    return result.table.set_index("term").loc[term]


def test_increasing_synchrony_is_found():
    # Reference: the simulation's true slope (seed 7); and, exactly, pooled within-dyad OLS.
    frame = simulate(seed=7)
    result = growth_model(frame, "grand_average", terms=[])
    slope = _row(result, "session_number")
    assert slope.ci_low < TRUE_SLOPE < slope.ci_high
    assert slope.p_value < 0.05
    assert result.n_dyads == 15 and result.n_sessions == 180 and result.notes == []
    assert result.formula == "grand_average ~ 1 + session_number + (1 | dyad)"
    # Balanced design: the GLS slope is the mean of the per-dyad OLS slopes, and its SE
    # is the within-dyad one.
    assert slope.estimate == pytest.approx(dyad_trends(frame, "grand_average").slope.mean(),
                                           abs=1e-9)
    sxx = np.sum((np.arange(1, 13) - 6.5) ** 2)
    assert slope.std_error == pytest.approx(np.sqrt(result.var_residual / (15 * sxx)), rel=1e-6)
    assert slope.ci_high - slope.estimate == pytest.approx(1.959964 * slope.std_error, rel=1e-5)
    assert 0 < result.icc < 1


def test_no_trend_is_not_significant():
    # Reference: the simulation's true slope is 0; at seed 11 the test is not significant
    # (a 5 % test would wrongly reject at about 1 seed in 20).
    result = growth_model(simulate(slope=0.0, seed=11), "grand_average", terms=[])
    slope = _row(result, "session_number")
    assert slope.p_value > 0.05
    assert slope.ci_low < 0 < slope.ci_high


def test_group_and_outcome_terms_match_the_formula_interface():
    # Reference: statsmodels' formula interface fitting the same model (patsy's design).
    smf = pytest.importorskip("statsmodels.formula.api")
    frame = simulate(seed=3)
    dyad_number = frame.dyad.str[1:].astype(int)
    frame["group"] = np.where(dyad_number % 2, "treated", "control")
    frame["outcome"] = np.random.default_rng(4).normal(20, 5, len(frame))
    frame["grand_average"] += 0.05 * (frame.group == "treated")
    result = growth_model(frame, "grand_average")  # group and outcome taken by default
    assert result.formula == "grand_average ~ 1 + session_number + group + outcome + (1 | dyad)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.mixedlm("grand_average ~ session_number + group + outcome", frame,
                          groups=frame["dyad"]).fit(reml=True)
    ci = ref.conf_int()
    for term in ("Intercept", "session_number", "group[T.treated]", "outcome"):
        row = _row(result, term)
        assert row.estimate == pytest.approx(ref.fe_params[term], rel=1e-6)
        assert row.std_error == pytest.approx(ref.bse_fe[term], rel=1e-4)
        assert row.z == pytest.approx(ref.tvalues[term], rel=1e-4)
        assert row.p_value == pytest.approx(ref.pvalues[term], rel=1e-3, abs=1e-12)
        assert [row.ci_low, row.ci_high] == pytest.approx(list(ci.loc[term]), rel=1e-4)
    assert result.var_dyad == pytest.approx(ref.cov_re.iloc[0, 0], rel=1e-4)
    assert result.var_residual == pytest.approx(ref.scale, rel=1e-4)
    assert "'group' is a factor; its reference level is 'control'." in result.notes


def test_dates_as_time_are_days_since_the_dyads_first_session():
    # Reference: weekly sessions are 7 * (session - 1) days, so the slope per day is the
    # slope per session divided by 7; the intercept is the level at the first session.
    frame = simulate(seed=5)
    start = pd.Timestamp("2024-01-08") + pd.to_timedelta(frame.dyad.str[1:].astype(int), "D")
    frame["date"] = (start + pd.to_timedelta(7 * (frame.session_number - 1), "D")).astype(str)
    per_session = growth_model(frame, "grand_average", terms=[])
    per_day = growth_model(frame, "grand_average", time="date", terms=[])
    assert _row(per_day, "date").estimate == pytest.approx(
        _row(per_session, "session_number").estimate / 7, rel=1e-5)
    assert "'date' read as dates: time is days since the dyad's first session." in per_day.notes


def test_too_few_dyads_gives_a_note_not_an_error(tmp_path):
    # Reference: the model's stated minimum of 3 dyads; 2 dyads must be refused politely.
    frame = simulate(n_dyads=2, seed=1)
    result = growth_model(frame, "grand_average", terms=[])
    assert not result.fitted and result.table.empty
    assert result.notes == [
        "Not fitted: too few dyads (2); a random intercept per dyad needs at least 3."
    ]
    store = _store(tmp_path, frame, ["dyad", "session_number"])
    html = write_cohort_report(store, tmp_path / "cohort.html").read_text()
    assert "Mixed model over sessions" in html and "too few dyads (2)" in html
    assert 'class="mixed-model"' not in html
    assert store.query("SELECT count(*) AS n FROM mixed_model").n.item() == 0


def test_metadata_without_dyads_gives_a_note(tmp_path):
    frame = simulate(n_dyads=3, n_sessions=3, seed=1)
    store = _store(tmp_path, frame, [])
    result = cohort_model(store)
    assert not result.fitted
    assert "no column(s) ['dyad', 'session_number']" in result.notes[0]


def test_singular_fit_is_noted_and_reported_at_the_boundary():
    # Reference: by construction every dyad has the same mean residual (noise demeaned
    # within dyads), so the between-dyad variance estimate must be zero, where REML is
    # ordinary least squares with residual variance RSS / (n - p) (numpy's lstsq here;
    # statsmodels' own intercept on these data is 0 with an SE of 2.6e5).
    frame = simulate(dyad_sd=0.0, seed=2)
    noise = frame.grand_average - 0.2 - TRUE_SLOPE * frame.session_number
    frame["grand_average"] -= noise.groupby(frame.dyad).transform("mean")
    result = growth_model(frame, "grand_average", terms=[])
    assert result.fitted and result.var_dyad == 0 and result.icc == 0
    assert any(n.startswith("Singular fit") for n in result.notes)
    assert not any(n.startswith("Convergence warning") for n in result.notes)
    X = np.column_stack([np.ones(len(frame)), frame.session_number])
    y = frame.grand_average.to_numpy()
    beta, rss, *_ = np.linalg.lstsq(X, y, rcond=None)
    se = np.sqrt(np.diag(rss[0] / (len(y) - 2) * np.linalg.inv(X.T @ X)))
    assert result.table.estimate.to_numpy() == pytest.approx(beta, rel=1e-9)
    assert result.table.std_error.to_numpy() == pytest.approx(se, rel=1e-9)


def test_convergence_warnings_and_failures_become_notes(monkeypatch):
    mlm = pytest.importorskip("statsmodels.regression.mixed_linear_model")
    from statsmodels.tools.sm_exceptions import ConvergenceWarning

    original = mlm.MixedLM.fit

    def warns(self, *args, **kwargs):
        warnings.warn("Gradient optimization failed, |grad| = 0.5", ConvergenceWarning,
                      stacklevel=2)
        return original(self, *args, **kwargs)

    frame = simulate(seed=7)
    monkeypatch.setattr(mlm.MixedLM, "fit", warns)
    result = growth_model(frame, "grand_average", terms=[])
    assert result.fitted
    assert any("Convergence warning (statsmodels: Gradient optimization failed" in n
               for n in result.notes)

    def fails(self, *args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(mlm.MixedLM, "fit", fails)
    result = growth_model(frame, "grand_average", terms=[])
    assert not result.fitted
    assert result.notes == ["Not fitted: the fit failed (LinAlgError: Singular matrix)."]


def test_report_page_and_store_table(tmp_path):
    frame = simulate(seed=7)
    dyad_number = frame.dyad.str[1:].astype(int)
    frame["group"] = np.where(dyad_number % 2, "<script>x</script>", "<i>ctl</i>")
    store = _store(tmp_path, frame, ["dyad", "session_number", "group"])
    html = write_cohort_report(store, tmp_path / "cohort.html").read_text()
    assert "Mixed model over sessions" in html and 'class="mixed-model"' in html
    assert "<th>95% CI</th>" in html
    assert "grand_average ~ 1 + session_number + group + (1 | dyad)" in html
    assert "15 dyads · 180 sessions" in html
    assert "<tr><td>session_number</td><td>0.0108</td>" in html and "<td>&lt; 0.001</td>" in html
    # Group levels are user text: escaped, never markup.
    assert "<script>" not in html and "group[T.&lt;script&gt;x&lt;/script&gt;]" in html
    table = store.query("SELECT * FROM mixed_model ORDER BY term")
    assert list(table.columns[:8]) == ["measure", "term", "estimate", "std_error", "z",
                                       "p_value", "ci_low", "ci_high"]
    assert set(table.term) == {"Intercept", "session_number", "group[T.<script>x</script>]"}
    assert (table.n_dyads == 15).all() and (table.n_sessions == 180).all()
    expected = growth_model(frame, "grand_average", terms=["group"]).table
    got = table.set_index("term").loc[expected.term, "estimate"].to_numpy()
    assert got == pytest.approx(expected.estimate.to_numpy())


def test_named_columns_are_validated(tmp_path):
    frame = simulate(n_dyads=3, n_sessions=3, seed=1)
    store = _store(tmp_path, frame, ["dyad", "session_number"])
    from attunement.cohort.project import MixedModelSpec

    with pytest.raises(ValueError, match=r"mixed_model.terms\[0\]: no column 'bdi'"):
        cohort_model(store, spec=MixedModelSpec(terms=["bdi"]))
    with pytest.raises(ValueError, match="not a plain column name"):
        MixedModelSpec(time="session_number) + (1")
    with pytest.raises(ValueError, match="no column 'grand_average' in the table"):
        growth_model(frame.drop(columns="grand_average"), "grand_average")
    with pytest.raises(ValueError, match="holds neither numbers nor dates"):
        growth_model(frame.assign(session_number="soon"), "grand_average")
    # In a project file the error names the file, the setting and the column.
    (tmp_path / "a.txt").write_text("1 2\n3 4\n")
    (tmp_path / "meta.csv").write_text("session,dyad,week\na,d1,1\n")
    body = '[sessions]\npaths = ["*.txt"]\nmetadata = "meta.csv"\n[mixed_model]\n'
    for extra, message in [
        ('terms = ["bdi"]', r"p.toml: mixed_model.terms\[0\]: no column 'bdi' in the metadata"),
        ('time = "session_number"', "mixed_model.time: no column 'session_number'"),
        ('dyad = "dyad id"', "mixed_model.dyad: Value error, 'dyad id' is not a plain column"),
        ('terms = ["week"]\ntime = "week"', "each column can play one part"),
    ]:
        (tmp_path / "p.toml").write_text(body + extra + "\n")
        with pytest.raises(ValueError, match=message):
            load_project(tmp_path / "p.toml")
    (tmp_path / "p.toml").write_text(body + 'time = "week"\n')
    assert load_project(tmp_path / "p.toml").spec.mixed_model.time == "week"


@pytest.mark.parametrize("change, terms, note", [
    (lambda f: f.groupby("dyad").head(1), [], "every dyad has a single session"),
    (lambda f: f.assign(session_number=2), [], "'session_number' takes a single value"),
    (lambda f: f.assign(x=2.0 * f.session_number), ["x"],
     "the fixed effects ['session_number', 'x'] are collinear"),
    (lambda f: f.iloc[:0], [], "too few dyads (0)"),
])
def test_data_that_cannot_carry_the_model_give_notes(change, terms, note):
    # Reference: each case makes a fixed effect or the dyad variance unidentifiable.
    result = growth_model(change(simulate(n_dyads=4, n_sessions=3, seed=1)), "grand_average",
                          terms=terms)
    assert not result.fitted and note in result.notes[-1]
