"""`mrt explain FILE`: Claude's explanation streamed to the terminal.

The Anthropic API is never called: the SDK gets an `httpx2.Client` whose transport is a stub that
answers `/v1/messages` with a server-sent-event stream (or fails the way the network does).
"""

from __future__ import annotations

import json
import sys

import pytest

anthropic = pytest.importorskip("anthropic")
httpx2 = pytest.importorskip("httpx2")

import mrt.explain.claude as claude  # noqa: E402
from mrt.explain.claude import ClaudeError, build_prompt, make_client, snippet_of, stream_explanation  # noqa: E402
from mrt.findings import RiskWarning  # noqa: E402

FILE = "migrations/versions/0004_drop_phone.py"


def _sse(*texts: str) -> bytes:
    events = [
        (
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": "msg_test",
                    "type": "message",
                    "role": "assistant",
                    "model": "claude-test",
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": {"input_tokens": 10, "output_tokens": 1},
                },
            },
        ),
        (
            "content_block_start",
            {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        ),
        *[
            (
                "content_block_delta",
                {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": t}},
            )
            for t in texts
        ],
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        (
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                "usage": {"output_tokens": 5},
            },
        ),
        ("message_stop", {"type": "message_stop"}),
    ]
    return "".join(f"event: {name}\ndata: {json.dumps(data)}\n\n" for name, data in events).encode()


class StubAPI:
    """Records requests; answers with `respond(request)`."""

    def __init__(self, respond):
        self.requests: list = []
        self.respond = respond

    def __call__(self, request):
        self.requests.append(request)
        return self.respond(request)


@pytest.fixture
def api(monkeypatch):
    """Route every client `make_client` builds through a stub transport; set a fake key."""
    stub = StubAPI(
        lambda request: httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=_sse("Hello"))
    )
    real = claude.make_client

    def stubbed(*, timeout=60.0, http_client=None):
        return real(timeout=timeout, http_client=httpx2.Client(transport=httpx2.MockTransport(stub)))

    monkeypatch.setattr(claude, "make_client", stubbed)
    monkeypatch.setattr("mrt.explain.command.make_client", stubbed)
    monkeypatch.setattr(claude, "MAX_RETRIES", 0)
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    return stub


def test_explain_streams_claudes_answer(cli, alembic_project, api):
    api.respond = lambda request: httpx2.Response(
        200, headers={"content-type": "text/event-stream"}, content=_sse("Dropping ", "users.phone ", "loses data.")
    )
    result = cli("explain", FILE, "--model", "claude-test-model")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "Dropping users.phone loses data.\n"
    [request] = api.requests
    assert request.url.path == "/v1/messages"
    assert "sk-test" in request.headers.get("x-api-key", "") + request.headers.get("authorization", "")
    body = json.loads(request.content)
    assert body["model"] == "claude-test-model" and body["stream"] is True
    prompt = body["messages"][0]["content"]
    assert "MRT201 DROP COLUMN in upgrade (error)" in prompt
    assert 'op.drop_column("users", "phone")' in prompt
    assert "from alembic import op" not in prompt  # a snippet, not the file


def test_explain_model_defaults_to_explain_model_from_config(cli, alembic_project, api):
    with open("pyproject.toml", "w") as handle:
        handle.write('[tool.mrt]\nexplain_model = "claude-from-config"\n')
    assert cli("explain", FILE).exit_code == 0
    assert json.loads(api.requests[0].content)["model"] == "claude-from-config"


def test_without_an_api_key_nothing_is_sent(cli, alembic_project, api, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    result = cli("explain", FILE)
    assert result.exit_code == 3
    assert result.stderr == "mrt: error: set ANTHROPIC_API_KEY to your Anthropic API key to use Claude explanations\n"
    assert api.requests == []


def test_without_the_ai_extra_it_says_what_to_install(cli, alembic_project, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setitem(sys.modules, "anthropic", None)  # import anthropic -> ImportError
    result = cli("explain", FILE)
    assert result.exit_code == 3
    assert result.stderr == "mrt: error: Claude explanations need the anthropic SDK: pip install 'mrt[ai]'\n"


def test_a_timeout_is_one_line_and_the_static_explanation_follows(cli, alembic_project, api):
    def time_out(request):
        raise httpx2.ReadTimeout("timed out", request=request)

    api.respond = time_out
    result = cli("explain", FILE, "--timeout", "5")
    assert result.exit_code == 3
    assert result.stderr == "mrt: error: Claude did not answer in time (timeout 5.0 s)\n"
    assert "Static explanation (from mrt's rule docs):" in result.stdout
    assert "MRT201 DROP COLUMN in upgrade (error)" in result.stdout and "Why:" in result.stdout


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            401,
            {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}},
            "the Anthropic API rejected the key in ANTHROPIC_API_KEY (401)",
        ),
        (
            404,
            {"type": "error", "error": {"type": "not_found_error", "message": "model: nope"}},
            "model 'claude-opus-4-5' not found (pass --model or set explain_model)",
        ),
        (
            529,
            {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
            "the Anthropic API answered 529: Overloaded",
        ),
    ],
)
def test_api_errors_are_one_line(cli, alembic_project, api, status, body, message):
    api.respond = lambda request: httpx2.Response(status, json=body)
    result = cli("explain", FILE)
    assert result.exit_code == 3
    assert result.stderr == f"mrt: error: {message}\n"


def test_connection_errors_are_one_line(cli, alembic_project, api):
    def refuse(request):
        raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)

    api.respond = refuse
    result = cli("explain", FILE)
    assert result.exit_code == 3
    assert result.stderr.startswith("mrt: error: cannot reach the Anthropic API: ")
    assert len(result.stderr.splitlines()) == 1


def test_a_missing_file(cli, alembic_project, api):
    result = cli("explain", "nope.py")
    assert result.exit_code == 3 and result.stderr.startswith("mrt: error: nope.py: cannot read file")


# -- the functions the language server reuses ---------------------------------------------------------------


def test_build_prompt_names_the_findings_and_carries_the_snippet():
    finding = RiskWarning("0004", FILE, "DROP COLUMN in upgrade", "users.phone is dropped", "error", 14, "MRT201")
    prompt = build_prompt(
        "def upgrade():\n    op.drop_column('users', 'phone')", [finding], framework="alembic", path=FILE
    )
    assert prompt.user.startswith(f"Alembic migration {FILE}.")
    assert "- line 14: MRT201 DROP COLUMN in upgrade (error): users.phone is dropped" in prompt.user
    assert "```python\ndef upgrade():" in prompt.user
    assert "rolling it back" in prompt.system
    assert "- none: the static rules found no risk" in build_prompt("pass", []).user


def test_snippet_keeps_the_header_and_functions_and_drops_imports_and_docstrings():
    source = '"""Add phone.\n\nRevision ID: 0002\n"""\nimport sqlalchemy as sa\nfrom alembic import op\n\nrevision = "0002"\n\n\ndef upgrade():\n    op.add_column("users", sa.Column("phone", sa.String))\n'
    assert (
        snippet_of(source)
        == 'revision = "0002"\n\ndef upgrade():\n    op.add_column("users", sa.Column("phone", sa.String))'
    )
    assert snippet_of("def broken(:\n") == "def broken(:\n"


def test_stream_explanation_yields_chunks_from_a_client():
    transport = httpx2.MockTransport(
        lambda request: httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=_sse("a", "b"))
    )
    client = anthropic.Anthropic(api_key="k", http_client=httpx2.Client(transport=transport), max_retries=0)
    assert list(stream_explanation(client, build_prompt("pass", []), model="m")) == ["a", "b"]


def test_make_client_needs_a_key(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(ClaudeError, match="set ANTHROPIC_API_KEY"):
        make_client()


SECRET = "sk-ant-api03-NEVER-PRINT-THIS-KEY-0123456789"


@pytest.mark.parametrize("outcome", ["ok", "401", "529", "refused"])
def test_the_api_key_never_appears_in_output_or_errors(cli, alembic_project, api, monkeypatch, outcome):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    monkeypatch.setenv("MRT_DEBUG", "1")  # even the debugging path must not print it

    def respond(request):
        if outcome == "refused":
            raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)
        if outcome == "ok":
            return httpx2.Response(200, headers={"content-type": "text/event-stream"}, content=_sse("fine"))
        error = {"type": "error", "error": {"type": "api_error", "message": "no"}}
        return httpx2.Response(int(outcome), json=error)

    api.respond = respond
    result = cli("explain", FILE)
    assert SECRET not in result.stdout and SECRET not in result.stderr
    assert SECRET[-12:] not in result.stdout + result.stderr
    (request,) = api.requests
    carriers = [name.lower() for name, value in request.headers.items() if SECRET in value]
    assert carriers in (["authorization"], ["x-api-key"])  # only in the API's own auth header
    assert SECRET not in request.content.decode("utf-8", "replace")
