"""Claude in the editor: opt-in, snippet-only, cached, and never in the way of typing.

The client, the prompt and the error handling are `mrt explain`'s (`mrt.explain.claude`); this
module adds what an editor needs on top:

* It is built only when the user set `explain.provider = "claude"` and `ANTHROPIC_API_KEY` is set
  (`make_client` refuses otherwise), so no setting, no key, no network call.
* A hover sends the finding and a few lines around its operation — never the whole file, never a
  path. Answers are cached by a hash of exactly that, so edits elsewhere keep the cache, and one
  request per snippet is in flight at a time (two hovers share it).
* A hover waits a short budget; if the answer is not there yet it shows the rule docs now and the
  answer on the next hover, while the request finishes in the background. A failure is logged once
  per snippet and the hover shows the rule docs — never an error popup.

The SDK call is synchronous and `anthropic` takes seconds to import, so both happen in a small
thread pool of their own.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from mrt.explain.claude import ClaudeError, Prompt, build_prompt, make_client, stream_explanation
from mrt.findings import RiskWarning

SNIPPET_CONTEXT = 2  # lines either side of the operation
_SNIPPET_MAX_LINES = 40
_CACHE_SIZE = 256
_TIMEOUT = 20.0  # per request; hovers stop waiting much sooner (explain.timeoutMs)


class ClaudeExplainer:
    def __init__(self, client: Any, model: str, *, log: Callable[[str], None]) -> None:
        self.model = model
        self._client = client
        self._log = log
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="mrt-claude")
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[str | None]] = {}
        self._failed: set[str] = set()

    @classmethod
    async def connect(cls, model: str, log: Callable[[str], None], http_client: Any = None) -> ClaudeExplainer | None:
        """An explainer when the SDK and a key are there; otherwise None, with the reason logged."""
        loop = asyncio.get_running_loop()
        try:
            client = await loop.run_in_executor(None, lambda: make_client(timeout=_TIMEOUT, http_client=http_client))
        except ClaudeError as exc:
            log(f"mrt: Claude explanations are off: {exc}")
            return None
        return cls(client, model, log=log)

    async def explain(
        self, snippet: str, findings: Sequence[RiskWarning], framework: str, budget: float
    ) -> tuple[str | None, bool]:
        """(Claude's text or None, whether an answer is still on its way) within `budget` seconds."""
        prompt = build_prompt(snippet, findings, framework=framework)
        key = prompt_key(self.model, prompt)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key], False
        if key in self._failed:
            return None, False
        future = self._inflight.get(key)
        if future is None:
            future = asyncio.ensure_future(self._ask(key, prompt))
            self._inflight[key] = future
            future.add_done_callback(lambda _: self._inflight.pop(key, None))
        try:
            return await asyncio.wait_for(asyncio.shield(future), budget), False
        except asyncio.TimeoutError:
            return None, True

    async def _ask(self, key: str, prompt: Prompt) -> str | None:
        try:
            text = await asyncio.get_running_loop().run_in_executor(self._pool, self._complete, prompt)
        except ClaudeError as exc:
            self._failed.add(key)
            self._log(f"mrt: Claude explanation unavailable ({exc}); showing the rule docs")
            return None
        if not text:
            return None
        self._cache[key] = text
        while len(self._cache) > _CACHE_SIZE:
            self._cache.popitem(last=False)
        return text

    def _complete(self, prompt: Prompt) -> str:
        return "".join(stream_explanation(self._client, prompt, model=self.model)).strip()


def operation_snippet(source: str, line: int, end_line: int | None) -> str:
    """The operation's lines plus a little context (1-based, inclusive), never the whole file."""
    lines = source.splitlines()
    first = max(line - 1 - SNIPPET_CONTEXT, 0)
    last = min((end_line or line) + SNIPPET_CONTEXT, len(lines), first + _SNIPPET_MAX_LINES)
    return "\n".join(lines[first:last])


def prompt_key(model: str, prompt: Prompt) -> str:
    return hashlib.sha256("\0".join((model, prompt.system, prompt.user)).encode("utf-8")).hexdigest()
