"""Numerically stable building blocks: log-sigmoid, softplus, log-sum-exp, softmax.

The naive formulas overflow: ``log(1 + exp(z))`` is ``inf`` for ``z > 709`` and ``1 / (1 + exp(-z))``
warns for ``z < -709``. Every function here is exact in floating point for arguments of any size
(chapter 1 uses them for the log-partition functions, chapters 4 and 7 for the likelihoods).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "softplus",
    "log_sigmoid",
    "sigmoid",
    "logsumexp",
    "softmax",
    "log_softmax",
]


def softplus(z: ArrayLike) -> NDArray[np.float64]:
    r"""Softplus, the Bernoulli log-partition: :math:`a(\eta) = \log(1 + e^{\eta})` (chapter 1).

    Computed as :math:`\max(z, 0) + \log(1 + e^{-|z|})`, which never overflows.
    """
    z = np.asarray(z, dtype=float)
    return np.maximum(z, 0.0) + np.log1p(np.exp(-np.abs(z)))


def log_sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    r"""Log of the sigmoid: :math:`\log \sigma(z) = -\operatorname{softplus}(-z)` (chapters 1 and 4)."""
    return -softplus(-np.asarray(z, dtype=float))


def sigmoid(z: ArrayLike) -> NDArray[np.float64]:
    r"""The sigmoid :math:`\sigma(z) = 1 / (1 + e^{-z})`, the inverse of the logit link (chapters 1 and 2).

    Uses :math:`e^{-|z|}` only, so neither branch overflows:
    :math:`\sigma(z) = 1/(1+e^{-z})` for :math:`z \ge 0` and :math:`e^{z}/(1+e^{z})` for :math:`z < 0`.
    """
    z = np.asarray(z, dtype=float)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def logsumexp(z: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    r"""Log-sum-exp :math:`\log \sum_j e^{z_j}` along ``axis`` (chapters 1, 5 and 7).

    Shifts by the maximum :math:`m`: :math:`m + \log\big(1 + \sum_{j \ne j^*} e^{z_j - m}\big)`, where
    :math:`j^*` is the position of the maximum, so no exponential exceeds 1, and ``log1p`` keeps full
    relative accuracy when the other terms are tiny. A slice whose entries are all :math:`-\infty`
    gives :math:`-\infty`, one containing :math:`+\infty` gives :math:`+\infty`, without warnings.
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


def log_softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    r"""Log-softmax :math:`z_i - \log\sum_j e^{z_j}` along ``axis`` (chapter 7)."""
    z = np.asarray(z, dtype=float)
    return z - np.expand_dims(logsumexp(z, axis=axis), axis)


def softmax(z: ArrayLike, axis: int = -1) -> NDArray[np.float64]:
    r"""Softmax :math:`e^{z_i} / \sum_j e^{z_j}` along ``axis``, the inverse canonical link of the
    categorical family (chapters 1 and 5). Computed from :func:`log_softmax`, so it never overflows."""
    return np.exp(log_softmax(z, axis=axis))
