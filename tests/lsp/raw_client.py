"""A hand-framed JSON-RPC client for `mrt-lsp` over stdio (or TCP), for the abuse tests.

pytest-lsp's client only ever sends well-formed messages. This one writes whatever bytes it is
given to the server, and reads what the server writes as the editor would: one framed message at a
time, keeping every response by id and every notification in arrival order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from pathlib import Path
from typing import Any

from .conftest import SERVER, WAIT


def frame(body: bytes | str) -> bytes:
    """`Content-Length: N\\r\\n\\r\\n` + body, the LSP base protocol's framing."""
    data = body.encode() if isinstance(body, str) else body
    return b"Content-Length: %d\r\n\r\n" % len(data) + data


class RawClient:
    def __init__(
        self, process: asyncio.subprocess.Process, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.process = process
        self.reader = reader
        self.writer = writer
        self.responses: dict[Any, dict[str, Any]] = {}
        self.orphans: list[dict[str, Any]] = []  # responses with id null: errors about unreadable input
        self.notifications: list[dict[str, Any]] = []
        self._next_id = 0
        self._reader = asyncio.ensure_future(self._read())

    @classmethod
    async def start(cls) -> RawClient:
        """`mrt-lsp` over stdio."""
        process = await asyncio.create_subprocess_exec(
            *SERVER, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
        assert process.stdout is not None and process.stdin is not None
        return cls(process, process.stdout, process.stdin)

    @classmethod
    async def start_tcp(cls) -> RawClient:
        """`mrt-lsp --tcp` on a free loopback port, connected to as soon as it listens."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        process = await asyncio.create_subprocess_exec(
            *SERVER, "--tcp", "--host", "127.0.0.1", "--port", str(port), stderr=asyncio.subprocess.DEVNULL
        )

        async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
            while True:
                try:
                    return await asyncio.open_connection("127.0.0.1", port)
                except ConnectionRefusedError:  # not listening yet
                    await asyncio.sleep(0.05)

        return cls(process, *await asyncio.wait_for(connect(), WAIT))

    @property
    def pid(self) -> int:
        return self.process.pid

    # -- writing -----------------------------------------------------------------------------------

    async def write(self, raw: bytes) -> None:
        self.writer.write(raw)
        await self.writer.drain()

    async def send(self, message: Any) -> None:
        await self.write(frame(json.dumps(message)))

    async def request(self, method: str, params: Any = None) -> dict[str, Any]:
        """Send a request and wait for its response (result or error)."""
        return await self.response(await self.send_request(method, params))

    async def send_request(self, method: str, params: Any = None) -> int:
        self._next_id += 1
        await self.send({"jsonrpc": "2.0", "id": self._next_id, "method": method, "params": params})
        return self._next_id

    async def notify(self, method: str, params: Any = None) -> None:
        await self.send({"jsonrpc": "2.0", "method": method, "params": params})

    # -- reading -----------------------------------------------------------------------------------

    async def response(self, message_id: Any) -> dict[str, Any]:
        return await self.until(lambda: self.responses.get(message_id))

    async def orphan(self, count: int) -> dict[str, Any]:
        """The `count`-th response with id null (1-based)."""
        return await self.until(lambda: self.orphans[count - 1] if len(self.orphans) >= count else None)

    async def until(self, found: Any) -> Any:
        """Poll `found()` until it returns something (a guard against hangs, not a timing assertion)."""

        async def poll() -> Any:
            while (value := found()) is None:
                if self._reader.done():
                    raise AssertionError(f"the server stopped (exit code {self.process.returncode})")
                await asyncio.sleep(0.02)
            return value

        return await asyncio.wait_for(poll(), WAIT)

    async def _read(self) -> None:
        while True:
            length = 0
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode().partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not line:
                return
            message = json.loads(await self.reader.readexactly(length))
            if "method" in message:
                self.notifications.append(message)  # server->client requests are kept here too
            elif message.get("id") is None:
                self.orphans.append(message)
            else:
                self.responses[message["id"]] = message

    # -- an editor session -------------------------------------------------------------------------

    async def initialize(self, root: Path) -> dict[str, Any]:
        """A bare client (push diagnostics, no configuration requests) rooted at `root`."""
        result = await self.request(
            "initialize", {"processId": None, "rootUri": root.as_uri(), "capabilities": {}, "workspaceFolders": None}
        )
        await self.notify("initialized", {})
        return result

    async def open(self, path: Path, text: str, version: int = 1) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        uri = path.as_uri()
        item = {"uri": uri, "languageId": "python", "version": version, "text": text}
        await self.notify("textDocument/didOpen", {"textDocument": item})
        return uri

    def published(self, uri: str) -> list[dict[str, Any]]:
        """Every publishDiagnostics for `uri` so far, in order."""
        return [
            n["params"]
            for n in self.notifications
            if n["method"] == "textDocument/publishDiagnostics" and n["params"]["uri"] == uri
        ]

    async def diagnostics(self, uri: str, version: int) -> list[dict[str, Any]]:
        params = await self.until(lambda: next((p for p in self.published(uri) if p.get("version") == version), None))
        return params["diagnostics"]

    async def hover(self, uri: str, line: int, character: int) -> dict[str, Any]:
        position = {"line": line, "character": character}
        return await self.request("textDocument/hover", {"textDocument": {"uri": uri}, "position": position})

    async def stop(self) -> None:
        """shutdown + exit, as an editor does; kill only if the server ignores them."""
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.request("shutdown"), WAIT)
            await self.notify("exit")
            await asyncio.wait_for(self.process.wait(), WAIT)
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        self._reader.cancel()
        self.writer.close()
