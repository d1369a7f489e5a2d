"""companion.mlp: backpropagation against finite differences and PyTorch autograd, the
penalised objective against scikit-learn's, one copy of the state, the output layer as
the companion's GLM on the learned features, and scikit-learn's estimator checks."""

import copy
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from companion import ConvergenceWarning, LogisticNeuron, SoftmaxLayer, datasets
from companion.mlp import ACTIVATIONS, MLP, Layout

TORCH_ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}


def _problem(seed, n, d, k):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.r_[np.arange(k), rng.integers(0, k, n - k)]
    return X, y


def _targets(net, y, k):
    return np.eye(k)[y] if net.output == "softmax" else y[:, None].astype(float)


def _torch_objective(theta, X, Y, net):
    """J_alpha written independently in PyTorch: the same weights, autograd."""
    t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
    coefs, intercepts = Layout((X.shape[1], *net.hidden, Y.shape[1])).split(t)
    a = torch.as_tensor(X)
    for W, b in zip(coefs[:-1], intercepts[:-1], strict=True):
        a = TORCH_ACTIVATIONS[net.activation](a @ W.T + b)
    z = a @ coefs[-1].T + intercepts[-1]
    Yt = torch.as_tensor(Y)
    if net.output == "softmax":
        loss = torch.nn.functional.cross_entropy(z, Yt.argmax(1))
    else:
        loss = torch.nn.functional.binary_cross_entropy_with_logits(z, Yt)
    loss = loss + net.alpha / 2 * sum((W**2).sum() for W in coefs)
    loss.backward()
    return float(loss.detach()), t.grad.numpy()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    hidden=st.lists(st.integers(1, 5), max_size=3),
    activation=st.sampled_from(sorted(ACTIVATIONS)),
    output=st.sampled_from(["softmax", "sigmoid"]),
    alpha=st.sampled_from([0.0, 0.3]),
)
def test_backpropagation_equals_autograd_and_finite_differences(
    seed, hidden, activation, output, alpha
):
    k = 2 if output == "sigmoid" else 3
    X, y = _problem(seed, 15, 3, k)
    net = MLP(
        hidden=tuple(hidden),
        activation=activation,
        output=output,
        alpha=alpha,
        random_state=seed,
    )
    Y = _targets(net, y, k)
    rng = np.random.default_rng(seed)
    theta = net.initial_parameters(3, Y.shape[1])
    theta = theta + 0.3 * rng.normal(size=theta.size)  # non-zero biases too
    loss, grad = net.loss_and_gradient(theta, X, Y)
    ref_loss, ref_grad = _torch_objective(theta, X, Y, net)
    assert loss == pytest.approx(ref_loss, rel=1e-13)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-10, atol=1e-13)
    if activation == "relu":  # finite differences are wrong across the kink
        return
    step = 1e-6
    fd = np.array(
        [
            (
                net.loss_and_gradient(theta + step * e, X, Y)[0]
                - net.loss_and_gradient(theta - step * e, X, Y)[0]
            )
            / (2 * step)
            for e in np.eye(theta.size)
        ]
    )
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("hidden", [(3,), (4, 3), (3, 4, 2)])
def test_vector_networks_against_autograd(activation, hidden):
    """2 -> 3 -> 2 and deeper: a transposed W or a derivative taken at the wrong layer
    would give the wrong shapes or the wrong numbers here."""
    X, y = _problem(7, 20, 2, 2)
    net = MLP(hidden=hidden, activation=activation, alpha=0.1)
    theta = net.initial_parameters(2, 2) + 0.2
    Y = np.eye(2)[y]
    _, grad = net.loss_and_gradient(theta, X, Y)
    np.testing.assert_allclose(
        grad, _torch_objective(theta, X, Y, net)[1], rtol=1e-10, atol=1e-14
    )


def test_layout_round_trip_and_sizes():
    layout = Layout((2, 3, 2))
    theta = np.arange(layout.size, dtype=float)
    coefs, intercepts = layout.split(theta)
    assert [W.shape for W in coefs] == [(3, 2), (2, 3)] and layout.size == 6 + 3 + 6 + 2
    np.testing.assert_array_equal(
        coefs[0].ravel(), np.arange(6)
    )  # W1 row by row, then b1
    np.testing.assert_array_equal(intercepts[0], [6, 7, 8])
    np.testing.assert_array_equal(Layout.join(coefs, intercepts), theta)
    with pytest.raises(ValueError, match="has 17 parameters"):
        layout.split(np.zeros(5))


def test_the_state_is_coefs_and_intercepts_only():
    data = datasets.make_rings(40, 3, noise=0.3, seed=1)
    net = MLP(hidden=(5,), alpha=0.01).fit(data.X, data.y)
    before = net.predict_proba(data.X)
    net.coefs_[-1][:] = 0.0  # the head's weights: every row now gets softmax(b)
    after = net.predict_proba(data.X)
    expected = np.exp(net.intercepts_[-1]) / np.exp(net.intercepts_[-1]).sum()
    np.testing.assert_allclose(after, np.tile(expected, (len(data.y), 1)), rtol=1e-14)
    assert np.max(np.abs(after - before)) > 0.1
    H = net.features(data.X)
    np.testing.assert_allclose(net.output_layer().predict_proba(H), after, rtol=1e-14)
    np.testing.assert_array_equal(net.parameter_vector()[-18:-3], 0.0)


def test_a_stationary_network_has_the_penalised_glm_head():
    """At a stationary point of J_alpha, the head is the penalised GLM on the features:
    SoftmaxLayer(alpha) and scikit-learn's LogisticRegression(C = 1/(alpha N))."""
    data = datasets.make_rings(60, 3, noise=0.35, seed=0)
    alpha, n = 0.01, len(data.y)
    net = MLP(hidden=(6, 2), alpha=alpha, tol=1e-9).fit(data.X, data.y)
    assert net.converged_
    H = net.features(data.X)
    W, b = net.coefs_[-1], net.intercepts_[-1]
    np.testing.assert_allclose(
        net.output_layer().predict_proba(H),
        net.predict_proba(data.X),
        rtol=1e-13,
        atol=1e-15,
    )
    refit = SoftmaxLayer(alpha=alpha).fit(H, data.y)
    np.testing.assert_allclose(refit.coef_, W, atol=1e-6)
    np.testing.assert_allclose(refit.intercept_, b - b.mean(), atol=1e-6)
    sk = LogisticRegression(C=1 / (alpha * n), tol=1e-12, max_iter=10_000).fit(
        H, data.y
    )
    np.testing.assert_allclose(sk.coef_, W, atol=1e-5)
    # the score equations of the unpenalised biases: calibration-in-the-large
    np.testing.assert_allclose(
        net.predict_proba(data.X).sum(axis=0), np.bincount(data.y), atol=1e-6 * n
    )


def test_sigmoid_head_is_a_penalised_logistic_neuron():
    data = datasets.make_two_blobs(n=120, seed=3)
    net = MLP(hidden=(3,), output="sigmoid", alpha=0.05, tol=1e-9).fit(data.X, data.y)
    assert net.converged_ and isinstance(net.output_layer(), LogisticNeuron)
    refit = LogisticNeuron(alpha=0.05).fit(net.features(data.X), data.y)
    np.testing.assert_allclose(refit.coef_, net.coefs_[-1][0], atol=1e-6)
    assert refit.intercept_ == pytest.approx(net.intercepts_[-1][0], abs=1e-6)


@pytest.mark.parametrize("output", ["softmax", "sigmoid"])
def test_without_hidden_layers_the_network_is_the_glm(output):
    """hidden=() is the GLM of chapter 8: the same estimate as the companion's IRLS."""
    data = datasets.make_two_blobs(n=80, distance=1.0, seed=2)
    net = MLP(hidden=(), output=output, alpha=0.02, tol=1e-10).fit(data.X, data.y)
    glm = (SoftmaxLayer if output == "softmax" else LogisticNeuron)(alpha=0.02)
    glm.fit(data.X, data.y)
    np.testing.assert_allclose(
        net.predict_proba(data.X), glm.predict_proba(data.X), atol=1e-8
    )
    np.testing.assert_array_equal(net.features(data.X), data.X)


@pytest.mark.parametrize("output, k", [("softmax", 3), ("sigmoid", 2)])
def test_alpha_is_scikit_learns_alpha_divided_by_n(output, k):
    """Our fitted weights are a stationary point of MLPClassifier's objective with
    alpha_sklearn = N alpha: started there, its L-BFGS does not move."""
    X, y = _problem(3, 90, 2, k)
    alpha, n = 0.05, len(y)
    net = MLP(hidden=(4,), output=output, alpha=alpha, tol=1e-10).fit(X, y)
    assert net.converged_
    sk = MLPClassifier(
        hidden_layer_sizes=(4,),
        activation="tanh",
        solver="lbfgs",
        alpha=n * alpha,
        max_iter=1,
        warm_start=True,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.fit(X, y)
    sk.coefs_ = [W.T.copy() for W in net.coefs_]
    sk.intercepts_ = [b.copy() for b in net.intercepts_]
    sk.set_params(max_iter=200, tol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sk.fit(X, y)
    for ours, theirs in zip(net.coefs_, sk.coefs_, strict=True):
        np.testing.assert_allclose(theirs.T, ours, atol=1e-7)
    np.testing.assert_allclose(sk.predict_proba(X), net.predict_proba(X), atol=1e-8)


def test_symmetries_of_the_hidden_layer_leave_the_loss_unchanged():
    """A tanh sign flip and a permutation of hidden units give the same function, so the
    loss has many minimisers; halfway between two of them it is higher: not convex."""
    data = datasets.make_rings(50, 3, noise=0.35, seed=0)
    net = MLP(hidden=(6, 2), alpha=0.01, tol=1e-9).fit(data.X, data.y)
    Y = np.eye(3)[data.y]
    flipped, permuted = copy.deepcopy(net), copy.deepcopy(net)
    flipped.coefs_[0][2] *= -1
    flipped.intercepts_[0][2] *= -1
    flipped.coefs_[1][:, 2] *= -1
    order = [1, 0, 2, 3, 5, 4]
    permuted.coefs_[0] = net.coefs_[0][order]
    permuted.intercepts_[0] = net.intercepts_[0][order]
    permuted.coefs_[1] = net.coefs_[1][:, order]
    J = lambda m: net.loss_and_gradient(m.parameter_vector(), data.X, Y)[0]
    for other in (flipped, permuted):
        np.testing.assert_allclose(
            other.predict_proba(data.X), net.predict_proba(data.X), rtol=1e-12
        )
        assert J(other) == pytest.approx(J(net), rel=1e-12)
    middle = 0.5 * (net.parameter_vector() + flipped.parameter_vector())
    assert net.loss_and_gradient(middle, data.X, Y)[0] > J(net) + 1e-3


def test_training_is_reproducible_and_never_increases_the_loss_with_gd():
    data = datasets.make_rings(30, 2, noise=0.3, seed=2)
    fits = [
        MLP(hidden=(6,), alpha=0.01, random_state=s).fit(data.X, data.y)
        for s in (4, 4, 5)
    ]
    np.testing.assert_array_equal(
        fits[0].parameter_vector(), fits[1].parameter_vector()
    )
    assert not np.array_equal(fits[0].coefs_[0], fits[2].coefs_[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gd = MLP(hidden=(6,), solver="gd", learning_rate=0.2, max_iter=300).fit(
            data.X, data.y
        )
    assert np.all(np.diff(gd.history_) <= 0) and gd.history_[-1] < 0.8 * gd.history_[0]
    for net in (*fits, gd):
        Y = np.eye(2)[data.y]
        assert net.loss_ == pytest.approx(
            net.loss_and_gradient(net.parameter_vector(), data.X, Y)[0], rel=1e-12
        )


def test_a_training_budget_that_runs_out_warns():
    data = datasets.make_rings(30, 3, noise=0.3, seed=0)
    with pytest.warns(ConvergenceWarning, match="not a stationary point"):
        net = MLP(hidden=(8,), max_iter=3).fit(data.X, data.y)
    assert not net.converged_ and net.n_iter_ <= 3


def test_bad_input_is_named():
    X, y = np.random.default_rng(0).normal(size=(10, 2)), np.arange(10) % 3
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(activation="gelu").fit(X, y)
    with pytest.raises(ValueError, match="needs exactly two classes"):
        MLP(output="sigmoid").fit(X, y)
    with pytest.raises(ValueError, match="hidden must be a tuple of positive integers"):
        MLP(hidden=(3, 0)).fit(X, y)
    with pytest.raises(ValueError, match="alpha must be"):
        MLP(alpha=-1.0).fit(X, y)
    with pytest.raises(ValueError, match="at least two classes"):
        MLP().fit(X, np.zeros(10))
    with pytest.raises(ValueError, match="NaN"):
        MLP().fit(np.full((10, 2), np.nan), y)


@parametrize_with_checks([MLP(), MLP(output="sigmoid"), MLP(hidden=(), alpha=0.1)])
def test_scikit_learn_estimator_checks(estimator, check):
    """Every check passes; the only one not run is check_array_api_input, which scikit-
    learn skips unless SCIPY_ARRAY_API is set (the MLP computes in numpy only)."""
    check(estimator)
