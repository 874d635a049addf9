"""The language server under abuse: it stays up, and stays correct.

Garbage on the wire, unknown methods, positions outside the document, edits racing each other, a
document closed while it is analysed and 200 files opened at once. After each, a real request is
answered correctly. The wire-level tests drive `mrt-lsp` with hand-framed bytes (`RawClient`),
since an editor's client library never sends garbage; the others use pytest-lsp's clients.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from lsprotocol import types
from pytest_lsp import LanguageClient

from .conftest import (
    GRAPH_RULES_OFF,
    WAIT,
    change_document,
    close_document,
    diagnostics,
    is_pull,
    open_document,
    write_project,
)
from .gated_server import GATE
from .migrations import CLEAN, DROP_COLUMN, alembic
from .raw_client import RawClient, frame
from .test_code_lens_and_commands import verifiable_project

pytestmark = pytest.mark.asyncio(loop_scope="session")

DROP_LINE = 9  # 0-based line of `op.drop_column("users", "phone")`
PARSE_ERROR, INVALID_REQUEST, METHOD_NOT_FOUND, INVALID_PARAMS = -32700, -32600, -32601, -32602
GATED_SERVER = [sys.executable, str(Path(__file__).with_name("gated_server.py"))]


@pytest_asyncio.fixture(loop_scope="session", scope="module")
async def raw(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[RawClient, str]]:
    """One `mrt-lsp` over stdio with one faulty migration open: (client, uri)."""
    root = write_project(tmp_path_factory.mktemp("raw"))
    client = await RawClient.start()
    await client.initialize(root)
    uri = await client.open(root / "migrations/versions/a001_drop.py", alembic(DROP_COLUMN, "a001"))
    assert [d["code"] for d in await client.diagnostics(uri, version=1)] == ["MRT201"]
    yield client, uri
    await client.stop()


async def still_serving(client: RawClient, uri: str) -> None:
    """The hover on the finding still shows MRT201's documentation."""
    answer = await client.hover(uri, DROP_LINE, 10)
    assert answer["result"]["contents"]["value"].startswith("# MRT201")


async def hover(client: LanguageClient, uri: str, line: int, character: int) -> types.Hover | None:
    position = types.Position(line=line, character=character)
    return await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )


def hover_request(message_id: int, uri: str, position: Any) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": message_id,
        "method": "textDocument/hover",
        "params": {"textDocument": {"uri": uri}, "position": position},
    }


# -- garbage on the wire --------------------------------------------------------------------------

NOT_JSON = [
    pytest.param(b"{this is not json", id="truncated-object"),
    pytest.param(b"\xff\xfe\x00garbage", id="not-utf8"),
    pytest.param(b"", id="empty-body"),
]


@pytest.mark.parametrize("body", NOT_JSON)
async def test_a_body_that_is_not_json_is_a_parse_error(raw: tuple[RawClient, str], body: bytes):
    client, uri = raw
    before = len(client.orphans)
    await client.write(frame(body))
    error = (await client.orphan(before + 1))["error"]
    assert error["code"] == PARSE_ERROR
    await still_serving(client, uri)


NOT_A_REQUEST = [
    pytest.param("[]", id="empty-array"),
    pytest.param("[1, 2, 3]", id="batch"),
    pytest.param("42", id="number"),
    pytest.param('"hover please"', id="string"),
    pytest.param("null", id="null"),
    pytest.param('{"foo": "bar"}', id="object-without-jsonrpc"),
    pytest.param('{"jsonrpc": "2.0", "params": {}}', id="no-method-no-id"),
    pytest.param('{"jsonrpc": "2.0", "method": 12, "params": {}}', id="method-not-a-string"),
    pytest.param('{"jsonrpc": "2.0", "id": {"nested": 1}, "method": "textDocument/hover"}', id="id-an-object"),
]


@pytest.mark.parametrize("body", NOT_A_REQUEST)
async def test_json_that_is_not_a_request_is_an_invalid_request(raw: tuple[RawClient, str], body: str):
    """JSON-RPC 2.0: the error carries id null when the request's id cannot be read."""
    client, uri = raw
    before = len(client.orphans)
    await client.write(frame(body))
    response = await client.orphan(before + 1)
    assert response["error"]["code"] == INVALID_REQUEST
    assert response["id"] is None
    await still_serving(client, uri)


@pytest.mark.parametrize(
    "message",
    [
        pytest.param({"jsonrpc": "2.0", "id": 9001, "params": {}}, id="no-method"),
        pytest.param({"jsonrpc": "1.0", "id": 9002, "method": "textDocument/hover", "params": {}}, id="wrong-version"),
        pytest.param(
            {"jsonrpc": "2.0", "id": 9003, "method": "textDocument/hover", "params": "x"}, id="params-a-string"
        ),
    ],
)
async def test_an_invalid_request_with_a_readable_id_is_answered_with_that_id(
    raw: tuple[RawClient, str], message: dict[str, Any]
):
    client, uri = raw
    await client.send(message)
    assert (await client.response(message["id"]))["error"]["code"] == INVALID_REQUEST
    await still_serving(client, uri)


@pytest.mark.parametrize(
    "position",
    [
        pytest.param("line 9, character 10", id="string"),
        pytest.param({"line": "nine", "character": 10}, id="string-line"),
        pytest.param(None, id="missing"),
        pytest.param([9, 10], id="array"),
    ],
)
async def test_a_known_request_with_params_of_the_wrong_type_is_invalid_params(
    raw: tuple[RawClient, str], position: Any
):
    client, uri = raw
    await client.send(hover_request(9100, uri, position))
    assert (await client.response(9100))["error"]["code"] == INVALID_PARAMS
    client.responses.pop(9100)
    await still_serving(client, uri)


async def test_a_notification_with_params_of_the_wrong_type_is_dropped_silently(raw: tuple[RawClient, str]):
    """Notifications are never answered, not even with an error; the document is left as it was."""
    client, uri = raw
    before = len(client.orphans)
    await client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": "two"}, "contentChanges": 5})
    await still_serving(client, uri)
    assert len(client.orphans) == before


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(b"Content-Length: lots\r\n\r\n", id="not-a-number"),
        pytest.param(b"Content-Length: -12\r\n\r\n", id="negative"),
        pytest.param(b"Content-Type: application/json\r\n\r\n", id="missing"),
        pytest.param(b"Content-Length: 99999999999999\r\n\r\n", id="absurd"),
        pytest.param(b"garbage line\r\n\r\n", id="no-header-at-all"),
    ],
)
async def test_a_bad_content_length_header_does_not_derail_the_next_message(raw: tuple[RawClient, str], header: bytes):
    """The body of a message with no usable length cannot be delimited; the server skips to the next
    `Content-Length` header, so the message after it is read and answered."""
    client, uri = raw
    await client.write(header + json.dumps(hover_request(9200, uri, {"line": 0, "character": 0})).encode())
    await still_serving(client, uri)
    assert 9200 not in client.responses  # skipped, not guessed at


async def test_a_content_length_too_short_is_a_parse_error_and_the_stream_recovers(raw: tuple[RawClient, str]):
    client, uri = raw
    before = len(client.orphans)
    body = json.dumps(hover_request(9300, uri, {"line": 0, "character": 0})).encode()
    await client.write(b"Content-Length: 10\r\n\r\n" + body)
    assert (await client.orphan(before + 1))["error"]["code"] == PARSE_ERROR
    await still_serving(client, uri)


async def test_a_content_length_too_long_swallows_one_message_then_the_stream_recovers(raw: tuple[RawClient, str]):
    """The length is believed: the next message's first bytes complete the body (a parse error), and
    the request after that is answered."""
    client, uri = raw
    before = len(client.orphans)
    await client.write(b'Content-Length: 60\r\n\r\n{"jsonrpc": "2.0"}')
    await client.send(hover_request(9400, uri, {"line": DROP_LINE, "character": 10}))  # partly swallowed
    assert (await client.orphan(before + 1))["error"]["code"] == PARSE_ERROR
    await still_serving(client, uri)
    assert 9400 not in client.responses


async def test_over_tcp_garbage_is_answered_the_same_way(tmp_path: Path):
    """`mrt-lsp --tcp` (for debugging) reads its socket with the same loop as stdio."""
    root = write_project(tmp_path)
    client = await RawClient.start_tcp()
    try:
        await client.write(b"Content-Length: lots\r\n\r\n{}" + frame(b"{this is not json"))
        await client.initialize(root)
        assert (await client.orphan(1))["error"]["code"] == PARSE_ERROR
        uri = await client.open(root / "migrations/versions/t001_drop.py", alembic(DROP_COLUMN, "t001"))
        assert [d["code"] for d in await client.diagnostics(uri, version=1)] == ["MRT201"]
    finally:
        await client.stop()


# -- unknown methods ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["mrt/doesNotExist", "textDocument/notAThing", "$/unknownRequest"])
async def test_an_unknown_request_is_method_not_found(raw: tuple[RawClient, str], method: str):
    client, uri = raw
    assert (await client.request(method, {"x": 1}))["error"]["code"] == METHOD_NOT_FOUND
    await still_serving(client, uri)


@pytest.mark.parametrize("method", ["mrt/doesNotExist", "$/unknownNotification", "$/progress"])
async def test_an_unknown_notification_is_ignored(raw: tuple[RawClient, str], method: str):
    client, uri = raw
    before = len(client.orphans), len(client.responses)
    await client.notify(method, {"x": 1})
    await still_serving(client, uri)
    assert (len(client.orphans), len(client.responses) - 1) == before  # only the hover was answered


# -- positions outside the document ---------------------------------------------------------------


@pytest.mark.parametrize("line", [-1, 2**32 - 1, 10**20], ids=["negative", "minus-one-as-uint32", "huge"])
async def test_a_position_outside_lsp_integers_is_invalid_params(raw: tuple[RawClient, str], line: int):
    """LSP positions are unsigned 31-bit integers; anything else is not a position at all."""
    client, uri = raw
    answer = await client.hover(uri, line, 0)
    assert answer["error"]["code"] == INVALID_PARAMS
    await still_serving(client, uri)


async def test_a_diagnostic_whose_data_the_client_mangled_offers_no_fix(raw: tuple[RawClient, str]):
    """Clients send diagnostics back with code action requests; garbage in `data` is not an error."""
    client, uri = raw
    where = {"start": {"line": DROP_LINE, "character": 4}, "end": {"line": DROP_LINE, "character": 10}}
    mangled = [
        {"version": 1, "fixes": [{"title": "no edits"}]},
        {"version": 1, "fixes": 5},
        {"version": 1, "disableLine": {"x": 1}},
        {"version": 1, "fixes": [{"title": "bad edit", "edits": [{"range": "here", "newText": 1}]}]},
    ]
    for data in mangled:
        diagnostic = {"range": where, "message": "x", "source": "mrt", "code": "MRT201", "data": data}
        params = {"textDocument": {"uri": uri}, "range": where, "context": {"diagnostics": [diagnostic]}}
        assert (await client.request("textDocument/codeAction", params))["result"] == []
    await still_serving(client, uri)


async def positions_answer_nothing(client: LanguageClient, uri: str) -> None:
    for line, character in [(10_000, 0), (DROP_LINE, 10_000), (2**31 - 1, 2**31 - 1), (0, 2**31 - 1)]:
        assert await hover(client, uri, line, character) is None
    reversed_beyond_eof = types.Range(start=types.Position(2**31 - 1, 5), end=types.Position(DROP_LINE, 0))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=reversed_beyond_eof,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not actions  # None or an empty list


async def test_positions_beyond_the_end_get_an_empty_answer(client: LanguageClient, project: Path):
    uri = open_document(client, project / "migrations/versions/a101_drop.py", alembic(DROP_COLUMN, "a101"))
    assert [d.code for d in await diagnostics(client, uri, version=1)] == ["MRT201"]
    await positions_answer_nothing(client, uri)
    assert await hover(client, uri, DROP_LINE, 10) is not None


async def test_requests_for_documents_that_are_not_open_get_an_empty_answer(client: LanguageClient, project: Path):
    """Never opened and not on disk, or opened and closed: nothing is read from disk, nothing raised."""
    closed = open_document(client, project / "migrations/versions/a102_drop.py", alembic(DROP_COLUMN, "a102"))
    await diagnostics(client, closed, version=1)
    close_document(client, closed)
    nowhere = (project / "migrations/versions/a103_never_written.py").as_uri()
    for uri in (closed, nowhere):
        await positions_answer_nothing(client, uri)
        assert await hover(client, uri, DROP_LINE, 10) is None
        lenses = await client.text_document_code_lens_async(
            types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert not lenses
        if is_pull(client):
            assert await diagnostics(client, uri) == []


# -- edits racing each other ----------------------------------------------------------------------


def numbered(version: int) -> str:
    """Version `version` of a migration that moves on every edit: that many comment lines on top, then
    a dropped column (odd versions, MRT201 on line DROP_LINE + version) or a clean change (even)."""
    return "#\n" * version + alembic(DROP_COLUMN if version % 2 else CLEAN, "a201")


def versions_published(client: LanguageClient, uri: str) -> list[int | None]:
    return [p.version for p in client.published if p.uri == uri]  # type: ignore[attr-defined]


async def test_fifty_edits_back_to_back_end_with_the_last_versions_diagnostics(client: LanguageClient, project: Path):
    uri = open_document(client, project / "migrations/versions/a201_race.py", numbered(1))
    await diagnostics(client, uri, version=1)
    for version in range(2, 52):  # sent without waiting for anything
        change_document(client, uri, numbered(version), version)
    final = await diagnostics(client, uri, version=51)
    assert [(d.code, d.range.start.line) for d in final] == [("MRT201", DROP_LINE + 51)]
    if not is_pull(client):  # no earlier version may be published after the last one
        change_document(client, uri, numbered(52), 52)
        assert await diagnostics(client, uri, version=52) == []
        published = versions_published(client, uri)
        assert published == sorted(published) and published[-1] == 52


async def test_incremental_edits_back_to_back_apply_in_order(client: LanguageClient, project: Path):
    assert client.server_capabilities.text_document_sync.change == types.TextDocumentSyncKind.Incremental  # type: ignore[attr-defined]
    text = alembic(DROP_COLUMN, "a202")
    uri = open_document(client, project / "migrations/versions/a202_race.py", text)
    await diagnostics(client, uri, version=1)

    def edit(version: int, start: types.Position, end: types.Position, new_text: str) -> None:
        client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[
                    types.TextDocumentContentChangePartial(range=types.Range(start=start, end=end), text=new_text)
                ],
            )
        )

    top = types.Position(0, 0)
    for version in range(2, 52):  # fifty lines inserted on top, one keystroke each
        edit(version, top, top, "#\n")
    line = DROP_LINE + 50
    column = text.splitlines()[DROP_LINE].index("phone")
    edit(52, types.Position(line, column), types.Position(line, column + len("phone")), "email")
    (final,) = await diagnostics(client, uri, version=52)
    assert (final.code, final.range.start.line) == ("MRT201", line)
    assert "users.email" in final.message
    if not is_pull(client):
        published = versions_published(client, uri)
        assert published == sorted(published)


# -- a document closed mid-analysis ---------------------------------------------------------------


async def until(condition: Callable[[], bool]) -> None:
    while not condition():
        await asyncio.sleep(0.02)


async def logged(client: LanguageClient, text: str) -> None:
    await asyncio.wait_for(until(lambda: any(text in m.message for m in client.log_messages)), WAIT)


@pytest.mark.parametrize("name", ["visual_studio_code", "neovim"])
async def test_a_document_closed_while_it_is_analysed_gets_nothing_after_the_close(
    start_client: Any, tmp_path: Path, name: str
):
    """The request sent before the close (a pull, or a hover in push mode) waits on the same analysis,
    so its answer arrives after anything that analysis could still publish."""
    root = write_project(tmp_path)
    client = await start_client(name, root, command=GATED_SERVER)
    uri = open_document(client, root / "migrations/versions/g001_drop.py", alembic(DROP_COLUMN, "g001") + GATE)
    identifier = types.TextDocumentIdentifier(uri=uri)
    if is_pull(client):
        waiting = client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=identifier))
    else:
        waiting = hover(client, uri, DROP_LINE, 10)
    answer = asyncio.ensure_future(waiting)
    await logged(client, "gated analysis is waiting")
    close_document(client, uri)
    client.protocol.notify("mrt-test/release", None)
    answered = await asyncio.wait_for(answer, WAIT)

    if is_pull(client):
        assert list(answered.items) == []
        assert await diagnostics(client, uri) == []
    else:
        assert [list(p.diagnostics) for p in client.published if p.uri == uri] == [[]]  # type: ignore[attr-defined]
    other = open_document(client, root / "migrations/versions/g002_drop.py", alembic(DROP_COLUMN, "g002"))
    assert [d.code for d in await diagnostics(client, other, version=1)] == ["MRT201"]


async def test_a_document_closed_while_its_rollback_is_verified_gets_no_verification_diagnostics(
    client: LanguageClient, project: Path
):
    """Verify rollback takes seconds; the command still answers, but nothing is published for the
    closed document (the answer comes after any publish, so it is the end of the story)."""
    if client.client_name != "visual_studio_code":  # type: ignore[attr-defined]
        pytest.skip("one client is enough: the verifier runs the same way")
    versions = verifiable_project(project / "closed_mid_verify")
    uri = open_document(client, versions / "r2_drop.py", (versions / "r2_drop.py").read_text())
    await diagnostics(client, uri, version=1)
    params = types.ExecuteCommandParams(command="mrt.verifyRevision", arguments=[uri])
    earlier = set(client.progress_reports)
    verifying = asyncio.ensure_future(client.workspace_execute_command_async(params))

    def begun() -> bool:
        return any(reports for token, reports in client.progress_reports.items() if token not in earlier)

    await asyncio.wait_for(until(begun), WAIT)  # the verifier is running
    close_document(client, uri)
    result = await asyncio.wait_for(verifying, WAIT)
    assert result["message"] == "data loss detected"
    published = [list(p.diagnostics) for p in client.published if p.uri == uri]  # type: ignore[attr-defined]
    assert published[-1] == []


# -- 200 files opened at once ---------------------------------------------------------------------


def rss_mib(client: LanguageClient) -> float:
    """The server process' resident memory, from /proc (Linux)."""
    status = Path(f"/proc/{client._server.pid}/status").read_text()  # type: ignore[union-attr]
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kib / 1024


@pytest.mark.parametrize("name", ["visual_studio_code", "neovim"])
async def test_two_hundred_files_opened_at_once_all_get_their_diagnostics(start_client: Any, tmp_path: Path, name: str):
    if not Path("/proc/self/status").exists():
        pytest.skip("reads the server's memory from /proc")
    root = write_project(tmp_path, tool_mrt=GRAPH_RULES_OFF)
    client = await start_client(name, root)
    before = rss_mib(client)
    expected = {}
    for i in range(200):  # half of them faulty; all sent before anything is awaited
        faulty = i % 2 == 1
        text = alembic(DROP_COLUMN if faulty else CLEAN, f"m{i:03}")
        uri = open_document(client, root / f"migrations/versions/m{i:03}.py", text)
        expected[uri] = ["MRT201"] if faulty else []
    last_faulty = next(uri for uri in reversed(expected) if expected[uri])

    shown = await hover(client, last_faulty, DROP_LINE, 10)  # answered while the queue drains
    assert shown is not None and shown.contents.value.startswith("# MRT201")
    for uri, codes in expected.items():
        assert [d.code for d in await diagnostics(client, uri, version=1)] == codes, uri
    after = rss_mib(client)
    print(f"\n{name}: server RSS {before:.1f} MiB before, {after:.1f} MiB after 200 open files")
    assert after - before < 150  # MiB: every open file keeps its analysis, but nothing grows without bound
