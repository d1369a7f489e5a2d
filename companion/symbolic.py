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

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy as sp

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

#: The natural parameter, shared by every derivation.
eta = sp.Symbol("eta", real=True)
#: A mean, for the variance function and the canonical link of a family whose mean can
#: be any real number (a positive mean uses ``Symbol("mu", positive=True)``).
mu = sp.Symbol("mu", real=True)

SUPPORTS = ("binary", "counts", "real", "positive")


def _infer_support(y: sp.Symbol) -> str:
    if y.is_integer and y.is_nonnegative:
        return "counts"
    return "positive" if y.is_positive else "real"


def _expectation(y: sp.Symbol, support: str, weight: sp.Expr, t: sp.Expr) -> sp.Expr:
    r""":math:`\sum_y e^{t y} w(y)` or :math:`\int e^{t y} w(y)\,dy` over ``support``,
    as SymPy evaluates it (a ``Piecewise`` when it converges only for some ``t``)."""
    if support == "binary":
        return sum(sp.exp(t * v) * weight.subs(y, v) for v in (0, 1))
    if support == "counts":  # sum w(y) s^y, s = e^t: SymPy sees a power series
        s = sp.Dummy("s", positive=True)
        return sp.summation(s**y * weight, (y, 0, sp.oo)).subs(s, sp.exp(t))
    lower = -sp.oo if support == "real" else 0
    return sp.integrate(sp.exp(t * y) * weight, (y, lower, sp.oo), conds="piecewise")


def _tidy(expr: sp.Expr) -> sp.Expr:
    r"""The same expression, signs where a reader expects them: :math:`\mu(1-\mu)`
    for :math:`-\mu(\mu-1)`, :math:`\log\frac{\mu}{1-\mu}` for
    :math:`\log\frac{-\mu}{\mu-1}`."""

    def flip_log(e: sp.Expr) -> sp.Expr:
        n, d = sp.fraction(sp.together(e.args[0]))
        return (
            sp.log(sp.expand(-n) / sp.expand(-d)) if n.could_extract_minus_sign() else e
        )

    expr = expr.replace(lambda e: isinstance(e, sp.log), flip_log)
    if isinstance(expr, sp.Mul) and expr.could_extract_minus_sign():
        for factor in expr.args:
            if isinstance(factor, sp.Add):
                return sp.Mul(-expr / factor, -factor)
    return expr


class _Moments:
    r"""Moments of a family whose log-partition is :math:`a(\eta)` and whose dispersion
    is :attr:`phi` (1 for a one-parameter family): the theorem of chapter 1."""

    y: sp.Symbol
    parameter: sp.Symbol
    density: sp.Expr
    natural_parameter: sp.Expr
    log_partition: sp.Expr
    support: str

    @property
    def eta(self) -> sp.Symbol:
        return eta

    @property
    def phi(self) -> sp.Expr:
        return sp.S.One

    def cumulant(self, r: int) -> sp.Expr:
        r""":math:`\varphi^{r-1} a^{(r)}(\eta)`, the :math:`r`-th cumulant of :math:`y`
        (chapter 1, :eq:`ch1-cgf`); :math:`r = 1` is the mean."""
        return sp.simplify(self.phi ** (r - 1) * sp.diff(self.log_partition, eta, r))

    def mean(self) -> sp.Expr:
        r""":math:`a'(\eta)`, which chapter 1 proves is :math:`\mathbb{E}[y]`."""
        return self.cumulant(1)

    def variance(self) -> sp.Expr:
        r""":math:`\varphi\, a''(\eta)`, which chapter 1 proves is
        :math:`\operatorname{Var}[y]`."""
        return self.cumulant(2)

    def in_parameter(self, expr: sp.Expr) -> sp.Expr:
        """``expr`` (a function of eta) written in the usual parameter."""
        out = sp.simplify(expr.subs(eta, self.natural_parameter).rewrite(sp.exp))
        return _tidy(sp.factor(out))

    def mean_in_parameter(self) -> sp.Expr:
        r""":math:`a'(\eta)` written back in the usual parameter."""
        return sp.simplify(self.mean().subs(eta, self.natural_parameter))

    def variance_in_parameter(self) -> sp.Expr:
        r""":math:`\varphi\,a''(\eta)` written back in the usual parameter."""
        return self.in_parameter(self.variance())

    def _mean_symbol(self) -> sp.Symbol:
        positive = self.mean_in_parameter().is_positive
        return sp.Symbol("mu", positive=True) if positive else mu

    def canonical_link(self, mean: sp.Symbol | None = None) -> sp.Expr:
        r"""The canonical link :math:`g(\mu) = (a')^{-1}(\mu)`: the natural parameter as
        a function of the mean (:eq:`ch1-canonical`)."""
        mean = self._mean_symbol() if mean is None else mean
        solutions = sp.solve(sp.Eq(mean, sp.diff(self.log_partition, eta)), eta)
        if len(solutions) != 1:
            raise ValueError(f"expected one solution of mu = a'(eta), got {solutions}")
        return _tidy(sp.simplify(solutions[0]))

    def variance_function(self, mean: sp.Symbol | None = None) -> sp.Expr:
        r"""The variance function :math:`V(\mu) = a''(\eta)` at :math:`\eta = g(\mu)`,
        so that :math:`\operatorname{Var}[y] = \varphi V(\mu)`
        (:eq:`ch1-variance-function`)."""
        mean = self._mean_symbol() if mean is None else mean
        a2 = sp.diff(self.log_partition, eta, 2)
        return _tidy(sp.factor(sp.simplify(a2.subs(eta, self.canonical_link(mean)))))

    def cgf_from_density(self, t: sp.Symbol) -> sp.Expr:
        r"""The cumulant generating function :math:`K(t) = \log\mathbb{E}[e^{t y}]`,
        computed from the density by summation or integration over the support (not
        from :math:`a`): the independent side of chapter 1's theorem."""
        value = sp.piecewise_fold(_expectation(self.y, self.support, self.density, t))
        if isinstance(value, sp.Piecewise):
            value = value.args[0][0]
        return sp.log(sp.simplify(value))


@dataclass(frozen=True)
class ExponentialForm(_Moments):
    r"""A density written as :math:`p(y;\eta) = \exp(\eta\,T(y) - a(\eta) + c(y))`
    (chapter 1, :eq:`ch1-ef`)."""

    name: str
    y: sp.Symbol
    parameter: sp.Symbol
    density: sp.Expr  #: the density in its usual parameter
    log_density: sp.Expr  #: its logarithm, expanded
    natural_parameter: sp.Expr  #: eta as a function of the usual parameter
    sufficient_statistic: sp.Expr  #: T(y)
    log_partition: sp.Expr  #: a(eta)
    log_base_measure: sp.Expr  #: c(y), the terms of log p free of the parameter
    inverse_link: sp.Expr  #: the usual parameter as a function of eta
    support: str = "real"  #: "binary", "counts", "real" or "positive"

    def rewritten(self) -> sp.Expr:
        r""":math:`\exp(\eta T(y) - a(\eta) + c(y))`, in :math:`y` and :math:`\eta`."""
        t, a, c = self.sufficient_statistic, self.log_partition, self.log_base_measure
        return sp.exp(eta * t - a + c)

    def log_normaliser(self) -> tuple[sp.Expr, sp.Set]:
        r""":math:`\log \sum_y e^{\eta y + c(y)}` (or the integral) computed by SymPy
        over the support, and the natural-parameter space
        :math:`\mathcal{H} = \{\eta : a(\eta) < \infty\}` where it converges
        (chapter 1)."""
        weight = sp.exp(self.log_base_measure)
        value = sp.piecewise_fold(_expectation(self.y, self.support, weight, eta))
        space: sp.Set = sp.S.Reals
        if isinstance(value, sp.Piecewise):
            value, condition = value.args[0]
            try:
                space = sp.solve_univariate_inequality(condition, eta, relational=False)
            except (NotImplementedError, ValueError):
                space = sp.ConditionSet(eta, condition, sp.S.Reals)
        return sp.simplify(sp.log(sp.simplify(value))), space


def _split_log_density(name: str, scaled: sp.Expr, y: sp.Symbol, parameter: sp.Symbol):
    """The coefficient of y, the terms with the parameter, the rest (of ``scaled``)."""
    natural = sp.simplify(scaled.coeff(y, 1))
    terms = sp.Add.make_args(sp.expand(scaled - natural * y))
    mixed = [t for t in terms if t.has(y) and t.has(parameter)]
    if mixed or natural.has(y):
        raise ValueError(
            f"{name}: not in the family with T(y) = y; these terms mix y and the "
            f"parameter: {mixed or [natural * y]}"
        )
    minus_a = sp.Add(*[t for t in terms if t.has(parameter)])
    rest = sp.Add(*[t for t in terms if not t.has(parameter)])
    solutions = sp.solve(sp.Eq(eta, natural), parameter)
    if len(solutions) != 1:
        raise ValueError(
            f"{name}: expected one solution of eta = {natural} for {parameter}, "
            f"got {solutions}"
        )
    inverse = sp.simplify(solutions[0])
    return natural, sp.simplify(-minus_a.subs(parameter, inverse)), rest, inverse


def _expanded_log(density: sp.Expr) -> sp.Expr:
    return sp.expand(sp.expand_log(sp.log(density), force=True))


def derive_exponential_form(
    name: str,
    density: sp.Expr,
    y: sp.Symbol,
    parameter: sp.Symbol,
    support: str | None = None,
) -> ExponentialForm:
    r"""Rewrite ``density`` (a function of ``y`` and ``parameter``) in the form
    :math:`\exp(\eta y - a(\eta) + c(y))` (chapter 1, :eq:`ch1-ef`).

    Requires :math:`\log p` to be linear in :math:`y` apart from terms in :math:`y`
    alone, which is what being in the family with :math:`T(y) = y` means. ``support`` is
    ``"binary"``, ``"counts"``, ``"real"`` or ``"positive"``; by default it is read from
    the assumptions on ``y`` (a non-negative integer: counts).
    """
    support = support or _infer_support(y)
    if support not in SUPPORTS:
        raise ValueError(f"support must be one of {SUPPORTS}; got {support!r}")
    log_density = _expanded_log(density)
    natural, a, log_base, inverse = _split_log_density(name, log_density, y, parameter)
    pieces = (density, log_density, natural, y, a, log_base, inverse, support)
    return ExponentialForm(name, y, parameter, *pieces)


@dataclass(frozen=True)
class ExponentialDispersionForm(_Moments):
    r"""A density written as
    :math:`p(y;\eta,\varphi) = \exp\big((y\eta - a(\eta))/\varphi + c(y,\varphi)\big)`
    (chapter 1, :eq:`ch1-edf`): :math:`\mathbb{E}[y] = a'(\eta)` and
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
        r""":math:`\exp((y\eta - a(\eta))/\varphi + c(y,\varphi))`."""
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
    r"""Rewrite ``density`` as
    :math:`\exp((y\eta - a(\eta))/\varphi + c(y,\varphi))` for the given dispersion
    :math:`\varphi` (chapter 1, :eq:`ch1-edf`).

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


def bernoulli() -> ExponentialForm:
    r"""Bernoulli :math:`\mu^y(1-\mu)^{1-y}`: :math:`\eta = \log\frac{\mu}{1-\mu}`,
    :math:`a(\eta) = \log(1+e^\eta)`, inverse link the sigmoid (chapters 1 and 2)."""
    y = sp.Symbol("y", integer=True, nonnegative=True)
    p = sp.Symbol("mu", positive=True)
    density = p**y * (1 - p) ** (1 - y)
    return derive_exponential_form("Bernoulli", density, y, p, "binary")


def _normal_density(y: sp.Symbol, mean: sp.Symbol, sigma: sp.Expr) -> sp.Expr:
    return sp.exp(-((y - mean) ** 2) / (2 * sigma**2)) / (sigma * sp.sqrt(2 * sp.pi))


def gaussian() -> ExponentialForm:
    r"""Gaussian with unit variance: :math:`\eta = \mu`, :math:`a(\eta) = \eta^2/2`,
    :math:`c(y) = -y^2/2 - \log\sqrt{2\pi}` (chapters 1 and 8)."""
    y, m = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    return derive_exponential_form("Gaussian", _normal_density(y, m, 1), y, m, "real")


def gaussian_with_variance() -> ExponentialDispersionForm:
    r"""Gaussian with variance :math:`\sigma^2` in dispersion form (chapters 1 and 8):
    :math:`\eta = \mu`, :math:`\varphi = \sigma^2`, :math:`a(\eta) = \eta^2/2`,
    :math:`V(\mu) = 1`,
    :math:`c(y,\varphi) = -y^2/(2\varphi) - \log\sqrt{2\pi\varphi}`."""
    y, m = sp.Symbol("y", real=True), sp.Symbol("mu", real=True)
    sigma = sp.Symbol("sigma", positive=True)
    density = _normal_density(y, m, sigma)
    return derive_dispersion_form("Gaussian", density, y, m, sigma**2, "real")


def poisson() -> ExponentialForm:
    r"""Poisson :math:`\lambda^y e^{-\lambda}/y!`: :math:`\eta = \log\lambda`,
    :math:`a(\eta) = e^\eta`, :math:`c(y) = -\log y!` (chapters 1 and 8)."""
    y = sp.Symbol("y", integer=True, nonnegative=True)
    lam = sp.Symbol("lambda", positive=True)
    density = lam**y * sp.exp(-lam) / sp.factorial(y)
    return derive_exponential_form("Poisson", density, y, lam, "counts")


#: Every SymPy expression a chapter has displayed as a derived result, with its
#: left-hand side, and whether it has since been evaluated numerically (see `lambdify`).
DISPLAYED: list[dict] = []

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$")


def _check_is_sympy(expr: object) -> None:
    """Refuse anything but SymPy's expressions, and symbols named with typed LaTeX."""
    if not isinstance(expr, (sp.Basic, sp.MatrixBase)):
        raise TypeError(
            f"equation() displays SymPy expressions only, not {type(expr).__name__}: "
            "a typed formula belongs in the Markdown, where the reader sees it is typed"
        )
    for symbol in expr.free_symbols:
        if not _NAME.match(symbol.name):
            raise ValueError(
                f"the symbol name {symbol.name!r} is typed LaTeX dressed as a SymPy "
                "symbol: derive the expression with SymPy, or write it in Markdown"
            )


def equation(lhs: str, expr: sp.Basic | sp.MatrixBase, given: bool = False):
    r"""Display ``lhs = expr`` in a notebook, the right-hand side typeset by SymPy.

    ``lhs`` is the name of what is shown (typed LaTeX such as ``a(\eta)``); ``expr``
    must be a SymPy expression. A derived result (the default) is recorded in
    :data:`DISPLAYED` until it is evaluated numerically through :func:`lambdify`; pass
    ``given=True`` for a starting point of a derivation (a density as usually written),
    which is not a result. Returns an ``IPython.display.Math`` object.
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
    return any(
        part == inner or (isinstance(part, sp.Basic) and part.has(inner))
        for part in parts
    )


def lambdify(args, expr, modules: str = "numpy"):
    """``sympy.lambdify(args, expr, modules)``, which also records that every displayed
    derivation contained in ``expr`` is now evaluated numerically (the chapters then
    compare the values with the companion and an independent reference). A list or tuple
    of expressions is taken element by element.
    """
    items = list(expr) if isinstance(expr, (list, tuple)) else [expr]
    for entry in DISPLAYED:
        if any(
            _contains(item, entry["expr"])
            for item in items
            if isinstance(item, (sp.Basic, sp.MatrixBase))
        ):
            entry["evaluated"] = True
    return sp.lambdify(args, expr, modules)


def assert_displayed_evaluated() -> str:
    """Raise ``AssertionError`` naming every displayed derivation that was never
    evaluated numerically through :func:`lambdify`; return a one-line verdict otherwise.
    Each chapter ends with this call."""
    missing = [entry["lhs"] for entry in DISPLAYED if not entry["evaluated"]]
    assert not missing, (
        f"derived and displayed but never evaluated numerically: {missing}"
    )
    return f"all {len(DISPLAYED)} displayed derivations were evaluated numerically"


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
    :math:`\log p(y) = \sum_{c<k} T_c(y)\log(\mu_c/\mu_k) + \log\mu_k`; solving
    :math:`\eta_c = \log(\mu_c/\mu_k)` for :math:`\mu` gives the softmax, and
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
