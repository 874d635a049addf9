"""Interrupting an `mrt verify` run in the middle of a migration step, the way a user's Ctrl-C does.

Shared by the verifier fault tests of both suites (Alembic and Django): the migration under test creates a
marker file and then waits, so the signal lands inside that step, not before the run reached it or after it ended.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path


def started_until(
    marker: Path, command: list[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start `command` (text mode, stdout and stderr piped) and return once it has created `marker`.

    Fails with the run's stderr when it ends, or `timeout` seconds pass, before the marker appears.
    """
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout
    while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert marker.exists(), process.communicate()[1]
    return process
