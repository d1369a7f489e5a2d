r"""The hidden cases of chapter 9's features exercise: the input of the last
``torch.nn.Linear`` that a PyTorch classifier applies.

PyTorch is imported only when the cases are built. Three small models are handed over in
training mode, as after training: a Sequential MLP with dropout, a custom module whose
last Linear applied is the first one registered, and a small CNN on 8 x 8 images. The
reference features come from an independent forward pass in float64 numpy, from the
models' weights. The public checker is ``check_features`` in :mod:`companion.exercises`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .checking import Case, Diagnosis, Spec, close

__all__ = ["features_spec"]


# --------------------------------------------------------------------- learned features
_EVAL_HINT = (
    "the model is still in training mode: dropout dropped units and batch "
    "normalisation used this batch's statistics. Put it in evaluation mode first."
)


def _dropped(got: np.ndarray, h: np.ndarray, p: float = 0.5) -> bool:
    """Is ``got`` the features ``h`` after dropout in training mode (zeros, the rest
    scaled)?"""
    kept = np.isclose(got, h / (1 - p), rtol=1e-4, atol=1e-5)
    return bool(got.shape == h.shape and np.all(kept | (got == 0)) and np.any(got == 0))


def _numpy_reference() -> dict[str, Any]:
    """Forward passes in float64 numpy, from the weights of a torch module."""

    def affine(x: np.ndarray, lin: Any) -> np.ndarray:
        return (
            x @ lin.weight.detach().double().numpy().T
            + lin.bias.detach().double().numpy()
        )

    def batch_norm(x: np.ndarray, m: Any, train: bool) -> np.ndarray:
        mean, var = (
            (x.mean(axis=0), x.var(axis=0))
            if train
            else (m.running_mean.double().numpy(), m.running_var.double().numpy())
        )
        gamma, beta = (
            m.weight.detach().double().numpy(),
            m.bias.detach().double().numpy(),
        )
        return (x - mean) / np.sqrt(var + m.eps) * gamma + beta

    def conv_pool(
        X: np.ndarray, conv: Any
    ) -> np.ndarray:  # Conv2d(1, 3, 3), ReLU, MaxPool2d(2)
        W, b = (
            conv.weight.detach().double().numpy(),
            conv.bias.detach().double().numpy(),
        )
        windows = np.lib.stride_tricks.sliding_window_view(X, (3, 3), axis=(2, 3))
        z = np.maximum(np.einsum("nkijuv,ckuv->ncij", windows, W) + b[:, None, None], 0)
        return z.reshape(len(X), 3, 3, 2, 3, 2).max(axis=(3, 5)).reshape(len(X), 27)

    return {"affine": affine, "batch_norm": batch_norm, "conv_pool": conv_pool}


def features_spec() -> Spec:
    """Exercise ch9-ex-features-hook: three small torch classifiers, handed over in
    training mode as after training; the reference features come from a numpy forward
    pass."""
    import torch
    from torch import nn

    class HeadFirst(nn.Module):
        """The last Linear applied, ``head``, is the first one registered."""

        def __init__(self) -> None:
            super().__init__()
            self.head = nn.Linear(6, 3)
            self.body = nn.Sequential(nn.Linear(4, 6), nn.BatchNorm1d(6), nn.ReLU())
            self.mix = nn.Linear(6, 6)

        def forward(self, x: Any) -> Any:
            return self.head(torch.tanh(self.mix(self.body(x))))

    rng = np.random.default_rng(91)

    def ready(model: Any) -> Any:
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.as_tensor(rng.normal(scale=0.8, size=tuple(p.shape))))
            for m in model.modules():
                if isinstance(m, nn.BatchNorm1d):
                    assert m.running_mean is not None and m.running_var is not None
                    m.running_mean.copy_(
                        torch.as_tensor(rng.normal(size=m.num_features))
                    )
                    m.running_var.copy_(
                        torch.as_tensor(rng.uniform(0.5, 2, m.num_features))
                    )
        return model.train()

    with torch.random.fork_rng(
        devices=[]
    ):  # leave the caller's torch random state alone
        mlp = ready(
            nn.Sequential(
                nn.Linear(3, 8),
                nn.ReLU(),
                nn.Linear(8, 5),
                nn.Tanh(),
                nn.Dropout(0.5),
                nn.Linear(5, 4),
            )
        )
        net = ready(HeadFirst())
        cnn = ready(
            nn.Sequential(
                nn.Conv2d(1, 3, 3),
                nn.ReLU(),
                nn.MaxPool2d(2),
                nn.Flatten(),
                nn.Linear(27, 6),
                nn.ReLU(),
                nn.Linear(6, 3),
            )
        )
    ref = _numpy_reference()
    affine, batch_norm = ref["affine"], ref["batch_norm"]

    def mlp_case(X: np.ndarray) -> Case:
        inner = np.maximum(affine(X, mlp[0]), 0)
        h = np.tanh(affine(inner, mlp[2]))
        return Case(
            "a Sequential MLP 3 -> 8 -> 5 -> 4 with dropout, in training mode",
            (mlp, X),
            h,
            f"model: {_describe(mlp)}, X: {X.shape[0]} x 3",
            {"logits": affine(h, mlp[5]), "dropout": h, "inner": [X, inner]},
        )

    def net_case(description: str, X: np.ndarray) -> Case:
        def body(train: bool) -> np.ndarray:
            return np.maximum(batch_norm(affine(X, net.body[0]), net.body[1], train), 0)

        h = np.tanh(affine(body(False), net.mix))
        extra = {"logits": affine(h, net.head), "inner": [X, body(False)]}
        if len(X) > 1:
            extra["train"] = np.tanh(affine(body(True), net.mix))
        return Case(
            description,
            (net, X),
            h,
            "model: a custom nn.Module (Linear(4, 6), "
            "BatchNorm1d, ReLU, Linear(6, 6), tanh, then Linear(6, 3), which was "
            f"registered first) in training mode, X: {X.shape[0]} x 4",
            extra,
        )

    X = rng.normal(size=(4, 1, 8, 8))
    pooled = ref["conv_pool"](X, cnn[0])
    h = np.maximum(affine(pooled, cnn[4]), 0)
    cases = [
        mlp_case(rng.normal(size=(6, 3))),
        net_case(
            "a custom module whose last Linear applied is the first registered",
            rng.normal(size=(5, 4)),
        ),
        Case(
            "a small CNN on 8 x 8 images",
            (cnn, X),
            h,
            f"model: {_describe(cnn)}, X: 4 images of shape 1 x 8 x 8",
            {"logits": affine(h, cnn[6]), "inner": [pooled]},
        ),
        net_case("the custom module on a single row", rng.normal(size=(1, 4))),
    ]
    diagnoses = [
        Diagnosis(
            lambda got, c: close(got, c.extra["logits"], 1e-4),
            "you returned the model's output, its logits: the features are the *input* "
            "of the last Linear layer.",
        ),
        Diagnosis(
            lambda got, c: "train" in c.extra and close(got, c.extra["train"], 1e-4),
            _EVAL_HINT,
        ),
        Diagnosis(
            lambda got, c: "dropout" in c.extra and _dropped(got, c.extra["dropout"]),
            _EVAL_HINT,
        ),
        Diagnosis(
            lambda got, c: any(close(got, x, 1e-4) for x in c.extra["inner"]),
            "that is the input of a Linear layer applied before the last one: "
            "modules() and children() list layers in the order they were created, "
            "not the order forward() applies them.",
        ),
    ]
    raised = [
        (
            "requires grad",
            (
                "the features are still part of autograd's graph: compute them "
                "without gradient tracking, or detach them, before numpy."
            ),
        ),
        ("more than 1 value per channel when training", _EVAL_HINT),
        ("not numpy.ndarray", "the model takes a torch tensor: convert X first."),
        (
            "same dtype",
            (
                "X is float64 and the model's weights float32: convert X to float32 "
                "for the forward pass."
            ),
        ),
        (
            "not subscriptable",
            (
                "not every model is a Sequential that can be sliced: find the "
                "last Linear that forward() applies, e.g. with a forward hook."
            ),
        ),
    ]
    return Spec(
        cases,
        diagnoses,
        "the features are what the last Linear layer that forward() applies receives "
        "(a forward hook sees it), one row per row of X, with the model used as for "
        "prediction.",
        "a floating-point error in the forward pass.",
        rtol=1e-4,
        atol=1e-5,
        raised=raised,
        float64_array=True,
        type_hint="convert the features to a numpy array of float64 before "
        "returning them.",
    )


def _describe(model: Any) -> str:
    layers = ", ".join(type(m).__name__ for m in model)
    return f"Sequential({layers}) in training mode"
