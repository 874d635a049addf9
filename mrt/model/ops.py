"""The framework-neutral operation list that every rule reads.

Alembic calls, Django operations and parsed raw SQL all become `Operation`s, so a rule written once
sees `op.drop_column("t", "c")`, `migrations.RemoveField(...)` and `ALTER TABLE t DROP COLUMN c`
alike. An operation knows its side (upgrade or downgrade), its exact source range, and the context
that decides whether it is safe (inside a batch, an autocommit block, a non-atomic migration, a
`SeparateDatabaseAndState`, a dialect branch, a table created earlier in the same migration).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

UPGRADE = "upgrade"
DOWNGRADE = "downgrade"


class Kind:
    """Operation kinds. Plain strings so rules, tests and JSON read the same."""

    CREATE_TABLE = "create_table"
    DROP_TABLE = "drop_table"
    RENAME_TABLE = "rename_table"
    ADD_COLUMN = "add_column"
    DROP_COLUMN = "drop_column"
    ALTER_COLUMN = "alter_column"
    RENAME_COLUMN = "rename_column"
    CREATE_INDEX = "create_index"
    DROP_INDEX = "drop_index"
    RENAME_INDEX = "rename_index"
    CREATE_CONSTRAINT = "create_constraint"
    DROP_CONSTRAINT = "drop_constraint"
    VALIDATE_CONSTRAINT = "validate_constraint"
    CREATE_VIEW = "create_view"
    DROP_VIEW = "drop_view"
    CREATE_SEQUENCE = "create_sequence"
    ALTER_SEQUENCE = "alter_sequence"
    DROP_SEQUENCE = "drop_sequence"
    CREATE_TRIGGER = "create_trigger"
    DROP_TRIGGER = "drop_trigger"
    CREATE_TYPE = "create_type"
    DROP_TYPE = "drop_type"
    ADD_ENUM_VALUE = "add_enum_value"
    CREATE_FUNCTION = "create_function"
    DROP_FUNCTION = "drop_function"
    CREATE_EXTENSION = "create_extension"
    DROP_EXTENSION = "drop_extension"
    UPDATE = "update"
    DELETE = "delete"
    INSERT = "insert"
    TRUNCATE = "truncate"
    RUN_PYTHON = "run_python"
    TRANSACTION = "transaction"
    MAINTENANCE = "maintenance"  # VACUUM, CLUSTER, REINDEX, ANALYZE
    COMMENT = "comment"
    SELECT = "select"
    RAW_SQL = "raw_sql"  # SQL we could not parse, or could not read (a variable, a call)
    OTHER_SQL = "other_sql"  # parsed, but no rule cares (GRANT, SET, ...)


DATA_KINDS = frozenset({Kind.UPDATE, Kind.DELETE, Kind.INSERT, Kind.TRUNCATE, Kind.RUN_PYTHON})


@dataclass(frozen=True, slots=True)
class Span:
    """1-based lines, 0-based columns, as `ast` reports them."""

    line: int
    column: int
    end_line: int
    end_column: int

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled as its constructor's arguments (see `MigrationAST.__reduce__`): the facts a worker sends back
        hold operations and spans, and a slotted dataclass otherwise pickles through `fields()` per object."""
        return (Span, (self.line, self.column, self.end_line, self.end_column))


@dataclass(slots=True)
class Operation:
    """One schema or data change.

    `args` holds literal keyword arguments worth knowing (nullable, type, server_default, unique,
    concurrently, constraint_type, ondelete, columns, where, reverse, not_valid, m2m, ...): only what
    could be read without running code; a value that could not be read is absent, never guessed.
    """

    kind: str
    side: str
    span: Span
    table: str | None = None
    column: str | None = None
    name: str | None = None
    new_name: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    origin: str = "op"  # "op" (Alembic call), "sql" (parsed raw SQL), "django", "python"
    call: str = ""  # the call as written, e.g. "op.drop_column" or "migrations.RemoveField"
    sql: str | None = None
    in_batch: bool = False
    autocommit: bool = False
    condition: str | None = None  # text of an enclosing `if`, e.g. "dialect.name == 'postgresql'"
    helper: str | None = None  # the module-level helper function the operation sits in
    in_separate_db_state: bool = False  # inside SeparateDatabaseAndState.database_operations
    reverse_of: str | None = None  # Django: the RunSQL/RunPython whose reverse this is
    new_table: bool = False  # the table was created earlier on the same side of this migration

    @property
    def line(self) -> int:
        return self.span.line

    def __reduce__(self) -> tuple[object, ...]:
        return (Operation, _operation_args(self))  # see `Span.__reduce__`

    def describe(self) -> str:
        """A short human name for messages: `users.email`, `ix_users_email`, `users`."""
        named_kinds = (Kind.CREATE_INDEX, Kind.DROP_INDEX, Kind.CREATE_CONSTRAINT, Kind.DROP_CONSTRAINT)
        if self.kind in named_kinds:
            if not self.name:  # a table named at run time (a loop over table names) has no name to quote
                return f"(unnamed) on {self.table!r}" if self.table else "(unnamed) on a table named at run time"
            return f"{self.name!r} on {self.table!r}" if self.table else repr(self.name)
        if self.table and self.column:
            return f"{self.table}.{self.column}"
        return self.table or self.name or "?"


_operation_args = attrgetter(*(f.name for f in fields(Operation)))


def mark_new_tables(ops: list[Operation]) -> None:
    """Set `new_table` on every operation whose table an earlier operation on its side created.

    Locks and rewrites on a table nobody can be using yet do not matter, so lock rules read this
    flag; computing it once keeps every rule linear.
    """
    created: dict[str, set[str]] = {UPGRADE: set(), DOWNGRADE: set()}
    for op in ops:
        table = op.table
        if not table:  # nothing to mark, and nothing created or renamed that a later operation could name
            continue
        seen = created[op.side]
        if table in seen:
            op.new_table = True
            if op.kind == Kind.RENAME_TABLE and op.new_name:
                seen.add(op.new_name)
        elif op.kind == Kind.CREATE_TABLE:
            seen.add(table)
