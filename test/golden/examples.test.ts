import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { build, renderDiagnostics } from "../../src/index.js";
import { assertBaseline, repoRoot } from "../support/baseline.js";
import { exampleNames, readSources } from "../support/sources.js";
import { validateManifest } from "../support/schema.js";
import { kustomizeBuild } from "../support/kustomize.js";

const names = exampleNames();

test("there are examples", () => {
  assert.ok(names.length >= 6, `found ${names.length}`);
});

for (const name of names) {
  test(`example ${name}: output matches its baseline, validates and kustomizes`, () => {
    const sources = readSources(join(repoRoot, "examples", name));
    const result = build(sources);
    const rendered = renderDiagnostics(result.diagnostics, result.sources);
    assert.ok(result.files.length > 0, `no output:\n${rendered}`);
    const listing = result.files.map((f) => `--- ${f.path}\n${f.content}`).join("");
    assertBaseline(`examples/${name}.yaml`, listing);
    assertBaseline(`examples/${name}.diagnostics.txt`, rendered);

    for (const file of result.files) {
      for (const doc of parseAllDocuments(file.content)) {
        const errors = validateManifest(doc.toJS());
        assert.equal(errors, [], `${file.path}: ${errors.join("; ")}`);
      }
    }

    const dir = mkdtempSync(join(tmpdir(), `secpolc-${name}-`));
    try {
      for (const file of result.files) {
        mkdirSync(dirname(join(dir, file.path)), { recursive: true });
        writeFileSync(join(dir, file.path), file.content);
      }
      const kustomized = kustomizeBuild(dir);
      assert.ok(kustomized.ok, kustomized.error);
      assert.is(parseAllDocuments(kustomized.output).length, result.files.length - 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test(`example ${name}: output does not depend on the order of files or statements`, () => {
    const sources = readSources(join(repoRoot, "examples", name));
    const expected = build(sources).files;
    const shuffled = [...sources].reverse().map((s) => ({ ...s, text: reverseStatements(s.text) }));
    assert.equal(build(shuffled).files, expected);
  });
}

/**
 * Reverses the order of top-level statements that fit on one line and are not inside a block —
 * a cheap reordering that keeps the program valid.
 */
function reverseStatements(text: string): string {
  const lines = text.split("\n");
  const topLevel: number[] = [];
  let depth = 0;
  lines.forEach((line, i) => {
    const code = line.replace(/#.*/, "");
    const opens = (code.match(/\{/g) ?? []).length;
    const closes = (code.match(/\}/g) ?? []).length;
    if (depth === 0 && opens === 0 && closes === 0 && code.trim() !== "" && !/[,:>{(]\s*$/.test(code) && !/^\s*[,)]/.test(lines[i + 1] ?? "")) topLevel.push(i);
    depth += opens - closes;
  });
  const moved = topLevel.map((i) => lines[i]).reverse();
  topLevel.forEach((i, k) => (lines[i] = moved[k]));
  return lines.join("\n");
}

test.run();
