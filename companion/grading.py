"""Marking submitted notebooks: ``python -m companion grade SUBMISSIONS --out DIR``.

``SUBMISSIONS`` holds one folder per student, named by the student's id, with the
notebooks that student handed in. A notebook is run if it contains a graded exercise: a
cell defining the exercise's function or carrying its ``# Exercise LABEL`` line, or a
file name starting with its chapter (``04_``). It runs top to bottom in its own fresh
kernel (nbclient), in a temporary copy of the student's folder, with a pristine copy of
this package first on the kernel's path, each cell under a time limit: a cell that
raises is recorded and the next one runs; a cell that loops is interrupted, and if the
interrupt does not stop it the notebook is run again in a new kernel without that cell.
Then a last cell re-imports the checkers and calls the student's function on each hidden
case (``checking.evaluate``: each case in a child process with its own time limit). Only
the outcomes come back, as JSON, and the grader judges them in its own process against
its own reference results (``checking.verdict``): it never runs student code itself, and
nothing a notebook does to its kernel can pass a wrong function.

It writes ``DIR/grades.csv`` (one row per student, one column per exercise with its
points, and the total) and ``DIR/feedback/STUDENT.md`` (each checker's message, and what
happened to each notebook).
"""

from __future__ import annotations

import csv
import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .checking import Feedback, Outcome, verdict
from .exercises import EXERCISES
from .notebook_runs import (
    claims,
    package_files,
    read_notebook,
    reference,
    run_notebook,
)

__all__ = ["Options", "Result", "grade", "grade_student"]


@dataclass
class Options:
    """What to grade: the exercises (the CSV's columns, in order), their points, the
    time limits (seconds per notebook cell, per hidden case) and the kernel to run."""

    exercises: list[str]
    points: dict[str, float] = field(default_factory=dict)
    cell_timeout: float = 120.0
    time_limit: float = 5.0
    kernel: str = "python3"

    def worth(self, label: str) -> float:
        return self.points.get(label, 1.0)


@dataclass
class Result:
    """One student's feedback per exercise, the notebook each came from, and notes."""

    student: str
    feedback: dict[str, Feedback] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def points(self, options: Options) -> dict[str, float]:
        return {
            label: options.worth(label) if self.feedback[label] else 0.0
            for label in options.exercises
        }


# ----------------------------------------------------------------------------- students
def _rank(feedback: Feedback, found: list[Outcome] | str) -> int:
    if feedback:
        return 2
    return (
        0 if isinstance(found, str) or not found or found[0].status == "missing" else 1
    )


def _judge(label: str, found: list[Outcome] | str) -> Feedback:
    """The grader's own verdict on the outcomes, or why there are none."""
    exercise = EXERCISES[label]
    if not isinstance(found, str):
        return verdict(exercise, reference(label), found)
    why = found if found.endswith(("?", ".")) else found + "."
    message = f"✗ {exercise.checker}: {exercise.function} could not be checked: {why}"
    return Feedback(exercise.checker, False, message)


def grade_student(folder: Path, options: Options) -> Result:
    """Grade every notebook in ``folder`` (the student's id is its name)."""
    result, unreadable = Result(folder.name), []
    best: dict[str, int] = {}
    notebooks = sorted(
        p for p in folder.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
    )
    if not notebooks:
        result.notes.append("no notebook (.ipynb) was handed in")
    for path in notebooks:
        name = str(path.relative_to(folder))
        try:
            nb = read_notebook(path)
        except ValueError as exc:
            result.notes.append(f"{name}: not a valid notebook ({exc}); not run")
            unreadable.append(name)
            continue
        labels = [label for label in options.exercises if claims(path, nb, label)]
        if not labels:
            result.notes.append(
                f"{name}: contains none of the graded exercises; not run"
            )
            continue
        found, notes = run_notebook(path, nb, labels, folder, options)
        result.notes += [f"{name}: {note}" for note in notes]
        for label, outcome in found.items():
            feedback = _judge(label, outcome)
            if label not in best or _rank(feedback, outcome) > best[label]:
                best[label] = _rank(feedback, outcome)
                result.feedback[label], result.where[label] = feedback, name
    for label in options.exercises:
        if label not in result.feedback:
            exercise = EXERCISES[label]
            unread = (
                f"; {', '.join(unreadable)} could not be read" if unreadable else ""
            )
            result.feedback[label] = Feedback(
                exercise.checker,
                False,
                (
                    f"✗ {exercise.checker}: no notebook handed in contains exercise "
                    f"{label} (a cell with `def {exercise.function}(` or "
                    f"`# Exercise {label}`{unread})."
                ),
            )
    return result


def _digest() -> str:
    digest = hashlib.sha256()
    for path, data in package_files().items():
        digest.update(str(path).encode() + data)
    return digest.hexdigest()


def grade(
    submissions: Path,
    out: Path,
    options: Options,
    force: bool = False,
    log: Any = print,
) -> list[Result]:
    """Grade every student folder in ``submissions``; write ``out/grades.csv`` and
    ``out/feedback/STUDENT.md``. ``ValueError`` says what is wrong with the folders."""
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if not submissions.is_dir():
        raise ValueError(
            f"{submissions} is not a folder: SUBMISSIONS must hold one folder "
            "per student"
        )
    if out == submissions or submissions in out.parents:
        raise ValueError(
            f"--out {out} is inside SUBMISSIONS: choose a folder outside it"
        )
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out} is a file, not a folder")
    if (out / "grades.csv").exists() and not force:
        raise ValueError(
            f"{out / 'grades.csv'} already exists; use --force to overwrite it"
        )
    students = sorted(
        p
        for p in submissions.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_"))
    )
    if not students:
        raise ValueError(
            f"no student folders in {submissions}: it must hold one folder per "
            "student, named by the student's id"
        )
    results, digest = [], _digest()
    for folder in students:
        result = grade_student(folder, options)
        if _digest() != digest:
            digest = _digest()
            result.notes.append(
                "while these notebooks ran, the files of the installed "
                "companion package changed (later kernels use a pristine "
                "copy, but check the installation)"
            )
            print(
                f"warning: {result.student}'s notebooks changed the companion "
                "package's files",
                file=sys.stderr,
            )
        results.append(result)
        total = sum(result.points(options).values())
        maximum = sum(map(options.worth, options.exercises))
        log(f"{result.student}: {total:g} of {maximum:g} points")
    _write(results, options, out)
    return results


def _write(results: list[Result], options: Options, out: Path) -> None:
    (out / "feedback").mkdir(parents=True, exist_ok=True)
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", *options.exercises, "total"])
        for result in results:
            points = result.points(options)
            writer.writerow(
                [
                    result.student,
                    *(f"{points[label]:g}" for label in options.exercises),
                    f"{sum(points.values()):g}",
                ]
            )
    for result in results:
        page = out / "feedback" / f"{result.student}.md"
        page.write_text(_page(result, options), encoding="utf-8")


def _page(result: Result, options: Options) -> str:
    """The student's feedback page, in Markdown: points, each message, the notebooks."""
    points = result.points(options)
    maximum = sum(map(options.worth, options.exercises))
    lines = [
        f"# Feedback for {result.student}",
        "",
        f"{sum(points.values()):g} of {maximum:g} points.",
        "",
        "| exercise | points | notebook |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {label} | {points[label]:g} / {options.worth(label):g} | "
        f"{result.where.get(label, '(none)')} |"
        for label in options.exercises
    ]
    for label in options.exercises:
        message = result.feedback[label].message
        fence = "`" * max(3, _longest_backticks(message) + 1)
        lines += ["", f"## {label}", "", f"{fence}text", message, fence]
    lines += ["", "## The notebooks", ""]
    lines += [f"- {note}" for note in result.notes] or [
        "- every notebook ran without error"
    ]
    return "\n".join(lines) + "\n"


def _longest_backticks(text: str) -> int:
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    return longest
