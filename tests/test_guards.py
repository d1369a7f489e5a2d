"""Guards that keep the book honest: notebooks stored executed in order, the table of
contents and the files under book/ in agreement, and pytest configured to collect only
tests/ and book/."""

import json
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
NOTEBOOKS = sorted(
    p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts
)


def _code_cells(path: Path) -> list[dict]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_stored_executed_in_order(path):
    cells = [c for c in _code_cells(path) if "".join(c["source"]).strip()]
    counts = [c["execution_count"] for c in cells]
    unexecuted = [i for i, n in enumerate(counts) if n is None]
    assert not unexecuted, (
        f"{path.name}: code cells {unexecuted} were never executed (nbval would "
        "compare nothing); run `make refresh`"
    )
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts} are not 1, 2, 3, ...: re-run top to "
        "bottom in a fresh kernel (`make refresh`)"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_has_no_stored_errors_and_no_timing_metadata(path):
    for c in _code_cells(path):
        for out in c.get("outputs", []):
            assert out["output_type"] != "error", (
                f"{path.name}: stored error {out.get('ename')}: {out.get('evalue')}"
            )
            assert out.get("name") != "stderr" or "Warning" not in "".join(
                out.get("text", "")
            ), f"{path.name}: stored warning on stderr: {''.join(out['text'])[:200]}"
        assert "execution" not in c.get("metadata", {}), (
            f"{path.name}: per-cell timing metadata; refresh with `make refresh`"
        )


def _toc_files() -> set[str]:
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    entries = re.findall(r"^\s*(?:-\s*)?(?:file|root):\s*([^\s#]+)", toc, flags=re.M)
    return {re.sub(r"\.(ipynb|md)$", "", e) for e in entries}


def test_toc_and_book_list_the_same_pages():
    pages = {
        str(p.relative_to(ROOT).with_suffix(""))
        for p in BOOK.rglob("*")
        if p.suffix in {".ipynb", ".md"} and ".ipynb_checkpoints" not in p.parts
    }
    listed = _toc_files()
    assert pages - listed == set(), (
        f"pages under book/ missing from _toc.yml: {sorted(pages - listed)}"
    )
    assert listed - pages == set(), (
        f"_toc.yml lists pages that do not exist: {sorted(listed - pages)}"
    )


def test_chapters_are_numbered_in_file_order():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    chapters = [
        re.sub(r"^book/", "", c)
        for c in re.findall(r"file:\s*(book/\d\d_[^\s#]+)", toc)
    ]
    assert chapters == sorted(chapters), (
        f"_toc.yml lists chapters out of file order: {chapters}"
    )
    numbers = [int(c[:2]) for c in chapters]
    assert numbers == list(range(1, len(numbers) + 1)), numbers


def test_pytest_collects_only_tests_and_book():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"][
        "ini_options"
    ]
    assert cfg["testpaths"] == ["tests", "book"]
    assert "_build" in cfg["norecursedirs"] and ".venv*" in cfg["norecursedirs"]


def test_book_config_excludes_what_sphinx_must_not_parse():
    cfg = (ROOT / "_config.yml").read_text()
    for pattern in (
        '".venv*"',
        '"_build"',
        '"**/.jupyter_cache"',
        '"**.ipynb_checkpoints"',
        '"companion"',
        '"tests"',
        '"README.md"',
    ):
        assert pattern in cfg, f"_config.yml exclude_patterns lacks {pattern}"
    assert re.search(r'execute_notebooks:\s*"off"', cfg), (
        "the book must render the outputs nbval checked"
    )


def test_makefile_runs_nbval_strictly():
    mk = (ROOT / "Makefile").read_text()
    assert "--nbval " in mk and "--nbval-lax" not in mk
    assert (
        "--nbval-sanitize-with tests/nbval_sanitize.cfg" in mk
        and "--dist loadfile" in mk
    )
    assert "-W -n --keep-going" in mk


def test_every_chapter_starts_with_the_hidden_install_cell_of_the_repository():
    from companion.launch import INSTALL_TAG, install_cell_source, repository_url

    url, branch = repository_url(ROOT / "_config.yml")
    expected = install_cell_source(url, branch)
    for path in NOTEBOOKS:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        tagged = [
            i
            for i, c in enumerate(cells)
            if INSTALL_TAG in c.get("metadata", {}).get("tags", [])
        ]
        assert tagged == [1], (
            f"{path.name}: the install cell must be the one cell after the title "
            "(run `make refresh`)"
        )
        cell = cells[1]
        assert "remove-cell" in cell["metadata"]["tags"], (
            f"{path.name}: the install cell must be hidden"
        )
        assert "".join(cell["source"]) == expected, (
            f"{path.name}: install cell out of date with _config.yml "
            "(run `make refresh`)"
        )
        assert cell["outputs"] == [], f"{path.name}: the install cell printed something"


def test_every_figure_in_a_chapter_has_a_caption_and_alt_text():
    for path in NOTEBOOKS:
        for c in _code_cells(path):
            if any("image/png" in o.get("data", {}) for o in c.get("outputs", [])):
                meta = c.get("metadata", {}).get("mystnb", {})
                assert meta.get("figure", {}).get("caption") and meta.get(
                    "figure", {}
                ).get("name"), f"{path.name}: a figure without caption or label"
                assert meta.get("image", {}).get("alt"), (
                    f"{path.name}: a figure without alt text"
                )
