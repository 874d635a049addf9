"""The server never crashes and never goes quiet: a failing rule, a crashing analyzer, a file too
slow to analyse within the budget, and a 10,000-line migration."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
from lsprotocol import types

from .conftest import WAIT, change_document, diagnostics, open_document, published, write_project
from .migrations import DROP_COLUMN, alembic

pytestmark = pytest.mark.asyncio(loop_scope="session")
FAILING_SERVER = [sys.executable, str(Path(__file__).with_name("failing_server.py"))]


def big_migration(lines: int) -> str:
    body = "\n".join(f'    op.add_column("t{i % 40}", sa.Column("c{i}", sa.String(20)))' for i in range(lines))
    return alembic(DROP_COLUMN, "big").replace('    op.drop_column("users", "phone")', body)


async def logged(client, text: str) -> None:
    async def poll() -> None:
        while not any(text in m.message for m in client.log_messages):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), WAIT)


async def test_a_failing_rule_is_logged_and_the_other_rules_still_report(start_client, tmp_path: Path):
    root = write_project(tmp_path)
    client = await start_client("visual_studio_code", root, command=FAILING_SERVER)
    uri = open_document(client, root / "migrations/versions/f001_drop.py", alembic(DROP_COLUMN, "f001"))
    assert [d.code for d in await diagnostics(client, uri, version=1)] == ["MRT201"]
    await logged(client, "bug in MRT999")
    assert client.messages == []  # no popups


async def test_an_analyzer_crash_is_logged_and_the_server_carries_on(start_client, tmp_path: Path):
    root = write_project(tmp_path)
    client = await start_client("visual_studio_code", root, command=FAILING_SERVER)
    text = alembic(DROP_COLUMN, "f002")
    uri = open_document(client, root / "migrations/versions/f002_drop.py", text)
    await published(client, uri, version=1)
    change_document(client, uri, text + "# CRASH-ME\n", version=2)
    await logged(client, "the analyzer crashed")
    change_document(client, uri, text + "# fixed\n", version=3)
    assert [d.code for d in await diagnostics(client, uri, version=3)] == ["MRT201"]
    assert client.messages == []


async def test_a_file_over_the_time_budget_gets_one_information_diagnostic(start_client, tmp_path: Path):
    root = write_project(tmp_path)
    client = await start_client("visual_studio_code", root, options={"maxAnalysisSeconds": 0.001})
    uri = open_document(client, root / "migrations/versions/f003_big.py", big_migration(3000))
    (notice,) = await diagnostics(client, uri, version=1)
    assert notice.severity == types.DiagnosticSeverity.Information
    assert "took longer than" in notice.message


async def test_a_10000_line_migration_still_answers(client, project: Path):
    """Findings, or — on a slow machine — the notice that the budget ran out; never silence."""
    if client.client_name != "visual_studio_code":
        pytest.skip("one client is enough: the work is the same")
    uri = open_document(client, project / "migrations/versions/f004_big.py", big_migration(10_000))
    found = await diagnostics(client, uri, version=1)
    assert len(found) > 0
