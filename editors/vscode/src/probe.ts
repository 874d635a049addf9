/**
 * Is mrt's language server installed in an interpreter? Asked before starting it, so a missing install
 * becomes one actionable message ("install it there with ...") instead of a crashed server and a
 * stack trace in the log. No `vscode` import: tested under plain Node against real interpreters.
 */

import { execFile } from "node:child_process";

export type Probe =
  | { ok: true }
  | { ok: false; problem: "no-interpreter" | "no-mrt" | "no-lsp-extra"; detail: string };

/** Looks the modules up without importing them (importing pygls alone takes about a second). */
const SCRIPT = [
  "import importlib.util as u",
  "print(' '.join(m for m in ('mrt', 'mrt_server', 'pygls', 'lsprotocol') if u.find_spec(m) is None))",
].join("\n");

export function probeInterpreter(python: string, timeoutMs = 20_000): Promise<Probe> {
  return new Promise((resolve) => {
    execFile(python, ["-c", SCRIPT], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) {
        resolve({ ok: false, problem: "no-interpreter", detail: (stderr || error.message).trim() });
        return;
      }
      const missing = stdout.trim().split(/\s+/).filter(Boolean);
      if (missing.includes("mrt")) {
        resolve({ ok: false, problem: "no-mrt", detail: `missing modules: ${missing.join(", ")}` });
      } else if (missing.length > 0) {
        resolve({ ok: false, problem: "no-lsp-extra", detail: `missing modules: ${missing.join(", ")}` });
      } else {
        resolve({ ok: true });
      }
    });
  });
}

/** The command that fixes it, ready to paste into a terminal. */
export function installCommand(python: string): string {
  const quoted = /[\s"'$`\\]/.test(python) ? `"${python.replace(/(["$`\\])/g, "\\$1")}"` : python;
  return `${quoted} -m pip install "mrt[lsp]"`;
}

/** What the user reads when the server cannot start from `python`. */
export function probeMessage(probe: Exclude<Probe, { ok: true }>, python: string): string {
  switch (probe.problem) {
    case "no-interpreter":
      return `mrt: cannot run the Python interpreter ${python}. Select another interpreter, or set mrt.interpreter.`;
    case "no-mrt":
      return `mrt is not installed in ${python}. Install it there with: ${installCommand(python)}`;
    case "no-lsp-extra":
      return `mrt is installed in ${python} without its language server. Install the extra: ${installCommand(python)}`;
  }
}

/** When the server was started without an interpreter to probe (mrt.server.path, or mrt-lsp on PATH). */
export function startFailureMessage(command: string, origin: string, error: string): string {
  const fix =
    origin === "PATH"
      ? 'Install mrt with pip install "mrt[lsp]", select its interpreter in the Python extension, or set mrt.interpreter.'
      : `Check ${origin}.`;
  return `mrt: could not start ${command}: ${error}. ${fix}`;
}
