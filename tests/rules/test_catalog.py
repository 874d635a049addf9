"""The catalog itself: every rule is documented, rendered to docs/rules/, and tested both ways."""

import ast
from pathlib import Path

import pytest

from mrt.rules import all_rules, get_rule
from mrt.rules.docs import render_index, render_rule

RULES = all_rules()
TESTS = Path(__file__).parent
DOCS = Path(__file__).parents[2] / "docs" / "rules"


def _test_names() -> set[str]:
    names: set[str] = set()
    for path in TESTS.glob("test_*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names.update(node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef))
    return names


TEST_NAMES = _test_names()


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_has_a_positive_and_a_look_alike_negative_test(rule):
    own = [name for name in TEST_NAMES if name.startswith(f"test_{rule.code}_")]
    negatives = [name for name in own if "negative" in name]
    assert negatives, f"{rule.code} has no negative test (test_{rule.code}_negative_...)"
    assert len(own) > len(negatives), f"{rule.code} has no positive test (test_{rule.code}_...)"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_every_rule_is_documented(rule):
    docs = rule.docs
    for part in (rule.summary, docs.what, docs.why, docs.instead, docs.example):
        assert part.strip(), f"{rule.code}: empty documentation field"
    assert rule.code.startswith("MRT") and len(rule.code) == 6
    assert rule.severity in ("error", "warning")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_docs_pages_are_generated_from_the_registry(rule):
    page = DOCS / f"{rule.code}.md"
    assert page.is_file(), f"run `python -m mrt.rules.docs docs/rules` to create {page.name}"
    assert page.read_text(encoding="utf-8") == render_rule(rule), f"{page.name} is stale: regenerate docs"


def test_docs_index_lists_every_rule():
    assert (DOCS / "README.md").read_text(encoding="utf-8") == render_index()


def test_pytest_mrt_codes_resolve_to_the_rule_that_now_reports_them():
    assert get_rule("MRT206").code == "MRT201"
    assert get_rule("MRT209").code == "MRT201"
    assert get_rule("MRT210").code == "MRT202"
    assert get_rule("MRT402").code == "MRT310"


def test_codes_keep_pytest_mrt_numbering_for_shared_rules():
    names = {r.code: r.name for r in RULES}
    assert names["MRT101"] == "Missing downgrade"
    assert names["MRT102"] == "No-op downgrade"
    assert names["MRT201"] == "DROP COLUMN in upgrade"
    assert names["MRT202"] == "DROP TABLE in upgrade"
    assert names["MRT902"] == "Syntax error"
