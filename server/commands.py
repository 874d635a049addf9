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
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from lsprotocol import types

from mrt.explain.claude import snippet_of
from mrt.model.migration import ALEMBIC, DJANGO
from mrt.model.source import SourceError, read_source
from mrt.rules.docs import render_rule
from mrt.rules.registry import get_rule

from .analysis import Analysis, Snapshot, analyze, with_findings
from .hover import explainer_for
from .server import MrtServer
from .verify import run_verification

CHECK_WORKSPACE = "mrt.checkWorkspace"
EXPLAIN_MIGRATION = "mrt.explainMigration"
SHOW_RULE_DOCS = "mrt.showRuleDocs"
VERIFY_REVISION = "mrt.verifyRevision"
VERIFY_UNAVAILABLE = "Verify rollback needs an Alembic revision id or a Django migration inside an app."


def register(server: MrtServer) -> None:
    server.command(CHECK_WORKSPACE)(check_workspace)
    server.command(EXPLAIN_MIGRATION)(explain_migration)
    server.command(SHOW_RULE_DOCS)(show_rule_docs)
    server.command(VERIFY_REVISION)(verify_revision)


async def check_workspace(ls: MrtServer) -> dict[str, Any]:
    """Analyse every migration the workspace index knows, with progress; returns a summary.

    Files are checked one by one (open ones as typed), then the revision graphs once for all."""
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(ls.executor, ls.index.scan, ls.workspace_roots(), ls.config_for)
    files = ls.index.all_files()
    ls.log(f"mrt: checking {len(files)} migrations")
    analyses = {}
    async with Progress(ls, "mrt: checking migrations") as progress:
        for done, path in enumerate(files, 1):
            if progress.cancelled():
                ls.log(f"mrt: check workspace cancelled after {done - 1} of {len(files)} files")
                return _summary(analyses.values(), cancelled=True)
            analysis = await _analyse_path(ls, path)
            if analysis is not None:
                analyses[path] = analysis
            progress.report(f"{done}/{len(files)} {Path(path).name}", done * 100 // max(len(files), 1))
        graph = await loop.run_in_executor(ls.executor, ls.index.project_findings, ls.config_for)
    for path, analysis in analyses.items():
        analyses[path] = analysis = with_findings(analysis, graph.get(path, []))
        uri = Path(path).as_uri()
        if not ls.pull and uri not in ls.attached:
            ls.publish(uri, None, analysis.diagnostics)
    return _summary(analyses.values(), cancelled=False)


def _summary(analyses: Iterable[Analysis], *, cancelled: bool) -> dict[str, Any]:
    done = list(analyses)
    counts = Counter(f.code for analysis in done for f in analysis.findings)
    return {"files": len(done), "findings": sum(counts.values()), "byCode": dict(counts), "cancelled": cancelled}


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
    """Round-trip this one revision against the test database, in the background, with progress.

    The outcome also arrives as diagnostics on `def upgrade` (until the file is edited)."""
    path = ls.path_of(uri)
    config = ls.config_for(path)
    db_url = ls.verify_database(config)
    if not db_url:
        return {"ok": False, "message": "Set [tool.mrt] db_url (or mrt.verify.databaseUrl) to a disposable database."}
    analysis = await ls.analyse(uri) if ls.attach(uri) else None
    migration = analysis.migration if analysis else None
    django = migration is not None and migration.framework == DJANGO and bool(migration.app)
    if analysis is None or migration is None or not (django or (migration.framework == ALEMBIC and migration.revision)):
        return {"ok": False, "message": VERIFY_UNAVAILABLE}
    root = config.root or str(Path(path or ".").parent)
    revision = migration.name if django else migration.revision
    async with Progress(ls, f"mrt: verifying rollback of {migration.label}") as progress:
        progress.report("upgrade, downgrade and compare on the test database", 0)
        limit = 4.0 * (config.migration_timeout or 60)  # seeding and comparing on top of both steps
        app = migration.app if django else None
        outcome = await run_verification(root, revision, db_url, progress.cancelled, limit, app=app)
    if outcome.get("cancelled"):
        return {"ok": False, "message": "Verification cancelled."}
    if "error" in outcome:
        ls.log(f"mrt: verify {migration.label}: {outcome['error']}", types.MessageType.Warning)
        return {"ok": False, "message": outcome["error"]}
    ls.show_verification(uri, analysis, outcome)
    return {"ok": bool(outcome["passed"]), "message": outcome["label"], "failures": outcome["failures"]}


async def _analyse_path(ls: MrtServer, path: str) -> Analysis | None:
    """One file on its own (open buffers as typed, other files as saved); graphs are checked once after."""
    uri = Path(path).as_uri()
    if uri in ls.attached:
        snapshot = replace(ls.snapshot(uri), index=None)
    else:
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
        )
    return await asyncio.get_running_loop().run_in_executor(ls.executor, analyze, snapshot)


class Progress:
    """Work-done progress when the client supports it, and the question "was this cancelled?"."""

    def __init__(self, ls: MrtServer, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token: str | None = None
        self.request = ls.protocol.msg_id  # the command request this work answers

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
        """Cancelled from the progress UI, or with `$/cancelRequest`. pygls answers the latter for a
        command without stopping the handler (and has no public hook for it), so look for the request
        among the ones it still considers pending."""
        future = self.ls.work_done_progress.tokens.get(self.token) if self.token else None
        if future is not None and future.cancelled():
            return True
        pending = self.ls.protocol._request_futures.get(self.request) if self.request is not None else None
        return self.request is not None and (pending is None or pending.cancelled())

    async def __aexit__(self, *exc: object) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd())
            self.ls.work_done_progress.tokens.pop(self.token, None)
