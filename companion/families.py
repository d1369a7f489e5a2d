r"""Exponential families (chapter 1), in the exponential-dispersion form of generalized
linear models (chapters 1, 2 and 8):

.. math:: p(y;\eta,\varphi)
          = \exp\Big(\frac{y\,\eta - a(\eta)}{\varphi} + c(y, \varphi)\Big),

with natural parameter :math:`\eta`, log-partition :math:`a`, dispersion :math:`\varphi`
and log base measure :math:`c`. Then :math:`\mathbb{E}[y] = a'(\eta) = \mu` and
:math:`\operatorname{Var}[y] = \varphi\,a''(\eta) = \varphi\,V(\mu)`
(:eq:`ch1-moments`). The categorical family (chapter 5) is the vector case, :math:`\eta
\in \mathbb{R}^{k-1}`.

Every family answers one question for the fit, in
:meth:`~companion.family.Family.derivatives`: given the responses and the linear
predictors :math:`z`, what are each observation's log-likelihood, its score :math:`u_i =
\partial\ell_i/\partial z_i` and its weight :math:`s_i` (Fisher or observed
information). That is the one routine the GLM core (:mod:`companion.glm`) needs for
every neuron: logistic, Poisson, least squares and softmax alike.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ._types import Array, RowTerms
from .categorical import Categorical
from .family import Family, _check_finite, _float
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


class Bernoulli(Family):
    r"""Bernoulli, :math:`y \in \{0, 1\}` (chapters 1 and 2, :eq:`ch1-bernoulli`):

    .. math:: p(y;\mu) = \mu^y(1-\mu)^{1-y} = \exp\big(\eta y - \log(1+e^\eta)\big),

    :math:`\eta = \log\frac{\mu}{1-\mu}`, :math:`a = \operatorname{softplus}`,
    :math:`a' = \sigma`, :math:`V(\mu) = \mu(1-\mu)`, :math:`c = 0`."""

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
    r"""Poisson (chapters 1 and 8):

    .. math:: p(y;\lambda) = \frac{\lambda^y e^{-\lambda}}{y!}
              = \exp\big(\eta y - e^\eta - \log y!\big),

    :math:`\eta = \log\lambda`, :math:`a = a' = a'' = e^\eta`, :math:`V(\mu) = \mu`,
    :math:`c(y) = -\log y!`. Non-integer non-negative responses (rates) are accepted and
    fitted by the same estimating equations, a quasi-likelihood fit (Wedderburn, 1974).
    """

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
        cancellation of :math:`y\log\mu` against :math:`\log y!` for large counts, from
        :math:`y = 15` by Stirling's series

        .. math:: \ell_i(y_i) = -\tfrac12\log(2\pi y)
                  - \Big(\frac{1}{12y} - \frac{1}{360y^3} + \dots\Big)."""
        y = _float(y)
        t = 1.0 / np.maximum(y, 15.0)
        stirling = -0.5 * np.log(2 * np.pi / t) - t * np.polyval(_STIRLING, t)
        with np.errstate(divide="ignore", invalid="ignore"):
            direct = special.xlogy(y, y) - y - special.gammaln(y + 1.0)
        return np.where(y < 15, direct, stirling) - self.half_deviance(y, _float(mu))

    def half_deviance(self, y: Array, mu: Array) -> Array:
        r""":math:`d_i/2 = y\log(y/\mu) - (y - \mu)`, computed as :math:`\mu\,h(r)`
        with :math:`r = y/\mu - 1` and :math:`h(r) = (1 + r)\log(1 + r) - r` (its
        Taylor series for :math:`|r| < 0.01`), accurate however large the counts."""
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
    """A :class:`~companion.family.Family` from its name (``"bernoulli"``,
    ``"gaussian"``, ``"poisson"``)."""
    if isinstance(family, Family):
        return family
    if isinstance(family, str) and family in FAMILIES:
        return FAMILIES[family]()
    raise ValueError(
        f"unknown family {family!r}; expected one of {sorted(FAMILIES)} or a Family "
        "object"
    )
