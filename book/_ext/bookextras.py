"""Sphinx additions for the book (a local extension, loaded through ``_config.yml``).

- Every page made from a notebook gets a download as MyST Markdown (``.md``) beside the notebook's own
  ``.ipynb`` in the theme's download menu; the ``.md`` file is written from the notebook at build time.
- Each inline script appears once per page: with launch buttons configured, Jupyter Book 1.0.4 registers
  the thebe and togglebutton settings twice, and the second ``const THEBE_JS_URL`` is a JavaScript error
  ("Identifier has already been declared") on every page.
- The footer shows the current year: ``copyright`` in ``_config.yml`` is the first year of the book, and
  the year of the build (or of ``SOURCE_DATE_EPOCH``, for reproducible builds) is added after it.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


def notebook_to_myst(notebook: dict) -> str:
    """A notebook as a MyST Markdown notebook (the format jupytext calls ``myst``)."""
    kernel = notebook.get("metadata", {}).get("kernelspec", {"display_name": "Python 3", "language": "python", "name": "python3"})
    lines = ["---", "jupytext:", "  text_representation:", "    extension: .md", "    format_name: myst", "kernelspec:",
             f"  display_name: {kernel.get('display_name', 'Python 3')}", f"  language: {kernel.get('language', 'python')}",
             f"  name: {kernel.get('name', 'python3')}", "---", ""]
    previous = None
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "markdown":
            if previous == "markdown":
                lines += ["+++", ""]
            lines += [source, ""]
        elif cell["cell_type"] == "code":
            tags = cell.get("metadata", {}).get("tags")
            lines.append("```{code-cell} ipython3")
            if tags:
                lines.append(f":tags: [{', '.join(tags)}]")
                lines.append("")
            lines += [source, "```", ""]
        previous = cell["cell_type"]
    return "\n".join(lines)


def add_markdown_download(app, pagename, templatename, context, doctree) -> None:
    if context.get("page_source_suffix") != ".ipynb":
        return
    source = Path(app.env.doc2path(pagename))
    target = Path(app.outdir) / "_sources" / f"{pagename}.md"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(notebook_to_myst(json.loads(source.read_text(encoding="utf-8"))), encoding="utf-8")
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].insert(1, {
                "type": "link",
                "url": f"{context['pathto']('_sources', 1)}/{pagename}.md",
                "text": ".md",
                "icon": "fab fa-markdown",
                "tooltip": "Download as MyST Markdown",
                "label": "download-markdown-button",
            })


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        name = getattr(script, "filename", script) or ""  # an inline script's name is "" or None
        key = (str(name), tuple(sorted((k, str(v)) for k, v in getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def add_reading_aids(app) -> None:
    """Pages that read on any screen, in print and with a screen reader (tested by
    tests/rendered/test_readable.py): the stylesheet ``static/bookextras.css`` on every
    page (88 columns of code fit at 1280 px and wrap where they cannot, print styles,
    link contrast), and citations that are items of their list."""
    # not a folder named _static/, whose .js files Jupyter Book adds to every page
    static = Path(__file__).resolve().parent / "static"
    app.connect(
        "config-inited", lambda app, config: config.html_static_path.append(str(static))
    )
    app.add_css_file("bookextras.css")
    app.connect("html-page-context", citations_as_list_items)


def citations_as_list_items(app, pagename, templatename, context, doctree) -> None:
    """docutils gives each citation the role ``doc-biblioentry`` inside a
    ``role="list"``; DPUB-ARIA 1.1 deprecated that role, so a screen reader finds a list
    with no items (axe-core: aria-required-children, critical). Each citation becomes a
    ``listitem``."""
    body = context.get("body")
    if body and 'role="doc-biblioentry"' in body:
        context["body"] = body.replace('role="doc-biblioentry"', 'role="listitem"')


def current_year_in_copyright(app, config) -> None:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    year = time.gmtime(int(epoch)).tm_year if epoch else time.gmtime().tm_year
    first = str(config.copyright).strip()
    if first.isdigit() and int(first) < year:
        config.copyright = f"{first}–{year}"


def setup(app):
    app.connect("config-inited", current_year_in_copyright)
    app.connect("html-page-context", add_markdown_download, priority=900)  # after the theme adds its buttons
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    add_reading_aids(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
