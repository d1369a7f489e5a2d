r"""The one GLM core that every neuron of the book runs on (chapters 4, 7 and 8).

:class:`GLMObjective` is the loss a network minimises and a statistician maximises, for
any family and link: the penalised mean negative log-likelihood

.. math:: J_\alpha(\Theta) = -\frac1N\sum_{i=1}^N \ell_i\big(\Theta^\top x_i\big)
          + \frac{\alpha}{2}\sum_{\text{penalised } j, c} \theta_{jc}^2

(:eq:`ch4-bce` for the Bernoulli, :eq:`ch7-ce` for the categorical), with its gradient
and Hessian assembled from the family's row terms
(:meth:`companion.families.Family.derivatives`):

.. math:: \nabla J = -\frac1N X^\top U, \qquad
          \nabla^2 J = \frac1N \sum_i S_i \otimes x_i x_i^\top
          \quad(\text{for one output: } X^\top S X / N, :eq:`ch4-grad`).

One pass over the rows gives the loss, the gradient and the Hessian together, so each
Newton iteration evaluates the activation and its derivative once and forms
:math:`X^\top S X` once. The rows are visited in blocks, so that no copy of the design
is ever made. The solver works in *working coordinates* :math:`\beta`: the columns of
the design scaled to largest absolute value 1 (any units give the same fit), and, for an
ill-conditioned design, also rotated by the :math:`R` of its QR factorisation
(:meth:`GLMObjective.precondition`), which makes the Newton system as well conditioned
as the weights allow. :meth:`GLMObjective.theta` maps back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import linalg

from ._types import Array
from .families import Categorical, Family
from .linalg import r_factor
from .links import Link

__all__ = ["Evaluation", "GLMObjective"]

#: the number of array entries a block of rows may hold (4 MB of float64)
BLOCK_ENTRIES = 1 << 19


@dataclass
class Evaluation:
    """The loss and, if asked for, its gradient and Hessian at one point (working
    coordinates)."""

    loss: float
    gradient: Array | None = None
    hessian: Array | None = None
    #: the mean absolute size of the terms summed into the loss: the loss carries a
    # rounding error
    #: of a few units in the last place of this, however small the loss itself
    magnitude: float = 0.0


class GLMObjective:
    r"""The penalised mean negative log-likelihood of a GLM on design ``X`` (N x d) and
    responses ``y``.

    ``family`` is a :class:`~companion.families.Family` (``y`` holds responses, one
    linear predictor per row) or a :class:`~companion.families.Categorical` (``y`` holds
    class indices ``0..k-1``; class ``k - 1`` is the reference). ``symmetric`` gives
    every class its own coefficients (the layer's parameterisation, identifiable only
    with a penalty; the intercept of the last class is then fixed at 0, as the penalty
    does not involve it unless ``penalize_intercept``). ``scale_columns=False`` keeps
    the working coordinates equal to :math:`\theta` (gradient descent needs the book's
    own coordinates).
    """

    def __init__(
        self,
        X: Array,
        y: Array,
        family: Family | Categorical,
        link: Link | None = None,
        *,
        fit_intercept: bool = True,
        alpha: float = 0.0,
        penalize_intercept: bool = False,
        symmetric: bool = False,
        observed: bool = False,
        scale_columns: bool = True,
    ) -> None:
        self.X, self.family, self.fit_intercept = X, family, fit_intercept
        self.alpha, self.observed = float(alpha), observed
        self.categorical = isinstance(family, Categorical)
        self.link = (
            None if isinstance(family, Categorical) else (link or family.canonical_link)
        )
        self.n, d = X.shape
        self.p = d + int(fit_intercept)
        if isinstance(family, Categorical):
            self.k = family.k
            self.Y = np.zeros((self.n, self.k))
            self.Y[np.arange(self.n), y.astype(int)] = 1.0
            self.constant = self.constant_size = 0.0
        else:
            self.k = 1
            self.Y = np.asarray(y, dtype=float).reshape(-1, 1)
            constant = family.loglik_constant(self.Y[:, 0])
            self.constant, self.constant_size = (
                float(np.sum(constant)),
                float(np.sum(np.abs(constant))),
            )
        self.outputs = self.k if (symmetric or not self.categorical) else self.k - 1
        self.scale = np.ones(self.p)
        if scale_columns:
            top = np.max(np.abs(X), axis=0, initial=0.0) if d else np.zeros(0)
            self.scale[int(fit_intercept) :] = np.where(top > 0, top, 1.0)
        self.keep = np.arange(
            self.p
        )  # the columns not aliased (chapter 4: rank deficiency)
        self.basis: Array | None = (
            None  # R of the QR of the scaled design, when preconditioned
        )
        self.free = np.ones((self.p, self.outputs), dtype=bool)
        if symmetric and fit_intercept and not penalize_intercept:
            self.free[0, -1] = (
                False  # the intercepts are identified up to a shift: fix the last
            )
        penalized = np.ones(self.p, dtype=bool)
        penalized[0] = not (fit_intercept and not penalize_intercept)
        self.penalized = penalized
        self._update_penalty()

    # -- coordinates
    # ----------------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        """The number of free parameters in working coordinates."""
        return int(self.free[self.keep].sum())

    def transform(self) -> Array:
        r""":math:`M` with :math:`\theta_{\text{kept}} = M\beta` for every output
        column."""
        M = np.diag(1.0 / self.scale[self.keep])
        if self.basis is not None:
            M = M @ linalg.solve_triangular(self.basis, np.eye(len(self.keep)))
        return M

    def _update_penalty(self) -> None:
        M = self.transform()
        P = self.penalized[self.keep].astype(float)
        self.penalty_matrix = self.alpha * (M.T * P) @ M

    def _mask(self) -> Array:
        """Which entries of the (kept columns) x (outputs) matrix are free, class after
        class."""
        return self.free[self.keep].ravel(order="F")

    def _matrix(self, beta: Array) -> Array:
        """Working coordinates as a (kept columns) x (outputs) matrix, fixed entries at
        0."""
        flat = np.zeros(len(self.keep) * self.outputs)
        flat[self._mask()] = beta
        return flat.reshape(len(self.keep), self.outputs, order="F")

    def _vector(self, B: Array) -> Array:
        return B.ravel(order="F")[self._mask()]

    def theta(self, beta: Array) -> Array:
        r"""The coefficients :math:`\Theta` (p x outputs, intercept row first) in the
        design's own units; aliased rows are 0."""
        Theta = np.zeros((self.p, self.outputs))
        Theta[self.keep] = self.transform() @ self._matrix(beta)
        return Theta

    def initial(self) -> Array:
        r"""The starting point: every fitted mean at the observed mean (for the
        categorical, at the class frequencies), the intercept at :math:`g(\bar y)`; 0
        where that is not finite."""
        theta0 = np.zeros((len(self.keep), self.outputs))
        if self.fit_intercept and self.keep[0] == 0:
            with np.errstate(divide="ignore", invalid="ignore"):
                if self.link is not None:
                    start = self.link.link(np.mean(self.Y))
                else:
                    counts = self.Y.sum(axis=0) + 0.5
                    start = np.log(counts[: self.outputs] / counts[-1])
            theta0[0] = np.where(np.isfinite(start), start, 0.0)
        return self._vector(
            np.asarray(np.linalg.solve(self.transform(), theta0), float)
        )

    # -- one pass over the rows
    # --------------------------------------------------------------------
    def _blocks(self):
        width = len(self.keep) * max(self.outputs, 1)
        rows = max(256, BLOCK_ENTRIES // max(width, 1))
        for start in range(0, self.n, rows):
            Xb = self.X[start : start + rows]
            A = np.empty((Xb.shape[0], self.p))
            if self.fit_intercept:
                A[:, 0] = 1.0
            A[:, int(self.fit_intercept) :] = Xb
            if len(self.keep) < self.p:
                A = A[:, self.keep]
            A /= self.scale[self.keep]
            if self.basis is not None:
                A = linalg.solve_triangular(
                    self.basis, A.T, trans="T", check_finite=False
                ).T
            yield A, self.Y[start : start + rows]

    def _logits(self, A: Array, B: Array) -> Array:
        Z = A @ B
        if self.categorical and self.outputs < self.k:
            Z = np.column_stack([Z, np.zeros(Z.shape[0])])
        return Z

    def evaluate(
        self, beta: Array, order: int = 2, observed: bool | None = None
    ) -> Evaluation:
        """The loss (``order=0``), its gradient (1) and Hessian (2) at ``beta``, in one
        pass."""
        observed = self.observed if observed is None else observed
        B = self._matrix(beta)
        m, q = self.outputs, len(self.keep)
        loglik, size = self.constant, self.constant_size
        G, H = np.zeros((q, m)), np.zeros((q * m, q * m))
        with np.errstate(all="ignore"):
            for A, Y in self._blocks():
                Z = self._logits(A, B)
                if isinstance(self.family, Categorical):
                    terms = self.family.derivatives(Y, Z)
                else:
                    assert self.link is not None  # a scalar family always has one
                    terms = self.family.derivatives(Y, Z, self.link, observed)
                loglik += float(np.sum(terms.loglik))
                size += float(np.sum(np.abs(terms.loglik)))
                if order >= 1:
                    G -= A.T @ terms.score[:, :m]
                if order >= 2:
                    self._add_information(H, A, terms.weight[:, :m], terms.lowrank)
        loss = -loglik / self.n + 0.5 * float(np.sum(B * (self.penalty_matrix @ B)))
        if not np.isfinite(loss):
            return Evaluation(np.inf, magnitude=np.inf)
        gradient = hessian = None
        mask = self._mask()
        if order >= 1:
            gradient = (G / self.n + self.penalty_matrix @ B).ravel(order="F")[mask]
        if order >= 2:
            H = H / self.n + np.kron(np.eye(m), self.penalty_matrix)
            hessian = H[np.ix_(mask, mask)]
        return Evaluation(loss, gradient, hessian, size / self.n + abs(loss))

    def _add_information(
        self, H: Array, A: Array, weight: Array, lowrank: Array | None
    ) -> None:
        r"""Add :math:`\sum_i S_i \otimes a_i a_i^\top` for this block to ``H``
        (class-major blocks):
        :math:`\operatorname{blockdiag}(A^\top\operatorname{diag}(w_c)A) - B^\top B`
        with
        :math:`B = [l_1 \circ A, \dots, l_m \circ A]`, never an N x m x m array."""
        q, m = A.shape[1], weight.shape[1]
        for c in range(m):
            w = weight[:, c]
            if np.all(w >= 0):
                As = A * np.sqrt(w)[:, None]
                H[c * q : (c + 1) * q, c * q : (c + 1) * q] += As.T @ As
            else:
                H[c * q : (c + 1) * q, c * q : (c + 1) * q] += A.T @ (A * w[:, None])
        if lowrank is not None:
            Bl = (lowrank[:, :m, None] * A[:, None, :]).reshape(A.shape[0], m * q)
            H -= Bl.T @ Bl

    def loss(self, beta: Array) -> float:
        """:math:`J_\\alpha` at ``beta``."""
        return self.evaluate(beta, order=0).loss

    def loss_and_gradient(self, beta: Array) -> tuple[float, Array]:
        """:math:`J_\\alpha` and its gradient at ``beta``: what gradient descent
        needs."""
        ev = self.evaluate(beta, order=1)
        if ev.gradient is None:
            return ev.loss, np.full(self.n_params, np.nan)
        return ev.loss, ev.gradient

    # -- ill-conditioned and rank-deficient designs
    # --------------------------------------------------
    def precondition(self, beta: Array, rank_tol: float = 1e-10) -> tuple[Array, Any]:
        r"""Rotate the working coordinates by the :math:`R` of the scaled design's QR
        factorisation, so that the design the solver sees has orthonormal columns.
        Without a penalty, columns that are linear combinations of others (relative size
        below ``rank_tol`` in a pivoted QR of :math:`R`) are dropped, their coefficients
        fixed at 0. Returns the point ``beta`` in the new coordinates (or the new
        starting point, if columns were dropped) and the dropped columns."""
        theta_kept = self.transform() @ self._matrix(beta)
        self.basis = None
        R = r_factor(A for A, _ in self._blocks())
        dropped = np.zeros(0, dtype=int)
        if self.alpha == 0:
            _, R2, pivots = linalg.qr(R, pivoting=True)
            diag = np.abs(np.diag(R2))
            rank = (
                int(np.sum(diag > rank_tol * diag[0]))
                if diag.size and diag[0] > 0
                else 0
            )
            if rank < len(self.keep):
                dropped = self.keep[np.sort(pivots[rank:])]
                self.keep = np.setdiff1d(self.keep, dropped)
                R = r_factor(A for A, _ in self._blocks())
        self.basis = R
        self._update_penalty()
        if dropped.size:
            return self.initial(), dropped
        return self._vector(R @ (theta_kept * self.scale[self.keep][:, None])), dropped

    def condition_number(self) -> float:
        """The condition number of the scaled design (the accuracy the coefficients can
        have)."""
        if self.basis is None:
            return float("nan")
        s = np.linalg.svd(self.basis, compute_uv=False)
        return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")
