/**
 * Init and ephemeral containers (issue 18, item 6): `audit` judges the program's requirements in
 * every container kind, as the Pod Security checks do, and says which the patch cannot set.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { audit, build, renderAudit, renderDiagnostics } from "../../src/index.js";
import { evaluatePod } from "../../src/semantics/pss.js";
import { renderWithComponent } from "../support/kustomize.js";

const program = (extra = "") => [
  {
    path: "p.secpol",
    text: `namespace shop {\n  pss enforce baseline\n  workload api app=api${extra}\n}\nrequire readOnlyRootFilesystem for shop/api\n`,
  },
];

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata: { name: api, namespace: shop, labels: { app: api } }
spec:
  selector: { matchLabels: { app: api } }
  template:
    metadata: { labels: { app: api } }
    spec:
      initContainers:
        - { name: migrate, image: m }
      containers:
        - { name: api, image: a, securityContext: { readOnlyRootFilesystem: true } }
`;

const pod = `apiVersion: v1
kind: Pod
metadata: { name: debugged, namespace: shop, labels: { app: api } }
spec:
  containers:
    - { name: api, image: a, securityContext: { readOnlyRootFilesystem: true } }
  ephemeralContainers:
    - { name: debugger, image: d }
`;

test("audit: an init container that misses a requirement misses it, and the patch does not set it where none is declared", () => {
  const result = audit({ manifests: [{ path: "d.yaml", text: deployment }], program: program() });
  const require = result.results!.find((r) => r.mode === "require")!;
  assert.is(require.allowed, false, `before: "meets the program's requirements"\n${renderAudit(result.results!)}`);
  assert.match(require.violations[0].message, /init container "migrate"/);
  assert.match(require.violations[0].message, /not patched/);
  assert.match((require.unpatched ?? []).join(), /declares no init containers/);
});

test("audit: an ephemeral container is judged, and no patch can set it", () => {
  const result = audit({ manifests: [{ path: "p.yaml", text: pod }], program: program(" kind Pod") });
  const require = result.results!.find((r) => r.mode === "require")!;
  assert.is(require.allowed, false, renderAudit(result.results!));
  assert.match(require.violations[0].message, /ephemeral container "debugger"/);
  assert.match((require.unpatched ?? []).join(), /ephemeral containers/);
});

test("audit: declared init containers are patched, so the patch would set what they miss", () => {
  const result = audit({
    manifests: [{ path: "d.yaml", text: deployment }],
    program: program(" initContainers migrate"),
  });
  const require = result.results!.find((r) => r.mode === "require")!;
  assert.is(require.allowed, false);
  assert.match(require.violations[0].message, /init container "migrate"/);
  assert.not.ok(require.unpatched, renderAudit(result.results!));
});

test("the Component patches init containers of the workloads that declare them, and kustomize renders workloads without any", () => {
  const text = `cluster { version 1.30; podCIDR 10.244.0.0/16 }
namespace shop {
  pss enforce restricted
  workload api app=api kind Deployment initContainers migrate
  workload web app=web kind Deployment
}
apply restricted to ns shop
`;
  const result = build([{ path: "p.secpol", text }]);
  assert.ok(result.files.length > 0, renderDiagnostics(result.diagnostics, result.sources));
  const deploy = (app: string, init: boolean) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app, namespace: "shop", labels: { app } },
    spec: {
      selector: { matchLabels: { app } },
      template: {
        metadata: { labels: { app } },
        spec: {
          ...(init ? { initContainers: [{ name: "migrate", image: "m" }] } : {}),
          containers: [{ name: app, image: "a" }],
        },
      },
    },
  });
  const objects = renderWithComponent(result.files, [deploy("api", true), deploy("web", false)], "shop");
  assert.is(objects.length, 2);
  for (const o of objects) {
    const pod = o.spec.template;
    assert.equal(
      evaluatePod(pod.metadata, pod.spec, "restricted", { major: 1, minor: 30 }),
      [],
      `before: init container "migrate" is not patched (${o.metadata.name})`,
    );
  }
  assert.is(objects.find((o) => o.metadata.name === "web").spec.template.spec.initContainers, undefined);
});

test.run();
