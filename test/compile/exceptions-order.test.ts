/**
 * A namespace with several exempt workloads: the SecurityContext patch and the admission policy do
 * not depend on the order the workloads or their exceptions are written in.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { build } from "../../src/index.js";

const allows = ["allow hostNetwork, hostPort for n/agent", "allow hostPort 9100 for n/exporter"];
const program = (workloads: string[], exceptions = allows) => `cluster { version 1.30 }
namespace n {
${workloads.map((w) => `  ${w}\n`).join("")}}
deny hostNetwork, hostPort in ns n
${exceptions.join("\n")}
`;
const agent = "workload agent team=infra";
const exporter = "workload exporter app=exporter";

const file = (path: string, workloads: string[], exceptions = allows) =>
  build([{ path: "m.secpol", text: program(workloads, exceptions) }])
    .files.find((f) => f.path === path)
    ?.content.replace(/m\.secpol:\d+/g, "m.secpol:N");

test("the policy and the patch are the same whatever the order the exempt workloads and their exceptions are written in", () => {
  for (const path of ["cluster/validatingadmissionpolicies.yaml", "n/security/kustomization.yaml"]) {
    const first = file(path, [agent, exporter]);
    assert.ok(first, path);
    assert.is(file(path, [exporter, agent]), first, path);
    // both exempt from `deny hostNetwork`: kustomize's reject selectors in one order
    assert.is(
      file(path, [agent, exporter], [...allows, "allow hostNetwork for n/exporter"]),
      file(path, [agent, exporter], ["allow hostNetwork for n/exporter", ...allows]),
      path,
    );
  }
});

test.run();
