r"""The two optimisers of the book (chapters 4, 7 and 8): gradient descent, the way
networks are trained, and Newton's method, which for a GLM is iteratively reweighted
least squares (IRLS).

Both minimise a loss and return a :class:`SolverResult`; both end in one of two ways:
converged, or a :class:`~companion.exceptions.ConvergenceWarning` that says why not.
Newton's method never accepts a step that increases the loss (beyond its rounding);
gradient descent, the fixed-step method networks are trained with, does, until the loss
is no longer finite or a millionfold its start: it then stops with a warning that the
step is too large.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
from scipy.optimize import minimize

from ._types import Array
from .exceptions import ConvergenceWarning
from .glm import Evaluation
from .linalg import Cholesky

__all__ = [
    "lbfgs",
    "newton_polish",
    "SolverResult",
    "gradient_descent",
    "newton",
    "ConvergenceWarning",
    "NEWTON_FLOOR",
]

LossGrad = Callable[[Array], tuple[float, Array]]
#: the smallest Newton decrement the test can see, relative: about the square root of
# the
#: rounding error of the loss
NEWTON_FLOOR = 3e-8
#: the rounding error of a loss summed over many rows, relative to the size of its terms
#: (``Evaluation.magnitude``): two losses closer than this are not told apart by the
# line search
ROUNDING = 64 * np.finfo(float).eps
#: how far above the decrement that the rounding of the linear predictors produces
# (``Evaluation.noise``) the decrement must be for the test to see it
NOISE = 100.0
#: the reciprocal condition number below which a Newton system is not trusted (chapter
# 8)
MIN_RCOND = 1e-10


@dataclass
class SolverResult:
    """What a solver returns: the estimate (working coordinates), how it got there,
    whether it converged, and for Newton the factorisation of the last Hessian (the
    standard errors use it)."""

    beta: Array
    n_iter: int
    converged: bool
    history: list[float] = field(
        default_factory=list
    )  #: the loss before each step and at the end
    factor: Cholesky | None = None
    message: str = ""


def _warn(message: str) -> None:
    warnings.warn(message, ConvergenceWarning, stacklevel=4)


def gradient_descent(
    loss_and_gradient: LossGrad,
    theta0: Array,
    learning_rate: float,
    max_iter: int,
    tol: float,
    unit: Array | None = None,
) -> SolverResult:
    r"""Fixed-step gradient descent :math:`\theta \leftarrow \theta - \varepsilon\nabla
    J(\theta)` (chapter 4), stopped when the largest gradient component is at most
    ``tol``, each component first multiplied by ``unit`` (the estimators pass
    :math:`1/\max_i|x_{ij}|` for a column whose entries are all below 1 in size: its
    gradient in the column's own scale, so that a column in small units does not stop
    the descent where it starts).

    No line search: the book shows the fixed-step method and how its speed depends on
    :math:`\varepsilon` and on the scaling of the inputs. A step that makes the loss
    non-finite or increases it a millionfold means :math:`\varepsilon` is too large: the
    solver stops there (keeping the last finite point) with a warning. No test on the
    change of the loss: it would sit at rounding level and make iteration counts differ
    between machines.
    """
    theta = np.array(theta0, dtype=float)
    unit = np.ones_like(theta) if unit is None else np.asarray(unit, dtype=float)
    size = lambda g: float(np.max(np.abs(g) * unit, initial=0.0))
    loss, grad = loss_and_gradient(theta)
    history = [loss]
    for it in range(1, max_iter + 1):
        if size(grad) <= tol:
            return SolverResult(theta, it - 1, True, history)
        candidate = theta - learning_rate * grad
        new_loss, new_grad = loss_and_gradient(candidate)
        if not np.isfinite(new_loss) or new_loss > 1e6 * max(1.0, abs(history[0])):
            message = (
                f"gradient descent diverged at iteration {it}: the loss went from "
                f"{loss:.3g} to {new_loss:.3g}; learning_rate={learning_rate:g} is too "
                "large for this problem (standardise the inputs or lower it)"
            )
            _warn(message)
            return SolverResult(theta, it - 1, False, history, message=message)
        theta, loss, grad = candidate, new_loss, new_grad
        history.append(loss)
    largest = size(grad)
    if largest <= tol:
        return SolverResult(theta, max_iter, True, history)
    message = (
        f"gradient descent did not converge in max_iter={max_iter} iterations: the "
        f"largest gradient component is {largest:.3g}, tol={tol:g}. Increase max_iter "
        "or the learning rate, or standardise the inputs."
    )
    _warn(message)
    return SolverResult(theta, max_iter, False, history, message=message)


class NewtonObjective(Protocol):
    """What :func:`newton` needs of a loss (:class:`companion.glm.GLMObjective` provides
    it)."""

    def evaluate(
        self, beta: Array, order: int = 2, observed: bool | None = None
    ) -> Evaluation: ...

    def precondition(self, beta: Array) -> tuple[Array, Array]: ...


def newton(
    objective: NewtonObjective, beta0: Array, max_iter: int, tol: float
) -> SolverResult:
    r"""Newton's method with backtracking (chapters 4 and 8): :math:`\beta \leftarrow
    \beta + t\,\Delta\beta` with :math:`\nabla^2 J\,\Delta\beta = -\nabla J`.

    A template method; each iteration

    1. evaluates the loss, its gradient and Hessian in one pass
       (``objective.evaluate``);
    2. factorises the Hessian once (:class:`~companion.linalg.Cholesky`, equilibrated).
       If it is not positive definite or its condition number exceeds ``1/MIN_RCOND``,
       the objective is asked once to ``precondition`` (an orthonormal basis for the
       design, rank-deficient columns dropped) and the iteration starts again; a
       non-positive-definite *observed* Hessian is replaced by the expected one;
    3. solves for the step and computes the Newton decrement :math:`\lambda^2 = -\nabla
       J^\top \Delta\beta`, the gradient measured in the metric of the Hessian
       (:math:`\lambda^2/2` is the decrease the step predicts). If :math:`\lambda \le
       c\sqrt{\max(1, |J|)}` with :math:`c = \max(\mathtt{tol}, 3\cdot 10^{-8})`, or
       :math:`\lambda^2` is within ``NOISE`` times what the rounding of the linear
       predictors alone gives (``Evaluation.noise``: large weights, as for counts near
       :math:`e^{40}`), the full step is taken and the method stops: near the optimum
       each step squares the error, so that step lands on the optimum to rounding.
       Unlike the raw gradient, the decrement does not depend on the units of the
       columns;
    4. otherwise halves :math:`t = 1, 1/2, \dots` until the loss decreases (Armijo's
       condition); a step that does not decrease the loss is never taken, and if none
       does the method stops with a :class:`~companion.exceptions.ConvergenceWarning`
       naming the failed step.

    The last factorisation is returned: the standard errors come from it.
    """
    beta = np.array(beta0, dtype=float)
    ev = objective.evaluate(beta, 2)
    history, factor, preconditioned, decrement = [ev.loss], None, False, np.inf
    floor = max(tol, NEWTON_FLOOR)
    for it in range(1, max_iter + 1):
        ev, factor = _factorise(objective, beta, ev)
        if (factor is None or factor.rcond < MIN_RCOND) and not preconditioned:
            beta, _ = objective.precondition(beta)
            preconditioned = True
            ev = objective.evaluate(beta, 2)
            history[-1] = ev.loss
            ev, factor = _factorise(objective, beta, ev)
        if factor is None or ev.gradient is None:
            infinite = ev.hessian is not None and not np.all(np.isfinite(ev.hessian))
            return _stop(
                beta,
                it - 1,
                history,
                None,
                "the Hessian is infinite: some fitted means are at the edge of the "
                "family's mean space (a probability of 0 or 1, a Poisson mean of 0), "
                "where the information is infinite; the maximum may lie on that edge"
                if infinite
                else "the Hessian is not positive definite even in an orthonormal "
                "basis for the design: the loss is not strictly convex here",
            )
        step = -factor.solve(ev.gradient)
        decrement = max(-float(ev.gradient @ step), 0.0)
        threshold = max(floor * floor * max(1.0, abs(ev.loss)), NOISE * ev.noise)
        if decrement <= threshold and factor.rcond >= MIN_RCOND:
            final = objective.evaluate(beta + step, 0).loss
            if final <= ev.loss + ROUNDING * ev.magnitude:
                beta, history = beta + step, [*history, final]
            else:
                history.append(ev.loss)
            return SolverResult(beta, it, True, history, factor)
        accepted = _backtrack(objective, beta, step, ev)
        if accepted is None:
            return _stop(
                beta,
                it - 1,
                history,
                factor,
                "no step along the Newton direction decreased the loss (Newton "
                f"decrement {np.sqrt(decrement):.3g}): the fit is at the limit of "
                "floating-point accuracy or the problem is degenerate",
            )
        beta, ev = accepted
        history.append(ev.loss)
    relative = np.sqrt(decrement / max(1.0, abs(ev.loss)))
    return _stop(
        beta,
        max_iter,
        history,
        factor,
        f"Newton's method did not converge in max_iter={max_iter} iterations: the "
        f"Newton decrement relative to sqrt(max(1, |loss|)) is {relative:.3g}, above "
        f"the threshold {floor:g}. Increase max_iter; if the estimate does not exist "
        "(separation), it never will",
    )


def _factorise(
    objective: NewtonObjective, beta: Array, ev: Evaluation
) -> tuple[Evaluation, Cholesky | None]:
    """The factorisation of the Hessian at ``beta`` (``None`` if it is not positive
    definite); a non-positive-definite *observed* Hessian is replaced by the expected
    one, with Fisher's step where Newton's is not."""
    factor = Cholesky.factor(ev.hessian) if ev.hessian is not None else None
    if factor is None and getattr(objective, "observed", False):
        ev = objective.evaluate(beta, 2, observed=False)
        factor = Cholesky.factor(ev.hessian) if ev.hessian is not None else None
    return ev, factor


def _backtrack(
    objective: NewtonObjective, beta: Array, step: Array, ev: Evaluation
) -> tuple[Array, Evaluation] | None:
    """Halve the step until the loss decreases (Armijo, constant 1e-4, to rounding); the
    accepted point's gradient and Hessian come with its evaluation. ``None`` if 60
    halvings do not decrease the loss, or the step has become too short to move."""
    slope = float(ev.gradient @ step) if ev.gradient is not None else 0.0
    t = 1.0
    for _ in range(60):
        candidate = beta + t * step
        if np.array_equal(candidate, beta):  # too short to move: not a step
            return None
        trial = objective.evaluate(candidate, 2 if t == 1.0 else 0)
        noise = ROUNDING * max(ev.magnitude, trial.magnitude)
        if np.isfinite(trial.loss) and trial.loss <= ev.loss + 1e-4 * t * slope + noise:
            if trial.hessian is None:
                trial = objective.evaluate(candidate, 2)
            return candidate, trial
        t *= 0.5
    return None


def _stop(
    beta: Array,
    n_iter: int,
    history: list[float],
    factor: Cholesky | None,
    message: str,
) -> SolverResult:
    _warn(message)
    return SolverResult(beta, n_iter, False, history, factor, message)


#: the largest network ``newton_polish`` polishes (2p gradients per Newton step)
MAX_POLISH = 1000


def lbfgs(
    loss_and_gradient: Callable[[Array], tuple[float, Array]],
    theta0: Array,
    max_iter: int,
    tol: float,
) -> SolverResult:
    """scipy's L-BFGS-B until the largest gradient component is at most ``tol`` (or no
    step decreases the loss, or ``max_iter``), then, if the gradient is still above
    ``tol``, ``newton_polish``. ``converged`` is the gradient test."""
    history = [loss_and_gradient(theta0)[0]]
    options = {
        "maxiter": max_iter,
        "maxfun": 20 * max_iter,
        "gtol": tol,
        "ftol": 0.0,
        "maxcor": 20,
    }
    record = lambda intermediate_result: history.append(float(intermediate_result.fun))
    result = minimize(
        loss_and_gradient,
        theta0,
        jac=True,
        method="L-BFGS-B",
        options=options,
        callback=record,
    )
    theta = newton_polish(loss_and_gradient, result.x, tol)
    loss, grad = loss_and_gradient(theta)
    largest = float(np.max(np.abs(grad), initial=0.0))
    message = (
        ""
        if largest <= tol
        else (
            f"L-BFGS stopped after {result.nit} iterations ({result.message}) with the "
            f"largest gradient component {largest:.3g} > tol={tol:g}: not a stationary "
            "point. Increase max_iter, or add a penalty (alpha > 0) if the loss keeps "
            "decreasing without a minimum."
        )
    )
    if message:
        warnings.warn(message, ConvergenceWarning, stacklevel=3)
    return SolverResult(
        theta, int(result.nit), not message, [*history, loss], message=message
    )


def newton_polish(
    loss_and_gradient: Callable[[Array], tuple[float, Array]],
    theta: Array,
    tol: float,
    steps: int = 5,
    h: float = 1e-5,
) -> Array:
    r"""Newton steps :math:`\nabla^2 J\,\Delta\theta = -\nabla J` (least squares: the
    softmax's bias shift makes the Hessian singular) with the Hessian from central
    differences of the gradient, while each step reduces the largest gradient component
    and it is above ``tol``. A line search that compares losses cannot get below a
    gradient of about :math:`\sqrt{\lambda\,\epsilon\,J}`, where the decreases it
    must see are rounding errors; Newton's step needs only the gradient. Networks with
    more than ``MAX_POLISH`` parameters are returned as they are."""
    p = theta.size
    grad = loss_and_gradient(theta)[1]
    for _ in range(steps if p <= MAX_POLISH else 0):
        if np.max(np.abs(grad)) <= tol:
            break
        H = np.empty((p, p))
        for j in range(p):
            e = np.zeros(p)
            e[j] = h
            H[:, j] = loss_and_gradient(theta + e)[1] - loss_and_gradient(theta - e)[1]
        step = np.linalg.lstsq((H + H.T) / (4 * h), -grad, rcond=1e-12)[0]
        new = loss_and_gradient(theta + step)[1]
        if not np.max(np.abs(new)) < np.max(np.abs(grad)):
            break
        theta, grad = theta + step, new
    return theta
