"""companion.layer: SoftmaxLayer against statsmodels' MNLogit (coefficients, standard
errors of the contrasts, log-likelihood) and scikit-learn's multinomial
LogisticRegression (unpenalised and with C = 1/(alpha N)), on the 1996 election study
and on random designs; the penalised layer's standard errors against its Hessian
written out; the warnings, once per fit; labels, from_weights and input errors."""

import warnings

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import special
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from companion import (
    LogisticNeuron,
    RankDeficiencyWarning,
    SeparationWarning,
    SoftmaxLayer,
    datasets,
)
from companion.separation import detect_multiclass_separation


def _fit(estimator, X, y, expect=()):
    """Fit, and check that the warnings are exactly ``expect``, once each."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    got = sorted(w.category.__name__ for w in caught)
    assert got == sorted(c.__name__ for c in expect), [str(w.message) for w in caught]
    return estimator


def _mnlogit(X, y):
    model = sm.MNLogit(y, sm.add_constant(X, has_constant="add"))
    return model.fit(method="newton", tol=1e-12, maxiter=100, disp=0)


@pytest.fixture(scope="module")
def anes():
    data = datasets.load_anes96()
    return data.X, data.y


def test_equals_statsmodels_mnlogit_on_the_election_study(anes):
    X, y = anes
    ours = _fit(SoftmaxLayer(), X, y)
    ref = _mnlogit(X, y)
    theta = np.column_stack([ours.intercept_, ours.coef_])  # k x p, last row 0
    se = np.column_stack([ours.intercept_stderr_, ours.coef_stderr_])
    assert ours.reference_class_ == 6 and np.all(theta[-1] == 0)
    # statsmodels' reference is the first class: compare the same contrasts
    np.testing.assert_allclose(
        (theta[1:] - theta[0]).T, ref.params, rtol=1e-7, atol=1e-10
    )
    assert ours.log_likelihood_ == pytest.approx(ref.llf, rel=1e-12)
    assert ours.deviance_ == pytest.approx(-2 * ref.llf, rel=1e-12)
    P = ours.predict_proba(X)
    np.testing.assert_allclose(P, ref.predict(sm.add_constant(X)), atol=1e-10)
    # the standard errors of the reference-last contrasts: statsmodels with the labels
    # reversed has the same contrasts, class 6 first
    reversed_ = _mnlogit(X, 6 - y)
    np.testing.assert_allclose(se[:-1][::-1].T, reversed_.bse, rtol=1e-6)
    assert np.all(np.isnan(se[-1]))
    assert ours.converged_ and ours.mle_exists_ and ours.separation_ is None


def test_equals_sklearn_unpenalised_and_penalised(anes):
    X, y = anes
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    n = len(y)
    ours = SoftmaxLayer().fit(X, y)
    sk = LogisticRegression(C=np.inf, solver="newton-cholesky", tol=1e-12).fit(X, y)
    np.testing.assert_allclose(ours.predict_proba(X), sk.predict_proba(X), atol=1e-10)
    # with a penalty every class has its own row; alpha is 1 / (C N); the intercepts are
    # free and reported summing to 0, as scikit-learn does
    for alpha in (1e-3, 0.05):
        ours = SoftmaxLayer(alpha=alpha).fit(X, y)
        sk = LogisticRegression(
            C=1 / (alpha * n), solver="newton-cholesky", tol=1e-12, max_iter=200
        ).fit(X, y)
        np.testing.assert_allclose(ours.coef_, sk.coef_, rtol=1e-8, atol=1e-11)
        np.testing.assert_allclose(
            ours.intercept_, sk.intercept_, rtol=1e-8, atol=1e-11
        )
        assert ours.intercept_.sum() == pytest.approx(0.0, abs=1e-12)
        np.testing.assert_allclose(ours.coef_.sum(axis=0), 0.0, atol=1e-12)
        assert ours.reference_class_ is None


@settings(max_examples=10)
@given(seed=st.integers(0, 10_000), k=st.integers(3, 4), d=st.integers(1, 3))
def test_equals_statsmodels_on_random_designs(seed, k, d):
    data = datasets.make_softmax(300, d, k, seed=seed, scale=2.0)
    y = data.y
    X = data.X * np.random.default_rng(seed).choice([1e-3, 1.0, 1e3], size=d)
    assume(len(np.unique(y)) == k)
    X1 = np.column_stack([np.ones(len(y)), X])
    assume(detect_multiclass_separation(X1, y, k) is None)
    ours = _fit(SoftmaxLayer(), X, y)
    ref = _mnlogit(X, y)
    theta = np.column_stack([ours.intercept_, ours.coef_])
    np.testing.assert_allclose(
        (theta[1:] - theta[0]).T, ref.params, rtol=1e-6, atol=1e-9
    )
    assert ours.log_likelihood_ == pytest.approx(ref.llf, rel=1e-10)


def _penalised_hessian(X, y, Theta, alpha, k):
    """The penalised loss's Hessian in (intercept, weights) x class, written out:
    (1/N) sum_i (diag(p_i) - p_i p_i^T) kron x_i x_i^T + alpha on the weights."""
    n = len(y)
    X1 = np.column_stack([np.ones(n), X])
    P = special.softmax(X1 @ Theta, axis=1)
    S = np.einsum("ic,cd->icd", P, np.eye(k)) - P[:, :, None] * P[:, None, :]
    H = np.einsum("icd,ia,ib->cadb", S, X1, X1).reshape(k * X1.shape[1], -1) / n
    penalty = np.kron(np.eye(k), np.diag(np.r_[0.0, np.ones(X.shape[1])]))
    return H + alpha * penalty


def test_penalised_standard_errors_are_the_laplace_approximation():
    """The inverse of N times the penalised Hessian on the parameters left free (the
    last intercept fixed), mapped to the intercepts centred as reported."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(150, 2))
    y = rng.integers(0, 3, 150)
    alpha, k, p = 0.05, 3, 3
    m = SoftmaxLayer(alpha=alpha).fit(X, y)
    Theta = np.vstack([m.intercept_, m.coef_.T])  # p x k
    H = _penalised_hessian(X, y, Theta, alpha, k)
    free = np.ones(k * p, dtype=bool)
    free[(k - 1) * p] = False  # class k's intercept
    cov = np.zeros((k * p, k * p))
    cov[np.ix_(free, free)] = np.linalg.inv(150 * H[np.ix_(free, free)])
    T = np.eye(k * p)  # centre the intercepts: b_c - mean(b)
    rows = np.arange(k) * p
    T[np.ix_(rows, rows)] -= 1.0 / k
    se = np.sqrt(np.diag(T @ cov @ T.T)).reshape(k, p)
    np.testing.assert_allclose(m.intercept_stderr_, se[:, 0], rtol=1e-8)
    np.testing.assert_allclose(m.coef_stderr_, se[:, 1:], rtol=1e-8)


def test_two_classes_is_logistic_regression():
    data = datasets.load_spector()
    soft = SoftmaxLayer().fit(data.X, data.y)
    logi = LogisticNeuron().fit(data.X, data.y)
    # theta_1 - theta_0 of the layer is the logistic coefficient vector
    np.testing.assert_allclose(soft.coef_[1] - soft.coef_[0], logi.coef_, rtol=1e-8)
    np.testing.assert_allclose(soft.coef_stderr_[0], logi.coef_stderr_, rtol=1e-8)
    np.testing.assert_allclose(
        soft.predict_proba(data.X), logi.predict_proba(data.X), atol=1e-12
    )
    assert soft.log_likelihood_ == pytest.approx(logi.log_likelihood_, rel=1e-12)
    np.testing.assert_allclose(
        soft.decision_function(data.X), logi.decision_function(data.X), rtol=1e-8
    )


def test_gradient_descent_reaches_the_newton_optimum(anes):
    X, y = anes[0][:300], anes[1][:300]
    Xs = (X - X.mean(axis=0)) / X.std(axis=0)
    newton = SoftmaxLayer().fit(Xs, y)
    gd = SoftmaxLayer(solver="gd", learning_rate=2.0, max_iter=50_000, tol=1e-7)
    gd.fit(Xs, y)
    np.testing.assert_allclose(
        gd.predict_proba(Xs), newton.predict_proba(Xs), atol=1e-5
    )
    assert newton.n_iter_ < 15 < gd.n_iter_ and gd.converged_


def test_huge_logits_do_not_overflow(anes):
    X, y = anes
    m = SoftmaxLayer().fit(X, y)
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        p = m.predict_proba(X * 1e6)
    assert np.all(np.isfinite(p)) and np.allclose(p.sum(axis=1), 1.0)


def test_from_weights_predicts_as_the_weights_say():
    W = np.array([[1.0, -1.0], [0.0, 2.0], [-3.0, 0.5]])
    b = np.array([0.1, -0.2, 0.3])
    layer = SoftmaxLayer.from_weights(W, b, classes=["a", "b", "c"])
    X = np.random.default_rng(0).normal(size=(20, 2)) * 3
    Z = X @ W.T + b
    np.testing.assert_allclose(layer.logits(X), Z)
    np.testing.assert_allclose(layer.predict_proba(X), special.softmax(Z, axis=1))
    np.testing.assert_array_equal(layer.predict(X), np.array(list("abc"))[Z.argmax(1)])
    assert np.isnan(layer.log_likelihood_) and np.all(np.isnan(layer.coef_stderr_))
    # adding one vector to every neuron's weights changes no probability (chapter 6)
    shifted = SoftmaxLayer.from_weights(W + [0.3, -7.0], b - 2.0)
    np.testing.assert_allclose(
        shifted.predict_proba(X), layer.predict_proba(X), atol=1e-12
    )
    assert list(SoftmaxLayer.from_weights(W, b).classes_) == [0, 1, 2]


def test_labels_of_any_kind(anes):
    X, y = anes
    names = np.array(list("abcdefg"))[y]
    m = SoftmaxLayer().fit(X, names)
    ref = SoftmaxLayer().fit(X, y)
    assert list(m.classes_) == list("abcdefg") and m.reference_class_ == "g"
    np.testing.assert_allclose(m.predict_proba(X), ref.predict_proba(X))
    np.testing.assert_array_equal(
        m.predict(X), np.array(list("abcdefg"))[ref.predict(X)]
    )
    assert m.coef_.shape == m.coef_stderr_.shape == (7, 5)
    assert m.intercept_.shape == m.intercept_stderr_.shape == (7,)
    Z = m.decision_function(X)
    assert Z.shape == (len(y), 7)
    np.testing.assert_array_equal(m.predict(X), m.classes_[Z.argmax(axis=1)])


def test_given_classes_fix_their_order():
    X = np.arange(12.0).reshape(6, 2) % 5
    y = np.array([0, 1, 2, 1, 0, 2])
    m = SoftmaxLayer(classes=[2, 0, 1], alpha=0.1).fit(X, y)
    assert list(m.classes_) == [0, 1, 2]  # sorted, as scikit-learn keeps them


# ------------------------------------------------------------------ warnings
def test_separated_classes_warn_once():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [6, 0], [0, 6]])
    y = np.repeat([0, 1, 2], 20)
    X = centres[y] + rng.uniform(-1, 1, size=(60, 2))
    m = _fit(SoftmaxLayer(), X, y, expect=[SeparationWarning])
    assert m.separation_ == "complete" and not m.mle_exists_
    assert np.all(m.predict(X) == y)
    # a penalty gives a finite estimate, without warning
    m = _fit(SoftmaxLayer(alpha=0.01), X, y)
    assert m.converged_ and m.mle_exists_ and np.all(np.isfinite(m.coef_stderr_))


def test_overlapping_classes_do_not_warn(anes):
    X, y = anes
    m = _fit(SoftmaxLayer(), X, y)
    assert m.separation_ is None


def test_rank_deficiency_warns_once_and_marks_the_aliased_column(anes):
    X, y = anes
    X2 = np.column_stack([X, X[:, 1] - 2 * X[:, 3]])
    m = _fit(SoftmaxLayer(), X2, y, expect=[RankDeficiencyWarning])
    assert m.aliased_.sum() == 1 and np.all(m.coef_[:, m.aliased_] == 0)
    kept = SoftmaxLayer().fit(X2[:, ~m.aliased_], y)
    np.testing.assert_allclose(
        m.predict_proba(X2), kept.predict_proba(X2[:, ~m.aliased_])
    )
    assert m.log_likelihood_ == pytest.approx(kept.log_likelihood_, rel=1e-12)


# ------------------------------------------------------------------ input
@pytest.mark.parametrize(
    "y, kwargs, message",
    [
        ([1, 1, 1, 1, 1, 1], {}, "at least two classes; y has only 1 class"),
        ([0, 1, 0, 1, 0, 1], {"classes": [0, 1, 2]}, "class 2 has no examples"),
        ([0, 1, 3, 1, 0, 1], {"classes": [0, 1, 2]}, "labels not among the given"),
        ([0, 1, 2], {}, "inconsistent numbers of samples"),
        ([0.5, 1.5, 0.2, 1.1, 0.7, 0.3], {}, "Unknown label type"),
    ],
)
def test_bad_labels_are_named(y, kwargs, message):
    with pytest.raises(ValueError, match=message):
        SoftmaxLayer(**kwargs).fit(np.arange(12.0).reshape(6, 2) % 5, y)


def test_unfitted_and_wrong_width(anes):
    with pytest.raises(NotFittedError, match="not fitted yet"):
        SoftmaxLayer().predict_proba(np.zeros((2, 5)))
    X, y = anes
    m = SoftmaxLayer().fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but SoftmaxLayer is expe"):
        m.predict(np.zeros((3, 2)))
