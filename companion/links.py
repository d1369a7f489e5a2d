r"""Link functions (chapters 2 and 8): a link :math:`g` maps the mean to the linear
predictor, :math:`g(\mu) = z`, and its inverse :math:`g^{-1}` is the neuron's
activation, :math:`\mu = g^{-1}(z)`.

As in statsmodels, links are objects separate from the families, so that a family can be
paired with a link that is not its canonical one (the probit, chapter 8). Each link
gives :math:`g^{-1}` and its first two derivatives in :math:`z`, which is all a fit
needs, and the links onto probabilities also give :math:`\log\mu` and
:math:`\log(1-\mu)` accurately in both tails.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ._types import Array
from .losses import log_sigmoid, sigmoid

__all__ = ["Link", "Logit", "Probit", "Log", "Identity", "LINKS", "get_link"]


def _float(x: ArrayLike) -> Array:
    return np.asarray(x, dtype=float)


class Link(ABC):
    r"""A link function :math:`g`, with :math:`z = g(\mu)` and activation :math:`\mu =
    g^{-1}(z)`.

    ``mean_range`` is the open interval that :math:`g^{-1}` maps :math:`\mathbb{R}`
    onto: a fitted mean can approach its ends but never reach them.
    """

    name: str = "link"
    mean_range: tuple[float, float] = (-math.inf, math.inf)

    @abstractmethod
    def link(self, mu: ArrayLike) -> Array:
        r""":math:`z = g(\mu)`."""

    @abstractmethod
    def inverse(self, z: ArrayLike) -> Array:
        r"""The activation :math:`\mu = g^{-1}(z)` (chapter 8, :eq:`ch8-glm-neuron`)."""

    @abstractmethod
    def inverse_deriv(self, z: ArrayLike) -> Array:
        r""":math:`d\mu/dz = 1/g'(\mu)`."""

    @abstractmethod
    def inverse_deriv2(self, z: ArrayLike) -> Array:
        r""":math:`d^2\mu/dz^2`, which Newton's method needs for a non-canonical link
        (chapter 8)."""

    def deriv(self, mu: ArrayLike) -> Array:
        r""":math:`g'(\mu) = 1/(d\mu/dz)`."""
        return 1.0 / self.inverse_deriv(self.link(mu))

    def log_inverse(self, z: ArrayLike) -> Array:
        r""":math:`\log g^{-1}(z)`; links onto probabilities make it accurate in the
        tails."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(self.inverse(z))

    def log_inverse_complement(self, z: ArrayLike) -> Array:
        r""":math:`\log(1 - g^{-1}(z))`, for links onto probabilities."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(-self.inverse(z))

    def log_inverse_deriv(self, z: ArrayLike) -> Array:
        r""":math:`\log(d\mu/dz)`, finite where :math:`d\mu/dz` itself underflows."""
        with np.errstate(divide="ignore"):
            return np.log(self.inverse_deriv(z))

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Logit(Link):
    r"""Logit :math:`g(\mu) = \log\frac{\mu}{1-\mu}`; activation: the sigmoid (chapters
    1 and 2)."""

    name = "logit"
    mean_range = (0.0, 1.0)

    def link(self, mu: ArrayLike) -> Array:
        mu = _float(mu)
        with np.errstate(divide="ignore"):
            return np.log(mu) - np.log1p(-mu)

    def inverse(self, z: ArrayLike) -> Array:
        return sigmoid(z)

    def inverse_deriv(self, z: ArrayLike) -> Array:
        r""":math:`\sigma'(z) = \sigma(z)\sigma(-z)`, accurate in both tails."""
        z = _float(z)
        return sigmoid(z) * sigmoid(-z)

    def inverse_deriv2(self, z: ArrayLike) -> Array:
        r""":math:`\sigma''(z) = \sigma(z)\sigma(-z)\big(\sigma(-z) -
        \sigma(z)\big)`."""
        z = _float(z)
        p, q = sigmoid(z), sigmoid(-z)
        return p * q * (q - p)

    def log_inverse(self, z: ArrayLike) -> Array:
        return log_sigmoid(z)

    def log_inverse_complement(self, z: ArrayLike) -> Array:
        return log_sigmoid(-_float(z))

    def log_inverse_deriv(self, z: ArrayLike) -> Array:
        z = _float(z)
        return log_sigmoid(z) + log_sigmoid(-z)


class Probit(Link):
    r"""Probit :math:`g(\mu) = \Phi^{-1}(\mu)`; activation: the standard normal cdf
    :math:`\Phi` (chapter 8). It is not the canonical link of any family of the book."""

    name = "probit"
    mean_range = (0.0, 1.0)

    def link(self, mu: ArrayLike) -> Array:
        return special.ndtri(_float(mu))

    def inverse(self, z: ArrayLike) -> Array:
        return special.ndtr(_float(z))

    def inverse_deriv(self, z: ArrayLike) -> Array:
        r""":math:`\Phi'(z) = e^{-z^2/2}/\sqrt{2\pi}`."""
        z = _float(z)
        return np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)

    def inverse_deriv2(self, z: ArrayLike) -> Array:
        r""":math:`\Phi''(z) = -z\,\Phi'(z)`."""
        z = _float(z)
        return -z * self.inverse_deriv(z)

    def log_inverse(self, z: ArrayLike) -> Array:
        r""":math:`\log\Phi(z)` by ``scipy.special.log_ndtr``, finite far into the lower
        tail."""
        return special.log_ndtr(_float(z))

    def log_inverse_complement(self, z: ArrayLike) -> Array:
        r""":math:`\log(1 - \Phi(z)) = \log\Phi(-z)`, by symmetry."""
        return special.log_ndtr(-_float(z))

    def log_inverse_deriv(self, z: ArrayLike) -> Array:
        z = _float(z)
        return -0.5 * z * z - 0.5 * math.log(2.0 * math.pi)


class Log(Link):
    r"""Log :math:`g(\mu) = \log\mu`; activation :math:`e^{z}`, canonical for the
    Poisson (chapter 8).
    :math:`e^z` is not representable beyond :math:`z \approx 709.78`: there it is
    ``inf``."""

    name = "log"
    mean_range = (0.0, math.inf)

    def link(self, mu: ArrayLike) -> Array:
        with np.errstate(divide="ignore"):
            return np.log(_float(mu))

    def inverse(self, z: ArrayLike) -> Array:
        with np.errstate(over="ignore"):
            return np.exp(_float(z))

    def inverse_deriv(self, z: ArrayLike) -> Array:
        return self.inverse(z)

    def inverse_deriv2(self, z: ArrayLike) -> Array:
        return self.inverse(z)

    def log_inverse(self, z: ArrayLike) -> Array:
        return _float(z).copy()

    def log_inverse_deriv(self, z: ArrayLike) -> Array:
        return _float(z).copy()


class Identity(Link):
    r"""Identity :math:`g(\mu) = \mu`: canonical for the Gaussian, the least-squares
    neuron (chapter 8)."""

    name = "identity"

    def link(self, mu: ArrayLike) -> Array:
        return _float(mu).copy()

    def inverse(self, z: ArrayLike) -> Array:
        return _float(z).copy()

    def inverse_deriv(self, z: ArrayLike) -> Array:
        return np.ones_like(_float(z))

    def inverse_deriv2(self, z: ArrayLike) -> Array:
        return np.zeros_like(_float(z))


LINKS: dict[str, type[Link]] = {
    "logit": Logit,
    "probit": Probit,
    "log": Log,
    "identity": Identity,
}


def get_link(link: str | Link) -> Link:
    """A :class:`Link` from its name (``"logit"``, ``"probit"``, ``"log"``,
    ``"identity"``)."""
    if isinstance(link, Link):
        return link
    if isinstance(link, str) and link in LINKS:
        return LINKS[link]()
    raise ValueError(
        f"unknown link {link!r}; expected one of {sorted(LINKS)} or a Link object"
    )
