r"""Softmax regression as a layer of :math:`k` neurons (chapters 5 to 7), a scikit-learn
classifier: the categorical GLM, :math:`P(y = c \mid x) = \operatorname{softmax}(Wx +
b)_c`, fitted by the same core as the neurons
(:class:`~companion.estimator.GLMEstimator` on :class:`~companion.glm.GLMObjective` with
:class:`~companion.categorical.Categorical`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from . import losses
from ._types import Array
from .categorical import Categorical
from .estimator import GLMEstimator
from .glm import GLMObjective
from .neurons import COMMON_CONSTRAINTS
from .validation import InstanceOf, Options

__all__ = ["SoftmaxLayer"]


class SoftmaxLayer(ClassifierMixin, GLMEstimator):
    r"""Softmax regression as one layer of :math:`k` neurons (chapters 5 to 7), run
    through the categorical family (:class:`~companion.categorical.Categorical`):
    :math:`P(y = c \mid x) = \operatorname{softmax}(Wx + b)_c`.

    **Parameterisation.** Adding the same vector to every row of :math:`[b\; W]` changes
    no probability, so the layer's :math:`k(d+1)` parameters are not identifiable
    (chapter 6). Without a penalty the fit is the GLM's: class :math:`k`
    (``classes_[-1]``, ``reference_class_``) is the reference, its row fixed at 0, and
    the other rows are :math:`\theta_c`, with :math:`\eta_c = \log(\mu_c/\mu_k)`. With
    ``alpha > 0`` every class has its own row (the symmetric layer a network trains):
    the penalty :math:`\frac{\alpha}{2}\lVert W\rVert^2` is smallest when the rows of
    :math:`W` sum to 0, which makes them identifiable; the unpenalised biases are
    reported summing to 0, as scikit-learn does. The reference-class fit with a penalty
    would be a different model: it would shrink every class towards class :math:`k`
    instead of towards their common mean.

    Parameters and attributes as :class:`~companion.neurons.LogisticNeuron`, plus
    ``classes`` (optional: the labels to expect, each must occur in ``y``); ``coef_`` is
    (k, d), ``intercept_`` (k,), with their standard errors (``nan`` for the fixed
    reference row).
    """

    parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "solver": [Options(("newton", "gd"))],
        **COMMON_CONSTRAINTS,
        "classes": [InstanceOf((list, tuple, np.ndarray), "a list of labels"), None],
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
        classes: Any = None,
    ) -> None:
        self.solver = solver
        self.fit_intercept = fit_intercept
        self.alpha = alpha
        self.penalize_intercept = penalize_intercept
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.classes = classes

    def _symmetric(self) -> bool:
        return self.alpha > 0

    def _target(self, y: np.ndarray) -> tuple[Categorical, None, Array]:
        check_classification_targets(y)
        found = np.unique(y)
        classes = found if self.classes is None else np.unique(np.asarray(self.classes))
        unknown, missing = np.setdiff1d(found, classes), np.setdiff1d(classes, found)
        if unknown.size:
            raise ValueError(
                f"y contains labels not among the given classes: {unknown[:5].tolist()}"
            )
        if missing.size:
            raise ValueError(
                f"class {missing.tolist()[0]!r} has no examples in y; every class "
                f"needs at least one (classes given: {classes.tolist()})"
            )
        if classes.size < 2:
            raise ValueError(
                "SoftmaxLayer needs at least two classes; y has only 1 class: "
                f"{classes.tolist()}"
            )
        self.classes_ = classes
        self.reference_class_ = None if self._symmetric() else classes[-1]
        return (
            Categorical(classes.size),
            None,
            np.searchsorted(classes, y).astype(float),
        )

    def _set_coefficients(self, Theta: Array, se: Array) -> None:
        i = int(self.fit_intercept)
        intercept = Theta[0].copy() if i else np.zeros(Theta.shape[1])
        if self._symmetric() and i and not self.penalize_intercept:
            intercept -= intercept.mean()
        self.intercept_, self.coef_ = intercept, Theta[i:].T.copy()
        self.intercept_stderr_ = se[0].copy() if i else np.full(Theta.shape[1], np.nan)
        self.coef_stderr_ = se[i:].T.copy()

    def _store_likelihood(
        self, objective: GLMObjective, Z: Array, target: Array
    ) -> tuple[Array, float]:
        self.log_likelihood_ = float(
            -objective.n * losses.cross_entropy(Z, objective.Y)
        )
        self.deviance_ = -2.0 * self.log_likelihood_
        return losses.softmax(Z, axis=1), 1.0

    @classmethod
    def from_weights(
        cls, coef: Any, intercept: Any, classes: Any = None
    ) -> SoftmaxLayer:
        """A layer holding given weights (k, d) and biases (k,), e.g. a trained
        network's output layer (chapter 9), as if fitted: it predicts, but has no
        likelihood or standard errors (``nan``)."""
        layer = cls()
        layer.coef_ = np.array(coef, dtype=float, ndmin=2)
        layer.intercept_ = np.asarray(intercept, dtype=float).ravel().copy()
        k = layer.coef_.shape[0]
        layer.classes_ = np.arange(k) if classes is None else np.asarray(classes)
        layer.n_features_in_ = layer.coef_.shape[1]
        layer.coef_stderr_ = np.full(layer.coef_.shape, np.nan)
        layer.intercept_stderr_ = np.full(k, np.nan)
        layer.log_likelihood_ = layer.deviance_ = float("nan")
        return layer

    def logits(self, X: Any) -> Array:
        """The :math:`k` logits :math:`Wx + b` of each row, (n, k)."""
        self._check_fitted()
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return X @ self.coef_.T + self.intercept_

    def decision_function(self, X: Any) -> Array:
        """scikit-learn's scores: the :math:`k` logits, or for two classes the single
        score
        :math:`z_2 - z_1` of ``classes_[1]`` against ``classes_[0]`` (shape (n,))."""
        Z = self.logits(X)
        return Z[:, 1] - Z[:, 0] if Z.shape[1] == 2 else Z

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities (n, k), columns in the order of ``classes_``: the softmax
        of the logits."""
        return losses.softmax(self.logits(X), axis=1)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        best = np.argmax(self.logits(X), axis=1)
        return self.classes_[best]
