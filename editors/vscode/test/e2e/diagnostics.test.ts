/**
 * What a VS Code user sees on examples/alembic_project's 0003_drop_phone.py, driven through the same
 * protocol library as VS Code's client against the real server: an MRT201 error on the drop_column
 * line whose code links to the rule's documentation, a hover with that documentation, and the
 * "Disable MRT201 for this line" quick fix that, once applied, clears the diagnostic.
 */

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import {
  CodeAction,
  CodeActionRequest,
  type Diagnostic,
  DiagnosticSeverity,
  DidChangeTextDocumentNotification,
  DocumentDiagnosticRequest,
  ExecuteCommandRequest,
  type FullDocumentDiagnosticReport,
  HoverRequest,
  type MarkupContent,
  type TextDocumentEdit,
} from "vscode-languageserver-protocol/node";

import { describeCheck, isCheckSummary } from "../../src/results";
import { DROP_PHONE, EXAMPLE_PROJECT } from "../support/paths";
import { ServerSession, VSCODE_CAPABILITIES, applyEdits, withoutPull } from "../support/lsp";

const DROP_COLUMN_LINE = 16; // 0-based: `        batch_op.drop_column("phone")`

function assertDropPhone(diagnostics: Diagnostic[]): Diagnostic {
  const finding = diagnostics.find((d) => d.code === "MRT201");
  assert.ok(finding, `no MRT201 among ${JSON.stringify(diagnostics.map((d) => d.code))}`);
  assert.equal(finding.source, "mrt");
  assert.equal(finding.severity, DiagnosticSeverity.Error);
  assert.equal(finding.range.start.line, DROP_COLUMN_LINE);
  assert.equal(finding.range.start.character, 8);
  assert.match(finding.message, /users\.phone is dropped/);
  assert.match(finding.codeDescription?.href ?? "", /^https:\/\/.*\/docs\/rules\/MRT201\.md$/);
  return finding;
}

describe("VS Code (pull diagnostics)", () => {
  let session: ServerSession;
  before(async () => {
    session = await ServerSession.start({ rootPath: EXAMPLE_PROJECT });
  });
  after(async () => {
    await session.close();
  });

  const pull = async (uri: string): Promise<Diagnostic[]> => {
    const report = (await session.connection.sendRequest(DocumentDiagnosticRequest.type, {
      textDocument: { uri },
    })) as FullDocumentDiagnosticReport;
    assert.equal(report.kind, "full");
    return report.items;
  };

  test("the server advertises what the extension relies on", () => {
    const capabilities = session.initializeResult?.capabilities;
    assert.equal(session.initializeResult?.serverInfo?.name, "mrt");
    assert.ok(capabilities?.diagnosticProvider, "pull diagnostics for a client that supports them");
    assert.ok(capabilities?.hoverProvider);
    assert.ok(capabilities?.codeActionProvider);
    assert.deepEqual(
      [...(capabilities?.executeCommandProvider?.commands ?? [])].sort(),
      ["mrt.checkWorkspace", "mrt.explainMigration", "mrt.showRuleDocs", "mrt.verifyRevision"],
    );
  });

  test("diagnostics, hover, and the suppression quick fix round trip", async () => {
    const { uri, text } = await session.open(DROP_PHONE);
    const finding = assertDropPhone(await pull(uri));

    const hover = await session.connection.sendRequest(HoverRequest.type, {
      textDocument: { uri },
      position: finding.range.start,
    });
    const contents = hover?.contents as MarkupContent;
    assert.equal(contents.kind, "markdown");
    assert.match(contents.value, /MRT201/);

    const actions = await session.connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri },
      range: finding.range,
      context: { diagnostics: [finding], only: ["quickfix"] },
    });
    const disable = (actions ?? []).filter(CodeAction.is).find((a) => a.title === "mrt: Disable MRT201 for this line");
    assert.ok(disable?.edit?.documentChanges, `no suppression among ${JSON.stringify((actions ?? []).map((a) => a.title))}`);
    const change = disable.edit.documentChanges[0] as TextDocumentEdit;
    assert.equal(change.textDocument.version, 1, "the edit is for the version that was analysed");

    const fixed = applyEdits(text, change.edits);
    assert.match(fixed.split("\n")[DROP_COLUMN_LINE], /drop_column\("phone"\)\s+# mrt: ignore\[MRT201\]/);
    await session.connection.sendNotification(DidChangeTextDocumentNotification.type, {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: fixed }],
    });
    assert.deepEqual((await pull(uri)).filter((d) => d.code === "MRT201"), []);
  });
  test("the server's commands return what the extension shows for them", async () => {
    const { uri } = await session.open(DROP_PHONE);
    const run = (command: string, ...args: unknown[]) =>
      session.connection.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });

    const explanation = await run("mrt.explainMigration", uri);
    assert.equal(typeof explanation, "string");
    assert.match(explanation as string, /MRT201/);

    const summary = await run("mrt.checkWorkspace");
    assert.ok(isCheckSummary(summary), JSON.stringify(summary));
    assert.ok(summary.files >= 12 && (summary.byCode.MRT201 ?? 0) >= 1, JSON.stringify(summary));
    assert.match(describeCheck(summary), /^mrt checked \d+ migrations: \d+ findings \(.*MRT201 ×\d+/);

    assert.match((await run("mrt.showRuleDocs", "MRT201")) as string, /MRT201/);
  });
});

describe("an editor without pull diagnostics (push)", () => {
  let session: ServerSession;
  before(async () => {
    session = await ServerSession.start({ rootPath: EXAMPLE_PROJECT, capabilities: withoutPull(VSCODE_CAPABILITIES) });
  });
  after(async () => {
    await session.close();
  });

  test("diagnostics are pushed with their code links", async () => {
    assert.equal(session.initializeResult?.capabilities.diagnosticProvider, undefined);
    const { uri } = await session.open(DROP_PHONE);
    assertDropPhone(await session.until("published MRT201", () => session.pushed(uri)));
  });
});
