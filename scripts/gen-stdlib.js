#!/usr/bin/env node
// Embeds stdlib/*.secpol into src/stdlib/modules.ts, so that the compiler core (which never reads
// files, and runs in the browser too) carries its standard library. `--check` fails on drift.
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const target = join(root, "src/stdlib/modules.ts");

export function generate() {
  const modules = readdirSync(join(root, "stdlib"))
    .filter((f) => f.endsWith(".secpol"))
    .sort()
    .map(
      (f) =>
        `  ${JSON.stringify(`std/${f.slice(0, -".secpol".length)}`)}: ${JSON.stringify(readFileSync(join(root, "stdlib", f), "utf8"))},`,
    );
  return `// Generated from stdlib/*.secpol by scripts/gen-stdlib.js. Do not edit.\nexport const stdlibModules: Readonly<Record<string, string>> = {\n${modules.join("\n")}\n};\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = generate();
  if (process.argv.includes("--check")) {
    if (readFileSync(target, "utf8") !== text) {
      console.error("src/stdlib/modules.ts is out of date: run `node scripts/gen-stdlib.js`");
      process.exit(1);
    }
  } else writeFileSync(target, text);
}
