"""companion.families: the scalar exponential-dispersion families.

``derivatives`` (log-likelihood, score, Fisher and observed weights; the canonical fast
paths and the generic path) against finite differences of scipy's log densities and
against SymPy's own derivatives of the chapter-1 derivation; moments against scipy's
closed forms and simulation; ``deviance`` against statsmodels' families."""

import warnings

import mpmath
import numpy as np
import pytest
import statsmodels.api as sm
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from companion import symbolic as S
from companion.families import (
    FAMILIES,
    Bernoulli,
    Family,
    Gaussian,
    Poisson,
    get_family,
)
from companion.links import Identity, Link, Log, Logit, Probit, get_link

SYMBOLIC = {"bernoulli": S.bernoulli, "gaussian": S.gaussian, "poisson": S.poisson}
FORMS = {name: make() for name, make in SYMBOLIC.items()}
COMBINATIONS = [
    ("bernoulli", "logit"),
    ("bernoulli", "probit"),
    ("poisson", "log"),
    ("poisson", "identity"),
    ("gaussian", "identity"),
    ("gaussian", "log"),
]
Z = sp.Symbol("z", real=True)
# each link's inverse as SymPy writes it: the mean as a function of z
INVERSE = {
    "logit": 1 / (1 + sp.exp(-Z)),
    "probit": (1 + sp.erf(Z / sp.sqrt(2))) / 2,
    "log": sp.exp(Z),
    "identity": Z,
}


def _distribution(family: str, mu: np.ndarray):
    """The distribution at mean ``mu``, as scipy has it (an independent reference)."""
    return {
        "bernoulli": lambda: stats.bernoulli(mu),
        "poisson": lambda: stats.poisson(mu),
        "gaussian": lambda: stats.norm(mu, 1.0),
    }[family]()


def _log_density(family: str, y, mu):
    dist = _distribution(family, mu)
    return dist.logpdf(y) if family == "gaussian" else dist.logpmf(y)


def _grid(family: str, link: str) -> tuple[np.ndarray, np.ndarray]:
    """Rows (y, z) over the family's responses and moderate linear predictors."""
    z = np.linspace(-3, 3, 25)
    if (family, link) == ("poisson", "identity"):
        z = 0.2 + np.abs(z)  # a mean must be positive
    y = {
        "bernoulli": np.array([0.0, 1.0]),
        "poisson": np.array([0.0, 1.0, 4.0, 11.0]),
        "gaussian": np.array([-2.5, 0.0, 0.7, 3.0]),
    }[family]
    yy, zz = np.meshgrid(y, z)
    return yy.ravel(), zz.ravel()


def _terms(family: Family, y, z, link: Link, observed: bool):
    t = family.derivatives(y[:, None], z[:, None], link, observed)
    assert t.score.shape == t.weight.shape == (y.size, 1) and t.loglik.shape == y.shape
    return t.loglik + family.loglik_constant(y), t.score[:, 0], t.weight[:, 0]


def _generic(link: Link) -> Link:
    """The same link under another type, so that no canonical fast path recognises
    it."""
    return type("Plain" + type(link).__name__, (type(link),), {})()


# ------------------------------------------------------------------------ derivatives
@pytest.mark.parametrize("family, link", COMBINATIONS)
def test_score_and_observed_weight_are_derivatives_of_the_log_density(family, link):
    fam, lk = get_family(family), get_link(link)
    y, z = _grid(family, link)
    loglik, score, weight = _terms(fam, y, z, lk, observed=True)
    ll = lambda e: _log_density(family, y, lk.inverse(e))
    h = 1e-4
    np.testing.assert_allclose(loglik, ll(z), rtol=1e-12, atol=1e-12)
    fd = (ll(z + h) - ll(z - h)) / (2 * h)
    np.testing.assert_allclose(score, fd, rtol=1e-6, atol=1e-7)
    second = (ll(z + h) - 2 * ll(z) + ll(z - h)) / h**2
    np.testing.assert_allclose(weight, -second, rtol=1e-4, atol=1e-5)


def _expectation(family: str, mu: float, f) -> float:
    """E[f(y)] under the family at mean ``mu``: a sum over the support, or Gauss-Hermite
    quadrature for the Gaussian."""
    if family == "bernoulli":
        y, p = np.array([0.0, 1.0]), np.array([1 - mu, mu])
    elif family == "poisson":
        y = np.arange(0.0, mu + 20 * np.sqrt(mu) + 30)
        p = stats.poisson.pmf(y, mu)
    else:
        nodes, w = np.polynomial.hermite_e.hermegauss(30)
        y, p = mu + nodes, w / np.sqrt(2 * np.pi)
    return float(np.sum(p * f(y)))


@pytest.mark.parametrize("family, link", COMBINATIONS)
def test_fisher_weight_is_the_expected_observed_weight_and_the_score_has_mean_0(
    family, link
):
    fam, lk = get_family(family), get_link(link)
    for z in _grid(family, link)[1][::4]:
        zz = np.array([z])
        mu = float(lk.inverse(zz)[0])
        fisher = _terms(fam, np.zeros(1), zz, lk, observed=False)[2][0]

        def at(i: int, z: float = z):
            return lambda y: _terms(fam, y, np.full(y.size, z), lk, observed=True)[i]

        assert _expectation(family, mu, at(2)) == pytest.approx(fisher, rel=1e-9)
        scale = max(1.0, fisher)
        assert _expectation(family, mu, at(1)) == pytest.approx(0.0, abs=1e-9 * scale)
        # Fisher's weight is mu'^2 / V(mu), the variance from scipy
        d1 = float(lk.inverse_deriv(zz)[0])
        variance = float(_distribution(family, np.array(mu)).var())
        assert fisher == pytest.approx(d1 * d1 / variance, rel=1e-10)


def _sympy_terms(family: str, link: str):
    """Log-likelihood, score, observed and Fisher weights in z, differentiated by SymPy
    from the chapter-1 derivation with the link's mean substituted."""
    form = FORMS[family]
    eta_z = form.natural_parameter.subs(form.parameter, INVERSE[link])
    ll = form.y * eta_z - form.log_partition.subs(S.eta, eta_z) + form.log_base_measure
    score = sp.diff(ll, Z)
    observed = -sp.diff(ll, Z, 2)
    fisher = observed.subs(
        form.y, INVERSE[link]
    )  # linear in y: E[.] is its value at mu
    return [
        sp.lambdify((form.y, Z), e, "mpmath") for e in (ll, score, observed, fisher)
    ]


@pytest.mark.parametrize("family, link", COMBINATIONS)
def test_derivatives_equal_sympys_derivation(family, link):
    fam, lk = get_family(family), get_link(link)
    y, z = _grid(family, link)
    exact = _sympy_terms(family, link)
    ours = [
        *_terms(fam, y, z, lk, observed=True),
        _terms(fam, y, z, lk, observed=False)[2],
    ]
    with mpmath.workdps(40):
        names = ("loglik", "score", "observed", "fisher")
        for name, f, value in zip(names, exact, ours, strict=True):
            ref = np.array(
                [
                    float(f(mpmath.mpf(a), mpmath.mpf(b)))
                    for a, b in zip(y, z, strict=True)
                ]
            )
            np.testing.assert_allclose(value, ref, rtol=1e-11, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("name", sorted(FAMILIES))
@pytest.mark.parametrize("observed", [False, True])
def test_canonical_fast_path_equals_the_generic_path(name, observed):
    fam = get_family(name)
    y, z = _grid(name, fam.canonical_link.name)
    fast = _terms(fam, y, z, fam.canonical_link, observed)
    generic = _terms(fam, y, z, _generic(fam.canonical_link), observed)
    base = Family.derivatives(fam, y[:, None], z[:, None], _generic(fam.canonical_link))
    base_terms = (
        base.loglik + fam.loglik_constant(y),
        base.score[:, 0],
        base.weight[:, 0],
    )
    for a, b, c in zip(fast, generic, base_terms, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-14)


def test_canonical_link_makes_fisher_scoring_newtons_method():
    """With the canonical link the observed and the expected information agree, for
    any response, and the score is y - mu (chapter 8)."""
    for name in FAMILIES:
        fam = get_family(name)
        y, z = _grid(name, fam.canonical_link.name)
        _, score, fisher = _terms(fam, y, z, fam.canonical_link, observed=False)
        _, _, observed = _terms(fam, y, z, fam.canonical_link, observed=True)
        np.testing.assert_array_equal(fisher, observed)
        np.testing.assert_allclose(score, y - fam.mean(z), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("z", [-45.0, -38.5, -10.0, -1.0, 6.0, 10.0, 38.5, 45.0])
@pytest.mark.parametrize("observed", [False, True])
def test_bernoulli_probit_terms_are_accurate_where_the_mean_rounds_to_0_or_1(
    z, observed
):
    """Beyond |z| = 8 the probit mean is 0 or 1 in floating point (or 1 - mu has lost
    its digits); the log-likelihood and the score stay accurate (against mpmath), with
    the expected information and with the observed one that Newton's method uses."""
    with mpmath.workdps(50), warnings.catch_warnings():
        warnings.simplefilter("error")
        t = mpmath.mpf(z)
        mu, cmu = mpmath.ncdf(t), mpmath.erfc(t / mpmath.sqrt(2)) / 2
        d1 = mpmath.npdf(t)
        for y in (0.0, 1.0):
            loglik, score, weight = _terms(
                Bernoulli(), np.array([y]), np.array([z]), Probit(), observed
            )
            exact_ll = mpmath.log(mu if y else cmu)
            exact_score = d1 / mu if y else -d1 / cmu
            assert loglik[0] == pytest.approx(float(exact_ll), rel=1e-13)
            assert score[0] == pytest.approx(float(exact_score), rel=1e-10)
            if not observed:
                exact_weight = float(d1**2 / (mu * cmu))
                assert weight[0] == pytest.approx(exact_weight, rel=1e-10)


# ------------------------------------------------------------------------ moments
def test_moments_equal_scipys_closed_forms():
    eta = np.linspace(-4, 4, 17)
    for fam in (Bernoulli(), Poisson(), Gaussian()):
        mu = fam.mean(eta)
        dist = _distribution(fam.name, mu)
        np.testing.assert_allclose(mu, dist.mean(), rtol=1e-13)
        np.testing.assert_allclose(fam.variance(eta), dist.var(), rtol=1e-12)
        np.testing.assert_allclose(fam.variance_function(mu), dist.var(), rtol=1e-12)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_moments_equal_simulation(name):
    fam, rng, n = get_family(name), np.random.default_rng(7), 400_000
    for eta in (-1.5, 0.0, 1.2):
        mu = float(fam.mean(eta))
        if name == "bernoulli":
            draw = (rng.random(n) < mu).astype(float)
        elif name == "poisson":
            draw = rng.poisson(mu, n).astype(float)
        else:
            draw = rng.normal(mu, 1.0, n)
        var = float(fam.variance(eta))
        fourth = np.mean((draw - mu) ** 4)
        assert np.mean(draw) == pytest.approx(mu, abs=5 * np.sqrt(var / n))
        assert np.var(draw) == pytest.approx(var, abs=5 * np.sqrt(fourth / n))


@pytest.mark.parametrize("name", sorted(FAMILIES))
@given(eta=st.floats(-20, 20))
def test_derivatives_of_the_log_partition_are_mean_and_variance(name, eta):
    fam, h = get_family(name), 1e-5
    d1 = (fam.log_partition(eta + h) - fam.log_partition(eta - h)) / (2 * h)
    d2 = (fam.mean(eta + h) - fam.mean(eta - h)) / (2 * h)
    scale = max(1.0, abs(float(fam.mean(eta))))
    assert float(d1) == pytest.approx(float(fam.mean(eta)), rel=1e-6, abs=1e-7 * scale)
    assert float(d2) == pytest.approx(
        float(fam.variance(eta)), rel=1e-5, abs=1e-7 * scale
    )


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_partition_mean_variance_equal_sympys_derivation(name):
    form, fam = FORMS[name], get_family(name)
    exprs = (form.log_partition, form.mean(), form.variance())
    eta = np.r_[np.linspace(-30, 30, 41), -1e-3, 1e-9, 2.5e-3]
    with mpmath.workdps(60):
        for expr, ours in zip(
            exprs, (fam.log_partition, fam.mean, fam.variance), strict=True
        ):
            f = sp.lambdify(S.eta, expr, "mpmath")
            exact = [float(f(mpmath.mpf(e))) for e in eta]
            np.testing.assert_allclose(ours(eta), exact, rtol=1e-13, atol=1e-300)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_variance_function_derivative_by_finite_differences(name):
    fam, h = get_family(name), 1e-6
    mu = np.linspace(0.05, 0.95, 19) * (1 if name == "bernoulli" else 10)
    fd = (fam.variance_function(mu + h) - fam.variance_function(mu - h)) / (2 * h)
    np.testing.assert_allclose(fam.variance_function_deriv(mu), fd, atol=1e-8)


# ------------------------------------------------------------------------ densities
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_log_pdf_and_log_likelihood_are_the_usual_densities(name):
    fam = get_family(name)
    eta = np.linspace(-3, 3, 13)
    y = {
        "bernoulli": np.tile([0.0, 1.0], 7)[:13],
        "poisson": np.arange(13.0),
        "gaussian": np.linspace(-2, 2, 13),
    }[name]
    mu = fam.mean(eta)
    ref = _log_density(name, y, mu)
    np.testing.assert_allclose(fam.log_pdf(y, eta), ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fam.log_likelihood(y, mu), ref, rtol=1e-12, atol=1e-12)


def test_log_likelihood_is_minus_infinity_outside_the_mean_space():
    y = np.array([0.0, 1.0])
    assert np.all(Poisson().log_likelihood(y, np.array([-1.0, -1.0])) == -np.inf)
    assert np.all(Bernoulli().log_likelihood(y, np.array([1.5, 1.5])) == -np.inf)
    assert np.all(Bernoulli().log_likelihood(y, np.array([-0.5, -0.5])) == -np.inf)
    # the same for the fit's row terms, with links whose means can leave [0, 1]
    for link, z in ((Log(), 0.5), (Identity(), 1.5), (Identity(), -0.5)):
        for observed in (False, True):
            terms = Bernoulli().derivatives(
                y[:, None], np.full((2, 1), z), link, observed
            )
            assert np.all(terms.loglik == -np.inf), (link, z, observed)


STATSMODELS = {
    "bernoulli": sm.families.Binomial(),
    "poisson": sm.families.Poisson(),
    "gaussian": sm.families.Gaussian(),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_deviance_equals_statsmodels(name):
    rng = np.random.default_rng(3)
    fam = get_family(name)
    mu = fam.mean(rng.normal(size=200))
    y = {
        "bernoulli": lambda: (rng.random(200) < mu).astype(float),
        "poisson": lambda: rng.poisson(mu).astype(float),
        "gaussian": lambda: rng.normal(mu, 1.0),
    }[name]()
    assert fam.deviance(y, mu) == pytest.approx(
        STATSMODELS[name].deviance(y, mu), rel=1e-12
    )
    assert fam.deviance(y, y) == 0.0


def test_gaussian_deviance_keeps_its_digits_for_large_responses():
    y = 1e9 + np.array([1.0, -2.0, 3.0])
    assert Gaussian().deviance(y, np.full(3, 1e9)) == 14.0


def test_bounded_families_never_overflow_or_warn_up_to_1e4():
    eta = np.linspace(-1e4, 1e4, 40001)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        bern = Bernoulli()
        for f in (
            bern.log_partition,
            bern.mean,
            bern.variance,
            Gaussian().log_partition,
        ):
            assert np.all(np.isfinite(f(eta)))
        z = eta[:, None]
        for link in (Logit(), Probit()):
            t = bern.derivatives(np.ones_like(z), z, link)
            assert np.all(np.isfinite(t.loglik)) and np.all(np.isfinite(t.score))
        # e^eta is finite up to eta = 709.78 and no further: that is the number itself
        assert np.all(np.isfinite(Poisson().mean(np.linspace(-1e4, 709, 1001))))


# ------------------------------------------------------------------------ input
@pytest.mark.parametrize(
    "name, y, message",
    [
        (
            "bernoulli",
            [0, 1, 2],
            "Bernoulli responses must be 0 or 1; got values such as",
        ),
        ("bernoulli", [0, 0.5], "must be 0 or 1"),
        ("poisson", [0, -1, 3], "Poisson responses must be non-negative counts; got"),
        ("poisson", [0.0, np.inf], "Poisson responses must be finite"),
        (
            "gaussian",
            [0.0, np.nan],
            "Gaussian responses must be finite; got NaN or inf",
        ),
    ],
)
def test_invalid_responses_are_named(name, y, message):
    with pytest.raises(ValueError, match=message):
        get_family(name).check_y(y)


def test_poisson_accepts_non_negative_rates():
    np.testing.assert_array_equal(Poisson().check_y([0, 0.5, 3]), [0.0, 0.5, 3.0])


def test_names_and_objects():
    for name, cls in FAMILIES.items():
        fam = get_family(name)
        assert isinstance(fam, cls) and fam.name == name
        assert fam.canonical_link == {"bernoulli": Logit(), "poisson": Log()}.get(
            name, Identity()
        )
        assert repr(fam) == f"{cls.__name__}()"
    fam = Poisson()
    assert get_family(fam) is fam
    assert Gaussian().has_dispersion and not Poisson().has_dispersion
    with pytest.raises(ValueError, match="unknown family 'binomial'"):
        get_family("binomial")
