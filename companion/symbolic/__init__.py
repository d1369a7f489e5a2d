r"""SymPy derivations shown in the book, as functions, so that the chapters and the
tests can compare them with the numpy code and with independent references.

Chapter 1 takes the log of a density, expands it and reads off the pieces of

.. math:: \log p(y;\eta) = \eta\, T(y) - a(\eta) + c(y)

(:eq:`ch1-ef`; the coefficient of :math:`y` is the natural parameter, the terms
without :math:`y` are :math:`-a`, the terms with :math:`y` alone are :math:`c`), or, for
an exponential-dispersion family with dispersion :math:`\varphi`,

.. math:: \varphi \log p(y;\eta,\varphi) = y\eta - a(\eta) + \varphi\, c(y,\varphi)

(:eq:`ch1-edf`). It then solves for the usual parameter (the inverse canonical link)
and writes :math:`a` as a function of :math:`\eta`. The moments are computed twice:
from the derivatives of :math:`a`, and from the density itself (sums or integrals over
the support), so that the theorem of chapter 1 is checked rather than assumed.
"""

from ..display import DISPLAYED, assert_displayed_evaluated, equation, lambdify
from .categorical import CategoricalForm, categorical
from .dispersion import (
    ExponentialDispersionForm,
    derive_dispersion_form,
    gaussian_with_variance,
)
from .forms import (
    ExponentialForm,
    bernoulli,
    derive_exponential_form,
    eta,
    gaussian,
    mu,
    poisson,
)

__all__ = [
    "ExponentialForm",
    "ExponentialDispersionForm",
    "derive_exponential_form",
    "derive_dispersion_form",
    "bernoulli",
    "gaussian",
    "gaussian_with_variance",
    "poisson",
    "eta",
    "mu",
    "equation",
    "lambdify",
    "assert_displayed_evaluated",
    "DISPLAYED",
    "CategoricalForm",
    "categorical",
]
