"""Commands: check the workspace, explain a migration, show a rule's docs, verify one revision.

Long work reports work-done progress and can be cancelled, either with `$/cancelRequest` (the
handlers are async, so the next `await` raises) or from the progress UI
(`window/workDoneProgress/cancel`). Results come back as the command's return value; in push mode
checking the workspace also publishes every file's diagnostics.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

from lsprotocol import types

from mrt.explain.claude import snippet_of
from mrt.model.source import SourceError, read_source
from mrt.rules.docs import render_rule
from mrt.rules.registry import get_rule

from .analysis import Snapshot, analyze
from .hover import explainer_for
from .server import MrtServer

CHECK_WORKSPACE = "mrt.checkWorkspace"
EXPLAIN_MIGRATION = "mrt.explainMigration"
SHOW_RULE_DOCS = "mrt.showRuleDocs"
VERIFY_REVISION = "mrt.verifyRevision"
VERIFY_UNAVAILABLE = (
    "Rollback verification is not available in this mrt installation: the verifier (mrt.verify) has no "
    "one-revision runner yet. Run the pytest plugin's rollback tests instead."
)


def register(server: MrtServer) -> None:
    server.command(CHECK_WORKSPACE)(check_workspace)
    server.command(EXPLAIN_MIGRATION)(explain_migration)
    server.command(SHOW_RULE_DOCS)(show_rule_docs)
    server.command(VERIFY_REVISION)(verify_revision)


async def check_workspace(ls: MrtServer) -> dict[str, Any]:
    """Analyse every migration the workspace index knows, with progress; returns a summary."""
    await asyncio.get_running_loop().run_in_executor(ls.executor, ls.index.scan, ls.workspace_roots(), ls.config_for)
    files = ls.index.all_files()
    counts: Counter[str] = Counter()
    async with Progress(ls, "mrt: checking migrations") as progress:
        for done, path in enumerate(files, 1):
            if progress.cancelled():
                return {"files": done - 1, "findings": sum(counts.values()), "byCode": dict(counts), "cancelled": True}
            analysis = await _analyse_path(ls, path)
            if analysis is None:
                continue
            counts.update(f.code for f in analysis.findings)
            uri = Path(path).as_uri()
            if not ls.pull and uri not in ls.attached:
                ls.publish(uri, None, analysis.diagnostics)
            progress.report(f"{done}/{len(files)} {Path(path).name}", done * 100 // max(len(files), 1))
    return {"files": len(files), "findings": sum(counts.values()), "byCode": dict(counts), "cancelled": False}


async def explain_migration(ls: MrtServer, uri: str) -> str:
    """A Markdown summary of a migration's findings; Claude's explanation on top when enabled."""
    if uri not in ls.attached and not ls.attach(uri):
        return "This file is not an Alembic revision or a Django migration."
    analysis = await ls.analyse(uri)
    if analysis is None or analysis.migration is None:
        return "mrt could not analyse this file (see the mrt log)."
    if not analysis.findings:
        summary = "mrt found nothing risky in this migration."
    else:
        summary = "\n".join(
            f"- line {f.line}: **{f.code}** {f.message}"
            + (f" ([docs]({rule.url}))" if (rule := get_rule(f.code)) else "")
            for f in analysis.findings
        )
    explainer = await explainer_for(ls, analysis.snapshot.config.explain_model)
    if explainer is None:
        return summary
    snippet = snippet_of(analysis.snapshot.source)  # `mrt explain`'s: header and functions, no imports
    text, _ = await explainer.explain(snippet, analysis.findings, analysis.migration.framework, budget=60.0)
    return f"{text}\n\n---\n\n{summary}" if text else summary


async def show_rule_docs(ls: MrtServer, code: str) -> str:
    rule = get_rule(code)
    return render_rule(rule) if rule else f"Unknown rule {code!r}. `mrt rules` lists them all."


async def verify_revision(ls: MrtServer, uri: str) -> dict[str, Any]:
    """Run the dynamic rollback check for this one revision, when the verifier and a test database exist."""
    config = ls.config_for(ls.path_of(uri))
    if not ls.verify_database(config):
        return {"ok": False, "message": "Set [tool.mrt] db_url (or mrt.verify.databaseUrl) to a disposable database."}
    ls.log(f"mrt: {VERIFY_UNAVAILABLE}", types.MessageType.Warning)
    return {"ok": False, "message": VERIFY_UNAVAILABLE}


async def _analyse_path(ls: MrtServer, path: str):
    """Open buffers are analysed as typed; other files as saved on disk."""
    uri = Path(path).as_uri()
    if uri in ls.attached:
        return await ls.analyse(uri)
    try:
        source = read_source(path)
    except SourceError as exc:
        ls.log(f"mrt: {path}: {exc}", types.MessageType.Warning)
        return None
    snapshot = Snapshot(
        uri=uri,
        path=path,
        version=None,
        source=source,
        config=ls.config_for(path),
        settings=ls.settings,
        codec=ls.workspace.position_codec,
        generation=ls.generation,
        index=ls.index,
    )
    return await asyncio.get_running_loop().run_in_executor(ls.executor, analyze, snapshot)


class Progress:
    """Work-done progress when the client supports it; a silent no-op otherwise."""

    def __init__(self, ls: MrtServer, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token: str | None = None

    async def __aenter__(self) -> Progress:
        window = self.ls.client_capabilities.window
        if window and window.work_done_progress:
            self.token = f"mrt-{uuid.uuid4().hex}"
            await self.ls.work_done_progress.create_async(self.token)
            self.ls.work_done_progress.begin(
                self.token, types.WorkDoneProgressBegin(title=self.title, cancellable=True, percentage=0)
            )
        return self

    def report(self, message: str, percentage: int) -> None:
        if self.token is not None:
            self.ls.work_done_progress.report(
                self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
            )

    def cancelled(self) -> bool:
        future = self.ls.work_done_progress.tokens.get(self.token) if self.token else None
        return bool(future is not None and future.cancelled())

    async def __aexit__(self, *exc: object) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd())
            self.ls.work_done_progress.tokens.pop(self.token, None)
