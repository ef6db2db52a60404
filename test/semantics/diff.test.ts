/**
 * `diff` compares only the pairs whose source's egress or destination's ingress changed
 * (src/analysis/diff.ts): on random programs and small edits of them (a line dropped, a rule or
 * posture added, a namespace's labels changed), it finds exactly what comparing every pair finds.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { checkModel } from "../../src/pipeline.js";
import { join } from "node:path";
import { diffPrograms, namedEndpoints, type NamedEndpoint, type ProgramDiff } from "../../src/analysis/diff.js";
import { labelsKey } from "../../src/semantics/labels.js";
import { repoRoot } from "../support/baseline.js";
import { exampleNames, readSources } from "../support/sources.js";
import { programArbitrary } from "../support/programs.js";

const edits = [
  "allow a/* -> b/*: 80",
  "deny ns a -> cidr 10.0.0.0/8",
  "allow pods(app=w1) in ns(team=x) -> world: 443",
  "namespace a {\n  default deny ingress\n}",
  "namespace b {\n  labels team=y\n}",
  "namespace c {\n  workload w4 app=w4\n  default allow egress for w4\n}",
];

const edited = fc
  .tuple(programArbitrary(true), fc.nat(), fc.constantFrom(...edits), fc.boolean())
  .map(([program, at, added, drop]) => {
    const lines = program.text.trimEnd().split("\n");
    const after =
      drop && lines.length > 2
        ? [...lines.slice(0, 1 + (at % (lines.length - 1))), ...lines.slice(2 + (at % (lines.length - 1)))]
        : [...lines, added];
    return { before: program.text, after: `${after.join("\n")}\n` };
  });

test("diff on the pairs whose sides changed finds what comparing every pair finds", () => {
  let compared = 0;
  let withChanges = 0;
  fc.assert(
    fc.property(edited, ({ before, after }) => {
      const old = checkModel([{ path: "p.secpol", text: before }]).model;
      const current = checkModel([{ path: "p.secpol", text: after }]).model;
      if (!old || !current) return;
      compared++;
      const every = diffPrograms(old, current, "all") as ProgramDiff;
      const changed = diffPrograms(old, current) as ProgramDiff;
      assert.equal(changed, every, `before:\n${before}\nafter:\n${after}`);
      if (every.gained.length + every.lost.length > 0) withChanges++;
    }),
    { numRuns: 600 },
  );
  assert.ok(compared > 150, `only ${compared} pairs of programs checked`);
  assert.ok(withChanges > 50, `only ${withChanges} edits changed a flow`);
});

test("a deny whose selector asks another key than the allow's is reported where they meet", () => {
  const before =
    "cluster { version 1.30 }\nnamespace a {\n  default deny\n  workload w app=w port http 80\n  workload x app=x\n}\nallow pods(app=x) in ns a -> a/w: 80\n";
  const after = `${before}deny pods(tier=t) in ns a -> a/w: 80\n`;
  const diff = diffPrograms(
    checkModel([{ path: "p.secpol", text: before }]).model!,
    checkModel([{ path: "p.secpol", text: after }]).model!,
  ) as ProgramDiff;
  assert.equal(diff.gained, []);
  assert.equal(
    diff.lost.map((c) => `${c.source} -> ${c.destination}: ${c.ports.join(", ")}`),
    [
      "pods(app=x, tier=t) in ns a -> a/w: 80/tcp",
      "pods(app=x, tier=t) in ns a -> pods(app=w, tier=t) in ns a: 80/tcp",
    ],
  );
});

test("no two endpoints of an example stand for the same pods", () => {
  for (const name of exampleNames()) {
    const model = checkModel(readSources(join(repoRoot, "examples", name))).model!;
    const keys = (namedEndpoints([model]) as NamedEndpoint[]).map((e) =>
      "pod" in e.endpoint ? `${e.endpoint.pod.namespace} ${labelsKey(e.endpoint.pod.labels)}` : e.name,
    );
    assert.equal(keys.length, new Set(keys).size, `${name}: ${keys.join("; ")}`);
  }
});

test.run();
