"""Lifecycle, document and configuration handlers: when to analyse, and how results reach the client.

* `initialize` picks pull diagnostics when the client supports them and push otherwise — never
  both, or the client shows every finding twice.
* Open and save analyse at once; a change re-arms a per-document debounce timer (`run = onType`) or
  only updates the buffer (`run = onSave`).
* Settings arrive in `initializationOptions`, are pulled with `workspace/configuration` after
  `initialized` and again on `workspace/didChangeConfiguration`; pyproject.toml, alembic.ini and
  migration files are watched so `[tool.mrt]` and the workspace index stay current.
"""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

from lsprotocol import types

from mrt.rules.registry import all_rules

from .hover import explainer_for
from .server import MrtServer
from .settings import Settings, parse_settings

_WATCHED = ("**/pyproject.toml", "**/alembic.ini", "**/versions/**/*.py", "**/migrations/*.py")


def register(server: MrtServer) -> None:
    server.feature(types.INITIALIZE)(initialize)
    server.feature(types.INITIALIZED)(initialized)
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE)(did_save)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)(did_change_configuration)
    server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)(did_change_watched_files)
    server.feature(types.EXIT)(exit_)


def initialize(ls: MrtServer, params: types.InitializeParams) -> None:
    """Runs before pygls computes the server capabilities, so pull can be registered conditionally."""
    ls.settings = parse_settings(params.initialization_options, Settings())
    text_document = params.capabilities.text_document
    ls.pull = bool(text_document and text_document.diagnostic is not None)
    if ls.pull:
        options = types.DiagnosticOptions(identifier="mrt", inter_file_dependencies=True, workspace_diagnostics=False)
        ls.feature(types.TEXT_DOCUMENT_DIAGNOSTIC, options)(pull_diagnostics)


async def initialized(ls: MrtServer, params: types.InitializedParams) -> None:
    for problem in ls.settings.problems:
        ls.log(f"mrt: {problem}", types.MessageType.Warning)
    try:
        all_rules()  # load the catalog once, before worker threads race to do it
    except Exception as exc:  # a broken install: say so, keep serving (each analysis will log too)
        ls.log(f"mrt: cannot load the rule catalog: {exc!r}", types.MessageType.Error)
    await _register_watchers(ls)
    ls.run_task(_index_then_refresh(ls))
    await _pull_configuration(ls)  # re-checks open files when it changes anything
    if ls.settings.explain_provider == "claude":  # import the SDK now rather than on the first hover
        ls.run_task(explainer_for(ls, ls.config_for(None).explain_model))


def exit_(ls: MrtServer, params: None) -> None:
    """An analysis still running in a worker thread must not keep the process alive after `exit`."""
    ls.executor.shutdown(wait=False, cancel_futures=True)
    timer = threading.Timer(2.0, os._exit, args=(0,))
    timer.daemon = True
    timer.start()


async def did_open(ls: MrtServer, params: types.DidOpenTextDocumentParams) -> None:
    if ls.attach(params.text_document.uri):
        ls.schedule(params.text_document.uri)


async def did_change(ls: MrtServer, params: types.DidChangeTextDocumentParams) -> None:
    uri = params.text_document.uri
    if ls.on_type() and ls.attach(uri):
        ls.schedule(uri, delay=ls.settings.debounce_ms / 1000)


async def did_save(ls: MrtServer, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if not ls.attach(uri):
        return
    ls.schedule(uri)
    path = ls.path_of(uri)
    if path is not None:
        await asyncio.get_running_loop().run_in_executor(ls.executor, ls.index.reread, [path], ls.config_for)
        _refresh_history(ls, [path], exclude=uri)


async def did_close(ls: MrtServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    was_attached = uri in ls.attached
    ls.detach(uri)
    if was_attached and not ls.pull:
        ls.publish(uri, None, [])


async def did_change_configuration(ls: MrtServer, params: types.DidChangeConfigurationParams) -> None:
    """Clients either send the new settings here or expect the server to pull them."""
    settings = parse_settings(params.settings, Settings()) if _has_mrt_section(params.settings) else ls.settings
    ls.projects.reload()
    if not await _pull_configuration(ls, base=settings):
        ls.settings_changed(settings)


async def did_change_watched_files(ls: MrtServer, params: types.DidChangeWatchedFilesParams) -> None:
    paths = [p for p in (ls.path_of(change.uri) for change in params.changes) if p]
    names = {Path(p).name for p in paths}
    if "pyproject.toml" in names:
        ls.projects.reload()
        ls.settings_changed(ls.settings)
    if "alembic.ini" in names or any(p.endswith(".py") for p in paths):
        await _index_workspace(ls)
        await asyncio.get_running_loop().run_in_executor(ls.executor, ls.index.reread, paths, ls.config_for)
        changed = [p for p in paths if p.endswith(".py")]
        if changed:
            _refresh_history(ls, changed)
        else:
            ls.refresh()


async def pull_diagnostics(ls: MrtServer, params: types.DocumentDiagnosticParams) -> types.DocumentDiagnosticReport:
    uri = params.text_document.uri
    if not ls.attach(uri):
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    analysis = ls.analyses.get(uri) if not ls.on_type() else None
    if analysis is None:
        analysis = await ls.analyse(uri)
    if analysis is None or uri not in ls.attached:  # closed while it was analysed: nothing to show
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    items = ls.diagnostics_of(uri, analysis)
    result_id = f"{analysis.version}:{analysis.snapshot.generation}:{len(items)}"
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)


# -- helpers -------------------------------------------------------------------------------------------


def _has_mrt_section(settings: object) -> bool:
    return isinstance(settings, dict) and isinstance(settings.get("mrt"), dict)


async def _pull_configuration(ls: MrtServer, base: Settings | None = None) -> bool:
    """Ask the client for the `mrt` section; True when settings were (re)applied."""
    workspace = ls.client_capabilities.workspace
    if not (workspace and workspace.configuration):
        return False
    try:
        items = await ls.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section="mrt")])
        )
    except Exception as exc:  # a client that advertises the capability but fails the request
        ls.log(f"mrt: workspace/configuration failed: {exc!r}", types.MessageType.Warning)
        return False
    if not items or not isinstance(items[0], dict):
        return False
    ls.settings_changed(parse_settings(items[0], base or ls.settings))
    return True


async def _register_watchers(ls: MrtServer) -> None:
    workspace = ls.client_capabilities.workspace
    watched = workspace.did_change_watched_files if workspace else None
    if not (watched and watched.dynamic_registration):
        return
    registration = types.Registration(
        id="mrt-watched-files",
        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        register_options=types.DidChangeWatchedFilesRegistrationOptions(
            watchers=[types.FileSystemWatcher(glob_pattern=pattern) for pattern in _WATCHED]
        ),
    )
    try:
        await ls.client_register_capability_async(types.RegistrationParams(registrations=[registration]))
    except Exception as exc:
        ls.log(f"mrt: could not watch files: {exc!r}", types.MessageType.Warning)


async def _index_then_refresh(ls: MrtServer) -> None:
    """Files opened before the index was built have no graph findings yet."""
    await _index_workspace(ls)
    ls.refresh()


async def _index_workspace(ls: MrtServer) -> None:
    roots = ls.workspace_roots()
    await asyncio.get_running_loop().run_in_executor(ls.executor, ls.index.scan, roots, ls.config_for)


def _refresh_history(ls: MrtServer, changed: list[str], exclude: str | None = None) -> None:
    """Re-check open files that share a history with the changed ones (revision-graph findings)."""
    open_paths = {path: uri for uri in ls.attached if (path := ls.path_of(uri))}
    affected = {open_paths[p] for p in ls.index.affected(changed, open_paths)} - {exclude}
    if affected:
        ls.refresh(affected)
