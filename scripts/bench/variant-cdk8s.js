#!/usr/bin/env node
// Benchmark variant (b): the topology's intent written with cdk8s-plus-32, synthesised to YAML.
//
//   node scripts/bench/variant-cdk8s.js TOPOLOGY.json OUTDIR
//
// One chart: per namespace a Namespace, and a NetworkPolicy that selects every pod with both
// directions defaulting to DENY and an egress rule to the DNS pods (kube-system, k8s-app=kube-dns,
// 53/TCP and 53/UDP); per service a NetworkPolicy selecting its pods, with per call an egress rule on
// the caller (to the callee's pods, on the callee's port) and an ingress rule on the callee. This is
// what secpolc's `default deny`, `allow NS/* -> dns` and `allow A -> B: port` mean. `app.synth()`
// writes OUTDIR/<chart>.k8s.yaml.
import { readFileSync } from "node:fs";
import cdk8s from "cdk8s";
import kplus from "cdk8s-plus-32";

const [topologyPath, outdir] = process.argv.slice(2);
if (!topologyPath || !outdir) {
  process.stderr.write("usage: variant-cdk8s.js TOPOLOGY.json OUTDIR\n");
  process.exit(2);
}
const topology = JSON.parse(readFileSync(topologyPath, "utf8"));

const app = new cdk8s.App({ outdir });
const chart = new cdk8s.Chart(app, "policies");

const { Pods, Namespaces, NetworkPolicy, NetworkPolicyPort, NetworkPolicyTrafficDefault } = kplus;
const tcp = (port) => NetworkPolicyPort.tcp(port);

const dns = Pods.select(chart, "dns", {
  labels: topology.dns.labels,
  namespaces: Namespaces.select(chart, "dns-namespace", { names: [topology.dns.namespace] }),
});
const dnsPorts = topology.dns.ports.map((p) => (p.protocol === "UDP" ? NetworkPolicyPort.udp(p.port) : tcp(p.port)));

for (const ns of topology.namespaces) {
  new kplus.Namespace(chart, `namespace-${ns}`, { metadata: { name: ns } });
  new NetworkPolicy(chart, `default-deny-${ns}`, {
    metadata: { name: "default-deny", namespace: ns },
    ingress: { default: NetworkPolicyTrafficDefault.DENY },
    egress: { default: NetworkPolicyTrafficDefault.DENY, rules: [{ peer: dns, ports: dnsPorts }] },
  });
}

// each service: its pods as a peer from its own namespace, from other namespaces, and its policy
const local = [];
const remote = [];
const policies = topology.services.map((s, i) => {
  local[i] = Pods.select(chart, `pods-${s.name}`, { labels: { app: s.labels.app } });
  remote[i] = Pods.select(chart, `pods-${s.name}-remote`, {
    labels: { app: s.labels.app },
    namespaces: Namespaces.select(chart, `namespace-of-${s.name}`, { names: [s.namespace] }),
  });
  return new NetworkPolicy(chart, `policy-${s.name}`, {
    metadata: { name: s.name, namespace: s.namespace },
    selector: local[i],
  });
});

for (const [from, to] of topology.calls) {
  const caller = topology.services[from];
  const callee = topology.services[to];
  const same = caller.namespace === callee.namespace;
  const ports = [tcp(callee.port.number)];
  policies[from].addEgressRule(same ? local[to] : remote[to], ports);
  policies[to].addIngressRule(same ? local[from] : remote[from], ports);
}

app.synth();
