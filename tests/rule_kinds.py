"""The invariant behind `Rule.kinds`: a rule that declares the operation kinds it reads never reports
on a migration that has none of them. The analyzer skips such a rule on such a file, so a declaration
that is too narrow would silently hide findings. `tests/conftest.py` checks every migration the rule
tests analyse; `tests/fuzz/test_rule_kinds.py` checks generated ones."""

from __future__ import annotations

from mrt import MRTConfig
from mrt.model import MigrationAST, parse_migration
from mrt.rules import all_rules


def check_declared_kinds(migration: MigrationAST, config: MRTConfig) -> None:
    """Run every rule that declares `kinds` on `migration` where the analyzer would skip it, and fail
    on any hit the skip would have hidden."""
    if migration.syntax_error is not None:
        return
    present = {op.kind for op in migration.ops}
    for rule in all_rules():
        if rule.kinds is None or not rule.kinds.isdisjoint(present) or migration.framework not in rule.frameworks:
            continue
        hidden = list(rule.check(migration, config))
        assert not hidden, (
            f"{rule.code} declares kinds={sorted(rule.kinds)} but reported on a migration with only "
            f"{sorted(present)}: {[h.message for h in hidden]}"
        )


def assert_declared_kinds_hold(source: str, path: str, config: MRTConfig) -> None:
    check_declared_kinds(parse_migration(source, path, dialect=config.dialect), config)
