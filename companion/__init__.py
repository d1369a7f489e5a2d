"""Companion code for *GLMs as Neurons*.

One module per idea the book names: ``families`` (exponential families and links), ``symbolic``
(the SymPy derivations), ``losses`` (stable log-sigmoid, log-sum-exp, softmax, cross-entropies),
``solvers`` (gradient descent, Newton/IRLS, separation detection), ``neurons`` (the estimators),
``mlp`` (a small network trained by backpropagation), ``datasets`` and ``plotting``.
"""

from . import datasets, families, losses, mlp, neurons, solvers, symbolic
from .neurons import GLMNeuron, LogisticNeuron, SeparationWarning, SoftmaxLayer
from .solvers import ConvergenceWarning

__all__ = [
    "families",
    "losses",
    "symbolic",
    "solvers",
    "neurons",
    "mlp",
    "datasets",
    "GLMNeuron",
    "LogisticNeuron",
    "SoftmaxLayer",
    "SeparationWarning",
    "ConvergenceWarning",
]
__version__ = "0.1.0"
