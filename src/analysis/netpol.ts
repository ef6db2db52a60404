/**
 * NetworkPolicy semantics over emitted objects, for translation validation: which flows do these
 * policies admit on one side (the ingress of a destination pod, or the egress of a source pod)?
 * Works on the objects as written to the output, not on the compiler's structures.
 */
import {
  addressInBlock,
  addressInBlocks,
  lastAddress,
  parseCidr,
  type Cidr,
  type Family,
  type IpBlock,
} from "../semantics/ip.js";
import type { Labels } from "../semantics/labels.js";
import type { Direction } from "../semantics/model.js";
import type { ConcreteFlow, Endpoint, NamespaceLabels, PodInstance } from "../semantics/meaning.js";
import type { Json } from "../kubernetes.js";
import { objectList, toSize } from "../arrays.js";

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

const hasOwn = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);

export function selectorMatches(selector: Json | undefined, labels: Labels): boolean {
  const matchLabels: Record<string, string> | undefined = selector?.matchLabels;
  // the own keys (as Object.entries has them), without building the entries
  for (const key in matchLabels) {
    if (hasOwn(matchLabels, key) && (labels[key] !== matchLabels[key] || !hasOwn(labels, key))) return false;
  }
  for (const e of (selector?.matchExpressions ?? []) as Json[]) {
    const present = hasOwn(labels, e.key);
    const values: string[] = e.values ?? [];
    const ok =
      e.operator === "In"
        ? present && values.includes(labels[e.key])
        : e.operator === "NotIn"
          ? !present || !values.includes(labels[e.key])
          : e.operator === "Exists"
            ? present
            : e.operator === "DoesNotExist"
              ? !present
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

/** An emitted ipBlock as blocks, read once per object (verification probes it at many addresses); undefined when its CIDR does not parse. */
const readBlocks = new WeakMap<Json, IpBlock | null>();

function ipBlockOf(block: Json): IpBlock | undefined {
  let read = readBlocks.get(block);
  if (read === undefined) {
    const cidr = cidrOf(block.cidr);
    const except = ((block.except ?? []) as string[]).map(cidrOf).filter((c): c is Cidr => c !== undefined);
    readBlocks.set(block, (read = cidr ? { cidr, except } : null));
  }
  return read ?? undefined;
}

function inIpBlock(family: Family, value: bigint, block: Json): boolean {
  const read = ipBlockOf(block);
  return read !== undefined && addressInBlock(family, value, read);
}

/** Pod addresses, for CNIs that match ipBlocks against pods too. */
export type PodAddresses = (pod: PodInstance) => { family: Family; value: bigint }[];

function peerMatches(
  peer: Json,
  policyNamespace: string,
  other: Endpoint,
  namespaceLabels: NamespaceLabels,
  podAddresses?: PodAddresses,
): boolean {
  if (peer.ipBlock) {
    if ("ip" in other) return inIpBlock(other.ip.family, other.ip.value, peer.ipBlock);
    return (podAddresses?.(other.pod) ?? []).some((a) => inIpBlock(a.family, a.value, peer.ipBlock));
  }
  if (!("pod" in other)) return false;
  if (
    peer.namespaceSelector
      ? !selectorMatches(peer.namespaceSelector, namespaceLabels(other.pod.namespace))
      : other.pod.namespace !== policyNamespace
  )
    return false;
  return !peer.podSelector || selectorMatches(peer.podSelector, other.pod.labels);
}

function portMatches(entry: Json, flow: ConcreteFlow): boolean {
  if ((entry.protocol ?? "TCP") !== flow.protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === "number") return entry.port <= flow.port && flow.port <= (entry.endPort ?? entry.port);
  if (!("pod" in flow.dst)) return false;
  for (const c of flow.dst.pod.ports)
    if (c.name === entry.port && c.protocol === flow.protocol && c.port === flow.port) return true;
  return false;
}

/** Whether a rule's ports admit the flow (a rule without ports admits every port). */
function portsAdmit(rule: { ports: Json[] | undefined }, flow: ConcreteFlow): boolean {
  if (!rule.ports || rule.ports.length === 0) return true;
  for (const e of rule.ports) if (portMatches(e, flow)) return true;
  return false;
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
export function emittedSideOf(
  index: PolicyIndex,
  pod: PodInstance,
  direction: Direction,
  namespaceLabels: NamespaceLabels,
  podAddresses?: PodAddresses,
  /** Whether every policy of the index is known to select the pod (then their podSelectors are not asked again). */
  selected = false,
) {
  const policies = index.byNamespace.get(pod.namespace) ?? [];
  const { isolated, rules } = isolatingRules(
    policies,
    direction,
    selected ? undefined : (p) => selectorMatches(p.spec?.podSelector, pod.labels),
  );
  const holds = (r: EmittedRule, other: Endpoint): boolean =>
    r.peers.length === 0 || anyPeerMatches(r, other, namespaceLabels, podAddresses);
  return {
    isolated,
    /** Every rule of the policies selecting the pod in this direction. */
    rules,
    /** Whether the rule's peers include `other`. */
    holds,
    /** The rules (with their policy's name) whose peers include `other`. */
    rulesFor(other: Endpoint): EmittedRule[] {
      const result: EmittedRule[] = [];
      for (const r of rules) if (holds(r, other)) result.push(r);
      return result;
    },
  };
}

/**
 * Of these policies (those that `selects`, all by default), whether some isolates a pod in this
 * direction, and the rules of those that do (`emittedSideOf`'s, without what it prepares to match peers).
 */
export function isolatingRules(
  policies: readonly Json[],
  direction: Direction,
  selects?: (p: Json) => boolean,
): { isolated: boolean; rules: EmittedRule[] } {
  const rules: EmittedRule[] = [];
  return { isolated: isolatingRulesInto(policies, direction, rules, selects) >= 0, rules };
}

/**
 * The same, the rules written over `into` from its start (a list reused: emptying it would drop its
 * storage): how many, or -1 when none of the policies isolates the pod.
 */
export function isolatingRulesInto(
  policies: readonly Json[],
  direction: Direction,
  into: EmittedRule[],
  selects?: (p: Json) => boolean,
): number {
  let count = -1;
  for (let i = 0; i < policies.length; i++) {
    const p = policies[i];
    if (!isolates(p, direction) || (selects && !selects(p))) continue;
    if (count < 0) count = 0;
    const own = rulesOf(p, direction);
    for (let k = 0; k < own.length; k++) into[count++] = own[k];
  }
  return count;
}

/** Whether a policy's types include the direction: `policyTypes`, or when absent or empty (as the API server defaults them) Ingress, and Egress when it has egress rules. */
function isolates(p: Json, direction: Direction): boolean {
  const types: string[] | undefined = p.spec?.policyTypes;
  if (Array.isArray(types) && types.length > 0) return types.includes(direction === "ingress" ? "Ingress" : "Egress");
  return direction === "ingress" || (Array.isArray(p.spec?.egress) && p.spec.egress.length > 0);
}

/** Whether some peer of the rule includes `other`. */
function anyPeerMatches(
  rule: EmittedRule,
  other: Endpoint,
  namespaceLabels: NamespaceLabels,
  podAddresses: PodAddresses | undefined,
): boolean {
  if (rule.peers.length < 8) {
    for (const peer of rule.peers)
      if (peerMatches(peer, rule.namespace, other, namespaceLabels, podAddresses)) return true;
    return false;
  }
  const index = peerIndexOf(rule);
  if ("ip" in other) return index.admits(other.ip.family, other.ip.value);
  for (const peer of index.selectors)
    if (peerMatches(peer, rule.namespace, other, namespaceLabels, podAddresses)) return true;
  return (podAddresses?.(other.pod) ?? []).some((a) => index.admits(a.family, a.value));
}

/** A rule's peers: its selectors, and its ipBlocks as blocks (an address is looked up among thousands, not compared with each). */
interface PeerIndex {
  selectors: Json[];
  admits(family: Family, value: bigint): boolean;
}
const peerIndexes = new WeakMap<EmittedRule, PeerIndex>();

function peerIndexOf(rule: EmittedRule): PeerIndex {
  let index = peerIndexes.get(rule);
  if (!index) {
    const blocks = rule.peers.filter((p) => p.ipBlock).flatMap((p) => ipBlockOf(p.ipBlock) ?? []);
    index = {
      selectors: rule.peers.filter((p) => !p.ipBlock),
      admits: (family, value) => addressInBlocks(family, value, blocks),
    };
    peerIndexes.set(rule, index);
  }
  return index;
}

export interface EmittedRule {
  policy: string;
  namespace: string;
  peers: Json[];
  ports: Json[] | undefined;
}

const ruleCache = new WeakMap<Json, Record<Direction, EmittedRule[]>>();

/** A policy's rules in one direction, read once per policy object (verification reads each build's fresh objects once). */
function rulesOf(p: Json, direction: Direction): EmittedRule[] {
  let cached = ruleCache.get(p);
  if (!cached) {
    // (kept per policy, `toSize`; not `map`, whose lists made in optimized code have another kind:
    // see `objectList`)
    const read = (d: Direction): EmittedRule[] => {
      const rules = objectList<EmittedRule>();
      for (const r of (p.spec?.[d] ?? []) as Json[])
        rules.push({
          policy: p.metadata.name,
          namespace: p.metadata.namespace,
          peers: (d === "ingress" ? r.from : r.to) ?? [],
          ports: r.ports,
        });
      return toSize(rules);
    };
    ruleCache.set(p, (cached = { ingress: read("ingress"), egress: read("egress") }));
  }
  return cached[direction];
}

/** A CIDR's family and first and last addresses, or undefined when it does not parse. */
export function addressInCidrText(text: string): { family: Family; first: bigint; last: bigint } | undefined {
  const cidr = cidrOf(text);
  return cidr && { family: cidr.family, first: cidr.base, last: lastAddress(cidr) };
}

export function admits(rules: readonly { ports: Json[] | undefined }[], flow: ConcreteFlow): boolean {
  for (const r of rules) if (portsAdmit(r, flow)) return true;
  return false;
}

export function admittedBy(
  rules: readonly { policy: string; ports: Json[] | undefined }[],
  flow: ConcreteFlow,
): string[] {
  return [...new Set(rules.filter((r) => portsAdmit(r, flow)).map((r) => r.policy))];
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
