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

    test: Callable[[np.ndarray, Case], bool]
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
def verdict(
    exercise: Exercise, spec: Spec, outcomes: list[Outcome], name: str | None = None
) -> Feedback:
    """Judge the outcomes against the spec's reference results; the feedback names the
    first case that failed, its input, the expected and returned values, and a hint."""
    name = name or exercise.function
    first = (
        outcomes[0] if outcomes else Outcome("crashed", detail="no result came back")
    )
    lines = _problem_with_function(exercise, first) or _first_failure(
        exercise, spec, outcomes
    )
    passed = lines is None
    if passed:
        lines = [
            (
                f"passed all {len(spec.cases)} hidden cases (random, edge and extreme "
                "inputs)."
            )
        ]
    head = f"{'✓' if passed else '✗'} {exercise.checker}: {name} "
    return Feedback(exercise.checker, passed, head + "\n  ".join(lines))


def _problem_with_function(exercise: Exercise, outcome: Outcome) -> list[str] | None:
    """Problems found before any case could run: missing, not a function, wrong
    parameters, not written yet."""
    define = f"`def {exercise.signature}:`"
    if outcome.status == "missing":
        found = f" (found {outcome.detail}: renamed?)" if outcome.detail else ""
        return [
            (
                f"is not defined when the notebook has run{found}: the exercise needs a "
                f"function of exactly that name, {define}"
            )
        ]
    if outcome.status == "not_callable":
        what = (
            "None"
            if outcome.kind == "NoneType"
            else f"a {outcome.kind} ({outcome.detail})"
        )
        return [
            f"is {what}, not a function: define it with {define} and run that cell."
        ]
    if outcome.status == "signature":
        return [
            (
                f"is {outcome.detail}, which cannot be called with the "
                f"{len(exercise.parameters)} arguments the exercise passes: "
                f"the exercise defines {exercise.signature}."
            )
        ]
    if outcome.status == "raised" and outcome.kind == "NotImplementedError":
        return [
            (
                "is not implemented yet: replace the line `raise NotImplementedError(...)` "
                "with your code, run that cell, then run this one again."
            )
        ]
    return None


def _first_failure(
    exercise: Exercise, spec: Spec, outcomes: list[Outcome]
) -> list[str] | None:
    for number, case in enumerate(spec.cases, 1):
        where = f"{case.description} (hidden case {number} of {len(spec.cases)})"
        if number > len(outcomes):
            return [f"the check stopped before {where}: no result came back."]
        outcome, inputs = outcomes[number - 1], f"input:    {_inputs(exercise, case)}"
        if outcome.status == "timeout":
            return [
                (
                    f"did not return within {outcome.detail} s on {where}, so it was "
                    "stopped."
                ),
                inputs,
                (
                    "hint: is there a loop whose condition never becomes "
                    "false, or a recursion that never ends?"
                ),
            ]
        if outcome.status in ("crashed", "missing", "not_callable", "signature"):
            return [
                (
                    f"ended its process on {where} ({outcome.detail}) instead of "
                    "returning: a function should not call exit() or end the process."
                ),
                inputs,
            ]
        if outcome.status == "raised":
            if outcome.kind in (
                "FloatingPointError",
                "OverflowError",
                "RuntimeWarning",
            ):
                return [
                    f"failed on {where}: a floating-point error ({outcome.detail}).",
                    inputs,
                    f"hint: {spec.overflow_hint}",
                ]
            text = f"{outcome.kind}: {outcome.detail}"
            hint = next((h for pattern, h in spec.raised if pattern in text), spec.hint)
            return [f"raised {text} on {where}", inputs, f"hint: {hint}"]
        problem, hint = _returned_problem(spec, outcome, case)
        if problem is not None:
            lines = [
                f"{problem} on {where}.",
                inputs,
                f"expected: {_show(case.expected)}",
            ]
            if outcome.value is not None:
                lines.append(f"got:      {_show(outcome.value)}")
                hint = hint or next(
                    (
                        d.hint
                        for d in spec.diagnoses
                        if _recognises(d, outcome.value, case)
                    ),
                    None,
                )
            return lines + [f"hint: {hint or spec.hint}"]
    return None


def _returned_problem(
    spec: Spec, outcome: Outcome, case: Case
) -> tuple[str | None, str]:
    """What is wrong with a returned value (``None`` if nothing), and a hint if the kind
    of problem has its own."""
    if outcome.kind == "NoneType":
        return "returned None (is the `return` statement missing?)", ""
    if spec.float64_array and outcome.kind != "numpy.ndarray":
        return (
            (
                f"returned a {outcome.kind}, where the exercise asks for a numpy array of "
                "float64"
            ),
            spec.type_hint,
        )
    if spec.float64_array and outcome.dtype != "float64":
        return (
            (
                f"returned an array of {outcome.dtype}, where the exercise asks for "
                "float64"
            ),
            spec.type_hint,
        )
    expected = np.asarray(case.expected, dtype=float)
    if outcome.shape is not None and outcome.shape != expected.shape:
        return (
            f"returned an array of shape {outcome.shape}; expected shape "
            f"{expected.shape}"
        ), ""
    got = outcome.value
    if got is None:
        because = f" ({outcome.detail})" if outcome.detail else ""
        return f"returned a {outcome.kind}, not an array of numbers{because}", ""
    if not np.all(np.isfinite(got)):
        return "returned inf or NaN", ""
    if not np.allclose(got, expected, rtol=spec.rtol, atol=spec.atol):
        if expected.ndim == 0:
            return "returned a wrong value", ""
        error = np.abs(got - expected) - spec.rtol * np.abs(expected)
        worst = tuple(
            int(i) for i in np.unravel_index(np.argmax(error), expected.shape)
        )
        return f"returned wrong values (largest error at index {worst})", ""
    return None, ""


def _recognises(diagnosis: Diagnosis, got: np.ndarray, case: Case) -> bool:
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return bool(diagnosis.test(got, case))
    except Exception:  # noqa: BLE001 - a diagnosis that fails does not apply
        return False


# ---------------------------------------------------------------------------- reporting
def summary(value: Any) -> str:
    """A short description of an argument: small arrays in full, large ones by shape and
    range."""
    if (
        isinstance(value, (list, tuple))
        and value
        and all(isinstance(v, np.ndarray) for v in value)
    ):
        return "[" + ", ".join(f"array {v.shape}" for v in value) + "]"
    if isinstance(value, np.ndarray):
        if value.size <= 8:
            return np.array2string(value, precision=4, separator=", ")
        return (
            f"array of shape {value.shape}, entries from {value.min():.3g} to "
            f"{value.max():.3g}"
        )
    return reprlib.repr(value)


def _inputs(exercise: Exercise, case: Case) -> str:
    if case.inputs:
        return case.inputs
    names = exercise.parameters[: len(case.args)]
    names += [f"argument {i + 1}" for i in range(len(names), len(case.args))]
    return ", ".join(f"{n} = {summary(a)}" for n, a in zip(names, case.args))


def _show(value: Any) -> str:
    with np.printoptions(precision=5, threshold=8, edgeitems=3, linewidth=88):
        return str(np.asarray(value)).replace("\n", "\n            ")
