"""companion.families: the scalar exponential-dispersion families."""

import numpy as np

from companion.families import Bernoulli, Poisson
from companion.links import Identity, Log


def test_log_likelihood_is_minus_infinity_outside_the_mean_space():
    y = np.array([0.0, 1.0])
    assert np.all(Poisson().log_likelihood(y, np.array([-1.0, -1.0])) == -np.inf)
    assert np.all(Bernoulli().log_likelihood(y, np.array([1.5, 1.5])) == -np.inf)
    assert np.all(Bernoulli().log_likelihood(y, np.array([-0.5, -0.5])) == -np.inf)
    # the same for the fit's row terms, with links whose means can leave [0, 1]
    for link, z in ((Log(), 0.5), (Identity(), 1.5), (Identity(), -0.5)):
        for observed in (False, True):
            terms = Bernoulli().derivatives(
                y[:, None], np.full((2, 1), z), link, observed
            )
            assert np.all(terms.loglik == -np.inf), (link, z, observed)
