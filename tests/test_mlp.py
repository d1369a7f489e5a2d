"""The multilayer perceptron: backpropagation against finite differences, reproducibility, and its
output layer as a softmax (or logistic) regression on the learned features h(x; gamma)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from companion import ConvergenceWarning, LogisticNeuron, SoftmaxLayer, datasets, losses
from companion.mlp import ACTIVATIONS, MLP


def _setup(net, X, y):
    """Prepare a network for direct calls of its loss: classes, layer shapes and one-hot targets."""
    net.classes_ = np.unique(y)
    k = net.classes_.size
    labels = np.searchsorted(net.classes_, y)
    Y = labels[:, None].astype(float) if net.output == "sigmoid" else np.eye(k)[labels]
    net._layer_shapes = net._shapes(X.shape[1], Y.shape[1])
    return Y


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 1000), hidden=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       activation=st.sampled_from(sorted(ACTIVATIONS)), output=st.sampled_from(["softmax", "sigmoid"]),
       alpha=st.sampled_from([0.0, 0.5]))
def test_backpropagation_equals_finite_differences(seed, hidden, activation, output, alpha):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(12, 3))
    y = rng.integers(0, 2 if output == "sigmoid" else 3, 12)
    y[:3] = [0, 1, 2][: 2 if output == "sigmoid" else 3] + [0] * (1 if output == "sigmoid" else 0)
    net = MLP(hidden=tuple(hidden), activation=activation, output=output, alpha=alpha)
    Y = _setup(net, X, y)
    theta = net._initial(rng) + 0.1 * rng.normal(size=sum(o * i + o for o, i in net._layer_shapes))
    if activation == "relu":  # keep pre-activations away from the kink, where the derivative jumps
        zs = net._forward(theta, X)[0]
        if any(np.min(np.abs(z)) < 1e-3 for z in zs):
            return
    loss, grad = net._loss_grad(theta, X, Y)
    h = 1e-6
    fd = np.array([(net._loss_grad(theta + h * e, X, Y)[0] - net._loss_grad(theta - h * e, X, Y)[0]) / (2 * h)
                   for e in np.eye(theta.size)])
    np.testing.assert_allclose(grad, fd, rtol=1e-5, atol=1e-8)


def test_the_output_layer_is_softmax_regression_on_the_learned_features():
    data = datasets.make_rings(150, 3, noise=0.35, seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a training budget
        net = MLP(hidden=(8, 2), max_iter=600, seed=0).fit(data.X, data.y)
    H = net.features(data.X)
    assert H.shape == (data.y.size, 2) and np.all(np.abs(H) <= 1)  # tanh features
    # identity: the network's probabilities are a softmax regression with its last layer's weights
    np.testing.assert_allclose(net.predict_proba(data.X), losses.softmax(H @ net.coefs_[-1].T + net.intercepts_[-1], axis=1),
                               rtol=1e-14, atol=1e-15)
    np.testing.assert_array_equal(net.output_layer().predict_proba(H), net.predict_proba(data.X))
    assert isinstance(net.output_layer(), SoftmaxLayer)
    # the maximum-likelihood last layer on the frozen features fits at least as well, and nearly the same
    refit = SoftmaxLayer().fit(H, data.y)
    assert refit.log_likelihood_ >= net.log_likelihood_ - 1e-9
    assert np.max(np.abs(refit.predict_proba(H) - net.predict_proba(data.X))) < 0.1


def test_sigmoid_output_is_a_logistic_neuron_on_the_features():
    data = datasets.make_two_blobs(n=120, seed=3)
    net = MLP(hidden=(3,), output="sigmoid", alpha=1.0, max_iter=2000, seed=1).fit(data.X, data.y)
    assert net.converged_
    H = net.features(data.X)
    refit = LogisticNeuron().fit(H, data.y)
    p = net.predict_proba(data.X)
    np.testing.assert_allclose(p[:, 1], losses.sigmoid(H @ net.coefs_[-1][0] + net.intercepts_[-1][0]), rtol=1e-14)
    np.testing.assert_array_equal(net.output_layer().predict_proba(H), p)
    assert isinstance(net.output_layer(), LogisticNeuron)
    assert refit.log_likelihood_ >= net.log_likelihood_ - 1e-9


def test_training_reduces_the_loss_and_is_reproducible():
    data = datasets.make_rings(40, 2, noise=0.3, seed=2)
    fits = []
    for solver in ("lbfgs", "lbfgs", "gd"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            fits.append(MLP(hidden=(6,), solver=solver, max_iter=400, learning_rate=0.5, seed=4).fit(data.X, data.y))
    np.testing.assert_array_equal(fits[0].coefs_[0], fits[1].coefs_[0])
    for net in fits:
        assert net.history_[-1] < 0.5 * net.history_[0]
        assert net.loss_ == pytest.approx(-net.log_likelihood_ / data.y.size)
    # gradient descent never increases the loss with this small step
    assert np.all(np.diff(fits[2].history_) <= 1e-12)
    assert fits[0].n_parameters_ == 2 * 6 + 6 + 6 * 2 + 2


def test_bad_input_is_named():
    X, y = np.random.default_rng(0).normal(size=(10, 2)), np.arange(10) % 3
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP(activation="gelu").fit(X, y)
    with pytest.raises(ValueError, match="sigmoid output needs exactly two classes"):
        MLP(output="sigmoid").fit(X, y)
    with pytest.raises(ValueError, match="hidden must be"):
        MLP(hidden=()).fit(X, y)
    with pytest.raises(ValueError, match="at least two classes"):
        MLP().fit(X, np.zeros(10))
    with pytest.raises(ValueError, match="X contains NaN"):
        MLP().fit(np.full((10, 2), np.nan), y)
    with pytest.raises(AttributeError, match="not fitted"):
        MLP().features(X)
