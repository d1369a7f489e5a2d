r"""The fit that every neuron of the book shares (chapters 3, 4, 6 to 8), as a template
method, :meth:`GLMEstimator.fit`:

1. ``validate_params``: every parameter against the class's declared constraints;
2. ``validate_data``: scikit-learn's checks of ``X`` and ``y`` (shapes, NaN, complex,
   sparse, column names), then the subclass's ``_target`` hook: the family, the link and
   the encoded responses;
3. the objective, :class:`~companion.glm.GLMObjective`, the same for every family;
4. the solver: Newton/IRLS (:func:`~companion.solvers.newton`) or gradient descent;
5. ``_store``: coefficients and standard errors, then the subclass's
   ``_store_likelihood`` hook (log-likelihood, deviance, dispersion);
6. ``_diagnose``: aliased columns, an ill-conditioned design, an estimate that does not
   exist (:mod:`companion.diagnostics`): one warning per cause, and attributes
   (``aliased_``, ``mle_exists_``, ``separation_``, ``converged_``) that say so.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from . import diagnostics
from ._types import Array
from .categorical import Categorical
from .exceptions import ConvergenceWarning
from .families import Family
from .glm import GLMObjective
from .linalg import Cholesky
from .links import Link
from .solvers import SolverResult, gradient_descent, newton
from .validation import validate_params

__all__ = ["GLMEstimator", "standard_errors"]


#: added to a non-converged fit's warning when Fisher scoring ran with a non-canonical
#: link, where the two informations differ (chapter 8)
SCORING_ADVICE = (
    " (solver='irls' is Fisher scoring, Newton's method with the expected information: "
    "with a non-canonical link it can need many iterations where solver='newton', "
    "with the observed information, needs a few)"
)


class GLMEstimator(BaseEstimator):
    """The shared fit of :class:`~companion.neurons.GLMNeuron`,
    :class:`~companion.neurons.LogisticNeuron` and
    :class:`~companion.layer.SoftmaxLayer`. Subclasses declare ``parameter_constraints``
    and implement ``_target``, ``_set_coefficients`` (one output is the default) and
    ``_store_likelihood``."""

    parameter_constraints: ClassVar[dict[str, list[Any]]] = {}
    solver: str
    fit_intercept: bool
    max_iter: int | None
    tol: float | None
    learning_rate: float
    alpha: float
    penalize_intercept: bool
    # fitted: arrays for a layer, a float intercept for a neuron
    coef_: Array
    intercept_: Any
    intercept_stderr_: Any

    def _target(self, y: np.ndarray) -> tuple[Family | Categorical, Link | None, Array]:
        """The family, the link and the responses as the objective takes them."""
        raise NotImplementedError  # pragma: no cover

    def _store_likelihood(
        self, objective: GLMObjective, Z: Array, target: Array
    ) -> tuple[Array, float]:
        """Set the log-likelihood and deviance; return the fitted means and the
        dispersion."""
        raise NotImplementedError  # pragma: no cover

    def _symmetric(self) -> bool:
        return False

    def fit(self, X: Any, y: Any) -> GLMEstimator:
        """Fit by (penalised) maximum likelihood; returns ``self``."""
        validate_params(self)
        X, y = validate_data(self, X, y, dtype=np.float64)
        family, link, target = self._target(y)
        if X.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples; got 1 sample"
            )
        canonical = getattr(family, "canonical_link", None)
        objective = GLMObjective(
            X, target, family, link,
            fit_intercept=self.fit_intercept,
            alpha=self.alpha,
            penalize_intercept=self.penalize_intercept,
            symmetric=self._symmetric(),
            observed=self.solver == "newton" and link is not None and link != canonical,
            scale_columns=self.solver != "gd",
        )  # fmt: skip
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            result = self._solve(objective)
        mu = self._store(objective, result, X, target)
        if not self._diagnose(objective, result, X, target, mu):
            for w in caught:  # not explained by a missing estimate: pass it on
                message = self._explained(str(w.message), objective, result, mu)
                warnings.warn(message, w.category, stacklevel=2)
        return self

    def _explained(
        self, message: str, objective: GLMObjective, result: SolverResult, mu: Array
    ) -> str:
        """The solver's warning, with why it stopped where the fit can tell: the maximum
        on the edge of the mean space, or Fisher scoring out of iterations where
        Newton's method would not be."""
        if result.converged:
            return message
        edge = diagnostics.on_the_edge(objective.family, objective.link, mu)
        if edge is not None:
            return f"{edge} ({message})"
        link, family = objective.link, objective.family
        scoring = self.solver == "irls" and link is not None
        non_canonical = link != getattr(family, "canonical_link", None)
        if scoring and non_canonical and result.n_iter == self._newton_max_iter():
            return message + SCORING_ADVICE
        return message

    def _newton_max_iter(self) -> int:
        return 100 if self.max_iter is None else self.max_iter

    def _solve(self, objective: GLMObjective) -> SolverResult:
        start = objective.initial()
        if self.solver == "gd":
            tol = 1e-6 if self.tol is None else self.tol
            max_iter = 10_000 if self.max_iter is None else self.max_iter
            loss_grad = objective.loss_and_gradient
            return gradient_descent(
                loss_grad, start, self.learning_rate, max_iter, tol, _units(objective)
            )
        tol = 1e-10 if self.tol is None else self.tol
        return newton(objective, start, self._newton_max_iter(), tol)

    def _store(
        self, objective: GLMObjective, result: SolverResult, X: Array, target: Array
    ) -> Array:
        Theta = objective.theta(result.beta)
        se = standard_errors(objective, result, center_intercepts=self._centred())
        if objective.categorical and objective.outputs < objective.k:
            Theta = np.column_stack(
                [Theta, np.zeros(objective.p)]
            )  # the reference class
            se = np.column_stack([se, np.full(objective.p, np.nan)])
        i = int(self.fit_intercept)
        aliased = np.ones(objective.p, dtype=bool)
        aliased[objective.keep] = False
        self.aliased_ = aliased[i:]
        self.n_iter_, self.converged_ = result.n_iter, result.converged
        self.history_ = np.asarray(result.history)
        self.loss_ = float(result.history[-1])  # the solvers end at the estimate
        Z = X @ Theta[i:] + (Theta[0] if i else 0.0)
        mu, dispersion = self._store_likelihood(objective, Z, target)
        self._set_coefficients(Theta, se * np.sqrt(dispersion))
        return mu

    def _centred(self) -> bool:
        """Whether the intercepts are reported summing to 0 (the penalised layer's)."""
        return self._symmetric() and self.fit_intercept and not self.penalize_intercept

    def _set_coefficients(self, Theta: Array, se: Array) -> None:
        """One output: ``coef_`` (d,), a float ``intercept_``, their standard errors."""
        i = int(self.fit_intercept)
        self.intercept_ = float(Theta[0, 0]) if i else 0.0
        self.coef_ = Theta[i:, 0].copy()
        self.intercept_stderr_ = float(se[0, 0]) if i else float("nan")
        self.coef_stderr_ = se[i:, 0].copy()

    def _diagnose(
        self,
        objective: GLMObjective,
        result: SolverResult,
        X: Array,
        target: Array,
        mu: Array,
    ) -> bool:
        """Warn once per cause; return whether a missing estimate explains a failed
        solve (its warning then replaces the solver's)."""
        names = getattr(self, "feature_names_in_", None)
        aliased = np.nonzero(self.aliased_)[0]
        if aliased.size:
            which = [
                str(names[j]) if names is not None else f"column {j}" for j in aliased
            ]
            diagnostics.warn_aliased(which, stacklevel=3)
        diagnostics.warn_ill_conditioned(objective.condition_number(), stacklevel=3)
        self.separation_, self.mle_exists_ = None, True
        penalised = self.alpha > 0
        if penalised and not (self.fit_intercept and not self.penalize_intercept):
            return False  # every direction is penalised: the estimate exists

        def design() -> Array:  # copies X: built only when a linear program decides
            if penalised:  # only the intercept is free to grow without bound
                return np.ones((len(X), 1))
            X1 = np.column_stack([np.ones(len(X)), X]) if self.fit_intercept else X
            return X1[:, objective.keep]

        link = objective.link
        kind, reason = diagnostics.why_no_estimate(
            objective.family, link, design, target, mu, result.converged
        )
        if reason is None:
            return False
        self.separation_, self.mle_exists_ = kind, False
        largest = float(np.max(np.abs(np.r_[np.ravel(self.coef_), self.intercept_])))
        k = objective.k if objective.categorical else 2
        diagnostics.warn_no_estimate(
            kind, reason, k, largest, self.n_iter_, stacklevel=3, penalised=penalised
        )
        return True

    def _check_fitted(self) -> None:
        check_is_fitted(self, "coef_")


def _units(objective: GLMObjective) -> Array:
    r"""For gradient descent's test: 1 per parameter, :math:`1/\max_i|x_{ij}|` for the
    parameters of a column whose entries are all below 1 in size."""
    X, per_column = objective.X, np.ones(objective.p)
    if X.size:
        top = np.maximum(X.max(axis=0), -X.min(axis=0))
        small = (top > 0) & (top < 1)
        per_column[objective.p - X.shape[1] :][small] = 1.0 / top[small]
    return objective._vector(np.repeat(per_column[:, None], objective.outputs, axis=1))


def standard_errors(
    objective: GLMObjective, result: SolverResult, center_intercepts: bool = False
) -> Array:
    r"""Standard errors of :math:`\Theta` (p x outputs) from the inverse information
    :math:`(N\nabla^2 J_\alpha)^{-1}`, at unit dispersion: the last Newton
    factorisation in working coordinates, mapped to :math:`\theta` by the objective's
    transform (chapter 4). With a penalty this is the Laplace approximation to the
    posterior covariance (chapter 9). ``nan`` where a parameter is fixed (aliased, the
    reference class), ``inf`` where the information is singular. ``center_intercepts``:
    the intercepts are reported minus their mean, and so are their errors."""
    factor = result.factor
    if factor is None:  # gradient descent: factorise the Hessian at the estimate
        hessian = objective.evaluate(result.beta, order=2).hessian
        factor = Cholesky.factor(hessian) if hessian is not None else None
    q, m = len(objective.keep), objective.outputs
    se = np.full((objective.p, m), np.nan)
    if factor is None:
        se[objective.keep] = np.inf
        return se
    free = objective.free[objective.keep]
    E = np.zeros((q * m, factor.upper.shape[0]))
    E[free.ravel(order="F")] = factor.inverse_factor() / np.sqrt(objective.n)
    F = np.kron(np.eye(m), objective.transform()) @ E  # rows: theta, class after class
    if center_intercepts:
        rows = np.arange(m) * q
        F[rows] = F[rows] - F[rows].mean(axis=0)
        free = free.copy()
        free[0] = True
    top = np.max(np.abs(F), axis=1, keepdims=True)
    top[top == 0] = 1.0
    norms = top[:, 0] * np.sqrt(np.sum((F / top) ** 2, axis=1))  # no overflow
    se[objective.keep] = np.where(free, norms.reshape(q, m, order="F"), np.nan)
    return se
