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
✓ check_neuron: my_neuron passed all 3 hidden cases
  (random, edge and extreme inputs).

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

from . import cases_binary, cases_features, cases_multiclass, cases_networks
from .checking import TIME_LIMIT, Exercise, Feedback, Spec, check

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


def spec(label: str) -> Spec:
    """The hidden cases, diagnoses and hints of the exercise ``label`` (rebuilt each
    call)."""
    return _BUILDERS[label]()


_BUILDERS: dict[str, Callable[[], Spec]] = {
    "ch1-ex-softplus": cases_binary.softplus_spec,
    "ch2-ex-predict": cases_binary.predict_proba_spec,
    "ch3-ex-forward": cases_binary.neuron_spec,
    "ch4-ex-my-gradient": cases_binary.gradient_spec,
    "ch5-ex-softmax": cases_multiclass.softmax_spec,
    "ch6-ex-layer": cases_multiclass.layer_spec,
    "ch7-ex-log-softmax": cases_multiclass.cross_entropy_spec,
    "ch8-ex-irls": cases_multiclass.poisson_irls_spec,
    "ch9-ex-forward": cases_networks.forward_spec,
    "ch9-ex-penalized-gradient": cases_networks.penalized_gradient_spec,
    "ch9-ex-features-hook": cases_features.features_spec,
}


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
