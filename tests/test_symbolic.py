"""companion.symbolic: the SymPy derivations. The rewritten form is the density, and a',
a'' are the mean and variance computed independently by summing or integrating against
the density."""

import pytest
import sympy as sp

from companion import symbolic as S


@pytest.mark.parametrize("make", [S.bernoulli, S.gaussian, S.poisson])
def test_rewritten_form_equals_density(make):
    form = make()
    back = form.rewritten().subs(S.eta, form.natural_parameter)
    if form.name == "Bernoulli":  # the identity holds on the support y in {0, 1}
        for y in (0, 1):
            assert sp.simplify(back.subs(form.y, y) - form.density.subs(form.y, y)) == 0
    else:
        assert (
            sp.simplify(sp.expand_log(sp.log(back) - sp.log(form.density), force=True))
            == 0
        )


def _moments(form):
    """E[y] and Var[y] from the density itself, by summation or integration (not from
    a)."""
    y, p = form.y, form.density
    if form.name == "Bernoulli":
        m1 = sum(v * p.subs(y, v) for v in (0, 1))
        m2 = sum(v**2 * p.subs(y, v) for v in (0, 1))
    elif form.name == "Poisson":
        m1 = sp.summation(y * p, (y, 0, sp.oo))
        m2 = sp.summation(y**2 * p, (y, 0, sp.oo))
    else:
        m1 = sp.integrate(y * p, (y, -sp.oo, sp.oo))
        m2 = sp.integrate(y**2 * p, (y, -sp.oo, sp.oo))
    return sp.simplify(m1), sp.simplify(m2 - m1**2)


@pytest.mark.parametrize("make", [S.bernoulli, S.gaussian, S.poisson])
def test_a_prime_is_expectation_and_a_second_is_variance(make):
    form = make()
    mean, var = _moments(form)
    assert sp.simplify(form.mean_in_parameter() - mean) == 0
    assert sp.simplify(form.variance_in_parameter() - var) == 0


def test_bernoulli_pieces():
    form = S.bernoulli()
    phi = form.parameter
    assert (
        sp.expand_log(form.natural_parameter - sp.log(phi / (1 - phi)), force=True) == 0
    )
    assert sp.simplify(form.inverse_link - 1 / (1 + sp.exp(-S.eta))) == 0
    assert sp.simplify(form.log_partition - sp.log(1 + sp.exp(S.eta))) == 0
    assert form.log_base_measure == 0


def test_not_in_family_is_refused():
    y, theta = sp.Symbol("y", positive=True), sp.Symbol("theta", positive=True)
    with pytest.raises(ValueError, match="mix y and the parameter"):
        S.derive_exponential_form("Cauchy-like", 1 / (1 + (y - theta) ** 2), y, theta)
