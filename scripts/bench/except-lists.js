#!/usr/bin/env node
// The cost of long `except` lists: builds programs whose rules carry n /24 excepts, for growing n,
// and prints each pass's time (`--stats`) and the growth of the whole build from one n to the next
// (about 2 for n log n when n doubles, about 4 for n²).
//
//   node scripts/bench/except-lists.js [--sizes 1000,2000,4000,8000] [--secpolc-root DIR] [--shapes allow,deny]
//
// --secpolc-root names a directory holding bin/secpolc.js and dist/ (e.g. a checkout of another
// commit, after `npm run build`) to measure instead of this one.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const options = { sizes: [1000, 2000, 4000, 8000], secpolcRoot: root, shapes: undefined };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === "--sizes") options.sizes = argv[++i].split(",").map(Number);
  else if (argv[i] === "--secpolc-root") options.secpolcRoot = resolve(argv[++i]);
  else if (argv[i] === "--shapes") options.shapes = argv[++i].split(",");
  else {
    process.stderr.write(`except-lists: unknown option ${argv[i]}\n`);
    process.exit(2);
  }
}

const header =
  "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\nnamespace a {\n  default deny\n  workload w app=w port http 8080\n}\nnamespace b {\n  default deny\n  workload v app=v port http 8080\n}\nallow a/* -> dns\nallow b/* -> dns\n";
/** n /24 blocks inside 11.0.0.0/8 (every `step`th one, from `offset`). */
const slash24s = (n, step = 1, offset = 0) =>
  Array.from({ length: n }, (_, i) => {
    const k = offset + step * i;
    return `11.${(k >> 8) & 255}.${k & 255}.0/24`;
  }).join(", ");

const shapes = {
  // the case of issue 17: one allow with n excepts
  allow: (n) => `allow a/w -> cidr 11.0.0.0/8 except ${slash24s(n)}\n`,
  // an allow and a deny that overlaps it, each with n excepts (subtraction of block from block)
  "allow+deny": (n) =>
    `allow a/w -> cidr 11.0.0.0/8 except ${slash24s(n, 2)}\ndeny a/w -> cidr 11.0.0.0/9 except ${slash24s(n, 2, 1)}\n`,
  // ingress from the excepted range, and the same group used on both sides and in an assertion
  group: (n) =>
    `group far = cidr 11.0.0.0/8 except ${slash24s(n)}\nallow far -> a/w: http\nallow b/v -> far\nassert b/v -> cidr 11.255.255.0/24: 80\n`,
};

const scratch = mkdtempSync(join(tmpdir(), "secpolc-except-"));
const bin = join(options.secpolcRoot, "bin", "secpolc.js");
const seconds = (ms) => (ms / 1000).toFixed(2);
try {
  for (const [name, text] of Object.entries(shapes)) {
    if (options.shapes && !options.shapes.includes(name)) continue;
    let previous;
    for (const n of options.sizes) {
      const file = join(scratch, `${name}-${n}.secpol`);
      writeFileSync(file, header + text(n));
      const started = performance.now();
      const run = spawnSync(process.execPath, [bin, "build", file, "-o", join(scratch, "out"), "--stats"], {
        encoding: "utf8",
        maxBuffer: 1 << 28,
      });
      const ms = performance.now() - started;
      const stats = (
        run.stderr.match(/^secpolc: check.*$/m)?.[0] ?? `(exit ${run.status}) ${run.stderr.split("\n")[0]}`
      ).replace(/; translation.*/, "");
      const growth = previous ? `, x${(ms / previous).toFixed(1)}` : "";
      console.log(`${name.padEnd(10)} n=${String(n).padStart(6)}: ${seconds(ms)} s${growth}  ${stats}`);
      previous = ms;
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
