"""Sphinx additions for the book (a local extension, loaded through ``_config.yml``).

- Every page made from a notebook gets a download as MyST Markdown (``.md``) beside the
  notebook's own ``.ipynb`` in the theme's download menu; the ``.md`` file is written
  from the notebook at build time.
- Each inline script appears once per page: with launch buttons configured, Jupyter Book
  1.0.4 registers the thebe and togglebutton settings twice, and the second
  ``const THEBE_JS_URL`` is a JavaScript error ("Identifier has already been declared")
  on every page.
- The footer shows the current year: ``copyright`` in ``_config.yml`` is the first year
  of the book, and the year of the build (or of ``SOURCE_DATE_EPOCH``, for reproducible
  builds) is added after it.
- One version number, ``version`` in ``pyproject.toml``, read from the installed
  package's metadata: the footer and the PDF's title page show it, and the PDF is named
  with it (``glms-as-neurons-VERSION.pdf``, not Sphinx's ``projectnamenotset.pdf``).
  Every page's download menu links to that PDF, which ``make pdf`` copies beside the
  HTML.
- The PDF numbers theorems and exercises as the HTML does (Theorem 4.1, Exercise 4.2),
  and a reference to an exercise prints its number: sphinx-exercise 1.2.1 leaves LaTeX
  references to exercises in other chapters as Sphinx's ``\ref`` to a label it never
  writes ("Exercise ??", with no warning).
- In the PDF a proof is the text that follows its theorem, ending in a square, not a box
  with an empty title bar (sphinx-proof 0.4.0 writes a LaTeX admonition without a
  title); and a part's page reads "Part I" above "The binary case", not above "Part I.
  The binary case" (the captions in ``_toc.yml`` carry the "Part I." that the HTML
  sidebar needs).
- In the PDF, a table in the running text may break across pages (a LaTeX longtable).
- The PDF's SVG images (the logo on the title page, any SVG figure) are converted with
  ``rsvg-convert``.

``python book/_ext/bookextras.py`` prints the PDF's file name without ``.pdf``, for the
Makefile.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from importlib.metadata import version as installed_version
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ExtensionError
from sphinx.transforms.post_transforms import SphinxPostTransform

SLUG = "glms-as-neurons"  # the book's name in file names: the PDF, the release files
LOGO = Path(__file__).resolve().parents[1] / "images" / "logo.svg"


def book_version() -> str:
    """pyproject.toml's version, as installed (``make venv`` reinstalls on a change)."""
    return installed_version("companion")


def pdf_stem() -> str:
    return f"{SLUG}-{book_version()}"


def notebook_to_myst(notebook: dict) -> str:
    """A notebook as a MyST Markdown notebook (the format jupytext calls ``myst``)."""
    kernel = notebook.get("metadata", {}).get(
        "kernelspec",
        {"display_name": "Python 3", "language": "python", "name": "python3"},
    )
    lines = [
        "---",
        "jupytext:",
        "  text_representation:",
        "    extension: .md",
        "    format_name: myst",
        "kernelspec:",
        f"  display_name: {kernel.get('display_name', 'Python 3')}",
        f"  language: {kernel.get('language', 'python')}",
        f"  name: {kernel.get('name', 'python3')}",
        "---",
        "",
    ]
    previous = None
    for cell in notebook["cells"]:
        source = (
            "".join(cell["source"])
            if isinstance(cell["source"], list)
            else cell["source"]
        )
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
    target.write_text(
        notebook_to_myst(json.loads(source.read_text(encoding="utf-8"))),
        encoding="utf-8",
    )
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].insert(
                1,
                {
                    "type": "link",
                    "url": f"{context['pathto']('_sources', 1)}/{pagename}.md",
                    "text": ".md",
                    "icon": "fab fa-markdown",
                    "tooltip": "Download as MyST Markdown",
                    "label": "download-markdown-button",
                },
            )


def drop_duplicate_scripts(app, pagename, templatename, context, doctree) -> None:
    seen, unique = set(), []
    for script in context.get("script_files", []):
        name = (
            getattr(script, "filename", script) or ""
        )  # an inline script's name is "" or None
        key = (
            str(name),
            tuple(
                sorted(
                    (k, str(v)) for k, v in getattr(script, "attributes", {}).items()
                )
            ),
        )
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


def version_everywhere(app, config) -> None:
    """The version on the PDF's title page and in every footer, and how to cite."""
    config.version = config.release = book_version()
    options = config.html_theme_options
    repository = options.get("repository_url", "").rstrip("/")
    citation = "CITATION.cff"
    if repository:
        branch = options.get("repository_branch", "main")
        citation = f'<a href="{repository}/blob/{branch}/CITATION.cff">CITATION.cff</a>'
    options["extra_footer"] = options.get("extra_footer", "") + (
        f'<p class="book-version">Version {config.release}. '
        f"To cite the book, use its {citation}.</p>"
    )


def add_pdf_download(app, pagename, templatename, context, doctree) -> None:
    for group in context.get("header_buttons", []):
        if group.get("label") == "download-buttons":
            group["buttons"].append(
                {
                    "type": "link",
                    "url": context["pathto"](f"{pdf_stem()}.pdf", 1),
                    "text": "book .pdf",
                    "icon": "fas fa-book",
                    "tooltip": "Download the whole book as one PDF",
                    "label": "download-book-pdf-button",
                }
            )


def latex_setup(app) -> None:
    """LaTeX only: numbering as in the HTML, SVG conversion, the title-page logo."""
    if app.builder.format != "latex":
        return
    # sphinx-jupyterbook-latex sets numfig_secnum_depth to 2 when the book has parts,
    # so that LaTeX numbers figures and equations by chapter (1.1, 1.2); Sphinx's own
    # numbers for theorems and exercises would then carry the section too (Theorem 1.3.1
    # where the HTML says Theorem 1.1). They are assigned with depth 1, as in the HTML,
    # and the LaTeX writer gets 2 back (latex_after_numbering).
    app.env.bookextras_latex_secnum_depth = app.config.numfig_secnum_depth
    app.config.numfig_secnum_depth = 1
    converter = shutil.which("rsvg-convert")
    if converter is None:
        raise ExtensionError("the PDF needs rsvg-convert: apt-get install librsvg2-bin")
    app.setup_extension("sphinxcontrib.rsvgconverter")  # SVG figures, if any
    logo = Path(app.doctreedir) / "title-logo.pdf"
    command = [converter, "--format=pdf", f"--output={logo}", str(LOGO)]
    subprocess.run(command, check=True)
    app.config.latex_logo = str(logo)  # copied beside the .tex when the build finishes
    app.builder.context["logofilename"] = logo.name  # read before this event: set here


def latex_after_numbering(app, env) -> list[str]:
    """After Sphinx numbered figures, theorems and exercises; before the LaTeX."""
    if app.builder.format == "latex":
        depth = getattr(env, "bookextras_latex_secnum_depth", None)
        if depth is not None:
            app.config.numfig_secnum_depth = depth
        # Jupyter Book sets latex_documents after the builder-inited event: named here
        docs = [list(doc) for doc in app.config.latex_documents]
        docs[0][1] = f"{pdf_stem()}.tex"
        app.config.latex_documents = [tuple(doc) for doc in docs]
    return []


class ExerciseReferencesInLatex(SphinxPostTransform):
    """A numbered reference to an exercise links to sphinx-exercise's ``exercise:LABEL``
    anchor and prints the number Sphinx resolved ("Exercise 4.2")."""

    default_priority = 23  # after sphinx-exercise's own post-transforms (5 to 22)
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        from sphinx_exercise.nodes import (
            exercise_enumerable_node,
            exercise_latex_number_reference,
        )

        registry = getattr(self.env, "sphinx_exercise_registry", {})
        for node in list(self.document.findall(addnodes.number_reference)):
            label = node.get("refid") or node.get("refuri", "").partition("#")[2]
            target = registry.get(label, {}).get("node")
            if isinstance(target, exercise_enumerable_node):
                node.replace_self(
                    exercise_latex_number_reference(
                        "", "", nodes.Text(node.astext()), refid=label
                    )
                )


class ProofsInLatex(SphinxPostTransform):
    """A proof in the PDF: its paragraphs, unboxed, the last one ending in a square."""

    default_priority = 23
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        from sphinx_proof.nodes import proof_node

        for proof in list(self.document.findall(proof_node)):
            boxes = [c for c in proof.children if isinstance(c, nodes.admonition)]
            for box in boxes:
                last = box.children[-1] if box.children else None
                if isinstance(last, nodes.paragraph):
                    last += nodes.raw("", r"\hfill\(\square\)", format="latex")
                box.replace_self(box.children)


class PartTitlesInLatex(SphinxPostTransform):
    """Parts made from the table of contents' captions lose their "Part I." prefix."""

    default_priority = 710  # after sphinx-jupyterbook-latex makes the parts (700)
    formats = ("latex",)
    prefix = re.compile(r"^Part [IVXLC]+\.\s*")

    def run(self, **kwargs) -> None:
        for start in self.document.findall(addnodes.start_of_file):
            section = start.children[0] if start.children else None
            if not isinstance(section, nodes.section):
                continue
            title = section.children[0] if section.children else None
            part = section.get("docname") == start.get("docname")  # how parts are made
            if part and isinstance(title, nodes.title):
                text = title.astext()
                if self.prefix.match(text):
                    title.replace_self(nodes.title(text=self.prefix.sub("", text)))


class LongTablesInLatex(SphinxPostTransform):
    """A table in the running text breaks across pages: Sphinx makes only tables of more
    than 30 rows LaTeX longtables, and a shorter one taller than what is left of a page
    runs into the footer (the exercise table of *For instructors*). A longtable's
    columns
    wrap only at given widths: each column gets a share of the line that grows with the
    length of its longest cell (between 6 and 40 characters)."""

    default_priority = 23
    formats = ("latex",)

    def run(self, **kwargs) -> None:
        for table in self.document.findall(nodes.table):
            if not isinstance(table.parent, nodes.section):
                continue
            group = next(table.findall(nodes.tgroup))
            specs = [
                child for child in group.children if isinstance(child, nodes.colspec)
            ]
            longest = [6] * len(specs)
            for row in group.findall(nodes.row):
                for i, entry in enumerate(row.children[: len(specs)]):
                    longest[i] = max(longest[i], min(40, len(entry.astext())))
            for spec, width in zip(specs, longest, strict=True):
                spec["colwidth"] = width
            table["classes"] += ["longtable", "colwidths-given"]


def setup(app):
    app.connect("config-inited", current_year_in_copyright)
    app.connect("config-inited", version_everywhere)
    # after sphinx-jupyterbook-latex's builder-inited, after the TocTreeCollector
    app.connect("builder-inited", latex_setup, priority=900)
    app.connect("env-get-updated", latex_after_numbering, priority=900)
    app.add_post_transform(ExerciseReferencesInLatex)
    app.add_post_transform(ProofsInLatex)
    app.add_post_transform(PartTitlesInLatex)
    app.add_post_transform(LongTablesInLatex)
    app.connect("html-page-context", add_pdf_download, priority=900)
    app.connect(
        "html-page-context", add_markdown_download, priority=900
    )  # after the theme adds its buttons
    app.connect("html-page-context", drop_duplicate_scripts, priority=900)
    add_reading_aids(app)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


if __name__ == "__main__":
    print(pdf_stem())
