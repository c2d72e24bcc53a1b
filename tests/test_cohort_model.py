"""The growth model on the cohort report: ``measure ~ 1 + time + terms + (1 + time | dyad)``.

By default (``random_slope="auto"``) the model has a random slope of time per dyad and
falls back to ``(1 | dyad)``, with a note, where the data or the fit cannot carry it. The
tests of the random-intercept model's identities below ask for it (``random_slope=False``)
or use data without slope variance, where the random-slope fit is singular and falls back.

References, test by test: the data-generating slope of a seeded simulation; ordinary
least squares within dyads (in a balanced design where every dyad has the same session
numbers, the mixed model's fixed slope equals the pooled within-dyad OLS slope exactly,
and its SE is sqrt(residual variance / (n_dyads * Sxx))); statsmodels' formula interface
(patsy builds the design there, we build it here); and algebra (weekly dates are
7 * (session - 1) days, so the per-day slope is the per-session slope / 7).

Time x term interactions (``time_interactions``): the seeded simulation's difference
between the arms' slopes; and, when every dyad has the same session numbers, the
difference of the arms' mean per-dyad OLS slopes, exactly. That identity holds because
the columns of the design (1, t, g, t*g, g constant within dyads) span a space that each
dyad's covariance sigma^2 I + tau^2 J maps into itself (J t is a constant, J (t*g) a
multiple of g), so GLS equals OLS for any variance estimates (Zyskind's condition), and
OLS of y on 1, t, g, t*g fits each arm separately, whose pooled slope with shared session
numbers is the mean of its dyads' slopes. Its SE is then
sqrt(residual variance * (1/m_0 + 1/m_1) / Sxx) for m_0 and m_1 dyads per arm.

Random slope ``(1 + time | dyad)``: statsmodels' formula interface with
``re_formula="~session_number"`` (patsy's design, statsmodels' optimisers from their own
start); the same first principles (each dyad's covariance sigma^2 I + Z G Z' with Z = [1, t]
maps 1, t, g, t*g into their span, so the interaction is again the difference of the arms'
mean per-dyad OLS slopes, now with SE sqrt((slope variance + residual variance / Sxx) *
(1/m_0 + 1/m_1))); and the nominal 5 % level of a calibrated test over seeded null cohorts
(Barr et al. 2013, J Mem Lang 68:255: without the random slope it is far exceeded).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from attunement.cohort import Store, load_project
from attunement.cohort.longitudinal import dyad_trends
from attunement.report.cohort_report import cohort_model, write_cohort_report
from attunement.stats.growth import growth_model

pytest.importorskip("statsmodels")

TRUE_SLOPE = 0.01  # change in synchrony per session


def simulate(n_dyads=15, n_sessions=12, slope=TRUE_SLOPE, seed=7, dyad_sd=0.05, noise_sd=0.04,
             slope_sd=0.0):
    """One row per session: 0.2 + slope * session + dyad intercept + noise (seeded).

    ``slope_sd`` > 0 adds each dyad's own slope deviation (drawn after the rest, so the
    other draws do not change with it).
    """
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
    if slope_sd:
        frame["grand_average"] += rng.normal(0, slope_sd, n_dyads)[d] * s
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


def _gls_se(ref):
    """The fixed effects' SEs at statsmodels' variance estimates, ``sqrt(diag((X' V^-1
    X)^-1))`` (V from its cov_re and scale): lme4's and lmerTest's SEs. statsmodels' own
    ``bse_fe`` come from the joint information of fixed and variance parameters and differ
    from these in the 4th digit."""
    model = ref.model
    X, Z = model.exog, model.exog_re
    cov_re, scale = np.asarray(ref.cov_re, float), float(ref.scale)
    info = np.zeros((X.shape[1], X.shape[1]))
    for rows in model.row_indices.values():
        Zi, Xi = Z[rows], X[rows]
        V = Zi @ cov_re @ Zi.T + scale * np.eye(len(rows))
        info += Xi.T @ np.linalg.solve(V, Xi)
    return pd.Series(np.sqrt(np.diag(np.linalg.inv(info))), index=model.exog_names)


def test_increasing_synchrony_is_found():
    # Reference: the simulation's true slope (seed 7); and, exactly, pooled within-dyad OLS.
    # The dyads share one slope here, so the default's random-slope fit is singular (its
    # levels and slopes perfectly correlated) and the model falls back to (1 | dyad), with
    # a note: the random-intercept identities below hold, as before the random slope.
    frame = simulate(seed=7)
    result = growth_model(frame, "grand_average", terms=[])
    slope = _row(result, "session_number")
    assert slope.ci_low < TRUE_SLOPE < slope.ci_high
    assert slope.p_value < 0.05
    assert result.n_dyads == 15 and result.n_sessions == 180
    assert not result.random_slope and np.isnan(result.var_slope)
    assert result.notes == [
        "No random slope of 'session_number' per dyad: its fit is singular (the dyads' levels "
        "and slopes are estimated to be perfectly correlated, r = +1, so the slopes' variance "
        "is not told apart from the levels'); the model has a random intercept only."
    ]
    assert result.formula == "grand_average ~ 1 + session_number + (1 | dyad)"
    plain = growth_model(frame, "grand_average", terms=[], random_slope=False)
    assert plain.notes == [] and plain.table.equals(result.table)
    # Balanced design: the GLS slope is the mean of the per-dyad OLS slopes, and its SE
    # is the within-dyad one.
    assert slope.estimate == pytest.approx(dyad_trends(frame, "grand_average").slope.mean(),
                                           abs=1e-9)
    sxx = np.sum((np.arange(1, 13) - 6.5) ** 2)
    assert slope.std_error == pytest.approx(np.sqrt(result.var_residual / (15 * sxx)), rel=1e-6)
    # t with Satterthwaite's df: here exact, the within-dyad residual mean square's df
    # (15 dyads x 11 - 1 = 164), sigma^2 being the only variance in the slope's SE.
    assert slope.df == pytest.approx(15 * 11 - 1, rel=1e-6)
    assert slope.ci_high - slope.estimate == pytest.approx(
        stats.t.ppf(0.975, 164) * slope.std_error, rel=1e-5)
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
    # group and outcome taken by default; the reference is the random-intercept model
    result = growth_model(frame, "grand_average", random_slope=False)
    assert result.formula == "grand_average ~ 1 + session_number + group + outcome + (1 | dyad)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.mixedlm("grand_average ~ session_number + group + outcome", frame,
                          groups=frame["dyad"]).fit(reml=True)
    # statsmodels' p-values and intervals are normal (z); ours are t with Satterthwaite's
    # df, so those are checked from statsmodels' Wald ratio and SE with our df.
    se = _gls_se(ref)
    for term in ("Intercept", "session_number", "group[T.treated]", "outcome"):
        row = _row(result, term)
        assert row.estimate == pytest.approx(ref.fe_params[term], rel=1e-6)
        assert row.std_error == pytest.approx(se[term], rel=1e-4)
        assert row.t == pytest.approx((ref.fe_params[term] / se[term]), rel=1e-4)
        t_ref = ref.fe_params[term] / se[term]
        assert row.p_value == pytest.approx(2 * stats.t.sf(abs(t_ref), row.df),
                                            rel=1e-3, abs=1e-12)
        half = stats.t.ppf(0.975, row.df) * se[term]
        assert [row.ci_low, row.ci_high] == pytest.approx(
            [ref.fe_params[term] - half, ref.fe_params[term] + half], rel=1e-4)
    # Between-dyad group: about n_dyads - 2 df; session-level terms: nearer the residual df.
    assert 10 < _row(result, "group[T.treated]").df < 15
    assert 150 < _row(result, "session_number").df <= 180 - 4
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


def test_failed_fits_become_notes(monkeypatch):
    # Reference: none needed; a fit that fails must be said, not raised (nothing hidden).
    import attunement.stats._lmm as lmm

    def fails(*args, **kwargs):
        raise np.linalg.LinAlgError("Singular matrix")

    frame = simulate(seed=7)
    sloped = simulate(seed=7, slope_sd=0.005)
    monkeypatch.setattr(lmm, "fit", fails)
    result = growth_model(frame, "grand_average", terms=[], random_slope=False)
    assert not result.fitted
    assert result.notes == ["Not fitted: the fit failed (LinAlgError: Singular matrix)."]
    # The random slope's fit fails first (on data whose slopes vary), then the fallback's.
    result = growth_model(sloped, "grand_average", terms=[], random_slope=True)
    assert not result.fitted
    assert result.notes == [
        "No random slope of 'session_number' per dyad: its fit failed (LinAlgError: Singular "
        "matrix); the model has a random intercept only.",
        "Not fitted: the fit failed (LinAlgError: Singular matrix).",
    ]


def test_report_page_and_store_table(tmp_path):
    frame = simulate(seed=7)
    dyad_number = frame.dyad.str[1:].astype(int)
    frame["group"] = np.where(dyad_number % 2, "<script>x</script>", "<i>ctl</i>")
    store = _store(tmp_path, frame, ["dyad", "session_number", "group"])
    html = write_cohort_report(store, tmp_path / "cohort.html").read_text()
    assert "Mixed model over sessions" in html and 'class="mixed-model"' in html
    assert "<th>t</th><th>df</th><th>p</th><th>95% CI</th>" in html
    assert "Satterthwaite" in html and "Wald z" not in html
    assert "grand_average ~ 1 + session_number + group + (1 | dyad)" in html
    assert "15 dyads · 180 sessions" in html
    assert "<tr><td>session_number</td><td>0.0108</td>" in html and "<td>&lt; 0.001</td>" in html
    # Group levels are user text: escaped, never markup.
    assert "<script>" not in html and "group[T.&lt;script&gt;x&lt;/script&gt;]" in html
    # One slope shared by all dyads: the random slope's fit is singular and falls back, so
    # the page keeps the caveat and the note.
    assert "The model has no random slope of\nsession_number" in html
    assert "No random slope of &#39;session_number&#39; per dyad: its fit is singular" in html
    table = store.query("SELECT * FROM mixed_model ORDER BY term")
    assert list(table.columns[:9]) == ["measure", "term", "estimate", "std_error", "t", "df",
                                       "p_value", "ci_low", "ci_high"]
    assert list(table.columns[9:]) == ["n_dyads", "n_sessions", "var_dyad", "var_slope",
                                       "corr_intercept_slope", "var_residual", "formula",
                                       "notes"]
    assert table.var_slope.isna().all() and table.corr_intercept_slope.isna().all()
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


# ------------------------------------------------------------ time x term interactions
SLOPE_DIFF = 0.005  # treated arm's extra change in synchrony per session



def assert_interaction_is_slope_difference(result, frame):
    """The interaction equals the difference of the arms' mean per-dyad OLS slopes (scipy's
    linregress per dyad) and time's slope the control arm's; returns its row and Sxx."""
    trends = dyad_trends(frame, "grand_average").merge(frame[["dyad", "group"]]
                                                       .drop_duplicates())
    means = trends.groupby("group").slope.mean()
    row = _row(result, INTERACTION)
    assert row.estimate == pytest.approx(means["treated"] - means["control"], abs=1e-9)
    assert _row(result, "session_number").estimate == pytest.approx(means["control"], abs=1e-9)
    return row, np.sum((np.arange(1, 13) - 6.5) ** 2)

def simulate_arms(n_control=10, n_treated=10, n_sessions=12, slope_diff=SLOPE_DIFF, seed=0,
                  dyad_sd=0.05, noise_sd=0.04, slope_sd=0.0):
    """Two arms: 0.2 + 0.03 treated + (0.005 + slope_diff treated) * session + dyad + noise.

    Every dyad has sessions 1..n_sessions. ``slope_sd`` > 0 adds each dyad's own slope
    deviation, N(0, slope_sd) per session (drawn after the rest, so the other draws do
    not change with it); by default the dyads of an arm share its slope.
    """
    rng = np.random.default_rng(seed)
    n = n_control + n_treated
    d = np.repeat(np.arange(n), n_sessions)
    s = np.tile(np.arange(1, n_sessions + 1), n)
    treated = d >= n_control
    frame = pd.DataFrame(
        {
            "session": [f"d{i}s{j}" for i, j in zip(d, s)],
            "dyad": [f"d{i:02d}" for i in d],
            "session_number": s,
            "group": np.where(treated, "treated", "control"),
        }
    )
    frame["grand_average"] = (
        0.2 + 0.03 * treated + (0.005 + slope_diff * treated) * s
        + rng.normal(0, dyad_sd, n)[d] + rng.normal(0, noise_sd, len(d))
    )
    if slope_sd:
        frame["grand_average"] += rng.normal(0, slope_sd, n)[d] * s
    return frame


INTERACTION = "session_number:group[T.treated]"


def test_faster_change_in_one_arm_is_found():
    # Reference: the simulation's true difference between the arms' slopes, 0.005 per
    # session (seed 0; estimate 0.0068, 95 % CI [0.0027, 0.0109], p = 0.001). The default
    # model now has a random slope: these dyads share their arm's slope, but REML puts the
    # slopes' SD at 0.0033 by chance, so the CI is wider than with (1 | dyad) ([0.0038,
    # 0.0098], p = 1e-5); the estimate is the same (the identity in the module docstring).
    result = growth_model(simulate_arms(seed=0), "grand_average", terms=["group"],
                          time_interactions=["group"])
    assert result.formula == (
        "grand_average ~ 1 + session_number + group + session_number:group"
        " + (1 + session_number | dyad)"
    )
    assert result.random_slope and result.var_slope == pytest.approx(1.08e-5, rel=0.01)
    assert list(result.table.term) == ["Intercept", "session_number", "group[T.treated]",
                                       INTERACTION]
    assert result.interactions == ["group"]
    row = _row(result, INTERACTION)
    assert row.ci_low < SLOPE_DIFF < row.ci_high
    assert row.p_value < 0.05
    # The time effect is now the control arm's slope (0.005 in the simulation).
    slope = _row(result, "session_number")
    assert slope.ci_low < 0.005 < slope.ci_high


def test_equal_slopes_are_not_significantly_different():
    # Reference: the simulation's true difference is 0; at seed 1 the test is not
    # significant (estimate 9e-5, p = 0.95; a 5 % test rejects at about 1 seed in 20).
    result = growth_model(simulate_arms(slope_diff=0.0, seed=1), "grand_average",
                          terms=["group"], time_interactions=["group"])
    row = _row(result, INTERACTION)
    assert row.p_value > 0.05
    assert row.ci_low < 0 < row.ci_high


@pytest.mark.parametrize("n_treated", [10, 7])
def test_interaction_is_the_difference_of_the_arms_mean_dyad_slopes(n_treated):
    # Reference: first principles (see the module docstring): with the same session
    # numbers in every dyad, the REML fixed effects are OLS, and the interaction is the
    # difference of the arms' mean per-dyad OLS slopes (scipy's linregress), exactly;
    # it holds for unequal arms too (n_treated=7). And statsmodels' formula interface
    # fitting ``grand_average ~ session_number * group`` (patsy's design).
    smf = pytest.importorskip("statsmodels.formula.api")
    frame = simulate_arms(n_treated=n_treated, seed=2)
    result = growth_model(frame, "grand_average", terms=["group"],
                          time_interactions=["group"], random_slope=False)
    row, sxx = assert_interaction_is_slope_difference(result, frame)
    assert row.std_error == pytest.approx(
        np.sqrt(result.var_residual * (1 / 10 + 1 / n_treated) / sxx), rel=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.mixedlm("grand_average ~ session_number * group", frame,
                          groups=frame["dyad"]).fit(reml=True)
    se = _gls_se(ref)
    for term in ("Intercept", "session_number", "group[T.treated]", INTERACTION):
        row = _row(result, term)
        assert row.estimate == pytest.approx(ref.fe_params[term], rel=1e-6)
        assert row.std_error == pytest.approx(se[term], rel=1e-4)
        # statsmodels' p-values are normal (z); ours t with Satterthwaite's df
        t_ref = ref.fe_params[term] / se[term]
        assert row.p_value == pytest.approx(2 * stats.t.sf(abs(t_ref), row.df),
                                            rel=1e-3, abs=1e-12)
    # The interaction's variance is the within-dyad residual variance's multiple, so its
    # df are exact: that mean square's, (10 + n_treated) dyads x 11 - 2.
    assert _row(result, INTERACTION).df == pytest.approx((10 + n_treated) * 11 - 2, rel=1e-6)
    assert result.var_dyad == pytest.approx(ref.cov_re.iloc[0, 0], rel=1e-4)


def test_numeric_and_factor_interactions_match_the_formula_interface():
    # Reference: statsmodels' formula interface with patsy's interaction columns, in an
    # unbalanced design (dyads with 6 to 12 sessions) where no closed form applies.
    smf = pytest.importorskip("statsmodels.formula.api")
    frame = simulate_arms(seed=3)
    rng = np.random.default_rng(8)
    frame = frame[frame.session_number <= frame.dyad.str[1:].astype(int) % 7 + 6].copy()
    frame["bdi"] = rng.normal(20, 5, len(frame)).round()
    frame["grand_average"] += 0.0005 * frame.bdi * frame.session_number
    result = growth_model(frame, "grand_average", terms=["group", "bdi"],
                          time_interactions=["bdi", "group"], random_slope=False)
    assert result.formula == ("grand_average ~ 1 + session_number + group + bdi"
                              " + session_number:group + session_number:bdi + (1 | dyad)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.mixedlm(
            "grand_average ~ session_number + group + bdi + session_number:group"
            " + session_number:bdi", frame, groups=frame["dyad"]).fit(reml=True)
    assert set(result.table.term) == set(ref.fe_params.index)
    se = _gls_se(ref)
    for term in ref.fe_params.index:
        row = _row(result, term)
        assert row.estimate == pytest.approx(ref.fe_params[term], rel=1e-5)
        assert row.std_error == pytest.approx(se[term], rel=1e-4)


def test_interaction_with_a_single_valued_term_is_left_out_with_a_note():
    frame = simulate_arms(seed=4).assign(group="control")
    result = growth_model(frame, "grand_average", terms=["group"],
                          time_interactions=["group"])
    assert result.fitted and result.interactions == []
    assert result.formula == "grand_average ~ 1 + session_number + (1 + session_number | dyad)"
    assert ("'group' takes a single value in these sessions; left out of the model "
            "(and so its interaction with time).") in result.notes


def test_bad_interaction_settings_name_the_setting_and_column(tmp_path):
    from attunement.cohort.project import MixedModelSpec

    frame = simulate_arms(n_control=2, n_treated=2, n_sessions=3, seed=1)
    frame["bdi"] = 1.0 * frame.session_number
    for kwargs, message in [
        (dict(terms=["group"], time_interactions=["bdi"]),
         r"mixed_model.time_interactions\[0\]: 'bdi' is not among the model's terms "
         r"\['group'\]; .* add 'bdi' to mixed_model.terms"),
        (dict(terms=["group"], time_interactions=["session_number"]),
         r"time_interactions\[0\]: 'session_number' is the model's time column, not a term"),
        (dict(terms=["group"], time_interactions=["grand_average"]),
         r"time_interactions\[0\]: 'grand_average' is the model's measure column"),
        (dict(terms=["group"], time_interactions=["group", "group"]),
         r"time_interactions\[1\]: 'group' is named more than once"),
        (dict(terms=["group"], time_interactions=["arm"]),
         r"mixed_model.time_interactions\[0\]: no column 'arm' in the table"),
        (dict(terms=["group"], time_interactions=["group)*(x"]),
         r"Invalid value for 'mixed_model.time_interactions\[0\]': expected a plain column"),
    ]:
        with pytest.raises(ValueError, match=message):
            growth_model(frame, "grand_average", **kwargs)
    # Default terms: 'group' is one where the metadata has it, 'bdi' is not.
    assert growth_model(frame, "grand_average", time_interactions=["group"]).interactions
    with pytest.raises(ValueError, match=r"'bdi' is not among the model's terms \['group'\]"):
        growth_model(frame, "grand_average", time_interactions=["bdi"])
    # The project's section: the spec itself, the store's metadata, the project file.
    with pytest.raises(ValueError, match=r"time_interactions\n.*'bdi' is not among the terms"):
        MixedModelSpec(terms=["group"], time_interactions=["bdi"])
    with pytest.raises(ValueError, match="not a plain column name"):
        MixedModelSpec(terms=["group"], time_interactions=["group + x"])
    assert MixedModelSpec().time_interactions == []
    store = _store(tmp_path, frame, ["dyad", "session_number", "group", "bdi"])
    with pytest.raises(ValueError, match=r"time_interactions\[0\]: no column 'arm' in the "
                                         "metadata"):
        cohort_model(store, spec=MixedModelSpec(time_interactions=["arm"]))
    with pytest.raises(ValueError, match=r"time_interactions\[0\]: 'bdi' is not among"):
        cohort_model(store, spec=MixedModelSpec(time_interactions=["bdi"]))
    (tmp_path / "a.txt").write_text("1 2\n3 4\n")
    (tmp_path / "meta.csv").write_text("session,dyad,week,group,bdi\na,d1,1,x,3\n")
    body = ('[sessions]\npaths = ["*.txt"]\nmetadata = "meta.csv"\n[mixed_model]\n'
            'time = "week"\n')
    for extra, message in [
        ('terms = ["group"]\ntime_interactions = ["bdi"]',
         r"p.toml: mixed_model.time_interactions: Value error, 'bdi' is not among the terms "
         r"\['group'\]"),
        ('time_interactions = ["arm"]',
         r"p.toml: mixed_model.time_interactions\[0\]: no column 'arm' in the metadata"),
        ('terms = []\ntime_interactions = ["group"]',
         r"time_interactions: Value error, 'group' is not among the terms \[\]"),
        ('time_interactions = ["week"]',
         r"p.toml: mixed_model.time_interactions: Value error, 'week' is the model's time "
         r"column, not a term"),
        ('time_interactions = ["bdi"]',  # default terms: 'group' is one, 'bdi' is not
         r"p.toml: mixed_model.time_interactions\[0\]: 'bdi' is not among the model's "
         r"terms \['group'\]; .* add 'bdi' to mixed_model.terms"),
        ('time_interactions = "group"', r"mixed_model.time_interactions: Input should be a"),
    ]:
        (tmp_path / "p.toml").write_text(body + extra + "\n")
        with pytest.raises(ValueError, match=message):
            load_project(tmp_path / "p.toml")
    (tmp_path / "p.toml").write_text(body + 'terms = ["group", "bdi"]\n'
                                     'time_interactions = ["bdi"]\n')
    assert load_project(tmp_path / "p.toml").spec.mixed_model.time_interactions == ["bdi"]


def test_report_shows_interactions_and_trends_use_the_model_columns(tmp_path):
    # The page's per-dyad trends and the model use the [mixed_model] columns ('pair',
    # 'week', here dates), so the two sections agree: per-day slopes on both.
    from attunement.cohort.project import MixedModelSpec

    frame = simulate_arms(seed=0).rename(columns={"dyad": "pair"})
    start = pd.Timestamp("2024-01-08") + pd.to_timedelta(frame.pair.str[1:].astype(int), "D")
    frame["week"] = (start + pd.to_timedelta(7 * (frame.session_number - 1), "D")).astype(str)
    store = _store(tmp_path, frame, ["pair", "week", "group"])
    spec = MixedModelSpec(dyad="pair", time="week", terms=["group"],
                          time_interactions=["group"])
    html = write_cohort_report(store, tmp_path / "cohort.html", model=spec).read_text()
    formula = "grand_average ~ 1 + week + group + week:group + (1 + week | pair)"
    assert formula in html
    assert "<tr><td>week:group[T.treated]</td>" in html
    assert "Time x term interactions" in html
    assert "Needs &#39;dyad&#39;" not in html
    assert "slope of grand_average on week (days since" in html
    # Per-day slopes (the per-session slopes / 7) and the level at each dyad's first
    # session (intercept + slope at session 1), as the page rounds them.
    from attunement.report.html import _fmt

    trends = dyad_trends(frame, "grand_average", "pair", "session_number")
    assert "<th>pair</th><th>n_sessions</th><th>slope</th>" in html
    for row in trends.itertuples():
        assert (f"<tr><td>{row.dyad}</td><td>12</td><td>{_fmt(row.slope / 7)}</td>"
                f"<td>{_fmt(row.intercept + row.slope)}</td>") in html
    table = store.query("SELECT * FROM mixed_model")
    assert "week:group[T.treated]" in set(table.term)
    assert (table.formula == formula).all()
    row = table.set_index("term").loc["week:group[T.treated]"]
    means = trends.merge(frame[["pair", "group"]].drop_duplicates(), left_on="dyad",
                         right_on="pair").groupby("group").slope.mean()
    assert row.estimate == pytest.approx((means["treated"] - means["control"]) / 7, abs=1e-9)
    # Without the section's names the page says which columns it needs.
    html = write_cohort_report(store, tmp_path / "default.html").read_text()
    assert "Needs &#39;dyad&#39; and &#39;session_number&#39; in the metadata" in html


# ------------------------------------------------------------------ random slope of time
SLOPE_SD = 0.005  # SD of the dyads' own slopes around their arm's slope, per session


def test_random_slope_matches_the_formula_interface():
    # Reference: statsmodels' formula interface, ``re_formula="~session_number"`` (patsy's
    # design, statsmodels' optimisers from their own start), in an unbalanced design
    # (dyads with 6 to 12 sessions) whose dyads' slopes vary. Seed 0 is one where the
    # formula interface's default fit converges (in seeds 3, 4, 5 and 7 it does not).
    smf = pytest.importorskip("statsmodels.formula.api")
    frame = simulate_arms(seed=0, slope_sd=SLOPE_SD)
    frame = frame[frame.session_number <= frame.dyad.str[1:].astype(int) % 7 + 6].copy()
    result = growth_model(frame, "grand_average", terms=["group"],
                          time_interactions=["group"])
    assert result.random_slope
    assert result.formula == ("grand_average ~ 1 + session_number + group"
                              " + session_number:group + (1 + session_number | dyad)")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = smf.mixedlm("grand_average ~ session_number * group", frame,
                          groups=frame["dyad"], re_formula="~session_number").fit(reml=True)
    assert ref.converged
    assert set(result.table.term) == set(ref.fe_params.index)
    se = _gls_se(ref)
    for term in ref.fe_params.index:
        row = _row(result, term)
        assert row.estimate == pytest.approx(ref.fe_params[term], rel=1e-5)
        assert row.std_error == pytest.approx(se[term], rel=1e-4)
        # statsmodels' p-values are normal (z); ours t with Satterthwaite's df
        t_ref = ref.fe_params[term] / se[term]
        assert row.p_value == pytest.approx(2 * stats.t.sf(abs(t_ref), row.df),
                                            rel=1e-3, abs=1e-12)
    cov = ref.cov_re.to_numpy()
    assert result.var_dyad == pytest.approx(cov[0, 0], rel=1e-4)
    assert result.var_slope == pytest.approx(cov[1, 1], rel=1e-4)
    assert result.corr_intercept_slope == pytest.approx(
        cov[0, 1] / np.sqrt(cov[0, 0] * cov[1, 1]), rel=1e-4)
    assert result.var_residual == pytest.approx(ref.scale, rel=1e-4)


@pytest.mark.parametrize("n_treated", [10, 7])
def test_random_slope_interaction_is_the_difference_of_the_arms_mean_dyad_slopes(n_treated):
    # Reference: first principles (module docstring): with the same session numbers in
    # every dyad, the interaction is the difference of the arms' mean per-dyad OLS slopes
    # (scipy's linregress) for any variance estimates, and its SE is
    # sqrt((slope variance + residual variance / Sxx) * (1/m_0 + 1/m_1)).
    frame = simulate_arms(n_treated=n_treated, seed=2, slope_sd=SLOPE_SD)
    result = growth_model(frame, "grand_average", terms=["group"],
                          time_interactions=["group"])
    assert result.random_slope and result.var_slope > 0
    row, sxx = assert_interaction_is_slope_difference(result, frame)
    assert row.std_error == pytest.approx(
        np.sqrt((result.var_slope + result.var_residual / sxx) * (1 / 10 + 1 / n_treated)),
        rel=1e-6)


@pytest.mark.slow
def test_random_slope_keeps_the_interaction_test_calibrated():
    # Reference: the nominal 5 % level. 200 seeded null cohorts (both arms' mean slopes
    # equal; 10 + 10 dyads x 12 sessions; each dyad's own slope N(0, 0.005) per session
    # around its arm's). A calibrated test rejects Binomial(200, 0.05) times: the central
    # 99 % band is 3 to 19 rejections (1.5 % to 9.5 %). The random-intercept model on the
    # first 100 cohorts must miss its band (0 to 11 of 100): without the random slope these
    # p-values are too small. Here, with t tests and Satterthwaite's df (18 with the random
    # slope), 9 of 200 reject with the random slope, 17 of 100 without (with the normal
    # reference used before: 10 and 17; in 1000 cohorts of a separate simulation of the
    # same setting, with z: 5.9 % and 20.8 %).
    from scipy import stats

    p_slope, p_intercept = [], []
    for seed in range(200):
        frame = simulate_arms(slope_diff=0.0, seed=1000 + seed, slope_sd=SLOPE_SD)
        fit = growth_model(frame, "grand_average", terms=["group"], time_interactions=["group"])
        p_slope.append(_row(fit, INTERACTION).p_value)
        if seed < 100:
            fit = growth_model(frame, "grand_average", terms=["group"],
                               time_interactions=["group"], random_slope=False)
            p_intercept.append(_row(fit, INTERACTION).p_value)
    low, high = stats.binom.interval(0.99, 200, 0.05)
    assert (low, high) == (3, 19)
    rejected = int(np.sum(np.array(p_slope) < 0.05))
    assert low <= rejected <= high, rejected
    assert np.sum(np.array(p_intercept) < 0.05) > stats.binom.interval(0.99, 100, 0.05)[1]


def _same_dyad_slopes(frame):
    """``frame`` with every dyad's own OLS slope moved to the cohort's mean slope."""
    slopes = dyad_trends(frame, "grand_average").set_index("dyad").slope
    centre = frame.groupby("dyad").session_number.transform("mean")
    out = frame.copy()
    out["grand_average"] -= (frame.dyad.map(slopes) - slopes.mean()) * (frame.session_number
                                                                         - centre)
    return out


def test_random_slope_falls_back_with_a_note_where_it_cannot_be_estimated():
    # Reference: what the data identify. Two sessions per dyad: each dyad's line passes
    # through both points, so its own slope cannot be told from noise (and there are no
    # more sessions than random effects). Every dyad's OLS slope equal: REML puts the
    # slopes' variance at the boundary, zero.
    two = simulate(n_sessions=2, seed=1, slope_sd=SLOPE_SD)
    for random_slope, need in [("auto", "3 dyads"), (True, "1 dyad")]:
        result = growth_model(two, "grand_average", terms=[], random_slope=random_slope)
        assert result.fitted and not result.random_slope
        assert result.formula == "grand_average ~ 1 + session_number + (1 | dyad)"
        assert result.notes[0] == (
            f"No random slope of 'session_number' per dyad: it needs {need} with sessions at "
            "three or more distinct times (here 0) and more sessions than random effects "
            "(here 30 sessions, 15 dyads x 2); the model has a random intercept only."
        )
    assert growth_model(two, "grand_average", terms=[], random_slope=False).notes == []

    flat = _same_dyad_slopes(simulate(seed=7, slope_sd=SLOPE_SD))
    assert dyad_trends(flat, "grand_average").slope.std() < 1e-12
    result = growth_model(flat, "grand_average", terms=[])
    assert result.fitted and not result.random_slope and np.isnan(result.var_slope)
    assert result.notes == [
        "No random slope of 'session_number' per dyad: its fit is singular (the variance of "
        "the dyads' slopes is estimated at zero: they vary no more than noise would make "
        "them); the model has a random intercept only."
    ]
    # The fallback is the random-intercept model itself.
    plain = growth_model(flat, "grand_average", terms=[], random_slope=False)
    assert result.table.equals(plain.table) and result.var_dyad == plain.var_dyad


def test_random_slope_whose_fit_fails_falls_back(monkeypatch):
    # Reference: none needed; the failure of the random slope's fit only must be said and
    # the random-intercept model fitted instead.
    import attunement.stats._lmm as lmm

    original = lmm.fit

    def fails_with_slope(y, X, blocks, reml=True):
        if blocks[0].q == 2:  # the random slope's fit only
            raise ValueError("the deviance could not be evaluated from lme4's start")
        return original(y, X, blocks, reml)

    monkeypatch.setattr(lmm, "fit", fails_with_slope)
    frame = simulate(seed=7, slope_sd=SLOPE_SD)
    result = growth_model(frame, "grand_average", terms=[])
    assert result.fitted and not result.random_slope
    assert result.notes == [
        "No random slope of 'session_number' per dyad: its fit failed (ValueError: the "
        "deviance could not be evaluated from lme4's start); the model has a random "
        "intercept only."
    ]


def test_report_shows_the_random_slope_and_its_variances(tmp_path):
    # The page and the store's table give the variances of the random intercept and
    # slope and their correlation (the model's own numbers), and drop the caveat about a
    # missing random slope; random_slope = false in the section brings it back.
    from attunement.cohort.project import MixedModelSpec
    from attunement.report.html import _fmt

    frame = simulate_arms(seed=2, slope_sd=SLOPE_SD)
    store = _store(tmp_path, frame, ["dyad", "session_number", "group"])
    spec = MixedModelSpec(terms=["group"], time_interactions=["group"])
    html = write_cohort_report(store, tmp_path / "cohort.html", model=spec).read_text()
    model = growth_model(frame, "grand_average", terms=["group"], time_interactions=["group"])
    assert model.random_slope
    assert ("<code>grand_average ~ 1 + session_number + group + session_number:group"
            " + (1 + session_number | dyad)</code>") in html
    assert (f"random intercept variance (at session_number = 0) {_fmt(model.var_dyad, 4)}"
            f" · random slope variance {_fmt(model.var_slope, 4)}"
            f" · their correlation {_fmt(model.corr_intercept_slope, 2)}"
            f" · residual variance {_fmt(model.var_residual, 4)}</p>") in html
    assert "With the random slope, the standard errors of" in html
    assert "no random slope" not in html and "· ICC" not in html
    # The store's rows come in another order (sorted by session), so the optimiser stops
    # at a slightly different point: agreement to its tolerance.
    table = store.query("SELECT * FROM mixed_model").set_index("term")
    assert table.var_slope.to_numpy() == pytest.approx(model.var_slope, rel=1e-4)
    assert table.corr_intercept_slope.to_numpy() == pytest.approx(model.corr_intercept_slope,
                                                                  rel=1e-4)
    assert table.var_dyad.to_numpy() == pytest.approx(model.var_dyad, rel=1e-4)
    assert table.loc[INTERACTION, "std_error"] == pytest.approx(
        _row(model, INTERACTION).std_error, rel=1e-5)

    spec = MixedModelSpec(terms=["group"], time_interactions=["group"], random_slope=False)
    html = write_cohort_report(store, tmp_path / "plain.html", model=spec).read_text()
    assert "+ (1 | dyad)</code>" in html and "between-dyad variance" in html
    assert "The model has no random slope of\nsession_number" in html
    assert "and its interactions are too small" in html
    table = store.query("SELECT * FROM mixed_model")
    assert table.var_slope.isna().all()


def test_random_slope_setting(tmp_path):
    from attunement.cohort.project import MixedModelSpec

    assert MixedModelSpec().random_slope == "auto"
    for bad in ["yes", 1, "true"]:
        with pytest.raises(ValueError, match='random_slope\n.*must be "auto", true or false'):
            MixedModelSpec(random_slope=bad)
    with pytest.raises(ValueError, match="Invalid value for 'mixed_model.random_slope'"):
        growth_model(simulate(n_dyads=3, n_sessions=3), "grand_average", random_slope="yes")
    (tmp_path / "a.txt").write_text("1 2\n3 4\n")
    (tmp_path / "meta.csv").write_text("session,dyad,week\na,d1,1\n")
    body = '[sessions]\npaths = ["*.txt"]\nmetadata = "meta.csv"\n[mixed_model]\ntime = "week"\n'
    (tmp_path / "p.toml").write_text(body + 'random_slope = "always"\n')
    with pytest.raises(ValueError, match=r'p.toml: mixed_model.random_slope: Value error, '
                                         r'must be "auto", true or false \(got \'always\'\)'):
        load_project(tmp_path / "p.toml")
    (tmp_path / "p.toml").write_text(body + "random_slope = false\n")
    assert load_project(tmp_path / "p.toml").spec.mixed_model.random_slope is False
    # The store's model follows the setting; its formula shows the model asked for.
    frame = simulate(n_dyads=3, n_sessions=3, seed=1)
    store = _store(tmp_path, frame, ["dyad"])
    for random_slope, random in [("auto", "1 + session_number"), (False, "1")]:
        result = cohort_model(store, spec=MixedModelSpec(random_slope=random_slope))
        assert result.formula == f"grand_average ~ 1 + session_number + ({random} | dyad)"
        assert "no column(s) ['session_number']" in result.notes[0]


# ------------------------------------------------ t tests with Satterthwaite's df
@pytest.mark.parametrize("n_treated", [5, 7])
def test_random_slope_interaction_t_is_the_two_sample_t_test_on_dyad_slopes(n_treated):
    # Reference: scipy's two-sample t test (ttest_ind, equal_var=True) on the dyads' own
    # OLS slopes (scipy's linregress), df = n_dyads - 2. First principles: in a balanced
    # design (every dyad at sessions 1..20) the dyads' OLS intercepts and slopes and their
    # residuals are sufficient; the first are N(arm's line, Sigma), Sigma = G + sigma^2
    # (Z'Z)^-1, the residual sum of squares sigma^2 chi^2 with n_dyads x 18 df, so REML
    # gives Sigma = S / (n_dyads - 2) (S the within-arm SSCP of the dyads' lines) and the
    # interaction's variance is Sigma_slope (1/m_0 + 1/m_1): its t is the two-sample t on
    # the slopes and, as that variance is one mean square's multiple, Satterthwaite's df
    # is exactly that mean square's, n_dyads - 2. The same holds for the group difference
    # at time 0 and the dyads' OLS intercepts.
    frame = simulate_arms(n_control=5, n_treated=n_treated, n_sessions=20, seed=3,
                          slope_sd=SLOPE_SD)
    trends = dyad_trends(frame, "grand_average").merge(frame[["dyad", "group"]]
                                                       .drop_duplicates())
    treated = trends.group == "treated"
    refs = {term: stats.ttest_ind(trends[col][treated], trends[col][~treated], equal_var=True)
            for term, col in [(INTERACTION, "slope"), ("group[T.treated]", "intercept")]}
    n_dyads = 5 + n_treated
    # The model end to end: to the REML optimiser's and the numerical derivatives'
    # tolerance.
    result = growth_model(frame, "grand_average", terms=["group"], time_interactions=["group"])
    assert result.random_slope
    for term, ref in refs.items():
        row = _row(result, term)
        assert row.t == pytest.approx(ref.statistic, rel=1e-6)
        assert row.df == pytest.approx(ref.df, rel=1e-5) and ref.df == n_dyads - 2
        assert row.p_value == pytest.approx(ref.pvalue, rel=1e-5)
        half = stats.t.ppf(0.975, n_dyads - 2) * row.std_error
        assert row.ci_high - row.estimate == pytest.approx(half, rel=1e-5)


def _satterthwaite_numerically(frame, result):
    """Satterthwaite's df by numerical derivatives of dense matrices: the REML deviance's
    Hessian and the fixed effects' covariance's gradient in (G11, G21, G22, sigma^2)."""
    t = frame.session_number.to_numpy(float)
    g = (frame.group == "treated").to_numpy(float)
    X = np.column_stack([np.ones_like(t), t, g, t * g])
    y = frame.grand_average.to_numpy()
    same = (frame.dyad.to_numpy()[:, None] == frame.dyad.to_numpy()[None, :])

    def V(psi):
        g11, g21, g22, s2 = psi
        return same * (g11 + g21 * (t[:, None] + t[None, :]) + g22 * np.outer(t, t)) + s2 * np.eye(
            len(t))

    def deviance(psi):  # -2 REML log-likelihood, up to a constant
        W = np.linalg.inv(V(psi))
        A = X.T @ W @ X
        P = W - W @ X @ np.linalg.solve(A, X.T @ W)
        return np.linalg.slogdet(V(psi))[1] + np.linalg.slogdet(A)[1] + y @ P @ y

    def phi(psi):
        return np.linalg.inv(X.T @ np.linalg.solve(V(psi), X))

    c = result.corr_intercept_slope * np.sqrt(result.var_dyad * result.var_slope)
    psi = np.array([result.var_dyad, c, result.var_slope, result.var_residual])
    h = 1e-3 * np.abs(psi)
    H = np.zeros((4, 4))
    for k in range(4):
        for m in range(4):
            ek, em = np.eye(4)[k] * h[k], np.eye(4)[m] * h[m]
            H[k, m] = (deviance(psi + ek + em) - deviance(psi + ek - em)
                       - deviance(psi - ek + em) + deviance(psi - ek - em)) / (4 * h[k] * h[m])
    grad = np.array([np.diag(phi(psi + np.eye(4)[k] * h[k]) - phi(psi - np.eye(4)[k] * h[k]))
                     / (2 * h[k]) for k in range(4)])
    return 2 * np.diag(phi(psi)) ** 2 / np.einsum("kj,kl,lj->j", grad, 2 * np.linalg.inv(H), grad)


def test_satterthwaite_df_match_numerical_derivatives_in_an_unbalanced_design():
    # Reference: Satterthwaite's formula evaluated with numerical (central-difference)
    # derivatives of dense matrices, independently of the model's analytic, dyad-by-dyad
    # ones, on the time axis as given (the model's df are computed on time centred and
    # scaled, and taken back): unbalanced dyads (6 to 12 sessions), where no closed form
    # applies; the df lie between n_dyads - 4 and the number of sessions.
    frame = simulate_arms(seed=0, slope_sd=SLOPE_SD)
    frame = frame[frame.session_number <= frame.dyad.str[1:].astype(int) % 7 + 6].copy()
    result = growth_model(frame, "grand_average", terms=["group"], time_interactions=["group"])
    assert result.random_slope
    assert result.table.df.to_numpy() == pytest.approx(
        _satterthwaite_numerically(frame, result), rel=1e-4)
    assert (result.table.df > 16).all() and (result.table.df < len(frame)).all()


@pytest.mark.slow
def test_t_tests_keep_the_interaction_calibrated_with_few_dyads():
    # Reference: the nominal 5 % level. 200 seeded null cohorts of 5 + 5 dyads x 20
    # sessions (arms' mean slopes equal, each dyad's own slope N(0, 0.005) around its
    # arm's), the generator of the calibration test above. A calibrated test rejects
    # Binomial(200, 0.05) times: central 99 % band 3 to 19 (1.5 % to 9.5 %). Here 7 of
    # 200 reject with t and Satterthwaite's df (df 8 in 199 cohorts: n_dyads - 2), 12 of
    # 200 with the normal reference the model used before. In 1000 cohorts of a separate
    # run (seeds 5000 to 5999): 6.4 % with t (5.1 % in the 98 % that keep the random
    # slope; the others fall back to (1 | dyad), see the README), 10.9 % with z.
    p_t, p_z, df = [], [], []
    for seed in range(200):
        frame = simulate_arms(n_control=5, n_treated=5, n_sessions=20, slope_diff=0.0,
                              seed=1000 + seed, slope_sd=SLOPE_SD)
        row = _row(growth_model(frame, "grand_average", terms=["group"],
                                time_interactions=["group"]), INTERACTION)
        p_t.append(row.p_value)
        p_z.append(2 * stats.norm.sf(abs(row.t)))
        df.append(row.df)
    low, high = stats.binom.interval(0.99, 200, 0.05)
    assert (low, high) == (3, 19)
    rejected = int(np.sum(np.array(p_t) < 0.05))
    assert low <= rejected <= high, rejected
    assert np.median(df) == pytest.approx(8, rel=1e-5)
    assert rejected < np.sum(np.array(p_z) < 0.05)


def test_missing_satterthwaite_df_is_said(monkeypatch):
    # Reference: none needed; where the df cannot be had the table falls back to z and a
    # note must say so (nothing silently different).
    import attunement.stats.growth as growth

    frame = simulate_arms(seed=2)
    monkeypatch.setattr(growth, "finite_df", lambda df: np.full(len(df), np.inf))
    result = growth.growth_model(frame, "grand_average", terms=["group"], random_slope=False)
    assert np.isinf(result.table.df).all()
    assert any("could not be computed for ['Intercept', 'session_number'" in n
               for n in result.notes)
