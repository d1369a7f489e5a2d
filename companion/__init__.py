"""Companion code for *GLMs as Neurons*.

One module per idea the book names: ``families`` (exponential families and links), ``symbolic``
(the SymPy derivations), ``losses`` (stable log-sigmoid, log-sum-exp, softmax, cross-entropies),
``solvers`` (gradient descent, Newton/IRLS, separation detection), ``neurons`` (the estimators),
``mlp`` (a small network trained by backpropagation), ``datasets`` and ``plotting``.
"""

import importlib.metadata as _metadata

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
# The one version number, pyproject.toml's, read from the installed metadata.
try:
    __version__ = _metadata.version("companion")
except _metadata.PackageNotFoundError:  # a copy of the folder, never installed
    __version__ = "0+unknown"
