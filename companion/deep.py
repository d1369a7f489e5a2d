r"""The bridge from PyTorch to the GLMs of the book (chapter 9): a classifier's last
layer is a logistic or softmax regression on the features that layer receives.

A **classifier** here is a ``torch.nn.Module`` whose output is the logits of its
last-applied ``torch.nn.Linear``, meant to be fed to a sigmoid (one output, as
``BCEWithLogitsLoss`` does) or a softmax (:math:`k \ge 2` outputs, as
``CrossEntropyLoss`` does): nothing is applied after that layer, not even the sigmoid or
the softmax. Then

.. math:: P(y = c \mid x) = \operatorname{softmax}\big(W h(x;\gamma) + b\big)_c
          \quad\text{or}\quad P(y = 1 \mid x) = \sigma\big(w^\top h(x;\gamma) + b\big),

with :math:`h(x;\gamma)` the input of that layer (:func:`features`) and :math:`(W, b)`
its weights (:func:`head_as_glm`). torch is imported only inside the functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._types import Array
from .layer import SoftmaxLayer
from .neurons import LogisticNeuron

__all__ = ["features", "head_as_glm"]

#: methods that may follow the head without changing its logits' values
_RESHAPES = ("squeeze", "view", "reshape", "flatten")


def _linears(model: Any) -> list[Any]:
    from torch import nn

    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not linears:
        raise ValueError(
            f"{type(model).__name__} has no torch.nn.Linear layer, so it "
            "has no affine head for a GLM to describe"
        )
    return linears


def _as_tensor(model: Any, X: Any) -> Any:
    """``X`` as a tensor of the model's dtype, on its device."""
    import torch

    first = next(model.parameters(), None)
    dtype = torch.get_default_dtype() if first is None else first.dtype
    device = None if first is None else first.device
    return torch.as_tensor(
        X if torch.is_tensor(X) else np.asarray(X), dtype=dtype, device=device
    )


def _check_logits(output: Any, logits: Any) -> None:
    """The model's output must be its last-applied Linear's logits, one row each."""
    import torch

    if not torch.is_tensor(output) or not output.is_floating_point():
        raise ValueError(
            f"the model's output is a {type(output).__name__}, not a "
            "tensor of logits: not a classifier's output"
        )
    if logits.dim() != 2:
        raise ValueError(
            f"the last nn.Linear gives an array of shape "
            f"{tuple(logits.shape)}; a classifier's logits have one row "
            "per example, shape (N, k)"
        )
    if output.numel() == logits.numel() and torch.equal(
        output.reshape(logits.shape), logits
    ):
        return
    if logits.shape[1] == 1:
        probabilities = torch.sigmoid(logits)
    else:
        probabilities = torch.softmax(logits, dim=1)
    if output.shape == probabilities.shape and torch.allclose(output, probabilities):
        raise ValueError(
            "the model ends in a sigmoid or softmax after its last "
            "nn.Linear: a classifier's output here is the logits (as "
            "BCEWithLogitsLoss and CrossEntropyLoss expect); remove the "
            "final activation"
        )
    raise ValueError(
        "the model's output is not the output of its last-applied "
        "nn.Linear: something is applied after that layer, so the model "
        "does not end in an affine head"
    )


def _trace(model: Any, X: Any) -> tuple[Any, Any]:
    """Run ``model`` on ``X`` in eval mode with a forward hook on every ``nn.Linear``;
    return the input of the last one applied, and the model's output."""
    import torch

    calls: list[tuple[Any, Any]] = []
    record = lambda module, inputs, output: calls.append((inputs[0], output))
    hooks = [m.register_forward_hook(record) for m in _linears(model)]
    modes = {m: m.training for m in model.modules()}
    try:
        model.eval()
        with torch.no_grad():
            output = model(_as_tensor(model, X))
    finally:
        for hook in hooks:
            hook.remove()
        for m, training in modes.items():
            m.training = training
    if not calls:
        raise ValueError("the forward pass applied none of the model's nn.Linear")
    h, logits = calls[-1]
    _check_logits(output, logits)
    return h, output


def features(model: Any, X: Any) -> Array:
    r"""The learned features :math:`h(x;\gamma)`: the input of the model's last-applied
    ``nn.Linear`` for the inputs ``X`` (array or tensor, cast to the model's dtype), as
    a float64 numpy array (N, q), recorded by a forward hook.

    The model runs in eval mode, as it predicts (dropout off, batch normalisation on its
    running statistics), and its modes are restored. ``ValueError`` if it has no
    ``nn.Linear`` or its output is not a classifier's (the module docstring)."""
    h, _ = _trace(model, X)
    return h.detach().cpu().numpy().astype(np.float64).reshape(h.shape[0], -1)


def _head(model: Any) -> Any:
    """The ``nn.Linear`` whose output is the model's output, found by tracing the
    forward code with ``torch.fx`` (no data needed); a Linear is its own head."""
    import torch
    from torch import nn

    if isinstance(model, nn.Linear):
        return model
    linears = _linears(model)
    try:
        graph = torch.fx.symbolic_trace(model).graph
    except Exception as error:  # e.g. control flow that depends on the data
        if len(linears) == 1:
            return linears[0]
        raise ValueError(
            f"torch.fx cannot trace {type(model).__name__} ({error}), so "
            "which nn.Linear is applied last is unknown: pass that layer, "
            "head_as_glm(model.<name>)"
        ) from error
    (node,) = [n.args[0] for n in graph.nodes if n.op == "output"]
    while isinstance(node, torch.fx.Node):
        passes = node.op == "call_method" and node.target in _RESHAPES
        if node.op == "call_module":
            module = model.get_submodule(node.target)
            if isinstance(module, nn.Linear):
                return module
            passes = isinstance(module, nn.Identity | nn.Dropout)
        if not passes:
            break
        node = node.args[0]
    source = repr(getattr(node, "target", node))
    if getattr(node, "op", "") == "call_module":
        source += f" ({type(model.get_submodule(node.target)).__name__})"
    raise ValueError(
        f"the model's output comes from {source}, not from an "
        "nn.Linear: its last layer is not the one applied last (a "
        "classifier's output here is the logits of an nn.Linear)"
    )


def head_as_glm(model: Any, classes: Any = None) -> LogisticNeuron | SoftmaxLayer:
    r"""The model's last-applied ``nn.Linear`` as the companion's GLM, holding its
    weights:
    a :class:`~companion.neurons.LogisticNeuron` for one output (the sigmoid of
    ``BCEWithLogitsLoss``), a :class:`~companion.layer.SoftmaxLayer` for :math:`k \ge
    2` outputs (``CrossEntropyLoss``), so that
    ``head_as_glm(model).predict_proba(features(model, X))`` is the model's own
    probabilities. ``classes``: the labels in the order of the outputs (``0..k-1``)."""
    head = _head(model)
    W = head.weight.detach().cpu().numpy().astype(np.float64)
    if head.bias is None:
        b = np.zeros(W.shape[0])
    else:
        b = head.bias.detach().cpu().numpy().astype(np.float64)
    k = max(W.shape[0], 2)
    labels = np.arange(k) if classes is None else np.asarray(classes)
    if labels.shape != (k,):
        raise ValueError(
            f"the head has {W.shape[0]} output(s), so {k} classes; got "
            f"classes of shape {labels.shape}"
        )
    if W.shape[0] == 1:
        return LogisticNeuron.from_weights(W[0], float(b[0]), labels)
    return SoftmaxLayer.from_weights(W, b, labels)
