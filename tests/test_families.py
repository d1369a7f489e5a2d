"""Families and links: SymPy against numpy, a'(eta) = mean and a''(eta) = variance, links invert."""

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from companion import families as F
from companion import symbolic as S

SCALAR = {"bernoulli": S.bernoulli, "gaussian": S.gaussian, "poisson": S.poisson}
FORMS = {name: make() for name, make in SCALAR.items()}
# The SymPy expressions as mpmath functions, evaluated at 60 digits: an exact reference.
REFERENCE = {
    name: [sp.lambdify(S.eta, e, "mpmath") for e in (f.log_partition, f.mean(), f.variance(), f.inverse_link)]
    for name, f in FORMS.items()
}
MODERATE = st.floats(min_value=-30, max_value=30, allow_nan=False)


@pytest.mark.parametrize("name", sorted(SCALAR))
@given(eta=MODERATE)
def test_numpy_family_equals_lambdified_sympy(name, eta):
    fam = F.get_family(name)
    ours = [fam.log_partition, fam.mean, fam.variance, fam.inverse_link]
    for reference, f in zip(REFERENCE[name], ours):
        with mpmath.workdps(60):
            ref = float(reference(mpmath.mpf(eta)))
        assert float(f(eta)) == pytest.approx(ref, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("name", sorted(SCALAR))
@given(eta=st.floats(min_value=-20, max_value=20))
def test_a_prime_is_mean_and_a_second_is_variance_by_finite_differences(name, eta):
    fam = F.get_family(name)
    h = 1e-5
    a = fam.log_partition
    d1 = (a(eta + h) - a(eta - h)) / (2 * h)
    d2 = (fam.mean(eta + h) - fam.mean(eta - h)) / (2 * h)
    scale = max(1.0, abs(float(fam.mean(eta))))
    assert float(d1) == pytest.approx(float(fam.mean(eta)), rel=1e-6, abs=1e-7 * scale)
    assert float(d2) == pytest.approx(float(fam.variance(eta)), rel=1e-5, abs=1e-7 * scale)


@pytest.mark.parametrize("name", sorted(SCALAR))
def test_log_pdf_is_the_usual_density(name):
    from scipy import stats

    fam = F.get_family(name)
    eta = np.linspace(-3, 3, 13)
    if name == "bernoulli":
        y, ref = np.tile([0, 1], 7)[:13], lambda y, e: stats.bernoulli.logpmf(y, fam.mean(e))
    elif name == "poisson":
        y, ref = np.arange(13), lambda y, e: stats.poisson.logpmf(y, np.exp(e))
    else:
        y, ref = np.linspace(-2, 2, 13), lambda y, e: stats.norm.logpdf(y, loc=e)
    np.testing.assert_allclose(fam.log_pdf(y, eta), ref(y, eta), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(SCALAR))
def test_canonical_link_inverts_mean_and_variance_function(name):
    fam = F.get_family(name)
    eta = np.linspace(-5, 5, 21)
    mu = fam.mean(eta)
    np.testing.assert_allclose(fam.link(mu), eta, atol=1e-12)
    np.testing.assert_allclose(fam.variance_function(mu), fam.variance(eta), rtol=1e-12)


LINK_RANGE = {"logit": 15.0, "probit": 5.0, "log": 700.0, "identity": 1e6}


@pytest.mark.parametrize("name", sorted(F.LINKS))
@given(u=st.floats(min_value=-1, max_value=1))
def test_each_link_inverts_its_inverse(name, u):
    link = F.get_link(name)
    eta = u * LINK_RANGE[name]
    mu = link.inverse(eta)
    assert float(link.link(mu)) == pytest.approx(eta, rel=1e-9, abs=1e-9)
    # derivative of the inverse by finite differences, and g'(mu) * dmu/deta = 1
    h = 1e-6 * max(1.0, abs(eta))
    fd = (link.inverse(eta + h) - link.inverse(eta - h)) / (2 * h)
    assert float(link.inverse_deriv(eta)) == pytest.approx(float(fd), rel=1e-5, abs=1e-10)
    if 0 < float(link.inverse_deriv(eta)) and np.isfinite(link.deriv(mu)):
        assert float(link.deriv(mu) * link.inverse_deriv(eta)) == pytest.approx(1.0, rel=1e-6)


@pytest.mark.parametrize("name", ["logit", "probit"])
@given(mu=st.floats(min_value=1e-12, max_value=1 - 1e-12))
def test_binary_links_invert_on_probabilities(name, mu):
    link = F.get_link(name)
    assert float(link.inverse(link.link(mu))) == pytest.approx(mu, rel=1e-9, abs=1e-15)


def test_bounded_families_never_overflow_or_warn_up_to_1e4():
    eta = np.linspace(-1e4, 1e4, 40001)
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is exact enough
        bern = F.Bernoulli()
        for f in (bern.log_partition, bern.mean, bern.variance, F.Logit().inverse, F.Logit().inverse_deriv,
                  F.Probit().inverse, F.Probit().inverse_deriv, F.Gaussian().log_partition):
            assert np.all(np.isfinite(f(eta)))
        cat = F.Categorical(3)
        e2 = np.stack([eta, -eta], axis=1)
        assert np.all(np.isfinite(cat.log_partition(e2)))
        assert np.all(np.isfinite(cat.variance(e2)))
        np.testing.assert_allclose(cat.probabilities(e2).sum(axis=1), 1.0)
        # the Poisson mean exp(eta) is finite up to eta = 709.78 and no further: that is the number itself
        assert np.all(np.isfinite(F.Poisson().mean(np.linspace(-1e4, 709, 1001))))


@given(st.lists(st.floats(-30, 30), min_size=3, max_size=3))
def test_categorical_gradient_is_mean_and_hessian_is_diag_minus_outer(values):
    cat = F.Categorical(4)
    eta = np.array(values)
    h = 1e-6
    grad = np.array([(cat.log_partition(eta + h * e) - cat.log_partition(eta - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(grad, cat.mean(eta), atol=1e-8)
    hess = np.array([(cat.mean(eta + h * e) - cat.mean(eta - h * e)) / (2 * h) for e in np.eye(3)])
    np.testing.assert_allclose(hess, cat.variance(eta), atol=1e-7)
    phi = cat.probabilities(eta)
    np.testing.assert_allclose(cat.link(phi), eta, atol=1e-8 * (1 + np.abs(eta).max()) / phi.min())


def test_categorical_with_two_classes_is_bernoulli():
    eta = np.linspace(-40, 40, 81)
    cat, bern = F.Categorical(2), F.Bernoulli()
    np.testing.assert_allclose(cat.mean(eta[:, None])[:, 0], bern.mean(eta), rtol=1e-14)
    np.testing.assert_allclose(cat.log_partition(eta[:, None]), bern.log_partition(eta), rtol=1e-14)
    np.testing.assert_allclose(cat.log_pdf([0, 1, 1], [[0.3], [-2.0], [5.0]]),
                               bern.log_pdf([1, 0, 0], [0.3, -2.0, 5.0]), rtol=1e-14)


@pytest.mark.parametrize(
    "family, y, message",
    [
        ("bernoulli", [0, 1, 2], "must be 0 or 1"),
        ("poisson", [0, -1, 3], "non-negative integer"),
        ("poisson", [0.5, 1], "non-negative integer"),
        ("gaussian", [0.0, np.nan], "NaN"),
    ],
)
def test_invalid_responses_are_named(family, y, message):
    with pytest.raises(ValueError, match=message):
        F.get_family(family).check_y(y)


def test_unknown_names_are_named():
    with pytest.raises(ValueError, match="unknown link 'logistic'"):
        F.get_link("logistic")
    with pytest.raises(ValueError, match="unknown family 'binomial'"):
        F.get_family("binomial")
    with pytest.raises(ValueError, match="k >= 2"):
        F.Categorical(1)
    with pytest.raises(ValueError, match="2 entries on the last axis"):
        F.Categorical(3).mean([1.0])
