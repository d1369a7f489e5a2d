r"""The categorical family (chapter 5): one trial of a multinomial over ``k`` classes,
the vector exponential family behind softmax regression (chapters 5 to 7)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ._types import Array, RowTerms
from .losses import logsumexp, softmax

__all__ = ["Categorical"]


def _float(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=float)


class Categorical:
    r"""The categorical distribution (a multinomial with one trial) over ``k`` classes
    (chapter 5).

    With class :math:`k` as reference, :math:`T(y)` is the one-hot vector without its
    last entry, :math:`\eta_c = \log(\mu_c/\mu_k)` and :math:`a(\eta) = \log(1 +
    \sum_{c<k} e^{\eta_c})`, so that :math:`\nabla a = (\mu_1, \dots, \mu_{k-1})` and
    :math:`\nabla^2 a = \operatorname{diag}(\mu) - \mu\mu^\top` (:eq:`ch5-moments`); the
    inverse canonical link is the softmax of :math:`(\eta, 0)`. Arrays of natural
    parameters have ``k - 1`` entries on their last axis.
    """

    name = "categorical"

    def __init__(self, k: int):
        if isinstance(k, bool) or int(k) != k or k < 2:
            raise ValueError(
                "a categorical family needs an integer number of classes k >= 2; got "
                f"{k!r}"
            )
        self.k = int(k)

    def full(self, eta: ArrayLike) -> Array:
        """``eta`` with the reference class's natural parameter, 0, appended."""
        eta = _float(eta)
        if eta.shape[-1:] != (self.k - 1,):
            raise ValueError(
                f"natural parameters of a {self.k}-class family have {self.k - 1} "
                f"entries on the last axis; got shape {eta.shape}"
            )
        return np.concatenate([eta, np.zeros(eta.shape[:-1] + (1,))], axis=-1)

    def sufficient_statistic(self, y: ArrayLike) -> Array:
        """One-hot encoding of class indices ``0..k-1`` without the reference (last)
        column."""
        y = np.asarray(y)
        if not np.all((y == np.floor(y)) & (y >= 0) & (y < self.k)):
            raise ValueError(
                f"categorical responses must be class indices 0..{self.k - 1}"
            )
        return np.eye(self.k)[y.astype(int)][..., : self.k - 1]

    def log_partition(self, eta: ArrayLike) -> Array:
        return logsumexp(self.full(eta), axis=-1)

    def mean(self, eta: ArrayLike) -> Array:
        r""":math:`\nabla a(\eta)`: the probabilities of the first ``k - 1`` classes."""
        return softmax(self.full(eta), axis=-1)[..., : self.k - 1]

    def probabilities(self, eta: ArrayLike) -> Array:
        """All ``k`` class probabilities: the inverse canonical link, the softmax of
        ``(eta, 0)``."""
        return softmax(self.full(eta), axis=-1)

    def variance(self, eta: ArrayLike) -> Array:
        r""":math:`\nabla^2 a(\eta) = \operatorname{diag}(\mu) - \mu\mu^\top` over the
        first ``k - 1``."""
        mu = self.mean(eta)
        return (
            np.einsum("...i,ij->...ij", mu, np.eye(self.k - 1))
            - mu[..., :, None] * mu[..., None, :]
        )

    def log_pdf(self, y: ArrayLike, eta: ArrayLike) -> Array:
        r""":math:`\log p(y;\eta) = \eta^\top T(y) - a(\eta)` (:math:`c = 0`)."""
        return np.sum(
            _float(eta) * self.sufficient_statistic(y), axis=-1
        ) - self.log_partition(eta)

    def derivatives(self, Y: Array, Z: Array) -> RowTerms:
        r"""Rows of one-hot labels ``Y`` and logits ``Z`` (N, k): :math:`\ell_i =
        z_{iy_i} - \log\sum_c e^{z_{ic}}`, score :math:`u_i = y_i - \mu_i`, information
        :math:`\operatorname{diag}(\mu_i) - \mu_i\mu_i^\top` (chapter 7,
        :eq:`ch7-grad`), one softmax per row."""
        top = np.max(Z, axis=1, keepdims=True)
        e = np.exp(Z - top)
        total = np.sum(e, axis=1, keepdims=True)
        P = e / total
        loglik = np.sum(Y * (Z - top), axis=1) - np.log(total[:, 0])
        return RowTerms(loglik, Y - P, P, P)

    def __repr__(self) -> str:
        return f"Categorical(k={self.k})"
