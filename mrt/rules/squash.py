"""MRT6xx — squashed Django migrations that cannot stand in for what they replace."""

from __future__ import annotations

from collections.abc import Iterator

from mrt.config import MRTConfig
from mrt.findings import ERROR, WARNING
from mrt.model.migration import MigrationAST
from mrt.model.ops import Kind, Span
from mrt.rules.registry import DJANGO_ONLY, SQUASH, Hit, RuleDocs, hit, rule


@rule(
    code="MRT601",
    kinds=(Kind.RUN_PYTHON,),
    name="Squashed migration: RunPython without reverse_code",
    category=SQUASH,
    severity=ERROR,
    summary="A squashed migration keeps a RunPython without reverse_code.",
    frameworks=DJANGO_ONLY,
    needs_downgrade=True,
    docs=RuleDocs(
        what="A migration with `replaces = [...]` that contains `RunPython` without `reverse_code` (reported "
        "here instead of MRT107).",
        why="Once the replaced migrations are deleted, the squashed one is the only way back, and it cannot be "
        "unapplied: every migration it replaced becomes irreversible at once.",
        instead="Give the RunPython a reverse (or `RunPython.noop`), or drop it from the squash if it was a "
        "one-off data fix (`elidable=True` lets squashmigrations leave it out).",
        example='class Migration(migrations.Migration):\n    replaces = [("shop", "0001_initial"), ("shop", "0002_fill")]\n'
        "    operations = [migrations.RunPython(fill)]\n",
        fixed="    operations = [migrations.RunPython(fill, reverse_code=migrations.RunPython.noop, elidable=True)]\n",
    ),
)
def squashed_run_python(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if not m.replaces:
        return
    for op in m.ops:
        if op.kind == Kind.RUN_PYTHON and op.args.get("reverse") is None:
            yield hit(op, f"Squashed migration (replaces {len(m.replaces)}) has a RunPython without reverse_code")


@rule(
    code="MRT602",
    name="Squashed migration: missing replaces",
    category=SQUASH,
    severity=WARNING,
    summary="A file named like a squashed migration has no `replaces` list.",
    frameworks=DJANGO_ONLY,
    docs=RuleDocs(
        what="A migration whose file name contains `squashed` but whose class has no `replaces` attribute.",
        why="Without `replaces`, Django treats it as a new migration: on databases where the originals ran it "
        "runs again (duplicate tables), and the graph gains a second path.",
        instead="Restore the `replaces` list that `squashmigrations` wrote, or rename the file if it is not a squash.",
        example="# 0001_squashed_0004_auto.py\nclass Migration(migrations.Migration):\n    operations = [...]\n",
        fixed='class Migration(migrations.Migration):\n    replaces = [("shop", "0001_initial"), ("shop", "0004_auto")]\n',
    ),
)
def squash_without_replaces(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if "squashed" in m.name.lower() and not m.replaces:
        span = m.header_span or Span(1, 0, 1, 0)
        yield Hit(
            message=f"{m.filename} looks squashed but declares no replaces",
            span=Span(span.line, span.column, span.line, span.column + 15),
        )
