/**
 * A JSON-RPC session with the real mrt language server, over stdio, through
 * vscode-languageserver-protocol: the library vscode-languageclient speaks through inside VS Code.
 * It answers the server's requests the way VS Code does (configuration, capability registration,
 * progress) and records what the server sends.
 */

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import {
  type ClientCapabilities,
  ConfigurationRequest,
  type Diagnostic,
  DidOpenTextDocumentNotification,
  type InitializeResult,
  InitializeRequest,
  InitializedNotification,
  LogMessageNotification,
  type LogMessageParams,
  type MessageConnection,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
  RegistrationRequest,
  ShutdownRequest,
  ExitNotification,
  StreamMessageReader,
  StreamMessageWriter,
  type TextEdit,
  WorkDoneProgressCreateRequest,
  createMessageConnection,
} from "vscode-languageserver-protocol/node";

import { mrtPython } from "./paths";

/**
 * What vscode-languageclient 9 announces on VS Code 1.82 for the features mrt uses. VS Code supports
 * pull diagnostics, so the server chooses pull; `withoutPull` gives an older client's push mode.
 */
export const VSCODE_CAPABILITIES: ClientCapabilities = {
  general: { positionEncodings: ["utf-16"] },
  window: { workDoneProgress: true, showMessage: {} },
  workspace: {
    configuration: true,
    applyEdit: true,
    workspaceEdit: { documentChanges: true },
    didChangeConfiguration: { dynamicRegistration: true },
    didChangeWatchedFiles: { dynamicRegistration: true, relativePatternSupport: true },
    executeCommand: { dynamicRegistration: true },
    diagnostics: { refreshSupport: true },
    codeLens: { refreshSupport: true },
  },
  textDocument: {
    synchronization: { dynamicRegistration: true, didSave: true, willSave: true, willSaveWaitUntil: true },
    hover: { dynamicRegistration: true, contentFormat: ["markdown", "plaintext"] },
    codeAction: {
      dynamicRegistration: true,
      isPreferredSupport: true,
      dataSupport: true,
      codeActionLiteralSupport: {
        codeActionKind: { valueSet: ["", "quickfix", "refactor", "source", "source.organizeImports", "source.fixAll"] },
      },
    },
    codeLens: { dynamicRegistration: true },
    publishDiagnostics: {
      relatedInformation: true,
      versionSupport: false,
      tagSupport: { valueSet: [1, 2] },
      codeDescriptionSupport: true,
      dataSupport: true,
    },
    diagnostic: { dynamicRegistration: true, relatedDocumentSupport: false },
  },
};

export function withoutPull(capabilities: ClientCapabilities): ClientCapabilities {
  const textDocument = { ...capabilities.textDocument };
  delete textDocument.diagnostic;
  return { ...capabilities, textDocument };
}

export interface SessionOptions {
  rootPath: string;
  initializationOptions?: unknown;
  /** What the client answers to `workspace/configuration` for the `mrt` section. */
  configuration?: unknown;
  capabilities?: ClientCapabilities;
}

export class ServerSession {
  readonly logs: LogMessageParams[] = [];
  readonly published: PublishDiagnosticsParams[] = [];
  /** How many times the server asked for the `mrt` section (it does once `initialized` arrives). */
  configurationRequests = 0;
  initializeResult: InitializeResult | undefined;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly process: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
    readonly stderr: string[],
  ) {}

  static async start(options: SessionOptions): Promise<ServerSession> {
    const child = spawn(mrtPython(), ["-m", "mrt_server"], { cwd: options.rootPath, env: { ...process.env, ANTHROPIC_API_KEY: "" } });
    const stderr: string[] = [];
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk.toString()));
    const connection = createMessageConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const session = new ServerSession(child, connection, stderr);
    connection.onNotification(LogMessageNotification.type, (params) => session.record(() => session.logs.push(params)));
    connection.onNotification(PublishDiagnosticsNotification.type, (params) =>
      session.record(() => session.published.push(params)),
    );
    connection.onRequest(ConfigurationRequest.type, (params) => {
      session.record(() => (session.configurationRequests += 1));
      return params.items.map((item) => (item.section === "mrt" ? (options.configuration ?? {}) : null));
    });
    connection.onRequest(RegistrationRequest.type, () => null);
    connection.onRequest(WorkDoneProgressCreateRequest.type, () => null);
    connection.listen();
    const rootUri = pathToFileURL(options.rootPath).toString();
    session.initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: "project" }],
      capabilities: options.capabilities ?? VSCODE_CAPABILITIES,
      initializationOptions: options.initializationOptions,
    });
    await connection.sendNotification(InitializedNotification.type, {});
    return session;
  }

  /** Opens a file as VS Code does (language id python, version 1); returns its uri. */
  async open(path: string): Promise<{ uri: string; text: string }> {
    const uri = pathToFileURL(path).toString();
    const text = readFileSync(path, "utf8");
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri, languageId: "python", version: 1, text },
    });
    return { uri, text };
  }

  /** Resolves when `ready()` holds, re-checked on every notification the server sends. */
  async until<T>(what: string, ready: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = ready();
      if (value !== undefined) {
        return value;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what}; server log:\n${this.logs.map((l) => l.message).join("\n")}`);
      }
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /** The last push for `uri` with at least one diagnostic (or, with `empty`, with none). */
  pushed(uri: string, empty = false): Diagnostic[] | undefined {
    const last = [...this.published].reverse().find((p) => p.uri === uri);
    return last && (last.diagnostics.length === 0) === empty ? last.diagnostics : undefined;
  }

  async close(): Promise<void> {
    try {
      await this.connection.sendRequest(ShutdownRequest.type);
      await this.connection.sendNotification(ExitNotification.type);
    } finally {
      const exited = new Promise((resolve) => this.process.once("exit", resolve));
      const timer = setTimeout(() => this.process.kill(), 5000);
      await exited;
      clearTimeout(timer);
      this.connection.dispose();
    }
  }

  private record(push: () => void): void {
    push();
    for (const wake of this.waiters.splice(0)) {
      wake();
    }
  }
}

/** Applies LSP edits (UTF-16 positions, which are JavaScript string indices) to a text. */
export function applyEdits(text: string, edits: TextEdit[]): string {
  const lines = text.split("\n");
  const offset = (line: number, character: number): number =>
    lines.slice(0, line).reduce((sum, l) => sum + l.length + 1, 0) + character;
  const sorted = [...edits].sort(
    (a, b) => offset(b.range.start.line, b.range.start.character) - offset(a.range.start.line, a.range.start.character),
  );
  let result = text;
  for (const edit of sorted) {
    const start = offset(edit.range.start.line, edit.range.start.character);
    const end = offset(edit.range.end.line, edit.range.end.character);
    result = result.slice(0, start) + edit.newText + result.slice(end);
  }
  return result;
}
