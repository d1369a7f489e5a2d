r"""Checkers for the book's coding exercises: call one on your function and read its
feedback.

Each checker runs your function on inputs you have not seen (random, edge and extreme
cases), each case under a time limit, compares the result with an independent reference,
and prints either a one-line success message or what went wrong: the input, the expected
and the returned values, and a hint that names the mistake it recognises (a sign error,
a missing intercept, a sum instead of a mean, a formula that overflows...). It never
shows a solution.

>>> from companion.exercises import check_neuron
>>> check_neuron(my_neuron)          # doctest: +SKIP
✓ check_neuron: my_neuron passed all 3 hidden cases (random, edge and extreme inputs).

Every checker returns a ``Feedback``, true when the function passed, and takes
``time_limit``, the seconds each hidden case may take
(``companion.checking.TIME_LIMIT``). ``EXERCISES`` maps each coding exercise's label in
the book to its function's signature and checker; ``python -m companion students``
writes the student notebooks from it, and ``python -m companion grade`` marks submitted
ones with ``spec(label)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from . import losses
from .checking import (
    TIME_LIMIT,
    Case,
    Diagnosis,
    Exercise,
    Feedback,
    Spec,
    check,
    summary,
)

__all__ = [
    "EXERCISES",
    "Exercise",
    "Feedback",
    "check_cross_entropy",
    "check_features",
    "check_forward",
    "check_gradient",
    "check_layer",
    "check_neuron",
    "check_penalized_gradient",
    "check_poisson_irls",
    "check_predict_proba",
    "check_softmax",
    "check_softplus",
    "spec",
]

EXERCISES: dict[str, Exercise] = {
    e.label: e
    for e in (
        Exercise("ch1-ex-softplus", "my_softplus(z)", "check_softplus"),
        Exercise("ch2-ex-predict", "my_predict_proba(X, theta)", "check_predict_proba"),
        Exercise("ch3-ex-forward", "my_neuron(X, w, b)", "check_neuron"),
        Exercise("ch4-ex-my-gradient", "my_gradient(theta, X, y)", "check_gradient"),
        Exercise("ch5-ex-softmax", "my_softmax(Z)", "check_softmax"),
        Exercise("ch6-ex-layer", "my_layer(X, W, b)", "check_layer"),
        Exercise("ch7-ex-log-softmax", "my_cross_entropy(Z, y)", "check_cross_entropy"),
        Exercise(
            "ch8-ex-irls", "my_poisson_irls(X, y, n_iter=25)", "check_poisson_irls"
        ),
        Exercise("ch9-ex-forward", "my_forward(X, coefs, intercepts)", "check_forward"),
        Exercise(
            "ch9-ex-penalized-gradient",
            "my_penalized_gradient(theta, X, y, alpha)",
            "check_penalized_gradient",
        ),
        Exercise("ch9-ex-features-hook", "my_features(model, X)", "check_features"),
    )
}


def _close(a: Any, b: Any, rtol: float = 1e-6) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=1e-10))


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------- chapter 1
def _softplus() -> Spec:
    rng = _rng(1)
    arguments = [
        ("random arguments", rng.normal(scale=3, size=12)),
        ("z = 0", np.array([0.0])),
        ("extreme arguments", np.array([-1e4, -800.0, 800.0, 1e4])),
        (
            "large negative z, where the answer is tiny but not 0",
            np.array([-30.0, -50.0, -200.0, -700.0]),
        ),
        ("a 2-D array", rng.normal(scale=10, size=(3, 4))),
    ]
    cases = [Case(d, (z,), losses.softplus(z)) for d, z in arguments]
    diagnoses = [
        Diagnosis(
            lambda got, c: _close(got, losses.softplus(-c.args[0])),
            "you computed log(1 + e^(-z)): check the sign of z.",
        ),
        Diagnosis(
            lambda got, c: np.any((got == 0) & (c.expected > 0)),
            "for very negative z, 1 + e^z rounds to exactly 1 and its log to 0. "
            "numpy's log1p(u) computes log(1 + u) accurately for tiny u.",
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "log(1 + e^z) for every entry of z; check your formula by hand at z = 0.",
        "e^z overflows once z > 709.8. Rewrite log(1 + e^z) so that only e^(-|z|), "
        "which is at most 1, is ever computed (for z > 0, factor e^z out of the sum).",
        rtol=1e-12,
        atol=0.0,
    )


# ------------------------------------------------------------------------ chapters 2, 3
def _logistic_cases(seed: int, intercept_in_theta: bool) -> list[Case]:
    rng, out = _rng(seed), []
    for description, n, d, scale in (
        ("a random design", 25, 3, 1.0),
        ("a single row", 1, 2, 1.0),
        ("inputs scaled by 1000, so |z| is in the thousands", 20, 3, 1000.0),
    ):
        X = scale * rng.normal(size=(n, d))
        w, b = rng.normal(size=d), float(rng.normal())
        args = (X, np.r_[b, w]) if intercept_in_theta else (X, w, b)
        out.append(Case(description, args, losses.sigmoid(X @ w + b)))
    return out


_SIGMOID_OVERFLOW = (
    "e^t overflows for t > 709.8, and 1 / (1 + e^(-z)) evaluates e^(-z) for "
    "very negative z. Use a form that only ever computes e^(-|z|), with one "
    "branch for z >= 0 and one for z < 0."
)


def _predict_proba() -> Spec:
    diagnoses = [
        Diagnosis(
            lambda got, c: _close(got, 1 - c.expected),
            "your probabilities are those of the other class: check the sign of z.",
        ),
        Diagnosis(
            lambda got, c: _close(got, losses.sigmoid(c.args[0] @ c.args[1][1:])),
            "the intercept is missing: theta[0] is the intercept.",
        ),
        Diagnosis(
            lambda got, c: _close(
                got, losses.sigmoid(c.args[0] @ c.args[1][:-1] + c.args[1][-1])
            ),
            "theta[0] is the intercept and theta[1:] are the coefficients, not the "
            "other way round.",
        ),
    ]
    return Spec(
        _logistic_cases(2, True),
        diagnoses,
        "one probability per row of X, from the intercept theta[0] and the "
        "coefficients theta[1:]; check a single row by hand.",
        _SIGMOID_OVERFLOW,
        rtol=1e-10,
    )


def _neuron() -> Spec:
    diagnoses = [
        Diagnosis(
            lambda got, c: _close(got, 1 - c.expected),
            "your probabilities are those of class 0: check the sign of z.",
        ),
        Diagnosis(
            lambda got, c: _close(got, losses.sigmoid(c.args[0] @ c.args[1])),
            "the bias b is missing from the pre-activation z.",
        ),
        Diagnosis(
            lambda got, c: _close(got, c.args[0] @ c.args[1] + c.args[2]),
            "you returned the pre-activation z itself: apply the sigmoid activation.",
        ),
    ]
    return Spec(
        _logistic_cases(3, False),
        diagnoses,
        "one probability per row of X: the neuron's activation of its "
        "pre-activation; check a single row by hand.",
        _SIGMOID_OVERFLOW,
        rtol=1e-10,
    )


# ---------------------------------------------------------------------------- chapter 4
def _gradient_cases(seed: int, alphas: tuple[float, ...] = ()) -> list[Case]:
    rng, cases = _rng(seed), []
    shapes = (
        ("a random design with an intercept column", 30, 4, 1.0),
        ("a single observation", 1, 3, 1.0),
        ("large coefficients, so sigma(X theta) is saturated", 40, 4, 1000.0),
        ("another random design", 20, 3, 1.0),
    )
    for (description, n, p, scale), alpha in zip(shapes, alphas or (None,) * 3):
        X = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])
        y = rng.integers(0, 2, n).astype(float)
        theta = scale * rng.normal(size=p)
        data = losses.logistic_loss_grad(theta, X, y)[1]
        inputs = (
            f"theta = {summary(theta)}, X: {n} x {p} (first column ones), "
            f"y: {n} labels in {{0, 1}}"
        )
        if alpha is None:
            cases.append(Case(description, (theta, X, y), data, inputs))
            continue
        penalty = alpha * np.r_[0.0, theta[1:]]
        cases.append(
            Case(
                f"{description}, alpha = {alpha:g}",
                (theta, X, y, alpha),
                data + penalty,
                f"{inputs}, alpha = {alpha:g}",
                {"data": data, "penalty": penalty, "n": n},
            )
        )
    return cases


def _gradient() -> Spec:
    diagnoses = [
        Diagnosis(
            lambda got, c: _close(got, -c.expected),
            "your gradient has the opposite sign: it must be the gradient of the "
            "loss J (which gradient descent subtracts), not of the log-likelihood.",
        ),
        Diagnosis(
            lambda got, c: _close(got, c.args[1].shape[0] * c.expected),
            "J is the *mean* loss: divide the sum over observations by N.",
        ),
        Diagnosis(
            lambda got, c: _close(np.ravel(got), c.expected),
            "return a 1-D array of length p, not a column.",
        ),
    ]
    return Spec(
        _gradient_cases(4),
        diagnoses,
        "compare each component with a central finite difference of "
        "companion.losses.binary_cross_entropy.",
        _SIGMOID_OVERFLOW,
        rtol=1e-9,
        atol=1e-13,
    )


# ------------------------------------------------------------------------- chapters 5-7
_SOFTMAX_OVERFLOW = (
    "e^z overflows for z > 709.8 and the ratio becomes inf / inf = NaN. The "
    "softmax does not change when the same number is subtracted from every "
    "logit of a row: choose that number so that no exponent is positive."
)


def _softmax() -> Spec:
    rng = _rng(5)
    logits = [
        ("random logits, 6 rows and 4 classes", rng.normal(scale=2, size=(6, 4))),
        ("a single row", np.array([[1.0, 2.0, 3.0]])),
        ("equal logits", np.zeros((2, 5))),
        (
            "extreme logits",
            np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [800.0, 799.0, 0.0]]),
        ),
    ]
    cases = [Case(d, (Z,), losses.softmax(Z, axis=1)) for d, Z in logits]
    diagnoses = [
        Diagnosis(
            lambda got, c: _close(got, losses.softmax(c.args[0], axis=0)),
            "you normalised each column: every *row* (one example) must sum to 1.",
        ),
        Diagnosis(
            lambda got, c: _close(got, np.exp(c.args[0])),
            "you returned e^z without dividing by the row sums.",
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "each row is one example: its entries must be positive and sum to 1; "
        "check a small row by hand.",
        _SOFTMAX_OVERFLOW,
        rtol=1e-12,
        atol=1e-300,
    )


def _layer() -> Spec:
    rng, cases = _rng(6), []
    for description, n, d, k, scale in (
        ("a random layer, 10 rows, 3 inputs, 4 classes", 10, 3, 4, 1.0),
        ("a single row", 1, 2, 3, 1.0),
        ("large weights, logits in the thousands", 8, 3, 3, 1000.0),
    ):
        X, W, b = (
            rng.normal(size=(n, d)),
            scale * rng.normal(size=(k, d)),
            rng.normal(size=k),
        )
        cases.append(Case(description, (X, W, b), losses.softmax(X @ W.T + b, axis=1)))
    diagnoses = [
        Diagnosis(
            lambda got, c: _close(got, losses.softmax(c.args[0] @ c.args[1].T, axis=1)),
            "the biases b are missing from the logits.",
        ),
        Diagnosis(
            lambda got, c: _close(got, c.args[0] @ c.args[1].T + c.args[2]),
            "you returned the logits: apply the softmax.",
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "W has one row per class and b one entry per class, so the logits form an "
        "n x k array before the row-wise softmax.",
        _SOFTMAX_OVERFLOW,
        rtol=1e-10,
        atol=1e-300,
    )


def _cross_entropy() -> Spec:
    rng, cases = _rng(7), []
    for description, n, k, scale in (
        ("random logits, 12 rows, 3 classes", 12, 3, 1.0),
        ("a single row", 1, 4, 1.0),
        ("two classes", 9, 2, 1.0),
        ("logits multiplied by 1000", 10, 3, 1000.0),
    ):
        Z, y = scale * rng.normal(size=(n, k)), rng.integers(0, k, n)
        cases.append(Case(description, (Z, y), losses.cross_entropy(Z, np.eye(k)[y])))
    diagnoses = [
        Diagnosis(
            lambda got, c: _close(got, -c.expected),
            "the cross-entropy is the *negative* log-likelihood: check the sign.",
        ),
        Diagnosis(
            lambda got, c: _close(got, len(c.args[1]) * c.expected),
            "return the mean over observations, not the sum.",
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "for each row, the negative log-probability of the observed class under the "
        "softmax; then the mean. Check one row by hand.",
        "the log of a sum of exponentials overflows for large logits: take the row "
        "maximum m out of the sum before exponentiating.",
        rtol=1e-10,
    )


# ---------------------------------------------------------------------------- chapter 8
def _poisson_irls() -> Spec:
    from .neurons import GLMNeuron

    rng, cases = _rng(8), []
    for description, n, d, scale in (
        ("200 simulated counts, 2 covariates", 200, 2, 0.5),
        ("larger counts", 150, 3, 0.3),
        ("one covariate", 60, 1, 1.0),
    ):
        Z = rng.normal(size=(n, d))
        y = rng.poisson(np.exp(1.0 + Z @ (scale * rng.normal(size=d)))).astype(float)
        fit = GLMNeuron("poisson").fit(Z, y)
        cases.append(
            Case(
                description,
                (np.column_stack([np.ones(n), Z]), y, 50),
                np.r_[fit.intercept_, fit.coef_],
                f"X: {n} x {d + 1} (first column ones), y: {n} counts from "
                f"{y.min():.0f} to {y.max():.0f}, n_iter = 50",
            )
        )

    def ols_on_log(got: np.ndarray, case: Case) -> bool:
        X, y, _ = case.args
        return _close(got, np.linalg.lstsq(X, np.log(y + 1), rcond=None)[0], rtol=1e-4)

    def unweighted(got: np.ndarray, case: Case) -> bool:  # every weight 1 instead of mu
        X, y, n_iter = case.args
        theta = np.zeros(X.shape[1])
        for _ in range(n_iter):
            theta = theta + np.linalg.lstsq(X, y - np.exp(X @ theta), rcond=None)[0]
        return _close(got, theta, rtol=1e-4)

    diagnoses = [
        Diagnosis(
            ols_on_log,
            "this is least squares on log(y + 1), not the Poisson "
            "maximum-likelihood estimate: iterate IRLS steps.",
        ),
        Diagnosis(
            unweighted,
            "your steps give every observation the same weight: in IRLS "
            "each observation's weight depends on its current mean "
            "(see the chapter's derivation of the weights).",
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "iterate IRLS steps from theta = 0: each one solves a weighted least-squares "
        "problem built from the current means; compare one step with the chapter's "
        "derivation.",
        "exp(X theta) overflowed, so the iterates diverged: compare your weights and "
        "working response with the chapter's IRLS step, starting from theta = 0.",
        rtol=1e-6,
        atol=1e-8,
    )


# ------------------------------------------------------------------------- the checkers
def spec(label: str) -> Spec:
    """The hidden cases, diagnoses and hints of the exercise ``label`` (rebuilt each
    call)."""
    from . import network_exercises as net

    builders: dict[str, Callable[[], Spec]] = {
        "ch1-ex-softplus": _softplus,
        "ch2-ex-predict": _predict_proba,
        "ch3-ex-forward": _neuron,
        "ch4-ex-my-gradient": _gradient,
        "ch5-ex-softmax": _softmax,
        "ch6-ex-layer": _layer,
        "ch7-ex-log-softmax": _cross_entropy,
        "ch8-ex-irls": _poisson_irls,
        "ch9-ex-forward": net.forward_spec,
        "ch9-ex-penalized-gradient": net.penalized_gradient_spec,
        "ch9-ex-features-hook": net.features_spec,
    }
    return builders[label]()


def _check(label: str, function: Any, time_limit: float) -> Feedback:
    exercise = EXERCISES[label]
    try:
        hidden = spec(label)
    except ImportError as exc:
        feedback = Feedback(
            exercise.checker,
            False,
            f"✗ {exercise.checker}: cannot run "
            f"without {exc.name}: install it (pip install {exc.name}).",
        )
        print(feedback.message)
        return feedback
    return check(exercise, function, hidden, time_limit)


def check_softplus(my_softplus: Callable, time_limit: float = TIME_LIMIT) -> Feedback:
    r"""Chapter 1, exercise ch1-ex-softplus: ``my_softplus(z)`` must return
    :math:`\log(1 + e^z)` elementwise, accurately and without overflow or warnings for
    :math:`|z|` up to :math:`10^4`."""
    return _check("ch1-ex-softplus", my_softplus, time_limit)


def check_predict_proba(
    my_predict_proba: Callable, time_limit: float = TIME_LIMIT
) -> Feedback:
    r"""Chapter 2, exercise ch2-ex-predict: ``my_predict_proba(X, theta)`` must return
    :math:`\sigma(\theta_0 + X\theta_{1:})` for each row of ``X``, stable for any logit.
    """
    return _check("ch2-ex-predict", my_predict_proba, time_limit)


def check_neuron(my_neuron: Callable, time_limit: float = TIME_LIMIT) -> Feedback:
    r"""Chapter 3, exercise ch3-ex-forward: ``my_neuron(X, w, b)`` must return
    :math:`\sigma(Xw + b)`, the probability of class 1 for each row, without overflow.
    """
    return _check("ch3-ex-forward", my_neuron, time_limit)


def check_gradient(my_gradient: Callable, time_limit: float = TIME_LIMIT) -> Feedback:
    r"""Chapter 4, exercise ch4-ex-my-gradient: ``my_gradient(theta, X, y)`` must return
    the gradient of the mean binary cross-entropy :math:`J` for a design ``X`` that
    contains the intercept column."""
    return _check("ch4-ex-my-gradient", my_gradient, time_limit)


def check_softmax(my_softmax: Callable, time_limit: float = TIME_LIMIT) -> Feedback:
    r"""Chapter 5, exercise ch5-ex-softmax: ``my_softmax(Z)`` must return the row-wise
    softmax of a 2-D array of logits, without overflow or NaN even for logits of
    :math:`10^4`."""
    return _check("ch5-ex-softmax", my_softmax, time_limit)


def check_layer(my_layer: Callable, time_limit: float = TIME_LIMIT) -> Feedback:
    r"""Chapter 6, exercise ch6-ex-layer: ``my_layer(X, W, b)`` must return the
    :math:`n \times k` probabilities of a softmax layer with weights ``W``
    (:math:`k \times d`) and biases ``b`` (:math:`k`)."""
    return _check("ch6-ex-layer", my_layer, time_limit)


def check_cross_entropy(
    my_cross_entropy: Callable, time_limit: float = TIME_LIMIT
) -> Feedback:
    r"""Chapter 7, exercise ch7-ex-log-softmax: ``my_cross_entropy(Z, y)`` must return
    the mean cross-entropy of integer labels ``y`` and logits ``Z``, without overflow.
    """
    return _check("ch7-ex-log-softmax", my_cross_entropy, time_limit)


def check_poisson_irls(
    my_poisson_irls: Callable, time_limit: float = TIME_LIMIT
) -> Feedback:
    r"""Chapter 8, exercise ch8-ex-irls: ``my_poisson_irls(X, y, n_iter)`` must return
    the maximum-likelihood coefficients of Poisson regression with the log link (``X``
    contains the intercept column)."""
    return _check("ch8-ex-irls", my_poisson_irls, time_limit)


def check_forward(my_forward: Callable, time_limit: float = TIME_LIMIT) -> Feedback:
    r"""Chapter 9, exercise ch9-ex-forward: ``my_forward(X, coefs, intercepts)`` must
    return the class probabilities of a tanh network with a softmax output; ``coefs[l]``
    is ``n_out x n_in``, the output layer last."""
    return _check("ch9-ex-forward", my_forward, time_limit)


def check_penalized_gradient(
    my_penalized_gradient: Callable, time_limit: float = TIME_LIMIT
) -> Feedback:
    r"""Chapter 9, exercise ch9-ex-penalized-gradient: ``my_penalized_gradient(theta, X,
    y, alpha)`` must return the gradient of :math:`J_\alpha(\theta) = J(\theta) +
    \frac{\alpha}{2}\lVert\theta_{1:}\rVert^2`, :math:`J` the mean binary cross-entropy,
    ``X`` with the intercept column first and the intercept :math:`\theta_0`
    unpenalised."""
    return _check("ch9-ex-penalized-gradient", my_penalized_gradient, time_limit)


def check_features(my_features: Callable, time_limit: float = TIME_LIMIT) -> Feedback:
    r"""Chapter 9, exercise ch9-ex-features-hook: ``my_features(model, X)`` must return,
    as a numpy array of float64, the input of the last ``torch.nn.Linear`` module that a
    PyTorch classifier ``model`` applies, for the rows of the numpy array ``X``. Needs
    torch, imported only here."""
    return _check("ch9-ex-features-hook", my_features, time_limit)
