"""Build revision graphs from parsed migrations: one for Alembic files, one for Django files.

Alembic: several version locations and several independent trees in one script directory are normal
(prefect keeps one tree per engine, and the two trees share revision ids). A reference therefore resolves
first inside the file's own directory, then to the one directory that defines the id, then to the
nearest of several; trees are the connected components that result.

Django: a directory's real app label is what its own migrations call it (wagtail's `wagtail/images` is
`wagtailimages`), found by majority vote over dependencies that name a sibling file. A squash replaces its
`replaces` nodes, as Django's loader does; dependencies on apps that were not scanned are external.
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict

from mrt.graph.core import Graph
from mrt.model.migration import ALEMBIC, DJANGO, MigrationAST

_LABEL_ASSIGNED = re.compile(r"^branch_labels\s*(?::[^=\n]*)?=\s*(?!None\b)\S", re.MULTILINE)
_DJANGO_SPECIAL = frozenset({"__first__", "__latest__"})


def _folder(m: MigrationAST) -> str:
    """The directory a migration sits in (`os.path`: graph building asks once per file and reference)."""
    return os.path.dirname(os.path.normpath(m.path)) or "."


def branch_labels(m: MigrationAST) -> tuple[str, ...]:
    """Literal branch labels; a label the parser could not read (`(cli.EXPAND_BRANCH,)`) is a unique one.

    The answer is kept on the model when it needs the source, so a batch run can release the source
    after the per-file pass (`mrt.analyzer` asks once per file before it does)."""
    if m.branch_labels:
        return m.branch_labels
    if _UNREAD_LABEL in m.derived or _label_assigned(m.source):
        m.derived[_UNREAD_LABEL] = True
        return (f"<label of {m.path}>",)
    return ()


_UNREAD_LABEL = "facts:unread_branch_label"


def _label_assigned(source: str) -> bool:
    start = source.find("branch_labels")  # the regex only from the first mention: most files have one, late
    return start != -1 and _LABEL_ASSIGNED.search(source, start) is not None


def alembic_graph(migrations: list[MigrationAST]) -> Graph:
    graph = Graph(ALEMBIC)
    for m in migrations:
        if m.framework == ALEMBIC and m.revision and m.syntax_error is None:
            graph.add(m, m.revision)
    by_dir: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    by_rev: dict[str, list[int]] = defaultdict(list)
    labels: dict[str, list[int]] = defaultdict(list)
    folders = [_folder(m) for m in graph.migrations]
    for node, m in enumerate(graph.migrations):
        by_dir[folders[node]][m.revision].append(node)
        by_rev[m.revision].append(node)
        for label in branch_labels(m):
            labels[label].append(node)

    def resolve(ref: str, node: int, *, allow_label: bool) -> list[int] | None:
        local = by_dir[folders[node]].get(ref)
        if local:
            return local
        candidates = by_rev.get(ref)
        if candidates:
            dirs = {folders[c] for c in candidates}
            if len(dirs) == 1:
                return candidates
            nearest = max(dirs, key=lambda d: len(os.path.commonpath([d, folders[node]])))
            return [c for c in candidates if folders[c] == nearest]
        if allow_label and ref in labels:
            return labels[ref]
        return None

    for node, m in enumerate(graph.migrations):
        for refs, target, allow_label in ((m.down_revisions, graph.parents, False), (m.depends_on, graph.extra, True)):
            for ref in refs:
                resolved = resolve(ref, node, allow_label=allow_label)
                if resolved is None:
                    graph.missing[node].append(ref)
                else:
                    target[node].extend(r for r in resolved if r != node or ref == m.revision)
    components = graph.components()
    graph.groups = [str(c) for c in components]
    return graph


def _directory_labels(migrations: list[MigrationAST]) -> dict[str, str]:
    """The app label each migrations directory goes by, read from its own migrations.

    The directory's name is the label unless its migrations never call it that (wagtail's
    `wagtail/images` is `wagtailimages`). Then the label is voted: `replaces` always names the same
    app (weight 3), and so does a dependency on an earlier migration of this folder, usually; a
    cross-app dependency on another app's `0001_initial` must not outvote them.
    """
    names: dict[str, set[str]] = defaultdict(set)
    folders = [_folder(m) for m in migrations]
    for m, folder in zip(migrations, folders, strict=True):
        names[folder].add(m.name)
    default: dict[str, str] = {}
    confirmed: set[str] = set()
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m, folder in zip(migrations, folders, strict=True):
        own = default.setdefault(folder, m.app or os.path.basename(os.path.dirname(folder)))
        for app, _name in m.replaces:
            if app == own:
                confirmed.add(folder)
            votes[folder][app] += 3
        here, siblings = m.name, names[folder]
        for app, name in m.dependencies:
            if name in siblings and name < here:
                if app == own:
                    confirmed.add(folder)
                votes[folder][app] += 1
    out: dict[str, str] = {}
    for folder, own in default.items():
        counted = votes[folder].most_common(1)
        out[folder] = own if folder in confirmed or not counted else counted[0][0]
    return out


def _nearest(folders: list[str], here: str) -> str:
    """Of several directories with one app label (two projects scanned at once), the one closest to `here`."""
    if len(folders) == 1:
        return folders[0]
    return max(folders, key=lambda f: len(os.path.commonpath([f, here])))


def django_graph(migrations: list[MigrationAST]) -> Graph:
    graph = Graph(DJANGO)
    usable = [m for m in migrations if m.framework == DJANGO and m.syntax_error is None]
    labels = _directory_labels(usable)
    folders_of: dict[str, list[str]] = defaultdict(list)
    for folder, label in labels.items():
        folders_of[label].append(folder)
    key_of: dict[tuple[str, str], int] = {}  # (directory, name) -> node
    folder_of: list[str] = []
    for m in usable:
        folder = _folder(m)
        label = labels[folder]
        group = label if len(folders_of[label]) == 1 else f"{label}@{folder}"
        name = m.name
        if (folder, name) not in key_of:
            key_of[(folder, name)] = graph.add(m, f"{label}.{name}", group)
            folder_of.append(folder)

    def where(app: str, name: str, node: int) -> tuple[str, str] | None:
        """The (directory, name) a reference from `node` means, or None for an app that was not scanned."""
        if app not in folders_of:
            return None
        return _nearest(folders_of[app], folder_of[node]), name

    replaced_by: dict[tuple[str, str], int] = {}
    for node, m in enumerate(graph.migrations):
        for app, name in m.replaces:
            key = where(app, name, node)
            if key is None:
                continue
            replaced_by.setdefault(key, node)
            if key in key_of:
                graph.hidden.add(key_of[key])
    for node, m in enumerate(graph.migrations):
        for app, name in m.dependencies:
            key = where(app, name, node)
            if key is None or name in _DJANGO_SPECIAL:
                continue
            target = key_of.get(key)
            if target is None or target in graph.hidden:
                squash = replaced_by.get(key)
                target = squash if squash is not None and squash != node else target
            if target is None:
                graph.missing[node].append(f"{app}.{name}")
            elif target != node:
                same_app = graph.groups[target] == graph.groups[node]
                (graph.parents if same_app else graph.extra)[node].append(target)
    # Like Django's loader, a squash inherits what its replaced migrations depended on (outside the squash).
    for node in graph.hidden:
        squash = replaced_by[(folder_of[node], graph.migrations[node].name)]
        for edges in (graph.parents, graph.extra):
            for parent in edges[node]:
                if parent != squash and parent not in graph.hidden:
                    same_app = graph.groups[parent] == graph.groups[squash]
                    (graph.parents if same_app else graph.extra)[squash].append(parent)
    return graph
