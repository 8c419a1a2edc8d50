"""One naming scheme for finding codes, listed in one place: docs/checks.md's table, tested against the source.

Every code is `<kind>.<name>`; the kind is the module that reports it (`parse` for the seed
reader). The evaluation sets expect only listed codes.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

import medpages
from medpages.model import Finding

PACKAGE = Path(medpages.__file__).parent
DOCS = PACKAGE.parents[1] / "docs" / "checks.md"
TESTS = Path(__file__).parent
CODE = re.compile(r"^[a-z]+\.[a-z][a-z0-9_]*$")
# The kind each reporting module uses: the seed reader's is `parse`, a check module's is its name.
REPORTERS = {"catalog/seed_reader.py": "parse"} | {
    f"check/{name}.py": kind for name, kind in (
        ("structure", "structure"), ("artefacts", "artefact"), ("readability", "readability"),
        ("claims", "claim"), ("doses", "dose"), ("contradictions", "contradiction"))}


def documented_codes() -> set[str]:
    if not DOCS.exists():
        pytest.skip("docs/checks.md is not beside the package (an installed copy, not a checkout)")
    codes = set()
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("| `"):
            first_cell = line.split("|")[1]
            codes |= set(re.findall(r"`([^`]+)`", first_cell))
    return codes


def source_codes() -> dict[str, set[str]]:
    """Per reporting module, every string literal that looks like one of the known kinds' codes."""
    kinds = set(REPORTERS.values())
    found: dict[str, set[str]] = {}
    for relative in REPORTERS:
        tree = ast.parse((PACKAGE / relative).read_text(encoding="utf-8"))
        found[relative] = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)
                           and isinstance(node.value, str) and CODE.match(node.value)
                           and node.value.split(".")[0] in kinds}
    return found


def test_codes_are_written_out_never_composed():
    """A code built at run time (an f-string) could not be found here or listed in the docs."""
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "code" and isinstance(node.value, ast.JoinedStr):
                pytest.fail(f"{path.relative_to(PACKAGE)}:{node.value.lineno}: a composed finding code")


def test_each_module_reports_only_its_own_kind():
    for relative, codes in source_codes().items():
        assert codes, relative
        assert {code.split(".")[0] for code in codes} == {REPORTERS[relative]}, relative


def test_the_docs_list_every_code_in_the_source_and_no_other():
    in_source = set().union(*source_codes().values())
    documented = documented_codes()
    assert all(CODE.match(code) for code in documented), documented
    assert sorted(in_source - documented) == [], "reported but not in docs/checks.md"
    assert sorted(documented - in_source) == [], "in docs/checks.md but reported nowhere"


@pytest.mark.parametrize("labels", ["eval/labels.json", "heldout/labels.json"])
def test_the_evaluation_sets_expect_only_listed_codes(labels):
    pages = json.loads((TESTS / labels).read_text(encoding="utf-8"))["pages"]
    expected = {code for page in pages.values() for code in page["expected"]}
    assert expected and expected <= documented_codes()


@pytest.mark.parametrize("code", ["missing-section", "Structure.title", "structure", "structure.Title", ".x", "a.b-c"])
def test_a_finding_refuses_a_code_outside_the_scheme(code):
    with pytest.raises(ValidationError):
        Finding(code=code, severity="info", message="x")
