/**
 * What changes between two versions of a program: the flows gained and lost, named in source terms
 * (workloads, other pods of a namespace, address blocks) on the ports either version mentions.
 */
import { formatCidr, lastAddress } from "../semantics/ip.js";
import { conjunctionMatches, FRESH_VALUE, labelCombinations, labelsKey, needsCombinations, witness, type Labels } from "../semantics/labels.js";
import { evaluateFlow, ownedNamespaceLabels, sideOf, type Endpoint, type NamespaceLabels } from "../semantics/meaning.js";
import { NAMESPACE_NAME_LABEL, type Clause, type Direction, type Model } from "../semantics/model.js";
import { mergeRanges, portsKey, protocols, type Protocol } from "../semantics/ports.js";
import { endpointsKey } from "../semantics/endpoints.js";
import { clausesNear, podTerms, termPodsIn, workloadsIn } from "../semantics/lookup.js";


export interface NamedEndpoint {
  name: string;
  endpoint: Endpoint;
}

export interface FlowChange {
  source: string;
  destination: string;
  /** `5432/tcp`, `8000..8080/tcp`: the ports whose verdict changed, merged into ranges. */
  ports: string[];
}

export interface ProgramDiff {
  gained: FlowChange[];
  lost: FlowChange[];
}

/** Past this many label maps in a namespace, `diff` names only what the rules name, not where they meet. */
export const MAX_DIFF_COMBINATIONS = 256;

/**
 * Endpoints standing for what the programs name: workloads, other pods of namespaces, address
 * blocks, and in each namespace the pods where the selectors of its workloads and of the rules'
 * terms meet (`pods(app=x, tier=t) in ns a`), or, past MAX_DIFF_COMBINATIONS, each term's own.
 */
export function namedEndpoints(models: readonly Model[]): NamedEndpoint[] {
  const byName = new Map<string, NamedEndpoint>();
  for (const model of models) addPodsWhereSelectorsMeet(model, byName);
  for (const model of models) {
    for (const w of model.workloads) {
      byName.set(`${w.namespace}/${w.name}`, { name: `${w.namespace}/${w.name}`, endpoint: { pod: { namespace: w.namespace, labels: witness(w.pods), ports: w.ports } } });
    }
    for (const n of model.namespaces) byName.set(`${n.name}/*`, { name: `other pods of ${n.name}`, endpoint: { pod: { namespace: n.name, labels: { "secpolc-other": "" }, ports: [] } } });
    for (const rule of model.rules) {
      for (const clause of rule.clauses) {
        for (const term of [...clause.sources.pods, ...clause.destinations.pods]) {
          const named = term.namespaces.find(([key]) => key === NAMESPACE_NAME_LABEL)?.[1];
          if (named?.values.kind === "only" && !named.absentOk) {
            for (const namespace of named.values.values) {
              if (!byName.has(`${namespace}/*`)) byName.set(`${namespace}/*`, { name: `pods of ${namespace}`, endpoint: { pod: { namespace, labels: witness(term.pods), ports: [] } } });
            }
          }
        }
        for (const block of [...clause.sources.ips, ...clause.destinations.ips]) {
          const name = block.cidr.prefix === 0 ? `world (IPv${block.cidr.family})` : `cidr ${formatCidr(block.cidr)}${block.except.length > 0 ? ` except ${block.except.map(formatCidr).join(", ")}` : ""}`;
          const value = [block.cidr.base, lastAddress(block.cidr)].find((v) => !block.except.some((e) => v >= e.base && v <= lastAddress(e)));
          if (value !== undefined && !byName.has(name)) byName.set(name, { name, endpoint: { ip: { family: block.cidr.family, value } } });
        }
      }
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The pods of `pods(...)` terms and of where they meet the workloads' selectors, per namespace they can be in. */
function addPodsWhereSelectorsMeet(model: Model, byName: Map<string, NamedEndpoint>): void {
  const labelsOf = ownedNamespaceLabels(model, (n) => ({ [NAMESPACE_NAME_LABEL]: n }));
  const owned = new Set(model.namespaces.map((n) => n.name));
  const namespaces = new Set(owned);
  for (const term of podTerms(model)) {
    const named = term.namespaces.find(([key]) => key === NAMESPACE_NAME_LABEL)?.[1];
    if (named?.values.kind === "only" && !named.absentOk) for (const n of named.values.values) namespaces.add(n);
  }
  for (const namespace of [...namespaces].sort()) {
    const here = termPodsIn(model, namespace, labelsOf(namespace));
    if (here.length === 0) continue;
    const workloads = workloadsIn(model, namespace);
    const conjunctions = [...workloads.map((w) => w.pods), ...here];
    const pods = (needsCombinations(conjunctions) ? labelCombinations(conjunctions, MAX_DIFF_COMBINATIONS) : undefined) ?? here.map(witness);
    // one pod per set of selectors holding it: a workload's own pods, pods without labels (other
    // pods) and, in a namespace the program does not own, the first term's ("pods of X") are named
    // already, and label maps that no selector tells apart are one
    const signature = (labels: Labels) => conjunctions.map((c) => (conjunctionMatches(c, labels) ? "1" : "0")).join("");
    const named = [{}, ...workloads.map((w) => witness(w.pods)), ...(owned.has(namespace) ? [] : [witness(here[0])])];
    const seen = new Set(named.map(signature));
    for (const labels of pods) {
      const held = signature(labels);
      if (seen.has(held)) continue;
      seen.add(held);
      const shown = Object.entries(labels).map(([k, v]) => `${k}=${v.startsWith(FRESH_VALUE) ? "<other>" : v}`).join(", ");
      const name = `pods(${shown}) in ns ${namespace}`;
      const ports = workloads.find((w) => conjunctionMatches(w.pods, labels))?.ports ?? [];
      if (!byName.has(name)) byName.set(name, { name, endpoint: { pod: { namespace, labels, ports } } });
    }
  }
}

/** The ports the programs mention (rules' range ends and workloads' ports), or one when none. */
export function candidatePorts(models: readonly Model[]): { protocol: Protocol; port: number }[] {
  const result = new Map<string, { protocol: Protocol; port: number }>();
  for (const model of models) {
    for (const protocol of protocols) {
      for (const rule of model.rules) for (const c of rule.clauses) for (const r of c.ports.numeric[protocol]) for (const port of [r.from, r.to]) result.set(`${protocol}/${port}`, { protocol, port });
    }
    for (const w of model.workloads) for (const p of w.ports) result.set(`${p.protocol}/${p.port}`, { protocol: p.protocol, port: p.port });
  }
  if (result.size === 0) result.set("TCP/1", { protocol: "TCP", port: 1 });
  return [...result.values()];
}

/** Ports per protocol as `5432/tcp`, `8000..8080/tcp`, adjacent ports merged into ranges. */
export function portList(byProtocol: ReadonlyMap<Protocol, number[]>): string[] {
  return protocols.flatMap((p) =>
    mergeRanges((byProtocol.get(p) ?? []).map((port) => ({ from: port, to: port }))).map((r) => `${r.from === r.to ? r.from : `${r.from}..${r.to}`}/${p.toLowerCase()}`),
  );
}

/**
 * What decides one side of every flow of an endpoint (its egress as a source, its ingress as a
 * destination), as text: its posture there, and the other end and ports of each allow and deny
 * clause holding it. With the namespaces' labels the same, an endpoint whose side text is the same
 * in two programs gets the same verdict on that side for every peer and port.
 */
function sideText(model: Model, endpoint: Endpoint, direction: Direction, labels: NamespaceLabels): string {
  if (!("pod" in endpoint)) return "-";
  const side = sideOf(model, endpoint.pod, direction, labels, clausesNear(model, endpoint.pod.namespace));
  const other = (c: Clause) => (direction === "ingress" ? c.sources : c.destinations);
  const clauses = (list: readonly { clause: Clause }[]) => [...new Set(list.map(({ clause }) => `${endpointsKey(other(clause))}:${portsKey(clause.ports)}`))].sort().join(";");
  return side.posture ? `${side.posture.posture}|${clauses(side.allows)}|${clauses(side.denies)}` : "-";
}

/** `pairs: "all"` compares every pair, skipping none (the reference the skipping is tested against). */
export function diffPrograms(before: Model, after: Model, pairs: "changed" | "all" = "changed"): ProgramDiff {
  const labelsBefore = ownedNamespaceLabels(before, (n) => ({ [NAMESPACE_NAME_LABEL]: n }));
  const labelsAfter = ownedNamespaceLabels(after, (n) => ({ [NAMESPACE_NAME_LABEL]: n }));
  const all = namedEndpoints([before, after]);
  const ports = candidatePorts([before, after]);
  // A flow's verdict can change only where its source's egress or its destination's ingress does:
  // the pairs of two unchanged sides are skipped (every pair is compared when a namespace's labels
  // changed, since peers are then matched differently). A change to a few workloads of a
  // 5,000-service program is then compared on thousands of pairs, not 27 million.
  const namespaces = [...new Set([...before.namespaces, ...after.namespaces].map((n) => n.name))];
  const sameLabels = pairs === "changed" && namespaces.every((n) => labelsKey(labelsBefore(n)) === labelsKey(labelsAfter(n)));
  const changed = (direction: Direction) =>
    new Set(all.filter((e) => !sameLabels || sideText(before, e.endpoint, direction, labelsBefore) !== sideText(after, e.endpoint, direction, labelsAfter)));
  const egressChanged = changed("egress");
  const ingressChanged = changed("ingress");
  const gained: FlowChange[] = [];
  const lost: FlowChange[] = [];
  for (const src of all) {
    for (const dst of egressChanged.has(src) ? all : ingressChanged) {
      if (src === dst || (!("pod" in src.endpoint) && !("pod" in dst.endpoint))) continue;
      const changed = { gained: new Map<Protocol, number[]>(), lost: new Map<Protocol, number[]>() };
      for (const { protocol, port } of ports) {
        const flow = { src: src.endpoint, dst: dst.endpoint, protocol, port };
        const was = evaluateFlow(before, flow, labelsBefore).permitted;
        const is = evaluateFlow(after, flow, labelsAfter).permitted;
        if (was === is) continue;
        const into = is ? changed.gained : changed.lost;
        into.set(protocol, [...(into.get(protocol) ?? []), port]);
      }
      for (const [kind, target] of [["gained", gained], ["lost", lost]] as const) {
        const byProtocol = changed[kind];
        if (byProtocol.size === 0) continue;
        target.push({ source: src.name, destination: dst.name, ports: portList(byProtocol) });
      }
    }
  }
  return { gained, lost };
}

export function renderDiff(diff: ProgramDiff, format: "text" | "md"): string {
  const line = (sign: string, c: FlowChange) =>
    format === "md" ? `| ${sign} | \`${c.source}\` | \`${c.destination}\` | ${c.ports.join(", ")} |` : `  ${sign} ${c.source} -> ${c.destination}: ${c.ports.join(", ")}`;
  if (diff.gained.length === 0 && diff.lost.length === 0) return format === "md" ? "**secpolc diff:** no flow changes.\n" : "no flow changes\n";
  if (format === "text") {
    const out: string[] = [];
    if (diff.gained.length > 0) out.push(`flows gained (${diff.gained.length}):`, ...diff.gained.map((c) => line("+", c)));
    if (diff.lost.length > 0) out.push(`flows lost (${diff.lost.length}):`, ...diff.lost.map((c) => line("-", c)));
    return `${out.join("\n")}\n`;
  }
  const out = [`### secpolc diff: ${diff.gained.length} flow${diff.gained.length === 1 ? "" : "s"} gained, ${diff.lost.length} lost`, ""];
  out.push("| | from | to | ports |", "|---|---|---|---|", ...diff.gained.map((c) => line("➕ gained", c)), ...diff.lost.map((c) => line("➖ lost", c)));
  return `${out.join("\n")}\n`;
}
