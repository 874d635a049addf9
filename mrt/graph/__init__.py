"""Revision graphs: Alembic `down_revision` / `depends_on` / branch labels, Django dependencies / `replaces`.

Used by the graph rules (MRT9xx: heads, missing parents, duplicate ids, cycles, branch labels, squash
hygiene) and by every face that needs "the revisions after REV" (`mrt check --since REV`).
"""

from __future__ import annotations

from mrt.graph.build import alembic_graph, branch_labels, django_graph
from mrt.graph.core import Graph
from mrt.model.migration import MigrationAST

__all__ = [
    "Graph",
    "UnknownRevision",
    "alembic_graph",
    "branch_labels",
    "build_graphs",
    "django_graph",
    "find_revision",
    "graphs_of",
    "revisions_after",
]


class UnknownRevision(ValueError):
    """A revision named by the user matches no migration (or several); the message says which."""


def build_graphs(migrations: list[MigrationAST]) -> list[Graph]:
    """The Alembic graph and the Django graph of `migrations` (either may be empty)."""
    return [alembic_graph(migrations), django_graph(migrations)]


_last: tuple[list[MigrationAST], tuple[int, ...], list[Graph]] | None = None


def graphs_of(migrations: list[MigrationAST]) -> list[Graph]:
    """`build_graphs(migrations)`, once per list: the graph rules and the Django field history of one
    run read the same graphs. The list is held with its answer, so the ids in the key stay its own."""
    global _last
    key = tuple(map(id, migrations))
    if _last is None or _last[1] != key:
        _last = (migrations, key, build_graphs(migrations))
    return _last[2]


def find_revision(graph: Graph, rev: str) -> list[int]:
    """Nodes named `rev`: an Alembic revision id (or a unique prefix of one), a branch label, or a Django
    `app.name` / `app/name` / `app:name`; a bare Django name is accepted when only one app has it."""
    wanted = rev.strip().replace("/", ".").replace(":", ".")
    exact = [n for n, ident in enumerate(graph.ids) if ident == wanted]
    if exact:
        return exact
    if graph.framework == "alembic":
        labelled = [n for n, m in enumerate(graph.migrations) if wanted in branch_labels(m)]
        if labelled:
            return labelled
        prefixed = [n for n, ident in enumerate(graph.ids) if ident.startswith(wanted)]
        if len({graph.ids[n] for n in prefixed}) == 1:
            return prefixed
        return []
    named = [n for n, m in enumerate(graph.migrations) if m.name == wanted]
    return named if len({graph.groups[n] for n in named}) == 1 else []


def revisions_after(migrations: list[MigrationAST], rev: str) -> list[MigrationAST]:
    """The migrations that come after `rev` (its descendants, not `rev` itself), for `--since REV`.

    Raises `UnknownRevision` when `rev` names nothing (or is ambiguous) in the given migrations.
    """
    for graph in build_graphs(migrations):
        starts = find_revision(graph, rev)
        if starts:
            return [graph.migrations[n] for n in graph.descendants(starts)]
    raise UnknownRevision(f"revision {rev!r} not found among {len(migrations)} migrations")
