/**
 * The `mrt.*` settings, split into what the language server reads and what only this extension reads.
 *
 * package.json's `contributes.configuration` is the one declaration of every setting. The server gets
 * all of them except the few listed in CLIENT_ONLY_KEYS (how to start it, and the client's own trace
 * level), so a setting added to package.json reaches the server without further code, and the
 * contract test (test/unit/settings.test.ts) fails if the server does not know it. No `vscode` import:
 * this module is unit-tested under plain Node.
 */

/** Settings the extension uses itself; everything else in the `mrt` section is a server setting. */
export const CLIENT_ONLY_KEYS: readonly string[] = ["server.path", "interpreter", "trace.server"];

/** Settings whose change means a different server process (the others are sent to the running one). */
export const RESTART_KEYS: readonly string[] = ["server.path", "interpreter"];

export type SettingValue = string | number | boolean | null;
export type FlatSettings = Record<string, SettingValue>;

/** `{"codeActions": {"fix": true}}` -> `{"codeActions.fix": true}` (VS Code hands sections out nested). */
export function flatten(section: unknown, prefix = ""): FlatSettings {
  const flat: FlatSettings = {};
  if (section === null || typeof section !== "object" || Array.isArray(section)) {
    return flat;
  }
  for (const [key, value] of Object.entries(section as Record<string, unknown>)) {
    const dotted = prefix + key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      Object.assign(flat, flatten(value, dotted + "."));
    } else if (value === null || ["string", "number", "boolean"].includes(typeof value)) {
      flat[dotted] = value as SettingValue;
    }
  }
  return flat;
}

/** The part of the `mrt` section the server reads, with dotted keys (the server accepts that form). */
export function serverSettings(section: unknown): FlatSettings {
  const flat = flatten(section);
  for (const key of CLIENT_ONLY_KEYS) {
    delete flat[key];
  }
  return flat;
}

/** One `contributes.configuration.properties` entry, as far as this extension relies on it. */
export interface ContributedSetting {
  default?: unknown;
  scope?: string;
  type?: string | string[];
  enum?: unknown[];
  description?: string;
  markdownDescription?: string;
}

interface PackageJson {
  contributes?: { configuration?: { properties?: Record<string, ContributedSetting> } };
}

/** `mrt.*` properties of package.json, keyed without the `mrt.` prefix. */
export function contributedSettings(packageJson: unknown): Record<string, ContributedSetting> {
  const properties = (packageJson as PackageJson).contributes?.configuration?.properties ?? {};
  const settings: Record<string, ContributedSetting> = {};
  for (const [name, property] of Object.entries(properties)) {
    settings[name.replace(/^mrt\./, "")] = property;
  }
  return settings;
}

/**
 * What the server gets on a machine where the user changed nothing: package.json's defaults minus the
 * client-only keys (the contract test sends exactly this as initializationOptions).
 */
export function defaultServerSettings(packageJson: unknown): FlatSettings {
  const defaults: FlatSettings = {};
  for (const [key, property] of Object.entries(contributedSettings(packageJson))) {
    if (!CLIENT_ONLY_KEYS.includes(key)) {
      defaults[key] = (property.default ?? null) as SettingValue;
    }
  }
  return defaults;
}
