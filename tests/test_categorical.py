"""companion.categorical: the categorical family (chapter 5) against SymPy's derivation
(``symbolic.categorical``), scipy's multinomial, finite differences and simulation."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats

from companion import symbolic as S
from companion.categorical import Categorical
from companion.families import Bernoulli

FORM = S.categorical(3)
EXACT = {
    "log_partition": sp.lambdify(FORM.eta, FORM.log_partition, "mpmath"),
    "mean": sp.lambdify(FORM.eta, FORM.gradient(), "mpmath"),
    "variance": sp.lambdify(FORM.eta, FORM.hessian(), "mpmath"),
    "probabilities": sp.lambdify(FORM.eta, sp.Matrix(FORM.inverse_link), "mpmath"),
}


def _mp(matrix) -> np.ndarray:
    return np.array(matrix.tolist(), dtype=float).squeeze()


@settings(max_examples=100)
@given(st.lists(st.floats(-30, 30), min_size=2, max_size=2))
def test_equals_sympys_derivation(values):
    cat = Categorical(3)
    with mpmath.workdps(60):
        args = [mpmath.mpf(v) for v in values]
        lp = float(EXACT["log_partition"](*args))
        mean, var = _mp(EXACT["mean"](*args)), _mp(EXACT["variance"](*args))
        probs = _mp(EXACT["probabilities"](*args))
    assert float(cat.log_partition(values)) == pytest.approx(lp, rel=1e-13, abs=1e-15)
    np.testing.assert_allclose(cat.mean(values), mean, rtol=1e-12, atol=1e-300)
    # diag(mu) - mu mu^T: an entry mu_c (1 - mu_c) with mu_c near 1 keeps the absolute
    # accuracy of mu_c, not its relative accuracy
    np.testing.assert_allclose(cat.variance(values), var, rtol=1e-12, atol=4e-16)
    np.testing.assert_allclose(
        cat.probabilities(values), probs, rtol=1e-12, atol=1e-300
    )


@settings(max_examples=50)
@given(st.lists(st.floats(-30, 30), min_size=3, max_size=3))
def test_gradient_is_mean_and_hessian_is_diag_minus_outer(values):
    cat, eta, h = Categorical(4), np.array(values), 1e-6
    E = np.eye(3)
    lp, mean = cat.log_partition, cat.mean
    grad = np.array([(lp(eta + h * e) - lp(eta - h * e)) / (2 * h) for e in E])
    np.testing.assert_allclose(grad, cat.mean(eta), atol=1e-8)
    hess = np.array([(mean(eta + h * e) - mean(eta - h * e)) / (2 * h) for e in E])
    np.testing.assert_allclose(hess, cat.variance(eta), atol=1e-7)
    phi = cat.probabilities(eta)
    assert phi.sum() == pytest.approx(1.0, abs=1e-15)
    # the natural parameters are the log-odds against the reference class
    np.testing.assert_allclose(np.log(phi[:3] / phi[3]), eta, rtol=1e-9, atol=1e-9)


def test_log_pdf_is_scipys_multinomial_with_one_trial():
    rng = np.random.default_rng(0)
    cat = Categorical(4)
    eta = rng.normal(size=(50, 3)) * 3
    y = rng.integers(0, 4, 50)
    ref = stats.multinomial.logpmf(np.eye(4)[y], 1, cat.probabilities(eta))
    np.testing.assert_allclose(cat.log_pdf(y, eta), ref, rtol=1e-12)


def test_two_classes_is_bernoulli():
    eta = np.linspace(-40, 40, 81)
    cat, bern = Categorical(2), Bernoulli()
    np.testing.assert_allclose(cat.mean(eta[:, None])[:, 0], bern.mean(eta), rtol=1e-14)
    np.testing.assert_allclose(
        cat.log_partition(eta[:, None]), bern.log_partition(eta), rtol=1e-14
    )
    np.testing.assert_allclose(
        cat.log_pdf([0, 1, 1], [[0.3], [-2.0], [5.0]]),
        bern.log_pdf([1, 0, 0], [0.3, -2.0, 5.0]),
        rtol=1e-14,
    )


def test_moments_equal_simulation():
    cat, rng, n = Categorical(3), np.random.default_rng(1), 400_000
    eta = np.array([0.7, -1.1])
    p = cat.probabilities(eta)
    T = cat.sufficient_statistic(rng.choice(3, size=n, p=p))
    se = np.sqrt(p[:2] * (1 - p[:2]) / n)
    np.testing.assert_allclose(T.mean(axis=0), cat.mean(eta), atol=5 * float(se.max()))
    np.testing.assert_allclose(np.cov(T.T), cat.variance(eta), atol=5 / np.sqrt(n))


# ------------------------------------------------------------------ derivatives
def _row_loglik(Y: np.ndarray, Z: np.ndarray) -> np.ndarray:
    return np.sum(Y * special.log_softmax(Z, axis=1), axis=1)


@settings(max_examples=50)
@given(seed=st.integers(0, 10_000), k=st.integers(2, 5), size=st.floats(0.1, 20))
def test_derivatives_are_the_row_gradients_and_hessians(seed, k, size):
    rng = np.random.default_rng(seed)
    n = 6
    Z = rng.normal(size=(n, k)) * size
    Y = np.eye(k)[rng.integers(0, k, n)]
    t = Categorical(k).derivatives(Y, Z)
    np.testing.assert_allclose(t.loglik, _row_loglik(Y, Z), rtol=1e-12, atol=1e-12)
    h = 1e-6
    E = np.eye(k)
    fd = np.stack(
        [(_row_loglik(Y, Z + h * e) - _row_loglik(Y, Z - h * e)) / (2 * h) for e in E],
        axis=1,
    )
    np.testing.assert_allclose(t.score, fd, atol=1e-7)
    assert t.lowrank is not None
    S_i = (
        np.einsum("ic,cd->icd", t.weight, E)
        - t.lowrank[:, :, None] * t.lowrank[:, None]
    )
    # minus the derivative of the score is the information: Y - softmax(Z) differenced
    soft = lambda W: Y - special.softmax(W, axis=1)
    fd2 = np.stack([-(soft(Z + h * e) - soft(Z - h * e)) / (2 * h) for e in E], axis=2)
    np.testing.assert_allclose(S_i, fd2, atol=1e-7)


def test_derivatives_are_finite_for_huge_logits():
    Z = np.array([[1e4, -1e4, 0.0], [-1e300, 0.0, 1e300]])
    Y = np.eye(3)[[1, 0]]
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
        t = Categorical(3).derivatives(Y, Z)
    np.testing.assert_allclose(t.loglik, [-2e4, -2e300])
    np.testing.assert_array_equal(t.score, [[-1, 1, 0], [1, 0, -1]])


def test_bounded_everywhere():
    eta = np.linspace(-1e4, 1e4, 40001)
    e2 = np.stack([eta, -eta], axis=1)
    cat = Categorical(3)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        assert np.all(np.isfinite(cat.log_partition(e2)))
        assert np.all(np.isfinite(cat.variance(e2)))
        np.testing.assert_allclose(cat.probabilities(e2).sum(axis=1), 1.0)


# ------------------------------------------------------------------ input
def test_sufficient_statistic_and_full():
    cat = Categorical(3)
    np.testing.assert_array_equal(
        cat.sufficient_statistic([0, 2, 1]), [[1, 0], [0, 0], [0, 1]]
    )
    np.testing.assert_array_equal(cat.full([[1.0, 2.0]]), [[1.0, 2.0, 0.0]])
    assert repr(cat) == "Categorical(k=3)"


@pytest.mark.parametrize("k", [1, 0, 2.5, True, -3])
def test_bad_number_of_classes_is_refused(k):
    with pytest.raises(ValueError, match="integer number of classes k >= 2"):
        Categorical(k)


@pytest.mark.parametrize("labels", [[0, 3], [-1, 0], [0.5, 1]])
def test_bad_labels_are_refused(labels):
    with pytest.raises(ValueError, match=r"class indices 0\.\.2"):
        Categorical(3).sufficient_statistic(labels)


def test_wrong_number_of_natural_parameters_is_refused():
    with pytest.raises(ValueError, match="2 entries on the last axis; got shape"):
        Categorical(3).mean([1.0])
