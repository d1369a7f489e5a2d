"""The stable building blocks against the exact formulas evaluated by SymPy/mpmath at 50 digits."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from companion import losses

z = sp.Symbol("z", real=True)
EXACT = {
    "softplus": sp.lambdify(z, sp.log(1 + sp.exp(z)), "mpmath"),
    "log_sigmoid": sp.lambdify(z, -sp.log(1 + sp.exp(-z)), "mpmath"),
    "sigmoid": sp.lambdify(z, 1 / (1 + sp.exp(-z)), "mpmath"),
}
# Tiny nonzero magnitudes would need hundreds of digits in the reference and test nothing new.
LARGE = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False).filter(lambda v: v == 0 or abs(v) > 1e-6)


def _digits(values) -> int:
    """Working precision for the reference: e^{-|x|} next to 1 needs about |x| / ln(10) digits."""
    return 40 + int(max(abs(v) for v in values) / 2.3)


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


@given(st.lists(st.floats(-1e3, 1e3).filter(lambda v: v == 0 or abs(v) > 1e-6), min_size=1, max_size=8))
def test_logsumexp_and_softmax_match_exact_formula(values):
    v = np.array(values)
    with mpmath.workdps(_digits(values) + int((max(values) - min(values)) / 2.3)):
        exact_lse = mpmath.log(mpmath.fsum(mpmath.exp(mpmath.mpf(x)) for x in values))
        exact_p = [float(mpmath.exp(mpmath.mpf(x) - exact_lse)) for x in values]
    assert _close(float(losses.logsumexp(v)), exact_lse, 1e-13)
    np.testing.assert_allclose(losses.softmax(v), exact_p, rtol=1e-10, atol=1e-300)
    assert losses.softmax(v).sum() == pytest.approx(1.0, abs=1e-12)


def test_nothing_overflows_or_warns_up_to_1e4():
    x = np.concatenate([np.linspace(-1e4, 1e4, 20001), [-1e4, -745.2, -709.8, 0.0, 709.8, 745.2, 1e4]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is exact enough
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


@given(st.lists(LARGE, min_size=2, max_size=6), st.floats(-1e3, 1e3))
def test_softmax_is_shift_invariant(values, c):
    v = np.array(values)
    np.testing.assert_allclose(losses.softmax(v + c), losses.softmax(v), rtol=1e-9, atol=1e-300)


def test_logsumexp_axis_and_minus_infinity():
    a = np.array([[0.0, np.log(3.0)], [-np.inf, -np.inf]])
    out = losses.logsumexp(a, axis=1)
    assert out[0] == pytest.approx(np.log(4.0))
    assert out[1] == -np.inf
    np.testing.assert_allclose(losses.logsumexp(a[:1], axis=0), a[0])
