r"""The neurons of the book (chapters 3, 4 and 8), scikit-learn estimators:

- :class:`GLMNeuron`: one neuron whose activation is the inverse link of a GLM (chapter
  8), :math:`\mathbb{E}[y \mid x] = g^{-1}(w^\top x + b)`;
- :class:`LogisticNeuron`: its Bernoulli/logit case, :math:`P(y = 1 \mid x) =
  \sigma(w^\top x + b)` (chapters 2 to 4), a binary classifier.

They and :class:`~companion.layer.SoftmaxLayer` (chapters 5 to 7) run the same fit
(:class:`~companion.estimator.GLMEstimator` on :class:`~companion.glm.GLMObjective`):
maximum likelihood, or with ``alpha > 0`` the penalised (maximum a posteriori) fit that
minimises :math:`J(\theta) + \frac{\alpha}{2}\lVert w\rVert^2`, the loss of a network
trained with weight decay (chapter 9). ``alpha`` is scikit-learn's ``1/(C N)`` for
``LogisticRegression`` and its ``alpha`` for ``PoissonRegressor``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import validate_data

from . import losses
from ._types import Array
from .estimator import GLMEstimator
from .families import Bernoulli, Family, Poisson, get_family
from .glm import GLMObjective
from .links import Link, Logit, get_link
from .validation import InstanceOf, Interval, Options

__all__ = ["GLMNeuron", "LogisticNeuron", "COMMON_CONSTRAINTS"]

COMMON_CONSTRAINTS: dict[str, list[Any]] = {
    "fit_intercept": [InstanceOf((bool, np.bool_), "True or False")],
    "alpha": [Interval(float, 0, None)],
    "penalize_intercept": [InstanceOf((bool, np.bool_), "True or False")],
    "max_iter": [Interval(int, 1, None), None],
    "tol": [Interval(float, 0, None), None],
    "learning_rate": [Interval(float, 0, None, closed="neither")],
}


class GLMNeuron(RegressorMixin, GLMEstimator):
    r"""A generalized linear model as one neuron, :math:`\mathbb{E}[y \mid x] =
    g^{-1}(w^\top x + b)` (chapter 8, :eq:`ch8-glm-neuron`).

    Parameters: ``family`` (``"gaussian"``, ``"bernoulli"``, ``"poisson"`` or a
    :class:`~companion.family.Family`); ``link`` (``None`` for the canonical link,
    ``"identity"``, ``"logit"``, ``"probit"``, ``"log"`` or a
    :class:`~companion.links.Link`); ``solver`` (``"irls"``: Fisher scoring with the
    expected information; ``"newton"``: the observed information; ``"gd"``: gradient
    descent; with the canonical link the first two are the same method);
    ``fit_intercept``; ``alpha`` (L2 penalty on the weights, 0: maximum likelihood);
    ``penalize_intercept``; ``max_iter`` (default 100, or 10 000 for ``"gd"``); ``tol``
    (Newton: the decrement, default 1e-10; ``"gd"``: the largest gradient component,
    default 1e-6); ``learning_rate`` (of ``"gd"``).

    Attributes after ``fit``: ``coef_`` (d,), ``intercept_``; ``coef_stderr_``,
    ``intercept_stderr_`` (:math:`\sqrt{\varphi\,\operatorname{diag}\mathcal{I}^{-1}}`;
    with a penalty, from the penalised Hessian: the Laplace approximation);
    ``dispersion_`` (Pearson :math:`\chi^2/(N-p)` for the Gaussian, 1 otherwise);
    ``log_likelihood_`` (for the Gaussian at the maximum-likelihood variance);
    ``deviance_``; ``loss_`` (the minimised objective); ``n_iter_``, ``converged_``,
    ``history_``; ``mle_exists_``; ``separation_`` (Bernoulli only); ``aliased_``
    (coefficients fixed at 0, not identifiable); ``family_``, ``link_``,
    ``information_``.
    """

    parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "family": [
            Options(("gaussian", "bernoulli", "poisson")),
            InstanceOf((Family,), "a Family"),
        ],
        "link": [
            Options(("identity", "logit", "probit", "log")),
            InstanceOf((Link,), "a Link"),
            None,
        ],
        "solver": [Options(("irls", "newton", "gd"))],
        **COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        family: str | Family = "gaussian",
        link: str | Link | None = None,
        solver: str = "irls",
        fit_intercept: bool = True,
        alpha: float = 0.0,
        penalize_intercept: bool = False,
        max_iter: int | None = None,
        tol: float | None = None,
        learning_rate: float = 0.5,
    ) -> None:
        self.family = family
        self.link = link
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.alpha = alpha
        self.penalize_intercept = penalize_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self.family in ("poisson",) or isinstance(
            self.family, Poisson
        )
        return tags

    def _target(self, y: np.ndarray) -> tuple[Family, Link, Array]:
        family = get_family(self.family)
        link = family.canonical_link if self.link is None else get_link(self.link)
        try:
            values = np.asarray(y, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(
                f"GLMNeuron needs numeric responses; got values such as "
                f"{np.unique(np.asarray(y).astype(str))[:3].tolist()} (LogisticNeuron "
                "and SoftmaxLayer take class labels)"
            ) from error
        y = family.check_y(values)
        if family.has_dispersion and np.max(np.abs(y), initial=0.0) > 1e150:
            raise ValueError(
                "responses larger than 1e150 cannot be squared in floating point: "
                "divide y by a power of ten and scale the coefficients back"
            )
        if isinstance(family, Poisson) and np.max(y, initial=0.0) > 1e300 / y.size:
            raise ValueError(
                f"counts as large as {np.max(y):.3g} over {y.size} rows overflow the "
                "information (a sum of the means) in floating point: divide y by a "
                "power of ten c (with the log link the slopes stay and the intercept "
                "drops by log c)"
            )
        self.family_, self.link_ = family, link
        self.information_ = (
            "observed"
            if self.solver == "newton" and link != family.canonical_link
            else "expected"
        )
        return family, link, y

    def _store_likelihood(
        self, objective: GLMObjective, Z: Array, target: Array
    ) -> tuple[Array, float]:
        family, n = self.family_, target.size
        mu = self.link_.inverse(Z[:, 0])
        self.deviance_ = family.deviance(target, mu)
        p = len(objective.keep)
        self.dispersion_ = 1.0
        if family.has_dispersion:
            with np.errstate(divide="ignore", invalid="ignore"):
                pearson = float(
                    np.sum((target - mu) ** 2 / family.variance_function(mu))
                )
            self.dispersion_ = pearson / max(n - p, 1)
            with np.errstate(divide="ignore"):  # a perfect fit: +inf
                self.log_likelihood_ = float(
                    -0.5 * n * (np.log(2 * np.pi * self.deviance_ / n) + 1.0)
                )
        else:
            self.log_likelihood_ = float(np.sum(family.log_likelihood(target, mu)))
        return mu, self.dispersion_

    def linear_predictor(self, X: Any) -> Array:
        r"""The linear predictor :math:`z = w^\top x + b`, the neuron's
        pre-activation."""
        self._check_fitted()
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_

    def predict(self, X: Any) -> Array:
        r"""The mean :math:`\hat\mu = g^{-1}(w^\top x + b)`: the neuron's output."""
        z = self.linear_predictor(X)
        return self.link_.inverse(z)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        r""":math:`D^2 = 1 - D(y, \hat\mu)/D(y, \bar y)`, the fraction of deviance
        explained (the
        :math:`R^2` of the Gaussian family), as scikit-learn's GLM regressors report
        it."""
        self._check_fitted()
        y = self.family_.check_y(np.ravel(np.asarray(y, dtype=float)))
        null = self.family_.deviance(y, np.full_like(y, np.mean(y)))
        return (
            1.0 - self.family_.deviance(y, self.predict(X)) / null
            if null > 0
            else float("nan")
        )


class LogisticNeuron(ClassifierMixin, GLMEstimator):
    r"""Logistic regression as one neuron, :math:`P(y=1\mid x) = \sigma(w^\top x + b)`
    (chapters 2 to 4): :class:`GLMNeuron`'s Bernoulli/logit fit with a binary
    classifier's conventions (any two labels, ``classes_``, ``predict_proba``).
    ``solver`` is ``"newton"`` (IRLS) or ``"gd"``; the other parameters and the
    attributes are :class:`GLMNeuron`'s, plus ``classes_`` (``classes_[1]`` is :math:`y
    = 1`) and ``separation_`` (``None``, ``"quasi-complete"`` or ``"complete"``).
    """

    parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "solver": [Options(("newton", "gd"))],
        **COMMON_CONSTRAINTS,
    }

    def __init__(
        self,
        solver: str = "newton",
        fit_intercept: bool = True,
        alpha: float = 0.0,
        penalize_intercept: bool = False,
        max_iter: int | None = None,
        tol: float | None = None,
        learning_rate: float = 0.5,
    ) -> None:
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.alpha = alpha
        self.penalize_intercept = penalize_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    def _target(self, y: np.ndarray) -> tuple[Family, Link, Array]:
        check_classification_targets(y)
        classes = np.unique(y)
        if classes.size != 2 or type_of_target(y) != "binary":
            raise ValueError(
                "Only binary classification is supported. LogisticNeuron needs labels "
                f"of exactly two classes; got {classes.size} "
                f"class{'es' if classes.size != 1 else ''} {classes[:5].tolist()}. Any "
                "two distinct values work; the larger is the positive class. For more "
                "classes use SoftmaxLayer."
            )
        self.classes_ = classes
        return Bernoulli(), Logit(), (y == classes[1]).astype(float)

    def _store_likelihood(
        self, objective: GLMObjective, Z: Array, target: Array
    ) -> tuple[Array, float]:
        z = Z[:, 0]
        self.log_likelihood_ = -float(np.sum(losses.softplus(z) - target * z))
        self.deviance_ = -2.0 * self.log_likelihood_
        return losses.sigmoid(z), 1.0

    @classmethod
    def from_weights(
        cls, coef: Any, intercept: float, classes: Any = (0, 1)
    ) -> LogisticNeuron:
        """A neuron holding given weights (e.g. a trained network's output layer,
        chapter 9), as if fitted: it predicts, but has no likelihood or standard errors
        (``nan``)."""
        neuron = cls()
        neuron.coef_ = np.asarray(coef, dtype=float).ravel().copy()
        neuron.intercept_ = float(intercept)
        neuron.classes_ = np.asarray(classes)
        neuron.n_features_in_ = neuron.coef_.size
        neuron.coef_stderr_ = np.full(neuron.coef_.size, np.nan)
        neuron.intercept_stderr_ = neuron.log_likelihood_ = neuron.deviance_ = float(
            "nan"
        )
        return neuron

    def decision_function(self, X: Any) -> Array:
        r"""The logit :math:`z = w^\top x + b`, the neuron's pre-activation."""
        self._check_fitted()
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_ + self.intercept_

    def predict_proba(self, X: Any) -> Array:
        r""":math:`[1 - \sigma(z), \sigma(z)]`, columns in the order of ``classes_``."""
        z = self.decision_function(X)
        return np.column_stack([losses.sigmoid(-z), losses.sigmoid(z)])

    def predict(self, X: Any) -> np.ndarray:
        """The more probable class (``classes_[1]`` when :math:`z > 0`)."""
        positive = self.decision_function(X) > 0
        return self.classes_[positive.astype(int)]
