"""Companion code for *GLMs as Neurons*.

One module per idea the book names: ``families``, ``categorical`` and ``links``
(exponential families and link functions), ``symbolic`` (the SymPy derivations),
``losses`` (stable log-sigmoid, log-sum-exp, softmax, cross-entropies), ``glm`` (the one
objective every neuron is fitted by), ``solvers`` (gradient descent, Newton/IRLS),
``linalg``, ``separation`` and ``diagnostics`` (when the estimate does not exist),
``neurons`` and ``layer`` (the estimators), ``mlp`` (a small network trained by
backpropagation), ``deep`` (the bridge to PyTorch), ``datasets`` and ``plotting``.
"""

import importlib.metadata as _metadata

from . import (
    categorical,
    datasets,
    deep,
    diagnostics,
    families,
    glm,
    layer,
    linalg,
    links,
    losses,
    mlp,
    neurons,
    separation,
    solvers,
    symbolic,
)
from .exceptions import (
    ConditioningWarning,
    ConvergenceWarning,
    NonExistenceWarning,
    RankDeficiencyWarning,
    SeparationWarning,
)
from .layer import SoftmaxLayer
from .neurons import GLMNeuron, LogisticNeuron

__all__ = [
    "categorical",
    "datasets",
    "deep",
    "diagnostics",
    "families",
    "glm",
    "layer",
    "linalg",
    "links",
    "losses",
    "mlp",
    "neurons",
    "separation",
    "solvers",
    "symbolic",
    "GLMNeuron",
    "LogisticNeuron",
    "SoftmaxLayer",
    "ConvergenceWarning",
    "NonExistenceWarning",
    "SeparationWarning",
    "RankDeficiencyWarning",
    "ConditioningWarning",
]
# The one version number, pyproject.toml's, read from the installed metadata.
try:
    __version__ = _metadata.version("companion")
except _metadata.PackageNotFoundError:  # a copy of the folder, never installed
    __version__ = "0+unknown"
