/**
 * Which program to start as the mrt language server. No `vscode` import: unit-tested under plain Node.
 *
 * Order: an explicit `mrt.server.path`, then an explicit `mrt.interpreter`, then the interpreter the
 * user selected in the Python extension, then `mrt-lsp` from PATH. Explicit settings win because a
 * user who wrote one meant it; the Python extension's choice is the zero-configuration default.
 */

export interface LaunchSettings {
  /** `mrt.server.path`: an `mrt-lsp` executable (or any command that speaks LSP on stdio). */
  serverPath: string;
  /** `mrt.interpreter`: a Python interpreter with `mrt[lsp]` installed. */
  interpreter: string;
}

export interface ServerCommand {
  command: string;
  args: string[];
  /** Where the command came from, for the log and for messages that tell the user what to change. */
  origin: "mrt.server.path" | "mrt.interpreter" | "Python extension" | "PATH";
  /** The interpreter that runs the server, when known (it is probed for mrt before starting). */
  python?: string;
}

export interface Variables {
  workspaceFolder?: string;
  userHome?: string;
}

export function resolveServerCommand(
  settings: LaunchSettings,
  selectedInterpreter: string | undefined,
  variables: Variables = {},
): ServerCommand {
  const serverPath = expand(settings.serverPath, variables);
  if (serverPath) {
    return { command: serverPath, args: [], origin: "mrt.server.path" };
  }
  const interpreter = expand(settings.interpreter, variables);
  if (interpreter) {
    return { command: interpreter, args: ["-m", "mrt_server"], origin: "mrt.interpreter", python: interpreter };
  }
  if (selectedInterpreter) {
    return {
      command: selectedInterpreter,
      args: ["-m", "mrt_server"],
      origin: "Python extension",
      python: selectedInterpreter,
    };
  }
  return { command: "mrt-lsp", args: [], origin: "PATH" };
}

/** `${workspaceFolder}`, `${userHome}` and a leading `~`, as in VS Code's own path settings. */
export function expand(value: string, variables: Variables): string {
  let result = value.trim();
  if (variables.userHome && (result === "~" || result.startsWith("~/"))) {
    result = variables.userHome + result.slice(1);
  }
  return result.replace(/\$\{(workspaceFolder|userHome)\}/g, (whole, name: keyof Variables) => variables[name] ?? whole);
}

/** The one-line description the output channel shows when the server starts. */
export function describe(command: ServerCommand): string {
  return `${[command.command, ...command.args].join(" ")} (from ${command.origin})`;
}
