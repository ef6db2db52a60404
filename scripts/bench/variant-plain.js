#!/usr/bin/env node
// Benchmark variants (c) and (d), the serialisation floors: the same objects as the cdk8s-plus
// variant (Namespaces, a default-deny policy with DNS egress per namespace, a policy per service
// with an egress rule per call it makes and an ingress rule per call it receives; in the realistic
// shape also team calls, world calls and namespace labels, as variant-cdk8s.js), built as plain
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
const namespacePolicies = [];
topology.namespaces.forEach((ns, i) => {
  const labels = topology.namespaceLabels?.[i] ?? {};
  objects.push({
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: ns, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
  });
  const policy = {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "default-deny", namespace: ns },
    spec: {
      podSelector: {},
      policyTypes: ["Egress", "Ingress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { [NAME_LABEL]: topology.dns.namespace } },
              podSelector: { matchLabels: { ...topology.dns.labels } },
            },
          ],
          ports: topology.dns.ports.map((p) => ({ protocol: p.protocol, port: p.port })),
        },
      ],
    },
  };
  objects.push(policy);
  namespacePolicies.push(policy);
});
const remote = (of) => ({
  namespaceSelector: { matchLabels: { [NAME_LABEL]: of.namespace } },
  podSelector: { matchLabels: { ...of.selector } },
});
const peer = (of, from) =>
  of.namespace === from.namespace ? { podSelector: { matchLabels: { ...of.selector } } } : remote(of);
const policies = topology.services.map((s) => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: s.name, namespace: s.namespace },
  spec: { podSelector: { matchLabels: { ...s.selector } }, policyTypes: [], ingress: [], egress: [] },
}));
const addEgress = (spec, rule) => {
  if (spec.egress.length === 0) spec.policyTypes.push("Egress");
  spec.egress.push(rule);
};
for (const [from, to] of topology.calls) {
  const caller = topology.services[from];
  const callee = topology.services[to];
  const ports = [{ protocol: "TCP", port: callee.port.number }];
  const into = policies[to].spec;
  addEgress(policies[from].spec, { to: [peer(callee, caller)], ports });
  if (into.ingress.length === 0) into.policyTypes.push("Ingress");
  into.ingress.push({ from: [peer(caller, callee)], ports });
}
for (const { team, to } of topology.teamCalls ?? []) {
  const callee = topology.services[to];
  const ports = [{ protocol: "TCP", port: callee.port.number }];
  const guarded = topology.denies[callee.nsIndex] === "sandbox";
  const into = policies[to].spec;
  if (into.ingress.length === 0) into.policyTypes.push("Ingress");
  const namespaceSelector = {
    matchLabels: { team },
    ...(guarded ? { matchExpressions: [{ key: "env", operator: "NotIn", values: ["sandbox"] }] } : {}),
  };
  into.ingress.push({ from: [{ namespaceSelector, podSelector: {} }], ports });
  topology.namespaces.forEach((_, i) => {
    const labels = topology.namespaceLabels[i];
    if (labels.team === team && !(guarded && labels.env === "sandbox"))
      namespacePolicies[i].spec.egress.push({ to: [remote(callee)], ports });
  });
}
for (const i of topology.worldCalls ?? []) {
  const ports = [{ protocol: "TCP", port: 443 }];
  const except = [topology.cluster.podCIDR, topology.cluster.serviceCIDR, "169.254.169.254/32"];
  addEgress(policies[i].spec, { to: [{ ipBlock: { cidr: "0.0.0.0/0", except } }], ports });
  addEgress(policies[i].spec, { to: [{ ipBlock: { cidr: "::/0" } }], ports });
}
for (const p of policies) {
  if (p.spec.ingress.length === 0) delete p.spec.ingress;
  if (p.spec.egress.length === 0) delete p.spec.egress;
  if (p.spec.policyTypes.length === 0) delete p.spec.policyTypes; // as cdk8s-plus writes a policy without rules
  objects.push(p);
}

mkdirSync(outdir, { recursive: true });
if (format === "json") {
  writeFileSync(join(outdir, "policies.json"), JSON.stringify(objects));
} else {
  const { stringify } = await import("yaml");
  writeFileSync(join(outdir, "policies.yaml"), objects.map((o) => stringify(o)).join("---\n"));
}
