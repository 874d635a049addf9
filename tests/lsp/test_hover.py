"""Hover on a finding: the rule's docs, and Claude's explanation on top when the user opted in."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from .claude_stub import ClaudeStub
from .conftest import diagnostics, open_document, write_project
from .migrations import DROP_COLUMN, alembic

pytestmark = pytest.mark.asyncio(loop_scope="session")

DROP_LINE = 9  # 0-based line of `op.drop_column("users", "phone")`


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(line, character))
    )


async def test_hover_on_a_finding_shows_the_rule_docs(client: LanguageClient, project: Path):
    uri = open_document(client, project / "migrations/versions/h001_drop.py", alembic(DROP_COLUMN, "h001"))
    await diagnostics(client, uri, version=1)

    shown = await hover(client, uri, DROP_LINE, 10)
    assert shown is not None and shown.contents.kind == types.MarkupKind.Markdown
    text = shown.contents.value
    assert text.startswith("# MRT201: DROP COLUMN in upgrade")
    for section in ("## What it finds", "## Why it is risky", "## Do this instead"):
        assert section in text
    assert "Claude" not in text
    assert shown.range.start == types.Position(DROP_LINE, 4)


async def test_no_hover_away_from_findings(client: LanguageClient, project: Path):
    uri = open_document(client, project / "migrations/versions/h002_drop.py", alembic(DROP_COLUMN, "h002"))
    await diagnostics(client, uri, version=1)
    assert await hover(client, uri, 4, 2) is None  # on `revision = ...`


SECRET = "sk-ant-api03-NEVER-LOG-THIS-KEY-9876543210"


async def test_claude_explains_the_operation_on_top_of_the_docs(start_client, tmp_path: Path):
    """Stubbed API on loopback: a late answer shows on the next hover, answers are cached, only a
    snippet is sent, and a failure falls back to the docs without a popup."""
    root = write_project(tmp_path)
    with ClaudeStub() as stub:
        stub.delay = 1.0
        env = {"ANTHROPIC_API_KEY": SECRET, "ANTHROPIC_BASE_URL": stub.url}
        options = {"explain": {"provider": "claude", "model": "claude-test-model", "timeoutMs": 200}}
        client = await start_client("visual_studio_code", root, options=options, env=env)
        uri = open_document(client, root / "migrations/versions/h003_drop.py", alembic(DROP_COLUMN, "h003"))
        await diagnostics(client, uri, version=1)

        first = (await hover(client, uri, DROP_LINE, 10)).contents.value
        assert first.startswith("_Claude's explanation is on its way")
        assert "# MRT201: DROP COLUMN in upgrade" in first
        await asyncio.get_running_loop().run_in_executor(None, stub.answered.wait, 30)
        await asyncio.sleep(0.2)

        second = (await hover(client, uri, DROP_LINE, 10)).contents.value
        third = (await hover(client, uri, DROP_LINE, 20)).contents.value
        assert second.startswith("**Claude** (claude-test-model):\n\nDropping the column deletes every value in it.")
        assert second.index("Claude") < second.index("# MRT201")
        assert third == second
        assert len(stub.requests) == 1  # the second and third hovers were answered from the cache

        request = stub.requests[0]
        assert request["model"] == "claude-test-model"
        sent = request["messages"][0]["content"]
        assert 'op.drop_column("users", "phone")' in sent
        assert "revision =" not in sent and "import sqlalchemy" not in sent  # a snippet, never the whole file
        assert str(root) not in sent

        stub.status = 401
        other = alembic(DROP_COLUMN, "h004").replace('"phone"', '"email"')
        uri2 = open_document(client, root / "migrations/versions/h004_drop.py", other)
        await diagnostics(client, uri2, version=1)
        await hover(client, uri2, DROP_LINE, 10)
        await asyncio.sleep(1.0)
        fallback = (await hover(client, uri2, DROP_LINE, 10)).contents.value
        assert fallback.startswith("# MRT201")
        assert client.messages == []  # no popup, ever
        assert any("Claude explanation unavailable" in m.message for m in client.log_messages)
        # The key stays out of the logs, hovers and messages, also after the 401.
        shown = [m.message for m in client.log_messages] + [first, second, fallback]
        assert not any(SECRET in text or SECRET[-12:] in text for text in shown)


async def test_no_claude_without_a_key(start_client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root = write_project(tmp_path)
    with ClaudeStub() as stub:
        env = {"ANTHROPIC_API_KEY": "", "ANTHROPIC_BASE_URL": stub.url}
        client = await start_client("visual_studio_code", root, options={"explain": {"provider": "claude"}}, env=env)
        uri = open_document(client, root / "migrations/versions/h005_drop.py", alembic(DROP_COLUMN, "h005"))
        await diagnostics(client, uri, version=1)
        shown = (await hover(client, uri, DROP_LINE, 10)).contents.value
        assert shown.startswith("# MRT201")
        assert stub.requests == []
