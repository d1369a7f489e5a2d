"""LogisticNeuron and the solvers, against statsmodels and scikit-learn, on well- and ill-posed data."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from companion import ConvergenceWarning, LogisticNeuron, SeparationWarning, datasets, losses, solvers


def _statsmodels(X, y):
    return sm.Logit(y, sm.add_constant(X, has_constant="add")).fit(method="newton", disp=0, tol=1e-12, maxiter=100)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(60, 400), d=st.integers(1, 6))
def test_newton_equals_statsmodels_logit(seed, n, d):
    X, y, _ = datasets.make_logistic(n, d, seed=seed)
    if len(np.unique(y)) < 2:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sep = solvers.detect_separation(np.column_stack([np.ones(n), X]), y)
    if sep is not None:  # no MLE to compare
        return
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = LogisticNeuron().fit(X, y)
    ref = _statsmodels(X, y)
    np.testing.assert_allclose(np.r_[ours.intercept_, ours.coef_], ref.params, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(np.r_[ours.intercept_stderr_, ours.coef_stderr_], ref.bse, rtol=1e-6)
    assert ours.log_likelihood_ == pytest.approx(ref.llf, rel=1e-10)
    assert ours.converged_


def test_equals_sklearn_unpenalised_and_gd_reaches_same_optimum():
    data = datasets.load_breast_cancer(standardize=True)
    newton = LogisticNeuron().fit(data.X, data.y)
    sk = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(data.X, data.y)
    np.testing.assert_allclose(newton.coef_, sk.coef_[0], rtol=1e-4, atol=1e-6)
    assert newton.intercept_ == pytest.approx(sk.intercept_[0], rel=1e-4)
    gd = LogisticNeuron(solver="gd", learning_rate=1.0, max_iter=50_000, tol=1e-8).fit(data.X, data.y)
    np.testing.assert_allclose(gd.coef_, newton.coef_, rtol=1e-5, atol=1e-6)
    assert newton.n_iter_ < 15 < gd.n_iter_
    # the loss decreases monotonically for both
    assert np.all(np.diff(newton.history_) <= 1e-15) and np.all(np.diff(gd.history_) <= 1e-15)


def test_ill_conditioned_design_is_fitted_accurately():
    """Columns on scales 1e-4 .. 1e4 and two nearly collinear: the fit must equal the fit on the
    well-scaled design, mapped back exactly. The normal equations would lose about 16 digits here."""
    rng = np.random.default_rng(3)
    n = 2000
    Z = rng.normal(size=(n, 3))
    Z[:, 2] = Z[:, 1] + 1e-3 * rng.normal(size=n)  # nearly collinear
    y = (rng.random(n) < losses.sigmoid(Z @ np.array([1.0, 2.0, -1.5]) + 0.3)).astype(int)
    scales = np.array([1e-4, 1.0, 1e4])
    good = LogisticNeuron().fit(Z, y)
    bad = LogisticNeuron().fit(Z * scales, y)
    cond = np.linalg.cond(np.column_stack([np.ones(n), Z * scales]))
    assert cond > 1e8
    np.testing.assert_allclose(bad.coef_ * scales, good.coef_, rtol=1e-7)
    np.testing.assert_allclose(bad.coef_stderr_ * scales, good.coef_stderr_, rtol=1e-7)
    assert bad.log_likelihood_ == pytest.approx(good.log_likelihood_, rel=1e-12)


def test_large_n_never_forms_n_by_n():
    """With N = 10**6 an N x N matrix would need 8 TB: the fit must run in O(N p) memory."""
    X, y, beta = datasets.make_logistic(1_000_000, 3, seed=1)
    m = LogisticNeuron().fit(X, y)
    np.testing.assert_allclose(m.coef_, beta, atol=0.02)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_gradient_and_hessian_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(30), rng.normal(size=(30, 2))])
    y = rng.integers(0, 2, 30)
    theta = rng.normal(size=3)
    h = 1e-6
    loss, grad = losses.logistic_loss_grad(theta, X, y)
    fd = [(losses.logistic_loss_grad(theta + h * e, X, y)[0] - losses.logistic_loss_grad(theta - h * e, X, y)[0]) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(grad, fd, atol=1e-8)
    fd_h = [(losses.logistic_loss_grad(theta + h * e, X, y)[1] - losses.logistic_loss_grad(theta - h * e, X, y)[1]) / (2 * h) for e in np.eye(3)]
    np.testing.assert_allclose(losses.logistic_hessian(theta, X), np.array(fd_h), atol=1e-7)
    assert loss == pytest.approx(-np.mean(y * np.log(losses.sigmoid(X @ theta)) + (1 - y) * np.log(losses.sigmoid(-X @ theta))))


def test_labels_any_two_values_and_column_order():
    data = datasets.make_two_blobs(seed=2)
    labels = np.where(data.y == 1, "spam", "ham")
    m = LogisticNeuron().fit(data.X, labels)
    assert list(m.classes_) == ["ham", "spam"]
    ref = LogisticNeuron().fit(data.X, data.y)
    np.testing.assert_allclose(m.predict_proba(data.X), ref.predict_proba(data.X))
    p = m.predict_proba(data.X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[:, 1], losses.sigmoid(data.X @ m.coef_ + m.intercept_))
    assert set(m.predict(data.X)) <= {"ham", "spam"}
    assert np.all((m.predict(data.X) == "spam") == (p[:, 1] > 0.5))
    signed = LogisticNeuron().fit(data.X, 2 * data.y - 1)
    np.testing.assert_allclose(signed.coef_, ref.coef_)
    assert isinstance(ref.intercept_, float) and ref.coef_.shape == (2,)


def test_without_intercept():
    data = datasets.make_two_blobs(seed=4)
    m = LogisticNeuron(fit_intercept=False).fit(data.X, data.y)
    ref = sm.Logit(data.y, data.X).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(m.coef_, ref.params, rtol=1e-7)
    assert m.intercept_ == 0.0


@pytest.mark.parametrize(
    "X, y, message",
    [
        (np.zeros((4, 1)), [0, 1, 2, 1], "exactly two classes; got 3 classes"),
        (np.zeros((4, 1)), [1, 1, 1, 1], "exactly two classes; got 1 class"),
        (np.array([[0.0], [np.nan], [1], [2]]), [0, 1, 0, 1], "X contains NaN or inf"),
        (np.array([[0.0], [np.inf], [1], [2]]), [0, 1, 0, 1], "X contains NaN or inf"),
        (np.zeros(4), [0, 1, 0, 1], "X must be 2-D"),
        (np.zeros((4, 1)), [0, 1, 0], "different lengths: X has 4 rows, y has 3"),
        (np.zeros((4, 1)), [0.0, 1.0, np.nan, 1.0], "y contains NaN"),
        (np.arange(6.0).reshape(2, 3), [0, 1], "fewer rows than parameters: 2 observations for 4"),
    ],
)
def test_bad_input_is_named(X, y, message):
    with pytest.raises(ValueError, match=message):
        LogisticNeuron().fit(X, y)


def test_bad_solver_and_unfitted_and_feature_count():
    with pytest.raises(ValueError, match="solver must be 'newton' or 'gd'"):
        LogisticNeuron(solver="lbfgs").fit(np.zeros((4, 1)), [0, 1, 0, 1])
    with pytest.raises(AttributeError, match="not fitted"):
        LogisticNeuron().predict(np.zeros((2, 1)))
    data = datasets.make_two_blobs()
    m = LogisticNeuron().fit(data.X, data.y)
    with pytest.raises(ValueError, match="X has 3 features, but the model was fitted with 2"):
        m.predict(np.zeros((2, 3)))


def test_complete_separation_is_reported():
    data = datasets.make_separable()
    with pytest.warns(SeparationWarning, match="perfect \\(complete\\) separation"):
        m = LogisticNeuron().fit(data.X, data.y)
    assert m.separation_ == "complete"
    # statsmodels agrees that something is wrong
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(Exception):
            r = sm.Logit(data.y, sm.add_constant(data.X)).fit(disp=0)
            assert not np.all(np.isfinite(r.bse)) or r.mle_retvals["converged"] is False
            raise RuntimeError("statsmodels fitted without complaint")


def test_quasi_complete_separation_is_reported():
    X = np.array([[0.0], [1.0], [1.0], [2.0], [3.0], [1.0]])
    y = np.array([0, 0, 1, 1, 1, 0])
    with pytest.warns(SeparationWarning, match="quasi-complete separation"):
        m = LogisticNeuron().fit(X, y)
    assert m.separation_ == "quasi-complete"


def test_overlapping_data_gives_no_warning():
    data = datasets.load_spector()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = LogisticNeuron().fit(data.X, data.y)
    assert m.separation_ is None and m.converged_


def test_max_iter_gives_convergence_warning():
    data = datasets.load_breast_cancer(standardize=True)
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=3"):
        m = LogisticNeuron(solver="gd", max_iter=3).fit(data.X, data.y)
    assert not m.converged_ and m.n_iter_ == 3 and len(m.history_) == 4


def test_gradient_descent_divergence_is_named():
    data = datasets.load_breast_cancer(standardize=False)
    with pytest.raises(FloatingPointError, match="learning_rate=.* is too large"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        LogisticNeuron(solver="gd", learning_rate=1e6, max_iter=1000).fit(data.X * 1e3, data.y)


@pytest.mark.parametrize("max_condition", [1e10, 0.0])  # the Cholesky route, and the QR route forced
@given(seed=st.integers(0, 1000))
@settings(max_examples=20, deadline=None)
def test_weighted_least_squares_equals_lstsq(max_condition, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 5)) * np.array([1e-3, 1.0, 1e3, 1.0, 10.0])
    sw = rng.uniform(0.1, 1.0, 300)
    z = rng.normal(size=300)
    ref = np.linalg.lstsq(X * sw[:, None], z, rcond=None)[0]
    np.testing.assert_allclose(solvers.weighted_least_squares(X, sw, z, max_condition), ref, rtol=1e-9)


def test_nearly_collinear_design_takes_the_qr_route_and_stays_exact():
    """x2 = x1 + 1e-7 noise: the equilibrated Gram matrix has condition ~1e14, beyond Cholesky's reach.
    The fit must equal the fit on the well-conditioned reparametrisation (x1, (x2 - x1) / 1e-7)."""
    rng = np.random.default_rng(11)
    n = 3000
    x1, u = rng.normal(size=n), rng.normal(size=n)
    X_bad = np.column_stack([x1, x1 + 1e-7 * u])
    X_good = np.column_stack([x1, u])
    y = (rng.random(n) < losses.sigmoid(0.5 + 1.0 * x1 - 0.8 * u)).astype(int)
    A = np.column_stack([np.ones(n), X_bad]) * 0.5
    Gs = A.T @ A / np.outer(np.linalg.norm(A, axis=0), np.linalg.norm(A, axis=0))
    assert np.linalg.cond(Gs) > 1e10
    bad, good = LogisticNeuron().fit(X_bad, y), LogisticNeuron().fit(X_good, y)
    # X_bad @ [a, c] = x1 (a + c) + u (1e-7 c): map the well-conditioned fit back
    c = good.coef_[1] / 1e-7
    np.testing.assert_allclose(bad.coef_, [good.coef_[0] - c, c], rtol=1e-6)
    assert bad.log_likelihood_ == pytest.approx(good.log_likelihood_, rel=1e-10)
