"""Diagnostics as each editor receives them: only on migrations, pulled or pushed (never both)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import change_document, close_document, diagnostics, is_pull, open_document, published
from .migrations import DJANGO_RUNPYTHON, DROP_COLUMN, NOOP_DOWNGRADE, NOT_A_MIGRATION, alembic

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_an_alembic_revision_gets_mrt_diagnostics(client: LanguageClient, project: Path):
    uri = open_document(client, project / "migrations/versions/a001_drop.py", alembic(DROP_COLUMN, "a001"))
    found = await diagnostics(client, uri, version=1)

    assert [d.code for d in found] == ["MRT201"]
    drop = found[0]
    assert drop.source == "mrt"
    assert drop.severity == types.DiagnosticSeverity.Error
    assert drop.code_description.href.endswith("/docs/rules/MRT201.md")
    # `op.drop_column("users", "phone")` on line 10 (0-based 9), from column 4 to its closing paren.
    assert drop.range == types.Range(start=types.Position(9, 4), end=types.Position(9, 36))
    assert drop.data["version"] == 1
    assert "disableLine" in drop.data and "disableFile" in drop.data


async def test_pull_for_clients_that_pull_push_with_version_for_the_rest(client: LanguageClient, project: Path):
    """Neovim 0.11 pulls; VS Code 1.65 and a bare client get pushed diagnostics. Never both."""
    assert is_pull(client) == (client.client_name == "neovim")
    uri = open_document(client, project / "migrations/versions/a002_drop.py", alembic(DROP_COLUMN, "a002"))
    if is_pull(client):
        assert [d.code for d in await diagnostics(client, uri)] == ["MRT201"]
        await asyncio.sleep(0.5)  # give a stray push every chance to arrive
        assert [p for p in client.published if p.uri == uri] == []
    else:
        pushed = await published(client, uri)
        assert pushed.version == 1
        assert [d.code for d in pushed.diagnostics] == ["MRT201"]


async def test_a_django_migration_gets_mrt_diagnostics(client: LanguageClient, project: Path):
    uri = open_document(client, project / "shop/migrations/0002_fill.py", DJANGO_RUNPYTHON)
    assert [d.code for d in await diagnostics(client, uri, version=1)] == ["MRT107"]


async def test_other_python_files_get_nothing(client: LanguageClient, project: Path):
    other = open_document(client, project / "app/models.py", NOT_A_MIGRATION)
    stray = open_document(client, project / "migrations/versions/helpers.py", "def upgrade_all():\n    pass\n")
    marker = open_document(client, project / "migrations/versions/a003_drop.py", alembic(DROP_COLUMN, "a003"))
    if is_pull(client):
        assert await diagnostics(client, other) == []
        assert await diagnostics(client, stray) == []
    else:
        await published(client, marker)  # handled after the two opens above
        assert [p.uri for p in client.published if p.uri in (other, stray)] == []


async def test_the_range_is_exact_in_the_clients_position_encoding(client: LanguageClient, project: Path):
    """Columns count UTF-16 units for VS Code and the bare client, UTF-8 bytes for Neovim 0.11."""
    text = alembic(DROP_COLUMN, "a004").replace(
        '    op.drop_column("users", "phone")', '    note = "é😀"; op.drop_column("users", "phone")'
    )
    uri = open_document(client, project / "migrations/versions/a004_drop.py", text)
    (drop,) = await diagnostics(client, uri, version=1)
    prefix = '    note = "é😀"; '
    units = len(prefix.encode("utf-8")) if client.client_name == "neovim" else len(prefix.encode("utf-16-le")) // 2
    assert drop.range.start == types.Position(9, units)
    assert drop.range.end.character - drop.range.start.character == len('op.drop_column("users", "phone")')


async def test_related_information_points_at_the_downgrade(client: LanguageClient, project: Path):
    text = alembic(NOOP_DOWNGRADE, "a005").replace("    pass\n", '    op.drop_index("ix_other", table_name="other")\n')
    uri = open_document(client, project / "migrations/versions/a005_table.py", text)
    found = {d.code: d for d in await diagnostics(client, uri, version=1)}
    related = found["MRT306"].related_information
    assert related[0].location.uri == uri
    assert related[0].location.range.start.line == 17  # def downgrade()
    assert "does not drop" in related[0].message


async def test_a_syntax_error_mid_typing_is_one_mrt902(client: LanguageClient, project: Path):
    uri = open_document(client, project / "migrations/versions/a006_drop.py", alembic(DROP_COLUMN, "a006"))
    await diagnostics(client, uri, version=1)
    broken = alembic(DROP_COLUMN, "a006").replace('op.drop_column("users", "phone")', 'op.drop_column("users", ')
    change_document(client, uri, broken, version=2)
    found = await diagnostics(client, uri, version=2)
    assert [d.code for d in found] == ["MRT902"]
    assert "disableLine" not in found[0].data  # a syntax error is fixed, not silenced


async def test_edits_are_debounced_and_only_the_latest_version_is_published(client: LanguageClient, project: Path):
    if is_pull(client):
        pytest.skip("pull clients decide themselves when to ask")
    text = alembic(DROP_COLUMN, "a007")
    uri = open_document(client, project / "migrations/versions/a007_drop.py", text)
    await published(client, uri, version=1)
    for version in range(2, 8):  # six quick keystrokes
        change_document(client, uri, text + "#" * version + "\n", version)
    await published(client, uri, version=7)
    assert [p.version for p in client.published if p.uri == uri] == [1, 7]


async def test_closing_a_document_clears_its_diagnostics(client: LanguageClient, project: Path):
    if is_pull(client):
        pytest.skip("pull clients drop diagnostics of closed documents themselves")
    uri = open_document(client, project / "migrations/versions/a008_drop.py", alembic(DROP_COLUMN, "a008"))
    await published(client, uri, version=1)
    close_document(client, uri)
    cleared = await published(client, uri, version=None)
    while cleared.diagnostics:
        await asyncio.sleep(0.02)
        cleared = [p for p in client.published if p.uri == uri][-1]
    assert len(cleared.diagnostics) == 0
