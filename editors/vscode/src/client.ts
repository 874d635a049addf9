/**
 * One mrt language-server session: where it comes from, starting and stopping it, and what the
 * client adds to the protocol (only server settings in `workspace/configuration`, and the results of
 * the server's commands shown to the user). Restarts are serialised, so a burst of setting changes
 * never leaves two servers running.
 */

import * as os from "node:os";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  LanguageClient,
  type LanguageClientOptions,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  TransportKind,
} from "vscode-languageclient/node";

import { installCommand, probeInterpreter, probeMessage, startFailureMessage } from "./probe";
import { type PythonExtension, hasPythonExtension, selectedInterpreter } from "./python";
import { describeCheck, isCheckSummary, isVerifyResult } from "./results";
import { describe, resolveServerCommand, type ServerCommand } from "./serverCommand";
import { serverSettings } from "./settings";

/** Migration files only; the server also checks content and stays silent on anything else. */
export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "python", pattern: "**/versions/**/*.py" },
  { scheme: "file", language: "python", pattern: "**/migrations/**/*.py" },
  { scheme: "untitled", language: "python" },
];

export class MrtClient {
  private client: LanguageClient | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly output: vscode.LogOutputChannel,
    private readonly python: PythonExtension | undefined,
  ) {}

  get running(): LanguageClient | undefined {
    return this.client?.state === State.Running ? this.client : undefined;
  }

  /** Stop the current server (if any) and start a new one from the current settings. */
  restart(): Promise<void> {
    this.queue = this.queue.then(() => this.stopNow()).then(() => this.startNow());
    return this.queue;
  }

  stop(): Promise<void> {
    this.queue = this.queue.then(() => this.stopNow());
    return this.queue;
  }

  /** Settings other than how to start the server go to the running one, which re-checks open files. */
  async sendSettings(): Promise<void> {
    const client = this.running;
    if (client) {
      const settings = serverSettings(vscode.workspace.getConfiguration("mrt"));
      await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { mrt: settings } });
    }
  }

  private async stopNow(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client) {
      try {
        await client.stop(5000);
      } catch (error) {
        this.output.warn(`mrt: stopping the server: ${String(error)}`);
      }
    }
  }

  private async startNow(): Promise<void> {
    const configuration = vscode.workspace.getConfiguration("mrt");
    if (!configuration.get<boolean>("enable", true)) {
      this.output.info("mrt: disabled (mrt.enable = false)");
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    const command = resolveServerCommand(
      {
        serverPath: trusted(configuration, "server.path"),
        interpreter: trusted(configuration, "interpreter"),
      },
      await selectedInterpreter(this.python, folder?.uri),
      { workspaceFolder: folder?.uri.fsPath, userHome: os.homedir() },
    );
    this.output.info(`mrt: starting ${describe(command)}`);
    if (command.python && !(await this.interpreterReady(command.python))) {
      return;
    }
    const client = new LanguageClient("mrt", "mrt", this.serverOptions(command, folder), this.clientOptions());
    this.client = client;
    try {
      await client.start();
      this.output.info(`mrt: server running (${client.initializeResult?.serverInfo?.version ?? "unknown version"})`);
    } catch (error) {
      this.client = undefined;
      const message = startFailureMessage(command.command, command.origin, String(error));
      this.output.error(message);
      void this.offerHelp(message, command);
    }
  }

  private async interpreterReady(python: string): Promise<boolean> {
    const probe = await probeInterpreter(python);
    if (probe.ok) {
      return true;
    }
    const message = probeMessage(probe, python);
    this.output.error(`${message} (${probe.detail})`);
    void this.offerHelp(message, undefined, python);
    return false;
  }

  private serverOptions(command: ServerCommand, folder: vscode.WorkspaceFolder | undefined): ServerOptions {
    const executable = {
      command: command.command,
      args: command.args,
      transport: TransportKind.stdio,
      options: { cwd: folder?.uri.fsPath },
    };
    return { run: executable, debug: executable };
  }

  private clientOptions(): LanguageClientOptions {
    return {
      documentSelector: DOCUMENT_SELECTOR,
      outputChannel: this.output,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      initializationOptions: { mrt: serverSettings(vscode.workspace.getConfiguration("mrt")) },
      middleware: {
        workspace: {
          // The server asks for the `mrt` section; it gets the server settings, not how it was started.
          configuration: async (params, token, next) => {
            const result = await next(params, token);
            if (!Array.isArray(result)) {
              return result;
            }
            return result.map((item, index) => (params.items[index]?.section === "mrt" ? serverSettings(item) : item));
          },
        },
        executeCommand: async (command, args, next) => {
          const result = await next(command, args);
          await showResult(command, result);
          return result;
        },
      },
    };
  }

  private async offerHelp(message: string, command?: ServerCommand, python?: string): Promise<void> {
    const actions = ["Show Logs", "Open Settings"];
    if (python) {
      actions.unshift("Copy Install Command");
    }
    if (hasPythonExtension() && command?.origin !== "mrt.server.path") {
      actions.push("Select Interpreter");
    }
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === "Copy Install Command" && python) {
      await vscode.env.clipboard.writeText(installCommand(python));
    } else if (choice === "Show Logs") {
      this.output.show();
    } else if (choice === "Open Settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "mrt.");
    } else if (choice === "Select Interpreter") {
      await vscode.commands.executeCommand("python.setInterpreter");
    }
  }
}

/**
 * A setting that chooses a program to run, ignoring the workspace's value in an untrusted workspace
 * (package.json lists these under `restrictedConfigurations`, and VS Code already does this; the
 * check keeps the rule visible here).
 */
function trusted(configuration: vscode.WorkspaceConfiguration, key: string): string {
  const inspected = configuration.inspect<string>(key);
  if (!vscode.workspace.isTrusted) {
    return inspected?.globalValue ?? inspected?.defaultValue ?? "";
  }
  return configuration.get<string>(key, "");
}

/** The server's commands return values; code lenses and the command palette show them here. */
async function showResult(command: string, result: unknown): Promise<void> {
  if (command === "mrt.checkWorkspace" && isCheckSummary(result)) {
    void vscode.window.showInformationMessage(describeCheck(result));
  } else if ((command === "mrt.explainMigration" || command === "mrt.showRuleDocs") && typeof result === "string") {
    const document = await vscode.workspace.openTextDocument({ language: "markdown", content: result });
    await vscode.commands.executeCommand("markdown.showPreviewToSide", document.uri);
  } else if (command === "mrt.verifyRevision" && isVerifyResult(result) && result.message) {
    const show = result.ok ? vscode.window.showInformationMessage : vscode.window.showWarningMessage;
    void show(`mrt: ${result.message}`);
  }
}
