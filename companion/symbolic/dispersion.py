r"""Exponential-dispersion families derived with SymPy (chapter 1, :eq:`ch1-edf`):
:math:`\varphi\log p = y\eta - a(\eta) + \varphi\,c(y,\varphi)`."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from .forms import (
    _expanded_log,
    _infer_support,
    _Moments,
    _normal_density,
    _split_log_density,
    eta,
)

__all__ = [
    "ExponentialDispersionForm",
    "derive_dispersion_form",
    "gaussian_with_variance",
]


@dataclass(frozen=True)
class ExponentialDispersionForm(_Moments):
    r"""A density written as (chapter 1, :eq:`ch1-edf`)

    .. math:: p(y;\eta,\varphi)
       = \exp\big((y\eta - a(\eta))/\varphi + c(y,\varphi)\big) :

    :math:`\mathbb{E}[y] = a'(\eta)` and
    :math:`\operatorname{Var}[y] = \varphi\, a''(\eta) = \varphi V(\mu)`."""

    name: str
    y: sp.Symbol
    parameter: sp.Symbol  #: the usual parameter (the mean, for the Gaussian)
    nuisance: (
        sp.Symbol
    )  #: the parameter the dispersion is made of (sigma, for the Gaussian)
    dispersion: sp.Expr  #: phi as a function of ``nuisance``
    density: sp.Expr
    log_density: sp.Expr
    natural_parameter: sp.Expr  #: eta as a function of the usual parameter
    log_partition: sp.Expr  #: a(eta), free of the dispersion
    log_base_measure: sp.Expr  #: c(y, phi)
    inverse_link: sp.Expr  #: the usual parameter as a function of eta
    support: str = "real"

    @property
    def phi(self) -> sp.Expr:
        return self.dispersion

    def rewritten(self) -> sp.Expr:
        r"""The density rebuilt from its pieces:

        .. math:: \exp\big((y\eta - a(\eta))/\varphi + c(y,\varphi)\big).
        """
        a, c = self.log_partition, self.log_base_measure
        return sp.exp((self.y * eta - a) / self.dispersion + c)


def derive_dispersion_form(
    name: str,
    density: sp.Expr,
    y: sp.Symbol,
    parameter: sp.Symbol,
    dispersion: sp.Expr,
    support: str | None = None,
) -> ExponentialDispersionForm:
    r"""Rewrite ``density`` for the given dispersion :math:`\varphi` as
    (chapter 1, :eq:`ch1-edf`)

    .. math:: \exp\big((y\eta - a(\eta))/\varphi + c(y,\varphi)\big).


    :math:`\varphi\log p` is expanded: the coefficient of :math:`y` is :math:`\eta`, the
    terms with the parameter are :math:`-a(\eta)`, and the rest is
    :math:`\varphi\,c(y,\varphi)`. Raises ``ValueError`` if :math:`\eta` or :math:`a`
    involve the dispersion (then ``dispersion`` is not the family's dispersion).
    """
    support = support or _infer_support(y)
    nuisance = sorted(sp.sympify(dispersion).free_symbols, key=str)
    if len(nuisance) != 1 or parameter in nuisance:
        raise ValueError(
            f"{name}: the dispersion must be a function of one parameter other than "
            f"{parameter}; got {dispersion}"
        )
    log_density = _expanded_log(density)
    scaled = sp.expand(dispersion * log_density)
    natural, a, rest, inverse = _split_log_density(name, scaled, y, parameter)
    if natural.has(nuisance[0]) or a.has(nuisance[0]):
        raise ValueError(
            f"{name}: with phi = {dispersion}, eta = {natural} and a = {a} depend on "
            f"{nuisance[0]}: that phi is not the dispersion of this family"
        )
    c = sp.expand(rest / dispersion)
    pieces = (density, log_density, natural, a, c, inverse, support)
    return ExponentialDispersionForm(
        name, y, parameter, nuisance[0], dispersion, *pieces
    )


def gaussian_with_variance() -> ExponentialDispersionForm:
    r"""Gaussian with variance :math:`\sigma^2` in dispersion form (chapters 1 and 8):
    :math:`\eta = \mu`, :math:`\varphi = \sigma^2`, :math:`a(\eta) = \eta^2/2`,
    :math:`V(\mu) = 1` and

    .. math:: c(y,\varphi) = -\frac{y^2}{2\varphi} - \log\sqrt{2\pi\varphi}.
    """
    y, m = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    density = _normal_density(y, m, sigma)
    return derive_dispersion_form("Gaussian", density, y, m, sigma**2, "real")
