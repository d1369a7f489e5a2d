r"""The one GLM core that every neuron of the book runs on (chapters 4, 7 and 8).

:class:`GLMObjective` is the loss a network minimises and a statistician maximises, for
any family and link: the penalised mean negative log-likelihood

.. math:: J_\alpha(\Theta) = -\frac1N\sum_{i=1}^N \ell_i\big(\Theta^\top x_i\big)
          + \frac{\alpha}{2}\sum_{\text{penalised } j, c} \theta_{jc}^2

(:eq:`ch4-bce` for the Bernoulli, :eq:`ch7-ce` for the categorical), with its gradient
and Hessian assembled from the family's row terms
(:meth:`companion.family.Family.derivatives`), as in :eq:`ch4-grad`:

.. math:: \nabla J = -\frac1N X^\top U, \qquad
          \nabla^2 J = \frac1N \sum_i S_i \otimes x_i x_i^\top
          \quad(= X^\top S X / N \text{ for one output}).

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

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ._types import Array
from .categorical import Categorical
from .families import Family
from .linalg import r_factor, triangular_inverse
from .links import Link

__all__ = ["Evaluation", "GLMObjective", "BLOCK_ENTRIES"]

#: the number of array entries a block of rows may hold (4 MB of float64)
BLOCK_ENTRIES = 1 << 19


@dataclass
class Evaluation:
    r"""The loss and, if asked for, its gradient and Hessian at one point (working
    coordinates). ``magnitude`` bounds, in units of the rounding error, how much the
    computed loss can be off however small the loss itself: the mean absolute size of
    its terms, plus how much each term moves with the rounding of its linear predictor
    (:math:`|u_i|\,|x_i|^\top|\beta|`). ``noise`` is the Newton decrement that the
    rounding of the linear predictors alone produces, :math:`\varepsilon^2 \frac1N
    \sum_i s_i (|x_i|^\top|\beta|)^2`: the decrement cannot be told from 0 below it
    (Poisson counts near :math:`e^{40}`)."""

    loss: float
    gradient: Array | None = None
    hessian: Array | None = None
    magnitude: float = 0.0
    noise: float = 0.0


class GLMObjective:
    r"""The penalised mean negative log-likelihood of a GLM on design ``X`` (N x d) and
    responses ``y``.

    ``family`` is a :class:`~companion.family.Family` (``y`` holds responses, one
    linear predictor per row) or a :class:`~companion.categorical.Categorical` (``y``
    holds class indices ``0..k-1``; class ``k - 1`` is the reference). ``symmetric``
    gives every class its own coefficients (the layer's parameterisation, identifiable
    only with a penalty; the intercept of the last class is then fixed at 0, as the
    penalty does not involve it unless ``penalize_intercept``). ``observed`` asks for
    the observed rather than the expected information. ``scale_columns=False`` keeps the
    working coordinates equal to :math:`\theta` (gradient descent needs the book's own
    coordinates).
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
        self.n, d = X.shape
        self.p = d + int(fit_intercept)
        self.categorical = isinstance(family, Categorical)
        if isinstance(family, Categorical):
            self.link: Link | None = None
            self.k = family.k
            self.Y = np.zeros((self.n, self.k))
            self.Y[np.arange(self.n), y.astype(int)] = 1.0
            self.constant = self.constant_size = 0.0
        else:
            self.link = link or family.canonical_link
            self.k = 1
            self.Y = np.asarray(y, dtype=float).reshape(-1, 1)
            constant = family.loglik_constant(self.Y[:, 0])
            self.constant = float(np.sum(constant))
            self.constant_size = float(np.sum(np.abs(constant)))
        self.outputs = self.k if (symmetric or not self.categorical) else self.k - 1
        self.scale = np.ones(self.p)
        # the largest |x_ij| of each column, without an N x d temporary
        top = np.maximum(X.max(axis=0), -X.min(axis=0)) if d and self.n else np.ones(d)
        if scale_columns:
            self.scale[int(fit_intercept) :] = np.where(top > 0, top, 1.0)
        self.largest = max(
            1.0, float(np.max(top / self.scale[int(fit_intercept) :], initial=1.0))
        )
        self.keep = np.arange(self.p)  # the columns not aliased (rank deficiency)
        self.basis: Array | None = None  # R of the scaled design, when preconditioned
        self.basis_inverse: Array | None = None
        self.free = np.ones((self.p, self.outputs), dtype=bool)
        if symmetric and fit_intercept and not penalize_intercept:
            self.free[0, -1] = False  # intercepts are identified up to a shift
        self.penalized = np.ones(self.p, dtype=bool)
        self.penalized[0] = not (fit_intercept and not penalize_intercept)
        self._coordinates_changed()

    # -- coordinates ---------------------------------------------------------------
    def _coordinates_changed(self) -> None:
        """Recompute what depends on the working coordinates: the free entries and the
        penalty :math:`\\alpha M^\\top P M` in them."""
        self.mask = self.free[self.keep].ravel(order="F")
        M = self.transform()
        P = self.penalized[self.keep].astype(float)
        self.penalty_matrix = self.alpha * (M.T * P) @ M
        self.penalty_hessian = np.kron(np.eye(self.outputs), self.penalty_matrix)

    @property
    def n_params(self) -> int:
        """The number of free parameters in working coordinates."""
        return int(self.mask.sum())

    def transform(self) -> Array:
        r""":math:`M` with :math:`\theta_{\text{kept}} = M\beta` for every output."""
        M = np.diag(1.0 / self.scale[self.keep])
        if self.basis_inverse is not None:
            M = M @ self.basis_inverse
        return M

    def _matrix(self, beta: Array) -> Array:
        """Working coordinates as a (kept columns) x (outputs) matrix, fixed at 0."""
        flat = np.zeros(len(self.keep) * self.outputs)
        flat[self.mask] = beta
        return flat.reshape(len(self.keep), self.outputs, order="F")

    def _vector(self, B: Array) -> Array:
        return B.ravel(order="F")[self.mask]

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
        beta = np.linalg.solve(self.transform(), theta0)
        return self._vector(np.asarray(beta, dtype=float))

    # -- one pass over the rows ----------------------------------------------------
    def _blocks(self) -> Iterator[tuple[Array, Array]]:
        """The scaled (and, when preconditioned, rotated) design in blocks of rows,
        with the intercept column, and the blocks' responses."""
        width = len(self.keep) * max(self.outputs, 1)
        rows = max(256, BLOCK_ENTRIES // max(width, 1))
        scale, i = self.scale[self.keep], int(self.fit_intercept)
        j = int(i and self.keep[0] == 0)  # whether the intercept is kept
        columns = None if len(self.keep) == self.p else self.keep[j:] - i
        for start in range(0, self.n, rows):
            Xb = self.X[start : start + rows]
            A = np.empty((Xb.shape[0], len(self.keep)))
            A[:, :j] = 1.0 / scale[:j]
            # the kept columns of X copied and scaled in one pass
            np.divide(
                Xb if columns is None else Xb[:, columns], scale[j:], out=A[:, j:]
            )
            if self.basis_inverse is not None:  # numpy's BLAS, as every block product
                A = A @ self.basis_inverse
            yield A, self.Y[start : start + rows]

    def evaluate(
        self, beta: Array, order: int = 2, observed: bool | None = None
    ) -> Evaluation:
        """The loss (``order=0``), its gradient (1) and Hessian (2) at ``beta``, in one
        pass over the rows."""
        observed = self.observed if observed is None else observed
        B = self._matrix(beta)
        m, q = self.outputs, len(self.keep)
        loglik, size, noise = self.constant, self.constant_size, 0.0
        G, H = np.zeros((q, m)), np.zeros((q * m, q * m))
        # for the rounding estimate, the largest |A_i| |B| (per output): |B|_1 times the
        # largest |A_ij|, which is 1 for scaled columns
        reach = np.sum(np.abs(B), axis=0) * self.largest
        with np.errstate(all="ignore"):
            for A, Y in self._blocks():
                Z = A @ B
                if isinstance(self.family, Categorical):
                    if m < self.k:  # the reference class's logit is 0
                        Z = np.column_stack([Z, np.zeros(len(Z))])
                    terms = self.family.derivatives(Y, Z)
                else:
                    assert self.link is not None  # a scalar family always has one
                    terms = self.family.derivatives(Y, Z, self.link, observed)
                loglik += float(np.sum(terms.loglik))
                # rounding of the loss: of its terms, and of z = A B where products
                # cancel (|A| |B| much larger than |z|), each moving l_i by |u_i| dz_i
                size += float(np.sum(np.abs(terms.loglik)))
                spread = reach if self.basis is None else np.abs(A) @ np.abs(B)
                size += float(np.sum(np.abs(terms.score[:, :m]) * spread))
                if order >= 1:
                    G -= A.T @ terms.score[:, :m]
                if order >= 2:
                    self._add_information(H, A, terms.weight[:, :m], terms.lowrank)
                    noise += float(np.sum(np.abs(terms.weight[:, :m]) * spread**2))
        loss = -loglik / self.n
        if self.alpha > 0:
            loss += 0.5 * float(np.sum(B * (self.penalty_matrix @ B)))
        if not np.isfinite(loss):
            return Evaluation(np.inf, magnitude=np.inf)
        gradient = hessian = None
        if order >= 1:
            gradient = (G / self.n + self.penalty_matrix @ B).ravel(order="F")
            gradient = gradient[self.mask]
        if order >= 2:
            H = H / self.n + self.penalty_hessian
            hessian = H[np.ix_(self.mask, self.mask)]
        eps2 = np.finfo(float).eps ** 2
        return Evaluation(
            loss, gradient, hessian, size / self.n + abs(loss), eps2 * noise / self.n
        )

    def _add_information(
        self, H: Array, A: Array, weight: Array, lowrank: Array | None
    ) -> None:
        r"""Add this block's :math:`\sum_i S_i \otimes a_i a_i^\top` to ``H`` (blocks
        class after class): :math:`\operatorname{blockdiag}_c(A^\top
        \operatorname{diag}(w_c) A) - L^\top L` with :math:`L = [l_1 \circ A, \dots,
        l_m \circ A]`, for :math:`S_i = \operatorname{diag}(w_i) - l_i l_i^\top`; never
        an N x m x m array."""
        q, m = A.shape[1], weight.shape[1]
        for c in range(m):
            w = weight[:, c]
            block = slice(c * q, (c + 1) * q)
            if np.all(w >= 0):  # (sqrt(w) A)^T (sqrt(w) A): one symmetric product
                As = A * np.sqrt(w)[:, None]
                H[block, block] += As.T @ As
            else:
                H[block, block] += A.T @ (A * w[:, None])
        if lowrank is not None:
            L = (lowrank[:, :m, None] * A[:, None, :]).reshape(len(A), m * q)
            H -= L.T @ L

    def loss(self, beta: Array) -> float:
        r""":math:`J_\alpha` at ``beta``."""
        return self.evaluate(beta, order=0).loss

    def loss_and_gradient(self, beta: Array) -> tuple[float, Array]:
        r""":math:`J_\alpha` and its gradient at ``beta``, for gradient descent."""
        ev = self.evaluate(beta, order=1)
        if ev.gradient is None:
            return ev.loss, np.full(self.n_params, np.nan)
        return ev.loss, ev.gradient

    # -- ill-conditioned and rank-deficient designs ---------------------------------
    def precondition(self, beta: Array, rank_tol: float = 1e-10) -> tuple[Array, Array]:
        r"""Rotate the working coordinates by the :math:`R` of the scaled design's QR
        factorisation, so that the design the solver sees has orthonormal columns.

        Without a penalty, a column is dropped (its coefficient fixed at 0) when it is a
        linear combination of the columns before it: :math:`|R_{jj}|`, its distance from
        their span, is below ``rank_tol`` times its length. Taken in order, as R's
        ``lm`` does, the intercept and the earlier columns are kept. Returns ``beta`` in
        the new coordinates (the starting point if columns were dropped) and the dropped
        columns."""
        theta_kept = self.transform() @ self._matrix(beta)
        self.basis = self.basis_inverse = None
        R = r_factor(A for A, _ in self._blocks())
        dropped = np.zeros(0, dtype=int)
        if self.alpha == 0:
            lengths = np.linalg.norm(R, axis=0)
            dependent = np.abs(np.diag(R)) <= rank_tol * np.where(
                lengths > 0, lengths, 1
            )
            if np.any(dependent):
                dropped = self.keep[dependent]
                self.keep = self.keep[~dependent]
                self._coordinates_changed()
                R = r_factor(A for A, _ in self._blocks())
        self.basis, self.basis_inverse = R, triangular_inverse(R)
        self._coordinates_changed()
        if dropped.size:
            return self.initial(), dropped
        B = R @ (theta_kept * self.scale[self.keep][:, None])
        if not self.free[0, -1] and self.keep[0] == 0:
            # the last intercept is fixed: shift every intercept (which changes no
            # probability) so that it is 0 here too, rather than drop it
            B[0] -= B[0, -1]
        return self._vector(B), dropped

    def condition_number(self) -> float:
        """The condition number of the scaled design when it was preconditioned (how
        many digits the coefficients can have), else ``nan``."""
        if self.basis is None:
            return float("nan")
        s = np.linalg.svd(self.basis, compute_uv=False)
        return float(s[0] / s[-1]) if s[-1] > 0 else float("inf")
