/**
 * Bad input never crashes: random bytes, token soups and mutated examples go through the whole
 * build; every failure is a coded diagnostic whose span lies inside the text. A few also go
 * through the CLI: exit code 1 and an output directory left exactly as it was.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, type Diagnostic } from "../../src/index.js";
import { repoRoot } from "../support/baseline.js";
import { exampleNames, readSources } from "../support/sources.js";

const corpus = exampleNames().flatMap((name) => readSources(join(repoRoot, "examples", name)).map((s) => s.text));
const vocabulary = [
  "allow", "deny", "->", "-/->", ":", ",", ";", "\n", "{", "}", "(", ")", "=", "!=", "!", "..", "/", "*", "@",
  "namespace", "workload", "group", "default", "ns", "pods", "cidr", "except", "world", "cluster", "any", "in", "notin",
  "port", "service", "web", "db", "shop", "app=web", "10.0.0.0/8", "fd00::/8", "80", "8000..8080", "53/udp", "http",
  '"x"', "# c", "import", '"std/dns"', '"../x.secpol"', "profile", "psp", "grant", "pss", "require", "set", "apply",
];

function checkDiagnostics(text: string, diagnostics: readonly Diagnostic[]): void {
  for (const d of diagnostics) {
    assert.match(d.code, /^SP\d{4}$/);
    assert.ok(d.message.length > 0);
    if (d.span.file !== "fuzz.secpol") continue;
    assert.ok(d.span.start.offset >= 0 && d.span.start.offset <= d.span.end.offset && d.span.end.offset <= text.length + 1, `span out of range: ${JSON.stringify(d.span)}`);
    assert.ok(d.span.start.line >= 1 && d.span.start.column >= 1);
  }
}

function compileNeverThrows(text: string): void {
  const result = build([{ path: "fuzz.secpol", text }]);
  checkDiagnostics(text, result.diagnostics);
  if (result.diagnostics.some((d) => d.severity === "error")) assert.equal(result.files, []);
}

const mutation = fc.tuple(fc.constantFrom(...corpus), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 20 }), fc.oneof(fc.string(), fc.constantFrom(...vocabulary))), { minLength: 1, maxLength: 4 })).map(
  ([text, edits]) =>
    edits.reduce((t, [at, remove, insert]) => {
      const i = t.length === 0 ? 0 : at % t.length;
      return t.slice(0, i) + insert + t.slice(i + remove);
    }, text),
);

test("random strings never crash the compiler", () => {
  fc.assert(fc.property(fc.string({ unit: "binary", maxLength: 300 }), compileNeverThrows), { numRuns: 300 });
});

test("token soups never crash the compiler", () => {
  fc.assert(fc.property(fc.array(fc.constantFrom(...vocabulary), { maxLength: 60 }).map((ts) => ts.join(" ")), compileNeverThrows), { numRuns: 400 });
});

test("mutated examples never crash the compiler", () => {
  fc.assert(fc.property(mutation, compileNeverThrows), { numRuns: 400 });
});

test("pathological inputs finish with diagnostics: deep nesting, long lists, a large file", () => {
  compileNeverThrows(`allow ${"(".repeat(10_000)} -> x`);
  compileNeverThrows(`namespace a { default deny\n workload w ${Array.from({ length: 20_000 }, (_, i) => `k${i}=v`).join(",")} }`);
  compileNeverThrows(`namespace a { default deny\n workload w app=w }\nallow ns b -> a/w: ${Array.from({ length: 10_000 }, (_, i) => String(1 + i)).join(", ")}`);
  compileNeverThrows(corpus.join("\n").repeat(Math.ceil(1_000_000 / corpus.join("\n").length)));
});

test("through the CLI, failing input exits 1 and leaves OUT exactly as it was", () => {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-fuzz-"));
  writeFileSync(join(dir, "p.secpol"), corpus[0]);
  const bin = join(repoRoot, "bin", "secpolc.js");
  const run = () => spawnSync(process.execPath, [bin, "build", "p.secpol", "-o", "out"], { cwd: dir, encoding: "utf8" });
  assert.is(run().status, 0);
  const before = readFileSync(join(dir, "out", "kustomization.yaml"), "utf8");
  const samples = fc.sample(mutation, { numRuns: 6, seed: 42 });
  let failures = 0;
  for (const text of samples) {
    writeFileSync(join(dir, "p.secpol"), text);
    const r = run();
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr}`);
    if (r.status === 1) {
      failures++;
      assert.match(r.stderr, /error SP\d{4}/);
      assert.is(readFileSync(join(dir, "out", "kustomization.yaml"), "utf8"), before);
    }
    writeFileSync(join(dir, "p.secpol"), corpus[0]);
    assert.is(run().status, 0);
  }
  assert.ok(failures > 0, "no mutation failed: the sample is too gentle");
  rmSync(dir, { recursive: true });
});

test.run();
