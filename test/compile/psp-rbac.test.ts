/**
 * PSP and RBAC: every binding and role the compiler emits equals, metadata aside, what the real
 * `kubectl create ... --dry-run=client` produces for the same grant; every PSP validates against
 * the policy/v1beta1 schema; and on 1.25 and newer a psp is an error and nothing is written.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, parseAllDocuments } from "yaml";
import { build } from "../../src/index.js";
import { BASELINE_CAPABILITIES } from "../../src/semantics/pss.js";
import { repoRoot } from "../support/baseline.js";
import { validateManifest } from "../support/schema.js";
import { readSources } from "../support/sources.js";

const kubectl = (...args: string[]) => {
  const r = spawnSync("kubectl", [...args, "--dry-run=client", "-o", "yaml"], { encoding: "utf8" });
  assert.is(r.status, 0, r.stderr);
  return parse(r.stdout);
};

const objects = () => {
  const result = build(readSources(join(repoRoot, "examples", "legacy-psp")));
  assert.ok(result.files.length > 0);
  return result.files
    .filter((f) => f.path !== "kustomization.yaml")
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()));
};

const sortRule = (r: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(r)
      .map(([k, v]): [string, unknown] => [k, Array.isArray(v) ? [...(v as string[])].sort() : v])
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );

test("ClusterRoles grant `use` exactly as `kubectl create clusterrole` does", () => {
  const roles = objects().filter((o) => o.kind === "ClusterRole");
  assert.is(roles.length, 4);
  for (const role of roles) {
    const psp = role.rules[0].resourceNames[0];
    const expected = kubectl(
      "create",
      "clusterrole",
      role.metadata.name,
      "--verb=use",
      "--resource=podsecuritypolicies.policy",
      `--resource-name=${psp}`,
    );
    assert.equal(role.rules.map(sortRule), expected.rules.map(sortRule));
  }
});

test("every binding equals `kubectl create clusterrolebinding|rolebinding` for its grant", () => {
  const bindings = objects().filter((o) => o.kind === "ClusterRoleBinding" || o.kind === "RoleBinding");
  assert.is(bindings.length, 5);
  for (const b of bindings) {
    const s = b.subjects[0];
    const who =
      s.kind === "User"
        ? `--user=${s.name}`
        : s.kind === "Group"
          ? `--group=${s.name}`
          : `--serviceaccount=${s.namespace}:${s.name}`;
    const expected =
      b.kind === "RoleBinding"
        ? kubectl(
            "create",
            "rolebinding",
            b.metadata.name,
            `--clusterrole=${b.roleRef.name}`,
            who,
            "-n",
            b.metadata.namespace,
          )
        : kubectl("create", "clusterrolebinding", b.metadata.name, `--clusterrole=${b.roleRef.name}`, who);
    assert.equal(b.roleRef, expected.roleRef);
    assert.equal(b.subjects, expected.subjects);
    assert.is(b.metadata.namespace, expected.metadata.namespace);
  }
});

test("every PodSecurityPolicy validates against the policy/v1beta1 schema", () => {
  const psps = objects().filter((o) => o.kind === "PodSecurityPolicy");
  assert.is(psps.length, 4);
  for (const p of psps) assert.equal(validateManifest(p), [], p.metadata.name);
  assert.ok(
    validateManifest({
      apiVersion: "policy/v1beta1",
      kind: "PodSecurityPolicy",
      metadata: { name: "x" },
      spec: { privileged: "yes" },
    }).length > 0,
    "the schema check can fail",
  );
});

test("pod-security rules of a namespace derive its PSP, bound to the namespace's service accounts", () => {
  const all = objects();
  const derived = all.find((o) => o.kind === "PodSecurityPolicy" && o.metadata.name === "secpol-apps");
  assert.ok(derived);
  assert.is(derived.spec.privileged, false);
  assert.equal(derived.spec.requiredDropCapabilities, ["ALL"]);
  assert.equal(
    derived.spec.runAsUser,
    { rule: "MustRunAs", ranges: [{ min: 1000, max: 1000 }] },
    "an explicit `set` wins over `require runAsNonRoot`",
  );
  assert.not.ok(derived.spec.volumes.includes("hostPath"));
  const binding = all.find((o) => o.kind === "RoleBinding" && o.roleRef.name === "secpol-psp-secpol-apps");
  assert.equal(binding.subjects, [
    { kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:serviceaccounts:apps" },
  ]);
});

test("`deny capability C` takes C from what a pod may add, not from every pod's default set: `requiredDropCapabilities` is only what a `require drop` names", () => {
  const psp = (text: string) => {
    const result = build([{ path: "m.secpol", text: `cluster { version 1.22 }\nnamespace apps { }\n${text}\n` }]);
    const found = result.files
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
      .find((o) => o?.kind === "PodSecurityPolicy" && o.metadata.name === "secpol-apps");
    assert.ok(found, result.diagnostics.map((d) => d.message).join("\n"));
    return found.spec;
  };
  const denied = psp("deny capability NET_RAW, capability ALL in ns apps");
  assert.is(denied.requiredDropCapabilities, undefined);
  assert.ok(denied.allowedCapabilities.includes("SYS_ADMIN"));
  assert.not.ok(denied.allowedCapabilities.includes("NET_RAW"));
  assert.not.ok(denied.allowedCapabilities.includes("ALL"));
  // `apply baseline` is the level: the capabilities a pod may add are baseline's, and none is dropped for it
  const baseline = psp("apply baseline to ns apps");
  assert.is(baseline.requiredDropCapabilities, undefined);
  assert.equal(baseline.allowedCapabilities, [...BASELINE_CAPABILITIES].sort());
  assert.equal(psp("require drop NET_RAW in ns apps").requiredDropCapabilities, ["NET_RAW"]);
});

test("a workload's own rules derive a PSP with its namespace's, bound to its service account", () => {
  const all = objects();
  const derived = all.find((o) => o.kind === "PodSecurityPolicy" && o.metadata.name === "secpol-apps-cache");
  assert.ok(derived);
  assert.is(derived.spec.readOnlyRootFilesystem, true, "the workload's own `require`");
  assert.is(derived.spec.privileged, false, "the namespace's profile");
  const namespaceOnly = all.find((o) => o.kind === "PodSecurityPolicy" && o.metadata.name === "secpol-apps");
  assert.is(
    namespaceOnly.spec.readOnlyRootFilesystem,
    undefined,
    "the namespace PSP does not carry the workload's rule",
  );
  const binding = all.find((o) => o.kind === "RoleBinding" && o.roleRef.name === "secpol-psp-secpol-apps-cache");
  assert.equal(binding.subjects, [{ kind: "ServiceAccount", namespace: "apps", name: "cache" }]);
});

test("a derived PSP, its role and its binding name every statement they come from, not only the first", () => {
  const source = (kind: string, name: string) =>
    objects().find((o) => o.kind === kind && (o.metadata.name === name || o.roleRef?.name === name))?.metadata
      .annotations["secpol.dev/source"];
  // the namespace's: `apply restricted` and `set runAsUser 1000` (its MustRunAs 1000)
  assert.is(source("PodSecurityPolicy", "secpol-apps"), "legacy-psp.secpol:46, legacy-psp.secpol:47");
  assert.is(source("ClusterRole", "secpol-psp-secpol-apps"), "legacy-psp.secpol:46, legacy-psp.secpol:47");
  assert.is(source("RoleBinding", "secpol-psp-secpol-apps"), "legacy-psp.secpol:46, legacy-psp.secpol:47");
  // the workload's adds its own `require readOnlyRootFilesystem`
  assert.is(
    source("PodSecurityPolicy", "secpol-apps-cache"),
    "legacy-psp.secpol:46, legacy-psp.secpol:47, legacy-psp.secpol:48",
  );
  assert.is(
    source("RoleBinding", "secpol-psp-secpol-apps-cache"),
    "legacy-psp.secpol:46, legacy-psp.secpol:47, legacy-psp.secpol:48",
  );
});

test("a workload with its own rules but no serviceAccount gets a warning, not a PSP", () => {
  const text = readSources(join(repoRoot, "examples", "legacy-psp"))[0].text.replace(" serviceAccount cache", "");
  const result = build([{ path: "p.secpol", text }]);
  assert.ok(result.files.length > 0);
  const warning = result.diagnostics.find((d) => d.code === "SP9203");
  assert.ok(warning);
  assert.match(warning.message, /workload `cache`/);
  assert.not.ok(result.files.some((f) => f.path.includes("secpol-apps-cache")));
});

test("on 1.25 a psp is an error that explains PSS replaced it, exit 1, and nothing is written", () => {
  const text = readSources(join(repoRoot, "examples", "legacy-psp"))[0].text.replace("version 1.24", "version 1.25");
  const result = build([{ path: "p.secpol", text }]);
  assert.equal(result.files, []);
  const codes = [...new Set(result.diagnostics.filter((d) => d.severity === "error").map((d) => d.code))];
  assert.equal(codes, ["SP4010"]);
  assert.match(result.diagnostics[0].message, /Pod Security Standards replaced it/);
  const dir = mkdtempSync(join(tmpdir(), "secpolc-psp-"));
  writeFileSync(join(dir, "p.secpol"), text);
  const cli = spawnSync(process.execPath, [join(repoRoot, "bin", "secpolc.js"), "build", "p.secpol", "-o", "out"], {
    cwd: dir,
    encoding: "utf8",
  });
  assert.is(cli.status, 1);
  assert.match(cli.stderr, /error SP4010/);
  assert.not.ok(existsSync(join(dir, "out")));
  rmSync(dir, { recursive: true });
});

test.run();
