"""GLMNeuron against statsmodels GLM, NIST's certified least squares and QR; the family derivatives that
IRLS and Newton use, against finite differences and expectations; LogisticNeuron as its Bernoulli case."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st

from companion import GLMNeuron, LogisticNeuron, SeparationWarning, datasets
from companion import families as F

# NIST StRD, Longley: certified regression coefficients (intercept, GNPDEFL, GNP, UNEMP, ARMED, POP, YEAR).
# https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml
NIST_LONGLEY = np.array([-3482258.63459582, 15.0618722713733, -0.358191792925910e-01, -2.02022980381683,
                         -1.03322686717359, -0.511041056535807e-01, 1829.15146461355])


def _theta(m):
    return np.r_[m.intercept_, m.coef_]


def _se(m):
    return np.r_[m.intercept_stderr_, m.coef_stderr_]


# ------------------------------------------------------------------------- LogisticNeuron is the GLM
@pytest.mark.parametrize("loader", [datasets.load_spector, lambda: datasets.load_breast_cancer(standardize=True)])
def test_logistic_neuron_is_the_bernoulli_logit_glm_exactly(loader):
    data = loader()
    neuron = LogisticNeuron().fit(data.X, data.y)
    for glm in (GLMNeuron("bernoulli").fit(data.X, data.y), GLMNeuron(F.Bernoulli(), "logit", solver="newton").fit(data.X, data.y)):
        for attr in ("coef_", "intercept_", "coef_stderr_", "intercept_stderr_", "log_likelihood_", "deviance_", "n_iter_", "history_"):
            np.testing.assert_array_equal(getattr(neuron, attr), getattr(glm, attr), err_msg=attr)
        np.testing.assert_array_equal(neuron.predict_proba(data.X)[:, 1], glm.predict(data.X))


# ------------------------------------------------------------------------- Gaussian: least squares
def test_gaussian_neuron_is_least_squares_to_nist_precision_on_longley():
    data = datasets.load_longley()
    m = GLMNeuron("gaussian").fit(data.X, data.y)
    X1 = sm.add_constant(data.X)
    assert np.linalg.cond(X1) > 1e9
    # NIST certifies 15 digits; a backward-stable solver loses about log10(cond of the equilibrated design)
    np.testing.assert_allclose(_theta(m), NIST_LONGLEY, rtol=1e-10)
    np.testing.assert_allclose(_theta(m), np.linalg.lstsq(X1, data.y, rcond=None)[0], rtol=1e-10)
    # IRLS with unit weights: the first step is already the least-squares solution
    assert m.history_[1] == pytest.approx(m.history_[-1], rel=1e-10)
    ref = sm.GLM(data.y, X1, family=sm.families.Gaussian()).fit()
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-8)
    assert m.dispersion_ == pytest.approx(ref.scale, rel=1e-9)
    assert m.log_likelihood_ == pytest.approx(ref.llf, rel=1e-12)
    assert m.deviance_ == pytest.approx(ref.deviance, rel=1e-9)
    np.testing.assert_allclose(m.predict(data.X), ref.fittedvalues, rtol=1e-12)


def _exact_least_squares(X1, y):
    """The least-squares solution to 40 digits (mpmath), an exact reference."""
    import mpmath

    with mpmath.workdps(40):
        A, b = mpmath.matrix(X1.tolist()), mpmath.matrix(y.tolist())
        return np.array([float(v) for v in mpmath.lu_solve(A.T * A, A.T * b)])


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), log_scale=st.floats(0, 6), collinear=st.floats(1e-6, 1.0))
def test_gaussian_matches_qr_least_squares_on_badly_conditioned_designs(seed, log_scale, collinear):
    """Columns on scales 10^-s .. 10^s and two of them nearly collinear: the fit must be as accurate as a
    backward-stable least-squares solver can be. Perturbation theory bounds the error of such a solver,
    in the norm of the column-scaled problem A = X D^-1, by a small multiple of
    eps (kappa + kappa^2 |r| / (|A| |x|)), kappa the condition number of A, r the residual: squaring kappa
    only where the residual is large. Householder QR on the same problem is held to the same bound."""
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
    kappa = np.linalg.cond(A)  # what rescaling the columns cannot remove
    x = exact * norms
    residual = np.linalg.norm(y - A @ x) / (np.linalg.norm(A, 2) * np.linalg.norm(x))
    bound = 100 * np.finfo(float).eps * (kappa + kappa**2 * residual)
    error = lambda theta: np.linalg.norm((theta - exact) * norms) / np.linalg.norm(x)
    assert error(qr) <= bound, (error(qr), bound)  # the reference is as good as the theory says
    m = GLMNeuron("gaussian").fit(X, y)
    assert error(_theta(m)) <= bound, (error(_theta(m)), bound, kappa)
    assert m.converged_


# ------------------------------------------------------------------------- Poisson and probit
def test_poisson_neuron_equals_statsmodels_on_randhie():
    data = datasets.load_randhie()
    m = GLMNeuron("poisson").fit(data.X, data.y)
    ref = sm.GLM(data.y, sm.add_constant(data.X), family=sm.families.Poisson()).fit(tol=1e-12)
    np.testing.assert_allclose(_theta(m), ref.params, rtol=1e-9)
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-9)
    assert m.log_likelihood_ == pytest.approx(ref.llf, rel=1e-12)
    assert m.deviance_ == pytest.approx(ref.deviance, rel=1e-10)
    np.testing.assert_allclose(m.predict(data.X), ref.fittedvalues, rtol=1e-9)
    assert m.dispersion_ == 1.0 and m.information_ == "expected"


def test_probit_fisher_scoring_and_newton_equal_statsmodels_with_their_standard_errors():
    data = datasets.load_spector()
    X1 = sm.add_constant(data.X)
    fisher = GLMNeuron("bernoulli", "probit").fit(data.X, data.y)
    newton = GLMNeuron("bernoulli", "probit", solver="newton").fit(data.X, data.y)
    family = sm.families.Binomial(link=sm.families.links.Probit())
    eim = sm.GLM(data.y, X1, family=family).fit(tol=1e-12)
    oim = sm.GLM(data.y, X1, family=family).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
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


def test_poisson_with_identity_link_starts_where_the_mean_is_positive():
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 2, size=(500, 2))
    y = rng.poisson(1.0 + X @ np.array([2.0, 0.5])).astype(float)
    m = GLMNeuron("poisson", "identity").fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' DomainWarning: the identity link can give a negative mean
        ref = sm.GLM(y, sm.add_constant(X), family=sm.families.Poisson(link=sm.families.links.Identity())).fit(tol=1e-12)
    np.testing.assert_allclose(_theta(m), ref.params, rtol=1e-7)
    np.testing.assert_allclose(_se(m), ref.bse, rtol=1e-6)
    assert m.log_likelihood_ == pytest.approx(ref.llf, rel=1e-11)


def test_gradient_descent_reaches_the_irls_optimum():
    data = datasets.load_randhie()
    X = (data.X - data.X.mean(axis=0)) / data.X.std(axis=0)
    irls = GLMNeuron("poisson").fit(X, data.y)
    gd = GLMNeuron("poisson", solver="gd", learning_rate=0.1, max_iter=20_000, tol=1e-7).fit(X, data.y)
    np.testing.assert_allclose(_theta(gd), _theta(irls), rtol=1e-5, atol=1e-6)
    assert irls.n_iter_ < 15 < gd.n_iter_


def test_probit_separation_is_reported():
    data = datasets.make_separable()
    with pytest.warns(SeparationWarning, match="complete"):
        m = GLMNeuron("bernoulli", "probit").fit(data.X, data.y)
    assert m.separation_ == "complete"


# ------------------------------------------------------------------------- the derivatives IRLS uses
COMBINATIONS = [("bernoulli", "logit"), ("bernoulli", "probit"), ("poisson", "log"), ("poisson", "identity"),
                ("gaussian", "identity"), ("gaussian", "log")]


def _valid_eta(family, link, eta):
    return eta if (family, link) != ("poisson", "identity") else 0.1 + abs(eta)


@pytest.mark.parametrize("family, link", COMBINATIONS)
@settings(max_examples=60, deadline=None)
@given(eta=st.floats(-4, 4), u=st.floats(0, 1))
def test_score_and_observed_weight_are_derivatives_of_the_log_likelihood(family, link, eta, u):
    fam, lk = F.get_family(family), F.get_link(link)
    eta = np.array([_valid_eta(family, link, eta)])
    y = {"bernoulli": np.array([float(u > 0.5)]), "poisson": np.array([np.floor(8 * u)]), "gaussian": np.array([4 * u - 2])}[family]
    h = 1e-5
    score, w_obs = fam.score_and_weights(y, eta, lk, observed=True)
    ll = lambda e: fam.log_likelihood(y, e, lk)
    s = lambda e: fam.score_and_weights(y, e, lk)[0]
    np.testing.assert_allclose(score, (ll(eta + h) - ll(eta - h)) / (2 * h), rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(w_obs, -(s(eta + h) - s(eta - h)) / (2 * h), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("family, link", COMBINATIONS)
@settings(max_examples=60, deadline=None)
@given(eta=st.floats(-4, 4))
def test_fisher_weight_is_the_expected_observed_weight(family, link, eta):
    fam, lk = F.get_family(family), F.get_link(link)
    eta = np.array([_valid_eta(family, link, eta)])
    mu = lk.inverse(eta)
    fisher = fam.score_and_weights(np.array([0.0]), eta, lk)[1]
    if family == "bernoulli":  # E over y in {0, 1}
        expected = sum(p * fam.score_and_weights(np.array([y]), eta, lk, observed=True)[1] for y, p in ((1.0, mu), (0.0, 1 - mu)))
        expected_score = sum(p * fam.score_and_weights(np.array([y]), eta, lk)[0] for y, p in ((1.0, mu), (0.0, 1 - mu)))
    else:  # both are linear in y, so their expectation is their value at y = mu
        expected = fam.score_and_weights(mu, eta, lk, observed=True)[1]
        expected_score = fam.score_and_weights(mu, eta, lk)[0]
    np.testing.assert_allclose(expected, fisher, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(expected_score, 0.0, atol=1e-12 * max(1.0, float(fisher[0])))


@pytest.mark.parametrize("name", sorted(F.LINKS))
@given(eta=st.floats(-5, 5))
def test_link_second_derivative_by_finite_differences(name, eta):
    link = F.get_link(name)
    h = 1e-6
    fd = (link.inverse_deriv(eta + h) - link.inverse_deriv(eta - h)) / (2 * h)
    assert float(link.inverse_deriv2(eta)) == pytest.approx(float(fd), rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name", ["logit", "probit"])
def test_binary_links_log_probabilities_are_accurate_in_the_tails(name):
    from scipy import stats

    link = F.get_link(name)
    eta = np.array([-800.0, -40.0, -5.0, 0.0, 5.0, 40.0, 800.0])
    ref = stats.logistic if name == "logit" else stats.norm
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(link.log_inverse(eta), ref.logcdf(eta), rtol=1e-12)
        np.testing.assert_allclose(link.log_inverse_complement(eta), ref.logsf(eta), rtol=1e-12)


def test_bernoulli_probit_log_likelihood_is_finite_far_in_the_tail():
    fam, probit = F.Bernoulli(), F.Probit()
    eta = np.array([-45.0, 45.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ll = fam.log_likelihood(np.array([1.0, 0.0]), eta, probit)
    assert np.all(np.isfinite(ll)) and np.all(ll < -1000)


# ------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    "family, y, message",
    [
        ("poisson", [0, 1, -2, 3], "non-negative integer counts"),
        ("poisson", [0, 1.5, 2, 3], "non-negative integer counts"),
        ("bernoulli", [0, 1, 2, 1], "must be 0 or 1"),
        ("gaussian", [0.0, np.nan, 1.0, 2.0], "NaN"),
    ],
)
def test_invalid_targets_are_named(family, y, message):
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match=message):
        GLMNeuron(family).fit(X, y)


def test_unknown_names_and_unfitted_use_are_named():
    X, y = np.ones((5, 1)), np.arange(5.0)
    with pytest.raises(ValueError, match="unknown family 'gamma'"):
        GLMNeuron("gamma").fit(X, y)
    with pytest.raises(ValueError, match="unknown link 'cloglog'"):
        GLMNeuron("poisson", "cloglog").fit(X, y)
    with pytest.raises(ValueError, match="solver must be 'irls' or 'newton' or 'gd'"):
        GLMNeuron("poisson", solver="lbfgs").fit(X, y)
    with pytest.raises(AttributeError, match="not fitted yet"):
        GLMNeuron().predict(X)


def test_predict_is_the_mean_and_decision_function_the_linear_predictor():
    data = datasets.load_randhie()
    m = GLMNeuron("poisson").fit(data.X, data.y)
    eta = data.X @ m.coef_ + m.intercept_
    np.testing.assert_allclose(m.decision_function(data.X), eta)
    np.testing.assert_allclose(m.predict(data.X), np.exp(eta))
    assert m.get_params()["family"] == "poisson" and "GLMNeuron(family='poisson'" in repr(m)
