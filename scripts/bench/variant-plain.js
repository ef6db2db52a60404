#!/usr/bin/env node
// Benchmark variants (c) and (d), the serialisation floors: the same objects as the cdk8s-plus
// variant (Namespaces, a default-deny policy with DNS egress per namespace, a policy per service
// with an egress rule per call it makes and an ingress rule per call it receives), built as plain
// JS objects and written as one multi-document YAML file (`yaml` package) or one JSON file.
//
//   node scripts/bench/variant-plain.js yaml|json TOPOLOGY.json OUTDIR
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [format, topologyPath, outdir] = process.argv.slice(2);
if ((format !== "yaml" && format !== "json") || !topologyPath || !outdir) {
  process.stderr.write("usage: variant-plain.js yaml|json TOPOLOGY.json OUTDIR\n");
  process.exit(2);
}
const topology = JSON.parse(readFileSync(topologyPath, "utf8"));
const NAME_LABEL = "kubernetes.io/metadata.name";

const objects = [];
for (const ns of topology.namespaces) {
  objects.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  objects.push({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "default-deny", namespace: ns },
    spec: {
      podSelector: {},
      policyTypes: ["Egress", "Ingress"],
      egress: [
        {
          to: [{ namespaceSelector: { matchLabels: { [NAME_LABEL]: topology.dns.namespace } }, podSelector: { matchLabels: { ...topology.dns.labels } } }],
          ports: topology.dns.ports.map((p) => ({ protocol: p.protocol, port: p.port })),
        },
      ],
    },
  });
}
const peer = (of, from) =>
  of.namespace === from.namespace
    ? { podSelector: { matchLabels: { app: of.labels.app } } }
    : { namespaceSelector: { matchLabels: { [NAME_LABEL]: of.namespace } }, podSelector: { matchLabels: { app: of.labels.app } } };
const policies = topology.services.map((s) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: s.name, namespace: s.namespace },
  spec: { podSelector: { matchLabels: { app: s.labels.app } }, policyTypes: [], ingress: [], egress: [] },
}));
for (const [from, to] of topology.calls) {
  const caller = topology.services[from];
  const callee = topology.services[to];
  const ports = [{ protocol: "TCP", port: callee.port.number }];
  const out = policies[from].spec;
  const into = policies[to].spec;
  if (out.egress.length === 0) out.policyTypes.push("Egress");
  out.egress.push({ to: [peer(callee, caller)], ports });
  if (into.ingress.length === 0) into.policyTypes.push("Ingress");
  into.ingress.push({ from: [peer(caller, callee)], ports });
}
for (const p of policies) {
  if (p.spec.ingress.length === 0) delete p.spec.ingress;
  if (p.spec.egress.length === 0) delete p.spec.egress;
  objects.push(p);
}

mkdirSync(outdir, { recursive: true });
if (format === "json") {
  writeFileSync(join(outdir, "policies.json"), JSON.stringify(objects));
} else {
  const { stringify } = await import("yaml");
  writeFileSync(join(outdir, "policies.yaml"), objects.map((o) => stringify(o)).join("---\n"));
}
