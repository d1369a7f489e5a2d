r"""Exponential families and link functions (chapter 1; links are used again in chapters 2 and 8).

A distribution is in the exponential family when its density or mass function can be written

.. math:: p(y; \eta) = b(y) \exp\big(\eta^\top T(y) - a(\eta)\big),

with natural parameter :math:`\eta`, sufficient statistic :math:`T(y)`, log-partition :math:`a(\eta)` and
base measure :math:`b(y)`. Then :math:`a'(\eta) = \mathbb{E}[T(y)]` and
:math:`a''(\eta) = \operatorname{Var}[T(y)]` (chapter 1, theorem on the log-partition).

As in statsmodels, families and links are separate objects: a family knows its distribution, a link
knows how the mean is mapped to the linear predictor. Each family has a *canonical* link, the one for
which the linear predictor is the natural parameter, :math:`g(\mu) = \eta`.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from .losses import log_sigmoid, logsumexp, sigmoid, softmax, softplus

__all__ = [
    "Link",
    "Logit",
    "Probit",
    "Log",
    "Identity",
    "Family",
    "Bernoulli",
    "Gaussian",
    "Poisson",
    "Categorical",
    "LINKS",
    "FAMILIES",
    "get_link",
    "get_family",
]

Array = NDArray[np.float64]


def _as_float(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=float)


# --------------------------------------------------------------------------------------------- links
class Link:
    r"""A link function :math:`g`, mapping a mean :math:`\mu` to a linear predictor :math:`\eta = g(\mu)`.

    Subclasses implement :meth:`link`, :meth:`inverse` (:math:`g^{-1}`, the neuron's activation,
    chapter 8), :meth:`deriv` (:math:`g'(\mu)`), :meth:`inverse_deriv` (:math:`d\mu/d\eta = 1/g'(\mu)`) and
    :meth:`inverse_deriv2` (:math:`d^2\mu/d\eta^2`, which Newton's method needs for a non-canonical link).
    Links onto probabilities also give :math:`\log\mu` and :math:`\log(1-\mu)` accurately in both tails.
    """

    name: str = "link"

    def __call__(self, mu: ArrayLike) -> Array:
        return self.link(mu)

    def link(self, mu: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def inverse(self, eta: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def deriv(self, mu: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def inverse_deriv(self, eta: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def inverse_deriv2(self, eta: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def log_inverse_deriv(self, eta: ArrayLike) -> Array:
        r""":math:`\log(d\mu/d\eta)`, finite where :math:`d\mu/d\eta` itself underflows (the Bernoulli's IRLS
        weights are ratios of such tiny numbers)."""
        with np.errstate(divide="ignore"):
            return np.log(self.inverse_deriv(eta))

    def log_inverse(self, eta: ArrayLike) -> Array:
        r""":math:`\log g^{-1}(\eta)`; links onto probabilities override it to stay accurate in the tails."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(self.inverse(eta))

    def log_inverse_complement(self, eta: ArrayLike) -> Array:
        r""":math:`\log(1 - g^{-1}(\eta))`, for links onto probabilities."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(-self.inverse(eta))

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Logit(Link):
    r"""Logit :math:`g(\mu) = \log\frac{\mu}{1-\mu}`; inverse: the sigmoid (chapters 1 and 2)."""

    name = "logit"

    def link(self, mu: ArrayLike) -> Array:
        mu = _as_float(mu)
        return np.log(mu) - np.log1p(-mu)

    def inverse(self, eta: ArrayLike) -> Array:
        return sigmoid(eta)

    def deriv(self, mu: ArrayLike) -> Array:
        r""":math:`g'(\mu) = 1 / (\mu(1-\mu))`."""
        mu = _as_float(mu)
        return 1.0 / (mu * (1.0 - mu))

    def inverse_deriv(self, eta: ArrayLike) -> Array:
        r""":math:`\sigma'(\eta) = \sigma(\eta)\sigma(-\eta)`, accurate in both tails."""
        eta = _as_float(eta)
        return sigmoid(eta) * sigmoid(-eta)

    def inverse_deriv2(self, eta: ArrayLike) -> Array:
        r""":math:`\sigma''(\eta) = \sigma(\eta)\sigma(-\eta)\big(\sigma(-\eta) - \sigma(\eta)\big)`."""
        eta = _as_float(eta)
        p, q = sigmoid(eta), sigmoid(-eta)
        return p * q * (q - p)

    def log_inverse_deriv(self, eta: ArrayLike) -> Array:
        eta = _as_float(eta)
        return log_sigmoid(eta) + log_sigmoid(-eta)

    def log_inverse(self, eta: ArrayLike) -> Array:
        return log_sigmoid(eta)

    def log_inverse_complement(self, eta: ArrayLike) -> Array:
        return log_sigmoid(-_as_float(eta))


class Probit(Link):
    r"""Probit :math:`g(\mu) = \Phi^{-1}(\mu)`, inverse the standard normal cdf :math:`\Phi` (chapter 8).

    Not the canonical link of any family in this book: it is the example of a non-canonical link.
    """

    name = "probit"

    def link(self, mu: ArrayLike) -> Array:
        return special.ndtri(_as_float(mu))

    def inverse(self, eta: ArrayLike) -> Array:
        return special.ndtr(_as_float(eta))

    def deriv(self, mu: ArrayLike) -> Array:
        r""":math:`g'(\mu) = 1/\phi(\Phi^{-1}(\mu))` with :math:`\phi` the normal density."""
        return 1.0 / self.inverse_deriv(self.link(mu))

    def inverse_deriv(self, eta: ArrayLike) -> Array:
        r""":math:`\phi(\eta) = e^{-\eta^2/2}/\sqrt{2\pi}`."""
        eta = _as_float(eta)
        return np.exp(-0.5 * eta * eta) / math.sqrt(2.0 * math.pi)

    def inverse_deriv2(self, eta: ArrayLike) -> Array:
        r""":math:`\phi'(\eta) = -\eta\,\phi(\eta)`."""
        eta = _as_float(eta)
        return -eta * self.inverse_deriv(eta)

    def log_inverse_deriv(self, eta: ArrayLike) -> Array:
        eta = _as_float(eta)
        return -0.5 * eta * eta - 0.5 * math.log(2.0 * math.pi)

    def log_inverse(self, eta: ArrayLike) -> Array:
        r""":math:`\log\Phi(\eta)`, by ``scipy.special.log_ndtr``: finite down to :math:`\eta \approx -10^{154}`."""
        return special.log_ndtr(_as_float(eta))

    def log_inverse_complement(self, eta: ArrayLike) -> Array:
        r""":math:`\log(1 - \Phi(\eta)) = \log\Phi(-\eta)`, by symmetry."""
        return special.log_ndtr(-_as_float(eta))


class Log(Link):
    r"""Log :math:`g(\mu) = \log\mu`, inverse :math:`e^{\eta}`: canonical for the Poisson (chapters 1, 8).

    :math:`e^{\eta}` is not representable beyond :math:`\eta \approx 709.78`; there it is ``inf``.
    """

    name = "log"

    def link(self, mu: ArrayLike) -> Array:
        return np.log(_as_float(mu))

    def inverse(self, eta: ArrayLike) -> Array:
        return np.exp(_as_float(eta))

    def deriv(self, mu: ArrayLike) -> Array:
        return 1.0 / _as_float(mu)

    def inverse_deriv(self, eta: ArrayLike) -> Array:
        return np.exp(_as_float(eta))

    def inverse_deriv2(self, eta: ArrayLike) -> Array:
        return np.exp(_as_float(eta))

    def log_inverse_deriv(self, eta: ArrayLike) -> Array:
        return _as_float(eta).copy()

    def log_inverse(self, eta: ArrayLike) -> Array:
        return _as_float(eta).copy()


class Identity(Link):
    r"""Identity :math:`g(\mu) = \mu`: canonical for the Gaussian, the least-squares neuron (chapter 8)."""

    name = "identity"

    def link(self, mu: ArrayLike) -> Array:
        return _as_float(mu).copy()

    def inverse(self, eta: ArrayLike) -> Array:
        return _as_float(eta).copy()

    def deriv(self, mu: ArrayLike) -> Array:
        return np.ones_like(_as_float(mu))

    def inverse_deriv(self, eta: ArrayLike) -> Array:
        return np.ones_like(_as_float(eta))

    def inverse_deriv2(self, eta: ArrayLike) -> Array:
        return np.zeros_like(_as_float(eta))


LINKS: dict[str, type[Link]] = {"logit": Logit, "probit": Probit, "log": Log, "identity": Identity}


def get_link(link: str | Link) -> Link:
    """Return a :class:`Link` from its name (``"logit"``, ``"probit"``, ``"log"``, ``"identity"``)."""
    if isinstance(link, Link):
        return link
    try:
        return LINKS[link]()
    except (KeyError, TypeError):
        raise ValueError(f"unknown link {link!r}; expected one of {sorted(LINKS)} or a Link object") from None


# ------------------------------------------------------------------------------------------ families
class Family:
    r"""A one-parameter exponential family :math:`p(y;\eta) = b(y)\exp(\eta T(y) - a(\eta))` with
    :math:`T(y) = y` (chapter 1).

    Subclasses implement :meth:`log_partition` :math:`a(\eta)`, :meth:`mean` :math:`a'(\eta)`,
    :meth:`variance` :math:`a''(\eta)`, :meth:`log_base_measure` :math:`\log b(y)`, :meth:`variance_function`
    :math:`V(\mu)` (the variance written as a function of the mean, used by IRLS) with its derivative
    :meth:`variance_function_deriv`, :meth:`saturated_log_likelihood` and :meth:`check_y`.

    For a GLM with any link (chapter 8), :meth:`log_likelihood` and :meth:`score_and_weights` take the
    linear predictor :math:`\eta = \theta^\top x` and the link; with the canonical link :math:`\eta` is the
    natural parameter and they reduce to the formulas of chapters 1 and 4.
    """

    name: str = "family"
    canonical_link: Link
    #: whether the family has a free dispersion parameter (the Gaussian's variance), estimated after the fit
    has_dispersion: bool = False

    def sufficient_statistic(self, y: ArrayLike) -> Array:
        """:math:`T(y) = y` for every scalar family of this book."""
        return _as_float(y)

    def log_partition(self, eta: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def mean(self, eta: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def variance(self, eta: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def variance_function(self, mu: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def log_base_measure(self, y: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def check_y(self, y: ArrayLike) -> Array:
        """Return ``y`` as floats, or raise ``ValueError`` if it is not a valid response for the family."""
        y = _as_float(y)
        if not np.all(np.isfinite(y)):
            raise ValueError(f"{self.name} responses must be finite; got NaN or inf")
        return y

    def link(self, mu: ArrayLike) -> Array:
        r"""The canonical link :math:`\eta = g(\mu)`."""
        return self.canonical_link.link(mu)

    def inverse_link(self, eta: ArrayLike) -> Array:
        r"""The canonical inverse link :math:`\mu = g^{-1}(\eta)`; equal to :meth:`mean`."""
        return self.canonical_link.inverse(eta)

    def log_pdf(self, y: ArrayLike, eta: ArrayLike) -> Array:
        r""":math:`\log p(y;\eta) = \log b(y) + \eta\,T(y) - a(\eta)`."""
        eta = _as_float(eta)
        return self.log_base_measure(y) + eta * self.sufficient_statistic(y) - self.log_partition(eta)

    def variance_function_deriv(self, mu: ArrayLike) -> Array:  # pragma: no cover - abstract
        raise NotImplementedError

    def saturated_log_likelihood(self, y: ArrayLike) -> Array:  # pragma: no cover - abstract
        r""":math:`\log p(y;\mu = y)`, each observation fitted exactly: the reference point of the deviance."""
        raise NotImplementedError

    # -- a GLM with linear predictor eta and link g: mu = g^{-1}(eta) (chapter 8)
    def log_likelihood(self, y: ArrayLike, eta: ArrayLike, link: Link | None = None) -> Array:
        r"""Log-likelihood of each observation when the mean is :math:`\mu = g^{-1}(\eta)`.

        With the canonical link (``None`` or ``self.canonical_link``), :math:`\eta` is the natural
        parameter: :math:`\log b(y) + \eta y - a(\eta)`. Otherwise the natural parameter is
        :math:`g_c(g^{-1}(\eta))`, with :math:`g_c` the canonical link.
        """
        if link is None or link == self.canonical_link:
            return self.log_pdf(y, eta)
        return self._log_likelihood_of_mean(_as_float(y), _as_float(eta), link)

    def _log_likelihood_of_mean(self, y: Array, eta: Array, link: Link) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.log_pdf(y, self.canonical_link.link(link.inverse(eta)))

    def _score_terms(self, y: Array, eta: Array, mu: Array, link: Link) -> tuple[Array, Array, Array]:
        r"""The score :math:`(y - \mu)\mu'/V`, the Fisher weight :math:`\mu'^2/V` and :math:`\mu'/V`."""
        d1 = link.inverse_deriv(eta)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            d1_over_var = d1 / self.variance_function(mu)
            return (y - mu) * d1_over_var, d1 * d1_over_var, d1_over_var

    def score_and_weights(self, y: ArrayLike, eta: ArrayLike, link: Link | None = None,
                          observed: bool = False) -> tuple[Array, Array]:
        r"""Derivatives of each observation's log-likelihood :math:`\ell_i` with respect to its linear
        predictor :math:`\eta_i`: the score :math:`s_i = \partial\ell_i/\partial\eta_i` and a weight
        :math:`w_i`, the Fisher (expected) information :math:`\mathbb{E}[-\partial^2\ell_i/\partial\eta_i^2]` or,
        with ``observed=True``, the observed information :math:`-\partial^2\ell_i/\partial\eta_i^2` (chapter 8).

        With :math:`\mu = g^{-1}(\eta)`, :math:`\mu' = d\mu/d\eta` and :math:`V` the variance function,

        .. math:: s = (y - \mu)\frac{\mu'}{V(\mu)}, \qquad w^{\text{Fisher}} = \frac{\mu'^2}{V(\mu)}, \qquad
                  w^{\text{obs}} = w^{\text{Fisher}} - s\,\frac{\mu''}{\mu'} + s\,V'(\mu)\frac{\mu'}{V(\mu)} .

        With the canonical link :math:`\mu' = V(\mu)`, so :math:`s = y - \mu`, and the two weights are equal,
        :math:`w = a''(\eta)`: Fisher scoring is Newton's method. The gradient of the summed negative
        log-likelihood is :math:`-X^\top s` and its (expected or observed) Hessian :math:`X^\top \operatorname{diag}(w) X`.
        """
        y, eta = _as_float(y), _as_float(eta)
        if link is None or link == self.canonical_link:
            return y - self.mean(eta), self.variance(eta)
        mu = link.inverse(eta)
        score, weight, d1_over_var = self._score_terms(y, eta, mu, link)
        if observed:
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                d1 = link.inverse_deriv(eta)
                curvature = np.divide(link.inverse_deriv2(eta), d1, out=np.zeros_like(d1), where=d1 != 0)
                weight = weight - score * curvature + score * self.variance_function_deriv(mu) * d1_over_var
        return score, weight

    def deviance(self, y: ArrayLike, eta: ArrayLike, link: Link | None = None) -> float:
        r"""The deviance :math:`D = 2\sum_i \big[\log p(y_i; \mu_i = y_i) - \log p(y_i; \mu_i)\big]` at unit
        dispersion: the residual sum of squares for the Gaussian, :math:`-2\ell` for the Bernoulli (chapter 8)."""
        y = _as_float(y)
        return float(2.0 * np.sum(self.saturated_log_likelihood(y) - self.log_likelihood(y, eta, link)))

    def fitted_log_likelihood(self, y: ArrayLike, eta: ArrayLike, link: Link | None = None) -> float:
        r"""The log-likelihood reported for a fit, :math:`\sum_i \ell_i` (the Gaussian profiles out its variance)."""
        return float(np.sum(self.log_likelihood(y, eta, link)))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Bernoulli(Family):
    r"""Bernoulli: :math:`p(y;\phi) = \phi^y(1-\phi)^{1-y} = \exp(\eta y - \log(1+e^\eta))`, :math:`y\in\{0,1\}`.

    :math:`\eta = \log\frac{\phi}{1-\phi}` (the logit), :math:`a(\eta) = \log(1+e^\eta)` (softplus),
    :math:`a'(\eta) = \sigma(\eta)`, :math:`a''(\eta) = \sigma(\eta)(1-\sigma(\eta))`, :math:`b(y) = 1`.
    """

    name = "bernoulli"
    canonical_link = Logit()

    def log_partition(self, eta: ArrayLike) -> Array:
        return softplus(eta)

    def mean(self, eta: ArrayLike) -> Array:
        return sigmoid(eta)

    def variance(self, eta: ArrayLike) -> Array:
        eta = _as_float(eta)
        return sigmoid(eta) * sigmoid(-eta)

    def variance_function(self, mu: ArrayLike) -> Array:
        mu = _as_float(mu)
        return mu * (1.0 - mu)

    def log_base_measure(self, y: ArrayLike) -> Array:
        return np.zeros_like(_as_float(y))

    def variance_function_deriv(self, mu: ArrayLike) -> Array:
        return 1.0 - 2.0 * _as_float(mu)

    def saturated_log_likelihood(self, y: ArrayLike) -> Array:
        return np.zeros_like(_as_float(y))

    def _log_likelihood_of_mean(self, y: Array, eta: Array, link: Link) -> Array:
        r""":math:`\log\mu` or :math:`\log(1-\mu)`, from the link's tail-accurate logarithms."""
        return np.where(y == 1, link.log_inverse(eta), link.log_inverse_complement(eta))

    def _score_terms(self, y: Array, eta: Array, mu: Array, link: Link) -> tuple[Array, Array, Array]:
        r"""With :math:`V = \mu(1-\mu)`: the score is :math:`y\,\mu'/\mu - (1-y)\,\mu'/(1-\mu)` and the weight
        :math:`\mu'^2/(\mu(1-\mu))`, each computed from logarithms (:math:`\log\mu'`, :math:`\log\mu`,
        :math:`\log(1-\mu)`), so they stay finite and accurate where :math:`\mu'` and :math:`1-\mu` underflow
        (a probit predictor beyond 38)."""
        log_d1, log_mu, log_cmu = link.log_inverse_deriv(eta), link.log_inverse(eta), link.log_inverse_complement(eta)
        score = np.where(y == 1, np.exp(log_d1 - log_mu), -np.exp(log_d1 - log_cmu))
        return score, np.exp(2.0 * log_d1 - log_mu - log_cmu), np.exp(log_d1 - log_mu - log_cmu)

    def check_y(self, y: ArrayLike) -> Array:
        y = super().check_y(y)
        if not np.all((y == 0) | (y == 1)):
            bad = np.unique(y[(y != 0) & (y != 1)])[:5]
            raise ValueError(f"Bernoulli responses must be 0 or 1; got values such as {bad.tolist()}")
        return y


class Gaussian(Family):
    r"""Gaussian with unit variance: :math:`p(y;\mu) = \frac{1}{\sqrt{2\pi}} e^{-y^2/2} \exp(\mu y - \mu^2/2)`.

    :math:`\eta = \mu`, :math:`a(\eta) = \eta^2/2`, :math:`a'(\eta) = \eta`, :math:`a''(\eta) = 1`,
    :math:`b(y) = e^{-y^2/2}/\sqrt{2\pi}`. Canonical link: the identity.
    """

    name = "gaussian"
    canonical_link = Identity()
    has_dispersion = True

    def log_partition(self, eta: ArrayLike) -> Array:
        eta = _as_float(eta)
        return 0.5 * eta * eta

    def mean(self, eta: ArrayLike) -> Array:
        return _as_float(eta).copy()

    def variance(self, eta: ArrayLike) -> Array:
        return np.ones_like(_as_float(eta))

    def variance_function(self, mu: ArrayLike) -> Array:
        return np.ones_like(_as_float(mu))

    def log_base_measure(self, y: ArrayLike) -> Array:
        y = _as_float(y)
        return -0.5 * y * y - 0.5 * math.log(2.0 * math.pi)

    def variance_function_deriv(self, mu: ArrayLike) -> Array:
        return np.zeros_like(_as_float(mu))

    def saturated_log_likelihood(self, y: ArrayLike) -> Array:
        return np.full_like(_as_float(y), -0.5 * math.log(2.0 * math.pi))

    def fitted_log_likelihood(self, y: ArrayLike, eta: ArrayLike, link: Link | None = None) -> float:
        r"""The Gaussian log-likelihood with the variance at its maximum-likelihood value
        :math:`\hat\sigma^2 = \mathrm{RSS}/N`: :math:`-\frac N2\big(\log(2\pi\hat\sigma^2) + 1\big)` (as statsmodels reports it)."""
        y = _as_float(y)
        n = y.size
        rss = float(np.sum((y - (link or self.canonical_link).inverse(eta)) ** 2))
        return -0.5 * n * (math.log(2.0 * math.pi * rss / n) + 1.0)


class Poisson(Family):
    r"""Poisson: :math:`p(y;\lambda) = \frac{\lambda^y e^{-\lambda}}{y!} = \frac{1}{y!}\exp(\eta y - e^\eta)`.

    :math:`\eta = \log\lambda`, :math:`a(\eta) = e^\eta`, :math:`a'(\eta) = a''(\eta) = e^\eta`,
    :math:`b(y) = 1/y!`. Canonical link: the log. :math:`e^\eta` overflows to ``inf`` for
    :math:`\eta > 709.78`, where the mean itself is not a float.
    """

    name = "poisson"
    canonical_link = Log()

    def log_partition(self, eta: ArrayLike) -> Array:
        return np.exp(_as_float(eta))

    def mean(self, eta: ArrayLike) -> Array:
        return np.exp(_as_float(eta))

    def variance(self, eta: ArrayLike) -> Array:
        return np.exp(_as_float(eta))

    def variance_function(self, mu: ArrayLike) -> Array:
        return _as_float(mu).copy()

    def log_base_measure(self, y: ArrayLike) -> Array:
        return -special.gammaln(_as_float(y) + 1.0)

    def variance_function_deriv(self, mu: ArrayLike) -> Array:
        return np.ones_like(_as_float(mu))

    def saturated_log_likelihood(self, y: ArrayLike) -> Array:
        y = _as_float(y)
        return special.xlogy(y, y) - y - special.gammaln(y + 1.0)

    def _log_likelihood_of_mean(self, y: Array, eta: Array, link: Link) -> Array:
        r""":math:`y\log\mu - \mu - \log y!`; :math:`-\infty` where a non-canonical link gives :math:`\mu < 0`."""
        mu = link.inverse(eta)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = special.xlogy(y, mu) - mu - special.gammaln(y + 1.0)
        return np.where(mu >= 0, out, -np.inf)

    def check_y(self, y: ArrayLike) -> Array:
        y = super().check_y(y)
        if np.any(y < 0) or np.any(y != np.floor(y)):
            bad = np.unique(y[(y < 0) | (y != np.floor(y))])[:5]
            raise ValueError(f"Poisson responses must be non-negative integer counts; got values such as {bad.tolist()}")
        return y


class Categorical:
    r"""Categorical (multinomial with one trial) over ``k`` classes, in exponential-family form (chapters 1, 5).

    With the last class as reference, :math:`T(y) \in \mathbb{R}^{k-1}` is the one-hot vector without
    its last entry, :math:`\eta_i = \log(\phi_i/\phi_k)`, and

    .. math:: a(\eta) = \log\Big(1 + \sum_{i<k} e^{\eta_i}\Big), \quad
              \nabla a(\eta) = \phi_{1:k-1}, \quad \nabla^2 a(\eta) = \operatorname{diag}(\phi) - \phi\phi^\top,

    where :math:`\phi = \operatorname{softmax}([\eta, 0])`. Arrays of natural parameters have ``k - 1``
    entries on their last axis.
    """

    name = "categorical"

    def __init__(self, k: int):
        if int(k) != k or k < 2:
            raise ValueError(f"a categorical family needs an integer number of classes k >= 2; got {k!r}")
        self.k = int(k)

    def _full(self, eta: ArrayLike) -> Array:
        eta = _as_float(eta)
        if eta.shape[-1:] != (self.k - 1,):
            raise ValueError(f"natural parameters of a {self.k}-class family have {self.k - 1} entries on the last axis; got shape {eta.shape}")
        return np.concatenate([eta, np.zeros(eta.shape[:-1] + (1,))], axis=-1)

    def sufficient_statistic(self, y: ArrayLike) -> Array:
        """One-hot encoding of class indices ``0..k-1`` without the reference (last) column."""
        y = np.asarray(y)
        if not np.all((y == np.floor(y)) & (y >= 0) & (y < self.k)):
            raise ValueError(f"categorical responses must be class indices 0..{self.k - 1}")
        return np.eye(self.k)[y.astype(int)][..., : self.k - 1]

    def log_partition(self, eta: ArrayLike) -> Array:
        return logsumexp(self._full(eta), axis=-1)

    def mean(self, eta: ArrayLike) -> Array:
        r""":math:`\nabla a(\eta)`: the probabilities of the first ``k - 1`` classes."""
        return softmax(self._full(eta), axis=-1)[..., : self.k - 1]

    def probabilities(self, eta: ArrayLike) -> Array:
        """All ``k`` class probabilities, the inverse canonical link."""
        return softmax(self._full(eta), axis=-1)

    def variance(self, eta: ArrayLike) -> Array:
        r""":math:`\nabla^2 a(\eta) = \operatorname{diag}(\phi) - \phi\phi^\top` over the first ``k - 1`` classes."""
        phi = self.mean(eta)
        return np.einsum("...i,ij->...ij", phi, np.eye(self.k - 1)) - phi[..., :, None] * phi[..., None, :]

    def link(self, phi: ArrayLike) -> Array:
        r"""Canonical link :math:`\eta_i = \log\phi_i - \log\phi_k` from all ``k`` probabilities."""
        phi = _as_float(phi)
        return np.log(phi[..., : self.k - 1]) - np.log(phi[..., self.k - 1 :])

    def inverse_link(self, eta: ArrayLike) -> Array:
        """The softmax of ``[eta, 0]``: all ``k`` probabilities."""
        return self.probabilities(eta)

    def log_pdf(self, y: ArrayLike, eta: ArrayLike) -> Array:
        r""":math:`\log p(y;\eta) = \eta^\top T(y) - a(\eta)` (:math:`b(y) = 1`)."""
        return np.sum(_as_float(eta) * self.sufficient_statistic(y), axis=-1) - self.log_partition(eta)

    def __repr__(self) -> str:
        return f"Categorical(k={self.k})"


FAMILIES: dict[str, type[Family]] = {"bernoulli": Bernoulli, "gaussian": Gaussian, "poisson": Poisson}


def get_family(family: str | Family) -> Family:
    """Return a :class:`Family` from its name (``"bernoulli"``, ``"gaussian"``, ``"poisson"``)."""
    if isinstance(family, Family):
        return family
    try:
        return FAMILIES[family]()
    except (KeyError, TypeError):
        raise ValueError(f"unknown family {family!r}; expected one of {sorted(FAMILIES)} or a Family object") from None
