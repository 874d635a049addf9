"""The hover's Claude layer on a stubbed transport (httpx2.MockTransport): no key, no client;
concurrent hovers on one snippet share one request, which is then cached; snippets stay small."""

from __future__ import annotations

import asyncio
import time

import pytest
from mrt_server.claude import ClaudeExplainer, operation_snippet

from mrt.findings import RiskWarning

from .claude_stub import sse

httpx2 = pytest.importorskip("httpx2")
pytest.importorskip("anthropic")

FINDING = RiskWarning(
    "r1", "f.py", "DROP COLUMN in upgrade", "Dropping users.phone deletes its data", "error", 3, "MRT201"
)


def transport(calls: list, delay: float = 0.0):
    def handle(request):
        calls.append(request)
        time.sleep(delay)
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=sse("Deletes every value."))

    return httpx2.Client(transport=httpx2.MockTransport(handle))


@pytest.mark.asyncio(loop_scope="session")
async def test_without_a_key_there_is_no_client(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    calls: list = []
    logged: list[str] = []
    assert await ClaudeExplainer.connect("m", logged.append, http_client=transport(calls)) is None
    assert calls == []
    assert "ANTHROPIC_API_KEY" in logged[0]


@pytest.mark.asyncio(loop_scope="session")
async def test_concurrent_hovers_share_one_request_and_the_answer_is_cached(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    calls: list = []
    explainer = await ClaudeExplainer.connect("m", print, http_client=transport(calls, delay=0.3))
    snippet = '    op.drop_column("users", "phone")'
    first, second = await asyncio.gather(
        explainer.explain(snippet, [FINDING], "alembic", budget=10),
        explainer.explain(snippet, [FINDING], "alembic", budget=10),
    )
    assert first == second == ("Deletes every value.", False)
    assert await explainer.explain(snippet, [FINDING], "alembic", budget=10) == ("Deletes every value.", False)
    assert len(calls) == 1
    assert calls[0].headers["authorization"] == "Bearer sk-test"


def test_the_snippet_is_the_operation_and_two_lines_around_it():
    source = "\n".join(f"line {n}" for n in range(1, 101))
    assert operation_snippet(source, 50, 51).splitlines() == [f"line {n}" for n in range(48, 54)]
