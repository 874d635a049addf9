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


def test_a_fix_finds_its_call_by_descending_to_it_and_agrees_with_a_full_walk(monkeypatch):
    """A batch run asks for a few calls per file: each is found through the nodes that hold its line only."""
    from mrt import fixes

    lines = [f'    op.add_column("t", sa.Column("c{i}", sa.Integer()))' for i in range(300)]
    lines[150] = '    op.create_index("ix_t_c", "t", ["c"]).name.upper()'
    source = "from alembic import op\nimport sqlalchemy as sa\n\n\ndef upgrade():\n" + "\n".join(lines) + "\n"
    tree = ast.parse(source)
    every_call = {}
    for node in ast.walk(tree):  # outermost first, as the fixes want them
        if isinstance(node, ast.Call):
            every_call.setdefault((node.lineno, node.col_offset), node)

    visited = []
    original = ast.iter_child_nodes

    def counting(node):
        visited.append(node)
        return original(node)

    index = fixes._Index(tree)
    monkeypatch.setattr(ast, "iter_child_nodes", counting)
    assert index.call_at(156, 4) is every_call[(156, 4)]  # `.upper()`, the outermost of the chain
    assert index.is_statement(156, 4) and index.is_statement(6, 4)
    assert not index.is_statement(6, 4 + len('op.add_column("t", '))  # the sa.Column(...) inside it
    assert len(visited) < 40  # a full walk visits about 3,000 nodes
    monkeypatch.undo()
    for (line, column), call in list(every_call.items())[::37]:
        assert fixes._Index(tree).call_at(line, column) is call
