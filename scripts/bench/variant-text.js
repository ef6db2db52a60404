#!/usr/bin/env node
// Benchmark variant (e), the text floor: secpolc's input and output files with none of its work.
// It reads the bench's `.secpol` program, takes its workloads and calls out of the lines with
// regular expressions (trusting the generator's shape: no lexer, no checks, no verification),
// and writes the files secpolc writes (per namespace `namespace.yaml` and `networkpolicies.yaml`,
// in secpolc's layout, and `kustomization.yaml`) as text, the way secpolc's command line does:
// into a staging directory, 16 files at a time, renamed into place. What a build must spend on
// reading and writing alone, before it understands anything. It reads both shapes of the bench's
// program (topology.js): in the realistic one also namespace labels, multi-label selectors,
// `ns(team=T)` callers, world calls and the two kinds of deny, written as secpolc compiles them.
//
//   node scripts/bench/variant-text.js PROGRAM_DIR OUTDIR
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

const [programDir, outdir] = process.argv.slice(2);
if (!programDir || !outdir) {
  process.stderr.write("usage: variant-text.js PROGRAM_DIR OUTDIR\n");
  process.exit(2);
}

const services = new Map(); // "ns/name" -> service
const namespaces = new Map(); // ns -> { source, labels, services, ... }
const calls = [];
const teamCalls = [];
const worldCalls = [];
for (const file of readdirSync(programDir).sort()) {
  const path = join(programDir, file);
  const lines = readFileSync(path, "utf8").split("\n");
  let namespace;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const at = `${file}:${i + 1}`; // named relative to the program root, as secpolc does
    let m;
    if ((m = /^namespace (\S+) \{$/.exec(line)))
      namespaces.set((namespace = m[1]), {
        source: at,
        default: undefined,
        labels: [],
        services: [],
        dns: undefined,
        deny: undefined,
        sandboxDeny: false,
        egress: [],
      });
    else if (line === "default deny") namespaces.get(namespace).default = at;
    else if ((m = /^labels (.+)$/.exec(line)))
      namespaces.get(namespace).labels = m[1].split(", ").map((l) => l.split("="));
    else if ((m = /^workload (\S+) (\S+) port (\S+) (\d+)$/.exec(line))) {
      const selector = m[2]
        .split(",")
        .map((l) => l.split("="))
        .sort((a, b) => (a[0] < b[0] ? -1 : 1));
      const service = {
        namespace,
        name: m[1],
        selector,
        ports: { [m[3]]: Number(m[4]) },
        source: at,
        ingress: [],
        egress: [],
      };
      services.set(`${namespace}/${m[1]}`, service);
      namespaces.get(namespace).services.push(service);
    } else if ((m = /^allow ns\(team=(\S+)\) -> (\S+): (\S+)$/.exec(line)))
      teamCalls.push({ team: m[1], to: m[2], port: m[3], source: at });
    else if ((m = /^allow (\S+) -> world: (\d+)$/.exec(line)))
      worldCalls.push({ from: m[1], port: Number(m[2]), source: at });
    else if ((m = /^allow (\S+) -> (\S+): (\S+)$/.exec(line)))
      calls.push({ from: m[1], to: m[2], port: m[3], source: at });
    else if ((m = /^allow (\S+)\/\* -> dns$/.exec(line))) namespaces.get(m[1]).dns = at;
    else if ((m = /^deny ns\(env=sandbox\) -> (\S+)\/\*$/.exec(line)))
      Object.assign(namespaces.get(m[1]), { deny: at, sandboxDeny: true });
    else if ((m = /^deny (\S+)\/\* -> cidr (\S+)$/.exec(line)))
      Object.assign(namespaces.get(m[1]), { deny: at, metadata: m[2] });
  }
}
for (const call of calls) {
  const from = services.get(call.from);
  const to = services.get(call.to);
  const port = to.ports[call.port];
  from.egress.push({ peer: to, port, source: call.source });
  to.ingress.push({ peer: from, port, source: call.source });
}
const labelOf = (ns, key) => ns.labels.find((l) => l[0] === key)?.[1];
for (const call of teamCalls) {
  const to = services.get(call.to);
  const port = to.ports[call.port];
  const guarded = namespaces.get(to.namespace).sandboxDeny;
  to.ingress.push({ peer: { team: call.team, guarded }, port, source: call.source });
  for (const ns of namespaces.values()) {
    if (labelOf(ns, "team") === call.team && !(guarded && labelOf(ns, "env") === "sandbox"))
      ns.egress.push({ peer: to, port, source: call.source });
  }
}
for (const call of worldCalls) {
  const from = services.get(call.from);
  from.egress.push({ peer: { world: namespaces.get(from.namespace).metadata }, port: call.port, source: call.source });
}

const indent = (n) => " ".repeat(n);
function selector(service, depth) {
  return `${indent(depth)}matchLabels:\n${service.selector.map(([k, v]) => `${indent(depth + 2)}${k}: ${v}\n`).join("")}`;
}
const NOT_SANDBOX = `${indent(12)}matchExpressions:\n${indent(14)}- key: env\n${indent(16)}operator: NotIn\n${indent(16)}values:\n${indent(18)}- sandbox\n`;
const namespaceSelector = (name, guarded) =>
  `namespaceSelector:\n${indent(12)}matchLabels:\n${indent(14)}kubernetes.io/metadata.name: ${name}\n${guarded ? NOT_SANDBOX : ""}`;
function peer(of, from, guarded) {
  if (of.team)
    return `        - namespaceSelector:\n${indent(12)}matchLabels:\n${indent(14)}team: ${of.team}\n${of.guarded ? NOT_SANDBOX : ""}`;
  if (of.world !== undefined) {
    const except = ["10.96.0.0/12", "10.244.0.0/16", ...(of.world ? [of.world] : [])]
      .map((c) => `${indent(14)}- ${c}\n`)
      .join("");
    return `        - ipBlock:\n${indent(12)}cidr: 0.0.0.0/0\n${indent(12)}except:\n${except}        - ipBlock:\n${indent(12)}cidr: ::/0\n`;
  }
  const pods = `podSelector:\n${selector(of, 12)}`;
  return of.namespace === from.namespace && !guarded
    ? `        - ${pods}`
    : `        - ${namespaceSelector(of.namespace, guarded)}          ${pods}`;
}
/** Rules with equal ports merged, peers in order; `guarded`: own-namespace peers keep sandboxes out. */
function rules(service, edges, field, guarded = false) {
  const byPort = new Map();
  for (const edge of edges) {
    const peers = byPort.get(edge.port) ?? [];
    byPort.set(edge.port, peers);
    if (!peers.includes(edge.peer)) peers.push(edge.peer);
  }
  const rank = (p) => (p.team || p.world !== undefined ? 2 : p.namespace === service.namespace ? 0 : 1);
  const order = (a, b) =>
    rank(a) - rank(b) ||
    (a.namespace === b.namespace ? (a.name < b.name ? -1 : 1) : a.namespace < b.namespace ? -1 : 1);
  let text = "";
  for (const [port, peers] of [...byPort].sort((a, b) => a[0] - b[0])) {
    text += `    - ${field}:\n${peers
      .sort(order)
      .map((p) => peer(p, service, guarded))
      .join("")}      ports:\n        - protocol: TCP\n          port: ${port}\n`;
  }
  return text;
}
const header = (name, namespace, sources) =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  labels:\n    app.kubernetes.io/managed-by: secpolc\n  annotations:\n    secpol.dev/source: ${sources.join(", ")}\nspec:\n`;

const files = [];
for (const [name, ns] of [...namespaces].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
  const labels = [["app.kubernetes.io/managed-by", "secpolc"], ...ns.labels]
    .map(([k, v]) => `    ${k}: ${v}\n`)
    .join("");
  files.push({
    path: `${name}/namespace.yaml`,
    text: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n${labels}  annotations:\n    secpol.dev/source: ${ns.source}\n`,
  });
  const namespaceSources = [
    ns.default,
    ns.dns,
    ...(ns.deny ? [ns.deny] : []),
    ...ns.egress.map((e) => e.source),
  ].sort();
  const documents = [
    header("secpol-namespace", name, [...new Set(namespaceSources)]) +
      "  podSelector: {}\n  policyTypes:\n    - Ingress\n    - Egress\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: kube-system\n          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n      ports:\n        - protocol: TCP\n          port: 53\n        - protocol: UDP\n          port: 53\n" +
      rules({ namespace: name }, ns.egress, "to"),
  ];
  for (const service of ns.services) {
    const sources = [...service.egress, ...service.ingress].map((e) => e.source).sort();
    let text =
      header(`secpol-${service.name}`, name, sources) + `  podSelector:\n${selector(service, 4)}  policyTypes:\n`;
    if (service.ingress.length > 0) text += "    - Ingress\n";
    if (service.egress.length > 0) text += "    - Egress\n";
    if (service.ingress.length > 0) text += `  ingress:\n${rules(service, service.ingress, "from", ns.sandboxDeny)}`;
    if (service.egress.length > 0) text += `  egress:\n${rules(service, service.egress, "to")}`;
    documents.push(text);
  }
  files.push({ path: `${name}/networkpolicies.yaml`, text: documents.join("---\n") });
}
files.push({
  path: "kustomization.yaml",
  text: `# Generated by secpolc. Do not edit: change the .secpol sources and rebuild.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${files.map((f) => `  - ${f.path}\n`).join("")}`,
});

const out = resolve(outdir);
const staging = `${out}.staging-${process.pid}`;
mkdirSync(staging, { recursive: true });
await Promise.all(
  [...new Set(files.map((f) => dirname(f.path)))]
    .filter((d) => d !== ".")
    .map((d) => mkdir(join(staging, d), { recursive: true })),
);
let next = 0;
async function writer() {
  while (next < files.length) {
    const file = files[next++];
    await writeFile(join(staging, file.path), file.text);
  }
}
await Promise.all(Array.from({ length: 16 }, writer));
rmSync(out, { recursive: true, force: true });
renameSync(staging, out);
