"""Property: a rule that declares the operation kinds it reads (`kinds=` in `@rule`) stays silent on any
migration without them, so the analyzer may skip it there. Checked on generated and fuzzed migrations,
on a realistic synthetic history and on the bundled examples (the rule tests check their own sources
through the `lint` fixture)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from rule_kinds import assert_declared_kinds_hold
from strategies import alembic_migration, django_migration

from mrt import MRTConfig

ROOT = Path(__file__).parents[2]
CONFIGS = (MRTConfig(), MRTConfig(dialect="postgresql", dialect_version="10"), MRTConfig(dialect="mysql"))
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(alembic_migration())
def test_generated_alembic_revisions_keep_the_declared_kinds(source):
    for config in CONFIGS:
        assert_declared_kinds_hold(source, "migrations/versions/fuzz.py", config)


@FUZZ
@given(django_migration())
def test_generated_django_migrations_keep_the_declared_kinds(source):
    for config in CONFIGS:
        assert_declared_kinds_hold(source, "shop/migrations/0002_fuzz.py", config)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate_history import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    out = tmp_path_factory.mktemp("history")
    generate(out, alembic=300, django=600, seed=11)
    return sorted(out.rglob("[0-9a-f]*.py"))


def test_a_synthetic_history_and_the_examples_keep_the_declared_kinds(history):
    examples = sorted((ROOT / "examples").rglob("*.py"))
    files = [p for p in history + examples if p.name != "__init__.py" and ({"versions", "migrations"} & set(p.parts))]
    assert len(files) > 500
    for path in files:
        for config in CONFIGS:
            assert_declared_kinds_hold(path.read_text(encoding="utf-8"), str(path), config)
