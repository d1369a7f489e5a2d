"""companion.diagnostics: each warning's trigger and message, and the verdict on
whether the maximum-likelihood estimate exists, for every family."""

import warnings
from collections.abc import Callable

import numpy as np
import pytest

from companion.categorical import Categorical
from companion.diagnostics import (
    warn_aliased,
    warn_ill_conditioned,
    warn_no_estimate,
    why_no_estimate,
)
from companion.exceptions import (
    ConditioningWarning,
    NonExistenceWarning,
    RankDeficiencyWarning,
    SeparationWarning,
)
from companion.families import Bernoulli, Gaussian, Poisson
from companion.links import Identity, Log, Logit


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
