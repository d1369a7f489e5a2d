r"""The display guard of the book's derivations: a formula shown as *derived* is SymPy's
own expression, and it is evaluated numerically before the chapter ends.

:func:`equation` shows ``lhs = expr`` typeset by SymPy and refuses typed LaTeX dressed
as a SymPy symbol; :func:`lambdify` is ``sympy.lambdify`` that also records which
displayed derivations it evaluates; :func:`assert_displayed_evaluated`, the last cell of
every chapter that displays one, fails if some derivation was shown but never evaluated.
(They are also available as ``companion.symbolic.equation`` and so on.)
"""

from __future__ import annotations

import re

import sympy as sp

__all__ = ["DISPLAYED", "equation", "lambdify", "assert_displayed_evaluated"]

#: Every SymPy expression a chapter has displayed as a derived result, with its
#: left-hand side, and whether it has since been evaluated numerically (see `lambdify`).
DISPLAYED: list[dict] = []

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(_[A-Za-z0-9]+)*$")


def _check_is_sympy(expr: object) -> None:
    """Refuse anything but SymPy's expressions, and symbols named with typed LaTeX."""
    if not isinstance(expr, (sp.Basic, sp.MatrixBase)):
        raise TypeError(
            f"equation() displays SymPy expressions only, not {type(expr).__name__}: "
            "a typed formula belongs in the Markdown, where the reader sees it is typed"
        )
    for symbol in expr.free_symbols:
        if not _NAME.match(symbol.name):
            raise ValueError(
                f"the symbol name {symbol.name!r} is typed LaTeX dressed as a SymPy "
                "symbol: derive the expression with SymPy, or write it in Markdown"
            )


def equation(lhs: str, expr: sp.Basic | sp.MatrixBase, given: bool = False):
    r"""Display ``lhs = expr`` in a notebook, the right-hand side typeset by SymPy.

    ``lhs`` is the name of what is shown (typed LaTeX such as ``a(\eta)``); ``expr``
    must be a SymPy expression. A derived result (the default) is recorded in
    :data:`companion.display.DISPLAYED` until it is evaluated numerically through
    :func:`lambdify`; pass ``given=True`` for a starting point of a derivation (a
    density as usually written), which is not a result. Returns an
    ``IPython.display.Math`` object.
    """
    from IPython.display import Math

    _check_is_sympy(expr)
    if not given:
        DISPLAYED.append({"lhs": lhs, "expr": expr, "evaluated": False})
    return Math(f"{lhs} = {sp.latex(expr)}")


def _contains(outer: sp.Basic | sp.MatrixBase, inner: sp.Basic | sp.MatrixBase) -> bool:
    if outer == inner:
        return True
    parts = list(outer) if isinstance(outer, sp.MatrixBase) else [outer]
    if isinstance(inner, sp.MatrixBase):
        return False
    return any(
        part == inner or (isinstance(part, sp.Basic) and part.has(inner))
        for part in parts
    )


def lambdify(args, expr, modules: str = "numpy"):
    """``sympy.lambdify(args, expr, modules)``, which also records that every displayed
    derivation contained in ``expr`` is now evaluated numerically (the chapters then
    compare the values with the companion and an independent reference). A list or tuple
    of expressions is taken element by element.
    """
    items = list(expr) if isinstance(expr, (list, tuple)) else [expr]
    for entry in DISPLAYED:
        if any(
            _contains(item, entry["expr"])
            for item in items
            if isinstance(item, (sp.Basic, sp.MatrixBase))
        ):
            entry["evaluated"] = True
    return sp.lambdify(args, expr, modules)


def assert_displayed_evaluated() -> str:
    """Raise ``AssertionError`` naming every displayed derivation that was never
    evaluated numerically through :func:`lambdify`; return a one-line verdict otherwise.
    Each chapter ends with this call."""
    missing = [entry["lhs"] for entry in DISPLAYED if not entry["evaluated"]]
    assert not missing, (
        f"derived and displayed but never evaluated numerically: {missing}"
    )
    return f"all {len(DISPLAYED)} displayed derivations were evaluated numerically"
