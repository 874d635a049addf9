/** Where things are, from a test bundle in out/test/<kind>/ or a source file in test/<kind>/. */

import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

function findExtensionRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, "package.json")) || !readFileSync(join(dir, "package.json"), "utf8").includes('"mrt-vscode"')) {
    const parent = resolve(dir, "..");
    if (parent === dir) {
      throw new Error(`no mrt-vscode package.json above ${start}`);
    }
    dir = parent;
  }
  return dir;
}

export const EXTENSION_ROOT = findExtensionRoot(__dirname);
export const REPO_ROOT = resolve(EXTENSION_ROOT, "..", "..");
export const PACKAGE_JSON: unknown = JSON.parse(readFileSync(join(EXTENSION_ROOT, "package.json"), "utf8"));
export const EXAMPLE_PROJECT = join(REPO_ROOT, "examples", "alembic_project");
export const DROP_PHONE = join(EXAMPLE_PROJECT, "migrations", "versions", "0003_drop_phone.py");

/** The interpreter with mrt installed: $MRT_PYTHON (set by tests/editors), else the repo's .venv. */
export function mrtPython(): string {
  const fromEnv = process.env.MRT_PYTHON;
  if (fromEnv) {
    return fromEnv;
  }
  const venv = join(REPO_ROOT, ".venv", process.platform === "win32" ? "Scripts/python.exe" : "bin/python");
  return existsSync(venv) ? venv : "python3";
}
