"""Benchmark (`make bench`): fit times of the companion's estimators against statsmodels and
scikit-learn, measured in the same run, printed as ratios. Not a test: nothing here asserts a time.

Each time is the best of several repetitions. A ratio above 1 means the reference is slower than ours.
The last columns say whether the fits agree: our log-likelihood and its relative difference from each
reference's.
"""

from __future__ import annotations

import time
import warnings
from typing import Callable

import numpy as np
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression

from companion import LogisticNeuron, SoftmaxLayer, datasets

SIZES = (1_000, 10_000, 100_000, 200_000)
D = 20


def best_time(fit: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fit()
        best = min(best, time.perf_counter() - t0)
    return best, out


def sklearn_loglik(model, X, y) -> float:
    p = model.predict_proba(X)[np.arange(len(y)), y]
    return float(np.sum(np.log(p)))


def compare(title: str, reference: str, make_data: Callable[[int], tuple], ours: Callable, statsmodels: Callable) -> None:
    """Print one table: for each N, the fit times of ours, statsmodels (``reference``) and scikit-learn's
    unpenalised ``LogisticRegression`` (``C=np.inf``), their ratios to ours, and the log-likelihoods."""
    print(f"\n{title}, d = {D} features + intercept (times in seconds, best of 1-5)")
    header = (f"{'N':>8s} {'ours':>8s} {reference:>12s} {'ratio':>6s} {'sklearn':>8s} {'ratio':>6s}  {'ours us/row':>11s}"
              "  log-likelihood: ours, rel. diff statsmodels, sklearn")
    print(header)
    print("-" * len(header))
    for n in SIZES:
        X, y = make_data(n)
        repeat = 5 if n <= 10_000 else 2
        t_ours, fit = best_time(lambda: ours(X, y), repeat)
        Xc = sm.add_constant(X)
        t_sm, res = best_time(lambda: statsmodels(Xc, y), repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_sk, sk = best_time(lambda: LogisticRegression(C=np.inf, max_iter=1000).fit(X, y), repeat)
        ll, ll_sm, ll_sk = fit.log_likelihood_, res.llf, sklearn_loglik(sk, X, y)
        print(f"{n:8d} {t_ours:8.4f} {t_sm:12.4f} {t_sm / t_ours:6.2f} {t_sk:8.4f} {t_sk / t_ours:6.2f}  {1e6 * t_ours / n:11.3f}"
              f"  {ll:.6f}, {abs(ll - ll_sm) / abs(ll_sm):.1e}, {abs(ll - ll_sk) / abs(ll_sk):.1e}")


def logistic() -> None:
    compare("Binary logistic regression", "GLM Binomial",
            lambda n: datasets.make_logistic(n, D, seed=n)[:2],
            lambda X, y: LogisticNeuron(solver="newton").fit(X, y),
            lambda Xc, y: sm.GLM(y, Xc, family=sm.families.Binomial()).fit())


def softmax(k: int) -> None:
    compare(f"Softmax regression, k = {k} classes", "MNLogit",
            lambda n: datasets.make_softmax(n, D, k, seed=n + k),
            lambda X, y: SoftmaxLayer(solver="newton").fit(X, y),
            lambda Xc, y: sm.MNLogit(y, Xc).fit(method="newton", disp=0, maxiter=100))


if __name__ == "__main__":
    logistic()
    softmax(3)
    softmax(10)
