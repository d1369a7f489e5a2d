r"""Dense linear algebra for Newton's method and IRLS (chapters 4, 7 and 8), on matrices
of size :math:`p \times p` (the Hessian, the information) or on row blocks of the
design, never :math:`N \times N`.

- :class:`Cholesky`: the factorisation of a symmetric positive-definite matrix with its
  rows and columns *equilibrated* (scaled to unit diagonal, which removes the effect of
  columns in different units), with LAPACK's estimate of its condition number. It solves
  the Newton system and gives the standard errors.
- :func:`r_factor`: the triangular factor :math:`R` of a tall matrix given in row blocks
  (:math:`A = QR`), in :math:`O(p^2)` memory: the fit's fallback for ill-conditioned
  designs.
- :func:`weighted_least_squares`: one IRLS step as the weighted least-squares problem of
  :eq:`ch4-irls`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import linalg
from scipy.linalg import lapack
from threadpoolctl import ThreadpoolController

from ._types import Array

__all__ = [
    "Cholesky",
    "r_factor",
    "weighted_least_squares",
    "information_standard_errors",
]

# p x p LAPACK calls run single-threaded: numpy and scipy bundle separate OpenBLAS
# builds, and when
# their thread pools alternate each spins on the cores the other needs (a 189 x 189
# Cholesky took
# 16 ms instead of 0.2 ms).
_BLAS = ThreadpoolController()


@dataclass
class Cholesky:
    r""":math:`D^{-1/2} H D^{-1/2} = U^\top U` for a symmetric positive-definite
    :math:`H` with :math:`D = \operatorname{diag}(H)`; ``rcond`` is LAPACK's estimate of
    the reciprocal 1-norm condition number of the equilibrated matrix (``dpocon``,
    :math:`O(p^2)`)."""

    upper: Array
    scale: Array
    rcond: float

    @classmethod
    def factor(cls, H: Array) -> Cholesky | None:
        """The factorisation, or ``None`` if :math:`H` is not (numerically) positive
        definite."""
        with np.errstate(all="ignore"):  # a non-finite H is refused below, silently
            scale = np.sqrt(np.abs(np.diag(H)))
            scale[scale == 0] = 1.0
            Hs = H / np.outer(scale, scale)
        if not np.all(np.isfinite(Hs)):
            return None
        with _BLAS.limit(limits=1, user_api="blas"):
            upper, info = lapack.dpotrf(Hs, lower=False, clean=True)
            if info != 0:
                return None
            rcond, info = lapack.dpocon(upper, np.abs(Hs).sum(axis=0).max(), uplo="U")
        return cls(upper, scale, float(rcond) if info == 0 else 0.0)

    def solve(self, b: Array) -> Array:
        r""":math:`H^{-1} b`, without forming :math:`H^{-1}`."""
        with _BLAS.limit(limits=1, user_api="blas"):
            x = linalg.cho_solve(
                (self.upper, False), b / self.scale, check_finite=False
            )
        return x / self.scale

    def inverse_factor(self) -> Array:
        r"""A matrix :math:`K` with :math:`H^{-1} = K K^\top`: :math:`K = D^{-1/2}
        U^{-1}`."""
        eye = np.eye(self.upper.shape[0])
        with _BLAS.limit(limits=1, user_api="blas"):
            inv = linalg.solve_triangular(self.upper, eye, check_finite=False)
        return inv / self.scale[:, None]

    def inverse_diagonal(self) -> Array:
        r"""The diagonal of :math:`H^{-1}`: the squared row norms of
        :meth:`inverse_factor`. For an information matrix these are the squared standard
        errors (chapter 4)."""
        K = self.inverse_factor()
        return np.sum(K * K, axis=1)


def r_factor(blocks: Iterable[Array]) -> Array:
    r"""The upper-triangular :math:`R` of :math:`A = QR`, :math:`A` given as row blocks,
    by a QR of each block stacked under the previous :math:`R` ("TSQR"): memory
    :math:`O(p^2)` plus one block, the same :math:`R` (up to the signs of its rows) as a
    QR of all of :math:`A`, and accurate to the condition number of :math:`A`, not its
    square as the normal equations would be."""
    R: Array | None = None
    for block in blocks:
        stacked = block if R is None else np.vstack([R, block])
        upper = np.asarray(np.linalg.qr(stacked, mode="r"), dtype=float)
        R = upper[: min(upper.shape)]
    if R is None:
        raise ValueError("r_factor needs at least one block of rows")
    return R


def weighted_least_squares(X: Array, sqrt_w: Array, z: Array) -> Array:
    r"""Solve :math:`\min_\delta \|S^{1/2}X\delta - z\|_2` by Householder QR (chapter 4,
    :eq:`ch4-irls`).

    With :math:`S^{1/2} = \operatorname{diag}` ``(sqrt_w)`` and working residuals
    :math:`z = S^{-1/2}(y - \mu)` the solution is the Newton/IRLS step
    :math:`\Delta\theta = (X^\top S X)^{-1} X^\top (y - \mu)`, found without forming an
    :math:`N \times N` matrix and with the accuracy of :math:`\kappa(S^{1/2}X)`, not its
    square. A rank-deficient problem gets the minimum-norm solution.
    """
    A = X * sqrt_w[:, None]
    Q, R = np.linalg.qr(A, mode="reduced")
    d = np.abs(np.diag(R))
    if d.size == 0 or d.min() <= 1e-13 * d.max():
        return np.asarray(np.linalg.lstsq(A, z, rcond=None)[0], dtype=float)
    return np.asarray(
        linalg.solve_triangular(R, Q.T @ z, check_finite=False), dtype=float
    )


def information_standard_errors(X: Array, weights: Array) -> Array:
    r"""Standard errors :math:`\sqrt{\operatorname{diag}(X^\top S X)^{-1}}` for
    :math:`S = \operatorname{diag}(s_i)`, :math:`s_i \ge 0`, from a Householder QR of
    the column-equilibrated :math:`S^{1/2}X` (chapters 4 and 8): with
    :math:`S^{1/2}XD^{-1} = QR`, the standard errors are the row norms of
    :math:`D^{-1}R^{-1}`, accurate to the condition number of the equilibrated
    :math:`S^{1/2}X`, not its square. ``inf`` for a singular design. The fits compute
    their own from the last Newton factorisation; this is the independent route."""
    A = X * np.sqrt(np.asarray(weights, dtype=float))[:, None]
    scale = np.linalg.norm(A, axis=0)
    scale[scale == 0] = 1.0
    R = np.linalg.qr(A / scale, mode="r")
    d = np.abs(np.diag(R))
    if d.size == 0 or d.min() <= 1e-13 * d.max():
        return np.full(X.shape[1], np.inf)
    Rinv = linalg.solve_triangular(R, np.eye(R.shape[0]), check_finite=False)
    return np.asarray(np.linalg.norm(Rinv, axis=1) / scale, dtype=float)
