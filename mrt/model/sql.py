"""Raw SQL into operations, with PostgreSQL's own parser (pglast, i.e. libpg_query).

Why pglast: most raw SQL in real migrations is PostgreSQL, and the lock and reversibility rules hinge
on details a generic parser gets wrong or gives up on (`CONCURRENTLY`, `NOT VALID`, `VALIDATE
CONSTRAINT`, `ALTER TYPE ... ADD VALUE`, `VACUUM FULL`); libpg_query is the server's grammar and parses
in microseconds. It is called through `mrt.model.libpg_query`, which loads the library pglast ships
without importing pglast's Python modules (see there why). SQL it cannot parse (another dialect, a template) stays an
opaque `raw_sql` operation: rules treat it as unknown, and nothing crashes.

Statements are read from libpg_query's JSON (plain dicts and lists), not from `pglast.parse_sql`'s node
objects: those are built in Python one validated attribute at a time, five times the cost of the JSON and
`json.loads` together. The JSON names nodes and fields as pglast.ast does, with three differences the helpers below rely on: a
node is a one-key dict, `{"ColumnDef": {...fields}}`, except in a field typed with one node type
(`relation`, `typeName`, `into`), which holds the fields alone; a `List` node is `{"List": {"items":
[...]}}`; and false, 0, NULL and empty fields are left out, so every read is a `.get` with pglast's default.
Enums are their names (`"AT_AddColumn"`), always written.

The library is loaded on the first SQL string, never on the static path of a file without SQL.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from mrt.model.libpg_query import SqlSyntaxError, parse_json, split_with_scanner
from mrt.model.ops import Kind, Operation, Span
from mrt.model.pyexpr import PLACEHOLDER

# One parse-tree node or node body from libpg_query's JSON (see the module docstring).
Node = dict[str, Any]

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
def _parse_statements(text: str) -> tuple[tuple[str, Node | None], ...]:
    """(statement text, parsed statement or None) for each statement in `text`. Cached: histories
    repeat the same SQL strings, and the LSP re-analyses the same buffer on every keystroke."""
    prepared = _BIND_PARAM.sub("$1", text)
    try:
        return tuple(
            (_slice(prepared, raw.get("stmt_location", 0), raw.get("stmt_len", 0)).strip(), raw["stmt"])
            for raw in _parse(prepared)
        )
    except SqlSyntaxError:
        pass
    out: list[tuple[str, Node | None]] = []
    for piece in _split(prepared):
        try:
            parsed = _parse(piece)
        except SqlSyntaxError:
            out.append((piece, None))
            continue
        out.extend((piece, raw["stmt"]) for raw in parsed)
    return tuple(out)


def _parse(text: str) -> list[Node]:
    """libpg_query's RawStmt list for `text`; raises SqlSyntaxError."""
    import json

    stmts: list[Node] = json.loads(parse_json(text)).get("stmts", [])
    return stmts


def _slice(text: str, location: int, length: int) -> str:
    # libpg_query reports byte offsets; for ASCII text they are character offsets.
    if not text.isascii():
        data = text.encode("utf-8")
        end = len(data) if length == 0 else location + length
        return data[location:end].decode("utf-8", "replace")
    return text[location:] if length == 0 else text[location : location + length]


def _split(text: str) -> list[str]:
    try:
        pieces = split_with_scanner(text + ";")
    except SqlSyntaxError:
        pieces = [text]
    return [piece.strip() for piece in pieces if piece.strip()]


# -- statement translation ---------------------------------------------------------------------------


def _unwrap(node: Node) -> tuple[str, Node]:
    """A node's type and fields: `{"ColumnDef": {...}}` -> ("ColumnDef", {...})."""
    ((kind, fields),) = node.items()
    return kind, fields


def _items(node: Node | None) -> list[Node]:
    """The elements of a `List` node (a qualified name, `(table, column)`); nothing for any other node."""
    body = node.get("List") if node else None
    return body.get("items", []) if body is not None else []


def _names(items: list[Node] | None) -> list[str]:
    return [item["String"].get("sval", "") for item in items or () if "String" in item]


def _qualified(items: list[Node] | None) -> str | None:
    names = _names(items)
    return names[-1] if names else None


def _relation(rel: Node) -> dict[str, Any]:
    """A table's schema as written (`billing.invoices`), and whether it is a temporary table: an unqualified
    name is found through the session's search_path (the schema rule reads this)."""
    out: dict[str, Any] = {}
    if rel.get("schemaname"):
        out["schema"] = rel["schemaname"]
    if rel.get("relpersistence") == "t":
        out["temporary"] = True
    return out


def _type_of(type_name: Node | None) -> dict[str, Any] | None:
    if type_name is None:
        return None
    names = [n for n in _names(type_name.get("names")) if n != "pg_catalog"]
    mods = tuple(_integer(mod) for mod in type_name.get("typmods", ()))
    return {"name": names[-1] if names else "?", "args": mods, "array": bool(type_name.get("arrayBounds"))}


def _integer(node: Node) -> int | None:
    """The value of an integer constant (`varchar(20)`'s 20), None for any other expression."""
    const = node.get("A_Const")
    value = const.get("ival") if const is not None else None
    return value.get("ival", 0) if value is not None else None


def _column_def(coldef: Node) -> dict[str, Any]:
    info: dict[str, Any] = {"name": coldef.get("colname"), "type": _type_of(coldef.get("typeName")), "nullable": True}
    for item in coldef.get("constraints", ()):
        constraint = item["Constraint"]
        kind = constraint.get("contype")
        if kind == "CONSTR_NOTNULL":
            info["nullable"] = False
        elif kind == "CONSTR_PRIMARY":
            info["nullable"] = False
            info["primary_key"] = True
        elif kind == "CONSTR_DEFAULT":
            info["server_default"] = True
            info["default_functions"] = _function_names(constraint.get("raw_expr"))
        elif kind == "CONSTR_UNIQUE":
            info["unique"] = True
        elif kind == "CONSTR_FOREIGN":
            info["foreign_key"] = True
        elif kind == "CONSTR_IDENTITY":
            info["generated"] = "identity"
        elif kind == "CONSTR_GENERATED":
            info["generated"] = "stored"
    return info


def _table_keys(elements: list[Node]) -> dict[str, Any]:
    """Table-level keys of a CREATE TABLE: the column lists of its FOREIGN KEYs, and of the PRIMARY KEY /
    UNIQUE constraints, whose implicit index serves lookups on their leading column."""
    out: dict[str, Any] = {}
    foreign: list[tuple[str, ...]] = []
    indexed: list[tuple[str, ...]] = []
    for element in elements:
        constraint = element.get("Constraint")
        if constraint is None:
            continue
        kind = constraint.get("contype")
        if kind == "CONSTR_FOREIGN":
            foreign.append(tuple(_names(constraint.get("fk_attrs"))))
        elif kind in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
            indexed.append(tuple(_names(constraint.get("keys"))))
            if kind == "CONSTR_PRIMARY":
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


def _translate_statement(node: Node) -> list[dict[str, Any]]:
    name, stmt = _unwrap(node)
    if name == "AlterTableStmt":
        return _alter_table(stmt)
    if name == "RenameStmt":
        rtype = stmt.get("renameType")
        relation = stmt.get("relation")
        table = relation["relname"] if relation else None
        where = _relation(relation) if relation else {}
        if rtype == "OBJECT_COLUMN":
            return [
                {
                    "kind": Kind.RENAME_COLUMN,
                    "table": table,
                    "column": stmt.get("subname"),
                    "new_name": stmt.get("newname"),
                    "args": where,
                }
            ]
        if rtype == "OBJECT_TABLE":
            return [{"kind": Kind.RENAME_TABLE, "table": table, "new_name": stmt.get("newname"), "args": where}]
        if rtype == "OBJECT_INDEX":
            return [{"kind": Kind.RENAME_INDEX, "name": table, "new_name": stmt.get("newname")}]
        if rtype == "OBJECT_SCHEMA":  # for the rolling-deploy rule: every table moves with it
            return [
                {
                    "kind": Kind.OTHER_SQL,
                    "name": stmt.get("subname"),
                    "new_name": stmt.get("newname"),
                    "args": {"rename": "SCHEMA"},
                }
            ]
        return [{"kind": Kind.OTHER_SQL}]
    if name == "DropStmt":
        return _drop(stmt)
    if name == "IndexStmt":
        return [
            {
                "kind": Kind.CREATE_INDEX,
                "table": stmt["relation"]["relname"],
                "name": stmt.get("idxname"),
                "args": {
                    "concurrently": bool(stmt.get("concurrent")),
                    "unique": bool(stmt.get("unique")),
                    **({"if_not_exists": True} if stmt.get("if_not_exists") else {}),
                    "columns": tuple(_columns(stmt.get("indexParams"))),
                },
            }
        ]
    if name == "CreateStmt":
        elements = stmt.get("tableElts", [])
        columns = [_column_def(el["ColumnDef"]) for el in elements if "ColumnDef" in el]
        args = {"columns": columns, **_table_keys(elements), **_relation(stmt["relation"])}
        if stmt.get("if_not_exists"):
            args["if_not_exists"] = True
        return [{"kind": Kind.CREATE_TABLE, "table": stmt["relation"]["relname"], "args": args}]
    if name == "CreateTableAsStmt":
        kind = Kind.CREATE_VIEW if stmt.get("objtype") == "OBJECT_MATVIEW" else Kind.CREATE_TABLE
        rel = stmt["into"]["rel"]
        return [{"kind": kind, "table": rel["relname"], "name": rel["relname"], "args": _relation(rel)}]
    if name == "ViewStmt":
        args = {"replace": bool(stmt.get("replace"))}
        return [{"kind": Kind.CREATE_VIEW, "name": stmt["view"]["relname"], "args": args}]
    if name == "CreateSeqStmt":
        guard = {"if_not_exists": True} if stmt.get("if_not_exists") else {}
        return [{"kind": Kind.CREATE_SEQUENCE, "name": stmt["sequence"]["relname"], "args": guard}]
    if name == "AlterSeqStmt":
        return [{"kind": Kind.ALTER_SEQUENCE, "name": stmt["sequence"]["relname"]}]
    if name == "CreateTrigStmt":
        return [{"kind": Kind.CREATE_TRIGGER, "name": stmt.get("trigname"), "table": stmt["relation"]["relname"]}]
    if name == "CreateDomainStmt":
        checks = [c for c in stmt.get("constraints", ()) if c["Constraint"].get("contype") == "CONSTR_CHECK"]
        args = {"domain": True, "check": bool(checks)}
        return [{"kind": Kind.CREATE_TYPE, "name": _qualified(stmt.get("domainname")), "args": args}]
    if name == "CreateEnumStmt":
        return [{"kind": Kind.CREATE_TYPE, "name": _qualified(stmt.get("typeName"))}]
    if name == "CompositeTypeStmt":
        return [{"kind": Kind.CREATE_TYPE, "name": stmt["typevar"]["relname"]}]
    if name == "AlterEnumStmt":
        type_name = _qualified(stmt.get("typeName"))
        if stmt.get("oldVal"):
            return [{"kind": Kind.OTHER_SQL, "name": type_name, "args": {"enum_rename": True}}]
        # An empty label ('') is left out of the JSON like a missing one.
        return [{"kind": Kind.ADD_ENUM_VALUE, "name": type_name, "args": {"value": stmt.get("newVal", "")}}]
    if name == "CreateFunctionStmt":
        args = {"replace": bool(stmt.get("replace"))}
        return [{"kind": Kind.CREATE_FUNCTION, "name": _qualified(stmt.get("funcname")), "args": args}]
    if name == "CreateExtensionStmt":
        guard = {"if_not_exists": True} if stmt.get("if_not_exists") else {}
        return [{"kind": Kind.CREATE_EXTENSION, "name": stmt.get("extname"), "args": guard}]
    if name == "UpdateStmt":
        where = stmt.get("whereClause")
        args = {"where": where is not None, "set_columns": tuple(_columns(stmt.get("targetList")))}
        if _null_tests_only(where):  # `WHERE plan IS NULL`: the backfill idiom, every row still matches
            args["where_null_tests"] = True
        return [{"kind": Kind.UPDATE, "table": stmt["relation"]["relname"], "args": args}]
    if name == "DeleteStmt":
        args = {"where": "whereClause" in stmt}
        return [{"kind": Kind.DELETE, "table": stmt["relation"]["relname"], "args": args}]
    if name == "InsertStmt":
        return [{"kind": Kind.INSERT, "table": stmt["relation"]["relname"]}]
    if name == "TruncateStmt":
        return [{"kind": Kind.TRUNCATE, "table": rel["RangeVar"]["relname"]} for rel in stmt.get("relations", ())]
    if name == "TransactionStmt":
        return [{"kind": Kind.TRANSACTION, "args": {"transaction": stmt.get("kind")}}]
    if name == "SelectStmt":
        setval = next((call for call in _function_calls(node) if _qualified(call.get("funcname")) == "setval"), None)
        if setval is not None:
            return [{"kind": Kind.ALTER_SEQUENCE, "name": _literal_sequence(setval), "args": {"setval": True}}]
        return [{"kind": Kind.SELECT}]
    if name in ("VacuumStmt", "ClusterStmt", "ReindexStmt"):
        return [{"kind": Kind.MAINTENANCE, "args": {"statement": name}}]
    if name == "CommentStmt":
        return [_comment(stmt)]
    if name == "CreateSchemaStmt":  # for the asymmetry rule on schemas, extensions and policies
        guard = {"if_not_exists": True} if stmt.get("if_not_exists") else {}
        return [{"kind": Kind.OTHER_SQL, "name": stmt.get("schemaname"), "args": {"statement": name, **guard}}]
    if name == "CreatePolicyStmt":
        table = stmt["table"]["relname"] if stmt.get("table") else None
        args = {"statement": name}
        return [{"kind": Kind.OTHER_SQL, "name": stmt.get("policy_name"), "table": table, "args": args}]
    if name == "DropdbStmt":  # for the destructive raw-SQL rule: every table of the database goes
        return [{"kind": Kind.OTHER_SQL, "name": stmt.get("dbname"), "args": {"statement": name, "drop": "DATABASE"}}]
    return [{"kind": Kind.OTHER_SQL, "args": {"statement": name}}]


def _columns(items: list[Node] | None) -> Iterator[str]:
    """The named columns of an index's elements or an UPDATE's SET list (expressions have no name)."""
    for item in items or ():
        column = _unwrap(item)[1].get("name")
        if column:
            yield column


def _null_tests_only(where: Node | None) -> bool:
    """A WHERE made of `IS [NOT] NULL` tests only, alone or joined by AND / OR (no bound on which rows)."""
    if where is None:
        return False
    if "NullTest" in where:
        return True
    expr = where.get("BoolExpr")
    return expr is not None and all(_null_tests_only(arg) for arg in expr.get("args", ()))


def _comment(stmt: Node) -> dict[str, Any]:
    """`COMMENT ON TABLE t` / `COMMENT ON COLUMN t.c`: the commented table and column (other objects keep
    their last name only)."""
    names = _names(_items(stmt.get("object")))
    kind = stmt.get("objtype")
    if kind == "OBJECT_COLUMN" and len(names) >= 2:
        return {"kind": Kind.COMMENT, "table": names[-2], "column": names[-1]}
    if kind == "OBJECT_TABLE" and names:
        return {"kind": Kind.COMMENT, "table": names[-1]}
    return {"kind": Kind.COMMENT, "name": names[-1] if names else None}


def _function_names(expr: Node | None) -> tuple[str, ...]:
    """Functions an expression calls (`DEFAULT gen_random_uuid()` -> ("gen_random_uuid",)): volatile
    defaults rewrite the table, constant ones do not."""
    if expr is None:
        return ()
    names = (_qualified(call.get("funcname")) for call in _function_calls(expr))
    return tuple(name.lower() for name in names if name)


def _function_calls(root: Node) -> Iterator[Node]:
    """The fields of every FuncCall under `root`, breadth first.

    The order is pglast's Visitor's, which this replaced (the first `setval` and the order of
    `default_functions` depend on it): a node queues its fields that hold nodes or lists; a list, when
    its turn comes, hands over its nodes at once and queues the lists inside it. A `List` node counts as a
    list, and a field holding one node type's fields alone (`typeName`) as that node.
    """
    todo: deque[Any] = deque([root])
    while todo:
        item = todo.popleft()
        for node in item if isinstance(item, list) else (item,):
            if isinstance(node, list):
                todo.append(node)
                continue
            if len(node) == 1:
                ((kind, fields),) = node.items()
                if not kind[:1].isupper() or not isinstance(fields, dict):  # a one-field body: {"ival": 5}
                    kind, fields = "", node
            else:
                kind, fields = "", node
            if kind == "List":
                todo.append(fields.get("items", []))
                continue
            if kind == "FuncCall":
                yield fields
            for value in fields.values():
                if isinstance(value, list):
                    todo.append(value)
                elif isinstance(value, dict):
                    todo.append(_items(value) if "List" in value else value)


def _literal_sequence(setval: Node) -> str | None:
    """The sequence `setval('invoice_no', ...)` moves, when written as a literal (`'billing.invoice_no'::regclass`
    too): a sequence the same migration creates is then known to be new, and its position is not a change the
    downgrade has to undo. None for a computed name (`pg_get_serial_sequence(...)`)."""
    args = setval.get("args")
    first = args[0] if args else None
    if first is not None and "TypeCast" in first:
        first = first["TypeCast"].get("arg")
    const = first.get("A_Const") if first is not None else None
    value = const.get("sval") if const is not None else None  # a string constant's String node
    return value.get("sval", "").rsplit(".", 1)[-1] if value is not None else None


_IDENTITY_COMMANDS = ("AT_AddIdentity", "AT_SetIdentity", "AT_DropIdentity")


def _alter_table(stmt: Node) -> list[dict[str, Any]]:
    relation = stmt["relation"]
    table = relation["relname"]
    if stmt.get("objtype") == "OBJECT_INDEX":
        return [{"kind": Kind.OTHER_SQL, "name": table}]
    ops: list[dict[str, Any]] = []
    for item in stmt.get("cmds", ()):
        cmd = item["AlterTableCmd"]
        sub = cmd.get("subtype")
        definition = cmd.get("def")
        constraint = definition.get("Constraint") if definition is not None else None
        if sub == "AT_DropColumn":
            guard = {"if_exists": True} if cmd.get("missing_ok") else {}
            ops.append({"kind": Kind.DROP_COLUMN, "table": table, "column": cmd.get("name"), "args": guard})
        elif sub == "AT_AddColumn":
            info = _column_def(definition["ColumnDef"])
            if cmd.get("missing_ok"):
                info["if_not_exists"] = True
            ops.append({"kind": Kind.ADD_COLUMN, "table": table, "column": info["name"], "args": info})
        elif sub == "AT_AlterColumnType":
            args = {"type": _type_of(definition["ColumnDef"].get("typeName"))}
            ops.append({"kind": Kind.ALTER_COLUMN, "table": table, "column": cmd.get("name"), "args": args})
        elif sub == "AT_SetNotNull":
            args = {"nullable": False}
            ops.append({"kind": Kind.ALTER_COLUMN, "table": table, "column": cmd.get("name"), "args": args})
        elif sub == "AT_DropNotNull":
            args = {"nullable": True}
            ops.append({"kind": Kind.ALTER_COLUMN, "table": table, "column": cmd.get("name"), "args": args})
        elif sub == "AT_ColumnDefault":
            args = {"server_default": definition is not None}
            ops.append({"kind": Kind.ALTER_COLUMN, "table": table, "column": cmd.get("name"), "args": args})
        elif sub == "AT_AddConstraint" and constraint is not None:
            ctype = _CONSTRAINT_TYPES.get(constraint.get("contype"), "other")
            args = {"constraint_type": ctype, "not_valid": bool(constraint.get("skip_validation"))}
            if constraint.get("indexname"):
                args["using_index"] = constraint["indexname"]
            if ctype == "foreignkey":
                pktable = constraint.get("pktable")
                args["referent"] = pktable["relname"] if pktable else None
                args["columns"] = tuple(_names(constraint.get("fk_attrs")))
                args["ondelete"] = {"c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}.get(
                    constraint.get("fk_del_action")
                )
            ops.append(
                {"kind": Kind.CREATE_CONSTRAINT, "table": table, "name": constraint.get("conname"), "args": args}
            )
        elif sub == "AT_DropConstraint":
            ops.append({"kind": Kind.DROP_CONSTRAINT, "table": table, "name": cmd.get("name")})
        elif sub == "AT_ValidateConstraint":
            ops.append({"kind": Kind.VALIDATE_CONSTRAINT, "table": table, "name": cmd.get("name")})
        else:
            other: dict[str, Any] = {"kind": Kind.OTHER_SQL, "table": table, "args": {"statement": sub}}
            if sub in _IDENTITY_COMMANDS:
                other["column"] = cmd.get("name")  # for the sequence rule: the column whose numbering changes
            ops.append(other)
    if relation.get("schemaname"):
        for op in ops:
            op["args"] = {**op.get("args", {}), "schema": relation["schemaname"]}
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


def _object_names(obj: Node) -> list[str]:
    """The name parts of one dropped object: a qualified name, a type, a function's name, a bare name."""
    kind, fields = _unwrap(obj)
    if kind == "TypeName":
        return _names(fields.get("names"))
    if kind == "ObjectWithArgs":
        return _names(fields.get("objname"))
    if kind == "String":
        return [fields.get("sval", "")]
    return _names(fields.get("items")) if kind == "List" else []


def _drop(stmt: Node) -> list[dict[str, Any]]:
    object_type = stmt.get("removeType", "")
    objects: list[Node] = stmt.get("objects", [])
    kind = _DROP_KINDS.get(object_type)
    if kind is None:
        if object_type == "OBJECT_POLICY":  # DROP POLICY p ON t: the object is (..., t, p)
            names = _names(_items(objects[0])) if objects else []
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
            schemas = [obj["String"].get("sval", "") if "String" in obj else None for obj in objects]
            # CASCADE drops the tables inside too; without it PostgreSQL refuses to drop a non-empty schema.
            cascade = stmt.get("behavior") == "DROP_CASCADE"
            args = {"drop": object_type[7:], "cascade": cascade, "schemas": tuple(n for n in schemas if n)}
            return [{"kind": Kind.OTHER_SQL, "name": schemas[0] if schemas else None, "args": args}]
        return [{"kind": Kind.OTHER_SQL}]
    ops: list[dict[str, Any]] = []
    for obj in objects:
        names = _object_names(obj)
        args = {"concurrently": bool(stmt.get("concurrent")), "if_exists": bool(stmt.get("missing_ok"))}
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
