"""A batch run holds each file's header, not its model: after a file's own rules ran, its operations
are released, so `mrt check` on a 10,000-revision history stays small (benchmarks/bench_scale.py has
the figures). Graph rules and the rules that read every file still see what they need."""

from __future__ import annotations

import gc
import textwrap
import tracemalloc
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


def test_a_label_the_parser_cannot_read_is_still_a_label_after_the_release(tmp_path: Path):
    # neutron's expand/contract branches name their labels through constants: two labelled heads, not two heads
    versions = tmp_path / "versions"
    write(versions / "base.py", revision("base", None, "    pass"))
    for rev, label in (("e1", "EXPAND_BRANCH"), ("c1", "CONTRACT_BRANCH")):
        source = revision(rev, "base", "    pass").replace(
            "from alembic import op\n", "from alembic import op\nimport cli\n"
        )
        write(
            versions / f"{rev}.py",
            source.replace("\n\n\ndef upgrade", f"\nbranch_labels = (cli.{label},)\n\n\ndef upgrade"),
        )

    migrations, findings = analyze_project([versions])

    assert all(m.source == "" for m in migrations)  # released
    assert "MRT901" not in {f.code for f in findings}


def padded(source: str, lines: int) -> str:
    """The same migration with `lines` lines of comments and a docstring as long: more text, no more findings."""
    filler = "".join(f"# note {i}: {'x' * 60}\n" for i in range(lines))
    return source.replace('"""', '"""' + "y" * 70 * lines, 1) + filler


def retained_bytes(directory: Path) -> int:
    """Bytes still allocated after a batch run, with its models and findings in hand."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        result = analyze_project([directory])
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(result[0]) == FILES
    return after - before


FILES = 200


def test_what_a_file_costs_after_its_pass_does_not_grow_with_its_size(tmp_path: Path):
    for name, lines in (("small", 0), ("large", 300)):
        for i in range(FILES):
            down = f"r{i - 1}" if i else None
            body = f'    op.add_column("t{i}", sa.Column("c", sa.Text()))\n    op.create_index("ix_{i}", "t{i}", ["c"])'
            write(tmp_path / name / "versions" / f"r{i}.py", padded(revision(f"r{i}", down, body), lines))
    small, large = retained_bytes(tmp_path / "small"), retained_bytes(tmp_path / "large")
    # the large files are each about 40 KB longer: keeping their sources would add 8 MB; caches warmed by
    # earlier tests may move a few bytes per file either way
    assert large - small < 1_000 * FILES, (small, large)
