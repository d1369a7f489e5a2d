"""Numerically stable building blocks: log-sigmoid, softplus, log-sum-exp, softmax.

The naive formulas overflow: ``log(1 + exp(z))`` is ``inf`` for ``z > 709`` and ``1 / (1
+ exp(-z))`` warns for ``z < -709``. Every function here is exact in floating point for
arguments of any size (chapter 1 uses them for the log-partition functions, chapters 4
and 7 for the likelihoods).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

__all__ = [
    "softplus",
    "log_sigmoid",
    "sigmoid",
    "logsumexp",
    "softmax",
    "log_softmax",
    "entropy",
    "cross_entropy_between",
    "kl_divergence",
    "binary_cross_entropy",
    "logistic_loss_grad",
    "logistic_hessian",
    "cross_entropy",
    "softmax_loss_grad",
    "softmax_hessian",
]


def softplus(z: ArrayLike) -> NDArray[np.float64]:
    r"""Softplus, the Bernoulli log-partition: :math:`a(\eta) = \log(1 + e^{\eta})`
    (chapter 1).

    Computed as :math:`\max(z, 0) + \log(1 + e^{-|z|})`, which never overflows.
    """
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def log_sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    r"""Log of the sigmoid: :math:`\log \sigma(z) = -\operatorname{softplus}(-z)`
    (chapters 1 and 4)."""
    return -softplus(-np.asarray(z, dtype=float))


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    r"""The sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, the inverse of the logit link
    (chapters 1 and 2).

    Uses :math:`e^{-|z|}` only, so neither branch overflows:
    :math:`\sigma(z) = 1/(1+e^{-z})` for :math:`z \ge 0` and :math:`e^{z}/(1+e^{z})` for
    :math:`z < 0`.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def logsumexp(z: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    r"""Log-sum-exp :math:`\log \sum_j e^{z_j}` along ``axis`` (chapters 1, 5 and 7).

    Shifts by the maximum :math:`m`: :math:`m + \log\big(1 + \sum_{j \ne j^*} e^{z_j -
    m}\big)`, where :math:`j^*` is the position of the maximum, so no exponential
    exceeds 1, and ``log1p`` keeps full relative accuracy when the other terms are tiny.
    A slice whose entries are all :math:`-\infty` gives :math:`-\infty`, one containing
    :math:`+\infty` gives :math:`+\infty`, without warnings.
    """
    z = np.asarray(z, dtype=float)
    top = np.expand_dims(np.argmax(z, axis=axis), axis)
    m = np.take_along_axis(z, top, axis=axis)
    finite = np.isfinite(m)
    shift = np.where(finite, m, 0.0)
    e = np.exp(z - shift)
    np.put_along_axis(e, top, 0.0, axis=axis)
    out = np.where(finite, shift + np.log1p(np.sum(e, axis=axis, keepdims=True)), m)
    return np.squeeze(out, axis=axis)


def _shifted(z: NDArray[np.float64], axis: int) -> NDArray[np.float64]:
    """``z`` minus its maximum along ``axis`` (exact for nearby values), so every
    exponent is <= 0."""
    m = np.max(z, axis=axis, keepdims=True)
    return z - np.where(np.isfinite(m), m, 0.0)


def log_softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    r"""Log-softmax :math:`z_i - \log\sum_j e^{z_j}` along ``axis`` (chapter 7),
    computed as :math:`s_i - \log\sum_j e^{s_j}` with :math:`s = z - \max_j z_j`: no
    overflow, and no cancellation between two large numbers when the logits are large.
    """
    s = _shifted(np.asarray(z, dtype=float), axis)
    return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))


def softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    r"""Softmax :math:`e^{z_i} / \sum_j e^{z_j}` along ``axis``, the inverse canonical
    link of the categorical family (chapters 1 and 5). Computed as :math:`e^{s_i}/\sum_j
    e^{s_j}` with :math:`s = z - \max_j z_j`, so it never overflows and is accurate to a
    few units in the last place."""
    e = np.exp(_shifted(np.asarray(z, dtype=float), axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def entropy(p: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    r"""Entropy :math:`H(p) = -\sum_c p_c \log p_c` of distributions along ``axis``
    (chapter 4), in nats, with :math:`0 \log 0 = 0`."""
    p = np.asarray(p, dtype=float)
    return -np.sum(special.xlogy(p, p), axis=axis)


def cross_entropy_between(
    p: ArrayLike, q: ArrayLike, axis: int = -1
) -> NDArray[np.float64]:
    r"""Cross-entropy :math:`H(p, q) = -\sum_c p_c \log q_c` of distribution :math:`q`
    relative to
    :math:`p` along ``axis`` (chapter 4), with :math:`0 \log q = 0`; ``inf`` where
    :math:`q_c = 0 < p_c`."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    with np.errstate(divide="ignore"):
        return -np.sum(special.xlogy(p, q), axis=axis)


def kl_divergence(p: ArrayLike, q: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    r"""Kullback-Leibler divergence along ``axis`` (chapter 4),

    .. math::

        D_{\mathrm{KL}}(p \,\Vert\, q) = \sum_c p_c \log\frac{p_c}{q_c}
        = H(p, q) - H(p) \ge 0,

    computed term by term with ``scipy.special.rel_entr`` so that no cancellation
    between :math:`H(p, q)` and :math:`H(p)` occurs."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return np.sum(special.rel_entr(p, q), axis=axis)


def binary_cross_entropy(z: ArrayLike, y: ArrayLike) -> float:
    r"""Mean binary cross-entropy of labels :math:`y \in \{0,1\}` and logits :math:`z =
    \theta^\top x` (chapter 4):

    .. math::

        J &= -\frac1N \sum_i \big[y_i \log\sigma(z_i) + (1-y_i)\log(1-\sigma(z_i))\big]
        \\
          &= \frac1N \sum_i \big[\operatorname{softplus}(z_i) - y_i z_i\big],

    the negative Bernoulli log-likelihood per observation, computed without overflow.
    """
    z = np.asarray(z, dtype=float)
    return float(np.mean(softplus(z) - np.asarray(y, dtype=float) * z))


def logistic_loss_grad(
    theta: ArrayLike, X: ArrayLike, y: ArrayLike
) -> tuple[float, NDArray[np.float64]]:
    r"""The loss :math:`J(\theta)` and its gradient :math:`\nabla J =
    X^\top(\sigma(X\theta) - y)/N` (chapter 4)."""
    X = np.asarray(X, dtype=float)
    z = X @ np.asarray(theta, dtype=float)
    y = np.asarray(y, dtype=float)
    return binary_cross_entropy(z, y), X.T @ (sigmoid(z) - y) / X.shape[0]


def logistic_hessian(theta: ArrayLike, X: ArrayLike) -> NDArray[np.float64]:
    r"""The Hessian :math:`\nabla^2 J = X^\top \operatorname{diag}(\sigma(1-\sigma)) X /
    N`, a
    :math:`p \times p` matrix formed without the :math:`N \times N` diagonal (chapter
    4)."""
    X = np.asarray(X, dtype=float)
    z = X @ np.asarray(theta, dtype=float)
    w = sigmoid(z) * sigmoid(-z)
    return (X * w[:, None]).T @ X / X.shape[0]


def cross_entropy(Z: ArrayLike, Y: ArrayLike) -> float:
    r"""Mean cross-entropy of one-hot labels ``Y`` (n x k) and logits ``Z`` (n x k)
    (chapter 7):

    .. math:: J = -\frac1N \sum_i \sum_c Y_{ic} \log \operatorname{softmax}(z_i)_c
                = \frac1N \sum_i \Big[\log\sum_c e^{z_{ic}} - z_{i y_i}\Big],

    the negative categorical log-likelihood per observation, computed with log-sum-exp.
    """
    Z = np.asarray(Z, dtype=float)
    return float(
        np.mean(logsumexp(Z, axis=1) - np.sum(np.asarray(Y, dtype=float) * Z, axis=1))
    )


def _reference_logits(
    Theta: NDArray[np.float64], X: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Logits n x k from the reference-class parameters Theta (p x (k-1)); the last
    class has logit 0."""
    Z = X @ Theta
    return np.column_stack([Z, np.zeros(X.shape[0])])


def softmax_loss_grad(
    theta: ArrayLike, X: ArrayLike, Y: ArrayLike
) -> tuple[float, NDArray[np.float64]]:
    r"""Cross-entropy and its gradient for softmax regression with the last class as
    reference (chapter 7).

    ``theta`` is the flattened p x (k-1) matrix :math:`\Theta` (column :math:`c` holds
    class :math:`c`'s weights, read column after column); ``Y`` is one-hot, n x k. The
    gradient with respect to class :math:`c`'s weights is :math:`X^\top(\phi_{\cdot c} -
    Y_{\cdot c})/N`: (softmax - one_hot) times x.
    """
    X = np.asarray(X, dtype=float)
    Y = np.asarray(Y, dtype=float)
    k = Y.shape[1]
    Theta = np.asarray(theta, dtype=float).reshape(X.shape[1], k - 1, order="F")
    Z = _reference_logits(Theta, X)
    P = softmax(Z, axis=1)
    grad = X.T @ (P[:, : k - 1] - Y[:, : k - 1]) / X.shape[0]
    return cross_entropy(Z, Y), grad.ravel(order="F")


def softmax_hessian(
    theta: ArrayLike, X: ArrayLike, k: int, chunk: int = 16_384
) -> NDArray[np.float64]:
    r"""Hessian of the mean cross-entropy in the reference-class parameterisation
    (chapter 7).

    Block :math:`(a, b)` is :math:`X^\top \operatorname{diag}\big(\phi_a(\delta_{ab} -
    \phi_b)\big) X / N`, the Kronecker structure of :math:`\operatorname{diag}(\phi) -
    \phi\phi^\top` with :math:`x x^\top`. With :math:`B = [\phi_1 \circ X, \dots,
    \phi_{k-1} \circ X]` (each column of :math:`X` scaled by a class probability) it is
    :math:`\operatorname{blockdiag}(X^\top B) - B^\top B`, accumulated over chunks of
    ``chunk`` rows (two products per chunk): temporaries of size ``chunk`` x
    :math:`(k-1)p`, never an :math:`N \times k \times k` array.
    """
    X = np.asarray(X, dtype=float)
    n, p = X.shape
    m = (k - 1) * p
    Theta = np.asarray(theta, dtype=float).reshape(p, k - 1, order="F")
    H = np.zeros((m, m))
    for start in range(0, n, chunk):
        Xc = X[start : start + chunk]
        P = softmax(_reference_logits(Theta, Xc), axis=1)[:, : k - 1]
        B = (P[:, :, None] * Xc[:, None, :]).reshape(
            Xc.shape[0], m
        )  # class-major blocks of p columns
        H -= B.T @ B
        XtB = Xc.T @ B
        for a in range(k - 1):
            H[a * p : (a + 1) * p, a * p : (a + 1) * p] += XtB[:, a * p : (a + 1) * p]
    return H / n
