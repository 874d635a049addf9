"""Settings from initializationOptions, workspace/configuration and didChangeConfiguration, and
[tool.mrt] from pyproject.toml — reloaded when it changes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types

from .conftest import WAIT, change_document, diagnostics, open_document, published, write_project
from .migrations import DROP_COLUMN, alembic

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def newest(client, uri: str, count: int) -> types.PublishDiagnosticsParams:
    """Wait for the `count`-th publish for `uri` and return it."""

    async def poll() -> types.PublishDiagnosticsParams:
        while len(mine := [p for p in client.published if p.uri == uri]) < count:
            await asyncio.sleep(0.02)
        return mine[count - 1]

    return await asyncio.wait_for(poll(), WAIT)


async def test_run_on_save_only_checks_saved_text(start_client, tmp_path: Path):
    root = write_project(tmp_path)
    client = await start_client("visual_studio_code", root, options={"mrt": {"run": "onSave"}})
    text = alembic(DROP_COLUMN, "s001")
    uri = open_document(client, root / "migrations/versions/s001_drop.py", text)
    await published(client, uri, version=1)
    change_document(client, uri, text.replace('"phone"', '"email"'), version=2)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    saved = await published(client, uri, version=2)
    assert [p.version for p in client.published if p.uri == uri] == [1, 2]  # nothing for the unsaved edit
    assert "users.email" in saved.diagnostics[0].message


async def test_editor_severity_default_yields_to_the_projects_own_severity(start_client, tmp_path: Path):
    root = write_project(tmp_path, tool_mrt='severity = { MRT102 = "error" }')
    client = await start_client("visual_studio_code", root, options={"severity": {"default": "hint"}})
    uri = open_document(client, root / "migrations/versions/s002_drop.py", alembic(DROP_COLUMN, "s002"))
    (drop,) = await diagnostics(client, uri, version=1)
    assert drop.severity == types.DiagnosticSeverity.Hint  # MRT201 is an error in CI, a hint while editing

    noop = alembic(DROP_COLUMN, "s003").replace(
        '    op.add_column("users", sa.Column("phone", sa.String(20)))', "    pass"
    )
    uri = open_document(client, root / "migrations/versions/s003_drop.py", noop)
    by_code = {d.code: d.severity for d in await diagnostics(client, uri, version=1)}
    assert by_code["MRT102"] == types.DiagnosticSeverity.Error  # [tool.mrt] severity wins


async def test_settings_change_through_workspace_configuration(start_client, tmp_path: Path):
    root = write_project(tmp_path)
    client = await start_client("visual_studio_code", root)
    uri = open_document(client, root / "migrations/versions/s004_drop.py", alembic(DROP_COLUMN, "s004"))
    (drop,) = (await newest(client, uri, 1)).diagnostics
    assert drop.severity == types.DiagnosticSeverity.Error

    client.set_configuration({"severity": {"default": "information"}}, section="mrt")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    (drop,) = (await newest(client, uri, 2)).diagnostics
    assert drop.severity == types.DiagnosticSeverity.Information


async def test_pyproject_changes_are_picked_up(start_client, tmp_path: Path):
    root = write_project(tmp_path)
    client = await start_client("neovim", root)  # pull
    uri = open_document(client, root / "migrations/versions/s005_drop.py", alembic(DROP_COLUMN, "s005"))
    assert [d.code for d in await diagnostics(client, uri)] == ["MRT201"]

    (root / "pyproject.toml").write_text('[tool.mrt]\nignore = ["MRT201"]\n')
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=(root / "pyproject.toml").as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    assert await diagnostics(client, uri) == []  # the next pull sees the new [tool.mrt]


async def test_bad_settings_are_logged_and_ignored(start_client, tmp_path: Path):
    root = write_project(tmp_path)
    options = {"mrt": {"run": "sometimes", "debounceMs": "fast", "colour": "red"}}
    client = await start_client("visual_studio_code", root, options=options)
    uri = open_document(client, root / "migrations/versions/s006_drop.py", alembic(DROP_COLUMN, "s006"))
    assert [d.code for d in await diagnostics(client, uri, version=1)] == ["MRT201"]
    logged = "\n".join(m.message for m in client.log_messages)
    assert "mrt.run = 'sometimes' is not valid" in logged
    assert "unknown setting mrt.colour" in logged
    assert client.messages == []


async def test_settings_sent_with_did_change_configuration(start_client, tmp_path: Path):
    """Clients without workspace/configuration send the settings themselves."""
    root = write_project(tmp_path)
    client = await start_client("bare", root)
    uri = open_document(client, root / "migrations/versions/s007_drop.py", alembic(DROP_COLUMN, "s007"))
    (drop,) = (await newest(client, uri, 1)).diagnostics
    assert drop.severity == types.DiagnosticSeverity.Error
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"mrt": {"severity": {"default": "hint"}}})
    )
    (drop,) = (await newest(client, uri, 2)).diagnostics
    assert drop.severity == types.DiagnosticSeverity.Hint
