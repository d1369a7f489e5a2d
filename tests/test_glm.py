"""companion.glm: the one objective every neuron is fitted by."""

import numpy as np
import pytest

from companion.categorical import Categorical
from companion.glm import GLMObjective


def test_precondition_keeps_the_point_of_a_symmetric_layer():
    """With unpenalised intercepts the symmetric layer fixes the last one; the new
    coordinates must describe the same model, up to a shift of every intercept."""
    rng = np.random.default_rng(7)
    X = rng.uniform(0.1, 2.0, size=(40, 3)) * [1e-3, 1.0, 50.0]
    y = rng.integers(0, 4, 40).astype(float)
    obj = GLMObjective(X, y, Categorical(4), alpha=0.3, symmetric=True)
    Theta = rng.normal(scale=0.3, size=(4, 4))
    Theta[0, -1] = 0.0
    beta = np.linalg.solve(obj.transform(), Theta).ravel(order="F")[obj.mask]
    loss = obj.loss(beta)
    new, _ = obj.precondition(beta)
    assert obj.loss(new) == pytest.approx(loss, rel=1e-13)
    after = obj.theta(new)
    np.testing.assert_allclose(after[1:], Theta[1:], rtol=1e-10)
    shift = after[0] - Theta[0]
    np.testing.assert_allclose(shift, shift[0], rtol=1e-10, atol=1e-14)
