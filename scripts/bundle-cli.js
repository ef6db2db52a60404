#!/usr/bin/env node
// Part of `npm run build`: bundles the command line (src/cli/main.ts and the compiler core) with
// esbuild into dist/bin/, which bin/secpolc.js runs. One file to load instead of hundreds of modules
// (chevrotain's lodash-es alone is ~600) takes a quarter of a second off every start. What only some
// commands need stays in chunks loaded on first use: the language server (with
// vscode-languageserver, bundled into its chunk: loaded as a package, its hundred CommonJS modules
// took half of the server's start), the TypeScript emitter (ts-morph) and the formatter (Prettier),
// the last two left as packages, not bundled.
import { build } from "esbuild";
import { rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

// The parser restores its grammar from the snapshot generated into src/syntax/lookahead-table.ts
// instead of recording it at every start, when the snapshot's tokens and rule names are the
// parser's: one whose rules' bodies changed since would be used. Refuse to bundle it (tsc has
// just built dist/ from the same sources).
const { tablesAreCurrent } = await import(pathToFileURL(join(root, "dist", "syntax", "parser.js")).href);
if (!tablesAreCurrent()) {
  console.error("src/syntax/lookahead-table.ts is out of date: run `npm run gen:grammar`, then build again");
  process.exit(1);
}
const out = join(root, "dist", "bin");
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(root, "src", "cli", "main.ts")],
  outdir: out,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: ["prettier", "ts-morph"],
  // the `yaml` package is CommonJS under Node's conditions; its `require("process")` needs a real require
  banner: {
    js: 'import { createRequire as __secpolcRequire } from "node:module"; const require = __secpolcRequire(import.meta.url);',
  },
  chunkNames: "chunks/[name]-[hash]",
  sourcemap: "linked",
  logLevel: "warning",
});
