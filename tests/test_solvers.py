"""companion.solvers: Newton's method and gradient descent on problems with known
solutions and closed-form loss values, and on objectives built to make them fail."""

import math
import warnings

import numpy as np
import pytest
from scipy import special

from companion.exceptions import ConvergenceWarning
from companion.families import get_family
from companion.glm import Evaluation, GLMObjective
from companion.links import get_link
from companion.solvers import gradient_descent, newton


def _least_squares(seed: int = 0, n: int = 80):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 10.0, 0.1]
    y = 1.0 + X @ [0.5, -0.2, 3.0] + rng.normal(size=n)
    return X, y


def test_newton_on_least_squares_is_the_normal_equations_in_one_step():
    X, y = _least_squares()
    obj = GLMObjective(X, y, get_family("gaussian"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = newton(obj, obj.initial(), max_iter=50, tol=1e-10)
    X1 = np.column_stack([np.ones(len(y)), X])
    exact = np.linalg.solve(X1.T @ X1, X1.T @ y)
    np.testing.assert_allclose(obj.theta(result.beta)[:, 0], exact, rtol=1e-12)
    rss = float(np.sum((y - X1 @ exact) ** 2))
    # J = RSS / (2N) + log(2 pi) / 2, the Gaussian's mean negative log-likelihood
    assert result.history[-1] == pytest.approx(
        rss / (2 * len(y)) + 0.5 * math.log(2 * math.pi), rel=1e-13
    )
    # a quadratic: the first step lands on the minimum, the second only confirms it
    assert result.converged and result.n_iter <= 2
    assert result.history[1] == pytest.approx(result.history[-1], rel=1e-13)
    # the last factorisation inverts the Hessian at the estimate: H = X1^T X1 / N
    H = obj.evaluate(result.beta).hessian
    np.testing.assert_allclose(
        result.factor.inverse_diagonal(), np.diag(np.linalg.inv(H)), rtol=1e-10
    )


@pytest.mark.parametrize("counts", [[0, 1, 1, 3, 7, 2], [40, 41, 39], [0, 0, 0, 1]])
def test_newton_on_one_parameter_poisson_finds_log_of_the_mean(counts):
    y = np.array(counts, dtype=float)
    obj = GLMObjective(np.zeros((y.size, 0)), y, get_family("poisson"))
    result = newton(obj, np.array([2.0]), max_iter=100, tol=1e-10)
    m = y.mean()
    assert result.converged
    assert obj.theta(result.beta)[0, 0] == pytest.approx(math.log(m), rel=1e-12)
    # J = mean - mean log(mean) + mean(log y!)
    exact = m - m * math.log(m) + float(np.mean(special.gammaln(y + 1)))
    assert result.history[-1] == pytest.approx(exact, rel=1e-13)
    assert np.all(np.diff(result.history) <= 0)


class Hyperbola:
    r""":math:`J(b) = \sqrt{1 + b^2}`: convex, minimum 1 at 0, and Newton's full step
    :math:`b \to -b^3` overshoots for :math:`|b| > 1` (the loss increases)."""

    observed = False

    def __init__(self) -> None:
        self.preconditioned = 0

    def evaluate(self, beta, order=2, observed=None):
        b = float(beta[0])
        r = math.sqrt(1 + b * b)
        return Evaluation(r, np.array([b / r]), np.array([[r**-3]]), magnitude=r)

    def precondition(self, beta):
        self.preconditioned += 1
        return beta, np.zeros(0, dtype=int)


def test_line_search_never_accepts_an_increase():
    obj = Hyperbola()
    full_step = -(3.0**3)
    assert obj.evaluate(np.array([full_step])).loss > obj.evaluate(np.array([3.0])).loss
    result = newton(obj, np.array([3.0]), max_iter=100, tol=1e-10)
    assert result.converged and abs(result.beta[0]) < 1e-8
    assert np.all(np.diff(result.history) <= 0) and result.history[1] < 3.0
    assert result.history[-1] == pytest.approx(1.0, abs=1e-15)
    assert obj.preconditioned == 0  # a well-conditioned Hessian needs no new basis


def test_newton_warns_when_it_runs_out_of_iterations():
    obj = Hyperbola()
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=2"):
        result = newton(obj, np.array([3.0]), max_iter=2, tol=1e-10)
    assert not result.converged and result.n_iter == 2 and len(result.history) == 3
    assert "Increase max_iter" in result.message


class Uphill(Hyperbola):
    """A gradient of the wrong sign: no step along the Newton direction decreases the
    loss (computed without rounding error: ``magnitude`` 0)."""

    def evaluate(self, beta, order=2, observed=None):
        ev = super().evaluate(beta, order, observed)
        return Evaluation(ev.loss, -ev.gradient, ev.hessian, magnitude=0.0)


def test_newton_stops_with_a_warning_when_no_step_decreases_the_loss():
    with pytest.warns(ConvergenceWarning, match="no step along the Newton direction"):
        result = newton(Uphill(), np.array([2.0]), max_iter=100, tol=1e-10)
    assert not result.converged and result.beta[0] == 2.0 and result.n_iter == 0


class Concave(Hyperbola):
    """:math:`J(b) = -b^2`: its Hessian is not positive definite in any basis."""

    def evaluate(self, beta, order=2, observed=None):
        b = float(beta[0])
        return Evaluation(-b * b, np.array([-2 * b]), np.array([[-2.0]]), b * b)


def test_newton_preconditions_once_then_names_a_non_convex_loss():
    obj = Concave()
    with pytest.warns(ConvergenceWarning, match="not positive definite even in an"):
        result = newton(obj, np.array([1.0]), max_iter=100, tol=1e-10)
    assert obj.preconditioned == 1 and not result.converged and result.factor is None


def test_newton_falls_back_to_fisher_scoring_where_the_observed_hessian_fails():
    """Far from the optimum the observed information of a non-canonical link can be
    unusable (here some probit means round to 0 or 1); the expected one is used for
    that step, and the fit reaches the optimum of Fisher scoring."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (rng.random(200) < special.ndtr(X @ [1.0, -1.0])).astype(float)
    bernoulli, probit = get_family("bernoulli"), get_link("probit")
    obj = GLMObjective(X, y, bernoulli, probit, observed=True)
    start = np.array([0.0, -6.0, 6.0])
    assert obj.evaluate(start).hessian is None or not np.all(
        np.isfinite(obj.evaluate(start).hessian)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = newton(obj, start, max_iter=100, tol=1e-10)
    assert result.converged and np.all(np.diff(result.history) <= 0)
    fisher = GLMObjective(X, y, bernoulli, probit)
    reference = newton(fisher, fisher.initial(), max_iter=100, tol=1e-10)
    np.testing.assert_allclose(
        obj.theta(result.beta), fisher.theta(reference.beta), rtol=1e-8
    )


# ------------------------------------------------------------------ gradient descent
def _book_objective():
    X, y = _least_squares(2)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    return X, y, GLMObjective(X, y, get_family("gaussian"), scale_columns=False)


def test_gradient_descent_reaches_the_least_squares_solution():
    X, y, obj = _book_objective()
    result = gradient_descent(obj.loss_and_gradient, np.zeros(4), 0.5, 10_000, 1e-10)
    X1 = np.column_stack([np.ones(len(y)), X])
    exact = np.linalg.lstsq(X1, y, rcond=None)[0]
    assert result.converged
    np.testing.assert_allclose(result.beta, exact, rtol=1e-8)
    assert np.all(np.diff(result.history) <= 0)
    assert len(result.history) == result.n_iter + 1


def test_gradient_descent_names_a_learning_rate_that_is_too_large():
    X, y, obj = _book_objective()
    with pytest.warns(ConvergenceWarning) as record:
        result = gradient_descent(obj.loss_and_gradient, np.zeros(4), 50.0, 1000, 1e-8)
    assert len(record) == 1
    message = str(record[0].message)
    assert "gradient descent diverged at iteration" in message
    assert "learning_rate=50 is too large" in message
    assert not result.converged and np.all(np.isfinite(result.beta))
    assert result.n_iter == len(result.history) - 1
    assert result.message == message


def test_gradient_descent_warns_when_it_runs_out_of_iterations():
    X, y, obj = _book_objective()
    with pytest.warns(ConvergenceWarning, match="did not converge in max_iter=5"):
        result = gradient_descent(obj.loss_and_gradient, np.zeros(4), 0.1, 5, 1e-10)
    assert not result.converged and result.n_iter == 5 and len(result.history) == 6
    assert "largest gradient component" in result.message


def test_gradient_descent_at_the_optimum_takes_no_step():
    result = gradient_descent(
        lambda b: (float(b @ b), 2 * b), np.zeros(2), 0.1, 10, 0.0
    )
    assert result.converged and result.n_iter == 0 and result.history == [0.0]
