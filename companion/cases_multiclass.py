r"""The hidden cases of chapters 5 to 8: the softmax, a softmax layer, the cross-entropy
by log-sum-exp, and Poisson regression by IRLS.

Each function builds one exercise's ``Spec`` (see :mod:`companion.checking`); the
reference results come from :mod:`companion.losses` and, for IRLS, from ``GLMNeuron``'s
fit. The public checkers are in :mod:`companion.exercises`.
"""

from __future__ import annotations

import numpy as np

from . import losses
from .checking import Case, Diagnosis, Spec, close

__all__ = [
    "SOFTMAX_OVERFLOW",
    "cross_entropy_spec",
    "layer_spec",
    "poisson_irls_spec",
    "softmax_spec",
]


# ------------------------------------------------------------------------- chapters 5-7
SOFTMAX_OVERFLOW = (
    "e^z overflows for z > 709.8 and the ratio becomes inf / inf = NaN. The "
    "softmax does not change when the same number is subtracted from every "
    "logit of a row: choose that number so that no exponent is positive."
)


def softmax_spec() -> Spec:
    rng = np.random.default_rng(5)
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
            lambda got, c: close(got, losses.softmax(c.args[0], axis=0)),
            "you normalised each column: every *row* (one example) must sum to 1.",
        ),
        Diagnosis(
            lambda got, c: close(got, np.exp(c.args[0])),
            "you returned e^z without dividing by the row sums.",
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "each row is one example: its entries must be positive and sum to 1; "
        "check a small row by hand.",
        SOFTMAX_OVERFLOW,
        rtol=1e-12,
        atol=1e-300,
    )


def layer_spec() -> Spec:
    rng, cases = np.random.default_rng(6), []
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
            lambda got, c: close(got, losses.softmax(c.args[0] @ c.args[1].T, axis=1)),
            "the biases b are missing from the logits.",
        ),
        Diagnosis(
            lambda got, c: close(got, c.args[0] @ c.args[1].T + c.args[2]),
            "you returned the logits: apply the softmax.",
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "W has one row per class and b one entry per class, so the logits form an "
        "n x k array before the row-wise softmax.",
        SOFTMAX_OVERFLOW,
        rtol=1e-10,
        atol=1e-300,
    )


def cross_entropy_spec() -> Spec:
    rng, cases = np.random.default_rng(7), []
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
            lambda got, c: close(got, -c.expected),
            "the cross-entropy is the *negative* log-likelihood: check the sign.",
        ),
        Diagnosis(
            lambda got, c: close(got, len(c.args[1]) * c.expected),
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
def poisson_irls_spec() -> Spec:
    from .neurons import GLMNeuron

    rng, cases = np.random.default_rng(8), []
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
        return close(got, np.linalg.lstsq(X, np.log(y + 1), rcond=None)[0], rtol=1e-4)

    def unweighted(got: np.ndarray, case: Case) -> bool:  # every weight 1 instead of mu
        X, y, n_iter = case.args
        theta = np.zeros(X.shape[1])
        for _ in range(n_iter):
            theta = theta + np.linalg.lstsq(X, y - np.exp(X @ theta), rcond=None)[0]
        return close(got, theta, rtol=1e-4)

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
