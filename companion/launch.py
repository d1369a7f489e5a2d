"""The chapters outside this repository (Binder, Colab, a JupyterHub): the hidden
install cell.

Every chapter notebook starts, after its title, with one short code cell tagged
``remove-cell`` (so the book does not show it) that installs the ``companion`` package
from the book's repository when it is missing. The repository is the one setting
``repository: url:`` in ``_config.yml``; ``python -m companion install-cells`` (run by
``make refresh``) writes that URL into every chapter's cell.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["INSTALL_TAG", "install_cell_source", "repository_url", "sync_install_cells"]

INSTALL_TAG = "install-companion"


def install_cell_source(url: str, branch: str = "main") -> str:
    """The source of the install cell for the repository ``url``, formatted as ruff
    formats the chapters' code (88 columns, one import per line)."""
    return (
        "# On Binder, Colab or a JupyterHub without this book's environment:\n"
        "# install the companion package from the book's repository.\n"
        "import importlib.util\n"
        "import subprocess\n"
        "import sys\n"
        "\n"
        'if importlib.util.find_spec("companion") is None:\n'
        f'    package = "git+{url}@{branch}"\n'
        '    pip = [sys.executable, "-m", "pip", "install", "-q", package]\n'
        "    subprocess.run(pip, check=True)"
    )


def repository_url(config: Path) -> tuple[str, str]:
    """``repository.url`` and ``repository.branch`` from the book's ``_config.yml``."""
    import yaml

    repo = (yaml.safe_load(Path(config).read_text(encoding="utf-8")) or {}).get(
        "repository", {}
    )
    if not repo.get("url"):
        raise ValueError(f"{config} has no repository: url: setting")
    return repo["url"].rstrip("/"), repo.get("branch", "main")


def sync_install_cells(book: Path, config: Path) -> list[Path]:
    """Insert or update the install cell of every chapter (``book/NN_*.ipynb``); return
    the notebooks changed."""
    url, branch = repository_url(config)
    source = install_cell_source(url, branch)
    changed = []
    for path in sorted(Path(book).glob("[0-9][0-9]_*.ipynb")):
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
        existing = [
            c for c in cells if INSTALL_TAG in c.get("metadata", {}).get("tags", [])
        ]
        lines = source.split("\n")
        as_list = [line + "\n" for line in lines[:-1]] + [lines[-1]]
        if existing:
            if "".join(existing[0]["source"]) == source:
                continue
            existing[0]["source"] = as_list
        else:
            cell = {
                "cell_type": "code",
                "execution_count": None,
                "id": "install",
                "outputs": [],
                "metadata": {"tags": [INSTALL_TAG, "remove-cell"]},
                "source": as_list,
            }
            cells.insert(
                1 if cells and cells[0]["cell_type"] == "markdown" else 0, cell
            )
        path.write_text(
            json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        changed.append(path)
    return changed
