"""companion.plotting, on the Agg backend: every function draws on axes it returns, with
a title and axis labels, and the curves it draws are the functions they name (checked
against scipy)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from scipy import special

from companion import LogisticNeuron, SoftmaxLayer, datasets, plotting


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _labelled(ax: Axes, axes_labels: bool = True) -> None:
    assert ax.get_title()
    if axes_labels:
        assert ax.get_xlabel() and ax.get_ylabel()


def _line(ax: Axes, label_part: str):
    (line,) = [ln for ln in ax.get_lines() if label_part in ln.get_label()]
    return line.get_xdata(), line.get_ydata()


def test_every_public_function_is_tested_here():
    tested = {
        "draw_neuron",
        "draw_layer",
        "plot_sigmoid_logit",
        "plot_softmax_one_logit",
        "plot_decision_boundary",
        "plot_convergence",
        "plot_inverse_links",
        "plot_activations_and_mean_spaces",
    }
    assert set(plotting.__all__) == tested


@pytest.mark.parametrize("draw", [plotting.draw_neuron, plotting.draw_layer])
def test_diagrams(draw):
    ax = draw()
    assert isinstance(ax, Axes) and ax.get_title() and not ax.axison
    assert len(ax.patches) >= 4 and len(ax.texts) >= 4
    ax2 = draw(title="mine")
    assert ax2.get_title() == "mine" and ax2.figure is not ax.figure


def test_diagram_of_a_neuron_names_its_inputs():
    ax = plotting.draw_neuron(inputs=("$a$", "$b$"))
    texts = [t.get_text() for t in ax.texts]
    assert "$a$" in texts and "$b$" in texts and "$w_2$" in texts


def test_sigmoid_and_logit():
    axes = plotting.plot_sigmoid_logit()
    assert len(axes) == 2 and axes[0].figure.get_suptitle()
    for ax in axes:
        _labelled(ax)
    eta, p = axes[0].get_lines()[0].get_data()
    np.testing.assert_allclose(p, special.expit(eta), rtol=1e-14)
    mu, logit = axes[1].get_lines()[0].get_data()
    np.testing.assert_allclose(logit, special.logit(mu), rtol=1e-12)


def test_softmax_of_one_logit():
    ax = plotting.plot_softmax_one_logit(others=(0.0, 1.0))
    _labelled(ax)
    lines = [ln.get_ydata() for ln in ax.get_lines()]
    assert len(lines) == 3
    np.testing.assert_allclose(np.sum(lines, axis=0), 1.0, rtol=1e-14)
    z1 = ax.get_lines()[0].get_xdata()
    expected = special.expit(z1 - special.logsumexp([0.0, 1.0]))
    np.testing.assert_allclose(lines[0], expected, rtol=1e-12)


@pytest.mark.parametrize(
    "function", [plotting.plot_inverse_links, plotting.plot_activations_and_mean_spaces]
)
def test_inverse_links_are_drawn_as_activations(function):
    ax = function()
    _labelled(ax)
    for part, f in (
        ("Gaussian", lambda z: z),
        ("logit", special.expit),
        ("probit", special.ndtr),
        ("Poisson", np.exp),
    ):
        z, mu = _line(ax, part)
        np.testing.assert_allclose(mu, f(z), rtol=1e-13, err_msg=part)
    assert ax.get_legend() is not None


def test_decision_boundary_of_a_binary_and_a_multiclass_model():
    d = datasets.make_two_blobs(seed=1)
    ax = plotting.plot_decision_boundary(
        LogisticNeuron().fit(d.X, d.y), d.X, d.y, resolution=50
    )
    _labelled(ax)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["class 0", "class 1"]
    assert len(ax.collections) >= 4  # filled regions, contours and the two classes
    b = datasets.make_blobs(seed=1)
    layer = SoftmaxLayer(alpha=0.01).fit(b.X, b.y)
    ax = plotting.plot_decision_boundary(
        layer, b.X, b.y, resolution=50, feature_names=("u", "v")
    )
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("u", "v")
    assert len(ax.get_legend().get_texts()) == 3


def test_decision_boundary_through_a_feature_map():
    d = datasets.make_rings(n_per_class=50, k=2, seed=0)
    squares = lambda X: np.column_stack([X, (X**2).sum(axis=1)])
    m = LogisticNeuron().fit(squares(d.X), d.y)
    ax = plotting.plot_decision_boundary(m, d.X, d.y, resolution=40, transform=squares)
    _labelled(ax)


def test_convergence_plots_the_gap_to_the_optimum():
    histories = {"Newton": [2.0, 1.2, 1.01, 1.0], "gradient descent": [2.0, 1.5, 1.25]}
    ax = plotting.plot_convergence(histories, optimum=1.0)
    _labelled(ax)
    assert ax.get_yscale() == "log" and ax.get_xscale() == "linear"
    it, gap = _line(ax, "Newton")
    np.testing.assert_array_equal(it, [0, 1, 2, 3])
    np.testing.assert_allclose(gap, [1.0, 0.2, 0.01, 1e-16], rtol=1e-10)  # floored
    assert "Newton (3 iterations)" in [
        t.get_text() for t in ax.get_legend().get_texts()
    ]
    long = plotting.plot_convergence({"gd": np.linspace(2, 1, 200)}, optimum=1.0)
    assert long.get_xscale() == "symlog"
