#!/usr/bin/env node
// Benchmark variant (e), the text floor: secpolc's input and output files with none of its work.
// It reads the bench's `.secpol` program, takes its workloads and calls out of the lines with
// regular expressions (trusting the generator's shape: no lexer, no checks, no verification),
// and writes the files secpolc writes (per namespace `namespace.yaml` and `networkpolicies.yaml`,
// in secpolc's layout, and `kustomization.yaml`) as text, the way secpolc's command line does:
// into a staging directory, 16 files at a time, renamed into place. What a build must spend on
// reading and writing alone, before it understands anything.
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
const namespaces = new Map(); // ns -> { source, services }
const calls = [];
for (const file of readdirSync(programDir).sort()) {
  const path = join(programDir, file);
  const lines = readFileSync(path, "utf8").split("\n");
  let namespace;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    const at = `${path}:${i + 1}`;
    let m;
    if ((m = /^namespace (\S+) \{$/.exec(line))) namespaces.set((namespace = m[1]), { source: at, default: undefined, services: [], dns: undefined });
    else if (line === "default deny") namespaces.get(namespace).default = at;
    else if ((m = /^workload (\S+) (\S+)=(\S+) port (\S+) (\d+)$/.exec(line))) {
      const service = { namespace, name: m[1], key: m[2], value: m[3], ports: { [m[4]]: Number(m[5]) }, source: at, ingress: [], egress: [] };
      services.set(`${namespace}/${m[1]}`, service);
      namespaces.get(namespace).services.push(service);
    } else if ((m = /^allow (\S+) -> (\S+): (\S+)$/.exec(line))) calls.push({ from: m[1], to: m[2], port: m[3], source: at });
    else if ((m = /^allow (\S+)\/\* -> dns$/.exec(line))) namespaces.get(m[1]).dns = at;
  }
}
for (const call of calls) {
  const from = services.get(call.from);
  const to = services.get(call.to);
  const port = to.ports[call.port];
  from.egress.push({ peer: to, port, source: call.source });
  to.ingress.push({ peer: from, port, source: call.source });
}

const indent = (n) => " ".repeat(n);
function selector(service, depth) {
  return `${indent(depth)}matchLabels:\n${indent(depth + 2)}${service.key}: ${service.value}\n`;
}
function peer(of, from) {
  const pods = `podSelector:\n${selector(of, 12)}`;
  return of.namespace === from.namespace
    ? `        - ${pods}`
    : `        - namespaceSelector:\n${indent(12)}matchLabels:\n${indent(14)}kubernetes.io/metadata.name: ${of.namespace}\n          ${pods}`;
}
/** Rules with equal ports merged, peers in order. */
function rules(service, edges, field) {
  const byPort = new Map();
  for (const edge of edges) {
    const peers = byPort.get(edge.port) ?? [];
    byPort.set(edge.port, peers);
    if (!peers.includes(edge.peer)) peers.push(edge.peer);
  }
  const order = (a, b) => (a.namespace === b.namespace ? (a.value < b.value ? -1 : 1) : a.namespace === service.namespace ? -1 : b.namespace === service.namespace ? 1 : a.namespace < b.namespace ? -1 : 1);
  let text = "";
  for (const [port, peers] of [...byPort].sort((a, b) => a[0] - b[0])) {
    text += `    - ${field}:\n${peers.sort(order).map((p) => peer(p, service)).join("")}      ports:\n        - protocol: TCP\n          port: ${port}\n`;
  }
  return text;
}
const header = (name, namespace, sources) =>
  `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n  labels:\n    app.kubernetes.io/managed-by: secpolc\n  annotations:\n    secpol.dev/source: ${sources.join(", ")}\nspec:\n`;

const files = [];
for (const [name, ns] of [...namespaces].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
  files.push({ path: `${name}/namespace.yaml`, text: `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n  labels:\n    app.kubernetes.io/managed-by: secpolc\n  annotations:\n    secpol.dev/source: ${ns.source}\n` });
  const documents = [
    header("secpol-namespace", name, [ns.default, ns.dns]) +
      "  podSelector: {}\n  policyTypes:\n    - Ingress\n    - Egress\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: kube-system\n          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n      ports:\n        - protocol: TCP\n          port: 53\n        - protocol: UDP\n          port: 53\n",
  ];
  for (const service of ns.services) {
    const sources = [...service.egress, ...service.ingress].map((e) => e.source).sort();
    let text = header(`secpol-${service.name}`, name, sources) + `  podSelector:\n${selector(service, 4)}  policyTypes:\n`;
    if (service.ingress.length > 0) text += "    - Ingress\n";
    if (service.egress.length > 0) text += "    - Egress\n";
    if (service.ingress.length > 0) text += `  ingress:\n${rules(service, service.ingress, "from")}`;
    if (service.egress.length > 0) text += `  egress:\n${rules(service, service.egress, "to")}`;
    documents.push(text);
  }
  files.push({ path: `${name}/networkpolicies.yaml`, text: documents.join("---\n") });
}
files.push({ path: "kustomization.yaml", text: `# Generated by secpolc. Do not edit: change the .secpol sources and rebuild.\napiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n${files.map((f) => `  - ${f.path}\n`).join("")}` });

const out = resolve(outdir);
const staging = `${out}.staging-${process.pid}`;
mkdirSync(staging, { recursive: true });
await Promise.all([...new Set(files.map((f) => dirname(f.path)))].filter((d) => d !== ".").map((d) => mkdir(join(staging, d), { recursive: true })));
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
