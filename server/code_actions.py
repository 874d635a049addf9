"""Code actions, built from the edits each diagnostic already carries (no re-analysis):

* the rule's fixes, the first one marked preferred ("Generate downgrade()", "Add reverse_code=...");
* "Disable MRTxxx for this line" and "Disable MRTxxx for this file" (suppression comments, merged
  into one already there);
* `source.fixAll.mrt`: every preferred fix of the document at once, skipping overlapping edits.

Each kind can be switched off in the settings. Edits carry the document version they were computed
for; when the buffer has moved on they are not offered, rather than applied in the wrong place. The
client sends the diagnostics back; one whose `data` it mangled offers nothing, and is not an error.
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from .convert import SOURCE, range_from_json
from .server import MrtServer

FIX_ALL = "source.fixAll.mrt"
_KINDS = [types.CodeActionKind.QuickFix, FIX_ALL]


def register(server: MrtServer) -> None:
    options = types.CodeActionOptions(code_action_kinds=_KINDS)
    server.feature(types.TEXT_DOCUMENT_CODE_ACTION, options)(code_actions)


async def code_actions(ls: MrtServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    if uri not in ls.attached:
        return None
    version = ls.current_version(uri)
    only = params.context.only
    actions: list[types.CodeAction] = []
    if _wanted(only, types.CodeActionKind.QuickFix):
        for diagnostic in params.context.diagnostics:
            data = diagnostic.data if diagnostic.source == SOURCE else None
            if isinstance(data, dict) and data.get("version") == version:
                try:
                    actions.extend(_quick_fixes(ls, uri, diagnostic, data))
                except (KeyError, TypeError, ValueError, AttributeError) as exc:  # data the client mangled
                    ls.log(f"mrt: ignored a diagnostic with malformed data: {exc!r}", types.MessageType.Warning)
    if ls.settings.fix_all and only and any(_covers(kind, FIX_ALL) for kind in only):
        fix_all = await _fix_all(ls, uri)
        if fix_all is not None:
            actions.append(fix_all)
    return actions


def _quick_fixes(ls: MrtServer, uri: str, diagnostic: types.Diagnostic, data: dict[str, Any]) -> list[types.CodeAction]:
    version, code = data["version"], str(diagnostic.code)
    actions = []
    if ls.settings.fix:
        for index, fix in enumerate(data.get("fixes", ())):
            actions.append(
                _action(
                    ls, f"mrt ({code}): {fix['title']}", uri, version, fix["edits"], diagnostic, preferred=index == 0
                )
            )
    if ls.settings.disable_for_line and "disableLine" in data:
        title = f"mrt: Disable {code} for this line"
        actions.append(_action(ls, title, uri, version, [data["disableLine"]], diagnostic))
    if ls.settings.disable_for_file and "disableFile" in data:
        title = f"mrt: Disable {code} for this file"
        actions.append(_action(ls, title, uri, version, [data["disableFile"]], diagnostic))
    return actions


async def _fix_all(ls: MrtServer, uri: str) -> types.CodeAction | None:
    """The first fix of every finding in the current version, in one edit (overlaps are left out)."""
    analysis = await ls.analyse(uri)
    if analysis is None or analysis.version != ls.current_version(uri):
        return None
    chosen: list[dict[str, Any]] = []
    taken: list[tuple[tuple[int, int], tuple[int, int]]] = []
    for diagnostic in analysis.diagnostics:
        fixes = diagnostic.data.get("fixes") if isinstance(diagnostic.data, dict) else None
        if not fixes:
            continue
        edits = fixes[0]["edits"]
        spans = [_span(edit) for edit in edits]
        if any(_overlaps(span, other) for span in spans for other in taken):
            continue
        taken.extend(spans)
        chosen.extend(edits)
    if not chosen:
        return None
    action = _action(ls, "mrt: Fix all auto-fixable problems", uri, analysis.version, chosen, None)
    action.kind = FIX_ALL
    return action


def _action(
    ls: MrtServer,
    title: str,
    uri: str,
    version: int | None,
    edits: list[dict[str, Any]],
    diagnostic: types.Diagnostic | None,
    *,
    preferred: bool = False,
) -> types.CodeAction:
    text_edits = [types.TextEdit(range=range_from_json(e["range"]), new_text=e["newText"]) for e in edits]
    workspace = ls.client_capabilities.workspace
    edit_caps = workspace.workspace_edit if workspace else None
    if edit_caps is not None and edit_caps.document_changes:
        document = types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=version)
        edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=document, edits=text_edits)])
    else:
        edit = types.WorkspaceEdit(changes={uri: text_edits})
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic] if diagnostic is not None else None,
        is_preferred=preferred or None,
        edit=edit,
    )


def _wanted(only: list[str] | None, kind: str) -> bool:
    return not only or any(_covers(requested, kind) for requested in only)


def _covers(requested: str, kind: str) -> bool:
    """`source` covers `source.fixAll.mrt`; `source.fixAll` too (hierarchical kinds)."""
    return kind == requested or kind.startswith(requested + ".")


def _span(edit: dict[str, Any]) -> tuple[tuple[int, int], tuple[int, int]]:
    r = edit["range"]
    return (r["start"]["line"], r["start"]["character"]), (r["end"]["line"], r["end"]["character"])


def _overlaps(a: tuple[tuple[int, int], tuple[int, int]], b: tuple[tuple[int, int], tuple[int, int]]) -> bool:
    return (a[0] < b[1] and b[0] < a[1]) or a[0] == b[0]
