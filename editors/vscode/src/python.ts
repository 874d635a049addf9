/**
 * The interpreter selected in the Python extension (ms-python.python), when that extension is
 * installed. It is optional: without it mrt uses its own settings or `mrt-lsp` from PATH, so the
 * extension declares no `extensionDependencies`. Only the two calls and the one event mrt uses are
 * typed here, from the extension's published `environments` API.
 */

import * as vscode from "vscode";

interface EnvironmentPath {
  id: string;
  path: string;
}

interface ResolvedEnvironment {
  executable: { uri?: vscode.Uri };
}

interface PythonEnvironments {
  getActiveEnvironmentPath(resource?: vscode.Uri): EnvironmentPath;
  resolveEnvironment(environment: EnvironmentPath | string): Promise<ResolvedEnvironment | undefined>;
  onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
}

export interface PythonExtension {
  environments: PythonEnvironments;
}

const PYTHON_EXTENSION_ID = "ms-python.python";

export async function pythonExtension(): Promise<PythonExtension | undefined> {
  const extension = vscode.extensions.getExtension<PythonExtension>(PYTHON_EXTENSION_ID);
  if (!extension) {
    return undefined;
  }
  try {
    const api = extension.isActive ? extension.exports : await extension.activate();
    return api?.environments ? api : undefined;
  } catch {
    return undefined; // a broken Python extension must not keep mrt from starting
  }
}

/** The executable of the interpreter selected for `resource` (or the window), if it resolves. */
export async function selectedInterpreter(
  python: PythonExtension | undefined,
  resource: vscode.Uri | undefined,
): Promise<string | undefined> {
  if (!python) {
    return undefined;
  }
  try {
    const active = python.environments.getActiveEnvironmentPath(resource);
    const resolved = await python.environments.resolveEnvironment(active);
    return resolved?.executable.uri?.fsPath;
  } catch {
    return undefined;
  }
}

export function hasPythonExtension(): boolean {
  return vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined;
}
