"""Alembic revision files into the migration model, with `ast` only.

What real histories need (see shared/reference/corpus.md): typed and untyped headers, tuple
`down_revision`s, `op` under another name, `batch_alter_table` (the table comes from the `with`),
`autocommit_block`, dialect branches, module-level helper functions called from `upgrade()`,
`op.execute` with strings, `sa.text`, constants and f-strings, and data migrations through
`op.get_bind()`. One linear walk per function; helpers are inlined once per call chain.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from mrt.model.migration import (
    ALEMBIC,
    DOWNGRADE_BODY,
    DOWNGRADE_EMPTY,
    DOWNGRADE_MISSING,
    DOWNGRADE_RAISES,
    MigrationAST,
)
from mrt.model.ops import DOWNGRADE, UPGRADE, Kind, Operation
from mrt.model.pyexpr import (
    UNKNOWN,
    ConstantReader,
    bind_args,
    dotted,
    keyword,
    last_name,
    literal,
    literal_str,
    node_span,
    sql_text,
)
from mrt.model.sql import translate_sql

_HEADER = ("revision", "down_revision", "branch_labels", "depends_on")

# Node types are tested by identity (`type(node) is _Call`) on the hot paths: a parsed tree holds no subclasses,
# and the test skips `isinstance`'s call and the attribute lookup on `ast` for every node read.
_AnnAssign = ast.AnnAssign
_Assign = ast.Assign
_AsyncFunctionDef = ast.AsyncFunctionDef
_Attribute = ast.Attribute
_Call = ast.Call
_Constant = ast.Constant
_Expr = ast.Expr
_FunctionDef = ast.FunctionDef
_Import = ast.Import
_ImportFrom = ast.ImportFrom
_Name = ast.Name

# Parameter names of each `op.*` method, and of the same method on a batch operations object
# (where the table is implied by the `with` statement).
_SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "create_table": (("table_name",), ()),
    "drop_table": (("table_name",), ()),
    "rename_table": (("old_table_name", "new_table_name"), ()),
    "add_column": (("table_name", "column"), ("column",)),
    "drop_column": (("table_name", "column_name"), ("column_name",)),
    "alter_column": (("table_name", "column_name"), ("column_name",)),
    "create_index": (("index_name", "table_name", "columns"), ("index_name", "columns")),
    "drop_index": (("index_name", "table_name"), ("index_name",)),
    "create_foreign_key": (
        ("constraint_name", "source_table", "referent_table", "local_cols", "remote_cols"),
        ("constraint_name", "referent_table", "local_cols", "remote_cols"),
    ),
    "create_unique_constraint": (("constraint_name", "table_name", "columns"), ("constraint_name", "columns")),
    "create_check_constraint": (("constraint_name", "table_name", "condition"), ("constraint_name", "condition")),
    "create_primary_key": (("constraint_name", "table_name", "columns"), ("constraint_name", "columns")),
    "create_exclude_constraint": (("constraint_name", "table_name"), ("constraint_name",)),
    "drop_constraint": (("constraint_name", "table_name", "type_"), ("constraint_name", "type_")),
    "execute": (("sqltext",), ("sqltext",)),
    "bulk_insert": (("table", "rows"), ()),
    "create_table_comment": (("table_name", "comment"), ("comment",)),
    "drop_table_comment": (("table_name",), ()),
}

_CONSTRAINT_KIND = {
    "create_foreign_key": "foreignkey",
    "create_unique_constraint": "unique",
    "create_check_constraint": "check",
    "create_primary_key": "primary",
    "create_exclude_constraint": "exclude",
}

_SA_DDL = {
    "CreateSequence": Kind.CREATE_SEQUENCE,
    "DropSequence": Kind.DROP_SEQUENCE,
    "CreateTable": Kind.CREATE_TABLE,
    "DropTable": Kind.DROP_TABLE,
    "CreateIndex": Kind.CREATE_INDEX,
    "DropIndex": Kind.DROP_INDEX,
}


@dataclass(frozen=True)
class _Ctx:
    side: str
    batch: dict[str, str | None] = field(default_factory=dict)  # alias -> table
    batch_schemas: dict[str, str] = field(default_factory=dict)  # alias -> `schema=` of its batch_alter_table
    autocommit: bool = False
    condition: str | None = None
    helper: str | None = None
    active_helpers: frozenset[str] = frozenset()


class AlembicReader(ConstantReader):
    """Builds the operation list of one revision file."""

    def __init__(self, module: ast.Module, migration: MigrationAST, dialect: str | None) -> None:
        self.module = module
        self.migration = migration
        self.dialect = dialect
        self.constants: dict[str, Any] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        self.op_names: set[str] = {"op"}
        self.context_names: set[str] = {"context"}
        self.conn_names: set[str] = set()
        self.module_tables: dict[str, str] = {}  # `roles = sa.table("roles", ...)` at module level
        self.table_vars: dict[str, str] = {}
        self.ops: list[Operation] = []
        self.helpers_called: list[str] = []

    # -- module level ----------------------------------------------------------------------------

    def read(self) -> None:
        for node in self.module.body:
            kind = type(node)
            if kind is _Assign:
                for target in node.targets:  # type: ignore[attr-defined]
                    if type(target) is _Name:
                        self._note_constant(target.id, node.value, node)  # type: ignore[attr-defined]
            elif kind is _FunctionDef or kind is _AsyncFunctionDef:
                self.functions[node.name] = node  # type: ignore[attr-defined]
            elif kind is _ImportFrom or kind is _Import:
                self._note_import(node)  # type: ignore[arg-type]
            elif kind is _AnnAssign and type(node.target) is _Name and node.value is not None:  # type: ignore[attr-defined]
                self._note_constant(node.target.id, node.value, node)  # type: ignore[attr-defined]
        m = self.migration
        for side, fname in ((UPGRADE, "upgrade"), (DOWNGRADE, "downgrade")):
            fn = self.functions.get(fname)
            if fn is None:
                if side == DOWNGRADE:
                    m.downgrade_shape = DOWNGRADE_MISSING
                continue
            span = node_span(fn)
            shape = _body_shape(fn.body)
            if side == UPGRADE:
                m.upgrade_span, m.upgrade_shape = span, shape
            else:
                m.downgrade_span, m.downgrade_shape = span, shape
            self.conn_names = set()
            self.table_vars = dict(self.module_tables)
            self._walk(fn.body, _Ctx(side=side, active_helpers=frozenset({fname})))
        m.ops = self.ops
        m.helpers_called = tuple(dict.fromkeys(self.helpers_called))

    def _note_import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.ImportFrom) and node.module == "alembic":
            for alias in node.names:
                if alias.name == "op":
                    self.op_names.add(alias.asname or "op")
                elif alias.name == "context":
                    self.context_names.add(alias.asname or "context")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "alembic.op" and alias.asname:
                    self.op_names.add(alias.asname)

    def _note_constant(self, name: str, value: ast.expr, node: ast.stmt) -> None:
        m = self.migration
        if name in _HEADER:
            parsed = literal(value, self.constants)
            values = _as_tuple(parsed)
            if name == "revision":
                m.revision = values[0] if values else ""
                m.header_span = node_span(node)
            elif name == "down_revision":
                m.down_revisions = values
            elif name == "branch_labels":
                m.branch_labels = values
            else:
                m.depends_on = values
            return
        table = _table_call(value, self.constants)
        if table is not None:
            self.module_tables[name] = table
            return
        text = sql_text(value, self.constants)
        if text is not None and not text.formatted:
            self.constants[name] = text.text
        else:
            parsed = literal(value, self.constants)
            if parsed is not UNKNOWN:
                self.constants[name] = parsed

    # -- statements --------------------------------------------------------------------------------

    def _walk(self, body: list[ast.stmt], ctx: _Ctx) -> None:
        for stmt in body:
            if type(stmt) is not _Expr:
                self._statement(stmt, ctx)
            elif type(stmt.value) is _Call:  # most statements are a bare `op.*(...)` call: read it here
                if not self._call(stmt.value, ctx):
                    self._scan(list(ast.iter_child_nodes(stmt.value)), ctx)
            else:
                self._scan([stmt.value], ctx)

    def _statement(self, stmt: ast.stmt, ctx: _Ctx) -> None:
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            inner = ctx
            for item in stmt.items:
                inner = self._with_item(item, inner)
            self._walk(stmt.body, inner)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            value = stmt.value
            if value is None:
                return
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            self._assignment(targets, value, ctx)
        elif isinstance(stmt, ast.If):
            condition = ast.unparse(stmt.test)
            self._expression(stmt.test, ctx)
            self._walk(stmt.body, replace(ctx, condition=_join(ctx.condition, condition)))
            if stmt.orelse:
                self._walk(stmt.orelse, replace(ctx, condition=_join(ctx.condition, f"not ({condition})")))
        elif isinstance(stmt, (ast.For, ast.AsyncFor, ast.While)):
            self._expression(stmt.iter if not isinstance(stmt, ast.While) else stmt.test, ctx)
            self._walk(stmt.body, ctx)
            self._walk(stmt.orelse, ctx)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self._walk(stmt.body, ctx)  # type: ignore[attr-defined]
            for handler in stmt.handlers:  # type: ignore[attr-defined]
                self._walk(handler.body, ctx)
            self._walk(stmt.orelse, ctx)  # type: ignore[attr-defined]
            self._walk(stmt.finalbody, ctx)  # type: ignore[attr-defined]
        elif isinstance(stmt, ast.Return) and stmt.value is not None:
            self._expression(stmt.value, ctx)

    def _with_item(self, item: ast.withitem, ctx: _Ctx) -> _Ctx:
        expr = item.context_expr
        if isinstance(expr, ast.Call):
            method = last_name(expr.func)
            if method == "batch_alter_table":
                table = literal_str(bind_args(expr, ("table_name",)).get("table_name"), self.constants)
                if isinstance(item.optional_vars, ast.Name):
                    alias = item.optional_vars.id
                    schema = self._schema(keyword(expr, "schema"))
                    schemas = {k: v for k, v in ctx.batch_schemas.items() if k != alias}
                    if schema is not None:
                        schemas[alias] = schema
                    return replace(ctx, batch={**ctx.batch, alias: table}, batch_schemas=schemas)
                return ctx
            if method == "autocommit_block":
                return replace(ctx, autocommit=True)
            if method == "begin" or method == "begin_nested":
                return ctx
            self._expression(expr, ctx)
        return ctx

    def _assignment(self, targets: list[ast.expr], value: ast.expr, ctx: _Ctx) -> None:
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if isinstance(value, ast.Call):
            func = dotted(value.func)
            method = last_name(value.func)
            if method == "get_bind" or func.endswith("get_context().connection") or method == "connect":
                self.conn_names.update(names)
                return
            table = _table_call(value, self.constants)
            if table is not None:
                for name in names:
                    self.table_vars[name] = table
                if method in ("table", "Table"):
                    return  # a table object, not an operation; `op.create_table(...)` is recorded below
        if isinstance(value, ast.Attribute) and value.attr in ("bind", "connection"):
            self.conn_names.update(names)
            return
        text = sql_text(value, self.constants)
        if text is not None and not text.formatted:
            for name in names:
                self.constants[name] = text.text
            return
        self._expression(value, ctx)

    # -- expressions and calls -----------------------------------------------------------------------

    def _expression(self, node: ast.expr, ctx: _Ctx) -> None:
        """Find operation calls in `node`, linearly; a recognised call's arguments are not re-scanned."""
        self._scan([node], ctx)

    def _scan(self, stack: list[ast.AST], ctx: _Ctx) -> None:
        """`_expression` over the nodes on `stack`, the last first."""
        while stack:
            current = stack.pop()
            if type(current) is _Call and self._call(current, ctx):  # type: ignore[arg-type]
                continue
            if isinstance(current, (ast.Lambda, ast.FunctionDef)):
                continue
            stack.extend(ast.iter_child_nodes(current))

    def _call(self, call: ast.Call, ctx: _Ctx) -> bool:
        func = call.func
        kind = type(func)
        if kind is _Name:
            if func.id in self.functions and func.id not in ctx.active_helpers:  # type: ignore[attr-defined]
                name = func.id  # type: ignore[attr-defined]
                self.helpers_called.append(name)
                self._walk(
                    self.functions[name].body,
                    replace(ctx, helper=name, active_helpers=ctx.active_helpers | {name}),
                )
            return False  # also scan the arguments
        if kind is not _Attribute:
            return False
        owner, method = func.value, func.attr  # type: ignore[attr-defined]
        if type(owner) is _Name:
            if owner.id in self.op_names:
                return self._op_call(method, call, ctx, table=None, batch=False)
            if owner.id in ctx.batch:
                return self._op_call(
                    method, call, ctx, table=ctx.batch[owner.id], batch=True, schema=ctx.batch_schemas.get(owner.id)
                )
            if owner.id in self.conn_names or owner.id in self.context_names:
                if method in ("execute", "exec_driver_sql"):
                    self._execute(call, ctx, call_name=f"{owner.id}.{method}")
                    return True
                return False
        if (
            isinstance(owner, ast.Call)
            and last_name(owner.func) in ("get_bind", "get_context")
            and method
            in (
                "execute",
                "exec_driver_sql",
            )
        ):
            self._execute(call, ctx, call_name=f"{dotted(owner.func)}().{method}")
            return True
        return False

    def _op_call(
        self, method: str, call: ast.Call, ctx: _Ctx, *, table: str | None, batch: bool, schema: str | None = None
    ) -> bool:
        signature = _SIGNATURES.get(method)
        if signature is None:
            return method in ("get_bind", "get_context", "f", "inline_literal")
        if method == "execute":
            self._execute(call, ctx, call_name="op.execute")
            return True
        args = bind_args(call, signature[1] if batch else signature[0])
        if batch:
            args.setdefault("table_name", ast.Constant(table) if table else None)  # type: ignore[arg-type]
        builder = _BUILDERS.get(method)
        op = Operation(
            kind="",
            side=ctx.side,
            span=node_span(call),
            origin="op",
            call=f"{'batch_op' if batch else 'op'}.{method}",
            in_batch=batch,
            autocommit=ctx.autocommit,
            condition=ctx.condition,
            helper=ctx.helper,
        )
        if builder is not None:
            builder(self, op, args, call)
        else:
            self._constraint(op, method, args)
        if op.kind:
            # The table's schema as written (`schema=`, `source_schema=` of create_foreign_key, or the batch's):
            # without one the table is found through the connection's search_path.
            if schema is None:
                written = _schema_argument(call)
                if written is not None:
                    schema = self._schema(written)
            if schema is not None:
                op.args["schema"] = schema
            self.ops.append(op)
        return True

    def _schema(self, node: ast.expr | None) -> str | None:
        """A `schema=` argument: its name, or the expression as written when it is not a literal (a setting)."""
        if node is None or (isinstance(node, ast.Constant) and node.value is None):
            return None
        return self._str(node) or ast.unparse(node)

    # Each builder fills in one operation from the bound arguments.

    def _op_create_table(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.CREATE_TABLE
        op.table = self._str(args.get("table_name"))
        columns = [column_info(a, self.constants) for a in call.args[1:] if _is_column(a)]
        op.args["columns"] = columns
        for element in call.args[1:]:
            if isinstance(element, ast.Call) and last_name(element.func) == "ForeignKeyConstraint":
                ondelete = self._str(keyword(element, "ondelete"))
                if ondelete:
                    op.args.setdefault("fk_ondelete", []).append(ondelete.upper())
        for column in columns:
            if column.get("ondelete"):
                op.args.setdefault("fk_ondelete", []).append(column["ondelete"])
        op.args.update(_table_keys(call.args[1:], self.constants))
        self._guard(op, args, "if_not_exists")

    def _guard(self, op: Operation, args: dict[str, ast.expr], key: str) -> None:
        """Record `if_exists=True` / `if_not_exists=True`: the step can be run twice."""
        node = args.get(key)
        if node is not None and literal(node, self.constants) is True:
            op.args[key] = True

    def _op_drop_table(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.DROP_TABLE
        op.table = self._str(args.get("table_name"))
        self._guard(op, args, "if_exists")

    def _op_rename_table(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.RENAME_TABLE
        op.table = self._str(args.get("old_table_name"))
        op.new_name = self._str(args.get("new_table_name"))

    def _op_add_column(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.ADD_COLUMN
        op.table = self._str(args.get("table_name"))
        column = args.get("column")
        if column is not None and _is_column(column):
            info = column_info(column, self.constants)
            op.column = info.get("name")
            op.args.update(info)
        self._guard(op, args, "if_not_exists")

    def _op_drop_column(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.DROP_COLUMN
        op.table = self._str(args.get("table_name"))
        op.column = self._str(args.get("column_name"))
        self._guard(op, args, "if_exists")

    def _op_alter_column(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.table = self._str(args.get("table_name"))
        op.column = self._str(args.get("column_name"))
        new_name = self._str(args.get("new_column_name"))
        if new_name:
            op.kind = Kind.RENAME_COLUMN
            op.new_name = new_name
            # A rename can carry other changes too; keep them for the rules that look.
        else:
            op.kind = Kind.ALTER_COLUMN
        for key in ("nullable",):
            value = literal(args.get(key), self.constants)
            if isinstance(value, bool):
                op.args[key] = value
        for key in ("type_", "existing_type"):
            node = args.get(key)
            if node is not None:
                op.args[key.rstrip("_")] = type_info(node, self.constants)
        value = literal(args.get("existing_nullable"), self.constants)
        if isinstance(value, bool):
            op.args["existing_nullable"] = value
        if "server_default" in args:
            node = args["server_default"]
            op.args["server_default"] = not (isinstance(node, ast.Constant) and node.value in (None, False))
        if "comment" in args:  # for the comment rule: the column's comment changes
            op.args["comment"] = True

    def _op_create_table_comment(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.COMMENT
        op.table = self._str(args.get("table_name"))

    def _op_drop_table_comment(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.COMMENT
        op.table = self._str(args.get("table_name"))

    def _op_create_index(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.CREATE_INDEX
        op.name = self._str(args.get("index_name"))
        op.table = self._str(args.get("table_name"))
        op.args["concurrently"] = literal(args.get("postgresql_concurrently"), self.constants) is True
        op.args["unique"] = literal(args.get("unique"), self.constants) is True
        if literal(args.get("if_not_exists"), self.constants) is True:
            op.args["if_not_exists"] = True
        columns = literal(args.get("columns"), self.constants)
        if isinstance(columns, (list, tuple)):
            op.args["columns"] = tuple(str(c) for c in columns)

    def _op_drop_index(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.DROP_INDEX
        op.name = self._str(args.get("index_name"))
        op.table = self._str(args.get("table_name"))
        op.args["concurrently"] = literal(args.get("postgresql_concurrently"), self.constants) is True
        if literal(args.get("if_exists"), self.constants) is True:
            op.args["if_exists"] = True

    def _op_drop_constraint(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.DROP_CONSTRAINT
        op.name = self._str(args.get("constraint_name"))
        op.table = self._str(args.get("table_name"))
        ctype = self._str(args.get("type_"))
        if ctype:
            op.args["constraint_type"] = ctype

    def _op_bulk_insert(self, op: Operation, args: dict[str, ast.expr], call: ast.Call) -> None:
        op.kind = Kind.INSERT
        table = args.get("table")
        if isinstance(table, ast.Name):
            op.table = self.table_vars.get(table.id)
        elif isinstance(table, ast.Call) and table.args:
            op.table = self._str(table.args[0])
        op.args["bulk"] = True

    def _constraint(self, op: Operation, method: str, args: dict[str, ast.expr]) -> None:
        op.kind = Kind.CREATE_CONSTRAINT
        op.name = self._str(args.get("constraint_name"))
        op.table = self._str(args.get("table_name") or args.get("source_table"))
        op.args["constraint_type"] = _CONSTRAINT_KIND[method]
        if method == "create_foreign_key":
            op.args["referent"] = self._str(args.get("referent_table"))
            ondelete = self._str(args.get("ondelete"))
            if ondelete:
                op.args["ondelete"] = ondelete.upper()
        for key in ("postgresql_not_valid",):
            if literal(args.get(key), self.constants) is True:
                op.args["not_valid"] = True
        columns = literal(args.get("local_cols") or args.get("columns"), self.constants)
        if isinstance(columns, (list, tuple)):
            op.args["columns"] = tuple(str(c) for c in columns)
        condition = self._str(args.get("condition"))
        if condition:
            op.args["condition"] = condition

    # -- SQL ---------------------------------------------------------------------------------------

    def _execute(self, call: ast.Call, ctx: _Ctx, *, call_name: str) -> None:
        node = call.args[0] if call.args else keyword(call, "sqltext") or keyword(call, "statement")
        span = node_span(call)
        common = {
            "autocommit": ctx.autocommit,
            "condition": ctx.condition,
            "helper": ctx.helper,
        }
        text = sql_text(node, self.constants)
        if text is not None:
            self.ops.extend(
                translate_sql(text.text, side=ctx.side, span=span, call=call_name, formatted=text.formatted, **common)
            )
            return
        kind, table = self._expression_statement(node)
        self.ops.append(
            Operation(kind=kind, side=ctx.side, span=span, table=table, origin="python", call=call_name, **common)
        )

    def _expression_statement(self, node: ast.expr | None) -> tuple[str, str | None]:
        """Classify a SQLAlchemy statement object: `t.update()`, `sa.delete(t)`, `CreateSequence(...)`."""
        current = node
        while isinstance(current, ast.Call):
            func = current.func
            name = last_name(func)
            if name in _SA_DDL:
                target = current.args[0] if current.args else None
                label = self._str(target.args[0]) if isinstance(target, ast.Call) and target.args else None
                return _SA_DDL[name], label
            if name in ("update", "delete", "insert", "select"):
                kind = {"update": Kind.UPDATE, "delete": Kind.DELETE, "insert": Kind.INSERT, "select": Kind.SELECT}[
                    name
                ]
                target = current.args[0] if current.args else (func.value if isinstance(func, ast.Attribute) else None)
                return kind, self._table_of(target)
            current = func.value if isinstance(func, ast.Attribute) else None
        return Kind.RAW_SQL, None

    def _table_of(self, node: ast.expr | None) -> str | None:
        if isinstance(node, ast.Name):
            return self.table_vars.get(node.id)
        if isinstance(node, ast.Call) and last_name(node.func) in ("table", "Table") and node.args:
            return self._str(node.args[0])
        return None


#: The builder of each `op.*` method that has one (the `create_*` constraints share `_constraint`), looked up
#: once here rather than by name for every call read.
_BUILDERS: dict[str, Callable[[AlembicReader, Operation, dict[str, ast.expr], ast.Call], None]] = {
    method: getattr(AlembicReader, f"_op_{method}") for method in _SIGNATURES if hasattr(AlembicReader, f"_op_{method}")
}


# -- helpers shared with the Django reader ---------------------------------------------------------------


def _schema_argument(call: ast.Call) -> ast.expr | None:
    """The first `schema=`, else the first `source_schema=` (create_foreign_key's), in one pass over the keywords."""
    source = None
    for kw in call.keywords:
        if kw.arg == "schema":
            return kw.value
        if kw.arg == "source_schema" and source is None:
            source = kw.value
    return source


def _is_column(node: ast.expr) -> bool:
    if type(node) is not _Call:
        return False
    func = node.func
    return (func.attr if type(func) is _Attribute else last_name(func)) == "Column"


def type_info(node: ast.expr, constants: dict[str, Any]) -> dict[str, Any] | None:
    """`sa.String(length=50)` -> {"name": "String", "args": (50,)}; None when not a type expression."""
    if type(node) is _Call:
        name = last_name(node.func)
        if not node.args and not node.keywords:  # `sa.Integer()`, the most common type: nothing more to read
            return {"name": name, "args": ()}
        positional = tuple([literal(a, constants) for a in node.args]) if node.args else ()
        kwargs: dict[str, Any] = {}
        for kw in node.keywords:  # a loop, not a comprehension: no extra frame per type read
            if kw.arg:
                kwargs[kw.arg] = literal(kw.value, constants)
        args = positional or tuple([kwargs[k] for k in ("length", "precision", "scale") if k in kwargs])
        info = {
            "name": name,
            "args": tuple([a for a in args if isinstance(a, (int, str)) or a is None]) if args else (),
        }
        if isinstance(kwargs.get("timezone"), bool):  # DateTime(timezone=True) is TIMESTAMPTZ on PostgreSQL
            info["timezone"] = kwargs["timezone"]
        return info
    name = last_name(node)
    return {"name": name, "args": ()} if name else None


def column_info(node: ast.Call, constants: dict[str, Any]) -> dict[str, Any]:
    """What a `sa.Column(...)` declares: name, type, nullable, defaults, keys, an inline FK."""
    info: dict[str, Any] = {}
    positional = list(node.args)
    if positional and isinstance(positional[0], ast.Constant) and isinstance(positional[0].value, str):
        info["name"] = positional.pop(0).value
    elif positional and isinstance(positional[0], ast.Name) and isinstance(constants.get(positional[0].id), str):
        info["name"] = constants[positional.pop(0).id]
    for arg in positional:
        called = last_name(arg.func) if type(arg) is _Call else None
        if called == "ForeignKey":
            info["foreign_key"] = literal_str(arg.args[0], constants) if arg.args else True  # type: ignore[attr-defined]
            ondelete = literal_str(keyword(arg, "ondelete"), constants)  # type: ignore[arg-type]
            if ondelete:
                info["ondelete"] = ondelete.upper()
        elif called in ("Identity", "Computed"):
            # Filled for every existing row when added: a table rewrite (lock rules read this).
            virtual = literal(keyword(arg, "persisted"), constants) is False  # type: ignore[arg-type]
            info["generated"] = "identity" if called == "Identity" else "virtual" if virtual else "stored"
        elif "type" not in info:
            info["type"] = type_info(arg, constants)
    for kw in node.keywords:
        if kw.arg in ("nullable", "primary_key", "unique", "index", "autoincrement"):
            value = literal(kw.value, constants)
            if isinstance(value, bool):
                info[kw.arg] = value
        elif kw.arg in ("server_default", "default", "server_onupdate", "onupdate"):
            info[kw.arg] = not (isinstance(kw.value, ast.Constant) and kw.value.value is None)
            if kw.arg == "server_default" and isinstance(kw.value, ast.Call):
                info["server_default_expr"] = ast.unparse(kw.value)
        elif kw.arg in ("type_",):
            info["type"] = type_info(kw.value, constants)
        elif kw.arg == "name":
            name = literal_str(kw.value, constants)
            if name:
                info["name"] = name
        elif kw.arg == "Computed":
            info["generated"] = True
    if "nullable" not in info:
        info["nullable"] = not info.get("primary_key", False)
    return info


def _table_keys(elements: list[ast.expr], constants: dict[str, Any]) -> dict[str, Any]:
    """Column lists of the table-level keys of `op.create_table(...)`: its `ForeignKeyConstraint`s, and the
    `PrimaryKeyConstraint` / `UniqueConstraint` / `Index` elements whose index serves their leading column."""
    out: dict[str, Any] = {}
    foreign: list[tuple[str, ...]] = []
    indexed: list[tuple[str, ...]] = []
    for element in elements:
        if not isinstance(element, ast.Call):
            continue
        kind = last_name(element.func)
        if kind == "ForeignKeyConstraint" and element.args:
            columns = literal(element.args[0], constants)
            if isinstance(columns, (list, tuple)):
                foreign.append(tuple(str(c) for c in columns))
        elif kind in ("PrimaryKeyConstraint", "UniqueConstraint"):
            indexed.append(tuple(str(c) for c in (literal(a, constants) for a in element.args) if isinstance(c, str)))
            if kind == "PrimaryKeyConstraint":
                out["pk_columns"] = indexed[-1]
        elif kind == "Index":
            names = (literal(a, constants) for a in element.args[1:])
            indexed.append(tuple(str(c) for c in names if isinstance(c, str)))
    if foreign:
        out["fk_columns"] = foreign
    if indexed:
        out["indexed_columns"] = indexed
    return out


def _table_call(node: ast.expr, constants: dict[str, Any]) -> str | None:
    """The table named by `sa.table("t", ...)`, `sa.Table("t", ...)` or `op.create_table("t", ...)`."""
    if isinstance(node, ast.Call) and last_name(node.func) in ("table", "Table", "create_table") and node.args:
        return literal_str(node.args[0], constants)
    return None


def _as_tuple(value: Any) -> tuple[str, ...]:
    if value is None or value is UNKNOWN:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple, set, frozenset)):
        return tuple(str(v) for v in value if v is not None)
    return ()


def _join(outer: str | None, inner: str) -> str:
    return f"({outer}) and ({inner})" if outer else inner


def _body_shape(body: list[ast.stmt]) -> str:
    """Classify a function body: empty (`pass`, docstring, `...`), only raises, or real code."""
    raises = False
    for stmt in body:
        kind = type(stmt)
        if kind is ast.Pass or (kind is _Expr and type(stmt.value) is _Constant):  # type: ignore[attr-defined]
            continue
        if kind is not ast.Raise:
            return DOWNGRADE_BODY
        raises = True
    return DOWNGRADE_RAISES if raises else DOWNGRADE_EMPTY


def read_alembic(module: ast.Module, migration: MigrationAST, dialect: str | None = None) -> None:
    migration.framework = ALEMBIC
    AlembicReader(module, migration, dialect).read()


def looks_like_alembic(module: ast.Module) -> bool:
    """A module with a top-level `upgrade()` or a `revision` assignment is an Alembic revision."""
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == "upgrade":
            return True
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "revision" for t in node.targets):
            return True
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == "revision":
            return True
    return False
