"""mrt's language server: MRT diagnostics, quick fixes, hovers and code lenses in the editor.

Start it with `mrt-lsp` (stdio), `mrt-lsp --tcp --port 2087`, or `python -m mrt_server`. It needs the
`lsp` extra (`pip install "mrt[lsp]"`). See docs/editor.md.
"""

from __future__ import annotations

from . import code_actions, code_lens, commands, documents, hover
from .server import MrtServer

__all__ = ["MrtServer", "create_server"]


def create_server() -> MrtServer:
    """A server with every feature registered (one per session; tests start their own)."""
    server = MrtServer()
    for feature in (documents, code_actions, hover, code_lens, commands):
        feature.register(server)
    return server
