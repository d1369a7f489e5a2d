r"""One-parameter exponential families derived with SymPy (chapter 1, :eq:`ch1-ef`): the
log-density split into natural parameter, log-partition and log base measure, and the
moments computed both from :math:`a(\eta)` and from the density itself."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = [
    "ExponentialForm",
    "derive_exponential_form",
    "bernoulli",
    "gaussian",
    "poisson",
    "eta",
    "mu",
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
    r"""A density written as (chapter 1, :eq:`ch1-ef`)

    .. math:: p(y;\eta) = \exp\big(\eta\,T(y) - a(\eta) + c(y)\big).
    """

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


def poisson() -> ExponentialForm:
    r"""Poisson :math:`\lambda^y e^{-\lambda}/y!`: :math:`\eta = \log\lambda`,
    :math:`a(\eta) = e^\eta`, :math:`c(y) = -\log y!` (chapters 1 and 8)."""
    y = sp.Symbol("y", integer=True, nonnegative=True)
    lam = sp.Symbol("lambda", positive=True)
    density = lam**y * sp.exp(-lam) / sp.factorial(y)
    return derive_exponential_form("Poisson", density, y, lam, "counts")
