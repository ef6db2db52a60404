/**
 * Bad input never crashes: a small sample of the fuzzing campaign (`npm run fuzz` runs 10,000),
 * with the same generators and the same property (test/support/fuzz.ts): random bytes, token
 * soups, mutated examples and generated programs go through the whole build; every failure is a
 * coded diagnostic whose span lies inside the text, and a failed build emits nothing. A few also
 * go through the CLI: exit code 1 and an output directory left exactly as it was.
 * Pathological sizes are in pathological.test.ts.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "../support/baseline.js";
import { checkBuild, checkDiagnostics, corpus, families, mutatedExample, positionOf } from "../support/fuzz.js";

test("the property's own checks catch what they should", () => {
  assert.equal(positionOf("a\r\nb\nc", 3), { line: 2, column: 1 });
  assert.equal(positionOf("a\r\nb\nc", 5), { line: 3, column: 1 });
  const at = (offset: number, line: number, column: number) => ({ offset, line, column });
  const d = (start: ReturnType<typeof at>, end: ReturnType<typeof at>, code = "SP1003") => ({
    code,
    severity: "error" as const,
    message: "m",
    span: { file: "f", start, end },
  });
  const sources = { f: "ab\ncd" };
  checkDiagnostics([d(at(3, 2, 1), at(5, 2, 3))], sources);
  assert.throws(() => checkDiagnostics([d(at(3, 2, 1), at(6, 2, 4))], sources), /not inside the text/);
  assert.throws(() => checkDiagnostics([d(at(3, 1, 4), at(4, 2, 2))], sources), /says 1:4/);
  assert.throws(() => checkDiagnostics([d(at(0, 1, 1), at(1, 1, 2), "E1")], sources), /without a code/);
  assert.throws(
    () =>
      checkDiagnostics(
        [{ ...d(at(0, 1, 1), at(1, 1, 2)), span: { file: "g", start: at(0, 1, 1), end: at(1, 1, 2) } }],
        sources,
      ),
    /not among the sources/,
  );
});

// the campaign's families (test/support/fuzz.ts), each with a small share of its runs
const sample: Record<string, number> = { generated: 40, mutated: 250, soup: 250, bytes: 250 };
for (const family of families) {
  test(`${family.name} inputs keep every promise (${sample[family.name]} of them; \`npm run fuzz\` runs 10,000)`, () => {
    fc.assert(fc.property(family.arbitrary, checkBuild), { numRuns: sample[family.name] ?? 100 });
  });
}

test("CRLF line endings: diagnostics count lines as the file has them", () => {
  // regression: the lexer counted `\r\n` as two line breaks, so line numbers doubled
  checkBuild("namespace a {\r\n  default deny\r\n}\r\nallow a/x -> a/y: 80\r\n");
});

test("through the CLI, failing input exits 1 and leaves OUT exactly as it was", () => {
  const dir = mkdtempSync(join(tmpdir(), "secpolc-fuzz-"));
  writeFileSync(join(dir, "p.secpol"), corpus[0]);
  const bin = join(repoRoot, "bin", "secpolc.js");
  const run = () =>
    spawnSync(process.execPath, [bin, "build", "p.secpol", "-o", "out"], { cwd: dir, encoding: "utf8" });
  assert.is(run().status, 0);
  const before = readFileSync(join(dir, "out", "kustomization.yaml"), "utf8");
  const samples = fc.sample(mutatedExample, { numRuns: 4, seed: 42 });
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
