r"""The categorical family derived with SymPy (chapter 5): the softmax as the inverse of
its canonical link."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["CategoricalForm", "categorical"]


@dataclass(frozen=True)
class CategoricalForm:
    r"""The categorical distribution over ``k`` classes in exponential-family form
    (chapter 5), the last class the reference: :math:`\eta_c = \log(\mu_c/\mu_k)`,
    :math:`a(\eta) = \log(1 + \sum_{c<k} e^{\eta_c})`."""

    k: int
    mu: tuple  #: the probabilities mu_1..mu_k (mu_k = 1 - the others)
    eta: tuple  #: the natural parameters eta_1..eta_{k-1}
    natural_parameter: tuple  #: eta_c = log(mu_c / mu_k) as functions of mu
    inverse_link: tuple  #: mu_c as functions of eta, c = 1..k: the softmax of (eta, 0)
    log_partition: sp.Expr  #: a(eta)

    def gradient(self) -> sp.Matrix:
        r""":math:`\nabla a(\eta)`, which equals :math:`(\mu_1, \dots, \mu_{k-1})`."""
        return sp.Matrix([sp.diff(self.log_partition, e) for e in self.eta])

    def hessian(self) -> sp.Matrix:
        r""":math:`\nabla^2 a(\eta)`, which equals
        :math:`\operatorname{diag}(\mu) - \mu\mu^\top`."""
        return sp.hessian(self.log_partition, self.eta)


def categorical(k: int = 3) -> CategoricalForm:
    r"""Derive the categorical family for ``k`` classes (chapter 5): with :math:`T(y)`
    the one-hot vector without its last entry,

    .. math:: \log p(y) = \sum_{c<k} T_c(y)\log\frac{\mu_c}{\mu_k} + \log\mu_k ;

    solving :math:`\eta_c = \log(\mu_c/\mu_k)` for :math:`\mu` gives the softmax, and
    :math:`a = -\log\mu_k`."""
    probs = sp.symbols(f"mu1:{k + 1}", positive=True)
    etas = sp.symbols(f"eta1:{k}", real=True)
    natural = tuple(sp.log(probs[i] / probs[k - 1]) for i in range(k - 1))
    # mu_c = mu_k e^{eta_c} and sum mu = 1 give mu_k = 1 / (1 + sum e^{eta_j})
    equations = [sp.Eq(probs[i], probs[k - 1] * sp.exp(etas[i])) for i in range(k - 1)]
    sol = sp.solve([*equations, sp.Eq(sum(probs), 1)], probs, dict=True)[0]
    inverse = tuple(sp.simplify(sol[m]) for m in probs)
    a = sp.simplify(-sp.log(inverse[k - 1]))
    return CategoricalForm(k, probs, etas, natural, inverse, a)
