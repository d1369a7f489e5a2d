r"""Checkers for the book's coding exercises: call one on your own function and read its feedback.

Each checker runs your function on inputs you have not seen (random, edge and extreme cases), compares
the result with the companion's own implementation, and prints either a one-line success message or what
went wrong: the input, the expected and the returned values, and a hint aimed at the mistake it
recognises (a sign error, a missing intercept, a formula that overflows...). It never shows a solution.

>>> from companion.exercises import check_softplus
>>> check_softplus(my_softplus)          # doctest: +SKIP
✓ check_softplus: my_softplus passed all 5 hidden cases (random, edge and extreme inputs).

Every checker returns a :class:`Feedback`, which is true when the function passed. ``EXERCISES`` maps each
coding exercise's label in the book to its function's signature and checker; ``python -m companion
students`` uses it to write the student notebooks.
"""

from __future__ import annotations

import copy
import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from . import losses

__all__ = [
    "Feedback",
    "Exercise",
    "EXERCISES",
    "check_softplus",
    "check_predict_proba",
    "check_neuron",
    "check_gradient",
    "check_softmax",
    "check_layer",
    "check_cross_entropy",
    "check_poisson_irls",
    "check_forward",
]


@dataclass
class Feedback:
    """The outcome of a check: ``passed``, and the message that was printed."""

    checker: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Feedback({self.checker}: {'passed' if self.passed else 'not passed'})"

    def _ipython_display_(self) -> None:
        """Nothing more to show in a notebook: the checker has printed its message already."""


@dataclass
class _Case:
    """One hidden test: a description for the feedback, the arguments, and the reference result."""

    description: str
    args: tuple
    expected: Any
    inputs: str = ""  #: the inputs, summarised for the feedback


@dataclass
class _Diagnosis:
    """A typical mistake: ``test(got, case)`` recognises it, ``hint`` explains it."""

    test: Callable[[np.ndarray, _Case], bool]
    hint: str


@dataclass
class Exercise:
    """A coding exercise of the book: where it is, the function the student writes, and its checker."""

    label: str
    signature: str  #: e.g. ``"my_softplus(z)"``
    checker: str  #: e.g. ``"check_softplus"``

    @property
    def function(self) -> str:
        return self.signature.split("(")[0]


# ------------------------------------------------------------------------------ reporting
def _summary(value: Any) -> str:
    """A short description of an argument: small arrays in full, large ones by shape and range."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, np.ndarray) for v in value):
        return "[" + ", ".join(f"array {v.shape}" for v in value) + "]"
    if isinstance(value, np.ndarray):
        if value.size <= 8:
            return np.array2string(value, precision=4, separator=", ")
        return f"array of shape {value.shape}, entries from {value.min():.3g} to {value.max():.3g}"
    return repr(value)


def _show(value: Any) -> str:
    with np.printoptions(precision=5, threshold=8, edgeitems=3, linewidth=100):
        return str(np.asarray(value)).replace("\n", "\n            ")


def _describe_inputs(function: Callable, args: tuple) -> str:
    """``name = summary`` for each argument, with the parameter names of the student's function."""
    import inspect

    try:
        names = list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        names = []
    names = names[: len(args)] + [f"argument {i + 1}" for i in range(len(names), len(args))]
    return ", ".join(f"{n} = {_summary(a)}" for n, a in zip(names, args))


def _report(checker: str, function: str, passed: bool, lines: list[str]) -> Feedback:
    head = f"✓ {checker}: {function} " if passed else f"✗ {checker}: {function} "
    message = head + "\n  ".join(lines)
    print(message)
    return Feedback(checker, passed, message)


def _compare(got: Any, expected: np.ndarray, rtol: float, atol: float) -> str | None:
    """``None`` if ``got`` equals ``expected`` to the tolerance, else what is wrong with it."""
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"returned something that is not an array of numbers ({type(got).__name__})"
    if got.shape != expected.shape:
        return f"returned an array of shape {got.shape}; expected shape {expected.shape}"
    if not np.all(np.isfinite(got)):
        return "returned inf or NaN"
    if not np.allclose(got, expected, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(got - expected) - rtol * np.abs(expected)), expected.shape) if expected.ndim else ()
        where = f" (largest error at index {tuple(int(i) for i in worst)})" if expected.ndim else ""
        return f"returned wrong values{where}"
    return None


def _check(checker: str, function: Callable, cases: list[_Case], diagnoses: list[_Diagnosis], hint: str,
           overflow_hint: str, rtol: float = 1e-9, atol: float = 1e-12) -> Feedback:
    name = getattr(function, "__name__", "your function")
    for number, case in enumerate(cases, 1):
        where = f"{case.description} (hidden case {number} of {len(cases)})"
        inputs = case.inputs or _describe_inputs(function, case.args)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):
                    got = function(*copy.deepcopy(case.args))
        except NotImplementedError:
            return _report(checker, name, False, ["is not implemented yet: replace the line `raise NotImplementedError(...)` "
                                                  "with your code, run that cell, then run this one again."])
        except (FloatingPointError, OverflowError, RuntimeWarning) as exc:
            return _report(checker, name, False, [f"failed on {where}: a floating-point error ({exc}).",
                                                  f"input:    {inputs}", f"hint: {overflow_hint}"])
        except Exception as exc:  # the student's code raised: say what and where
            return _report(checker, name, False, [f"raised {type(exc).__name__} on {where}: {exc}",
                                                  f"input:    {inputs}", f"hint: {hint}"])
        problem = _compare(got, np.asarray(case.expected, dtype=float), rtol, atol)
        if problem is not None:
            found = next((d.hint for d in diagnoses if _recognises(d, got, case)), hint)
            return _report(checker, name, False, [f"{problem} on {where}.", f"input:    {inputs}",
                                                  f"expected: {_show(case.expected)}", f"got:      {_show(got)}",
                                                  f"hint: {found}"])
    return _report(checker, name, True, [f"passed all {len(cases)} hidden cases (random, edge and extreme inputs)."])


def _recognises(diagnosis: _Diagnosis, got: Any, case: _Case) -> bool:
    try:
        with np.errstate(all="ignore"):
            return bool(diagnosis.test(np.asarray(got, dtype=float), case))
    except Exception:
        return False


def _close(a: Any, b: Any, rtol: float = 1e-6) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=1e-10))


def _rng(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# ------------------------------------------------------------------------------ chapter 1
def check_softplus(my_softplus: Callable) -> Feedback:
    r"""Chapter 1, exercise ch1-ex-softplus: ``my_softplus(z)`` must return :math:`\log(1 + e^z)` elementwise,
    accurately and without overflow or warnings for :math:`|z|` up to :math:`10^4`."""
    rng = _rng(1)
    cases = [
        _Case("random arguments", (rng.normal(scale=3, size=12),), None),
        _Case("z = 0", (np.array([0.0]),), None),
        _Case("extreme arguments", (np.array([-1e4, -800.0, 800.0, 1e4]),), None),
        _Case("large negative z, where the answer is tiny but not 0", (np.array([-30.0, -50.0, -200.0, -700.0]),), None),
        _Case("a 2-D array", (rng.normal(scale=10, size=(3, 4)),), None),
    ]
    for case in cases:
        case.expected = losses.softplus(case.args[0])
    diagnoses = [
        _Diagnosis(lambda got, c: _close(got, losses.softplus(-c.args[0])), "you computed log(1 + e^(-z)): check the sign of z."),
        _Diagnosis(lambda got, c: np.any((got == 0) & (c.expected > 0)),
                   "for very negative z, 1 + e^z rounds to exactly 1 and its log to 0. numpy's log1p(u) computes "
                   "log(1 + u) accurately for tiny u."),
    ]
    return _check("check_softplus", my_softplus, cases, diagnoses,
                  "log(1 + e^z) for every entry of z; compare with your formula by hand at z = 0 (log 2).",
                  "e^z overflows once z > 709.8. Rewrite log(1 + e^z) so that only e^(-|z|), which is at most 1, "
                  "is ever computed (for z > 0, factor e^z out of the sum).", rtol=1e-12, atol=0.0)


# ------------------------------------------------------------------------------ chapters 2 and 3
def _logistic_cases(seed: int, with_intercept_in_theta: bool) -> list[_Case]:
    rng = _rng(seed)
    out = []
    for description, n, d, scale in (("a random design", 25, 3, 1.0), ("a single row", 1, 2, 1.0),
                                     ("inputs scaled by 1000, so |z| is in the thousands", 20, 3, 1000.0)):
        X = scale * rng.normal(size=(n, d))
        w, b = rng.normal(size=d), float(rng.normal())
        out.append(_Case(description, (X, np.r_[b, w]) if with_intercept_in_theta else (X, w, b),
                         losses.sigmoid(X @ w + b)))
    return out


_SIGMOID_OVERFLOW = ("e^t overflows for t > 709.8, and 1 / (1 + e^(-z)) evaluates e^(-z) for very negative z. Use a form "
                     "that only ever computes e^(-|z|), with one branch for z >= 0 and one for z < 0 "
                     "(or companion.losses.sigmoid).")


def check_predict_proba(my_predict_proba: Callable) -> Feedback:
    r"""Chapter 2, exercise ch2-ex-predict: ``my_predict_proba(X, theta)`` must return
    :math:`\sigma(\theta_0 + X\theta_{1:})` for each row of ``X``, stable for any size of the logit."""
    cases = _logistic_cases(2, with_intercept_in_theta=True)
    diagnoses = [
        _Diagnosis(lambda got, c: _close(got, 1 - c.expected), "your probabilities are those of the other class: check the sign of z."),
        _Diagnosis(lambda got, c: _close(got, losses.sigmoid(c.args[0] @ c.args[1][1:])),
                   "the intercept is missing: theta[0] is the intercept and is added to X @ theta[1:]."),
        _Diagnosis(lambda got, c: _close(got, losses.sigmoid(c.args[0] @ c.args[1][:-1] + c.args[1][-1])),
                   "theta[0] is the intercept and theta[1:] are the coefficients, not the other way round."),
    ]
    return _check("check_predict_proba", my_predict_proba, cases, diagnoses,
                  "return sigma(theta[0] + X @ theta[1:]), one probability per row of X.", _SIGMOID_OVERFLOW, rtol=1e-10)


def check_neuron(my_neuron: Callable) -> Feedback:
    r"""Chapter 3, exercise ch3-ex-forward: ``my_neuron(X, w, b)`` must return :math:`\sigma(Xw + b)`, the
    probability of class 1 for each row, without overflow for any size of :math:`z`."""
    cases = _logistic_cases(3, with_intercept_in_theta=False)
    diagnoses = [
        _Diagnosis(lambda got, c: _close(got, 1 - c.expected), "your probabilities are those of class 0: check the sign of z."),
        _Diagnosis(lambda got, c: _close(got, losses.sigmoid(c.args[0] @ c.args[1])), "the bias b is missing from z = X @ w + b."),
        _Diagnosis(lambda got, c: _close(got, c.args[0] @ c.args[1] + c.args[2]), "you returned z itself: apply the sigmoid activation."),
    ]
    return _check("check_neuron", my_neuron, cases, diagnoses, "return sigma(X @ w + b), one probability per row of X.",
                  _SIGMOID_OVERFLOW, rtol=1e-10)


# ------------------------------------------------------------------------------ chapter 4
def check_gradient(my_gradient: Callable) -> Feedback:
    r"""Chapter 4, exercise ch4-ex-my-gradient: ``my_gradient(theta, X, y)`` must return
    :math:`\nabla J = X^\top(\sigma(X\theta) - y)/N` for a design ``X`` that contains the intercept column."""
    rng = _rng(4)
    cases = []
    for description, n, p, scale in (("a random design with an intercept column", 30, 3, 1.0),
                                     ("a single observation", 1, 3, 1.0),
                                     ("large coefficients, so sigma(X theta) is saturated", 40, 4, 300.0)):
        X = np.column_stack([np.ones(n), rng.normal(size=(n, p - 1))])
        y = rng.integers(0, 2, n).astype(float)
        theta = scale * rng.normal(size=p)
        cases.append(_Case(description, (theta, X, y), losses.logistic_loss_grad(theta, X, y)[1],
                           f"theta = {_summary(theta)}, X: {n} x {p} (first column ones), y: {n} labels in {{0, 1}}"))
    diagnoses = [
        _Diagnosis(lambda got, c: _close(got, -c.expected), "your gradient has the opposite sign: it is X^T (sigma(X theta) - y) / N, "
                   "the gradient of the loss J, which gradient descent subtracts."),
        _Diagnosis(lambda got, c: _close(got, c.args[1].shape[0] * c.expected),
                   "J is the *mean* loss: divide the sum over observations by N."),
        _Diagnosis(lambda got, c: _close(np.ravel(got), c.expected), "return a 1-D array of length p, not a column."),
    ]
    return _check("check_gradient", my_gradient, cases, diagnoses,
                  "compare each component with a central finite difference of companion.losses.binary_cross_entropy.",
                  _SIGMOID_OVERFLOW, rtol=1e-9, atol=1e-13)


# ------------------------------------------------------------------------------ chapters 5 to 7
def _softmax_overflow() -> str:
    return ("e^z overflows for z > 709.8 and the ratio becomes inf / inf = NaN. The softmax does not change when the same "
            "number is subtracted from every logit of a row: choose that number so that no exponent is positive.")


def check_softmax(my_softmax: Callable) -> Feedback:
    r"""Chapter 5, exercise ch5-ex-softmax: ``my_softmax(Z)`` must return the row-wise softmax of a 2-D array of
    logits, without overflow or NaN even for logits of size :math:`10^4`."""
    rng = _rng(5)
    cases = [
        _Case("random logits, 6 rows and 4 classes", (rng.normal(scale=2, size=(6, 4)),), None),
        _Case("a single row", (np.array([[1.0, 2.0, 3.0]]),), None),
        _Case("equal logits", (np.zeros((2, 5)),), None),
        _Case("extreme logits", (np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, -1e4], [800.0, 799.0, 0.0]]),), None),
    ]
    for case in cases:
        case.expected = losses.softmax(case.args[0], axis=1)
    diagnoses = [
        _Diagnosis(lambda got, c: _close(got, losses.softmax(c.args[0], axis=0)),
                   "you normalised each column: every *row* (one example) must sum to 1."),
        _Diagnosis(lambda got, c: _close(got, np.exp(c.args[0])), "you returned e^z without dividing by the row sums."),
    ]
    return _check("check_softmax", my_softmax, cases, diagnoses, "each row of the result is e^z / sum(e^z) over that row.",
                  _softmax_overflow(), rtol=1e-12, atol=1e-300)


def check_layer(my_layer: Callable) -> Feedback:
    r"""Chapter 6, exercise ch6-ex-layer: ``my_layer(X, W, b)`` must return the :math:`n \times k` probabilities
    :math:`\operatorname{softmax}(XW^\top + b)` for weights ``W`` (:math:`k \times d`) and biases ``b`` (:math:`k`)."""
    rng = _rng(6)
    cases = []
    for description, n, d, k, scale in (("a random layer, 10 rows, 3 inputs, 4 classes", 10, 3, 4, 1.0),
                                        ("a single row", 1, 2, 3, 1.0),
                                        ("large weights, logits in the thousands", 8, 3, 3, 1000.0)):
        X, W, b = rng.normal(size=(n, d)), scale * rng.normal(size=(k, d)), rng.normal(size=k)
        cases.append(_Case(description, (X, W, b), losses.softmax(X @ W.T + b, axis=1)))
    diagnoses = [
        _Diagnosis(lambda got, c: _close(got, losses.softmax(c.args[0] @ c.args[1].T, axis=1)), "the biases b are missing from the logits."),
        _Diagnosis(lambda got, c: _close(got, c.args[0] @ c.args[1].T + c.args[2]), "you returned the logits: apply the softmax."),
    ]
    return _check("check_layer", my_layer, cases, diagnoses,
                  "W has one row per class, so the logits are X @ W.T + b (n x k); then a row-wise softmax.",
                  _softmax_overflow(), rtol=1e-10, atol=1e-300)


def check_cross_entropy(my_cross_entropy: Callable) -> Feedback:
    r"""Chapter 7, exercise ch7-ex-log-softmax: ``my_cross_entropy(Z, y)`` must return the mean cross-entropy
    :math:`\frac1N\sum_i[\log\sum_c e^{z_{ic}} - z_{i,y_i}]` of integer labels ``y`` and logits ``Z``, without overflow."""
    rng = _rng(7)
    cases = []
    for description, n, k, scale in (("random logits, 12 rows, 3 classes", 12, 3, 1.0), ("a single row", 1, 4, 1.0),
                                     ("two classes", 9, 2, 1.0), ("logits multiplied by 1000", 10, 3, 1000.0)):
        Z, y = scale * rng.normal(size=(n, k)), rng.integers(0, k, n)
        cases.append(_Case(description, (Z, y), losses.cross_entropy(Z, np.eye(k)[y])))
    diagnoses = [
        _Diagnosis(lambda got, c: _close(got, -c.expected), "the cross-entropy is the *negative* log-likelihood: check the sign."),
        _Diagnosis(lambda got, c: _close(got, len(c.args[1]) * c.expected), "return the mean over observations, not the sum."),
    ]
    return _check("check_cross_entropy", my_cross_entropy, cases, diagnoses,
                  "for each row, log-sum-exp of the logits minus the logit of the observed class; then the mean.",
                  "the log of a sum of exponentials overflows for large logits: take the row maximum m out, "
                  "log sum e^z = m + log sum e^(z - m).", rtol=1e-10)


# ------------------------------------------------------------------------------ chapters 8 and 9
def check_poisson_irls(my_poisson_irls: Callable) -> Feedback:
    r"""Chapter 8, exercise ch8-ex-irls: ``my_poisson_irls(X, y, n_iter)`` must return the maximum-likelihood
    coefficients of Poisson regression with the log link (``X`` contains the intercept column)."""
    from .neurons import GLMNeuron

    rng = _rng(8)
    cases = []
    for description, n, d, scale in (("200 simulated counts, 2 covariates", 200, 2, 0.5),
                                     ("larger counts", 150, 3, 0.3), ("one covariate", 60, 1, 1.0)):
        Z = rng.normal(size=(n, d))
        beta = scale * rng.normal(size=d)
        y = rng.poisson(np.exp(1.0 + Z @ beta)).astype(float)
        fit = GLMNeuron("poisson").fit(Z, y)
        X = np.column_stack([np.ones(n), Z])
        cases.append(_Case(description, (X, y, 50), np.r_[fit.intercept_, fit.coef_],
                           f"X: {n} x {d + 1} (first column ones), y: {n} counts from {y.min():.0f} to {y.max():.0f}, n_iter = 50"))

    def ols_on_log(got, case):
        X, y, _ = case.args
        return _close(got, np.linalg.lstsq(X, np.log(y + 1), rcond=None)[0], rtol=1e-4)

    def unweighted(got, case):  # Newton steps with weights 1 instead of mu
        X, y, n_iter = case.args
        theta = np.zeros(X.shape[1])
        for _ in range(n_iter):
            theta = theta + np.linalg.lstsq(X, y - np.exp(X @ theta), rcond=None)[0]
        return _close(got, theta, rtol=1e-4)

    diagnoses = [
        _Diagnosis(ols_on_log, "this is least squares on log(y + 1), not the Poisson maximum-likelihood estimate: iterate IRLS steps."),
        _Diagnosis(unweighted, "the weighted least-squares problem needs the weights mu_i: its rows are sqrt(mu_i) x_i "
                   "and its right-hand side (y_i - mu_i) / sqrt(mu_i)."),
    ]
    return _check("check_poisson_irls", my_poisson_irls, cases, diagnoses,
                  "at each step mu = exp(X theta); solve the weighted least-squares problem with weights mu and working "
                  "residuals (y - mu) / mu, and add the solution to theta.",
                  "exp(X theta) overflowed, so the iterates diverged. From theta = 0, steps of weighted least squares "
                  "with weights mu are Newton steps and do not diverge.", rtol=1e-6, atol=1e-8)


def check_forward(my_forward: Callable) -> Feedback:
    r"""Chapter 9, exercise ch9-ex-forward: ``my_forward(X, coefs, intercepts)`` must return the class
    probabilities of a tanh network with a softmax output; ``coefs[l]`` is ``n_out x n_in``, the output layer last."""
    rng = _rng(9)

    def network(sizes, scale):
        coefs = [scale * rng.normal(size=(o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
        return coefs, [rng.normal(size=o) for o in sizes[1:]]

    def forward(X, coefs, intercepts, hidden=np.tanh, output_tanh=False):
        a = X
        for W, b in zip(coefs[:-1], intercepts[:-1]):
            a = hidden(a @ W.T + b)
        z = a @ coefs[-1].T + intercepts[-1]
        return losses.softmax(np.tanh(z) if output_tanh else z, axis=1)

    cases = []
    for description, sizes, n, scale in (("a network 3 -> 5 -> 4 -> 3", (3, 5, 4, 3), 7, 1.0),
                                         ("one hidden layer, 2 -> 6 -> 2", (2, 6, 2), 5, 1.0),
                                         ("large output weights, logits in the thousands", (2, 4, 3), 6, 1.0)):
        coefs, intercepts = network(sizes, scale)
        if "large" in description:
            coefs[-1] = 2000.0 * coefs[-1]
        X = rng.normal(size=(n, sizes[0]))
        cases.append(_Case(description, (X, coefs, intercepts), forward(X, coefs, intercepts),
                           f"X: {n} x {sizes[0]}, layer sizes {' -> '.join(map(str, sizes))}"))
    diagnoses = [
        _Diagnosis(lambda got, c: _close(got, forward(*c.args, hidden=lambda z: z)), "the hidden layers need the tanh activation."),
        _Diagnosis(lambda got, c: _close(got, forward(*c.args, output_tanh=True)),
                   "the output layer has no tanh: its logits go straight into the softmax."),
    ]
    return _check("check_forward", my_forward, cases, diagnoses,
                  "for each hidden layer a = tanh(a @ W.T + b); then logits z = a @ W_out.T + b_out and a row-wise softmax.",
                  _softmax_overflow(), rtol=1e-10, atol=1e-300)


# ------------------------------------------------------------------------------ the registry
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
        Exercise("ch8-ex-irls", "my_poisson_irls(X, y, n_iter=25)", "check_poisson_irls"),
        Exercise("ch9-ex-forward", "my_forward(X, coefs, intercepts)", "check_forward"),
    )
}
