"""Companion code for *GLMs as Neurons*.

One module per idea the book names: ``families`` (exponential families and links), ``symbolic``
(the SymPy derivations), ``losses`` (numerically stable log-sigmoid, log-sum-exp, softmax).
"""

from . import families, losses, symbolic

__all__ = ["families", "losses", "symbolic"]
__version__ = "0.1.0"
