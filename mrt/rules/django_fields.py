"""Django field definitions over an app's history, for the type-change rules (MRT418, MRT705, MRT303).

A Django `AlterField` states the field's new definition only; its old type is whatever the app's earlier
migrations last declared. `field_events` keeps, per migration, what it declares about fields (computed
while the model is whole: a batch run releases each file's operations afterwards), and `type_changes`
replays those declarations app by app to pair every `AlterField` with the definition just before it.

Order: the Django revision graph (`mrt.graph.django_graph`) per app, topologically, ties broken by
migration name. Like Django's loader, a squash stands for the migrations it replaces when both are present
(the replaced files are hidden), so nothing counts twice. A definition set on a parallel branch (not an
ancestor of the `AlterField`) is not used. Whatever cannot be known stays silent: a field created by a
migration that was not scanned or by a custom operation, a relation (its column type is the target's primary
key type), a type outside the mapping below, and every field of an app after a migration whose state changes
mrt does not read (`SeparateDatabaseAndState`, `state_operations`, an operations list it cannot parse).

The column types are PostgreSQL's (django/db/backends/postgresql/base.py `data_types`); the rules that use
them are quiet on other engines.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from mrt.graph import graphs_of
from mrt.graph.core import Graph
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.rules.registry import file_facts


@dataclass(frozen=True, slots=True)
class ColumnType:
    """A PostgreSQL column type under the names `rewrite_reason` and `narrowing` read."""

    name: str
    args: tuple[int, ...] = ()

    def as_model_type(self) -> dict[str, Any]:
        return {"name": self.name, "args": self.args}

    def __str__(self) -> str:
        shown = _SHOWN.get(self.name, self.name)
        return f"{shown}({', '.join(str(a) for a in self.args)})" if self.args else shown


_SHOWN = {"float8": "double precision"}

# Fields whose column type does not depend on their options.
_FIXED = {
    "TextField": "text",
    "IntegerField": "integer",
    "BigIntegerField": "bigint",
    "SmallIntegerField": "smallint",
    "PositiveIntegerField": "integer",  # plus a CHECK (>= 0), which changes no type
    "PositiveBigIntegerField": "bigint",
    "PositiveSmallIntegerField": "smallint",
    "AutoField": "integer",
    "BigAutoField": "bigint",
    "SmallAutoField": "smallint",
    "FloatField": "float8",
    "DateTimeField": "timestamptz",
    "DateField": "date",
    "TimeField": "time",
    "BooleanField": "boolean",
    "NullBooleanField": "boolean",
    "UUIDField": "uuid",
    "JSONField": "jsonb",
    "GenericIPAddressField": "inet",
    "IPAddressField": "inet",
}
# CharField subclasses: varchar(max_length), with the field's default length when none is given.
_VARCHAR_DEFAULT_LENGTH = {
    "CharField": None,  # max_length is required (or unbounded since Django 4.2: not judged)
    "EmailField": 254,
    "SlugField": 50,
    "URLField": 200,
    "FileField": 100,
    "ImageField": 100,
    "FilePathField": 100,
}


def column_type(info: dict[str, Any]) -> ColumnType | None:
    """The PostgreSQL column type of a field the Django reader read (`DjangoReader._field`), or None when
    mrt is not sure of it (relations, custom fields, sizes that are not literals)."""
    if info.get("relation") or info.get("m2m") or info.get("generated"):
        return None
    t = info.get("type")
    field = t.get("name") if isinstance(t, dict) else None
    if not isinstance(field, str):
        return None
    if field in _FIXED:
        return ColumnType(_FIXED[field])
    if field in _VARCHAR_DEFAULT_LENGTH:
        length = info.get("max_length", _VARCHAR_DEFAULT_LENGTH[field])
        return ColumnType("varchar", (length,)) if isinstance(length, int) else None
    if field == "DecimalField":
        digits, places = info.get("max_digits"), info.get("decimal_places")
        if isinstance(digits, int) and isinstance(places, int):
            return ColumnType("numeric", (digits, places))
    return None


# -- what one migration declares --------------------------------------------------------------------------------

# Events, in operation order: ("define", model, field, type) for CreateModel fields and AddField;
# ("alter", model, field, type, op) for AlterField (op kept only when both the event and the type can matter);
# ("remove", model, field); ("rename", model, old, new); ("drop_model", model); ("rename_model", old, new);
# ("forget",): the app's fields are unknown from here on.
Event = tuple[Any, ...]
_FORGET: tuple[Event, ...] = (("forget",),)
_NOTHING: tuple[Event, ...] = ()


def _hides_state(m: MigrationAST) -> bool:
    """State changes mrt does not read: `SeparateDatabaseAndState` and `state_operations=` (the database
    side may differ from the model state Django keeps), or an operations list the reader could not parse."""
    return not m.operations_readable or "state_operations" in m.source or "SeparateDatabaseAndState" in m.source


def field_events(m: MigrationAST) -> tuple[Event, ...]:
    """What migration `m` declares about its app's fields (see `Event`); empty for most non-schema files."""
    if m.framework != DJANGO or m.syntax_error is not None:
        return _NOTHING
    if _hides_state(m):
        return _FORGET
    events: list[Event] = []
    for op in m.ops:
        if op.side != UPGRADE or op.origin != "django" or not op.name:
            continue
        model = op.name.lower()
        if op.kind == Kind.CREATE_TABLE:
            events.append(("drop_model", model))
            for column in op.args.get("columns") or ():
                key = _column_key(column)
                if key:
                    events.append(("define", model, key, column_type(column)))
        elif op.kind == Kind.ADD_COLUMN and op.column:
            events.append(("define", model, op.column, column_type(op.args)))
        elif op.kind == Kind.ALTER_COLUMN and op.column:
            new = column_type(op.args)
            events.append(("alter", model, op.column, new, op if new is not None else None))
        elif op.kind == Kind.DROP_COLUMN and op.column:
            events.append(("remove", model, op.column))
        elif op.kind == Kind.RENAME_COLUMN and op.column and op.new_name:
            events.append(("rename", model, op.column, op.new_name))
        elif op.kind == Kind.DROP_TABLE:
            events.append(("drop_model", model))
        elif op.kind == Kind.RENAME_TABLE and op.call.endswith("RenameModel"):
            events.append(("rename_model", model, _renamed_model(m, op)))
    return tuple(events) if events else _NOTHING


def _column_key(column: dict[str, Any]) -> str | None:
    """The key a `CreateModel` field goes by: its column, as the reader names AddField/AlterField columns."""
    name = column.get("db_column") or column.get("name")
    if name and column.get("relation") and not column.get("db_column"):
        return f"{name}_id"
    return name


def _renamed_model(m: MigrationAST, op: Operation) -> str | None:
    """The new model name of a `RenameModel` (the reader keeps its default table, `<app>_<model>`)."""
    prefix = f"{m.app}_"
    return op.new_name[len(prefix) :] if m.app and op.new_name and op.new_name.startswith(prefix) else None


# -- the history -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TypeChange:
    """An `AlterField` whose column type differs from the field's previous definition."""

    migration: MigrationAST
    op: Operation
    old: ColumnType
    new: ColumnType


def type_changes(migrations: list[MigrationAST]) -> list[TypeChange]:
    """Every Django `AlterField` of `migrations` whose previous definition is known and of another type.

    Three rules ask about the same history in one run; the graph and the replay (about 60 ms on 2,200 Django
    migrations) are done once: the answer is kept for the last list of migrations asked about."""
    graphs = graphs_of(migrations)  # the graph rules' graphs, built once per run
    if _last[0] is not graphs:
        graph = next(g for g in graphs if g.framework == DJANGO)
        changes = [change for nodes in _apps(graph) for change in _replay(graph, nodes)]
        _last[:] = [graphs, changes]
    return _last[1]  # type: ignore[no-any-return]


_last: list[Any] = [None, []]


def _apps(graph: Graph) -> Iterator[list[int]]:
    """Each app's visible nodes in dependency order (name order among the ready ones)."""
    groups: dict[str, list[int]] = defaultdict(list)
    for node in range(len(graph)):
        if node not in graph.hidden:
            groups[graph.groups[node]].append(node)
    for nodes in groups.values():
        members = set(nodes)
        waiting = {n: sum(1 for p in set(graph.parents[n]) if p in members and p != n) for n in nodes}
        children = defaultdict(list)
        for n in nodes:
            for p in set(graph.parents[n]):
                if p in members and p != n:
                    children[p].append(n)
        ready = [(graph.migrations[n].name, n) for n in nodes if waiting[n] == 0]
        heapq.heapify(ready)
        order: list[int] = []
        while ready:
            _, n = heapq.heappop(ready)
            order.append(n)
            for child in children[n]:
                waiting[child] -= 1
                if waiting[child] == 0:
                    heapq.heappush(ready, (graph.migrations[child].name, child))
        placed = set(order)  # a cycle (MRT9xx reports it) leaves nodes behind: after the rest, by name
        order.extend(sorted((n for n in nodes if n not in placed), key=lambda n: graph.migrations[n].name))
        yield order


def _replay(graph: Graph, order: list[int]) -> Iterator[TypeChange]:
    # (model, field) -> (type, node that declared it); a missing key is an unknown definition
    fields: dict[tuple[str, str], tuple[ColumnType | None, int]] = {}
    for node in order:
        m = graph.migrations[node]
        for event in file_facts(m, field_events):
            kind = event[0]
            if kind == "forget":
                fields.clear()
            elif kind == "define":
                fields[(event[1], event[2])] = (event[3], node)
            elif kind == "alter":
                _, model, field, new, op = event
                before = fields.get((model, field))
                fields[(model, field)] = (new, node)
                if op is None or before is None or before[0] is None or before[0] == new:
                    continue
                if before[1] == node or _is_ancestor(graph, before[1], node):
                    yield TypeChange(m, op, before[0], new)
            elif kind == "remove":
                fields.pop((event[1], event[2]), None)
                fields.pop((event[1], f"{event[2]}_id"), None)
            elif kind == "rename":
                _, model, old, new = event
                for suffix in ("", "_id"):
                    moved = fields.pop((model, old + suffix), None)
                    if moved is not None:
                        fields[(model, new + suffix)] = moved
            elif kind in ("drop_model", "rename_model"):
                model = event[1]
                kept = {k: v for k, v in fields.items() if k[0] == model}
                for key in kept:
                    del fields[key]
                if kind == "rename_model" and event[2]:
                    fields.update({(event[2], k[1]): v for k, v in kept.items()})


def _is_ancestor(graph: Graph, ancestor: int, node: int) -> bool:
    """Whether `ancestor` is reachable from `node` through parent edges (only asked about type changes)."""
    seen = {node}
    stack = [node]
    while stack:
        for parent in graph.parents[stack.pop()]:
            if parent == ancestor:
                return True
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return False
