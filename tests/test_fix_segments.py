"""Fix edits copy argument text from the source; the cached slicer must agree with `ast` exactly."""

import ast

from mrt.fixes import _segment

SOURCE = (
    "from alembic import op\r\nimport sqlalchemy as sa\r\n\r\n"
    'def upgrade():\r\n    op.create_index(op.f("ix_caf\u00e9_n\u00e4me"), "caf\u00e9", ["n\u00e4me"],\r\n'
    '                    unique=True)  # \u00e9t\u00e9\r\n    op.execute("""\r\n        UPDATE t SET a = \'\u00fc\'\r\n    """)\r\n'
)


def test_the_cached_slicer_matches_ast_get_source_segment_on_every_node():
    tree = ast.parse(SOURCE)
    nodes = [n for n in ast.walk(tree) if hasattr(n, "end_col_offset")]
    assert len(nodes) > 20
    for node in nodes:
        assert _segment(SOURCE, node) == ast.get_source_segment(SOURCE, node)
