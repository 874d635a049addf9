"""`mrt-lsp` whose analysis of a file containing `# GATED` waits for the client, for test_abuse.py.

A large migration is only slow on a slow machine; a gate is slow everywhere. The analysis logs
"mrt-test: gated analysis is waiting" once it runs in its worker thread, and finishes when the client
sends the `mrt-test/release` notification. So a test can close the document while its analysis is
certainly still running, and know when that analysis is over.
"""

from __future__ import annotations

import threading

import mrt_server
import mrt_server.server
from lsprotocol import types
from mrt_server.analysis import Analysis, Snapshot
from mrt_server.server import MrtServer

GATE = "# GATED"
RELEASE = threading.Event()
SERVER: list[MrtServer] = []
_analyze = mrt_server.server.analyze
_create_server = mrt_server.create_server


def gated(snapshot: Snapshot) -> Analysis:
    if GATE in snapshot.source:
        server = SERVER[0]
        assert server._loop is not None
        server._loop.call_soon_threadsafe(server.log, "mrt-test: gated analysis is waiting", types.MessageType.Info)
        RELEASE.wait()
    return _analyze(snapshot)


def create_server() -> MrtServer:
    server = _create_server()
    server.feature("mrt-test/release")(lambda params: RELEASE.set())
    SERVER.append(server)
    return server


if __name__ == "__main__":  # patched only in the server process: test_abuse.py imports GATE from here
    mrt_server.server.analyze = gated
    mrt_server.create_server = create_server
    from mrt_server.__main__ import main  # imported after the patch: it binds `create_server` on import

    main()
