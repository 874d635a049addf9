"""Reading LSP messages off stdio or TCP without trusting the bytes.

pygls' own loop (`pygls.io_.run_async`) assumes a well-behaved client. Garbage hurt it three ways:

* a header without a usable `Content-Length` left the body to be read as header lines, gluing it to
  the next message's header: from then on every message was swallowed and the server went deaf;
* a body that is not JSON, or JSON that is not a request, got no answer, where JSON-RPC 2.0 requires
  a parse error (-32700) or an invalid request (-32600), with id null when the id cannot be read;
* a known request whose params do not fit the method's type got no answer at all, so the client
  waited forever, instead of invalid params (-32602).

Here a message is checked in that order and answered as the specification says; a body that cannot
be delimited is skipped up to the next `Content-Length` header, so the stream re-synchronises there.
Notifications are never answered, not even with an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO, Protocol

from lsprotocol import types
from pygls.io_ import StdinAsyncReader, StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import JsonRPCProtocol

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602
# Searched for anywhere in a line, so that a header glued to the end of an undelimited body is found.
_CONTENT_LENGTH = re.compile(rb"Content-Length:[ \t]*(\d+)[ \t]*\r?\n\Z", re.IGNORECASE)
MAX_BODY = 64 * 1024 * 1024  # far above any migration; a larger length is a corrupt header, not a file

Log = Callable[[str, types.MessageType], None]


class Reader(Protocol):
    """pygls' `StdinAsyncReader` and asyncio's `StreamReader` (TCP) both look like this."""

    def readline(self) -> Any: ...

    def readexactly(self, n: int) -> Any: ...


def serve_stdio(server: LanguageServer, log: Log, stdin: BinaryIO | None, stdout: BinaryIO | None) -> None:
    """`LanguageServer.start_io` with this module's loop (pygls' stop event, shutdown and exit kept)."""
    server._stop_event = stop = threading.Event()
    reader = StdinAsyncReader(stdin or sys.stdin.buffer, server.thread_pool)
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(serve(reader, server.protocol, stop, log))
    except (BrokenPipeError, KeyboardInterrupt, SystemExit):  # the client went away, or sent `exit`
        pass
    finally:
        server.shutdown()


def serve_tcp(server: LanguageServer, log: Log, host: str, port: int) -> None:
    """`LanguageServer.start_tcp` with this module's loop: one client at a time, for debugging."""
    server._stop_event = stop = threading.Event()

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.protocol.set_writer(writer)  # type: ignore[arg-type]
        await serve(reader, server.protocol, stop, log)
        server.shutdown()

    async def listen() -> None:
        server._server = await asyncio.start_server(connection, host, port)
        async with server._server:
            await server._server.serve_forever()

    with contextlib.suppress(asyncio.CancelledError):  # shutdown closed the listener
        asyncio.run(listen())


async def serve(reader: Reader, protocol: JsonRPCProtocol, stop: threading.Event, log: Log) -> None:
    """Read framed messages until end of input (or `exit`), handing each to `protocol`."""
    length: int | None = None
    while not stop.is_set():
        try:
            line = await reader.readline()
        except ValueError:  # a TCP line over asyncio's limit: the junk was discarded, read on
            continue
        if not line:
            return
        if header := _CONTENT_LENGTH.search(line):
            length = int(header[1])
            continue
        if line.strip():  # another header (Content-Type), or junk between messages
            continue
        if length is None or length > MAX_BODY:
            if length is not None:
                log(f"mrt: ignored a message claiming {length} bytes", types.MessageType.Warning)
            length = None
            continue  # the body cannot be delimited: skip to the next Content-Length header
        try:
            body = await reader.readexactly(length) if length else b""
        except asyncio.IncompleteReadError:
            return
        if len(body) < length:  # end of input in the middle of a body
            return
        length = None
        receive(protocol, body, log)


def receive(protocol: JsonRPCProtocol, body: bytes, log: Log) -> None:
    """Answer what JSON-RPC says must be answered; hand everything else to pygls."""
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError:  # not UTF-8, or not JSON
        reply_error(protocol, None, PARSE_ERROR, "Parse error: the message body is not UTF-8 JSON")
        return
    problem = invalid_because(data)
    if problem is not None:
        log(f"mrt: invalid JSON-RPC message ({problem})", types.MessageType.Warning)
        if not _is_response(data):
            reply_error(protocol, _readable_id(data), INVALID_REQUEST, f"Invalid Request: {problem}")
        return
    try:
        message = protocol.structure_message(data)
    except Exception:  # params that do not fit the method's type
        log(f"mrt: {data['method']!r} with invalid params ignored", types.MessageType.Warning)
        if "id" in data and "method" in data:
            reply_error(protocol, data["id"], INVALID_PARAMS, f"Invalid params for {data['method']}")
        return
    try:
        protocol.handle_message(message)
    except Exception as exc:  # a bug in a handler's dispatch must not end the session
        log(f"mrt: could not handle {data.get('method', 'a response')!r}: {exc!r}", types.MessageType.Error)


def invalid_because(data: Any) -> str | None:
    """Why `data` is not a JSON-RPC 2.0 request, notification or response (None when it is one)."""
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object (LSP has no batches)"
    if data.get("jsonrpc") != "2.0":
        return '"jsonrpc" must be "2.0"'
    if "id" in data and _readable_id(data) is None:
        return '"id" must be an integer or a string'
    if "method" in data:
        if not isinstance(data["method"], str):
            return '"method" must be a string'
        if "params" in data and not isinstance(data["params"], (dict, list, type(None))):
            return '"params" must be an object or an array'
        return None
    if "id" not in data:
        return 'no "method"'
    if ("result" in data) == ("error" in data):
        return 'no "method", and not a response either'
    return None


def _is_response(data: Any) -> bool:
    return isinstance(data, dict) and "method" not in data and ("result" in data or "error" in data)


def _readable_id(data: Any) -> int | str | None:
    message_id = data.get("id") if isinstance(data, dict) else None
    return message_id if isinstance(message_id, (int, str)) and not isinstance(message_id, bool) else None


def reply_error(protocol: JsonRPCProtocol, message_id: int | str | None, code: int, message: str) -> None:
    """An error response, written as a plain dict: lsprotocol would drop an `"id": null`."""
    protocol._send_data({"jsonrpc": "2.0", "id": message_id, "error": {"code": code, "message": message}})
