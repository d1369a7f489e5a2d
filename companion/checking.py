r"""How the exercise checkers judge: hidden cases, the outcome of each, and the
feedback.

A checker in :mod:`companion.exercises` describes its exercise by a ``Spec``: hidden
``Case`` objects with their reference results, the ``Diagnosis`` of each typical mistake
it recognises, and hints. Checking is two steps kept apart. ``evaluate`` calls the
student's function on every case, each under a time limit (see
:mod:`companion.timelimit`), and records what it did as an ``Outcome``: plain data,
never an object of the student's. ``verdict`` compares the outcomes with the reference
results and writes the feedback: which case failed, its input, the expected and the
returned values, and a hint that names the mistake. The grader
(:mod:`companion.grading`) runs the first step in the student's kernel and the second in
its own process, so nothing a notebook does to its kernel can change a verdict.
"""

from __future__ import annotations

import copy
import inspect
import reprlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .timelimit import Outcome, run_case, type_name

__all__ = [
    "TIME_LIMIT",
    "Case",
    "Diagnosis",
    "Exercise",
    "Feedback",
    "Outcome",
    "Spec",
    "check",
    "close",
    "evaluate",
    "verdict",
]

TIME_LIMIT = 5.0  #: seconds each hidden case may take


@dataclass
class Feedback:
    """The outcome of a check: ``passed``, and the message (printed by ``check``)."""

    checker: str
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"Feedback({self.checker}: {'passed' if self.passed else 'not passed'})"

    def _ipython_display_(self) -> None:
        """Nothing more to show in a notebook: the checker has printed its message."""


@dataclass
class Exercise:
    """A coding exercise: its label in the book, the function to write, its checker."""

    label: str
    signature: str  #: e.g. ``"my_softplus(z)"``
    checker: str  #: e.g. ``"check_softplus"``

    @property
    def function(self) -> str:
        return self.signature.split("(")[0]

    @property
    def parameters(self) -> list[str]:
        inside = self.signature[self.signature.index("(") + 1 : -1]
        return [p.split("=")[0].strip() for p in inside.split(",") if p.strip()]


@dataclass
class Case:
    """One hidden test: a description, the arguments and the reference result;
    ``inputs`` summarises the arguments for the feedback, ``extra`` holds what diagnoses
    compare with."""

    description: str
    args: tuple
    expected: Any
    inputs: str = ""
    extra: dict = field(default_factory=dict)


@dataclass
class Diagnosis:
    """A typical mistake: ``test(got, case)`` recognises it, ``hint`` names it."""

    test: Callable[[np.ndarray, Case], Any]  #: a truth value
    hint: str


@dataclass
class Spec:
    """What a checker knows: cases, diagnoses, hints, tolerances. ``raised`` pairs a
    text found in an exception (``"Type: message"``) with its hint; ``float64_array``
    demands a numpy array of float64, and ``type_hint`` is the hint when something else
    came back."""

    cases: list[Case]
    diagnoses: list[Diagnosis]
    hint: str
    overflow_hint: str
    rtol: float = 1e-9
    atol: float = 1e-12
    raised: list[tuple[str, str]] = field(default_factory=list)
    float64_array: bool = False
    type_hint: str = ""


def evaluate(
    exercise: Exercise, function: Any, spec: Spec, time_limit: float = TIME_LIMIT
) -> list[Outcome]:
    """The outcome of each hidden case, up to the first that did not return a value."""
    if not callable(function):
        return [Outcome("not_callable", type_name(function), reprlib.repr(function))]
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # no signature to inspect (a builtin): just call it
        signature = None
    try:
        if signature is not None:
            signature.bind(*spec.cases[0].args)
    except TypeError:
        return [Outcome("signature", detail=f"{exercise.function}{signature}")]
    outcomes = []
    for case in spec.cases:
        outcomes.append(run_case(function, copy.deepcopy(case.args), time_limit))
        if outcomes[-1].status != "returned":
            break
    return outcomes


def check(
    exercise: Exercise, function: Any, spec: Spec, time_limit: float = TIME_LIMIT
) -> Feedback:
    """``evaluate`` then ``verdict``, printing what the function printed and the
    feedback."""
    outcomes = evaluate(exercise, function, spec, time_limit)
    for outcome in outcomes:
        if outcome.printed:
            print(outcome.printed, end="" if outcome.printed.endswith("\n") else "\n")
    name = getattr(function, "__name__", "")
    feedback = verdict(exercise, spec, outcomes, name if name.isidentifier() else None)
    print(feedback.message)
    return feedback


# -------------------------------------------------------------------------- the verdict
_NOT_WRITTEN = (
    "is not implemented yet: replace the line `raise NotImplementedError(...)` with "
    "your code, run that cell, then run this one again."
)
_LOOP_HINT = "hint: does a loop never end, or a recursion never stop?"
_FLOATING_POINT = ("FloatingPointError", "OverflowError", "RuntimeWarning")


def verdict(
    exercise: Exercise, spec: Spec, outcomes: list[Outcome], name: str | None = None
) -> Feedback:
    """Judge the outcomes against the spec's reference results; the feedback names the
    first case that failed, its input, the expected and returned values, and a hint."""
    first = outcomes[0] if outcomes else Outcome("crashed", detail="no result")
    problem = _problem_with_function(exercise, first)
    lines = [problem] if problem else _first_failure(exercise, spec, outcomes)
    passed = lines is None
    if lines is None:
        n = len(spec.cases)
        lines = [f"passed all {n} hidden cases", "(random, edge and extreme inputs)."]
    head = f"{'✓' if passed else '✗'} {exercise.checker}: {name or exercise.function} "
    return Feedback(exercise.checker, passed, head + "\n  ".join(lines))


def _problem_with_function(exercise: Exercise, outcome: Outcome) -> str | None:
    """A problem found before any case could run: the function is missing, is not a
    function, takes other parameters, or is not written yet."""
    define = f"`def {exercise.signature}:`"
    if outcome.status == "missing":
        found = f" (found {outcome.detail}: renamed?)" if outcome.detail else ""
        return (
            f"is not defined when the notebook has run{found}: the exercise needs "
            f"a function of exactly that name, {define}"
        )
    if outcome.status == "not_callable":
        what = f"a {outcome.kind} ({outcome.detail})"
        what = "None" if outcome.kind == "NoneType" else what
        return f"is {what}, not a function: define it with {define} and run that cell."
    if outcome.status == "signature":
        return (
            f"is {outcome.detail}, which cannot be called with the "
            f"{len(exercise.parameters)} arguments the exercise passes: the exercise "
            f"defines {exercise.signature}."
        )
    if outcome.status == "raised" and outcome.kind == "NotImplementedError":
        return _NOT_WRITTEN
    return None


def _first_failure(
    exercise: Exercise, spec: Spec, outcomes: list[Outcome]
) -> list[str] | None:
    for number, case in enumerate(spec.cases, 1):
        where = f"{case.description} (hidden case {number} of {len(spec.cases)})"
        if number > len(outcomes):
            return [f"the check stopped before {where}: no result came back."]
        outcome, inputs = outcomes[number - 1], f"input:    {_inputs(exercise, case)}"
        detail = outcome.detail
        if outcome.status == "timeout":
            stopped = f"did not return within {detail} s on {where}, so it was stopped."
            return [stopped, inputs, _LOOP_HINT]
        if outcome.status != "returned" and outcome.status != "raised":
            ended = f"ended its process on {where} ({detail}) instead of returning"
            return [f"{ended}: a function should not exit or end the process.", inputs]
        if outcome.status == "raised" and outcome.kind in _FLOATING_POINT:
            error = f"failed on {where}: a floating-point error ({detail})."
            return [error, inputs, f"hint: {spec.overflow_hint}"]
        if outcome.status == "raised":
            text = f"{outcome.kind}: {detail}"
            hint = next((h for pattern, h in spec.raised if pattern in text), spec.hint)
            return [f"raised {text} on {where}", inputs, f"hint: {hint}"]
        problem, hint = _returned_problem(spec, outcome, case)
        if problem is not None:
            lines = [f"{problem} on {where}.", inputs]
            lines.append(f"expected: {_show(case.expected)}")
            if outcome.value is not None:
                lines.append(f"got:      {_show(outcome.value)}")
                recognised = (
                    d.hint for d in spec.diagnoses if _recognises(d, outcome, case)
                )
                hint = hint or next(recognised, "")
            return [*lines, f"hint: {hint or spec.hint}"]
    return None


def _returned_problem(
    spec: Spec, outcome: Outcome, case: Case
) -> tuple[str | None, str]:
    """What is wrong with a returned value (``None`` if nothing), and a hint if the kind
    of problem has its own."""
    asked = "where the exercise asks for a numpy array of float64"
    if outcome.kind == "NoneType":
        return "returned None (is the `return` statement missing?)", ""
    if spec.float64_array and outcome.kind != "numpy.ndarray":
        return f"returned a {outcome.kind}, {asked}", spec.type_hint
    if spec.float64_array and outcome.dtype != "float64":
        return f"returned an array of {outcome.dtype}, {asked}", spec.type_hint
    expected = np.asarray(case.expected, dtype=float)
    if outcome.shape is not None and outcome.shape != expected.shape:
        shapes = f"shape {outcome.shape}; expected shape {expected.shape}"
        return f"returned an array of {shapes}", ""
    got = outcome.value
    if got is None:
        because = f" ({outcome.detail})" if outcome.detail else ""
        return f"returned a {outcome.kind}, not an array of numbers{because}", ""
    if not np.all(np.isfinite(got)):
        return "returned inf or NaN", ""
    if np.allclose(got, expected, rtol=spec.rtol, atol=spec.atol):
        return None, ""
    if expected.ndim == 0:
        return "returned a wrong value", ""
    error = np.abs(got - expected) - spec.rtol * np.abs(expected)
    worst = tuple(int(i) for i in np.unravel_index(np.argmax(error), expected.shape))
    return f"returned wrong values (largest error at index {worst})", ""


def _recognises(diagnosis: Diagnosis, outcome: Outcome, case: Case) -> bool:
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bool(diagnosis.test(np.asarray(outcome.value), case))
    except Exception:  # a diagnosis that fails does not apply
        return False


def close(a: Any, b: Any, rtol: float = 1e-6) -> bool:
    """Same shape and equal to ``rtol`` (for diagnoses: is ``a`` this wrong answer?)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=rtol, atol=1e-10))


# ---------------------------------------------------------------------------- reporting
def summary(value: Any) -> str:
    """A short description of an argument: small arrays in full, large ones by shape
    and range."""
    if isinstance(value, list | tuple) and all(
        isinstance(v, np.ndarray) for v in value
    ):
        return "[" + ", ".join(f"array {v.shape}" for v in value) + "]"
    if not isinstance(value, np.ndarray):
        return reprlib.repr(value)
    if value.size <= 8:
        return np.array2string(value, precision=4, separator=", ")
    low, high = value.min(), value.max()
    return f"array of shape {value.shape}, entries from {low:.3g} to {high:.3g}"


def _inputs(exercise: Exercise, case: Case) -> str:
    if case.inputs:
        return case.inputs
    names = exercise.parameters[: len(case.args)]
    names += [f"argument {i + 1}" for i in range(len(names), len(case.args))]
    pairs = zip(names, case.args, strict=True)
    return ", ".join(f"{n} = {summary(a)}" for n, a in pairs)


def _show(value: Any) -> str:
    with np.printoptions(precision=5, threshold=8, edgeitems=3, linewidth=88):
        return str(np.asarray(value)).replace("\n", "\n            ")
