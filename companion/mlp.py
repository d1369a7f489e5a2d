r"""A small multilayer perceptron in numpy, trained by backpropagation (chapter 9).

The network maps an input :math:`x` through hidden layers :math:`a^{(l)} = f(W^{(l)} a^{(l-1)} + b^{(l)})`,
:math:`a^{(0)} = x`, to its last hidden layer, the learned features :math:`h(x;\gamma)`, and ends with the
output layer of chapters 3 and 6 on those features:

.. math:: P(y = c \mid x) = \operatorname{softmax}\big(W h(x;\gamma) + b\big)_c
          \quad\text{or}\quad P(y = 1 \mid x) = \sigma\big(w^\top h(x;\gamma) + b\big).

That last layer is a softmax (or logistic) regression whose inputs are :math:`h(x;\gamma)` instead of
fixed features :math:`\phi(x)`; :math:`\gamma` collects the weights of the hidden layers. Training
minimises the same cross-entropy as chapters 4 and 7 over all weights at once, with the gradient computed
by backpropagation (the chain rule applied layer by layer, from the output back to the input).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import losses, solvers
from .neurons import _Estimator, check_X, check_X_y
from .solvers import ConvergenceWarning

__all__ = ["MLP", "ACTIVATIONS"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Activation:
    """A hidden-layer nonlinearity :math:`f` and its derivative written through :math:`a = f(z)` and ``z``."""

    name: str
    f: Callable[[Array], Array]
    deriv: Callable[[Array, Array], Array]  #: f'(z), computed from (z, a)


ACTIVATIONS = {
    "tanh": Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a),
    "relu": Activation("relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float)),
    "sigmoid": Activation("sigmoid", losses.sigmoid, lambda z, a: a * (1.0 - a)),
}


class MLP(_Estimator):
    r"""A multilayer perceptron classifier: hidden layers, then a softmax (or sigmoid) output layer (chapter 9).

    **Parameters**

    ``hidden``
        sizes of the hidden layers, e.g. ``(16, 2)``; the last one is the dimension of :math:`h(x;\gamma)`.
    ``activation``
        ``"tanh"``, ``"relu"`` or ``"sigmoid"``, for every hidden layer.
    ``output``
        ``"softmax"`` (:math:`k` output units, any number of classes) or ``"sigmoid"`` (one output unit, two
        classes: the network ends in the logistic neuron of chapter 3).
    ``alpha``
        weight decay: the fit minimises :math:`-\ell + \frac{\alpha}{2}\sum_l \|W^{(l)}\|_F^2` (biases are not
        penalised), a Gaussian prior on the weights as in scikit-learn's ``MLPClassifier``. The default 0 is
        plain maximum likelihood, like every other estimator of the book. A flexible network may then keep
        improving for ever by sharpening its features (its likelihood has no maximum, as under separation
        in chapter 4), so ``max_iter`` acts as a training budget (chapter 9).
    ``solver``
        ``"lbfgs"`` (scipy's L-BFGS-B on the backpropagated gradient, the default) or ``"gd"`` (the
        fixed-step gradient descent of chapter 4, :func:`companion.solvers.gradient_descent`).
    ``max_iter``, ``tol``, ``learning_rate``
        iteration limit, gradient tolerance, and step of ``"gd"``.
    ``seed``
        seed of the random initial weights (Glorot-uniform), so a fit is reproducible.

    **Attributes** (after ``fit``)

    ``classes_``
        the labels, sorted.
    ``coefs_``, ``intercepts_``
        weight matrices (``n_out x n_in``) and biases of every layer, the output layer last.
    ``loss_``, ``log_likelihood_``
        the mean cross-entropy reached (without the weight decay), and minus :math:`N` times it.
    ``n_iter_``, ``converged_``, ``history_``
        as the other estimators (``history_`` holds the penalised objective that was minimised).
    """

    _param_names = ("hidden", "activation", "output", "alpha", "solver", "max_iter", "tol", "learning_rate", "seed")

    def __init__(
        self,
        hidden: tuple[int, ...] = (16,),
        activation: str = "tanh",
        output: str = "softmax",
        alpha: float = 0.0,
        solver: str = "lbfgs",
        max_iter: int = 5000,
        tol: float = 1e-6,
        learning_rate: float = 0.1,
        seed: int = 0,
    ):
        self.hidden = hidden
        self.activation = activation
        self.output = output
        self.alpha = alpha
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate = learning_rate
        self.seed = seed

    # -- the parameters, as a list of layers and as one flat vector for the optimiser
    def _shapes(self, d: int, k_out: int) -> list[tuple[int, int]]:
        sizes = [d, *self.hidden, k_out]
        return [(sizes[i + 1], sizes[i]) for i in range(len(sizes) - 1)]

    def _unflatten(self, theta: Array) -> list[tuple[Array, Array]]:
        layers, start = [], 0
        for n_out, n_in in self._layer_shapes:
            W = theta[start : start + n_out * n_in].reshape(n_out, n_in)
            start += n_out * n_in
            layers.append((W, theta[start : start + n_out]))
            start += n_out
        return layers

    @staticmethod
    def _flatten(layers: list[tuple[Array, Array]]) -> Array:
        return np.concatenate([np.r_[W.ravel(), b] for W, b in layers])

    def _initial(self, rng: np.random.Generator) -> Array:
        """Glorot-uniform weights :math:`U(-r, r)`, :math:`r = \\sqrt{6/(n_{in} + n_{out})}`, zero biases."""
        layers = []
        for n_out, n_in in self._layer_shapes:
            r = np.sqrt(6.0 / (n_in + n_out))
            layers.append((rng.uniform(-r, r, size=(n_out, n_in)), np.zeros(n_out)))
        return self._flatten(layers)

    # -- forward and backward passes
    def _forward(self, theta: Array, X: Array) -> tuple[list[Array], list[Array], Array]:
        """Pre-activations ``zs`` and activations ``acts`` of the hidden layers (``acts[0]`` is ``X``), and
        the output logits."""
        act = ACTIVATIONS[self.activation]
        layers = self._unflatten(theta)
        acts, zs = [X], []
        for W, b in layers[:-1]:
            z = acts[-1] @ W.T + b
            zs.append(z)
            acts.append(act.f(z))
        W, b = layers[-1]
        return zs, acts, acts[-1] @ W.T + b

    def _loss_grad(self, theta: Array, X: Array, Y: Array) -> tuple[float, Array]:
        r"""Mean cross-entropy plus the weight decay :math:`\frac{\alpha}{2N}\sum_l\|W^{(l)}\|^2`, and its
        gradient by backpropagation.

        At the output, :math:`\partial J/\partial z = (\hat p - y)/N` (chapters 4 and 7: softmax minus one-hot);
        then for each layer from the last to the first, :math:`\partial J/\partial W = \delta^\top a_{\text{in}}`,
        :math:`\partial J/\partial b = \sum \delta`, and :math:`\delta \leftarrow (\delta W) \circ f'(z)`.
        """
        act = ACTIVATIONS[self.activation]
        layers = self._unflatten(theta)
        zs, acts, logits = self._forward(theta, X)
        n = X.shape[0]
        if self.output == "sigmoid":
            z = logits[:, 0]
            loss = losses.binary_cross_entropy(z, Y[:, 0])
            delta = (losses.sigmoid(z) - Y[:, 0])[:, None] / n
        else:
            loss = losses.cross_entropy(logits, Y)
            delta = (losses.softmax(logits, axis=1) - Y) / n
        decay = self.alpha / n
        grads = []
        for i in range(len(layers) - 1, -1, -1):
            W, _ = layers[i]
            grads.append((delta.T @ acts[i] + decay * W, delta.sum(axis=0)))
            loss += 0.5 * decay * float(np.sum(W * W))
            if i > 0:
                delta = (delta @ W) * act.deriv(zs[i - 1], acts[i])
        return loss, self._flatten(grads[::-1])

    def _cross_entropy(self, theta: Array, X: Array, Y: Array) -> float:
        """The mean cross-entropy alone, without the weight decay."""
        logits = self._forward(theta, X)[2]
        if self.output == "sigmoid":
            return losses.binary_cross_entropy(logits[:, 0], Y[:, 0])
        return losses.cross_entropy(logits, Y)

    # -- fitting
    def fit(self, X: ArrayLike, y: ArrayLike) -> "MLP":
        """Train all weights by minimising the cross-entropy; returns ``self``."""
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}; got {self.activation!r}")
        if self.output not in ("softmax", "sigmoid"):
            raise ValueError(f"output must be 'softmax' or 'sigmoid'; got {self.output!r}")
        if self.solver not in ("lbfgs", "gd"):
            raise ValueError(f"solver must be 'lbfgs' or 'gd'; got {self.solver!r}")
        if not self.alpha >= 0:
            raise ValueError(f"alpha must be >= 0; got {self.alpha!r}")
        if not self.hidden or any(int(h) != h or h < 1 for h in self.hidden):
            raise ValueError(f"hidden must be a non-empty tuple of positive layer sizes; got {self.hidden!r}")
        X, y = check_X_y(X, y)
        self.classes_ = np.unique(y)
        k = self.classes_.size
        if k < 2:
            raise ValueError(f"MLP needs at least two classes; y has only {self.classes_.tolist()}")
        if self.output == "sigmoid" and k != 2:
            raise ValueError(f"a sigmoid output needs exactly two classes; y has {k}. Use output='softmax'.")
        labels = np.searchsorted(self.classes_, y)
        Y = labels[:, None].astype(float) if self.output == "sigmoid" else np.eye(k)[labels]
        self.n_features_in_ = X.shape[1]
        self._layer_shapes = self._shapes(X.shape[1], Y.shape[1])
        theta0 = self._initial(np.random.default_rng(self.seed))
        objective = lambda theta: self._loss_grad(theta, X, Y)  # noqa: E731
        if self.solver == "gd":
            result = solvers.gradient_descent(objective, theta0, self.learning_rate, self.max_iter, self.tol)
            theta, self.n_iter_, self.converged_, history = result.theta, result.n_iter, result.converged, result.history
        else:
            theta, self.n_iter_, self.converged_, history = self._lbfgs(objective, theta0)
        layers = self._unflatten(theta)
        self.coefs_ = [W.copy() for W, _ in layers]
        self.intercepts_ = [b.copy() for _, b in layers]
        self.history_ = np.asarray(history)
        self.loss_ = self._cross_entropy(theta, X, Y)
        self.log_likelihood_ = -X.shape[0] * self.loss_
        self._theta = theta
        return self

    def _lbfgs(self, objective, theta0: Array) -> tuple[Array, int, bool, list[float]]:
        from scipy.optimize import minimize

        history = [objective(theta0)[0]]
        res = minimize(objective, theta0, jac=True, method="L-BFGS-B", callback=lambda xk: history.append(objective(xk)[0]),
                       options={"maxiter": self.max_iter, "gtol": self.tol, "ftol": 1e-15, "maxcor": 20})
        if not res.success:
            warnings.warn(f"L-BFGS stopped before convergence after {res.nit} iterations: {res.message}",
                          ConvergenceWarning, stacklevel=3)
        return res.x, int(res.nit), bool(res.success), history

    # -- using the network
    def _check_fitted(self) -> None:
        if not hasattr(self, "coefs_"):
            raise AttributeError("this MLP is not fitted yet; call fit(X, y) first")

    def features(self, X: ArrayLike) -> Array:
        r"""The last hidden layer :math:`h(x;\gamma)`: the learned features the output layer sees."""
        self._check_fitted()
        return self._forward(self._theta, check_X(X, self.n_features_in_))[1][-1]

    def decision_function(self, X: ArrayLike) -> Array:
        """The output layer's logits: ``(n, k)`` for a softmax output, ``(n,)`` for a sigmoid one."""
        self._check_fitted()
        logits = self._forward(self._theta, check_X(X, self.n_features_in_))[2]
        return logits[:, 0] if self.output == "sigmoid" else logits

    def predict_proba(self, X: ArrayLike) -> Array:
        """Class probabilities, ``(n, k)``, columns in the order of ``classes_``."""
        z = self.decision_function(X)
        if self.output == "sigmoid":
            return np.column_stack([losses.sigmoid(-z), losses.sigmoid(z)])
        return losses.softmax(z, axis=1)

    def predict(self, X: ArrayLike) -> np.ndarray:
        """The most probable class of each row."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def output_layer(self):
        r"""The network's output layer as the companion's GLM estimator on the features :math:`h(x;\gamma)`:
        a :class:`~companion.neurons.SoftmaxLayer` (or, for a sigmoid output, a
        :class:`~companion.neurons.LogisticNeuron`) carrying the network's last weights and biases, so that
        ``net.output_layer().predict_proba(net.features(X))`` is ``net.predict_proba(X)`` (chapter 9). Its
        weights were trained with the rest of the network, not fitted by the estimator, so it has no
        standard errors or log-likelihood."""
        from .neurons import LogisticNeuron, SoftmaxLayer

        self._check_fitted()
        W, b = self.coefs_[-1], self.intercepts_[-1]
        layer = LogisticNeuron() if self.output == "sigmoid" else SoftmaxLayer()
        layer.classes_, layer.n_features_in_ = self.classes_, W.shape[1]
        layer.coef_, layer.intercept_ = (W[0].copy(), float(b[0])) if self.output == "sigmoid" else (W.copy(), b.copy())
        return layer

    @property
    def n_parameters_(self) -> int:
        """The number of weights and biases of the whole network."""
        self._check_fitted()
        return int(sum(W.size + b.size for W, b in zip(self.coefs_, self.intercepts_)))
