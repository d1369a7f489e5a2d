"""A citable, versioned release: CITATION.cff is valid Citation File Format 1.2.0
(checked against the format's own schema, kept in tests/data), and the one version
number, pyproject.toml's, is the one the package, the citation and the book's file names
carry. The licence files are those the README names."""

import importlib.metadata
import json
import re
import sys
import tomllib
from pathlib import Path

import jsonschema
import pytest
import yaml

import companion

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "tests" / "data" / "cff-1.2.0.schema.json"


class _CffLoader(yaml.SafeLoader):
    """YAML as the Citation File Format reads it: dates stay strings (the schema's)."""


_CffLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag != "tag:yaml.org,2002:timestamp"
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _citation(text: str | None = None) -> dict:
    return yaml.load(
        text or (ROOT / "CITATION.cff").read_text(encoding="utf-8"), Loader=_CffLoader
    )


def cff_errors(citation: dict) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER
    )
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
        for e in validator.iter_errors(citation)
    ]


def _pyproject_version() -> str:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "project"
    ]["version"]


def test_citation_file_is_valid_cff_1_2_0():
    citation = _citation()
    assert citation["cff-version"] == "1.2.0"
    assert json.loads(SCHEMA.read_text(encoding="utf-8"))["$id"].endswith(
        "/1.2.0/schema.json"
    )
    errors = cff_errors(citation)
    assert not errors, "CITATION.cff does not follow the schema:\n" + "\n".join(errors)


@pytest.mark.parametrize(
    "change",
    [
        lambda c: c.pop("authors"),
        lambda c: c.pop("message"),
        lambda c: c.update(license="CC-BY"),  # not an SPDX identifier
        lambda c: c.update({"date-released": "26 November 2026"}),
        lambda c: c["preferred-citation"].update(type="textbook"),
        lambda c: c.update(title=""),
    ],
)
def test_the_schema_check_rejects_a_broken_citation(change):
    citation = _citation()
    change(citation)
    assert cff_errors(citation)


def test_one_version_in_pyproject_package_and_citation():
    version = _pyproject_version()
    assert re.fullmatch(r"\d+\.\d+\.\d+", version), version
    assert importlib.metadata.version("companion") == version, "reinstall: make venv"
    assert companion.__version__ == version
    citation = _citation()
    assert str(citation["version"]) == version
    assert str(citation["preferred-citation"]["version"]) == version
    init = (ROOT / "companion" / "__init__.py").read_text(encoding="utf-8")
    assert f'"{version}"' not in init and f"'{version}'" not in init, (
        "the version is typed in companion/__init__.py: read it from the metadata"
    )
    sys.path.insert(0, str(ROOT / "book" / "_ext"))
    try:
        import bookextras
    finally:
        sys.path.pop(0)
    assert bookextras.book_version() == version
    assert bookextras.pdf_stem() == f"glms-as-neurons-{version}"


def test_licence_files_are_those_the_readme_and_the_citation_name():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    code, text = (
        (ROOT / "LICENSE").read_text(encoding="utf-8"),
        (ROOT / "LICENSE-text").read_text(encoding="utf-8"),
    )
    assert (
        code.startswith("MIT License")
        and "Permission is hereby granted, free of charge" in code
    )
    assert text.startswith("Attribution 4.0 International")
    assert "Creative Commons Attribution 4.0 International Public License" in text
    assert (
        "`LICENSE`" in readme
        and "`LICENSE-text`" in readme
        and "CC BY 4.0" in readme
        and "MIT" in readme
    )
    assert set(_citation()["license"]) == {"CC-BY-4.0", "MIT"}
