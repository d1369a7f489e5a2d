"""companion.neurons: GLMNeuron and LogisticNeuron against statsmodels (Logit, Probit,
GLM with the binomial, Poisson and Gaussian families), scikit-learn
(LogisticRegression, PoissonRegressor), NIST's certified least squares and exact
reparametrisations, on real and simulated data; the warnings, each exactly once per
fit; the fitted attributes and the input errors."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression, PoissonRegressor

from companion import (
    ConditioningWarning,
    ConvergenceWarning,
    GLMNeuron,
    LogisticNeuron,
    NonExistenceWarning,
    RankDeficiencyWarning,
    SeparationWarning,
    datasets,
    losses,
)
from companion.families import Poisson
from companion.separation import detect_separation

# NIST StRD, Longley: certified regression coefficients (intercept, GNPDEFL, GNP, UNEMP,
# ARMED, POP, YEAR). https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml
NIST_LONGLEY = np.array(
    [
        -3482258.63459582,
        15.0618722713733,
        -0.358191792925910e-01,
        -2.02022980381683,
        -1.03322686717359,
        -0.511041056535807e-01,
        1829.15146461355,
    ]
)


def _theta(m):
    return np.r_[m.intercept_, m.coef_]


def _se(m):
    return np.r_[m.intercept_stderr_, m.coef_stderr_]


def _fit(estimator, X, y, expect=()):
    """Fit, and check that the warnings are exactly ``expect`` (categories, once each):
    no warning is repeated and none is missing or extra."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    got = sorted(w.category.__name__ for w in caught)
    assert got == sorted(c.__name__ for c in expect), [str(w.message) for w in caught]
    return estimator


def _logit(X, y, **kw):
    X1 = sm.add_constant(X, has_constant="add")
    return sm.Logit(y, X1).fit(method="newton", disp=0, tol=1e-12, maxiter=100, **kw)


# ------------------------------------------------------------------ logistic regression
def test_logistic_neuron_equals_statsmodels_logit_on_spector():
    data = datasets.load_spector()
    m = _fit(LogisticNeuron(), data.X, data.y)
    ref = _logit(data.X, data.y)
    np.testing.assert_allclose(_theta(m), ref.params, rtol=1e-9)
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-8)
    assert m.log_likelihood_ == pytest.approx(ref.llf, rel=1e-12)
    assert m.deviance_ == pytest.approx(-2 * ref.llf, rel=1e-12)
    np.testing.assert_allclose(m.predict_proba(data.X)[:, 1], ref.predict(), rtol=1e-9)
    assert m.converged_ and m.mle_exists_ and m.separation_ is None
    assert not m.aliased_.any() and m.n_iter_ < 10


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), n=st.integers(60, 400), d=st.integers(1, 6))
def test_logistic_neuron_equals_statsmodels_on_random_designs(seed, n, d):
    data = datasets.make_logistic(n, d, seed=seed)
    X, y = data.X, data.y
    assume(len(np.unique(y)) == 2)
    assume(detect_separation(np.column_stack([np.ones(n), X]), y) is None)
    ours = _fit(LogisticNeuron(), X, y)
    ref = _logit(X, y)
    np.testing.assert_allclose(_theta(ours), ref.params, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(_se(ours), ref.bse, rtol=1e-6)
    assert ours.log_likelihood_ == pytest.approx(ref.llf, rel=1e-10)


def test_logistic_neuron_equals_sklearn_unpenalised_and_penalised():
    data = datasets.load_breast_cancer(standardize=True)
    X, y, n = data.X, data.y, len(data.y)
    ours = LogisticNeuron().fit(X, y)
    sk = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, sk.coef_[0], rtol=1e-5, atol=1e-7)
    assert ours.intercept_ == pytest.approx(sk.intercept_[0], rel=1e-5)
    # alpha is scikit-learn's 1 / (C N); neither penalises the intercept
    for alpha in (1e-3, 0.1):
        ours = LogisticNeuron(alpha=alpha).fit(X, y)
        sk = LogisticRegression(C=1 / (alpha * n), solver="newton-cholesky", tol=1e-12)
        sk.fit(X, y)
        np.testing.assert_allclose(ours.coef_, sk.coef_[0], rtol=1e-8, atol=1e-10)
        assert ours.intercept_ == pytest.approx(sk.intercept_[0], rel=1e-8, abs=1e-10)
        assert ours.mle_exists_ and ours.converged_


def test_penalising_the_intercept_shrinks_it():
    X, y = datasets.load_spector().X, datasets.load_spector().y
    free = LogisticNeuron(alpha=0.5).fit(X, y)
    both = LogisticNeuron(alpha=0.5, penalize_intercept=True).fit(X, y)
    assert abs(both.intercept_) < abs(free.intercept_)
    # the penalised objective's gradient vanishes at the estimate, intercept included
    X1 = np.column_stack([np.ones(len(y)), X])
    theta = _theta(both)
    grad = X1.T @ (losses.sigmoid(X1 @ theta) - y) / len(y) + 0.5 * theta
    np.testing.assert_allclose(grad, 0.0, atol=1e-9)


def test_gradient_descent_reaches_the_newton_optimum_and_both_only_descend():
    data = datasets.load_breast_cancer(standardize=True)
    newton = LogisticNeuron().fit(data.X, data.y)
    gd = LogisticNeuron(solver="gd", learning_rate=1.0, max_iter=50_000, tol=1e-8)
    gd.fit(data.X, data.y)
    np.testing.assert_allclose(gd.coef_, newton.coef_, rtol=1e-5, atol=1e-6)
    assert newton.n_iter_ < 15 < gd.n_iter_
    # never an increase beyond rounding (the loss is near 0.14)
    assert np.all(np.diff(newton.history_) <= 1e-15)
    assert np.all(np.diff(gd.history_) <= 1e-15)
    assert gd.converged_ and np.all(np.isfinite(gd.coef_stderr_))


def test_scaled_and_nearly_collinear_columns_give_the_same_fit_mapped_back():
    """Columns on scales 1e-4 .. 1e4, two nearly collinear: coefficients and standard
    errors are equivariant under the scaling (the normal equations would lose about 16
    digits here)."""
    rng = np.random.default_rng(3)
    n = 2000
    Z = rng.normal(size=(n, 3))
    Z[:, 2] = Z[:, 1] + 1e-3 * rng.normal(size=n)
    y = (rng.random(n) < losses.sigmoid(Z @ np.array([1.0, 2.0, -1.5]) + 0.3)).astype(
        int
    )
    scales = np.array([1e-4, 1.0, 1e4])
    good = LogisticNeuron().fit(Z, y)
    bad = LogisticNeuron().fit(Z * scales, y)
    assert np.linalg.cond(np.column_stack([np.ones(n), Z * scales])) > 1e8
    np.testing.assert_allclose(bad.coef_ * scales, good.coef_, rtol=1e-7)
    np.testing.assert_allclose(bad.coef_stderr_ * scales, good.coef_stderr_, rtol=1e-7)
    assert bad.log_likelihood_ == pytest.approx(good.log_likelihood_, rel=1e-12)


def test_nearly_collinear_design_equals_its_well_conditioned_reparametrisation():
    """x2 = x1 + 1e-7 u: the fit must equal the fit on (x1, u), mapped back exactly."""
    rng = np.random.default_rng(11)
    n = 3000
    x1, u = rng.normal(size=n), rng.normal(size=n)
    X_bad, X_good = np.column_stack([x1, x1 + 1e-7 * u]), np.column_stack([x1, u])
    y = (rng.random(n) < losses.sigmoid(0.5 + 1.0 * x1 - 0.8 * u)).astype(int)
    bad = _fit(LogisticNeuron(), X_bad, y)  # kappa near 1e7 after scaling: no warning
    good = LogisticNeuron().fit(X_good, y)
    # X_bad @ [a, c] = x1 (a + c) + u (1e-7 c)
    c = good.coef_[1] / 1e-7
    np.testing.assert_allclose(bad.coef_, [good.coef_[0] - c, c], rtol=1e-6)
    assert bad.log_likelihood_ == pytest.approx(good.log_likelihood_, rel=1e-10)


def test_column_order_does_not_matter():
    data = datasets.make_logistic(300, 4, seed=5)
    X, y = data.X, data.y
    order = [2, 0, 3, 1]
    a, b = LogisticNeuron().fit(X, y), LogisticNeuron().fit(X[:, order], y)
    np.testing.assert_allclose(b.coef_, a.coef_[order], rtol=1e-10)
    np.testing.assert_allclose(b.coef_stderr_, a.coef_stderr_[order], rtol=1e-10)


def test_large_n_never_forms_an_n_by_n_matrix():
    """With N = 200 000 an N x N matrix would need 320 GB: the fit runs in O(N p)."""
    data = datasets.make_logistic(200_000, 3, seed=1)
    m = LogisticNeuron().fit(data.X, data.y)
    np.testing.assert_allclose(m.coef_, data.coef, atol=0.03)


def test_any_two_labels():
    data = datasets.make_two_blobs(seed=2)
    ref = LogisticNeuron().fit(data.X, data.y)
    labels = np.where(data.y == 1, "spam", "ham")
    m = LogisticNeuron().fit(data.X, labels)
    assert list(m.classes_) == ["ham", "spam"]
    np.testing.assert_allclose(m.predict_proba(data.X), ref.predict_proba(data.X))
    p = m.predict_proba(data.X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all((m.predict(data.X) == "spam") == (p[:, 1] > 0.5))
    signed = LogisticNeuron().fit(data.X, 2 * data.y - 1)
    np.testing.assert_allclose(signed.coef_, ref.coef_)
    flipped = LogisticNeuron().fit(data.X, 1 - data.y)
    np.testing.assert_allclose(flipped.coef_, -ref.coef_, rtol=1e-10)
    assert isinstance(ref.intercept_, float) and ref.coef_.shape == (2,)


def test_without_intercept():
    data = datasets.make_two_blobs(seed=4)
    m = LogisticNeuron(fit_intercept=False).fit(data.X, data.y)
    ref = sm.Logit(data.y, data.X).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(m.coef_, ref.params, rtol=1e-7)
    np.testing.assert_allclose(m.coef_stderr_, ref.bse, rtol=1e-7)
    assert m.intercept_ == 0.0 and np.isnan(m.intercept_stderr_)


def test_from_weights_predicts_as_the_weights_say():
    coef, b = np.array([1.5, -2.0]), 0.25
    m = LogisticNeuron.from_weights(coef, b, classes=["no", "yes"])
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [10.0, -10.0]])
    z = X @ coef + b
    np.testing.assert_allclose(m.decision_function(X), z)
    np.testing.assert_allclose(m.predict_proba(X)[:, 1], 1 / (1 + np.exp(-z)))
    assert list(m.predict(X)) == ["yes", "yes", "no", "yes"]
    assert np.isnan(m.log_likelihood_) and np.all(np.isnan(m.coef_stderr_))
    with pytest.raises(ValueError, match="X has 3 features"):
        m.predict(np.zeros((1, 3)))
    # a fitted neuron's weights give back the same neuron
    data = datasets.load_spector()
    fitted = LogisticNeuron().fit(data.X, data.y)
    copy = LogisticNeuron.from_weights(fitted.coef_, fitted.intercept_)
    np.testing.assert_array_equal(
        copy.predict_proba(data.X), fitted.predict_proba(data.X)
    )


# ------------------------------------------------------------------ warnings
def test_complete_separation_warns_once_and_statsmodels_agrees():
    data = datasets.make_separable()
    m = _fit(LogisticNeuron(), data.X, data.y, expect=[SeparationWarning])
    assert m.separation_ == "complete" and not m.mle_exists_
    assert np.all(m.predict(data.X) == data.y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.Logit(data.y, sm.add_constant(data.X)).fit(disp=0)
    assert not ref.mle_retvals["converged"]


def test_quasi_complete_separation_warns_once():
    X = np.array([[0.0], [1.0], [1.0], [2.0], [3.0], [1.0]])
    y = np.array([0, 0, 1, 1, 1, 0])
    m = _fit(LogisticNeuron(), X, y, expect=[SeparationWarning])
    assert m.separation_ == "quasi-complete" and not m.mle_exists_
    # the observations on the hyperplane keep their fitted probability
    np.testing.assert_allclose(m.predict_proba(X[1:3])[:, 1], 1 / 3, atol=1e-6)


def test_probit_separation_warns_once():
    data = datasets.make_separable()
    for solver in ("irls", "newton"):
        m = GLMNeuron("bernoulli", "probit", solver=solver)
        _fit(m, data.X, data.y, expect=[SeparationWarning])
        assert m.separation_ == "complete"


def test_a_penalty_makes_separated_data_fit():
    data = datasets.make_separable()
    m = _fit(LogisticNeuron(alpha=0.01), data.X, data.y)
    assert m.converged_ and m.mle_exists_ and np.all(np.isfinite(m.coef_stderr_))


def test_running_out_of_iterations_warns_once():
    data = datasets.load_breast_cancer(standardize=True)
    m = _fit(
        LogisticNeuron(solver="gd", max_iter=3), data.X, data.y, [ConvergenceWarning]
    )
    assert not m.converged_ and m.n_iter_ == 3 and len(m.history_) == 4
    m = _fit(LogisticNeuron(max_iter=1), data.X, data.y, [ConvergenceWarning])
    assert not m.converged_ and m.n_iter_ == 1


def test_a_learning_rate_too_large_is_named():
    data = datasets.load_breast_cancer()
    m = LogisticNeuron(solver="gd", learning_rate=1e6, max_iter=1000)
    with pytest.warns(ConvergenceWarning, match=r"learning_rate=1e\+06 is too large"):
        m.fit(data.X * 1e3, data.y)
    assert not m.converged_ and np.all(np.isfinite(m.coef_))


def test_overlapping_data_gives_no_warning():
    data = datasets.load_spector()
    m = _fit(LogisticNeuron(), data.X, data.y)
    assert m.separation_ is None and m.converged_ and m.mle_exists_


def test_rank_deficiency_warns_once_and_marks_the_aliased_column():
    data = datasets.load_spector()
    X = np.column_stack([data.X, data.X[:, 0] + 2 * data.X[:, 1]])
    m = _fit(LogisticNeuron(), X, data.y, expect=[RankDeficiencyWarning])
    assert m.aliased_.sum() == 1 and m.coef_[m.aliased_] == 0.0
    assert np.isnan(m.coef_stderr_[m.aliased_]).all()
    kept = ~m.aliased_
    ref = _logit(X[:, kept], data.y)
    np.testing.assert_allclose(
        np.r_[m.intercept_, m.coef_[kept]], ref.params, rtol=1e-8
    )
    np.testing.assert_allclose(
        np.r_[m.intercept_stderr_, m.coef_stderr_[kept]], ref.bse, rtol=1e-7
    )
    assert m.log_likelihood_ == pytest.approx(ref.llf, rel=1e-12)


def test_rank_deficiency_names_dataframe_columns():
    pd = pytest.importorskip("pandas")
    data = datasets.load_spector()
    df = pd.DataFrame(data.X, columns=data.feature_names).assign(twice=2 * data.X[:, 1])
    with pytest.warns(RankDeficiencyWarning, match=r"(TUCE|twice) is a linear comb"):
        LogisticNeuron().fit(df, data.y)


def test_an_ill_conditioned_design_warns_once_and_still_fits():
    """Columns this close are kept, and the warning says how few digits their
    coefficients have; closer still (1e-12) they are aliased."""
    rng = np.random.default_rng(4)
    x1, u = rng.normal(size=500), rng.normal(size=500)
    X = np.column_stack([x1, x1 + 1e-10 * u])
    y = (rng.random(500) < losses.sigmoid(x1)).astype(int)
    m = _fit(LogisticNeuron(), X, y, expect=[ConditioningWarning])
    assert m.converged_ and not m.aliased_.any()
    # the fitted values are those of the same model written with (x1, u): accurate,
    # although the coefficients are not
    ref = LogisticNeuron().fit(np.column_stack([x1, u]), y)
    p, p_ref = m.predict_proba(X), ref.predict_proba(np.column_stack([x1, u]))
    np.testing.assert_allclose(p, p_ref, atol=1e-6)
    closer = np.column_stack([x1, x1 + 1e-12 * u])
    _fit(LogisticNeuron(), closer, y, expect=[RankDeficiencyWarning])
    # a penalty makes every coefficient identifiable: no column is dropped
    _fit(LogisticNeuron(alpha=1e-12), closer, y, expect=[ConditioningWarning])


def test_poisson_with_all_counts_zero_warns_once():
    X = np.random.default_rng(0).normal(size=(20, 2))
    m = _fit(GLMNeuron("poisson"), X, np.zeros(20), expect=[NonExistenceWarning])
    assert not m.mle_exists_ and m.separation_ is None
    assert np.all(m.predict(X) < 1e-6)


def test_poisson_with_a_dummy_level_of_zeros_warns_once():
    rng = np.random.default_rng(1)
    level = np.repeat([0, 1, 2], 15)
    X = np.column_stack([level == 1, level == 2, rng.normal(size=45)]).astype(float)
    y = rng.poisson(2.0, 45).astype(float)
    y[level == 1] = 0.0
    m = _fit(GLMNeuron("poisson"), X, y, expect=[NonExistenceWarning])
    assert not m.mle_exists_ and m.coef_[0] < -10
    # the other coefficients are the fit without that level's rows
    keep = level != 1
    ref = sm.GLM(y[keep], sm.add_constant(X[keep][:, 1:]), family=sm.families.Poisson())
    np.testing.assert_allclose(
        np.r_[m.intercept_, m.coef_[1:]], ref.fit(tol=1e-12).params, rtol=1e-6
    )


def test_gaussian_with_logit_link_and_responses_outside_0_1_warns_once():
    """Responses above 1 where x > 0 and below 0 where x < 0: the sigmoid is pushed
    towards a step, and the coefficients grow without bound."""
    rng = np.random.default_rng(2)
    x = np.r_[-rng.uniform(0.1, 3, 30), rng.uniform(0.1, 3, 30)]
    y = np.where(x > 0, 1.2, -0.2) + 0.05 * rng.normal(size=60)
    m = _fit(GLMNeuron("gaussian", "logit"), x[:, None], y, [NonExistenceWarning])
    assert not m.mle_exists_ and m.coef_[0] > 10
    # one response beyond the range, fitted by a finite sigmoid, is not a problem
    y = losses.sigmoid(2 * x) + 0.05 * rng.normal(size=60)
    y[np.argmax(x)] = 1.4
    assert _fit(GLMNeuron("gaussian", "logit"), x[:, None], y).mle_exists_


def test_bernoulli_with_the_log_link_never_fits_a_mean_above_1():
    """The log link can leave the mean space: the likelihood there is -inf, so the
    fit stops on its edge instead of reporting means above 1 (it did, 22)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, 200)
    y = (rng.random(200) < np.exp(-2 + 1.9 * x)).astype(float)
    X, y = np.r_[x, 3.0][:, None], np.r_[y, 1.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        m = GLMNeuron("bernoulli", "log").fit(X, y)
    assert np.max(m.predict(X)) <= 1.0 and np.isfinite(m.log_likelihood_)


# ------------------------------------------------------------------ GLMNeuron
def test_gaussian_neuron_is_least_squares_to_nist_precision_on_longley():
    data = datasets.load_longley()
    m = _fit(GLMNeuron("gaussian"), data.X, data.y)
    X1 = sm.add_constant(data.X)
    assert np.linalg.cond(X1) > 1e9
    # NIST certifies 15 digits; a backward-stable solver loses about log10 of the
    # condition number of the equilibrated design
    np.testing.assert_allclose(_theta(m), NIST_LONGLEY, rtol=1e-10)
    ref = sm.GLM(data.y, X1, family=sm.families.Gaussian()).fit()
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-8)
    assert m.dispersion_ == pytest.approx(ref.scale, rel=1e-9)
    assert m.log_likelihood_ == pytest.approx(ref.llf, rel=1e-12)
    assert m.deviance_ == pytest.approx(ref.deviance, rel=1e-9)
    np.testing.assert_allclose(m.predict(data.X), ref.fittedvalues, rtol=1e-12)
    r2 = 1 - ref.deviance / ref.null_deviance
    assert m.score(data.X, data.y) == pytest.approx(r2, rel=1e-10)


def _exact_least_squares(X1, y):
    """The least-squares solution to 40 digits (mpmath): an exact reference."""
    import mpmath

    with mpmath.workdps(40):
        A, b = mpmath.matrix(X1.tolist()), mpmath.matrix(y.tolist())
        return np.array([float(v) for v in mpmath.lu_solve(A.T * A, A.T * b)])


@settings(max_examples=15)
@given(
    seed=st.integers(0, 10_000), log_scale=st.floats(0, 6), collinear=st.floats(1e-6, 1)
)
def test_gaussian_is_as_accurate_as_backward_stable_least_squares(
    seed, log_scale, collinear
):
    """Columns on scales 10^-s .. 10^s, two nearly collinear. Perturbation theory bounds
    the error of a backward-stable solver, in the column-scaled problem A = X D^-1, by
    a small multiple of eps (kappa + kappa^2 |r| / (|A| |x|)); Householder QR on the
    same problem is held to the same bound."""
    rng = np.random.default_rng(seed)
    n = 100
    Z = rng.normal(size=(n, 4))
    Z[:, 3] = Z[:, 2] + collinear * rng.normal(size=n)
    y = Z @ np.array([1.0, -2.0, 0.5, 3.0]) + 5.0 + rng.normal(size=n)
    X = Z * np.logspace(-log_scale, log_scale, 4)
    X1 = np.column_stack([np.ones(n), X])
    norms = np.linalg.norm(X1, axis=0)
    A = X1 / norms
    Q, R = np.linalg.qr(A)
    qr = np.linalg.solve(R, Q.T @ y) / norms
    exact = _exact_least_squares(X1, y)
    kappa = np.linalg.cond(A)
    x = exact * norms
    residual = np.linalg.norm(y - A @ x) / (np.linalg.norm(A, 2) * np.linalg.norm(x))
    bound = 100 * np.finfo(float).eps * (kappa + kappa**2 * residual)
    error = lambda theta: np.linalg.norm((theta - exact) * norms) / np.linalg.norm(x)
    assert error(qr) <= bound, (error(qr), bound)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConditioningWarning)
        m = GLMNeuron("gaussian").fit(X, y)
    assert error(_theta(m)) <= bound, (error(_theta(m)), bound, kappa)
    assert m.converged_


@pytest.fixture(scope="module")
def randhie():
    return datasets.load_randhie()


def test_poisson_neuron_equals_statsmodels_and_sklearn_on_randhie(randhie):
    X, y = randhie.X, randhie.y
    m = _fit(GLMNeuron("poisson"), X, y)
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(_theta(m), ref.params, rtol=1e-9)
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-9)
    assert m.log_likelihood_ == pytest.approx(ref.llf, rel=1e-12)
    assert m.deviance_ == pytest.approx(ref.deviance, rel=1e-10)
    np.testing.assert_allclose(m.predict(X), ref.fittedvalues, rtol=1e-9)
    assert m.dispersion_ == 1.0 and m.information_ == "expected"
    # alpha is PoissonRegressor's: both minimise D / (2N) + alpha / 2 |w|^2
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    ours = GLMNeuron("poisson", alpha=0.05).fit(Xs, y)
    sk = PoissonRegressor(alpha=0.05, solver="newton-cholesky", tol=1e-12).fit(Xs, y)
    np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=1e-8)
    assert ours.intercept_ == pytest.approx(sk.intercept_, rel=1e-9)


@settings(max_examples=15)
@given(seed=st.integers(0, 10_000), d=st.integers(1, 4))
def test_poisson_neuron_equals_statsmodels_on_random_designs(seed, d):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(150, d)) * rng.choice([1e-3, 1.0, 1e3], size=d)
    y = rng.poisson(np.exp(0.5 + (X / np.abs(X).max(axis=0)) @ rng.normal(size=d)))
    assume(np.any(y > 0))
    m = GLMNeuron("poisson").fit(X, y)
    ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson()).fit(tol=1e-13)
    np.testing.assert_allclose(_theta(m), ref.params, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-6)
    assert m.log_likelihood_ == pytest.approx(ref.llf, rel=1e-11)


def test_probit_fisher_scoring_and_newton_equal_statsmodels_with_their_errors():
    data = datasets.load_spector()
    X1 = sm.add_constant(data.X)
    fisher = _fit(GLMNeuron("bernoulli", "probit"), data.X, data.y)
    newton = _fit(GLMNeuron("bernoulli", "probit", solver="newton"), data.X, data.y)
    family = sm.families.Binomial(link=sm.families.links.Probit())
    eim = sm.GLM(data.y, X1, family=family).fit(tol=1e-12)
    oim = sm.GLM(data.y, X1, family=family).fit(
        method="newton", tol=1e-12, maxiter=100, disp=0
    )
    probit = sm.Probit(data.y, X1).fit(disp=0, tol=1e-12)
    for m in (fisher, newton):
        np.testing.assert_allclose(_theta(m), eim.params, rtol=1e-7)
        assert m.log_likelihood_ == pytest.approx(probit.llf, rel=1e-12)
    assert fisher.information_ == "expected" and newton.information_ == "observed"
    np.testing.assert_allclose(_se(fisher), eim.bse, rtol=1e-7)
    np.testing.assert_allclose(_se(newton), oim.bse, rtol=1e-6)
    np.testing.assert_allclose(_se(newton), probit.bse, rtol=1e-6)
    # a non-canonical link: the two informations differ at the optimum
    assert np.max(np.abs(_se(fisher) / _se(newton) - 1)) > 1e-3


def test_bernoulli_and_gaussian_neurons_equal_statsmodels_glm():
    data = datasets.load_spector()
    X1 = sm.add_constant(data.X)
    m = _fit(GLMNeuron("bernoulli"), data.X, data.y)
    ref = sm.GLM(data.y, X1, family=sm.families.Binomial()).fit(tol=1e-12)
    np.testing.assert_allclose(_theta(m), ref.params, rtol=1e-9)
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-8)
    assert m.deviance_ == pytest.approx(ref.deviance, rel=1e-11)
    rng = np.random.default_rng(0)
    X = rng.uniform(1, 3, size=(200, 2))
    y = np.exp(0.2 + X @ [0.3, -0.4]) + 0.1 * rng.normal(size=200)
    m = _fit(GLMNeuron("gaussian", "log"), X, y)
    log = sm.families.Gaussian(link=sm.families.links.Log())
    ref = sm.GLM(y, sm.add_constant(X), family=log).fit(tol=1e-13)
    np.testing.assert_allclose(_theta(m), ref.params, rtol=1e-8)
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-6)
    assert m.dispersion_ == pytest.approx(ref.scale, rel=1e-8)


def test_poisson_with_identity_link_equals_statsmodels():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 2, size=(500, 2))
    y = rng.poisson(1.0 + X @ np.array([2.0, 0.5])).astype(float)
    m = _fit(GLMNeuron("poisson", "identity"), X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' DomainWarning for this link
        family = sm.families.Poisson(link=sm.families.links.Identity())
        ref = sm.GLM(y, sm.add_constant(X), family=family).fit(tol=1e-12)
    np.testing.assert_allclose(_theta(m), ref.params, rtol=1e-7)
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-6)
    assert m.log_likelihood_ == pytest.approx(ref.llf, rel=1e-11)


def test_gradient_descent_reaches_the_irls_optimum(randhie):
    X, y = randhie.X[:3000], randhie.y[:3000]
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    irls = GLMNeuron("poisson").fit(X, y)
    gd = GLMNeuron("poisson", solver="gd", learning_rate=0.1, max_iter=20_000, tol=1e-7)
    gd.fit(X, y)
    np.testing.assert_allclose(_theta(gd), _theta(irls), rtol=1e-5, atol=1e-6)
    assert irls.n_iter_ < 15 < gd.n_iter_ and gd.converged_


def test_fitted_attributes_and_predictions(randhie):
    X, y = randhie.X[:500], randhie.y[:500]
    m = GLMNeuron("poisson").fit(X, y)
    z = m.linear_predictor(X)
    assert z.shape == (500,) and m.predict(X).shape == (500,)
    np.testing.assert_allclose(m.predict(X), np.exp(z), rtol=1e-15)
    assert isinstance(m.family_, Poisson) and m.link_.name == "log"
    assert m.coef_.shape == m.coef_stderr_.shape == m.aliased_.shape == (9,)
    # the minimised loss is the mean negative log-likelihood, by scipy
    nll = -np.mean(stats.poisson.logpmf(y, m.predict(X)))
    assert m.loss_ == pytest.approx(nll, rel=1e-12)
    assert m.get_params()["family"] == "poisson" and "family='poisson'" in repr(m)
    # D^2, the fraction of deviance explained, as PoissonRegressor.score reports it
    sk = PoissonRegressor(alpha=0.0, solver="newton-cholesky", tol=1e-12).fit(X, y)
    assert m.score(X, y) == pytest.approx(sk.score(X, y), rel=1e-8)


# ------------------------------------------------------------------ input
@pytest.mark.parametrize(
    "family, y, message",
    [
        ("poisson", [0, 1, -2, 3], "Poisson responses must be non-negative counts"),
        ("bernoulli", [0, 1, 2, 1], "Bernoulli responses must be 0 or 1"),
        ("gaussian", [0.0, np.nan, 1.0, 2.0], "Input y contains NaN"),
        ("gaussian", [0.0, 1e200, 1.0, 2.0], "larger than 1e150 cannot be squared"),
    ],
)
def test_invalid_responses_are_named(family, y, message):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match=message):
        GLMNeuron(family).fit(X, y)


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros((4, 1)), [0, 1, 2, 1], "exactly two classes; got 3 classes"),
        (np.zeros((4, 1)), [1, 1, 1, 1], "exactly two classes; got 1 class"),
        (np.zeros((4, 1)), [0.1, 0.5, 0.2, 0.9], "Unknown label type: continuous"),
        (np.array([[0.0], [np.nan], [1], [2]]), [0, 1, 0, 1], "X contains NaN"),
        (np.array([[0.0], [np.inf], [1], [2]]), [0, 1, 0, 1], "X contains infinity"),
        (np.zeros(4), [0, 1, 0, 1], "Expected 2D array, got 1D array"),
        (np.zeros((4, 1)), [0, 1, 0], "inconsistent numbers of samples: \\[4, 3\\]"),
        (np.zeros((4, 1)), [0.0, 1.0, np.nan, 1.0], "Input y contains NaN"),
        (np.zeros((1, 1)), [1], "exactly two classes"),
    ],
)
def test_bad_input_is_named(X, y, message):
    with pytest.raises(ValueError, match=message):
        LogisticNeuron().fit(X, y)


def test_one_sample_is_refused():
    with pytest.raises(ValueError, match="needs at least 2 samples; got 1"):
        GLMNeuron().fit(np.zeros((1, 1)), [1.0])


def test_unfitted_and_wrong_width():
    for m in (LogisticNeuron(), GLMNeuron()):
        with pytest.raises(NotFittedError, match="not fitted yet"):
            m.predict(np.zeros((2, 1)))
    data = datasets.make_two_blobs()
    m = LogisticNeuron().fit(data.X, data.y)
    with pytest.raises(
        ValueError, match="X has 3 features, but LogisticNeuron is expe"
    ):
        m.predict(np.zeros((2, 3)))


def test_slow_fisher_scoring_names_the_solver_that_converges_faster():
    """The review's probit fit with one outlier: Fisher scoring (the default IRLS, the
    expected information) takes tens of iterations where Newton's method with the
    observed information takes a few, to the same estimate. When scoring runs out of
    iterations its warning says so; with the canonical link, where the two methods are
    one, it does not."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = (x + rng.normal(size=200) > 0).astype(float)
    x[0], y[0] = 8.0, 0.0  # one outlier
    X = x[:, None]
    scoring = GLMNeuron("bernoulli", "probit").fit(X, y)
    newton = GLMNeuron("bernoulli", "probit", solver="newton").fit(X, y)
    assert newton.n_iter_ <= 6 < 15 <= scoring.n_iter_
    # scoring converges linearly and stops on its decrement: equal to 1e-6 of a standard
    # error (Newton's last full step lands on the optimum to rounding)
    off = np.abs(newton.coef_ - scoring.coef_)
    assert np.all(off < 1e-6 * newton.coef_stderr_), (off, newton.coef_stderr_)
    with pytest.warns(ConvergenceWarning, match="solver='newton'") as caught:
        GLMNeuron("bernoulli", "probit", max_iter=5).fit(X, y)
    assert len(caught) == 1
    with pytest.warns(ConvergenceWarning) as caught:
        GLMNeuron("bernoulli", max_iter=1).fit(X, y)
    assert "solver='newton'" not in str(caught[0].message)
