"""MRT9xx graph rules: multiple heads, missing parents, duplicate ids, cycles, branch labels, squash hygiene.

These read every migration at once (`@project_rule`): `analyze_paths` runs them after the per-file pass,
over the migrations found under the directories it was given (one file alone cannot show a graph, and a
parent outside the scanned files is not missing). A merge revision joins its branches: that is one head.
Several independent trees (one per engine) and labelled branches (expand/contract) are normal.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from collections.abc import Iterator
from pathlib import Path

from mrt.config import MRTConfig
from mrt.findings import ERROR, WARNING, Related
from mrt.graph import Graph, branch_labels, graphs_of
from mrt.model import parse_migration
from mrt.model.migration import ALEMBIC, DJANGO, MigrationAST
from mrt.model.ops import Span
from mrt.rules.registry import ALEMBIC_ONLY, DJANGO_ONLY, GRAPH, Hit, RuleDocs, project_rule

Found = Iterator[tuple[MigrationAST, Hit]]

_declared: dict[str, frozenset[str]] = {}  # versions directory -> revision ids declared under it
_declared_for: list[list[Graph]] = []  # the graphs `_declared` was filled for


def _graphs(migrations: list[MigrationAST]) -> list[Graph]:
    """Both graphs, built once per analysis run and shared by every graph rule."""
    graphs = graphs_of(migrations)
    if not _declared_for or _declared_for[0] is not graphs:
        _declared.clear()
        _declared_for[:] = [graphs]
    return graphs


def _graph(migrations: list[MigrationAST], framework: str) -> Graph:
    return next(g for g in _graphs(migrations) if g.framework == framework)


def _header(m: MigrationAST) -> Span:
    """Where a graph finding points: the `revision = ...` line, or the `class Migration` line."""
    span = m.header_span or Span(1, 0, 1, 0)
    return Span(span.line, span.column, span.line, span.end_column if span.end_line == span.line else span.column)


def _related(graph: Graph, nodes: list[int], message: str) -> tuple[Related, ...]:
    return tuple(
        Related(
            line=_header(graph.migrations[n]).line, message=message.format(graph.ids[n]), file=graph.migrations[n].path
        )
        for n in nodes
    )


def _latest(graph: Graph, nodes: list[int]) -> int:
    """The node to report on: the last file by path (revision files sort by date or number)."""
    return max(nodes, key=lambda n: graph.migrations[n].path)


def _lineage_labels(graph: Graph) -> list[str]:
    """The branch label each node inherits from its nearest labelled ancestor (along first parents), or "".

    Each node is labelled once; a walk stops at the first node already labelled, so the whole pass is linear.
    """
    label: list[str | None] = [None] * len(graph)
    for start in range(len(graph)):
        path: list[int] = []
        node: int | None = start
        while node is not None and label[node] is None:
            own = branch_labels(graph.migrations[node])
            if own:
                label[node] = own[0]
                break
            label[node] = ""  # provisional: a walk around a cycle stops here
            path.append(node)
            node = graph.parents[node][0] if graph.parents[node] else None
        inherited = label[node] if node is not None else ""
        for member in path:
            label[member] = inherited
    return [value or "" for value in label]


_HEADS_DOCS = RuleDocs(
    what="Alembic: more than one head in one revision tree, i.e. two revisions with the same parent and no "
    "merge revision joining them. Heads on differently labelled branches (expand/contract) and independent "
    "trees (one per engine) are not reported; a merge revision counts as joining its branches. Django: more "
    "than one leaf migration in one app (Django's 'Conflicting migrations detected').",
    why="`alembic upgrade head` refuses to run ('Multiple head revisions are present'), and `migrate` refuses "
    "conflicting leaves: the deploy stops. It usually means two branches were merged in git without a merge "
    "migration.",
    instead="Alembic: `alembic merge heads -m 'merge'`. Django: `python manage.py makemigrations --merge`.",
    example="# Alembic: two revisions with the same parent\n"
    '# a1_add_phone.py:   revision = "a1"; down_revision = "f0"\n'
    '# b2_add_email.py:   revision = "b2"; down_revision = "f0"\n\n'
    "# Django: two leaves in app shop\n"
    '# 0004_add_phone.py: dependencies = [("shop", "0003_initial_data")]\n'
    '# 0004_add_email.py: dependencies = [("shop", "0003_initial_data")]\n',
    fixed="# Alembic: alembic merge heads\n"
    'revision = "c3"\ndown_revision = ("a1", "b2")\n\n'
    "# Django: makemigrations --merge\n"
    'dependencies = [("shop", "0004_add_phone"), ("shop", "0004_add_email")]\n',
)


@project_rule(
    code="MRT901",
    name="Multiple heads",
    category=GRAPH,
    severity=ERROR,
    summary="The revision tree has several heads (Django: several leaf migrations in one app).",
    docs=_HEADS_DOCS,
)
def multiple_heads(migrations: list[MigrationAST], config: MRTConfig) -> Found:
    graph = _graph(migrations, ALEMBIC)
    lineage = _lineage_labels(graph)
    trees: dict[str, list[int]] = defaultdict(list)
    for node, group in enumerate(graph.groups):
        trees[group].append(node)
    for nodes in trees.values():
        by_label: dict[str, list[int]] = defaultdict(list)
        for head in graph.heads(nodes):
            by_label[lineage[head]].append(head)
        for heads in by_label.values():
            if len(heads) > 1:
                yield _heads_hit(graph, heads, "alembic merge heads")
    graph = _graph(migrations, DJANGO)
    apps: dict[str, list[int]] = defaultdict(list)
    for node, label in enumerate(graph.groups):
        apps[label].append(node)
    for label, nodes in apps.items():
        heads = graph.heads(nodes)
        if len(heads) > 1:
            yield _heads_hit(graph, heads, f"python manage.py makemigrations --merge {label}")


def _heads_hit(graph: Graph, heads: list[int], fix: str) -> tuple[MigrationAST, Hit]:
    heads = sorted(heads, key=lambda n: graph.migrations[n].path)
    where = graph.migrations[_latest(graph, heads)]
    names = ", ".join(graph.ids[n] for n in heads)
    what = "leaf migrations in one app" if graph.framework == DJANGO else "heads in one revision tree"
    others = [n for n in heads if graph.migrations[n] is not where]
    return where, Hit(
        message=f"{len(heads)} {what}: {names}. Join them with `{fix}`",
        span=_header(where),
        related=_related(graph, others, "other head: {}"),
    )


@project_rule(
    code="MRT904",
    name="Missing parent revision",
    category=GRAPH,
    severity=ERROR,
    summary="down_revision, depends_on or a Django dependency names a migration that does not exist.",
    docs=RuleDocs(
        what="An Alembic `down_revision` or `depends_on` (revision id or branch label) that matches no scanned "
        "revision, or a Django dependency on a missing migration of an app that was scanned (dependencies on "
        "apps outside the scanned directories, `__first__` and `__latest__` are not checked). Migrations replaced "
        "by a squash count as present. Only reported for files found by scanning directories.",
        why="Alembic fails with 'Revision x referenced from y is not present' and Django with NodeNotFoundError: "
        "no migration in the project can run until it is fixed. Typical causes: a deleted or renamed file, a "
        "rebase that dropped a revision, a typo.",
        instead="Point the reference at the revision that really precedes this one (`alembic history`, "
        "`showmigrations`), or restore the missing file.",
        example="# Alembic\n"
        'revision = "b2"\ndown_revision = "a0"  # no revision a0 exists\n\n'
        "# Django\n"
        'dependencies = [("shop", "0003_removed_in_rebase")]\n',
        fixed="# Alembic\n"
        'revision = "b2"\ndown_revision = "a1"\n\n'
        "# Django\n"
        'dependencies = [("shop", "0003_add_price")]\n',
    ),
)
def missing_parent(migrations: list[MigrationAST], config: MRTConfig) -> Found:
    for graph in _graphs(migrations):
        for node, missing in enumerate(graph.missing):
            m = graph.migrations[node]
            if graph.framework == ALEMBIC:
                missing = [ref for ref in missing if ref not in _declared_beside(m.path)]
            if not missing:
                continue
            refs = ", ".join(repr(r) for r in missing)
            if graph.framework == DJANGO:
                message = f"{m.label} depends on {refs}, which does not exist"
            else:
                message = f"Revision {m.revision!r} refers to {refs}, which is not a revision in this project"
            yield m, Hit(message=message, span=_header(m))


_REVISION = re.compile(r"""^revision\s*(?::[^=\n]*)?=\s*['"]([^'"]+)['"]""", re.MULTILINE)


def _declared_in(versions: str) -> frozenset[str]:
    """Revision ids declared by the .py files under a `versions` directory, read as text (never imported).
    Read once per analysis run (`_graphs` clears it), so a watch loop sees files added meanwhile."""
    if versions not in _declared:
        found: set[str] = set()
        for path in Path(versions).rglob("*.py"):
            try:
                found.update(_REVISION.findall(path.read_text(encoding="utf-8", errors="replace")))
            except OSError:
                continue
        _declared[versions] = frozenset(found)
    return _declared[versions]


def _declared_beside(path: str) -> frozenset[str]:
    """Revisions of the whole `versions` tree a file sits in. A scan of one sub-directory (`versions/2024.1/`)
    has parents outside the scanned files; they are not missing when the tree declares them."""
    for folder in Path(path).resolve().parents:
        if folder.name == "versions":
            return _declared_in(str(folder))
    return frozenset()


@project_rule(
    code="MRT905",
    name="Duplicate revision id",
    category=GRAPH,
    severity=ERROR,
    summary="Two revision files in one tree declare the same revision id.",
    frameworks=ALEMBIC_ONLY,
    docs=RuleDocs(
        what="Two Alembic files in the same revision tree with the same `revision = ...`. Independent trees "
        "that share ids (one tree per engine, selected by env.py) are not reported.",
        why="Alembic cannot tell the two apart: it raises on load or silently uses one of them, so the other "
        "never runs (or runs where the first was expected).",
        instead="Give the newer file a fresh id (`alembic revision` generates one) and update the "
        "`down_revision` of its children.",
        example='# versions/a1_add_phone.py\nrevision = "a1"\n# versions/a1_add_email.py (copied file)\nrevision = "a1"\n',
        fixed='# versions/a1_add_email.py\nrevision = "c7"\ndown_revision = "a1"\n',
    ),
)
def duplicate_revision(migrations: list[MigrationAST], config: MRTConfig) -> Found:
    graph = _graph(migrations, ALEMBIC)
    seen: dict[tuple[str, str], list[int]] = defaultdict(list)
    for node, ident in enumerate(graph.ids):
        seen[(graph.groups[node], ident)].append(node)
    for (_, ident), nodes in seen.items():
        if len(nodes) < 2:
            continue
        nodes.sort(key=lambda n: graph.migrations[n].path)
        for node in nodes[1:]:
            m = graph.migrations[node]
            first = graph.migrations[nodes[0]]
            yield (
                m,
                Hit(
                    message=f"Revision id {ident!r} is also declared by {Path(first.path).name}",
                    span=_header(m),
                    related=_related(graph, [nodes[0]], "first declaration of {}"),
                ),
            )


@project_rule(
    code="MRT906",
    name="Revision cycle",
    category=GRAPH,
    severity=ERROR,
    summary="The revisions depend on each other in a circle.",
    docs=RuleDocs(
        what="A cycle through Alembic `down_revision` / `depends_on`, or Django dependencies (after a squash "
        "takes over the dependencies of what it replaces, as Django's loader does). Reported once per cycle.",
        why="No order satisfies the dependencies: Alembic raises CycleDetected and Django "
        "CircularDependencyError, and nothing can be migrated.",
        instead="Break the cycle: one of the references points the wrong way (often a copied header, or a squash "
        "that replaced migrations another app's migration sits between).",
        example='# Alembic\n# a1.py: revision = "a1"; down_revision = "b2"\n# b2.py: revision = "b2"; down_revision = "a1"\n\n'
        '# Django\n# 0002_x.py: dependencies = [("shop", "0003_y")]\n# 0003_y.py: dependencies = [("shop", "0002_x")]\n',
        fixed='# Alembic\n# a1.py: revision = "a1"; down_revision = None\n\n'
        '# Django\n# 0002_x.py: dependencies = [("shop", "0001_initial")]\n',
    ),
)
def revision_cycle(migrations: list[MigrationAST], config: MRTConfig) -> Found:
    for graph in _graphs(migrations):
        for cycle in graph.cycles():
            where = _latest(graph, cycle)
            m = graph.migrations[where]
            names = " -> ".join(graph.ids[n] for n in cycle)
            yield m, Hit(message=f"Dependency cycle: {names} -> {graph.ids[cycle[0]]}", span=_header(m))


@project_rule(
    code="MRT907",
    name="Branch label conflict",
    category=GRAPH,
    severity=ERROR,
    summary="A branch label is declared twice in one tree, or equals a revision id.",
    frameworks=ALEMBIC_ONLY,
    docs=RuleDocs(
        what="An Alembic `branch_labels` value declared by two revisions of the same tree, or equal to an "
        "existing revision id.",
        why="`alembic upgrade <label>@head` and `depends_on = '<label>'` become ambiguous: Alembic raises "
        "'Branch name ... already used by revision' when it loads the scripts.",
        instead="Declare each label once, at the first revision of its branch, and pick names that are not "
        "revision ids.",
        example='# a1.py\nbranch_labels = ("billing",)\n# c3.py (same tree)\nbranch_labels = ("billing",)\n',
        fixed='# c3.py\nbranch_labels = ("invoicing",)\n',
    ),
)
def branch_label_conflict(migrations: list[MigrationAST], config: MRTConfig) -> Found:
    graph = _graph(migrations, ALEMBIC)
    revisions = {(graph.groups[n], ident) for n, ident in enumerate(graph.ids)}
    declared: dict[tuple[str, str], int] = {}
    for node in sorted(range(len(graph)), key=lambda n: graph.migrations[n].path):
        m = graph.migrations[node]
        group = graph.groups[node]
        for label in m.branch_labels:
            if (group, label) in revisions:
                yield m, Hit(message=f"Branch label {label!r} is also a revision id", span=_header(m))
            elif (group, label) in declared:
                first = declared[(group, label)]
                yield (
                    m,
                    Hit(
                        message=f"Branch label {label!r} is already declared by revision {graph.ids[first]!r}",
                        span=_header(m),
                        related=_related(graph, [first], "first declaration, in {}"),
                    ),
                )
            else:
                declared[(group, label)] = node


@project_rule(
    code="MRT908",
    name="Squash replaces conflict",
    category=GRAPH,
    severity=WARNING,
    summary="A squashed migration's `replaces` overlaps another squash, or includes its own dependency.",
    frameworks=DJANGO_ONLY,
    docs=RuleDocs(
        what="A Django migration with `replaces = [...]` that replaces a migration another squash already "
        "replaces, or that depends on a migration it replaces itself. Replacing the migrations of an old app label "
        "(the documented way to rename an app) is fine.",
        why="Django's loader substitutes the squash for what it replaces. Overlapping replacements make that "
        "substitution ambiguous, and a squash that depends on its own replaced migration becomes its own "
        "ancestor: `migrate` fails with NodeNotFoundError or CircularDependencyError on some databases only.",
        instead="Re-run `squashmigrations` for one app and one contiguous range; once every database has applied "
        "the squash, delete the replaced files and remove `replaces`.",
        example='# 0001_squashed_0005.py\nreplaces = [("shop", "0001_initial"), ("shop", "0005_price")]\n'
        '# 0003_squashed_0007.py\nreplaces = [("shop", "0003_x"), ("shop", "0005_price"), ("shop", "0007_y")]\n',
        fixed='# 0006_squashed_0007.py\nreplaces = [("shop", "0006_z"), ("shop", "0007_y")]\n',
    ),
)
def squash_replaces_conflict(migrations: list[MigrationAST], config: MRTConfig) -> Found:
    graph = _graph(migrations, DJANGO)
    owner: dict[tuple[str, str], int] = {}
    for node in sorted(range(len(graph)), key=lambda n: graph.migrations[n].path):
        m = graph.migrations[node]
        if not m.replaces:
            continue
        problems: list[str] = []
        overlapping = sorted({graph.ids[owner[k]] for k in m.replaces if k in owner})
        if overlapping:
            problems.append(f"overlaps the squash {', '.join(overlapping)}")
        own = sorted(f"{a}.{n}" for a, n in set(m.dependencies) & set(m.replaces))
        if own:
            problems.append(f"depends on {', '.join(own)}, which it replaces")
        for key in m.replaces:
            owner.setdefault(key, node)
        if problems:
            yield m, Hit(message=f"Squashed migration {m.label} {'; '.join(problems)}", span=_header(m))


@project_rule(
    code="MRT914",
    name="Migration added below the base branch's history",
    category=GRAPH,
    severity=ERROR,
    summary="With --base-ref: a migration added by this change sits below one the base branch already has.",
    docs=RuleDocs(
        what="Only with `mrt check --base-ref REF`, which asks git what changed since the merge base with REF. "
        "A migration added since then that is an ancestor (Alembic `down_revision`/`depends_on`, Django "
        "dependencies) of a migration that already existed at the merge base; and a migration that already "
        "existed there whose parents this change extends with a migration that did not (re-parenting it onto "
        "something new), and a Django migration that existed there under another file name (Django knows a "
        "migration by its name, so a renumbered one is new to every database). A new migration "
        "on top of the head, or joined to it by a merge revision (`alembic merge`, `makemigrations --merge`), "
        "comes after everything that exists and is not reported; neither is a new Django squash, which stands in "
        "for migrations that were applied, nor a parent reference repaired after it named no migration (MRT904).",
        why="Deployed databases already ran the base's migrations. Alembic records only the current head, so a "
        "revision slipped in below it counts as applied and never runs: its table or column is missing in "
        "production only. Django refuses to migrate ('InconsistentMigrationHistory: Migration x is applied before "
        "its dependency y'). The graph itself looks linear, so no other check notices.",
        instead="Leave the existing migrations' parents as they are at the base and rebase the new migration on "
        'the current head: Alembic `down_revision = "<alembic heads>"`, Django a dependency on the app\'s latest '
        "migration (or add a merge migration).",
        example="# at main: a1 <- b1 (deployed)\n"
        "# this branch adds n1 and re-parents b1 onto it\n"
        '# n1_add_phone.py:  revision = "n1"; down_revision = "a1"\n'
        '# b1_add_email.py:  revision = "b1"; down_revision = "n1"   # was "a1"\n',
        fixed='# b1_add_email.py:  revision = "b1"; down_revision = "a1"   # as on main\n'
        '# n1_add_phone.py:  revision = "n1"; down_revision = "b1"   # on top of the head\n',
    ),
)
def added_below_base(migrations: list[MigrationAST], config: MRTConfig) -> Found:
    changes = config.git_changes
    if changes is None:
        return
    for graph in _graphs(migrations):
        added = [changes.is_added(m.path) and not m.replaces for m in graph.migrations]
        existing = [not changes.is_added(m.path) for m in graph.migrations]
        above = _nearest_existing_descendant(graph, existing)
        for node in sorted(above, key=lambda n: graph.migrations[n].path):
            if added[node]:
                yield _below_hit(graph, node, above[node], changes.ref)
        known = set(graph.ids)
        deployed = {graph.ids[n] for n in range(len(graph)) if existing[n]}
        for node, m in enumerate(graph.migrations):
            base = changes.base_source(m.path) if existing[node] else None
            if base is None:
                continue
            found = _renamed_django_migration(m, changes.old_name(m.path), changes.ref)
            if found is None:
                found = _reparented(m, base, known, deployed, changes.ref)
            if found is not None:
                yield m, found


def _nearest_existing_descendant(graph: Graph, existing: list[bool]) -> dict[int, int]:
    """node -> the nearest migration that existed at the base and descends from it (through parent and
    ordering edges), for every node below one: one breadth-first walk from all of them at once."""
    above: dict[int, int] = {}
    queue = deque((n, n) for n in range(len(graph)) if existing[n])
    while queue:
        node, source = queue.popleft()
        for parent in (*graph.parents[node], *graph.extra[node]):
            if parent not in above:
                above[parent] = source
                queue.append((parent, source))
    return above


def _below_hit(graph: Graph, node: int, over: int, ref: str) -> tuple[MigrationAST, Hit]:
    m, existing = graph.migrations[node], graph.migrations[over]
    new, old = graph.ids[node], graph.ids[over]
    if graph.framework == DJANGO:
        effect = f"`migrate` stops on databases that applied {old} (InconsistentMigrationHistory)"
    else:
        effect = f"databases already at {old} count {new} as applied and never run it"
    return m, Hit(
        message=f"{new} was added since {ref} but sits below {old}, which already existed there: {effect}. "
        f"Rebase {new} on the current head and keep {old}'s parents as they are at {ref}",
        span=_header(m),
        related=(Related(line=_header(existing).line, message=f"{old} existed at {ref}", file=existing.path),),
    )


def _parents(m: MigrationAST) -> frozenset[str]:
    if m.framework == DJANGO:
        return frozenset(f"{app}.{name}" for app, name in m.dependencies)
    return frozenset((*m.down_revisions, *m.depends_on))


def _renamed_django_migration(m: MigrationAST, old_path: str | None, ref: str) -> Hit | None:
    """A hit when this change renamed a Django migration that existed at the base: Django knows a migration by
    its module name, so the renamed file is a new migration to every database (Alembic's id is inside)."""
    if m.framework != DJANGO or old_path is None or m.replaces:
        return None
    old_name = Path(old_path).stem
    new_name = Path(m.path).stem
    if old_name == new_name:
        return None  # moved with its app, same name
    return Hit(
        message=f"{m.label} was renamed from {old_name} since {ref}: Django knows a migration by its file name, so "
        f"databases that applied {old_name} run {new_name} again, and migrations that depend on {old_name} no "
        f"longer find it (NodeNotFoundError). Keep the name it has at {ref}",
        span=_header(m),
    )


def _reparented(m: MigrationAST, base_source: str, known: set[str], deployed: set[str], ref: str) -> Hit | None:
    """A hit when this change gave a migration that existed at the base a parent it did not have there.
    Repairing a reference that named nothing (MRT904) is not re-parenting, and neither is a new reference to a
    migration that existed at the base too: every database that ran this one ran that one as well."""
    before = parse_migration(base_source, m.path, app=m.app)
    if before.syntax_error is not None or before.framework != m.framework:
        return None
    old, new = _parents(before), _parents(m)
    gained, lost = new - old, old - new
    if not gained or (lost and not lost & known) or gained <= deployed:
        return None
    was, extra = ", ".join(sorted(old)) or "none", ", ".join(sorted(gained))
    if m.framework == DJANGO:
        effect = f"`migrate` stops on databases that applied it before {extra} (InconsistentMigrationHistory)"
    else:
        effect = f"databases already at {m.label} count {extra} as applied and never run it"
    return Hit(
        message=f"{m.label} existed at {ref} with parents {was}; this change adds {extra}: {effect}. "
        f"Keep its parents as they are at {ref} and rebase new migrations on the current head",
        span=_header(m),
    )
