r"""A multilayer perceptron in numpy, trained by backpropagation (chapter 9): hidden
layers :math:`a^{(l)} = f(W^{(l)} a^{(l-1)} + b^{(l)})`, :math:`a^{(0)} = x`, whose last
one is the learned features :math:`h(x;\gamma)`, then an output layer that is a GLM on
them (:eq:`ch9-mlp`), its activation the inverse link of the Bernoulli or categorical
family. The pieces: :class:`OutputLayer` (inverse link and canonical delta
:math:`\mu - y`) and :class:`MLP` here; the activations, the flat parameter ``Layout``,
``forward`` and ``backward`` (:eq:`ch9-backprop`) in :mod:`companion.backprop`; the
optimiser in :func:`companion.solvers.lbfgs`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import ThreadpoolController

from ._types import Array
from .backprop import ACTIVATIONS, Layout, backward, forward
from .families import Bernoulli, Categorical
from .layer import SoftmaxLayer
from .neurons import LogisticNeuron
from .solvers import gradient_descent, lbfgs
from .validation import Interval, Options, validate_params

# Training runs on single-threaded BLAS: the matrices are small, and numpy's and scipy's
# OpenBLAS pools alternating on shared cores made each L-BFGS iteration several times
# slower (as in companion.linalg).
_BLAS = ThreadpoolController()

__all__ = ["MLP", "OutputLayer", "ACTIVATIONS", "Layout", "forward", "backward"]


class OutputLayer:
    r"""The network's last layer: a GLM whose activation is its family's inverse link.

    ``Bernoulli()``: one output, :math:`\mu = \sigma(z)`; ``Categorical(k)``: :math:`k`
    outputs, :math:`\mu = \operatorname{softmax}(z)`. Both links are canonical, so the
    error signal at the output is the same for both, the family's score with its sign
    changed: :math:`\delta = \partial J/\partial z = (\mu - y)/N` (:eq:`ch4-grad`,
    :eq:`ch7-grad`).
    """

    def __init__(self, family: Bernoulli | Categorical) -> None:
        self.family = family

    @property
    def width(self) -> int:
        """The number of output units: 1, or :math:`k`."""
        return self.family.k if isinstance(self.family, Categorical) else 1

    def targets(self, labels: np.ndarray) -> Array:
        """Class indices ``0..k-1`` as (N, width) targets: ``y``, or one-hot rows."""
        labels = np.asarray(labels, dtype=int)
        if isinstance(self.family, Categorical):
            return np.eye(self.width)[labels]
        return labels[:, None].astype(float)

    def loss_and_delta(self, Z: Array, Y: Array) -> tuple[float, Array]:
        r"""The mean cross-entropy :math:`J = -\frac1N\sum_i \ell_i` at the logits ``Z``
        and :math:`\delta = \partial J/\partial Z = (\mu - y)/N`, from the family's row
        terms (one evaluation of the inverse link)."""
        if isinstance(self.family, Categorical):
            terms = self.family.derivatives(Y, Z)
        else:
            terms = self.family.canonical_derivatives(Y, Z)
        n = Z.shape[0]
        return -float(np.sum(terms.loglik)) / n, -terms.score / n

    def probabilities(self, Z: Array) -> Array:
        r"""Class probabilities (N, k) at the logits: the inverse link, and
        :math:`[1 - \mu, \mu]` for one output."""
        if isinstance(self.family, Categorical):
            return self.family.probabilities(Z[:, :-1] - Z[:, -1:])
        z = Z[:, 0]
        return np.column_stack([self.family.mean(-z), self.family.mean(z)])

    def glm(self, W: Array, b: Array, classes: Any) -> LogisticNeuron | SoftmaxLayer:
        """The layer as the companion's estimator holding the weights ``W`` (width, q)
        and biases ``b`` (``from_weights``)."""
        if isinstance(self.family, Categorical):
            return SoftmaxLayer.from_weights(W, b, classes)
        return LogisticNeuron.from_weights(W[0], float(b[0]), classes)


@dataclass(frozen=True)
class LayerSizes:
    """A parameter constraint: a tuple of positive integers (may be empty)."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, tuple) and all(
            isinstance(n, int | np.integer) and not isinstance(n, bool) and n >= 1
            for n in value
        )

    def __str__(self) -> str:
        return "a tuple of positive integers (the hidden layer sizes)"


class MLP(ClassifierMixin, BaseEstimator):
    r"""A multilayer perceptron classifier (chapter 9): hidden layers that compute
    :math:`h(x;\gamma)`, then a logistic (``output="sigmoid"``, two classes) or a
    softmax output layer on :math:`h`.

    Parameters: ``hidden`` (the hidden layer sizes; ``()``: no hidden layer, the GLM of
    chapter 8); ``activation`` (``"tanh"``, ``"relu"``, ``"sigmoid"``); ``output``;
    ``alpha`` (weight decay); ``solver`` (``"lbfgs"``, or the fixed-step ``"gd"`` of
    chapter 4); ``max_iter``; ``tol`` (training stops when the largest gradient
    component is at most ``tol``: a stationary point); ``learning_rate`` (of ``"gd"``);
    ``random_state`` (the seed of the initial weights).

    **Objective.** The mean cross-entropy plus weight decay, biases unpenalised:

    .. math:: J_\alpha(\theta) = -\frac1N\sum_{i=1}^N \ell_i(\theta)
              + \frac{\alpha}{2}\sum_l \lVert W^{(l)}\rVert_F^2 ,

    the book's convention and :class:`~companion.layer.SoftmaxLayer`'s, so that
    refitting the output layer on the frozen features with the same ``alpha`` is the
    same problem. scikit-learn's ``MLPClassifier`` divides its penalty by :math:`N`:
    its ``alpha`` is :math:`N` times ours.

    Attributes after ``fit``: ``classes_``; ``coefs_``, ``intercepts_`` (each layer's
    :math:`W^{(l)}` (n_out, n_in) and :math:`b^{(l)}`, the output layer last: the
    network's only state, which every prediction reads); ``loss_`` (:math:`J_\alpha`
    reached); ``log_likelihood_``; ``n_iter_``, ``converged_``, ``history_``.
    """

    parameter_constraints: ClassVar[dict[str, list[Any]]] = {
        "hidden": [LayerSizes()],
        "activation": [Options(tuple(ACTIVATIONS))],
        "output": [Options(("softmax", "sigmoid"))],
        "alpha": [Interval(float, 0, None)],
        "solver": [Options(("lbfgs", "gd"))],
        "max_iter": [Interval(int, 1, None)],
        "tol": [Interval(float, 0, None)],
        "learning_rate": [Interval(float, 0, None, closed="neither")],
        "random_state": [Interval(int, 0, None)],
    }

    def __init__(
        self,
        hidden: tuple[int, ...] = (16,),
        activation: str = "tanh",
        output: str = "softmax",
        alpha: float = 0.0,
        solver: str = "lbfgs",
        max_iter: int = 2000,
        tol: float = 1e-6,
        learning_rate: float = 0.1,
        random_state: int = 0,
    ) -> None:
        self.hidden = hidden
        self.activation = activation
        self.output = output
        self.alpha = alpha
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.random_state = random_state

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = self.output != "sigmoid"
        return tags

    def output_for(self, n_outputs: int) -> OutputLayer:
        """The output layer for ``n_outputs`` output units (1 for a sigmoid)."""
        if self.output == "sigmoid":
            return OutputLayer(Bernoulli())
        return OutputLayer(Categorical(n_outputs))

    def initial_parameters(self, n_features: int, n_outputs: int) -> Array:
        """Seeded Glorot-uniform weights, zero biases, flat (``Layout`` order)."""
        layout = Layout((n_features, *self.hidden, n_outputs))
        return layout.glorot(np.random.default_rng(self.random_state))

    def loss_and_gradient(
        self, theta: Array, X: Array, Y: Array
    ) -> tuple[float, Array]:
        r""":math:`J_\alpha(\theta)` and its gradient by backpropagation, for inputs
        ``X`` (N, d) and targets ``Y`` (N, m): one-hot rows (softmax output) or one
        column of 0/1 (sigmoid). ``theta`` is flat in ``Layout`` order:
        :math:`W^{(1)}, b^{(1)}, \dots, W^{(L)}, b^{(L)}`, each matrix row by row."""
        layout = Layout((X.shape[1], *self.hidden, Y.shape[1]))
        coefs, intercepts = layout.split(theta)
        act = ACTIVATIONS[self.activation]
        zs, acts, logits = forward(coefs, intercepts, X, act)
        loss, delta = self.output_for(Y.shape[1]).loss_and_delta(logits, Y)
        grad_coefs, grad_intercepts = backward(coefs, zs, acts, delta, act)
        for W, G in zip(coefs, grad_coefs, strict=True):
            loss += 0.5 * self.alpha * float(np.sum(W * W))
            G += self.alpha * W
        return loss, Layout.join(grad_coefs, grad_intercepts)

    def fit(self, X: Any, y: Any) -> MLP:
        r"""Train every weight by minimising :math:`J_\alpha`; returns ``self``."""
        validate_params(self)
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        self.classes_, labels = np.unique(y, return_inverse=True)
        k = self.classes_.size
        if k < 2:
            raise ValueError(
                f"MLP needs at least two classes; y has only 1 class: "
                f"{self.classes_.tolist()}"
            )
        if self.output == "sigmoid" and k != 2:
            raise ValueError(
                f"Only binary classification is supported. A sigmoid "
                f"output needs exactly two classes; y has {k}: use "
                "output='softmax'."
            )
        head = self.output_for(1 if self.output == "sigmoid" else k)
        Y = head.targets(labels)
        layout = Layout((X.shape[1], *self.hidden, head.width))
        theta0 = self.initial_parameters(X.shape[1], head.width)
        objective = lambda theta: self.loss_and_gradient(theta, X, Y)
        with _BLAS.limit(limits=1, user_api="blas"):
            if self.solver == "gd":
                result = gradient_descent(
                    objective, theta0, self.learning_rate, self.max_iter, self.tol
                )
            else:
                result = lbfgs(objective, theta0, self.max_iter, self.tol)
        coefs, intercepts = layout.split(result.beta)
        self.coefs_ = [W.copy() for W in coefs]
        self.intercepts_ = [b.copy() for b in intercepts]
        self.n_iter_, self.converged_ = result.n_iter, result.converged
        self.history_ = np.asarray(result.history)
        self.loss_ = float(result.history[-1])
        self.log_likelihood_ = -X.shape[0] * head.loss_and_delta(self.logits(X), Y)[0]
        return self

    def parameter_vector(self) -> Array:
        """The fitted weights as one flat vector (a copy, in ``Layout`` order)."""
        check_is_fitted(self, "coefs_")
        return Layout.join(self.coefs_, self.intercepts_)

    def _forward(self, X: Any) -> tuple[list[Array], list[Array], Array]:
        check_is_fitted(self, "coefs_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return forward(self.coefs_, self.intercepts_, X, ACTIVATIONS[self.activation])

    def features(self, X: Any) -> Array:
        r"""The learned features :math:`h(x;\gamma)`, the last hidden layer (``X``
        itself without hidden layers): what the output layer sees."""
        return self._forward(X)[1][-1]

    def logits(self, X: Any) -> Array:
        """The output layer's pre-activations, (N, 1) or (N, k)."""
        return self._forward(X)[2]

    def decision_function(self, X: Any) -> Array:
        """scikit-learn's scores: one per row for two classes, else the k logits."""
        Z = self.logits(X)
        if Z.shape[1] == 2:
            return Z[:, 1] - Z[:, 0]
        return Z[:, 0] if Z.shape[1] == 1 else Z

    def predict_proba(self, X: Any) -> Array:
        """Class probabilities (N, k), columns in the order of ``classes_``."""
        Z = self.logits(X)
        return self.output_for(Z.shape[1]).probabilities(Z)

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row."""
        best = np.argmax(self.predict_proba(X), axis=1)
        return self.classes_[best]

    def output_layer(self) -> LogisticNeuron | SoftmaxLayer:
        r"""The output layer as the companion's GLM on :math:`h(x;\gamma)` holding the
        network's last weights and biases, so that
        ``net.output_layer().predict_proba(net.features(X))`` is
        ``net.predict_proba(X)`` to rounding (chapter 9)."""
        check_is_fitted(self, "coefs_")
        W, b = self.coefs_[-1], self.intercepts_[-1]
        return self.output_for(W.shape[0]).glm(W, b, self.classes_)
