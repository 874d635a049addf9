"""What a DDL operation does to a live table: the lock it takes, whether it scans or rewrites, whether it
runs inside the migration's transaction, and whether the table existed before the migration.

Shared by the lock rules (`locks.py`), the rewrite rules (`rewrites.py`), and the rolling-deploy and raw-SQL
families. Precision comes from context the model already carries: a table created earlier in the same
migration is exempt (nobody can be waiting on it), `autocommit_block` and `atomic = False` decide whether
CONCURRENTLY can run, and the target dialect (configured, or read from alembic.ini / env.py / an
engine-named version directory) keeps PostgreSQL advice away from SQLite and MySQL trees.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator
from typing import Any

from mrt.config import MRTConfig
from mrt.dialect import may_be_postgresql, pg_version
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.rules.matching import same
from mrt.rules.registry import Hit

ACCESS_EXCLUSIVE = "ACCESS EXCLUSIVE"
SHARE = "SHARE"
SHARE_ROW_EXCLUSIVE = "SHARE ROW EXCLUSIVE"

AUTO_FIELDS = frozenset({"AutoField", "BigAutoField", "SmallAutoField"})
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"})
VOLATILE_FUNCTIONS = frozenset(
    {
        "random",
        "gen_random_uuid",
        "uuid_generate_v1",
        "uuid_generate_v1mc",
        "uuid_generate_v4",
        "uuidv4",
        "uuidv7",
        "clock_timestamp",
        "timeofday",
        "nextval",
        "randomuuid",  # Django's RandomUUID() db_default
    }
)


# -- shared context ----------------------------------------------------------------------------------------


def fresh_database(m: MigrationAST) -> bool:
    """A squashed (`replaces`) or `initial` Django migration only runs on a database where none of what it
    stands for exists yet: every table it touches is new, so lock and rolling-deploy rules do not apply."""
    return m.framework == DJANGO and (bool(m.replaces) or m.initial)


def per_call(check: Any) -> Any:
    """Decorate a lock rule: silent on fresh databases (above), and one finding per call (below)."""

    @functools.wraps(check)
    def grouped(m: MigrationAST, config: MRTConfig) -> list[Hit]:
        if fresh_database(m):
            return []
        hits = list(check(m, config))
        return hits if len(hits) < 2 else list(one_per_call(hits))  # a list: the analyzer reads it as it is

    return grouped


def one_per_call(hits: Iterable[Hit]) -> Iterator[Hit]:
    """Several statements in one `op.execute("...")` string share its span: the first finding stands for
    all of them and says how many more there are."""
    pending: Hit | None = None
    more = 0
    for found in hits:
        if pending is not None and found.span == pending.span:
            more += 1
            continue
        if pending is not None:
            yield _with_more(pending, more)
        pending, more = found, 0
    if pending is not None:
        yield _with_more(pending, more)


def _with_more(found: Hit, more: int) -> Hit:
    if not more:
        return found
    return dataclasses.replace(found, message=f"{found.message} (+{more} more in the same statement)")


def existing(op: Operation) -> bool:
    """An upgrade operation on a table that existed before this migration (locks only matter there)."""
    return op.side == UPGRADE and not op.new_table


def in_transaction(m: MigrationAST, op: Operation) -> bool:
    """Alembic wraps each revision in a transaction unless the op sits in `autocommit_block()`;
    Django wraps a migration unless it declares `atomic = False`."""
    if m.framework == DJANGO:
        return m.atomic
    return not op.autocommit


def on_postgresql(m: MigrationAST, config: MRTConfig, op: Operation) -> bool:
    """`may_be_postgresql` for `op`; most operations sit in no `if`, and then the answer is the file's,
    asked by a dozen rules per operation: kept per file (with the settings it was computed for), and read here
    without the calls below (about fourteen questions per file)."""
    if op.condition is None:
        cached = m.derived.get("may_be_postgresql")
        if isinstance(cached, tuple) and cached[0] is config:
            return bool(cached[1])
    return condition_on_postgresql(m, config, op.condition)


def condition_on_postgresql(m: MigrationAST, config: MRTConfig, condition: str | None) -> bool:
    """`on_postgresql` for an operation's `condition` alone (facts a batch keeps hold no operations)."""
    if condition is not None:
        return may_be_postgresql(m, config, condition)
    cached = m.derived.get("may_be_postgresql")
    if isinstance(cached, tuple) and cached[0] is config:
        return bool(cached[1])
    answer = may_be_postgresql(m, config)
    m.derived["may_be_postgresql"] = (config, answer)
    return answer


def recipe(m: MigrationAST, alembic: str, django: str) -> str:
    return django if m.framework == DJANGO else alembic


def quoted_table(op: Operation) -> str:
    return repr(op.table) if op.table else "the table"


def qualified_column(op: Operation) -> str:
    return f"{op.table}.{op.column}" if op.table and op.column else repr(op.column or op.table or "?")


def is_m2m(op: Operation) -> bool:
    return bool(op.args.get("m2m"))


def type_name(op: Operation) -> str:
    t = op.args.get("type")
    return (t.get("name") or "").lower() if isinstance(t, dict) else ""


def index_recipe(m: MigrationAST, op: Operation) -> str:
    if op.origin == "sql":  # raw SQL keeps being raw SQL: only the keyword and the transaction change
        return recipe(
            m,
            "write CREATE INDEX CONCURRENTLY inside `with op.get_context().autocommit_block():`",
            "write CREATE INDEX CONCURRENTLY in a migration with `atomic = False`",
        )
    return recipe(
        m,
        "create it with `postgresql_concurrently=True` inside `with op.get_context().autocommit_block():`",
        "use `AddIndexConcurrently` (django.contrib.postgres.operations) in a migration with `atomic = False`",
    )


def emptied_before(m: MigrationAST, op: Operation) -> bool:
    """The upgrade empties `op`'s table first (TRUNCATE, DELETE without WHERE): no row needs a value."""
    for other in m.ops:
        if other is op:
            return False
        empties = other.kind == Kind.TRUNCATE or (other.kind == Kind.DELETE and other.args.get("where") is False)
        if empties and other.side == op.side and same(other.table, op.table):
            return True
    return False


def builds_unique(op: Operation) -> bool:
    """A UNIQUE / PRIMARY KEY / EXCLUDE constraint built in place (not from an existing index)."""
    if op.kind == Kind.CREATE_CONSTRAINT:
        if op.args.get("constraint_type") not in ("unique", "primary", "exclude", "UniqueConstraint"):
            return False
        return not op.args.get("using_index") and not op.args.get("empty")
    return op.kind == Kind.ADD_COLUMN and bool(op.args.get("unique")) and not is_m2m(op)


def builds_index(op: Operation) -> str | None:
    """Why `op` builds a (non-concurrent) index: an explicit index, or the implicit one of a column."""
    args = op.args
    if op.kind == Kind.CREATE_INDEX:
        if args.get("concurrently") or args.get("empty"):
            return None
        return "index_together" if args.get("together") else "index"
    if op.kind != Kind.ADD_COLUMN or is_m2m(op) or builds_unique(op):
        return None
    if args.get("index") or args.get("db_index") is True:
        return "db_index"
    if op.origin == "django" and args.get("relation") and args.get("db_index") is not False:
        return "foreign key"
    return None


def is_reindex(op: Operation) -> bool:
    return op.kind == Kind.MAINTENANCE and op.args.get("statement") == "ReindexStmt"


def is_detach(op: Operation) -> bool:
    return op.kind == Kind.OTHER_SQL and op.args.get("statement") == "AT_DetachPartition"


def says(op: Operation, word: str) -> bool:
    return bool(op.sql) and re.search(rf"\b{word}\b", op.sql or "", re.IGNORECASE) is not None


def sets_not_null(op: Operation) -> bool:
    """ALTER COLUMN ... SET NOT NULL on a column that may hold NULLs."""
    if op.kind != Kind.ALTER_COLUMN or op.args.get("nullable") is not False:
        return False
    if op.args.get("existing_nullable") is False:
        return False  # already NOT NULL: autogenerate repeats it beside a type change
    if op.origin == "django":
        # makemigrations asks for a one-off default (preserve_default=False) exactly when NULLs must be filled
        return op.args.get("preserve_default") is False
    return True


_DOMAIN_CONSTRAINT = re.compile(r"\bADD\b(?:(?!\bNOT\s+VALID\b).)*$", re.IGNORECASE | re.DOTALL)


def validates_constraint(op: Operation) -> str | None:
    """'foreign key', 'check' or 'domain' when `op` adds a constraint PostgreSQL validates immediately."""
    if op.kind == Kind.OTHER_SQL and op.args.get("statement") == "AlterDomainStmt":
        return "domain" if op.sql and _DOMAIN_CONSTRAINT.search(op.sql) and "CONSTRAINT" in op.sql.upper() else None
    if op.kind == Kind.CREATE_CONSTRAINT and not op.args.get("not_valid"):
        ctype = op.args.get("constraint_type")
        if ctype == "foreignkey":
            return "foreign key"
        if ctype in ("check", "CheckConstraint"):
            return "check"
        return None
    if op.kind == Kind.ADD_COLUMN and op.args.get("foreign_key") and not is_m2m(op):
        if op.origin == "django" and (op.args.get("db_constraint") is False or builds_index(op)):
            return None  # no constraint, or MRT407 reports the field once
        return "foreign key"
    return None


# -- type changes PostgreSQL does in place, and the ones that rewrite -----------------------------------------------

_CANON = {
    "string": "varchar", "varchar": "varchar", "unicode": "varchar", "nvarchar": "varchar",
    "character varying": "varchar", "text": "text", "unicodetext": "text", "clob": "text",
    "integer": "int4", "int": "int4", "int4": "int4", "biginteger": "int8", "bigint": "int8", "int8": "int8",
    "smallinteger": "int2", "smallint": "int2", "int2": "int2",
    "numeric": "numeric", "decimal": "numeric",
    "datetime": "timestamp", "timestamp": "timestamp", "timestamptz": "timestamptz",
    "boolean": "bool", "bool": "bool", "float": "float8", "float8": "float8", "double": "float8",
    "double_precision": "float8", "real": "float4", "float4": "float4",
    "date": "date", "time": "time", "json": "json", "jsonb": "jsonb", "uuid": "uuid",
    "char": "bpchar", "bpchar": "bpchar", "cidr": "cidr", "inet": "inet", "citext": "citext",
}  # fmt: skip


def _canon(t: Any) -> tuple[str, tuple[Any, ...]] | None:
    if not isinstance(t, dict) or not t.get("name"):
        return None
    name = _CANON.get(str(t["name"]).lower())
    if name is None:
        return None
    args = tuple(a for a in t.get("args") or () if a is not None and not isinstance(a, bool))
    if name == "timestamp" and with_time_zone(t):
        name = "timestamptz"
    return name, args


def with_time_zone(t: dict[str, Any]) -> bool:
    """`sa.DateTime(timezone=True)` / `sa.TIMESTAMP(True)` is `timestamptz` on PostgreSQL, as the raw-SQL name is."""
    return t.get("timezone") is True or any(a is True for a in t.get("args") or ())


def rewrite_reason(old: Any, new: Any, config: MRTConfig) -> str | None:
    """Why PostgreSQL rewrites the table for `old` -> `new`, or None (no rewrite, or unknown types)."""
    a, b = _canon(old), _canon(new)
    if a is None or b is None or a == b:
        return None
    (old_name, old_args), (new_name, new_args) = a, b
    if old_name in ("varchar", "text") and new_name == "text":
        return None
    if old_name == "varchar" and new_name == "varchar":
        if not new_args or (old_args and new_args[0] >= old_args[0]):
            return None
        return f"VARCHAR({old_args[0] if old_args else ''}) to VARCHAR({new_args[0]}) checks and rewrites every row"
    if old_name == "text" and new_name == "varchar" and not new_args:
        return None
    if old_name == "numeric" and new_name == "numeric":
        if not new_args:
            return None
        if old_args and len(new_args) >= 1:
            old_scale = old_args[1] if len(old_args) > 1 else 0
            new_scale = new_args[1] if len(new_args) > 1 else 0
            if new_scale == old_scale and new_args[0] >= old_args[0]:
                return None
        return "a NUMERIC precision/scale change other than growing the precision rewrites the table"
    if old_name == "cidr" and new_name == "inet":
        return None
    if {old_name, new_name} == {"timestamp", "timestamptz"}:  # either way: binary-compatible in UTC since 12
        version = pg_version(config)
        if version is not None and version >= (12, 0):
            return None  # no rewrite on 12+ when the session time zone is UTC
        return (
            f"{old_name.upper()} to {new_name.upper()} rewrites the table before PostgreSQL 12 (and on 12+ unless "
            "the time zone is UTC)"
        )
    return f"{old_name.upper()} to {new_name.upper()} is not binary-compatible"


def old_type(m: MigrationAST, op: Operation) -> Any:
    old = op.args.get("existing_type")
    if old is not None:
        return old
    reverse = (
        d
        for d in m.ops
        if d.side != UPGRADE and d.kind == Kind.ALTER_COLUMN and same(d.table, op.table) and same(d.column, op.column)
    )
    return next((d.args["type"] for d in reverse if d.args.get("type")), None)


def lock_taken(m: MigrationAST, op: Operation) -> str | None:
    """The table lock a schema operation on an existing table takes, or None when it takes none worth naming."""
    if not existing(op):
        return None
    kind = op.kind
    if kind == Kind.CREATE_INDEX:
        return "SHARE UPDATE EXCLUSIVE" if op.args.get("concurrently") else SHARE
    if kind == Kind.CREATE_CONSTRAINT and validates_constraint(op) == "foreign key":
        return SHARE_ROW_EXCLUSIVE
    if kind == Kind.VALIDATE_CONSTRAINT:
        return "SHARE UPDATE EXCLUSIVE"
    if kind == Kind.DROP_INDEX and op.args.get("concurrently"):
        return None
    if kind == Kind.ALTER_COLUMN and op.origin == "django" and not sets_not_null(op):
        return None  # an AlterField may change only Python-side options: no SQL at all
    if kind in (
        Kind.ADD_COLUMN,
        Kind.DROP_COLUMN,
        Kind.ALTER_COLUMN,
        Kind.RENAME_COLUMN,
        Kind.CREATE_CONSTRAINT,
        Kind.DROP_CONSTRAINT,
        Kind.DROP_INDEX,
        Kind.RENAME_TABLE,
        Kind.DROP_TABLE,
        Kind.CREATE_TRIGGER,
        Kind.DROP_TRIGGER,
    ):
        if is_m2m(op):
            return None
        return ACCESS_EXCLUSIVE
    return None


def heavy(m: MigrationAST, config: MRTConfig, op: Operation) -> str | None:
    """What makes `op` scan or rewrite an existing table, or None."""
    if not existing(op):
        return None
    if builds_index(op) or builds_unique(op):
        return "an index build"
    if sets_not_null(op):
        return "a NOT NULL scan"
    if validates_constraint(op) or op.kind == Kind.VALIDATE_CONSTRAINT:
        return "a constraint validation"
    rewrites = op.kind == Kind.ALTER_COLUMN and "type" in op.args and op.origin != "django"
    if rewrites and rewrite_reason(old_type(m, op), op.args["type"], config):
        return "a table rewrite"
    return None
