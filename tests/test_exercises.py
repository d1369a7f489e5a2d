"""The checkers: every one accepts the book's own solution and rejects typical wrong
answers with a hint that names the mistake without printing the answer; a function that
loops, crashes, exits, is missing, is not a function, has the wrong parameters or
returns the wrong kind of thing gets a clear message within its time limit, in a script
and in a kernel; and every chapter has its derivation, coding and exploration exercises.
"""

import ast
import inspect
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from companion import checking, exercises, losses, timelimit
from companion.exercises import EXERCISES, spec

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"])


def _chapter_of(label):
    number = int(label[2 : label.index("-")])
    return next(p for p in CHAPTERS if p.name.startswith(f"{number:02d}_"))


def _solution_cell(exercise):
    """The source of the book's solution cell for ``exercise``, or None before a chapter
    has the exercise."""
    return next(
        (
            _source(c)
            for c in _cells(_chapter_of(exercise.label))
            if c["cell_type"] == "code" and f"def {exercise.function}(" in _source(c)
        ),
        None,
    )


def my_penalized_gradient(theta, X, y, alpha):
    return X.T @ (losses.sigmoid(X @ theta) - y) / len(y) + alpha * np.concatenate(
        [[0.0], theta[1:]]
    )


def my_features(model, X):
    import torch

    seen = []
    hooks = [
        m.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0]))
        for m in model.modules()
        if isinstance(m, torch.nn.Linear)
    ]
    model.eval()
    try:
        with torch.no_grad():
            model(torch.as_tensor(X, dtype=torch.float32))
    finally:
        for hook in hooks:
            hook.remove()
    return seen[-1].numpy().astype(np.float64)


#: our solutions of the exercises that other authors are adding to chapter 9
REFERENCE = {
    "ch9-ex-penalized-gradient": my_penalized_gradient,
    "ch9-ex-features-hook": my_features,
}


def _book_solution(exercise):
    """The function the book's solution defines, compiled from the notebook's own
    solution cell; until the chapter has the exercise, this file's reference solution.
    """
    source = _solution_cell(exercise)
    if source is None:
        return REFERENCE[exercise.label]
    tree = ast.parse(source)
    defs = [
        node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.Import))
    ]
    namespace = {"np": np, "losses": losses}
    exec(  # the book's own solution code
        compile(ast.Module(body=defs, type_ignores=[]), exercise.label, "exec"),
        namespace,
    )
    return namespace[exercise.function]


def _check(label, function, **kwargs):
    return getattr(exercises, EXERCISES[label].checker)(function, **kwargs)


# ------------------------------------------------------------------------- the checkers
@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_checker_accepts_the_books_own_solution(label, capsys):
    exercise = EXERCISES[label]
    feedback = _check(label, _book_solution(exercise))
    out = capsys.readouterr().out
    assert feedback and out.startswith(f"✓ {exercise.checker}")
    assert "passed all" in out


def _naive_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _naive_softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _forward(
    X,
    coefs,
    intercepts,
    hidden=np.tanh,
    output_tanh=False,
    softmax=lambda Z: losses.softmax(Z, axis=1),
):
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1], strict=True):
        a = hidden(a @ W.T + b)
    z = a @ coefs[-1].T + intercepts[-1]
    return softmax(np.tanh(z) if output_tanh else z)


def _grad(t, X, y):
    return X.T @ (losses.sigmoid(X @ t) - y) / len(y)


def _pen(t):
    return np.concatenate([[0.0], t[1:]])


def _torch_features(
    eval_mode=True, no_grad=True, output=False, convert=True, last=False
):
    """A wrong ``my_features``: each flag off (or ``output``/``last`` on) is one
    mistake."""
    import torch

    def features(model, X):
        seen = []
        linears = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
        hooks = [
            m.register_forward_hook(lambda module, inputs, out: seen.append(inputs[0]))
            for m in (linears[-1:] if last else linears)
        ]
        if eval_mode:
            model.eval()
        with torch.no_grad() if no_grad else torch.enable_grad():
            logits = model(torch.as_tensor(X, dtype=torch.float32))
        for hook in hooks:
            hook.remove()
        result = logits if output else seen[-1]
        return result.numpy().astype(np.float64) if convert else result

    return features


WRONG = {
    "check_softplus": [
        (lambda z: np.log(1 + np.exp(z)), "only e^(-|z|)"),  # overflows
        (
            lambda z: np.maximum(z, 0) + np.log(1 + np.exp(-np.abs(z))),
            "log1p",
        ),  # inaccurate
        (lambda z: np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z))), "sign of z"),
    ],
    "check_predict_proba": [
        (lambda X, t: losses.sigmoid(X @ t[1:]), "intercept is missing"),
        (lambda X, t: losses.sigmoid(-(t[0] + X @ t[1:])), "sign of z"),
        (lambda X, t: _naive_sigmoid(t[0] + X @ t[1:]), "e^(-|z|)"),
    ],
    "check_neuron": [
        (lambda X, w, b: losses.sigmoid(X @ w), "bias b is missing"),
        (lambda X, w, b: X @ w + b, "apply the sigmoid"),
        (lambda X, w, b: _naive_sigmoid(X @ w + b), "e^(-|z|)"),
    ],
    "check_gradient": [
        (lambda t, X, y: -_grad(t, X, y), "opposite sign"),
        (lambda t, X, y: len(y) * _grad(t, X, y), "divide the sum"),
        (lambda t, X, y: X.T @ (_naive_sigmoid(X @ t) - y) / len(y), "e^(-|z|)"),
        (lambda t, X, y: _grad(t, X, y)[:, None], "not a column"),
    ],
    "check_softmax": [
        (_naive_softmax, "subtracted from every logit"),
        (lambda Z: losses.softmax(Z, axis=0), "normalised each column"),
    ],
    "check_layer": [
        (lambda X, W, b: losses.softmax(X @ W.T, axis=1), "biases b are missing"),
        (lambda X, W, b: losses.softmax(X @ W + b, axis=1), "one row per class"),
        (lambda X, W, b: _naive_softmax(X @ W.T + b), "subtracted from every logit"),
    ],
    "check_cross_entropy": [
        (
            lambda Z, y: np.mean(
                np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), y]
            ),
            "row maximum",
        ),
        (
            lambda Z, y: np.sum(losses.logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]),
            "not the sum",
        ),
        (
            lambda Z, y: (
                -np.mean(losses.logsumexp(Z, axis=1) - Z[np.arange(len(y)), y])
            ),
            "negative",
        ),
    ],
    "check_poisson_irls": [
        (
            lambda X, y, n_iter=25: np.linalg.lstsq(X, np.log(y + 1), rcond=None)[0],
            "least squares on log(y + 1)",
        ),
        (lambda X, y, n_iter=25: np.zeros(X.shape[1]), "weighted least-squares"),
    ],
    "check_forward": [
        (
            lambda X, C, B: _forward(X, C, B, hidden=lambda z: z),
            "hidden layers need the tanh",
        ),
        (
            lambda X, C, B: _forward(X, C, B, output_tanh=True),
            "output layer has no tanh",
        ),
        (
            lambda X, C, B: _forward(X, C, B, softmax=_naive_softmax),
            "subtracted from every logit",
        ),
    ],
    "check_penalized_gradient": [
        (lambda t, X, y, a: -(_grad(t, X, y) + a * _pen(t)), "opposite sign"),
        (lambda t, X, y, a: _grad(t, X, y) + a * t, "intercept theta[0] is penalised"),
        (lambda t, X, y, a: _grad(t, X, y) + 2 * a * _pen(t), "twice too large"),
        (
            lambda t, X, y, a: len(y) * _grad(t, X, y) + a * _pen(t),
            "*mean* cross-entropy",
        ),
        (lambda t, X, y, a: _grad(t, X, y) - a * _pen(t), "*adds* the penalty"),
        (lambda t, X, y, a: _grad(t, X, y) + a * _pen(t) / len(y), "divided by N"),
        (lambda t, X, y, a: _grad(t, X, y), "penalty's part is missing"),
        (
            lambda t, X, y, a: X.T @ (_naive_sigmoid(X @ t) - y) / len(y) + a * _pen(t),
            "e^(-|z|)",
        ),
    ],
    "check_features": [
        (_torch_features(output=True), "logits"),
        (_torch_features(convert=False), "numpy array of float64"),
        (lambda model, X: my_features(model, X).astype(np.float32), "float64"),
        (_torch_features(eval_mode=False), "still in training mode"),
        (_torch_features(no_grad=False), "without gradient tracking"),
        (_torch_features(last=True), "order they were created"),
        (lambda model, X: model[:-1](X), "convert X first"),
    ],
}


@pytest.mark.parametrize("checker", sorted(WRONG))
def test_checker_rejects_typical_wrong_answers_with_a_specific_hint(checker, capsys):
    assert len(WRONG[checker]) >= 2
    for wrong, hint in WRONG[checker]:
        feedback = getattr(exercises, checker)(wrong)
        out = capsys.readouterr().out
        assert not feedback and out.startswith(f"✗ {checker}"), out
        assert hint in out, f"{checker}: expected the hint {hint!r} in:\n{out}"
        assert "hint: " in out


def test_every_checker_is_in_the_registry_and_reports_an_unfinished_stub(capsys):
    checkers = {name for name in exercises.__all__ if name.startswith("check_")}
    assert checkers == {e.checker for e in EXERCISES.values()}

    def stub(*args):
        raise NotImplementedError("your answer here")

    for name in sorted(checkers):
        assert not getattr(exercises, name)(stub)
        assert "not implemented yet" in capsys.readouterr().out


def _hints(label):
    hidden = spec(label)
    return [
        hidden.hint,
        hidden.overflow_hint,
        hidden.type_hint,
        *(d.hint for d in hidden.diagnoses),
        *(h for _, h in hidden.raised),
    ]


@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_no_hint_prints_the_answer(label):
    """Hints name the mistake; none spells out a formula, an update or the reference."""
    forbidden = [
        "X^T",
        "X.T",
        "@",
        "sigma(X theta) - y",
        "companion.losses.sigmoid",
        "(y - mu)",
        "sqrt(mu",
        "np.exp(",
        "register_forward_hook",
        ".eval()",
        "tanh(a",
        "logsumexp",
    ]
    for hint in _hints(label):
        assert not [f for f in forbidden if f in hint], (label, hint)


def test_feedback_never_shows_the_solution(capsys):
    """The printed feedback on a wrong answer must not contain the solution's code."""
    for exercise in EXERCISES.values():
        source = _solution_cell(exercise) or inspect.getsource(
            REFERENCE[exercise.label]
        )
        body = [
            line.strip()
            for line in source.splitlines()[1:]
            if len(line.strip()) > 15 and not line.startswith(("from", "check"))
        ]
        _check(exercise.label, lambda *args: 0.0)
        out = capsys.readouterr().out
        assert not any(line in out for line in body), exercise.label


def test_penalized_gradient_reference_is_the_finite_difference_gradient():
    """The checker's expected values against central differences of J_alpha itself."""
    for case in spec("ch9-ex-penalized-gradient").cases:
        theta, X, y, alpha = case.args

        def J(t, X=X, y=y, alpha=alpha):
            return losses.binary_cross_entropy(X @ t, y) + alpha / 2 * np.sum(
                t[1:] ** 2
            )

        h = 1e-6 * max(1.0, np.abs(theta).max())
        fd = [
            (J(theta + h * e) - J(theta - h * e)) / (2 * h) for e in np.eye(len(theta))
        ]
        np.testing.assert_allclose(case.expected, fd, rtol=1e-5, atol=1e-6)


def test_features_checker_leaves_the_callers_torch_random_state_alone(capsys):
    import torch

    torch.manual_seed(0)
    before = torch.rand(3)
    torch.manual_seed(0)
    exercises.check_features(my_features)
    assert torch.equal(torch.rand(3), before)


# ------------------------------------------------------------------------ bad functions
@pytest.mark.parametrize(
    "function, message",
    [
        (
            None,
            "my_softplus is None, not a function: define it with `def my_softplus(z):`",
        ),
        (3.0, "my_softplus is a float (3.0), not a function"),
        (np.zeros(3), "is a numpy.ndarray (array([0., 0., 0.])), not a function"),
        (lambda z, w: z, "cannot be called with the 1 arguments the exercise passes"),
        (lambda: 0, "the exercise defines my_softplus(z)"),
        (lambda z: None, "returned None (is the `return` statement missing?)"),
        (lambda z: "log(1 + e^z)", "returned a str, not an array of numbers"),
        (lambda z: {"z": z}, "returned a dict, not an array of numbers"),
        (
            lambda z: np.zeros((2, 2)),
            "returned an array of shape (2, 2); expected shape (12,)",
        ),
        (lambda z: z * np.nan, "returned inf or NaN"),
        (lambda z: 1 / 0, "raised ZeroDivisionError"),
    ],
)
def test_a_clear_message_for_what_is_not_the_function_asked_for(
    function, message, capsys
):
    assert not exercises.check_softplus(function)
    out = capsys.readouterr().out
    assert out.startswith("✗ check_softplus: ") and message in out, out
    assert "Traceback" not in out


def _loop_swallowing_exceptions(z):
    while True:
        try:
            z = z + 1
        except Exception:  # the point of the test
            pass


def _loop_with_bare_except(z):
    while True:
        try:
            time.sleep(0.01)
        except:  # noqa: E722 - the point of the test
            pass


def _loop_in_c(z):
    a = np.ones((1500, 1500))
    while True:
        a = np.linalg.inv(a @ a.T + np.eye(1500))


def _segfault(z):
    import ctypes

    return ctypes.string_at(0)


@pytest.mark.parametrize(
    "function, message",
    [
        (_loop_swallowing_exceptions, "did not return within 1 s on random arguments"),
        (_loop_with_bare_except, "did not return within 1 s"),
        (_loop_in_c, "did not return within 1 s"),
        (
            lambda z: __import__("os")._exit(3),
            (
                "ended its process on random arguments (hidden case 1 of 5) (the "
                "process exited with code 3)"
            ),
        ),
        (_segfault, "(the process was killed by SIGSEGV)"),
        (lambda z: sys.exit(), "raised SystemExit"),
    ],
)
def test_a_function_that_loops_crashes_or_exits_gets_a_message(
    function, message, capsys
):
    assert not exercises.check_softplus(function, time_limit=1)
    out = capsys.readouterr().out
    assert message in out, out


def test_what_the_function_prints_is_shown_and_its_changes_stay_in_the_child(capsys):
    calls = []

    def noisy(z):
        calls.append(z)
        print("debugging", z.shape)
        return losses.softplus(z)

    assert exercises.check_softplus(noisy)
    out = capsys.readouterr().out
    assert out.count("debugging") == 5 and "debugging (3, 4)" in out
    assert calls == []  # each hidden case ran in a copy of the process


def test_the_alarm_stops_a_loop_that_swallows_exceptions_where_fork_is_not_used():
    start = time.monotonic()
    outcome = timelimit.run_with_alarm(_loop_swallowing_exceptions, (np.zeros(3),), 0.5)
    assert outcome.status == "timeout" and time.monotonic() - start < 30
    assert (
        timelimit.run_with_alarm(losses.softplus, (np.zeros(3),), 5).status
        == "returned"
    )


def test_a_loop_is_stopped_inside_a_jupyter_kernel():
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(
                "import torch\nfrom companion.exercises import check_softplus\n\ndef "
                "my_softplus(z):\n    while True:\n        try:\n            pass\n    "
                "    except Exception:\n            "
                "pass\n\ncheck_softplus(my_softplus, time_limit=1)"
            )
        ]
    )
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    text = "".join(o.get("text", "") for o in nb.cells[0].outputs)
    expected = "✗ check_softplus: my_softplus did not return within 1 s"
    assert expected in text, nb.cells[0]


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {"status": "won"},
        {"status": "returned", "kind": 3},
        {"status": "returned", "shape": [2], "value": [1.0]},
        {"status": "returned", "shape": [-1]},
        {"status": "returned", "shape": "2"},
        {"status": "returned", "shape": [2], "value": ["a", "b"]},
        {"status": "returned", "shape": [1], "value": [[1.0]]},
    ],
)
def test_an_outcome_is_rebuilt_only_from_well_formed_data(data):
    with pytest.raises(ValueError):
        checking.Outcome.from_dict(data)


def test_an_outcome_survives_the_trip_as_json():
    outcome = timelimit.run_case(
        losses.softplus, (np.array([[-800.0, 0.0, 1e-300]]),), 5
    )
    back = checking.Outcome.from_dict(json.loads(json.dumps(outcome.to_dict())))
    assert (
        back.status == "returned" and back.shape == (1, 3) and back.dtype == "float64"
    )
    assert np.array_equal(
        back.value, losses.softplus(np.array([[-800.0, 0.0, 1e-300]]))
    )


# -------------------------------------------------------- the exercises of each chapter
def _exercises(path):
    text = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")
    return re.findall(r"```\{exercise\}\n:label: (\S+)\n\n\*\((\w+)\.\)\*", text), text


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_has_a_derivation_a_checked_coding_exercise_and_an_exploration(
    path,
):
    found, text = _exercises(path)
    kinds = [kind for _, kind in found]
    assert len(found) >= 3 and {"Derivation", "Coding", "Explore"} <= set(kinds), found
    for label, kind in found:
        assert f"```{{solution-start}} {label}" in text, (
            f"{label} has no gated solution"
        )
        if kind == "Coding":
            assert label in EXERCISES, f"{label}: a coding exercise without a checker"


def test_exercise_labels_are_unique_and_every_one_is_listed_for_instructors():
    labels = [label for path in CHAPTERS for label, _ in _exercises(path)[0]]
    assert len(labels) == len(set(labels))
    instructors = (BOOK / "instructors.md").read_text(encoding="utf-8")
    missing = [label for label in labels if f"{{ref}}`{label}`" not in instructors]
    assert not missing, f"exercises not referenced from book/instructors.md: {missing}"
