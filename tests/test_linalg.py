"""companion.linalg: the Cholesky factorisation, the TSQR R factor and weighted least
squares, against numpy on random and badly scaled matrices."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion.linalg import Cholesky, r_factor, weighted_least_squares


def _spd(seed: int, p: int, log_scale: float) -> np.ndarray:
    """A random symmetric positive-definite matrix with rows and columns on scales
    10^-s .. 10^s (the Hessian of a design whose columns are in different units)."""
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(3 * p, p))
    D = np.logspace(-log_scale, log_scale, p)
    return D[:, None] * (A.T @ A) * D[None, :]


@settings(max_examples=50)
@given(seed=st.integers(0, 10_000), p=st.integers(1, 8), log_scale=st.floats(0, 8))
def test_cholesky_solves_and_inverts_like_numpy(seed, p, log_scale):
    H = _spd(seed, p, log_scale)
    factor = Cholesky.factor(H)
    assert factor is not None
    b = np.random.default_rng(seed + 1).normal(size=p)
    x = factor.solve(b)
    # the residual is small in the equilibrated problem, whatever the scales
    d = np.sqrt(np.diag(H))
    np.testing.assert_allclose((H @ x) / d, b / d, atol=1e-10 * np.linalg.norm(b / d))
    inverse = np.linalg.inv(H / np.outer(d, d)) / np.outer(d, d)
    np.testing.assert_allclose(factor.inverse_diagonal(), np.diag(inverse), rtol=1e-8)
    K = factor.inverse_factor()
    np.testing.assert_allclose(
        K @ K.T, inverse, rtol=1e-8, atol=1e-12 * np.abs(inverse).max()
    )
    # rcond estimates the reciprocal condition number of the equilibrated matrix
    kappa = np.linalg.cond(H / np.outer(d, d), 1)
    assert 0.1 / kappa <= factor.rcond <= 10 / kappa


def test_equilibration_makes_the_condition_number_independent_of_units():
    H = _spd(3, 5, 0.0)
    D = np.diag(np.logspace(-6, 6, 5))
    a, b = Cholesky.factor(H), Cholesky.factor(D @ H @ D)
    assert np.linalg.cond(D @ H @ D) > 1e20
    assert b.rcond == pytest.approx(a.rcond, rel=1e-6)


def test_cholesky_refuses_matrices_that_are_not_positive_definite():
    assert Cholesky.factor(np.array([[1.0, 2.0], [2.0, 1.0]])) is None
    assert Cholesky.factor(-np.eye(3)) is None
    singular = Cholesky.factor(np.ones((2, 2)) + np.diag([0.0, 1e-17]))
    assert singular is None or singular.rcond < 1e-15
    # a zero row and column (a coefficient the data do not touch) is not factorised
    assert Cholesky.factor(np.diag([1.0, 0.0])) is None


def test_cholesky_refuses_a_matrix_with_infinite_entries_silently():
    """A Hessian with an infinite weight (a mean on the edge of its space) is not
    factorised, and no RuntimeWarning escapes from inf / inf."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Cholesky.factor(np.array([[np.inf, 1.0], [1.0, 1.0]])) is None
        assert Cholesky.factor(np.array([[np.nan, 1.0], [1.0, 1.0]])) is None


@settings(max_examples=30)
@given(seed=st.integers(0, 10_000), rows=st.integers(1, 300), p=st.integers(1, 6))
def test_r_factor_is_numpys_r_up_to_signs(seed, rows, p):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(rows + p, p)) * np.logspace(-3, 3, p)
    blocks = [A[i : i + rows] for i in range(0, len(A), rows)]
    R = r_factor(iter(blocks))
    ref = np.linalg.qr(A, mode="r")
    signs = np.sign(np.diag(R)) * np.sign(np.diag(ref))
    np.testing.assert_allclose(
        R * signs[:, None], ref, rtol=1e-9, atol=1e-12 * np.abs(ref).max()
    )
    np.testing.assert_allclose(
        R.T @ R, A.T @ A, rtol=1e-9, atol=1e-9 * np.abs(A.T @ A).max()
    )


def test_r_factor_of_a_wide_first_block_and_of_nothing():
    A = np.arange(12.0).reshape(2, 6) + np.eye(2, 6)
    R = r_factor([A[:1], A[1:]])
    assert R.shape == (2, 6)
    np.testing.assert_allclose(R.T @ R, A.T @ A, atol=1e-12)
    with pytest.raises(ValueError, match="at least one block"):
        r_factor([])


@pytest.mark.parametrize("rank_deficient", [False, True])
@settings(max_examples=20)
@given(seed=st.integers(0, 1000))
def test_weighted_least_squares_equals_lstsq(rank_deficient, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(300, 5)) * np.array([1e-3, 1.0, 1e3, 1.0, 10.0])
    if rank_deficient:
        X[:, 4] = X[:, 1] + X[:, 3]
    sw = rng.uniform(0.1, 1.0, 300)
    z = rng.normal(size=300)
    ref = np.linalg.lstsq(X * sw[:, None], z, rcond=None)[0]
    ours = weighted_least_squares(X, sw, z)
    if rank_deficient:  # the minimum-norm solution
        np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-10)
    else:
        np.testing.assert_allclose(ours, ref, rtol=1e-9)
