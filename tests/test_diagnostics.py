"""companion.diagnostics: each warning's trigger and message, and the verdict on
whether the maximum-likelihood estimate exists, for every family."""

import warnings
from collections.abc import Callable

import numpy as np
import pytest

from companion import GLMNeuron
from companion.categorical import Categorical
from companion.diagnostics import (
    on_the_edge,
    warn_aliased,
    warn_ill_conditioned,
    warn_no_estimate,
    why_no_estimate,
)
from companion.exceptions import (
    ConditioningWarning,
    ConvergenceWarning,
    NonExistenceWarning,
    RankDeficiencyWarning,
    SeparationWarning,
)
from companion.families import Bernoulli, Gaussian, Poisson
from companion.links import Identity, Log, Logit, Probit


def _never() -> np.ndarray:
    raise AssertionError("the design was built although no linear program was needed")


def _design(x) -> Callable[[], np.ndarray]:
    x = np.asarray(x, dtype=float)
    return lambda: np.column_stack([np.ones(len(x)), x])


def test_aliased_columns_are_named():
    with pytest.warns(RankDeficiencyWarning, match="x3 is a linear combination") as r:
        warn_aliased(["x3"], stacklevel=1)
    assert len(r) == 1 and "aliased_ marks it" in str(r[0].message)
    with pytest.warns(RankDeficiencyWarning, match="a, b are linear combinations"):
        warn_aliased(["a", "b"], stacklevel=1)
    with pytest.warns(RankDeficiencyWarning) as r:
        warn_aliased([f"c{i}" for i in range(12)], stacklevel=1)
    assert "c7 are" in str(r[0].message) and "c8" not in str(r[0].message)


@pytest.mark.parametrize("kappa", [1.0, 1e10, np.nan, np.inf])
def test_no_conditioning_warning_for_a_usable_design(kappa):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_ill_conditioned(kappa, stacklevel=1)


def test_conditioning_warning_says_how_many_digits_are_left():
    with pytest.warns(ConditioningWarning, match=r"1\.0e\+12.*about 4 significant"):
        warn_ill_conditioned(1e12, stacklevel=1)


def test_a_converged_fit_with_interior_means_needs_no_linear_program():
    mu = np.array([0.2, 0.7])
    verdict = why_no_estimate(Bernoulli(), Logit(), _never, np.array([0, 1]), mu, True)
    assert verdict == (None, None)
    P = np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]])
    cat = Categorical(3)
    assert why_no_estimate(cat, None, _never, np.array([2, 0]), P, True) == (None, None)
    y = np.array([1.0, 3.0])
    assert why_no_estimate(Poisson(), Log(), _never, y, y, True) == (None, None)


def test_separated_binary_and_categorical_data_are_named():
    x, y = np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1])
    mu = np.array([1e-12, 1e-9, 1 - 1e-9, 1 - 1e-12])
    kind, reason = why_no_estimate(Bernoulli(), Logit(), _design(x), y, mu, True)
    assert (kind, reason) == ("complete", "separation")
    P = np.column_stack([1 - mu, mu, np.zeros(4)])
    verdict = why_no_estimate(Categorical(3), None, _design(x), y, P, False)
    assert verdict[0] is not None and verdict[1] == "separation"
    # a non-converged fit on overlapping data is not blamed on separation
    y = np.array([0, 1, 0, 1])
    mu = np.full(4, 0.5)
    verdict = why_no_estimate(Bernoulli(), Logit(), _design(x), y, mu, False)
    assert verdict == (None, None)


def test_poisson_zero_counts_fitted_by_vanishing_means_are_named():
    x, y = np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.0, 0.0, 2.0, 5.0])
    mu = np.array([1e-12, 1e-12, 2.0, 5.0])
    kind, reason = why_no_estimate(Poisson(), Log(), _design(x), y, mu, True)
    assert kind is None and "zero counts can be fitted by means tending to 0" in reason
    # the identity link has no such direction: the LP is for the log link
    assert why_no_estimate(Poisson(), Identity(), _never, y, y + 0.5, True) == (
        None,
        None,
    )


def test_responses_beyond_the_activations_range_are_named():
    y = np.array([-0.5, 0.3, 0.6, 1.5])
    mu = np.array([1e-12, 0.3, 0.6, 1 - 1e-12])
    kind, reason = why_no_estimate(Gaussian(), Logit(), _never, y, mu, True)
    assert kind is None
    assert "outside the range (0.0, 1.0) of the logit link's activation" in reason
    # inside the range, or outside but not pushed to the edge: no verdict
    inside = why_no_estimate(
        Gaussian(), Logit(), _never, np.clip(y, 0.1, 0.9), mu, True
    )
    assert inside == (None, None)
    far = np.array([0.2, 0.3, 0.6, 0.8])
    assert why_no_estimate(Gaussian(), Logit(), _never, y, far, True) == (None, None)


def test_the_no_estimate_warnings():
    with pytest.warns(
        SeparationWarning, match="complete separation.*3 classes exactly"
    ):
        warn_no_estimate("complete", "separation", 3, 41.5, 25, stacklevel=1)
    with pytest.warns(SeparationWarning, match="apart from observations on it") as r:
        warn_no_estimate("quasi-complete", "separation", 2, 41.5, 25, stacklevel=1)
    message = str(r[0].message)
    assert "largest |coefficient| 41.5" in message and "after 25 iterations" in message
    assert "alpha > 0" in message
    with pytest.warns(NonExistenceWarning, match="does not exist: all zero") as r:
        warn_no_estimate(None, "all zero", 2, 1.0, 3, stacklevel=1)
    assert not isinstance(r[0].message, SeparationWarning)
    assert issubclass(SeparationWarning, NonExistenceWarning)


def _poisson_on_the_edge():
    """Counts whose rate is 0 for x < 0 and 3x beyond: with the identity link the
    best straight line for the mean touches 0 at the left end of the data."""
    rng = np.random.default_rng(0)
    x = np.linspace(-2, 2, 200)
    return x, rng.poisson(np.where(x > 0, 3 * x, 0.0))


def test_a_maximum_on_the_edge_of_the_mean_space_is_named():
    """The solver cannot converge where the maximum has a fitted mean of 0 (no
    stationary point): its one warning says why. The point IRLS stops at is that
    maximum, as a constrained optimiser (scipy's SLSQP, mean >= 0 at both ends of the
    data) finds it."""
    from scipy.optimize import minimize
    from scipy.special import gammaln

    x, y = _poisson_on_the_edge()

    def log_likelihood(b):
        mu = b[0] + b[1] * x
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(y > 0, y * np.log(mu), 0.0) - mu - gammaln(y + 1)
        return float(np.sum(terms)) if np.all(mu >= 0) else -np.inf

    ends = [{"type": "ineq", "fun": lambda b, t=t: b[0] + b[1] * t} for t in (-2, 2)]
    best = minimize(
        lambda b: -log_likelihood(b), [2.0, 0.5], constraints=ends, method="SLSQP",
        options={"ftol": 1e-14, "maxiter": 500},
    )  # fmt: skip
    fits = {}
    for solver in ("irls", "newton"):
        with pytest.warns(ConvergenceWarning) as caught:
            m = GLMNeuron("poisson", "identity", solver=solver).fit(x[:, None], y)
        assert len(caught) == 1 and not m.converged_
        assert str(caught[0].message).startswith(
            "the maximum lies on the edge of the Poisson mean space (0, inf): 1 fitted "
            "mean is on it"
        )
        fits[solver] = m
    irls = fits["irls"]
    assert irls.log_likelihood_ >= -best.fun - 1e-6
    assert irls.log_likelihood_ == pytest.approx(log_likelihood(best.x), abs=1e-3)


def test_the_edge_is_named_only_where_the_activation_can_leave_the_mean_space():
    mu = np.array([0.0, 0.5, 1.0])
    assert on_the_edge(Bernoulli(), Identity(), mu) is not None
    assert on_the_edge(Bernoulli(), Log(), mu) is not None
    assert on_the_edge(Bernoulli(), Logit(), mu) is None  # the canonical link
    assert on_the_edge(Bernoulli(), Probit(), mu) is None  # also onto (0, 1)
    assert on_the_edge(Poisson(), Identity(), np.array([1e-12, 3.0])) is not None
    assert on_the_edge(Poisson(), Identity(), np.array([0.5, 3.0])) is None
    assert on_the_edge(Gaussian(), Log(), np.array([1e-12, 3.0])) is None  # R
    x, y = _poisson_on_the_edge()
    with pytest.warns(ConvergenceWarning) as caught:  # out of iterations, not edge
        GLMNeuron("poisson", max_iter=1).fit(x[:, None], y)
    assert "edge" not in str(caught[0].message)
