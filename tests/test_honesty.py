"""Guards that make the book's promise mechanical (issue 11, 12, 15).

- A displayed derivation is SymPy's own expression: no typed LaTeX dressed as SymPy
  output (a LaTeX string through ``sp.Symbol`` and friends, or IPython's
  ``Math``/``Latex`` objects in a code cell).
- Every derivation a chapter displays is evaluated numerically: each chapter that
  displays one ends by calling ``symbolic.assert_displayed_evaluated()``, which fails if
  one was never lambdified.
- Numbers in prose are glued from code: no quantity typed into a chapter's Markdown.
- The book teaches the public API: no notebook, exercise solution or test touches an
  underscore attribute of a companion object.
- Verification code is collapsed: a cell that asserts is tagged ``hide-input`` and
  prints its verdict.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))
TESTS = sorted((ROOT / "tests").rglob("*.py"))


def _cells(path: Path) -> list[dict]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        src = cell["source"]
        cell["text"] = "".join(src) if isinstance(src, list) else src
    return cells


def _in_solution(cells: list[dict]) -> list[bool]:
    """For each cell, whether it lies inside a gated exercise solution (the state after
    the last ``{solution-start}`` or ``{solution-end}`` marker above it)."""
    inside, flags = False, []
    for cell in cells:
        flags.append(inside)
        if cell["cell_type"] == "markdown":
            for marker in re.findall(r"\{solution-(start|end)\}", cell["text"]):
                inside = marker == "start"
    return flags


def _python(source: str) -> str:
    """A code cell without IPython magics and shell escapes, so that ``ast`` can parse
    it."""
    return "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line
        for line in source.splitlines()
    )


# ---------- typed LaTeX dressed as SymPy
_SYMBOL_CALL = re.compile(
    r"\b(?:sp\.|sympy\.)?(Symbol|symbols|Function|Dummy|Wild|var)\(\s*r?([\"'])(.*?)\2",
    re.S,
)
_TYPED_DISPLAY = re.compile(
    r"\b(Math|Latex|display_latex|display_math|Markdown|display_markdown)\("
)


def typed_latex_problems(source: str) -> list[str]:
    problems = []
    for match in _SYMBOL_CALL.finditer(source):
        name = match.group(3)
        if re.search(r"[\\{}^ ]", name) and not re.fullmatch(r"[A-Za-z0-9_:, ]+", name):
            problems.append(
                f"{match.group(1)}({name!r}): typed LaTeX dressed as a SymPy symbol"
            )
    for match in _TYPED_DISPLAY.finditer(source):
        problems.append(
            f"{match.group(1)}(...) in a code cell: typed math belongs in the Markdown"
        )
    return problems


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_typed_latex_dressed_as_sympy_output(path):
    problems = [
        f"cell {i}: {p}"
        for i, c in enumerate(_cells(path))
        if c["cell_type"] == "code"
        for p in typed_latex_problems(c["text"])
    ]
    assert not problems, f"{path.name}:\n" + "\n".join(problems)


def test_the_typed_latex_guard_bites():
    assert typed_latex_problems(
        'equation("J", sp.Symbol(r"\\frac{1}{N} X^\\top (h - y)"))'
    )
    assert typed_latex_problems('display(Math(r"a = b"))')
    assert not typed_latex_problems('th = sp.symbols("theta0:3", real=True)')
    assert not typed_latex_problems('x = sp.Symbol("x_1", real=True)')


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_displayed_derivation_is_evaluated(path):
    code = [c["text"] for c in _cells(path) if c["cell_type"] == "code"]
    if not any("equation(" in src for src in code):
        return
    assert "assert_displayed_evaluated()" in code[-1], (
        f"{path.name} displays SymPy derivations with equation(): its last code cell "
        "must call symbolic.assert_displayed_evaluated(), which fails if one was "
        "never lambdified"
    )


# ---------- numbers typed into prose
_STRIP = [
    re.compile(r"```.*?```", re.S),  # fences: directives, code
    re.compile(r"\$\$.*?\$\$", re.S),  # display math
    re.compile(r"\\begin\{(\w+\*?)\}.*?\\end\{\1\}", re.S),
    re.compile(r"(?<!\\)\$[^$\n]+?(?<!\\)\$"),  # inline math
    re.compile(
        r"\{[\w:-]+\}`[^`]*`"
    ),  # roles: {glue:text}`x`, {cite}`x`, {eq}`x`, {numref}`x`
    re.compile(r"`[^`\n]*`"),  # inline code
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"^\s*:[\w-]+:.*$", re.M),  # directive options (:label:, :class:)
    re.compile(r"\(\w[\w-]*\)="),  # MyST targets
]
_QUANTITY = re.compile(
    r"(?<![\w.-])("
    r"\d+\.\d+"  # a decimal
    r"|\d+(?:\.\d+)?[eE][-+]?\d+"  # 1e-8
    r"|10\s*\^\s*\{?-?\d+|10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+"  # powers of ten
    r"|\d{1,3}(?:,\d{3})+|\d{3,}"  # counts of three or more digits
    r")(?![\w])"
)
#: Structural numbers that are not quantities computed by the code, with reasons.
ALLOWED_NUMBERS: dict[str, str] = {}


def typed_numbers(markdown: str) -> list[str]:
    text = markdown
    for pattern in _STRIP:
        text = pattern.sub(" ", text)
    return [
        m.group(1)
        for m in _QUANTITY.finditer(text)
        if m.group(1) not in ALLOWED_NUMBERS
    ]


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_no_numbers_typed_into_prose(path):
    found = [
        (i, n)
        for i, c in enumerate(_cells(path))
        if c["cell_type"] == "markdown"
        for n in typed_numbers(c["text"])
    ]
    assert not found, (
        f"{path.name}: numbers typed into the prose (glue them from the code that "
        "computes them): " + ", ".join(f"cell {i}: {n}" for i, n in found)
    )


def test_the_typed_number_guard_bites():
    assert typed_numbers("the data hold 569 tumours") == ["569"]
    assert typed_numbers("agree to 1e-8 and to 0.25") == ["1e-8", "0.25"]
    assert typed_numbers("to 10^-8 relative") == ["10^-8"]
    assert not typed_numbers(
        "agree to $10^{-8}$ on {glue:text}`ch4_n` rows; see {eq}`ch4-1` and `x[569]`"
    )
    assert not typed_numbers("chapter 4, exercise 2, the 32 students")


# ---------- private API
#: Underscore names that are public API of the standard library, with the reason.
PUBLIC_UNDERSCORE = {
    "_exit": "os._exit, the documented way for a child process to end at once",
}


def private_attributes(source: str) -> list[str]:
    """``obj._name`` attribute accesses and ``from companion... import _name`` (not
    dunders, not the standard library's public underscore names)."""
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr.startswith("_")
            and not node.attr.endswith("__")
            and node.attr not in PUBLIC_UNDERSCORE
        ):
            found.append(node.attr)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "companion"
        ):
            found += [a.name for a in node.names if a.name.startswith("_")]
            if any(part.startswith("_") for part in (node.module or "").split(".")):
                found.append(node.module or "")
    return found


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_notebooks_and_solutions_use_only_public_api(path):
    found = [
        f"cell {i}: .{a}"
        for i, c in enumerate(_cells(path))
        if c["cell_type"] == "code"
        for a in private_attributes(c["text"])
    ]
    assert not found, f"{path.name} touches private attributes: " + ", ".join(found)


@pytest.mark.parametrize("path", TESTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_tests_use_only_public_api(path):
    if (
        path.name == "test_honesty.py"
    ):  # this file quotes private names to test the guard itself
        return
    found = private_attributes(path.read_text(encoding="utf-8"))
    assert not found, f"{path.name} touches private attributes: {sorted(set(found))}"


def test_the_private_api_guard_bites():
    assert private_attributes("net._loss_grad(theta, X, Y)") == ["_loss_grad"]
    assert private_attributes("from companion.neurons import _Estimator") == [
        "_Estimator"
    ]
    assert not private_attributes(
        "net.loss_and_gradient(theta, X, Y); type(x).__name__"
    )


# ---------- verification cells
_VERIFIES = re.compile(r"^\s*assert\b|np\.testing\.|assert_allclose\(", re.M)


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_verification_cells_are_collapsed_with_a_verdict(path):
    cells = _cells(path)
    problems = []
    for i, (cell, solution) in enumerate(zip(cells, _in_solution(cells), strict=True)):
        if (
            cell["cell_type"] != "code"
            or solution
            or not _VERIFIES.search(cell["text"])
        ):
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "hide-input" not in tags and "remove-cell" not in tags:
            problems.append(f"cell {i} asserts but is not tagged hide-input")
        printed = "".join(
            "".join(o.get("text", ""))
            for o in cell.get("outputs", [])
            if o.get("name") == "stdout"
        )
        if "hide-input" in tags and not printed.strip():
            problems.append(f"cell {i} verifies silently: print a one-line verdict")
    assert not problems, f"{path.name}: " + "; ".join(problems)


# ---------- equations <-> functions
def _book_labels() -> set[str]:
    labels: set[str] = set()
    for path in sorted((ROOT / "book").glob("*.ipynb")) + sorted(
        (ROOT / "book").glob("*.md")
    ):
        text = path.read_text(encoding="utf-8").replace("\\n", "\n")
        labels |= set(re.findall(r"\$\$\s*\(([\w-]+)\)", text))
        labels |= set(re.findall(r":label:\s*([\w-]+)", text))
    return labels


def cited_labels(source: str) -> set[str]:
    """Equation labels a docstring cites with the ``:eq:`` role."""
    return set(re.findall(r":eq:`([\w-]+)`", source))


def test_every_equation_a_docstring_cites_exists_in_the_book():
    labels = _book_labels()
    missing = {
        f"{path.name}: {label}"
        for path in sorted((ROOT / "companion").glob("*.py"))
        for label in cited_labels(path.read_text(encoding="utf-8"))
        if label not in labels
    }
    assert not missing, (
        f"docstrings cite equations the book does not have: {sorted(missing)}"
    )


def test_the_equation_link_guard_bites():
    assert cited_labels("the gradient (:eq:`ch4-grad`) and :eq:`ch4-no-such`") == {
        "ch4-grad",
        "ch4-no-such",
    }
    assert "ch4-no-such" not in _book_labels()
