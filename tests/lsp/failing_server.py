"""`mrt-lsp` with two faults planted, for test_robustness.py:

* rule MRT999 raises on every file (a bug in one rule must not hide the others' findings);
* the analyzer itself raises on any file containing CRASH-ME (the server must log it and carry on).
"""

from __future__ import annotations

from collections.abc import Iterator

import mrt_server.analysis
from mrt_server.__main__ import main

from mrt.config import MRTConfig
from mrt.model.migration import MigrationAST
from mrt.rules.registry import REVERSIBILITY, Hit, RuleDocs, rule


@rule(
    code="MRT999",
    name="Always fails",
    category=REVERSIBILITY,
    severity="error",
    summary="A rule with a bug.",
    docs=RuleDocs(what="-", why="-", instead="-", example="-"),
)
def always_fails(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    raise RuntimeError("bug in MRT999")


_analyze_migration = mrt_server.analysis.analyze_migration


def crashing(migration: MigrationAST, config: MRTConfig) -> list:
    if "CRASH-ME" in migration.source:
        raise RuntimeError("the analyzer crashed")
    return _analyze_migration(migration, config)


mrt_server.analysis.analyze_migration = crashing

if __name__ == "__main__":
    main()
