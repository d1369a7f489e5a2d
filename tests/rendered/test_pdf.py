"""The PDF that `make pdf` built (the build itself already fails on a LaTeX problem;
these tests read what it wrote): the LaTeX log names no undefined reference or citation
and no missing character; every part, chapter, theorem and exercise (with its solution)
of the sources is in the PDF's text, numbered as in the HTML; no reference printed as
"??"; the title page, the running heads and the HTML footer show the one version, and
every page of the HTML links to the PDF."""

import json
import re
import shutil
import subprocess
import sys
import unicodedata

import pytest
import yaml
from conftest import ROOT

sys.path.insert(0, str(ROOT / "book" / "_ext"))
import bookextras  # the book's extension names the PDF

LATEX = ROOT / "_build" / "latex"
NUMBER_WORDS = (
    "one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()
ROMAN = "I II III IV V VI VII VIII IX X".split()

# What a LaTeX log says when a reference, a citation or a glyph is missing.
LOG_PROBLEMS = re.compile(
    r"(?:Hyper )?[Rr]eference `[^']*' on page \d+ undefined"
    r"|Citation `[^']*' on page \d+ undefined"
    r"|There were undefined (?:references|citations)"
    r"|Label `[^']*' multiply defined|There were multiply-defined labels"
    r"|Missing character: There is no .*"
    r"|Label\(s\) may have changed"
)


def log_problems(log: str) -> list[str]:
    return [m.group(0) for m in LOG_PROBLEMS.finditer(log)]


def squeeze(text: str) -> str:
    """Letters and digits only, lower case, math italics as plain letters: robust to
    line breaks, hyphenation, punctuation and LaTeX's typography."""
    return re.sub(r"[^a-z0-9]", "", unicodedata.normalize("NFKC", text).lower())


@pytest.fixture(scope="session")
def pdf():
    path = LATEX / f"{bookextras.pdf_stem()}.pdf"
    if not path.exists():
        pytest.skip(
            f"no {path.name} in _build/latex: run `make pdf` first (`make test` builds "
            "it before these tests)"
        )
    return path


@pytest.fixture(scope="session")
def pages(pdf):
    assert shutil.which("pdftotext"), (
        "pdftotext is missing: apt-get install poppler-utils"
    )
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split("\f")


@pytest.fixture(scope="session")
def body(pages):
    """The PDF's text without running heads and feet, squeezed."""
    return squeeze("".join(_without_head_and_foot(page) for page in pages))


def _without_head_and_foot(page: str) -> str:
    lines = [line for line in page.splitlines() if line.strip()]
    if lines and lines[0].startswith("GLMs as Neurons, Version"):
        lines = lines[1:]
    foot = re.compile(
        r"^(\d+|[ivxlc]+|Chapter \d+\. .*|\d+(\.\d+)*\. .*|[A-Z][A-Za-z ]+)$"
    )
    for _ in range(2):
        if lines and foot.match(lines[-1].strip()):
            lines = lines[:-1]
    return "\n".join(lines) + "\n"


def _toc():
    return yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))


def _source(file: str) -> str:
    """A page's Markdown: the .md file, or the notebook's Markdown cells."""
    path = ROOT / f"{file}.md"
    if path.exists():
        return path.read_text(encoding="utf-8")
    notebook = json.loads((ROOT / f"{file}.ipynb").read_text(encoding="utf-8"))
    return "\n\n".join(
        "".join(cell["source"])
        for cell in notebook["cells"]
        if cell["cell_type"] == "markdown"
    )


def _chapters():
    """(number, file) of every chapter, in _toc.yml's order: LaTeX numbers them all."""
    files = [
        chapter["file"] for part in _toc()["parts"] for chapter in part["chapters"]
    ]
    return list(enumerate(files, start=1))


def _title(file: str) -> str:
    return re.search(r"^# (.+)$", _source(file), re.M).group(1).strip()


DIRECTIVE = re.compile(
    r"^(?:`{3,}|:{3,})\{(prf:theorem|exercise|solution-start)\}[ \t]*(.*)\n"
    r"((?::[^\n]*\n)*)"
    r"\n?((?:[^\n]+\n?)*)",
    re.M,
)


def _directives(file: str, kind: str) -> list[tuple[str, str, str]]:
    """(argument, label, first paragraph) of each `kind` directive of a page."""
    found = []
    for m in DIRECTIVE.finditer(_source(file)):
        if m.group(1) == kind:
            label = re.search(r":label:\s*(\S+)", m.group(3))
            found.append(
                (m.group(2).strip(), label.group(1) if label else "", m.group(4))
            )
    return found


def _opening_words(markdown: str, count: int = 8) -> str:
    """The paragraph's words up to its first math or role (at most `count`): the
    exercise's own text, to find in the PDF right after its heading."""
    text = re.sub(
        r"\{[a-z:-]+\}`[^`]*`|\$\$.*?\$\$|\$[^$]*\$", "\x00", markdown, flags=re.S
    )
    text = re.sub(r"`([^`]*)`", r"\1", text)
    return " ".join(text.split("\x00")[0].split()[:count])


def _follows(body: str, heading: str, words: str, slack: int = 80) -> bool:
    """Some occurrence of `heading` is followed by `words` within `slack` characters:
    text extraction may put a fraction's or superscript's glyphs first."""
    return any(
        words in body[m.end() : m.end() + len(words) + slack]
        for m in re.finditer(re.escape(heading), body)
    )


def test_latex_log_names_no_undefined_reference_citation_or_missing_character(pdf):
    log = pdf.with_suffix(".log").read_text(encoding="utf-8", errors="replace")
    assert f"Output written on {pdf.name}" in log
    problems = log_problems(log)
    assert not problems, "the LaTeX log reports:\n" + "\n".join(problems[:20])


@pytest.mark.parametrize(
    "line",
    [
        "LaTeX Warning: Reference `book/05:ch5-ex-shift' on page 51 undefined on "
        "input line 3224.",
        "Package hyperref Warning: Hyper reference `exercise:ch5-ex-shift' on page 51 "
        "undefined on input line 3224.",
        "LaTeX Warning: Citation `book/references:id7' on page 3 undefined on input "
        "line 4.",
        "LaTeX Warning: There were undefined references.",
        "LaTeX Warning: Label `book/01:eq' multiply defined.",
        "Missing character: There is no ☃ (U+2603) in font [FreeSerif.otf]/OT;!",
    ],
)
def test_the_log_check_catches_each_kind_of_problem(line):
    assert log_problems(f"some line\n{line}\nanother line\n")


def test_no_reference_printed_as_question_marks(pages):
    hits = [
        (number, page[max(0, page.find("??") - 60) : page.find("??") + 20])
        for number, page in enumerate(pages, start=1)
        if "??" in page
    ]
    assert not hits, f"unresolved references in the PDF: {hits[:5]}"


def test_every_part_and_chapter_opens_with_its_title_in_order(pages):
    openings = [squeeze(page[:400]) for page in pages]
    at, number = -1, 0
    for roman, part in zip(ROMAN[: len(_toc()["parts"])], _toc()["parts"], strict=True):
        caption = re.sub(r"^Part [IVXLC]+\.\s*", "", part["caption"])
        headings = [(f"part {roman}", squeeze(f"Part {roman} {caption}"))]
        for chapter in part["chapters"]:
            number += 1
            title = _title(chapter["file"])
            headings.append(
                (
                    f"chapter {number}, {title!r}",
                    squeeze(f"Chapter {NUMBER_WORDS[number - 1]} {title}"),
                )
            )
        for name, heading in headings:
            found = [i for i, o in enumerate(openings) if o.startswith(heading)]
            assert found, f"no page opens {name}"
            assert found[0] > at, f"{name} is out of order"
            at = found[0]


@pytest.mark.parametrize(
    "number,file", [c for c in _chapters() if _directives(c[1], "prf:theorem")]
)
def test_every_theorem_is_in_the_pdf_with_its_number_and_title(body, number, file):
    for k, (title, label, _) in enumerate(_directives(file, "prf:theorem"), start=1):
        assert squeeze(f"Theorem {number}.{k} ({title})") in body, (
            f"{label}: no 'Theorem {number}.{k} ({title})'"
        )


@pytest.mark.parametrize(
    "number,file", [c for c in _chapters() if _directives(c[1], "exercise")]
)
def test_every_exercise_is_in_the_pdf_with_its_number_text_and_solution(
    body, number, file
):
    solved = {argument for argument, _, _ in _directives(file, "solution-start")}
    for k, (title, label, paragraph) in enumerate(
        _directives(file, "exercise"), start=1
    ):
        heading = f"Exercise {number}.{k}" + (f" ({title})" if title else "")
        words = _opening_words(paragraph)
        assert len(words.split()) >= 3, (
            f"{label}: its text opens with math: nothing plain to look for"
        )
        assert _follows(body, squeeze(heading), squeeze(words)), (
            f"{label}: no {heading!r} followed by {words!r}"
        )
        if label in solved:
            assert squeeze(f"Solution to {heading}") in body, (
                f"{label}: no solution in the PDF"
            )


def test_title_page_running_heads_html_footer_and_link_show_the_one_version(pages, pdf):
    version = bookextras.book_version()
    assert pdf.name == f"glms-as-neurons-{version}.pdf"
    title_page = " ".join(pages[0].split())
    assert "GLMs as Neurons" in title_page and f"Version {version}" in title_page, (
        title_page
    )
    heads = [
        page.splitlines()[0]
        for page in pages
        if page.startswith("GLMs as Neurons, Version")
    ]
    assert len(heads) > len(pages) // 2 and set(heads) == {
        f"GLMs as Neurons, Version {version}"
    }
    html = ROOT / "_build" / "html"
    if not (html / "index.html").exists():
        pytest.skip("no built HTML: run `make book`")
    intro = (html / "book" / "intro.html").read_text(encoding="utf-8")
    footer = intro[intro.find("<footer") :]
    assert f"Version {version}." in footer, "the HTML footer does not show the version"
    assert f'href="../{pdf.name}"' in intro, "the HTML does not link to the PDF"
    assert (html / pdf.name).read_bytes() == pdf.read_bytes(), (
        "the HTML's copy of the PDF is not this PDF"
    )
