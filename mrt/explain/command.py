"""`mrt explain FILE`: stream Claude's explanation of one migration to the terminal.

Without the `[ai]` extra or `ANTHROPIC_API_KEY` nothing is sent and the error says what to install
or set. If Claude fails mid-way (timeout, network, API error) the error is one line on stderr and
the static explanation from the rule docs follows on stdout, so the user still learns something.
"""

from __future__ import annotations

from typing import TextIO

from mrt.explain.claude import ClaudeError, build_prompt, make_client, snippet_of, stream_explanation


class ExplainError(ValueError):
    """Nothing was explained: a bad file, a missing extra or key. Exit code 3."""


def explain_file(path: str, *, model: str | None, timeout: float, out: TextIO) -> int:
    import sys

    from mrt.analyzer import analyze_migration, display_path
    from mrt.config import ConfigError, load_config
    from mrt.explain.static import static_explanation
    from mrt.model import parse_migration
    from mrt.model.source import SourceError, read_source

    try:
        client = make_client(timeout=timeout)
    except ClaudeError as exc:
        raise ExplainError(str(exc)) from None
    try:
        text = read_source(path)
        settings = load_config(path)
    except (SourceError, ConfigError) as exc:
        raise ExplainError(f"{path}: {exc}") from None
    migration = parse_migration(text, path, dialect=settings.dialect)
    findings = analyze_migration(migration, settings)
    prompt = build_prompt(snippet_of(text), findings, framework=migration.framework, path=display_path(path))
    try:
        for chunk in stream_explanation(client, prompt, model=model or settings.explain_model):
            out.write(chunk)
            out.flush()
    except ClaudeError as exc:
        out.write("\n")
        sys.stderr.write(f"mrt: error: {exc}\n")
        out.write("Static explanation (from mrt's rule docs):\n\n" + static_explanation(findings))
        out.flush()
        return 3
    out.write("\n")
    return 0
