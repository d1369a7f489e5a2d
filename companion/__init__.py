"""Companion code for *GLMs as Neurons*.

One module per idea the book names: ``families`` and ``links`` (exponential families, link functions),
``symbolic`` (the SymPy derivations), ``losses`` (stable log-sigmoid, log-sum-exp, softmax,
cross-entropies), ``glm`` (the one objective every neuron is fitted by), ``solvers`` (gradient descent,
Newton/IRLS), ``linalg``, ``separation`` (when the estimate does not exist), ``neurons`` (the
estimators), ``mlp`` (a small network trained by backpropagation), ``deep`` (the bridge to PyTorch),
``datasets`` and ``plotting``.
"""

from . import (
    datasets,
    deep,
    families,
    glm,
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
from .neurons import GLMNeuron, LogisticNeuron, SoftmaxLayer

__all__ = [
    "families",
    "links",
    "losses",
    "symbolic",
    "glm",
    "solvers",
    "linalg",
    "separation",
    "neurons",
    "mlp",
    "deep",
    "datasets",
    "GLMNeuron",
    "LogisticNeuron",
    "SoftmaxLayer",
    "ConvergenceWarning",
    "NonExistenceWarning",
    "SeparationWarning",
    "RankDeficiencyWarning",
    "ConditioningWarning",
]
__version__ = "0.1.0"
