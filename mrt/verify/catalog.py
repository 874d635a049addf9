"""Catalog snapshots: what the database's schema looks like, in a form that compares and words well.

A snapshot holds every table's columns (type, nullability, default), primary key, indexes (unique,
partial and expression ones where the engine reports them), unique/check/foreign-key constraints,
plus views, sequences and (PostgreSQL) enum types with their labels in order. Reflection goes
through SQLAlchemy's multi-table inspector calls, and only for the tables a caller asks for, so a
long history re-reads only what each migration touched (see `mrt.verify.watch`).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mrt.verify.watch import FoldedNames

IGNORED_TABLES = frozenset({"alembic_version", "django_migrations"})
_MAX_LOOKUPS = 1000  # names PostgreSQL looks up one by one before listing every table instead


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    default: str | None
    sa_type: Any = field(compare=False, repr=False, default=None)
    autoincrement: Any = field(compare=False, repr=False, default=None)


@dataclass(frozen=True)
class ForeignKey:
    name: str | None
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    ondelete: str | None = None


@dataclass(frozen=True)
class Table:
    """One table's shape. Constraint dicts are keyed by name, or by their columns when unnamed."""

    name: str
    columns: dict[str, Column]
    primary_key: tuple[str, ...]
    indexes: dict[str, tuple[Any, ...]]
    uniques: dict[str, tuple[str, ...]]
    checks: dict[str, str]
    foreign_keys: dict[str, ForeignKey]
    fingerprint: str | None = field(default=None, compare=False)


@dataclass
class Catalog:
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, str] = field(default_factory=dict)
    sequences: frozenset[str] = frozenset()
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    has_triggers: bool = False
    _memos: dict[str, tuple[Any, int, Any]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def copy(self) -> Catalog:
        return Catalog(dict(self.tables), dict(self.views), self.sequences, dict(self.enums), self.has_triggers)

    def folded_names(self) -> FoldedNames:
        """The table names by lower-case form, for `mrt.verify.watch.touched_tables`."""
        from mrt.verify.watch import FoldedNames

        return self._memo("folded", lambda: FoldedNames((name.lower(), name) for name in self.tables))

    def with_foreign_keys(self) -> list[Table]:
        """The tables with foreign keys (most tables of a long history have none), for `referencing`."""
        return self._memo("children", lambda: [t for t in self.tables.values() if t.foreign_keys])

    def _carry_over(self, previous: Catalog, changed: set[str]) -> None:
        """Derive the folded names and the tables with foreign keys from `previous`'s, where it has
        them: this snapshot is `previous` with only the tables in `changed` added, dropped or re-read.
        Building them over every table for every snapshot, two a revision, made a long history's
        revisions cost more and more; this costs a dict copy and a step per changed table."""
        from mrt.verify.watch import FoldedNames

        tables = self.tables
        folded = previous._memos.get("folded")
        if folded is not None and folded[0] is previous.tables and folded[1] == len(previous.tables):
            names = FoldedNames(folded[2])
            for name in changed:
                if names.get(name.lower()) == name:
                    del names[name.lower()]
            for name in changed:
                if name in tables:
                    names[name.lower()] = name
            # Two tables whose names differ only in case: left to a full rebuild, which picks the same one.
            if len(names) == len(tables) and tables.keys() >= set(names.values()):
                self._memos["folded"] = (tables, len(tables), names)
        children = previous._memos.get("children")
        if children is not None and children[0] is previous.tables and children[1] == len(previous.tables):
            kept = [t for t in children[2] if t.name not in changed]
            kept += [tables[name] for name in changed if name in tables and tables[name].foreign_keys]
            self._memos["children"] = (tables, len(tables), kept)

    def _memo(self, key: str, build: Any) -> Any:
        """Lists over every table, built once per snapshot: a long history asks for them several times
        a revision, and each pass over its hundreds of tables made every revision cost more than the one
        before. Rebuilt should `tables` be replaced or change size (a snapshot is complete once made)."""
        found = self._memos.get(key)
        if found is None or found[0] is not self.tables or found[1] != len(self.tables):
            found = self._memos[key] = (self.tables, len(self.tables), build())
        return found[2]


def table_names(connection: Any, schema: str | None = None) -> set[str]:
    """Names of the user tables (cheap: one catalog query)."""
    from sqlalchemy import inspect

    return {t for t in inspect(connection).get_table_names(schema=schema) if t not in IGNORED_TABLES}


def refresh(
    connection: Any,
    previous: Catalog | None,
    dirty: Iterable[str] | None,
    schema: str | None = None,
    *,
    names: bool = True,
    objects: bool = True,
    shapes: dict[tuple[str, str], Table] | None = None,
    reshaped: bool = False,
    mentioned: Iterable[str] | None = None,
) -> Catalog:
    """A new snapshot: tables in `dirty` (all when None, or when there is no previous) are re-read.

    With a previous snapshot, `names=False` keeps its list of tables and `objects=False` its views,
    sequences, enums and trigger flag: the caller knows from the SQL it watched that they cannot
    have changed (see `mrt.verify.watch.catalog_scope`). `reshaped` says the dirty tables most
    likely have a shape not seen before (after an upgrade, unlike after a downgrade): PostgreSQL then
    sends their constraints along with their fingerprints instead of in a second query.

    `mentioned` holds every name the SQL since `previous` mentions (`mrt.verify.watch.mentioned_names`):
    a table that SQL created, dropped or renamed is among them, so PostgreSQL looks up only these
    instead of listing every table, a scan of pg_class that grows with each table a long history
    creates and drops.
    """
    from sqlalchemy import inspect

    inspector = inspect(connection)
    full = previous is None or dirty is None
    listing: dict[str, _Listed] | None = None
    if connection.dialect.name == "postgresql" and (full or names or dirty):
        known = None if previous is None or dirty is None else set(previous.tables)
        # The version table is no table of the user's: never described (Alembic names it in every step).
        looked_up = (set(dirty or ()) | (set(mentioned or ()) if names else set())) - IGNORED_TABLES
        # a data migration's statements can mention thousands of names: listing the tables is cheaper then
        everything = full or (names and (mentioned is None or len(looked_up) > _MAX_LOOKUPS))
        listing = _pg_listing(
            connection,
            schema,
            None if known is None else known | IGNORED_TABLES,
            (dirty or ()) if everything else looked_up,
            everything,
            reshaped,
        )
        found = set(listing) - IGNORED_TABLES
        table_set = found if everything else (set(known or ()) - looked_up) | found
    elif full or names:
        table_set = {t for t in inspector.get_table_names(schema=schema) if t not in IGNORED_TABLES}
    else:
        assert previous is not None
        table_set = set(previous.tables)
    catalog = Catalog()
    reread = set(table_set) if full else (set(dirty or ()) | (table_set - set(previous.tables)))  # type: ignore[union-attr]
    reread &= table_set
    if previous is not None:
        catalog.tables = dict(previous.tables)  # then trimmed: set operations, not a pass in Python over every table
        for name in (previous.tables.keys() - table_set) | (reread & previous.tables.keys()):
            del catalog.tables[name]
    if reread:
        catalog.tables.update(_reread(inspector, connection, sorted(reread), schema, shapes, listing))
    if previous is not None:
        catalog._carry_over(previous, (previous.tables.keys() - table_set) | reread)
    if full or objects:
        catalog.views = _views(inspector, schema)
        catalog.sequences = _sequences(inspector, connection, schema)
        catalog.enums = _enums(inspector, schema)
        catalog.has_triggers = _has_triggers(connection, schema)
    else:
        assert previous is not None
        catalog.views, catalog.sequences = previous.views, previous.sequences
        catalog.enums, catalog.has_triggers = previous.enums, previous.has_triggers
    return catalog


def _reread(
    inspector: Any,
    connection: Any,
    names: list[str],
    schema: str | None,
    shapes: dict[tuple[str, str], Table] | None,
    listing: dict[str, _Listed] | None = None,
) -> dict[str, Table]:
    """Tables whose definition (by fingerprint) was seen before come from `shapes`; others are reflected.

    A downgrade that restores a table gives it back its old fingerprint, so the check after each
    downgrade usually costs one cheap catalog query instead of a full reflection. On PostgreSQL the
    fingerprints (and, when asked for, the constraints) come with the `listing` already.
    """
    if listing is not None:
        prints = {name: listing[name].fingerprint for name in names if listing[name].fingerprint}
    else:
        prints = _fingerprints(connection, names, schema) if shapes is not None else {}
    out: dict[str, Table] = {}
    missing = []
    for name in names:
        fingerprint = prints.get(name)
        known = shapes.get((name, fingerprint)) if shapes is not None and fingerprint else None
        if known is not None:
            out[name] = known
        else:
            missing.append(name)
    if missing and listing is not None and any(listing[name].definitions is None for name in missing):
        listing = _pg_listing(connection, schema, None, missing, everything=False, definitions=True)
    if missing:
        for name, table in _reflect_tables(inspector, connection, missing, schema, listing).items():
            fingerprint = prints.get(name)
            if fingerprint and shapes is not None:
                table = Table(**{**table.__dict__, "fingerprint": fingerprint})
                shapes[(name, fingerprint)] = table
            out[name] = table
    return out


def _fingerprints(connection: Any, names: list[str], schema: str | None) -> dict[str, str]:
    """A digest of each table's full definition (empty where unsupported; PostgreSQL's come with `_pg_listing`)."""
    import hashlib
    import re

    from sqlalchemy import bindparam, text

    dialect = connection.dialect.name
    if dialect == "sqlite":
        query = text(
            "SELECT tbl_name, type, name, coalesce(sql, '') FROM sqlite_master "
            "WHERE tbl_name IN :names ORDER BY tbl_name, type, name"
        ).bindparams(bindparam("names", expanding=True))
        parts: dict[str, list[str]] = {}
        for table, kind, name, sql in connection.execute(query, {"names": list(names)}):
            parts.setdefault(table, []).append(f"{kind}:{name}:{sql}")
        return {t: hashlib.sha1("|".join(p).encode()).hexdigest() for t, p in parts.items()}
    if dialect in ("mysql", "mariadb"):
        prep = connection.dialect.identifier_preparer
        out = {}
        for name in names:
            ddl = connection.exec_driver_sql(f"SHOW CREATE TABLE {prep.quote(name)}").one()[1]
            ddl = re.sub(r"\sAUTO_INCREMENT=\d+", "", ddl)  # the counter moves with every insert
            out[name] = hashlib.sha1(ddl.encode()).hexdigest()
        return out
    return {}


def _reflect_tables(
    inspector: Any, connection: Any, names: list[str], schema: str | None, listing: dict[str, _Listed] | None
) -> dict[str, Table]:
    from sqlalchemy.engine.reflection import ObjectKind, ObjectScope

    # Any kind and scope: the names are known tables, so SQLAlchemy need not list the schema's tables
    # again before each of the calls below (it does for the default kind and scope).
    kw = {"schema": schema, "filter_names": names, "kind": ObjectKind.ANY, "scope": ObjectScope.ANY}
    if listing is not None:
        return _pg_tables(inspector, connection, names, schema, listing)
    columns = inspector.get_multi_columns(**kw)
    pks = inspector.get_multi_pk_constraint(**kw)
    indexes = inspector.get_multi_indexes(**kw)
    uniques = inspector.get_multi_unique_constraints(**kw)
    fks = inspector.get_multi_foreign_keys(**kw)
    try:
        checks = inspector.get_multi_check_constraints(**kw)
    except NotImplementedError:
        checks = {}
    dialect = connection.dialect
    out: dict[str, Table] = {}
    for name in names:
        key = (schema, name)
        cols = {c["name"]: _column(c, dialect) for c in columns.get(key, [])}
        pk = tuple((pks.get(key) or {}).get("constrained_columns") or ())
        fk_map: dict[str, ForeignKey] = {}
        for fk in fks.get(key, []):
            foreign = ForeignKey(
                fk.get("name"),
                tuple(fk["constrained_columns"]),
                fk["referred_table"],
                tuple(fk["referred_columns"]),
                ((fk.get("options") or {}).get("ondelete") or "").upper() or None,
            )
            fk_map[fk.get("name") or f"({', '.join(foreign.columns)}) -> {foreign.referred_table}"] = foreign
        unique_map = {
            (u.get("name") or f"({', '.join(u['column_names'])})"): tuple(u["column_names"])
            for u in uniques.get(key, [])
        }
        index_map: dict[str, tuple[Any, ...]] = {}
        for ix in indexes.get(key, []):
            if ix.get("unique") and ix.get("name") in unique_map:
                continue  # MySQL reports a unique constraint as an index too
            if ix.get("duplicates_constraint") and ix["duplicates_constraint"] in fk_map:
                continue  # MySQL's implicit index behind a foreign key
            expressions = tuple(ix.get("expressions") or ())
            column_names = tuple(c if c is not None else "<expr>" for c in ix.get("column_names") or ())
            where = _index_where(ix)
            index_map[ix.get("name") or f"({', '.join(column_names)})"] = (
                expressions or column_names,
                bool(ix.get("unique")),
                where,
            )
        check_map = {(c.get("name") or c["sqltext"]): " ".join(str(c["sqltext"]).split()) for c in checks.get(key, [])}
        out[name] = Table(name, cols, pk, index_map, unique_map, check_map, fk_map)
    return out


def _pg_tables(
    inspector: Any, connection: Any, names: list[str], schema: str | None, listing: dict[str, _Listed]
) -> dict[str, Table]:
    """PostgreSQL: columns, keys, constraints and indexes come from the listing (SQLAlchemy's inspector
    needs a query for the columns and five more for the rest, which dominated a long history's run
    time). Seeding needs column types as SQLAlchemy types: those are remembered by their
    `format_type` text, and the inspector is asked only for tables with a type not seen before."""
    dialect = connection.dialect
    # In a named schema the inspector qualifies sequence names in defaults: leave those tables to it.
    columns = {name: _pg_columns(listing[name].columns or [], dialect) if schema is None else None for name in names}
    unknown = [name for name, found in columns.items() if found is None]
    if unknown:
        from sqlalchemy.engine.reflection import ObjectKind, ObjectScope

        reflected = inspector.get_multi_columns(
            schema=schema, filter_names=unknown, kind=ObjectKind.ANY, scope=ObjectScope.ANY
        )
        for name in unknown:
            infos = reflected.get((schema, name), [])
            columns[name] = {c["name"]: _column(c, dialect) for c in infos}
            if schema is None:
                _remember_types(listing[name].columns or [], infos)
    tables = {name: Table(name, columns[name] or {}, (), {}, {}, {}, {}) for name in names}
    ondelete = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}
    for table_name in names:
        for kind, name, type_, cols, ref_table, ref_cols, definition, extra in listing[table_name].definitions or ():
            table = tables[table_name]
            cols = tuple(cols or ())
            if kind == "index":
                target = (definition,) if "<expr>" in cols else cols
                table.indexes[name] = (target, type_ == "u", " ".join(extra.split()) if extra else None)
            elif type_ == "p":
                tables[table_name] = Table(**{**table.__dict__, "primary_key": cols})
            elif type_ == "u":
                table.uniques[name] = cols
            elif type_ == "f":
                table.foreign_keys[name] = ForeignKey(name, cols, ref_table, tuple(ref_cols or ()), ondelete.get(extra))
            elif type_ == "c":
                table.checks[name] = " ".join(definition.split())
    return tables


# format_type text -> SQLAlchemy type, for PostgreSQL's built-in types (named types such as enums and
# domains carry labels and rules that can change, so they are always reflected).
_PG_TYPES: dict[str, Any] = {}


def _pg_columns(rows: list[list[Any]], dialect: Any) -> dict[str, Column] | None:
    """Columns built from the listing's rows as SQLAlchemy's inspector would report them; None when a
    type has not been seen yet (or is a named type), so the inspector must be asked."""
    import re

    from sqlalchemy.types import Integer

    out: dict[str, Column] = {}
    for name, format_type, not_null, default, identity, generated in rows:
        sa_type = _PG_TYPES.get(format_type)
        if sa_type is None:
            return None
        if generated:
            default = None  # the inspector reports the expression as `computed`, not as a default
        serial = default is not None and re.search(r"nextval\('[^']+'", default) is not None
        info = {"name": name, "type": sa_type, "nullable": not not_null, "default": default}
        info["autoincrement"] = bool(identity) or (serial and issubclass(sa_type._type_affinity, Integer))
        out[name] = _column(info, dialect)
    return out


def _remember_types(rows: list[list[Any]], infos: list[dict[str, Any]]) -> None:
    """Learn the SQLAlchemy type of each built-in `format_type` from a table the inspector reflected."""
    from sqlalchemy.dialects.postgresql.named_types import NamedType
    from sqlalchemy.types import NullType

    by_name = {info["name"]: info["type"] for info in infos}
    for name, format_type, *_ in rows:
        sa_type = by_name.get(name)
        if sa_type is not None and not isinstance(sa_type, (NamedType, NullType)):
            _PG_TYPES.setdefault(format_type, sa_type)


@dataclass(frozen=True)
class _Listed:
    """One PostgreSQL table as `_pg_listing` saw it: a digest of its definition, and its constraint,
    index and column rows (None when not asked for)."""

    fingerprint: str | None
    definitions: list[list[Any]] | None
    columns: list[list[Any]] | None = None


def _pg_listing(
    connection: Any,
    schema: str | None,
    known: Iterable[str] | None,
    wanted: Iterable[str],
    everything: bool,
    definitions: bool,
) -> dict[str, _Listed]:
    """Tables of the schema with their fingerprints (and constraints, with `definitions`), in one round
    trip: a snapshot used to take a table-name query, a fingerprint query and a constraint query.

    With `everything`, every table is listed (a scan of pg_class, which grows with each table a long
    history creates and drops), and described when it is in `wanted` or not in `known` (all of them
    when `known` is None). Without, only the tables in `wanted` are looked up, by index, and described.
    """
    join = ""
    params = {"schema": schema}
    if not everything:
        where, describe = "AND c.relname = ANY(CAST(:wanted AS name[]))", "true"
        params["wanted"] = sorted(wanted)
    elif known is None:
        where, describe = "", "true"
    else:
        where = ""
        # `known` holds every table of a long history: matched by a hash join, not row by row.
        join = _KNOWN_JOIN
        describe = "k.name IS NULL OR c.relname::text = ANY(CAST(:wanted AS text[]))"
        params.update(known=sorted(known), wanted=sorted(wanted))
    query = _listing_query(join, where, describe, "true" if definitions else "false")
    with _prepared(connection):
        rows = connection.execute(query, params).all()
    out = {}
    for name, fingerprint, found, columns in rows:
        described = definitions and fingerprint is not None
        out[name] = _Listed(fingerprint, found or [], columns or []) if described else _Listed(fingerprint, None)
    return out


@contextlib.contextmanager
def _prepared(connection: Any) -> Iterator[None]:
    """psycopg 3: run the statements inside as server-side prepared statements. The engine turns
    automatic preparation off, since a migration can change the tables a prepared query reads; the
    listing reads only pg_catalog, whose shape never changes, and parsing and planning it used to cost
    PostgreSQL three times what running it does."""
    driver = connection.connection.driver_connection
    if not hasattr(driver, "prepare_threshold"):
        yield
        return
    saved = driver.prepare_threshold
    driver.prepare_threshold = 0
    try:
        yield
    finally:
        driver.prepare_threshold = saved


@functools.cache
def _listing_query(join: str, where: str, describe: str, definitions: str) -> Any:
    """The listing query as a reusable statement: building a `text()` of this size costs more than
    running it, since SQLAlchemy scans the whole text for parameters each time."""
    from sqlalchemy import text

    template = _PG_DESCRIBING if definitions == "true" else _PG_LISTING
    return text(template.format(join=join, where=where, describe=describe))


_KNOWN_JOIN = "\n  LEFT JOIN unnest(CAST(:known AS text[])) AS k(name) ON k.name = c.relname::text"
# The tables with a digest of each one's columns, constraints and indexes: what the check after a
# downgrade asks for. The digest must come out the same from `_PG_DESCRIBING`, which builds it from
# the same pieces in the same order.
_PG_LISTING = """
SELECT c.relname::text,
  CASE WHEN w.wanted THEN md5(concat_ws('|',
    (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' '
            || coalesce(pg_get_expr(ad.adbin, ad.adrelid), ''), ',' ORDER BY a.attnum)
       FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
      WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped),
    (SELECT string_agg(con.conname || ' ' || pg_get_constraintdef(con.oid), ',' ORDER BY con.conname)
       FROM pg_constraint con WHERE con.conrelid = c.oid),
    (SELECT string_agg(i.def, ',' ORDER BY i.def)
       FROM (SELECT pg_get_indexdef(i.indexrelid) AS def FROM pg_index i WHERE i.indrelid = c.oid OFFSET 0) i)))
  END,
  NULL::json, NULL::json
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace{join},
  LATERAL (SELECT {describe} AS wanted) w
WHERE n.nspname = coalesce(:schema, current_schema()) AND c.relkind IN ('r', 'p') {where}
"""
# The same digest, plus each table's constraint, index and column rows (what the snapshot before an
# upgrade asks for). Each column's type and default, each constraint's and each index's definition
# is worked out once, for the digest and the rows alike (`OFFSET 0` keeps PostgreSQL from folding the
# inner queries into the outer ones, which would copy those calls back into both places): they are
# most of what the query costs, and working each out twice made it a quarter dearer.
_PG_DESCRIBING = """
SELECT c.relname::text,
  CASE WHEN w.wanted THEN md5(concat_ws('|', col.fingerprint, con.fingerprint, ix.fingerprint)) END,
  CASE WHEN w.wanted THEN to_json(con.definitions || ix.definitions) END,
  CASE WHEN w.wanted THEN col.definitions END
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace{join},
  LATERAL (SELECT {describe} AS wanted) w,
  LATERAL (
    SELECT string_agg(a.attname || ' ' || a.type || ' ' || a.attnotnull || ' ' || coalesce(a.def, ''), ','
                      ORDER BY a.attnum) AS fingerprint,
           json_agg(json_build_array(a.attname::text, a.type, a.attnotnull, a.def, a.attidentity::text,
                                     a.attgenerated::text) ORDER BY a.attnum) AS definitions
      FROM (SELECT a.attname, a.attnum, a.attnotnull, a.attidentity, a.attgenerated,
                   format_type(a.atttypid, a.atttypmod) AS type, pg_get_expr(ad.adbin, ad.adrelid) AS def
              FROM pg_attribute a LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
             WHERE w.wanted AND a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            OFFSET 0) a) col,
  LATERAL (
    SELECT string_agg(con.conname || ' ' || con.def, ',' ORDER BY con.conname) AS fingerprint,
           array_agg(json_build_array('constraint', con.conname::text, con.contype::text,
             ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                   JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o)::text[],
             rc.relname::text,
             ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                   JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.o)::text[],
             con.def, con.confdeltype::text))
             FILTER (WHERE con.contype IN ('p', 'u', 'f', 'c')) AS definitions
      FROM (SELECT con.conname, con.contype, con.conrelid, con.conkey, con.confrelid, con.confkey, con.confdeltype,
                   pg_get_constraintdef(con.oid) AS def
              FROM pg_constraint con WHERE w.wanted AND con.conrelid = c.oid OFFSET 0) con
      LEFT JOIN pg_class rc ON rc.oid = con.confrelid) con,
  LATERAL (
    SELECT string_agg(i.def, ',' ORDER BY i.def) AS fingerprint,
           array_agg(json_build_array('index', ic.relname::text, CASE WHEN i.indisunique THEN 'u' ELSE 'i' END,
             ARRAY(SELECT coalesce(a.attname, '<expr>') FROM unnest(i.indkey::int2[]) WITH ORDINALITY k(n, o)
                   LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n ORDER BY k.o)::text[],
             NULL, NULL, i.def, pg_get_expr(i.indpred, i.indrelid)))
             FILTER (WHERE NOT EXISTS (SELECT 1 FROM pg_constraint x WHERE x.conindid = i.indexrelid
                                       AND x.conrelid = i.indrelid AND x.contype IN ('p', 'u', 'x'))) AS definitions
      FROM (SELECT i.indexrelid, i.indrelid, i.indisunique, i.indkey, i.indpred, pg_get_indexdef(i.indexrelid) AS def
              FROM pg_index i WHERE w.wanted AND i.indrelid = c.oid OFFSET 0) i
      JOIN pg_class ic ON ic.oid = i.indexrelid) ix
WHERE n.nspname = coalesce(:schema, current_schema()) AND c.relkind IN ('r', 'p') {where}
"""


def _column(info: dict[str, Any], dialect: Any) -> Column:
    sa_type = info["type"]
    try:
        type_text = sa_type.compile(dialect=dialect)
    except Exception:
        type_text = repr(sa_type)
    default = info.get("default")
    return Column(
        info["name"],
        " ".join(str(type_text).split()),
        bool(info.get("nullable", True)),
        None if default is None else str(default),
        sa_type,
        info.get("autoincrement"),
    )


def _index_where(ix: dict[str, Any]) -> str | None:
    options = ix.get("dialect_options") or {}
    for key in ("postgresql_where", "sqlite_where"):
        if options.get(key) is not None:
            return " ".join(str(options[key]).split())
    return None


def _views(inspector: Any, schema: str | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name in inspector.get_view_names(schema=schema):
        try:
            definition = inspector.get_view_definition(name, schema=schema)
        except Exception:
            definition = None
        out[name] = " ".join(str(definition or "").split())
    return out


def _sequences(inspector: Any, connection: Any, schema: str | None) -> frozenset[str]:
    """Free-standing sequences; a SERIAL/IDENTITY column's own sequence belongs to its table."""
    if connection.dialect.name == "postgresql":
        from sqlalchemy import text

        query = text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid "
            "AND d.deptype IN ('a', 'i') "
            "WHERE c.relkind = 'S' AND n.nspname = coalesce(:schema, current_schema()) AND d.objid IS NULL"
        )
        return frozenset(connection.execute(query, {"schema": schema}).scalars())
    try:
        return frozenset(inspector.get_sequence_names(schema=schema))
    except NotImplementedError:
        return frozenset()


def _enums(inspector: Any, schema: str | None) -> dict[str, tuple[str, ...]]:
    get_enums = getattr(inspector, "get_enums", None)
    if get_enums is None:
        return {}
    return {e["name"]: tuple(e["labels"]) for e in get_enums(schema=schema or None)}


def _has_triggers(connection: Any, schema: str | None) -> bool:
    """Triggers let a statement change tables it does not name, so their presence disables shortcuts."""
    from sqlalchemy import text

    name = connection.dialect.name
    if name == "sqlite":
        query = "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'"
    elif name == "postgresql":
        query = (
            "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT t.tgisinternal "
            "AND n.nspname = coalesce(:schema, current_schema())"
        )
    elif name in ("mysql", "mariadb"):
        query = "SELECT count(*) FROM information_schema.triggers WHERE trigger_schema = coalesce(:schema, DATABASE())"
    else:
        return True
    params = {"schema": schema} if ":schema" in query else {}
    return bool(connection.execute(text(query), params).scalar())


# -- comparison ---------------------------------------------------------------------------------------


def compare(before: Catalog, after: Catalog, tables: Iterable[str] | None = None) -> list[str]:
    """Every difference between two snapshots, in words ("... still exists after rollback")."""
    problems: list[str] = []
    for name in sorted(set(before.tables) - set(after.tables)):
        problems.append(f"Table '{name}' no longer exists after rollback")
    for name in sorted(set(after.tables) - set(before.tables)):
        problems.append(f"Table '{name}' still exists after rollback — downgrade is incomplete")
    common = set(before.tables) & set(after.tables)
    if tables is not None:
        common &= set(tables)
    for name in sorted(common):
        problems.extend(_compare_table(before.tables[name], after.tables[name]))
    problems.extend(_compare_named("View", before.views, after.views, "definition"))
    problems.extend(_compare_named("Sequence", dict.fromkeys(before.sequences), dict.fromkeys(after.sequences)))
    for name in sorted(set(before.enums) - set(after.enums)):
        problems.append(f"Enum type '{name}' no longer exists after rollback")
    for name in sorted(set(after.enums) - set(before.enums)):
        problems.append(f"Enum type '{name}' still exists after rollback — downgrade is incomplete")
    for name in sorted(set(before.enums) & set(after.enums)):
        if before.enums[name] != after.enums[name]:
            problems.append(
                f"Enum type '{name}' labels changed after rollback "
                f"({_labels(before.enums[name])} → {_labels(after.enums[name])})"
            )
    return problems


def _labels(labels: tuple[str, ...]) -> str:
    return ", ".join(repr(label) for label in labels)


def _compare_table(before: Table, after: Table) -> list[str]:
    t = before.name
    problems: list[str] = []
    for col in before.columns.keys() - after.columns.keys():
        problems.append(f"Column '{t}.{col}' no longer exists after rollback")
    for col in sorted(after.columns.keys() - before.columns.keys()):
        problems.append(f"Column '{t}.{col}' still present after rollback — downgrade is incomplete")
    for col in sorted(before.columns.keys() & after.columns.keys()):
        b, a = before.columns[col], after.columns[col]
        if b.type != a.type:
            problems.append(f"Column '{t}.{col}' type changed after rollback ({b.type} → {a.type})")
        if b.nullable != a.nullable:
            was, now = ("NULL" if b.nullable else "NOT NULL"), ("NULL" if a.nullable else "NOT NULL")
            problems.append(f"Column '{t}.{col}' nullability changed after rollback ({was} → {now})")
        if _default(b.default) != _default(a.default):
            problems.append(f"Column '{t}.{col}' default changed after rollback ({b.default} → {a.default})")
    if before.primary_key != after.primary_key:
        problems.append(
            f"Primary key of '{t}' changed after rollback "
            f"(({', '.join(before.primary_key)}) → ({', '.join(after.primary_key)}))"
        )
    problems.extend(_compare_named("Index", before.indexes, after.indexes, "definition", t))
    problems.extend(_compare_named("Unique constraint", before.uniques, after.uniques, "columns", t))
    problems.extend(_compare_named("Check constraint", before.checks, after.checks, "expression", t))
    problems.extend(_compare_named("Foreign key", before.foreign_keys, after.foreign_keys, "definition", t))
    return problems


def _default(value: str | None) -> str | None:
    """Defaults as engines re-render them after a table rebuild: without outer parentheses or quotes style."""
    if value is None:
        return None
    text = value.strip()
    while text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text.replace('"', "'")


def _compare_named(
    kind: str, before: dict[str, Any], after: dict[str, Any], what: str = "definition", table: str | None = None
) -> list[str]:
    where = f" (table '{table}')" if table else ""
    problems = [f"{kind} '{name}' no longer exists after rollback{where}" for name in sorted(before.keys() - after)]
    problems += [f"{kind} '{name}' still exists after rollback{where}" for name in sorted(after.keys() - before)]
    for name in sorted(before.keys() & after.keys()):
        if before[name] != after[name]:
            problems.append(f"{kind} '{name}' {what} changed after rollback{where}")
    return problems


def referencing(catalog: Catalog, tables: Iterable[str]) -> set[str]:
    """`tables` plus every table whose foreign keys point at one of them, transitively (cascades)."""
    found = set(tables)
    frontier = set(found)
    children = catalog.with_foreign_keys()
    while frontier:
        nxt = {
            t.name
            for t in children
            if t.name not in found and any(fk.referred_table in frontier for fk in t.foreign_keys.values())
        }
        found |= nxt
        frontier = nxt
    return found
