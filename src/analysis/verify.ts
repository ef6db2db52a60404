/**
 * Translation validation: after compiling, the emitted NetworkPolicies (as re-read from the output)
 * are evaluated against the program's meaning on representatives of every region that matters —
 * namespaces and pods that satisfy, or just miss, each selector the program uses; every port range
 * boundary; every address block's edges — plus "none of the above" representatives. Each side of a
 * flow (the destination's ingress, the source's egress) is compared separately.
 */
import type { Span } from "../diagnostics/diagnostic.js";
import { formatAddress, lastAddress, type Family } from "../semantics/ip.js";
import { witness, type Conjunction, type Labels } from "../semantics/labels.js";
import { evaluateSide, ownedNamespaceLabels, sideOf, type ConcreteFlow, type Endpoint, type PodInstance } from "../semantics/meaning.js";
import { NAMESPACE_NAME_LABEL, type Direction, type Model } from "../semantics/model.js";
import { protocols, type ContainerPort, type Protocol } from "../semantics/ports.js";
import { admits, admittedBy, emittedSideOf, indexPolicies } from "./netpol.js";

export interface Counterexample {
  flow: ConcreteFlow;
  direction: Direction;
  /** What the program means on that side, and what the emitted policies do. */
  meant: boolean;
  emitted: boolean;
  /** The statement whose side it is: the posture or rule that decides the meaning. */
  span: Span;
  description: string;
}

export interface VerifyResult {
  counterexample?: Counterexample;
  checks: number;
}

const FRESH = "secpolc-other";

/** Selectors with more keys than this get near misses on their first keys only (bounds memory on pathological input). */
export const MAX_NEAR_MISS_KEYS = 16;

/** Label maps that miss the conjunction by one key each. */
function nearMisses(c: Conjunction): Record<string, string>[] {
  const base = witness(c);
  const result: Record<string, string>[] = [];
  for (const [key, k] of c.slice(0, MAX_NEAR_MISS_KEYS)) {
    if (k.absentOk) {
      result.push({ ...base, [key]: k.values.kind === "except" && k.values.values.length > 0 ? k.values.values[0] : FRESH });
    } else {
      const { [key]: _, ...without } = base;
      result.push(without);
      if (k.values.kind === "only") result.push({ ...base, [key]: FRESH });
      else if (k.values.values.length > 0) result.push({ ...base, [key]: k.values.values[0] });
    }
  }
  return result;
}

const unique = <T>(items: T[]): T[] => [...new Map(items.map((i) => [JSON.stringify(i), i])).values()];

interface Universe {
  namespaces: Map<string, Labels>;
  pods: PodInstance[];
  externals: { family: Family; value: bigint }[];
  ports: { protocol: Protocol; port: number }[];
}

function representatives(model: Model): Universe {
  const terms = model.rules.flatMap((r) => r.clauses.flatMap((c) => [...c.sources.pods, ...c.destinations.pods]));
  const namespaceConjunctions = terms.map((t) => t.namespaces);
  const podConjunctions = [...terms.map((t) => t.pods), ...model.workloads.map((w) => w.pods)];

  const namespaces = new Map<string, Labels>(model.namespaces.map((n) => [n.name, n.labels]));
  let fresh = 0;
  for (const labels of unique([{}, ...namespaceConjunctions.flatMap((c) => [witness(c), ...nearMisses(c)])])) {
    const name = labels[NAMESPACE_NAME_LABEL] ?? `${FRESH}-${fresh++}`;
    if (!namespaces.has(name)) namespaces.set(name, { ...labels, [NAMESPACE_NAME_LABEL]: name });
  }

  const namedPorts = unique(
    model.rules.flatMap((r) => r.clauses.flatMap((c) => c.ports.named)).map((n) => ({ name: n.name, protocol: n.protocol })),
  );
  const portNumbers = portRepresentatives(model);
  const podLabels = unique([{}, ...podConjunctions.flatMap((c) => [witness(c), ...nearMisses(c)])]);
  const pods: PodInstance[] = [];
  for (const namespace of namespaces.keys()) {
    for (const labels of podLabels) {
      // a pod gives every port name the program uses a number that some rule may also name
      const ports: ContainerPort[] = namedPorts.map((n, i) => ({ name: n.name, protocol: n.protocol, port: portNumbers[i % portNumbers.length].port }));
      pods.push({ namespace, labels, ports });
    }
  }
  return { namespaces, pods, externals: addressRepresentatives(model), ports: portNumbers };
}

/** One port per protocol and per interval between range boundaries the program mentions. */
function portRepresentatives(model: Model): { protocol: Protocol; port: number }[] {
  const result: { protocol: Protocol; port: number }[] = [];
  for (const protocol of protocols) {
    const cuts = new Set<number>([1, 65535]);
    for (const rule of model.rules) {
      for (const clause of rule.clauses) {
        for (const r of clause.ports.numeric[protocol]) [r.from - 1, r.from, r.to, r.to + 1].forEach((p) => cuts.add(p));
      }
    }
    for (const w of model.workloads) for (const p of w.ports) if (p.protocol === protocol) cuts.add(p.port);
    for (const p of [...cuts].filter((p) => p >= 1 && p <= 65535).sort((a, b) => a - b)) result.push({ protocol, port: p });
  }
  return result;
}

/** The edges of every block the program mentions (first, last, and just outside), plus far-away addresses. */
function addressRepresentatives(model: Model): { family: Family; value: bigint }[] {
  const blocks = model.rules.flatMap((r) => r.clauses.flatMap((c) => [...c.sources.ips, ...c.destinations.ips]));
  const cidrs = [...blocks.flatMap((b) => [b.cidr, ...b.except]), ...model.cluster.podCIDRs, ...model.cluster.serviceCIDRs];
  const result: { family: Family; value: bigint }[] = [
    { family: 4, value: 0x08080808n },
    { family: 6, value: 0x20010db8000000000000000000000001n },
  ];
  for (const c of cidrs) {
    const max = c.family === 4 ? (1n << 32n) - 1n : (1n << 128n) - 1n;
    for (const value of [c.base - 1n, c.base, lastAddress(c), lastAddress(c) + 1n]) if (value >= 0n && value <= max) result.push({ family: c.family, value });
  }
  // pods are never addressed by IP: addresses inside the pod and service ranges are not external
  const inCluster = (a: { family: Family; value: bigint }) =>
    [...model.cluster.podCIDRs, ...model.cluster.serviceCIDRs].some((c) => c.family === a.family && a.value >= c.base && a.value <= lastAddress(c));
  return unique(result.map((a) => ({ family: a.family, value: a.value.toString() }))).map((a) => ({ family: a.family, value: BigInt(a.value) })).filter((a) => !inCluster(a));
}

const describeEndpoint = (e: Endpoint): string =>
  "pod" in e ? `a pod in \`${e.pod.namespace}\` with labels {${Object.entries(e.pod.labels).map(([k, v]) => `${k}=${v}`).join(", ")}}` : formatAddress(e.ip.family, e.ip.value);

export function verifyNetworkPolicies(model: Model, objects: readonly unknown[]): VerifyResult {
  const universe = representatives(model);
  const index = indexPolicies(objects);
  const namespaceLabels = ownedNamespaceLabels(model, (n) => universe.namespaces.get(n) ?? { [NAMESPACE_NAME_LABEL]: n });
  const peers: Endpoint[] = [...universe.pods.map((pod) => ({ pod })), ...universe.externals.map((ip) => ({ ip }))];
  // with a declared podCIDR, every pod also gets an address in it; without one there is no exactness
  // to check for that CNI behaviour (and the build has warned about it)
  const podAddresses = model.cluster.podCIDRs.length > 0 ? () => model.cluster.podCIDRs.map((c) => ({ family: c.family, value: c.base + 1n })) : undefined;
  let checks = 0;
  for (const owned of model.namespaces) {
    const subjects = universe.pods.filter((p) => p.namespace === owned.name);
    for (const direction of ["ingress", "egress"] as const) {
      for (const subject of subjects) {
        const meaning = sideOf(model, subject, direction, namespaceLabels);
        const emitted = [emittedSideOf(index, subject, direction, namespaceLabels), ...(podAddresses ? [emittedSideOf(index, subject, direction, namespaceLabels, podAddresses)] : [])];
        for (const peer of peers) {
          const clauses = meaning.clausesFor(peer);
          const rules = emitted.map((e) => e.rulesFor(peer));
          for (const { protocol, port } of universe.ports) {
            const flow: ConcreteFlow = direction === "ingress" ? { src: peer, dst: { pod: subject }, protocol, port } : { src: { pod: subject }, dst: peer, protocol, port };
            const meant = meaning.permits(clauses, flow);
            checks++;
            // exact whether or not the CNI matches ipBlocks against pod addresses
            for (const [i, side] of emitted.entries()) {
              const admitted = !side.isolated || admits(rules[i], flow);
              if (admitted === meant) continue;
              const policies = admittedBy(rules[i], flow);
              const verdict = evaluateSide(model, flow, direction, namespaceLabels);
              const span = (meant ? verdict.allows[0] : verdict.denies[0]) ?? verdict.posture?.span ?? owned.span;
              const description = `${describeEndpoint(flow.src)} -> ${describeEndpoint(flow.dst)} on ${protocol.toLowerCase()}/${port}: on the ${direction} side the program ${
                meant ? "permits" : "forbids"
              } it, the emitted policies ${admitted ? `admit it${policies.length > 0 ? ` (${policies.join(", ")})` : " (no policy isolates the pod)"}` : "drop it"}${i === 1 ? " when the CNI matches ipBlocks against pod addresses" : ""}`;
              return { counterexample: { flow, direction, meant, emitted: admitted, span, description }, checks };
            }
          }
        }
      }
    }
  }
  return { checks };
}
