r"""The estimators of the book, as neurons, with scikit-learn's conventions (chapters 3, 4, 6, 8).

``GLMNeuron`` is one neuron whose activation is the inverse link of a GLM (chapter 8),

.. math:: \mathbb{E}[y \mid x] = g^{-1}(w^\top x + b),

fitted by maximum likelihood with Newton's method / IRLS (Fisher scoring) or gradient descent.
``LogisticNeuron`` is its Bernoulli/logit case, an affine map followed by the sigmoid,
:math:`P(y = 1 \mid x) = \sigma(w^\top x + b)`, fitted by minimising the binary cross-entropy (chapter 4);
its weights ``coef_`` and bias ``intercept_`` are exactly the coefficients of the Bernoulli GLM with logit
link (chapter 3). ``SoftmaxLayer`` is :math:`k` neurons sharing their input, followed by a softmax
(chapters 6 and 7).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import families, losses, solvers
from .solvers import ConvergenceWarning

__all__ = ["GLMNeuron", "LogisticNeuron", "SoftmaxLayer", "SeparationWarning", "ConvergenceWarning", "check_X", "check_X_y"]

Array = NDArray[np.float64]


class SeparationWarning(UserWarning):
    """The classes are (quasi-)perfectly separated: the maximum-likelihood estimate does not exist."""


# ---------------------------------------------------------------------------------- input validation
def check_X(X: ArrayLike, n_features: int | None = None) -> Array:
    """Return ``X`` as a 2-D float array, or raise ``ValueError`` saying what is wrong with it."""
    try:
        X = np.asarray(X, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("X must be numeric: an array of shape (n_samples, n_features)") from None
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, of shape (n_samples, n_features); got {X.ndim}-D with shape {X.shape}"
                         + (" (use X.reshape(-1, 1) for a single feature)" if X.ndim == 1 else ""))
    if not np.all(np.isfinite(X)):
        rows = np.unique(np.nonzero(~np.isfinite(X))[0])
        raise ValueError(f"X contains NaN or inf (in {rows.size} rows, the first at row {rows[0]})")
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"X has {X.shape[1]} features, but the model was fitted with {n_features}")
    return X


def check_X_y(X: ArrayLike, y: ArrayLike) -> tuple[Array, np.ndarray]:
    """Validate a design and its labels: shapes, lengths, NaN or inf."""
    X = check_X(X)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, one label per row of X; got shape {y.shape}")
    if y.shape[0] != X.shape[0]:
        raise ValueError(f"X and y have different lengths: X has {X.shape[0]} rows, y has {y.shape[0]} labels")
    if y.dtype.kind in "fc" and not np.all(np.isfinite(y)):
        raise ValueError(f"y contains NaN or inf (at position {int(np.nonzero(~np.isfinite(y))[0][0])})")
    if y.dtype.kind == "O" and any(v is None for v in y):
        raise ValueError("y contains None")
    return X, y


def _add_intercept(X: Array, fit_intercept: bool) -> Array:
    return np.column_stack([np.ones(X.shape[0]), X]) if fit_intercept else X


def _check_enough_rows(n: int, p: int) -> None:
    if n < p:
        raise ValueError(f"fewer rows than parameters: {n} observations for {p} parameters; the fit is not identifiable")


def _warn_separation(kind: str, largest: float, what: str) -> None:
    name = "perfect (complete)" if kind == "complete" else "quasi-complete"
    warnings.warn(
        f"{name} separation: hyperplanes split the {what}"
        + (" exactly" if kind == "complete" else ", apart from observations lying on them")
        + ", so the maximum-likelihood estimate does not exist. The likelihood keeps increasing as the "
        f"coefficients grow without bound; the values reported (largest |coefficient| {largest:.3g}) are "
        "where the solver stopped, and their standard errors are meaningless. Remove or merge the "
        "separating feature, collect more data, or use a penalised fit.",
        SeparationWarning,
        stacklevel=4,
    )


# ---------------------------------------------------------------------------------- the neurons
class _Estimator:
    """scikit-learn's parameter plumbing: ``get_params``, ``set_params`` and a readable ``repr``."""

    _param_names: tuple[str, ...] = ()

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self._param_names}

    def set_params(self, **params: Any):
        for k, v in params.items():
            if k not in self._param_names:
                raise ValueError(f"unknown parameter {k!r} for {type(self).__name__}; expected one of {list(self._param_names)}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={getattr(self, k)!r}' for k in self._param_names[:3])})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise AttributeError(f"this {type(self).__name__} is not fitted yet; call fit(X, y) first")


class GLMNeuron(_Estimator):
    r"""A generalized linear model as one neuron whose activation is the inverse link (chapter 8):
    :math:`\mathbb{E}[y \mid x] = g^{-1}(w^\top x + b)`.

    **Parameters**

    ``family``
        ``"gaussian"``, ``"bernoulli"``, ``"poisson"`` or a :class:`companion.families.Family`.
    ``link``
        ``None`` (the family's canonical link), ``"identity"``, ``"logit"``, ``"probit"``, ``"log"`` or a
        :class:`companion.families.Link`.
    ``solver``
        ``"irls"`` (Fisher scoring, the default: iteratively reweighted least squares with the expected
        information), ``"newton"`` (the observed information) or ``"gd"`` (gradient descent). With the
        canonical link the first two are the same method.
    ``fit_intercept``, ``max_iter``, ``tol``, ``learning_rate``
        as :class:`LogisticNeuron`.

    **Attributes** (after ``fit``)

    ``family_``, ``link_``
        the family and link objects.
    ``coef_``, ``intercept_``
        the weights, shape ``(n_features,)``, and the bias (a float).
    ``dispersion_``
        the estimated variance of a Gaussian response (Pearson :math:`\chi^2/(N - p)`, as statsmodels), 1
        for the Bernoulli and Poisson families.
    ``coef_stderr_``, ``intercept_stderr_``
        standard errors, :math:`\sqrt{\phi\,\operatorname{diag}(X^\top W X)^{-1}}` with the information the
        solver used (``information_``: ``"expected"`` or ``"observed"``).
    ``log_likelihood_``
        the maximised log-likelihood (for the Gaussian, at the maximum-likelihood variance).
    ``deviance_``
        :math:`2\sum_i[\ell_i(\text{saturated}) - \ell_i]` at unit dispersion (the RSS for the Gaussian).
    ``n_iter_``, ``converged_``, ``history_``
        iterations, whether the criterion was met, the mean loss per iteration.
    ``separation_``
        for a Bernoulli response, ``None``, ``"quasi-complete"`` or ``"complete"``.
    """

    _param_names = ("family", "link", "solver", "fit_intercept", "max_iter", "tol", "learning_rate")
    _solvers = ("irls", "newton", "gd")

    def __init__(
        self,
        family: str | families.Family = "gaussian",
        link: str | families.Link | None = None,
        solver: str = "irls",
        fit_intercept: bool = True,
        max_iter: int | None = None,
        tol: float | None = None,
        learning_rate: float = 0.5,
    ):
        self.family = family
        self.link = link
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate

    def fit(self, X: ArrayLike, y: ArrayLike) -> "GLMNeuron":
        """Fit by maximum likelihood; returns ``self``. ``y`` must be valid for the family."""
        family = families.get_family(self.family)
        link = family.canonical_link if self.link is None else families.get_link(self.link)
        X, y = check_X_y(X, y)
        return self._fit(X, family.check_y(y), family, link)

    def _fit(self, X: Array, y: Array, family: families.Family, link: families.Link) -> "GLMNeuron":
        """The fit shared by every neuron: ``X`` validated, ``y`` valid for ``family`` (as floats)."""
        if self.solver not in self._solvers:
            raise ValueError(f"solver must be {' or '.join(map(repr, self._solvers))}; got {self.solver!r}")
        self.family_, self.link_ = family, link
        X1 = _add_intercept(X, self.fit_intercept)
        n, p = X1.shape
        _check_enough_rows(n, p)
        self.n_features_in_ = X.shape[1]
        observed = self.solver == "newton"

        def loss_grad(theta: Array) -> tuple[float, Array]:
            r"""Mean negative log-likelihood and its gradient :math:`-X^\top s / N`."""
            eta = X1 @ theta
            score = family.score_and_weights(y, eta, link)[0]
            return -float(np.mean(family.log_likelihood(y, eta, link))), -(X1.T @ score) / n

        def direction(theta: Array, grad: Array) -> Array:
            """The IRLS / Newton step: weighted least squares with weights w and working residuals s / w."""
            eta = X1 @ theta
            score, weight = family.score_and_weights(y, eta, link, observed)
            if np.any(weight < 0):  # observed information not positive here: take Fisher's step
                score, weight = family.score_and_weights(y, eta, link)
            sw = np.sqrt(weight)
            return solvers.weighted_least_squares(X1, sw, np.divide(score, sw, out=np.zeros_like(sw), where=sw > 0))

        theta0 = np.zeros(p)
        if self.fit_intercept and not np.isfinite(loss_grad(theta0)[0]):
            theta0[0] = float(link.link(np.mean(y)))  # e.g. an identity link for counts: start at the mean
        if self.solver == "gd":
            result = solvers.gradient_descent(loss_grad, theta0, self.learning_rate, self.max_iter or 10_000, self.tol or 1e-6)
        else:
            result = solvers.newton(loss_grad, direction, theta0, self.max_iter or 100, self.tol or 1e-10)
        self._store(result, X1, y, observed)
        return self

    def _store(self, result: solvers.SolverResult, X1: Array, y: Array, observed: bool) -> None:
        family, link, theta = self.family_, self.link_, result.theta
        n, p = X1.shape
        i = int(self.fit_intercept)
        self.intercept_ = float(theta[0]) if i else 0.0
        self.coef_ = theta[i:].copy()
        self.n_iter_, self.converged_ = result.n_iter, result.converged
        self.history_ = np.asarray(result.history)
        eta = X1 @ theta
        self.log_likelihood_ = family.fitted_log_likelihood(y, eta, link)
        self.deviance_ = family.deviance(y, eta, link)
        mu = link.inverse(eta)
        self.dispersion_ = 1.0
        if family.has_dispersion:  # Pearson chi^2 / (N - p)
            self.dispersion_ = float(np.sum((y - mu) ** 2 / family.variance_function(mu)) / max(n - p, 1))
        weight = family.score_and_weights(y, eta, link, observed)[1]
        self.information_ = "observed" if observed and link != family.canonical_link else "expected"
        if np.all(weight >= 0):
            se = solvers.qr_inverse_rows(X1, np.sqrt(weight))
        else:  # an indefinite observed information has no inverse to report
            se = np.full(p, np.inf)
        se = se * np.sqrt(self.dispersion_)
        self.intercept_stderr_ = float(se[0]) if i else float("nan")
        self.coef_stderr_ = se[i:]
        self.separation_ = None
        if isinstance(family, families.Bernoulli):
            extreme = np.min(np.minimum(mu, np.exp(link.log_inverse_complement(eta)))) < 1e-10
            if not result.converged or extreme:
                self.separation_ = solvers.detect_separation(X1, y)
            if self.separation_ is not None:
                _warn_separation(self.separation_, np.max(np.abs(theta)), "two classes")

    def decision_function(self, X: ArrayLike) -> Array:
        r"""The linear predictor :math:`\eta = w^\top x + b`, the neuron's pre-activation."""
        self._check_fitted()
        return check_X(X, self.n_features_in_) @ self.coef_ + self.intercept_

    def predict(self, X: ArrayLike) -> Array:
        r"""The mean :math:`\hat\mu = g^{-1}(w^\top x + b)`: the neuron's output."""
        eta = self.decision_function(X)
        return self.link_.inverse(eta)


class LogisticNeuron(GLMNeuron):
    r"""Logistic regression as one neuron: :math:`P(y=1\mid x) = \sigma(w^\top x + b)` (chapters 2 to 4).

    It is :class:`GLMNeuron` with the Bernoulli family and the logit link, run by the same code, plus the
    classifier's conventions: labels of any two values, ``classes_``, ``predict_proba`` and ``predict``
    returning labels.

    **Parameters**

    ``solver``
        ``"newton"`` (Newton's method / IRLS, the default) or ``"gd"`` (gradient descent).
    ``fit_intercept``
        whether to fit the bias :math:`b` (the GLM's intercept).
    ``max_iter``
        iteration limit; default 100 for Newton, 10 000 for gradient descent.
    ``tol``
        gradient descent stops when the largest gradient component of the mean loss is below ``tol``
        (default ``1e-6``); Newton after a step whose Newton decrement is below ``tol`` (default ``1e-10``,
        floored at the rounding level; :func:`companion.solvers.newton`).
    ``learning_rate``
        the step :math:`\alpha` of gradient descent (ignored by Newton).

    **Attributes** (after ``fit``)

    ``classes_``
        the two labels, sorted; ``classes_[1]`` is the positive class (:math:`y = 1`).
    ``coef_``, ``intercept_``
        the weights :math:`w`, shape ``(n_features,)``, and the bias :math:`b` (a float).
    ``coef_stderr_``, ``intercept_stderr_``
        standard errors from the inverse Fisher information :math:`(X^\top W X)^{-1}` at the estimate.
    ``log_likelihood_``, ``deviance_``
        the maximised Bernoulli log-likelihood, and :math:`-2` times it.
    ``n_iter_``, ``converged_``, ``history_``
        iterations, whether the criterion was met, the loss per iteration.
    ``separation_``
        ``None``, ``"quasi-complete"`` or ``"complete"`` (then a :class:`SeparationWarning`).
    """

    _param_names = ("solver", "fit_intercept", "max_iter", "tol", "learning_rate")
    _solvers = ("newton", "gd")

    def __init__(
        self,
        solver: str = "newton",
        fit_intercept: bool = True,
        max_iter: int | None = None,
        tol: float | None = None,
        learning_rate: float = 0.5,
    ):
        super().__init__("bernoulli", "logit", solver, fit_intercept, max_iter, tol, learning_rate)

    def _encode(self, y: np.ndarray) -> Array:
        classes = np.unique(y)
        if classes.size != 2:
            found = f"{classes.size} class{'es' if classes.size != 1 else ''} {classes[:5].tolist()}"
            raise ValueError(
                f"LogisticNeuron needs labels of exactly two classes; got {found}. "
                "Any two distinct values work (0/1, -1/1, False/True, two strings); the larger one is the "
                "positive class. For more classes use SoftmaxLayer."
            )
        self.classes_ = classes
        return (y == classes[1]).astype(float)

    def fit(self, X: ArrayLike, y: ArrayLike) -> "LogisticNeuron":
        """Fit by maximum likelihood (minimum binary cross-entropy); returns ``self``."""
        X, y = check_X_y(X, y)
        return self._fit(X, self._encode(y), families.Bernoulli(), families.Logit())

    def predict_proba(self, X: ArrayLike) -> Array:
        r"""Probabilities, shape ``(n, 2)``, columns in the order of ``classes_``: :math:`[1-\sigma(z), \sigma(z)]`."""
        z = self.decision_function(X)
        return np.column_stack([losses.sigmoid(-z), losses.sigmoid(z)])

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The more probable class for each row (the positive class when :math:`z > 0`)."""
        self._check_fitted()
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


# ---------------------------------------------------------------------------------- the layer
class SoftmaxLayer(_Estimator):
    r"""Softmax (multinomial logistic) regression as one layer of :math:`k` neurons (chapters 5 to 7):
    :math:`P(y = c \mid x) = \operatorname{softmax}(W x + b)_c`.

    **Parameterisation.** The symmetric layer, with a weight vector for every class, is not identifiable:
    adding the same vector to every row of :math:`W` (and the same number to every bias) leaves every
    probability unchanged, so its Hessian is singular. Like the GLM, this layer fixes a *reference class*,
    the last of ``classes_``, whose weights and bias are 0; the other :math:`k - 1` rows are the
    GLM's coefficients :math:`\eta_c = \log(\phi_c / \phi_k)`. The Newton system, of size
    :math:`(k-1)p`, is then positive definite whenever :math:`X` has full column rank. ``coef_`` and
    ``intercept_`` still have a row for every class (the reference row is zero), so ``decision_function``
    returns the :math:`k` logits of a symmetric layer.

    Parameters: as :class:`LogisticNeuron`, plus ``classes`` (optional): the labels to expect; each must
    occur in ``y``.

    Attributes (after ``fit``): ``classes_`` (sorted labels), ``reference_class_``, ``coef_`` (k x d),
    ``intercept_`` (k,), ``coef_stderr_`` and ``intercept_stderr_`` (``nan`` for the reference row, which is
    fixed), ``log_likelihood_``, ``deviance_``, ``n_iter_``, ``converged_``, ``history_``, ``separation_``.
    """

    _param_names = ("solver", "fit_intercept", "max_iter", "tol", "learning_rate", "classes")

    def __init__(
        self,
        solver: str = "newton",
        fit_intercept: bool = True,
        max_iter: int | None = None,
        tol: float | None = None,
        learning_rate: float = 0.5,
        classes: ArrayLike | None = None,
    ):
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.classes = classes

    def _encode(self, y: np.ndarray) -> np.ndarray:
        found = np.unique(y)
        classes = found if self.classes is None else np.unique(np.asarray(self.classes))
        if self.classes is not None:
            unknown = np.setdiff1d(found, classes)
            if unknown.size:
                raise ValueError(f"y contains labels not among the given classes: {unknown[:5].tolist()}")
            missing = np.setdiff1d(classes, found)
            if missing.size:
                raise ValueError(f"class {missing.tolist()[0]!r} has no examples in y; every class needs at least "
                                 f"one (classes given: {classes.tolist()})")
        if classes.size < 2:
            raise ValueError(f"SoftmaxLayer needs at least two classes; y has only {classes.tolist()}")
        self.classes_ = classes
        self.reference_class_ = classes[-1]
        return np.searchsorted(classes, y)

    def fit(self, X: ArrayLike, y: ArrayLike) -> "SoftmaxLayer":
        """Fit by maximum likelihood (minimum cross-entropy); returns ``self``."""
        if self.solver not in ("newton", "gd"):
            raise ValueError(f"solver must be 'newton' or 'gd'; got {self.solver!r}")
        X, y = check_X_y(X, y)
        labels = self._encode(y)
        k = self.classes_.size
        X1 = _add_intercept(X, self.fit_intercept)
        n, p = X1.shape
        _check_enough_rows(n, p)
        self.n_features_in_ = X.shape[1]
        Y = np.eye(k)[labels]

        def loss_grad(theta: Array) -> tuple[float, Array]:
            return losses.softmax_loss_grad(theta, X1, Y)

        def direction(theta: Array, grad: Array) -> Array:
            return solvers.solve_newton_system(losses.softmax_hessian(theta, X1, k), grad)

        theta0 = np.zeros(p * (k - 1))
        if self.solver == "newton":
            result = solvers.newton(loss_grad, direction, theta0, self.max_iter or 100, self.tol or 1e-10)
        else:
            result = solvers.gradient_descent(loss_grad, theta0, self.learning_rate, self.max_iter or 10_000, self.tol or 1e-6)
        self._store(result, X1, Y, labels)
        return self

    def _store(self, result: solvers.SolverResult, X1: Array, Y: Array, labels: np.ndarray) -> None:
        n, p = X1.shape
        k = Y.shape[1]
        Theta = np.column_stack([result.theta.reshape(p, k - 1, order="F"), np.zeros(p)])  # p x k
        i = int(self.fit_intercept)
        self.intercept_ = Theta[0].copy() if i else np.zeros(k)
        self.coef_ = Theta[i:].T.copy()
        self.n_iter_, self.converged_ = result.n_iter, result.converged
        self.history_ = np.asarray(result.history)
        Z = X1 @ Theta
        self.log_likelihood_ = float(-n * losses.cross_entropy(Z, Y))
        self.deviance_ = -2.0 * self.log_likelihood_
        H = n * losses.softmax_hessian(result.theta, X1, k)  # Fisher information
        se = solvers.inverse_diagonal(H).reshape(p, k - 1, order="F")  # covariance = inverse Fisher information
        se = np.column_stack([se, np.full(p, np.nan)])
        self.intercept_stderr_ = se[0].copy() if i else np.full(k, np.nan)
        self.coef_stderr_ = se[i:].T.copy()
        self.separation_ = None
        if not result.converged or np.max(np.abs(Z)) > 25:
            self.separation_ = solvers.detect_multiclass_separation(X1, labels, k)
        if self.separation_ is not None:
            _warn_separation(self.separation_, np.max(np.abs(Theta)), f"{k} classes")

    def decision_function(self, X: ArrayLike) -> Array:
        """The :math:`k` logits :math:`Wx + b` of each row (the reference class's logit is 0)."""
        self._check_fitted()
        return check_X(X, self.n_features_in_) @ self.coef_.T + self.intercept_

    def predict_proba(self, X: ArrayLike) -> Array:
        """Class probabilities, shape ``(n, k)``, columns in the order of ``classes_``: the softmax of the logits."""
        return losses.softmax(self.decision_function(X), axis=1)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[np.argmax(self.decision_function(X), axis=1)]
