"""Declarative parameter validation, as scikit-learn does it: each estimator lists, for
every parameter, the values it accepts (``parameter_constraints``), and
:func:`validate_params` checks them all at the start of ``fit``, with a message that
names the parameter, what it accepts and what it got.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

__all__ = ["Interval", "Options", "InstanceOf", "validate_params"]


@dataclass(frozen=True)
class Interval:
    """A number in an interval: ``Interval(int, 1, None)`` is an integer >= 1 (booleans
    excluded), ``Interval(float, 0, None, closed="neither")`` a positive finite real."""

    kind: type
    low: float | None
    high: float | None
    closed: str = "both"  # "both", "left", "right" or "neither"

    def accepts(self, value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        value = float(value)
        if not math.isfinite(value):
            return False
        if self.low is not None and (
            value < self.low
            or (value == self.low and self.closed in ("right", "neither"))
        ):
            return False
        return not (
            self.high is not None
            and (
                value > self.high
                or (value == self.high and self.closed in ("left", "neither"))
            )
        )

    def __str__(self) -> str:
        kind = "an integer" if self.kind is int else "a finite number"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = (
            "]" if self.closed in ("both", "right") and self.high is not None else ")"
        )
        return f"{kind} in {left}{low}, {high}{right}"


@dataclass(frozen=True)
class Options:
    """One of a few values, e.g. ``Options(("newton", "gd"))``."""

    values: tuple

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str | bool) and value in self.values

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in self.values)


@dataclass(frozen=True)
class InstanceOf:
    """An instance of one of ``types``, described as ``name``."""

    types: tuple
    name: str

    def accepts(self, value: Any) -> bool:
        return isinstance(value, self.types) and not (
            bool not in self.types and isinstance(value, bool)
        )

    def __str__(self) -> str:
        return self.name


def validate_params(estimator: Any) -> None:
    """Raise ``ValueError`` for the first parameter of ``estimator`` that its class's
    ``parameter_constraints`` do not accept (``None`` in a constraint list accepts
    ``None``)."""
    for name, constraints in type(estimator).parameter_constraints.items():
        value = getattr(estimator, name)
        if any(
            c is None and value is None or c is not None and c.accepts(value)
            for c in constraints
        ):
            continue
        accepted = " or ".join("None" if c is None else str(c) for c in constraints)
        raise ValueError(
            f"{type(estimator).__name__}: {name} must be {accepted}; got {value!r}"
        )
