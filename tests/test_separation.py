"""companion.separation: data built by hand whose verdict is known (complete,
quasi-complete, none; 2 and k classes; the Poisson boundary), and that the verdict
does not depend on the columns' units."""

import numpy as np
import pytest

from companion.separation import (
    detect_multiclass_separation,
    detect_poisson_boundary,
    detect_separation,
)


def _with_intercept(x) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    x = x[:, None] if x.ndim == 1 else x
    return np.column_stack([np.ones(len(x)), x])


BINARY = [
    # (name, x, y, verdict)
    ("split by a threshold", [-2, -1, 1, 2], [0, 0, 1, 1], "complete"),
    ("split, with ties on the threshold", [0, 1, 1, 2, 3, 1], [0, 0, 1, 1, 1, 0],
     "quasi-complete"),
    ("overlapping", [0, 1, 2, 3], [0, 1, 0, 1], None),
    ("one class only", [0, 1, 2, 3], [1, 1, 1, 1], "complete"),
    ("split by x1 + x2 only", [[1, -2], [-2, 1], [2, -1], [-1, 2.5]], [0, 0, 1, 1],
     "complete"),
    ("a dummy whose level 1 is all ones", [[0, 0.3], [0, 1.2], [1, 0.5], [1, 2.0],
                                           [0, 0.7], [0, 2.2]],
     [0, 1, 1, 1, 1, 0], "quasi-complete"),
]  # fmt: skip


@pytest.mark.parametrize("name, x, y, verdict", BINARY, ids=[b[0] for b in BINARY])
def test_binary_separation_is_decided_exactly(name, x, y, verdict):
    X = _with_intercept(x)
    assert detect_separation(X, np.array(y)) == verdict
    # a column in other units changes nothing
    assert detect_separation(X * np.r_[1.0, np.full(X.shape[1] - 1, 1e8)], y) == verdict
    # the categorical test with two classes agrees with the binary one
    assert detect_multiclass_separation(X, np.array(y), 2) == verdict


def test_binary_separation_through_the_origin_without_intercept():
    x = np.array([[1.0], [2.0], [-1.0], [-2.0]])
    assert detect_separation(x, np.array([1, 1, 0, 0])) == "complete"
    # with the threshold away from 0 a model without intercept cannot separate
    assert detect_separation(x + 5, np.array([1, 1, 0, 0])) is None


MULTICLASS = [
    ("three clusters", "complete"),
    ("one class split off, two overlapping", "quasi-complete"),
    ("all overlapping", None),
    ("the third overlapping both others", None),
    ("three intervals in a row", "complete"),
]


def _multiclass(name: str):
    rng = np.random.default_rng(0)
    if name == "three clusters":
        y = np.repeat([0, 1, 2], 15)
        centres = np.array([[0, 0], [6, 0], [0, 6]])
        return centres[y] + rng.uniform(-1, 1, size=(45, 2)), y
    if name == "one class split off, two overlapping":
        x = np.r_[-rng.uniform(1, 2, 10), rng.uniform(1, 2, 20)]
        return x[:, None], np.r_[np.zeros(10), rng.permutation(np.repeat([1, 2], 10))]
    if name == "all overlapping":
        return rng.normal(size=(60, 2)), np.tile([0, 1, 2], 20)
    if name == "the third overlapping both others":
        x = np.r_[-rng.uniform(1, 2, 10), rng.uniform(1, 2, 10), rng.uniform(-2, 2, 20)]
        return x[:, None], np.r_[np.zeros(10), np.ones(10), np.full(20, 2)]
    x = np.r_[
        rng.uniform(-3, -1.1, 10), rng.uniform(-0.9, 0.9, 10), rng.uniform(1.1, 3, 10)
    ]
    return x[:, None], np.repeat([0, 1, 2], 10)


@pytest.mark.parametrize("name, verdict", MULTICLASS, ids=[m[0] for m in MULTICLASS])
def test_multiclass_separation_is_decided_exactly(name, verdict):
    x, y = _multiclass(name)
    X = _with_intercept(x)
    assert detect_multiclass_separation(X, y.astype(int), 3) == verdict
    scaled = X * np.r_[1.0, np.full(X.shape[1] - 1, 1e-9)]
    assert detect_multiclass_separation(scaled, y.astype(int), 3) == verdict


POISSON = [
    ("all counts zero", [0.1, 0.5, 2.0, 3.0], [0, 0, 0, 0], True),
    ("no zero count", [0.1, 0.5, 2.0, 3.0], [1, 4, 2, 7], False),
    ("zeros among positive counts", [0.1, 0.5, 2.0, 3.0, 1.0], [0, 4, 0, 7, 1], False),
    # unlike separation, zeros at one end of a continuous x leave the estimate finite
    ("zeros at the low end", [0.1, 0.5, 2.0, 3.0, 4.0], [0, 0, 1, 3, 7], False),
]


@pytest.mark.parametrize("name, x, y, verdict", POISSON, ids=[p[0] for p in POISSON])
def test_poisson_boundary_is_decided_exactly(name, x, y, verdict):
    assert detect_poisson_boundary(_with_intercept(x), np.array(y, float)) is verdict


def test_poisson_boundary_of_a_dummy_level_with_only_zeros():
    level = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2])
    dummies = (level[:, None] == np.array([1, 2])).astype(float)
    x = np.array([0.3, 1.0, 2.0, 0.5, 1.5, 2.5, 0.2, 0.9, 1.9])
    X = _with_intercept(np.column_stack([dummies, x]))
    y = np.array([1, 3, 2, 0, 0, 0, 4, 1, 2], dtype=float)
    assert detect_poisson_boundary(X, y) is True
    y[4] = 1.0  # one positive count in the level: the estimate exists
    assert detect_poisson_boundary(X, y) is False


@pytest.mark.parametrize("big", [1e10, 1e50, 1e100])
def test_one_huge_outlier_does_not_fake_a_separation(big):
    """The solver's tolerance is absolute: after scaling, a column with one huge entry
    has every other entry near zero, and a direction that only the outlier's row
    agrees with used to pass for a quasi-complete separation.  The certificate is now
    checked row by row against each row's own size."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    y = np.r_[0, (rng.random(39) < 0.5)].astype(float)
    assert detect_separation(_with_intercept(x), y) is None  # overlapping classes
    x[0] = big
    assert detect_separation(_with_intercept(x), y) is None
    # and a real separation with the same outlier is still found
    assert (
        detect_separation(_with_intercept(np.r_[-big, x[1:]]), np.r_[0, x[1:] > 0])
        == "complete"
    )
