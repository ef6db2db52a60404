#!/usr/bin/env node
// Benchmark variant (b): the topology's intent written with cdk8s-plus-32, synthesised to YAML.
//
//   node scripts/bench/variant-cdk8s.js TOPOLOGY.json OUTDIR
//
// One chart: per namespace a Namespace, and a NetworkPolicy that selects every pod with both
// directions defaulting to DENY and an egress rule to the DNS pods (kube-system, k8s-app=kube-dns,
// 53/TCP and 53/UDP); per service a NetworkPolicy selecting its pods, with per call an egress rule on
// the caller (to the callee's pods, on the callee's port) and an ingress rule on the callee. This is
// what secpolc's `default deny`, `allow NS/* -> dns` and `allow A -> B: port` mean. The realistic
// shape adds: namespace labels; a team call (`allow ns(team=T) -> B: port`) as an ingress rule on the
// callee from the team's namespaces (with `env NotIn [sandbox]` where the callee's namespace denies
// sandboxes) and an egress rule on the namespace policy of every owned namespace of the team that
// the deny does not cover; a world call as an egress rule to 0.0.0.0/0 except the pod and service
// ranges and the metadata address, and ::/0, on 443. `app.synth()` writes OUTDIR/<chart>.k8s.yaml.
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

const {
  Pods,
  Namespaces,
  NetworkPolicy,
  NetworkPolicyIpBlock,
  NetworkPolicyPort,
  NetworkPolicyTrafficDefault,
  LabelExpression,
} = kplus;
const tcp = (port) => NetworkPolicyPort.tcp(port);

const dns = Pods.select(chart, "dns", {
  labels: topology.dns.labels,
  namespaces: Namespaces.select(chart, "dns-namespace", { names: [topology.dns.namespace] }),
});
const dnsPorts = topology.dns.ports.map((p) => (p.protocol === "UDP" ? NetworkPolicyPort.udp(p.port) : tcp(p.port)));

const namespacePolicies = topology.namespaces.map((ns, i) => {
  const labels = topology.namespaceLabels?.[i] ?? {};
  new kplus.Namespace(chart, `namespace-${ns}`, {
    metadata: { name: ns, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
  });
  return new NetworkPolicy(chart, `default-deny-${ns}`, {
    metadata: { name: "default-deny", namespace: ns },
    ingress: { default: NetworkPolicyTrafficDefault.DENY },
    egress: { default: NetworkPolicyTrafficDefault.DENY, rules: [{ peer: dns, ports: dnsPorts }] },
  });
});

// each service: its pods as a peer from its own namespace, from other namespaces, and its policy
const local = [];
const remote = [];
const policies = topology.services.map((s, i) => {
  local[i] = Pods.select(chart, `pods-${s.name}`, { labels: s.selector });
  remote[i] = Pods.select(chart, `pods-${s.name}-remote`, {
    labels: s.selector,
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

const denied = (labels, to) => topology.denies?.[to] === "sandbox" && labels.env === "sandbox";
for (const { team, to } of topology.teamCalls ?? []) {
  const callee = topology.services[to];
  const ports = [tcp(callee.port.number)];
  const guarded = topology.denies[callee.nsIndex] === "sandbox";
  const peer = Namespaces.select(chart, `team-${team}-to-${callee.name}`, {
    labels: { team },
    ...(guarded ? { expressions: [LabelExpression.notIn("env", ["sandbox"])] } : {}),
  });
  policies[to].addIngressRule(peer, ports);
  topology.namespaces.forEach((_, i) => {
    const labels = topology.namespaceLabels[i];
    if (labels.team === team && !denied(labels, callee.nsIndex)) namespacePolicies[i].addEgressRule(remote[to], ports);
  });
}
const { podCIDR, serviceCIDR } = topology.cluster;
for (const i of topology.worldCalls ?? []) {
  const name = topology.services[i].name;
  const ports = [tcp(443)];
  policies[i].addEgressRule(
    NetworkPolicyIpBlock.ipv4(chart, `world-v4-${name}`, "0.0.0.0/0", [podCIDR, serviceCIDR, "169.254.169.254/32"]),
    ports,
  );
  policies[i].addEgressRule(NetworkPolicyIpBlock.anyIpv6(chart, `world-v6-${name}`), ports);
}

app.synth();
