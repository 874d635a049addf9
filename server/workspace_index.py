"""The migrations of each workspace folder, so that one file's change can re-check the others.

Revision-graph findings (two heads, a missing parent) depend on the other files of the same history:
editing, adding or deleting one revision changes what is true of its siblings. The index finds the
histories the way `mrt check` does (`mrt.discovery`: alembic.ini version locations, Django
`migrations/` packages) and answers "which files share a history with this one". It is rebuilt off
the event loop when alembic.ini or a migration file is created, changed or deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from mrt.discovery import DiscoveryError, discover


class WorkspaceIndex:
    def __init__(self, log: Callable[[str], None]) -> None:
        self._log = log
        self.roots: list[str] = []
        self._files: dict[str, set[str]] = {}  # history directory -> migration files in it

    def scan(self, roots: Iterable[str]) -> None:
        """(Re)build the index for the given workspace folders. Runs in a worker thread."""
        self.roots = [r for r in roots if Path(r).is_dir()]
        files: dict[str, set[str]] = {}
        for root in self.roots:
            try:
                found = discover([root])
            except DiscoveryError as exc:
                self._log(f"mrt: cannot index {root}: {exc}")
                continue
            for item in found:
                path = str(Path(item.path).resolve())
                files.setdefault(_history_dir(path), set()).add(path)
        self._files = files

    def all_files(self) -> list[str]:
        return sorted(path for group in self._files.values() for path in group)

    def history_of(self, path: str) -> set[str]:
        """The migration files that share a history (a version directory or migrations package) with `path`."""
        return set(self._files.get(_history_dir(str(Path(path).resolve())), ()))

    def affected(self, changed: Iterable[str], open_paths: Iterable[str]) -> set[str]:
        """Open files whose findings may change when the `changed` files did."""
        directories = {_history_dir(str(Path(p).resolve())) for p in changed}
        return {p for p in open_paths if _history_dir(str(Path(p).resolve())) in directories}


def _history_dir(path: str) -> str:
    """The directory that holds a history: `versions/` for Alembic, `migrations/` for Django."""
    parent = Path(path).parent
    for directory in (parent, *parent.parents):
        if directory.name in ("versions", "migrations"):
            return str(directory)
    return str(parent)
