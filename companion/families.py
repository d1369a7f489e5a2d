r"""Exponential families (chapter 1), in the exponential-dispersion form of generalized
linear models (chapters 1, 2 and 8):

.. math:: p(y;\eta,\varphi)
          = \exp\Big(\frac{y\,\eta - a(\eta)}{\varphi} + c(y, \varphi)\Big),

with natural parameter :math:`\eta`, log-partition :math:`a`, dispersion :math:`\varphi`
and log base measure :math:`c`. Then :math:`\mathbb{E}[y] = a'(\eta) = \mu` and
:math:`\operatorname{Var}[y] = \varphi\,a''(\eta) = \varphi\,V(\mu)`
(:eq:`ch1-moments`). The categorical family (chapter 5) is the vector case, :math:`\eta
\in \mathbb{R}^{k-1}`.

Every family answers one question for the fit, in :meth:`Family.derivatives`: given the
responses and the linear predictors :math:`z`, what are each observation's
log-likelihood, its score :math:`u_i = \partial\ell_i/\partial z_i` and its weight
:math:`s_i` (Fisher or observed information). That is the one routine the GLM core
(:mod:`companion.glm`) needs for every neuron: logistic, Poisson, least squares and
softmax alike.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ._types import Array, RowTerms
from .categorical import Categorical
from .links import Identity, Link, Log, Logit
from .losses import sigmoid, softplus

__all__ = [
    "RowTerms",
    "Family",
    "Bernoulli",
    "Gaussian",
    "Poisson",
    "Categorical",
    "FAMILIES",
    "get_family",
]


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
        the mean space); :meth:`Family.loglik_constant` is the rest, which a fit
        computes once.
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


class Bernoulli(Family):
    r"""Bernoulli :math:`p(y;\mu) = \mu^y(1-\mu)^{1-y} = \exp(\eta y - \log(1+e^\eta))`,
    :math:`y \in \{0, 1\}`: :math:`\eta = \log\frac{\mu}{1-\mu}`, :math:`a =
    \operatorname{softplus}`, :math:`a' = \sigma`, :math:`V(\mu) = \mu(1-\mu)`, :math:`c
    = 0` (chapters 1, 2, :eq:`ch1-bernoulli`)."""

    name = "bernoulli"
    canonical_link = Logit()

    def log_partition(self, eta: ArrayLike) -> Array:
        return softplus(eta)

    def mean(self, eta: ArrayLike) -> Array:
        return sigmoid(eta)

    def variance(self, eta: ArrayLike) -> Array:
        eta = _float(eta)
        return sigmoid(eta) * sigmoid(-eta)

    def variance_function(self, mu: ArrayLike) -> Array:
        mu = _float(mu)
        return mu * (1.0 - mu)

    def variance_function_deriv(self, mu: ArrayLike) -> Array:
        return 1.0 - 2.0 * _float(mu)

    def log_base_measure(self, y: ArrayLike) -> Array:
        return np.zeros_like(_float(y))

    def loglik_kernel(self, y: Array, mu: Array) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = special.xlogy(y, mu) + special.xlog1py(1.0 - y, -mu)
        return np.where((mu >= 0) & (mu <= 1), out, -np.inf)

    def check_y(self, y: ArrayLike) -> Array:
        y = _check_finite("Bernoulli", _float(y))
        if not np.all((y == 0) | (y == 1)):
            bad = np.unique(y[(y != 0) & (y != 1)])[:5]
            raise ValueError(
                f"Bernoulli responses must be 0 or 1; got values such as {bad.tolist()}"
            )
        return y

    def canonical_derivatives(self, y: Array, z: Array) -> RowTerms:
        r"""One exponential per row: with :math:`e = e^{-|z|}`, :math:`\mu = 1/(1+e)` or
        :math:`e/(1+e)`, :math:`a(z) = \max(z, 0) + \log(1 + e)` and :math:`s = \mu(1 -
        \mu)`."""
        e = np.exp(-np.abs(z))
        small = e / (1.0 + e)  # the smaller of mu and 1 - mu
        positive = z >= 0
        mu = np.where(positive, 1.0 - small, small)
        loglik = y * z - (np.maximum(z, 0.0) + np.log1p(e))
        return RowTerms(loglik[:, 0], y - mu, small * (1.0 - small))

    def derivatives(
        self, y: Array, z: Array, link: Link, observed: bool = False
    ) -> RowTerms:
        r"""For a non-canonical link, the score :math:`y\mu'/\mu - (1-y)\mu'/(1-\mu)`
        and the weight :math:`\mu'^2/(\mu(1-\mu))` from logarithms (:math:`\log\mu'`,
        :math:`\log\mu`, :math:`\log(1-\mu)`), finite where :math:`\mu'` and
        :math:`1-\mu` underflow (a probit predictor beyond 38); the observed weight
        from the generic formula."""
        if link == self.canonical_link:
            return super().derivatives(y, z, link, observed)
        log_d1, log_mu = link.log_inverse_deriv(z), link.log_inverse(z)
        log_cmu = link.log_inverse_complement(z)
        with np.errstate(over="ignore"):
            score = np.where(y == 1, np.exp(log_d1 - log_mu), -np.exp(log_d1 - log_cmu))
            weight = np.exp(2.0 * log_d1 - log_mu - log_cmu)
        # -inf where the mean leaves [0, 1] (a log or identity link): log mu > 0 or nan
        loglik = np.where(log_mu <= 0, np.where(y == 1, log_mu, log_cmu), -np.inf)
        if observed:
            weight = super().derivatives(y, z, link, observed=True).weight
        return RowTerms(loglik[:, 0], score, weight)


class Gaussian(Family):
    r"""Gaussian with variance :math:`\sigma^2 = \varphi`: :math:`\eta = \mu`,
    :math:`a(\eta) = \eta^2/2`, :math:`V = 1`, :math:`c(y, \varphi) = -y^2/(2\varphi) -
    \log(2\pi\varphi)/2`; canonical link the identity (chapters 1 and 8). The fit
    estimates :math:`\varphi` after the mean."""

    name = "gaussian"
    canonical_link = Identity()
    has_dispersion = True

    def log_partition(self, eta: ArrayLike) -> Array:
        eta = _float(eta)
        return 0.5 * eta * eta

    def mean(self, eta: ArrayLike) -> Array:
        return _float(eta).copy()

    def variance(self, eta: ArrayLike) -> Array:
        return np.ones_like(_float(eta))

    def variance_function(self, mu: ArrayLike) -> Array:
        return np.ones_like(_float(mu))

    def variance_function_deriv(self, mu: ArrayLike) -> Array:
        return np.zeros_like(_float(mu))

    def log_base_measure(self, y: ArrayLike) -> Array:
        y = _float(y)
        return -0.5 * y * y - 0.5 * math.log(2.0 * math.pi)

    def loglik_kernel(self, y: Array, mu: Array) -> Array:
        r""":math:`-(y - \mu)^2/2`: the residual itself, so that no digits cancel
        between
        :math:`y\mu` and :math:`\mu^2/2` when :math:`y` is large."""
        with np.errstate(invalid="ignore", over="ignore"):
            return -0.5 * (y - mu) ** 2

    def loglik_constant(self, y: ArrayLike) -> Array:
        return np.full_like(_float(y), -0.5 * math.log(2.0 * math.pi))

    def canonical_derivatives(self, y: Array, z: Array) -> RowTerms:
        with np.errstate(invalid="ignore", over="ignore"):
            r = y - z
            return RowTerms(-0.5 * (r * r)[:, 0], r, np.ones_like(z))

    def check_y(self, y: ArrayLike) -> Array:
        return _check_finite("Gaussian", _float(y))


class Poisson(Family):
    r"""Poisson :math:`p(y;\lambda) = \lambda^y e^{-\lambda}/y! = \exp(\eta y - e^\eta -
    \log y!)`: :math:`\eta = \log\lambda`, :math:`a = a' = a'' = e^\eta`, :math:`V(\mu)
    = \mu`, :math:`c(y) = -\log y!` (chapters 1 and 8). Non-integer non-negative
    responses (rates) are accepted and fitted by the same estimating equations, a
    quasi-likelihood fit (Wedderburn, 1974)."""

    name = "poisson"
    canonical_link = Log()

    def log_partition(self, eta: ArrayLike) -> Array:
        with np.errstate(over="ignore"):
            return np.exp(_float(eta))

    def mean(self, eta: ArrayLike) -> Array:
        return self.log_partition(eta)

    def variance(self, eta: ArrayLike) -> Array:
        return self.log_partition(eta)

    def variance_function(self, mu: ArrayLike) -> Array:
        return _float(mu).copy()

    def variance_function_deriv(self, mu: ArrayLike) -> Array:
        return np.ones_like(_float(mu))

    def log_base_measure(self, y: ArrayLike) -> Array:
        return -special.gammaln(_float(y) + 1.0)

    def loglik_kernel(self, y: Array, mu: Array) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = special.xlogy(y, mu) - mu
        return np.where(mu >= 0, out, -np.inf)

    def log_likelihood(self, y: ArrayLike, mu: ArrayLike) -> Array:
        r""":math:`\ell_i = \ell_i(\mu_i = y_i) - d_i/2`, both parts without the
        cancellation of :math:`y\log\mu` against :math:`\log y!` for large counts:
        :math:`\ell_i(y_i) = -\tfrac12\log(2\pi y) - (\tfrac1{12y} - \tfrac1{360y^3}
        + \dots)` (Stirling) from :math:`y = 15`."""
        y = _float(y)
        t = 1.0 / np.maximum(y, 15.0)
        stirling = -0.5 * np.log(2 * np.pi / t) - t * np.polyval(_STIRLING, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            direct = special.xlogy(y, y) - y - special.gammaln(y + 1.0)
        return np.where(y < 15, direct, stirling) - self.half_deviance(y, _float(mu))

    def half_deviance(self, y: Array, mu: Array) -> Array:
        r""":math:`d_i/2 = y\log(y/\mu) - (y - \mu) = \mu\,h(r)`, :math:`r = y/\mu - 1`,
        :math:`h(r) = (1 + r)\log(1 + r) - r` (its Taylor series for :math:`|r| <
        0.01`), accurate however large the counts."""
        with np.errstate(all="ignore"):
            r = (y - mu) / mu
            near = r * r * np.polyval(_H_SERIES, r)
            h = np.where(np.abs(r) < 1e-2, near, (1.0 + r) * np.log1p(r) - r)
            out = np.where(y == 0, mu, mu * h)
        valid = (mu > 0) & (mu < np.inf) | (y == 0) & (mu == 0)
        return np.where(valid, out, np.inf)

    def deviance(self, y: ArrayLike, mu: ArrayLike) -> float:
        return float(2.0 * np.sum(self.half_deviance(_float(y), _float(mu))))

    def check_y(self, y: ArrayLike) -> Array:
        y = _check_finite("Poisson", _float(y))
        if np.any(y < 0):
            bad = np.unique(y[y < 0])[:5]
            raise ValueError(
                f"Poisson responses must be non-negative counts; got {bad.tolist()}"
            )
        return y


# log y! - (y + 1/2) log y + y - log(2 pi)/2 = 1/(12y) - 1/(360y^3) + ... in t = 1/y
_STIRLING = [1 / 1188, 0, -1 / 1680, 0, 1 / 1260, 0, -1 / 360, 0, 1 / 12]
# h(r) / r^2 = sum over k >= 2 of (-1)^k r^(k-2) / (k (k - 1)), highest power first
_H_SERIES = [(-1) ** k / (k * (k - 1)) for k in range(12, 1, -1)]

FAMILIES: dict[str, type[Family]] = {
    "bernoulli": Bernoulli,
    "gaussian": Gaussian,
    "poisson": Poisson,
}


def get_family(family: str | Family) -> Family:
    """A :class:`Family` from its name (``"bernoulli"``, ``"gaussian"``,
    ``"poisson"``)."""
    if isinstance(family, Family):
        return family
    if isinstance(family, str) and family in FAMILIES:
        return FAMILIES[family]()
    raise ValueError(
        f"unknown family {family!r}; expected one of {sorted(FAMILIES)} or a Family "
        "object"
    )
