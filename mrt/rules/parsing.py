"""MRT9xx parsing rules: a file that cannot be read, and suppressions that suppress nothing.

The analyzer produces these findings itself (they are about the file, not its operations); they are
registered here so that they have codes, severities and docs like every other rule.
"""

from __future__ import annotations

from collections.abc import Iterator

from mrt.config import MRTConfig
from mrt.findings import ERROR, WARNING
from mrt.model.migration import MigrationAST
from mrt.rules.registry import PARSING, Hit, RuleDocs, rule


@rule(
    code="MRT902",
    name="Syntax error",
    category=PARSING,
    severity=ERROR,
    summary="The file cannot be parsed (syntax error, bad encoding, unreadable).",
    docs=RuleDocs(
        what="A migration file that Python cannot parse, that is not valid in its declared encoding (PEP 263 "
        "cookie or UTF-8), or that cannot be read. Reported once, at the error's line.",
        why="Alembic or Django will fail on it at deploy time, and no other rule can check it.",
        instead="Fix the syntax or the encoding (save as UTF-8, or declare the real encoding with "
        "`# -*- coding: latin-1 -*-`).",
        example='def upgrade():\n    op.add_column("users", sa.Column("x", sa.Integer)\n',
        fixed='def upgrade():\n    op.add_column("users", sa.Column("x", sa.Integer))\n',
    ),
)
def syntax_error(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    return iter(())


@rule(
    code="MRT903",
    name="Unused suppression",
    category=PARSING,
    severity=WARNING,
    default_enabled=False,
    summary="A `# noqa: MRTxxx` or `# mrt: ignore[...]` comment that suppresses nothing (opt-in).",
    docs=RuleDocs(
        what="A suppression comment naming MRT codes that no finding on that statement (or, for "
        "`ignore-file`, in that file) reports. Bare `# noqa` comments are left alone, since they may be meant "
        'for another linter. Off by default: enable with `extend_select = ["MRT903"]`.',
        why="Stale suppressions hide the next real finding on that line.",
        instead="Delete the comment, or correct the code it names.",
        example='op.add_column("users", sa.Column("phone", sa.String))  # noqa: MRT201\n',
        fixed='op.add_column("users", sa.Column("phone", sa.String))\n',
    ),
)
def unused_suppression(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    return iter(())
