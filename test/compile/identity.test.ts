/**
 * Every object has its own identity: no two objects of one kind and namespace share a name (the API
 * server keys objects by it, so the one applied last would replace the other), whether the names
 * come from workloads, selectors, hash suffixes, user `psp` statements or derived policies; every
 * build refuses output with a repeated identity; RBAC bindings are keyed by the exact subject; and
 * with `--format json` every file is one JSON object.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { build, type SourceText } from "../../src/index.js";
import { repeatedIdentities } from "../../src/output/layout.js";
import type { Manifest } from "../../src/output/manifest.js";

const CLUSTER = "cluster { version 1.30; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";
const LEGACY = "cluster { version 1.24; podCIDR 10.244.0.0/16; serviceCIDR 10.96.0.0/12 }\n";

// issue 17: the hash suffix that settled the clash of `pods(app="X")` and `pods(app=x)` was the name of a workload's policy
const SHOP = `${CLUSTER}namespace shop { default deny egress; default allow ingress
  workload db app=db port sql 5432
  workload pods-app-x-4da701 aaa=victim port http 80 }
allow pods(app="X") in ns shop -> shop/db: sql
allow pods(app=x) in ns shop -> shop/db: sql
allow shop/* -> dns
deny ns evil -> shop/pods-app-x-4da701
`;

type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string }; [k: string]: any };

function objectsOf(text: string | SourceText[], format?: "json"): Obj[] {
  const result = build(
    typeof text === "string" ? [{ path: "t.secpol", text }] : text,
    format ? { outputFormat: format } : {},
  );
  assert.equal(
    result.diagnostics.filter((d) => d.severity === "error"),
    [],
  );
  const files = result.files.filter((f) => f.path !== "kustomization.yaml" && !f.path.includes("/security/"));
  return files.flatMap((f) =>
    format === "json" ? [JSON.parse(f.content)] : parseAllDocuments(f.content).map((d) => d.toJS()),
  );
}

function assertUniqueIdentities(objects: readonly Obj[]): void {
  const seen = new Set<string>();
  for (const o of objects) {
    const id = `${o.apiVersion} ${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
    assert.not.ok(seen.has(id), `two objects are ${id}`);
    seen.add(id);
  }
}

test("a hash suffix never takes the name of another policy (issue 17: a deny was lost)", () => {
  const objects = objectsOf(SHOP);
  assertUniqueIdentities(objects);
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  // the victim workload's own policy still carries the deny
  const victim = policies.find((o) => o.metadata.name === "secpol-pods-app-x-4da701")!;
  assert.equal(victim.spec.podSelector, { matchLabels: { aaa: "victim" } });
  assert.ok(victim.spec.policyTypes.includes("Ingress"));
});

test("--format json: every file is one JSON object, also where names clashed", () => {
  const objects = objectsOf(SHOP, "json");
  assertUniqueIdentities(objects);
  assert.ok(objects.filter((o) => o.kind === "NetworkPolicy").length >= 4);
});

const APPS = `${LEGACY}namespace apps { workload api app=api }
deny privileged in ns apps
`;

test("a user's `psp` with the name of a derived PodSecurityPolicy is an error naming both statements", () => {
  const text = `${APPS}psp secpol-apps { privileged true }\ngrant psp secpol-apps to user mallory\n`;
  const result = build([{ path: "t.secpol", text }]);
  assert.is(result.files.length, 0);
  const clash = result.diagnostics.find((d) => d.code === "SP4020");
  assert.ok(clash, JSON.stringify(result.diagnostics.map((d) => d.code)));
  assert.is(clash.span.start.line, 4);
  assert.is(clash.related?.[0].span.start.line, 3);
  assert.match(clash.message, /secpol-apps/);
});

test("derived PodSecurityPolicies of different profiles never share a name (namespace `a-b`, workload `a/b`)", () => {
  const text = `${LEGACY}namespace a-b { workload w app=w }
namespace a { workload b app=b serviceAccount b }
deny privileged in ns a-b
deny hostNetwork for a/b
`;
  const objects = objectsOf(text);
  assertUniqueIdentities(objects);
  const psps = objects.filter((o) => o.kind === "PodSecurityPolicy");
  assert.is(psps.length, 2);
  // each binding's role grants the PSP of its own rules
  const roles = new Map(
    objects.filter((o) => o.kind === "ClusterRole").map((r) => [r.metadata.name, r.rules[0].resourceNames[0]]),
  );
  const pspOf = (namespace: string) => {
    const b = objects.find((o) => o.kind === "RoleBinding" && o.metadata.namespace === namespace)!;
    return psps.find((p) => p.metadata.name === roles.get(b.roleRef.name))!;
  };
  assert.is(pspOf("a-b").spec.privileged, false);
  assert.is(pspOf("a-b").spec.hostNetwork, true);
  assert.is(pspOf("a").spec.hostNetwork, false);
});

for (const [one, other] of [
  ['user "Alice"', "user alice"],
  ['user "*a"', 'user "- a"'],
  ["group ops", 'group "OPS"'],
]) {
  test(`\`${one}\` and \`${other}\` are different subjects with different bindings, in either order`, () => {
    const grants = [`grant psp p to ${one}`, `grant psp p to ${other}`];
    const bindingsOf = (lines: string[]) => {
      const text = `${LEGACY}namespace apps { workload api app=api }\npsp p { privileged false }\n${lines.join("\n")}\n`;
      const objects = objectsOf(text);
      assertUniqueIdentities(objects);
      return objects
        .filter((o) => o.kind === "ClusterRoleBinding")
        .map((o) => ({ name: o.metadata.name, subjects: o.subjects }))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    };
    const forward = bindingsOf(grants);
    assert.is(forward.length, 2);
    assert.is.not(forward[0].subjects[0].name, forward[1].subjects[0].name);
    assert.equal(bindingsOf([...grants].reverse()), forward);
  });
}

test("the same grant twice is one binding", () => {
  const text = `${LEGACY}psp p { privileged false }\ngrant psp p to user alice\ngrant psp p to user alice\n`;
  assert.is(objectsOf(text).filter((o) => o.kind === "ClusterRoleBinding").length, 1);
});

test("repeatedIdentities finds two objects of one kind, namespace and name, and only those", () => {
  const span = { file: "t.secpol", start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 2, offset: 1 } };
  const m = (kind: string, name: string, namespace?: string, apiVersion = "v1"): Manifest => ({
    object: { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}) } },
    sources: [span],
  });
  const manifests = [
    m("NetworkPolicy", "a", "x"),
    m("NetworkPolicy", "a", "y"),
    m("RoleBinding", "a", "x"),
    m("ClusterRole", "a"),
    m("NetworkPolicy", "a", "x"),
  ];
  const repeated = repeatedIdentities(manifests);
  assert.equal(
    repeated.map((r) => r.identity),
    ["v1 NetworkPolicy x/a"],
  );
  assert.is(repeated[0].first, manifests[0]);
  assert.is(repeated[0].second, manifests[4]);
});

test.run();
