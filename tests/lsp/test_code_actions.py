"""Quick fixes from the editor: apply one, and the finding is gone on the next analysis."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import apply_edits as apply_lsp_edits
from .conftest import change_document, diagnostics, edits_of, open_document
from .migrations import DROP_COLUMN, NOOP_DOWNGRADE, alembic

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def actions_for(
    client: LanguageClient, uri: str, found: list[types.Diagnostic], only: list[str] | None = None
) -> list[types.CodeAction]:
    whole = types.Range(start=types.Position(0, 0), end=types.Position(10_000, 0))
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=found[0].range if found else whole,
            context=types.CodeActionContext(diagnostics=found, only=only),
        )
    )
    return list(result or ())


async def test_the_rule_fix_is_preferred_and_applying_it_clears_the_finding(client: LanguageClient, project: Path):
    text = alembic(NOOP_DOWNGRADE, "c001")
    uri = open_document(client, project / "migrations/versions/c001_table.py", text)
    found = await diagnostics(client, uri, version=1)
    assert [d.code for d in found] == ["MRT102"]

    actions = await actions_for(client, uri, found)
    titles = [a.title for a in actions]
    assert titles == [
        "mrt (MRT102): Generate downgrade()",
        "mrt (MRT102): Mark downgrade() irreversible",
        "mrt: Disable MRT102 for this line",
        "mrt: Disable MRT102 for this file",
    ]
    assert actions[0].is_preferred and not actions[1].is_preferred
    assert all(a.kind == types.CodeActionKind.QuickFix for a in actions)

    fixed = apply_lsp_edits(text, edits_of(actions[0], uri))
    assert fixed.endswith('def downgrade() -> None:\n    op.drop_table("audit_log")\n')
    change_document(client, uri, fixed, version=2)
    assert await diagnostics(client, uri, version=2) == []


@pytest.mark.parametrize("scope", ["line", "file"])
async def test_disable_for_this_line_or_file_silences_the_finding(client: LanguageClient, project: Path, scope: str):
    text = alembic(DROP_COLUMN, f"c002{scope}")
    uri = open_document(client, project / f"migrations/versions/c002_{scope}.py", text)
    found = await diagnostics(client, uri, version=1)
    action = next(a for a in await actions_for(client, uri, found) if a.title.endswith(f"for this {scope}"))

    fixed = apply_lsp_edits(text, edits_of(action, uri))
    expected = "  # mrt: ignore[MRT201]" if scope == "line" else "# mrt: ignore-file[MRT201]\n"
    assert expected in fixed
    change_document(client, uri, fixed, version=2)
    assert await diagnostics(client, uri, version=2) == []


async def test_fix_all_applies_every_preferred_fix(client: LanguageClient, project: Path):
    text = alembic(NOOP_DOWNGRADE, "c003")
    uri = open_document(client, project / "migrations/versions/c003_table.py", text)
    await diagnostics(client, uri, version=1)
    actions = await actions_for(client, uri, [], only=["source.fixAll"])
    assert [(a.title, a.kind) for a in actions] == [("mrt: Fix all auto-fixable problems", "source.fixAll.mrt")]
    change_document(client, uri, apply_lsp_edits(text, edits_of(actions[0], uri)), version=2)
    assert await diagnostics(client, uri, version=2) == []


async def test_no_actions_from_an_outdated_analysis(client: LanguageClient, project: Path):
    text = alembic(DROP_COLUMN, "c004")
    uri = open_document(client, project / "migrations/versions/c004_drop.py", text)
    found = await diagnostics(client, uri, version=1)
    change_document(client, uri, "\n" + text, version=2)  # the edits in `found` now point one line too high
    assert await actions_for(client, uri, found) == []


async def test_each_kind_of_action_can_be_switched_off(start_client, tmp_path: Path):
    from .conftest import write_project

    root = write_project(tmp_path)
    off = {"codeActions": {"fix": False, "disableForLine": False, "disableForFile": True, "fixAll": False}}
    client = await start_client("visual_studio_code", root, options={"mrt": off})
    uri = open_document(client, root / "migrations/versions/c005_table.py", alembic(NOOP_DOWNGRADE, "c005"))
    found = await diagnostics(client, uri, version=1)
    assert [a.title for a in await actions_for(client, uri, found)] == ["mrt: Disable MRT102 for this file"]
    assert await actions_for(client, uri, [], only=["source.fixAll.mrt"]) == []
