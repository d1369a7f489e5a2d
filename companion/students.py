"""Student notebooks: the chapters with every exercise's solution replaced by a cell for
the answer.

``python -m companion students OUT_DIR`` reads the chapter notebooks under ``book/`` and
writes, into ``OUT_DIR``, a copy of each in which every gated solution (from
``{solution-start}`` to ``{solution-end}``: its prose and its code cells, with their
outputs) is removed. In its place comes a stub cell: for a coding exercise the function
to write, raising ``NotImplementedError``, followed by a cell that calls the exercise's
checker from :mod:`companion.exercises`; for the others a cell marked "your answer
here". The instructor's sources are never touched: the command refuses to write into
``book/``, and refuses to overwrite existing files unless given ``--force``.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

from .exercises import EXERCISES

__all__ = ["stub_cells", "student_notebook", "write_student_notebooks"]

_START = re.compile(
    r"```\{solution-start\}[ \t]+(?P<label>\S+)[^\n]*\n(?::[^\n]*\n)*```[ \t]*\n?"
)
_END = re.compile(r"```\{solution-end\}[^\n]*\n```[ \t]*\n?")
_NOTE = (
    "*Student version.* The solutions of this chapter's exercises have been replaced "
    "by cells for your answers; a coding exercise ends with a cell that checks your "
    "function on hidden cases."
)


def _cell(kind: str, source: str) -> dict:
    cell: dict[str, Any] = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        cell.update(execution_count=None, outputs=[])
    return cell


def stub_cells(label: str) -> list[dict]:
    """The cells that replace the solution of exercise ``label``."""
    exercise = EXERCISES.get(label)
    if exercise is None:
        return [
            _cell(
                "code",
                f"# Exercise {label}: your answer here: code, or SymPy to check a "
                "derivation\n# (prose can go in a new Markdown cell).",
            )
        ]
    stub = (
        f"# Exercise {label}: your answer here, then run the next cell to check it.\n"
        f"def {exercise.signature}:\n"
        f'    raise NotImplementedError("your answer here")'
    )
    check = (
        f"from companion.exercises import {exercise.checker}\n\n"
        f"{exercise.checker}({exercise.function})"
    )
    return [_cell("code", stub), _cell("code", check)]


def _split_markdown(text: str, in_solution: bool) -> tuple[list[tuple[str, str]], bool]:
    """Cut a Markdown cell into ``("text", kept text)`` and ``("start", label)`` events,
    dropping the solution directives and everything between them; ``in_solution``
    carries over between cells."""
    events: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if in_solution:
            end = _END.search(text, pos)
            if end is None:
                return events, True
            pos, in_solution = end.end(), False
        else:
            start = _START.search(text, pos)
            if start is None:
                events.append(("text", text[pos:]))
                break
            events.append(("text", text[pos : start.start()]))
            events.append(("start", start.group("label")))
            pos, in_solution = start.end(), True
    return events, in_solution


def student_notebook(notebook: dict) -> dict:
    """A copy of ``notebook`` with every exercise's solution replaced by stub cells (see
    the module)."""
    out = copy.deepcopy(notebook)
    cells, in_solution = [], False
    for cell in notebook["cells"]:
        source = (
            "".join(cell["source"])
            if isinstance(cell["source"], list)
            else cell["source"]
        )
        if cell["cell_type"] != "markdown":
            if not in_solution:
                cells.append(copy.deepcopy(cell))
            continue
        events, in_solution = _split_markdown(source, in_solution)
        text = ""
        for kind, value in events:
            if kind == "text":
                text += value
                continue
            if text.strip():
                cells.append(_cell("markdown", text.strip("\n")))
            text = ""
            cells.extend(stub_cells(value))
        if text.strip():
            cells.append(_cell("markdown", text.strip("\n")))
    if in_solution:
        raise ValueError("a {solution-start} has no matching {solution-end}")
    if cells and cells[0]["cell_type"] == "markdown":
        cells.insert(1, _cell("markdown", _NOTE))
    for i, cell in enumerate(cells):
        cell["id"] = f"s{i:03d}"
        if isinstance(cell["source"], str):
            lines = cell["source"].split("\n")
            cell["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]
    out["cells"] = cells
    out["metadata"]["companion"] = {"student_version": True}
    return out


def _usable_folder(out_dir: Path) -> None:
    """``ValueError`` unless ``out_dir`` is a folder or can be created as one."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(
            f"{out_dir} is a file, not a folder: choose a folder for the "
            "student notebooks"
        )
    blocking = next((p for p in out_dir.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ValueError(f"cannot create {out_dir}: {blocking} is a file, not a folder")


def write_student_notebooks(
    book: Path, out_dir: Path, force: bool = False
) -> list[Path]:
    """Write the student version of every chapter notebook (``book/NN_*.ipynb``) into
    ``out_dir``. ``ValueError`` or ``FileExistsError`` say what is wrong with the
    folders."""
    book, out_dir = Path(book).resolve(), Path(out_dir).resolve()
    if not book.is_dir():
        raise ValueError(
            f"--book {book} is not a folder: give the book's folder of chapter "
            "notebooks"
        )
    chapters = sorted(book.glob("[0-9][0-9]_*.ipynb"))
    if not chapters:
        raise ValueError(
            f"no chapter notebooks (NN_*.ipynb) in {book}: --book must be the "
            "book's folder of chapter notebooks"
        )
    if out_dir == book or book in out_dir.parents:
        raise ValueError(
            f"refusing to write student notebooks into the book's own folder "
            f"{book}: choose another OUT_DIR"
        )
    _usable_folder(out_dir)
    targets = [out_dir / path.name for path in chapters]
    existing = [t for t in targets if t.exists()]
    if existing and not force:
        names = ", ".join(t.name for t in existing[:3]) + (
            " ..." if len(existing) > 3 else ""
        )
        raise FileExistsError(
            f"{len(existing)} file(s) already exist in {out_dir} ({names}); use "
            "--force to overwrite them"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for source, target in zip(chapters, targets, strict=True):
        notebook = json.loads(source.read_text(encoding="utf-8"))
        target.write_text(
            json.dumps(student_notebook(notebook), indent=1, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
    return targets
