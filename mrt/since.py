"""Which migrations of a history a `mrt check` run reports on: `--since` and `--min-revision`.

Every migration is still analysed (so checks over the whole revision graph see all of it); these
options only decide whose findings are shown:

* `--since REV`: migrations added after REV, i.e. its descendants in the revision graph.
* `--min-revision REV`: everything except REV and its ancestors (pytest-mrt's downgrade floor).

REV is whatever `mrt.graph.find_revision` accepts (an Alembic revision id or unique prefix, a branch
label, a Django `app_label.migration_name`) or a unique prefix of a Django id (`shop.0003`). The graphs are `mrt.graph`'s (the same ones the graph
rules read); walks are iterative, so a 10,000-revision chain is no problem.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from mrt.graph import Graph, build_graphs, find_revision
from mrt.model.migration import MigrationAST


class ScopeError(ValueError):
    """A REV that names no migration, or more than one."""


def reported_paths(
    migrations: Sequence[MigrationAST], *, since: str | None = None, min_revision: str | None = None
) -> set[str] | None:
    """Absolute paths of the migrations to report on, or None for all of them."""
    if since is None and min_revision is None:
        return None
    graphs = build_graphs(list(migrations))
    keep = {absolute(m.path) for m in migrations if m.is_migration}
    if since is not None:
        graph, starts = _find(graphs, since, "--since")
        keep &= {absolute(graph.migrations[n].path) for n in graph.descendants(starts)}
    if min_revision is not None:
        graph, starts = _find(graphs, min_revision, "--min-revision")
        keep -= {absolute(graph.migrations[n].path) for n in {*starts, *ancestors(graph, starts)}}
    return keep


def ancestors(graph: Graph, starts: Sequence[int]) -> set[int]:
    """Every node reachable from `starts` through parent and ordering edges (the starts excluded)."""
    seen: set[int] = set()
    stack = list(starts)
    while stack:
        node = stack.pop()
        for parent in (*graph.parents[node], *graph.extra[node]):
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return seen - set(starts)


def _find(graphs: list[Graph], ref: str, option: str) -> tuple[Graph, list[int]]:
    for graph in graphs:
        starts = find_revision(graph, ref)
        if starts:
            return graph, starts
    # A unique prefix, also of a Django id (`shop.0003` for `shop.0003_add_price`, as `migrate` takes it).
    prefixed = sorted({ident for graph in graphs for ident in graph.ids if ref and ident.startswith(ref.strip())})
    if len(prefixed) == 1:
        for graph in graphs:
            nodes = [n for n, ident in enumerate(graph.ids) if ident == prefixed[0]]
            if nodes:
                return graph, nodes
    if len(prefixed) > 1:
        shown = ", ".join(prefixed[:5]) + (", ..." if len(prefixed) > 5 else "")
        raise ScopeError(f"{option}: {ref!r} is ambiguous: it matches {shown}")
    raise ScopeError(
        f"{option}: {ref!r} matches no migration here "
        "(an Alembic revision id, prefix or branch label, or app_label.migration_name for Django)"
    )


def absolute(path: str) -> str:
    """The form of a path that findings carry in `RiskWarning.path` (absolute, symlinks kept)."""
    return os.path.abspath(path)
