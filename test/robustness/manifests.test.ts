/**
 * Hostile manifests for `audit` and `migrate-psp`: any value in any field the Pod Security checks
 * or the PSP migration read, in YAML or JSON, and YAML whose aliases would expand without bound.
 * Neither ever throws; a field of the wrong type is a coded diagnostic naming its path.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import fc from "fast-check";
import { stringify } from "yaml";
import { audit, migratePsps } from "../../src/index.js";
import { checkDiagnostics } from "../support/fuzz.js";

type Json = Record<string, any>;

const podFields = [
  [], ["metadata"], ["metadata", "name"], ["metadata", "namespace"], ["metadata", "annotations"], ["metadata", "annotations", "container.apparmor.security.beta.kubernetes.io/c"],
  ["metadata", "labels"], ["spec"], ["spec", "containers"], ["spec", "containers", 0], ["spec", "containers", 0, "name"], ["spec", "containers", 0, "securityContext"],
  ["spec", "containers", 0, "securityContext", "capabilities"], ["spec", "containers", 0, "securityContext", "capabilities", "add"], ["spec", "containers", 0, "securityContext", "capabilities", "drop"],
  ["spec", "containers", 0, "securityContext", "seLinuxOptions"], ["spec", "containers", 0, "ports"], ["spec", "containers", 0, "ports", 0], ["spec", "containers", 0, "livenessProbe"],
  ["spec", "containers", 0, "lifecycle"], ["spec", "containers", 0, "lifecycle", "preStop"], ["spec", "initContainers"], ["spec", "securityContext"], ["spec", "securityContext", "seccompProfile"],
  ["spec", "securityContext", "sysctls"], ["spec", "securityContext", "sysctls", 0], ["spec", "volumes"], ["spec", "volumes", 0], ["spec", "os"], ["spec", "template"], ["spec", "template", "spec"],
  ["spec", "jobTemplate"], ["spec", "runAsUser"], ["spec", "runAsUser", "ranges"], ["spec", "seLinux"], ["spec", "allowedCapabilities"], ["spec", "hostPorts"], ["spec", "hostPorts", 0],
  ["spec", "allowedHostPaths"], ["spec", "allowedUnsafeSysctls"], ["spec", "allowedProcMountTypes"],
];

function base(kind: string): Json {
  const pod = { containers: [{ name: "c", image: "i", securityContext: { capabilities: { add: ["NET_ADMIN"] } } }], volumes: [{ name: "v", hostPath: { path: "/" } }] };
  const spec = kind === "Pod" ? pod : kind === "CronJob" ? { jobTemplate: { spec: { template: { spec: pod } } } } : kind === "PodSecurityPolicy" ? { volumes: ["*"], runAsUser: { rule: "RunAsAny" } } : { template: { spec: pod } };
  return { apiVersion: kind === "Pod" ? "v1" : "apps/v1", kind, metadata: { name: "x", namespace: "a" }, spec };
}

/** `o` with `value` at `path` (objects or lists made on the way). */
function setAt(o: unknown, path: readonly (string | number)[], value: unknown): unknown {
  if (path.length === 0) return value;
  const holder: Json = typeof o === "object" && o !== null ? (o as Json) : typeof path[0] === "number" ? [] : {};
  holder[path[0]] = setAt(holder[path[0]], path.slice(1), value);
  return holder;
}

const manifest = fc
  .tuple(
    fc.constantFrom("Pod", "Deployment", "CronJob", "Job", "PodSecurityPolicy"),
    fc.array(fc.tuple(fc.constantFrom(...podFields), fc.anything({ maxDepth: 2 })), { minLength: 1, maxLength: 3 }),
    fc.boolean(),
  )
  .map(([kind, edits, json]) => {
    const object = edits.reduce<unknown>((o, [path, value]) => setAt(o, path, value), base(kind));
    return { path: json ? "m.json" : "m.yaml", text: json ? (JSON.stringify(object) ?? "null") : (stringify(object) ?? "") };
  });

test("any value in any field the checks read: audit and migrate-psp diagnose, never throw", () => {
  fc.assert(
    fc.property(manifest, (m) => {
      for (const result of [audit({ manifests: [m], level: "restricted", version: "latest", suggest: true }), audit({ manifests: [m], level: "baseline", version: { major: 1, minor: 24 } }), migratePsps([m])]) {
        checkDiagnostics(result.diagnostics, { [m.path]: m.text });
      }
    }),
    { numRuns: 1500 },
  );
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
