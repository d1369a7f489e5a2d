"""Benchmark (`make bench`): fit times of the companion's estimators against statsmodels and
scikit-learn, measured in the same run, printed as ratios. Not a test: nothing here asserts a time.

Each time is the best of several repetitions. A ratio above 1 means the reference is slower than ours.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression

from companion import LogisticNeuron, SoftmaxLayer, datasets

SIZES = (1_000, 10_000, 100_000, 200_000)
D = 20


def best_time(fit, repeat: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fit()
        best = min(best, time.perf_counter() - t0)
    return best, out


def sklearn_loglik(model, X, y) -> float:
    p = model.predict_proba(X)[np.arange(len(y)), y]
    return float(np.sum(np.log(p)))


def logistic() -> None:
    print(f"Binary logistic regression, d = {D} features + intercept (times in seconds, best of 3-5)")
    header = f"{'N':>8s} {'ours':>8s} {'statsmodels':>12s} {'ratio':>6s} {'sklearn':>8s} {'ratio':>6s}  {'ours us/row':>11s}  log-likelihood: ours, rel. diff statsmodels, sklearn"
    print(header)
    print("-" * len(header))
    for n in SIZES:
        X, y, _ = datasets.make_logistic(n, D, seed=n)
        repeat = 5 if n <= 10_000 else 3
        t_ours, ours = best_time(lambda: LogisticNeuron(solver="newton").fit(X, y), repeat)
        Xc = sm.add_constant(X)
        t_sm, res = best_time(lambda: sm.GLM(y, Xc, family=sm.families.Binomial()).fit(), repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_sk, sk = best_time(lambda: LogisticRegression(C=np.inf, max_iter=1000).fit(X, y), repeat)
        ll, ll_sm, ll_sk = ours.log_likelihood_, res.llf, sklearn_loglik(sk, X, y)
        print(f"{n:8d} {t_ours:8.4f} {t_sm:12.4f} {t_sm / t_ours:6.2f} {t_sk:8.4f} {t_sk / t_ours:6.2f}  {1e6 * t_ours / n:11.3f}"
              f"  {ll:.6f}, {abs(ll - ll_sm) / abs(ll_sm):.1e}, {abs(ll - ll_sk) / abs(ll_sk):.1e}")


def softmax(k: int) -> None:
    print(f"\nSoftmax regression, k = {k} classes, d = {D} features + intercept (times in seconds, best of 1-3)")
    header = f"{'N':>8s} {'ours':>8s} {'MNLogit':>8s} {'ratio':>6s} {'sklearn':>8s} {'ratio':>6s}  {'ours us/row':>11s}  log-likelihood: ours, rel. diff statsmodels, sklearn"
    print(header)
    print("-" * len(header))
    for n in SIZES:
        X, y = datasets.make_softmax(n, D, k, seed=n + k)
        repeat = 3 if n <= 10_000 else 1
        t_ours, ours = best_time(lambda: SoftmaxLayer(solver="newton").fit(X, y), repeat)
        Xc = sm.add_constant(X)
        t_sm, res = best_time(lambda: sm.MNLogit(y, Xc).fit(method="newton", disp=0, maxiter=100), repeat)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t_sk, sk = best_time(lambda: LogisticRegression(C=np.inf, max_iter=1000).fit(X, y), repeat)
        ll, ll_sm, ll_sk = ours.log_likelihood_, res.llf, sklearn_loglik(sk, X, y)
        print(f"{n:8d} {t_ours:8.3f} {t_sm:8.3f} {t_sm / t_ours:6.2f} {t_sk:8.3f} {t_sk / t_ours:6.2f}  {1e6 * t_ours / n:11.3f}"
              f"  {ll:.6f}, {abs(ll - ll_sm) / abs(ll_sm):.1e}, {abs(ll - ll_sk) / abs(ll_sk):.1e}")


if __name__ == "__main__":
    logistic()
    softmax(3)
    softmax(10)
