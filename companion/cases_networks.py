r"""The hidden cases of chapter 9's exercises on networks written by hand: the forward
pass of a tanh network, and the gradient of the penalised logistic loss.

The public checkers are in :mod:`companion.exercises` (``check_forward``,
``check_penalized_gradient``); the features exercise, which needs PyTorch, has its cases
in :mod:`companion.cases_features`.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from . import losses
from .cases_binary import SIGMOID_OVERFLOW, gradient_cases
from .cases_multiclass import SOFTMAX_OVERFLOW
from .checking import Case, Diagnosis, Spec, close

__all__ = ["forward_spec", "penalized_gradient_spec"]


# ------------------------------------------------------------------------- forward pass
def _forward(
    X: np.ndarray,
    coefs: list,
    intercepts: list,
    hidden: Any = np.tanh,
    output_tanh: bool = False,
) -> np.ndarray:
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1], strict=True):
        a = hidden(a @ W.T + b)
    z = a @ coefs[-1].T + intercepts[-1]
    return losses.softmax(np.tanh(z) if output_tanh else z, axis=1)


def _variant(case: Case, **mistake: Any) -> np.ndarray:
    X, coefs, intercepts = case.args
    return _forward(X, coefs, intercepts, **mistake)


def forward_spec() -> Spec:
    """Exercise ch9-ex-forward: a tanh network with a softmax output."""
    rng, cases = np.random.default_rng(9), []
    for description, sizes, n, large in (
        ("a network 3 -> 5 -> 4 -> 3", (3, 5, 4, 3), 7, 1.0),
        ("one hidden layer, 2 -> 6 -> 2", (2, 6, 2), 5, 1.0),
        ("large output weights, logits in the thousands", (2, 4, 3), 6, 2000.0),
    ):
        coefs = [rng.normal(size=(o, i)) for i, o in itertools.pairwise(sizes)]
        intercepts = [rng.normal(size=o) for o in sizes[1:]]
        coefs[-1] = large * coefs[-1]
        X = rng.normal(size=(n, sizes[0]))
        cases.append(
            Case(
                description,
                (X, coefs, intercepts),
                _forward(X, coefs, intercepts),
                f"X: {n} x {sizes[0]}, layer sizes {' -> '.join(map(str, sizes))}",
            )
        )
    diagnoses = [
        Diagnosis(
            lambda got, c: close(got, _variant(c, hidden=lambda z: z)),
            "the hidden layers need the tanh activation.",
        ),
        Diagnosis(
            lambda got, c: close(got, _variant(c, output_tanh=True)),
            "the output layer has no tanh: its logits go straight into the softmax.",
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "each hidden layer is an affine map followed by tanh; the output layer is an "
        "affine map followed by a row-wise softmax.",
        SOFTMAX_OVERFLOW,
        rtol=1e-10,
        atol=1e-300,
    )


# ------------------------------------------------------------------- penalised gradient
def penalized_gradient_spec() -> Spec:
    r"""Exercise ch9-ex-penalized-gradient: the gradient of the mean binary
    cross-entropy plus :math:`\frac{\alpha}{2}\lVert\theta_{1:}\rVert^2`, the intercept
    unpenalised."""
    cases = gradient_cases(90, alphas=(0.5, 2.0, 0.1, 0.0))

    def mistake(
        data: float | str = 1.0, penalty: float | str = 1.0, intercept: bool = False
    ) -> Any:
        """A wrong gradient: ``data`` and ``penalty`` multiply the two parts (``"n"``
        for N, ``"1/n"`` for 1/N); ``intercept`` penalises theta[0] too."""

        def test(got: np.ndarray, c: Case) -> bool:
            theta, alpha, n = c.args[0], c.args[3], c.extra["n"]
            pen = alpha * theta if intercept else c.extra["penalty"]
            size: dict[float | str, float] = {"n": n, "1/n": 1 / n}
            d, p = size.get(data, data), size.get(penalty, penalty)
            return close(got, float(d) * c.extra["data"] + float(p) * pen)

        return test

    diagnoses = [
        Diagnosis(
            mistake(-1, -1),
            "your gradient has the opposite sign: it must be the "
            "gradient of J_alpha, the function gradient descent minimises.",
        ),
        Diagnosis(
            mistake(-1, 1),
            "the cross-entropy's part has the opposite sign (that of "
            "the log-likelihood).",
        ),
        Diagnosis(
            mistake(1, -1),
            "the penalty's part has the wrong sign: J_alpha *adds* the "
            "penalty to the loss.",
        ),
        Diagnosis(
            mistake(intercept=True),
            "the intercept theta[0] is penalised too: the "
            "penalty involves theta[1:] only, so it adds nothing to the derivative "
            "with respect to theta[0].",
        ),
        Diagnosis(
            mistake(1, 2),
            "the penalty's part is twice too large: mind the 1/2 in "
            "(alpha/2) ||theta[1:]||^2.",
        ),
        Diagnosis(
            mistake(1, 2, intercept=True),
            "the penalty's part is twice too large "
            "(mind the 1/2), and the intercept theta[0] must not be penalised.",
        ),
        Diagnosis(
            mistake("n", 1),
            "the cross-entropy's part is N times too large: J_alpha "
            "uses the *mean* cross-entropy, not the sum.",
        ),
        Diagnosis(
            mistake("n", "n"),
            "your gradient is N times too large: J_alpha is the "
            "*mean* cross-entropy plus the penalty.",
        ),
        Diagnosis(
            mistake(1, "1/n"),
            "the penalty is divided by N: only the cross-entropy "
            "is a mean over observations.",
        ),
        Diagnosis(mistake(1, 0), "the penalty's part is missing."),
        Diagnosis(
            lambda got, c: close(np.ravel(got), c.expected),
            "return a 1-D array of length p, not a column.",
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "the gradient of J_alpha is that of the mean cross-entropy (chapter 4's "
        "exercise) plus that of the penalty, which involves theta[1:] only; compare "
        "each component with a central finite difference of J_alpha.",
        SIGMOID_OVERFLOW,
        rtol=1e-9,
        atol=1e-13,
    )
