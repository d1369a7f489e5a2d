"""The SymPy derivations of chapter 1, each against something it was not built from: the
rewritten form against the density, a' and a'' against moments and cumulants computed by
summing or integrating the density, the log-partition against SymPy's own normalising
sum, the variance functions and canonical links against their textbook closed forms,
and the lambdified densities against scipy.stats. Also the display guard: equation()
refuses typed LaTeX and lambdify() records what was evaluated."""

import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from companion import symbolic as S

T = sp.Symbol("t", real=True)
ONE_PARAMETER = [S.bernoulli, S.gaussian, S.poisson]


def geometric():
    y = sp.Symbol("y", integer=True, nonnegative=True)
    q = sp.Symbol("q", positive=True)
    return S.derive_exponential_form("geometric", q * (1 - q) ** y, y, q)


def gamma():
    """Gamma with mean mu and shape nu: phi = 1/nu (McCullagh and Nelder, table 2.1)."""
    y, m, nu = (sp.Symbol(n, positive=True) for n in ("y", "mu", "nu"))
    density = (nu / m) ** nu * y ** (nu - 1) * sp.exp(-nu * y / m) / sp.gamma(nu)
    return S.derive_dispersion_form("Gamma", density, y, m, 1 / nu)


@pytest.mark.parametrize("make", ONE_PARAMETER)
def test_rewritten_form_equals_density(make):
    form = make()
    back = form.rewritten().subs(S.eta, form.natural_parameter)
    if form.support == "binary":  # the identity holds on the support y in {0, 1}
        for y in (0, 1):
            assert sp.simplify(back.subs(form.y, y) - form.density.subs(form.y, y)) == 0
    else:
        diff = sp.expand_log(sp.log(back) - sp.log(form.density), force=True)
        assert sp.simplify(diff) == 0


def _moments(form):
    """E[y] and Var[y] from the density, by summation or integration (not from a)."""
    y, p = form.y, form.density
    if form.support == "binary":
        m1, m2 = (sum(v**k * p.subs(y, v) for v in (0, 1)) for k in (1, 2))
    elif form.support == "counts":
        m1, m2 = (sp.summation(y**k * p, (y, 0, sp.oo)) for k in (1, 2))
    else:
        m1, m2 = (sp.integrate(y**k * p, (y, -sp.oo, sp.oo)) for k in (1, 2))
    return sp.simplify(m1), sp.simplify(m2 - m1**2)


@pytest.mark.parametrize("make", [*ONE_PARAMETER, S.gaussian_with_variance])
def test_a_prime_is_expectation_and_phi_a_second_is_variance(make):
    form = make()
    mean, var = _moments(form)
    assert sp.simplify(form.mean_in_parameter() - mean) == 0
    assert sp.simplify(form.variance_in_parameter() - var) == 0


@pytest.mark.parametrize("make", [*ONE_PARAMETER, geometric, S.gaussian_with_variance])
def test_derivatives_of_a_are_the_cumulants_of_the_density(make):
    """kappa_r = phi^(r-1) a^(r)(eta), against the r-th derivative at 0 of the cumulant
    generating function log E[e^{ty}], itself computed from the density."""
    form = make()
    cgf = form.cgf_from_density(T)
    for r in (1, 2, 3, 4):
        from_density = sp.diff(cgf, T, r).subs(T, 0)
        assert sp.simplify(from_density - form.in_parameter(form.cumulant(r))) == 0


def test_cumulants_have_their_closed_forms():
    m = sp.Symbol("mu", positive=True)
    lam = sp.Symbol("lambda", positive=True)
    bern, gauss, pois = S.bernoulli(), S.gaussian(), S.poisson()
    third = bern.in_parameter(bern.cumulant(3)) - m * (1 - m) * (1 - 2 * m)
    assert sp.simplify(third) == 0
    assert [gauss.cumulant(r) for r in (2, 3, 4)] == [1, 0, 0]
    assert all(
        sp.simplify(pois.in_parameter(pois.cumulant(r)) - lam) == 0
        for r in (1, 2, 3, 4)
    )


@pytest.mark.parametrize("make", [*ONE_PARAMETER, geometric])
def test_log_partition_is_the_log_of_the_normalising_sum(make):
    form = make()
    normaliser, space = form.log_normaliser()
    inside = [-2.5, -0.3] if form.name == "geometric" else [-3.0, 0.0, 2.5]
    for value in inside:
        a = float(form.log_partition.subs(S.eta, value))
        assert float(normaliser.subs(S.eta, value)) == pytest.approx(a, rel=1e-13)


def test_natural_parameter_spaces():
    for make in ONE_PARAMETER:
        assert make().log_normaliser()[1] == sp.S.Reals
    assert geometric().log_normaliser()[1] == sp.Interval.open(-sp.oo, 0)


@pytest.mark.parametrize(
    ("make", "variance", "link"),
    [
        (S.bernoulli, lambda m: m * (1 - m), lambda m: sp.log(m / (1 - m))),
        (S.gaussian, lambda m: 1, lambda m: m),
        (S.poisson, lambda m: m, sp.log),
        (geometric, lambda m: m * (1 + m), lambda m: sp.log(m / (1 + m))),
        (S.gaussian_with_variance, lambda m: 1, lambda m: m),
        (gamma, lambda m: m**2, lambda m: -1 / m),
    ],
)
def test_variance_function_and_canonical_link_have_their_closed_forms(
    make, variance, link
):
    form = make()
    m = sp.Symbol("mu", positive=True)
    assert sp.simplify(form.variance_function(m) - variance(m)) == 0
    for value in (0.2, 0.45, 0.8):  # means valid for every family here
        g = form.canonical_link(m).subs(m, value)
        assert float(g) == pytest.approx(float(link(m).subs(m, value)), rel=1e-14)


def test_gaussian_dispersion_form():
    form = S.gaussian_with_variance()
    sigma = form.nuisance
    assert form.natural_parameter == form.parameter
    assert form.dispersion == sigma**2
    assert sp.simplify(form.log_partition - S.eta**2 / 2) == 0
    back = form.rewritten().subs(S.eta, form.natural_parameter)
    assert sp.simplify(back / form.density) == 1


@settings(max_examples=50, deadline=None)
@given(
    y=st.floats(-20, 20),
    mean=st.floats(-20, 20),
    sigma=st.floats(0.01, 100),
)
def test_gaussian_dispersion_pieces_match_scipy(y, mean, sigma):
    form = S.gaussian_with_variance()
    args = (form.y, form.parameter, form.nuisance)
    log_density = sp.lambdify(args, form.log_density)
    c = sp.lambdify(args, form.log_base_measure)
    reference = stats.norm.logpdf(y, mean, sigma)
    assert log_density(y, mean, sigma) == pytest.approx(reference, rel=1e-12, abs=1e-9)
    from_scipy = reference - (y * mean - mean**2 / 2) / sigma**2
    assert c(y, mean, sigma) == pytest.approx(from_scipy, rel=1e-9, abs=1e-6)


def test_gamma_dispersion_moments_match_scipy():
    form = gamma()
    nu = form.nuisance
    mean, var = (
        sp.lambdify((form.parameter, nu), e)
        for e in (form.mean_in_parameter(), form.variance_in_parameter())
    )
    for m, shape in [(0.5, 0.7), (2.0, 3.0), (40.0, 12.0)]:
        dist = stats.gamma(a=shape, scale=m / shape)
        assert mean(m, shape) == pytest.approx(dist.mean(), rel=1e-13)
        assert var(m, shape) == pytest.approx(dist.var(), rel=1e-13)


def test_wrong_dispersion_is_refused():
    y, m, nu = (sp.Symbol(n, positive=True) for n in ("y", "mu", "nu"))
    density = (nu / m) ** nu * y ** (nu - 1) * sp.exp(-nu * y / m) / sp.gamma(nu)
    with pytest.raises(ValueError, match="not the dispersion"):
        S.derive_dispersion_form("Gamma", density, y, m, nu)


def test_bernoulli_pieces():
    form = S.bernoulli()
    p = form.parameter
    assert sp.expand_log(form.natural_parameter - sp.log(p / (1 - p)), force=True) == 0
    assert sp.simplify(form.inverse_link - 1 / (1 + sp.exp(-S.eta))) == 0
    assert sp.simplify(form.log_partition - sp.log(1 + sp.exp(S.eta))) == 0
    assert form.log_base_measure == 0


def test_not_in_family_is_refused():
    y, theta = sp.Symbol("y", positive=True), sp.Symbol("theta", positive=True)
    with pytest.raises(ValueError, match="mix y and the parameter"):
        S.derive_exponential_form("Cauchy-like", 1 / (1 + (y - theta) ** 2), y, theta)


def test_equation_refuses_typed_latex_and_lambdify_records_evaluation():
    with pytest.raises(TypeError):
        S.equation("a", r"\frac{1}{2}")
    with pytest.raises(ValueError, match="typed LaTeX"):
        S.equation("a", sp.Symbol(r"\frac{x}{2}"))
    before = len(S.DISPLAYED)
    expr = sp.log(1 + sp.exp(S.eta)) * sp.Rational(1, 3)
    S.equation("a", expr)
    S.equation("p", expr, given=True)  # a starting point is not recorded
    assert len(S.DISPLAYED) == before + 1
    with pytest.raises(AssertionError, match="never evaluated"):
        S.assert_displayed_evaluated()
    f = S.lambdify(S.eta, sp.sin(expr))  # evaluating an expression containing it counts
    assert f(0.0) == pytest.approx(np.sin(np.log(2) / 3))
    assert "evaluated numerically" in S.assert_displayed_evaluated()
    del S.DISPLAYED[before:]


def test_lambdified_one_parameter_densities_match_scipy():
    eta = np.linspace(-3, 3, 7)
    bern, gauss, pois = S.bernoulli(), S.gaussian(), S.poisson()
    for form, y, ref in [
        (bern, 1, lambda p: stats.bernoulli.logpmf(1, p)),
        (gauss, 0.7, lambda m: stats.norm.logpdf(0.7, m)),
        (pois, 3, lambda lam: stats.poisson.logpmf(3, lam)),
    ]:
        mean = S.lambdify(S.eta, form.inverse_link)(eta) * np.ones_like(eta)
        logp = sp.lambdify((form.y, form.parameter), form.log_density)(y, mean)
        np.testing.assert_allclose(logp, ref(mean), rtol=1e-12)
