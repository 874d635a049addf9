"""MRT8xx — raw SQL and transaction semantics: what `op.execute` / `RunSQL` do that no other rule reads.

Raw SQL is parsed into the same operations as Alembic and Django calls, so drops of tables, columns,
indexes, views, triggers' creation and the like are already reported by the data-loss, asymmetry and
leftover families. These rules cover the rest: destructive SQL that nothing else reports, SQL built with
string formatting, and transaction control statements inside the migration's own transaction.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from functools import lru_cache

from mrt.config import MRTConfig
from mrt.dialect import MYSQL, POSTGRESQL, SQLITE, branch_dialects, target_dialect
from mrt.findings import ERROR, WARNING
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation, Span
from mrt.model.pyexpr import PLACEHOLDER, last_name
from mrt.rules.lock_context import in_transaction, one_per_call
from mrt.rules.matching import downgrade, explicit_upgrade_ops, same
from mrt.rules.registry import RAW_SQL, Hit, RuleDocs, hit, rule

_DROPS = {
    Kind.DROP_TRIGGER: "Trigger",
    Kind.DROP_FUNCTION: "Function",
    Kind.DROP_TYPE: "Type",
    Kind.DROP_SEQUENCE: "Sequence",
    Kind.DROP_EXTENSION: "Extension",
}
# ALTER TABLE switches whose inverse, later in the same upgrade, undoes them (disable triggers for a backfill).
_TOGGLES = {
    "AT_DisableTrig": "AT_EnableTrig",
    "AT_EnableTrig": "AT_DisableTrig",
    "AT_DisableTrigAll": "AT_EnableTrigAll",
    "AT_EnableTrigAll": "AT_DisableTrigAll",
    "AT_DisableTrigUser": "AT_EnableTrigUser",
    "AT_EnableTrigUser": "AT_DisableTrigUser",
    "AT_EnableRowSecurity": "AT_DisableRowSecurity",
    "AT_DisableRowSecurity": "AT_EnableRowSecurity",
    "AT_ForceRowSecurity": "AT_NoForceRowSecurity",
    "AT_NoForceRowSecurity": "AT_ForceRowSecurity",
}


def _toggle_undone(m: MigrationAST, op: Operation) -> bool:
    """A switch paired with its inverse on the same side (DISABLE TRIGGER ... backfill ... ENABLE TRIGGER)."""
    inverse = _TOGGLES.get(str(op.args.get("statement")))
    return inverse is not None and any(
        other.side == op.side and other.args.get("statement") == inverse and same(other.table, op.table)
        for other in m.ops
    )


def _undone_by_downgrade(m: MigrationAST, op: Operation) -> bool:
    down = downgrade(m)
    if op.kind == Kind.DROP_EXTENSION:
        return any(d.kind == Kind.CREATE_EXTENSION and same(d.name, op.name) for d in down)
    if op.kind in _DROPS:
        return down.recreates(op)
    if op.args.get("drop") == "SCHEMA":
        pattern = re.compile(rf"\bCREATE\s+SCHEMA\b[^;]*\b{re.escape(op.name or '')}\b", re.IGNORECASE)
        return any(d.sql and pattern.search(d.sql) for d in down)
    inverse = _TOGGLES.get(str(op.args.get("statement")))
    return any(d.args.get("statement") == inverse and same(d.table, op.table) for d in down)


def _lost_with_data(m: MigrationAST, config: MRTConfig, op: Operation) -> str | None:
    """What a DROP DATABASE, or a DROP SCHEMA that takes its tables along, loses for good: a downgrade can only
    re-create the container empty, so (like MRT202 for DROP TABLE) no downgrade counts as a restore. A plain
    DROP SCHEMA on PostgreSQL drops an empty schema only (it refuses otherwise); on MySQL a schema is a database
    and goes with its tables."""
    drop = op.args.get("drop")
    if drop == "DATABASE":
        return f"Database {op.name!r} is dropped with every table in it and their rows"
    if drop != "SCHEMA":
        return None
    schemas = op.args.get("schemas") or (op.name,)
    dropped = ("Schemas " if len(schemas) > 1 else "Schema ") + ", ".join(repr(name) for name in schemas)
    dropped += " are dropped" if len(schemas) > 1 else " is dropped"
    contents = "every table in them" if len(schemas) > 1 else "every table in it"
    if op.args.get("cascade"):
        return f"{dropped} with CASCADE: {contents} and their rows are lost"
    if target_dialect(m, config) == MYSQL:
        return f"{dropped} (on MySQL a schema is a database): {contents} and their rows are lost"
    return None


def _destructive(op: Operation) -> str | None:
    if op.kind in _DROPS:
        return f"{_DROPS[op.kind]} {op.name!r} is dropped"
    if op.kind == Kind.OTHER_SQL and op.args.get("drop") == "SCHEMA":
        return f"Schema {op.name!r} is dropped"
    statement = str(op.args.get("statement") or "")
    if op.kind == Kind.OTHER_SQL and statement in _TOGGLES and op.table:
        subject = "Triggers on" if "Trig" in statement else "Row security on"
        verb = "are" if "Trig" in statement else "is"
        state = statement[3:].split("Trig")[0].split("RowSecurity")[0].lower().replace("noforce", "unforce")
        return f"{subject} {op.table!r} {verb} {state}d"
    return None


@rule(
    code="MRT801",
    name="Destructive raw SQL without reverse",
    category=RAW_SQL,
    severity=WARNING,
    needs_downgrade=True,
    docs=RuleDocs(
        what="Raw SQL in the upgrade (`op.execute`, `conn.execute`, RunSQL with a reverse) that drops a trigger, "
        "function, type, sequence, extension or schema, or switches triggers / row security off or on, when "
        "neither the rest of the upgrade nor the downgrade puts it back. `DROP DATABASE`, `DROP SCHEMA ... CASCADE` "
        "and (on MySQL, where a schema is a database) any `DROP SCHEMA` are reported whatever the downgrade does: "
        "they drop every table inside with its rows, and a `CREATE SCHEMA` in the downgrade brings back an empty "
        "schema. A plain `DROP SCHEMA` on PostgreSQL only succeeds on an empty schema, so re-creating it is a "
        "restore. Drops of tables, columns, indexes, constraints and views are reported by MRT2xx/MRT4xx instead.",
        why="After a rollback the old application runs without the trigger, function or type it relied on (or "
        "with triggers it expects to be off): writes fail or silently skip their side effects. A dropped database "
        "or schema takes its tables' rows along, and no rollback returns them.",
        instead="Re-create the object (with its old definition) in the downgrade, or switch the setting back.",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.execute("DROP FUNCTION touch_updated_at()")\n\n\n'
        "def downgrade():\n"
        "    pass\n\n\n"
        "# Django\n"
        'migrations.RunSQL("DROP FUNCTION touch_updated_at()", migrations.RunSQL.noop)\n',
        fixed="# Alembic\n"
        "def downgrade():\n"
        '    op.execute("CREATE FUNCTION touch_updated_at() RETURNS trigger AS $$ ... $$ LANGUAGE plpgsql")\n\n\n'
        "# Django\n"
        "migrations.RunSQL(\n"
        '    "DROP FUNCTION touch_updated_at()",\n'
        '    reverse_sql="CREATE FUNCTION touch_updated_at() RETURNS trigger AS $$ ... $$ LANGUAGE plpgsql",\n'
        ")\n",
    ),
    summary="Raw SQL drops a trigger, function, type, sequence, extension or schema and the downgrade does not "
    "restore it, or drops a database or a schema with its tables.",
)
def destructive_sql(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    yield from one_per_call(_destructive_hits(m, config))


def _destructive_hits(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in explicit_upgrade_ops(m):
        if op.origin != "sql" or op.new_table:
            continue
        lost = _lost_with_data(m, config, op)
        if lost:
            yield hit(op, f"{lost}; no downgrade can bring them back, whatever it re-creates")
            continue
        if op.args.get("reverse") == "noop":
            continue  # RunSQL(reverse_sql=RunSQL.noop) is a deliberate "nothing to restore"
        what = _destructive(op)
        if what and not _toggle_undone(m, op) and not _undone_by_downgrade(m, op):
            yield hit(op, f"{what} by raw SQL and the downgrade does not restore it")


_QUOTED = re.compile(rf"'[^']*{PLACEHOLDER}[^']*'")
_VALUE_POSITION = re.compile(rf"(?:[=<>]|\bLIKE|\bIN\s*\(|\bVALUES\s*\(|,)\s*{PLACEHOLDER}\b", re.IGNORECASE)
_DATA_KINDS = frozenset({Kind.UPDATE, Kind.DELETE, Kind.INSERT, Kind.SELECT, Kind.RAW_SQL})


def _interpolates_values(op: Operation) -> bool:
    """A value, not an identifier, is spliced into the SQL text: inside quotes, or compared / inserted."""
    text = op.sql or ""
    if _QUOTED.search(text):
        return True
    return op.kind in _DATA_KINDS and _VALUE_POSITION.search(text) is not None


def _call_source(source: str, span: Span) -> str:
    """The text of the call at `span` (ast columns count UTF-8 bytes)."""
    lines = source.splitlines()[span.line - 1 : span.end_line]
    if not lines:
        return ""
    if len(lines) == 1:
        return lines[0].encode()[span.column : span.end_column].decode(errors="replace")
    first = lines[0].encode()[span.column :].decode(errors="replace")
    last = lines[-1].encode()[: span.end_column].decode(errors="replace")
    return "\n".join([first, *lines[1:-1], last])


def _interpolated(m: MigrationAST, op: Operation) -> list[ast.expr] | None:
    """The expressions spliced into the SQL of the call at `op`, or None when the call cannot be re-read."""
    try:
        tree = ast.parse(_call_source(m.source, op.span), mode="eval")
    except SyntaxError:
        return None
    found: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FormattedValue):
            found.append(node.value)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
            right = node.right
            found.extend(right.elts if isinstance(right, ast.Tuple) else [right])
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            found.extend(side for side in (node.left, node.right) if isinstance(side, (ast.Name, ast.Call)))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            found.extend([*node.args, *(kw.value for kw in node.keywords)])
    return found


_SAFE_CALLS = frozenset({"uuid4", "uuid1", "int", "len", "float"})


def _constant_like(expr: ast.expr, source: str) -> bool:
    """Literals, module-level literal constants, enum members / class attributes, ALL_CAPS names, numbers
    and UUIDs: none of them carries a quote into the SQL."""
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, ast.Call):
        return last_name(expr.func) in _SAFE_CALLS
    root: ast.expr = expr
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name):
        return False
    if root is expr:
        name = re.escape(root.id)
        literal_assignment = re.compile(rf"^{name}\s*(?::[^=\n]*)?=\s*['\"\d-]", re.MULTILINE)
        loop_over_constant = re.compile(rf"\bfor\b[^:\n]*\b{name}\b[^:\n]*\bin\s+_?[A-Z][A-Z0-9_]*\s*:")
        return root.id.isupper() or bool(literal_assignment.search(source) or loop_over_constant.search(source))
    name = root.id.lstrip("_")
    return name.isupper() or name[:1].isupper()


def _risky(m: MigrationAST, op: Operation) -> bool:
    if not _interpolates_values(op):
        return False
    spliced = _interpolated(m, op)
    return bool(spliced) and not all(_constant_like(e, m.source) for e in spliced)


@rule(
    code="MRT802",
    name="SQL built with string formatting",
    category=RAW_SQL,
    severity=WARNING,
    summary="Values are spliced into SQL text with an f-string, % or .format instead of bind parameters.",
    docs=RuleDocs(
        what="`op.execute`, `conn.execute` or RunSQL whose SQL is an f-string, a `%` / `.format()` template or a "
        "concatenation, where the interpolated part is a value (inside quotes, compared, or inserted), not a "
        "table or column name. Reported once per call.",
        why="Values read from the database in a data migration (names, labels, JSON) contain quotes sooner or "
        "later: the statement breaks or, worse, executes something else. Nothing escapes them.",
        instead="Pass values as bind parameters: `sa.text('... WHERE name = :name')` with `{'name': value}` "
        "(Alembic), `cursor.execute('... %s', [value])` or `RunSQL([(sql, params)])` (Django).",
        example="# Alembic\n"
        "for user_id, name in rows:\n"
        "    op.execute(f\"UPDATE users SET display = '{name}' WHERE id = {user_id}\")\n\n\n"
        "# Django\n"
        "def forwards(apps, schema_editor):\n"
        "    schema_editor.execute(\"UPDATE shop_user SET display = '%s'\" % name)\n",
        fixed="# Alembic\n"
        "for user_id, name in rows:\n"
        '    op.get_bind().execute(sa.text("UPDATE users SET display = :name WHERE id = :id"), {"name": name, "id": user_id})\n\n\n'
        "# Django\n"
        "def forwards(apps, schema_editor):\n"
        '    schema_editor.execute("UPDATE shop_user SET display = %s", [name])\n',
    ),
)
def formatted_sql(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    seen: set[Span] = set()
    for op in m.ops:
        if not op.args.get("formatted") or op.span in seen or not _risky(m, op):
            continue
        seen.add(op.span)
        yield hit(op, f"{op.call or 'SQL'}() builds SQL with string formatting: pass values as bind parameters")


_CONTROL = {
    "TRANS_STMT_BEGIN": "BEGIN",
    "TRANS_STMT_START": "START TRANSACTION",
    "TRANS_STMT_COMMIT": "COMMIT",
    "TRANS_STMT_ROLLBACK": "ROLLBACK",
    "TRANS_STMT_PREPARE": "PREPARE TRANSACTION",
    "TRANS_STMT_COMMIT_PREPARED": "COMMIT PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED": "ROLLBACK PREPARED",
}


@rule(
    code="MRT803",
    kinds=(Kind.TRANSACTION,),
    name="Transaction control inside a managed transaction",
    category=RAW_SQL,
    severity=ERROR,
    summary="BEGIN / COMMIT / ROLLBACK in migration SQL fight the transaction Alembic or Django already holds.",
    docs=RuleDocs(
        what="`BEGIN`, `START TRANSACTION`, `COMMIT`, `ROLLBACK` (or prepared-transaction commands) in "
        "`op.execute` outside `autocommit_block()`, or in RunSQL of an atomic Django migration. Where no "
        "transaction is managed (inside `autocommit_block()`, or with `atomic = False`), a `BEGIN` that no later "
        "`COMMIT` or `ROLLBACK` ends. SAVEPOINTs are fine and not reported.",
        why="The framework runs the migration in its own transaction. A COMMIT in the middle makes the first half "
        "permanent even if the rest fails (no clean retry), and the version table is then updated in a different "
        "transaction; a BEGIN only produces a warning and is then committed by the framework. Outside a managed "
        "transaction, a BEGIN that nothing commits leaves a transaction open: the statements after it are not "
        "autocommitted (a CONCURRENTLY index build fails in it), and what they did is committed or rolled back by "
        "whoever ends the connection.",
        instead="Alembic: put statements that must run outside a transaction (CONCURRENTLY, `ALTER TYPE ... ADD "
        "VALUE` before PostgreSQL 12) in `with op.get_context().autocommit_block():`. Django: `atomic = False` "
        "on the migration. Where you open a transaction yourself, end it with `COMMIT` after its statements.",
        example="# Alembic\n"
        'op.execute("COMMIT")\n'
        "op.execute(\"ALTER TYPE status ADD VALUE 'archived'\")\n\n"
        "# Django\n"
        "migrations.RunSQL(\"COMMIT; ALTER TYPE status ADD VALUE 'archived'\", migrations.RunSQL.noop)\n",
        fixed="# Alembic\n"
        "with op.get_context().autocommit_block():\n"
        "    op.execute(\"ALTER TYPE status ADD VALUE 'archived'\")\n\n\n"
        "# Django\n"
        "class Migration(migrations.Migration):\n"
        "    atomic = False\n"
        "    operations = [migrations.RunSQL(\"ALTER TYPE status ADD VALUE 'archived'\", migrations.RunSQL.noop)]\n",
    ),
)
def transaction_control(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.kind != Kind.TRANSACTION:
            continue
        statement = _CONTROL.get(str(op.args.get("transaction")))
        if statement is None or not in_transaction(m, op):
            continue
        where = "an atomic migration" if m.framework == DJANGO else "the revision's transaction"
        fix = "set atomic = False" if m.framework == DJANGO else "use op.get_context().autocommit_block()"
        side = "" if op.side == UPGRADE else " (downgrade)"
        yield hit(op, f"{statement} inside {where}{side} breaks the framework's transaction handling; {fix}")
    yield from _uncommitted(m)


_OPENS = frozenset({"TRANS_STMT_BEGIN", "TRANS_STMT_START"})
_ENDS = frozenset({"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"})


def _uncommitted(m: MigrationAST) -> Iterator[Hit]:
    """BEGINs that no later COMMIT / ROLLBACK ends where no transaction is managed (squawk's
    ban-uncommitted-transaction); one pass, the first unanswered BEGIN of each side reported."""
    open_begin: dict[str, Operation] = {}
    for op in m.ops:
        if op.kind != Kind.TRANSACTION or in_transaction(m, op):
            continue
        statement = str(op.args.get("transaction"))
        if statement in _OPENS:
            open_begin.setdefault(op.side, op)
        elif statement in _ENDS:
            open_begin.pop(op.side, None)
    for op in open_begin.values():
        side = "" if op.side == UPGRADE else " (downgrade)"
        yield hit(
            op,
            f"{_CONTROL[str(op.args.get('transaction'))]}{side} is never committed: the statements after it run in "
            "a transaction that nothing here ends; add COMMIT after them, or drop the BEGIN",
        )


# Statement types sqlglot builds when it recognises only the first keyword (`exp.Command`): not a reading.
_UNREAD = ("Command",)
_TEMPLATE = re.compile(rf"\b{PLACEHOLDER}\b|\$\d")
_SQLGLOT = {POSTGRESQL: "postgres"}
_NAMES = {MYSQL: "MySQL", SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}


@lru_cache(maxsize=1024)
def _read_by(sql: str, dialect: str) -> bool:
    """Whether sqlglot parses `sql` into statements it understands, in `dialect`. Imported here only, on the
    first statement PostgreSQL's grammar rejected: a quarter of a second no PostgreSQL project pays."""
    import logging  # here, not at the top: a static check without such SQL does not pay for logging's import

    import sqlglot
    from sqlglot.errors import ErrorLevel

    log = logging.getLogger("sqlglot")
    level = log.level
    log.setLevel(logging.ERROR)  # its "falling back to a Command" warning is this rule's finding, not a log line
    try:
        parsed = sqlglot.parse(sql, read=_SQLGLOT.get(dialect, dialect), error_level=ErrorLevel.RAISE)
    except Exception:  # sqlglot raises several error types; all mean "not readable"
        return False
    finally:
        log.setLevel(level)
    return all(statement is not None and type(statement).__name__ not in _UNREAD for statement in parsed)


def _dialects(m: MigrationAST, config: MRTConfig, op: Operation) -> tuple[str, ...]:
    """The engines the statement may run on: its `if dialect...` branch, the project's target, or any."""
    branch = branch_dialects(op.condition)
    if branch:
        return tuple(sorted(branch))
    target = target_dialect(m, config)
    return (target,) if target else (POSTGRESQL, MYSQL, SQLITE)


@rule(
    code="MRT805",
    kinds=(Kind.RAW_SQL,),
    name="Raw SQL mrt cannot parse",
    category=RAW_SQL,
    severity=WARNING,
    summary="SQL in the migration that no parser mrt has can read: no rule checks it, and it may not run at all.",
    docs=RuleDocs(
        what="A literal SQL statement (`op.execute`, `conn.execute`, RunSQL) that PostgreSQL's own grammar "
        "rejects and, unless the project targets PostgreSQL, that sqlglot cannot read as MySQL or SQLite either "
        "(its `if dialect ...` branch or the project's `dialect` narrows the choice). Statements built with "
        "string formatting or bind parameters are templates and not judged; SQL mrt cannot see at all (a "
        "variable, a call) is left to MRT104.",
        why="Either the statement has a typo and the migration fails at deploy time (on PostgreSQL halfway "
        "through the revision's transaction, on MySQL after the DDL before it is committed), or it is valid "
        "in a dialect mrt cannot read, and then no rule looks at what it drops, locks or rewrites: the "
        "finding says where mrt is blind.",
        instead="Fix the statement; if it is valid for your database, write it with Alembic or Django "
        "operations where you can, or suppress the finding on that line with the reason.",
        example="# Alembic\n"
        'op.execute("ALTER TABLE orders ADD COLUM note text")\n\n'
        "# Django\n"
        "migrations.RunSQL(\"UPDATE shop_order SET note = '' WHER note IS NULL\", migrations.RunSQL.noop)\n",
        fixed="# Alembic\n"
        'op.execute("ALTER TABLE orders ADD COLUMN note text")\n\n'
        "# Django\n"
        "migrations.RunSQL(\"UPDATE shop_order SET note = '' WHERE note IS NULL\", migrations.RunSQL.noop)\n",
    ),
)
def sql_does_not_parse(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in m.ops:
        if op.kind != Kind.RAW_SQL or not op.sql or op.args.get("formatted") or _TEMPLATE.search(op.sql):
            continue
        dialects = _dialects(m, config, op)
        others = [d for d in dialects if d != POSTGRESQL]
        if any(_read_by(op.sql, d) for d in others):
            continue
        if dialects == (POSTGRESQL,):
            message = "PostgreSQL's grammar rejects this SQL: the migration fails when it runs"
        else:
            readers = " or ".join(_NAMES[d] for d in others)
            message = (
                f"mrt cannot parse this SQL (neither PostgreSQL's grammar nor sqlglot as {readers} reads it): no rule "
                "checks what it does, and a typo in it fails the migration when it runs"
            )
        yield hit(op, f"{message}: {_excerpt(op.sql)}")


def _excerpt(sql: str) -> str:
    text = " ".join(sql.split())
    return repr(text if len(text) <= 60 else text[:57] + "...")
