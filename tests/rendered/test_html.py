"""The built HTML, read as files: internal links and anchors resolve, figures have alt
text and captions, math comes from the book's own MathJax (once per page, no CDN), every
chapter has its launch and download buttons, and the footer shows the current year and
the licence."""

import re
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest
import yaml
from conftest import CHAPTERS, ROOT


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids, self.images, self.scripts, self.figures = (
            [],
            set(),
            [],
            [],
            0,
        )
        self.captions = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("img", "script", "link") and (a.get("src") or a.get("href")):
            self.links.append(a.get("src") or a.get("href"))
        if tag == "img":
            self.images.append(a)
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if tag == "figure":
            self.figures += 1
        if tag == "figcaption":
            self.captions += 1


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _pages(html):
    return sorted(
        p
        for p in html.rglob("*.html")
        if "_static" not in p.parts and "_sources" not in p.parts
    )


def test_every_internal_link_and_anchor_resolves(html):
    broken, parsed = [], {}
    for page_path in _pages(html):
        for link in _parse(page_path).links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:", "javascript:")):
                continue
            target = (
                page_path
                if not parts.path
                else (page_path.parent / unquote(parts.path)).resolve()
            )
            if not target.exists():
                broken.append(f"{page_path.relative_to(html)} -> {link}")
                continue
            if parts.fragment and target.suffix == ".html":
                if target not in parsed:
                    parsed[target] = _parse(target).ids
                if unquote(parts.fragment) not in parsed[target]:
                    broken.append(
                        f"{page_path.relative_to(html)} -> {link} (no such anchor)"
                    )
    assert not broken, "broken internal links:\n" + "\n".join(broken[:20])


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_figure_has_alt_text_and_a_caption(html, chapter):
    page = _parse(html / "book" / f"{chapter}.html")
    figures = [img for img in page.images if "_images" in img.get("src", "")]
    assert figures, f"{chapter}: no figure"
    # without alt text in the notebook, docutils writes the image's path as its alt text
    silent = [
        img["src"]
        for img in figures
        if not img.get("alt", "").strip() or img["alt"] == img["src"]
    ]
    assert not silent, f"{chapter}: images without alt text: {silent}"
    assert page.figures >= len(figures) and page.captions >= len(figures), (
        f"{chapter}: a figure without a caption"
    )


@pytest.mark.parametrize(
    "page_path",
    [
        "index.html",
        "book/intro.html",
        *[f"book/{c}.html" for c in CHAPTERS],
        "book/api.html",
    ],
)
def test_math_is_served_with_the_book_and_loaded_once(html, page_path):
    path = html / page_path
    if path.name == "index.html":  # a redirect to the first page
        return
    text = path.read_text(encoding="utf-8")
    page = _parse(path)
    mathjax = [s for s in page.scripts if "mathjax" in s.lower() or "tex-" in s]
    assert len(mathjax) == 1 and urlsplit(mathjax[0]).path.endswith(
        "_static/mathjax/tex-chtml.js"
    ), mathjax
    assert "cdn.jsdelivr" not in text and "cdnjs" not in text, (
        "a page still loads something from a CDN"
    )
    assert (html / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (
        html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2"
    ).is_dir()


def _repository():
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return config["repository"]["url"].rstrip("/"), config["repository"].get(
        "branch", "main"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_launch_and_download_buttons_on_every_chapter(html, chapter):
    path = html / "book" / f"{chapter}.html"
    text = path.read_text(encoding="utf-8")
    url, branch = _repository()
    owner_repo = url.split("github.com/")[1]
    assert f"mybinder.org/v2/gh/{owner_repo}/{branch}?urlpath=" in text, (
        "no Binder launch button"
    )
    assert (
        f"colab.research.google.com/github/{owner_repo}/blob/{branch}/book/{chapter}.ipynb"
        in text
    ), "no Colab launch button"
    assert f"hub/user-redirect/git-pull?repo={quote(url, safe='/')}" in text, (
        "no JupyterHub launch button"
    )
    for suffix in (".ipynb", ".md"):
        link = f"../_sources/book/{chapter}{suffix}"
        assert f'href="{link}"' in text, f"no {suffix} download"
        assert (path.parent / link).resolve().exists(), (
            f"the {suffix} download is missing from the build"
        )
    md = (html / "_sources" / "book" / f"{chapter}.md").read_text(encoding="utf-8")
    assert (
        md.startswith("---\njupytext:")
        and "```{code-cell} ipython3" in md
        and "```{exercise}" in md
    )


def test_footer_shows_the_current_year_and_the_licence_and_pages_have_favicon_and_logo(
    html,
):
    text = (html / "book" / "intro.html").read_text(encoding="utf-8")
    footer = text[text.find("<footer") :]
    assert re.search(rf"Copyright[^<]*{time.gmtime().tm_year}", footer), (
        "the footer does not show the current year"
    )
    assert "CC BY 4.0" in footer and "MIT" in footer
    assert re.search(r'<link rel="icon" href="[^"]*favicon\.svg"', text)
    assert re.search(r'<img src="[^"]*logo\.svg"[^>]*alt="[^"]+"', text) or re.search(
        r'<img[^>]*alt="[^"]+"[^>]*src="[^"]*logo\.svg"', text
    )
