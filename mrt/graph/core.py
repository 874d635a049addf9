"""A revision graph over parsed migrations, with iterative algorithms only.

Nodes are migration files (two files may claim the same revision id; that is a finding, not a crash).
`parents` are the edges that decide heads (Alembic `down_revision`, Django dependencies inside one app);
`extra` are ordering-only edges (Alembic `depends_on`, Django dependencies on other apps). Every walk is
an explicit stack or queue, so a 10,000-revision linear history costs no recursion and linear time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from mrt.model.migration import MigrationAST


@dataclass
class Graph:
    framework: str
    migrations: list[MigrationAST] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)  # the id users name a node by (revision, or app.name)
    parents: list[list[int]] = field(default_factory=list)
    extra: list[list[int]] = field(default_factory=list)
    missing: list[list[str]] = field(default_factory=list)  # references that resolve to no file
    groups: list[str] = field(default_factory=list)  # Alembic: component id; Django: app label
    hidden: set[int] = field(default_factory=set)  # replaced by a squash: not a node of the graph Django uses

    def add(self, migration: MigrationAST, ident: str, group: str = "") -> int:
        self.migrations.append(migration)
        self.ids.append(ident)
        self.parents.append([])
        self.extra.append([])
        self.missing.append([])
        self.groups.append(group)
        return len(self.migrations) - 1

    def __len__(self) -> int:
        return len(self.migrations)

    def children(self, *, include_extra: bool = False) -> list[list[int]]:
        out: list[list[int]] = [[] for _ in self.migrations]
        for child, parents in enumerate(self.parents):
            for parent in parents:
                out[parent].append(child)
            if include_extra:
                for parent in self.extra[child]:
                    out[parent].append(child)
        return out

    def components(self, also_joined: Iterable[tuple[int, int]] = ()) -> list[int]:
        """Connected component of every node (union-find over all edges, iterative), counting the node pairs
        of `also_joined` as edges too (MRT427: revisions of one directory share a database)."""
        root = list(range(len(self)))

        def find(i: int) -> int:
            while root[i] != i:
                root[i] = root[root[i]]
                i = root[i]
            return i

        def join(a: int, b: int) -> None:
            a, b = find(a), find(b)
            if a != b:
                root[a] = b

        for child in range(len(self)):
            for parent in (*self.parents[child], *self.extra[child]):
                join(child, parent)
        for a, b in also_joined:
            join(a, b)
        return [find(i) for i in range(len(self))]

    def heads(self, nodes: Iterable[int]) -> list[int]:
        """Nodes of `nodes` that no other node of `nodes` names as a parent."""
        members = [n for n in nodes if n not in self.hidden]
        member_set = set(members)
        has_child: set[int] = set()
        for node in members:
            for parent in self.parents[node]:
                if parent in member_set and parent != node:
                    has_child.add(parent)
        return [n for n in members if n not in has_child]

    def cycles(self) -> list[list[int]]:
        """One node list per cycle found by an iterative depth-first search over all edges."""
        white, grey, black = 0, 1, 2
        color = [white] * len(self)
        found: list[list[int]] = []
        seen: set[frozenset[int]] = set()
        for start in range(len(self)):
            if color[start] != white:
                continue
            path: list[int] = []
            stack: list[tuple[int, int]] = [(start, 0)]
            color[start] = grey
            path.append(start)
            while stack:
                node, index = stack[-1]
                edges = (*self.parents[node], *self.extra[node])
                if index < len(edges):
                    stack[-1] = (node, index + 1)
                    nxt = edges[index]
                    if color[nxt] == white:
                        color[nxt] = grey
                        path.append(nxt)
                        stack.append((nxt, 0))
                    elif color[nxt] == grey:
                        cycle = path[path.index(nxt) :]
                        key = frozenset(cycle)
                        if key not in seen:
                            seen.add(key)
                            found.append(cycle)
                else:
                    stack.pop()
                    path.pop()
                    color[node] = black
        return found

    def descendants(self, starts: Iterable[int]) -> list[int]:
        """Every node reachable from `starts` through child edges (the starts themselves excluded)."""
        children = self.children(include_extra=True)
        start_set = set(starts)
        queue = deque(start_set)
        reached: set[int] = set()
        while queue:
            node = queue.popleft()
            for child in children[node]:
                if child not in reached and child not in start_set:
                    reached.add(child)
                    queue.append(child)
        return sorted(reached)
