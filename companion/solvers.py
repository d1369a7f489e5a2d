r"""Gradient descent and Newton's method, written once for every estimator of the book (chapters 4, 7, 8).

A model hands the solver an *objective*: a function returning the loss and its gradient at
:math:`\theta`, and, for Newton, a function returning the Newton direction :math:`\delta` that solves
:math:`H\delta = -g`. For generalized linear models the direction is a weighted least-squares problem
(iteratively reweighted least squares, IRLS):

.. math:: H = X^\top W X, \quad \delta = \arg\min_\delta \big\| W^{1/2} X \delta - W^{-1/2} (y - \mu) \big\|_2 ,

solved by :func:`weighted_least_squares`: a Cholesky factorisation of the column-scaled :math:`p \times p`
matrix :math:`X^\top W X` when it is well conditioned, otherwise a QR factorisation of :math:`W^{1/2}X`
(:math:`N \times p`), which keeps the accuracy of the design instead of squaring its condition number as
the normal equations would. Neither forms an :math:`N \times N` matrix or inverts a matrix.
:func:`detect_separation` decides, by a linear program, whether the maximum-likelihood estimate of a
binary model exists at all.

Gradient descent has converged when the largest gradient component falls below ``tol``; Newton's method
when its Newton decrement, the gradient measured in the metric of the Hessian, does (see :func:`newton`).
Reaching ``max_iter`` first gives a :class:`ConvergenceWarning`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import linalg
from scipy.linalg import lapack
from threadpoolctl import ThreadpoolController

__all__ = [
    "ConvergenceWarning",
    "SolverResult",
    "gradient_descent",
    "newton",
    "weighted_least_squares",
    "qr_inverse_rows",
    "detect_separation",
    "detect_multiclass_separation",
    "solve_newton_system",
    "inverse_diagonal",
]

Array = NDArray[np.float64]
LossGrad = Callable[[Array], tuple[float, Array]]


class ConvergenceWarning(UserWarning):
    """The solver reached ``max_iter`` before its convergence criterion was met."""


@dataclass
class SolverResult:
    """What a solver returns: the estimate, how it got there, and whether it converged."""

    theta: Array
    n_iter: int
    converged: bool
    history: list[float] = field(default_factory=list)  #: the loss before each iteration and at the end
    grad_norm: float = np.inf  #: largest absolute gradient component at the end


def _small_gradient(grad: Array, tol: float) -> bool:
    r"""Gradient descent's criterion: the largest gradient component is at most ``tol``.

    No test on the change in loss: with a fixed step the loss changes by about :math:`\alpha\|g\|^2`, so such
    a test only restates the gradient test at a level (:math:`10^{-16}` for ``tol=1e-8``) where the rounding
    of the loss, which differs between machines and BLAS builds, would decide the iteration count."""
    return float(np.max(np.abs(grad), initial=0.0)) <= tol


def _warn_not_converged(name: str, max_iter: int, measure: str, value: float, tol: float) -> None:
    warnings.warn(
        f"{name} did not converge in max_iter={max_iter} iterations: {measure} is {value:.3g}, above "
        f"tol={tol:g}. Increase max_iter"
        + (" or the learning rate, or standardise the inputs." if name == "gradient descent" else
           "; if the classes are separated the estimate does not exist."),
        ConvergenceWarning,
        stacklevel=3,
    )


def gradient_descent(loss_grad: LossGrad, theta0: Array, learning_rate: float, max_iter: int, tol: float) -> SolverResult:
    r"""Plain gradient descent :math:`\theta \leftarrow \theta - \alpha \nabla J(\theta)` (chapter 4).

    No line search: what the book shows is the fixed-step method and how its speed depends on
    :math:`\alpha` and on the scaling of the inputs.
    """
    theta = np.array(theta0, dtype=float)
    loss, grad = loss_grad(theta)
    history = [loss]
    for it in range(1, max_iter + 1):
        if _small_gradient(grad, tol):
            return SolverResult(theta, it - 1, True, history, float(np.max(np.abs(grad))))
        theta = theta - learning_rate * grad
        loss, grad = loss_grad(theta)
        if not np.isfinite(loss) or loss > 1e6 * max(1.0, abs(history[0])):
            raise FloatingPointError(f"gradient descent diverged at iteration {it}: learning_rate={learning_rate:g} is too large")
        history.append(loss)
    converged = _small_gradient(grad, tol)
    if not converged:
        _warn_not_converged("gradient descent", max_iter, "the largest gradient component", float(np.max(np.abs(grad))), tol)
    return SolverResult(theta, max_iter, converged, history, float(np.max(np.abs(grad))))


def newton(
    loss_grad: LossGrad,
    direction: Callable[[Array, Array], Array],
    theta0: Array,
    max_iter: int,
    tol: float,
) -> SolverResult:
    r"""Newton's method with step halving: :math:`\theta \leftarrow \theta + t\,\delta`, :math:`H\delta = -g`.

    ``direction(theta, grad)`` returns :math:`\delta` (``grad`` is the gradient already computed at
    ``theta``). The step :math:`t = 1, 1/2, 1/4, \dots` is halved until the loss does not increase, which
    makes every iteration a descent step even far from the optimum. For the convex losses of this book the
    full step is almost always taken and convergence is quadratic.

    Convergence is judged by the Newton decrement :math:`\lambda = \sqrt{g^\top H^{-1} g} = \sqrt{-g^\top\delta}`,
    the size of the gradient measured in the metric of the Hessian; :math:`\lambda^2/2` is the decrease of
    the loss that the step predicts. The method stops after a step with
    :math:`\lambda \le \max(\mathtt{tol}, 3\cdot 10^{-8})\sqrt{\max(1, |J|)}`: near the optimum each Newton step
    squares the error, so that step lands at the optimum to rounding error. Unlike a test on the raw
    gradient, this one does not depend on the units of the columns of :math:`X` (a column in
    micrometres instead of kilometres rescales its gradient component by :math:`10^9`, but not
    :math:`\lambda`), and the floor :math:`3\cdot 10^{-8} \approx \sqrt{10^{-15}}` keeps it above the rounding
    error of the gradient itself.
    """
    theta = np.array(theta0, dtype=float)
    loss, grad = loss_grad(theta)
    history = [loss]
    floor = max(tol, 3e-8)
    threshold, decrement = floor**2, np.inf
    for it in range(1, max_iter + 1):
        delta = direction(theta, grad)
        decrement = -float(grad @ delta)
        done = 0.0 <= decrement <= threshold * max(1.0, abs(loss))
        step = 1.0
        for _ in range(30):
            candidate = theta + step * delta
            new_loss, new_grad = loss_grad(candidate)
            if np.isfinite(new_loss) and np.all(np.isfinite(new_grad)) and new_loss <= loss + 1e-12 * abs(loss):
                break
            step *= 0.5
        theta, loss, grad = candidate, new_loss, new_grad
        history.append(loss)
        if done:
            return SolverResult(theta, it, True, history, float(np.max(np.abs(grad))))
    _warn_not_converged("Newton's method", max_iter, "the Newton decrement relative to sqrt(max(1, |loss|))",
                        float(np.sqrt(max(decrement, 0.0) / max(1.0, abs(loss)))), floor)
    return SolverResult(theta, max_iter, False, history, float(np.max(np.abs(grad))))


def weighted_least_squares(X: Array, sqrt_w: Array, z: Array, max_condition: float = 1e6) -> Array:
    r"""Solve :math:`\min_\delta \|W^{1/2}X\delta - z\|_2`, the Newton/IRLS direction (chapter 4).

    With :math:`z = W^{-1/2}(y - \mu)` the solution is :math:`(X^\top W X)^{-1} X^\top (y - \mu)`, found
    without inverting a matrix or forming an :math:`N\times N` one. ``X`` is :math:`N \times p`; ``sqrt_w``
    holds :math:`w_i^{1/2} \ge 0` and ``z`` the working residuals.

    Two routes, chosen by the conditioning of the problem:

    - the :math:`p \times p` Gram matrix :math:`A^\top A` of :math:`A = W^{1/2}X`, with its columns
      *equilibrated* (scaled to unit diagonal, which removes the effect of columns on different scales),
      is factorised by Cholesky when its condition number is below ``max_condition``: the fast route;
    - otherwise (nearly collinear columns) a Householder QR factorisation of :math:`A` itself, whose
      accuracy depends on :math:`\kappa(A)`, not on :math:`\kappa(A)^2` as the normal equations do.

    In Newton's method the gradient is always computed exactly, so a direction with a small relative
    error still converges to the exact optimum; the QR route keeps that true for any design.
    A rank-deficient :math:`A` falls back to the minimum-norm least-squares solution.
    """
    if not (np.all(np.isfinite(sqrt_w)) and np.all(np.isfinite(z))):
        raise FloatingPointError("the IRLS weights or working residuals are not finite: the fit has diverged")
    A = X * sqrt_w[:, None]
    G = A.T @ A
    scale = np.sqrt(np.diag(G))
    scale[scale == 0] = 1.0
    Gs = G / np.outer(scale, scale)
    delta = _well_conditioned_cholesky_solve(Gs, (A.T @ z) / scale, max_condition)
    if delta is not None:
        return delta / scale
    return _qr_solve(A, z)


_BLAS = ThreadpoolController()


def _well_conditioned_cholesky_solve(S: Array, b: Array, max_condition: float) -> Array | None:
    """Solve :math:`S x = b` for a symmetric :math:`S` by Cholesky, or return ``None`` if :math:`S` is not
    positive definite or LAPACK's estimate of its 1-norm condition number (``pocon``, :math:`O(p^2)`)
    exceeds ``max_condition``.

    These :math:`p \\times p` LAPACK calls run single-threaded: numpy and scipy bundle separate OpenBLAS
    builds, and when their thread pools alternate, each spins on the cores the other needs (a
    189 x 189 Cholesky took 16 ms instead of 0.2 ms)."""
    with _BLAS.limit(limits=1, user_api="blas"):
        c, info = lapack.dpotrf(S, lower=False, clean=True)
        if info != 0:
            return None
        rcond, info = lapack.dpocon(c, np.abs(S).sum(axis=0).max(), uplo="U")
        if info != 0 or rcond * max_condition < 1.0:
            return None
        return linalg.cho_solve((c, False), b, check_finite=False)


def _qr_solve(A: Array, z: Array) -> Array:
    r"""Least squares by Householder QR: :math:`A = QR`, :math:`\delta = R^{-1} Q^\top z`.

    :math:`N \times p` factorisations go through numpy's LAPACK, like every other :math:`N \times p` product
    here, so that scipy's OpenBLAS threads never compete with numpy's (see
    :func:`_well_conditioned_cholesky_solve`)."""
    Q, R = np.linalg.qr(A, mode="reduced")
    d = np.abs(np.diag(R))
    if d.min() <= 1e-13 * d.max():
        return np.linalg.lstsq(A, z, rcond=None)[0]
    return linalg.solve_triangular(R, Q.T @ z, check_finite=False)  # one right-hand side: BLAS-2, serial


def qr_inverse_rows(X: Array, sqrt_w: Array) -> Array:
    r"""Square roots of the diagonal of :math:`(X^\top W X)^{-1}`: standard errors from the Fisher
    information (chapter 4). With :math:`W^{1/2}X = QR`, :math:`(X^\top W X)^{-1} = R^{-1}R^{-\top}`, so the
    standard errors are the row norms of :math:`R^{-1}`; a singular :math:`R` gives ``inf``."""
    R = np.linalg.qr(X * sqrt_w[:, None], mode="r")
    d = np.abs(np.diag(R))
    if d.size == 0 or d.min() <= 1e-13 * d.max():
        return np.full(X.shape[1], np.inf)
    Rinv = np.linalg.solve(R, np.eye(R.shape[0]))  # numpy, not scipy: see _qr_solve
    return np.sqrt(np.sum(Rinv * Rinv, axis=1))


def inverse_diagonal(H: Array) -> Array:
    r"""Square roots of the diagonal of :math:`H^{-1}` for a symmetric positive-definite :math:`H` (an
    information matrix; the result is the standard errors), from the Cholesky factor of the equilibrated
    :math:`D^{-1/2} H D^{-1/2} = LL^\top`: the diagonal of :math:`H^{-1}` holds the squared column norms of
    :math:`L^{-1}`, rescaled. ``inf`` everywhere when :math:`H` is not positive definite (chapters 7, 8)."""
    scale = np.sqrt(np.abs(np.diag(H)))
    scale[scale == 0] = 1.0
    try:
        L = np.linalg.cholesky(H / np.outer(scale, scale))
    except np.linalg.LinAlgError:
        return np.full(H.shape[0], np.inf)
    Linv = np.linalg.solve(L, np.eye(L.shape[0]))
    return np.sqrt(np.sum(Linv * Linv, axis=0)) / scale


def detect_separation(X: Array, y: Array) -> str | None:
    r"""Whether a hyperplane separates the classes, which makes the logistic MLE not exist (chapter 4).

    ``X`` must contain the intercept column if the model has one; ``y`` holds 0/1 labels. With
    :math:`s_i = 2y_i - 1` and :math:`A = \operatorname{diag}(s)X`, the data are

    - **quasi-completely separated** when some :math:`\theta` has :math:`A\theta \ge 0` with at least one
      strict inequality: then the log-likelihood increases along :math:`\theta` for ever;
    - **completely separated** when some :math:`\theta` has :math:`A\theta > 0`: then the log-likelihood
      tends to 0 and every observation is fitted with probability 1.

    Both are decided by linear programs over the box :math:`-1 \le \theta_j \le 1` (the method of
    Konis, 2007). Returns ``"complete"``, ``"quasi-complete"`` or ``None``.
    """
    from scipy.optimize import linprog

    X = np.asarray(X, dtype=float)
    scale = np.max(np.abs(X), axis=0)
    A = (2.0 * np.asarray(y, dtype=float) - 1.0)[:, None] * (X / np.where(scale > 0, scale, 1.0))
    n, p = A.shape
    eps = 1e-7
    # complete: maximise t subject to A theta >= t, |theta| <= 1, t <= 1
    res = linprog(
        c=np.r_[np.zeros(p), -1.0],
        A_ub=np.c_[-A, np.ones(n)],
        b_ub=np.zeros(n),
        bounds=[(-1, 1)] * p + [(None, 1)],
        method="highs",
    )
    if res.status == 0 and -res.fun > eps:
        return "complete"
    # quasi-complete: maximise sum(A theta) subject to A theta >= 0, |theta| <= 1
    res = linprog(c=-A.sum(axis=0), A_ub=-A, b_ub=np.zeros(n), bounds=[(-1, 1)] * p, method="highs")
    if res.status == 0 and -res.fun > eps * max(1.0, np.abs(A).sum() / p):
        return "quasi-complete"
    return None


def solve_newton_system(H: Array, g: Array, max_condition: float = 1e10) -> Array:
    r"""The Newton direction :math:`\delta = -H^{-1}g` for a small symmetric positive-definite Hessian
    (softmax regression, chapter 7), without inverting :math:`H`: Cholesky on the equilibrated matrix
    :math:`D^{-1/2} H D^{-1/2}`, or a least-squares solve when that is too badly conditioned."""
    scale = np.sqrt(np.abs(np.diag(H)))
    scale[scale == 0] = 1.0
    Hs = H / np.outer(scale, scale)
    delta = _well_conditioned_cholesky_solve(Hs, g / scale, max_condition)
    if delta is not None:
        return -delta / scale
    return -np.linalg.lstsq(Hs, g / scale, rcond=None)[0] / scale


def detect_multiclass_separation(X: Array, labels: Array, k: int) -> str | None:
    r"""Separation for softmax regression (chapter 7): whether some :math:`\Theta \ne 0` (last class as
    reference) has :math:`(\theta_{y_i} - \theta_j)^\top x_i \ge 0` for every observation :math:`i` and every
    other class :math:`j`, with some inequality strict (``"quasi-complete"``) or all of them strict
    (``"complete"``). Then the likelihood has no maximum. ``labels`` are class indices ``0..k-1``;
    ``X`` includes the intercept column. Decided by linear programs as in :func:`detect_separation`.
    """
    from scipy import sparse
    from scipy.optimize import linprog

    X = np.asarray(X, dtype=float)
    scale = np.max(np.abs(X), axis=0)
    X = X / np.where(scale > 0, scale, 1.0)
    n, p = X.shape
    labels = np.asarray(labels, dtype=int)
    rows, cols, vals = [], [], []
    r = 0
    obs = np.arange(n)
    for j in range(k):
        mine = obs[labels != j]
        if mine.size == 0:
            continue
        idx = r + np.arange(mine.size)
        for sign, cls in ((1.0, labels[mine]), (-1.0, np.full(mine.size, j))):
            keep = cls < k - 1  # the reference class has no parameters
            for f in range(p):
                rows.append(idx[keep])
                cols.append(cls[keep] * p + f)
                vals.append(sign * X[mine[keep], f])
        r += mine.size
    A = sparse.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(r, (k - 1) * p))
    nv = (k - 1) * p
    eps = 1e-7
    res = linprog(np.r_[np.zeros(nv), -1.0], A_ub=sparse.hstack([-A, np.ones((r, 1))]).tocsr(), b_ub=np.zeros(r),
                  bounds=[(-1, 1)] * nv + [(None, 1)], method="highs")
    if res.status == 0 and -res.fun > eps:
        return "complete"
    res = linprog(-np.asarray(A.sum(axis=0)).ravel(), A_ub=-A, b_ub=np.zeros(r), bounds=[(-1, 1)] * nv, method="highs")
    if res.status == 0 and -res.fun > eps * max(1.0, abs(A).sum() / nv):
        return "quasi-complete"
    return None
