"""Code lens above upgrade()/class Migration, and the commands an editor binds to it."""

from __future__ import annotations

import asyncio
import shutil
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


async def test_verify_rollback_appears_when_a_test_database_is_configured(client: LanguageClient, project: Path):
    sub = write_project(project / "with_db", tool_mrt='db_url = "sqlite:///rollback_test.db"')
    uri = open_document(client, sub / "migrations/versions/l002_table.py", alembic(NOOP_DOWNGRADE, "l002"))
    await diagnostics(client, uri, version=1)
    titles = [lens.command.title for lens in await lenses(client, uri)]
    assert titles == ["mrt: 1 finding (1 error)", "Verify rollback"]


async def test_show_rule_docs_and_explain_migration(client: LanguageClient, project: Path):
    docs = await run(client, "mrt.showRuleDocs", "MRT201")
    assert docs.startswith("# MRT201: DROP COLUMN in upgrade")
    assert "Unknown rule" in await run(client, "mrt.showRuleDocs", "MRT000")

    uri = open_document(client, project / "migrations/versions/l003_table.py", alembic(NOOP_DOWNGRADE, "l003"))
    await diagnostics(client, uri, version=1)
    explained = await run(client, "mrt.explainMigration", uri)
    assert "line 18: **MRT102** downgrade() does nothing" in explained


async def test_check_workspace_reports_progress_and_a_summary(client: LanguageClient, project: Path):
    if client.client_name != "visual_studio_code":
        pytest.skip("the one client of the three that shows progress")
    open_document(client, project / "migrations/versions/l004_table.py", alembic(NOOP_DOWNGRADE, "l004"))
    summary = await run(client, "mrt.checkWorkspace")
    assert summary["cancelled"] is False
    assert summary["files"] >= 1 and summary["byCode"]["MRT102"] >= 1
    (reports,) = [r for r in client.progress_reports.values() if r[0].title == "mrt: checking migrations"][-1:]
    assert isinstance(reports[0], types.WorkDoneProgressBegin) and reports[0].cancellable
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)


@pytest.fixture(scope="session")
def big_history(project: Path) -> Path:
    """Enough revisions that checking them all takes a while."""
    versions = project / "migrations/versions"
    for n in range(150):
        (versions / f"zz_big_{n:03}.py").write_text(alembic(NOOP_DOWNGRADE, f"zz{n:03}"))
    return versions


async def test_a_command_can_be_cancelled(client: LanguageClient, big_history: Path):
    if client.client_name != "bare":
        pytest.skip("one client is enough")
    params = types.ExecuteCommandParams(command="mrt.checkWorkspace", arguments=[])
    seen = len(client.log_messages)
    request = asyncio.ensure_future(
        client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="check-1")
    )
    while not any(m.message.startswith("mrt: checking ") for m in client.log_messages[seen:]):
        await asyncio.sleep(0.02)  # the server is working through the files
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="check-1"))
    with pytest.raises(JsonRpcException) as cancelled:
        await asyncio.wait_for(request, 15)
    assert cancelled.value.code == types.LSPErrorCodes.RequestCancelled
    while not any("check workspace cancelled after" in m.message for m in client.log_messages[seen:]):
        await asyncio.sleep(0.05)  # and the work itself stops, it does not run on unseen
    assert (await run(client, "mrt.showRuleDocs", "MRT101")).startswith("# MRT101")  # still serving


async def test_bad_command_arguments_are_an_error_not_a_crash(client: LanguageClient):
    with pytest.raises(JsonRpcException):
        await run(client, "mrt.showRuleDocs")
    assert (await run(client, "mrt.showRuleDocs", "MRT101")).startswith("# MRT101")


ENV_PY = (Path(__file__).resolve().parents[2] / "examples/alembic_project/migrations/env.py").read_text()


def verifiable_project(root: Path) -> Path:
    """An Alembic project on SQLite: r1 creates users, r2 drops users.phone (its downgrade re-adds an
    empty column, so a rollback loses every phone number)."""
    write_project(root, tool_mrt=f'db_url = "sqlite:///{root / "rollback_test.db"}"')
    (root / "migrations/env.py").write_text(ENV_PY)
    versions = root / "migrations/versions"
    header = 'import sqlalchemy as sa\nfrom alembic import op\n\nrevision = "{}"\ndown_revision = {}\n\n\n'
    (versions / "r1_users.py").write_text(
        header.format("r1", "None")
        + 'def upgrade():\n    op.create_table("users", sa.Column("id", sa.Integer, primary_key=True),'
        ' sa.Column("phone", sa.String(20)))\n\n\ndef downgrade():\n    op.drop_table("users")\n'
    )
    (versions / "r2_drop.py").write_text(
        header.format("r2", '"r1"') + 'def upgrade():\n    op.drop_column("users", "phone")\n\n\n'
        'def downgrade():\n    op.add_column("users", sa.Column("phone", sa.String(20)))\n'
    )
    return versions


async def test_verify_rollback_runs_against_sqlite_and_reports_as_diagnostics(client: LanguageClient, project: Path):
    if client.client_name != "visual_studio_code":
        pytest.skip("one client is enough: the verifier runs the same way")
    versions = verifiable_project(project / "verifiable")
    good = open_document(client, versions / "r1_users.py", (versions / "r1_users.py").read_text())
    await diagnostics(client, good, version=1)
    assert await run(client, "mrt.verifyRevision", good) == {"ok": True, "message": "reversible", "failures": []}

    lossy = open_document(client, versions / "r2_drop.py", (versions / "r2_drop.py").read_text())
    await diagnostics(client, lossy, version=1)
    result = await run(client, "mrt.verifyRevision", lossy)
    assert result["ok"] is False and result["message"] == "data loss detected"

    shown = [d for d in client.diagnostics[lossy] if d.code == "verify"]
    assert shown and all(d.severity == types.DiagnosticSeverity.Error for d in shown)
    assert shown[0].range.start.line == 7  # def upgrade()
    titles = [r[0].title for r in client.progress_reports.values() if isinstance(r[0], types.WorkDoneProgressBegin)]
    assert "mrt: verifying rollback of r2" in titles


async def test_verify_rollback_can_be_cancelled(client: LanguageClient, project: Path):
    if client.client_name != "visual_studio_code":
        pytest.skip("one client is enough")
    versions = verifiable_project(project / "cancelled")
    uri = open_document(client, versions / "r2_drop.py", (versions / "r2_drop.py").read_text())
    await diagnostics(client, uri, version=1)
    params = types.ExecuteCommandParams(command="mrt.verifyRevision", arguments=[uri])
    request = asyncio.ensure_future(
        client.protocol.send_request_async(types.WORKSPACE_EXECUTE_COMMAND, params, msg_id="verify-1")
    )
    await asyncio.sleep(0.3)  # the child process is starting
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="verify-1"))
    with pytest.raises(JsonRpcException) as cancelled:
        await asyncio.wait_for(request, 15)
    assert cancelled.value.code == types.LSPErrorCodes.RequestCancelled


async def test_verify_rollback_of_a_django_migration(client: LanguageClient, project: Path):
    if client.client_name != "visual_studio_code":
        pytest.skip("one client is enough: the verifier runs the same way")
    site = project / "django_site"
    shutil.copytree(Path(__file__).parents[2] / "examples" / "django_project", site)
    (site / "pyproject.toml").write_text(f'[tool.mrt]\ndb_url = "sqlite:///{site / "lens_verify_test.db"}"\n')
    initial = site / "accounts" / "migrations" / "0001_initial.py"
    good = open_document(client, initial, initial.read_text())
    await diagnostics(client, good, version=1)
    assert await run(client, "mrt.verifyRevision", good) == {"ok": True, "message": "reversible", "failures": []}

    removal = site / "accounts" / "migrations" / "0002_remove_customer_phone.py"
    lossy = open_document(client, removal, removal.read_text())
    await diagnostics(client, lossy, version=1)
    result = await run(client, "mrt.verifyRevision", lossy)
    assert result["ok"] is False and result["message"] == "data loss detected"
    assert any("phone" in failure for failure in result["failures"])
