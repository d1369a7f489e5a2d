r"""The hidden cases of chapters 1 to 4: the softplus, a logistic model's probabilities,
a neuron's forward pass and the gradient of the binary cross-entropy.

Each function builds one exercise's ``Spec`` (see :mod:`companion.checking`): its hidden
cases with reference results from :mod:`companion.losses`, the diagnoses of the typical
mistakes, and hints that name a mistake without giving the answer. The public checkers
are in :mod:`companion.exercises`.
"""

from __future__ import annotations

import numpy as np

from . import losses
from .checking import Case, Diagnosis, Spec, close, summary

__all__ = [
    "SIGMOID_OVERFLOW",
    "gradient_cases",
    "gradient_spec",
    "neuron_spec",
    "predict_proba_spec",
    "softplus_spec",
]


# ---------------------------------------------------------------------------- chapter 1
def softplus_spec() -> Spec:
    rng = np.random.default_rng(1)
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
            lambda got, c: close(got, losses.softplus(-c.args[0])),
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
    rng, out = np.random.default_rng(seed), []
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


SIGMOID_OVERFLOW = (
    "e^t overflows for t > 709.8, and 1 / (1 + e^(-z)) evaluates e^(-z) for "
    "very negative z. Use a form that only ever computes e^(-|z|), with one "
    "branch for z >= 0 and one for z < 0."
)


def predict_proba_spec() -> Spec:
    diagnoses = [
        Diagnosis(
            lambda got, c: close(got, 1 - c.expected),
            "your probabilities are those of the other class: check the sign of z.",
        ),
        Diagnosis(
            lambda got, c: close(got, losses.sigmoid(c.args[0] @ c.args[1][1:])),
            "the intercept is missing: theta[0] is the intercept.",
        ),
        Diagnosis(
            lambda got, c: close(
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
        SIGMOID_OVERFLOW,
        rtol=1e-10,
    )


def neuron_spec() -> Spec:
    diagnoses = [
        Diagnosis(
            lambda got, c: close(got, 1 - c.expected),
            "your probabilities are those of class 0: check the sign of z.",
        ),
        Diagnosis(
            lambda got, c: close(got, losses.sigmoid(c.args[0] @ c.args[1])),
            "the bias b is missing from the pre-activation z.",
        ),
        Diagnosis(
            lambda got, c: close(got, c.args[0] @ c.args[1] + c.args[2]),
            "you returned the pre-activation z itself: apply the sigmoid activation.",
        ),
    ]
    return Spec(
        _logistic_cases(3, False),
        diagnoses,
        "one probability per row of X: the neuron's activation of its "
        "pre-activation; check a single row by hand.",
        SIGMOID_OVERFLOW,
        rtol=1e-10,
    )


# ---------------------------------------------------------------------------- chapter 4
def gradient_cases(seed: int, alphas: tuple[float, ...] = ()) -> list[Case]:
    rng, cases = np.random.default_rng(seed), []
    shapes = (
        ("a random design with an intercept column", 30, 4, 1.0),
        ("a single observation", 1, 3, 1.0),
        ("large coefficients, so sigma(X theta) is saturated", 40, 4, 1000.0),
        ("another random design", 20, 3, 1.0),
    )
    for (description, n, p, scale), alpha in zip(
        shapes, alphas or (None,) * 3, strict=False
    ):
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


def gradient_spec() -> Spec:
    diagnoses = [
        Diagnosis(
            lambda got, c: close(got, -c.expected),
            "your gradient has the opposite sign: it must be the gradient of the "
            "loss J (which gradient descent subtracts), not of the log-likelihood.",
        ),
        Diagnosis(
            lambda got, c: close(got, c.args[1].shape[0] * c.expected),
            "J is the *mean* loss: divide the sum over observations by N.",
        ),
        Diagnosis(
            lambda got, c: close(np.ravel(got), c.expected),
            "return a 1-D array of length p, not a column.",
        ),
    ]
    return Spec(
        gradient_cases(4),
        diagnoses,
        "compare each component with a central finite difference of "
        "companion.losses.binary_cross_entropy.",
        SIGMOID_OVERFLOW,
        rtol=1e-9,
        atol=1e-13,
    )
