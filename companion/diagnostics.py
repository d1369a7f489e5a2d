r"""What a fit says when it is not what it seems (chapters 4, 7 and 8): one warning per
cause, each naming what happened.

- :func:`warn_aliased`: columns that are linear combinations of others (rank
  deficiency);
- :func:`warn_ill_conditioned`: a design whose coefficients are determined to few
  digits;
- :func:`why_no_estimate`: whether the maximum-likelihood estimate does not exist
  (separation, zero counts fitted by means tending to 0, responses beyond the range of
  the activation), decided by the linear programs of :mod:`companion.separation`;
- :func:`on_the_edge`: why a fit whose activation can leave the family's mean space
  stopped without converging (its maximum is on that space's edge).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np

from . import separation
from ._types import Array
from .exceptions import (
    ConditioningWarning,
    NonExistenceWarning,
    RankDeficiencyWarning,
    SeparationWarning,
)
from .families import Bernoulli, Categorical, Family, Poisson
from .links import Link, Log

__all__ = [
    "warn_aliased",
    "warn_ill_conditioned",
    "why_no_estimate",
    "warn_no_estimate",
    "on_the_edge",
]


def warn_aliased(names: Sequence[str], stacklevel: int) -> None:
    """Warn that the columns ``names`` are not identifiable and were fixed at 0."""
    verb = "is a linear combination" if len(names) == 1 else "are linear combinations"
    warnings.warn(
        f"rank deficient design: {', '.join(names[:8])} {verb} of the columns before "
        "it (and the intercept), so the coefficients are not identifiable; the "
        "coefficient of each such column is fixed at 0 (aliased_ marks it) and the "
        "rest is fitted",
        RankDeficiencyWarning,
        stacklevel=stacklevel + 1,
    )


def warn_ill_conditioned(kappa: float, stacklevel: int) -> None:
    """Warn when the scaled design's condition number ``kappa`` leaves the coefficients
    with fewer than about six significant digits."""
    if np.isfinite(kappa) and kappa > 1e10:
        digits = max(0, 16 - int(np.log10(kappa)))
        warnings.warn(
            f"the design is ill-conditioned (condition number {kappa:.1e} after "
            f"scaling its columns): the coefficients are determined to about {digits} "
            "significant digits, although the fitted values and the likelihood are "
            "accurate",
            ConditioningWarning,
            stacklevel=stacklevel + 1,
        )


def why_no_estimate(
    family: Family | Categorical,
    link: Link | None,
    design: Callable[[], Array],
    target: Array,
    mu: Array,
    converged: bool,
) -> tuple[str | None, str | None]:
    """``(separation kind, reason)`` if the maximum-likelihood estimate does not exist,
    ``(None, None)`` otherwise. ``design()`` builds the design with its intercept
    column; it is called only when a linear program must decide. Separation decides
    for a link onto (0, 1) only: a log or identity link bounds the probabilities
    instead, and its maximum can lie on that bound with finite coefficients."""
    onto_probabilities = link is not None and link.mean_range == (0.0, 1.0)
    if isinstance(family, Bernoulli) and onto_probabilities:
        if converged and np.min(np.minimum(mu, 1 - mu)) >= 1e-10:
            return None, None
        kind = separation.detect_separation(design(), target)
        return kind, None if kind is None else "separation"
    if isinstance(family, Categorical):
        if converged and np.min(mu) >= 1e-10:
            return None, None
        kind = separation.detect_multiclass_separation(design(), target, family.k)
        return kind, None if kind is None else "separation"
    if isinstance(family, Poisson) and isinstance(link, Log):
        small = mu[target == 0] < 1e-8 * max(float(np.mean(target)), 1.0)
        suspicious = not converged or bool(np.any(small))
        if suspicious and separation.detect_poisson_boundary(design(), target):
            return None, (
                "some zero counts can be fitted by means tending to 0 (all counts are "
                "zero, or zero in every row of a level of a dummy variable)"
            )
    if link is not None:
        low, high = link.mean_range
        below = (target < low) & (mu - low <= 1e-10 * max(1.0, abs(low)))
        above = (target > high) & (high - mu <= 1e-10 * max(1.0, abs(high)))
        if np.any(below | above):
            return None, (
                f"some responses lie outside the range {link.mean_range} of the "
                f"{link.name} link's activation, and their fitted means are pushed to "
                "its edge"
            )
    return None, None


def warn_no_estimate(
    kind: str | None,
    reason: str,
    classes: int,
    largest: float,
    n_iter: int,
    stacklevel: int,
    penalised: bool = False,
) -> None:
    """The warning for an estimate that does not exist: a
    :class:`~companion.exceptions.SeparationWarning` (``kind`` given) or a
    :class:`~companion.exceptions.NonExistenceWarning` with ``reason``. ``penalised``:
    the fit has a penalty, which leaves the intercept free."""
    remedy = (
        "penalise the intercept too (penalize_intercept=True)"
        if penalised
        else "fit with a penalty (alpha > 0)"
    )
    stopped = (
        f"The values reported (largest |coefficient| {largest:.3g}) are where the "
        f"solver stopped after {n_iter} iterations, and their standard errors are "
        "meaningless."
    )
    if kind is not None:
        exact = " exactly" if kind == "complete" else ", apart from observations on it"
        warnings.warn(
            f"{kind} separation: a hyperplane splits the {classes} classes{exact}, so "
            "the maximum-likelihood estimate does not exist: the likelihood keeps "
            f"increasing as the coefficients grow without bound. {stopped} Remove or "
            f"merge the separating feature, collect more data, or {remedy}.",
            SeparationWarning,
            stacklevel=stacklevel + 1,
        )
        return
    warnings.warn(
        f"the maximum-likelihood estimate does not exist: {reason}. {stopped} Change "
        f"the model or the link, or {remedy}.",
        NonExistenceWarning,
        stacklevel=stacklevel + 1,
    )


def on_the_edge(
    family: Family | Categorical, link: Link | None, mu: Array
) -> str | None:
    r"""Why a fit stopped without converging, when its link's activation maps
    :math:`\mathbb{R}` beyond the family's mean space (the identity link of a Poisson
    or a Bernoulli, the log link of a Bernoulli) and some fitted means sit on that
    space's edge (a Poisson mean of 0, a probability of 0 or 1): the log-likelihood's
    maximum over the mean space is on its boundary, where the gradient is not 0, so
    neither IRLS nor Newton's method can meet its stopping test (chapter 8). ``None``
    otherwise."""
    if link is None or isinstance(family, Categorical):
        return None
    low, high = family.canonical_link.mean_range  # the family's mean space
    if link.mean_range == (low, high):
        return None  # the activation never leaves it
    tiny = 1e-8 * max(1.0, float(np.mean(np.abs(mu))))
    edge = (mu - low <= tiny) | (high - mu <= tiny)
    if not np.any(edge):
        return None
    count = int(np.sum(edge))
    means = "1 fitted mean is" if count == 1 else f"{count} fitted means are"
    return (
        f"the maximum lies on the edge of the {family.name.capitalize()} mean space "
        f"({low:g}, {high:g}): {means} on it, where the {link.name} link's "
        "activation would go on beyond it, so the log-likelihood "
        "has no stationary point there and the solver cannot converge; the estimate "
        "is where it stopped. The canonical link "
        f"({family.canonical_link.name}) keeps every mean inside"
    )
