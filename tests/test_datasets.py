"""companion.datasets: what each loader returns (shapes, labels, names), seeds that
reproduce, and the simulated sets drawn from the models they name."""

import numpy as np
import pytest
import statsmodels.api as sm

from companion import LogisticNeuron, SoftmaxLayer, datasets
from companion.separation import detect_separation

SYNTHETIC = {
    "make_two_blobs": lambda seed: datasets.make_two_blobs(seed=seed),
    "make_separable": lambda seed: datasets.make_separable(seed=seed),
    "make_blobs": lambda seed: datasets.make_blobs(seed=seed),
    "make_rings": lambda seed: datasets.make_rings(seed=seed),
    "make_logistic": lambda seed: datasets.make_logistic(50, 3, seed=seed),
    "make_softmax": lambda seed: datasets.make_softmax(50, 3, 4, seed=seed),
}


def _arrays(result: datasets.Dataset):
    return result.X, result.y


@pytest.mark.parametrize("name", sorted(SYNTHETIC))
def test_a_seed_reproduces_its_data_and_another_seed_does_not(name):
    make = SYNTHETIC[name]
    a, b, c = (_arrays(make(seed)) for seed in (3, 3, 4))
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(a[0], c[0])


def test_two_blobs_are_two_gaussian_clouds_distance_apart():
    d = datasets.make_two_blobs(n=20_001, distance=3.0, seed=1)
    assert d.X.shape == (20_001, 2) and d.feature_names == ["x1", "x2"]
    assert np.sum(d.y == 0) == 10_000 and np.sum(d.y == 1) == 10_001
    gap = d.X[d.y == 1].mean(axis=0) - d.X[d.y == 0].mean(axis=0)
    np.testing.assert_allclose(gap, 3.0 / np.sqrt(2) * np.ones(2), atol=0.05)
    for c in (0, 1):  # identity covariance
        np.testing.assert_allclose(np.cov(d.X[d.y == c].T), np.eye(2), atol=0.05)
    small = datasets.make_two_blobs()
    assert detect_separation(np.column_stack([np.ones(200), small.X]), small.y) is None


def test_separable_data_are_separated_with_a_margin():
    d = datasets.make_separable(n=40, seed=2)
    assert d.X.shape == (40, 2)
    s = d.X.sum(axis=1)
    assert np.all(np.abs(s) > 0.5) and np.array_equal(d.y, (s > 0).astype(int))
    assert detect_separation(np.column_stack([np.ones(40), d.X]), d.y) == "complete"


def test_logistic_data_follow_the_logistic_model():
    d = datasets.make_logistic(200_000, 4, seed=5, scale=0.5)
    X, y = d.X, d.y
    assert X.shape == (200_000, 4) and y.shape == (200_000,) and d.coef.shape == (4,)
    assert set(np.unique(y)) == {0, 1} and d.intercept == 0.25
    m = LogisticNeuron().fit(X, y)
    np.testing.assert_allclose(m.coef_, d.coef, atol=4 * m.coef_stderr_.max())
    assert m.intercept_ == pytest.approx(0.25, abs=4 * m.intercept_stderr_)
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=0.02)


def test_logistic_coefficients_have_the_documented_spread():
    """The docstring's distribution of the true coefficients, over many draws."""
    d = 400
    draws = np.concatenate(
        [datasets.make_logistic(2, d, seed=s, scale=0.5).coef for s in range(50)]
    )
    documented = 0.5 / np.sqrt(d)  # N(0, scale^2 / d)
    assert np.std(draws) == pytest.approx(documented, rel=0.05)


def test_softmax_labels_follow_the_softmax_model():
    d = datasets.make_softmax(30_000, 3, 4, seed=1, scale=0.0)
    assert d.X.shape == (30_000, 3) and set(np.unique(d.y)) == {0, 1, 2, 3}
    # all weights 0: every class is equally likely
    freq = np.bincount(d.y, minlength=4) / d.y.size
    np.testing.assert_allclose(freq, 0.25, atol=4 * np.sqrt(0.25 * 0.75 / d.y.size))
    # with weights: the fitted layer's contrasts against the last class are the
    # generating weights' (the model has no biases)
    d = datasets.make_softmax(30_000, 3, 4, seed=1, scale=2.0)
    assert d.coef.shape == (3, 4) and np.all(d.intercept == 0)
    m = SoftmaxLayer().fit(d.X, d.y)
    contrasts = (d.coef - d.coef[:, -1:]).T
    se = np.nan_to_num(m.coef_stderr_)
    np.testing.assert_allclose(m.coef_, contrasts, atol=5 * se.max())
    np.testing.assert_allclose(
        m.intercept_, 0.0, atol=5 * np.nanmax(m.intercept_stderr_)
    )


def test_blobs_sit_on_a_circle():
    d = datasets.make_blobs(n_per_class=2000, k=5, spread=0.5, radius=3.0, seed=0)
    assert d.X.shape == (10_000, 2) and len(d.target_names) == 5
    np.testing.assert_array_equal(d.y, np.repeat(np.arange(5), 2000))
    angles = 2 * np.pi * np.arange(5) / 5 + np.pi / 2
    centres = 3.0 * np.column_stack([np.cos(angles), np.sin(angles)])
    means = np.array([d.X[d.y == c].mean(axis=0) for c in range(5)])
    np.testing.assert_allclose(means, centres, atol=0.05)


def test_rings_have_radii_one_to_k():
    d = datasets.make_rings(n_per_class=3000, k=3, noise=0.1, seed=0)
    radius = np.hypot(d.X[:, 0], d.X[:, 1])
    for c in range(3):
        assert np.mean(radius[d.y == c]) == pytest.approx(c + 1, abs=0.01)
        assert np.std(radius[d.y == c]) == pytest.approx(0.1, rel=0.05)
    assert d.target_names == ["ring 1", "ring 2", "ring 3"]


def test_spector_is_statsmodels_data():
    d = datasets.load_spector()
    ref = sm.datasets.spector.load_pandas().data
    assert d.X.shape == (32, 3) and d.feature_names == ["GPA", "TUCE", "PSI"]
    np.testing.assert_array_equal(d.X, ref[["GPA", "TUCE", "PSI"]].to_numpy())
    np.testing.assert_array_equal(d.y, ref["GRADE"].to_numpy())
    assert d.y.sum() == 11 and d.target_names[1] == "improvement"


def test_breast_cancer_codes_malignant_as_1():
    d = datasets.load_breast_cancer()
    assert d.X.shape == (569, 5) and list(d.feature_names) == list(
        datasets.BREAST_CANCER_FEATURES
    )
    assert d.y.sum() == 212 and d.target_names == ["benign", "malignant"]
    s = datasets.load_breast_cancer(features=("mean area",), standardize=True)
    assert s.X.shape == (569, 1)
    np.testing.assert_allclose(s.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(s.X.std(axis=0), 1.0, rtol=1e-12)
    with pytest.raises(ValueError, match="unknown breast-cancer features \\['size'\\]"):
        datasets.load_breast_cancer(features=("size",))


def test_the_other_real_data_sets():
    anes = datasets.load_anes96()
    assert anes.X.shape == (944, 5) and set(np.unique(anes.y)) == set(range(7))
    assert len(anes.target_names) == 7 and anes.feature_names[1] == "selfLR"
    longley = datasets.load_longley()
    assert longley.X.shape == (16, 6) and longley.target_names == ["TOTEMP"]
    assert "YEAR" in longley.feature_names
    randhie = datasets.load_randhie()
    assert randhie.X.shape == (20_190, 9) and randhie.feature_names[0] == "lncoins"
    assert np.all(randhie.y >= 0) and np.all(randhie.y == np.floor(randhie.y))
    for d in (anes, longley, randhie):
        assert d.X.dtype == np.float64 and len(d.feature_names) == d.X.shape[1]
        assert d.description
