/**
 * The SecurityContext Component works with the real kustomize: an overlay over base workloads of
 * every kind (several containers each) includes it, `kubectl kustomize` renders it, and the pods
 * that come out pass the project's own Pod Security checks where the program applies `restricted`.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseAllDocuments } from "yaml";
import { build, renderDiagnostics } from "../../src/index.js";
import { evaluatePod } from "../../src/semantics/pss.js";
import { kustomizeBuild } from "../support/kustomize.js";

const program = `cluster { version 1.30; podCIDR 10.244.0.0/16 }
namespace shop {
  pss enforce restricted
  workload web app=web
}
namespace lab {
  workload tool app=tool kind Deployment
}
apply restricted to ns shop
require readOnlyRootFilesystem for shop/web
set runAsUser 1000, fsGroup 2000 for lab/tool
`;

const containers = [
  { name: "a", image: "nginx" },
  { name: "b", image: "busybox", securityContext: { privileged: false } },
  { name: "c", image: "busybox", securityContext: { capabilities: { add: ["NET_BIND_SERVICE"] } } },
];
const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers } });
const workloads = (namespace: string, app: string) => [
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: `${app}-deploy`, namespace, labels: { app } },
    spec: { selector: { matchLabels: { app } }, template: template(app) },
  },
  {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name: `${app}-sts`, namespace, labels: { app } },
    spec: { serviceName: app, selector: { matchLabels: { app } }, template: template(app) },
  },
  {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: `${app}-ds`, namespace, labels: { app } },
    spec: { selector: { matchLabels: { app } }, template: template(app) },
  },
  {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: { name: `${app}-rs`, namespace, labels: { app } },
    spec: { selector: { matchLabels: { app } }, template: template(app) },
  },
  {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `${app}-job`, namespace, labels: { app } },
    spec: { template: { ...template(app), spec: { ...template(app).spec, restartPolicy: "Never" } } },
  },
  {
    apiVersion: "batch/v1",
    kind: "CronJob",
    metadata: { name: `${app}-cron`, namespace, labels: { app } },
    spec: {
      schedule: "0 * * * *",
      jobTemplate: {
        spec: { template: { ...template(app), spec: { ...template(app).spec, restartPolicy: "Never" } } },
      },
    },
  },
  { apiVersion: "v1", kind: "Pod", metadata: { name: `${app}-pod`, namespace, labels: { app } }, spec: { containers } },
];

const podOf = (o: any) =>
  o.kind === "Pod" ? o : o.kind === "CronJob" ? o.spec.jobTemplate.spec.template : o.spec.template;

test("an overlay including the generated Component makes every kind of workload pass restricted", () => {
  const result = build([{ path: "p.secpol", text: program }]);
  assert.ok(result.files.length > 0, renderDiagnostics(result.diagnostics, result.sources));
  const dir = mkdtempSync(join(tmpdir(), "secpolc-overlay-"));
  try {
    for (const f of result.files) {
      mkdirSync(dirname(join(dir, "out", f.path)), { recursive: true });
      writeFileSync(join(dir, "out", f.path), f.content);
    }
    // the output directory itself kustomizes, components included
    const own = kustomizeBuild(join(dir, "out"));
    assert.ok(own.ok, own.error);
    mkdirSync(join(dir, "base"));
    writeFileSync(
      join(dir, "base", "workloads.yaml"),
      [...workloads("shop", "web"), ...workloads("lab", "tool")].map((o) => JSON.stringify(o)).join("\n---\n"),
    );
    writeFileSync(join(dir, "base", "kustomization.yaml"), "resources: [workloads.yaml]\n");
    mkdirSync(join(dir, "overlay"));
    writeFileSync(
      join(dir, "overlay", "kustomization.yaml"),
      "resources: [../base]\ncomponents: [../out/shop/security, ../out/lab/security]\n",
    );
    const rendered = kustomizeBuild(join(dir, "overlay"));
    assert.ok(rendered.ok, rendered.error);
    const objects = parseAllDocuments(rendered.output).map((d) => d.toJS());
    assert.is(objects.length, 14);
    for (const o of objects.filter((x) => x.metadata.namespace === "shop")) {
      const pod = podOf(o);
      assert.equal(
        evaluatePod(pod.metadata, pod.spec, "restricted", { major: 1, minor: 30 }),
        [],
        `${o.kind} ${o.metadata.name}`,
      );
      for (const c of pod.spec.containers)
        assert.is(c.securityContext.readOnlyRootFilesystem, true, `${o.kind}/${c.name}`);
    }
    for (const o of objects.filter((x) => x.metadata.namespace === "lab")) {
      const pod = podOf(o);
      // declared `kind Deployment`: only the Deployment is patched
      assert.is(pod.spec.securityContext?.runAsUser, o.kind === "Deployment" ? 1000 : undefined, o.kind);
      assert.is(pod.spec.securityContext?.fsGroup, o.kind === "Deployment" ? 2000 : undefined, o.kind);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
