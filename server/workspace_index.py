"""The migrations of each workspace folder, so that revision-graph rules can see a file's whole history.

Graph findings (two heads, a missing parent, a duplicate revision id) depend on every other migration
of the project, not only the open file. The index finds them the way `mrt check` does
(`mrt.discovery`: alembic.ini version locations, Django `migrations/` packages), keeps each one parsed,
and hands the graph rules the whole history with the open buffers in place of their saved text. It is
rebuilt off the event loop when alembic.ini or a migration file is created, changed or deleted, and a
saved file is re-read.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Mapping

from mrt.analyzer import analyze_history
from mrt.config import MRTConfig
from mrt.discovery import DiscoveryError, discover
from mrt.findings import RiskWarning
from mrt.model import parse_migration
from mrt.model.migration import MigrationAST
from mrt.model.source import SourceError, read_source
from mrt.rules.tableless import drop_tableless_deletions


class WorkspaceIndex:
    def __init__(self, log: Callable[[str], None]) -> None:
        self._log = log
        self.roots: list[str] = []
        self._files: dict[str, list[str]] = {}  # workspace root -> its migration files
        self._root: dict[str, str] = {}  # migration file -> its workspace root
        self._apps: dict[str, str | None] = {}
        self._parsed: dict[str, MigrationAST] = {}
        self._lock = threading.Lock()  # scans, parses and graph rules run in worker threads

    def scan(self, roots: Iterable[str], config_for: Callable[[str], MRTConfig]) -> None:
        """(Re)build the index and parse every migration once. Runs in a worker thread."""
        files: dict[str, list[str]] = {}
        apps: dict[str, str | None] = {}
        for root in roots:
            try:
                found = discover([root])
            except DiscoveryError as exc:
                self._log(f"mrt: cannot index {root}: {exc}")
                continue
            files[_key(root)] = [_key(item.path) for item in found]
            apps.update((_key(item.path), item.app) for item in found)
        with self._lock:
            self.roots = list(files)
            self._files = files
            self._root = {path: root for root, paths in files.items() for path in paths}
            self._apps = apps
            self._parsed = {path: m for path, m in self._parsed.items() if path in apps}
        for path in apps:
            if path not in self._parsed:
                self._parse(path, config_for(path))

    def reread(self, paths: Iterable[str], config_for: Callable[[str], MRTConfig]) -> None:
        """These files changed on disk: parse them again. Runs in a worker thread."""
        for path in map(_key, paths):
            if path in self._apps:
                self._parse(path, config_for(path))

    def all_files(self) -> list[str]:
        return sorted(path for files in self._files.values() for path in files)

    def affected(self, changed: Iterable[str], open_paths: Iterable[str]) -> set[str]:
        """Open files whose graph findings may change when the `changed` files did."""
        roots = {self._root.get(_key(p)) for p in changed} - {None}
        return {p for p in open_paths if self._root.get(_key(p)) in roots}

    def with_history(
        self,
        migration: MigrationAST,
        buffers: Mapping[str, MigrationAST],
        config: MRTConfig,
        own: list[RiskWarning],
    ) -> list[RiskWarning]:
        """`own` (the file's own findings) as its whole history corrects them, plus the graph findings on
        `migration`, computed over that history (open buffers as typed). A `DeleteModel` of a model an
        earlier migration declared proxy or unmanaged drops nothing (`mrt.rules.tableless`), as in `mrt check`.

        Unchanged until the index has read the whole history: a partial one would show parents as
        missing. The scan re-checks open files when it is done."""
        path = _key(migration.path)
        root = self._root.get(path)
        if root is None:
            return own
        buffers = {_key(p): m for p, m in buffers.items()}
        history = []
        with self._lock:
            for other in self._files[root]:
                found = migration if other == path else buffers.get(other) or self._parsed.get(other)
                if found is None:
                    return own
                history.append(found)
            own = drop_tableless_deletions(history, own)  # reads each file's facts, kept on its model
            findings = analyze_history(history, config)  # under the lock: graph rules share a module cache
        return own + [f for f in findings if f.path and _key(f.path) == path]

    def project_findings(self, config_for: Callable[[str], MRTConfig]) -> dict[str, list[RiskWarning]]:
        """Graph findings of every indexed history, as saved on disk, by file (a whole-workspace check)."""
        out: dict[str, list[RiskWarning]] = {}
        for root, files in self._files.items():
            with self._lock:
                history = [self._parsed[f] for f in files if f in self._parsed]
                findings = analyze_history(history, config_for(root)) if history else []
            for finding in findings:
                out.setdefault(_key(finding.path), []).append(finding)
        return out

    def _parse(self, path: str, config: MRTConfig) -> None:
        try:
            text = read_source(path)
        except SourceError:
            text = ""  # unreadable: an empty migration keeps the history complete; MRT902 says why
        parsed = parse_migration(text, path, dialect=config.dialect, app=self._apps.get(path))
        with self._lock:
            self._parsed[path] = parsed


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))
