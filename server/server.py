"""`MrtServer`: the state of one language-server session and how analyses are scheduled.

Typing must never wait for mrt. Every analysis runs in the server's own thread pool (not pygls',
whose stdin reader occupies a worker) under a time budget, and results are published from the event
loop. Each document keeps the analysis of one version; an analysis whose version is no longer the
buffer's is never published. Edits are debounced per document, so a burst of keystrokes costs one
analysis. Nothing raised in here reaches the user as a popup: errors go to `window/logMessage`.
"""

from __future__ import annotations

import asyncio
import traceback
import warnings
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path

import mrt
from mrt.config import MRTConfig

from .analysis import Analysis, Snapshot, analyze
from .classify import is_migration
from .claude import ClaudeExplainer
from .project import ProjectConfigs
from .settings import ON_SAVE, Settings
from .transport import serve_stdio, serve_tcp
from .workspace_index import WorkspaceIndex

NAME = "mrt"


class MrtServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(NAME, mrt.__version__)
        self.settings = Settings()
        self.pull = False  # decided in `initialize`: pull diagnostics when the client supports them
        self.generation = 0  # bumped when settings or [tool.mrt] change; part of every cache key
        self.executor = ThreadPoolExecutor(2, thread_name_prefix="mrt-analysis")
        self.projects = ProjectConfigs(self.log)
        self.index = WorkspaceIndex(self.log)
        self.attached: set[str] = set()  # uris of open documents that are migrations
        self.analyses: dict[str, Analysis] = {}
        self._inflight: dict[tuple[str, int | None, int, int], asyncio.Future[Analysis | None]] = {}
        self._epochs: dict[str, int] = {}  # per document, bumped by `refresh`
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._published: dict[str, tuple[int | None, list[types.Diagnostic]]] = {}
        self._verified: dict[str, tuple[int | None, list[types.Diagnostic]]] = {}  # Verify rollback results
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self.explainer: asyncio.Future[ClaudeExplainer | None] | None = None  # see hover.explainer_for
        self.explainer_model: str | None = None
        warnings.showwarning = self._warning_to_log

    # -- transports: pygls' servers, read by a loop that survives garbage (transport.py) --------------

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        serve_stdio(self, self.log, stdin, stdout)

    def start_tcp(self, host: str, port: int) -> None:
        serve_tcp(self, self.log, host, port)

    # -- errors and logs ---------------------------------------------------------------------------

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls would show a popup; a linter's internal errors belong in the log."""
        self.log(f"mrt: internal error: {error!r}", types.MessageType.Error)

    def log(self, message: str, level: types.MessageType = types.MessageType.Info) -> None:
        try:
            self.window_log_message(types.LogMessageParams(type=level, message=message))
        except Exception:  # no client connected yet (or any more): nothing to tell
            return

    def _warning_to_log(self, message: Any, category: Any, filename: str, lineno: int, *args: Any) -> None:
        """A failing rule is reported by the analyzer as a RuntimeWarning (from a worker thread)."""
        text = f"mrt: {category.__name__}: {message}"
        loop = self._loop
        if loop is not None and loop.is_running():
            loop.call_soon_threadsafe(self.log, text, types.MessageType.Warning)

    def run_task(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Fire and forget, but keep a reference and log what goes wrong (esbonio's pattern)."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            self.log(f"mrt: background task failed: {error!r}", types.MessageType.Error)

    # -- documents ---------------------------------------------------------------------------------

    def path_of(self, uri: str) -> str | None:
        return to_fs_path(uri) if uri.startswith("file:") else None

    def attach(self, uri: str) -> bool:
        """Decide once per opened document whether it is a migration (kept while it is open, so a
        half-typed line does not detach it). A document that is not open is never attached: a pull or
        a command arriving after its close must not bring it back, or read it from disk."""
        if uri in self.attached:
            return True
        if unquote(uri) not in self.workspace.text_documents:
            return False
        document = self.workspace.get_text_document(uri)
        if self.settings.enable and is_migration(self.path_of(uri), document.source):
            self.attached.add(uri)
            return True
        return False

    def detach(self, uri: str) -> None:
        self.attached.discard(uri)
        self.analyses.pop(uri, None)
        self._published.pop(uri, None)
        self._verified.pop(uri, None)
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()

    def config_for(self, path: str | None) -> MRTConfig:
        roots = self.workspace_roots()
        return self.projects.for_path(path, roots[0] if roots else None)

    def snapshot(self, uri: str) -> Snapshot:
        document = self.workspace.get_text_document(uri)
        path = self.path_of(uri)
        return Snapshot(
            uri=uri,
            path=path,
            version=document.version,
            source=document.source,
            config=self.config_for(path),
            settings=self.settings,
            codec=document.position_codec,
            generation=self.generation,
            index=self.index,
            buffers={
                a.snapshot.path: a.migration
                for other, a in self.analyses.items()
                if other != uri and a.migration is not None and a.snapshot.path
            },
        )

    def current_version(self, uri: str) -> int | None:
        return self.workspace.get_text_document(uri).version

    # -- analysis ----------------------------------------------------------------------------------

    async def analyse(self, uri: str) -> Analysis | None:
        """The analysis of the document's current version: cached, shared while in flight, bounded.

        An analysis that `refresh` overtook while it ran (other files changed, e.g. the workspace
        index finished) read a stale world: it is run again rather than cached or returned."""
        self._loop = asyncio.get_running_loop()
        while True:
            epoch = self._epochs.get(uri, 0)
            snapshot = self.snapshot(uri)
            cached = self.analyses.get(uri)
            if cached is not None and (cached.version, cached.snapshot.generation) == (
                snapshot.version,
                self.generation,
            ):
                return cached
            key = (uri, snapshot.version, self.generation, epoch)
            future = self._inflight.get(key)
            if future is None:
                future = asyncio.ensure_future(self._run(snapshot))
                self._inflight[key] = future
                future.add_done_callback(lambda _, key=key: self._inflight.pop(key, None))
            result = await asyncio.shield(future)
            if self._epochs.get(uri, 0) != epoch:
                continue
            if result is not None and uri in self.attached:
                self.analyses[uri] = result
            return result

    async def _run(self, snapshot: Snapshot) -> Analysis | None:
        loop = asyncio.get_running_loop()
        budget = self.settings.max_analysis_seconds
        try:
            return await asyncio.wait_for(loop.run_in_executor(self.executor, analyze, snapshot), budget)
        except asyncio.TimeoutError:
            self.log(
                f"mrt: analysis of {snapshot.uri} took longer than {budget:g} s; skipped", types.MessageType.Warning
            )
            return _timed_out(snapshot, budget)
        except Exception:
            self.log(f"mrt: analysis of {snapshot.uri} failed:\n{traceback.format_exc()}", types.MessageType.Error)
            return self.analyses.get(snapshot.uri)  # keep the last good result rather than flicker

    def schedule(self, uri: str, *, delay: float = 0.0) -> None:
        """Analyse `uri` after `delay` seconds (re-arming any pending run) and publish, in push mode."""
        pending = self._pending.pop(uri, None)
        if pending is not None:
            pending.cancel()
        if uri in self.attached and not self.pull:
            self._pending[uri] = self.run_task(self._analyse_and_publish(uri, delay))

    async def _analyse_and_publish(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        analysis = await self.analyse(uri)
        if self._pending.get(uri) is asyncio.current_task():
            del self._pending[uri]
        if analysis is None or uri not in self.attached or analysis.version != self.current_version(uri):
            return  # a newer edit is on its way, or the document was closed
        self.publish(uri, analysis.version, self.diagnostics_of(uri, analysis))

    def diagnostics_of(self, uri: str, analysis: Analysis) -> list[types.Diagnostic]:
        """The analysis' diagnostics, plus the last Verify rollback outcome while the text is unchanged."""
        version, verified = self._verified.get(uri, (None, []))
        return analysis.diagnostics + verified if verified and version == analysis.version else analysis.diagnostics

    def show_verification(self, uri: str, analysis: Analysis, outcome: dict[str, Any]) -> None:
        """Turn a verifier result into diagnostics on `def upgrade` and show them (unless the document
        was closed while it was verified: the command's result is all that is left to say)."""
        if uri not in self.attached:
            return
        migration = analysis.migration
        line = migration.upgrade_span.line - 1 if migration and migration.upgrade_span else 0
        where = types.Range(start=types.Position(line, 0), end=types.Position(line, 0))
        if outcome["passed"] or outcome["skipped"]:
            reason = (
                outcome["skip_reason"] if outcome["skipped"] else "upgrade, downgrade and re-upgrade kept every row"
            )
            messages = [(types.DiagnosticSeverity.Information, f"Rollback verified: {outcome['label']} ({reason})")]
        else:
            messages = [(types.DiagnosticSeverity.Error, f"Rollback verification: {m}") for m in outcome["failures"]]
        diagnostics = [
            types.Diagnostic(range=where, message=text, severity=severity, source=NAME, code="verify")
            for severity, text in messages
        ]
        self._verified[uri] = (analysis.version, diagnostics)
        if self.pull:
            self.refresh({uri})
        else:
            self.publish(uri, analysis.version, self.diagnostics_of(uri, analysis))

    def publish(self, uri: str, version: int | None, diagnostics: list[types.Diagnostic]) -> None:
        """Push diagnostics, unless the client already has exactly these for this version."""
        if self._published.get(uri) == (version, diagnostics):
            return
        self._published[uri] = (version, diagnostics)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=diagnostics)
        )

    def invalidate(self, uris: list[str]) -> dict[str, Analysis | None]:
        """Forget the analyses of `uris` (other files changed) and return them. Analyses of them still
        running read the old state too; `analyse` re-runs those (see its docstring)."""
        for uri in uris:
            self._epochs[uri] = self._epochs.get(uri, 0) + 1
        return {uri: self.analyses.pop(uri, None) for uri in uris}

    def refresh(self, uris: set[str] | None = None) -> None:
        """Re-check open migrations (all, or `uris`) after settings or other files changed."""
        targets = list(self.attached if uris is None else self.attached & uris)
        last = self.invalidate(targets)
        if self.pull:  # the next pull recomputes; ask for it when the client lets us
            capabilities = self.client_capabilities.workspace
            diagnostics = capabilities.diagnostics if capabilities else None
            if diagnostics is not None and diagnostics.refresh_support:
                self.workspace_diagnostic_refresh(None)
            return
        for uri in targets:
            before = last[uri]
            if not self.on_type() and before is not None and before.version != self.current_version(uri):
                continue  # run = onSave: unsaved edits wait for the next save
            self.schedule(uri)

    def settings_changed(self, settings: Settings) -> None:
        for problem in settings.problems:
            self.log(f"mrt: {problem}", types.MessageType.Warning)
        self.settings = settings
        self.generation += 1
        self.refresh()

    def verify_database(self, config: MRTConfig) -> str:
        """The disposable database "Verify rollback" runs against ('' when none is configured)."""
        return self.settings.verify_database_url or config.db_url

    def on_type(self) -> bool:
        return self.settings.run != ON_SAVE

    def workspace_roots(self) -> list[str]:
        roots = [to_fs_path(f.uri) for f in self.workspace.folders.values()]
        if not roots and self.workspace.root_path:
            roots = [self.workspace.root_path]
        return [r for r in roots if r and Path(r).is_dir()]


def _timed_out(snapshot: Snapshot, budget: float) -> Analysis:
    """One information diagnostic on line 1 instead of silence: the user learns why nothing shows."""
    start = types.Position(line=0, character=0)
    diagnostic = types.Diagnostic(
        range=types.Range(start=start, end=start),
        message=f"mrt: analysis took longer than {budget:g} s and was skipped (setting mrt.maxAnalysisSeconds)",
        severity=types.DiagnosticSeverity.Information,
        source=NAME,
    )
    return Analysis(snapshot, None, [], [diagnostic])
