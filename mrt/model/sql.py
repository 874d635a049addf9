"""Raw SQL into operations, with PostgreSQL's own parser (pglast, i.e. libpg_query).

Why pglast: most raw SQL in real migrations is PostgreSQL, and the lock and reversibility rules hinge
on details a generic parser gets wrong or gives up on (`CONCURRENTLY`, `NOT VALID`, `VALIDATE
CONSTRAINT`, `ALTER TYPE ... ADD VALUE`, `VACUUM FULL`); libpg_query is the server's grammar, imports
in ~30 ms and parses in microseconds. SQL it cannot parse (another dialect, a template) stays an
opaque `raw_sql` operation: rules treat it as unknown, and nothing crashes.

The parser is imported on the first SQL string, never on the static path of a file without SQL.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from mrt.model.ops import Kind, Operation, Span
from mrt.model.pyexpr import PLACEHOLDER

# MySQL-only ALTER TABLE syntax that PostgreSQL's grammar rejects; only these statements pay for sqlglot.
_MYSQL_HINT = re.compile(
    r"\b(ALGORITHM|LOCK)\s*=|\bAUTO_INCREMENT\b|\bALTER\s+TABLE\b.*\b(MODIFY|CHANGE)\b|`", re.IGNORECASE | re.DOTALL
)
_BIND_PARAM = re.compile(r"(?<![:\w]):(\w+)|%\(\w+\)s|%s")


def translate_sql(
    text: str,
    *,
    side: str,
    span: Span,
    call: str,
    formatted: bool = False,
    **context: Any,
) -> list[Operation]:
    """Operations for every statement in `text`; unparseable statements become `raw_sql`."""
    ops: list[Operation] = []
    for statement, parsed in _parse_statements(text):
        base = {"side": side, "span": span, "origin": "sql", "call": call, "sql": statement, **context}
        if parsed is None:
            mysql = _mysql_statement(statement) if _MYSQL_HINT.search(statement) else None
            for op_fields in mysql or [{"kind": Kind.RAW_SQL}]:
                args = op_fields.pop("args", {})
                args["formatted"] = formatted
                ops.append(Operation(**op_fields, args=args, **base))
            continue
        for op_fields in _translate_statement(parsed):
            args = op_fields.pop("args", {})
            if formatted:
                args["formatted"] = True
            op = Operation(**op_fields, args=args, **base)
            if op.table == PLACEHOLDER:
                op.table = None
            ops.append(op)
    return ops


@lru_cache(maxsize=4096)
def _parse_statements(text: str) -> tuple[tuple[str, Any], ...]:
    """(statement text, parsed statement or None) for each statement in `text`. Cached: histories
    repeat the same SQL strings, and the LSP re-analyses the same buffer on every keystroke."""
    from pglast import parse_sql  # lazy: only files with SQL pay for the parser
    from pglast.parser import ParseError

    prepared = _BIND_PARAM.sub("$1", text)
    try:
        return tuple(
            (_slice(prepared, raw.stmt_location, raw.stmt_len).strip(), raw.stmt) for raw in parse_sql(prepared)
        )
    except ParseError:
        pass
    out: list[tuple[str, Any]] = []
    for piece in _split(prepared):
        try:
            parsed = parse_sql(piece)
        except ParseError:
            out.append((piece, None))
            continue
        out.extend((piece, raw.stmt) for raw in parsed)
    return tuple(out)


def _slice(text: str, location: int, length: int) -> str:
    # pglast reports byte offsets; for ASCII text they are character offsets.
    if not text.isascii():
        data = text.encode("utf-8")
        end = len(data) if length == 0 else location + length
        return data[location:end].decode("utf-8", "replace")
    return text[location:] if length == 0 else text[location : location + length]


def _split(text: str) -> list[str]:
    from pglast import split
    from pglast.parser import ParseError

    try:
        pieces = list(split(text + ";", with_parser=False))
    except ParseError:
        pieces = [text]
    return [piece.strip() for piece in pieces if piece.strip()]


# -- statement translation ---------------------------------------------------------------------------


def _names(items: Any) -> list[str]:
    return [item.sval for item in items or () if hasattr(item, "sval")]


def _qualified(items: Any) -> str | None:
    names = _names(items)
    return names[-1] if names else None


def _relation(rel: Any) -> dict[str, Any]:
    """A table's schema as written (`billing.invoices`), and whether it is a temporary table: an unqualified
    name is found through the session's search_path (the schema rule reads this)."""
    out: dict[str, Any] = {}
    if rel.schemaname:
        out["schema"] = rel.schemaname
    if rel.relpersistence == "t":
        out["temporary"] = True
    return out


def _type_of(type_name: Any) -> dict[str, Any] | None:
    if type_name is None:
        return None
    names = [n for n in _names(type_name.names) if n != "pg_catalog"]
    mods: list[Any] = []
    for mod in type_name.typmods or ():
        value = getattr(getattr(mod, "val", None), "ival", None)
        mods.append(value)
    return {"name": names[-1] if names else "?", "args": tuple(mods), "array": bool(type_name.arrayBounds)}


def _column_def(coldef: Any) -> dict[str, Any]:
    from pglast import enums

    info: dict[str, Any] = {"name": coldef.colname, "type": _type_of(coldef.typeName), "nullable": True}
    for constraint in coldef.constraints or ():
        kind = constraint.contype
        if kind == enums.ConstrType.CONSTR_NOTNULL:
            info["nullable"] = False
        elif kind == enums.ConstrType.CONSTR_PRIMARY:
            info["nullable"] = False
            info["primary_key"] = True
        elif kind == enums.ConstrType.CONSTR_DEFAULT:
            info["server_default"] = True
            info["default_functions"] = _function_names(constraint.raw_expr)
        elif kind == enums.ConstrType.CONSTR_UNIQUE:
            info["unique"] = True
        elif kind == enums.ConstrType.CONSTR_FOREIGN:
            info["foreign_key"] = True
        elif kind == enums.ConstrType.CONSTR_IDENTITY:
            info["generated"] = "identity"
        elif kind == enums.ConstrType.CONSTR_GENERATED:
            info["generated"] = "stored"
    return info


def _table_keys(elements: Any) -> dict[str, Any]:
    """Table-level keys of a CREATE TABLE: the column lists of its FOREIGN KEYs, and of the PRIMARY KEY /
    UNIQUE constraints, whose implicit index serves lookups on their leading column."""
    from pglast import ast, enums

    out: dict[str, Any] = {}
    foreign: list[tuple[str, ...]] = []
    indexed: list[tuple[str, ...]] = []
    for element in elements or ():
        if not isinstance(element, ast.Constraint):
            continue
        if element.contype == enums.ConstrType.CONSTR_FOREIGN:
            foreign.append(tuple(_names(element.fk_attrs)))
        elif element.contype in (enums.ConstrType.CONSTR_PRIMARY, enums.ConstrType.CONSTR_UNIQUE):
            indexed.append(tuple(_names(element.keys)))
            if element.contype == enums.ConstrType.CONSTR_PRIMARY:
                out["pk_columns"] = indexed[-1]
    if foreign:
        out["fk_columns"] = foreign
    if indexed:
        out["indexed_columns"] = indexed
    return out


_CONSTRAINT_TYPES = {
    "CONSTR_FOREIGN": "foreignkey",
    "CONSTR_UNIQUE": "unique",
    "CONSTR_PRIMARY": "primary",
    "CONSTR_CHECK": "check",
    "CONSTR_EXCLUSION": "exclude",
}


def _translate_statement(stmt: Any) -> list[dict[str, Any]]:
    from pglast import ast, enums

    name = type(stmt).__name__
    if isinstance(stmt, ast.AlterTableStmt):
        return _alter_table(stmt)
    if isinstance(stmt, ast.RenameStmt):
        rtype = stmt.renameType
        table = stmt.relation.relname if stmt.relation else None
        where = _relation(stmt.relation) if stmt.relation else {}
        if rtype == enums.ObjectType.OBJECT_COLUMN:
            return [
                {
                    "kind": Kind.RENAME_COLUMN,
                    "table": table,
                    "column": stmt.subname,
                    "new_name": stmt.newname,
                    "args": where,
                }
            ]
        if rtype == enums.ObjectType.OBJECT_TABLE:
            return [{"kind": Kind.RENAME_TABLE, "table": table, "new_name": stmt.newname, "args": where}]
        if rtype == enums.ObjectType.OBJECT_INDEX:
            return [{"kind": Kind.RENAME_INDEX, "name": table, "new_name": stmt.newname}]
        if rtype == enums.ObjectType.OBJECT_SCHEMA:  # for the rolling-deploy rule: every table moves with it
            return [
                {"kind": Kind.OTHER_SQL, "name": stmt.subname, "new_name": stmt.newname, "args": {"rename": "SCHEMA"}}
            ]
        return [{"kind": Kind.OTHER_SQL}]
    if isinstance(stmt, ast.DropStmt):
        return _drop(stmt)
    if isinstance(stmt, ast.IndexStmt):
        return [
            {
                "kind": Kind.CREATE_INDEX,
                "table": stmt.relation.relname,
                "name": stmt.idxname,
                "args": {
                    "concurrently": bool(stmt.concurrent),
                    "unique": bool(stmt.unique),
                    **({"if_not_exists": True} if stmt.if_not_exists else {}),
                    "columns": tuple(p.name for p in stmt.indexParams or () if getattr(p, "name", None)),
                },
            }
        ]
    if isinstance(stmt, ast.CreateStmt):
        columns = [_column_def(el) for el in stmt.tableElts or () if isinstance(el, ast.ColumnDef)]
        args = {"columns": columns, **_table_keys(stmt.tableElts), **_relation(stmt.relation)}
        if stmt.if_not_exists:
            args["if_not_exists"] = True
        return [{"kind": Kind.CREATE_TABLE, "table": stmt.relation.relname, "args": args}]
    if isinstance(stmt, ast.CreateTableAsStmt):
        kind = Kind.CREATE_VIEW if stmt.objtype == enums.ObjectType.OBJECT_MATVIEW else Kind.CREATE_TABLE
        rel = stmt.into.rel
        return [{"kind": kind, "table": rel.relname, "name": rel.relname, "args": _relation(rel)}]
    if isinstance(stmt, ast.ViewStmt):
        return [{"kind": Kind.CREATE_VIEW, "name": stmt.view.relname, "args": {"replace": bool(stmt.replace)}}]
    if isinstance(stmt, ast.CreateSeqStmt):
        guard = {"if_not_exists": True} if stmt.if_not_exists else {}
        return [{"kind": Kind.CREATE_SEQUENCE, "name": stmt.sequence.relname, "args": guard}]
    if isinstance(stmt, ast.AlterSeqStmt):
        return [{"kind": Kind.ALTER_SEQUENCE, "name": stmt.sequence.relname}]
    if isinstance(stmt, ast.CreateTrigStmt):
        return [{"kind": Kind.CREATE_TRIGGER, "name": stmt.trigname, "table": stmt.relation.relname}]
    if isinstance(stmt, ast.CreateDomainStmt):
        checks = [c for c in stmt.constraints or () if c.contype == enums.ConstrType.CONSTR_CHECK]
        args = {"domain": True, "check": bool(checks)}
        return [{"kind": Kind.CREATE_TYPE, "name": _qualified(stmt.domainname), "args": args}]
    if isinstance(stmt, ast.CreateEnumStmt):
        return [{"kind": Kind.CREATE_TYPE, "name": _qualified(stmt.typeName)}]
    if isinstance(stmt, ast.CompositeTypeStmt):
        return [{"kind": Kind.CREATE_TYPE, "name": stmt.typevar.relname}]
    if isinstance(stmt, ast.AlterEnumStmt):
        type_name = _qualified(stmt.typeName)
        if stmt.oldVal:
            return [{"kind": Kind.OTHER_SQL, "name": type_name, "args": {"enum_rename": True}}]
        return [{"kind": Kind.ADD_ENUM_VALUE, "name": type_name, "args": {"value": stmt.newVal}}]
    if isinstance(stmt, ast.CreateFunctionStmt):
        return [
            {"kind": Kind.CREATE_FUNCTION, "name": _qualified(stmt.funcname), "args": {"replace": bool(stmt.replace)}}
        ]
    if isinstance(stmt, ast.CreateExtensionStmt):
        guard = {"if_not_exists": True} if stmt.if_not_exists else {}
        return [{"kind": Kind.CREATE_EXTENSION, "name": stmt.extname, "args": guard}]
    if isinstance(stmt, ast.UpdateStmt):
        columns = tuple(t.name for t in stmt.targetList or () if getattr(t, "name", None))
        args = {"where": stmt.whereClause is not None, "set_columns": columns}
        if _null_tests_only(stmt.whereClause):  # `WHERE plan IS NULL`: the backfill idiom, every row still matches
            args["where_null_tests"] = True
        return [{"kind": Kind.UPDATE, "table": stmt.relation.relname, "args": args}]
    if isinstance(stmt, ast.DeleteStmt):
        return [{"kind": Kind.DELETE, "table": stmt.relation.relname, "args": {"where": stmt.whereClause is not None}}]
    if isinstance(stmt, ast.InsertStmt):
        return [{"kind": Kind.INSERT, "table": stmt.relation.relname}]
    if isinstance(stmt, ast.TruncateStmt):
        return [{"kind": Kind.TRUNCATE, "table": rel.relname} for rel in stmt.relations or ()]
    if isinstance(stmt, ast.TransactionStmt):
        return [{"kind": Kind.TRANSACTION, "args": {"transaction": enums.TransactionStmtKind(stmt.kind).name}}]
    if isinstance(stmt, ast.SelectStmt):
        setval = _function_call(stmt, "setval")
        if setval is not None:
            return [{"kind": Kind.ALTER_SEQUENCE, "name": _literal_sequence(setval), "args": {"setval": True}}]
        return [{"kind": Kind.SELECT}]
    if isinstance(stmt, (ast.VacuumStmt, ast.ClusterStmt, ast.ReindexStmt)):
        return [{"kind": Kind.MAINTENANCE, "args": {"statement": name}}]
    if isinstance(stmt, ast.CommentStmt):
        return [_comment(stmt)]
    if isinstance(stmt, ast.CreateSchemaStmt):  # for the asymmetry rule on schemas, extensions and policies
        guard = {"if_not_exists": True} if stmt.if_not_exists else {}
        return [{"kind": Kind.OTHER_SQL, "name": stmt.schemaname, "args": {"statement": name, **guard}}]
    if isinstance(stmt, ast.CreatePolicyStmt):
        table = stmt.table.relname if stmt.table else None
        return [{"kind": Kind.OTHER_SQL, "name": stmt.policy_name, "table": table, "args": {"statement": name}}]
    if isinstance(stmt, ast.DropdbStmt):  # for the destructive raw-SQL rule: every table of the database goes
        return [{"kind": Kind.OTHER_SQL, "name": stmt.dbname, "args": {"statement": name, "drop": "DATABASE"}}]
    return [{"kind": Kind.OTHER_SQL, "args": {"statement": name}}]


def _null_tests_only(where: Any) -> bool:
    """A WHERE made of `IS [NOT] NULL` tests only, alone or joined by AND / OR (no bound on which rows)."""
    from pglast import ast

    if isinstance(where, ast.NullTest):
        return True
    return isinstance(where, ast.BoolExpr) and all(_null_tests_only(arg) for arg in where.args or ())


def _comment(stmt: Any) -> dict[str, Any]:
    """`COMMENT ON TABLE t` / `COMMENT ON COLUMN t.c`: the commented table and column (other objects keep
    their last name only)."""
    from pglast import enums

    names = _names(getattr(stmt.object, "items", None) or stmt.object)
    kind = enums.ObjectType(stmt.objtype).name
    if kind == "OBJECT_COLUMN" and len(names) >= 2:
        return {"kind": Kind.COMMENT, "table": names[-2], "column": names[-1]}
    if kind == "OBJECT_TABLE" and names:
        return {"kind": Kind.COMMENT, "table": names[-1]}
    return {"kind": Kind.COMMENT, "name": names[-1] if names else None}


def _function_names(expr: Any) -> tuple[str, ...]:
    """Functions an expression calls (`DEFAULT gen_random_uuid()` -> ("gen_random_uuid",)): volatile
    defaults rewrite the table, constant ones do not."""
    from pglast import ast
    from pglast.visitors import Visitor

    names: list[str] = []

    class _Collect(Visitor):  # type: ignore[misc]
        def visit_FuncCall(self, ancestors: Any, node: ast.FuncCall) -> None:
            name = _qualified(node.funcname)
            if name:
                names.append(name.lower())

    if expr is not None:
        _Collect()(expr)
    return tuple(names)


def _function_call(stmt: Any, func: str) -> Any | None:
    """The first call of `func` in a statement, or None."""
    from pglast import ast
    from pglast.visitors import Visitor

    found: list[ast.FuncCall] = []

    class _Find(Visitor):  # type: ignore[misc]
        def visit_FuncCall(self, ancestors: Any, node: ast.FuncCall) -> None:
            if _qualified(node.funcname) == func:
                found.append(node)

    _Find()(stmt)
    return found[0] if found else None


def _literal_sequence(setval: Any) -> str | None:
    """The sequence `setval('invoice_no', ...)` moves, when written as a literal (`'billing.invoice_no'::regclass`
    too): a sequence the same migration creates is then known to be new, and its position is not a change the
    downgrade has to undo. None for a computed name (`pg_get_serial_sequence(...)`)."""
    from pglast import ast

    first = setval.args[0] if setval.args else None
    if isinstance(first, ast.TypeCast):
        first = first.arg
    value = getattr(first, "val", None) if isinstance(first, ast.A_Const) else None
    return value.sval.rsplit(".", 1)[-1] if isinstance(value, ast.String) else None


def _alter_table(stmt: Any) -> list[dict[str, Any]]:
    from pglast import ast, enums

    at = enums.AlterTableType
    table = stmt.relation.relname
    if stmt.objtype == enums.ObjectType.OBJECT_INDEX:
        return [{"kind": Kind.OTHER_SQL, "name": table}]
    ops: list[dict[str, Any]] = []
    for cmd in stmt.cmds or ():
        sub = cmd.subtype
        if sub == at.AT_DropColumn:
            guard = {"if_exists": True} if cmd.missing_ok else {}
            ops.append({"kind": Kind.DROP_COLUMN, "table": table, "column": cmd.name, "args": guard})
        elif sub == at.AT_AddColumn:
            info = _column_def(cmd.def_)
            if cmd.missing_ok:
                info["if_not_exists"] = True
            ops.append({"kind": Kind.ADD_COLUMN, "table": table, "column": info["name"], "args": info})
        elif sub == at.AT_AlterColumnType:
            ops.append(
                {
                    "kind": Kind.ALTER_COLUMN,
                    "table": table,
                    "column": cmd.name,
                    "args": {"type": _type_of(cmd.def_.typeName)},
                }
            )
        elif sub == at.AT_SetNotNull:
            ops.append({"kind": Kind.ALTER_COLUMN, "table": table, "column": cmd.name, "args": {"nullable": False}})
        elif sub == at.AT_DropNotNull:
            ops.append({"kind": Kind.ALTER_COLUMN, "table": table, "column": cmd.name, "args": {"nullable": True}})
        elif sub == at.AT_ColumnDefault:
            ops.append(
                {
                    "kind": Kind.ALTER_COLUMN,
                    "table": table,
                    "column": cmd.name,
                    "args": {"server_default": cmd.def_ is not None},
                }
            )
        elif sub == at.AT_AddConstraint and isinstance(cmd.def_, ast.Constraint):
            con = cmd.def_
            ctype = _CONSTRAINT_TYPES.get(enums.ConstrType(con.contype).name, "other")
            args: dict[str, Any] = {"constraint_type": ctype, "not_valid": bool(con.skip_validation)}
            if con.indexname:
                args["using_index"] = con.indexname
            if ctype == "foreignkey":
                args["referent"] = con.pktable.relname if con.pktable else None
                args["columns"] = tuple(_names(con.fk_attrs))
                args["ondelete"] = {"c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}.get(con.fk_del_action)
            ops.append({"kind": Kind.CREATE_CONSTRAINT, "table": table, "name": con.conname, "args": args})
        elif sub == at.AT_DropConstraint:
            ops.append({"kind": Kind.DROP_CONSTRAINT, "table": table, "name": cmd.name})
        elif sub == at.AT_ValidateConstraint:
            ops.append({"kind": Kind.VALIDATE_CONSTRAINT, "table": table, "name": cmd.name})
        else:
            other: dict[str, Any] = {"kind": Kind.OTHER_SQL, "table": table, "args": {"statement": at(sub).name}}
            if sub in (at.AT_AddIdentity, at.AT_SetIdentity, at.AT_DropIdentity):
                other["column"] = cmd.name  # for the sequence rule: the column whose numbering changes
            ops.append(other)
    if stmt.relation.schemaname:
        for op in ops:
            op["args"] = {**op.get("args", {}), "schema": stmt.relation.schemaname}
    return ops


_DROP_KINDS = {
    "OBJECT_TABLE": Kind.DROP_TABLE,
    "OBJECT_VIEW": Kind.DROP_VIEW,
    "OBJECT_MATVIEW": Kind.DROP_VIEW,
    "OBJECT_INDEX": Kind.DROP_INDEX,
    "OBJECT_SEQUENCE": Kind.DROP_SEQUENCE,
    "OBJECT_TRIGGER": Kind.DROP_TRIGGER,
    "OBJECT_TYPE": Kind.DROP_TYPE,
    "OBJECT_DOMAIN": Kind.DROP_TYPE,
    "OBJECT_FUNCTION": Kind.DROP_FUNCTION,
    "OBJECT_PROCEDURE": Kind.DROP_FUNCTION,
    "OBJECT_EXTENSION": Kind.DROP_EXTENSION,
}


def _drop(stmt: Any) -> list[dict[str, Any]]:
    from pglast import ast, enums

    object_type = enums.ObjectType(stmt.removeType).name
    kind = _DROP_KINDS.get(object_type)
    if kind is None:
        if object_type == "OBJECT_POLICY":  # DROP POLICY p ON t: the object is (..., t, p)
            names = _names(stmt.objects[0]) if stmt.objects else []
            table = names[-2] if len(names) > 1 else None
            return [
                {
                    "kind": Kind.OTHER_SQL,
                    "name": names[-1] if names else None,
                    "table": table,
                    "args": {"drop": "POLICY"},
                }
            ]
        if object_type == "OBJECT_SCHEMA":  # for the destructive raw-SQL rule
            names = [getattr(obj, "sval", None) for obj in stmt.objects or ()]
            # CASCADE drops the tables inside too; without it PostgreSQL refuses to drop a non-empty schema.
            cascade = stmt.behavior == enums.DropBehavior.DROP_CASCADE
            args = {"drop": object_type[7:], "cascade": cascade, "schemas": tuple(n for n in names if n)}
            return [{"kind": Kind.OTHER_SQL, "name": names[0] if names else None, "args": args}]
        return [{"kind": Kind.OTHER_SQL}]
    ops: list[dict[str, Any]] = []
    for obj in stmt.objects or ():
        if isinstance(obj, ast.TypeName):
            names = _names(obj.names)
        elif isinstance(obj, ast.ObjectWithArgs):
            names = _names(obj.objname)
        elif isinstance(obj, ast.String):
            names = [obj.sval]
        else:
            names = _names(obj)
        args = {"concurrently": bool(stmt.concurrent), "if_exists": bool(stmt.missing_ok)}
        if kind == Kind.DROP_TRIGGER:  # (table, trigger)
            ops.append({"kind": kind, "table": names[-2] if len(names) > 1 else None, "name": names[-1], "args": args})
        elif kind == Kind.DROP_TABLE:
            schema = {"schema": names[-2]} if len(names) > 1 else {}
            ops.append({"kind": kind, "table": names[-1] if names else None, "args": {**args, **schema}})
        else:
            ops.append({"kind": kind, "name": names[-1] if names else None, "args": args})
    return ops


# -- MySQL ALTER TABLE (sqlglot) -------------------------------------------------------------------------


@lru_cache(maxsize=1024)
def _mysql_ops(text: str) -> tuple[tuple[tuple[str, Any], ...], ...] | None:
    """MySQL `ALTER TABLE` statements that pglast rejects (`MODIFY`, `CHANGE`, `ALGORITHM=`, `LOCK=`).

    sqlglot is imported here only, on the first such statement: it costs a quarter of a second, which a
    PostgreSQL project never pays.
    """
    try:
        import sqlglot
        from sqlglot import exp
    except ImportError:  # pragma: no cover - sqlglot is a declared dependency
        return None
    try:
        tree = sqlglot.parse_one(text, read="mysql")
    except Exception:  # sqlglot raises several error types; any of them means "not readable"
        return None
    if not isinstance(tree, exp.Alter) or not isinstance(tree.this, exp.Table):
        return None
    table = tree.this.name
    options: dict[str, str] = {}
    for option in tree.args.get("options") or ():
        if isinstance(option, exp.AlgorithmProperty):
            options["mysql_algorithm"] = option.this.name.upper()
        elif isinstance(option, exp.LockProperty):
            options["mysql_lock"] = option.this.name.upper()
        elif isinstance(option, exp.AutoIncrementProperty):  # `AUTO_INCREMENT = n` moves the table's counter
            options["mysql_auto_increment"] = option.this.name
    out: list[dict[str, Any]] = []
    for action in tree.args.get("actions") or ():
        if isinstance(action, exp.ColumnDef):
            out.append({"kind": Kind.ADD_COLUMN, "column": action.name, "args": _mysql_column(action)})
        elif isinstance(action, exp.ModifyColumn) and isinstance(action.this, exp.ColumnDef):
            column = action.this
            renamed = action.args.get("rename_from")
            if renamed is not None and renamed.name != column.name:
                out.append({"kind": Kind.RENAME_COLUMN, "column": renamed.name, "new_name": column.name})
            out.append({"kind": Kind.ALTER_COLUMN, "column": column.name, "args": {"type": _mysql_type(column)}})
        elif isinstance(action, exp.Drop) and action.args.get("kind") == "COLUMN":
            for dropped in action.args.get("tables") or ():
                out.append({"kind": Kind.DROP_COLUMN, "column": dropped.name})
        else:
            out.append({"kind": Kind.OTHER_SQL, "args": {"statement": type(action).__name__}})
    if not out:
        out.append({"kind": Kind.OTHER_SQL, "args": {"statement": "Alter"}})
    for item in out:
        item["table"] = table
        item["args"] = {**item.get("args", {}), **options, "dialect": "mysql"}
    return tuple(tuple(item.items()) for item in out)


def _mysql_statement(text: str) -> list[dict[str, Any]] | None:
    ops = _mysql_ops(text)
    return None if ops is None else [dict(item) for item in ops]


def _mysql_column(column: Any) -> dict[str, Any]:
    """What an added MySQL column declares that the lock rules read: its type, the functions its DEFAULT
    calls (`DEFAULT (uuid())`), and AUTO_INCREMENT, which fills every existing row."""
    from sqlglot import exp

    info: dict[str, Any] = {"type": _mysql_type(column)}
    default = column.find(exp.DefaultColumnConstraint)
    if default is not None:
        info["server_default"] = True
        functions = (f.name if isinstance(f, exp.Anonymous) else f.sql_name() for f in default.find_all(exp.Func))
        info["default_functions"] = tuple(name.lower() for name in functions if name)
    if column.find(exp.AutoIncrementColumnConstraint) is not None:
        info["generated"] = "auto_increment"
    return info


def _mysql_type(column: Any) -> dict[str, Any] | None:
    from sqlglot import exp

    kind = column.args.get("kind")
    if not isinstance(kind, exp.DataType):
        return None
    args: list[Any] = []
    for param in kind.expressions:
        literal = param.this if isinstance(param, exp.DataTypeParam) else param
        if isinstance(literal, exp.Literal):
            args.append(literal.this if literal.is_string else int(literal.this))
    return {"name": kind.this.name.lower(), "args": tuple(args)}
