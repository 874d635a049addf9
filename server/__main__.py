"""`mrt-lsp` / `python -m mrt_server`: stdio by default, `--tcp [--host H] [--port P]` for debugging."""

from __future__ import annotations

import gc
import sys

from pygls.cli import start_server

from . import create_server


def settle_memory() -> None:
    """Load what every analysis needs, then freeze the start-up heap out of the garbage collector.

    Each analysis allocates a syntax tree; the collections that triggers used to rescan every
    long-lived object (modules, the rule catalog, the SQL parser), which put a 30-50 ms tail on
    1 edit in 20 of a 300-line file. Frozen objects are never rescanned (p95 34.5 -> 6.5 ms).
    """
    from mrt.model.libpg_query import parse_json
    from mrt.rules import all_rules

    parse_json("SELECT 1")  # the SQL parser the first file with raw SQL would load
    all_rules()
    gc.collect()
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    server = create_server()
    settle_memory()
    start_server(server, argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
