"""Data for the chapters: seeded synthetic sets, and real data shipped inside installed
packages (statsmodels and scikit-learn), so nothing is downloaded at run time."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .losses import sigmoid, softmax

__all__ = [
    "Dataset",
    "make_two_blobs",
    "make_blobs",
    "make_separable",
    "make_logistic",
    "make_softmax",
    "load_spector",
    "load_breast_cancer",
    "load_anes96",
    "load_longley",
    "load_randhie",
    "make_rings",
]


@dataclass
class Dataset:
    """A design matrix ``X`` (n x d), responses ``y``, the names of the columns and of
    the classes, a one-line description, and for simulated data the coefficients that
    generated it (``coef``: (d,) for two classes, (d, k) for k; ``intercept``)."""

    X: NDArray[np.float64]
    y: np.ndarray
    feature_names: list[str]
    target_names: list[str] = field(default_factory=list)
    description: str = ""
    coef: NDArray[np.float64] | None = None
    intercept: float | NDArray[np.float64] | None = None


def make_two_blobs(n: int = 200, distance: float = 2.5, seed: int = 0) -> Dataset:
    """Two Gaussian clouds in the plane (identity covariance), ``n`` points each half,
    means ``distance`` apart along the direction (1, 1)/sqrt(2); labels 0 and 1.
    Overlapping, so the MLE exists (chapter 3)."""
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], [n // 2, n - n // 2])
    centres = np.array([[-1.0, -1.0], [1.0, 1.0]]) * distance / (2 * np.sqrt(2))
    X = centres[y] + rng.normal(size=(n, 2))
    return Dataset(X, y, ["x1", "x2"], ["class 0", "class 1"], "two Gaussian clouds")


def make_separable(n: int = 40, seed: int = 0) -> Dataset:
    """Points in the plane labelled by the sign of ``x1 + x2`` with a margin: perfectly
    separable (chapter 4)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, size=(4 * n, 2))
    X = X[np.abs(X.sum(axis=1)) > 0.5][:n]
    return Dataset(
        X,
        (X.sum(axis=1) > 0).astype(int),
        ["x1", "x2"],
        ["negative", "positive"],
        "separable",
    )


def make_logistic(n: int, d: int, seed: int = 0, scale: float = 1.0) -> Dataset:
    r"""``n`` rows of ``d`` standard normal features and labels drawn from the logistic
    model :math:`P(y = 1 \mid x) = \sigma(w^\top x + b)` with weights
    :math:`w \sim \mathcal N(0, \mathtt{scale}^2/d)` and bias :math:`b = 0.25` (kept in
    ``coef`` and ``intercept``)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    w = scale * rng.normal(size=d) / np.sqrt(d)
    y = (rng.random(n) < sigmoid(X @ w + 0.25)).astype(int)
    names = [f"x{j + 1}" for j in range(d)]
    return Dataset(X, y, names, ["0", "1"], "simulated logistic model", w, 0.25)


def load_spector() -> Dataset:
    """Spector and Mazzeo (1980), shipped with statsmodels: 32 students of intermediate
    macroeconomics; ``GRADE`` = 1 for an improved grade (statsmodels' reading; in
    another copy of the data, an A), with grade point average ``GPA``, the score
    ``TUCE`` of a test of economics taken at the start, and ``PSI`` = 1 for students
    taught by a personalised system of instruction. Observational: the data do not say
    how PSI was assigned. The classic small logistic-regression example (chapter 2)."""
    from statsmodels.datasets import spector

    df = spector.load_pandas().data
    names = ["GPA", "TUCE", "PSI"]
    return Dataset(
        df[names].to_numpy(float),
        df["GRADE"].to_numpy(int),
        names,
        ["no improvement", "improvement"],
        "Spector and Mazzeo (1980) grade data, from statsmodels",
    )


BREAST_CANCER_FEATURES = (
    "mean radius",
    "mean texture",
    "mean smoothness",
    "mean concavity",
    "mean symmetry",
)


def load_breast_cancer(
    features: tuple[str, ...] = BREAST_CANCER_FEATURES, standardize: bool = False
) -> Dataset:
    """The Wisconsin diagnostic breast cancer data (569 tumours), shipped with
    scikit-learn; label 1 is *malignant* (scikit-learn codes it 0). A few features by
    default: with all 30 the classes are nearly separable. ``standardize`` centres and
    scales each column (chapter 4)."""
    from sklearn import datasets

    data = datasets.load_breast_cancer()
    names = list(data.feature_names)
    unknown = [f for f in features if f not in names]
    if unknown:
        raise ValueError(
            f"unknown breast-cancer features {unknown}; choose from {names}"
        )
    X = data.data[:, [names.index(f) for f in features]].astype(float)
    if standardize:
        X = (X - X.mean(axis=0)) / X.std(axis=0)
    y = (data.target == 0).astype(int)
    return Dataset(
        X,
        y,
        list(features),
        ["benign", "malignant"],
        "Wisconsin diagnostic breast cancer, from scikit-learn",
    )


def make_blobs(
    n_per_class: int = 60,
    k: int = 3,
    spread: float = 1.0,
    radius: float = 2.2,
    seed: int = 0,
) -> Dataset:
    """``k`` Gaussian clouds with centres on a circle of the given ``radius``; labels
    ``0..k-1``. With the default spread they overlap, so the softmax MLE exists (chapter
    6)."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(k) / k + np.pi / 2
    centres = radius * np.column_stack([np.cos(angles), np.sin(angles)])
    y = np.repeat(np.arange(k), n_per_class)
    X = centres[y] + spread * rng.normal(size=(y.size, 2))
    return Dataset(
        X, y, ["x1", "x2"], [f"class {c}" for c in range(k)], f"{k} Gaussian clouds"
    )


def make_softmax(n: int, d: int, k: int, seed: int = 0, scale: float = 1.0) -> Dataset:
    r"""``n`` rows of ``d`` standard normal features and labels ``0..k-1`` drawn from
    the softmax model :math:`P(y = c \mid x) = \operatorname{softmax}(W x)_c`, no
    biases, with weights :math:`\mathcal N(0, \mathtt{scale}^2/d)` (``coef``, d x k)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    W = scale * rng.normal(size=(d, k)) / np.sqrt(d)
    P = softmax(X @ W, axis=1)
    u = rng.random(n)[:, None]
    y = np.minimum((u > np.cumsum(P, axis=1)).sum(axis=1), k - 1)
    names = [f"x{j + 1}" for j in range(d)]
    classes = [str(c) for c in range(k)]
    return Dataset(X, y, names, classes, "simulated softmax model", W, np.zeros(k))


ANES_FEATURES = ("logpopul", "selfLR", "age", "educ", "income")


def load_anes96() -> Dataset:
    """The 1996 American National Election Study extract shipped with statsmodels: party
    identification ``PID`` of 944 respondents in 7 ordered categories (0 strong Democrat
    ... 6 strong Republican), with log population of the place of residence, left-right
    self-placement, age, education and income. The classic multinomial-logit example of
    statsmodels (chapter 7)."""
    from statsmodels.datasets import anes96

    df = anes96.load_pandas().data
    names = [
        "strong Dem.",
        "weak Dem.",
        "ind. Dem.",
        "independent",
        "ind. Rep.",
        "weak Rep.",
        "strong Rep.",
    ]
    return Dataset(
        df[list(ANES_FEATURES)].to_numpy(float),
        df["PID"].to_numpy(int),
        list(ANES_FEATURES),
        names,
        "American National Election Study 1996, from statsmodels",
    )


def load_longley() -> Dataset:
    """Longley (1967), shipped with statsmodels: US total employment (``TOTEMP``, in
    thousands) in each year 1947-1962, regressed on six economic series of the same
    year. Famous for its nearly collinear, badly scaled columns; NIST publishes
    certified least-squares coefficients for it (chapter 8)."""
    from statsmodels.datasets import longley

    data = longley.load_pandas()
    names = list(data.exog.columns)
    return Dataset(
        data.exog.to_numpy(float),
        data.endog.to_numpy(float),
        names,
        ["TOTEMP"],
        "Longley (1967) US macroeconomic data, from statsmodels",
    )


RANDHIE_FEATURES = (
    "lncoins",
    "idp",
    "lpi",
    "fmde",
    "physlm",
    "disea",
    "hlthg",
    "hlthf",
    "hlthp",
)


def load_randhie() -> Dataset:
    """The RAND Health Insurance Experiment extract shipped with statsmodels, one row
    per person and study year: the number of face-to-face physician visits in the year
    (``mdvis``, a count), with the insurance plan (log coinsurance, individual
    deductible, incentive payment, maximum expenditure), physical limitation, chronic
    disease index and self-rated health. The classic Poisson regression example of
    statsmodels (chapter 8)."""
    from statsmodels.datasets import randhie

    df = randhie.load_pandas().data
    return Dataset(
        df[list(RANDHIE_FEATURES)].to_numpy(float),
        df["mdvis"].to_numpy(float),
        list(RANDHIE_FEATURES),
        ["mdvis"],
        "RAND Health Insurance Experiment, from statsmodels",
    )


def make_rings(
    n_per_class: int = 150, k: int = 3, noise: float = 0.3, seed: int = 0
) -> Dataset:
    """``k`` concentric rings in the plane, radii 1, 2, ..., ``k``, with Gaussian radial
    noise of standard deviation ``noise``; labels ``0..k-1`` from the inside out. No
    linear model separates them, but the squared radius does: a fixed feature map or a
    learned one makes them (nearly) linearly separable (chapter 9). The rings overlap a
    little, so the maximum-likelihood estimate exists."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(k), n_per_class)
    radius = (y + 1.0) + noise * rng.normal(size=y.size)
    angle = rng.uniform(0, 2 * np.pi, size=y.size)
    X = np.column_stack([radius * np.cos(angle), radius * np.sin(angle)])
    return Dataset(
        X, y, ["x1", "x2"], [f"ring {c + 1}" for c in range(k)], f"{k} concentric rings"
    )
