"""The teaching kit: every checker accepts the book's own solution and rejects typical wrong answers with
the right hint; student notebooks keep no solution, run top to bottom, and the command that writes them
never overwrites the book; every chapter has its derivation, coding and exploration exercises."""

import ast
import json
import re
from pathlib import Path

import numpy as np
import pytest

from companion import exercises, losses
from companion.exercises import EXERCISES
from companion.students import _stubs, main, student_notebook, write_student_notebooks

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"])


def _chapter_of(label):
    return next(p for p in CHAPTERS if p.name.startswith(f"{int(label[2:label.index('-')]):02d}_"))


def _book_solution(exercise):
    """The function the book's solution defines, compiled from the notebook's own solution cell."""
    cell = next(c for c in _cells(_chapter_of(exercise.label)) if c["cell_type"] == "code" and f"def {exercise.function}(" in _source(c))
    tree = ast.parse(_source(cell))
    defs = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
    namespace = {"np": np, "losses": losses}
    exec(compile(ast.Module(body=defs, type_ignores=[]), exercise.label, "exec"), namespace)
    return namespace[exercise.function]


# ----------------------------------------------------------------------------- the checkers
@pytest.mark.parametrize("label", sorted(EXERCISES))
def test_checker_accepts_the_books_own_solution(label, capsys):
    exercise = EXERCISES[label]
    feedback = getattr(exercises, exercise.checker)(_book_solution(exercise))
    out = capsys.readouterr().out
    assert feedback and out.startswith(f"✓ {exercise.checker}") and "passed all" in out


def _naive_sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def _naive_softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _forward(X, coefs, intercepts, hidden=np.tanh, output_tanh=False, softmax=lambda Z: losses.softmax(Z, axis=1)):
    a = X
    for W, b in zip(coefs[:-1], intercepts[:-1]):
        a = hidden(a @ W.T + b)
    z = a @ coefs[-1].T + intercepts[-1]
    return softmax(np.tanh(z) if output_tanh else z)


WRONG = {
    "check_softplus": [
        (lambda z: np.log(1 + np.exp(z)), "only e^(-|z|)"),                         # overflows
        (lambda z: np.maximum(z, 0) + np.log(1 + np.exp(-np.abs(z))), "log1p"),      # inaccurate for tiny values
        (lambda z: np.maximum(-z, 0) + np.log1p(np.exp(-np.abs(z))), "sign of z"),   # sign error
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
        (lambda t, X, y: X.T @ (y - losses.sigmoid(X @ t)) / len(y), "opposite sign"),
        (lambda t, X, y: X.T @ (losses.sigmoid(X @ t) - y), "divide the sum"),
        (lambda t, X, y: X.T @ (_naive_sigmoid(X @ t) - y) / len(y), "e^(-|z|)"),
    ],
    "check_softmax": [
        (_naive_softmax, "subtracted from every logit"),
        (lambda Z: losses.softmax(Z, axis=0), "normalised each column"),
    ],
    "check_layer": [
        (lambda X, W, b: losses.softmax(X @ W.T, axis=1), "biases b are missing"),
        (lambda X, W, b: losses.softmax(X @ W + b, axis=1), "one row per class"),   # W not transposed
        (lambda X, W, b: _naive_softmax(X @ W.T + b), "subtracted from every logit"),
    ],
    "check_cross_entropy": [
        (lambda Z, y: np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), y]), "row maximum"),
        (lambda Z, y: np.sum(losses.logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]), "not the sum"),
        (lambda Z, y: -np.mean(losses.logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]), "negative"),
    ],
    "check_poisson_irls": [
        (lambda X, y, n_iter=25: np.linalg.lstsq(X, np.log(y + 1), rcond=None)[0], "least squares on log(y + 1)"),
        (lambda X, y, n_iter=25: np.zeros(X.shape[1]), "weighted least-squares"),
    ],
    "check_forward": [
        (lambda X, C, B: _forward(X, C, B, hidden=lambda z: z), "hidden layers need the tanh"),
        (lambda X, C, B: _forward(X, C, B, output_tanh=True), "output layer has no tanh"),
        (lambda X, C, B: _forward(X, C, B, softmax=_naive_softmax), "subtracted from every logit"),
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
        assert "expected:" in out or "floating-point error" in out or "raised" in out


def test_every_checker_is_in_the_registry_and_reports_an_unfinished_stub(capsys):
    checkers = {name for name in exercises.__all__ if name.startswith("check_")}
    assert checkers == {e.checker for e in EXERCISES.values()}

    def stub(*args):
        raise NotImplementedError("your answer here")

    for name in sorted(checkers):
        assert not getattr(exercises, name)(stub)
        assert "not implemented yet" in capsys.readouterr().out


def test_feedback_never_shows_the_solution(capsys):
    """The printed feedback on a wrong answer must not contain the book's solution code."""
    for exercise in EXERCISES.values():
        cell = next(c for c in _cells(_chapter_of(exercise.label)) if c["cell_type"] == "code" and f"def {exercise.function}(" in _source(c))
        body = [line.strip() for line in _source(cell).splitlines()[1:] if len(line.strip()) > 15 and not line.startswith(("from", "check"))]
        getattr(exercises, exercise.checker)(lambda *args: 0.0)
        out = capsys.readouterr().out
        assert not any(line in out for line in body), exercise.label


# ----------------------------------------------------------------------------- the exercises of each chapter
def _exercises(path):
    text = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")
    return re.findall(r"```\{exercise\}\n:label: (\S+)\n\n\*\((\w+)\.\)\*", text), text


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_chapter_has_a_derivation_a_checked_coding_exercise_and_an_exploration(path):
    found, text = _exercises(path)
    kinds = [kind for _, kind in found]
    assert len(found) >= 3 and {"Derivation", "Coding", "Explore"} <= set(kinds), found
    for label, kind in found:
        assert f"```{{solution-start}} {label}" in text, f"{label} has no gated solution"
        if kind == "Coding":
            assert label in EXERCISES, f"{label}: a coding exercise without a checker in companion.exercises"


def test_exercise_labels_are_unique_and_every_one_is_listed_for_instructors():
    labels = [label for path in CHAPTERS for label, _ in _exercises(path)[0]]
    assert len(labels) == len(set(labels))
    instructors = (BOOK / "instructors.md").read_text(encoding="utf-8")
    missing = [label for label in labels if f"{{ref}}`{label}`" not in instructors]
    assert not missing, f"exercises not referenced from book/instructors.md: {missing}"


# ----------------------------------------------------------------------------- student notebooks
_DIRECTIVE = re.compile(r"(```\{solution-start\}[^\n]*\n(?::[^\n]*\n)*```|```\{solution-end\}\n```)")


def _split_solutions(path):
    """The book's solutions (prose and code) and everything outside them, as two strings."""
    inside_parts, outside_parts, inside = [], [], False
    for cell in _cells(path):
        parts = [_source(cell)] if cell["cell_type"] == "code" else _DIRECTIVE.split(_source(cell))
        for part in parts:
            if part.startswith("```{solution-start}"):
                inside = True
            elif part.startswith("```{solution-end}"):
                inside = False
            else:
                (inside_parts if inside else outside_parts).append(part)
    return "\n".join(inside_parts), "\n".join(outside_parts)


def _solution_lines(path):
    """Lines of the book's solutions long enough to be recognisable."""
    return [line.strip() for line in _split_solutions(path)[0].splitlines() if len(line.strip()) > 25]


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("students")
    write_student_notebooks(BOOK, out)
    return out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_notebook_keeps_no_solution_and_has_a_stub_for_every_exercise(path, student_dir):
    student = json.loads((student_dir / path.name).read_text(encoding="utf-8"))
    text = "\n".join(_source(c) for c in student["cells"])
    stubs = "\n".join(_source(c) for label, _ in _exercises(path)[0] for c in _stubs(label))
    outside = _split_solutions(path)[1] + "\n" + stubs          # lines the student version may legitimately contain
    leaked = [line for line in _solution_lines(path) if line in text and line not in outside]
    assert not leaked, f"solution text survives: {leaked[:3]}"
    assert "solution-start" not in text and "solution-end" not in text
    for label, kind in _exercises(path)[0]:
        assert f"# Exercise {label}: your answer here" in text
        if kind == "Coding":
            exercise = EXERCISES[label]
            assert f'def {exercise.signature}:\n    raise NotImplementedError("your answer here")' in text
            assert f"{exercise.checker}({exercise.function})" in text
    # the cells that replace solutions carry no outputs; every other cell is one of the book's own
    book_sources = {_source(c) for c in _cells(path)}
    for cell in student["cells"]:
        if cell["cell_type"] == "code" and _source(cell) not in book_sources:
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_notebook_runs_top_to_bottom(path, student_dir):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(student_dir / path.name, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(student_dir)}}).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "stream")
    for label, kind in _exercises(path)[0]:
        if kind == "Coding":
            assert f"✗ {EXERCISES[label].checker}: {EXERCISES[label].function} is not implemented yet" in printed


def test_student_command_refuses_the_book_folder_and_existing_files(tmp_path, capsys):
    assert main(["students", str(BOOK / "students")]) == 2
    assert "refusing to write" in capsys.readouterr().err
    assert not (BOOK / "students").exists()
    assert main(["students", str(tmp_path)]) == 0
    first = (tmp_path / CHAPTERS[0].name).read_text()
    assert main(["students", str(tmp_path)]) == 2
    assert "already exist" in capsys.readouterr().err
    (tmp_path / CHAPTERS[0].name).write_text("edited")
    assert main(["students", str(tmp_path), "--force"]) == 0
    assert (tmp_path / CHAPTERS[0].name).read_text() == first


def test_an_unclosed_solution_is_an_error():
    nb = {"cells": [{"cell_type": "markdown", "metadata": {}, "source": "```{solution-start} x\n:class: dropdown\n```\ntext"}],
          "metadata": {}}
    with pytest.raises(ValueError, match="no matching"):
        student_notebook(nb)
