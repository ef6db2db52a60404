/**
 * Hostile manifests for `audit` and `migrate-psp`: any value in any field the Pod Security checks
 * or the PSP migration read, in YAML or JSON, and YAML whose aliases would expand without bound.
 * Neither ever throws; a field of the wrong type is a coded diagnostic naming its path.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { parseDocument } from "yaml";
import { audit, migratePsps } from "../../src/index.js";
import { goYamlValue as resolvePlainScalar } from "../../src/output/yaml11.js";
import { checkManifest, hostileManifest } from "../support/manifest-fuzz.js";

test("any value in any field the checks read: audit and migrate-psp diagnose, never throw", () => {
  fc.assert(fc.property(hostileManifest, checkManifest), { numRuns: 1500 });
});

test("a field of the wrong type is diagnosed at its path", () => {
  const cases: [string, string][] = [
    [
      "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c}], volumes: 5}\n",
      "`spec.volumes` must be a list, as in any Pod",
    ],
    [
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {template: {spec: {containers: [null, 3]}}}\n",
      "`spec.template.spec.containers[0]` must be an object, as in any Deployment",
    ],
    [
      "apiVersion: v1\nkind: Pod\nmetadata: {name: x, annotations: {a: 1}}\nspec: {containers: [{name: c}]}\n",
      "`metadata.annotations.a` must be a string, as in any Pod",
    ],
    [
      "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: x}\nspec: {volumes: hostPath}\n",
      "`spec.volumes` must be a list, as in any PodSecurityPolicy",
    ],
  ];
  for (const [text, message] of cases) {
    const m = [{ path: "m.yaml", text }];
    const result = text.includes("PodSecurityPolicy")
      ? migratePsps(m)
      : audit({ manifests: m, level: "baseline", version: "latest" });
    assert.equal(
      result.diagnostics.map((d) => `${d.code} ${d.message}`),
      [`SP3010 cannot audit this manifest: ${message}`],
    );
  }
});

test("plain scalars resolve as go-yaml v2 (kubectl's parser) resolves them, where yaml's YAML 1.1 schema differs too", () => {
  // from go-yaml v2's resolve.go: the table of words, strconv.ParseInt/ParseUint(s, 0, 64) after
  // removing every `_`, yamlStyleFloat, big integers; no base 60, timestamps kept as strings
  const table: [string, unknown][] = [
    ...["y", "Y", "yes", "Yes", "YES", "on", "On", "ON", "true", "True", "TRUE"].map((t): [string, unknown] => [
      t,
      true,
    ]),
    ...["n", "N", "no", "No", "NO", "off", "Off", "OFF", "false", "False", "FALSE"].map((t): [string, unknown] => [
      t,
      false,
    ]),
    ...["", "~", "null", "Null", "NULL"].map((t): [string, unknown] => [t, null]),
    ["yEs", "yEs"],
    ["oN", "oN"],
    ["nULL", "nULL"],
    ["yes please", "yes please"],
    ["0x1F", 31],
    ["0X1F", 31],
    ["+0x1f", 31],
    ["-0x1f", -31],
    ["0x_1F", 31],
    ["0o17", 15],
    ["0O17", 15],
    ["017", 15],
    ["08", 8],
    ["0_8", 8],
    ["0b101", 5],
    ["0B11", 3],
    ["-0b1", -1],
    ["1_000", 1000],
    ["0_0", 0],
    ["1__0", 10],
    ["1_", 1],
    ["_1", "_1"],
    ["1_0.5", 10.5],
    ["1e1_0", 1e10],
    ["1e3", 1000],
    ["1.", 1],
    [".5", 0.5],
    [".5_0", 0.5],
    ["._5", "._5"],
    [".5__0", ".5__0"],
    ["+.5", 0.5],
    ["-.5e1", -5],
    ["0.1e-999", 0],
    ["1e999", "1e999"],
    [".inf", Infinity],
    ["+.Inf", Infinity],
    ["-.INF", -Infinity],
    [".iNf", ".iNf"],
    ["+.nan", "+.nan"],
    ["1:20", "1:20"],
    ["190:20:30", "190:20:30"],
    ["2024-01-01", "2024-01-01"],
    ["2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"],
    ["9223372036854775807", 9223372036854775807],
    ["9223372036854775808", 9223372036854775808],
    ["18446744073709551616", 18446744073709551616],
    ["-9223372036854775809", -9223372036854775809],
    ["0xFFFFFFFFFFFFFFFFFF", 0xffffffffffffffffff],
    ["-0xFFFFFFFFFFFFFFFFFF", "-0xFFFFFFFFFFFFFFFFFF"],
    ["0x", "0x"],
    ["0b", "0b"],
    ["0b2", "0b2"],
    ["09.5", 9.5],
    ["+", "+"],
    ["-", "-"],
    ["1.2.3", "1.2.3"],
    ["10.244.0.0/16", "10.244.0.0/16"],
  ];
  for (const [text, expected] of table) assert.equal(resolvePlainScalar(text), expected, text);
  // the forms where yaml's own YAML 1.1 schema reads otherwise than kubectl
  const yaml11 = (text: string) => parseDocument(`v: ${text}`, { version: "1.1" }).toJS().v;
  for (const text of ["0X1F", "0o17", "1e1_0", "1:20"]) assert.not.equal(yaml11(text), resolvePlainScalar(text), text);
});

test("a number kubectl reads as root is root: `runAsUser: 0_0` violates restricted", () => {
  const text =
    "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  securityContext: {runAsNonRoot: yes, runAsUser: 0_0, seccompProfile: {type: RuntimeDefault}}\n  containers: [{name: c, securityContext: {allowPrivilegeEscalation: no, capabilities: {drop: [ALL]}}}]\n";
  const result = audit({ manifests: [{ path: "m.yaml", text }], level: "restricted", version: "latest" });
  assert.equal(result.diagnostics, []);
  assert.equal(
    result.results!.flatMap((r) => r.violations.map((v) => v.check)),
    ["runAsUser"],
  );
});

test("YAML whose aliases would expand without bound (a billion laughs) is a diagnostic", () => {
  const lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
  for (let i = 1; i < 12; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(", ")}]`,
    );
  const text = `${lines.join("\n")}\napiVersion: v1\nkind: Pod\nmetadata: {name: x, labels: *a11}\nspec: {containers: [{name: c}]}\n`;
  for (const result of [
    audit({ manifests: [{ path: "m.yaml", text }], level: "baseline" }),
    migratePsps([{ path: "m.yaml", text: text.replace("kind: Pod", "kind: PodSecurityPolicy") }]),
  ]) {
    assert.equal(
      result.diagnostics.map((d) => d.code),
      ["SP3010"],
    );
    assert.match(result.diagnostics[0].message, /cannot be read: Excessive alias count/);
  }
});

test("an alias inside the value it names (a List holding itself) is a diagnostic, not an endless expansion", () => {
  for (const text of [
    "&a\napiVersion: v1\nkind: List\nitems: [*a]\n",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: &s {containers: [{name: c, securityContext: {seccompProfile: *s}}]}\n",
  ]) {
    for (const result of [
      audit({ manifests: [{ path: "m.yaml", text }], level: "baseline" }),
      migratePsps([{ path: "m.yaml", text }]),
    ]) {
      assert.equal(
        result.diagnostics.map((d) => `${d.code} ${d.message}`),
        ["SP3010 cannot audit this manifest: it cannot be read: an alias refers to a value that contains it"],
      );
    }
  }
});

test("a value nested 20,000 deep in a field the checks do not read is audited, not recursed into", () => {
  const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
  const text = `{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": [{"name": "c", "env": ${deep}}]}}`;
  const result = audit({ manifests: [{ path: "m.json", text }], level: "baseline" });
  assert.equal(result.diagnostics, []);
  assert.equal(
    result.results!.map((r) => [r.name, r.allowed]),
    [["x", true]],
  );
});

test("every document of a long manifest is placed on its own line (one index of line starts per file)", () => {
  const pod = (i: number) =>
    `apiVersion: v1\nkind: Pod\nmetadata: {name: p${i}, namespace: ns}\nspec:\n  containers:\n    - name: c\n      image: i\n`;
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
