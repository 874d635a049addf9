"""Column types that cost a rewrite, an overflow or a wrong answer later (PostgreSQL type hygiene).

None of these is dangerous on the day the migration runs: the table is usually new. They are the choices
that force an ACCESS EXCLUSIVE rewrite a year later (an `integer` key running out of values, a `varchar(n)`
that must grow past what the application allowed), or that quietly store the wrong thing (`timestamp`
without a time zone, blank-padded `char(n)`). The rules read only columns this migration creates or
retypes, never existing ones, and stay quiet on trees known to run on SQLite or MySQL. The noisy ones
(every Alembic `sa.DateTime()` and `sa.String(n)`, every old Django `AutoField`) are opt-in; the
catalog page of each rule says how often it fired on real histories.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from mrt.config import MRTConfig
from mrt.dialect import pg_version
from mrt.findings import WARNING
from mrt.model.migration import MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.rules.lock_context import SERIAL_TYPES, existing, fresh_database, on_postgresql
from mrt.rules.registry import HYGIENE, LOCKS, Hit, RuleDocs, rule

_TIMESTAMP = frozenset({"datetime", "timestamp"})
_VARCHAR = frozenset({"string", "varchar", "unicode", "nvarchar"})
_CHAR = frozenset({"char", "bpchar", "nchar"})
_INT4 = frozenset({"integer", "int", "int4", "smallinteger", "smallint", "int2", "serial", "serial4", "smallserial"})
_INT4_AUTO = frozenset({"AutoField", "SmallAutoField"})
_COLUMN_KINDS = frozenset({Kind.CREATE_TABLE, Kind.ADD_COLUMN, Kind.ALTER_COLUMN})


def _type(column: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    t = column.get("type")
    return (str(t.get("name") or "").lower(), t) if isinstance(t, dict) else ("", {})


# (operation, column, its type's lowercased name, its type) for each column of `new_columns`.
TypedColumn = tuple[Operation, dict[str, Any], str, dict[str, Any]]


def typed_columns(m: MigrationAST, config: MRTConfig) -> list[TypedColumn]:
    """`new_columns` with their types, listed once per file (and the settings it was listed for): the
    serial rule and the Alembic type rules each read every new column of the file."""
    cached = m.derived.get("typed_columns")
    if isinstance(cached, tuple) and cached[0] is config:
        return cached[1]  # type: ignore[no-any-return]
    columns = [(op, column, *_type(column)) for op, column in new_columns(m, config)]
    m.derived["typed_columns"] = (config, columns)
    return columns


def new_columns(m: MigrationAST, config: MRTConfig) -> Iterator[tuple[Operation, dict[str, Any]]]:
    """(operation, column) for every column the upgrade creates or retypes, on a database that may be
    PostgreSQL. A squashed Django migration repeats the types of the migrations it replaces: skipped."""
    if m.replaces:
        return
    for op in m.ops:
        if op.side != UPGRADE or op.kind not in _COLUMN_KINDS or op.args.get("m2m"):
            continue
        if not on_postgresql(m, config, op):
            continue
        if op.kind == Kind.CREATE_TABLE:
            for column in op.args.get("columns") or ():
                yield op, column
        elif op.kind == Kind.ADD_COLUMN:
            yield op, {**op.args, "name": op.column}
        elif op.kind == Kind.ALTER_COLUMN and isinstance(op.args.get("type"), dict):
            yield op, {"type": op.args["type"], "name": op.column}


def _alembic_columns_of_type(
    m: MigrationAST, config: MRTConfig, names: frozenset[str]
) -> Iterator[tuple[Operation, dict[str, Any], dict[str, Any]]]:
    """(operation, column, its type) for each new column typed as one of `names` by Alembic or raw SQL. The
    type-hygiene rules MRT430-MRT432 share it: none reports Django fields (each rule's docs say why)."""
    for op, column, name, t in typed_columns(m, config):
        if name in names and op.origin != "django":
            yield op, column, t


def _column_hit(op: Operation, column: dict[str, Any], problem: str) -> Hit:
    """A finding on one column, its message naming it first: `orders.shipped_at is <problem>`."""
    name = column.get("name") or op.column
    where = f"{op.table}.{name or '?'}" if op.table else str(name or "?")
    return Hit(message=f"{where} is {problem}", span=op.span, table=op.table, column=name)


# -- MRT428 -----------------------------------------------------------------------------------------------------

# `ALTER DOMAIN d VALIDATE CONSTRAINT c`: the domain whose columns are scanned.
_DOMAIN_VALIDATE = re.compile(r'\bALTER\s+DOMAIN\s+([\w."]+)\s+VALIDATE\s+CONSTRAINT\b', re.IGNORECASE)
# PostgreSQL 19 validates a domain constraint under SHARE UPDATE EXCLUSIVE (commit 16a0039, "Reduce lock level for
# ALTER DOMAIN ... VALIDATE CONSTRAINT"); every earlier release takes SHARE on each table, as ADD CONSTRAINT does.
_DOMAIN_VALIDATE_ONLINE = (19, 0)


def _validated_domain(m: MigrationAST, op: Operation, created: set[str]) -> str | None:
    """The domain an `ALTER DOMAIN ... VALIDATE CONSTRAINT` scans, unless this migration created it (no table can
    hold rows of it yet) or it is a fresh Django database."""
    if op.kind != Kind.OTHER_SQL or op.args.get("statement") != "AlterDomainStmt" or not op.sql:
        return None
    match = _DOMAIN_VALIDATE.search(op.sql)
    if match is None or fresh_database(m):
        return None
    domain = match[1].replace('"', "")
    return None if domain.split(".")[-1].lower() in created else domain


@rule(
    code="MRT428",
    kinds=(Kind.CREATE_TYPE, Kind.OTHER_SQL),
    name="Domain with a CHECK constraint",
    category=LOCKS,
    severity=WARNING,
    summary="CREATE DOMAIN ... CHECK ties a constraint to every column of the type; changing it later locks them all.",
    docs=RuleDocs(
        what="`CREATE DOMAIN name AS type CHECK (...)` in raw SQL (`op.execute`, `RunSQL`), and `ALTER DOMAIN ... "
        "VALIDATE CONSTRAINT` of a domain this migration did not create, before PostgreSQL 19 (or when the version "
        "is not configured). Adding a constraint to an existing domain without `NOT VALID` is MRT416; adding it "
        "`NOT VALID` is not reported: it takes no lock on the tables and scans none, the scan comes with the "
        "VALIDATE (squawk's `ban-alter-domain-with-add-constraint` reports the ADD itself).",
        why="A domain constraint is checked for every column of every table that uses the domain. Tightening or "
        "replacing it later validates all of those columns at once: `ALTER DOMAIN ... ADD CONSTRAINT` and, before "
        "PostgreSQL 19, `ALTER DOMAIN ... VALIDATE CONSTRAINT` too take a SHARE lock on each of those tables (writes "
        "wait) and hold it until the transaction commits, so the `NOT VALID` + `VALIDATE` staging that makes a table "
        "`CHECK` online buys nothing for a domain. Domain constraints are also not enforced on some paths (e.g. "
        "values produced by outer joins), so they promise less than they seem to.",
        instead="Declare the domain without constraints (or use the base type), and put the rule on each table as a "
        "`CHECK` constraint, which can later be changed online with `NOT VALID` and `VALIDATE CONSTRAINT` (SHARE "
        "UPDATE EXCLUSIVE: writes continue). On PostgreSQL 19 and later, a domain constraint added `NOT VALID` can "
        "be validated online too (set `dialect_version`).",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.execute("CREATE DOMAIN price AS numeric(12, 2) CHECK (VALUE >= 0)")\n'
        '    op.add_column("orders", sa.Column("total", sa.Numeric(12, 2)))\n\n'
        "# a later revision: the staging of a table CHECK does not help a domain before PostgreSQL 19\n"
        "def upgrade():\n"
        '    op.execute("ALTER DOMAIN price ADD CONSTRAINT price_cap CHECK (VALUE < 1000000) NOT VALID")\n'
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("ALTER DOMAIN price VALIDATE CONSTRAINT price_cap")  # SHARE on every table using price\n\n'
        "# Django\n"
        'migrations.RunSQL("CREATE DOMAIN price AS numeric(12, 2) CHECK (VALUE >= 0)", "DROP DOMAIN price")\n',
        fixed="# Alembic\n"
        "def upgrade():\n"
        '    op.add_column("orders", sa.Column("total", sa.Numeric(12, 2)))\n'
        '    op.create_check_constraint("ck_orders_total_positive", "orders", "total >= 0")\n\n'
        "# a later revision, per table: NOT VALID, then VALIDATE under SHARE UPDATE EXCLUSIVE\n"
        "def upgrade():\n"
        '    op.create_check_constraint("ck_orders_total_cap", "orders", "total < 1000000", postgresql_not_valid=True)\n'
        "    with op.get_context().autocommit_block():\n"
        '        op.execute("ALTER TABLE orders VALIDATE CONSTRAINT ck_orders_total_cap")\n\n'
        "# Django: a CheckConstraint in the model's Meta.constraints\n"
        "migrations.AddConstraint(\n"
        '    "order", models.CheckConstraint(condition=models.Q(total__gte=0), name="ck_order_total_positive")\n'
        ")\n",
    ),
)
def domain_with_check(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    version = pg_version(config)
    validates_online = version is not None and version >= _DOMAIN_VALIDATE_ONLINE
    created: set[str] = set()
    for op in m.ops:
        if op.side != UPGRADE or not on_postgresql(m, config, op):
            continue
        if op.kind == Kind.CREATE_TYPE and op.name:
            created.add(op.name.lower())
        if op.kind == Kind.CREATE_TYPE and op.args.get("check"):
            yield Hit(
                message=f"Domain {op.name!r} carries a CHECK constraint: changing it later validates every column of "
                "the type under lock. Use a per-table CHECK constraint instead",
                span=op.span,
            )
        domain = None if validates_online else _validated_domain(m, op, created)
        if domain is not None:
            yield Hit(
                message=f"ALTER DOMAIN {domain} VALIDATE CONSTRAINT scans every column of the domain in every table "
                "under a SHARE lock on each table, held until commit: writes to all of them wait (PostgreSQL 19 takes "
                "SHARE UPDATE EXCLUSIVE instead). Move the rule to per-table CHECK constraints (NOT VALID, then "
                "VALIDATE), or set dialect_version if the database runs 19 or later",
                span=op.span,
            )


# -- MRT429 -----------------------------------------------------------------------------------------------------


@rule(
    code="MRT429",
    kinds=_COLUMN_KINDS,
    name="serial instead of identity",
    category=HYGIENE,
    severity=WARNING,
    summary="A new serial/bigserial column: an identity column is the standard, safer form (PostgreSQL 10+).",
    docs=RuleDocs(
        what="A column declared `serial`, `bigserial` or `smallserial` (raw SQL, or `postgresql.SERIAL`-style types) "
        "in a table this migration creates. A serial column added to an existing table is MRT419 (it rewrites "
        "the table). Alembic's implicit SERIAL for an `Integer` primary key is not reported: see MRT433.",
        why="`serial` is a macro for a column default on a separately owned sequence. The sequence keeps its own "
        "permissions (a role that may insert into the table may not use the sequence), is not copied by "
        "`CREATE TABLE ... (LIKE ...)`, and survives or breaks independently of the column in dumps, renames and "
        "ownership changes. Nothing stops a client from inserting explicit ids that later collide with the "
        "sequence.",
        instead="Use `GENERATED BY DEFAULT AS IDENTITY` (or `ALWAYS`), `sa.Identity()` in SQLAlchemy, and a "
        "`bigint` type for keys. Django 4.1+ creates identity columns for `AutoField`s already.",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.execute("CREATE TABLE events (id bigserial PRIMARY KEY, name text NOT NULL)")\n\n'
        "# Django\n"
        'migrations.RunSQL("CREATE TABLE shop_event (id serial PRIMARY KEY, name text)", "DROP TABLE shop_event")\n',
        fixed="# Alembic\n"
        "def upgrade():\n"
        "    op.create_table(\n"
        '        "events",\n'
        '        sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True),\n'
        '        sa.Column("name", sa.Text(), nullable=False),\n'
        "    )\n\n"
        "# Django\n"
        'migrations.RunSQL("CREATE TABLE shop_event (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, name text)",'
        ' "DROP TABLE shop_event")\n',
    ),
)
def serial_instead_of_identity(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op, column, name, _ in typed_columns(m, config):
        if name not in SERIAL_TYPES or (op.kind == Kind.ADD_COLUMN and existing(op)):
            continue  # on an existing table MRT419 reports the rewrite
        yield _column_hit(op, column, f"{name}: use an identity column (GENERATED BY DEFAULT AS IDENTITY)")


# -- MRT430 -----------------------------------------------------------------------------------------------------


@rule(
    code="MRT430",
    kinds=_COLUMN_KINDS,
    name="timestamp without time zone",
    category=HYGIENE,
    severity=WARNING,
    summary="A new `timestamp` column stores wall-clock time with no zone; `timestamptz` stores an instant.",
    default_enabled=False,
    docs=RuleDocs(
        what="A column created or retyped as `timestamp` / `timestamp without time zone`: raw SQL, or SQLAlchemy "
        "`sa.DateTime()` / `sa.TIMESTAMP()` without `timezone=True`. Django's `DateTimeField` is `timestamp with "
        "time zone` on PostgreSQL and is never reported. Opt-in: on the public histories checked, most Alembic "
        "projects use naive `sa.DateTime()` throughout (hundreds of findings), so turning it on is a project "
        "decision.",
        why="A `timestamp` value has no zone: the same value means different instants to a client in another time "
        "zone, around daylight-saving changes, or after a server's `TimeZone` setting changes, and comparisons "
        "with `now()` (a `timestamptz`) convert with the session's zone. Converting a filled column to "
        "`timestamptz` later rewrites the table (MRT418) and needs every stored value's zone to be known.",
        instead="Create the column as `timestamptz` (`sa.DateTime(timezone=True)`), and store UTC instants.",
        example='# Alembic\ndef upgrade():\n    op.add_column("orders", sa.Column("shipped_at", sa.DateTime()))\n',
        fixed="# Alembic\n"
        "def upgrade():\n"
        '    op.add_column("orders", sa.Column("shipped_at", sa.DateTime(timezone=True)))\n',
    ),
)
def timestamp_without_time_zone(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op, column, t in _alembic_columns_of_type(m, config, _TIMESTAMP):
        if t.get("timezone") is not True:
            yield _column_hit(op, column, "timestamp without time zone: use timestamptz (timezone=True)")


# -- MRT431 -----------------------------------------------------------------------------------------------------


@rule(
    code="MRT431",
    kinds=_COLUMN_KINDS,
    name="varchar(n) instead of text",
    category=HYGIENE,
    severity=WARNING,
    summary="A new varchar(n) column: raising the limit later is a migration; text with a CHECK is easier to change.",
    default_enabled=False,
    docs=RuleDocs(
        what="A column created or retyped as `varchar(n)`: raw SQL, or SQLAlchemy `sa.String(n)` / `sa.Unicode(n)`. "
        "Django's `CharField(max_length=...)` is not reported (Django validates the length itself, and `TextField` "
        "renders differently in forms). Opt-in: it fires on almost every Alembic table.",
        why="On PostgreSQL `varchar(n)` is `text` plus a length check, with no storage or speed benefit. The limit "
        "is a business rule baked into the column type: raising it is metadata-only, but lowering it or changing "
        "it on an older server rewrites the table under ACCESS EXCLUSIVE (MRT418), and every change is a "
        "migration with that lock.",
        instead="Use `text` (`sa.Text()`), and if a limit is a real rule, a `CHECK (char_length(col) <= n)` "
        "constraint, which can be replaced online (`NOT VALID` + `VALIDATE CONSTRAINT`).",
        example='# Alembic\ndef upgrade():\n    op.add_column("users", sa.Column("nickname", sa.String(30)))\n',
        fixed="# Alembic\n"
        "def upgrade():\n"
        '    op.add_column("users", sa.Column("nickname", sa.Text()))\n'
        '    op.create_check_constraint("ck_users_nickname_len", "users", "char_length(nickname) <= 30")\n',
    ),
)
def varchar_instead_of_text(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op, column, t in _alembic_columns_of_type(m, config, _VARCHAR):
        if any(isinstance(a, int) for a in t.get("args") or ()):
            yield _column_hit(op, column, "varchar(n): prefer text (with a CHECK if needed)")


# -- MRT432 -----------------------------------------------------------------------------------------------------


@rule(
    code="MRT432",
    kinds=_COLUMN_KINDS,
    name="char(n) column",
    category=HYGIENE,
    severity=WARNING,
    summary="A new char(n) column pads values with blanks and is slower than text, never faster.",
    docs=RuleDocs(
        what="A column created or retyped as `char(n)` / `character(n)` / `nchar(n)`: raw SQL, or SQLAlchemy "
        "`sa.CHAR(n)` / `sa.NCHAR(n)`.",
        why="`char(n)` pads every value with blanks to `n` characters. The padding is ignored in some comparisons "
        "and kept in others (`LIKE`, casts to text, concatenation, client libraries), so equal-looking values "
        "compare differently depending on how they are queried. It stores no less and runs no faster than "
        "`text`, and changing `n` later rewrites the table.",
        instead="Use `text` (or `varchar`), with a `CHECK (char_length(col) = n)` constraint when the length is fixed "
        "by definition (country or currency codes).",
        example='# Alembic\ndef upgrade():\n    op.add_column("accounts", sa.Column("currency", sa.CHAR(3)))\n',
        fixed="# Alembic\n"
        "def upgrade():\n"
        '    op.add_column("accounts", sa.Column("currency", sa.Text()))\n'
        '    op.create_check_constraint("ck_accounts_currency_len", "accounts", "char_length(currency) = 3")\n',
    ),
)
def char_column(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op, column, _ in _alembic_columns_of_type(m, config, _CHAR):
        yield _column_hit(op, column, "char(n): values are blank-padded; use text")


# -- MRT433 -----------------------------------------------------------------------------------------------------


def _int4_key(op: Operation, column: dict[str, Any]) -> bool:
    if column.get("foreign_key") or column.get("relation"):
        return False  # a key that references another table follows that table's type
    name, t = _type(column)
    if op.origin == "django":
        return t.get("name") in _INT4_AUTO or (bool(column.get("primary_key")) and t.get("name") == "IntegerField")
    return name in _INT4


def _primary_key(op: Operation) -> dict[str, Any] | None:
    """The single-column primary key of a table this migration creates (a composite key is an association
    table's, whose columns follow the tables they reference)."""
    columns = op.args.get("columns") or ()
    declared = op.args.get("pk_columns")
    if declared is not None:
        if len(declared) != 1:
            return None
        return next((c for c in columns if c.get("name") == declared[0]), None)
    keys = [c for c in columns if c.get("primary_key")]
    return keys[0] if len(keys) == 1 else None


@rule(
    code="MRT433",
    kinds=(Kind.CREATE_TABLE,),
    name="32-bit integer primary key",
    category=HYGIENE,
    severity=WARNING,
    summary="A new table keyed by a 32-bit integer: at 2.1 billion ids inserts fail, and widening it rewrites the table.",
    default_enabled=False,
    docs=RuleDocs(
        what="A table this migration creates whose single-column primary key is `integer`/`serial` (raw SQL, "
        "SQLAlchemy `sa.Integer()`) or a Django `AutoField`. Keys that reference another table (one-to-one "
        "children) and composite keys are not reported. Opt-in: Django projects older than 3.2 and most Alembic "
        "projects key every table this way.",
        why="A 32-bit key stops at 2,147,483,647: after that every insert fails. Widening the column to `bigint` "
        "rewrites the table and every index and foreign key that points at it under ACCESS EXCLUSIVE, on the "
        "largest table of the system, usually under time pressure.",
        instead="Key new tables with `bigint` (`sa.BigInteger()` with `sa.Identity()`, Django `BigAutoField` / "
        "`DEFAULT_AUTO_FIELD = 'django.db.models.BigAutoField'`). The extra four bytes per row are cheap.",
        example="# Alembic\n"
        "def upgrade():\n"
        '    op.create_table("events", sa.Column("id", sa.Integer(), primary_key=True))\n\n'
        "# Django\n"
        'migrations.CreateModel("Event", [("id", models.AutoField(auto_created=True, primary_key=True))])\n',
        fixed="# Alembic\n"
        "def upgrade():\n"
        '    op.create_table("events", sa.Column("id", sa.BigInteger(), sa.Identity(), primary_key=True))\n\n'
        "# Django\n"
        'migrations.CreateModel("Event", [("id", models.BigAutoField(auto_created=True, primary_key=True))])\n',
    ),
)
def int4_primary_key(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if m.replaces:
        return
    for op in m.ops:
        if op.side != UPGRADE or op.kind != Kind.CREATE_TABLE or not on_postgresql(m, config, op):
            continue
        key = _primary_key(op)
        if key is not None and _int4_key(op, key):
            yield _column_hit(op, key, "a 32-bit primary key: it overflows at 2.1 billion rows; use bigint")
