"""SoftmaxLayer against statsmodels MNLogit and scikit-learn; its identities; its input validation."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from companion import LogisticNeuron, SeparationWarning, SoftmaxLayer, datasets, losses


def _anes():
    d = sm.datasets.anes96.load_pandas().data
    return d[["logpopul", "selfLR", "age", "educ", "income"]].to_numpy(float), d["PID"].to_numpy(int)


def test_equals_statsmodels_mnlogit_and_sklearn():
    X, y = _anes()
    ours = SoftmaxLayer().fit(X, y)
    ref = sm.MNLogit(y, sm.add_constant(X)).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    theta = np.column_stack([ours.intercept_, ours.coef_])  # k x p, reference (last) row zero
    se = np.column_stack([ours.intercept_stderr_, ours.coef_stderr_])
    # statsmodels' reference is the first class: compare the same contrasts
    np.testing.assert_allclose((theta[1:] - theta[0]).T, ref.params, rtol=1e-7, atol=1e-10)
    assert ours.log_likelihood_ == pytest.approx(ref.llf, rel=1e-12)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict(sm.add_constant(X)), atol=1e-10)
    # standard errors of the reference-last contrasts: refit statsmodels with the labels reversed
    ref_last = sm.MNLogit(y.max() - y, sm.add_constant(X)).fit(method="newton", tol=1e-12, maxiter=100, disp=0)
    np.testing.assert_allclose(se[:-1][::-1].T, ref_last.bse, rtol=1e-6)
    assert np.all(np.isnan(se[-1]))
    sk = LogisticRegression(C=np.inf, tol=1e-12, max_iter=20_000).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-4)


def test_two_classes_is_logistic_regression():
    data = datasets.load_spector()
    soft = SoftmaxLayer().fit(data.X, data.y)
    logi = LogisticNeuron().fit(data.X, data.y)
    # theta_1 - theta_0 of the layer is the logistic coefficient vector
    np.testing.assert_allclose(soft.coef_[1] - soft.coef_[0], logi.coef_, rtol=1e-8)
    np.testing.assert_allclose(soft.predict_proba(data.X), logi.predict_proba(data.X), atol=1e-12)
    assert soft.log_likelihood_ == pytest.approx(logi.log_likelihood_, rel=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000), k=st.integers(3, 6))
def test_gradient_and_hessian_match_finite_differences(seed, k):
    rng = np.random.default_rng(seed)
    n, p = 40, 3
    X = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])
    Y = np.eye(k)[rng.integers(0, k, n)]
    theta = rng.normal(size=p * (k - 1))
    h = 1e-6
    E = np.eye(theta.size)
    fd = np.array([(losses.softmax_loss_grad(theta + h * e, X, Y)[0] - losses.softmax_loss_grad(theta - h * e, X, Y)[0]) / (2 * h) for e in E])
    np.testing.assert_allclose(losses.softmax_loss_grad(theta, X, Y)[1], fd, atol=1e-8)
    fdh = np.array([(losses.softmax_loss_grad(theta + h * e, X, Y)[1] - losses.softmax_loss_grad(theta - h * e, X, Y)[1]) / (2 * h) for e in E])
    np.testing.assert_allclose(losses.softmax_hessian(theta, X, k), fdh, atol=1e-7)


def test_adding_a_vector_to_every_class_changes_nothing():
    X, y = _anes()
    m = SoftmaxLayer().fit(X, y)
    before = m.predict_proba(X)
    m.coef_ = m.coef_ + np.arange(X.shape[1])[None, :] * 0.3
    m.intercept_ = m.intercept_ - 2.0
    np.testing.assert_allclose(m.predict_proba(X), before, atol=1e-12)


def test_gradient_descent_reaches_the_newton_optimum():
    X, y = _anes()
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    newton = SoftmaxLayer().fit(Xs, y)
    gd = SoftmaxLayer(solver="gd", learning_rate=2.0, max_iter=50_000, tol=1e-7).fit(Xs, y)
    np.testing.assert_allclose(gd.predict_proba(Xs), newton.predict_proba(Xs), atol=1e-5)
    assert newton.n_iter_ < 15 < gd.n_iter_


def test_huge_logits_do_not_overflow():
    X, y = _anes()
    m = SoftmaxLayer().fit(X, y)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = m.predict_proba(X * 1e6)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0)


def test_string_labels_and_column_order():
    X, y = _anes()
    names = np.array(list("abcdefg"))[y]
    m = SoftmaxLayer().fit(X, names)
    assert list(m.classes_) == list("abcdefg") and m.reference_class_ == "g"
    assert m.predict_proba(X).shape == (len(y), 7)
    np.testing.assert_array_equal(m.predict(X), np.array(list("abcdefg"))[m.predict_proba(X).argmax(axis=1)])


@pytest.mark.parametrize(
    "y, kwargs, message",
    [
        ([1, 1, 1, 1, 1, 1], {}, "at least two classes"),
        ([0, 1, 0, 1, 0, 1], {"classes": [0, 1, 2]}, "class 2 has no examples"),
        ([0, 1, 3, 1, 0, 1], {"classes": [0, 1, 2]}, "labels not among the given classes"),
        ([0, 1, 2], {}, "different lengths"),
    ],
)
def test_bad_labels_are_named(y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        SoftmaxLayer(**kwargs).fit(np.arange(12.0).reshape(6, 2) % 5, y)


def test_separated_classes_are_reported():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [6, 0], [0, 6]])
    y = np.repeat([0, 1, 2], 20)
    X = centres[y] + rng.uniform(-1, 1, size=(60, 2))
    with pytest.warns(SeparationWarning, match="separation"):
        m = SoftmaxLayer().fit(X, y)
    assert m.separation_ == "complete"


def test_overlapping_classes_do_not_warn():
    X, y = _anes()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        m = SoftmaxLayer().fit(X, y)
    assert m.separation_ is None
