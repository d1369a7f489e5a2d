"""The types the modules share: the one array type (float64) and a family's row
terms."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

Array = NDArray[np.float64]


@dataclass
class RowTerms:
    r"""What one evaluation of a family gives the fit, row by row, for ``m`` linear
    predictors per row (``m = 1`` for the scalar families, the free classes for the
    categorical):

    ``loglik`` (N,): :math:`\ell_i` without the terms in :math:`y_i` alone
    (``loglik_constant``); ``score`` (N, m): :math:`u_i = \partial\ell_i/\partial z_i`;
    ``weight`` (N, m) and ``lowrank`` (N, m) or ``None``: the information of row
    :math:`i` for :math:`z_i` is :math:`S_i = \operatorname{diag}(\text{weight}_i) -
    \text{lowrank}_i \text{lowrank}_i^\top` (chapters 4, 7 and 8).
    """

    loglik: Array
    score: Array
    weight: Array
    lowrank: Array | None = None
