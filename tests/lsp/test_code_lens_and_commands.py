"""Code lens above upgrade()/class Migration, and the commands an editor binds to it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from .conftest import diagnostics, open_document, write_project
from .migrations import DJANGO_RUNPYTHON, NOOP_DOWNGRADE, alembic

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def lenses(client: LanguageClient, uri: str) -> list[types.CodeLens]:
    found = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    return list(found or ())


async def run(client: LanguageClient, command: str, *arguments: object) -> object:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


async def test_the_lens_above_upgrade_counts_the_findings(client: LanguageClient, project: Path):
    uri = open_document(client, project / "migrations/versions/l001_table.py", alembic(NOOP_DOWNGRADE, "l001"))
    await diagnostics(client, uri, version=1)
    (lens,) = await lenses(client, uri)
    assert lens.range.start.line == 10  # def upgrade() -> None:
    assert lens.command.title == "mrt: 1 finding (1 error)"
    assert lens.command.command == "mrt.explainMigration"
    assert list(lens.command.arguments) == [uri]


async def test_the_lens_sits_on_class_migration_in_django(client: LanguageClient, project: Path):
    uri = open_document(client, project / "blog/migrations/0002_fill.py", DJANGO_RUNPYTHON)
    await diagnostics(client, uri, version=1)
    (lens,) = await lenses(client, uri)
    assert lens.range.start.line == 7


async def test_verify_rollback_appears_with_a_test_database_and_says_when_it_cannot_run(
    client: LanguageClient, project: Path
):
    sub = write_project(project / "with_db", tool_mrt='db_url = "sqlite:///rollback_test.db"')
    uri = open_document(client, sub / "migrations/versions/l002_table.py", alembic(NOOP_DOWNGRADE, "l002"))
    await diagnostics(client, uri, version=1)
    titles = [lens.command.title for lens in await lenses(client, uri)]
    assert titles == ["mrt: 1 finding (1 error)", "Verify rollback"]
    result = await run(client, "mrt.verifyRevision", uri)
    assert result["ok"] is False
    assert "not available" in result["message"]


async def test_show_rule_docs_and_explain_migration(client: LanguageClient, project: Path):
    docs = await run(client, "mrt.showRuleDocs", "MRT201")
    assert docs.startswith("# MRT201: DROP COLUMN in upgrade")
    assert "Unknown rule" in await run(client, "mrt.showRuleDocs", "MRT000")

    uri = open_document(client, project / "migrations/versions/l003_table.py", alembic(NOOP_DOWNGRADE, "l003"))
    await diagnostics(client, uri, version=1)
    explained = await run(client, "mrt.explainMigration", uri)
    assert "line 18: **MRT102** downgrade() does nothing" in explained


async def test_check_workspace_reports_progress_and_a_summary(client: LanguageClient, project: Path):
    open_document(client, project / "migrations/versions/l004_table.py", alembic(NOOP_DOWNGRADE, "l004"))
    summary = await run(client, "mrt.checkWorkspace")
    assert summary["cancelled"] is False
    assert summary["files"] >= 1 and summary["byCode"]["MRT102"] >= 1
    if client.client_name == "visual_studio_code":  # the only one of the three that shows progress
        (reports,) = [r for r in client.progress_reports.values() if r[0].title == "mrt: checking migrations"][-1:]
        assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
        assert isinstance(reports[-1], types.WorkDoneProgressEnd)


@pytest.fixture(scope="session")
def big_history(project: Path) -> Path:
    """Enough revisions that checking them all takes a while."""
    versions = project / "big/migrations/versions"
    write_project(project / "big")
    for n in range(200):
        (versions / f"b{n:03}.py").write_text(alembic(NOOP_DOWNGRADE, f"b{n:03}"))
    return versions


async def test_a_command_can_be_cancelled(client: LanguageClient, big_history: Path):
    params = types.ExecuteCommandParams(command="mrt.checkWorkspace", arguments=[])
    request = asyncio.ensure_future(
        client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="check-1")
    )
    await asyncio.sleep(0)  # let the request go out first
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="check-1"))
    with pytest.raises(JsonRpcException) as cancelled:
        await asyncio.wait_for(request, 15)
    assert cancelled.value.code == types.LSPErrorCodes.RequestCancelled
    assert (await run(client, "mrt.showRuleDocs", "MRT101")).startswith("# MRT101")  # still serving


async def test_bad_command_arguments_are_an_error_not_a_crash(client: LanguageClient):
    with pytest.raises(JsonRpcException):
        await run(client, "mrt.showRuleDocs")
    assert (await run(client, "mrt.showRuleDocs", "MRT101")).startswith("# MRT101")
