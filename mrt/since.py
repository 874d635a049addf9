"""Which migrations of a history a `mrt check` run reports on: `--since` and `--min-revision`.

Every migration is still analysed (so checks over the whole revision graph see all of it); these
options only decide whose findings are shown:

* `--since REV`: migrations added after REV, i.e. its descendants in the revision graph.
* `--min-revision REV`: everything except REV and its ancestors (pytest-mrt's downgrade floor).

REV is an Alembic revision id (a unique prefix is enough, as with `alembic`) or a Django
`app_label.migration_name` (`shop.0003` for `shop.0003_add_price`). Edges are Alembic
`down_revision` + `depends_on` and Django `dependencies`; walks are iterative, so a 10,000-revision
chain is no problem. (There is no shared `mrt.graph` module yet; this is the minimal ordering the
CLI needs, and it should move there when one exists.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from mrt.model.migration import DJANGO, MigrationAST


class ScopeError(ValueError):
    """A REV that names no migration, or more than one."""


class RevisionGraph:
    """Parents and children of every migration, by index into the list it was built from."""

    def __init__(self, migrations: Sequence[MigrationAST]) -> None:
        self.migrations = [m for m in migrations if m.is_migration]
        self._ids: dict[str, list[int]] = defaultdict(list)
        for i, m in enumerate(self.migrations):
            self._ids[_node_id(m)].append(i)
            for label in m.branch_labels:
                self._ids[label].append(i)
        self.children: dict[int, list[int]] = defaultdict(list)
        self.parents: dict[int, list[int]] = defaultdict(list)
        for i, m in enumerate(self.migrations):
            for parent_id in _parent_ids(m):
                for parent in self._ids.get(parent_id, ()):
                    if parent != i:
                        self.children[parent].append(i)
                        self.parents[i].append(parent)

    def resolve(self, ref: str) -> list[int]:
        """The migrations `ref` names: an exact id first, then a unique prefix."""
        ref = ref.strip()
        exact = [i for i, m in enumerate(self.migrations) if ref in (_node_id(m), m.revision, m.label)]
        if exact:
            return exact
        prefixed = [i for i, m in enumerate(self.migrations) if ref and _node_id(m).startswith(ref)]
        names = sorted({_node_id(self.migrations[i]) for i in prefixed})
        if len(names) > 1:
            shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
            raise ScopeError(f"{ref!r} is ambiguous: it matches {shown}")
        if not prefixed:
            raise ScopeError(
                f"{ref!r} matches no migration here (an Alembic revision id, or app_label.migration_name for Django)"
            )
        return prefixed

    def walk(self, start: Iterable[int], *, down: bool) -> set[int]:
        """Every migration reachable from `start` (excluded) through children or parents."""
        edges = self.children if down else self.parents
        seen: set[int] = set()
        stack = list(start)
        while stack:
            for nxt in edges.get(stack.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen


def _node_id(m: MigrationAST) -> str:
    return m.label if m.framework == DJANGO else (m.revision or m.name)


def _parent_ids(m: MigrationAST) -> list[str]:
    if m.framework == DJANGO:
        return [f"{app}.{name}" for app, name in m.dependencies]
    return [*m.down_revisions, *m.depends_on]


def reported_paths(
    migrations: Sequence[MigrationAST], *, since: str | None = None, min_revision: str | None = None
) -> set[str] | None:
    """Resolved paths of the migrations to report on, or None for all of them."""
    if since is None and min_revision is None:
        return None
    graph = RevisionGraph(migrations)
    keep = set(range(len(graph.migrations)))
    if since is not None:
        keep &= graph.walk(_resolve(graph, since, "--since"), down=True)
    if min_revision is not None:
        floor = _resolve(graph, min_revision, "--min-revision")
        keep -= graph.walk(floor, down=False) | set(floor)
    return {resolved(graph.migrations[i].path) for i in keep}


def _resolve(graph: RevisionGraph, ref: str, option: str) -> list[int]:
    try:
        return graph.resolve(ref)
    except ScopeError as exc:
        raise ScopeError(f"{option}: {exc}") from None


def resolved(path: str) -> str:
    return str(Path(path).resolve())
