"""companion.links: every link, parametrised over ``Link.__subclasses__()`` (as glum
tests its links), against finite differences and against mpmath at 50+ digits, far into
the tails where the naive formulas overflow or cancel."""

import math
import warnings

import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.links import LINKS, Identity, Link, Log, Logit, Probit, get_link

ALL = Link.__subclasses__()

# the exact inverse link, as mpmath evaluates it (an independent reference)
EXACT = {
    Logit: lambda t: 1 / (1 + mpmath.exp(-t)),
    Probit: mpmath.ncdf,
    Log: mpmath.exp,
    Identity: lambda t: t,
}
# linear predictors where the mean is not yet rounded to an end of the mean space
# (sigma(37) == 1.0 in floating point)
INVERTIBLE = {Logit: 30.0, Probit: 8.0, Log: 700.0, Identity: 1e6}
# extreme arguments: both tails, where 1 - mu or mu' underflow or e^z overflows
EXTREME = [
    -1000.0,
    -745.0,
    -300.0,
    -40.0,
    -8.0,
    -1.0,
    0.0,
    0.5,
    8.0,
    40.0,
    300.0,
    700.0,
]


def test_every_link_is_registered_by_name():
    assert sorted(ALL, key=lambda c: c.__name__) == sorted(
        LINKS.values(), key=lambda c: c.__name__
    )
    for name, cls in LINKS.items():
        assert cls.name == name
        assert isinstance(get_link(name), cls)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@given(u=st.floats(-1, 1))
def test_link_inverts_the_inverse_link(cls, u):
    link = cls()
    z = u * INVERTIBLE[cls]
    mu = link.inverse(z)
    # as accurate as the mean can be stored: one unit in its last place moves z by
    # spacing(mu) / mu'(z)
    tol = 2 * float(np.spacing(np.abs(mu)) / link.inverse_deriv(z))
    assert float(link.link(mu)) == pytest.approx(z, rel=1e-14, abs=tol)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@given(u=st.floats(0.001, 0.999))
def test_inverse_link_inverts_the_link_on_the_mean_space(cls, u):
    link = cls()
    low, high = link.mean_range
    if math.isinf(low):
        mu = 200 * (u - 0.5)
    elif math.isinf(high):
        mu = u / (1 - u)
    else:
        mu = low + u * (high - low)
    assert float(link.inverse(link.link(mu))) == pytest.approx(mu, rel=1e-12)


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@given(z=st.floats(-6, 6))
def test_derivatives_by_finite_differences(cls, z):
    link, h = cls(), 1e-5
    fd1 = (link.inverse(z + h) - link.inverse(z - h)) / (2 * h)
    fd2 = (link.inverse_deriv(z + h) - link.inverse_deriv(z - h)) / (2 * h)
    scale = max(1.0, float(link.inverse(z)))
    assert float(link.inverse_deriv(z)) == pytest.approx(
        fd1, rel=1e-7, abs=1e-9 * scale
    )
    assert float(link.inverse_deriv2(z)) == pytest.approx(
        fd2, rel=1e-6, abs=1e-9 * scale
    )


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@given(u=st.floats(0.01, 0.99))
def test_deriv_is_the_derivative_of_the_link(cls, u):
    link = cls()
    low, high = link.mean_range
    mu = (
        low + u * (high - low)
        if math.isfinite(low) and math.isfinite(high)
        else (u / (1 - u) if math.isfinite(low) else 10 * (u - 0.5))
    )
    h = 1e-6 * max(abs(mu), 1e-3)
    fd = (link.link(mu + h) - link.link(mu - h)) / (2 * h)
    assert float(link.deriv(mu)) == pytest.approx(float(fd), rel=1e-6)


# the exact complement 1 - g^{-1}(z) of the links onto probabilities: in the upper tail
# the mean is 1 - (a tiny number), so the tail is computed from the complement
COMPLEMENT = {
    Logit: lambda t: 1 / (1 + mpmath.exp(t)),
    Probit: lambda t: mpmath.erfc(t / mpmath.sqrt(2)) / 2,
}


def _exact(cls: type[Link], z: float) -> dict[str, mpmath.mpf]:
    """mu, its first two derivatives and the logarithms, by mpmath at 60 digits."""
    t = mpmath.mpf(z)
    if cls is Identity:
        return {"mu": t, "d1": mpmath.mpf(1), "d2": mpmath.mpf(0), "size": 1}
    if cls in COMPLEMENT and z > 0:
        comp = COMPLEMENT[cls]
        c = comp(t)
        mu, log_mu, log_c = 1 - c, mpmath.log1p(-c), mpmath.log(c)
        d1, d2 = -mpmath.diff(comp, t, 1), -mpmath.diff(comp, t, 2)
    else:
        f = EXACT[cls]
        mu, d1, d2 = f(t), mpmath.diff(f, t, 1), mpmath.diff(f, t, 2)
        log_mu, log_c = mpmath.log(mu), mpmath.log1p(-mu)
    out = {"mu": mu, "d1": d1, "d2": d2, "log_mu": log_mu, "log_d1": mpmath.log(d1)}
    # the size of the smaller of mu and 1 - mu: mpmath's differences are exact to 1e-40
    # of it
    out["size"] = min(mu, 1 - mu) if cls in COMPLEMENT else mu
    if cls in COMPLEMENT:
        out["log_c"] = log_c
        out["size"] = min(mu, COMPLEMENT[cls](t))
    return out


def _close(ours: float, exact: mpmath.mpf, rtol: float, atol: mpmath.mpf) -> bool:
    """``ours`` equals ``exact`` to ``rtol`` (``atol``: what mpmath's differences leave
    of a derivative that is exactly 0), or both lie below the normal floats."""
    if abs(exact) < 1e-300:
        return abs(ours) < 1e-300
    exact = float(exact) if abs(exact) < 1e308 else math.copysign(math.inf, exact)
    return math.isclose(ours, exact, rel_tol=rtol, abs_tol=float(atol))


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
@pytest.mark.parametrize("z", EXTREME)
def test_against_mpmath_at_extreme_arguments(cls, z):
    link = cls()
    if cls is Log and z > 709:  # e^z is not representable: the float is inf
        assert link.inverse(z) == np.inf and float(link.log_inverse(z)) == z
        return
    with mpmath.workdps(60):
        exact = _exact(cls, z)
    ours = {"mu": link.inverse, "d1": link.inverse_deriv, "d2": link.inverse_deriv2}
    if cls is not Identity:  # the identity's mean can be negative: no logarithms
        ours |= {"log_mu": link.log_inverse, "log_d1": link.log_inverse_deriv}
    if cls in COMPLEMENT:
        ours["log_c"] = link.log_inverse_complement
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for key, f in ours.items():
            value = float(f(np.array(z)))
            atol = 1e-40 * exact["size"]
            assert _close(value, exact[key], 1e-12, atol), (key, value, exact[key])


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.__name__)
def test_mean_range_is_the_image_of_the_inverse_link(cls):
    link = cls()
    low, high = link.mean_range
    z = np.linspace(-8, 8, 321)  # beyond, Phi(z) rounds to 1 in floating point
    mu = link.inverse(z)
    assert np.all(mu > low) and np.all(mu < high)
    assert np.all(np.diff(mu) > 0)  # increasing: a link is invertible
    # the ends are approached, in the limit, and never passed
    with np.errstate(over="ignore"):
        far = link.inverse(np.array([-1e6, 1e6]))
    for value, end in zip(far, (low, high), strict=True):
        assert value == end or math.isinf(end) and abs(value) >= 1e6


def test_links_onto_probabilities_map_the_ends_to_infinity():
    for link in (Logit(), Probit()):
        assert link.link(0.0) == -np.inf and link.link(1.0) == np.inf
    assert Log().link(0.0) == -np.inf


def test_names_objects_and_errors():
    probit = Probit()
    assert get_link(probit) is probit
    assert Logit() == Logit() and Logit() != Probit() and Log() != "log"
    assert len({Logit(), Logit(), Log()}) == 2
    assert repr(Identity()) == "Identity()"
    with pytest.raises(ValueError, match="unknown link 'cloglog'.*'identity'"):
        get_link("cloglog")
    with pytest.raises(ValueError, match="unknown link 3"):
        get_link(3)  # type: ignore[arg-type]
