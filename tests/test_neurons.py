"""companion.neurons: GLMNeuron and LogisticNeuron."""

import numpy as np
import statsmodels.api as sm

from companion import GLMNeuron, datasets

# NIST StRD, Longley: certified regression coefficients (intercept, GNPDEFL, GNP, UNEMP,
# ARMED, POP, YEAR). https://www.itl.nist.gov/div898/strd/lls/data/Longley.shtml
NIST_LONGLEY = np.array(
    [
        -3482258.63459582,
        15.0618722713733,
        -0.358191792925910e-01,
        -2.02022980381683,
        -1.03322686717359,
        -0.511041056535807e-01,
        1829.15146461355,
    ]
)


def test_gaussian_neuron_is_least_squares_to_nist_precision_on_longley():
    data = datasets.load_longley()
    m = GLMNeuron("gaussian").fit(data.X, data.y)
    assert np.linalg.cond(sm.add_constant(data.X)) > 1e9
    # NIST certifies 15 digits; a backward-stable solver loses about log10 of the
    # condition number of the equilibrated design (4e4)
    np.testing.assert_allclose(np.r_[m.intercept_, m.coef_], NIST_LONGLEY, rtol=1e-10)
