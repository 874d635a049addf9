/** Which server mrt starts, in the order the README documents. */

import assert from "node:assert/strict";
import { test } from "node:test";

import { describe, expand, resolveServerCommand } from "../../src/serverCommand";

const none = { serverPath: "", interpreter: "" };

test("with nothing configured and no Python extension, mrt-lsp comes from PATH", () => {
  assert.deepEqual(resolveServerCommand(none, undefined), { command: "mrt-lsp", args: [], origin: "PATH" });
});

test("the interpreter selected in the Python extension runs python -m mrt_server", () => {
  const command = resolveServerCommand(none, "/home/u/proj/.venv/bin/python");
  assert.deepEqual(command.args, ["-m", "mrt_server"]);
  assert.equal(command.python, "/home/u/proj/.venv/bin/python");
  assert.equal(command.origin, "Python extension");
});

test("mrt.interpreter wins over the Python extension's choice", () => {
  const command = resolveServerCommand({ serverPath: "", interpreter: "/usr/bin/python3.12" }, "/venv/bin/python");
  assert.equal(command.command, "/usr/bin/python3.12");
  assert.equal(command.origin, "mrt.interpreter");
});

test("mrt.server.path wins over everything and is started as is", () => {
  const command = resolveServerCommand({ serverPath: "/opt/mrt/bin/mrt-lsp", interpreter: "/usr/bin/python3" }, "/venv/bin/python");
  assert.deepEqual(command, { command: "/opt/mrt/bin/mrt-lsp", args: [], origin: "mrt.server.path" });
  assert.equal(describe(command), "/opt/mrt/bin/mrt-lsp (from mrt.server.path)");
});

test("paths may use ${workspaceFolder}, ${userHome} and ~", () => {
  const variables = { workspaceFolder: "/src/app", userHome: "/home/u" };
  assert.equal(expand("${workspaceFolder}/.venv/bin/python", variables), "/src/app/.venv/bin/python");
  assert.equal(expand("~/bin/mrt-lsp", variables), "/home/u/bin/mrt-lsp");
  assert.equal(expand("${userHome}/x", variables), "/home/u/x");
  assert.equal(expand("  ", variables), "");
  assert.equal(expand("${workspaceFolder}/x", {}), "${workspaceFolder}/x");
});
