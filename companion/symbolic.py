r"""SymPy derivations shown in the book, as functions, so the tests can compare them with the numpy code.

The one derivation behind chapter 1 (and reused by chapters 2 and 8): take the log of a density,
expand it, and read off the exponential-family pieces

.. math:: \log p(y) = \underbrace{\eta}_{\text{coefficient of } y}\, y
          \;\underbrace{-\,a(\eta)}_{\text{terms without } y}
          \;+\underbrace{\log b(y)}_{\text{terms with } y \text{ only}},

then solve :math:`\eta = g(\text{parameter})` for the parameter (that is the inverse canonical link)
and write :math:`a` as a function of :math:`\eta`. Everything is returned as SymPy expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

__all__ = [
    "ExponentialForm",
    "derive_exponential_form",
    "bernoulli",
    "gaussian",
    "poisson",
    "eta",
    "equation",
    "lambdify",
    "assert_displayed_evaluated",
    "DISPLAYED",
    "CategoricalForm",
    "categorical",
]

#: The natural parameter, shared by every derivation.
eta = sp.Symbol("eta", real=True)


@dataclass(frozen=True)
class ExponentialForm:
    r"""A density written as :math:`p(y;\eta) = b(y)\exp(\eta\,T(y) - a(\eta))` (chapter 1)."""

    name: str
    y: sp.Symbol
    parameter: sp.Symbol
    density: sp.Expr  #: the density in its usual parameter
    log_density: sp.Expr  #: its logarithm, expanded
    natural_parameter: sp.Expr  #: eta as a function of the usual parameter: the canonical link
    sufficient_statistic: sp.Expr  #: T(y)
    log_partition: sp.Expr  #: a(eta)
    log_base_measure: sp.Expr  #: log b(y)
    inverse_link: sp.Expr  #: the usual parameter as a function of eta

    @property
    def eta(self) -> sp.Symbol:
        return eta

    def rewritten(self) -> sp.Expr:
        r""":math:`b(y)\exp(\eta T(y) - a(\eta))` as an expression in :math:`y` and :math:`\eta`."""
        return sp.exp(self.log_base_measure) * sp.exp(eta * self.sufficient_statistic - self.log_partition)

    def mean(self) -> sp.Expr:
        r""":math:`a'(\eta)`, which the theorem of chapter 1 shows is :math:`\mathbb{E}[T(y)]`."""
        return sp.simplify(sp.diff(self.log_partition, eta))

    def variance(self) -> sp.Expr:
        r""":math:`a''(\eta)`, which the theorem of chapter 1 shows is :math:`\operatorname{Var}[T(y)]`."""
        return sp.simplify(sp.diff(self.log_partition, eta, 2))

    def mean_in_parameter(self) -> sp.Expr:
        r""":math:`a'(\eta)` written back in the usual parameter."""
        return sp.simplify(self.mean().subs(eta, self.natural_parameter))

    def variance_in_parameter(self) -> sp.Expr:
        r""":math:`a''(\eta)` written back in the usual parameter (the variance function :math:`V`)."""
        return sp.factor(sp.simplify(self.variance().subs(eta, self.natural_parameter).rewrite(sp.exp)))


def derive_exponential_form(name: str, density: sp.Expr, y: sp.Symbol, parameter: sp.Symbol) -> ExponentialForm:
    r"""Rewrite ``density`` (a function of ``y`` and ``parameter``) in exponential-family form.

    Requires :math:`\log p` to be linear in :math:`y` apart from terms that depend on :math:`y` alone,
    which is what being in the family with :math:`T(y) = y` means.
    """
    log_density = sp.expand(sp.expand_log(sp.log(density), force=True))
    natural = sp.simplify(log_density.coeff(y, 1))
    rest = sp.expand(log_density - natural * y)
    terms = sp.Add.make_args(rest)
    mixed = [t for t in terms if t.has(y) and t.has(parameter)]
    if mixed:
        raise ValueError(f"{name}: not in the family with T(y) = y; these terms mix y and the parameter: {mixed}")
    log_base = sp.Add(*[t for t in terms if not t.has(parameter)])
    minus_a = sp.Add(*[t for t in terms if t.has(parameter)])
    solutions = sp.solve(sp.Eq(eta, natural), parameter)
    if len(solutions) != 1:
        raise ValueError(f"{name}: expected one solution of eta = {natural} for {parameter}, got {solutions}")
    inverse = sp.simplify(solutions[0])
    log_partition = sp.simplify(-minus_a.subs(parameter, inverse))
    return ExponentialForm(
        name=name,
        y=y,
        parameter=parameter,
        density=density,
        log_density=log_density,
        natural_parameter=natural,
        sufficient_statistic=y,
        log_partition=log_partition,
        log_base_measure=log_base,
        inverse_link=inverse,
    )


def bernoulli() -> ExponentialForm:
    r"""Bernoulli :math:`\mu^y(1-\mu)^{1-y}`: :math:`\eta = \log\frac{\mu}{1-\mu}`,
    :math:`a(\eta) = \log(1+e^\eta)`, inverse link the sigmoid (chapters 1 and 2)."""
    y = sp.Symbol("y", integer=True, nonnegative=True)
    mu = sp.Symbol("mu", positive=True)
    return derive_exponential_form("Bernoulli", mu**y * (1 - mu) ** (1 - y), y, mu)


def gaussian() -> ExponentialForm:
    r"""Gaussian with unit variance: :math:`\eta = \mu`, :math:`a(\eta) = \eta^2/2`,
    :math:`b(y) = e^{-y^2/2}/\sqrt{2\pi}` (chapters 1 and 8)."""
    y = sp.Symbol("y", real=True)
    mu = sp.Symbol("mu", real=True)
    return derive_exponential_form("Gaussian", sp.exp(-((y - mu) ** 2) / 2) / sp.sqrt(2 * sp.pi), y, mu)


def poisson() -> ExponentialForm:
    r"""Poisson :math:`\lambda^y e^{-\lambda}/y!`: :math:`\eta = \log\lambda`, :math:`a(\eta) = e^\eta`,
    :math:`b(y) = 1/y!` (chapters 1 and 8)."""
    y = sp.Symbol("y", integer=True, nonnegative=True)
    lam = sp.Symbol("lambda", positive=True)
    return derive_exponential_form("Poisson", lam**y * sp.exp(-lam) / sp.factorial(y), y, lam)


#: Every SymPy expression a chapter has displayed as a derived result, with its left-hand side, and
#: whether it has since been evaluated numerically (chapter 1's guarantee: see :func:`lambdify`).
DISPLAYED: list[dict] = []

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$")


def _check_is_sympy(expr: object) -> None:
    """Refuse anything but SymPy's own expressions, and symbols whose names are typed LaTeX."""
    if not isinstance(expr, (sp.Basic, sp.MatrixBase)):
        raise TypeError(
            f"equation() displays SymPy expressions only, not {type(expr).__name__}: a typed "
            "formula belongs in the Markdown, where the reader can see it is typed"
        )
    for symbol in expr.free_symbols:
        if not _NAME.match(symbol.name):
            raise ValueError(
                f"the symbol name {symbol.name!r} is typed LaTeX dressed as a SymPy symbol: "
                "derive the expression with SymPy, or write the formula in Markdown"
            )


def equation(lhs: str, expr: sp.Basic | sp.MatrixBase, given: bool = False):
    r"""Display ``lhs = expr`` in a notebook, the right-hand side typeset by SymPy itself.

    ``lhs`` is the name of what is shown (typed LaTeX such as ``a(\eta)``); ``expr`` must be a SymPy
    expression. A derived result (the default) is recorded in :data:`DISPLAYED` until it is evaluated
    numerically through :func:`lambdify`; pass ``given=True`` for a starting point of a derivation (a
    density as usually written), which is not a result. Returns an ``IPython.display.Math`` object.
    """
    from IPython.display import Math

    _check_is_sympy(expr)
    if not given:
        DISPLAYED.append({"lhs": lhs, "expr": expr, "evaluated": False})
    return Math(f"{lhs} = {sp.latex(expr)}")


def _contains(outer: sp.Basic | sp.MatrixBase, inner: sp.Basic | sp.MatrixBase) -> bool:
    if outer == inner:
        return True
    parts = list(outer) if isinstance(outer, sp.MatrixBase) else [outer]
    if isinstance(inner, sp.MatrixBase):
        return False
    return any(part == inner or (isinstance(part, sp.Basic) and part.has(inner)) for part in parts)


def lambdify(args, expr, modules: str = "numpy"):
    """``sympy.lambdify(args, expr, modules)``, which also records that every displayed derivation
    contained in ``expr`` is now evaluated numerically (the chapters then compare the values with the
    companion and an independent reference). A list or tuple of expressions is taken element by element.
    """
    items = list(expr) if isinstance(expr, (list, tuple)) else [expr]
    for entry in DISPLAYED:
        if any(_contains(item, entry["expr"]) for item in items if isinstance(item, (sp.Basic, sp.MatrixBase))):
            entry["evaluated"] = True
    return sp.lambdify(args, expr, modules)


def assert_displayed_evaluated() -> str:
    """Raise ``AssertionError`` naming every displayed derivation that was never evaluated numerically
    through :func:`lambdify`; return a one-line verdict otherwise. Each chapter ends with this call."""
    missing = [entry["lhs"] for entry in DISPLAYED if not entry["evaluated"]]
    assert not missing, f"derived and displayed but never evaluated numerically: {missing}"
    return f"all {len(DISPLAYED)} displayed derivations were evaluated numerically"


@dataclass(frozen=True)
class CategoricalForm:
    r"""The categorical distribution over ``k`` classes in exponential-family form (chapter 5), with the
    last class as reference: :math:`\eta_c = \log(\mu_c/\mu_k)`, :math:`a(\eta) = \log(1 + \sum_{c<k} e^{\eta_c})`."""

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
        r""":math:`\nabla^2 a(\eta)`, which equals :math:`\operatorname{diag}(\mu) - \mu\mu^\top`."""
        return sp.hessian(self.log_partition, self.eta)


def categorical(k: int = 3) -> CategoricalForm:
    r"""Derive the categorical family for ``k`` classes (chapter 5): with :math:`T(y)` the one-hot vector
    without its last entry, :math:`\log p(y) = \sum_{c<k} T_c(y)\log(\mu_c/\mu_k) + \log\mu_k`; solving
    :math:`\eta_c = \log(\mu_c/\mu_k)` for :math:`\mu` gives the softmax, and :math:`a = -\log\mu_k`."""
    mu = sp.symbols(f"mu1:{k + 1}", positive=True)
    etas = sp.symbols(f"eta1:{k}", real=True)
    natural = tuple(sp.log(mu[i] / mu[k - 1]) for i in range(k - 1))
    # mu_c = mu_k e^{eta_c} and sum mu = 1 give mu_k = 1 / (1 + sum e^{eta_j})
    sol = sp.solve([sp.Eq(mu[i], mu[k - 1] * sp.exp(etas[i])) for i in range(k - 1)]
                   + [sp.Eq(sum(mu), 1)], mu, dict=True)[0]
    inverse = tuple(sp.simplify(sol[m]) for m in mu)
    a = sp.simplify(-sp.log(inverse[k - 1]))
    return CategoricalForm(k, mu, etas, natural, inverse, a)
