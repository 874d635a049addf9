"""The VS Code extension (editors/vscode): its settings contract with the server, and its own suite.

package.json's `contributes.configuration` is the one declaration of the settings a VS Code user
can change. Every server setting must be declared there with the server's own default, and nothing
else may be sent to the server; the npm suite then proves the real server accepts those defaults on
the wire, and drives it as VS Code's client would (diagnostics with code links, a quick fix, hover).
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest
from mrt_server.settings import Settings, as_json, parse_settings, setting_keys

from .conftest import EDITORS, find_tool, require, run

VSCODE = EDITORS / "vscode"
# Read by the extension itself (how to start the server, the client's trace level), never sent to it.
EXTENSION_ONLY = {"server.path", "interpreter", "trace.server"}


def contributed() -> dict[str, dict]:
    properties = json.loads((VSCODE / "package.json").read_text())["contributes"]["configuration"]["properties"]
    return {name.removeprefix("mrt."): prop for name, prop in properties.items()}


def test_package_json_declares_every_server_setting_once():
    server_keys = set(contributed()) - EXTENSION_ONLY
    assert server_keys == set(setting_keys())


def test_package_json_defaults_are_the_servers_defaults():
    defaults = {key: prop["default"] for key, prop in contributed().items() if key not in EXTENSION_ONLY}
    assert parse_settings({"mrt": defaults}).problems == ()
    assert defaults == as_json(Settings())


@pytest.fixture(scope="module")
def npm() -> str:
    node, npm = find_tool("node"), find_tool("npm")
    require(node is not None and npm is not None, "node and npm are needed for the VS Code extension's tests")
    assert npm is not None
    lock, installed = VSCODE / "package-lock.json", VSCODE / "node_modules" / ".package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        run([npm, "ci", "--no-audit", "--no-fund"], VSCODE, timeout=600)
    return npm


def test_typecheck_build_unit_and_end_to_end_tests(npm: str):
    """`npm test`: tsc --noEmit, the esbuild bundle, node --test unit tests, and the JSON-RPC tests
    against the real server started from this interpreter."""
    run([npm, "test"], VSCODE, timeout=600, env={"MRT_PYTHON": sys.executable})


def test_vsce_packages_a_vsix(npm: str):
    run([npm, "run", "package"], VSCODE, timeout=300)
    vsix = VSCODE / "out" / "mrt-vscode.vsix"
    with zipfile.ZipFile(vsix) as archive:
        names = set(archive.namelist())
    assert {"extension/package.json", "extension/dist/extension.js", "extension/readme.md"} <= names
    assert not any(Path(name).parts[1:2] == ("node_modules",) for name in names)
