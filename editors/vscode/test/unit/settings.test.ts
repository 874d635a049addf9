/**
 * package.json declares every mrt setting once; these tests keep that declaration well-formed and show
 * what the server receives. (That the server accepts every key is proven against the real server in
 * test/e2e/settings.test.ts.)
 */

import assert from "node:assert/strict";
import { test } from "node:test";

import { CLIENT_ONLY_KEYS, type ContributedSetting, contributedSettings, defaultServerSettings, serverSettings } from "../../src/settings";
import { PACKAGE_JSON } from "../support/paths";

const SCOPES = ["application", "machine", "machine-overridable", "window", "resource", "language-overridable"];

test("every setting is an mrt.* property with a default, a scope and a description", () => {
  const properties = (PACKAGE_JSON as { contributes: { configuration: { properties: Record<string, ContributedSetting> } } })
    .contributes.configuration.properties;
  assert.ok(Object.keys(properties).length > 0);
  for (const [name, property] of Object.entries(properties)) {
    assert.match(name, /^mrt\.[a-zA-Z.]+$/, name);
    assert.ok("default" in property, `${name} has no default`);
    assert.ok(SCOPES.includes(property.scope ?? ""), `${name} has no valid scope`);
    assert.ok(property.markdownDescription ?? property.description, `${name} has no description`);
  }
});

test("each default is one of the values the setting allows", () => {
  for (const [key, property] of Object.entries(contributedSettings(PACKAGE_JSON))) {
    if (property.enum) {
      assert.ok(property.enum.includes(property.default), `mrt.${key}: default not in enum`);
    }
    const types = ([] as string[]).concat(property.type ?? []);
    const actual = property.default === null ? "null" : Number.isInteger(property.default) && types.includes("integer") ? "integer" : typeof property.default;
    assert.ok(types.includes(actual), `mrt.${key}: default is ${actual}, declared ${types.join("|")}`);
  }
});

test("the settings that only the extension reads are declared, and never sent to the server", () => {
  const declared = Object.keys(contributedSettings(PACKAGE_JSON));
  for (const key of CLIENT_ONLY_KEYS) {
    assert.ok(declared.includes(key), `mrt.${key} is not in package.json`);
    assert.ok(!(key in defaultServerSettings(PACKAGE_JSON)), `mrt.${key} would be sent to the server`);
  }
});

test("a section as VS Code hands it out becomes the server's dotted settings", () => {
  const section = {
    enable: true,
    run: "onSave",
    codeActions: { fix: false, disableForLine: true },
    severity: { default: null },
    server: { path: "/opt/mrt-lsp" },
    interpreter: "",
    trace: { server: "verbose" },
  };
  assert.deepEqual(serverSettings(section), {
    enable: true,
    run: "onSave",
    "codeActions.fix": false,
    "codeActions.disableForLine": true,
    "severity.default": null,
  });
});

test("the default server settings are package.json's defaults", () => {
  const defaults = defaultServerSettings(PACKAGE_JSON);
  assert.equal(defaults.run, "onType");
  assert.equal(defaults["explain.provider"], "static");
  assert.equal(defaults["verify.databaseUrl"], null);
});
