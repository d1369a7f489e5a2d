"""The adversarial campaign of issue 13 against the estimators: the defects it found in the core, each
held by a test, and the fit contract that every test checks:

- a fit ends converged to the optimum, or with a warning naming what happened, the fitted attributes
  (``converged_``, ``mle_exists_``, ``separation_``, ``aliased_``) saying so, or a ``ValueError``;
- no fit warns more than once per cause, and never a RuntimeWarning;
- no accepted step increases the loss beyond its rounding;
- standard errors are finite wherever a parameter is identifiable."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pytest

from companion import (
    ConditioningWarning,
    ConvergenceWarning,
    GLMNeuron,
    LogisticNeuron,
    NonExistenceWarning,
    RankDeficiencyWarning,
    SeparationWarning,
    SoftmaxLayer,
)
from companion.links import get_link

EXPECTED = (ConvergenceWarning, NonExistenceWarning, RankDeficiencyWarning, ConditioningWarning)


# ----------------------------------------------------------------------------------- the contract
def fit(estimator, X, y):
    """Fit, recording every warning; return the estimator and the warnings' classes."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(X, y)
    return estimator, [w.category for w in caught]


def assert_contract(m, caught) -> None:
    """What every fit must satisfy, whatever the data."""
    unexpected = [c.__name__ for c in caught if not issubclass(c, EXPECTED)]
    assert not unexpected, f"warnings outside the fit's own classes: {unexpected}"
    repeated = [c.__name__ for c, n in Counter(caught).items() if n > 1]
    assert not repeated, f"warned more than once for one cause: {repeated}"
    has = lambda cls: any(issubclass(c, cls) for c in caught)  # noqa: E731
    assert bool(np.any(m.aliased_)) == has(RankDeficiencyWarning), (m.aliased_, caught)
    assert (not m.mle_exists_) == has(NonExistenceWarning), (m.mle_exists_, caught)
    assert (m.separation_ is not None) == has(SeparationWarning), (m.separation_, caught)
    if not m.converged_:
        assert has(ConvergenceWarning) or has(NonExistenceWarning), "not converged, and silent"
    h = m.history_
    if m.converged_:
        assert np.all(np.isfinite(h)), h
    h = h[np.isfinite(h)]  # a fit stopped on the edge of the mean space (a warning says so) can end at inf
    assert np.all(np.diff(h) <= 1e-10 * max(1.0, float(np.max(np.abs(h))))), f"the loss increased: {h}"
    if m.converged_ and m.mle_exists_:
        coef, se = np.atleast_2d(m.coef_), np.atleast_2d(m.coef_stderr_)
        free = ~np.broadcast_to(np.atleast_2d(m.aliased_), coef.shape)
        if isinstance(m, SoftmaxLayer) and m.reference_class_ is not None:
            free = free.copy()
            free[-1] = False  # the reference row is fixed
        assert np.all(np.isfinite(coef)), coef
        assert np.all(np.isfinite(se[free]) & (se[free] >= 0)), f"identifiable, yet SE {se[free]}"


def theta(m) -> np.ndarray:
    return np.r_[np.ravel(m.intercept_), np.ravel(m.coef_)]


def stderr(m) -> np.ndarray:
    return np.r_[np.ravel(m.intercept_stderr_), np.ravel(m.coef_stderr_)]


# ----------------------------------------------------------------------------------- what the campaign found
def _poisson_identity_at_the_edge():
    """Poisson counts with the identity link whose fitted means reach 0 at zero counts (the maximum
    on the edge of the mean space), an offset column making the design ill-conditioned."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3))
    X[:, 0] += 1000
    return X, rng.poisson(0.4 + 0.3 * np.tanh(X[:, 1]), size=40).astype(float)


def test_found_an_infinite_hessian_is_refused_silently_and_named():
    """Was: RuntimeWarning 'invalid value encountered in divide' from the Cholesky factorisation (an
    error under -W error), then 'the Hessian is not positive definite ... not strictly convex'."""
    from companion.linalg import Cholesky

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Cholesky.factor(np.array([[np.inf, 1.0], [1.0, 2.0]])) is None
    X, y = _poisson_identity_at_the_edge()
    for solver in ("irls", "newton"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = GLMNeuron("poisson", "identity", solver=solver).fit(X, y)
        assert_contract(m, [w.category for w in caught])
        assert [w.category for w in caught] == [ConvergenceWarning] and not m.converged_
        assert "Hessian is infinite" in str(caught[0].message)


def _step(link: str):
    """Labels that a threshold on x splits: separated for a link onto (0, 1); for a log or identity
    link the probabilities are bounded instead, and the maximum has finite coefficients."""
    x = np.linspace(-1, 1, 40)[:, None]
    return x, (x[:, 0] > 0).astype(float)


def _bernoulli_log_likelihood(y, mu):
    with np.errstate(divide="ignore"):
        return float(np.sum(np.where(y == 1, np.log(mu), np.log1p(-mu))))


@pytest.mark.parametrize("link", ["log", "identity"])
@pytest.mark.parametrize("solver", ["irls", "newton"])
def test_found_bernoulli_probabilities_stay_in_0_1_with_a_log_or_identity_link(link, solver):
    """Was: fitted 'probabilities' up to 2.2 (log link) or below 0 (identity), a log-likelihood computed
    from them, and a SeparationWarning saying the estimate does not exist. Now: probabilities in
    [0, 1], a likelihood no higher than the true maximum (found independently over coefficients
    whose probabilities are valid), and no claim of separation, which decides for links onto (0, 1)
    only: the maximum lies on the bound, with finite coefficients."""
    from scipy.optimize import minimize

    x, y = _step(link)
    m, caught = fit(GLMNeuron("bernoulli", link, solver=solver), x, y)
    assert_contract(m, caught)
    mu = m.predict(x)
    assert np.all((mu >= 0) & (mu <= 1)), mu
    assert m.log_likelihood_ == pytest.approx(_bernoulli_log_likelihood(y, mu), abs=1e-9)
    inverse = get_link(link).inverse

    def negative(t):
        p = inverse(t[0] + t[1] * x[:, 0])
        return 1e300 if np.any((p < 0) | (p > 1)) else -_bernoulli_log_likelihood(y, p)

    best = min(minimize(negative, s, method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12}).fun
               for s in ([-0.9, 0.8], [0.4, 0.3]))
    assert m.log_likelihood_ <= -best + 1e-9
    assert m.separation_ is None and SeparationWarning not in caught


def test_found_newton_falls_back_to_fisher_scoring_after_preconditioning():
    """Was: solver='newton' with a non-canonical link on an ill-conditioned design stopped at iteration
    0 ('the Hessian is not positive definite even in an orthonormal basis'): after the change of
    coordinates the indefinite observed Hessian was not replaced by the expected one."""
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(60, 3))
    Z[:, 2] = Z[:, 1] + 1e-7 * rng.normal(size=60)
    y = np.exp(2.5 * Z[:, 0]) * (1 + 0.1 * rng.normal(size=60))
    newton, caught = fit(GLMNeuron("gaussian", "log", solver="newton"), Z, y)
    fisher, _ = fit(GLMNeuron("gaussian", "log"), Z, y)
    assert_contract(newton, caught)
    assert newton.converged_ and caught == []
    assert newton.deviance_ == pytest.approx(fisher.deviance_, rel=1e-8)


@pytest.mark.parametrize("k", [40, 50, 60, 100, 600])
def test_found_poisson_counts_up_to_e600_converge(k):
    """Was: counts near e^40 and beyond (mean and variance e^z, as Poisson counts) never met the Newton
    test: ConvergenceWarning after 100 iterations at the optimum, because the rounding of the linear
    predictor alone gives a decrement above it when the weights are that large. Now: converged in a
    few steps, to the coefficients used."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 1))
    z = k + 0.1 * x[:, 0]
    y = np.round(np.exp(z) + np.exp(z / 2) * rng.normal(size=50))
    for solver in ("irls", "newton"):
        m, caught = fit(GLMNeuron("poisson", solver=solver), x, y)
        assert_contract(m, caught)
        assert m.converged_ and caught == [] and m.n_iter_ < 10
        np.testing.assert_allclose([m.intercept_, m.coef_[0]], [k, 0.1], atol=1e-6)


def test_found_poisson_likelihood_and_deviance_are_accurate_for_large_counts():
    """Was: y log mu - mu - log y! summed with terms of 1e19 that cancel: log-likelihood 7168 instead
    of -1068 and deviance -4096 at counts near e^40. Now: both to 1e-12 of mpmath (60 digits)."""
    import mpmath

    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 1))
    for k in (20, 36, 40):
        y = rng.poisson(np.exp(k + 0.1 * x[:, 0])).astype(float)
        m, caught = fit(GLMNeuron("poisson"), x, y)
        assert_contract(m, caught)
        mu = m.predict(x)
        with mpmath.workdps(60):
            Y, M = [mpmath.mpf(v) for v in y], [mpmath.mpf(v) for v in mu]
            ll = sum(a * mpmath.log(b) - b - mpmath.loggamma(a + 1) for a, b in zip(Y, M, strict=True))
            dev = 2 * sum(a * mpmath.log(a / b) - (a - b) for a, b in zip(Y, M, strict=True))
        assert m.log_likelihood_ == pytest.approx(float(ll), rel=1e-12)
        assert m.deviance_ == pytest.approx(float(dev), rel=1e-10)


def test_found_poisson_counts_that_overflow_the_information_are_refused():
    """Was: counts of 1e300 gave 'overflow encountered' RuntimeWarnings and 'the Hessian is not positive
    definite'. Now: a ValueError that says why and what to do."""
    with pytest.raises(ValueError, match="overflow the information"):
        GLMNeuron("poisson", fit_intercept=False).fit(np.ones((10, 1)), np.full(10, 1e300))
    m, caught = fit(GLMNeuron("poisson", fit_intercept=False), np.ones((10, 1)), np.full(10, 1e12))
    assert m.coef_[0] == pytest.approx(np.log(1e12), rel=1e-14) and caught == []


def test_found_a_perfect_gaussian_fit_warns_nothing():
    """Was: 'divide by zero encountered in log' (an error under -W error) for a zero residual sum of
    squares. Now: the log-likelihood is +inf, silently, the fit converged with standard errors 0."""
    X = np.arange(10.0).reshape(-1, 1)
    for rows in (10, 2):
        m, caught = fit(GLMNeuron(), X[:rows], 2 * X[:rows, 0] + 1)
        assert_contract(m, caught)
        assert caught == [] and m.log_likelihood_ == np.inf
        np.testing.assert_allclose(theta(m), [1.0, 2.0], atol=1e-14)


@pytest.mark.parametrize("family, y", [("bernoulli", np.ones(30)), ("poisson", np.zeros(30))])
def test_found_a_penalty_with_a_free_intercept_can_leave_no_estimate(family, y):
    """Was: alpha > 0 was taken to mean that the estimate exists, but the intercept is not penalised: a
    response all 1 (or all 0 counts) sends it to infinity, and the fit said only 'did not converge,
    increase max_iter'. Now: the non-existence is named, with the remedy that applies; penalising the
    intercept too gives an estimate."""
    X = np.random.default_rng(0).normal(size=(30, 2))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = GLMNeuron(family, alpha=0.1).fit(X, y)
    assert_contract(m, [w.category for w in caught])
    assert len(caught) == 1 and issubclass(caught[0].category, NonExistenceWarning) and not m.mle_exists_
    assert "penalize_intercept=True" in str(caught[0].message)
    m, caught = fit(GLMNeuron(family, alpha=0.1, penalize_intercept=True), X, y)
    assert m.converged_ and m.mle_exists_ and caught == []


def test_found_gradient_descent_does_not_stop_at_its_start_on_columns_in_small_units():
    """Was: columns of size 1e-6 make every gradient component below tol at the start: converged_=True
    after 0 iterations, coefficients 0, no warning. Now: the test measures each gradient in its
    column's own scale, and the fit says it has not converged; on columns of unit size the test is
    unchanged (the same iterations as before)."""
    rng = np.random.default_rng(5)
    X = rng.normal(size=(200, 3))
    y = (X @ [1.0, -1.0, 0.5] + 0.7 + rng.logistic(size=200) > 0).astype(int)
    m, caught = fit(LogisticNeuron(solver="gd", max_iter=200), X * 1e-6, y)
    assert_contract(m, caught)
    assert not m.converged_ and caught == [ConvergenceWarning]
    unit, caught = fit(LogisticNeuron(solver="gd"), X, y)
    assert unit.converged_ and caught == [] and unit.n_iter_ == 311
