"""`mrt-lsp` / `python -m mrt_server`: stdio by default, `--tcp [--host H] [--port P]` for debugging."""

from __future__ import annotations

import sys

from pygls.cli import start_server

from . import create_server


def main(argv: list[str] | None = None) -> None:
    start_server(create_server(), argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
