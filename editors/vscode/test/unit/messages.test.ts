/** What the user reads: install instructions and command results. */

import assert from "node:assert/strict";
import { test } from "node:test";

import { installCommand, probeMessage, startFailureMessage } from "../../src/probe";
import { describeCheck } from "../../src/results";

test("a missing install names the interpreter and the exact pip command", () => {
  const message = probeMessage({ ok: false, problem: "no-mrt", detail: "" }, "/p/.venv/bin/python");
  assert.equal(message, 'mrt is not installed in /p/.venv/bin/python. Install it there with: /p/.venv/bin/python -m pip install "mrt[lsp]"');
});

test("mrt without the lsp extra asks for the extra", () => {
  const message = probeMessage({ ok: false, problem: "no-lsp-extra", detail: "" }, "python3");
  assert.match(message, /without its language server.*python3 -m pip install "mrt\[lsp\]"/);
});

test("an interpreter path with spaces is quoted in the install command", () => {
  assert.equal(installCommand("/Users/A B/venv/bin/python"), '"/Users/A B/venv/bin/python" -m pip install "mrt[lsp]"');
});

test("a server that fails to start from PATH says how to install or point at one", () => {
  const message = startFailureMessage("mrt-lsp", "PATH", "spawn mrt-lsp ENOENT");
  assert.match(message, /could not start mrt-lsp: spawn mrt-lsp ENOENT\. Install mrt with pip install "mrt\[lsp\]"/);
  assert.match(startFailureMessage("/x", "mrt.server.path", "EACCES"), /Check mrt\.server\.path\.$/);
});

test("a workspace check is summarised with the most frequent rules first", () => {
  assert.equal(
    describeCheck({ files: 12, findings: 3, byCode: { MRT101: 1, MRT201: 2 }, cancelled: false }),
    "mrt checked 12 migrations: 3 findings (MRT201 ×2, MRT101 ×1).",
  );
  assert.equal(describeCheck({ files: 1, findings: 0, byCode: {}, cancelled: false }), "mrt checked 1 migration: no findings.");
  assert.match(describeCheck({ files: 4, findings: 1, byCode: { MRT201: 1 }, cancelled: true }), /^mrt check cancelled after 4 migrations: 1 finding/);
});
