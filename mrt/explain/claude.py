"""Claude explanations of a migration, shared by `mrt explain` and the language server's hover.

Only a snippet leaves the machine: the revision header, `upgrade()`/`downgrade()` (or Django's
`Migration` class) and the helpers they sit beside — never imports, module docstrings or
anything past `MAX_SNIPPET_CHARS`. `anthropic` is imported inside `make_client`; every failure of
the SDK or the network becomes one `ClaudeError` line.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from mrt.findings import RiskWarning

API_KEY_VARIABLE = "ANTHROPIC_API_KEY"
MAX_SNIPPET_CHARS = 24_000
MAX_TOKENS = 1_024
MAX_RETRIES = 2

SYSTEM_PROMPT = """\
You explain database migrations to the engineers who are about to ship them. In plain English and
in under 250 words, say: what the migration changes; what happens to existing rows and to the
running application while it deploys (locks, rewrites, code that still uses old columns); whether
rolling it back with its downgrade is safe and exactly what a rollback loses; and what to do
instead when something is risky. Treat the static findings as facts about the code and explain
them; do not invent problems the code does not show. No headings, no preamble."""


class ClaudeError(Exception):
    """Claude cannot be used or did not answer; the message is one line for the user."""


@dataclass(frozen=True)
class Prompt:
    system: str
    user: str


def snippet_of(source: str) -> str:
    """The parts of a migration that say what it does, in file order (see the module docstring)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return source[:MAX_SNIPPET_CHARS]
    lines = source.splitlines()
    chunks = []
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):  # docstrings
            continue
        start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
        chunks.append("\n".join(lines[start - 1 : node.end_lineno]))
    text = "\n\n".join(chunks)
    if len(text) > MAX_SNIPPET_CHARS:
        text = text[:MAX_SNIPPET_CHARS] + "\n# ... (cut)"
    return text


def build_prompt(snippet: str, findings: Sequence[RiskWarning], *, framework: str = "", path: str = "") -> Prompt:
    """The request for one migration: its code snippet and the static findings on it."""
    if findings:
        listed = "\n".join(f"- line {f.line or 1}: {f.code} {f.pattern} ({f.severity}): {f.message}" for f in findings)
    else:
        listed = "- none: the static rules found no risk"
    about = " ".join(
        part for part in (f"{framework.capitalize()} migration" if framework else "Migration", path) if part
    )
    user = f"{about}.\n\nStatic findings:\n{listed}\n\nCode:\n```python\n{snippet}\n```"
    return Prompt(system=SYSTEM_PROMPT, user=user)


def make_client(*, timeout: float = 60.0, http_client: Any = None) -> Any:
    """An `anthropic.Anthropic` client; `ClaudeError` says what to install or set when it cannot be made."""
    api_key = os.environ.get(API_KEY_VARIABLE, "").strip()
    try:
        import anthropic
    except ImportError:
        raise ClaudeError("Claude explanations need the anthropic SDK: pip install 'mrt[ai]'") from None
    if not api_key:
        raise ClaudeError(f"set {API_KEY_VARIABLE} to your Anthropic API key to use Claude explanations")
    return anthropic.Anthropic(api_key=api_key, timeout=timeout, max_retries=MAX_RETRIES, http_client=http_client)


def stream_explanation(client: Any, prompt: Prompt, *, model: str) -> Iterator[str]:
    """Yield Claude's answer as it arrives; SDK and network failures become one-line `ClaudeError`s."""
    import anthropic

    try:
        with client.messages.stream(
            model=model,
            max_tokens=MAX_TOKENS,
            system=prompt.system,
            messages=[{"role": "user", "content": prompt.user}],
        ) as stream:
            yield from stream.text_stream
    except anthropic.APITimeoutError:
        raise ClaudeError(f"Claude did not answer in time (timeout {client.timeout} s)") from None
    except anthropic.APIConnectionError as exc:
        raise ClaudeError(f"cannot reach the Anthropic API: {_cause(exc)}") from None
    except anthropic.AuthenticationError:
        raise ClaudeError(f"the Anthropic API rejected the key in {API_KEY_VARIABLE} (401)") from None
    except anthropic.NotFoundError:
        raise ClaudeError(f"model {model!r} not found (pass --model or set explain_model)") from None
    except anthropic.APIStatusError as exc:
        raise ClaudeError(f"the Anthropic API answered {exc.status_code}: {_api_message(exc)}") from None
    except anthropic.AnthropicError as exc:
        raise ClaudeError(f"Claude failed: {_cause(exc)}") from None


def _cause(exc: BaseException) -> str:
    inner = exc.__cause__ or exc
    text = str(inner).strip().splitlines()
    return text[0] if text else type(inner).__name__


def _api_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"]).splitlines()[0]
    return _cause(exc)
