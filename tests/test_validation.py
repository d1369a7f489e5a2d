"""companion.validation: every parameter of every estimator refuses bad values with a
ValueError that names it (at ``fit``, as scikit-learn does) and accepts the documented
ones; the constraint classes on their own."""

import re
import warnings

import numpy as np
import pytest

from companion import ConvergenceWarning, GLMNeuron, LogisticNeuron, SoftmaxLayer
from companion.families import Bernoulli, Poisson
from companion.links import Logit
from companion.validation import InstanceOf, Interval, Options, validate_params

ESTIMATORS = [GLMNeuron, LogisticNeuron, SoftmaxLayer]
BAD_COMMON = {
    "fit_intercept": ["yes", 1, None, 0.0],
    "penalize_intercept": ["no", 0, None],
    "alpha": [-1.0, -1e-12, np.nan, np.inf, "0.1", None, True],
    "max_iter": [0, -5, 2.5, np.nan, True, "10", 100.0],
    "tol": [-1e-3, np.nan, np.inf, "1e-6", True],
    "learning_rate": [0, 0.0, -0.1, np.nan, np.inf, None, "0.5"],
}
BAD = {
    GLMNeuron: {
        **BAD_COMMON,
        "family": ["gamma", "Poisson", 3, None, Poisson],
        "link": ["cloglog", "Logit", 3, Logit],
        "solver": ["lbfgs", "IRLS", None, 1],
    },
    LogisticNeuron: {**BAD_COMMON, "solver": ["irls", "lbfgs", None]},
    SoftmaxLayer: {
        **BAD_COMMON,
        "solver": ["irls", "lbfgs", None],
        "classes": ["abc", 3, {0, 1}],
    },
}
GOOD_COMMON = {
    "fit_intercept": [True, False, np.True_],
    "penalize_intercept": [True, False],
    "alpha": [0, 0.0, 1e-3, 10, np.float32(0.5)],
    "max_iter": [None, 1, 500, np.int64(50)],
    "tol": [None, 0, 0.0, 1e-6],
    "learning_rate": [0.1, 2, np.float64(1e-3)],
}
GOOD = {
    GLMNeuron: {
        **GOOD_COMMON,
        "family": ["bernoulli", "gaussian", "poisson", Bernoulli()],
        "link": [None, "logit", "probit", Logit()],
        "solver": ["irls", "newton", "gd"],
    },
    LogisticNeuron: {**GOOD_COMMON, "solver": ["newton", "gd"]},
    SoftmaxLayer: {
        **GOOD_COMMON,
        "solver": ["newton", "gd"],
        "classes": [None, [0, 1], (0, 1), np.array([0, 1])],
    },
}


def _data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    y = (X[:, 0] + rng.normal(size=30) > 0).astype(int)
    return X, y


def _cases(table):
    return [
        pytest.param(cls, name, value, id=f"{cls.__name__}-{name}-{value!r}")
        for cls in ESTIMATORS
        for name, values in table[cls].items()
        for value in values
    ]


@pytest.mark.parametrize("cls, name, value", _cases(BAD))
def test_a_bad_value_is_refused_naming_the_parameter(cls, name, value):
    X, y = _data()
    estimator = cls(**{name: value})  # nothing is checked before fit
    message = f"{cls.__name__}: {name} must be .*; got {re.escape(repr(value))}"
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)


@pytest.mark.parametrize("cls, name, value", _cases(GOOD))
def test_a_documented_value_is_accepted(cls, name, value):
    X, y = _data()
    params = {name: value}
    if cls is GLMNeuron and name != "family":
        params["family"] = "bernoulli"
    if name == "learning_rate":
        params.update(solver="gd", max_iter=5)
    estimator = cls(**params)
    with warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", ConvergenceWarning
        )  # a short fit may stop early
        assert estimator.fit(X, y) is estimator
    assert estimator.get_params()[name] is value


def test_set_params_is_validated_at_the_next_fit():
    X, y = _data()
    neuron = LogisticNeuron().fit(X, y)
    neuron.set_params(max_iter=0)
    assert neuron.get_params()["max_iter"] == 0
    with pytest.raises(ValueError, match="max_iter must be an integer in"):
        neuron.fit(X, y)
    neuron.set_params(max_iter=20).fit(X, y)
    with pytest.raises(ValueError, match="Invalid parameter 'C'"):
        neuron.set_params(C=1.0)


def test_the_message_lists_what_is_accepted():
    X, y = _data()
    with pytest.raises(ValueError) as info:
        GLMNeuron(link="cloglog").fit(X, y)
    assert str(info.value) == (
        "GLMNeuron: link must be one of 'identity', 'logit', 'probit', 'log' or a Link "
        "or None; got 'cloglog'"
    )
    with pytest.raises(ValueError) as info:
        LogisticNeuron(tol=-1.0).fit(X, y)
    assert str(info.value) == (
        "LogisticNeuron: tol must be a finite number in [0, inf) or None; got -1.0"
    )


def test_intervals():
    positive_int = Interval(int, 1, None)
    assert all(positive_int.accepts(v) for v in (1, 10**20, np.int64(3)))
    assert not any(positive_int.accepts(v) for v in (0, True, 1.5, 2.0, np.nan, "1"))
    assert str(positive_int) == "an integer in [1, inf)"
    open_real = Interval(float, 0, 1, closed="neither")
    assert open_real.accepts(0.5) and open_real.accepts(np.float32(1e-30))
    assert not any(open_real.accepts(v) for v in (0, 1, -1e-300, np.inf))
    assert str(open_real) == "a finite number in (0, 1)"
    assert Interval(float, 0, 1, closed="left").accepts(0)
    assert not Interval(float, 0, 1, closed="left").accepts(1)
    assert Interval(float, 0, 1, closed="right").accepts(1)
    assert (
        str(Interval(float, None, 0, closed="right")) == "a finite number in (-inf, 0]"
    )


def test_options_and_instances():
    solver = Options(("newton", "gd"))
    assert solver.accepts("gd") and solver.accepts(np.str_("newton"))
    assert not any(solver.accepts(v) for v in ("GD", None, 1, ["gd"]))
    assert str(solver) == "one of 'newton', 'gd'"
    flag = InstanceOf((bool, np.bool_), "True or False")
    assert flag.accepts(True) and flag.accepts(np.False_) and not flag.accepts(1)
    number = InstanceOf((int,), "an int")
    assert number.accepts(3) and not number.accepts(True)


def test_validate_params_reads_the_class_constraints():
    class Toy:
        parameter_constraints = {"k": [Interval(int, 2, None)], "name": [None]}

        def __init__(self, k, name=None):
            self.k, self.name = k, name

    validate_params(Toy(3))
    with pytest.raises(ValueError, match=r"Toy: k must be an integer in \[2, inf\)"):
        validate_params(Toy(1))
    with pytest.raises(ValueError, match="Toy: name must be None; got 'x'"):
        validate_params(Toy(2, "x"))
