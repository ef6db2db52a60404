/**
 * NetworkPolicy semantics over emitted objects, for translation validation: which flows do these
 * policies admit on one side (the ingress of a destination pod, or the egress of a source pod)?
 * Works on the objects as re-read from the output, not on the compiler's structures.
 */
import { addressInCidr, lastAddress, parseCidr, type Cidr, type Family } from "../semantics/ip.js";
import type { Labels } from "../semantics/labels.js";
import type { Direction } from "../semantics/model.js";
import type { ConcreteFlow, Endpoint, NamespaceLabels, PodInstance } from "../semantics/meaning.js";

type Json = Record<string, any>;

export interface PolicyIndex {
  /** Policies by namespace. */
  byNamespace: Map<string, Json[]>;
}

export function indexPolicies(objects: readonly unknown[]): PolicyIndex {
  const byNamespace = new Map<string, Json[]>();
  for (const o of objects as Json[]) {
    if (o?.kind !== "NetworkPolicy") continue;
    const list = byNamespace.get(o.metadata?.namespace) ?? [];
    list.push(o);
    byNamespace.set(o.metadata?.namespace, list);
  }
  return { byNamespace };
}

export function selectorMatches(selector: Json | undefined, labels: Labels): boolean {
  for (const [key, value] of Object.entries((selector?.matchLabels ?? {}) as Record<string, string>)) {
    if (labels[key] !== value || !Object.prototype.hasOwnProperty.call(labels, key)) return false;
  }
  for (const e of (selector?.matchExpressions ?? []) as Json[]) {
    const present = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values: string[] = e.values ?? [];
    const ok =
      e.operator === "In" ? present && values.includes(labels[e.key])
      : e.operator === "NotIn" ? !present || !values.includes(labels[e.key])
      : e.operator === "Exists" ? present
      : e.operator === "DoesNotExist" ? !present
      : false;
    if (!ok) return false;
  }
  return true;
}

const parsedCidrs = new Map<string, Cidr | undefined>();

function cidrOf(text: string): Cidr | undefined {
  if (!parsedCidrs.has(text)) {
    const parsed = parseCidr(text);
    parsedCidrs.set(text, "cidr" in parsed ? parsed.cidr : undefined);
  }
  return parsedCidrs.get(text);
}

function inIpBlock(family: Family, value: bigint, block: Json): boolean {
  const inside = (text: string) => {
    const cidr = cidrOf(text);
    return cidr !== undefined && addressInCidr(family, value, cidr);
  };
  return inside(block.cidr) && !((block.except ?? []) as string[]).some(inside);
}

/** Pod addresses, for CNIs that match ipBlocks against pods too. */
export type PodAddresses = (pod: PodInstance) => { family: Family; value: bigint }[];

function peerMatches(peer: Json, policyNamespace: string, other: Endpoint, namespaceLabels: NamespaceLabels, podAddresses?: PodAddresses): boolean {
  if (peer.ipBlock) {
    if ("ip" in other) return inIpBlock(other.ip.family, other.ip.value, peer.ipBlock);
    return (podAddresses?.(other.pod) ?? []).some((a) => inIpBlock(a.family, a.value, peer.ipBlock));
  }
  if (!("pod" in other)) return false;
  if (peer.namespaceSelector ? !selectorMatches(peer.namespaceSelector, namespaceLabels(other.pod.namespace)) : other.pod.namespace !== policyNamespace) return false;
  return !peer.podSelector || selectorMatches(peer.podSelector, other.pod.labels);
}

function portMatches(entry: Json, flow: ConcreteFlow): boolean {
  if ((entry.protocol ?? "TCP") !== flow.protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === "number") return entry.port <= flow.port && flow.port <= (entry.endPort ?? entry.port);
  return "pod" in flow.dst && flow.dst.pod.ports.some((c) => c.name === entry.port && c.protocol === flow.protocol && c.port === flow.port);
}

export interface EmittedSide {
  isolated: boolean;
  admitted: boolean;
  /** Names of the policies whose rules admit the flow. */
  policies: string[];
}

/**
 * The emitted policies' view of one pod in one direction, prepared once: `admits(other, flow)` then
 * tells whether a flow with that peer is admitted, and by which policies.
 */
export function emittedSideOf(index: PolicyIndex, pod: PodInstance, direction: Direction, namespaceLabels: NamespaceLabels, podAddresses?: PodAddresses) {
  const type = direction === "ingress" ? "Ingress" : "Egress";
  const selecting = (index.byNamespace.get(pod.namespace) ?? []).filter((p) => {
    const types: string[] = p.spec?.policyTypes ?? (p.spec?.egress ? ["Ingress", "Egress"] : ["Ingress"]);
    return types.includes(type) && selectorMatches(p.spec?.podSelector, pod.labels);
  });
  const rules: EmittedRule[] = selecting.flatMap((p) => rulesOf(p, direction));
  return {
    isolated: selecting.length > 0,
    /** Every rule of the policies selecting the pod in this direction. */
    rules,
    /** The rules (with their policy's name) whose peers include `other`. */
    rulesFor(other: Endpoint): EmittedRule[] {
      return rules.filter((r) => r.peers.length === 0 || r.peers.some((peer) => peerMatches(peer, r.namespace, other, namespaceLabels, podAddresses)));
    },
  };
}

export interface EmittedRule {
  policy: string;
  namespace: string;
  peers: Json[];
  ports: Json[] | undefined;
  /** A number naming the rule among all rules read. */
  index: number;
}

const ruleCache = new WeakMap<Json, Record<Direction, EmittedRule[]>>();
let ruleCount = 0;

/** A policy's rules in one direction, read once per policy object (verification reads each build's fresh objects once). */
function rulesOf(p: Json, direction: Direction): EmittedRule[] {
  let cached = ruleCache.get(p);
  if (!cached) {
    const read = (d: Direction) =>
      ((p.spec?.[d] ?? []) as Json[]).map((r) => ({ policy: p.metadata.name, namespace: p.metadata.namespace, peers: (d === "ingress" ? r.from : r.to) ?? [], ports: r.ports, index: ruleCount++ }));
    ruleCache.set(p, (cached = { ingress: read("ingress"), egress: read("egress") }));
  }
  return cached[direction];
}

/** A CIDR's family and first and last addresses, or undefined when it does not parse. */
export function addressInCidrText(text: string): { family: Family; first: bigint; last: bigint } | undefined {
  const cidr = cidrOf(text);
  return cidr && { family: cidr.family, first: cidr.base, last: lastAddress(cidr) };
}

export const admits = (rules: readonly { ports: Json[] | undefined }[], flow: ConcreteFlow): boolean =>
  rules.some((r) => !r.ports || r.ports.length === 0 || r.ports.some((e) => portMatches(e, flow)));

export function admittedBy(rules: readonly { policy: string; ports: Json[] | undefined }[], flow: ConcreteFlow): string[] {
  return [...new Set(rules.filter((r) => !r.ports || r.ports.length === 0 || r.ports.some((e) => portMatches(e, flow))).map((r) => r.policy))];
}

/** The emitted verdict for one side of a flow; `pod` is the destination (ingress) or the source (egress). */
export function emittedSide(
  index: PolicyIndex,
  pod: PodInstance,
  direction: Direction,
  flow: ConcreteFlow,
  namespaceLabels: NamespaceLabels,
  podAddresses?: PodAddresses,
): EmittedSide {
  const side = emittedSideOf(index, pod, direction, namespaceLabels, podAddresses);
  const policies = admittedBy(side.rulesFor(direction === "ingress" ? flow.src : flow.dst), flow);
  return { isolated: side.isolated, admitted: !side.isolated || policies.length > 0, policies };
}
