"""Claude's explanation of one operation, for hovers: opt-in, snippet-only, cached, and never in the way.

* Used only when the user set `explain.provider = "claude"` and `ANTHROPIC_API_KEY` is set; the key
  is passed explicitly, so the SDK never goes looking for other credentials.
* What leaves the machine: the rule code, the finding's message, the framework and a few lines
  around the operation — never the whole file, never a path.
* Answers are cached by a hash of exactly that, so edits elsewhere in the file keep the cache. One
  request per snippet is in flight at a time; two hovers on it share it.
* A hover waits a short budget. If the answer is not there yet it shows the rule docs now and the
  answer on the next hover (the request continues in the background). Failures are logged once per
  snippet and fall back to the rule docs, never an error popup.

`anthropic` takes seconds to import, so it is imported lazily, in a thread.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

PROMPT_VERSION = "1"
SNIPPET_CONTEXT = 2  # lines either side of the operation
_CACHE_SIZE = 256
_SYSTEM = (
    "You review database migrations for a team deciding whether a migration is safe to deploy and to roll back. "
    "Explain, in at most 120 words of Markdown, what this operation does to existing data and to a running "
    "application, what happens if the migration is rolled back, and the safest way to write it. Be concrete; do "
    "not repeat the code."
)


class ClaudeExplainer:
    def __init__(
        self,
        api_key: str,
        model: str,
        *,
        log: Callable[[str], None],
        base_url: str | None = None,
        timeout: float = 8.0,
        http_client: Any = None,
    ) -> None:
        self.model = model
        self._api_key = api_key
        self._base_url = base_url
        self._timeout = timeout
        self._http_client = http_client
        self._log = log
        self._client: Any = None
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._inflight: dict[str, asyncio.Task[str | None]] = {}
        self._failed: set[str] = set()
        self._limit = asyncio.Semaphore(2)

    @classmethod
    def from_environment(cls, model: str, log: Callable[[str], None]) -> ClaudeExplainer | None:
        """An explainer when a key is present, else None (and so no network call, ever)."""
        key = os.environ.get("ANTHROPIC_API_KEY")
        if not key:
            return None
        return cls(key, model, log=log, base_url=os.environ.get("ANTHROPIC_BASE_URL") or None)

    async def explain(
        self, code: str, message: str, framework: str, snippet: str, budget: float
    ) -> tuple[str | None, bool]:
        """(Claude's text or None, whether an answer is still on its way) within `budget` seconds."""
        key = snippet_key(self.model, code, message, framework, snippet)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key], False
        if key in self._failed:
            return None, False
        task = self._inflight.get(key)
        if task is None:
            task = asyncio.ensure_future(self._ask(key, code, message, framework, snippet))
            self._inflight[key] = task
            task.add_done_callback(lambda _: self._inflight.pop(key, None))
        try:
            return await asyncio.wait_for(asyncio.shield(task), budget), False
        except asyncio.TimeoutError:
            return None, True

    async def warm_up(self) -> None:
        """Import the SDK in a thread so that the first hover does not pay for it."""
        await asyncio.get_running_loop().run_in_executor(None, self._make_client)

    async def _ask(self, key: str, code: str, message: str, framework: str, snippet: str) -> str | None:
        async with self._limit:
            try:
                client = self._client or await asyncio.get_running_loop().run_in_executor(None, self._make_client)
                response = await client.messages.create(
                    model=self.model,
                    max_tokens=400,
                    system=_SYSTEM,
                    messages=[{"role": "user", "content": prompt(code, message, framework, snippet)}],
                )
            except Exception as exc:  # auth, network, rate limit, a missing SDK: fall back to the docs
                self._failed.add(key)
                self._log(f"mrt: Claude explanation unavailable ({type(exc).__name__}: {exc}); showing rule docs")
                return None
        text = "".join(block.text for block in response.content if getattr(block, "type", "") == "text").strip()
        if not text:
            return None
        self._cache[key] = text
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return text

    def _make_client(self) -> Any:
        if self._client is None:
            import anthropic

            options: dict[str, Any] = {"api_key": self._api_key, "max_retries": 1, "timeout": self._timeout}
            if self._base_url:
                options["base_url"] = self._base_url
            if self._http_client is not None:
                options["http_client"] = self._http_client
            self._client = anthropic.AsyncAnthropic(**options)
        return self._client


def snippet_of(source: str, line: int, end_line: int | None) -> str:
    """The operation's lines plus a little context (1-based, inclusive), never the whole file."""
    lines = source.splitlines()
    first = max(line - 1 - SNIPPET_CONTEXT, 0)
    last = min((end_line or line) + SNIPPET_CONTEXT, len(lines), first + 40)
    return "\n".join(lines[first:last])


def prompt(code: str, message: str, framework: str, snippet: str) -> str:
    return f"Framework: {framework}\nFinding: {code}: {message}\n\n```python\n{snippet}\n```"


def snippet_key(model: str, code: str, message: str, framework: str, snippet: str) -> str:
    parts = "\0".join((PROMPT_VERSION, model, framework, code, message, snippet))
    return hashlib.sha256(parts.encode("utf-8")).hexdigest()
