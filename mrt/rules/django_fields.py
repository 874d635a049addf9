"""Django field definitions over an app's history, for the rules that judge an `AlterField` by what it
changes: the column type (MRT418, MRT705, MRT303), nullability (MRT412, MRT707), a database default
(MRT707), a unique constraint or primary key (MRT406, MRT706) and an index (MRT407).

A Django `AlterField` states the field's new definition only; its old one is whatever the app's earlier
migrations last declared. `field_events` keeps, per migration, what it declares about fields (computed
while the model is whole: a batch run releases each file's operations afterwards), and `field_changes`
replays those declarations app by app to pair every `AlterField` with the definition just before it.

Order: the Django revision graph (`mrt.graph.django_graph`) per app, topologically, ties broken by
migration name. Like Django's loader, a squash stands for the migrations it replaces when both are present
(the replaced files are hidden), so nothing counts twice. A definition set on a parallel branch (not an
ancestor of the `AlterField`) is not used. Whatever cannot be known stays silent: a field created by a
migration that was not scanned or by a custom operation, a relation (its column type is the target's primary
key type), a type outside the mapping below, and every field of an app after a migration whose state changes
mrt does not read (`SeparateDatabaseAndState`, `state_operations`, an operations list it cannot parse).
The options are judged only for Django's own field classes, whose defaults are known (a custom field may set
`null`, `unique` or `db_index` itself); `unique` and `db_index` not for relations either (a ForeignKey is
indexed by default, and the relation rules judge it).

The column types are PostgreSQL's (django/db/backends/postgresql/base.py `data_types`); the rules that use
them are quiet on other engines.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from mrt.config import MRTConfig
from mrt.graph import graphs_of
from mrt.graph.core import Graph
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.rules.lock_context import existing, fresh_database, on_postgresql
from mrt.rules.registry import file_facts


class ColumnType(NamedTuple):
    """A PostgreSQL column type under the names `rewrite_reason` and `narrowing` read. (Tuples, like
    `Definition`: a batch builds one per field definition of every Django file.)"""

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
    return _column_type(info, t.get("name") if isinstance(t, dict) else None)


def _column_type(info: dict[str, Any], field: object) -> ColumnType | None:
    """`column_type` once the field is known to be no relation, many-to-many or generated field: `definition`
    asks for every field of every migration, and has read its class already."""
    if not isinstance(field, str):
        return None
    fixed = _FIXED.get(field)
    if fixed is not None:
        return ColumnType(fixed)
    if field in _VARCHAR_DEFAULT_LENGTH:
        length = info.get("max_length", _VARCHAR_DEFAULT_LENGTH[field])
        return ColumnType("varchar", (length,)) if isinstance(length, int) else None
    if field == "DecimalField":
        digits, places = info.get("max_digits"), info.get("decimal_places")
        if isinstance(digits, int) and isinstance(places, int):
            return ColumnType("numeric", (digits, places))
    return None


# Django's field classes with a known column type, and the other built-in ones: their options mean what the call
# says, with the class defaults below.
_BUILTIN = frozenset({*_FIXED, *_VARCHAR_DEFAULT_LENGTH, "DecimalField", "DurationField", "BinaryField"})
_RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ParentalKey"})


class Definition(NamedTuple):
    """What the history rules ask of one field definition. An option is None when mrt cannot be sure of it
    (a custom field class may set it itself; `unique` and `db_index` of a relation are the relation rules')."""

    type: ColumnType | None
    null: bool | None = None
    unique: bool | None = None  # a UNIQUE constraint of its own (not a primary key)
    primary_key: bool | None = None
    db_index: bool | None = None  # a plain index of its own (Django builds none for a unique field)
    db_default: bool | None = None


_UNKNOWN = Definition(None)


def definition(info: dict[str, Any]) -> Definition:
    """The `Definition` of a field the Django reader read (`DjangoReader._field`)."""
    t = info.get("type")
    field = t.get("name") if isinstance(t, dict) else None
    relation = field in _RELATIONS
    if info.get("m2m") or info.get("generated") or not (field in _BUILTIN or relation):
        return _UNKNOWN  # `column_type` knows the type of built-in fields only
    null = bool(info.get("nullable")) or field == "NullBooleanField"  # which forces null=True
    if relation:
        # A ForeignKey gets an index of its own unless it says db_index=False; a OneToOneField's is its UNIQUE
        # constraint, and a unique or primary-key relation stays the relation rules' (unknown here).
        plain = field != "OneToOneField" and not info.get("unique") and not info.get("primary_key")
        indexed = info.get("db_index") is not False if plain else None
        return Definition(None, null=null, db_index=indexed, db_default=bool(info.get("server_default")))
    primary_key = bool(info.get("primary_key"))
    unique = bool(info.get("unique")) and not primary_key
    indexed = info.get("db_index") is True or (field == "SlugField" and info.get("db_index") is not False)
    return Definition(
        None if info.get("relation") else _column_type(info, field),  # `column_type`: not m2m, not generated
        null=null,
        unique=unique,
        primary_key=primary_key,
        db_index=indexed and not unique and not primary_key,
        db_default=bool(info.get("server_default")),
    )


# Events, in operation order: ("define", model, field, definition) for CreateModel fields and AddField;
# ("alter", model, field, definition, op, validated, was) for AlterField (op kept only when something of the new
# definition is known; validated: a constraint on the table was validated earlier in the migration, which is how
# MRT412's recipe prepares SET NOT NULL; was: the key the field had before when the AlterField makes it a relation,
# whose column Django names <field>_id); ("remove", model, field); ("rename", model, old, new);
# ("drop_model", model); ("rename_model", old, new); ("forget",): the app's fields are unknown from here on.
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
    validated: set[str] = set()  # tables with a constraint validated so far (RunSQL)
    for op in m.ops:
        if op.side != UPGRADE:
            continue
        if op.kind == Kind.VALIDATE_CONSTRAINT and op.table:
            validated.add(op.table.lower())
        if op.origin != "django" or not op.name:
            continue
        model = op.name.lower()
        if op.kind == Kind.CREATE_TABLE:
            events.append(("drop_model", model))
            for column in op.args.get("columns") or ():
                key = _column_key(column)
                if key:
                    events.append(("define", model, key, definition(column)))
        elif op.kind == Kind.ADD_COLUMN and op.column:
            events.append(("define", model, op.column, definition(op.args)))
        elif op.kind == Kind.ALTER_COLUMN and op.column:
            new = definition(op.args)
            known = new.type is not None or new.null is not None
            table_validated = bool(op.table) and op.table.lower() in validated  # type: ignore[union-attr]
            relation = op.args.get("relation") and not op.args.get("db_column") and op.column.endswith("_id")
            was = op.column.removesuffix("_id") if relation else None
            events.append(("alter", model, op.column, new, op if known else None, table_validated, was))
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
class FieldChange:
    """An `AlterField` whose definition differs from the field's previous one, declared by an ancestor."""

    migration: MigrationAST
    op: Operation
    old: Definition
    new: Definition
    added_here: bool  # the previous definition is from the same migration (an AddField or CreateModel there)
    validated: bool  # see `Event`


@dataclass(frozen=True, slots=True)
class TypeChange:
    """An `AlterField` whose column type differs from the field's previous definition."""

    migration: MigrationAST
    op: Operation
    old: ColumnType
    new: ColumnType


def field_changes(migrations: list[MigrationAST]) -> list[FieldChange]:
    """Every Django `AlterField` of `migrations` whose previous definition is known and differs.

    Eight rules ask about the same history in one run; the graph and the replay (about 60 ms on 2,200 Django
    migrations) are done once: the answer is kept for the last list of migrations asked about."""
    graphs = graphs_of(migrations)  # the graph rules' graphs, built once per run
    if _last[0] is not graphs:
        graph = next(g for g in graphs if g.framework == DJANGO)
        changes = [change for nodes in _apps(graph) for change in _replay(graph, nodes)]
        types = [
            TypeChange(c.migration, c.op, c.old.type, c.new.type)
            for c in changes
            if c.old.type is not None and c.new.type is not None and c.old.type != c.new.type
        ]
        _last[:] = [graphs, changes, types]
    return _last[1]  # type: ignore[no-any-return]


def type_changes(migrations: list[MigrationAST]) -> list[TypeChange]:
    """The `field_changes` that change the column type, both types known."""
    field_changes(migrations)
    return _last[2]  # type: ignore[no-any-return]


_last: list[Any] = [None, [], []]


def live_type_changes(migrations: list[MigrationAST], config: MRTConfig) -> Iterator[TypeChange]:
    """The type changes MRT418, MRT705 and MRT303 judge: on a table that existed, in a migration that runs on
    a database with rows (not initial or squashed), that may be PostgreSQL."""
    for change in type_changes(migrations):
        m, op = change.migration, change.op
        if not fresh_database(m) and existing(op) and on_postgresql(m, config, op):
            yield change


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


def _replay(graph: Graph, order: list[int]) -> Iterator[FieldChange]:
    # (model, field) -> (definition, node that declared it); a missing key is an unknown definition
    fields: dict[tuple[str, str], tuple[Definition, int]] = {}
    for node in order:
        m = graph.migrations[node]
        for event in file_facts(m, field_events):
            kind = event[0]
            if kind == "forget":
                fields.clear()
            elif kind == "define":
                fields[(event[1], event[2])] = (event[3], node)
            elif kind == "alter":
                _, model, field, new, op, validated, was = event
                before = fields.get((model, field))
                if before is None and was is not None:  # a plain field turned into a ForeignKey: `a` -> `a_id`
                    before = fields.pop((model, was), None)
                fields[(model, field)] = (new, node)
                if op is None or before is None or before[0] == new:
                    continue
                if before[1] == node or _is_ancestor(graph, before[1], node):
                    yield FieldChange(m, op, before[0], new, before[1] == node, validated)
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
    """Whether `ancestor` is reachable from `node` through parent edges (only asked about changed fields)."""
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
