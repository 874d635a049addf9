"""mrt calls libpg_query through ctypes on the library pglast ships; it must answer exactly as pglast does."""

import json

import pytest
from pglast import parser as pglast_parser

from mrt.model import libpg_query
from mrt.model.ops import Span
from mrt.model.sql import translate_sql

SQL = [
    "ALTER TABLE users DROP COLUMN email",
    "CREATE INDEX CONCURRENTLY ix_a ON a (b); ALTER TYPE mood ADD VALUE 'ok'",
    "UPDATE t SET name = 'Zoë ☃' WHERE id = 1; DELETE FROM t",  # offsets are bytes: non-ASCII before a cut
    "",
    "-- only a comment",
]
BROKEN = ["ALTER TABLE t MODIFY c INT", "SELECT 'unterminated", "ALTR TABLE x; SELECT 1"]


def test_the_library_is_loaded_from_pglasts_own_extension():
    lib = libpg_query._library()
    assert lib is not None
    assert lib._name == pglast_parser.__file__


@pytest.mark.parametrize("text", SQL)
def test_parse_trees_are_pglasts(text):
    assert json.loads(libpg_query.parse_json(text)) == json.loads(pglast_parser.parse_sql_json(text))


@pytest.mark.parametrize("text", BROKEN[:2])
def test_a_syntax_error_carries_libpg_querys_message(text):
    with pytest.raises(pglast_parser.ParseError) as expected:
        pglast_parser.parse_sql_json(text)
    with pytest.raises(libpg_query.SqlSyntaxError) as raised:
        libpg_query.parse_json(text)
    assert str(raised.value) == expected.value.args[0]


@pytest.mark.parametrize("text", [*SQL, *BROKEN, "INSERT INTO t VALUES ('a;b', 'ü'); SELECT 2;"])
def test_scanner_splits_are_pglasts(text):
    assert outcome(libpg_query.split_with_scanner, text) == outcome(
        lambda t: list(pglast_parser.split(t, with_parser=False)), text
    )


def outcome(call, text):
    """What `call(text)` returned, or the message it raised with."""
    try:
        return call(text)
    except (libpg_query.SqlSyntaxError, pglast_parser.ParseError) as exc:
        return ("error", exc.args[0])


def test_without_the_library_the_same_calls_go_through_pglast(monkeypatch):
    """A pglast whose extension cannot be loaded as a library (or exports no symbols) still works."""
    monkeypatch.setattr(libpg_query, "_library", lambda: None)
    assert json.loads(libpg_query.parse_json(SQL[0])) == json.loads(pglast_parser.parse_sql_json(SQL[0]))
    assert libpg_query.split_with_scanner(SQL[2]) == list(pglast_parser.split(SQL[2], with_parser=False))
    with pytest.raises(libpg_query.SqlSyntaxError):
        libpg_query.parse_json(BROKEN[0])


def test_no_pglast_package_on_the_path_means_no_library(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.path", [str(tmp_path)])
    assert libpg_query._extension_path([".so"]) is None


def test_unparseable_sql_is_still_raw_sql_statement_by_statement():
    ops = translate_sql(
        "ALTR TABLE x; ALTER TABLE t DROP COLUMN c", side="upgrade", span=Span(1, 0, 1, 1), call="op.execute"
    )
    assert [(op.kind, op.sql) for op in ops] == [
        ("raw_sql", "ALTR TABLE x"),
        ("drop_column", "ALTER TABLE t DROP COLUMN c"),
    ]
