/**
 * The contract between package.json and the server: the settings a user who changed nothing sends
 * (package.json's defaults, minus the extension's own keys) are all accepted by the real server, both
 * as initializationOptions and as the `workspace/configuration` answer. The server logs every key or
 * value it does not accept; the second test proves that this log is what the first one relies on.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { DocumentDiagnosticRequest } from "vscode-languageserver-protocol/node";

import { defaultServerSettings } from "../../src/settings";
import { DROP_PHONE, EXAMPLE_PROJECT, PACKAGE_JSON } from "../support/paths";
import { ServerSession } from "../support/lsp";

const REJECTED = /unknown setting|is not valid/;

/** What the server logged about the settings it got at start-up and from `workspace/configuration`. */
async function settingsProblems(initializationOptions: unknown, configuration: unknown): Promise<string[]> {
  const session = await ServerSession.start({ rootPath: EXAMPLE_PROJECT, initializationOptions, configuration });
  try {
    const { uri } = await session.open(DROP_PHONE);
    // The server parses (and logs) initializationOptions in `initialize`, and the configuration right
    // after our answer arrives; a request sent after that answer is served after that log.
    await session.until("the configuration request", () => session.configurationRequests || undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await session.connection.sendRequest(DocumentDiagnosticRequest.type, { textDocument: { uri } });
    return session.logs.map((log) => log.message).filter((message) => REJECTED.test(message));
  } finally {
    await session.close();
  }
}

test("the server accepts every setting package.json declares, at its default", async () => {
  const defaults = defaultServerSettings(PACKAGE_JSON);
  assert.ok(Object.keys(defaults).length >= 10, "package.json declares the server settings");
  assert.deepEqual(await settingsProblems({ mrt: defaults }, defaults), []);
});

test("a setting the server does not know is reported, from either path (so the test above can fail)", async () => {
  const defaults = defaultServerSettings(PACKAGE_JSON);
  const problems = await settingsProblems(
    { mrt: { ...defaults, "codeActions.fixEverything": true } },
    { ...defaults, run: "sometimes" },
  );
  assert.ok(problems.some((p) => p.includes("unknown setting mrt.codeActions.fixEverything")), problems.join("\n"));
  assert.ok(problems.some((p) => p.includes("mrt.run = 'sometimes' is not valid")), problems.join("\n"));
});
