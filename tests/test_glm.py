"""companion.glm: the one objective every neuron is fitted by.

Its loss against scipy's log densities and the penalty written out; its gradient and
Hessian against finite differences, for every family x link, with and without
intercept and penalty, the reference and the symmetric categorical, in the book's
coordinates, the scaled ones and the QR-preconditioned ones; the expected information
as the expectation of the observed one; ``theta(beta)`` round trips; the blocked pass
against one block."""

import numpy as np
import pytest
from scipy import special, stats

import companion.glm
from companion.categorical import Categorical
from companion.families import get_family
from companion.glm import GLMObjective
from companion.links import get_link

SCALAR = [
    ("bernoulli", "logit"),
    ("bernoulli", "probit"),
    ("poisson", "log"),
    ("poisson", "identity"),
    ("gaussian", "identity"),
    ("gaussian", "log"),
]
COORDINATES = ["book", "scaled", "preconditioned"]
# (fit_intercept, alpha, penalize_intercept)
PENALTIES = [
    (True, 0.0, False),
    (False, 0.0, False),
    (True, 0.3, False),
    (True, 0.3, True),
]
SCALES = np.array([1e-3, 1.0, 50.0])


def _design(seed: int, n: int = 40) -> np.ndarray:
    """Columns in different units; all positive, so that an identity-link Poisson mean
    with positive coefficients is positive."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.1, 2.0, size=(n, SCALES.size)) * SCALES


def _theta(seed: int, obj: GLMObjective, positive: bool) -> np.ndarray:
    """Coefficients of moderate effect (p x outputs), positive if asked."""
    rng = np.random.default_rng(seed)
    Theta = rng.normal(scale=0.3, size=(obj.p, obj.outputs))
    if positive:
        Theta = np.abs(Theta) + 0.1
    Theta[int(obj.fit_intercept) :] /= SCALES[:, None]
    return Theta


def _scalar_problem(family: str, link: str, seed: int, n: int = 40):
    X = _design(seed, n)
    fam, lk = get_family(family), get_link(link)
    rng = np.random.default_rng(seed + 2)
    mu = lk.inverse(0.3 + X @ (np.full(3, 0.2) / SCALES))
    y = {
        "bernoulli": lambda: (rng.random(n) < mu).astype(float),
        "poisson": lambda: rng.poisson(mu).astype(float),
        "gaussian": lambda: rng.normal(mu, 1.0),
    }[family]()
    return X, y, fam, lk


def _log_density(family: str, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    if family == "bernoulli":
        return stats.bernoulli.logpmf(y, mu)
    if family == "poisson":
        return stats.poisson.logpmf(y, mu)
    return stats.norm.logpdf(y, mu, 1.0)


def _objective(X, y, family, link, coords, fit_intercept, alpha, pen, **kw):
    obj = GLMObjective(
        X,
        y,
        family,
        link,
        fit_intercept=fit_intercept,
        alpha=alpha,
        penalize_intercept=pen,
        scale_columns=coords != "book",
        **kw,
    )
    return obj


def _beta(obj: GLMObjective, Theta: np.ndarray) -> np.ndarray:
    """Working coordinates of the coefficients ``Theta`` (the inverse of ``theta``)."""
    B = np.linalg.solve(obj.transform(), Theta[obj.keep])
    return B.ravel(order="F")[obj.mask]


def _at(obj: GLMObjective, Theta: np.ndarray, coords: str) -> np.ndarray:
    beta = _beta(obj, Theta)
    if coords == "preconditioned":
        beta, dropped = obj.precondition(beta)
        assert dropped.size == 0 and obj.basis is not None
    after = obj.theta(beta)
    if not obj.free[0, -1]:  # intercepts identified up to a common shift
        after[0] -= after[0, -1] - Theta[0, -1]
    np.testing.assert_allclose(after, Theta, rtol=1e-10, atol=1e-14)
    return beta


def _fd(f, beta: np.ndarray, h: float = 1e-6) -> np.ndarray:
    return np.array(
        [(f(beta + h * e) - f(beta - h * e)) / (2 * h) for e in np.eye(beta.size)]
    )


def _check_derivatives(obj: GLMObjective, beta: np.ndarray) -> None:
    ev = obj.evaluate(beta, 2)
    assert ev.gradient is not None and ev.hessian is not None
    scale = max(1.0, float(np.max(np.abs(ev.hessian))))
    fd_grad = _fd(obj.loss, beta)
    np.testing.assert_allclose(ev.gradient, fd_grad, rtol=1e-6, atol=1e-8 * scale)
    fd_hess = _fd(lambda b: obj.evaluate(b, 1).gradient, beta)
    np.testing.assert_allclose(ev.hessian, fd_hess, rtol=1e-5, atol=1e-7 * scale)
    np.testing.assert_allclose(ev.hessian, ev.hessian.T, rtol=1e-12, atol=1e-14 * scale)
    loss, grad = obj.loss_and_gradient(beta)
    assert loss == ev.loss and np.array_equal(grad, ev.gradient)


def _penalty(Theta: np.ndarray, fit_intercept: bool, alpha: float, pen: bool) -> float:
    rows = Theta[1:] if fit_intercept and not pen else Theta
    return 0.5 * alpha * float(np.sum(rows**2))


# ------------------------------------------------------------------ scalar families
@pytest.mark.parametrize("coords", COORDINATES)
@pytest.mark.parametrize("fit_intercept, alpha, pen", PENALTIES)
@pytest.mark.parametrize("family, link", SCALAR)
def test_scalar_family_loss_gradient_and_hessian(
    family, link, fit_intercept, alpha, pen, coords
):
    X, y, fam, lk = _scalar_problem(family, link, seed=len(family) + len(link))
    obj = _objective(X, y, fam, lk, coords, fit_intercept, alpha, pen, observed=True)
    Theta = _theta(5, obj, positive=link == "identity" and family == "poisson")
    beta = _at(obj, Theta, coords)
    # the loss: the mean negative log-likelihood by scipy, plus the penalty on theta in
    # the design's own units, whatever the working coordinates
    i = int(fit_intercept)
    mu = lk.inverse(X @ Theta[i:, 0] + (Theta[0, 0] if i else 0.0))
    exact = -np.mean(_log_density(family, y, mu)) + _penalty(Theta, i, alpha, pen)
    assert obj.loss(beta) == pytest.approx(exact, rel=1e-12)
    _check_derivatives(obj, beta)


@pytest.mark.parametrize("family, link", SCALAR)
def test_expected_information_is_the_expectation_of_the_observed(family, link):
    """Every score and observed weight is linear in y: the expected Hessian at beta is
    the observed Hessian with each response replaced by its mean there."""
    X, y, fam, lk = _scalar_problem(family, link, seed=3)
    obj = _objective(X, y, fam, lk, "scaled", True, 0.0, False)
    Theta = _theta(2, obj, positive=link == "identity")
    beta = _beta(obj, Theta)
    mu = lk.inverse(X @ Theta[1:, 0] + Theta[0, 0])
    at_mean = _objective(X, mu, fam, lk, "scaled", True, 0.0, False, observed=True)
    expected = obj.evaluate(beta, 2, observed=False).hessian
    np.testing.assert_allclose(expected, at_mean.evaluate(beta, 2).hessian, rtol=1e-10)
    # with the canonical link the two informations are the same matrix
    observed = obj.evaluate(beta, 2, observed=True).hessian
    if lk == fam.canonical_link:
        np.testing.assert_allclose(observed, expected, rtol=1e-14)
    else:
        assert np.max(np.abs(observed - expected)) > 1e-6 * np.max(np.abs(expected))


# ------------------------------------------------------------------ categorical
CATEGORICAL = [
    # (symmetric, fit_intercept, alpha, penalize_intercept)
    (False, True, 0.0, False),
    (False, False, 0.0, False),
    (False, True, 0.3, False),
    (True, True, 0.3, False),
    (True, True, 0.3, True),
    (True, False, 0.3, False),
]


def _categorical_problem(seed: int, k: int = 4, n: int = 40):
    X = _design(seed, n)
    rng = np.random.default_rng(seed + 3)
    return X, rng.integers(0, k, n).astype(float)


@pytest.mark.parametrize("coords", COORDINATES)
@pytest.mark.parametrize("symmetric, fit_intercept, alpha, pen", CATEGORICAL)
def test_categorical_loss_gradient_and_hessian(
    symmetric, fit_intercept, alpha, pen, coords
):
    k = 4
    X, y = _categorical_problem(7, k)
    cat = Categorical(k)
    obj = _objective(
        X, y, cat, None, coords, fit_intercept, alpha, pen, symmetric=symmetric
    )
    assert obj.outputs == (k if symmetric else k - 1)
    Theta = _theta(11, obj, positive=False)
    fixed = symmetric and fit_intercept and not pen
    if fixed:  # the last class's intercept is not a parameter
        Theta[0, -1] = 0.0
    assert obj.n_params == obj.p * obj.outputs - int(fixed)
    beta = _at(obj, Theta, coords)
    i = int(fit_intercept)
    Z = X @ Theta[i:] + (Theta[0] if i else 0.0)
    if not symmetric:
        Z = np.column_stack([Z, np.zeros(len(Z))])
    loglik = special.log_softmax(Z, axis=1)[np.arange(len(y)), y.astype(int)]
    exact = -np.mean(loglik) + _penalty(Theta, i, alpha, pen)
    assert obj.loss(beta) == pytest.approx(exact, rel=1e-12)
    _check_derivatives(obj, beta)


def test_two_class_categorical_is_the_bernoulli_objective():
    X, y = _categorical_problem(4, k=2)
    cat = GLMObjective(X, y, Categorical(2))
    bern = GLMObjective(X, 1.0 - y, get_family("bernoulli"))  # class 0 against the ref.
    beta = np.array([0.2, -0.4, 0.1, 0.3])
    a, b = cat.evaluate(beta), bern.evaluate(beta)
    assert a.loss == pytest.approx(b.loss, rel=1e-13)
    np.testing.assert_allclose(a.gradient, b.gradient, rtol=1e-12, atol=1e-16)
    np.testing.assert_allclose(a.hessian, b.hessian, rtol=1e-12, atol=1e-16)


# ------------------------------------------------------------------ coordinates
def test_coordinates_do_not_change_the_function():
    X, y, fam, lk = _scalar_problem("poisson", "log", seed=1)
    losses = []
    for coords in COORDINATES:
        obj = _objective(X, y, fam, lk, coords, True, 0.2, False)
        Theta = _theta(3, obj, positive=False)
        losses.append(obj.loss(_at(obj, Theta, coords)))
    np.testing.assert_allclose(losses, losses[0], rtol=1e-13)


def test_scaled_coordinates_put_every_column_on_a_unit_scale():
    X, y, fam, lk = _scalar_problem("gaussian", "identity", seed=2)
    obj = GLMObjective(X, y, fam, lk)
    np.testing.assert_allclose(obj.scale, np.r_[1.0, np.max(np.abs(X), axis=0)])
    beta = np.arange(1.0, 5.0)
    np.testing.assert_allclose(obj.theta(beta)[:, 0], beta / obj.scale)


def test_initial_point_puts_every_mean_at_the_observed_mean():
    X, y, fam, lk = _scalar_problem("poisson", "log", seed=4)
    obj = GLMObjective(X, y, fam, lk)
    np.testing.assert_allclose(
        obj.theta(obj.initial())[:, 0], [np.log(y.mean()), 0, 0, 0]
    )
    X, labels = _categorical_problem(5, k=3)
    obj = GLMObjective(X, labels, Categorical(3))
    counts = np.bincount(labels.astype(int), minlength=3) + 0.5
    np.testing.assert_allclose(
        obj.theta(obj.initial())[0], np.log(counts[:2] / counts[2])
    )
    # a mean the link cannot reach (all zeros: log 0) starts the intercept at 0
    obj = GLMObjective(X, np.zeros(len(X)), fam, lk)
    np.testing.assert_array_equal(obj.theta(obj.initial()), 0.0)


def test_precondition_whitens_the_design_and_reports_its_condition_number():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3)) * [1e-4, 1.0, 1e4]
    X[:, 2] += 1e4 * X[:, 1] * 1e-3  # correlated columns, badly scaled
    y = rng.normal(size=300)
    obj = GLMObjective(X, y, get_family("gaussian"))
    assert np.isnan(obj.condition_number())
    beta = obj.initial() + 0.1
    before = obj.theta(beta)
    new, dropped = obj.precondition(beta)
    assert dropped.size == 0
    np.testing.assert_allclose(obj.theta(new), before, rtol=1e-10)
    A = np.column_stack([np.ones(300), X]) / obj.scale
    assert obj.condition_number() == pytest.approx(np.linalg.cond(A), rel=1e-10)
    # orthonormal columns: the Gaussian Hessian in these coordinates is I / N
    np.testing.assert_allclose(obj.evaluate(new).hessian, np.eye(4) / 300, atol=1e-14)


def test_precondition_keeps_the_point_of_a_symmetric_layer():
    """With unpenalised intercepts the symmetric layer fixes the last one; the new
    coordinates must describe the same model, up to a shift of every intercept."""
    X, y = _categorical_problem(7, k=4)
    obj = GLMObjective(X, y, Categorical(4), alpha=0.3, symmetric=True)
    Theta = _theta(11, obj, positive=False)
    Theta[0, -1] = 0.0
    beta = _beta(obj, Theta)
    loss = obj.loss(beta)
    new, _ = obj.precondition(beta)
    assert obj.loss(new) == pytest.approx(loss, rel=1e-13)
    after = obj.theta(new)
    np.testing.assert_allclose(after[1:], Theta[1:], rtol=1e-10)
    shift = after[0] - Theta[0]
    np.testing.assert_allclose(shift, shift[0], rtol=1e-10, atol=1e-14)


def test_precondition_drops_aliased_columns_without_a_penalty():
    X, y, fam, lk = _scalar_problem("bernoulli", "logit", seed=6, n=60)
    X = np.column_stack([X, X[:, 0] + 2 * X[:, 2], X[:, 1]])  # two aliased columns
    obj = GLMObjective(X, y, fam, lk)
    beta, dropped = obj.precondition(obj.initial())
    X1 = np.column_stack([np.ones(len(X)), X])
    assert dropped.size == 2 and len(obj.keep) == 4 and obj.n_params == 4
    assert np.linalg.matrix_rank(X1[:, obj.keep]) == np.linalg.matrix_rank(X1) == 4
    np.testing.assert_array_equal(obj.theta(beta)[dropped], 0.0)
    _check_derivatives(obj, beta + 0.1)
    # with a penalty every column is identifiable: none is dropped
    penalised = GLMObjective(X, y, fam, lk, alpha=0.1)
    assert penalised.precondition(penalised.initial())[1].size == 0


def test_a_loss_outside_the_mean_space_is_infinite():
    X, y, fam, lk = _scalar_problem("poisson", "identity", seed=8)
    obj = GLMObjective(X, y, fam, lk)
    beta = _beta(obj, np.array([[-5.0], [0.0], [0.0], [0.0]]))  # every mean negative
    ev = obj.evaluate(beta)
    assert ev.loss == np.inf and ev.gradient is None and ev.hessian is None
    loss, grad = obj.loss_and_gradient(beta)
    assert loss == np.inf and np.all(np.isnan(grad))


# ------------------------------------------------------------------ the blocked pass
@pytest.mark.parametrize(
    "family, link, symmetric",
    [("bernoulli", "probit", False), ("poisson", "log", False), (None, None, True)],
)
def test_blocks_of_rows_give_the_one_block_result(monkeypatch, family, link, symmetric):
    """700 rows in blocks of 256 (the smallest block) against one block of 700."""
    if family is None:
        X, y = _categorical_problem(9, k=3, n=700)
        fam, lk = Categorical(3), None
    else:
        X, y, fam, lk = _scalar_problem(family, link, seed=9, n=700)

    def run():
        obj = GLMObjective(X, y, fam, lk, observed=True, symmetric=symmetric, alpha=0.1)
        beta = obj.initial() + 0.05
        ev = obj.evaluate(beta)
        new, _ = obj.precondition(beta)
        return ev, obj.evaluate(new), obj.condition_number()

    monkeypatch.setattr(companion.glm, "BLOCK_ENTRIES", 1)
    blocked = run()
    monkeypatch.setattr(companion.glm, "BLOCK_ENTRIES", 1 << 30)
    whole = run()
    for a, b in zip(blocked[:2], whole[:2], strict=True):
        assert a.loss == pytest.approx(b.loss, rel=1e-13)
        np.testing.assert_allclose(a.gradient, b.gradient, rtol=1e-11, atol=1e-15)
        np.testing.assert_allclose(a.hessian, b.hessian, rtol=1e-11, atol=1e-15)
    assert blocked[2] == pytest.approx(whole[2], rel=1e-10)
