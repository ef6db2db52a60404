import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { build, renderDiagnostics } from "../../src/index.js";
import { assertBaseline, repoRoot } from "../support/baseline.js";
import { exampleNames, readSources } from "../support/sources.js";
import { validateManifest } from "../support/schema.js";
import { assertKustomizeReadsBack, kubectlMissing } from "../support/kustomize.js";
import { readYaml11 } from "../support/yaml11.js";

const missing = kubectlMissing();
if (missing !== undefined)
  console.log(`skipped: \`kubectl kustomize\` of every example's output (kubectl cannot be run: ${missing.trim()})`);

const names = exampleNames();

test("there are examples", () => {
  assert.ok(names.length >= 6, `found ${names.length}`);
});

/**
 * Examples also built for other cluster versions (`--cluster-version`), each build with its own
 * baselines (`NAME@VERSION.yaml`): one program, the targets each version has.
 */
const otherVersions: Record<string, string[]> = { "host-namespaces": ["1.24", "1.29"] };

test("every example built for other versions exists", () => {
  for (const name of Object.keys(otherVersions)) assert.ok(names.includes(name), name);
});

for (const name of names) {
  for (const version of [undefined, ...(otherVersions[name] ?? [])]) {
    const label = version === undefined ? name : `${name}@${version}`;
    test(`example ${label}: output matches its baseline, validates, reads back as written and kustomizes to the same strings`, () => {
      const sources = readSources(join(repoRoot, "examples", name));
      const result = build(sources, version === undefined ? {} : { clusterVersion: version });
      const rendered = renderDiagnostics(result.diagnostics, result.sources);
      assert.ok(result.files.length > 0, `no output:\n${rendered}`);
      const listing = result.files.map((f) => `--- ${f.path}\n${f.content}`).join("");
      assertBaseline(`examples/${label}.yaml`, listing);
      assertBaseline(`examples/${label}.diagnostics.txt`, rendered);

      for (const file of result.files) {
        for (const doc of parseAllDocuments(file.content)) {
          const errors = validateManifest(doc.toJS());
          assert.equal(errors, [], `${file.path}: ${errors.join("; ")}`);
        }
      }

      // every string written reads back as itself to YAML 1.1 readers (go-yaml v2, as kubectl reads)
      for (const f of result.files)
        assert.equal(
          readYaml11(f.content),
          parseAllDocuments(f.content).map((d) => d.toJS()),
          f.path,
        );

      if (missing === undefined) assertKustomizeReadsBack(result.files);
    });
  }

  test(`example ${name}: output does not depend on the order of files or statements`, () => {
    const sources = readSources(join(repoRoot, "examples", name));
    const expected = build(sources).files;
    // the file order changes nothing, byte for byte
    assert.equal(build([...sources].reverse()).files, expected);
    // moving statements changes nothing but the `file:line` positions in the source annotations
    const withoutPositions = (files: { path: string; content: string }[]) =>
      files.map((f) => ({
        ...f,
        content: f.content.replace(/secpol\.dev\/source: .*/g, "").replace(/(message: "?)[^\s:"]+:\d+: /g, "$1"),
      }));
    const reordered = build(sources.map((s) => ({ ...s, text: reverseStatements(s.text) }))).files;
    assert.ok(
      sources.every((s) => reverseStatements(s.text) !== s.text) || sources.length > 1,
      "the reordering moved nothing",
    );
    assert.equal(withoutPositions(reordered), withoutPositions(expected));
  });
}

/**
 * Reverses the order of the one-line statements of each block (and of the top level): a cheap
 * reordering that keeps the program valid. Lines that continue or are continued stay put.
 */
function reverseStatements(text: string): string {
  const lines = text.split("\n");
  const code = lines.map((l) => l.replace(/#.*/, ""));
  const groups = new Map<number, number[]>();
  const blocks = [0];
  let nextBlock = 1;
  code.forEach((line, i) => {
    const opens = (line.match(/\{/g) ?? []).length;
    const closes = (line.match(/\}/g) ?? []).length;
    const continued = /[,:>({=]\s*$/.test(line) || /[,:>({=]\s*$/.test(code[i - 1] ?? "");
    if (opens === closes && line.trim() !== "" && !continued) {
      const block = blocks[blocks.length - 1];
      groups.set(block, [...(groups.get(block) ?? []), i]);
    }
    for (let k = 0; k < opens - closes; k++) blocks.push(nextBlock++);
    for (let k = 0; k < closes - opens; k++) blocks.pop();
  });
  for (const indexes of groups.values()) {
    const moved = indexes.map((i) => lines[i]).reverse();
    indexes.forEach((i, k) => (lines[i] = moved[k]));
  }
  return lines.join("\n");
}

test.run();
