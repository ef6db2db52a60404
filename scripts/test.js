#!/usr/bin/env node
// Runs every test/**/*.test.ts with uvu (TypeScript loaded through tsx) and ends with the plain
// `N passed, N failed` line that CI reads. Extra arguments narrow the file pattern.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const uvu = join(dirname(require.resolve("uvu")), "..", "bin.js");
const pattern = process.argv[2] ?? "\\.test\\.ts$";
const child = spawn(process.execPath, ["--import", "tsx", uvu, "test", pattern], {
  stdio: ["ignore", "pipe", "inherit"],
});
let output = "";
child.stdout.on("data", (chunk) => {
  output += chunk;
  process.stdout.write(chunk);
});
child.on("close", (code) => {
  const plain = output.replace(/\x1b\[[0-9;]*m/g, "");
  const count = (label) => Number(plain.match(new RegExp(`${label}:\\s+(\\d+)`))?.[1] ?? 0);
  const total = count("Total");
  const passed = count("Passed");
  const failed = code === 0 ? total - passed - count("Skipped") : Math.max(1, total - passed - count("Skipped"));
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code === 0 && total > 0 ? 0 : 1);
});
