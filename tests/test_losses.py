"""companion.losses: the stable building blocks against the exact formulas evaluated by
SymPy/mpmath at 50 digits and against scipy and scikit-learn; the loss functions'
gradients and Hessians against finite differences."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special, stats
from sklearn.metrics import log_loss

from companion import losses

z = sp.Symbol("z", real=True)
EXACT = {
    "softplus": sp.lambdify(z, sp.log(1 + sp.exp(z)), "mpmath"),
    "log_sigmoid": sp.lambdify(z, -sp.log(1 + sp.exp(-z)), "mpmath"),
    "sigmoid": sp.lambdify(z, 1 / (1 + sp.exp(-z)), "mpmath"),
}
# Tiny nonzero magnitudes would need hundreds of digits in the reference and test
# nothing new.
LARGE = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False).filter(
    lambda v: v == 0 or abs(v) > 1e-6
)


def _digits(values) -> int:
    """Working precision for the reference: e^{-|x|} next to 1 needs about |x| / ln(10)
    digits, up to |x| = 750, beyond which e^{-|x|} is below the floats."""
    return 40 + int(min(750.0, max(abs(v) for v in values)) / 2.3)


def _spread_digits(values) -> int:
    """Working precision for log-sum-exp: the answer can be log(1 + e^-d), d the spread
    of the values, which needs d / ln(10) digits, up to d = 750 (below the floats)."""
    return 45 + int(min(750.0, max(values) - min(values)) / 2.3)


def _close(ours: float, exact, rtol: float = 1e-13) -> bool:
    exact = float(exact)
    return abs(ours - exact) <= rtol * abs(exact) + 1e-300


@pytest.mark.parametrize("name", sorted(EXACT))
@given(x=LARGE)
def test_scalar_functions_match_exact_formula(name, x):
    ours = float(getattr(losses, name)(x))
    assert np.isfinite(ours)
    with mpmath.workdps(_digits([x])):
        assert _close(ours, EXACT[name](mpmath.mpf(x))), (name, x, ours)


@settings(max_examples=100)
@given(
    st.lists(
        st.floats(-1e3, 1e3).filter(lambda v: v == 0 or abs(v) > 1e-6),
        min_size=1,
        max_size=8,
    )
)
def test_logsumexp_and_softmax_match_exact_formula(values):
    v = np.array(values)
    # log(1 + e^-d) near 0 needs about d / ln(10) digits, up to d = 750
    with mpmath.workdps(_spread_digits(values)):
        exact_lse = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(x)) for x in values))
        exact_p = [float(mpmath.exp(mpmath.mpf(x) - exact_lse)) for x in values]
    assert _close(float(losses.logsumexp(v)), exact_lse, 1e-13)
    np.testing.assert_allclose(losses.softmax(v), exact_p, rtol=1e-10, atol=1e-300)
    assert losses.softmax(v).sum() == pytest.approx(1.0, abs=1e-12)


def test_nothing_overflows_or_warns_up_to_1e4():
    x = np.concatenate(
        [np.linspace(-1e4, 1e4, 20001), [-1e4, -745.2, -709.8, 0.0, 709.8, 745.2, 1e4]]
    )
    with np.errstate(
        over="raise", divide="raise", invalid="raise"
    ):  # underflow to 0 is exact enough
        for f in (losses.softplus, losses.log_sigmoid, losses.sigmoid):
            assert np.all(np.isfinite(f(x)))
        rows = np.stack([x, -x, 0.5 * x], axis=1)
        assert np.all(np.isfinite(losses.logsumexp(rows)))
        assert np.all(np.isfinite(losses.softmax(rows)))
        assert np.allclose(losses.softmax(rows).sum(axis=1), 1.0)


def test_naive_formulas_do_overflow():
    """The reason this module exists: the textbook formulas fail where ours do not."""
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        np.log(1 + np.exp(np.array(1000.0)))
    assert losses.softplus(1000.0) == 1000.0


@settings(max_examples=100)
@given(st.lists(LARGE, min_size=2, max_size=6), st.floats(-1e3, 1e3))
def test_softmax_is_shift_invariant(values, c):
    v = np.array(values)
    np.testing.assert_allclose(
        losses.softmax(v + c), losses.softmax(v), rtol=1e-9, atol=1e-300
    )


def test_logsumexp_axis_and_minus_infinity():
    a = np.array([[0.0, np.log(3.0)], [-np.inf, -np.inf]])
    out = losses.logsumexp(a, axis=1)
    assert out[0] == pytest.approx(np.log(4.0))
    assert out[1] == -np.inf
    np.testing.assert_allclose(losses.logsumexp(a[:1], axis=0), a[0])


@settings(max_examples=100)
@given(
    st.lists(
        st.floats(-1e3, 1e3).filter(lambda v: v == 0 or abs(v) > 1e-6),
        min_size=1,
        max_size=8,
    )
)
def test_log_softmax_matches_exact_formula(values):
    v = np.array(values)
    with mpmath.workdps(_spread_digits(values)):
        lse = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(x)) for x in values))
        exact = [float(mpmath.mpf(x) - lse) for x in values]
    np.testing.assert_allclose(losses.log_softmax(v), exact, rtol=1e-12, atol=1e-12)


def test_information_measures_equal_scipy():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(5), size=20)
    q = rng.dirichlet(np.ones(5), size=20)
    p[0, 2] = 0.0  # 0 log 0 = 0
    p[0] /= p[0].sum()
    np.testing.assert_allclose(losses.entropy(p), stats.entropy(p, axis=1), rtol=1e-13)
    kl = stats.entropy(p, q, axis=1)
    np.testing.assert_allclose(losses.kl_divergence(p, q), kl, rtol=1e-12)
    np.testing.assert_allclose(
        losses.cross_entropy_between(p, q), kl + stats.entropy(p, axis=1), rtol=1e-12
    )
    assert losses.cross_entropy_between([0.5, 0.5], [1.0, 0.0]) == np.inf
    assert losses.kl_divergence([0.5, 0.5], [0.5, 0.5]) == 0.0


def test_cross_entropies_equal_sklearns_log_loss():
    rng = np.random.default_rng(1)
    z = rng.normal(size=300) * 4
    y = rng.integers(0, 2, 300)
    p = special.expit(z)
    assert losses.binary_cross_entropy(z, y) == pytest.approx(log_loss(y, p), rel=1e-12)
    Z = rng.normal(size=(300, 4)) * 4
    labels = rng.integers(0, 4, 300)
    P = special.softmax(Z, axis=1)
    ce = losses.cross_entropy(Z, np.eye(4)[labels])
    assert ce == pytest.approx(log_loss(labels, P), rel=1e-12)


def test_cross_entropies_are_exact_for_huge_logits():
    """Where sigma(z) rounds to 0 or 1 the loss is still the logit itself."""
    z = np.array([-800.0, 800.0])
    assert losses.binary_cross_entropy(z, [1, 0]) == 800.0
    assert losses.cross_entropy(np.array([[1e4, 0.0, -1e4]]), np.eye(3)[[2]]) == 2e4


def _fd(f, theta, h=1e-6):
    """Central differences of ``f`` (scalar or vector valued) along each coordinate."""
    return np.array(
        [(f(theta + h * e) - f(theta - h * e)) / (2 * h) for e in np.eye(theta.size)]
    )


@settings(max_examples=30)
@given(seed=st.integers(0, 10_000))
def test_logistic_gradient_and_hessian_match_finite_differences(seed):
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.ones(30), rng.normal(size=(30, 2))])
    y = rng.integers(0, 2, 30)
    theta = rng.normal(size=3)
    loss = lambda t: losses.logistic_loss_grad(t, X, y)[0]
    grad = lambda t: losses.logistic_loss_grad(t, X, y)[1]
    z = X @ theta
    exact = -np.mean(y * special.log_expit(z) + (1 - y) * special.log_expit(-z))
    assert loss(theta) == pytest.approx(exact, rel=1e-13)
    np.testing.assert_allclose(grad(theta), _fd(loss, theta), atol=1e-8)
    np.testing.assert_allclose(
        losses.logistic_hessian(theta, X), _fd(grad, theta), atol=1e-7
    )


@settings(max_examples=20)
@given(seed=st.integers(0, 1000), k=st.integers(2, 6))
def test_softmax_gradient_and_hessian_match_finite_differences(seed, k):
    rng = np.random.default_rng(seed)
    n, p = 40, 3
    X = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])
    Y = np.eye(k)[rng.integers(0, k, n)]
    theta = rng.normal(size=p * (k - 1))
    loss = lambda t: losses.softmax_loss_grad(t, X, Y)[0]
    grad = lambda t: losses.softmax_loss_grad(t, X, Y)[1]
    Theta = np.column_stack([theta.reshape(p, k - 1, order="F"), np.zeros(p)])
    exact = -np.mean(np.sum(Y * special.log_softmax(X @ Theta, axis=1), axis=1))
    assert loss(theta) == pytest.approx(exact, rel=1e-13)
    np.testing.assert_allclose(grad(theta), _fd(loss, theta), atol=1e-8)
    H = losses.softmax_hessian(theta, X, k)
    np.testing.assert_allclose(H, _fd(grad, theta), atol=1e-7)
    # the blocked accumulation equals one block
    np.testing.assert_allclose(
        losses.softmax_hessian(theta, X, k, chunk=7), H, atol=1e-15
    )
