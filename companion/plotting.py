"""Figures of the book: neuron diagrams, link and activation curves, decision
boundaries, convergence.

Every function draws on a matplotlib ``Axes`` (created when not given), sets a title and
axis labels, and returns the axes, so a chapter can add to it and end the cell with
``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.patches import Circle, FancyArrowPatch
from matplotlib.ticker import MaxNLocator

from .losses import sigmoid, softmax

__all__ = [
    "draw_neuron",
    "draw_layer",
    "plot_sigmoid_logit",
    "plot_softmax_one_logit",
    "plot_decision_boundary",
    "plot_convergence",
    "plot_inverse_links",
    "plot_activations_and_mean_spaces",
]

CLASS_COLORS = (
    "tab:blue",
    "tab:orange",
    "tab:green",
    "tab:red",
    "tab:purple",
    "tab:brown",
)


def _axes(ax: Axes | None, figsize: tuple[float, float] = (6, 4)) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, constrained_layout=True)
    return ax


def _arrow(
    ax: Axes, start, end, label: str | None = None, label_at: float = 0.45
) -> None:
    ax.add_patch(
        FancyArrowPatch(
            start, end, arrowstyle="-|>", mutation_scale=14, lw=1.3, color="0.35"
        )
    )
    if label:
        x = start[0] + label_at * (end[0] - start[0])
        y = start[1] + label_at * (end[1] - start[1])
        ax.text(x, y + 0.12, label, ha="center", va="bottom", fontsize=11)


def draw_neuron(
    ax: Axes | None = None,
    inputs: Sequence[str] = (r"$x_1$", r"$x_2$", r"$x_3$"),
    weights: Sequence[str] | None = None,
    activation: str = r"$\sigma$",
    output: str = r"$\hat\mu = \sigma(w^\top x + b)$",
    title: str = "One neuron: affine map, then activation",
) -> Axes:
    r"""Draw one neuron: inputs :math:`x_j`, weights :math:`w_j`, the bias :math:`b`,
    the sum :math:`z = w^\top x + b` and the activation (chapter 3)."""
    ax = _axes(ax, (7, 3.6))
    n = len(inputs)
    weights = weights or [rf"$w_{j + 1}$" for j in range(n)]
    ys = np.linspace(1.5, -1.5, n) if n > 1 else np.array([0.0])
    sum_c, act_c = (3.0, 0.0), (5.0, 0.0)
    for label, w, yv in zip(inputs, weights, ys, strict=True):
        ax.add_patch(Circle((0, yv), 0.32, fc="white", ec="0.2", lw=1.2))
        ax.text(0, yv, label, ha="center", va="center", fontsize=12)
        _arrow(ax, (0.34, yv), (sum_c[0] - 0.45, sum_c[1] + 0.15 * yv), w)
    ax.add_patch(Circle((1.6, -2.3), 0.32, fc="white", ec="0.2", lw=1.2))
    ax.text(1.6, -2.3, "$1$", ha="center", va="center", fontsize=12)
    _arrow(ax, (1.85, -2.1), (sum_c[0] - 0.3, sum_c[1] - 0.35), "$b$", 0.4)
    ax.add_patch(Circle(sum_c, 0.45, fc="#dbe9f6", ec="0.2", lw=1.2))
    ax.text(*sum_c, r"$\Sigma$", ha="center", va="center", fontsize=15)
    ax.text(3.3, 0.55, r"$z = w^\top x + b$", ha="center", va="bottom", fontsize=11)
    _arrow(ax, (sum_c[0] + 0.47, 0), (act_c[0] - 0.47, 0), "$z$")
    ax.add_patch(Circle(act_c, 0.45, fc="#fde3c8", ec="0.2", lw=1.2))
    ax.text(*act_c, activation, ha="center", va="center", fontsize=15)
    _arrow(ax, (act_c[0] + 0.47, 0), (act_c[0] + 1.6, 0))
    ax.text(act_c[0] + 1.7, 0, output, ha="left", va="center", fontsize=12)
    ax.set_xlim(-0.6, 9.6)
    ax.set_ylim(-2.9, 2.1)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return ax


def plot_sigmoid_logit(
    axes: Sequence[Axes] | None = None,
    title: str = "The sigmoid and its inverse, the logit",
) -> Sequence[Axes]:
    r"""The sigmoid :math:`\mu = \sigma(\eta)`, the Bernoulli's inverse canonical link,
    and the logit :math:`\eta = \log\frac{\mu}{1-\mu}`, side by side (chapter 2)."""
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), constrained_layout=True)
        fig.suptitle(title)
    eta = np.linspace(-7, 7, 401)
    p = np.linspace(0.001, 0.999, 400)
    axes[0].plot(eta, sigmoid(eta))
    axes[0].axhline(0.5, color="0.6", lw=0.8, ls="--")
    axes[0].set(
        xlabel=r"natural parameter $\eta$ (log-odds)",
        ylabel=r"mean $\mu = \sigma(\eta)$",
        title="inverse link: the sigmoid",
    )
    axes[1].plot(p, np.log(p) - np.log1p(-p), color="tab:orange")
    axes[1].axvline(0.5, color="0.6", lw=0.8, ls="--")
    axes[1].set(
        xlabel=r"mean $\mu$ (probability)",
        ylabel=r"$\eta = \log\frac{\mu}{1-\mu}$",
        title="canonical link: the logit",
    )
    for ax in axes:
        ax.grid(alpha=0.3)
    return axes


def plot_decision_boundary(
    model,
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    levels: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
    title: str = "Decision boundary and probability contours",
    feature_names: Sequence[str] = ("$x_1$", "$x_2$"),
    resolution: int = 200,
    transform=None,
) -> Axes:
    """Scatter 2-D data by class and draw the fitted model's regions and probability
    contours.

    For a binary model the contours of :math:`P(y = 1 \\mid x)` at ``levels`` are drawn,
    the 0.5 contour (the decision boundary) in black; for more classes, the regions
    where each class is most probable. ``transform``, if given, maps the 2-D points to
    the model's inputs (a fixed feature map :math:`\\psi(x)`, chapter 9).
    """
    ax = _axes(ax, (5.5, 4.5))
    pad = 0.5
    x0 = np.linspace(X[:, 0].min() - pad, X[:, 0].max() + pad, resolution)
    x1 = np.linspace(X[:, 1].min() - pad, X[:, 1].max() + pad, resolution)
    g0, g1 = np.meshgrid(x0, x1)
    grid = np.column_stack([g0.ravel(), g1.ravel()])
    proba = model.predict_proba(grid if transform is None else transform(grid))
    classes = list(model.classes_)
    if len(classes) == 2:
        p = proba[:, 1].reshape(g0.shape)
        ax.contourf(g0, g1, p, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.25)
        cs = ax.contour(
            g0,
            g1,
            p,
            levels=list(levels),
            colors=["0.4" if lv != 0.5 else "black" for lv in levels],
            linewidths=[1.0 if lv != 0.5 else 2.0 for lv in levels],
        )
        ax.clabel(cs, fmt="%.2f", fontsize=8)
    else:
        winner = proba.argmax(axis=1).reshape(g0.shape)
        ax.contourf(
            g0,
            g1,
            winner,
            levels=np.arange(len(classes) + 1) - 0.5,
            colors=CLASS_COLORS[: len(classes)],
            alpha=0.2,
        )
        ax.contour(
            g0,
            g1,
            winner,
            levels=np.arange(len(classes)) + 0.5,
            colors="black",
            linewidths=1.2,
        )
    for i, c in enumerate(classes):
        mask = y == c
        ax.scatter(
            X[mask, 0],
            X[mask, 1],
            s=14,
            color=CLASS_COLORS[i % len(CLASS_COLORS)],
            edgecolor="white",
            linewidth=0.4,
            label=f"class {c}",
        )
    ax.set(xlabel=feature_names[0], ylabel=feature_names[1], title=title)
    ax.legend(loc="best", fontsize=9)
    return ax


def plot_convergence(
    histories: Mapping[str, Sequence[float]],
    optimum: float,
    ax: Axes | None = None,
    title: str = "Convergence: loss above the optimum",
) -> Axes:
    r"""Loss minus the optimal loss, per iteration, on a log scale, for several solvers
    (chapters 4, 7)."""
    ax = _axes(ax, (6.5, 4))
    floor = 1e-16 * max(1.0, abs(optimum))
    for (name, history), style in zip(
        histories.items(), ("-o", "-", "--", ":"), strict=False
    ):
        gap = np.maximum(np.asarray(history) - optimum, floor)
        ax.semilogy(
            np.arange(gap.size),
            gap,
            style,
            ms=4,
            label=f"{name} ({gap.size - 1} iterations)",
        )
    ax.set(xlabel="iteration", ylabel=r"$J(\theta_t) - J(\hat\theta)$", title=title)
    if (
        max(len(h) for h in histories.values()) > 50
    ):  # thousands of gradient steps beside a few Newton steps
        ax.set_xscale("symlog", linthresh=10)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    return ax


def draw_layer(
    ax: Axes | None = None,
    n_inputs: int = 4,
    n_outputs: int = 3,
    title: str = "A layer of k neurons with a softmax",
) -> Axes:
    r"""Draw a dense layer: ``n_inputs`` inputs, each connected to ``n_outputs`` neurons
    that compute :math:`z_c = w_c^\top x + b_c`, followed by the softmax that turns the
    :math:`k` logits into probabilities (chapter 6)."""
    ax = _axes(ax, (7, 4))
    yin = np.linspace(1.8, -1.8, n_inputs)
    yout = np.linspace(1.3, -1.3, n_outputs)
    for yi in yin:
        for yo in yout:
            ax.plot([0.3, 2.7], [yi, yo], color="0.6", lw=0.8, zorder=0)
    for j, yi in enumerate(yin):
        ax.add_patch(Circle((0, yi), 0.3, fc="white", ec="0.2", lw=1.2))
        ax.text(0, yi, rf"$x_{j + 1}$", ha="center", va="center", fontsize=11)
    for c, yo in enumerate(yout):
        ax.add_patch(Circle((3, yo), 0.33, fc="#dbe9f6", ec="0.2", lw=1.2))
        ax.text(3, yo, rf"$z_{c + 1}$", ha="center", va="center", fontsize=11)
        _arrow(ax, (3.35, yo), (4.6, yo * 0.6))
    ax.add_patch(plt.Rectangle((4.65, -1.2), 1.3, 2.4, fc="#fde3c8", ec="0.2", lw=1.2))
    ax.text(5.3, 0, "softmax", ha="center", va="center", fontsize=12, rotation=90)
    for c, yo in enumerate(yout):
        _arrow(ax, (5.97, yo * 0.6), (7.0, yo))
        ax.text(7.1, yo, rf"$\hat p_{c + 1}$", ha="left", va="center", fontsize=12)
    ax.text(
        1.5, -2.45, r"weights $W$ ($k \times d$), biases $b$", ha="center", fontsize=10
    )
    ax.text(3.0, 1.95, r"$z = Wx + b$", ha="center", fontsize=11)
    ax.set_xlim(-0.6, 8.0)
    ax.set_ylim(-2.7, 2.3)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.set_title(title)
    return ax


def plot_softmax_one_logit(
    ax: Axes | None = None,
    others: Sequence[float] = (0.0, 1.0),
    title: str = "Softmax as a function of one logit",
) -> Axes:
    r"""The softmax probabilities of three classes as the first logit :math:`z_1` varies
    and the others are fixed at ``others`` (chapter 5): :math:`\hat p_1` is a sigmoid in
    :math:`z_1 - \log\sum_{c>1} e^{z_c}`."""
    ax = _axes(ax, (6, 3.6))
    z1 = np.linspace(-6, 8, 401)
    Z = np.column_stack([z1] + [np.full_like(z1, v) for v in others])
    P = softmax(Z, axis=1)
    for c in range(P.shape[1]):
        label = (
            r"$\mu_1$ (logit varies)"
            if c == 0
            else rf"$\mu_{c + 1}$ ($z_{c + 1} = {others[c - 1]:g}$)"
        )
        ax.plot(z1, P[:, c], label=label)
    ax.set(xlabel=r"logit $z_1$", ylabel="probability", title=title, ylim=(-0.02, 1.02))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9)
    return ax


def plot_inverse_links(
    ax: Axes | None = None, title: str = "Activations are inverse links"
) -> Axes:
    r"""The inverse links :math:`g^{-1}(z)` of chapter 8 as activation functions:
    identity (Gaussian), sigmoid (Bernoulli, logit link), standard normal cdf
    (Bernoulli, probit link) and exp (Poisson)."""
    from .links import get_link

    ax = _axes(ax, (6.5, 4))
    z = np.linspace(-4, 4, 401)
    for name, label, style in (
        ("identity", "identity (Gaussian)", "-"),
        ("logit", r"sigmoid $\sigma$ (Bernoulli, logit)", "-"),
        ("probit", r"normal cdf $\Phi$ (Bernoulli, probit)", "--"),
        ("log", "exp (Poisson, log)", "-"),
    ):
        ax.plot(z, get_link(name).inverse(z), style, label=label)
    ax.set(
        xlabel=r"linear predictor $z = w^\top x + b$",
        ylabel=r"mean $\mu = g^{-1}(z)$",
        title=title,
        ylim=(-1.5, 4),
    )
    ax.axhline(0, color="0.6", lw=0.8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=9, loc="upper left")
    return ax


def plot_activations_and_mean_spaces(
    ax: Axes | None = None, title: str = "Activations are inverse links"
) -> Axes:
    r"""The inverse links :math:`\mu = g^{-1}(z)` of chapter 8 as activations of the
    linear predictor :math:`z = w^\top x + b`: identity (Gaussian), sigmoid (Bernoulli,
    logit), normal cdf :math:`\Phi` (Bernoulli, probit) and :math:`\exp` (Poisson, log)
    map every real :math:`z` to a possible mean. The Gamma family's canonical inverse
    link :math:`\mu = -1/z` (natural parameter :math:`\eta = -1/\mu`) gives a positive
    mean only for :math:`z < 0`: the shaded half-line is where it has none."""
    from scipy import special

    ax = _axes(ax, (6.5, 5))
    z = np.linspace(-4, 4, 401)
    curves = (
        (z, "identity (Gaussian)", "-"),
        (sigmoid(z), r"sigmoid $\sigma(z)$ (Bernoulli, logit)", "-"),
        (special.ndtr(z), r"normal cdf $\Phi(z)$ (Bernoulli, probit)", "--"),
        (np.exp(z), r"$e^z$ (Poisson, log)", "-"),
    )
    for values, label, style in curves:
        ax.plot(z, values, style, label=label)
    left = z[z <= -0.25]
    ax.plot(
        left,
        -1.0 / left,
        ":",
        lw=2.2,
        color="0.2",
        label=r"$-1/z$ (Gamma, canonical), $z < 0$ only",
    )
    ax.axvspan(0, 4, color="0.85", alpha=0.5, lw=0)
    ax.text(2.0, -1.2, "no Gamma mean for $z \\geq 0$", ha="center", fontsize=9)
    ax.set(
        xlabel=r"linear predictor $z = w^\top x + b$",
        ylabel=r"mean $\mu = g^{-1}(z)$",
        title=title,
        ylim=(-1.5, 4),
        xlim=(-4, 4),
    )
    ax.axhline(0, color="0.6", lw=0.8)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8.5, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2)
    return ax
