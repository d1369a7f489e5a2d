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

from .losses import logsumexp, sigmoid, softmax, softplus

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
    chapter 8), :meth:`deriv` (:math:`g'(\mu)`) and :meth:`inverse_deriv`
    (:math:`d\mu/d\eta = 1/g'(\mu)`).
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
    :math:`V(\mu)` (the variance written as a function of the mean, used by IRLS) and :meth:`check_y`.
    """

    name: str = "family"
    canonical_link: Link

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
