"""MRT7xx — rolling-deploy compatibility: the old application version keeps running against the new schema.

During a rolling (or blue/green) deploy the migration runs first and the old code serves traffic until the
last instance is replaced; after a rollback of the code it serves again. These rules find schema changes
that break that old code. They are opt-in (`mrt check --check-compat`, or `extend_select = ["MRT7"]`),
because a project that deploys with downtime does not need them.

Like the lock rules, they skip tables created in the same migration and squashed / initial Django
migrations (which only run on fresh databases).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from mrt.config import MRTConfig
from mrt.findings import ERROR, WARNING
from mrt.model.migration import DJANGO, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.model.pyexpr import bind_args, last_name, literal_str
from mrt.rules.asymmetry import narrowing
from mrt.rules.django_fields import FieldChange, field_changes, field_events, live_type_changes
from mrt.rules.lock_context import (
    AUTO_FIELDS,
    SERIAL_TYPES,
    builds_unique,
    emptied_before,
    existing,
    fresh_database,
    old_type,
)
from mrt.rules.matching import same
from mrt.rules.registry import ROLLING_DEPLOY, Hit, RuleDocs, history_check, hit, rule


def _changes(m: MigrationAST) -> list[Operation]:
    """Upgrade operations on tables the running version already uses (computed once per migration)."""
    cached = m.derived.get("compat_changes")
    if cached is None:
        cached = m.derived["compat_changes"] = [] if fresh_database(m) else [op for op in m.ops if existing(op)]
    return cached  # type: ignore[no-any-return]


def _column(op: Operation) -> str:
    return f"{op.table}.{op.column}" if op.table else repr(op.column)


def _expand_contract_drops(m: MigrationAST) -> dict[int, Operation]:
    """Drops of a column from a table that the same migration adds another column to: {id(drop): add}."""
    added: dict[str, Operation] = {}
    for op in _changes(m):
        if op.kind == Kind.ADD_COLUMN and op.table and op.column and not op.args.get("m2m"):
            added.setdefault(op.table.lower(), op)
    out: dict[int, Operation] = {}
    for op in _changes(m):
        if op.kind == Kind.DROP_COLUMN and op.table and op.table.lower() in added:
            add = added[op.table.lower()]
            if not same(add.column, op.column):
                out[id(op)] = add
    return out


def _state_removals(m: MigrationAST) -> tuple[frozenset[tuple[str, str]], frozenset[str]]:
    """What `SeparateDatabaseAndState(state_operations=[...])` removes from Django's model state in this migration:
    ({(model, field)} of RemoveField, {model} of DeleteModel), lower-cased. Read from the source with `ast`, only
    when the file names SeparateDatabaseAndState; a list the migration builds elsewhere is not followed."""
    if m.framework != DJANGO or "SeparateDatabaseAndState" not in m.source:
        return frozenset(), frozenset()
    cached = m.derived.get("state_removals")
    if cached is None:
        fields: set[tuple[str, str]] = set()
        models: set[str] = set()
        try:
            tree = ast.parse(m.source)
        except (SyntaxError, ValueError):  # MRT902 reports the file
            tree = ast.Module(body=[], type_ignores=[])
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or last_name(node.func) != "SeparateDatabaseAndState":
                continue
            state = bind_args(node, ("database_operations", "state_operations")).get("state_operations")
            for item in state.elts if isinstance(state, (ast.List, ast.Tuple)) else ():
                if not isinstance(item, ast.Call):
                    continue
                if last_name(item.func) == "RemoveField":
                    args = bind_args(item, ("model_name", "name"))
                    model, name = literal_str(args.get("model_name")), literal_str(args.get("name"))
                    if model and name:
                        fields.add((model.lower(), name.lower()))
                elif last_name(item.func) == "DeleteModel":
                    model = literal_str(bind_args(item, ("name",)).get("name"))
                    if model:
                        models.add(model.lower())
        cached = m.derived["state_removals"] = (frozenset(fields), frozenset(models))
    return cached  # type: ignore[no-any-return]


# django-safemigrate's marker for a migration that runs before the new code is deployed (the expand phase).
_BEFORE_DEPLOY = re.compile(r"^\s+safe\s*=\s*Safe\.(before_deploy|always)\b", re.MULTILINE)


def _both_steps(m: MigrationAST) -> dict[int, str]:
    """Django drops that ship the contract step with the step meant to come a release before it: {id(drop): why}.
    A field or model that a SeparateDatabaseAndState of the same migration removes from the model state, and any
    drop in a migration django-safemigrate runs before the deploy (`safe = Safe.before_deploy` / `Safe.always`)."""
    if m.framework != DJANGO:
        return {}
    fields, models = _state_removals(m)
    phase = _BEFORE_DEPLOY.search(m.source)
    if not fields and not models and phase is None:
        return {}
    out: dict[int, str] = {}
    for op in _changes(m):
        if op.kind not in (Kind.DROP_COLUMN, Kind.DROP_TABLE) or op.args.get("m2m"):
            continue
        model = _model_of(m, op)
        if op.kind == Kind.DROP_TABLE and model in models:
            out[id(op)] = (
                f"in the migration whose SeparateDatabaseAndState removes model {model!r} from the model state"
            )
        elif op.kind == Kind.DROP_COLUMN and op.column and model is not None:
            column = op.column.lower()
            field = next((f for f in (column, column.removesuffix("_id")) if (model, f) in fields), None)
            if field is not None:
                out[id(op)] = (
                    f"in the migration whose SeparateDatabaseAndState removes field {model}.{field} from the model state"
                )
        if id(op) not in out and phase is not None:
            out[id(op)] = (
                f"in a migration marked Safe.{phase[1]}, which safemigrate runs before the new code is deployed"
            )
    return out


def _model_of(m: MigrationAST, op: Operation) -> str | None:
    """The (lower-case) model a drop belongs to: named by a Django operation, or by the default table name
    `<app>_<model>` in raw SQL (a custom db_table is not matched)."""
    if op.origin == "django":
        return op.name.lower() if op.name else None
    prefix = f"{m.app}_".lower() if m.app else None
    table = (op.table or "").lower()
    return table[len(prefix) :] if prefix and table.startswith(prefix) else None


@rule(
    code="MRT701",
    kinds=(Kind.DROP_COLUMN,),
    name="DROP COLUMN during rolling deploy",
    category=ROLLING_DEPLOY,
    severity=ERROR,
    default_enabled=False,
    summary="A dropped column may still be read or written by the application version that is running.",
    docs=RuleDocs(
        what="`op.drop_column`, `ALTER TABLE ... DROP COLUMN`, or Django `RemoveField`, on a table that existed "
        "before the migration. Opt-in with `--check-compat`. When the same migration also adds a column to that "
        "table, MRT709 reports the pair instead; when `--base-ref` shows application code changed in the same "
        "diff, MRT710 does.",
        why="ORMs name every column they select and insert: the old version's queries fail with 'column does not "
        "exist' from the moment the migration commits until the last old instance is gone (and again after a "
        "code rollback).",
        instead="Contract in two releases: first stop using the field (Django: remove it from the model and "
        "`SeparateDatabaseAndState(state_operations=[RemoveField(...)])`; SQLAlchemy: drop it from the model or "
        "mark it `deferred`), deploy, then drop the column.",
        example="# Alembic\n"
        'op.drop_column("users", "legacy_code")\n\n'
        "# Django\n"
        'migrations.RemoveField("user", "legacy_code")\n',
        fixed="# Django, release N: the model no longer has the field, the column stays\n"
        "migrations.SeparateDatabaseAndState(\n"
        '    state_operations=[migrations.RemoveField("user", "legacy_code")],\n'
        ")\n"
        "# release N+1: drop the column\n"
        'migrations.RunSQL("ALTER TABLE shop_user DROP COLUMN legacy_code", migrations.RunSQL.noop)\n\n'
        "# Alembic: release N removes the attribute from the model; release N+1 runs\n"
        'op.drop_column("users", "legacy_code")\n',
    ),
)
def drop_column(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if not _ships_with_code(m, config):  # else MRT710 reports it, with the code that changed beside it
        yield from _dropped_columns(m)


def _dropped_columns(m: MigrationAST) -> Iterator[Hit]:
    paired = _expand_contract_drops(m) | _both_steps(m)
    added: set[tuple[str, str]] = set()
    for op in _changes(m):
        key = ((op.table or "").lower(), (op.column or "").lower())
        if op.kind == Kind.ADD_COLUMN:
            added.add(key)  # a column added and dropped again here was never seen by the running version
        elif op.kind == Kind.DROP_COLUMN and id(op) not in paired and key not in added:
            what = "join table of" if op.args.get("m2m") else "column"
            yield hit(op, f"Dropping {what} {_column(op)} breaks the running version, which still selects it")


@rule(
    code="MRT702",
    kinds=(Kind.RENAME_COLUMN,),
    name="RENAME COLUMN during rolling deploy",
    category=ROLLING_DEPLOY,
    severity=ERROR,
    default_enabled=False,
    summary="A renamed column disappears under its old name for the version that is still running.",
    docs=RuleDocs(
        what="`op.alter_column(..., new_column_name=...)`, `ALTER TABLE ... RENAME COLUMN`, Django `RenameField` "
        "(also a MySQL `CHANGE`), on an existing table. Reported even when the downgrade renames it back: this is "
        "about the deploy, not the rollback. When `--base-ref` shows application code changed in the same diff, "
        "MRT710 reports it instead.",
        why="The old version keeps using the old name until every instance is replaced: its queries fail in the "
        "meantime.",
        instead="Add the new column, write both, backfill, switch reads, then drop the old column in a later "
        "release. Django: keep the column name with `db_column='old_name'` and rename only the field.",
        example="# Alembic\n"
        'op.alter_column("users", "name", new_column_name="full_name")\n\n'
        "# Django\n"
        'migrations.RenameField("user", "name", "full_name")\n',
        fixed="# Django: the field is renamed, the column is not\n"
        'migrations.AlterField("user", "name", models.CharField(max_length=100, db_column="name"))\n'
        'migrations.RenameField("user", "name", "full_name")\n\n'
        "# Alembic: expand (add + dual write + backfill) now, contract (drop old) later\n"
        'op.add_column("users", sa.Column("full_name", sa.String(100), nullable=True))\n',
    ),
)
def rename_column(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if not _ships_with_code(m, config):
        yield from _renamed_columns(m)


def _renamed_columns(m: MigrationAST) -> Iterator[Hit]:
    for op in _changes(m):
        if op.kind == Kind.RENAME_COLUMN:
            yield hit(
                op, f"Renaming {_column(op)} to {op.new_name!r} breaks the running version, which uses the old name"
            )


@rule(
    code="MRT703",
    kinds=(Kind.DROP_TABLE, Kind.RENAME_TABLE, Kind.OTHER_SQL),
    name="DROP or RENAME TABLE during rolling deploy",
    category=ROLLING_DEPLOY,
    severity=ERROR,
    default_enabled=False,
    summary="A dropped or renamed table (or model, or a renamed schema) is still used by the version that is running.",
    docs=RuleDocs(
        what="`op.drop_table`, `op.rename_table`, `DROP TABLE` / `ALTER TABLE ... RENAME TO`, Django `DeleteModel`, "
        "`RenameModel`, `AlterModelTable`, on a table that existed before the migration, and `ALTER SCHEMA ... "
        "RENAME TO`, which renames every table in the schema at once. (A dropped schema is MRT801's.) When "
        "`--base-ref` shows application code changed in the same diff, MRT710 reports it instead.",
        why="The old version still queries the table under its old name until every instance is replaced.",
        instead="Stop using the table in one release, drop it in the next. To rename, create a view with the old "
        "name (or keep `db_table`) until the old version is gone. For a schema, let the new version find its "
        "tables under both names first (`search_path`, or a schema of views under the old name), and rename in a "
        "later release.",
        example="# Alembic\n"
        'op.rename_table("customer", "client")\n\n'
        "# Django\n"
        'migrations.RenameModel("Customer", "Client")\n',
        fixed="# Alembic: rename, and keep the old name readable until the next release\n"
        'op.rename_table("customer", "client")\n'
        'op.execute("CREATE VIEW customer AS SELECT * FROM client")\n\n'
        "# Django: rename the model, keep the table\n"
        'migrations.AlterModelOptions("client", {"db_table": "shop_customer"})\n',
    ),
)
def drop_or_rename_table(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if not _ships_with_code(m, config):
        yield from _dropped_or_renamed_tables(m)


def _dropped_or_renamed_tables(m: MigrationAST) -> Iterator[Hit]:
    both_steps = _both_steps(m)
    for op in _changes(m):
        if op.kind == Kind.DROP_TABLE:
            if id(op) not in both_steps:  # MRT709 reports the pair
                yield hit(op, f"Dropping table {op.table!r} breaks the running version, which still queries it")
        elif op.kind == Kind.RENAME_TABLE and op.args.get("to_default_name"):
            yield hit(
                op,
                f"AlterModelTable(table=None) renames the table of model {op.name!r} to its default name "
                f"{op.table!r}: this breaks the running version, which uses the old name",
            )
        elif op.kind == Kind.RENAME_TABLE:
            yield hit(
                op,
                f"Renaming table {op.table!r} to {op.new_name!r} breaks the running version, which uses the old name",
            )
        elif op.args.get("rename") == "SCHEMA":
            yield hit(
                op,
                f"Renaming schema {op.name!r} to {op.new_name!r} moves every table in it: the running version's "
                f"queries of {op.name}.<table> fail until it is gone",
            )


def _required_without_db_default(op: Operation) -> bool:
    args = op.args
    if op.kind != Kind.ADD_COLUMN or args.get("nullable", True) or args.get("m2m"):
        return False
    if args.get("server_default") or args.get("generated") or args.get("primary_key"):
        return False
    type_name = (args.get("type") or {}).get("name") or ""
    return type_name not in AUTO_FIELDS and type_name.lower() not in SERIAL_TYPES


def _default_dropped_later(m: MigrationAST) -> set[tuple[str, str]]:
    """(table, column) whose server default an upgrade `alter_column(server_default=None)` removes again: the
    add-with-default-then-drop-it idiom fills existing rows but leaves no default for the running version."""
    return {
        ((op.table or "").lower(), (op.column or "").lower())
        for op in m.ops
        if op.side == UPGRADE and op.kind == Kind.ALTER_COLUMN and op.args.get("server_default") is False
    }


@rule(
    code="MRT704",
    kinds=(Kind.ADD_COLUMN,),
    name="NOT NULL column without database default",
    category=ROLLING_DEPLOY,
    severity=ERROR,
    default_enabled=False,
    summary="The running version inserts rows without the new NOT NULL column, and the database has no default.",
    docs=RuleDocs(
        what="A NOT NULL column added to an existing table without a database-level default: Alembic "
        "`add_column` without `server_default`, raw `ADD COLUMN ... NOT NULL` without `DEFAULT`, Django `AddField` "
        "without `db_default` (a Django `default=` is applied by the ORM and then dropped from the column, so it "
        "is not one). Many-to-many fields, auto/identity and generated columns are not reported.",
        why="The old version's INSERTs do not mention the column: every one of them fails with a NOT NULL "
        "violation until the last old instance is gone.",
        instead="Add a database default (`server_default=`, Django 5 `db_default=`), or add the column nullable "
        "and make it NOT NULL in a later release.",
        example="# Alembic\n"
        'op.add_column("users", sa.Column("plan", sa.String(20), nullable=False, default="free"))\n\n'
        "# Django\n"
        'migrations.AddField("user", "plan", models.CharField(max_length=20, default="free"))\n',
        fixed="# Alembic\n"
        'op.add_column("users", sa.Column("plan", sa.String(20), nullable=False, server_default="free"))\n\n'
        "# Django 5.0+\n"
        'migrations.AddField("user", "plan", models.CharField(max_length=20, db_default="free"))\n',
    ),
)
def not_null_without_db_default(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    dropped = _default_dropped_later(m)
    for op in _changes(m):
        if op.kind == Kind.ADD_COLUMN and ((op.table or "").lower(), (op.column or "").lower()) in dropped:
            if not op.args.get("nullable", True) and not op.args.get("m2m"):
                yield hit(
                    op,
                    f"NOT NULL column {_column(op)} loses its server default later in this migration: INSERTs "
                    "from the running version fail until it is gone",
                )
            continue
        if _required_without_db_default(op) and not emptied_before(m, op):
            extra = " (a Django default= is not a database default)" if op.origin == "django" else ""
            yield hit(
                op,
                f"NOT NULL column {_column(op)} has no database default{extra}: INSERTs from the running version "
                "fail until it is gone",
            )


@rule(
    code="MRT705",
    kinds=(Kind.ALTER_COLUMN,),
    name="Incompatible column type change",
    category=ROLLING_DEPLOY,
    severity=WARNING,
    default_enabled=False,
    summary="A type change that rejects values the running version still writes.",
    docs=RuleDocs(
        what="`alter_column(type_=...)` / `ALTER COLUMN ... TYPE` on an existing table that narrows the type "
        "(shorter VARCHAR, TEXT to VARCHAR(n), BIGINT to INTEGER, NUMERIC to INTEGER, lower precision or scale, "
        "text to a number, DATETIME to DATE), with the old type read from `existing_type=` or the downgrade. "
        "Widening (VARCHAR growth, INTEGER to BIGINT, VARCHAR to TEXT) is compatible and not reported. A Django "
        "`AlterField` does not state the old type: on PostgreSQL it is judged against the field's previous "
        "definition in the app's earlier migrations (e.g. CharField(max_length=100) to CharField(max_length=50)), "
        "when `mrt check` reads the whole migrations directory; silent when that definition is unknown.",
        why="The old version validates against the old type and keeps writing values the new column rejects "
        "(too long, too large, not a number): its writes fail during the deploy.",
        instead="Change the application first (validate to the new limits), deploy, then narrow the column; or add "
        "a new column of the new type and switch over.",
        example="# Alembic\n"
        'op.alter_column("users", "bio", type_=sa.String(50), existing_type=sa.Text())\n\n'
        "# Django (RunSQL, since AlterField hides the old type)\n"
        'migrations.RunSQL("ALTER TABLE shop_user ALTER COLUMN bio TYPE varchar(50)", migrations.RunSQL.noop)\n',
        fixed="# release N: the application limits bio to 50 characters\n"
        "# release N+1:\n"
        'op.alter_column("users", "bio", type_=sa.String(50), existing_type=sa.Text())\n',
    ),
)
def incompatible_type_change(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in _changes(m):
        if op.kind != Kind.ALTER_COLUMN or "type" not in op.args or op.origin == "django":
            continue
        reason = narrowing(old_type(m, op), op.args["type"])
        if reason:
            yield hit(op, f"Type change of {_column(op)} rejects values the running version writes: {reason}")


@history_check("MRT705", facts=field_events)
def incompatible_django_alter_field(
    migrations: list[MigrationAST], config: MRTConfig
) -> Iterator[tuple[MigrationAST, Hit]]:
    """Django `AlterField`s judged against the field's previous definition (the file alone does not say it)."""
    for change in live_type_changes(migrations, config):
        m, op = change.migration, change.op
        reason = narrowing(change.old.as_model_type(), change.new.as_model_type())
        if reason:
            message = (
                f"Type change of {_column(op)} from {change.old} to {change.new} rejects values the running "
                f"version writes: {reason}"
            )
            yield m, hit(op, message)


@rule(
    code="MRT706",
    name="New UNIQUE constraint during rolling deploy",
    category=ROLLING_DEPLOY,
    severity=WARNING,
    default_enabled=False,
    summary="A new UNIQUE constraint or index rejects duplicates the running version may still insert.",
    docs=RuleDocs(
        what="`create_unique_constraint`, `create_index(unique=True)`, `ADD CONSTRAINT ... UNIQUE`, `CREATE UNIQUE "
        "INDEX`, Django `AddConstraint(UniqueConstraint(...))`, `AlterUniqueTogether`, on an existing table; and a "
        "Django `AlterField` that adds `unique=True` or `primary_key=True` to a field that was not unique, judged "
        "against the field's previous definition in the app's earlier migrations when `mrt check` reads the whole "
        "migrations directory (silent when that definition is unknown). A unique column added in the same "
        "migration is not reported: the old version does not write it.",
        why="The old version does not know the rule: it keeps inserting rows that now violate it, and those writes "
        "fail (the migration itself fails if duplicates already exist).",
        instead="Release the application-side check (deduplicate and validate) first, clean existing duplicates, "
        "then add the constraint.",
        example="# Alembic\n"
        'op.create_unique_constraint("uq_users_email", "users", ["email"])\n\n'
        "# Django\n"
        'migrations.AddConstraint("user", models.UniqueConstraint(fields=["email"], name="uq_user_email"))\n',
        fixed="# release N: the application rejects duplicate emails and a script removes existing ones\n"
        "# release N+1:\n"
        'op.create_unique_constraint("uq_users_email", "users", ["email"])\n',
    ),
)
def new_unique(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in _changes(m):
        unique_index = op.kind == Kind.CREATE_INDEX and op.args.get("unique")
        if unique_index or (op.kind == Kind.CREATE_CONSTRAINT and builds_unique(op)) or _using_index(op):
            what = op.describe() if op.name else f"on {op.table!r}" if op.table else "on a table named at run time"
            yield hit(op, f"New unique rule {what}: INSERTs of duplicates by the running version start failing")


def _compat_changes(migrations: list[MigrationAST]) -> Iterator[FieldChange]:
    """Django `AlterField`s, with their previous definitions, of fields the running version already uses (not
    added in the same migration) on tables that existed before."""
    for change in field_changes(migrations):
        if not change.added_here and not fresh_database(change.migration) and existing(change.op):
            yield change


@history_check("MRT706", facts=field_events)
def new_unique_django_alter_field(
    migrations: list[MigrationAST], config: MRTConfig
) -> Iterator[tuple[MigrationAST, Hit]]:
    """A Django `AlterField` that makes a field unique or the primary key (the file alone does not say that it
    was neither before). A unique field made the primary key rejects no value it did not reject before."""
    for change in _compat_changes(migrations):
        old, new, op = change.old, change.new, change.op
        if old.unique is not False or old.primary_key is not False:
            continue
        became_unique = bool(new.unique)
        if became_unique or new.primary_key:
            what = "unique=True" if became_unique else "primary_key=True"
            yield (
                change.migration,
                hit(
                    op,
                    f"New unique rule on {_column(op)} (AlterField {what}): INSERTs of duplicates by the running "
                    "version start failing",
                ),
            )


def _using_index(op: Operation) -> bool:
    return op.kind == Kind.CREATE_CONSTRAINT and bool(op.args.get("using_index"))


@rule(
    code="MRT707",
    kinds=(Kind.ALTER_COLUMN,),
    name="DROP NOT NULL or DROP DEFAULT during rolling deploy",
    category=ROLLING_DEPLOY,
    severity=WARNING,
    default_enabled=False,
    summary="The running version does not expect NULLs, or relies on a default that is gone.",
    docs=RuleDocs(
        what="`alter_column(nullable=True)` on a column that was NOT NULL (`existing_nullable=False`, or a call that "
        "only relaxes nullability; not beside a type change that merely restates it), "
        "`ALTER COLUMN ... DROP NOT NULL`, `alter_column(server_default=None)` / `DROP DEFAULT`, on an existing "
        "table. A Django `AlterField` that adds `null=True` or removes `db_default` is judged against the field's "
        "previous definition in the app's earlier migrations, when `mrt check` reads the whole migrations "
        "directory (relations included; silent when that definition is unknown, and for a field added in the same "
        "migration).",
        why="New code writes NULLs that the old version reads as impossible (crashes on None); without the "
        "default, the old version's INSERTs that omit the column fail or store NULL.",
        instead="Ship code that tolerates NULL (or sets the value itself) first, then relax the column.",
        example="# Alembic\n"
        'op.alter_column("users", "email", nullable=True)\n'
        'op.alter_column("users", "plan", server_default=None)\n\n'
        "# Django (the field was EmailField() in an earlier migration)\n"
        'migrations.AlterField("user", "email", models.EmailField(null=True))\n',
        fixed="# release N: the application handles users without email; release N+1:\n"
        'op.alter_column("users", "email", nullable=True)\n',
    ),
)
def drop_not_null_or_default(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    # Columns this migration adds or renames into place: the running version does not know them.
    introduced = {(op.column or "").lower() for op in _changes(m) if op.kind == Kind.ADD_COLUMN}
    introduced |= {(op.new_name or "").lower() for op in _changes(m) if op.kind == Kind.RENAME_COLUMN}
    for op in _changes(m):
        if op.kind != Kind.ALTER_COLUMN or op.origin == "django" or (op.column or "").lower() in introduced:
            continue
        if op.args.get("nullable") is True and _was_not_null(op):
            yield hit(op, f"{_column(op)} becomes nullable: the running version does not expect NULL there")
        elif op.args.get("server_default") is False:
            yield hit(op, f"The default of {_column(op)} is dropped: INSERTs from the running version relied on it")


@history_check("MRT707", facts=field_events)
def relaxed_django_alter_field(migrations: list[MigrationAST], config: MRTConfig) -> Iterator[tuple[MigrationAST, Hit]]:
    """A Django `AlterField` that adds `null=True` or removes `db_default`, known from the field's previous
    definition."""
    for change in _compat_changes(migrations):
        old, new, op = change.old, change.new, change.op
        if new.null and old.null is False:
            yield (
                change.migration,
                hit(op, f"{_column(op)} becomes nullable: the running version does not expect NULL there"),
            )
        if old.db_default and new.db_default is False:
            message = f"The db_default of {_column(op)} is dropped: INSERTs from the running version relied on it"
            yield change.migration, hit(op, message)


def _was_not_null(op: Operation) -> bool:
    """`nullable=True` drops NOT NULL when the column had it: said by `existing_nullable=False`, or implied
    when relaxing nullability is all the call does (beside a type change it is often just restated)."""
    if op.args.get("existing_nullable") is not None:
        return op.args["existing_nullable"] is False
    return "type" not in op.args


def _enum_values(t: Any) -> tuple[str, ...]:
    if not isinstance(t, dict) or str(t.get("name", "")).lower() not in ("enum", "set"):
        return ()
    return tuple(a for a in t.get("args") or () if isinstance(a, str))


@rule(
    code="MRT708",
    kinds=(Kind.OTHER_SQL, Kind.ALTER_COLUMN),
    name="Enum value renamed or removed",
    category=ROLLING_DEPLOY,
    severity=ERROR,
    default_enabled=False,
    summary="An enum value the running version still writes is renamed or removed.",
    docs=RuleDocs(
        what="`ALTER TYPE ... RENAME VALUE` in raw SQL, or `alter_column` from an ENUM/SET to one that lacks some "
        "of the old values (old values from `existing_type=` or the downgrade).",
        why="The old version keeps writing (and filtering by) the old label: its writes fail with 'invalid input "
        "value for enum', and rows it reads carry a label it does not know.",
        instead="Add the new value, ship code that writes it, migrate the rows, and remove the old value only when "
        "no running version uses it.",
        example="# Alembic\n"
        "op.execute(\"ALTER TYPE order_state RENAME VALUE 'sent' TO 'shipped'\")\n\n"
        "# Django (RunSQL)\n"
        "migrations.RunSQL(\"ALTER TYPE order_state RENAME VALUE 'sent' TO 'shipped'\", migrations.RunSQL.noop)\n",
        fixed="# release N\n"
        "op.execute(\"ALTER TYPE order_state ADD VALUE 'shipped'\")\n"
        "# release N+1, after the code writes 'shipped':\n"
        "op.execute(\"UPDATE orders SET state = 'shipped' WHERE state = 'sent'\")\n",
    ),
)
def enum_value_renamed(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    for op in _changes(m):
        if op.kind == Kind.OTHER_SQL and op.args.get("enum_rename"):
            yield hit(op, f"An enum value of {op.name!r} is renamed: the running version still writes the old label")
        elif op.kind == Kind.ALTER_COLUMN and op.origin != "django":
            old, new = _enum_values(old_type(m, op)), _enum_values(op.args.get("type"))
            removed = [v for v in old if v not in new]
            if old and new and removed:
                yield hit(
                    op,
                    f"Enum values {', '.join(map(repr, removed))} of {_column(op)} are removed: the running version "
                    "still writes them",
                )


@rule(
    code="MRT709",
    kinds=(Kind.DROP_COLUMN, Kind.DROP_TABLE),
    name="Expand and contract in one migration",
    category=ROLLING_DEPLOY,
    severity=ERROR,
    default_enabled=False,
    summary="One migration ships both steps of a two-release change: there is no release in between.",
    docs=RuleDocs(
        what="An upgrade that adds a column to an existing table and drops another column of the same table "
        "(the usual shape of replacing a column); and a Django migration whose `SeparateDatabaseAndState` removes "
        "a field (`RemoveField`) or model (`DeleteModel`) from the model state while the same migration drops its "
        "column or table in the database (in `database_operations`, a plain `RemoveField` / `DeleteModel`, or "
        "`RunSQL` on the default `<app>_<model>` table): zero-downtime-migrations' R009; and a Django column or "
        "table dropped in a migration that declares itself part of the expand phase with django-safemigrate (`safe = "
        "Safe.before_deploy` or `Safe.always`). Reported once, at the drop (instead of MRT701 / MRT703).",
        why="Expand-and-contract only works with a release between the steps: the version that runs during the "
        "deploy still reads the dropped column, and nothing has been writing the new one yet. Removing a field "
        "from the state first exists so that a release whose code no longer reads the column is deployed before "
        "the column goes; shipping the database drop beside it gives the old version the same 'column does not "
        "exist' errors as a plain RemoveField. safemigrate runs a before-deploy migration while the old code serves "
        "traffic, so a drop there is the contract step in the expand phase.",
        instead="Ship the expand step (add, dual-write, backfill) in one release and the contract step (drop) in a "
        "later one. Django: the state-only `SeparateDatabaseAndState` in release N, the database drop in a "
        "migration of release N+1.",
        example="# Alembic\n"
        'op.add_column("users", sa.Column("full_name", sa.String(200)))\n'
        'op.drop_column("users", "name")\n\n'
        "# Django\n"
        "migrations.SeparateDatabaseAndState(\n"
        '    state_operations=[migrations.RemoveField("user", "legacy_code")],\n'
        '    database_operations=[migrations.RemoveField("user", "legacy_code")],\n'
        ")\n",
        fixed="# release N (expand)\n"
        'op.add_column("users", sa.Column("full_name", sa.String(200)))\n'
        "# release N+1 (contract), once nothing reads users.name\n"
        'op.drop_column("users", "name")\n\n'
        "# Django, release N: the model no longer has the field, the column stays\n"
        "migrations.SeparateDatabaseAndState(\n"
        '    state_operations=[migrations.RemoveField("user", "legacy_code")],\n'
        ")\n"
        "# release N+1\n"
        'migrations.RunSQL("ALTER TABLE shop_user DROP COLUMN legacy_code", migrations.RunSQL.noop)\n',
    ),
)
def expand_and_contract(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    paired = _expand_contract_drops(m)
    both_steps = _both_steps(m)
    for op in _changes(m):
        add = paired.get(id(op))
        if add is not None:
            step = "field" if m.framework == DJANGO else "column"
            yield hit(
                op,
                f"{_column(op)} is dropped in the migration that adds {step} {add.column!r} (line {add.line}): "
                "ship the drop in a later release",
            )
        elif id(op) in both_steps:
            dropped = f"table {op.table!r}" if op.kind == Kind.DROP_TABLE else _column(op)
            yield hit(
                op,
                f"{dropped} is dropped {both_steps[id(op)]}: the running version still reads it. Drop it in a "
                "migration of the next release (Safe.after_deploy)",
            )


def _ships_with_code(m: MigrationAST, config: MRTConfig) -> bool:
    """Whether `mrt check --base-ref` found this migration added in a diff that also changes application code
    (and MRT710 reports there: MRT701/702/703 hand their finding over only to a rule that will show it)."""
    from mrt.analyzer import rule_enabled

    changes = config.git_changes
    return (
        changes is not None
        and bool(changes.app_files)
        and changes.is_added(m.path)
        and rule_enabled("MRT710", config, m.path)
    )


@rule(
    code="MRT710",
    kinds=(Kind.DROP_COLUMN, Kind.RENAME_COLUMN, Kind.DROP_TABLE, Kind.RENAME_TABLE, Kind.OTHER_SQL),
    name="Contract step shipped with application code",
    category=ROLLING_DEPLOY,
    severity=ERROR,
    default_enabled=False,
    summary="With --base-ref: a migration added by this change drops or renames what the running version uses, "
    "and the same change edits application code.",
    docs=RuleDocs(
        what="Only with `mrt check --base-ref REF`, which asks git what changed since the merge base with REF. A "
        "migration added since then that drops or renames a column, table, model or schema (what MRT701, MRT702 "
        "and MRT703 report), while application Python files changed in the same diff: not migrations, not the "
        "other files of a migrations package or `env.py`, not tests (tracked files only: an untracked scratch "
        "script is not part of the change). Reported instead of MRT701/702/703 for those operations, and silenced "
        "by a suppression of the one it replaces (`# mrt: ignore[MRT701]` on an accepted drop). Opt-in with `--check-compat`, like every rolling-deploy rule (zero-downtime-migrations' "
        "R008).",
        why="The code change is usually the one that stops using the object. Shipped together, the migration runs "
        "while the previous version, which still uses it, serves traffic: its queries fail until the last old "
        "instance is gone, and a rollback of the code brings them back against a schema that no longer has the "
        "object.",
        instead="Split the change: release the code that no longer uses the column or table first, then the "
        "migration that drops or renames it in a later release (its own pull request, merged after the deploy).",
        example="# one pull request\n"
        "# app/models.py: the `legacy_code` attribute removed\n"
        "# migrations/versions/c3_drop_legacy.py:\n"
        'op.drop_column("users", "legacy_code")\n',
        fixed="# pull request 1 (release N): app/models.py without `legacy_code`\n"
        "# pull request 2 (release N+1), after N is deployed everywhere:\n"
        'op.drop_column("users", "legacy_code")\n',
    ),
)
def contract_with_code(m: MigrationAST, config: MRTConfig) -> Iterator[Hit]:
    if not _ships_with_code(m, config):
        return
    files = config.git_changes.app_files  # type: ignore[union-attr]
    shown = ", ".join(files[:2]) + (f" and {len(files) - 2} more" if len(files) > 2 else "")
    handed_over = (
        *((found, "MRT701") for found in _dropped_columns(m)),
        *((found, "MRT702") for found in _renamed_columns(m)),
        *((found, "MRT703") for found in _dropped_or_renamed_tables(m)),
    )
    for found, instead_of in handed_over:
        yield replace(
            found,
            message=f"{found.message}; this change also edits application code ({shown}), so the contract step "
            "ships with the code that stopped using it: move the migration to a later release",
            stands_for=(instead_of,),
        )
