"""Read values out of Python expressions without evaluating them.

Static analysis must never run user code, so everything the model knows about arguments comes from
here: literals, module-level string constants, `sa.text(...)`, f-strings and concatenations. What
cannot be read is reported as unknown (`UNKNOWN`), never guessed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mrt.model.ops import Span


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        return False


UNKNOWN: Any = _Unknown()

#: Calls that only mark a name (naming conventions, quoting) and so are as literal as their argument.
_NAME_WRAPPERS = frozenset({"f", "conv", "quoted_name"})

#: Stands in for an interpolated expression when SQL is rebuilt from an f-string or a `%`/`.format`.
PLACEHOLDER = "mrt_expr"

# The readers test node types by identity (`type(node) is _Name`): a parsed tree holds no subclasses, and the
# test is cheaper than `isinstance` with an attribute lookup on `ast` for every node read.
_Attribute, _Constant, _Name, _Starred = ast.Attribute, ast.Constant, ast.Name, ast.Starred


def dotted(node: ast.AST) -> str:
    """`op.drop_column` for an attribute chain, `` for anything that is not a plain name chain."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def last_name(node: ast.AST) -> str:
    """The final name of a call target: `AddField` for `migrations.AddField`."""
    kind = type(node)  # exact types first: the readers ask this for every call they see
    if kind is _Attribute:
        return node.attr  # type: ignore[attr-defined]
    if kind is _Name:
        return node.id  # type: ignore[attr-defined]
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def literal(node: ast.AST | None, constants: Mapping[str, Any] | None = None) -> Any:
    """The value of a literal expression, or `UNKNOWN`. Names resolve through `constants`."""
    if type(node) is _Constant:  # most values read are plain constants: answer them before any dispatch
        return node.value  # type: ignore[union-attr]
    if node is None:
        return UNKNOWN
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = [elt.value if type(elt) is _Constant else literal(elt, constants) for elt in node.elts]
        if UNKNOWN in items:  # a literal value equals UNKNOWN only by being it
            return UNKNOWN
        return tuple(items) if not isinstance(node, ast.List) else items
    if isinstance(node, ast.Dict):
        out: dict[Any, Any] = {}
        for key, value in zip(node.keys, node.values, strict=False):
            k = literal(key, constants)
            if k is UNKNOWN:
                return UNKNOWN
            out[k] = literal(value, constants)
        return out
    if isinstance(node, ast.Name):
        if constants is not None and node.id in constants:
            return constants[node.id]
        return UNKNOWN
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = literal(node.operand, constants)
        return -value if isinstance(value, (int, float)) else UNKNOWN
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = literal(node.left, constants), literal(node.right, constants)
        if isinstance(left, str) and isinstance(right, str):
            return left + right
    if isinstance(node, ast.Call) and last_name(node.func) in _NAME_WRAPPERS and node.args:
        return literal(node.args[0], constants)  # op.f("ix_name"), conv(...), quoted_name(...)
    return UNKNOWN


def literal_str(node: ast.AST | None, constants: Mapping[str, Any] | None = None) -> str | None:
    value = node.value if type(node) is _Constant else literal(node, constants)  # type: ignore[union-attr]
    return value if isinstance(value, str) else None


class ConstantReader:
    """What both readers share: the module's constants, and `_str` over them.

    `_str` is a method, not a `partial(literal_str, constants=...)`: a partial with a keyword copies its
    keyword dict and goes through a C call on every argument read, where a method call stays in the
    interpreter; the readers read a string argument about ten times per file.
    """

    constants: dict[str, Any]

    def _str(self, node: ast.AST | None) -> str | None:
        """A string literal (or module constant) argument, else None; `literal_str` with `self.constants`."""
        if type(node) is _Constant:  # most arguments read are plain constants
            value = node.value  # type: ignore[union-attr]
        elif node is None:
            return None
        else:
            value = literal(node, self.constants)
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True)
class SqlText:
    """SQL recovered from an expression; `formatted` when parts were interpolated at run time."""

    text: str
    formatted: bool = False


_TEXT_WRAPPERS = frozenset({"text", "dedent", "strip", "TextClause"})


def sql_text(node: ast.AST | None, constants: Mapping[str, Any] | None = None) -> SqlText | None:
    """SQL text of an `op.execute`/`conn.execute`/`RunSQL` argument, or None when unreadable."""
    if node is None:
        return None
    if isinstance(node, ast.Constant):
        return SqlText(node.value) if isinstance(node.value, str) else None
    if isinstance(node, ast.Name):
        value = constants.get(node.id) if constants else None
        return SqlText(value) if isinstance(value, str) else None
    if isinstance(node, ast.JoinedStr):
        parts: list[str] = []
        for value in node.values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                parts.append(value.value)
            else:
                parts.append(PLACEHOLDER)
        return SqlText("".join(parts), formatted=True)
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Add):
            left, right = sql_text(node.left, constants), sql_text(node.right, constants)
            if left is None and right is None:
                return None
            return SqlText(
                (left.text if left else PLACEHOLDER) + (right.text if right else PLACEHOLDER),
                formatted=(left is None or right is None or left.formatted or right.formatted),
            )
        if isinstance(node.op, ast.Mod):
            left = sql_text(node.left, constants)
            if left is None:
                return None
            text = left.text.replace("%%", "\0")
            text = _PERCENT.sub(PLACEHOLDER, text).replace("\0", "%")
            return SqlText(text, formatted=True)
    if isinstance(node, ast.Call):
        func = node.func
        name = last_name(func)
        if name == "format" and isinstance(func, ast.Attribute):
            inner = sql_text(func.value, constants)
            if inner is None:
                return None
            return SqlText(_BRACES.sub(PLACEHOLDER, inner.text), formatted=True)
        if name in _TEXT_WRAPPERS and node.args:
            return sql_text(node.args[0], constants)
        if isinstance(func, ast.Attribute) and func.attr in ("strip", "dedent") and not node.args:
            return sql_text(func.value, constants)
    return None


_PERCENT = re.compile(r"%(\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdirf]")
_BRACES = re.compile(r"\{[^{}]*\}")


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg == name:
            return kw.value
    return None


def bind_args(call: ast.Call, names: tuple[str, ...]) -> dict[str, ast.expr]:
    """Map a call's positional and keyword arguments onto parameter `names` (keywords win)."""
    bound: dict[str, ast.expr] = {}
    if call.args:  # Django operations are mostly written with keywords only
        for name, arg in zip(names, call.args, strict=False):
            if type(arg) is _Starred:
                break
            bound[name] = arg
    for kw in call.keywords:
        if kw.arg is not None:
            bound[kw.arg] = kw.value
    return bound


def span_of(node: ast.AST) -> tuple[int, int, int, int]:
    try:  # every parsed expression and statement has all four; a node made by hand may lack them
        line, col = node.lineno, node.col_offset  # type: ignore[attr-defined]
        return (line, col, node.end_lineno or line, node.end_col_offset or col)  # type: ignore[attr-defined]
    except AttributeError:
        pass
    line = getattr(node, "lineno", 1)
    col = getattr(node, "col_offset", 0)
    return (line, col, getattr(node, "end_lineno", None) or line, getattr(node, "end_col_offset", None) or col)


_new_object = object.__new__
_set_line, _set_column, _set_end_line, _set_end_column = (
    Span.line.__set__,  # type: ignore[attr-defined]
    Span.column.__set__,  # type: ignore[attr-defined]
    Span.end_line.__set__,  # type: ignore[attr-defined]
    Span.end_column.__set__,  # type: ignore[attr-defined]
)


def node_span(node: ast.AST) -> Span:
    """`Span(*span_of(node))`, the same value made at half the cost.

    The readers make a span for every operation, and the frozen dataclass `__init__` pays a lookup and a call
    of `object.__setattr__` per field; filling the slots directly skips both (Span has no `__post_init__`).
    """
    try:  # span_of's common case, without its call
        line, column = node.lineno, node.col_offset  # type: ignore[attr-defined]
        end_line, end_column = node.end_lineno or line, node.end_col_offset or column  # type: ignore[attr-defined]
    except AttributeError:
        line, column, end_line, end_column = span_of(node)
    span = _new_object(Span)
    _set_line(span, line)
    _set_column(span, column)
    _set_end_line(span, end_line)
    _set_end_column(span, end_column)
    return span
