"""Fix edits for findings: small pure functions from a parsed migration to `Fix` objects.

The language server offers these as code actions (and `source.fixAll.mrt`); a future `mrt check --fix`
can apply them with `apply_edits`. They only rewrite what is clearly safe to rewrite: a downgrade is
generated only when every upgrade operation has an obvious inverse (create_table/drop_table,
add_column/drop_column, create_index/drop_index, renames, named constraints), otherwise the honest fix
is to mark the downgrade irreversible with a reason.

Positions follow `RiskWarning`: 1-based lines, 0-based columns counted in UTF-8 bytes as `ast`
reports them. Argument expressions are copied from the source as written (`op.f("ix_x")` stays
`op.f("ix_x")`); nothing is evaluated.
"""

from __future__ import annotations

import ast
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

from mrt.findings import Fix, RiskWarning, TextEdit
from mrt.model.migration import ALEMBIC, DJANGO, DOWNGRADE_EMPTY, DOWNGRADE_MISSING, MigrationAST
from mrt.model.ops import UPGRADE, Kind, Operation
from mrt.suppression import ALL, parse_suppressions

LOCKS_CATEGORY = "locks"
_GENERATED_BY = {"MRT101", "MRT102"}  # missing or empty downgrade
_REVERSE_NOOP_FOR = {"MRT107", "MRT601"}  # RunPython without reverse_code
_CONSTRAINT_TYPES = {
    "create_foreign_key": "foreignkey",
    "create_unique_constraint": "unique",
    "create_check_constraint": "check",
    "create_primary_key": "primary",
}


def fixes_for(finding: RiskWarning, migration: MigrationAST) -> tuple[Fix, ...]:
    """The fixes for one finding: the rule's own first, then the generic ones that apply to it."""
    extra: list[Fix | None] = []
    if finding.code in _GENERATED_BY and migration.framework == ALEMBIC:
        extra += [generate_downgrade(migration), mark_downgrade_irreversible(migration)]
    wants_op = finding.code in _REVERSE_NOOP_FOR or finding.category == LOCKS_CATEGORY
    op = operation_at(migration, finding) if wants_op else None
    if op is not None:
        if finding.code in _REVERSE_NOOP_FOR and migration.framework == DJANGO:
            extra.append(add_reverse_code_noop(migration, op))
        if finding.category == LOCKS_CATEGORY and migration.framework == ALEMBIC:
            extra += [create_index_concurrently(migration, op), split_foreign_key_not_valid(migration, op)]
    # Deduplicated, so that filling `RiskWarning.fixes` twice (mrt.analyzer.attach_fixes) changes nothing.
    return tuple(dict.fromkeys(finding.fixes + tuple(fix for fix in extra if fix is not None)))


def operation_at(migration: MigrationAST, finding: RiskWarning) -> Operation | None:
    """The operation a finding points at (same start position), if it points at one."""
    starts = migration.derived.get("fixes.ops_by_start")
    if not isinstance(starts, dict):
        starts = migration.derived["fixes.ops_by_start"] = {}
        for op in migration.ops:
            starts.setdefault((op.span.line, op.span.column), op)
    return starts.get((finding.line, finding.column))


# -- downgrade bodies -------------------------------------------------------------------------------


def generate_downgrade(migration: MigrationAST) -> Fix | None:
    """A downgrade that undoes the upgrade in reverse order, when every operation is clearly invertible."""
    index = _index(migration.source, _tree(migration))
    upgrade = _function(index.module, "upgrade") if index else None
    if index is None or upgrade is None:
        return None
    module = index.module
    ops = [op for op in migration.ops if op.side == UPGRADE]
    if not ops:
        return None
    body: list[str] = []
    for op in reversed(ops):
        call = index.call_at(op.span.line, op.span.column)
        inverse = _inverse(migration.source, op, call) if call is not None else None
        if inverse is None:
            return None
        body.extend(inverse)
    return _with_downgrade_body(migration, module, upgrade, body, "Generate downgrade()")


def mark_downgrade_irreversible(migration: MigrationAST, reason: str | None = None) -> Fix | None:
    """Make the downgrade raise with a reason, so the irreversibility is explicit (MRT109, a warning)."""
    index = _index(migration.source, _tree(migration))
    upgrade = _function(index.module, "upgrade") if index else None
    if index is None or upgrade is None:
        return None
    module = index.module
    why = reason or "mrt: this revision cannot be rolled back; explain why here"
    quoted = why.replace("\\", "\\\\").replace('"', '\\"')
    body = [f'raise NotImplementedError("{quoted}")']
    return _with_downgrade_body(migration, module, upgrade, body, "Mark downgrade() irreversible")


def _with_downgrade_body(
    migration: MigrationAST, module: ast.Module, upgrade: ast.FunctionDef, body: list[str], title: str
) -> Fix | None:
    lines = migration.source.splitlines()
    downgrade = _function(module, "downgrade")
    if migration.downgrade_shape == DOWNGRADE_MISSING and downgrade is None:
        header = _header(lines, upgrade).replace("upgrade", "downgrade", 1)
        text = "\n\n\n" + header + "".join("\n    " + line for line in body)
        end = (upgrade.end_lineno or upgrade.lineno, upgrade.end_col_offset or 0)
        return Fix(title, (TextEdit(end[0], end[1], end[0], end[1], text),))
    if migration.downgrade_shape != DOWNGRADE_EMPTY or downgrade is None:
        return None
    indent = " " * (downgrade.col_offset + 4)
    statements = downgrade.body
    if _is_docstring(statements[0]):
        doc = statements[0]
        statements = statements[1:]
        start = (doc.end_lineno or doc.lineno, doc.end_col_offset or 0)
        prefix = "\n" + indent
    else:
        start = (statements[0].lineno, statements[0].col_offset)
        prefix = "\n" + indent if statements[0].lineno == downgrade.lineno else ""
    last = statements[-1] if statements else downgrade.body[0]
    end = (last.end_lineno or last.lineno, last.end_col_offset or 0)
    text = prefix + ("\n" + indent).join(body)
    return Fix(title, (TextEdit(start[0], start[1], end[0], end[1], text),))


def _inverse(source: str, op: Operation, call: ast.Call) -> list[str] | None:
    """The statement(s) that undo one Alembic operation, or None when the inverse is not obvious."""
    if op.origin != "op" or op.in_batch or op.condition or op.helper or not isinstance(call.func, ast.Attribute):
        return None
    target = _segment(source, call.func.value)
    method = call.func.attr
    if method == "create_table":
        name = _arg(source, call, 0, "table_name")
        return [f"{target}.drop_table({name})"] if name else None
    if method == "add_column":
        table = _arg(source, call, 0, "table_name")
        column = _column_name(source, _arg_node(call, 1, "column"))
        return [f"{target}.drop_column({table}, {column})"] if table and column else None
    if method == "create_index":
        index, table = _arg(source, call, 0, "index_name"), _arg(source, call, 1, "table_name")
        if not (index and table):
            return None
        if op.autocommit and op.args.get("concurrently"):
            return [
                f"with {target}.get_context().autocommit_block():",
                f"    {target}.drop_index({index}, table_name={table}, postgresql_concurrently=True)",
            ]
        return None if op.autocommit else [f"{target}.drop_index({index}, table_name={table})"]
    if method == "rename_table":
        old, new = _arg(source, call, 0, "old_table_name"), _arg(source, call, 1, "new_table_name")
        return (
            [f"{target}.rename_table({new}, {old})"]
            if old and new and len(call.args) + len(call.keywords) == 2
            else None
        )
    if method == "alter_column" and op.kind == Kind.RENAME_COLUMN:
        table, column = _arg(source, call, 0, "table_name"), _arg(source, call, 1, "column_name")
        new = _keyword(source, call, "new_column_name")
        only_rename = len(call.args) == 2 and [k.arg for k in call.keywords] == ["new_column_name"]
        return [f"{target}.alter_column({table}, {new}, new_column_name={column})"] if only_rename else None
    if method in _CONSTRAINT_TYPES:
        name, table = _arg(source, call, 0, "constraint_name"), _arg(source, call, 1, "table_name")
        if method == "create_foreign_key":
            table = _arg(source, call, 1, "source_table")
        if not name or name == "None" or not table:
            return None
        return [f'{target}.drop_constraint({name}, {table}, type_="{_CONSTRAINT_TYPES[method]}")']
    return None


def _column_name(source: str, node: ast.expr | None) -> str | None:
    """The name expression of an inline `sa.Column(name, ...)`, or None for a variable or a call we don't know."""
    if not isinstance(node, ast.Call) or not node.args or not (_segment(source, node.func) or "").endswith("Column"):
        return None
    return _segment(source, node.args[0])


# -- Django -------------------------------------------------------------------------------------------


def add_reverse_code_noop(migration: MigrationAST, op: Operation) -> Fix | None:
    """`RunPython(forwards)` -> `RunPython(forwards, reverse_code=migrations.RunPython.noop)`."""
    if op.kind != Kind.RUN_PYTHON or op.args.get("reverse") is not None:
        return None
    call = _call_at(migration, op)
    if call is None or not (call.args or call.keywords):
        return None
    callee = _segment(migration.source, call.func) or "migrations.RunPython"
    edit = _append_keyword(call, f"reverse_code={callee}.noop")
    return Fix(f"Add reverse_code={callee}.noop", (edit,))


# -- locks (PostgreSQL) ---------------------------------------------------------------------------------


def create_index_concurrently(migration: MigrationAST, op: Operation) -> Fix | None:
    """Build (or drop) the index with `postgresql_concurrently=True`, inside an autocommit block."""
    if op.kind not in (Kind.CREATE_INDEX, Kind.DROP_INDEX) or op.origin != "op" or op.in_batch:
        return None
    concurrently = bool(op.args.get("concurrently"))
    if concurrently and op.autocommit:
        return None
    call = _call_at(migration, op)
    if call is None or not isinstance(call.func, ast.Attribute):
        return None
    keyword = None if concurrently else _append_keyword(call, "postgresql_concurrently=True")
    if op.autocommit:
        return Fix("Use postgresql_concurrently=True", (keyword,)) if keyword else None
    target = _segment(migration.source, call.func.value)
    wrapped = _wrap_statement(migration.source, call, keyword, f"with {target}.get_context().autocommit_block():")
    if wrapped is None:
        return None
    title = (
        "Move into an autocommit block" if concurrently else "Use postgresql_concurrently=True in an autocommit block"
    )
    return Fix(title, (wrapped,))


def split_foreign_key_not_valid(migration: MigrationAST, op: Operation) -> Fix | None:
    """Add the foreign key NOT VALID (brief lock), then VALIDATE it outside the DDL transaction."""
    if op.kind != Kind.CREATE_CONSTRAINT or op.args.get("constraint_type") != "foreignkey" or op.origin != "op":
        return None
    if op.in_batch or op.args.get("not_valid") or not op.name or not op.table:
        return None
    call = _call_at(migration, op)
    if call is None or not isinstance(call.func, ast.Attribute):
        return None
    target = _segment(migration.source, call.func.value)
    if not _is_statement(migration.source, call):
        return None
    keyword = _append_keyword(call, "postgresql_not_valid=True")
    indent = " " * call.col_offset
    validate = (
        f"\n{indent}with {target}.get_context().autocommit_block():"
        f'\n{indent}    {target}.execute("ALTER TABLE {op.table} VALIDATE CONSTRAINT {op.name}")'
    )
    end = (call.end_lineno or call.lineno, call.end_col_offset or 0)
    return Fix(
        "Add the foreign key NOT VALID, then VALIDATE it separately",
        (keyword, TextEdit(end[0], end[1], end[0], end[1], validate)),
    )


# -- suppression comments ---------------------------------------------------------------------------------


class Suppressor:
    """Suppression-comment edits for one source; its lines and comments are read once."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines()
        self.suppressions = parse_suppressions(source)

    def line(self, code: str, line: int, end_line: int | None = None) -> TextEdit:
        """`# mrt: ignore[CODE]` on the statement's first line, merged into a comment already there.

        When the first line ends inside a string or with a backslash the comment cannot go there, so it
        goes on the statement's last line (a suppression counts on any line of the statement).
        """
        target = line
        if _cannot_end_with_comment(self.lines, line) and end_line and end_line != line:
            target = end_line
        text = self.lines[target - 1] if 0 < target <= len(self.lines) else ""
        for directive in self.suppressions.by_line.get(target, ()):
            if ALL in directive.codes:
                continue
            lowered = directive.text.lower()
            if lowered.lstrip("# ").startswith("mrt:") and "]" in directive.text:
                at = _byte_column(text, directive.column) + len(directive.text[: directive.text.index("]")].encode())
                return TextEdit(target, at, target, at, f", {code}")
            if "noqa:" in lowered.replace(" ", ""):
                at = _byte_column(text, directive.end_column)
                return TextEdit(target, at, target, at, f", {code}")
        end = len(text.rstrip().encode())
        return TextEdit(target, end, target, len(text.encode()), f"  # mrt: ignore[{code}]")

    def file(self, code: str) -> TextEdit:
        """`# mrt: ignore-file[CODE]`, merged into an existing file-level comment or added near the top."""
        for directive in self.suppressions.file_level:
            if ALL not in directive.codes and "]" in directive.text:
                text = self.lines[directive.line - 1]
                at = _byte_column(text, directive.column) + len(directive.text[: directive.text.index("]")].encode())
                return TextEdit(directive.line, at, directive.line, at, f", {code}")
        line = 1
        while line <= min(2, len(self.lines)) and (
            self.lines[line - 1].startswith("#!") or "coding" in self.lines[line - 1]
        ):
            line += 1  # a shebang or PEP 263 cookie must stay first
        return TextEdit(line, 0, line, 0, f"# mrt: ignore-file[{code}]\n")


def _cannot_end_with_comment(lines: list[str], line: int) -> bool:
    if not 0 < line <= len(lines):
        return False
    text = lines[line - 1].rstrip()
    return text.endswith("\\") or (text.count('"""') + text.count("'''")) % 2 == 1


def _byte_column(text: str, column: int) -> int:
    """Columns from `tokenize` count code points; edits count UTF-8 bytes like `ast`."""
    return len(text[:column].encode())


# -- applying edits -------------------------------------------------------------------------------------


def apply_edits(source: str, edits: tuple[TextEdit, ...] | list[TextEdit]) -> str:
    """The source with `edits` applied (non-overlapping; positions refer to the original text)."""
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for text in lines:
        offsets.append(offsets[-1] + len(text))

    def offset(line: int, column: int) -> int:
        if line > len(lines):
            return len(source)
        text = lines[line - 1]
        return offsets[line - 1] + len(text.encode()[:column].decode("utf-8", "ignore"))

    out = source
    for edit in sorted(edits, key=lambda e: (e.line, e.column), reverse=True):
        start, end = offset(edit.line, edit.column), offset(edit.end_line, edit.end_column)
        out = out[:start] + edit.new_text + out[end:]
    return out


# -- ast helpers ------------------------------------------------------------------------------------------


@dataclass
class _Index:
    """One parse of a source, shared by every fix computed for it: the calls asked about, each found by
    descending only into the nodes whose lines hold it (a batch run asks about a few calls per file; walking
    every node of every such file was a tenth of `mrt check --format json` on a large history)."""

    module: ast.Module
    found: dict[tuple[int, int], tuple[ast.Call | None, bool]] = field(default_factory=dict)

    def call_at(self, line: int, column: int) -> ast.Call | None:
        """The outermost call starting at (line, column)."""
        return self._locate(line, column)[0]

    def is_statement(self, line: int, column: int) -> bool:
        """Is the call starting at (line, column) a whole expression statement?"""
        return self._locate(line, column)[1]

    def _locate(self, line: int, column: int) -> tuple[ast.Call | None, bool]:
        """(the outermost call starting at (line, column), whether it is the value of an expression statement).
        A call starting there lies inside every node that encloses it, and the outer of two calls starting at
        the same place (`a.b().c()`) encloses the inner: the first one met on the way down is the outermost."""
        key = (line, column)
        answer = self.found.get(key)
        if answer is not None:
            return answer
        answer = (None, False)
        stack: list[ast.AST] = [self.module]
        while stack:
            node = stack.pop()
            for child in ast.iter_child_nodes(node):
                start = getattr(child, "lineno", None)
                if start is not None and not start <= line <= (getattr(child, "end_lineno", None) or start):
                    continue
                if type(child) is ast.Call and start == line and child.col_offset == column:
                    answer = (child, type(node) is ast.Expr)
                    stack.clear()
                    break
                stack.append(child)
        self.found[key] = answer
        return answer


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@lru_cache(maxsize=8)
def _source_lines(source: str) -> tuple[bytes, ...]:
    """The source's lines as UTF-8 (ast columns count bytes), split once per source.

    `ast.get_source_segment` splits the whole file on every call, which made fixes for a long
    migration quadratic (372 s for 3,300 findings in a 10,000-line file).
    """
    return tuple(line.encode("utf-8") for line in _LINE.findall(source))


def _segment(source: str, node: ast.AST) -> str | None:
    """`ast.get_source_segment(source, node)`, from the cached line table."""
    try:
        first, last = node.lineno - 1, node.end_lineno - 1  # type: ignore[attr-defined, operator]
        start, end = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
    except AttributeError:
        return None
    lines = _source_lines(source)
    if first < 0 or last is None or end is None or last >= len(lines):
        return None
    if first == last:
        return lines[first][start:end].decode("utf-8", "replace")
    parts = [lines[first][start:], *lines[first + 1 : last], lines[last][:end]]
    return b"".join(parts).decode("utf-8", "replace")


def _index(source: str, tree: ast.Module | None = None) -> _Index | None:
    """The calls and bare-call statements of `source`, from `tree` (the model's parse, when the analyzer
    kept it) or a fresh parse; the last few are kept, since every fix of one file asks again."""
    if source in _INDEXES:
        _INDEXES.move_to_end(source)
        return _INDEXES[source]
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
    index = None if tree is None else _Index(tree)
    _INDEXES[source] = index
    if len(_INDEXES) > 8:
        _INDEXES.popitem(last=False)
    return index


_INDEXES: OrderedDict[str, _Index | None] = OrderedDict()


def _tree(migration: MigrationAST) -> ast.Module | None:
    tree = migration.derived.get("tree")
    return tree if isinstance(tree, ast.Module) else None


def _function(module: ast.Module, name: str) -> ast.FunctionDef | None:
    for node in module.body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _header(lines: list[str], function: ast.FunctionDef) -> str:
    """`def upgrade() -> None:` as written (single-line headers; others get a plain header)."""
    text = lines[function.lineno - 1].strip()
    first = function.body[0]
    if first.lineno == function.lineno or not text.endswith(":"):
        return f"def {function.name}():"
    return text


def _is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _call_at(migration: MigrationAST, op: Operation) -> ast.Call | None:
    index = _index(migration.source, _tree(migration))
    return index.call_at(op.span.line, op.span.column) if index else None


def _is_statement(source: str, call: ast.Call) -> bool:
    """Is `call` a whole expression statement (not part of an assignment or another call)?"""
    index = _index(source)
    return index is not None and index.is_statement(call.lineno, call.col_offset)


def _arg_node(call: ast.Call, index: int, name: str) -> ast.expr | None:
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args[: index + 1]):
        return call.args[index]
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def _arg(source: str, call: ast.Call, index: int, name: str) -> str | None:
    node = _arg_node(call, index, name)
    return _segment(source, node) if node is not None else None


def _keyword(source: str, call: ast.Call, name: str) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return _segment(source, keyword.value)
    return None


def _append_keyword(call: ast.Call, text: str) -> TextEdit:
    """Insert `, text` right after the call's last argument (a trailing comma stays where it is)."""
    nodes: list[ast.AST] = [*call.args, *call.keywords]
    last = max(nodes, key=lambda n: (n.end_lineno or 0, n.end_col_offset or 0))
    line, column = last.end_lineno or last.lineno, last.end_col_offset or 0
    return TextEdit(line, column, line, column, f", {text}")


def _wrap_statement(source: str, call: ast.Call, keyword: TextEdit | None, opener: str) -> TextEdit | None:
    """Replace the expression statement `call` with `opener` + the call (plus `keyword`) indented below it."""
    if not _is_statement(source, call):
        return None
    segment = (_segment(source, call) or "").split("\n")
    if keyword is not None:
        row = keyword.line - call.lineno
        # The segment's first line starts at the call; later lines are whole source lines.
        column = keyword.column - (call.col_offset if row == 0 else 0)
        raw = segment[row].encode()
        segment[row] = (raw[:column] + keyword.new_text.encode() + raw[column:]).decode()
    indent = " " * call.col_offset
    body = segment[0] + "".join(("\n    " + line) if line.strip() else "\n" for line in segment[1:])
    text = f"{opener}\n{indent}    {body}"
    return TextEdit(call.lineno, call.col_offset, call.end_lineno or call.lineno, call.end_col_offset or 0, text)
