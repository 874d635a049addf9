"""Hover on a finding: the rule's documentation, with Claude's explanation of this operation on top
when the user opted in. Off a finding there is no hover, so mrt never competes with the Python
language server for the user's attention."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from lsprotocol import types

from mrt.rules.docs import render_rule
from mrt.rules.registry import get_rule

from .claude import SNIPPET_CONTEXT, ClaudeExplainer, operation_snippet
from .server import MrtServer

LOADING = "_Claude's explanation is on its way: hover again in a moment._"


def register(server: MrtServer) -> None:
    server.feature(types.TEXT_DOCUMENT_HOVER)(hover)


async def hover(ls: MrtServer, params: types.HoverParams) -> types.Hover | None:
    uri = params.text_document.uri
    if uri not in ls.attached:
        return None
    analysis = ls.analyses.get(uri) or await ls.analyse(uri)
    if analysis is None:
        return None
    found = next(
        (
            (finding, diagnostic)
            for finding, diagnostic in zip(analysis.findings, analysis.diagnostics, strict=False)
            if _contains(diagnostic.range, params.position)
        ),
        None,
    )
    rule = get_rule(found[0].code) if found and found[0].code else None
    if found is None or rule is None:
        return None
    finding, diagnostic = found
    parts = [render_rule(rule)]
    explainer = await explainer_for(ls, analysis.snapshot.config.explain_model)
    if explainer is not None and analysis.migration is not None:
        line = finding.line or 1
        snippet = operation_snippet(analysis.snapshot.source, line, finding.end_line)
        # Lines relative to the snippet, so edits above the operation keep the cached answer.
        local = replace(finding, line=min(line, SNIPPET_CONTEXT + 1), end_line=None, file="", path="")
        budget = ls.settings.explain_timeout_ms / 1000
        text, loading = await explainer.explain(snippet, [local], analysis.migration.framework, budget)
        if text:
            parts.insert(0, f"**Claude** ({explainer.model}):\n\n{text}")
        elif loading:
            parts.insert(0, LOADING)
    value = "\n\n---\n\n".join(parts)
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=value), range=diagnostic.range
    )


async def explainer_for(ls: MrtServer, project_model: str) -> ClaudeExplainer | None:
    """The session's Claude client when `explain.provider = "claude"` and a key is set; else None."""
    if ls.settings.explain_provider != "claude":
        return None
    model = ls.settings.explain_model or project_model
    if ls.explainer is None or ls.explainer_model != model:
        ls.explainer_model = model
        ls.explainer = asyncio.ensure_future(ClaudeExplainer.connect(model, ls.log))  # shared while it connects
    return await asyncio.shield(ls.explainer)


def _contains(span: types.Range, where: types.Position) -> bool:
    start, end = (span.start.line, span.start.character), (span.end.line, span.end.character)
    return start <= (where.line, where.character) <= end
