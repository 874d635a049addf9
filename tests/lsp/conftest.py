"""pytest-lsp fixtures: the real `mrt-lsp` server in a subprocess, driven like an editor would.

`client` is parametrised over the capability sets of VS Code (push diagnostics, UTF-16), Neovim 0.11
(pull diagnostics, UTF-8) and a bare client that supports nothing optional. Session-scoped servers
keep the suite fast (each start costs about two seconds); tests that change settings or need a
special environment start their own with `start_client`.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SERVER = [sys.executable, "-m", "mrt_server"]
CLIENTS = ("visual_studio_code", "neovim", "bare")
WAIT = 60.0  # only a guard against hangs: nothing here asserts on time, and a loaded 2-core CI machine is slow


def capabilities(name: str) -> types.ClientCapabilities:
    if name == "neovim":
        return client_capabilities("neovim@v0.11.0")
    if name == "visual_studio_code":
        return client_capabilities("visual_studio_code")
    return types.ClientCapabilities()


def write_project(root: Path, tool_mrt: str = "") -> Path:
    """An Alembic project: pyproject.toml with [tool.mrt], alembic.ini, migrations/versions/."""
    (root / "migrations" / "versions").mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f"[project]\nname = 'demo'\n\n[tool.mrt]\n{tool_mrt}\n")
    (root / "alembic.ini").write_text("[alembic]\nscript_location = migrations\n")
    (root / "migrations" / "env.py").write_text("")
    return root


# The shared project's files are independent revisions written by many tests, not one history: the
# revision-graph rules are tested on a project of their own (test_revision_graph.py).
GRAPH_RULES_OFF = 'ignore = ["MRT901", "MRT904", "MRT905", "MRT906", "MRT907", "MRT908"]'


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_project(tmp_path_factory.mktemp("shared"), tool_mrt=GRAPH_RULES_OFF)


def record_publishes(client: LanguageClient) -> None:
    """Keep every publishDiagnostics with its version (pytest-lsp keeps only the latest diagnostics)."""
    client.published = []  # type: ignore[attr-defined]
    client.protocol.fm.features.pop(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, None)  # replace pytest-lsp's own

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def published(params: types.PublishDiagnosticsParams) -> None:
        client.published.append(params)  # type: ignore[attr-defined]
        client.diagnostics[params.uri] = params.diagnostics

    client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)


async def initialize(
    client: LanguageClient, name: str, root: Path, options: dict[str, Any] | None = None
) -> types.InitializeResult:
    record_publishes(client)
    client.client_name = name  # type: ignore[attr-defined]
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities(name),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options,
        )
    )
    client.server_capabilities = result.capabilities  # type: ignore[attr-defined]
    return result


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="session", params=CLIENTS)
async def client(lsp_client: LanguageClient, request: pytest.FixtureRequest, project: Path) -> AsyncIterator[None]:
    await initialize(lsp_client, request.param, project)
    yield
    await asyncio.wait_for(lsp_client.shutdown_session(), WAIT)


@pytest_asyncio.fixture(loop_scope="session")
async def start_client() -> AsyncIterator[Any]:
    """Start a dedicated server: `await start_client(name, root, options=..., env=..., command=...)`."""
    started: list[LanguageClient] = []

    async def start(
        name: str,
        root: Path,
        options: dict[str, Any] | None = None,
        env: dict[str, str] | None = None,
        command: list[str] | None = None,
    ) -> LanguageClient:
        config = ClientServerConfig(server_command=command or SERVER, server_env={**os.environ, **(env or {})})
        client = await config.start(devtools=None)
        started.append(client)
        await initialize(client, name, root, options)
        return client

    yield start
    for client in started:
        await asyncio.wait_for(client.shutdown_session(), WAIT)
        await client.stop()


# -- what an editor does --------------------------------------------------------------------------


def is_pull(client: LanguageClient) -> bool:
    """Did the server choose pull diagnostics for this client?"""
    return client.server_capabilities.diagnostic_provider is not None  # type: ignore[attr-defined]


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text)
        )
    )
    return uri


def change_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def close_document(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def published(client: LanguageClient, uri: str, version: int | None = None) -> types.PublishDiagnosticsParams:
    """The first publish for `uri` (and `version`, if given) — waiting for it if need be."""

    async def poll() -> types.PublishDiagnosticsParams:
        while True:
            for params in client.published:  # type: ignore[attr-defined]
                if params.uri == uri and (version is None or params.version == version):
                    return params
            await asyncio.sleep(0.02)

    return await asyncio.wait_for(poll(), WAIT)


async def diagnostics(client: LanguageClient, uri: str, version: int | None = None) -> list[types.Diagnostic]:
    """The document's diagnostics the way this client gets them: pulled, or pushed for `version`."""
    if is_pull(client):
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        return list(report.items)
    return list((await published(client, uri, version)).diagnostics)


def apply_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP edits (ASCII test files, so characters are code points) — what the editor does."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))

    def offset(position: types.Position) -> int:
        return len(text) if position.line >= len(lines) else starts[position.line] + position.character

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]
    return text


def edits_of(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    edit = action.edit
    assert edit is not None
    if edit.document_changes:
        return [e for change in edit.document_changes if change.text_document.uri == uri for e in change.edits]
    return list((edit.changes or {}).get(uri, ()))
