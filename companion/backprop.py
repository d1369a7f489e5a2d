r"""Backpropagation (chapter 9): the forward pass of a multilayer perceptron through its
hidden layers, and the chain rule applied layer by layer from the output back to the
input, :math:`\delta^{(l-1)} = (W^{(l)\top}\delta^{(l)}) \circ f'(z^{(l-1)})`, with
the derivative taken at the layer's input (:eq:`ch9-mlp`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import losses
from ._types import Array

__all__ = ["Activation", "ACTIVATIONS", "Layout", "forward", "backward"]


@dataclass(frozen=True)
class Activation:
    """A hidden-layer nonlinearity :math:`a = f(z)` and its derivative :math:`f'(z)`,
    written through ``(z, a)`` so that it costs no second evaluation of :math:`f`."""

    name: str
    f: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array]


ACTIVATIONS = {
    "tanh": Activation("tanh", np.tanh, lambda z, a: 1.0 - a * a),
    "relu": Activation(
        "relu", lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(float)
    ),
    "sigmoid": Activation("sigmoid", losses.sigmoid, lambda z, a: a * (1.0 - a)),
}


class Layout:
    r"""Where each weight of a network with layer sizes ``(d, n_1, ..., m)`` sits in the
    flat vector :math:`\theta` that the optimisers see: layer after layer, first
    :math:`W^{(l)}` (``n_l x n_{l-1}``, row by row), then :math:`b^{(l)}`; the output
    layer last."""

    def __init__(self, sizes: Sequence[int]) -> None:
        self.sizes = tuple(int(s) for s in sizes)
        pairs = zip(self.sizes[:-1], self.sizes[1:], strict=True)
        self.shapes = [(n_out, n_in) for n_in, n_out in pairs]
        self.size = sum(o * i + o for o, i in self.shapes)

    def split(self, theta: Array) -> tuple[list[Array], list[Array]]:
        """The weight matrices and bias vectors of ``theta``, as views (no copy)."""
        if np.shape(theta) != (self.size,):
            raise ValueError(
                f"a network with layer sizes {self.sizes} has {self.size} "
                f"parameters; theta has shape {np.shape(theta)}"
            )
        coefs, intercepts, start = [], [], 0
        for n_out, n_in in self.shapes:
            coefs.append(theta[start : start + n_out * n_in].reshape(n_out, n_in))
            start += n_out * n_in
            intercepts.append(theta[start : start + n_out])
            start += n_out
        return coefs, intercepts

    @staticmethod
    def join(coefs: Sequence[Array], intercepts: Sequence[Array]) -> Array:
        """The flat vector of the given weights and biases (inverse of ``split``)."""
        pairs = zip(coefs, intercepts, strict=True)
        return np.concatenate([np.r_[np.ravel(W), b] for W, b in pairs])

    def glorot(self, rng: np.random.Generator) -> Array:
        r"""Glorot-uniform weights :math:`U(-r, r)`,
        :math:`r = \sqrt{6/(n_{in} + n_{out})}`, and zero biases."""
        coefs = [
            rng.uniform(-1.0, 1.0, size=(o, i)) * np.sqrt(6.0 / (i + o))
            for o, i in self.shapes
        ]
        return self.join(coefs, [np.zeros(o) for o, _ in self.shapes])


def forward(
    coefs: Sequence[Array],
    intercepts: Sequence[Array],
    X: Array,
    activation: Activation,
) -> tuple[list[Array], list[Array], Array]:
    r"""The forward pass, one row per observation: the hidden pre-activations
    :math:`z^{(l)}`, the activations :math:`a^{(l)}` (``acts[0]`` is ``X``, ``acts[-1]``
    is :math:`h(x;\gamma)`) and the output logits :math:`z^{(L)}`."""
    zs, acts = [], [X]
    for W, b in zip(coefs[:-1], intercepts[:-1], strict=True):
        zs.append(acts[-1] @ W.T + b)
        acts.append(activation.f(zs[-1]))
    return zs, acts, acts[-1] @ coefs[-1].T + intercepts[-1]


def backward(
    coefs: Sequence[Array],
    zs: list[Array],
    acts: list[Array],
    delta: Array,
    activation: Activation,
) -> tuple[list[Array], list[Array]]:
    r"""Backpropagation (:eq:`ch9-backprop`): from :math:`\delta^{(L)} = \partial
    J/\partial z^{(L)}`, for :math:`l = L, \dots, 1`,

    .. math:: \frac{\partial J}{\partial W^{(l)}} = \sum_i \delta^{(l)}_i
              a^{(l-1)\top}_i, \quad \frac{\partial J}{\partial b^{(l)}} = \sum_i
              \delta^{(l)}_i, \quad \delta^{(l-1)} = \big(W^{(l)\top}\delta^{(l)}\big)
              \circ f'\big(z^{(l-1)}\big),

    the derivative taken at the *input* of layer :math:`l` (in rows: ``delta @ W``)."""
    grad_coefs, grad_intercepts = [], []
    for layer in range(len(coefs) - 1, -1, -1):
        grad_coefs.append(delta.T @ acts[layer])
        grad_intercepts.append(delta.sum(axis=0))
        if layer > 0:
            f_prime = activation.derivative(zs[layer - 1], acts[layer])
            delta = (delta @ coefs[layer]) * f_prime
    return grad_coefs[::-1], grad_intercepts[::-1]
