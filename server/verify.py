"""Verify rollback from the editor: the dynamic round trip of one revision or migration, in a subprocess.

Verification runs the project's own env.py and migrations against the disposable database named in
`[tool.mrt] db_url` (or `mrt.verify.databaseUrl`); the verifier's guard refuses anything that does not
look disposable. It runs in a child process (`python -m mrt_server.verify_child SPEC`) so that user code
never runs inside the language server, a crash or a hang cannot take the server down, and
cancelling means killing the child. The child prints one JSON object: the `RevisionResult`, or
`{"error": ...}` when verification could not start.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any


async def run_verification(
    root: str, revision: str, db_url: str, cancelled: Any, time_limit: float, *, app: str | None = None
) -> dict[str, Any]:
    """Run the child; kill it when `cancelled()` says so, when the task is cancelled, or after `time_limit`.
    `app` makes `revision` a Django migration name of that app."""
    spec = json.dumps({"root": root, "revision": revision, "db_url": db_url, "app": app})
    deadline = asyncio.get_running_loop().time() + time_limit
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "mrt_server.verify_child",
        spec,
        cwd=root,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    outputs = asyncio.ensure_future(child.communicate())
    try:
        while not outputs.done():
            if cancelled():
                child.kill()
                await outputs
                return {"cancelled": True}
            if asyncio.get_running_loop().time() > deadline:
                child.kill()
                await outputs
                return {"error": f"no result after {time_limit:g} s; the verification was stopped"}
            await asyncio.wait({outputs}, timeout=0.2)
    except asyncio.CancelledError:
        child.kill()
        raise
    stdout, stderr = outputs.result()
    try:
        return json.loads(stdout.decode("utf-8", "replace").strip().splitlines()[-1])
    except (IndexError, ValueError):
        tail = stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit code {child.returncode}"]
        return {"error": f"the verifier stopped unexpectedly: {tail[0]}"}
