"""One submitted notebook in a fresh kernel, and the outcomes of its exercises.

``run_notebook`` copies the student's folder to a temporary one and runs the notebook
there, top to bottom, in a fresh kernel (nbclient) whose path starts with a pristine
copy of this package (as it was when the grader started: a notebook that edits the
installed files changes nothing for the next one). Each cell has a time limit: a cell
that raises is recorded and the next one runs; a cell that loops is interrupted, and if
the interrupt does not stop it (a loop in C code, or one that catches
``KeyboardInterrupt``) the notebook runs again in a new kernel without that cell. Then,
for each exercise, a last cell re-imports the checkers and calls ``report_outcomes``,
which evaluates the student's function on the hidden cases (each in a child process with
its own time limit) and prints the outcomes as one JSON line after a random nonce. The
grader reads that line, checks that the kernel's hidden inputs are its own
(``fingerprint``), and judges the outcomes itself: the kernel's word is taken for
nothing but what the function returned.
"""

from __future__ import annotations

import copy
import difflib
import functools
import hashlib
import inspect
import json
import os
import secrets
import shutil
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .checking import Outcome, Spec, evaluate
from .exercises import EXERCISES, spec

if TYPE_CHECKING:
    from .grading import Options

__all__ = [
    "claims",
    "fingerprint",
    "package_files",
    "read_notebook",
    "reference",
    "report_outcomes",
    "run_notebook",
]

_ATTEMPTS = 3  # fresh kernels per notebook, when a cell hangs one
_PROBE_SECONDS = 10
_TIMEOUT = "CompanionCellTimeout"
_PACKAGE = Path(__file__).resolve().parent
_GRADE_CELL = """\
def _companion_grade():
    import importlib, sys
    for name in [m for m in sys.modules if m.split(".")[0] == "companion"]:
        del sys.modules[name]
    importlib.invalidate_caches()
    from companion.notebook_runs import report_outcomes
    report_outcomes({label!r}, globals(), {nonce!r}, {time_limit!r})
_companion_grade()
del _companion_grade
"""


# ------------------------------------------------------------------------ in the kernel
def fingerprint(hidden: Spec) -> str:
    """A digest of the hidden cases' numeric inputs: the kernel's must equal the
    grader's."""
    digest = hashlib.sha256()

    def add(value: Any) -> None:
        if isinstance(value, np.ndarray):
            digest.update(f"{value.dtype}{value.shape}".encode())
            digest.update(np.ascontiguousarray(value).tobytes())
        elif isinstance(value, (list, tuple)):
            for item in value:
                add(item)
        elif isinstance(value, (int, float, str, np.number)):
            digest.update(repr(value).encode())
        else:
            digest.update(type(value).__name__.encode())

    for case in hidden.cases:
        add(case.args)
    return digest.hexdigest()


@functools.cache
def reference(label: str) -> Spec:
    """The hidden cases and reference results, built once in the grader's process."""
    return spec(label)


def report_outcomes(label: str, namespace: dict, nonce: str, time_limit: float) -> None:
    """Run in the student's kernel: evaluate the function the notebook defined and print
    the outcomes as one JSON line after ``nonce``."""
    exercise, hidden = EXERCISES[label], spec(label)
    function = namespace.get(exercise.function, _MISSING)
    if function is _MISSING:
        defined = [
            n
            for n, v in namespace.items()
            if inspect.isfunction(v)
            and v.__module__ == "__main__"
            and not n.startswith("_")
        ]
        close = difflib.get_close_matches(exercise.function, defined, n=3, cutoff=0.6)
        outcomes = [Outcome("missing", detail=", ".join(close))]
    else:
        outcomes = evaluate(exercise, function, hidden, time_limit)
    payload = {
        "inputs": fingerprint(hidden),
        "outcomes": [o.to_dict() for o in outcomes],
    }
    print(nonce + json.dumps(payload), flush=True)


_MISSING = object()


# ------------------------------------------------------------------------- one notebook
class _KernelLost(Exception):
    """The kernel died or stopped answering: the notebook must start again."""


def read_notebook(path: Path) -> Any:
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nb = nbformat.read(path, as_version=4)
            nbformat.validate(nb)
        return nb
    except Exception as exc:  # an untrusted file: any failure means "not a notebook"
        text = str(exc).strip().splitlines() or [type(exc).__name__]
        raise ValueError(text[0][:200]) from None


def claims(path: Path, nb: Any, label: str) -> bool:
    exercise = EXERCISES[label]
    if path.name.startswith(f"{int(label[2 : label.index('-')]):02d}_"):
        return True
    sources = "\n".join(cell.source for cell in nb.cells)
    return f"def {exercise.function}(" in sources or f"# Exercise {label}" in sources


def _cell_name(nb: Any, index: int) -> str:
    first = (nb.cells[index].source.strip().splitlines() or [""])[0][:50]
    return f"cell {index + 1} (`{first}`)"


class _Run:
    """A notebook in a fresh kernel: run its cells, then ask for each exercise's
    outcomes.

    A cell that runs too long is interrupted by nbclient, which then answers for it with
    an error named ``_TIMEOUT`` (without that, nbclient's reader of the cell's output
    would stay behind and swallow the output of the cells after it)."""

    def __init__(self, nb: Any, cwd: Path, env: dict, options: Options) -> None:
        from nbclient import NotebookClient

        self.nb, self.size, self.options = copy.deepcopy(nb), len(nb.cells), options
        self.env = env
        self.reply: dict[str, Any] = {}
        self.client = NotebookClient(
            self.nb,
            kernel_name=options.kernel,
            allow_errors=True,
            interrupt_on_timeout=True,
            error_on_timeout={"ename": _TIMEOUT, "evalue": "", "traceback": []},
            shutdown_kernel="immediate",
            resources={"metadata": {"path": str(cwd)}},
            on_cell_executed=self._executed,
        )

    def _executed(self, cell: Any, cell_index: int, execute_reply: Any) -> None:
        self.reply = execute_reply

    def _execute(self, index: int, seconds: float) -> bool:
        """Run cell ``index``; False if it was stopped after ``seconds``."""
        from nbclient.exceptions import DeadKernelError

        self.reply, self.client.timeout = {}, int(seconds + 0.999)
        try:
            self.client.execute_cell(self.nb.cells[index], index)
        except DeadKernelError:
            raise _KernelLost("died") from None
        return self.reply.get("content", {}).get("ename") != _TIMEOUT

    def cell(self, index: int, seconds: float) -> str:
        """Run one cell: ``ok``, ``interrupted`` (stopped, the kernel answers again), or
        raise ``_KernelLost`` (the kernel died or no longer answers)."""
        from nbformat.v4 import new_code_cell

        if self._execute(index, seconds):
            return "ok"
        self.nb.cells.append(new_code_cell("None"))  # does the kernel answer again?
        if self._execute(len(self.nb.cells) - 1, min(_PROBE_SECONDS, seconds)):
            return "interrupted"
        raise _KernelLost("stopped answering")

    def ask(self, label: str) -> list[Outcome] | str:
        """The outcomes of ``label``'s hidden cases, or why there are none."""
        from nbformat.v4 import new_code_cell

        nonce, hidden = secrets.token_hex(16), reference(label)
        self.nb.cells.append(
            new_code_cell(
                _GRADE_CELL.format(
                    label=label, nonce=nonce, time_limit=self.options.time_limit
                )
            )
        )
        seconds = 60 + 2 * self.options.time_limit * len(hidden.cases)
        if self.cell(len(self.nb.cells) - 1, seconds) == "interrupted":
            return f"the check did not finish within {seconds:g} s"
        outputs = self.nb.cells[-1].outputs
        text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
        lines = [
            line[len(nonce) :] for line in text.splitlines() if line.startswith(nonce)
        ]
        if len(lines) != 1:
            error = next((o for o in outputs if o.output_type == "error"), None)
            why = f" ({error.ename}: {error.evalue})" if error else ""
            return (
                f"the notebook's kernel sent back no result{why}: did the notebook "
                "change print, sys.stdout or the companion package?"
            )
        try:
            data = json.loads(lines[0])
            if len(data["outcomes"]) > len(hidden.cases):
                raise ValueError("too many outcomes")
            outcomes = [Outcome.from_dict(d) for d in data["outcomes"]]
        except (ValueError, KeyError, TypeError):
            return "the notebook's kernel sent back a malformed result"
        if data["inputs"] != fingerprint(hidden):
            return (
                "the hidden cases in the notebook's kernel differ from the grader's: "
                "does the kernel run another version of companion, or did the notebook "
                "change numpy?"
            )
        return outcomes

    def errors(self, skip: set[int]) -> list[str]:
        """The errors the notebook's own cells raised (not those that were stopped)."""
        found = [
            f"{_cell_name(self.nb, i)} raised {o.ename}: {str(o.evalue)[:150]}"
            for i, c in enumerate(self.nb.cells[: self.size])
            if c.cell_type == "code" and i not in skip
            for o in c.get("outputs", [])
            if o.output_type == "error"
        ]
        return found[:5] + (
            [f"and {len(found) - 5} more errors"] if len(found) > 5 else []
        )


def _attempt(
    run: _Run, labels: list[str], skip: set[int], results: dict, notes: list[str]
) -> bool:
    """One fresh kernel: run the cells not in ``skip``, then check the labels not yet in
    ``results``. False when the kernel was lost and the notebook must run again."""
    with run.client.setup_kernel(env=run.env):
        for index in range(run.size):
            if run.nb.cells[index].cell_type != "code" or index in skip:
                continue
            try:
                state = run.cell(index, run.options.cell_timeout)
            except _KernelLost as lost:
                skip.add(index)
                notes.append(
                    f"{_cell_name(run.nb, index)}: the kernel {lost}, so the "
                    "notebook was run again without this cell"
                )
                return False
            if state == "interrupted":
                skip.add(index)
                notes.append(
                    f"{_cell_name(run.nb, index)} was stopped after "
                    f"{run.options.cell_timeout:g} s (an endless loop?)"
                )
        notes.extend(run.errors(skip))
        for label in labels:
            if label in results:
                continue
            try:
                results[label] = run.ask(label)
            except _KernelLost as lost:
                results[label] = f"the kernel {lost} while the checker ran"
                return False
    return True


def run_notebook(
    path: Path, nb: Any, labels: list[str], folder: Path, options: Options
) -> tuple[dict, list[str]]:
    results: dict[str, list[Outcome] | str] = {}
    notes: list[str] = []
    skip: set[int] = set()
    with tempfile.TemporaryDirectory(prefix="companion-grade-") as tmp:
        work = Path(tmp) / "work"
        shutil.copytree(folder, work, symlinks=True)
        paths = [_pristine_package(Path(tmp) / "package"), os.environ.get("PYTHONPATH")]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in paths if p))
        cwd = work / path.relative_to(folder).parent
        for _ in range(_ATTEMPTS):
            if _attempt(_Run(nb, cwd, env, options), labels, skip, results, notes):
                break
        else:
            notes.append(f"gave up after {_ATTEMPTS} fresh kernels")
    for label in labels:
        results.setdefault(label, "the notebook could not be run to the end")
    return results, notes


def package_files() -> dict[Path, bytes]:
    """Every file of the package (subpackages too, caches not), by relative path."""
    files = sorted(p for p in _PACKAGE.rglob("*") if p.is_file())
    return {
        p.relative_to(_PACKAGE): p.read_bytes()
        for p in files
        if "__pycache__" not in p.parts
    }


_SNAPSHOT = package_files()


def _pristine_package(where: Path) -> str:
    """Write the package as it was when the grader started; return the folder to import
    it from (a notebook that edits the installed files changes nothing for the next
    one)."""
    for name, data in _SNAPSHOT.items():
        (where / "companion" / name).parent.mkdir(parents=True, exist_ok=True)
        (where / "companion" / name).write_bytes(data)
    return str(where)
