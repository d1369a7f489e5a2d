"""Hypothesis strategies for the adversarial campaign (tests/test_adversarial.py): GLM
problems over family x link x column scales x conditioning x class balance x separation,
each drawn as a seed and a few discrete choices, so that a failing example prints as a
short, reproducible description."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from scipy import special

# the (family, link) pairs of the book's models (chapters 2 to 8), responses drawn from
# the model itself; with the identity link a Poisson maximum can lie on the edge of the
# mean space (a mean of 0)
FAMILY_LINKS = [
    ("bernoulli", "logit"),
    ("bernoulli", "probit"),
    ("poisson", "log"),
    ("poisson", "identity"),
    ("gaussian", "identity"),
    ("gaussian", "log"),
    ("gaussian", "logit"),
]
# the pairs the estimators also accept though no book model uses them: their maximum can
# lie on the edge of the mean space (a probability of 1, a Poisson mean of 0) or not
# exist (counts above 1 for a link onto (0, 1))
OTHER_FAMILY_LINKS = [
    ("bernoulli", "log"),
    ("bernoulli", "identity"),
    ("poisson", "probit"),
    ("poisson", "logit"),
    ("gaussian", "probit"),
]
# how the columns are made hard to tell apart: two nearly collinear columns (their
# difference is `level` times a column of their size), or a column far from 0 relative
# to its spread (an offset of `level` standard deviations, collinear with the intercept)
CONDITIONING = [
    ("none", 0.0),
    ("collinear", 1e-2),
    ("collinear", 1e-4),
    ("collinear", 1e-6),
    ("offset", 1e3),
    ("offset", 1e6),
]


class Problem:
    """A design ``X`` (n x d, no intercept column), responses ``y`` and how they were
    made."""

    def __init__(
        self,
        X,
        y,
        family: str,
        link: str,
        conditioning=("none", 0.0),
        info: dict | None = None,
    ):
        self.X, self.y, self.family, self.link = X, y, family, link
        self.conditioning, self.info = conditioning, info or {}

    def __repr__(self) -> str:  # what hypothesis prints for a failing example
        n, d = self.X.shape
        what = (
            f"{self.family}/{self.link}, n={n}, d={d}, conditioning={self.conditioning}"
        )
        return f"Problem({what}, {self.info})"


def _design(
    rng: np.random.Generator, n: int, d: int, conditioning: tuple[str, float]
) -> np.ndarray:
    Z = rng.normal(size=(n, d))
    kind, level = conditioning
    if kind == "collinear" and d >= 2:
        Z[:, -1] = Z[:, -2] + level * rng.normal(size=n)
    elif kind == "offset":
        Z[:, 0] += level
    return Z


def _standardised(Z: np.ndarray) -> np.ndarray:
    """The design centred and scaled, for drawing responses whose linear predictor has a
    known size."""
    S = Z - Z.mean(axis=0)
    sd = S.std(axis=0)
    return S / np.where(sd > 0, sd, 1.0)


def _responses(
    rng: np.random.Generator,
    family: str,
    link: str,
    S: np.ndarray,
    signal: float,
    level: float,
) -> np.ndarray:
    """Responses drawn from the model: linear predictor ``level + signal * S b`` on the
    link's scale."""
    b = rng.normal(size=S.shape[1]) / np.sqrt(S.shape[1])
    t = S @ b  # of unit size
    n = len(t)
    if family == "bernoulli":
        z = level + signal * t
        p = special.expit(z) if link == "logit" else special.ndtr(z)
        y = (rng.random(n) < p).astype(float)
        # both classes present, however unbalanced
        low, high = np.argsort(z, kind="stable")[[0, -1]]
        y[low], y[high] = 0.0, 1.0
        return y
    if family == "poisson":
        mu = (
            np.exp(level + signal * t)
            if link == "log"
            else np.exp(level) * (1.0 + 0.3 * np.sign(signal) * np.tanh(t))
        )
        y = rng.poisson(mu).astype(float)
        if not np.any(y > 0):
            y[np.argmax(mu)] = 1.0
        return y
    # gaussian
    if link == "identity":
        return level + signal * t + rng.normal(size=n)
    if link == "log":
        return (
            np.exp(0.5 * signal * np.tanh(t))
            * np.exp(level)
            * (1 + 0.1 * rng.normal(size=n))
        )
    # logit: means in (0, 1), responses too (so that the estimate exists)
    mu = 1 / (1 + np.exp(-(0.3 * level + signal * t)))
    return np.clip(mu + 0.05 * rng.normal(size=n), 1e-3, 1 - 1e-3)


@st.composite
def glm_problems(
    draw,
    family_links=FAMILY_LINKS,
    conditioning=CONDITIONING,
    n=(30, 150),
    d=(1, 4),
) -> Problem:
    """A scalar-family GLM problem drawn from its own model: family and link, sample
    size, number of columns, conditioning, strength of the signal and, for the
    Bernoulli, class balance (the intercept: a rare class at |level| = 4); for the
    Poisson, the size of the counts."""
    family, link = draw(st.sampled_from(family_links))
    seed = draw(st.integers(0, 2**32 - 1))
    n_, d_ = draw(st.integers(*n)), draw(st.integers(*d))
    cond = draw(st.sampled_from(conditioning))
    signal = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0]))
    if family == "bernoulli":
        level = draw(st.sampled_from([0.0, 1.0, -2.0, 4.0]))
    elif family == "poisson":
        level = draw(st.sampled_from([-1.0, 0.0, 2.0, 8.0]))
        signal = min(signal, 1.0)
    else:
        level = draw(st.sampled_from([0.0, 1.0, 5.0]))
    rng = np.random.default_rng(seed)
    Z = _design(rng, n_, d_, cond)
    y = _responses(rng, family, link, _standardised(Z), signal, level)
    return Problem(
        Z, y, family, link, cond, {"seed": seed, "signal": signal, "level": level}
    )


@st.composite
def column_scales(
    draw, d: int, exponents=(-150, 150), base: float = 10.0
) -> np.ndarray:
    """One factor per column, ``base ** k`` for integer k in ``exponents``; the extremes
    often."""
    lo, hi = exponents
    k = draw(
        st.lists(
            st.one_of(st.sampled_from([lo, hi, 0]), st.integers(lo, hi)),
            min_size=d,
            max_size=d,
        )
    )
    return np.array([base ** float(e) for e in k])


# -------------------------------------------------------------- classification problems
class Classes:
    """A design, labels ``0..k-1`` and what is known of their separation by
    construction: ``separation`` is "complete", "quasi-complete" or None (the estimate
    exists)."""

    def __init__(self, X, y, k: int, separation: str | None, info: dict | None = None):
        self.X, self.y, self.k, self.separation, self.info = (
            X,
            y,
            k,
            separation,
            info or {},
        )

    def __repr__(self) -> str:
        n, d = self.X.shape
        what = f"k={self.k}, n={n}, d={d}, separation={self.separation}"
        return f"Classes({what}, {self.info})"


def _spanning_ties(
    rng: np.random.Generator, d: int, k: int, shift: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """d + 1 points in general position (with the intercept they span R^(d+1)), each
    repeated once with every label: no direction of the coefficients separates anything
    there."""
    P = rng.normal(size=(d + 1, d))
    if shift is not None:
        P = P + shift
    X = np.repeat(P, k, axis=0)
    y = np.tile(np.arange(k), d + 1)
    return X, y


@st.composite
def classification_problems(
    draw,
    k=(2, 2),
    separation=(None, "quasi-complete", "complete"),
    n=(20, 120),
    d=(1, 4),
) -> Classes:
    """Labels whose separation is known by construction:

    - ``None``: data from a multinomial logit model plus d + 1 spanning points carrying
      every label, so that no direction separates (the estimate exists), with class
      balance from even to one class in about 2 % of the rows;
    - ``"complete"``: labels given by the argmax of a linear function of the row (every
      row strictly on its side);
    - ``"quasi-complete"``: class 0 is the rows with x_0 > 0 and the others (x_0 < 0)
      carry random labels plus spanning points with every label but 0; when k = 2, rows
      on the hyperplane x_0 = 0 carry both labels.
    """
    k_ = draw(st.integers(*k))
    kind = draw(st.sampled_from(separation))
    seed = draw(st.integers(0, 2**32 - 1))
    n_, d_ = draw(st.integers(*n)), draw(st.integers(*d))
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_, d_))
    info = {"seed": seed}
    if kind is None:
        rare = draw(st.sampled_from([0.0, 2.0, 4.0]))
        W = rng.normal(size=(k_, d_))
        logits = X @ W.T
        logits[:, 0] += rare  # class 0 common, the others rare
        P = np.exp(logits - logits.max(axis=1, keepdims=True))
        P /= P.sum(axis=1, keepdims=True)
        y = np.array([rng.choice(k_, p=p) for p in P])
        Xt, yt = _spanning_ties(rng, d_, k_)
        X, y = np.vstack([X, Xt]), np.r_[y, yt]
        info["rare"] = rare
    elif (
        kind == "complete"
    ):  # the nearest of k centres (rows of X): a linear argmax, every class present
        centres = X[rng.choice(n_, size=k_, replace=False)]
        y = np.argmin(((X[:, None, :] - centres[None]) ** 2).sum(axis=2), axis=1)
    else:  # quasi-complete
        X[:, 0] = np.abs(X[:, 0]) * np.where(rng.random(n_) < 0.4, 1.0, -1.0)
        y = np.where(X[:, 0] > 0, 0, rng.integers(1, k_, n_) if k_ > 2 else 1)
        if k_ == 2:  # ties on the hyperplane x_0 = 0 carry both labels
            Xt, yt = _spanning_ties(rng, d_, 2)
            Xt[:, 0] = 0.0
        else:  # classes 1..k-1 overlap where x_0 < 0
            Xt, yt = _spanning_ties(rng, d_, k_ - 1, shift=None)
            Xt[:, 0] = -1.0 - np.abs(Xt[:, 0])
            yt = yt + 1
        X, y = np.vstack([X, Xt]), np.r_[y, yt]
        if not np.any(y == 0):
            X, y = np.vstack([X, np.r_[1.0, np.zeros(d_ - 1)]]), np.r_[y, 0]
    return Classes(X, y.astype(int), k_, kind, info)
