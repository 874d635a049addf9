// Bundles the extension into dist/extension.js (what the .vsix ships) and each test file into out/test/
// (what `node --test` runs). `vscode` is provided by the editor at run time; test bundles keep their
// npm dependencies external and load them from node_modules.
import { build } from "esbuild";
import { readdirSync } from "node:fs";
import { join } from "node:path";

const common = { bundle: true, platform: "node", target: "node18", format: "cjs", sourcemap: true, logLevel: "warning" };

await build({ ...common, entryPoints: ["src/extension.ts"], outfile: "dist/extension.js", external: ["vscode"], minify: true });

const tests = ["unit", "e2e"].flatMap((dir) =>
  readdirSync(join("test", dir))
    .filter((name) => name.endsWith(".test.ts"))
    .map((name) => join("test", dir, name)),
);
await build({ ...common, entryPoints: tests, outdir: "out/test", outbase: "test", packages: "external" });
