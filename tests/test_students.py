"""Student notebooks keep no solution, have a stub and a checker cell for every coding
exercise, run top to bottom; the command that writes them never overwrites the book and
says in one line what is wrong with its folders."""

import json
import re
from pathlib import Path

import pytest

from companion.cli import main
from companion.exercises import EXERCISES
from companion.students import stub_cells, student_notebook, write_student_notebooks

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("[0-9][0-9]_*.ipynb"))
_DIRECTIVE = re.compile(
    r"(```\{solution-start\}[^\n]*\n(?::[^\n]*\n)*```|```\{solution-end\}\n```)"
)


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _source(cell):
    return "".join(cell["source"])


def _exercises(path):
    text = "\n".join(_source(c) for c in _cells(path) if c["cell_type"] == "markdown")
    return re.findall(r"```\{exercise\}\n:label: (\S+)\n\n\*\((\w+)\.\)\*", text)


def _split_solutions(path):
    """The book's solutions (prose and code) and everything outside them, as two
    strings."""
    inside_parts, outside_parts, inside = [], [], False
    for cell in _cells(path):
        parts = (
            [_source(cell)]
            if cell["cell_type"] == "code"
            else _DIRECTIVE.split(_source(cell))
        )
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
    return [
        line.strip()
        for line in _split_solutions(path)[0].splitlines()
        if len(line.strip()) > 25
    ]


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("students")
    write_student_notebooks(BOOK, out)
    return out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_notebook_keeps_no_solution_and_has_a_stub_for_every_exercise(
    path, student_dir
):
    student = json.loads((student_dir / path.name).read_text(encoding="utf-8"))
    text = "\n".join(_source(c) for c in student["cells"])
    stubs = "\n".join(
        _source(c) for label, _ in _exercises(path) for c in stub_cells(label)
    )
    outside = (
        _split_solutions(path)[1] + "\n" + stubs
    )  # lines a student version may contain
    leaked = [
        line for line in _solution_lines(path) if line in text and line not in outside
    ]
    assert not leaked, f"solution text survives: {leaked[:3]}"
    assert "solution-start" not in text and "solution-end" not in text
    for label, kind in _exercises(path):
        assert f"# Exercise {label}: your answer here" in text
        if kind == "Coding":
            exercise = EXERCISES[label]
            raising = 'raise NotImplementedError("your answer here")'
            assert f"def {exercise.signature}:\n    {raising}" in text
            assert f"{exercise.checker}({exercise.function})" in text
    # the cells that replace solutions carry no outputs; any other cell is the book's
    book_sources = {_source(c) for c in _cells(path)}
    for cell in student["cells"]:
        if cell["cell_type"] == "code" and _source(cell) not in book_sources:
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_student_notebook_runs_top_to_bottom(path, student_dir):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(student_dir / path.name, as_version=4)
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(student_dir)}},
    ).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, [f"{e.ename}: {e.evalue}" for e in errors]
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    for label, kind in _exercises(path):
        if kind == "Coding":
            exercise = EXERCISES[label]
            assert (
                f"✗ {exercise.checker}: {exercise.function} is not implemented yet"
                in printed
            )


def test_a_stub_for_every_registered_exercise_even_before_a_chapter_has_it():
    for label, exercise in EXERCISES.items():
        stub, check = (_source(c) for c in stub_cells(label))
        assert stub.startswith(f"# Exercise {label}: your answer here")
        assert f"def {exercise.signature}:" in stub
        assert check.endswith(f"{exercise.checker}({exercise.function})")


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


@pytest.mark.parametrize(
    "args, message",
    [
        (["students", "{tmp}/file"], "{tmp}/file is a file, not a folder"),
        (
            ["students", "{tmp}/file/handout"],
            "cannot create {tmp}/file/handout: {tmp}/file is a file, not a folder",
        ),
        (
            ["students", "{tmp}/handout", "--book", "{tmp}"],
            "no chapter notebooks (NN_*.ipynb) in {tmp}",
        ),
        (["students", "{tmp}/handout", "--book", "{tmp}/nowhere"], "is not a folder"),
        (["students", "{tmp}/handout", "--book", "{tmp}/file"], "is not a folder"),
    ],
)
def test_student_command_says_in_one_line_what_is_wrong(
    args, message, tmp_path, capsys
):
    (tmp_path / "file").write_text("not a folder")
    tmp = tmp_path.resolve()
    assert main([a.format(tmp=tmp) for a in args]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith("error: ") and captured.err.count("\n") == 1
    assert message.format(tmp=tmp) in captured.err and "Traceback" not in captured.err
    assert not (tmp / "handout").exists()


def test_an_unclosed_solution_is_an_error():
    nb = {
        "cells": [
            {
                "cell_type": "markdown",
                "metadata": {},
                "source": "```{solution-start} x\n:class: dropdown\n```\ntext",
            }
        ],
        "metadata": {},
    }
    with pytest.raises(ValueError, match="no matching"):
        student_notebook(nb)
