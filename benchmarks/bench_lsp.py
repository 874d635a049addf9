"""The language server under typing: latency from `didChange` to diagnostics, and memory with many files.

    python benchmarks/bench_lsp.py [--edits 100] [--open 200] [--only typical|drops]

The real server (`python -m mrt_server`) runs as a subprocess over stdio, driven by pygls' client the
way an editor drives it (push diagnostics, `debounceMs = 0` so the figure is the server's own work, not
the debounce an editor user would add on top). For each migration, every edit appends a comment line
(a new document version), and the time runs from sending `didChange` to receiving the
`publishDiagnostics` for that version. One untimed warm-up edit first; p50 and p95 over `--edits` edits.

Migrations (generated here, written as users write them):

* **300 lines** and **10,000 lines**, "typical": create_table blocks with columns, indexes and foreign
  keys, add/alter/drop column, data updates, a downgrade that undoes most of it — the shape of a large
  initial or squashed migration. Targets: p95 <= 50 ms (300 lines) and <= 1 s (10,000 lines).
* **10,000 lines of drop_column**, "drops": every line a finding; shows the cost of thousands of
  diagnostics (and any per-finding quadratic work in the rules). Reported, no target.

Memory: a second, fresh server's resident set (VmRSS from /proc, Linux) after start-up and after
opening `--open` different 300-line migrations and receiving all their diagnostics.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

HEADER = '''"""generated for bench_lsp"""
import sqlalchemy as sa
from alembic import op

revision = "{rev}"
down_revision = None
branch_labels = None
depends_on = None


'''


def typical(lines: int, rev: str) -> str:
    """A migration of about `lines` lines: tables, indexes, columns, updates; a mostly matching downgrade."""
    up, down = [], []
    n = 0
    while len(up) + len(down) < lines - 16:
        t = f"table_{n}"
        up += [
            "    op.create_table(",
            f'        "{t}",',
            '        sa.Column("id", sa.Integer, primary_key=True),',
            '        sa.Column("name", sa.String(100), nullable=False),',
            '        sa.Column("created_at", sa.DateTime, server_default=sa.func.now()),',
            f'        sa.Column("parent_id", sa.Integer, sa.ForeignKey("table_{max(n - 1, 0)}.id")),',
            "    )",
            f'    op.create_index("ix_{t}_name", "{t}", ["name"])',
            f'    op.add_column("legacy", sa.Column("c{n}", sa.String(20), nullable=True))',
            f'    op.alter_column("legacy", "c{n}", existing_type=sa.String(20), type_=sa.String(40))',
            f"    op.execute(\"UPDATE legacy SET c{n} = 'x' WHERE c{n} IS NULL\")",
            f'    op.drop_column("legacy", "old_{n}")',
        ]
        down += [
            f'    op.add_column("legacy", sa.Column("old_{n}", sa.String(20)))',
            f'    op.alter_column("legacy", "c{n}", existing_type=sa.String(40), type_=sa.String(20))',
            f'    op.drop_column("legacy", "c{n}")',
            f'    op.drop_index("ix_{t}_name", table_name="{t}")',
            f'    op.drop_table("{t}")',
        ]
        n += 1
    body = "def upgrade() -> None:\n" + "\n".join(up) + "\n\n\ndef downgrade() -> None:\n" + "\n".join(down) + "\n"
    return HEADER.format(rev=rev) + body


def drops(lines: int, rev: str) -> str:
    body = "\n".join(f'    op.drop_column("t{i % 50}", "c{i}")' for i in range(lines - 14))
    return HEADER.format(rev=rev) + "def upgrade() -> None:\n" + body + "\n\n\ndef downgrade() -> None:\n    pass\n"


class Bench:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.client = LanguageClient("bench", "1")
        self.arrived: dict[tuple[str, int | None], float] = {}
        self.events: dict[tuple[str, int | None], asyncio.Event] = {}

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            key = (params.uri, params.version)
            self.arrived[key] = time.perf_counter()
            self.events.setdefault(key, asyncio.Event()).set()

        self.client.feature(types.WINDOW_LOG_MESSAGE)(lambda params: None)
        self.client.feature(types.CLIENT_REGISTER_CAPABILITY)(lambda params: None)

    async def start(self) -> None:
        await self.client.start_io(sys.executable, "-m", "mrt_server")
        await self.client.initialize_async(
            types.InitializeParams(
                capabilities=types.ClientCapabilities(),
                root_uri=self.root.as_uri(),
                initialization_options={"mrt": {"debounceMs": 0, "maxAnalysisSeconds": 60}},
            )
        )
        self.client.initialized(types.InitializedParams())

    async def wait(self, uri: str, version: int) -> float:
        event = self.events.setdefault((uri, version), asyncio.Event())
        await asyncio.wait_for(event.wait(), 120)
        return self.arrived[(uri, version)]

    def open(self, path: Path, text: str) -> str:
        path.write_text(text)
        uri = path.as_uri()
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)
            )
        )
        return uri

    async def latency(self, text: str, name: str, edits: int) -> list[float]:
        uri = self.open(self.root / f"{name}.py", text)
        await self.wait(uri, 1)
        times = []
        for version in range(2, edits + 3):
            text += f"# edit {version}\n"
            sent = time.perf_counter()
            self.client.text_document_did_change(
                types.DidChangeTextDocumentParams(
                    text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                )
            )
            times.append(await self.wait(uri, version) - sent)
        return times[1:]  # the first edit is the warm-up

    def rss_mb(self) -> float:
        pid = self.client._server.pid  # the server subprocess pygls started
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()


def report(label: str, times: list[float], target: float | None) -> None:
    ms = sorted(t * 1000 for t in times)
    p50 = statistics.median(ms)
    p95 = ms[max(round(0.95 * len(ms)) - 1, 0)]
    verdict = "" if target is None else f"  (target <= {target:g} ms: {'met' if p95 <= target else 'MISSED'})"
    print(f"{label:<34} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms   max {ms[-1]:8.1f} ms{verdict}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--open", type=int, default=200)
    parser.add_argument("--only", choices=["typical", "drops"], default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "versions"
        root.mkdir()
        bench = Bench(root)
        await bench.start()
        try:
            if args.only in (None, "typical"):
                small = typical(300, "small")
                big = typical(10_000, "big")
                print(f"typical migrations: {len(small.splitlines())} and {len(big.splitlines())} lines")
                report("didChange -> diagnostics, 300", await bench.latency(small, "small", args.edits), 50)
                report("didChange -> diagnostics, 10,000", await bench.latency(big, "big", args.edits), 1000)
            if args.only in (None, "drops"):
                text = drops(10_000, "drops")
                report("10,000 lines of drop_column", await bench.latency(text, "drops", min(args.edits, 10)), None)
        finally:
            await bench.stop()
        fresh = Bench(root)  # memory on a server of its own, with nothing else open
        await fresh.start()
        try:
            before = fresh.rss_mb()
            uris = [fresh.open(root / f"open_{n:03}.py", typical(300, f"o{n:03}")) for n in range(args.open)]
            for uri in uris:
                await fresh.wait(uri, 1)
            print(f"server RSS: {before:.0f} MB idle, {fresh.rss_mb():.0f} MB with {args.open} open 300-line files")
        finally:
            await fresh.stop()


if __name__ == "__main__":
    asyncio.run(main())
