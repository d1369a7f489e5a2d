r"""When the maximum-likelihood estimate does not exist (chapters 4, 7 and 8), decided
by linear programming.

The likelihood of a GLM can keep increasing along a direction :math:`v` of the
coefficients for ever, so that no maximum exists and a solver only stops where its
tolerance says:

- **logistic regression** (:func:`detect_separation`): a hyperplane separates the two
  classes, completely or quasi-completely (Albert and Anderson, 1984);
- **softmax regression** (:func:`detect_multiclass_separation`): the same for :math:`k`
  classes;
- **Poisson regression with the log link** (:func:`detect_poisson_boundary`): some
  direction keeps every positive count's linear predictor fixed and lowers those of zero
  counts, whose fitted means then go to 0 (all counts zero, or all zero in one level of
  a dummy variable).

Each is decided by linear programs over the box :math:`-1 \le v_j \le 1`, as Konis
(2007) does for the logistic case, on the design with each column scaled to a typical
entry of 1 and each row to largest absolute value 1, and each certificate checked row
by row.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

from ._types import Array

__all__ = [
    "detect_separation",
    "detect_multiclass_separation",
    "detect_poisson_boundary",
]

_EPS = 1e-7


def _scaled(X: Array) -> Array:
    """Each column divided by the median of its nonzero absolute values: a typical
    entry becomes 1 whatever the column's units, and one huge outlier does not shrink
    all the others towards 0 (as dividing by the largest would)."""
    X = np.asarray(X, dtype=float)
    scale = np.ones(X.shape[1])
    for j in range(X.shape[1]):
        nonzero = np.abs(X[:, j])[X[:, j] != 0]
        if nonzero.size:
            scale[j] = np.median(nonzero)
    return X / scale


def _rows_normalised(A: Array | sparse.csr_matrix) -> Array | sparse.csr_matrix:
    """Each row divided by its largest absolute value: the signs of :math:`Av`, all
    that separation is about, do not change, and every row's margin is on one scale."""
    if sparse.issparse(A):
        top = np.asarray(abs(A).max(axis=1).todense()).ravel()
        return sparse.diags(1.0 / np.where(top > 0, top, 1.0)) @ A
    top = np.max(np.abs(A), axis=1, initial=0.0)
    return A / np.where(top > 0, top, 1.0)[:, None]


def _recession(A: Array | sparse.csr_matrix, A_eq: Array | None = None) -> str | None:
    r"""Whether some :math:`v \ne 0` in the box has :math:`Av \ge 0` (and :math:`A_{eq}v
    = 0`): with every inequality strict, ``"complete"``; with at least one strict,
    ``"quasi-complete"``; else ``None``."""
    A = _rows_normalised(A)
    n, q = A.shape
    has_eq = A_eq is not None and A_eq.shape[0] > 0
    eq = (
        {"A_eq": A_eq, "b_eq": np.zeros(A_eq.shape[0])}
        if has_eq and A_eq is not None
        else {}
    )
    if not has_eq:  # complete: maximise t subject to A v >= t, |v| <= 1, t <= 1
        ones = np.ones((n, 1))
        A_ub = (
            sparse.hstack([-A, ones]).tocsr()
            if sparse.issparse(A)
            else np.hstack([-A, ones])
        )
        res = linprog(
            np.r_[np.zeros(q), -1.0],
            A_ub=A_ub,
            b_ub=np.zeros(n),
            bounds=[(-1, 1)] * q + [(None, 1)],
            method="highs",
        )
        if (
            res.status == 0
            and -res.fun > _EPS
            and _certified(A, res.x[:q], strict=True)
        ):
            return "complete"
    # quasi-complete: maximise sum(A v) subject to A v >= 0, |v| <= 1
    total = np.asarray(A.sum(axis=0)).ravel()
    res = linprog(
        -total, A_ub=-A, b_ub=np.zeros(n), bounds=[(-1, 1)] * q, method="highs", **eq
    )
    size = float(abs(A).sum()) / max(q, 1)
    if res.status == 0 and -res.fun > _EPS * max(1.0, size) and _certified(A, res.x):
        return "quasi-complete"
    return None


def _certified(A: Array | sparse.csr_matrix, v: Array, strict: bool = False) -> bool:
    r"""Whether the linear program's direction :math:`v` really has :math:`Av \ge 0`
    (every row strictly, if ``strict``), each row judged against its own size
    :math:`|a_i|^\top|v|`: the solver's tolerance is absolute, so a column whose entries
    are tiny after scaling (one huge outlier) would otherwise pass for a separating
    direction although its signs disagree with the labels."""
    r = np.asarray(A @ v).ravel()
    size = np.asarray(abs(A) @ np.abs(v)).ravel()
    if np.any(r < -_EPS * size):
        return False
    return bool(np.all(r > _EPS * size)) if strict else bool(np.any(r > _EPS * size))


def detect_separation(X: Array, y: Array) -> str | None:
    r"""Whether the logistic maximum-likelihood estimate fails to exist because a
    hyperplane separates the classes (chapter 4). ``X`` includes the intercept column if
    the model has one; ``y`` is 0/1.

    With :math:`s_i = 2y_i - 1` and :math:`A = \operatorname{diag}(s)X`, the data are
    **completely separated** when some :math:`v` has :math:`Av > 0` (every observation
    on its own side: the log-likelihood tends to 0), **quasi-completely separated** when
    some :math:`v` has :math:`Av \ge 0` with at least one strict inequality (the
    likelihood still increases along :math:`v` for ever). Returns ``"complete"``,
    ``"quasi-complete"`` or ``None``.
    """
    signs = 2.0 * np.asarray(y, dtype=float) - 1.0
    return _recession(signs[:, None] * _scaled(np.asarray(X, dtype=float)))


def detect_multiclass_separation(X: Array, labels: Array, k: int) -> str | None:
    r"""Separation for softmax regression (chapter 7): whether some :math:`\Theta \ne 0`
    (class :math:`k` as reference, :math:`\theta_k = 0`) has :math:`(\theta_{y_i} -
    \theta_c)^\top x_i \ge 0` for every observation :math:`i` and every other class
    :math:`c`, some strictly (``"quasi-complete"``) or all strictly (``"complete"``).
    ``labels`` are class indices ``0..k-1``; ``X`` includes the intercept column."""
    X = _scaled(np.asarray(X, dtype=float))
    n, p = X.shape
    labels = np.asarray(labels, dtype=int)
    rows, cols, vals, r = [], [], [], 0
    for c in range(k):
        others = np.nonzero(labels != c)[0]
        idx = r + np.arange(others.size)
        for sign, cls in ((1.0, labels[others]), (-1.0, np.full(others.size, c))):
            keep = cls < k - 1  # the reference class has no parameters
            for j in range(p):
                rows.append(idx[keep])
                cols.append(cls[keep] * p + j)
                vals.append(sign * X[others[keep], j])
        r += others.size
    A = sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(r, (k - 1) * p),
    )
    return _recession(A)


def detect_poisson_boundary(X: Array, y: Array) -> bool:
    r"""Whether the Poisson (log link) maximum-likelihood estimate fails to exist
    (chapter 8): some direction :math:`v` has :math:`x_i^\top v = 0` for every positive
    count and :math:`x_i^\top v \le 0` for every zero count, some strictly, so that the
    log-likelihood increases along :math:`v` for ever while those zero counts' fitted
    means go to 0. ``X`` includes the intercept column."""
    X = _scaled(np.asarray(X, dtype=float))
    y = np.asarray(y, dtype=float)
    zero = y == 0
    if not np.any(zero):
        return False
    return _recession(-X[zero], X[~zero]) is not None
