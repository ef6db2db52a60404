/**
 * What changes between two versions of a program: the flows gained and lost, named in source terms
 * (workloads, other pods of a namespace, address blocks) on the ports either version mentions.
 */
import type { IpBlock } from "../semantics/ip.js";
import { FRESH_VALUE, labelsKey, type Labels } from "../semantics/labels.js";
import {
  evaluateFlow,
  ownedNamespaceLabels,
  type ConcreteFlow,
  sideOf,
  type Endpoint,
  type NamespaceLabels,
} from "../semantics/meaning.js";
import { NAMESPACE_NAME_LABEL, otherEnd, type Clause, type Direction, type Model } from "../semantics/model.js";
import { mergeRanges, portsKey, protocols, type Protocol } from "../semantics/ports.js";
import { portIntervals, type PortInterval } from "../semantics/boundaries.js";
import { endpointsKey } from "../semantics/endpoints.js";
import { clausesNear } from "../semantics/lookup.js";
import {
  blockName,
  onPort,
  universeRegions,
  type PodRegion,
  type PortName,
  type Regions,
} from "../semantics/universe.js";

export interface NamedEndpoint {
  name: string;
  endpoint: Endpoint;
  /** A destination of no workload declaring these port names on the flow's port (`endpointOn`). */
  portNames?: readonly PortName[];
}

/** The endpoint on a flow's protocol and port: a destination of no workload declares its port names there. */
export const endpointOn = (e: NamedEndpoint, protocol: Protocol, port: number): Endpoint =>
  e.portNames && "pod" in e.endpoint ? { pod: onPort(e.endpoint.pod, e.portNames, protocol, port) } : e.endpoint;

/** The flow between two named endpoints on an interval's first port. */
export const flowOn = (src: NamedEndpoint, dst: NamedEndpoint, interval: PortInterval): ConcreteFlow => ({
  src: src.endpoint,
  dst: endpointOn(dst, interval.protocol, interval.from),
  protocol: interval.protocol,
  port: interval.from,
});

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

/**
 * Endpoints standing for every region of pods and addresses the programs' selectors and blocks tell
 * apart (src/semantics/universe.ts), named in source terms: workloads, other pods of a namespace,
 * pods of a namespace the programs do not own, the pods where selectors meet
 * (`pods(app=x, tier=t) in ns a`), namespaces no rule names by name (`pods of namespaces labelled
 * team=x`, `pods of other namespaces`) and address blocks. `tooMany` when the regions are too many to
 * enumerate.
 */
export function namedEndpoints(models: readonly Model[]): NamedEndpoint[] | { tooMany: string } {
  const regions = universeRegions(models);
  return "tooMany" in regions ? regions : regionEndpoints(regions);
}

/**
 * The named endpoints of regions, sorted by name. As `destinations`, the pods of no workload also
 * once per set of port names they may declare on the flow's port (`other pods of a with port http`).
 */
export function regionEndpoints(regions: Exclude<Regions, { tooMany: string }>, destinations = false): NamedEndpoint[] {
  const result: NamedEndpoint[] = regions.pods.flatMap((r) => {
    const plain: NamedEndpoint = {
      name: podRegionName(r),
      endpoint: { pod: { namespace: r.namespace.name, labels: r.labels, ports: r.ports } },
    };
    if (!destinations || !r.anyPorts) return [plain];
    const declaring = regions.portNames.filter((names) => names.length > 0);
    return [
      plain,
      ...declaring.map((portNames) => ({
        ...plain,
        name: `${plain.name} with port${portNames.length > 1 ? "s" : ""} ${portNames.map(portNameText).join(", ")}`,
        portNames,
      })),
    ];
  });
  const firstNames = regions.addresses.map((a) =>
    a.holders.length === 0 ? `other addresses (IPv${a.family})` : blockName(mostSpecific(a.holders)),
  );
  regions.addresses.forEach((a, i) => {
    const clash = firstNames.some((n, j) => j !== i && n === firstNames[i]);
    const name = clash ? [...new Set(a.holders.map(blockName))].sort().join(" and ") : firstNames[i];
    result.push({ name, endpoint: { ip: { family: a.family, value: a.value } } });
  });
  return result.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const shownLabels = (labels: Labels): string =>
  Object.entries(labels)
    .filter(([k]) => k !== NAMESPACE_NAME_LABEL)
    .map(([k, v]) => `${k}=${v.startsWith(FRESH_VALUE) ? "<other>" : v}`)
    .join(", ");

/** A region's pods in source terms. */
export function podRegionName(r: PodRegion): string {
  if (r.workload) return r.workload;
  const n = r.namespace;
  const extra = shownLabels(n.labels[0]);
  const name = n.labels[0][NAMESPACE_NAME_LABEL];
  const place =
    n.owned || (!n.invented && extra === "")
      ? name
      : n.invented
        ? extra === ""
          ? "other namespaces"
          : `ns[${extra}]`
        : `${name}[${extra}]`;
  if (Object.keys(r.labels).length === 0) return n.owned ? `other pods of ${place}` : `pods of ${place}`;
  return `pods(${shownLabels(r.labels)}) in ${n.invented ? place : `ns ${place}`}`;
}

const portNameText = (n: PortName): string => (n.protocol === "TCP" ? n.name : `${n.name}/${n.protocol.toLowerCase()}`);

/** The block most specific among these (the longest prefix, then the most excepts). */
const mostSpecific = (blocks: readonly IpBlock[]): IpBlock =>
  blocks.reduce((a, b) =>
    b.cidr.prefix > a.cidr.prefix || (b.cidr.prefix === a.cidr.prefix && b.except.length > a.except.length) ? b : a,
  );

/** Port intervals per protocol as `5432/tcp`, `8000..8080/tcp`, adjacent ones merged. */
export function portList(intervals: readonly PortInterval[]): string[] {
  return protocols.flatMap((p) =>
    mergeRanges(intervals.filter((i) => i.protocol === p)).map(
      (r) => `${r.from === r.to ? r.from : `${r.from}..${r.to}`}/${p.toLowerCase()}`,
    ),
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
  const clauses = (list: readonly { clause: Clause }[]) =>
    [...new Set(list.map(({ clause }) => `${endpointsKey(otherEnd(clause, direction))}:${portsKey(clause.ports)}`))]
      .sort()
      .join(";");
  return side.posture ? `${side.posture.posture}|${clauses(side.allows)}|${clauses(side.denies)}` : "-";
}

/** `pairs: "all"` compares every pair, skipping none (the reference the skipping is tested against). */
export function diffPrograms(
  before: Model,
  after: Model,
  pairs: "changed" | "all" = "changed",
): ProgramDiff | { tooMany: string } {
  const regions = universeRegions([before, after]);
  if ("tooMany" in regions) return regions;
  const byName = new Map(regions.namespaces.map((n) => [n.name, n.labels]));
  const labelsBefore: NamespaceLabels = (n) => byName.get(n)?.[0] ?? { [NAMESPACE_NAME_LABEL]: n };
  const labelsAfter: NamespaceLabels = (n) => byName.get(n)?.[1] ?? { [NAMESPACE_NAME_LABEL]: n };
  const sources = regionEndpoints(regions);
  const destinations = regionEndpoints(regions, true);
  const ports = portIntervals([before, after]);
  // A flow's verdict can change only where its source's egress or its destination's ingress does:
  // the pairs of two unchanged sides are skipped (every pair is compared when a namespace's labels
  // changed, since peers are then matched differently). A change to a few workloads of a
  // 5,000-service program is then compared on thousands of pairs, not 27 million.
  const sameLabels =
    pairs === "changed" && regions.namespaces.every((n) => labelsKey(n.labels[0]) === labelsKey(n.labels[1]));
  const changed = (all: readonly NamedEndpoint[], direction: Direction) =>
    new Set(
      all.filter(
        (e) =>
          !sameLabels ||
          sideText(before, e.endpoint, direction, labelsBefore) !== sideText(after, e.endpoint, direction, labelsAfter),
      ),
    );
  const egressChanged = changed(sources, "egress");
  const ingressChanged = changed(destinations, "ingress");
  const gained: FlowChange[] = [];
  const lost: FlowChange[] = [];
  for (const src of sources) {
    for (const dst of egressChanged.has(src) ? destinations : ingressChanged) {
      // two pods of one region talk to each other too
      if (!("pod" in src.endpoint) && !("pod" in dst.endpoint)) continue;
      const changed = { gained: [] as PortInterval[], lost: [] as PortInterval[] };
      for (const interval of ports) {
        const flow = flowOn(src, dst, interval);
        const was = evaluateFlow(before, flow, labelsBefore).permitted;
        const is = evaluateFlow(after, flow, labelsAfter).permitted;
        if (was !== is) (is ? changed.gained : changed.lost).push(interval);
      }
      for (const [kind, target] of [
        ["gained", gained],
        ["lost", lost],
      ] as const) {
        if (changed[kind].length === 0) continue;
        target.push({ source: src.name, destination: dst.name, ports: portList(changed[kind]) });
      }
    }
  }
  return { gained, lost };
}

export function renderDiff(diff: ProgramDiff, format: "text" | "md"): string {
  const line = (sign: string, c: FlowChange) =>
    format === "md"
      ? `| ${sign} | \`${c.source}\` | \`${c.destination}\` | ${c.ports.join(", ")} |`
      : `  ${sign} ${c.source} -> ${c.destination}: ${c.ports.join(", ")}`;
  if (diff.gained.length === 0 && diff.lost.length === 0)
    return format === "md" ? "**secpolc diff:** no flow changes.\n" : "no flow changes\n";
  if (format === "text") {
    const out: string[] = [];
    if (diff.gained.length > 0)
      out.push(`flows gained (${diff.gained.length}):`, ...diff.gained.map((c) => line("+", c)));
    if (diff.lost.length > 0) out.push(`flows lost (${diff.lost.length}):`, ...diff.lost.map((c) => line("-", c)));
    return `${out.join("\n")}\n`;
  }
  const out = [
    `### secpolc diff: ${diff.gained.length} flow${diff.gained.length === 1 ? "" : "s"} gained, ${diff.lost.length} lost`,
    "",
  ];
  out.push(
    "| | from | to | ports |",
    "|---|---|---|---|",
    ...diff.gained.map((c) => line("➕ gained", c)),
    ...diff.lost.map((c) => line("➖ lost", c)),
  );
  return `${out.join("\n")}\n`;
}
