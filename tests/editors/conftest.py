"""The editor integrations test themselves (npm scripts, headless Neovim); these helpers run them from pytest.

A missing tool (node/npm, a Neovim >= 0.11) skips the editor's tests with the reason on a laptop and
fails them under CI=true, so CI can never pass by not running them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EDITORS = REPO / "editors"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require(condition: bool, reason: str) -> None:
    """Skip (or, under CI=true, fail) unless `condition` holds."""
    if condition:
        return
    if in_ci():
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


def find_tool(name: str) -> str | None:
    """A tool from the test interpreter's environment first (where `pip install -e .[dev]` puts nvim)."""
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def run(command: list[str], cwd: Path, *, timeout: float, env: dict[str, str] | None = None) -> str:
    """Run a step of an editor's test suite; on failure, fail with everything it printed."""
    result = subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"`{' '.join(command)}` exited {result.returncode} in {cwd}:\n{result.stdout}", pytrace=False)
    return result.stdout
