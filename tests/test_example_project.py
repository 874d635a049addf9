"""The bundled example project (the README's main job): each revision gets exactly its finding."""

from collections import defaultdict
from pathlib import Path

from mrt import analyze_paths

EXAMPLE = Path(__file__).parents[1] / "examples" / "alembic_project"


def test_every_revision_of_the_example_gets_the_right_label():
    by_revision = defaultdict(list)
    for finding in analyze_paths([EXAMPLE]):
        by_revision[finding.revision].append(finding.code)
    assert {rev: sorted(codes) for rev, codes in by_revision.items() if rev <= "0009"} == {
        "0003": ["MRT201"],  # nullable column dropped: data lost although the downgrade re-adds it
        "0004": ["MRT102"],  # no-op downgrade leaves audit_log behind (reported once)
        "0007": ["MRT102"],  # no-op downgrade leaves ix_users_email behind
        "0008": ["MRT307"],  # nickname column left behind (its unique constraint goes with it)
    }
