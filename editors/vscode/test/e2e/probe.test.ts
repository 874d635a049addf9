/**
 * Before starting the server from an interpreter, the extension asks that interpreter whether mrt is
 * installed. Checked against real interpreters: the one this repository's tests use (mrt installed),
 * a brand-new virtual environment (mrt missing), and a path that is not an interpreter.
 */

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";

import { probeInterpreter, probeMessage } from "../../src/probe";
import { mrtPython } from "../support/paths";

const scratch = mkdtempSync(join(tmpdir(), "mrt-probe-"));
after(() => rmSync(scratch, { recursive: true, force: true }));

test("an interpreter with mrt[lsp] installed is ready", async () => {
  assert.deepEqual(await probeInterpreter(mrtPython()), { ok: true });
});

test("a fresh virtual environment gets the pip command that installs mrt there", async () => {
  const venv = join(scratch, "venv");
  execFileSync("python3", ["-m", "venv", "--without-pip", venv]);
  const python = join(venv, "bin", "python");
  const probe = await probeInterpreter(python);
  assert.equal(probe.ok, false);
  if (!probe.ok) {
    assert.equal(probe.problem, "no-mrt");
    assert.equal(probeMessage(probe, python), `mrt is not installed in ${python}. Install it there with: ${python} -m pip install "mrt[lsp]"`);
  }
});

test("a path that is not an interpreter says so", async () => {
  const probe = await probeInterpreter(join(scratch, "no-such-python"));
  assert.equal(probe.ok, false);
  assert.equal(probe.ok ? undefined : probe.problem, "no-interpreter");
});
