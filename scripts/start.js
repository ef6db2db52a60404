#!/usr/bin/env node
// `npm start`: compiles every program in examples/ (each directory is one program) into
// out/<example>/ with the real CLI, and prints what was read and written.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { main } from "../dist/cli/main.js";

const examples = readdirSync("examples")
  .filter((name) => statSync(join("examples", name)).isDirectory())
  .sort();
let failed = 0;
for (const name of examples) {
  process.stdout.write(`\n== examples/${name}\n`);
  const code = await main(["build", join("examples", name), "-o", join("out", name), "--summary"]);
  if (code !== 0) failed++;
}
console.log(`\n${examples.length - failed} of ${examples.length} examples compiled into out/`);
process.exitCode = failed > 0 ? 1 : 0;
