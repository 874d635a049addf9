"""Django migration files into the migration model, with `ast` only.

Django reverses schema operations itself, so Django operations are recorded on the upgrade side
with `origin="django"`; only `RunSQL(reverse_sql=...)` contributes explicit downgrade operations.
Only `SeparateDatabaseAndState.database_operations` touch the schema, a many-to-many `AddField`
adds a table and no column, and a `RunPython`/`RunSQL` reverse may be missing, `noop`, or code.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import DOWNGRADE, UPGRADE, Kind, Operation, Span
from mrt.model.pyexpr import (
    UNKNOWN,
    ConstantReader,
    bind_args,
    keyword,
    last_name,
    literal,
    node_span,
    sql_text,
)
from mrt.model.sql import translate_sql

# Node types are tested by identity (`type(node) is _Call`) on the hot paths: a parsed tree holds no subclasses,
# and the test skips `isinstance`'s call and the attribute lookup on `ast` for every node read.
_Assign = ast.Assign
_Attribute = ast.Attribute
_Call = ast.Call
_ClassDef = ast.ClassDef
_Constant = ast.Constant
_List = ast.List
_Name = ast.Name
_Starred = ast.Starred
_Tuple = ast.Tuple

_RELATION_FIELDS = frozenset({"ForeignKey", "OneToOneField", "ParentalKey"})
_M2M_FIELDS = frozenset({"ManyToManyField", "ParentalManyToManyField", "TaggableManager"})
# Field options read as literal flags: recorded when True, or (db_index, db_constraint) when False.
_TRUE_FLAGS = frozenset({"unique", "db_index", "primary_key", "blank", "auto_now", "auto_now_add"})
_FALSE_FLAGS = frozenset({"db_index", "db_constraint"})
_FLAG_OPTIONS = _TRUE_FLAGS | _FALSE_FLAGS
_SIZE_OPTIONS = frozenset({"max_length", "max_digits", "decimal_places"})
_INDEX_OPTIONS = frozenset({"indexes", "unique_together", "index_together", "constraints"})

_SIGNATURES: dict[str, tuple[str, ...]] = {
    "CreateModel": ("name", "fields", "options", "bases", "managers"),
    "DeleteModel": ("name",),
    "RenameModel": ("old_name", "new_name"),
    "AlterModelTable": ("name", "table"),
    "AddField": ("model_name", "name", "field", "preserve_default"),
    "RemoveField": ("model_name", "name"),
    "AlterField": ("model_name", "name", "field", "preserve_default"),
    "RenameField": ("model_name", "old_name", "new_name"),
    "AddIndex": ("model_name", "index"),
    "AddIndexConcurrently": ("model_name", "index"),
    "RemoveIndex": ("model_name", "name"),
    "RemoveIndexConcurrently": ("model_name", "name"),
    "RenameIndex": ("model_name", "new_name", "old_name", "old_fields"),
    "AddConstraint": ("model_name", "constraint"),
    "AddConstraintNotValid": ("model_name", "constraint"),
    "RemoveConstraint": ("model_name", "name"),
    "ValidateConstraint": ("model_name", "name"),
    "AlterUniqueTogether": ("name", "unique_together"),
    "AlterIndexTogether": ("name", "index_together"),
    "RunPython": ("code", "reverse_code", "atomic", "hints", "elidable"),
    "RunSQL": ("sql", "reverse_sql", "state_operations", "hints", "elidable"),
    "SeparateDatabaseAndState": ("database_operations", "state_operations"),
    "CreateExtension": ("name",),
}

_EXTENSIONS = frozenset(
    {
        "HStoreExtension",
        "TrigramExtension",
        "BtreeGinExtension",
        "BtreeGistExtension",
        "CITextExtension",
        "CryptoExtension",
        "UnaccentExtension",
        "BloomExtension",
    }
)


def looks_like_django(module: ast.Module) -> ast.ClassDef | None:
    """The `class Migration(migrations.Migration)` (or a subclass of one), if the module has it."""
    for node in module.body:
        if type(node) is _ClassDef and node.name == "Migration":
            for base in node.bases:
                if last_name(base).endswith("Migration"):
                    return node
    return None


def read_django(module: ast.Module, cls: ast.ClassDef, migration: MigrationAST) -> None:
    migration.framework = DJANGO
    if migration.app is None:
        migration.app = _app_label(migration.path)
    DjangoReader(module, cls, migration).read()


def _app_label(path: str) -> str | None:
    directory, separator, name = path.rpartition("/")
    if os.altsep is None and directory and separator and name and name != ".":
        # `Path(path).parent` is `Path(directory)` here, and a history's files share a few directories.
        return _directory_label(directory)
    return _label(Path(path).parent)


@lru_cache(maxsize=1024)
def _directory_label(directory: str) -> str | None:
    return _label(Path(directory))


def _label(parent: Path) -> str | None:
    if parent.name == "migrations" and parent.parent.name:
        return parent.parent.name
    return parent.name or None


class DjangoReader(ConstantReader):
    def __init__(self, module: ast.Module, cls: ast.ClassDef, migration: MigrationAST) -> None:
        self.module = module
        self.cls = cls
        self.m = migration
        self.constants: dict[str, Any] = {}
        self.lists: dict[str, ast.expr] = {}
        self.tables: dict[str, str] = {}  # model name (lower) -> db_table declared in this file
        self.ops: list[Operation] = []

    def read(self) -> None:
        for node in self.module.body:
            if type(node) is _Assign:
                for target in node.targets:
                    if type(target) is _Name:
                        self._constant(target.id, node.value)
        m = self.m
        operations: ast.expr | None = None
        for node in self.cls.body:
            kind = type(node)
            if kind is _Assign:
                targets = node.targets  # type: ignore[attr-defined]
            elif kind is ast.AnnAssign:
                targets = [node.target]  # type: ignore[attr-defined]
            else:
                continue
            value = node.value  # type: ignore[attr-defined]
            if value is None:
                continue
            for target in targets:
                if type(target) is not _Name:
                    continue
                name = target.id
                if name == "operations":
                    operations = value
                elif name == "dependencies":
                    m.dependencies = self._pairs(value)
                elif name == "replaces":
                    m.replaces = self._pairs(value)
                elif name == "atomic":
                    m.atomic = literal(value) is not False
                elif name == "initial":
                    m.initial = literal(value) is True
        m.header_span = m.upgrade_span = node_span(self.cls)
        if operations is not None:
            for element in self._elements(operations):
                self._operation(element, state_context=False)
        m.ops = self.ops

    def _pairs(self, node: ast.expr) -> tuple[tuple[str, str], ...]:
        """(app, name) pairs of `dependencies`/`replaces`; `swappable_dependency(...)` is skipped."""
        out: list[tuple[str, str]] = []
        for item in self._elements(node) if isinstance(node, (ast.List, ast.Tuple, ast.BinOp)) else []:
            if type(item) is _Tuple and len(item.elts) == 2:  # the usual `("app", "0001_initial")`, read directly
                app, name = item.elts
                if type(app) is _Constant and type(name) is _Constant:
                    if isinstance(app.value, str) and isinstance(name.value, str):
                        out.append((app.value, name.value))
                    continue
            value = literal(item, self.constants)
            if isinstance(value, (list, tuple)) and len(value) == 2 and all(isinstance(v, str) for v in value):
                out.append((value[0], value[1]))
        return tuple(out)

    def _constant(self, name: str, value: ast.expr) -> None:
        if isinstance(value, (ast.List, ast.Tuple, ast.BinOp)):
            self.lists[name] = value
        text = sql_text(value, self.constants)
        if text is not None and not text.formatted:
            self.constants[name] = text.text
            return
        parsed = literal(value, self.constants)
        if parsed is not UNKNOWN:
            self.constants[name] = parsed

    def _elements(self, node: ast.expr) -> list[ast.expr]:
        """Items of an operations list: literal lists, `a + b`, and module-level list names."""
        kind = type(node)
        if kind is _List or kind is _Tuple:
            if _Starred not in map(type, node.elts):  # type: ignore[attr-defined]
                return list(node.elts)  # type: ignore[attr-defined]
            out: list[ast.expr] = []
            for elt in node.elts:  # type: ignore[attr-defined]
                if isinstance(elt, ast.Starred):
                    out.extend(self._elements(elt.value))
                else:
                    out.append(elt)
            return out
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return self._elements(node.left) + self._elements(node.right)
        if isinstance(node, ast.Name) and node.id in self.lists:
            value = self.lists.pop(node.id)  # popping also stops `a = a + [...]` from looping
            try:
                return self._elements(value)
            finally:
                self.lists[node.id] = value
        self.m.operations_readable = False
        return []

    # -- operations ---------------------------------------------------------------------------------

    def _table(self, model: str | None) -> str | None:
        if not model:
            return None
        lowered = model.lower()
        app = self.m.app
        return self.tables.get(lowered) or (f"{app}_{lowered}" if app else lowered)

    def _operation(self, node: ast.expr, *, state_context: bool) -> None:
        if type(node) is not _Call:
            return
        func = node.func  # type: ignore[attr-defined]
        name = func.attr if type(func) is _Attribute else last_name(func)
        known = _HANDLERS.get(name)
        if known is not None:
            signature, handler = known
            handler(self, node, bind_args(node, signature), state_context)
        elif name in _EXTENSIONS:
            self._add(
                Kind.CREATE_EXTENSION, node, name=name.removesuffix("Extension").lower(), state_context=state_context
            )

    def _add(
        self,
        kind: str,
        node: ast.expr,
        *,
        state_context: bool,
        table: str | None = None,
        column: str | None = None,
        name: str | None = None,
        new_name: str | None = None,
        args: dict[str, Any] | None = None,
    ) -> None:
        # Named parameters, not `**fields`: no dict packed here and unpacked again by `Operation`.
        func = node.func if type(node) is _Call else None  # type: ignore[attr-defined]
        self.ops.append(
            Operation(
                kind=kind,
                side=UPGRADE,
                span=node_span(node),
                table=table,
                column=column,
                name=name,
                new_name=new_name,
                args={} if args is None else args,
                origin="django",
                call="" if func is None else f"migrations.{func.attr if type(func) is _Attribute else last_name(func)}",
                in_separate_db_state=state_context,
            )
        )

    def _op_CreateModel(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("name"))
        options = literal(args.get("options"), self.constants)
        if model and isinstance(options, dict) and isinstance(options.get("db_table"), str):
            self.tables[model.lower()] = options["db_table"]
        table = self._table(model)
        columns = []
        fields = args.get("fields")
        if isinstance(fields, (ast.List, ast.Tuple)):
            for item in fields.elts:
                if isinstance(item, ast.Tuple) and len(item.elts) == 2:
                    field_name = self._str(item.elts[0])
                    info = self._field(item.elts[1])
                    if field_name and not info.get("m2m"):
                        info["name"] = field_name
                        columns.append(info)
        info: dict[str, Any] = {"columns": columns}
        declared = args.get("options")
        if isinstance(declared, ast.Dict) and any(
            literal(key, self.constants) in _INDEX_OPTIONS for key in declared.keys if key is not None
        ):
            info["index_options"] = True  # Meta.indexes / unique_together / constraints build indexes too
        if isinstance(declared, ast.Dict) and any(
            (literal(key, self.constants), literal(value, self.constants)) in (("managed", False), ("proxy", True))
            for key, value in zip(declared.keys, declared.values, strict=True)
        ):
            info["no_table"] = True  # an unmanaged or proxy model: Django creates no table for it
        self._add(Kind.CREATE_TABLE, node, table=table, name=model, args=info, state_context=sc)

    def _op_DeleteModel(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("name"))
        self._add(Kind.DROP_TABLE, node, table=self._table(model), name=model, state_context=sc)

    def _op_RenameModel(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        old, new = self._str(args.get("old_name")), self._str(args.get("new_name"))
        self._add(
            Kind.RENAME_TABLE, node, table=self._table(old), new_name=self._table(new), name=old, state_context=sc
        )

    def _op_AlterModelTable(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("name"))
        new = self._str(args.get("table"))
        # `table=None` moves the table back to its default name (`table` here) from a db_table declared earlier.
        to_default = {"to_default_name": True} if isinstance(args.get("table"), ast.Constant) and new is None else {}
        self._add(
            Kind.RENAME_TABLE,
            node,
            table=self._table(model),
            new_name=new,
            name=model,
            args=to_default,
            state_context=sc,
        )

    def _field_op(self, kind: str, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("model_name"))
        field_name = self._str(args.get("name"))
        info = self._field(args["field"]) if "field" in args else {}
        column = field_name
        if info.get("relation") and field_name:
            column = f"{field_name}_id"
        if info.get("db_column"):
            column = info["db_column"]
        preserve = args.get("preserve_default")
        if preserve is not None and literal(preserve, self.constants) is False:
            info["preserve_default"] = False
        self._add(kind, node, table=self._table(model), column=column, name=model, args=info, state_context=sc)

    def _op_AddField(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        self._field_op(Kind.ADD_COLUMN, node, args, sc)

    def _op_RemoveField(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        self._field_op(Kind.DROP_COLUMN, node, args, sc)

    def _op_AlterField(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        self._field_op(Kind.ALTER_COLUMN, node, args, sc)

    def _op_RenameField(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("model_name"))
        self._add(
            Kind.RENAME_COLUMN,
            node,
            table=self._table(model),
            column=self._str(args.get("old_name")),
            new_name=self._str(args.get("new_name")),
            name=model,
            state_context=sc,
        )

    def _index(self, kind: str, node: ast.Call, args: dict[str, ast.expr], sc: bool, concurrently: bool) -> None:
        model = self._str(args.get("model_name"))
        index = args.get("index")
        name = self._str(args.get("name"))
        info: dict[str, Any] = {"concurrently": concurrently}
        if isinstance(index, ast.Call):
            name = self._str(keyword(index, "name"))
            fields = literal(keyword(index, "fields"), self.constants)
            if isinstance(fields, (list, tuple)):
                info["columns"] = tuple(str(f) for f in fields)
            info["index_type"] = last_name(index.func)
        self._add(kind, node, table=self._table(model), name=name, args=info, state_context=sc)

    def _op_AddIndex(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        self._index(Kind.CREATE_INDEX, node, args, sc, concurrently=False)

    def _op_AddIndexConcurrently(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        self._index(Kind.CREATE_INDEX, node, args, sc, concurrently=True)

    def _op_RemoveIndex(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        self._index(Kind.DROP_INDEX, node, args, sc, concurrently=False)

    def _op_RemoveIndexConcurrently(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        self._index(Kind.DROP_INDEX, node, args, sc, concurrently=True)

    def _op_AddConstraint(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("model_name"))
        constraint = args.get("constraint")
        info: dict[str, Any] = {}
        name = None
        if isinstance(constraint, ast.Call):
            name = self._str(keyword(constraint, "name"))
            ctype = last_name(constraint.func)
            info["constraint_type"] = {"UniqueConstraint": "unique", "CheckConstraint": "check"}.get(ctype, ctype)
        if last_name(node.func) == "AddConstraintNotValid":
            info["not_valid"] = True
        self._add(Kind.CREATE_CONSTRAINT, node, table=self._table(model), name=name, args=info, state_context=sc)

    _op_AddConstraintNotValid = _op_AddConstraint

    def _op_RemoveConstraint(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("model_name"))
        self._add(
            Kind.DROP_CONSTRAINT, node, table=self._table(model), name=self._str(args.get("name")), state_context=sc
        )

    def _op_ValidateConstraint(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("model_name"))
        self._add(
            Kind.VALIDATE_CONSTRAINT, node, table=self._table(model), name=self._str(args.get("name")), state_context=sc
        )

    def _op_AlterUniqueTogether(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("name"))
        self._add(
            Kind.CREATE_CONSTRAINT,
            node,
            table=self._table(model),
            name=model,
            args={"constraint_type": "unique", "together": True, "empty": _empty(args.get("unique_together"))},
            state_context=sc,
        )

    def _op_AlterIndexTogether(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        model = self._str(args.get("name"))
        self._add(
            Kind.CREATE_INDEX,
            node,
            table=self._table(model),
            name=model,
            args={"together": True, "empty": _empty(args.get("index_together"))},
            state_context=sc,
        )

    def _op_CreateExtension(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        self._add(Kind.CREATE_EXTENSION, node, name=self._str(args.get("name")), state_context=sc)

    def _op_RunPython(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        code = args.get("code")
        if code is not None and _is_noop(code):
            return  # a no-op forward step changes nothing
        info: dict[str, Any] = {"reverse": _reverse_kind(args.get("reverse_code"))}
        functions = tuple(f.id for f in (code, args.get("reverse_code")) if isinstance(f, ast.Name))
        if functions:
            info["functions"] = functions  # module-level functions the step runs, for rules that read them
        self._add(Kind.RUN_PYTHON, node, args=info, state_context=sc)

    def _op_RunSQL(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        reverse = _reverse_kind(args.get("reverse_sql"))
        span = node_span(node)
        forward = self._sql(args.get("sql"), UPGRADE, span, sc)
        for op in forward:
            op.args["reverse"] = reverse
            op.args["run_sql"] = True
        if reverse == "code":
            for op in self._sql(args.get("reverse_sql"), DOWNGRADE, span, sc):
                op.reverse_of = "RunSQL"
                op.args["run_sql"] = True

    def _sql(self, node: ast.expr | None, side: str, span: Span, sc: bool) -> list[Operation]:
        """Ops for a RunSQL argument: a string, or a list of strings / (sql, params) pairs."""
        items: list[ast.expr] = list(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else [node] if node else []
        out: list[Operation] = []
        common = {"side": side, "span": span, "call": "migrations.RunSQL", "in_separate_db_state": sc}
        for item in items:
            if isinstance(item, (ast.Tuple, ast.List)) and item.elts:
                item = item.elts[0]
            text = sql_text(item, self.constants)
            if text is None:
                out.append(Operation(kind=Kind.RAW_SQL, origin="python", **common))
            else:
                out.extend(translate_sql(text.text, formatted=text.formatted, **common))
        self.ops.extend(out)
        return out

    def _op_SeparateDatabaseAndState(self, node: ast.Call, args: dict[str, ast.expr], sc: bool) -> None:
        database = args.get("database_operations")
        if database is not None:
            for element in self._elements(database):
                self._operation(element, state_context=True)

    # -- fields ---------------------------------------------------------------------------------------

    def _field(self, node: ast.expr) -> dict[str, Any]:
        """What a `models.XField(...)` declares, as far as the schema is concerned.

        Reads the call's keywords once into a dict: a field is asked about fifteen options, and most
        migrations are lists of fields (this is the hottest path of a Django history)."""
        if type(node) is not _Call:
            return {}
        kw: dict[str, ast.expr] = {}
        for keyword_node in node.keywords:  # a loop, not a comprehension: no extra frame per field
            if keyword_node.arg is not None:
                kw[keyword_node.arg] = keyword_node.value
        constants = self.constants
        func = node.func
        field_type = func.attr if type(func) is _Attribute else last_name(func)
        info: dict[str, Any] = {"type": {"name": field_type, "args": ()}}
        if field_type in _M2M_FIELDS:
            info["m2m"] = True
        if field_type in _RELATION_FIELDS:
            info["relation"] = True
            info["foreign_key"] = True
            on_delete = kw.get("on_delete") or (node.args[1] if len(node.args) > 1 else None)
            if on_delete is not None and last_name(on_delete) == "CASCADE":
                info["ondelete"] = "CASCADE"
        null_node = kw.get("null")
        if null_node is None:
            info["nullable"] = False
        else:
            null = null_node.value if type(null_node) is _Constant else literal(null_node, constants)
            # `null="True"` is truthy to Django too; an unreadable value is not assumed NOT NULL
            info["nullable"] = bool(null) if null is not UNKNOWN else True
        for key in _FLAG_OPTIONS.intersection(kw):
            value = kw[key]
            value = value.value if type(value) is _Constant else literal(value, constants)
            if value is True and key in _TRUE_FLAGS:  # db_index=True; blank/auto_now fill existing rows
                info[key] = True
            elif value is False and key in _FALSE_FLAGS:  # a ForeignKey without its index or its constraint
                info[key] = False
        if "default" in kw:
            info["default"] = True
        db_default = kw.get("db_default")
        if db_default is not None:
            info["server_default"] = True
            info["db_default_expr"] = ast.unparse(db_default)
        if field_type == "GeneratedField":
            info["generated"] = "stored" if literal(kw.get("db_persist"), constants) is True else "virtual"
        for key in _SIZE_OPTIONS.intersection(kw):
            value = kw[key]
            value = value.value if type(value) is _Constant else literal(value, constants)
            if isinstance(value, int):
                info[key] = value
        if "db_column" in kw:
            db_column = self._str(kw["db_column"])
            if db_column:
                info["db_column"] = db_column
        return info


#: Each operation's parameters and builder, looked up once here rather than by name for every call read.
_HANDLERS: dict[str, tuple[tuple[str, ...], Callable[[DjangoReader, ast.Call, dict[str, ast.expr], bool], None]]] = {
    name: (signature, getattr(DjangoReader, f"_op_{name}"))
    for name, signature in _SIGNATURES.items()
    if hasattr(DjangoReader, f"_op_{name}")  # RenameIndex has parameters but no builder: it adds no operation
}


def _empty(node: ast.expr | None) -> bool:
    """`unique_together=set()` / `()` / `None`: the option is being removed, nothing is built."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return True
    if isinstance(node, (ast.Set, ast.List, ast.Tuple)):
        return not node.elts
    return isinstance(node, ast.Call) and last_name(node.func) in ("set", "tuple", "list") and not node.args


def _is_noop(node: ast.expr) -> bool:
    return last_name(node) == "noop"


def _reverse_kind(node: ast.expr | None) -> str | None:
    """None (no reverse: irreversible), "noop" (reverses by doing nothing) or "code"."""
    if node is None or (isinstance(node, ast.Constant) and node.value is None):
        return None
    if _is_noop(node) or (isinstance(node, ast.Constant) and node.value in ("", [])):
        return "noop"
    if isinstance(node, (ast.List, ast.Tuple)) and not node.elts:
        return "noop"
    return "code"
