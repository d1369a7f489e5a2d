"""companion.linalg: the Cholesky factorisation, the TSQR R factor and weighted least
squares, against numpy on random and badly scaled matrices."""

import warnings

import numpy as np

from companion.linalg import Cholesky


def test_cholesky_refuses_a_matrix_with_infinite_entries_silently():
    """A Hessian with an infinite weight (a mean on the edge of its space) is not
    factorised, and no RuntimeWarning escapes from inf / inf."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert Cholesky.factor(np.array([[np.inf, 1.0], [1.0, 1.0]])) is None
        assert Cholesky.factor(np.array([[np.nan, 1.0], [1.0, 1.0]])) is None
