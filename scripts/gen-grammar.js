#!/usr/bin/env node
// Writes grammar/ (railroad diagrams, EBNF, TextMate grammar, VS Code language configuration) and
// the parser's lookahead table (src/syntax/lookahead-table.ts) from the parser and tokens, through
// src/grammar/generate.ts. It imports TypeScript, so run it as
//   node --import tsx scripts/gen-grammar.js           (regenerate)
//   node --import tsx scripts/gen-grammar.js --check   (fail if grammar/ is out of date)
// grammar/README.md is hand-written and left alone.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const { diagramAssets, grammarFiles, lookaheadTableModule, lookaheadTablePath } =
  await import("../src/grammar/generate.js").catch((error) => {
    if (error?.code === "ERR_MODULE_NOT_FOUND")
      console.error("scripts/gen-grammar.js imports TypeScript: run it as `node --import tsx scripts/gen-grammar.js`");
    throw error;
  });

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** chevrotain's diagram scripts and stylesheet, inlined into railroad.html so that it works offline. */
function readDiagramAssets() {
  // chevrotain exports only "." (lib/src/api.js); its diagrams/ folder is two levels up.
  const folder = join(dirname(createRequire(import.meta.url).resolve("chevrotain")), "..", "..", "diagrams");
  return Object.fromEntries(diagramAssets.map((path) => [path, readFileSync(join(folder, path), "utf8")]));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes("--check");
  const files = Object.fromEntries(
    Object.entries(grammarFiles(readDiagramAssets())).map(([name, text]) => [`grammar/${name}`, text]),
  );
  const prettier = await import("prettier");
  const options = await prettier.resolveConfig(join(root, lookaheadTablePath));
  files[lookaheadTablePath] = await prettier.format(lookaheadTableModule(), { ...options, parser: "typescript" });
  let stale = 0;
  for (const [name, text] of Object.entries(files)) {
    const file = join(root, name);
    if (!check) writeFileSync(file, text);
    else if (!existsSync(file) || readFileSync(file, "utf8") !== text) {
      console.error(`${name} is out of date: run \`node --import tsx scripts/gen-grammar.js\``);
      stale++;
    }
  }
  if (stale > 0) process.exit(1);
}
