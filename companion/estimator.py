r"""The fit that every neuron of the book shares (chapters 3, 4, 6 to 8), as a template method:

1. ``validate_params``: every parameter against the class's declared constraints;
2. ``validate_data``: scikit-learn's checks of ``X`` and ``y`` (shapes, NaN, complex, sparse, column
   names), then the subclass's ``_target`` hook: the family, the link and the encoded responses;
3. the objective: :class:`~companion.glm.GLMObjective`, the same for every family;
4. the solver: Newton/IRLS (:func:`~companion.solvers.newton`) or gradient descent;
5. ``_store``: coefficients, standard errors, log-likelihood, deviance, dispersion;
6. ``_diagnose``: when the estimate does not exist, when columns are aliased, when the design is
   ill-conditioned: one warning per cause, and attributes that say so.
"""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from . import separation
from ._types import Array
from .exceptions import (
    ConditioningWarning,
    ConvergenceWarning,
    NonExistenceWarning,
    RankDeficiencyWarning,
    SeparationWarning,
)
from .families import Bernoulli, Categorical, Family, Poisson
from .glm import GLMObjective
from .links import Link, Log
from .solvers import SolverResult, gradient_descent, newton
from .validation import validate_params

__all__ = ["GLMEstimator"]


class GLMEstimator(BaseEstimator):
    """The shared fit of :class:`~companion.neurons.GLMNeuron`, :class:`~companion.neurons.LogisticNeuron`
    and :class:`~companion.neurons.SoftmaxLayer`. Subclasses declare ``parameter_constraints`` and
    implement ``_target(y) -> (family, link, target)``."""

    parameter_constraints: ClassVar[dict[str, list[Any]]] = {}
    solver: str
    fit_intercept: bool
    max_iter: int | None
    tol: float | None
    learning_rate: float
    alpha: float
    penalize_intercept: bool

    def _target(self, y: np.ndarray) -> tuple[Family | Categorical, Link | None, Array]:
        raise NotImplementedError  # pragma: no cover - each neuron says what its responses are

    def _symmetric(self) -> bool:
        return False

    def fit(self, X: Any, y: Any) -> GLMEstimator:
        """Fit by (penalised) maximum likelihood; returns ``self``."""
        validate_params(self)
        X, y = validate_data(self, X, y, dtype=np.float64, y_numeric=False)
        n = X.shape[0]
        family, link, target = self._target(y)
        if n < 2:
            raise ValueError(f"{type(self).__name__} needs at least 2 samples; got n_samples = {n}")
        objective = GLMObjective(
            X, target, family, link, fit_intercept=self.fit_intercept, alpha=self.alpha,
            penalize_intercept=self.penalize_intercept, symmetric=self._symmetric(),
            observed=self.solver == "newton" and link is not None and link != getattr(family, "canonical_link", None),
            scale_columns=self.solver != "gd",
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            result = self._solve(objective)
        mu = self._store(objective, result, X, target)
        explained = self._diagnose(objective, result, X, target, mu)
        if not explained:
            for w in caught:
                warnings.warn(w.message, w.category, stacklevel=2)
        return self

    def _solve(self, objective: GLMObjective) -> SolverResult:
        if self.solver == "gd":
            tol = 1e-6 if self.tol is None else self.tol
            max_iter = 10_000 if self.max_iter is None else self.max_iter
            return gradient_descent(objective.loss_and_gradient, objective.initial(), self.learning_rate, max_iter, tol)
        tol = 1e-10 if self.tol is None else self.tol
        return newton(objective, objective.initial(), 100 if self.max_iter is None else self.max_iter, tol)

    # -- what a fit leaves behind ------------------------------------------------------------------
    def _store(self, objective: GLMObjective, result: SolverResult, X: Array, target: Array) -> Array:
        beta, n = result.beta, objective.n
        Theta = objective.theta(beta)
        se = self._standard_errors(objective, result)
        if objective.categorical and objective.outputs < objective.k:  # the reference class: fixed at 0
            Theta = np.column_stack([Theta, np.zeros(objective.p)])
            se = np.column_stack([se, np.full(objective.p, np.nan)])
        i = int(self.fit_intercept)
        aliased = np.ones(objective.p, dtype=bool)
        aliased[objective.keep] = False
        self.n_iter_, self.converged_ = result.n_iter, result.converged
        self.history_ = np.asarray(result.history)
        self.aliased_ = aliased[i:]
        self.loss_ = float(objective.evaluate(beta, order=0).loss)
        Z = X @ Theta[i:] + (Theta[0] if i else 0.0)
        mu, dispersion = self._store_likelihood(objective, Z, target)
        self._set_coefficients(Theta, se * np.sqrt(dispersion))
        return mu

    def _standard_errors(self, objective: GLMObjective, result: SolverResult) -> Array:
        r"""Standard errors from the inverse information :math:`(N\nabla^2 J_\alpha)^{-1}` in working
        coordinates, mapped to :math:`\theta` (times :math:`\sqrt{\varphi}` later); with a penalty this
        is the Laplace approximation to the posterior covariance (chapter 9). ``nan`` where a parameter
        is fixed, ``inf`` where the information is singular."""
        factor = result.factor
        if factor is None:
            ev = objective.evaluate(result.beta, order=2)
            from .linalg import Cholesky

            factor = Cholesky.factor(ev.hessian) if ev.hessian is not None else None
        q, m = len(objective.keep), objective.outputs
        se = np.full((objective.p, m), np.nan)
        if factor is None:
            se[objective.keep] = np.inf
            return se
        K = factor.inverse_factor() / np.sqrt(objective.n)
        mask = objective.free[objective.keep].ravel(order="F")
        E = np.zeros((q * m, K.shape[1]))
        E[mask] = K
        F = np.kron(np.eye(m), objective.transform()) @ E  # rows: theta, class after class
        if self._symmetric() and self.fit_intercept and not self.penalize_intercept:
            rows = np.arange(m) * q  # the intercepts, centred after the fit
            F[rows] = F[rows] - F[rows].mean(axis=0)
        top = np.max(np.abs(F), axis=1, keepdims=True)
        top[top == 0] = 1.0
        norms = top[:, 0] * np.sqrt(np.sum((F / top) ** 2, axis=1))  # no overflow for any units
        se[objective.keep] = norms.reshape(q, m, order="F")
        fixed = np.ones((objective.p, m), dtype=bool)
        fixed[objective.keep] = ~objective.free[objective.keep]
        if self._symmetric() and self.fit_intercept and not self.penalize_intercept:
            fixed[0] = False
        se[fixed & ~np.isin(np.arange(objective.p), objective.keep)[:, None]] = np.nan
        se[objective.keep] = np.where(fixed[objective.keep], np.nan, se[objective.keep])
        return se

    def _set_coefficients(self, Theta: Array, se: Array) -> None:
        """One output: ``coef_`` (d,), a float ``intercept_`` and their standard errors."""
        i = int(self.fit_intercept)
        self.intercept_ = float(Theta[0, 0]) if i else 0.0
        self.coef_ = Theta[i:, 0].copy()
        self.intercept_stderr_ = float(se[0, 0]) if i else float("nan")
        self.coef_stderr_ = se[i:, 0].copy()

    def _store_likelihood(self, objective: GLMObjective, Z: Array, target: Array) -> tuple[Array, float]:
        """Set the log-likelihood and deviance; return the fitted means and the dispersion."""
        raise NotImplementedError  # pragma: no cover

    # -- when the fit is not what it seems -----------------------------------------------------------
    def _diagnose(self, objective: GLMObjective, result: SolverResult, X: Array, target: Array,
                  mu: Array) -> bool:
        """Warn once per cause; return whether a non-existent estimate explains a failed solve."""
        aliased = np.nonzero(self.aliased_)[0]
        if aliased.size:
            names = getattr(self, "feature_names_in_", None)
            which = [str(names[j]) if names is not None else f"column {j}" for j in aliased]
            warnings.warn(
                f"rank deficient design: {', '.join(which[:8])} {'is a linear combination' if len(which) == 1 else 'are linear combinations'} "
                "of the other columns (and the intercept), so their coefficients are not identifiable; "
                "they are fixed at 0 (aliased_ marks them) and the rest is fitted",
                RankDeficiencyWarning, stacklevel=3)
        kappa = objective.condition_number()
        if np.isfinite(kappa) and kappa > 1e10:
            warnings.warn(
                f"the design is ill-conditioned (condition number {kappa:.1e} after scaling its "
                f"columns): the coefficients are determined to about {max(0, 16 - int(np.log10(kappa)))} "
                "significant digits, although the fitted values and the likelihood are accurate",
                ConditioningWarning, stacklevel=3)
        self.separation_ = None
        self.mle_exists_ = True
        if self.alpha > 0:
            return False
        return self._check_existence(objective, result, X, target, mu)

    def _check_existence(self, objective: GLMObjective, result: SolverResult, X: Array, target: Array,
                         mu: Array) -> bool:
        family, i = objective.family, int(self.fit_intercept)
        X1 = np.column_stack([np.ones(len(X)), X])[:, objective.keep] if i else X[:, objective.keep]
        kind: str | None = None
        if isinstance(family, Bernoulli) and (not result.converged or np.min(np.minimum(mu, 1 - mu)) < 1e-10):
            kind = separation.detect_separation(X1, target)
        elif isinstance(family, Categorical) and (not result.converged or np.min(mu) < 1e-10):
            kind = separation.detect_multiclass_separation(X1, target, family.k)
        if kind is not None:
            self.separation_, self.mle_exists_ = kind, False
            what = "two classes" if isinstance(family, Bernoulli) else f"{family.k} classes"
            name = "complete" if kind == "complete" else "quasi-complete"
            warnings.warn(
                f"{name} separation: a hyperplane splits the {what}"
                + (" exactly" if kind == "complete" else ", apart from observations lying on it")
                + ", so the maximum-likelihood estimate does not exist: the likelihood keeps increasing as "
                f"the coefficients grow without bound. The values reported (largest |coefficient| "
                f"{np.max(np.abs(self._all_coefficients())):.3g}) are where the solver stopped after "
                f"{self.n_iter_} iterations, and their standard errors are meaningless. Remove or merge the "
                "separating feature, collect more data, or fit with a penalty (alpha > 0).",
                SeparationWarning, stacklevel=4)
            return True
        if isinstance(family, Poisson) and isinstance(objective.link, Log):
            small = mu[target == 0] < 1e-8 * max(float(np.mean(target)), 1.0)
            if (not result.converged or np.any(small)) and separation.detect_poisson_boundary(X1, target):
                return self._warn_nonexistent("some zero counts can be fitted by means tending to 0 (all "
                                              "counts are zero, or zero for every row of a level of a dummy variable)")
        link = objective.link
        if isinstance(family, Family) and link is not None:
            low, high = link.mean_range
            below = (target < low) & (mu - low <= 1e-10 * max(1.0, abs(low)))
            above = (target > high) & (high - mu <= 1e-10 * max(1.0, abs(high)))
            if np.any(below | above):
                return self._warn_nonexistent(
                    f"some responses lie outside the range {link.mean_range} of the {link.name} link's "
                    "activation, and their fitted means are pushed to its edge")
        return False

    def _warn_nonexistent(self, why: str) -> bool:
        self.mle_exists_ = False
        warnings.warn(
            f"the maximum-likelihood estimate does not exist: {why}. The coefficients reported are where "
            f"the solver stopped after {self.n_iter_} iterations (some grow without bound) and their "
            "standard errors are meaningless. Change the model or the link, or fit with a penalty (alpha > 0).",
            NonExistenceWarning, stacklevel=5)
        return True

    def _all_coefficients(self) -> Array:
        return np.r_[np.ravel(self.coef_), np.ravel(self.intercept_)]

    def _check_fitted(self) -> None:
        check_is_fitted(self, "coef_")
