"""Which tables could a migration step have changed? Read it off the SQL the step sent.

Re-reading every table's rows and catalog after every step makes a history of n revisions cost
O(n * tables), which is quadratic for a growing schema. Instead, every statement that goes through
SQLAlchemy while a step runs is recorded, and only the tables it names (plus the tables whose foreign
keys point at them, for cascades) are re-read. Anything that could act at a distance makes the step
"opaque" and every table is re-read: a statement that is not plain DDL/DML (a function call, `DO`,
`CALL`), a trigger in the database, or a revision that talks to the DBAPI cursor directly.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Any

_IDENT = re.compile(r'"((?:[^"]|"")+)"|`((?:[^`]|``)+)`|\[([^\]]+)\]|([A-Za-z_][A-Za-z0-9_$]*)')
_PLAIN_STARTS = frozenset(
    {"create", "alter", "drop", "insert", "update", "delete", "comment", "truncate", "rename", "pragma", "set", "show"}
)
_SETTINGS = re.compile(r"^\s*(set|show|pragma)\b", re.IGNORECASE)
_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)
_ACTS_AT_DISTANCE = re.compile(r"\b(trigger|function|procedure|rule|do|call|execute)\b", re.IGNORECASE)
# Statements that create or drop tables without naming them: `CREATE EXTENSION` (its own tables),
# `DROP SCHEMA ... CASCADE`, `DROP OWNED BY`, and `SELECT ... INTO new_table`.
_UNNAMED_TABLES = re.compile(
    r"^(create|drop|alter)\s+(extension|schema|owned)\b|^(select|with)\b.*\binto\b", re.IGNORECASE | re.DOTALL
)
RAW_DBAPI_MARKERS = ("cursor(", "raw_connection", "driver_connection", "dbapi_connection", "connection.connection")


class StatementWatch:
    """Collects the SQL sent through any SQLAlchemy engine while `active` is true."""

    def __init__(self) -> None:
        self.active = False
        self.statements: list[str] = []
        self._installed = False

    def install(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        if not self._installed:
            event.listen(Engine, "before_cursor_execute", self._record)
            self._installed = True

    def uninstall(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        if self._installed:
            event.remove(Engine, "before_cursor_execute", self._record)
            self._installed = False

    def _record(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if self.active:
            self.statements.append(statement)

    def take(self) -> list[str]:
        out, self.statements = self.statements, []
        return out


class FoldedNames(dict[str, str]):
    """Table names by their lower-case form: what `touched_tables` matches identifiers against. A
    snapshot builds it once (`mrt.verify.catalog.Catalog.folded_names`) instead of each call doing so
    for every table of a long history, several times a revision."""


def touched_tables(statements: Iterable[str], known: Iterable[str], views: Iterable[str] = ()) -> set[str] | None:
    """Known tables named by `statements`; None when a statement may act beyond what it names
    (writing through a view changes the tables behind it). `known` is a list of names or their
    `FoldedNames`."""
    lookup = known if isinstance(known, FoldedNames) else FoldedNames((name.lower(), name) for name in known)
    through = {name.lower() for name in views}
    touched: set[str] = set()
    for raw in statements:
        words = _facts(raw).names
        if words is None:
            return None
        if through and not through.isdisjoint(words):
            return None
        touched.update(lookup[word] for word in words if word in lookup)
    return touched


class _Facts:
    """What the functions of this module need to know about one statement, worked out once.

    A revision's statements are looked at several times (which tables it touched, whose rows may have
    changed, whether the table list or other objects may have, which names it mentions) and its
    upgrade runs twice, so each statement used to be scanned for identifiers four to six times; the
    scans were most of mrt's own Python time per revision after the catalog query."""

    __slots__ = ("mentioned", "names", "other_objects", "row_change", "table_set_change")

    def __init__(self, raw: str) -> None:
        text = _COMMENTS.sub(" ", raw)
        stripped = text.strip()
        words = [match.group(match.lastindex or 0) for match in _IDENT.finditer(text)]
        self.mentioned = frozenset(words) | frozenset(word.lower() for word in words)
        self.names = _named(stripped, words)
        self.row_change = not _NO_ROW_CHANGES.match(stripped)
        self.table_set_change = bool(_TABLE_SET_CHANGE.search(text))
        self.other_objects = bool(_OTHER_OBJECTS.search(text))


@functools.lru_cache(maxsize=1024)
def _facts(raw: str) -> _Facts:
    return _Facts(raw)


def _named(text: str, words: list[str]) -> frozenset[str] | None:
    """The identifiers of one comment-free statement in lower case (empty for one that names no table
    it could change: a plain read, a setting); None when it may act beyond what it names."""
    if not text:
        return frozenset()
    first = text.split(None, 1)[0].lower()
    if _UNNAMED_TABLES.match(text):
        return None
    if first == "select" or first == "with":
        # Reads are harmless unless they call something (a function may write anywhere).
        if "(" in text and not _is_catalog_read(text):
            return None
        return frozenset()
    if first not in _PLAIN_STARTS:
        return None
    if _SETTINGS.match(text):
        return frozenset()
    if _ACTS_AT_DISTANCE.search(text) and first in ("create", "drop", "alter"):
        head = text.split(None, 3)
        if len(head) > 1 and head[1].lower() not in ("table", "index", "unique", "view", "sequence", "type"):
            return None
    return frozenset(word.lower() for word in words)


_TABLE_SET_CHANGE = re.compile(
    r"\b(create|drop)\s+(?:(?:global|local|temporary|temp|unlogged|or\s+replace)\s+)*table\b|\brename\b", re.IGNORECASE
)
# A SERIAL or IDENTITY column's sequence belongs to its table and is not tracked on its own.
_OTHER_OBJECTS = re.compile(r"\b(view|sequence|type|trigger|enum|materialized|domain|schema)\b", re.IGNORECASE)


# Building or dropping an index changes no row (alone in its statement: `CREATE INDEX ...; UPDATE ...`
# is one string to the driver).
_NO_ROW_CHANGES = re.compile(r"^(create\s+(unique\s+)?index|drop\s+index)\b[^;]*;?\s*$", re.IGNORECASE)


def row_changes(statements: Iterable[str]) -> list[str]:
    """The statements that may change a table's rows: all but those that build or drop an index."""
    return [raw for raw in statements if _facts(raw).row_change]


def catalog_scope(statements: Iterable[str]) -> tuple[bool, bool]:
    """(the list of tables may have changed, views/sequences/enums/triggers may have changed)."""
    names = objects = False
    for raw in statements:
        facts = _facts(raw)
        names = names or facts.table_set_change
        objects = objects or facts.other_objects
    return names, objects


def mentioned_names(statements: Iterable[str]) -> set[str]:
    """Every identifier the statements mention, as written and folded to lower case: a superset of
    the tables they create, drop or rename (`touched_tables` treats a statement that can do so
    without naming the table as opaque)."""
    names: set[str] = set()
    for raw in statements:
        names |= _facts(raw).mentioned
    return names


def _is_catalog_read(text: str) -> bool:
    """Reflection queries Alembic itself issues (batch mode on SQLite, server version checks)."""
    lowered = text.lower()
    return any(marker in lowered for marker in ("sqlite_master", "sqlite_schema", "information_schema", "pg_catalog"))


def uses_raw_dbapi(source: str) -> bool:
    """Whether a revision's source talks to the DBAPI directly, where statements cannot be watched."""
    return any(marker in source for marker in RAW_DBAPI_MARKERS)
