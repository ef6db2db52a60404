#!/usr/bin/env node
// Writes docs/reference.md from scripts/reference.ts (which compiles each example with the core).
// It imports TypeScript: run it as `node --import tsx scripts/gen-reference.js` (npm run gen:reference).
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderReference } from "./reference.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
writeFileSync(join(root, "docs", "reference.md"), renderReference());
console.log("wrote docs/reference.md");
