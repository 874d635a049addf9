/**
 * Entry point: one output channel, one server session, the commands, and the events that restart the
 * server (a different interpreter or server path) or only re-send settings (everything else).
 */

import * as vscode from "vscode";

import { MrtClient } from "./client";
import { pythonExtension } from "./python";
import { RESTART_KEYS } from "./settings";

let session: MrtClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const output = vscode.window.createOutputChannel("mrt", { log: true });
  const python = await pythonExtension();
  session = new MrtClient(output, python);
  const mrt = session;

  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("mrt.restart", () => mrt.restart()),
    vscode.commands.registerCommand("mrt.showLogs", () => output.show()),
    vscode.commands.registerCommand("mrt.checkWorkspaceNow", () => runServerCommand(mrt, "mrt.checkWorkspace")),
    vscode.commands.registerCommand("mrt.explainCurrentMigration", (uri?: vscode.Uri) => {
      const target = uri ?? vscode.window.activeTextEditor?.document.uri;
      if (!target) {
        void vscode.window.showInformationMessage("mrt: open a migration file to explain it.");
        return;
      }
      return runServerCommand(mrt, "mrt.explainMigration", target.toString());
    }),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (RESTART_KEYS.some((key) => event.affectsConfiguration(`mrt.${key}`)) || event.affectsConfiguration("mrt.enable")) {
        void mrt.restart();
      } else if (event.affectsConfiguration("mrt")) {
        void mrt.sendSettings();
      }
    }),
    vscode.workspace.onDidGrantWorkspaceTrust(() => mrt.restart()),
  );
  if (python) {
    context.subscriptions.push(python.environments.onDidChangeActiveEnvironmentPath(() => mrt.restart()));
  }
  await mrt.restart();
}

export async function deactivate(): Promise<void> {
  await session?.stop();
}

/**
 * The server registers its commands with VS Code when it starts; the palette commands call them (the
 * client's middleware shows the result), or say why they cannot.
 */
async function runServerCommand(mrt: MrtClient, command: string, ...args: unknown[]): Promise<unknown> {
  if (!mrt.running) {
    void vscode.window.showWarningMessage("mrt: the language server is not running. See mrt: Show Logs.");
    return undefined;
  }
  return vscode.commands.executeCommand(command, ...args);
}
