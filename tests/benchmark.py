"""``make bench``: the companion's fits against statsmodels, scikit-learn and glum,
timed in the same run, printed as ratios (a benchmark, not a test: nothing here asserts
a time).

For each model (logistic, softmax with k = 3 and 10, Poisson), N in (10 000, 200 000)
and d in (20, 100), it prints the seconds our fit takes, each reference's time divided
by ours (above 1: the reference is slower), and our time as a multiple of the *floor*:
the number of Newton iterations we took times the time of one information matrix X^T W X
of the same size, measured in the same run (the one product a Newton step cannot avoid,
formed block by block as our fit does).
It also prints how far each reference's log-likelihood is from ours (relative), so that
the times compare fits of equal accuracy, and scikit-learn's ``lbfgs`` at its default
tolerance with its log-likelihood gap. Then the memory a fit holds, traced by
``tracemalloc``, as a multiple of the size of X. Each table is run single-threaded and
with the default threads.

    python tests/benchmark.py            # everything (several minutes)
    python tests/benchmark.py --quick    # N = 10 000 only
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from collections.abc import Callable

import numpy as np
import statsmodels.api as sm
from glum import GeneralizedLinearRegressor
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from threadpoolctl import threadpool_limits

from companion import GLMNeuron, LogisticNeuron, SoftmaxLayer
from companion.glm import BLOCK_ENTRIES


def data(model: str, n: int, d: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Seeded data from the model itself, coefficients of size 1/sqrt(d)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    if model == "poisson":
        return X, rng.poisson(
            np.exp(0.5 + X @ rng.normal(scale=0.3 / np.sqrt(d), size=d))
        )
    k = 2 if model == "logistic" else int(model.removeprefix("softmax"))
    Z = X @ rng.normal(scale=1.5 / np.sqrt(d), size=(d, k))
    G = rng.gumbel(size=(n, k))
    return X, np.argmax(Z + G, axis=1)


def loglik(model: str, y: np.ndarray, mean: np.ndarray) -> float:
    """The log-likelihood of fitted means (probabilities, or Poisson means)."""
    if model == "poisson":
        from scipy.special import gammaln

        return float(np.sum(y * np.log(mean) - mean - gammaln(y + 1)))
    return float(np.sum(np.log(np.clip(mean[np.arange(len(y)), y], 1e-300, None))))


def timed(fit: Callable, repeat: int, *args: object) -> tuple[float, object]:
    """The best of ``repeat`` timings of ``fit(*args)``, and its result."""
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fit(*args)
        best = min(best, time.perf_counter() - start)
    return best, out


def floor(n: int, width: int, repeat: int) -> float:
    """One information matrix of N rows and ``width`` columns, the sum over blocks of
    rows of (sqrt(w) A)^T (sqrt(w) A), in blocks of ``BLOCK_ENTRIES`` entries as our
    fit forms it (one block stays in cache: faster than one product of the whole
    array, whose temporary copy of A goes through memory)."""
    rng = np.random.default_rng(1)
    A, w = rng.normal(size=(n, width)), rng.random(n)
    rows = max(256, BLOCK_ENTRIES // width)

    def product() -> np.ndarray:
        H = np.zeros((width, width))
        for start in range(0, n, rows):
            B = A[start : start + rows] * np.sqrt(w[start : start + rows])[:, None]
            H += B.T @ B
        return H

    return timed(product, repeat)[0]


def _with_constant(X: np.ndarray) -> np.ndarray:
    return sm.add_constant(X, has_constant="add")


def _two_columns(p: np.ndarray) -> np.ndarray:
    return np.column_stack([1 - p, p])


def statsmodels_fit(model: str, X: np.ndarray, y: np.ndarray) -> Callable:
    """statsmodels' GLM (IRLS) or, for k classes, MNLogit (Newton)."""
    if model == "poisson":
        r = sm.GLM(y, _with_constant(X), family=sm.families.Poisson()).fit(tol=1e-10)
        return lambda X: r.predict(_with_constant(X))
    if model == "logistic":
        r = sm.GLM(y, _with_constant(X), family=sm.families.Binomial()).fit(tol=1e-10)
        return lambda X: _two_columns(r.predict(_with_constant(X)))
    m = sm.MNLogit(y, _with_constant(X)).fit(method="newton", disp=0, maxiter=100)
    return lambda X: m.predict(_with_constant(X))


def sklearn_fit(model: str, solver: str, X: np.ndarray, y: np.ndarray) -> Callable:
    """scikit-learn unpenalised: ``newton-cholesky`` at tol 1e-10, or ``lbfgs`` at its
    default tolerance."""
    tol = 1e-10 if solver == "newton-cholesky" else 1e-4
    if model == "poisson":
        return (
            PoissonRegressor(alpha=0, solver=solver, tol=tol, max_iter=1000)
            .fit(X, y)
            .predict
        )
    m = LogisticRegression(C=np.inf, solver=solver, tol=tol, max_iter=10_000)
    return m.fit(X, y).predict_proba


def glum_fit(model: str, X: np.ndarray, y: np.ndarray) -> Callable:
    """glum's unpenalised IRLS (it has no multinomial family)."""
    family = "poisson" if model == "poisson" else "binomial"
    g = GeneralizedLinearRegressor(family=family, alpha=0, gradient_tol=1e-10).fit(X, y)
    return g.predict if model == "poisson" else lambda X: _two_columns(g.predict(X))


def references(model: str) -> dict[str, Callable[[np.ndarray, np.ndarray], Callable]]:
    """Each reference as ``fit(X, y) -> predict_mean``."""
    refs = {
        "statsmodels": lambda X, y: statsmodels_fit(model, X, y),
        "sk newton": lambda X, y: sklearn_fit(model, "newton-cholesky", X, y),
        "glum": lambda X, y: glum_fit(model, X, y),
        "sk lbfgs": lambda X, y: sklearn_fit(model, "lbfgs", X, y),
    }
    if model.startswith("softmax"):
        del refs["glum"]
    return refs


def ours(model: str) -> Callable[[np.ndarray, np.ndarray], object]:
    if model == "logistic":
        return lambda X, y: LogisticNeuron().fit(X, y)
    if model == "poisson":
        return lambda X, y: GLMNeuron("poisson").fit(X, y)
    return lambda X, y: SoftmaxLayer().fit(X, y)


def table(model: str, sizes: tuple[int, ...], dims: tuple[int, ...]) -> None:
    names = list(references(model))
    print(
        f"\n{model}: seconds (ours), reference/ours, ours/floor; log-lik. gap vs ours"
    )
    head = f"{'N':>7} {'d':>4} {'iter':>4} {'ours':>8} {'floor x':>7}"
    print(head + "".join(f" {n:>11}" for n in names) + "   gaps: " + ", ".join(names))
    for n in sizes:
        for d in dims:
            X, y = data(model, n, d)
            # best of more runs where one fit takes milliseconds (and varies most)
            repeat = 10 if n * d <= 1_000_000 else 3 if n * d <= 2_000_000 else 1
            t_ours, fit = timed(ours(model), repeat, X, y)
            k = (
                1
                if model in ("logistic", "poisson")
                else int(model.removeprefix("softmax")) - 1
            )
            f = fit.n_iter_ * floor(n, k * (d + 1), repeat)
            mean = fit.predict(X) if model == "poisson" else fit.predict_proba(X)
            ll = loglik(model, y, mean)
            ratios, gaps = [], []
            for name in names:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t_ref, predict = timed(references(model)[name], repeat, X, y)
                ratios.append(f" {t_ref / t_ours:11.2f}")
                gaps.append(f"{(ll - loglik(model, y, predict(X))) / abs(ll):.0e}")
            print(f"{n:7d} {d:4d} {fit.n_iter_:4d} {t_ours:8.3f} {t_ours / f:7.2f}"
                  + "".join(ratios) + "   " + ", ".join(gaps))  # fmt: skip


def memory() -> None:
    """Peak traced memory of a fit, as a multiple of the size of X."""
    print(
        "\nmemory held by a fit (tracemalloc peak, beyond X and y), as a multiple of X"
    )
    for model, n, d in (("logistic", 1_000_000, 50), ("softmax10", 200_000, 50)):
        X, y = data(model, n, d)
        tracemalloc.start()
        ours(model)(X, y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"{model:>10} N={n} d={d}: X is {X.nbytes / 2**20:.0f} MiB, peak "
              f"{peak / 2**20:.0f} MiB = {peak / X.nbytes:.2f} x X")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="N = 10 000 only")
    args = parser.parse_args()
    sizes = (10_000,) if args.quick else (10_000, 200_000)
    for threads in (1, None):
        print(
            f"\n===== {'single-threaded' if threads == 1 else 'default threads'} ====="
        )
        with threadpool_limits(threads):
            for model in ("logistic", "softmax3", "softmax10", "poisson"):
                table(model, sizes, (20, 100))
    memory()


if __name__ == "__main__":
    main()
