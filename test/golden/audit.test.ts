import { test } from "uvu";
import * as assert from "uvu/assert";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { audit, auditToJson, renderAudit, renderDiagnostics } from "../../src/index.js";
import { assertBaseline, testRoot } from "../support/baseline.js";
import { readSources } from "../support/sources.js";

const read = (dir: string) =>
  readdirSync(join(testRoot, "cases", dir))
    .sort()
    .map((f) => ({ path: `test/cases/${dir}/${f}`, text: readFileSync(join(testRoot, "cases", dir, f), "utf8") }));

test("audit against a level: verdicts in the API server's words, JSON, and the level each namespace passes", () => {
  const result = audit({
    manifests: read("audit/manifests"),
    level: "restricted",
    version: { major: 1, minor: 30 },
    suggest: true,
  });
  assert.ok(result.results);
  assertBaseline("audit/level.txt", renderAudit(result.results!));
  assertBaseline(
    "audit/level.json",
    `${JSON.stringify({ ...auditToJson(result.results!), suggestions: result.suggestions }, null, 2)}\n`,
  );
  assert.equal(
    result.results!.map((r) => [r.kind, r.allowed]),
    [
      ["Pod", false],
      ["Deployment", true],
      ["CronJob", false],
    ],
  );
});

test("audit against the program: each owned namespace's enforce and warn levels", () => {
  const result = audit({
    manifests: read("audit/manifests"),
    program: readSources(join(testRoot, "cases", "audit", "program")),
  });
  assert.ok(result.results, renderDiagnostics(result.diagnostics, result.sources));
  assertBaseline("audit/program.txt", renderAudit(result.results!));
  assert.equal(
    result.results!.map((r) => `${r.name}:${r.mode}:${r.allowed}`),
    [
      "web:enforce:true",
      "web:warn:true",
      "report:enforce:false",
      "report:warn:false",
      "web:require:false",
      "report:require:false",
    ],
  );
  // the program's own requirements name the statement they come from
  assert.ok(
    result
      .results!.find((r) => r.name === "web" && r.mode === "require")!
      .violations.some((v) => v.check === "readOnlyRootFilesystem"),
  );
});

test("audit: manifests that are not YAML or not Kubernetes objects are coded diagnostics with positions", () => {
  const result = audit({ manifests: read("audit-bad"), level: "baseline" });
  assertBaseline("audit/bad-manifests.txt", renderDiagnostics(result.diagnostics, result.sources));
  assert.equal(
    result.diagnostics.map((d) => [d.code, d.span.file.split("/").pop(), d.span.start.line]),
    [
      ["SP3010", "broken.yaml", 4],
      ["SP3010", "list.yaml", 1],
    ],
  );
});

test("audit reads manifests as kubectl does: YAML 1.1 booleans and numbers, lists, ReplicationController and PodTemplate, kustomize configurations skipped", () => {
  const result = audit({ manifests: read("audit/kubectl"), level: "baseline", version: { major: 1, minor: 30 } });
  assertBaseline(
    "audit/kubectl.txt",
    `${renderDiagnostics(result.diagnostics, result.sources)}\n${renderAudit(result.results!)}`,
  );
  const verdict = Object.fromEntries(result.results!.map((r) => [`${r.kind} ${r.name}`, r.allowed]));
  assert.equal(verdict, {
    "ReplicationController rc": false,
    "PodTemplate template": false,
    "Pod listed": false,
    "Pod typed": false,
    "Deployment deployed": false,
    "Pod host-network": false,
    "Pod host-pid": false,
    "Pod privileged": false,
    "Pod host-ipc": false,
    "Pod strings": true,
  });
  assert.equal(result.results!.find((r) => r.name === "strings")!.violations, []);
  assert.equal(
    result.diagnostics.map((d) => `${d.code} ${d.span.file.split("/").pop()}:${d.span.start.line} ${d.message}`),
    [
      "SP9020 component.yaml:1 `test/cases/audit/kubectl/component.yaml` is a kustomize configuration, not a manifest: skipped",
      "SP9020 kustomization.yaml:1 `test/cases/audit/kubectl/kustomization.yaml` is a kustomize configuration, not a manifest: skipped",
      "SP3010 lists.yaml:34 cannot audit this manifest: an item of the DeploymentList is not a Kubernetes object",
      "SP3010 yaml11.yaml:31 cannot audit this manifest: `spec.containers[0].securityContext.privileged` must be a boolean, as in any Pod",
      "SP3010 yaml11.yaml:41 cannot audit this manifest: `spec.containers[0].name` must be a string, as in any Pod",
    ],
  );
});

test("audit against the program: a workload object the SecurityContext patch would not reach is not passed", () => {
  const program = [
    {
      path: "p.secpol",
      text: "cluster { version 1.30 }\nnamespace shop { workload web app=web }\nrequire readOnlyRootFilesystem for shop/web\n",
    },
  ];
  const deployment = (name: string, labels: string) =>
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: ${name}, namespace: shop${labels} }\nspec:\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: c, image: i }] }\n`;
  const rc =
    "apiVersion: v1\nkind: ReplicationController\nmetadata: { name: rc, namespace: shop, labels: { app: web } }\nspec:\n  template:\n    metadata: { labels: { app: web } }\n    spec: { containers: [{ name: c, image: i }] }\n";
  const manifests = [
    {
      path: "m.yaml",
      text: [deployment("labelled", ", labels: { app: web }"), deployment("unlabelled", ""), rc].join("---\n"),
    },
  ];
  const result = audit({ manifests, program });
  assert.equal(
    result.results!.map((r) => [r.name, r.allowed, r.unpatched]),
    [
      ["labelled", false, undefined],
      [
        "unlabelled",
        false,
        ["the patch selects Deployments by their own labels, `app=web`, and this one's `metadata.labels` do not match"],
      ],
      [
        "rc",
        false,
        [
          "the patch selects Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, Pod objects, not ReplicationControllers",
        ],
      ],
    ],
  );
});

test.run();
