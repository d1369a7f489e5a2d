"""What `make release` publishes, written from the builds in _build by its packaging
step into a temporary folder: the HTML as a zip (with the PDF it links to), the PDF, and
the student notebooks as a zip, each named with the one version."""

import subprocess
import zipfile

from conftest import CHAPTERS, ROOT
from test_pdf import bookextras
from test_pdf import pdf as pdf  # the fixture: the PDF `make pdf` built


def test_release_writes_html_pdf_and_student_notebooks_named_with_the_version(
    html, pdf, tmp_path
):
    stem = bookextras.pdf_stem()
    dist = tmp_path / "dist"
    subprocess.run(
        ["make", "--no-print-directory", "package", f"DIST={dist}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    assert sorted(p.name for p in dist.iterdir()) == sorted(
        [f"{stem}-html.zip", f"{stem}.pdf", f"{stem}-student-notebooks.zip"]
    )
    assert (dist / f"{stem}.pdf").read_bytes() == pdf.read_bytes()

    with zipfile.ZipFile(dist / f"{stem}-html.zip") as archive:
        names = set(archive.namelist())
        assert {f"{stem}-html/index.html", f"{stem}-html/{stem}.pdf"} <= names
        assert {f"{stem}-html/book/{chapter}.html" for chapter in CHAPTERS} <= names
        assert archive.read(f"{stem}-html/{stem}.pdf") == pdf.read_bytes()

    with zipfile.ZipFile(dist / f"{stem}-student-notebooks.zip") as archive:
        notebooks = sorted(n for n in archive.namelist() if n.endswith(".ipynb"))
        assert notebooks == [
            f"{stem}-student-notebooks/{chapter}.ipynb" for chapter in CHAPTERS
        ]
        assert all(b"solution-start" not in archive.read(n) for n in notebooks), (
            "a solution was kept"
        )
