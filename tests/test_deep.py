"""companion.deep: for PyTorch classifiers of several architectures, the head as the
companion's GLM on the hooked features reproduces the model's own probabilities; and the
errors for models that are not classifiers in the module's sense."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from companion import LogisticNeuron, SoftmaxLayer, deep


class HeadFirst(nn.Module):
    """The head is registered first: not the last Linear in children() order."""

    def __init__(self, d, k):
        super().__init__()
        self.head = nn.Linear(5, k)
        self.body = nn.Sequential(
            nn.Linear(d, 7), nn.ReLU(), nn.Linear(7, 5), nn.Tanh()
        )

    def forward(self, x):
        return self.head(self.body(x))


class Squeezed(nn.Module):
    """A binary classifier as BCEWithLogitsLoss users write it: one logit, squeezed."""

    def __init__(self, d):
        super().__init__()
        self.hidden = nn.Linear(d, 4)
        self.out = nn.Linear(4, 1)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x))).squeeze(-1)


class Branching(nn.Module):
    """Control flow on the data: torch.fx cannot trace it."""

    def __init__(self, d, k, linears=2):
        super().__init__()
        self.first = nn.Linear(d, 3) if linears == 2 else nn.Identity()
        self.last = nn.Linear(3 if linears == 2 else d, k)

    def forward(self, x):
        if x.sum() > 0:
            x = x + 0.0
        return self.last(torch.tanh(self.first(x)))


def _mlp(d, k):
    return nn.Sequential(
        nn.Linear(d, 6), nn.Tanh(), nn.Linear(6, 4), nn.ReLU(), nn.Linear(4, k)
    )


def _cnn(k):
    return nn.Sequential(
        nn.Conv2d(1, 3, 3, padding=1),
        nn.Tanh(),
        nn.AvgPool2d(2),
        nn.Flatten(),
        nn.Linear(3 * 4 * 4, k),
    )


def _regularised(d, k):
    return nn.Sequential(
        nn.Linear(d, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, k)
    )


def _inputs(name, seed, n=25, d=4):
    shape = (n, 1, 8, 8) if name == "cnn" else (n, d)
    return np.random.default_rng(seed).normal(size=shape)


ARCHITECTURES = {
    "mlp": lambda k: _mlp(4, k),
    "cnn": _cnn,
    "head-first": lambda k: HeadFirst(4, k),
    "regularised": lambda k: _regularised(4, k),
    "linear": lambda k: nn.Linear(4, k),
}


def _own_probabilities(model, X):
    model.eval()
    with torch.no_grad():
        z = model(torch.as_tensor(X, dtype=next(model.parameters()).dtype))
    z = z.reshape(len(X), -1).double()
    return (torch.sigmoid(z) if z.shape[1] == 1 else torch.softmax(z, dim=1)).numpy()


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(sorted(ARCHITECTURES)),
    k=st.integers(1, 5),
    seed=st.integers(0, 1000),
)
def test_the_head_on_the_features_is_the_model(name, k, seed):
    torch.manual_seed(seed)
    model = ARCHITECTURES[name](k).double()
    if name == "regularised":  # give batch norm running statistics that are not 0 and 1
        model.train()
        with torch.no_grad():
            model(torch.as_tensor(_inputs(name, seed + 1, n=40)))
    X = _inputs(name, seed)
    H = deep.features(model, X)
    glm = deep.head_as_glm(model)
    assert H.dtype == np.float64 and H.shape[0] == len(X)
    assert isinstance(glm, LogisticNeuron if k == 1 else SoftmaxLayer)
    own = _own_probabilities(model, X)
    proba = glm.predict_proba(H)
    np.testing.assert_allclose(
        proba[:, 1] if k == 1 else proba,
        own[:, 0] if k == 1 else own,
        rtol=1e-12,
        atol=1e-15,
    )


def test_the_features_are_the_input_of_the_head_even_when_it_is_registered_first():
    torch.manual_seed(0)
    model = HeadFirst(4, 3).double()
    X = _inputs("head-first", 0)
    with torch.no_grad():
        expected = model.body(torch.as_tensor(X)).numpy()
    np.testing.assert_array_equal(deep.features(model, X), expected)
    glm = deep.head_as_glm(model)
    np.testing.assert_array_equal(glm.coef_, model.head.weight.detach().numpy())
    assert list(model.children())[-1] is not model.head


def test_a_squeezed_single_logit_and_given_class_labels():
    torch.manual_seed(1)
    model = Squeezed(3).double()
    X = np.random.default_rng(1).normal(size=(30, 3))
    glm = deep.head_as_glm(model, classes=["benign", "malignant"])
    with torch.no_grad():
        p = torch.sigmoid(model(torch.as_tensor(X))).numpy()
    np.testing.assert_allclose(
        glm.predict_proba(deep.features(model, X))[:, 1], p, rtol=1e-12
    )
    assert list(glm.classes_) == ["benign", "malignant"]
    assert set(glm.predict(deep.features(model, X))) <= {"benign", "malignant"}


def test_a_float32_model_agrees_to_its_precision_and_modes_are_restored():
    torch.manual_seed(2)
    model = _regularised(4, 3)
    model.train()
    X = _inputs("regularised", 2)
    H = deep.features(model, X)
    assert model.training and all(m.training for m in model.modules())
    np.testing.assert_allclose(
        deep.head_as_glm(model).predict_proba(H),
        _own_probabilities(model, X),
        rtol=1e-5,
        atol=1e-6,
    )


def test_an_untraceable_model_with_one_linear_and_a_linear_passed_directly():
    torch.manual_seed(3)
    model = Branching(4, 3, linears=1).double()
    X = _inputs("mlp", 3)
    glm = deep.head_as_glm(model)
    np.testing.assert_allclose(
        glm.predict_proba(deep.features(model, X)),
        _own_probabilities(model, X),
        rtol=1e-12,
    )
    two = Branching(4, 3).double()
    with pytest.raises(ValueError, match="torch.fx cannot trace"):
        deep.head_as_glm(two)
    np.testing.assert_allclose(
        deep.head_as_glm(two.last).predict_proba(deep.features(two, X)),
        _own_probabilities(two, X),
        rtol=1e-12,
    )


def test_a_model_without_a_linear_layer():
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten()).double()
    for call in (
        lambda: deep.features(model, _inputs("cnn", 0)),
        lambda: deep.head_as_glm(model),
    ):
        with pytest.raises(ValueError, match="has no torch.nn.Linear"):
            call()


@pytest.mark.parametrize(
    "last, message",
    [
        (nn.Softmax(dim=1), "ends in a sigmoid or softmax"),
        (nn.Sigmoid(), "ends in a sigmoid or softmax"),
        (nn.ReLU(), "something is applied after that layer"),
    ],
)
def test_something_applied_after_the_last_linear(last, message):
    k = 1 if isinstance(last, nn.Sigmoid) else 3
    model = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, k), last).double()
    with pytest.raises(ValueError, match=message):
        deep.features(model, _inputs("mlp", 0))
    with pytest.raises(ValueError, match="not the one applied last"):
        deep.head_as_glm(model)


def test_outputs_that_are_not_a_classifiers():
    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 2)

        def forward(self, x):
            return self.fc(x), x

    with pytest.raises(ValueError, match="not a tensor of logits"):
        deep.features(Pair().double(), _inputs("mlp", 0))
    sequence = nn.Linear(4, 3).double()  # applied to (N, T, d): logits per time step
    with pytest.raises(ValueError, match="one row per example"):
        deep.features(sequence, np.zeros((5, 2, 4)))
    with pytest.raises(ValueError, match="the head has 3 output"):
        deep.head_as_glm(nn.Linear(4, 3), classes=[0, 1])
    with pytest.raises(ValueError, match="the head has 1 output"):
        deep.head_as_glm(nn.Linear(4, 1), classes=[0, 1, 2])
