/**
 * Exceptions win by specificity: a workload's `allow` overrides a `deny` that reaches it only
 * through its namespace (a profile applied to the namespace, `in ns`), with a note; the patch leaves
 * the exempted workload's objects out (real kustomize) and still patches the other pods; audit
 * does not hold the exempted workload to the overridden deny.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { parseAllDocuments } from "yaml";
import { audit, build, renderAudit, renderDiagnostics } from "../../src/index.js";
import { renderWithComponent } from "../support/kustomize.js";

const program = `cluster { version 1.30; podCIDR 10.244.0.0/16 }
namespace monitoring {
  pss enforce privileged, warn baseline
  workload node-exporter app=node-exporter kind DaemonSet
  workload prometheus app=prometheus
}
apply baseline to ns monitoring
allow hostNetwork, hostPID for monitoring/node-exporter
`;

test("the node-exporter exception under `apply baseline to ns monitoring` builds, with a note naming each overridden deny", () => {
  const result = build([{ path: "p.secpol", text: program }]);
  const rendered = renderDiagnostics(result.diagnostics, result.sources);
  assert.ok(result.files.length > 0, rendered);
  assert.equal(
    result.diagnostics.filter((d) => d.severity === "error"),
    [],
    rendered,
  );
  const notes = result.diagnostics.filter((d) => d.code === "SP9036");
  assert.equal(notes.map((n) => n.message.match(/overrides `([^`]+)`/)?.[1]).sort(), [
    "deny hostNetwork",
    "deny hostPID",
  ]);
  for (const n of notes) {
    assert.is(n.severity, "note");
    assert.is(n.related?.[0].span.start.line, 7, "names the apply line");
  }
});

test("two allows that override one deny: the note names the same one whatever their order (the formatter reorders lists)", () => {
  const notes = (items: string) =>
    build([{ path: "p.secpol", text: `${program}allow ${items} for monitoring/prometheus\n` }])
      .diagnostics.filter((d) => d.code === "SP9036")
      .map((d) => d.message);
  assert.equal(notes("hostPort 9100, hostPort"), notes("hostPort, hostPort 9100"));
});

test("same-specificity conflicts stay errors: both for the workload, both for the namespace, a deny for the workload", () => {
  const cases = [
    "deny hostNetwork for monitoring/node-exporter\nallow hostNetwork for monitoring/node-exporter",
    "deny hostNetwork in ns monitoring\nallow hostNetwork in ns monitoring",
    "deny hostNetwork in all\nallow hostNetwork in ns monitoring",
    "apply baseline to monitoring/node-exporter\nallow hostNetwork for monitoring/node-exporter",
  ];
  for (const rules of cases) {
    const result = build([{ path: "p.secpol", text: program.replace(/apply baseline[^]*$/, rules) }]);
    assert.ok(
      result.diagnostics.some((d) => d.code === "SP4001"),
      rules,
    );
    assert.equal(result.files, [], rules);
  }
});

const daemonSet = (name: string, app: string) => ({
  apiVersion: "apps/v1",
  kind: "DaemonSet",
  metadata: { name, namespace: "monitoring", labels: { app } },
  spec: {
    selector: { matchLabels: { app } },
    template: {
      metadata: { labels: { app } },
      spec: { hostNetwork: true, hostPID: true, containers: [{ name: "c", image: "i" }] },
    },
  },
});

test("the patch leaves the exempted workload's objects out and still forces the other pods' host namespaces off", () => {
  const result = build([{ path: "p.secpol", text: program }]);
  const objects = Object.fromEntries(
    renderWithComponent(
      result.files,
      [daemonSet("node-exporter", "node-exporter"), daemonSet("other", "prometheus")],
      "monitoring",
    ).map((o) => [o.metadata.name, o.spec.template.spec]),
  );
  assert.is(objects["node-exporter"].hostNetwork, true);
  assert.is(objects["node-exporter"].hostPID, true);
  assert.is(
    objects["node-exporter"].containers[0].securityContext?.privileged,
    false,
    "the deny it does not override still holds",
  );
  assert.is(objects.other.hostNetwork, false);
  assert.is(objects.other.hostPID, false);
});

test("audit does not hold the exempted workload to the overridden denies, and still holds the others", () => {
  const manifests = [
    {
      path: "ds.yaml",
      text: [daemonSet("node-exporter", "node-exporter"), daemonSet("other", "prometheus")]
        .map((o) => JSON.stringify(o))
        .join("\n---\n"),
    },
  ];
  const result = audit({ manifests, program: [{ path: "p.secpol", text: program }] });
  const required = (result.results ?? []).filter((r) => r.mode === "require");
  const byName = Object.fromEntries(required.map((r) => [r.name, r]));
  const text = renderAudit(required);
  assert.not.match(byName["node-exporter"].violations.map((v) => v.check).join(","), /host(Network|PID)/, text);
  assert.match(byName.other.violations.map((v) => v.check).join(","), /hostNetwork/, text);
});

test("before 1.25 the exempted workload's derived PodSecurityPolicy admits what its exception allows", () => {
  const old = program
    .replace("version 1.30", "version 1.24")
    .replace("kind DaemonSet", "kind DaemonSet serviceAccount node-exporter");
  const result = build([{ path: "p.secpol", text: old }]);
  assert.ok(result.files.length > 0, renderDiagnostics(result.diagnostics, result.sources));
  const psps = result.files
    .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJS()))
    .filter((o) => o?.kind === "PodSecurityPolicy");
  const byName = Object.fromEntries(psps.map((p) => [p.metadata.name, p.spec]));
  assert.is(byName["secpol-monitoring-node-exporter"]?.hostNetwork, true, JSON.stringify(Object.keys(byName)));
  assert.is(byName["secpol-monitoring-node-exporter"]?.hostPID, true);
  assert.is(byName["secpol-monitoring"]?.hostNetwork, false);
});

test("an exception overrides only its own namespace's requirements: a.w's `allow rootUser` leaves b's `require runAsNonRoot` whole", () => {
  const text = `cluster { version 1.30 }
namespace a {
  workload w app=w
}
namespace b {
  workload v app=v
}
require runAsNonRoot in ns b
allow rootUser for a/w
`;
  const result = build([{ path: "p.secpol", text }]);
  assert.ok(result.files.length > 0, renderDiagnostics(result.diagnostics, result.sources));
  // before: a note that the allow overrides b's require "for every pod of namespace `a`", and b's
  // patch left out b's objects labelled app=w
  assert.equal(
    result.diagnostics.filter((d) => d.code === "SP9036"),
    [],
  );
  const component = result.files.find((f) => f.path === "b/security/kustomization.yaml")!.content;
  assert.not.match(component, /reject/);
});

test.run();
