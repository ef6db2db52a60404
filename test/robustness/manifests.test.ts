/**
 * Hostile manifests for `audit` and `migrate-psp`: any value in any field the Pod Security checks
 * or the PSP migration read, in YAML or JSON, and YAML whose aliases would expand without bound.
 * Neither ever throws; a field of the wrong type is a coded diagnostic naming its path.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { audit, migratePsps } from "../../src/index.js";
import { checkManifest, hostileManifest } from "../support/manifest-fuzz.js";

test("any value in any field the checks read: audit and migrate-psp diagnose, never throw", () => {
  fc.assert(fc.property(hostileManifest, checkManifest), { numRuns: 1500 });
});

test("a field of the wrong type is diagnosed at its path", () => {
  const cases: [string, string][] = [
    ["apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c}], volumes: 5}\n", "`spec.volumes` must be a list, as in any Pod"],
    ["apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {containers: [null, 3]}}}\n", "`spec.template.spec.containers[0]` must be an object, as in any Deployment"],
    ["apiVersion: v1\nkind: Pod\nmetadata: {name: x, annotations: {a: 1}}\nspec: {containers: [{name: c}]}\n", "`metadata.annotations.a` must be a string, as in any Pod"],
    ["apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: x}\nspec: {volumes: hostPath}\n", "`spec.volumes` must be a list, as in any PodSecurityPolicy"],
  ];
  for (const [text, message] of cases) {
    const m = [{ path: "m.yaml", text }];
    const result = text.includes("PodSecurityPolicy") ? migratePsps(m) : audit({ manifests: m, level: "baseline", version: "latest" });
    assert.equal(result.diagnostics.map((d) => `${d.code} ${d.message}`), [`SP3010 cannot audit this manifest: ${message}`]);
  }
});

test("YAML whose aliases would expand without bound (a billion laughs) is a diagnostic", () => {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 12; i++) lines.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]`);
  const text = `${lines.join("\n")}\napiVersion: v1\nkind: Pod\nmetadata: {name: x, labels: *a11}\nspec: {containers: [{name: c}]}\n`;
  for (const result of [audit({ manifests: [{ path: "m.yaml", text }], level: "baseline" }), migratePsps([{ path: "m.yaml", text: text.replace("kind: Pod", "kind: PodSecurityPolicy") }])]) {
    assert.equal(result.diagnostics.map((d) => d.code), ["SP3010"]);
    assert.match(result.diagnostics[0].message, /cannot be read: Excessive alias count/);
  }
});

test("a value nested 20,000 deep in a field the checks do not read is audited, not recursed into", () => {
  const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
  const text = `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": [{"name": "c", "env": ${deep}}]}}`;
  const result = audit({ manifests: [{ path: "m.json", text }], level: "baseline" });
  assert.equal(result.diagnostics, []);
  assert.equal(result.results!.map((r) => [r.name, r.allowed]), [["x", true]]);
});

test("every document of a long manifest is placed on its own line (one index of line starts per file)", () => {
  const pod = (i: number) => `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: n}\nspec:\n  containers:\n    - name: c\n      image: i\n`;
  const text = Array.from({ length: 2_000 }, (_, i) => pod(i)).join("---\n");
  const { results } = audit({ manifests: [{ path: "m.yaml", text }], level: "baseline" });
  assert.is(results!.length, 2_000);
  results!.forEach((r, i) => {
    assert.is(r.name, `p${i}`);
    // a document starts at its `---` marker
    assert.is(r.span.start.line, i === 0 ? 1 : 8 * i, r.name);
  });
});

test.run();
