"""The warnings a fit can end with, one per thing that can go wrong, so that none is
silent and a user can filter or catch each (``warnings.simplefilter("error",
NonExistenceWarning)``)."""

__all__ = [
    "ConvergenceWarning",
    "NonExistenceWarning",
    "SeparationWarning",
    "RankDeficiencyWarning",
    "ConditioningWarning",
]


class ConvergenceWarning(UserWarning):
    """The solver stopped before its convergence criterion was met: it reached
    ``max_iter``, or no step along its direction decreased the loss. The fit's
    ``converged_`` is ``False``."""


class NonExistenceWarning(UserWarning):
    """The maximum-likelihood estimate does not exist: the likelihood keeps increasing
    as some coefficients grow without bound, so the values reported are where the solver
    stopped."""


class SeparationWarning(NonExistenceWarning):
    """The classes are (quasi-)completely separated by a hyperplane (chapter 4): the
    special case of
    :class:`NonExistenceWarning` for the Bernoulli and categorical families."""


class RankDeficiencyWarning(UserWarning):
    """Some columns of the design are linear combinations of the others: their
    coefficients are not identifiable. They are fixed at 0 (``aliased_`` marks them) and
    the rest is fitted."""


class ConditioningWarning(UserWarning):
    """The design is so ill-conditioned that the coefficients are determined to only a
    few digits, although the fit (its likelihood and its predictions) is as accurate as
    usual."""
