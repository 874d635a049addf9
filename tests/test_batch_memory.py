"""A batch run holds each file's header, not its model: after a file's own rules ran, its operations
are released, so `mrt check` on a 10,000-revision history stays small (benchmarks/bench_scale.py has
the figures). Graph rules and the rules that read every file still see what they need."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mrt.analyzer import analyze_project


def write(path: Path, source: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source), encoding="utf-8")


def revision(rev: str, down: str | None, upgrade: str) -> str:
    return (
        f'"""{rev}"""\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f"revision = {rev!r}\ndown_revision = {down!r}\n\n\n"
        f"def upgrade():\n{upgrade}\n\n\ndef downgrade():\n    pass\n"
    )


def test_a_batch_keeps_headers_and_still_joins_files(tmp_path: Path):
    versions = tmp_path / "migrations" / "versions"
    write(tmp_path / "migrations" / "alembic.ini", "[alembic]\nscript_location = %(here)s\n")
    write(
        versions / "a1_orders.py",
        revision(
            "a1",
            None,
            '    op.create_table("orders", sa.Column("id", sa.Integer(), primary_key=True),\n'
            '                    sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id")))  # mrt: ignore[MRT306]',
        ),
    )
    write(versions / "b2_head.py", revision("b2", "a1", '    op.add_column("users", sa.Column("x", sa.Text()))'))
    write(versions / "c3_head.py", revision("c3", "a1", '    op.add_column("users", sa.Column("y", sa.Text()))'))

    migrations, findings = analyze_project([tmp_path / "migrations"])

    assert {m.revision for m in migrations} == {"a1", "b2", "c3"}
    assert all(m.ops == [] for m in migrations)  # released once the file's rules ran
    assert not any("downgrade" in m.derived or "add_copy_drops" in m.derived for m in migrations)  # nor their indexes
    codes = {f.code for f in findings}
    assert "MRT901" in codes  # two heads: the graph rules read headers
    assert "MRT427" in codes  # the foreign-key rule read the facts it kept of a1
    assert "MRT903" not in codes  # the suppression on a1 was used, and still known after the release
