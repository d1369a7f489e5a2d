"""companion.solvers: Newton's method and gradient descent."""

import math

import numpy as np
import pytest

from companion.exceptions import ConvergenceWarning
from companion.glm import Evaluation
from companion.solvers import newton


class Uphill:
    r""":math:`J(b) = \sqrt{1 + b^2}` with a gradient of the wrong sign: no step along
    the Newton direction decreases the loss (computed without rounding error:
    ``magnitude`` 0)."""

    def evaluate(self, beta, order=2, observed=None):
        b = float(beta[0])
        r = math.sqrt(1 + b * b)
        return Evaluation(r, np.array([-b / r]), np.array([[r**-3]]), magnitude=0.0)

    def precondition(self, beta):
        return beta, np.zeros(0, dtype=int)


def test_newton_stops_with_a_warning_when_no_step_decreases_the_loss():
    """Halving until the step no longer moves the point must not count as a step."""
    with pytest.warns(ConvergenceWarning, match="no step along the Newton direction"):
        result = newton(Uphill(), np.array([2.0]), max_iter=100, tol=1e-10)
    assert not result.converged and result.beta[0] == 2.0 and result.n_iter == 0
