r"""The exponential family as an abstract class (chapters 1 and 8): what every scalar
family of the book provides, and the one routine a fit needs from it,
:meth:`Family.derivatives` (each row's log-likelihood, score and weight). The concrete
families are in :mod:`companion.families`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from numpy.typing import ArrayLike

from ._types import Array, RowTerms
from .links import Link

__all__ = ["Family"]


def _float(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=float)


class Family(ABC):
    r"""A scalar exponential-dispersion family with :math:`T(y) = y` (chapter 1)."""

    name: str = "family"
    canonical_link: Link
    #: whether the dispersion is estimated (the Gaussian's variance) or fixed at 1
    has_dispersion: bool = False

    @abstractmethod
    def log_partition(self, eta: ArrayLike) -> Array:
        r""":math:`a(\eta)`."""

    @abstractmethod
    def mean(self, eta: ArrayLike) -> Array:
        r""":math:`a'(\eta) = \mathbb{E}[y]` (:eq:`ch1-moments`)."""

    @abstractmethod
    def variance(self, eta: ArrayLike) -> Array:
        r""":math:`a''(\eta) = \operatorname{Var}[y]/\varphi` (:eq:`ch1-moments`)."""

    @abstractmethod
    def variance_function(self, mu: ArrayLike) -> Array:
        r""":math:`V(\mu)`, the variance at unit dispersion written in the mean."""

    @abstractmethod
    def variance_function_deriv(self, mu: ArrayLike) -> Array:
        r""":math:`V'(\mu)`, which the observed information needs (chapter 8)."""

    @abstractmethod
    def log_base_measure(self, y: ArrayLike) -> Array:
        r""":math:`c(y) = c(y, 1)`."""

    @abstractmethod
    def loglik_kernel(self, y: Array, mu: Array) -> Array:
        r"""The part of :math:`\ell_i` that depends on the mean (:math:`-\infty` outside
        the mean space); :meth:`~companion.family.Family.loglik_constant` is the rest,
        which a fit computes once.
        """

    def loglik_constant(self, y: ArrayLike) -> Array:
        r""":math:`\ell_i` minus :meth:`loglik_kernel`: a function of :math:`y_i` alone
        (here
        :math:`c(y)`)."""
        return self.log_base_measure(y)

    @abstractmethod
    def check_y(self, y: ArrayLike) -> Array:
        """``y`` as floats, or ``ValueError`` saying why it is not a valid response for
        the family."""

    def log_pdf(self, y: ArrayLike, eta: ArrayLike) -> Array:
        r""":math:`\log p(y;\eta) = y\eta - a(\eta) + c(y)` at unit dispersion
        (:eq:`ch1-ef`)."""
        y, eta = _float(y), _float(eta)
        return y * eta - self.log_partition(eta) + self.log_base_measure(y)

    def log_likelihood(self, y: ArrayLike, mu: ArrayLike) -> Array:
        r"""Each observation's log-likelihood :math:`\ell_i` at mean :math:`\mu_i`, unit
        dispersion."""
        y = _float(y)
        return self.loglik_kernel(y, _float(mu)) + self.loglik_constant(y)

    def deviance(self, y: ArrayLike, mu: ArrayLike) -> float:
        r"""The deviance :math:`D = 2\sum_i[\ell_i(\mu_i = y_i) - \ell_i(\mu_i)]` at
        unit dispersion (chapter 8): the residual sum of squares for the Gaussian."""
        y = _float(y)
        saturated = self.loglik_kernel(y, y)
        return float(2.0 * np.sum(saturated - self.loglik_kernel(y, _float(mu))))

    def derivatives(
        self, y: Array, z: Array, link: Link, observed: bool = False
    ) -> RowTerms:
        r"""Log-likelihood, score and weight of every row at linear predictors ``z`` (N,
        1), evaluating the activation and its derivative once (chapter 8,
        :eq:`ch8-observed`). With :math:`\mu' = d\mu/dz`:

        .. math::

            u = (y - \mu)\frac{\mu'}{V(\mu)}, \qquad
            s^{\text{Fisher}} = \frac{\mu'^2}{V(\mu)},

            s^{\text{obs}} = s^{\text{Fisher}} - u\frac{\mu''}{\mu'}
            + u\,V'(\mu)\frac{\mu'}{V(\mu)} .

        With the canonical link :math:`\mu' = V(\mu)`, so :math:`u = y - \mu` and both
        weights are :math:`a''(z)`: Fisher scoring is Newton's method.
        """
        if link == self.canonical_link:
            return self.canonical_derivatives(y, z)
        mu, d1 = link.inverse(z), link.inverse_deriv(z)
        with np.errstate(all="ignore"):
            d1_over_v = d1 / self.variance_function(mu)
            score = (y - mu) * d1_over_v
            weight = d1 * d1_over_v
            if observed:
                curvature = np.divide(
                    link.inverse_deriv2(z), d1, out=np.zeros_like(d1), where=d1 != 0
                )
                weight = weight - score * curvature
                weight = weight + score * self.variance_function_deriv(mu) * d1_over_v
            loglik = self.loglik_kernel(y, mu)
        return RowTerms(loglik[:, 0], score, weight)

    def canonical_derivatives(self, y: Array, z: Array) -> RowTerms:
        r"""The canonical link's terms: :math:`\ell_i - c(y_i) = y z - a(z)`, :math:`u =
        y - a'(z)`,
        :math:`s = a''(z)`."""
        with np.errstate(over="ignore", invalid="ignore"):
            mean = self.mean(z)
            loglik = y * z - self.log_partition(z)
            return RowTerms(loglik[:, 0], y - mean, self.variance(z))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _check_finite(name: str, y: Array) -> Array:
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} responses must be finite; got NaN or inf")
    return y
