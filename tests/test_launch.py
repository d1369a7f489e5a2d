"""companion.launch: the hidden install cell, written into temporary copies of the
chapters from a temporary ``_config.yml`` (the book itself is never touched)."""

import json
import shutil
from pathlib import Path

import pytest

from companion.launch import (
    INSTALL_TAG,
    install_cell_source,
    repository_url,
    sync_install_cells,
)

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))[:2]


def _config(path: Path, url: str, branch: str | None = None) -> Path:
    text = f"title: test\nrepository:\n  url: {url}\n"
    if branch:
        text += f"  branch: {branch}\n"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def book(tmp_path: Path) -> Path:
    folder = tmp_path / "book"
    folder.mkdir()
    for chapter in CHAPTERS:
        shutil.copy(chapter, folder / chapter.name)
    (folder / "notes.ipynb").write_text("not a chapter", encoding="utf-8")
    return folder


def _install_cells(path: Path) -> list[tuple[int, dict]]:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return [
        (i, c)
        for i, c in enumerate(cells)
        if INSTALL_TAG in c.get("metadata", {}).get("tags", [])
    ]


def test_the_cell_installs_from_the_repository_and_branch():
    source = install_cell_source("https://example.org/me/book", "dev")
    compile(source, "<install cell>", "exec")
    assert '"git+https://example.org/me/book@dev"' in source
    assert 'find_spec("companion") is None' in source


def test_repository_url_reads_the_config(tmp_path):
    url = "https://example.org/a/b/"
    assert repository_url(_config(tmp_path / "c.yml", url)) == (url[:-1], "main")
    assert repository_url(_config(tmp_path / "d.yml", url, "gh-pages"))[1] == "gh-pages"
    empty = tmp_path / "e.yml"
    empty.write_text("title: no repository\n", encoding="utf-8")
    with pytest.raises(ValueError, match="has no repository: url: setting"):
        repository_url(empty)


def test_sync_rewrites_every_chapter_once(book, tmp_path):
    config = _config(tmp_path / "_config.yml", "https://example.org/new/home")
    changed = sync_install_cells(book, config)
    assert sorted(p.name for p in changed) == [c.name for c in CHAPTERS]
    expected = install_cell_source("https://example.org/new/home", "main")
    for path in changed:
        cells = _install_cells(path)
        assert len(cells) == 1 and cells[0][0] == 1  # the cell after the title
        cell = cells[0][1]
        assert "".join(cell["source"]) == expected and cell["outputs"] == []
        assert "remove-cell" in cell["metadata"]["tags"]
    assert sync_install_cells(book, config) == []  # a second run changes nothing
    assert (book / "notes.ipynb").read_text(encoding="utf-8") == "not a chapter"


def test_sync_inserts_a_missing_cell_after_the_title(book, tmp_path):
    path = book / CHAPTERS[0].name
    nb = json.loads(path.read_text(encoding="utf-8"))
    nb["cells"] = [
        c for c in nb["cells"] if INSTALL_TAG not in c["metadata"].get("tags", [])
    ]
    first = nb["cells"][0]
    path.write_text(json.dumps(nb), encoding="utf-8")
    config = _config(tmp_path / "_config.yml", "https://example.org/x/y", "main")
    assert path in sync_install_cells(book, config)
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    assert cells[0] == first and INSTALL_TAG in cells[1]["metadata"]["tags"]
    assert cells[1]["cell_type"] == "code" and cells[1]["execution_count"] is None
    assert len(cells) == len(nb["cells"]) + 1
