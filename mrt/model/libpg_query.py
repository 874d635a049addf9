"""libpg_query's parse and split calls, made through ctypes on the library pglast ships.

Why not `import pglast.parser`: importing it builds pglast's enum and node classes, about 250 M
instructions, more than a one-file `mrt check` spends on everything else, to reach what is one C call
each (`pg_query_parse` into JSON, `pg_query_split_with_scanner` into statement offsets). pglast's
extension module is libpg_query compiled in and exports libpg_query's public C API (`pg_query.h`),
so mrt loads that shared object as a plain library, which runs no Python at all. pglast stays the
dependency that provides it, and the fallback: where the library cannot be loaded that way (a pglast
built without exported symbols, a platform without ctypes), the same calls go through `pglast.parser`.

The structures below are those of `pg_query.h`, unchanged since libpg_query 13 (pglast 3).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import lru_cache
from typing import Any


class SqlSyntaxError(Exception):
    """libpg_query rejected the text (its message)."""


@lru_cache(maxsize=1)
def _library() -> Any | None:
    """The ctypes handle on pglast's `parser` extension, with the calls typed; None when unusable."""
    try:
        import ctypes
        from importlib.machinery import EXTENSION_SUFFIXES
    except ImportError:
        return None
    path = _extension_path(EXTENSION_SUFFIXES)
    if path is None:
        return None

    class Error(ctypes.Structure):
        _fields_ = [
            ("message", ctypes.c_char_p),
            ("funcname", ctypes.c_char_p),
            ("filename", ctypes.c_char_p),
            ("lineno", ctypes.c_int),
            ("cursorpos", ctypes.c_int),
            ("context", ctypes.c_char_p),
        ]

    class ParseResult(ctypes.Structure):
        # char pointers as c_void_p: ctypes would copy a c_char_p into bytes and lose the pointer to free
        _fields_ = [
            ("parse_tree", ctypes.c_void_p),
            ("stderr_buffer", ctypes.c_void_p),
            ("error", ctypes.POINTER(Error)),
        ]

    class SplitStmt(ctypes.Structure):
        _fields_ = [("stmt_location", ctypes.c_int), ("stmt_len", ctypes.c_int)]

    class SplitResult(ctypes.Structure):
        _fields_ = [
            ("stmts", ctypes.POINTER(ctypes.POINTER(SplitStmt))),
            ("n_stmts", ctypes.c_int),
            ("stderr_buffer", ctypes.c_void_p),
            ("error", ctypes.POINTER(Error)),
        ]

    try:
        lib = ctypes.CDLL(path)
        lib.pg_query_parse.argtypes = [ctypes.c_char_p]
        lib.pg_query_parse.restype = ParseResult
        lib.pg_query_free_parse_result.argtypes = [ParseResult]
        lib.pg_query_free_parse_result.restype = None
        lib.pg_query_split_with_scanner.argtypes = [ctypes.c_char_p]
        lib.pg_query_split_with_scanner.restype = SplitResult
        lib.pg_query_free_split_result.argtypes = [SplitResult]
        lib.pg_query_free_split_result.restype = None
    except (OSError, AttributeError):  # not loadable as a library, or built without the symbols
        return None
    return lib


def _extension_path(suffixes: list[str]) -> str | None:
    """pglast's `parser` extension, from the first `pglast` package on sys.path (the one `import pglast`
    would take), found without importing anything."""
    for entry in sys.path:
        package = os.path.join(entry or os.curdir, "pglast")
        if os.path.isfile(os.path.join(package, "__init__.py")):
            for suffix in suffixes:
                candidate = os.path.join(package, "parser" + suffix)
                if os.path.isfile(candidate):
                    return candidate
            return None
    return None


def _error_message(error: Any) -> str:
    return (error.contents.message or b"syntax error").decode("utf-8", "replace")


def parse_json(text: str) -> bytes | str:
    """libpg_query's JSON parse tree of `text` (`{"version": ..., "stmts": [...]}`); raises
    SqlSyntaxError."""
    lib = _library()
    if lib is None:
        return _pglast_call(lambda parser: parser.parse_sql_json(text))
    result = lib.pg_query_parse(text.encode("utf-8"))
    try:
        if result.error:
            raise SqlSyntaxError(_error_message(result.error))
        from ctypes import string_at  # already imported by _library

        return string_at(result.parse_tree)
    finally:
        lib.pg_query_free_parse_result(result)


def split_with_scanner(text: str) -> list[str]:
    """The statements of `text`, cut at top-level semicolons by libpg_query's scanner (which accepts
    text the parser rejects), each stripped; raises SqlSyntaxError. As `pglast.split(text,
    with_parser=False)`."""
    lib = _library()
    if lib is None:
        return _pglast_call(lambda parser: list(parser.split(text, with_parser=False)))
    data = text.encode("utf-8")
    result = lib.pg_query_split_with_scanner(data)
    try:
        if result.error:
            raise SqlSyntaxError(_error_message(result.error))
        pieces = []
        for i in range(result.n_stmts):
            stmt = result.stmts[i].contents
            start = stmt.stmt_location
            pieces.append(data[start : start + stmt.stmt_len].decode("utf-8").strip())
        return pieces
    finally:
        lib.pg_query_free_split_result(result)


def _pglast_call(call: Callable[[Any], Any]) -> Any:
    from pglast import parser

    try:
        return call(parser)
    except parser.ParseError as exc:
        raise SqlSyntaxError(str(exc.args[0] if exc.args else exc)) from None
